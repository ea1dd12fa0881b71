"""The one permission layer: who may see and change which patient's records.

Every page and API endpoint that touches patient data starts from ``patients_visible_to(user)``
(or ``get_visible_patient``), so a rule changes here and nowhere else:

- a patient sees only their own record;
- a clinician sees the patients of the care teams they belong to;
- a coordinator sees cell-therapy data of enrolled patients only (no such app yet, so no patient
  records at all for now);
- an administrator works in the Django admin, not through these pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from lupuscare.web.accounts.models import Role, User
from lupuscare.web.records.models import Patient


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def patients_visible_to(user: User | None) -> QuerySet[Patient]:
    """The patients whose clinical records ``user`` may read (a queryset, so callers can filter)."""
    if not _active(user):
        return Patient.objects.none()
    if user.role == Role.PATIENT:
        return Patient.objects.filter(user=user)
    if user.role == Role.CLINICIAN:
        # One join, no DISTINCT needed: a patient has one care team, a member appears once in it.
        return Patient.objects.filter(care_team__members=user)
    return Patient.objects.none()


def get_visible_patient(user: User | None, patient_id: int) -> Patient:
    """The patient if ``user`` may see them; 404 otherwise (never saying whether they exist)."""
    patient = patients_visible_to(user).filter(pk=patient_id).select_related("care_team").first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


def can_record_for(user: User | None, patient: Patient) -> bool:
    """Clinicians record visits, labs and medicines for the patients they can see."""
    return (
        _active(user)
        and user.role == Role.CLINICIAN
        and patients_visible_to(user).filter(pk=patient.pk).exists()
    )


def role_required(*roles: str) -> Callable:
    """View decorator: 403 unless the (logged-in) user has one of ``roles``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not _active(request.user) or request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def enrolled_patients_visible_to(user: User | None) -> QuerySet[Patient]:
    """The patients whose *cell-therapy* data ``user`` may see and record.

    A coordinator: every patient enrolled (referred) in a cell-therapy programme, and no one else.
    A clinician: the patients of their care teams (referral starts from there). Nobody else. This
    grants cell-therapy pages only: a coordinator still sees no clinical record pages.
    """
    if not _active(user):
        return Patient.objects.none()
    if user.role == Role.COORDINATOR:
        return Patient.objects.filter(
            pk__in=Patient.objects.filter(celltherapy_enrolments__isnull=False).values("pk"))
    if user.role == Role.CLINICIAN:
        return patients_visible_to(user)
    return Patient.objects.none()
