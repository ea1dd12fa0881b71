"""Django settings, configured by environment variables (see README, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("LUPUSCARE_DATA_DIR", Path.cwd() / "var"))

DEMO_SECRET_KEY = "lupuscare-demo-secret-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("LUPUSCARE_SECRET_KEY", DEMO_SECRET_KEY)
DEBUG = os.environ.get("LUPUSCARE_DEBUG", "0") == "1"
PRODUCTION = os.environ.get("LUPUSCARE_PRODUCTION", "0") == "1"
if PRODUCTION and SECRET_KEY == DEMO_SECRET_KEY:
    raise ImproperlyConfigured(
        "LUPUSCARE_SECRET_KEY must be set to a secret of your own when LUPUSCARE_PRODUCTION=1"
    )
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("LUPUSCARE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lupuscare.web.urls"
WSGI_APPLICATION = "lupuscare.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'lupuscare.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("LUPUSCARE_DATABASE_URL", _default_db), conn_max_age=60
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve assets straight from installed packages, no collectstatic
