"""``lupuscare serve`` (gunicorn, never the debug server) and ``lupuscare manage`` (Django admin)."""

from __future__ import annotations

import os
import sys

import typer

from lupuscare.cli.errors import fail, show_warnings_as_usual


def _django_setup() -> None:
    """Load the settings, turning an unsafe configuration into a one-line error (exit 2)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lupuscare.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()  # settings refuse the demo secret (and DEBUG) in production mode
    except ImproperlyConfigured as exc:
        fail(str(exc))


def gunicorn_argv(host: str, port: int, workers: int, timeout: int) -> list[str]:
    """The gunicorn command line ``serve`` runs (whitenoise serves static files in-process)."""
    import gunicorn.config

    # gunicorn 25+ opens a control socket at one fixed path per user; two servers on one machine
    # (tests, several sites) would fight over it, and we do not use it.
    no_control = ["--no-control-socket"] if hasattr(gunicorn.config, "ControlSocketDisable") else []
    return [
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--access-logfile",
        "-",
        *no_control,
        "lupuscare.web.wsgi:application",
    ]


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
        port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
        workers: int = typer.Option(2, min=1, help="gunicorn worker processes."),
        timeout: int = typer.Option(60, min=1, help="Seconds before a silent worker is restarted."),
    ) -> None:
        """Serve the web application with gunicorn (a production server)."""
        show_warnings_as_usual()
        _django_setup()
        from gunicorn.app.wsgiapp import WSGIApplication

        sys.argv = gunicorn_argv(host, port, workers, timeout)
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()

    @app.command(
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def manage(ctx: typer.Context) -> None:
        """Run a Django management command, e.g. ``lupuscare manage migrate``."""
        show_warnings_as_usual()
        _django_setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["lupuscare manage", *ctx.args])
