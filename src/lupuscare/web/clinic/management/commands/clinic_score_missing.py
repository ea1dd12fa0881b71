"""Score every visit that has no stored scores (visits from the API, an import or the demo
loader), and optionally re-evaluate every patient's safety alerts, so the dashboard's cohort
counts and work-list cover all patients, not only those whose page was opened.

    DJANGO_SETTINGS_MODULE=lupuscare.web.settings .venv/bin/django-admin clinic_score_missing --alerts
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lupuscare.web.clinic.alerts import refresh_alerts_or_error
from lupuscare.web.clinic.scoring import score_missing
from lupuscare.web.records.models import Assessment, Patient


class Command(BaseCommand):
    help = "Store scores for unscored visits; with --alerts, re-evaluate every patient's alerts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--alerts", action="store_true", help="also refresh safety alerts")

    def handle(self, *args, alerts: bool = False, **options) -> None:
        ids = (Assessment.objects.filter(stored_scores__isnull=True)
               .values_list("patient_id", flat=True).distinct())
        visits = sum(score_missing(pid) for pid in sorted(set(ids)))
        self.stdout.write(f"scored {visits} visit(s)")
        if alerts:
            problems = 0
            for patient in Patient.objects.all().iterator():
                _, error = refresh_alerts_or_error(patient)
                if error:
                    problems += 1
                    self.stderr.write(f"patient {patient.pk}: {error}")
            self.stdout.write(f"alerts refreshed; {problems} record(s) the rules could not read")
