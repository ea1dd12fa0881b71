"""The clinic dashboard: a clinician's patients with current activity and treat-to-target status,
open alerts, and cohort counts. A fixed number of queries whatever the number of patients: the
latest stored scores come in as correlated subqueries, never one query per row."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from lupuscare.instruments import sfi
from lupuscare.web.accounts.permissions import patients_visible_to
from lupuscare.web.records.models import Assessment, Patient

from .models import AlertStatus, ClinicAlert, StoredScore

FLARES = tuple(c for c in sfi.FLARE_CATEGORIES if c != "none")


def _latest(field: str, instrument: str) -> Subquery:
    return Subquery(
        StoredScore.objects.filter(patient_id=OuterRef("pk"), instrument=instrument)
        .order_by("-date", "-assessment_id").values(field)[:1]
    )


def _open_alerts() -> Coalesce:
    counted = (
        ClinicAlert.objects.filter(patient_id=OuterRef("pk"), status=AlertStatus.OPEN)
        .order_by().values("patient_id").annotate(n=Count("id")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _has_unscored() -> Exists:
    return Exists(Assessment.objects.filter(patient_id=OuterRef("pk"), stored_scores__isnull=True))


def patients_with_status(user) -> QuerySet[Patient]:
    """The user's patients annotated with their latest scores and open-alert count."""
    return (
        patients_visible_to(user)
        .annotate(
            last_visit=Subquery(
                Assessment.objects.filter(patient_id=OuterRef("pk")).order_by("-date")
                .values("date")[:1]
            ),
            sledai2k=_latest("value", "sledai2k"),
            sle_das=_latest("value", "sle-das"),
            sle_das_category=_latest("category", "sle-das"),
            lldas=_latest("met", "lldas"),
            doris=_latest("met", "doris"),
            flare=_latest("category", "sfi"),
            open_alerts=_open_alerts(),
        )
        .order_by("family_name", "given_name", "id")
    )


def target_status(row: Any) -> str:
    """Treat-to-target status from the latest visit: remission (DORIS) is the target, LLDAS the
    accepted alternative (EULAR 2023 recommendations). LLDAS cannot be judged without the visit
    before (its "no new features" criterion), so that case is "not assessable", not a failure."""
    if row.sledai2k is None and row.lldas is None and row.doris is None:
        return "not scored"
    if row.doris:
        return "remission"
    if row.lldas:
        return "lldas"
    if row.lldas is None:
        return "not assessable"
    return "not at target"


def cohort_counts(user) -> dict[str, int]:
    """How many of the user's patients are, at their latest scored visit, in LLDAS, in DORIS
    remission, flaring (SFI mild/moderate or severe versus the visit before); one query, with
    only the subqueries the counts need."""
    qs = patients_visible_to(user).annotate(
        lldas=_latest("met", "lldas"),
        doris=_latest("met", "doris"),
        flare=_latest("category", "sfi"),
        open_alerts=_open_alerts(),
        has_unscored=_has_unscored(),
    ).order_by()
    return qs.aggregate(
        patients=Count("pk"),
        in_lldas=Count("pk", filter=Q(lldas=True)),
        in_remission=Count("pk", filter=Q(doris=True)),
        flaring=Count("pk", filter=Q(flare__in=FLARES)),
        with_open_alerts=Count("pk", filter=Q(open_alerts__gt=0)),
        with_unscored_visits=Count("pk", filter=Q(has_unscored=True)),
    )


def worklist(user, limit: int | None = None) -> QuerySet[ClinicAlert]:
    """Open alerts of the user's patients, urgent first (one query with the patient joined)."""
    qs = (
        ClinicAlert.objects.filter(status=AlertStatus.OPEN, patient__in=patients_visible_to(user))
        .select_related("patient")
        .order_by("severity_rank", "-first_raised_at", "id")
    )
    return qs[:limit] if limit else qs
