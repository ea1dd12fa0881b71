"""``lupuscare serve`` (gunicorn, never the debug server) and ``lupuscare manage`` (Django admin)."""

from __future__ import annotations

import os
import sys

import typer


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lupuscare.web.settings")


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
        port: int = typer.Option(8000, help="Port to listen on."),
        workers: int = typer.Option(2, help="gunicorn worker processes."),
    ) -> None:
        """Serve the web application with gunicorn (a production server)."""
        _django_setup()
        import django

        django.setup()  # refuses to start on unsafe production settings (see settings.py)
        from gunicorn.app.wsgiapp import WSGIApplication

        sys.argv = [
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "lupuscare.web.wsgi:application",
        ]
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()

    @app.command(
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def manage(ctx: typer.Context) -> None:
        """Run a Django management command, e.g. ``lupuscare manage migrate``."""
        _django_setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["lupuscare manage", *ctx.args])
