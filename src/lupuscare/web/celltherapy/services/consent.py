"""Consent records: stored only when valid; re-consent and withdrawal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from lupuscare.celltherapy.consent import ConsentRecord, Scope, consent_status
from lupuscare.celltherapy.regulatory import Modality
from lupuscare.errors import InputError

from .. import protocols
from ..models import Consent, Enrolment
from .gate import _require_cleared


def _core_consent(c: Consent) -> ConsentRecord:
    return ConsentRecord(str(c.consent_id), c.form_version, c.signed_on, c.signer,
                         frozenset(c.scopes), c.witness, c.withdrawn_on)


def current_consent(enrolment: Enrolment) -> Consent | None:
    return enrolment.consents.order_by("-signed_on", "-id").first()


def consent_state(enrolment: Enrolment, on: dt.date):
    consent = current_consent(enrolment)
    programme = enrolment.programme
    return consent_status(_core_consent(consent) if consent else None,
                          protocols.consent_form(programme), Modality(programme.modality), on)


@transaction.atomic
def record_consent(enrolment: Enrolment, user, *, consent_id: str, form_version: str,
                   signed_on: dt.date, signer: str, scopes: Iterable[str],
                   witness: str = "") -> Consent:
    """Store a signed consent; refused (nothing saved) unless it is valid on its signing date."""
    _require_cleared(enrolment, signed_on, "consent")
    try:
        scopes = sorted({Scope(s).value for s in scopes})
    except ValueError:
        raise InputError("scopes", f"must be among {[s.value for s in Scope]}") from None
    consent = Consent(enrolment=enrolment, consent_id=consent_id, form_version=form_version,
                      signed_on=signed_on, signer=signer, witness=witness, scopes=scopes,
                      recorded_by=user)
    programme = enrolment.programme
    status = consent_status(_core_consent(consent), protocols.consent_form(programme),
                            Modality(programme.modality), signed_on)
    if not status.valid:
        raise InputError("consent", "; ".join(status.reasons))
    consent.save()
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, on: dt.date) -> Consent:
    if consent.withdrawn_on is not None:
        raise InputError("withdrawn_on", f"consent was already withdrawn on {consent.withdrawn_on}")
    if on < consent.signed_on:
        raise InputError("withdrawn_on", "is before the consent was signed")
    consent.withdrawn_on = on
    consent.save()
    return consent
