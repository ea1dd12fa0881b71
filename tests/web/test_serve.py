"""``lupuscare serve`` and the environment configuration, each in a fresh process (settings are
read once per process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PYTHON = sys.executable
SECRET_ENV = ("LUPUSCARE_SECRET_KEY", "LUPUSCARE_PRODUCTION", "LUPUSCARE_DEBUG",
              "LUPUSCARE_DATABASE_URL", "DJANGO_SETTINGS_MODULE")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env["LUPUSCARE_DATA_DIR"] = str(tmp_path / "var")
    env.update(extra)
    return env


def _lupuscare(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "lupuscare.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def _setting(name: str, env: dict[str, str]) -> str:
    code = ("import django; django.setup(); from django.conf import settings; "
            f"print(repr(settings.{name}))")
    out = subprocess.run([PYTHON, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE":
                         "lupuscare.web.settings"}, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_serve_refuses_production_with_the_demo_secret(tmp_path):
    result = _lupuscare("serve", "--port", "8999", env=_env(tmp_path, LUPUSCARE_PRODUCTION="1"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: LUPUSCARE_SECRET_KEY must be set")
    assert len(result.stderr.strip().splitlines()) == 1  # one line, no traceback


def test_serve_refuses_production_with_debug(tmp_path):
    env = _env(tmp_path, LUPUSCARE_PRODUCTION="1", LUPUSCARE_SECRET_KEY="s" * 50,
               LUPUSCARE_DEBUG="1")
    result = _lupuscare("serve", env=env)
    assert result.returncode == 2 and "LUPUSCARE_DEBUG" in result.stderr


@pytest.mark.slow  # a real serve subprocess, ~6 s
def test_production_mode_marks_cookies_secure(tmp_path):
    env = _env(tmp_path, LUPUSCARE_PRODUCTION="1", LUPUSCARE_SECRET_KEY="s" * 50)
    assert _setting("SESSION_COOKIE_SECURE", env) == "True"
    assert _setting("CSRF_COOKIE_SECURE", env) == "True"
    assert _setting("SESSION_COOKIE_SECURE", _env(tmp_path)) == "False"


def test_database_url_selects_postgresql(tmp_path):
    env = _env(tmp_path, LUPUSCARE_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/lupuscare")
    assert _setting("DATABASES['default']['ENGINE']", env) == "'django.db.backends.postgresql'"


def test_defaults_sqlite_in_wal_mode_inside_a_created_data_dir(tmp_path):
    env = _env(tmp_path)
    assert not (tmp_path / "var").exists()
    code = ("from django.db import connection; c = connection.cursor(); "
            "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])")
    result = _lupuscare("manage", "shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "wal"
    assert (tmp_path / "var" / "lupuscare.sqlite3").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # a real gunicorn, ~20 s
def test_serve_runs_gunicorn_with_static_files(tmp_path):
    env = _env(tmp_path)
    assert _lupuscare("manage", "migrate", "--noinput", env=env, timeout=120).returncode == 0
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([PYTHON, "-m", "lupuscare.cli", "serve", "--port", str(port),
                             "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                login = urllib.request.urlopen(f"{base}/accounts/login/", timeout=15)
                break
            except OSError:  # refused before the bind, or timed out while the worker boots
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.3)
        assert login.status == 200
        assert "gunicorn" in login.headers.get("Server", "")
        assert "default-src 'self'" in login.headers["Content-Security-Policy"]
        css = urllib.request.urlopen(f"{base}/static/lupuscare/site.css", timeout=5)
        assert css.status == 200 and b"lupuscare" in css.read()
        plotly = urllib.request.urlopen(f"{base}/static/vendor/plotly/plotly.min.js", timeout=5)
        assert plotly.status == 200 and "max-age" in plotly.headers.get("Cache-Control", "")
        assert len(plotly.read()) > 1_000_000  # read it all: one sync worker serves one at a time
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/static/vendor/plotly/widgetbundle.js", timeout=5)
        assert missing.value.code == 404  # only plotly.min.js is exposed from the package
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert "Starting gunicorn" in (tmp_path / "serve.log").read_text()
