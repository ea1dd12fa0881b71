"""Django settings, configured by environment variables (docs/configuration.md).

Safe defaults for the local demo (SQLite in ``var/``, the demo secret, DEBUG off); production mode
(``LUPUSCARE_PRODUCTION=1``) refuses the demo secret and turns on secure cookies and HSTS.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("LUPUSCARE_DATA_DIR", Path.cwd() / "var"))
with contextlib.suppress(OSError):  # a read-only deployment on PostgreSQL needs none
    DATA_DIR.mkdir(parents=True, exist_ok=True)

DEMO_SECRET_KEY = "lupuscare-demo-secret-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("LUPUSCARE_SECRET_KEY", DEMO_SECRET_KEY)
DEBUG = os.environ.get("LUPUSCARE_DEBUG", "0") == "1"
PRODUCTION = os.environ.get("LUPUSCARE_PRODUCTION", "0") == "1"
if PRODUCTION and SECRET_KEY == DEMO_SECRET_KEY:
    raise ImproperlyConfigured(
        "LUPUSCARE_SECRET_KEY must be set to a secret of your own when LUPUSCARE_PRODUCTION=1"
    )
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("LUPUSCARE_DEBUG=1 is not allowed when LUPUSCARE_PRODUCTION=1")
# How long clinical records are kept after a patient deletes their account (days). A clinic sets
# its own legal rule; the default (10 years) is a placeholder, not legal advice.
try:
    LUPUSCARE_RETENTION_DAYS = int(os.environ.get("LUPUSCARE_RETENTION_DAYS", "3650"))
except ValueError as exc:
    raise ImproperlyConfigured("LUPUSCARE_RETENTION_DAYS must be a whole number of days") from exc
if LUPUSCARE_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("LUPUSCARE_RETENTION_DAYS must be 0 or more")
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
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from its own static files, not a CDN
    "simple_history",
    "lupuscare.web.accounts",
    "lupuscare.web.records",
    "lupuscare.web.diary",
    "lupuscare.web.clinic",
    "lupuscare.web.celltherapy",
    "lupuscare.web.evidence",
    "huey.contrib.djhuey",
    "lupuscare.web.jobs",
]
if (BASE_DIR / "demo" / "apps.py").exists():  # the demo cohort's app, when its engineer adds one
    INSTALLED_APPS.append("lupuscare.web.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): a second factor passed
    # before any view or CSRF check reads the body; after authentication, so the page renders
    "lupuscare.web.middleware.UploadLimitMiddleware",
    "lupuscare.web.middleware.NoStoreMiddleware",
    "lupuscare.web.middleware.AuditRefusalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # staff idle expiry and the second-factor requirement (docs/accounts.md); after messages, so it can say why
    "lupuscare.web.accounts.middleware.SignInPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lupuscare.web.middleware.AdminInlineStyleMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last, as django-axes asks: it turns a locked-out login into its lockout response
    "axes.middleware.AxesMiddleware",
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
                "lupuscare.web.navigation.navigation",
            ]
        },
    }
]

# --- database --------------------------------------------------------------------------------
_default_db = f"sqlite:///{DATA_DIR / 'lupuscare.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("LUPUSCARE_DATABASE_URL", _default_db), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; set on every new connection (Django 5.1+).
    # synchronous=FULL: a commit is on disk (the WAL fsynced) before the page says "saved", so a
    # power cut loses no acknowledged clinical write (NORMAL could lose the last commits).
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if DEBUG else 60

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- authentication ----------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: counts failures and refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock a username+address pair after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("LUPUSCARE_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Second factor (django-otp: TOTP devices, single-use recovery codes as static tokens). Required
# of every staff role (clinician, coordinator, admin) in production; patients may opt in. The
# demo leaves it optional; LUPUSCARE_MFA_REQUIRED=1 turns it on without production mode.
LUPUSCARE_MFA_REQUIRED = os.environ.get("LUPUSCARE_MFA_REQUIRED", "1" if PRODUCTION else "0") == "1"
OTP_TOTP_ISSUER = "lupuscare"
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubled after each wrong code (django-otp's throttling)
OTP_STATIC_THROTTLE_FACTOR = 1
LUPUSCARE_RECOVERY_CODES = 10
try:
    # A staff session ends after this many minutes without a request; patients keep the cookie age.
    LUPUSCARE_STAFF_IDLE_MINUTES = int(os.environ.get("LUPUSCARE_STAFF_IDLE_MINUTES", "30"))
    # How long an invitation link stays valid.
    LUPUSCARE_INVITATION_HOURS = int(os.environ.get("LUPUSCARE_INVITATION_HOURS", "72"))
except ValueError as exc:
    raise ImproperlyConfigured(
        "LUPUSCARE_STAFF_IDLE_MINUTES and LUPUSCARE_INVITATION_HOURS must be whole numbers") from exc
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3  # a reset link lasts three hours
# Invitation and password-reset emails. The demo writes them to files under the data dir.
# Email (invitations, password reset, notifications): one configuration, in the jobs block
# below (a file backend under the data dir by default, SMTP from LUPUSCARE_EMAIL_*).

# --- cookies, transport, headers -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8  # a working day
CSRF_COOKIE_HTTPONLY = True  # templates read the token from the form / the page, never the cookie
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("LUPUSCARE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("LUPUSCARE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-csp 4: our own origin only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- i18n, time --------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
with contextlib.suppress(OSError):  # whitenoise warns at start-up when it is missing
    STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "lupuscare.web.staticfinders.PlotlyFinder",  # plotly.min.js from the installed plotly package
]
WHITENOISE_USE_FINDERS = True  # serve assets straight from installed packages, no collectstatic
WHITENOISE_AUTOREFRESH = DEBUG

# --- API -------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
PAGE_SIZE = 25  # the clinician's patient list

# --- uploads -------------------------------------------------------------------------------
# Each upload page's own limit is checked from Content-Length first (lupuscare.web.uploads);
# these bound what Django holds in memory: a form's fields, and a file before it goes to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # a form or an API document, not counting files
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # larger files are spooled to a temporary file
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5

# --- jobs and notifications (docs/jobs.md) ----------------------------------------------------
# Huey: SQLite storage under the data dir by default (no extra server for `make run`), Redis when
# LUPUSCARE_REDIS_URL is set (several machines). Never "immediate" here (djhuey would follow DEBUG):
# a task goes through the queue; tests switch the queue to immediate mode themselves.
REDIS_URL = os.environ.get("LUPUSCARE_REDIS_URL", "")
HUEY = {
    "name": "lupuscare",
    "immediate": False,
    "results": False,
    "utc": True,
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
    **({"huey_class": "huey.RedisHuey", "url": REDIS_URL} if REDIS_URL else
       {"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "queue" / "jobs.sqlite3")}),
}
if not REDIS_URL:
    with contextlib.suppress(OSError):
        (DATA_DIR / "queue").mkdir(exist_ok=True)
# The address emails link to (the inbox page), and who they come from.
SITE_URL = os.environ.get("LUPUSCARE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("LUPUSCARE_EMAIL_FROM", "lupuscare <lupuscare@localhost>")
if os.environ.get("LUPUSCARE_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["LUPUSCARE_EMAIL_HOST"]
    try:
        EMAIL_PORT = int(os.environ.get("LUPUSCARE_EMAIL_PORT", "587"))
    except ValueError as exc:
        raise ImproperlyConfigured("LUPUSCARE_EMAIL_PORT must be a port number") from exc
    EMAIL_HOST_USER = os.environ.get("LUPUSCARE_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("LUPUSCARE_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("LUPUSCARE_EMAIL_TLS", "1") == "1"
    EMAIL_USE_SSL = os.environ.get("LUPUSCARE_EMAIL_SSL", "0") == "1"
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("LUPUSCARE_EMAIL_TLS and LUPUSCARE_EMAIL_SSL exclude each other")
    EMAIL_TIMEOUT = 30
else:  # the demo: every email is a file under the data dir, so you can read what was sent
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "sent-email")
# The hour (UTC) of the nightly scoring and alert refresh.
try:
    LUPUSCARE_NIGHTLY_HOUR = int(os.environ.get("LUPUSCARE_NIGHTLY_HOUR", "2"))
except ValueError as exc:
    raise ImproperlyConfigured("LUPUSCARE_NIGHTLY_HOUR must be an hour from 0 to 23") from exc
if not 0 <= LUPUSCARE_NIGHTLY_HOUR <= 23:
    raise ImproperlyConfigured("LUPUSCARE_NIGHTLY_HOUR must be an hour from 0 to 23")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal_without_traceback": {"()": "lupuscare.web.logfilters.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # On the logger, not the handler: a 403 loses its traceback before any handler sees it.
    "loggers": {"django.request": {"filters": ["refusal_without_traceback"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LUPUSCARE_LOG_LEVEL", "WARNING")},
}
# The worker's own handler prints Huey's log (`run_huey`); not a second time through the root.
LOGGING["loggers"]["huey"] = {"propagate": False}
