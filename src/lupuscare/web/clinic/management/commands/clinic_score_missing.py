"""Score every visit that has no stored scores (visits from the API, an import or the demo
loader), or whose stored score is outdated, and optionally re-evaluate every patient's safety
alerts, so the dashboard's cohort counts and work-list cover all patients, not only those whose
page was opened. The bulk paths do the work (``lupuscare.web.clinic.bulk_scoring``, as
``lupuscare rescore``, and ``bulk_alerts``); a visit that cannot be scored is named on stderr
and left as it was.

    DJANGO_SETTINGS_MODULE=lupuscare.web.settings .venv/bin/django-admin clinic_score_missing --alerts
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lupuscare.web.clinic.bulk_alerts import refresh as refresh_alerts
from lupuscare.web.clinic.bulk_scoring import rescore


class Command(BaseCommand):
    help = "Store scores for unscored visits; with --alerts, re-evaluate every patient's alerts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--alerts", action="store_true", help="also refresh safety alerts")

    def handle(self, *args, alerts: bool = False, **options) -> None:
        summary = rescore()
        for f in summary.failures:
            self.stderr.write(f"patient {f.patient_id} visit {f.visit_id}: {f.field}: {f.message}")
        self.stdout.write(f"scored {summary.visits_scored} visit(s)")
        if alerts:
            result = refresh_alerts()
            for f in result.failures:
                self.stderr.write(f"patient {f['patient']}: safety rules could not run on this "
                                  f"record ({f['field']}: {f['message']}); its alerts are unchanged")
            self.stdout.write(f"alerts refreshed; {result.failed} record(s) the rules could not read")
