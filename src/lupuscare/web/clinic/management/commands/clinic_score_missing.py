"""Score every visit that has no stored scores (visits from the API, an import or the demo
loader), or whose stored score is outdated, and optionally re-evaluate every patient's safety
alerts, so the dashboard's cohort counts and work-list cover all patients, not only those whose
page was opened. The bulk path (``lupuscare.web.clinic.bulk_scoring``, as ``lupuscare rescore``)
does the work; a visit that cannot be scored is named on stderr and left as it was.

    DJANGO_SETTINGS_MODULE=lupuscare.web.settings .venv/bin/django-admin clinic_score_missing --alerts
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lupuscare.web.clinic.alerts import refresh_alerts_or_error
from lupuscare.web.clinic.bulk_scoring import rescore
from lupuscare.web.records.models import Patient


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
            problems = 0
            for patient in Patient.objects.all().iterator():
                _, error = refresh_alerts_or_error(patient)
                if error:
                    problems += 1
                    self.stderr.write(f"patient {patient.pk}: {error}")
            self.stdout.write(f"alerts refreshed; {problems} record(s) the rules could not read")
