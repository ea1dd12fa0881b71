"""``lupuscare manage audit_verify``: recompute the audit log's hash chain; exit 1 if it breaks."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lupuscare.web.records import audit_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and report the first row that does not verify."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default")

    def handle(self, *args, database: str = "default", **options) -> None:
        result = audit_chain.verify(using=database)
        if not result.ok:
            raise CommandError(str(result))
        self.stdout.write(str(result))
