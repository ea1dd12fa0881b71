"""Informed consent: is there a current, complete consent for the next step?

Consent must exist before scheduling (cell-therapy.md §5.5 item 4), cover every scope the
protocol needs (CAR-T adds genetic modification and long-term follow-up), carry a witness when the
protocol asks for one, and be on the current form version: a new form version needs re-consent.
A withdrawal stops every further step from its date on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.regulatory import Modality
from lupuscare.errors import InputError


class Scope(StrEnum):
    TREATMENT = "treatment"
    GENETIC_MODIFICATION = "genetic_modification"
    LONG_TERM_FOLLOW_UP = "long_term_follow_up"
    FUTURE_SAMPLE_USE = "future_sample_use"
    DATA_SHARING = "data_sharing"


# Scopes every programme of a modality needs (cell-therapy.md §5.5 item 4).
REQUIRED_SCOPES: dict[Modality, frozenset[Scope]] = {
    Modality.MSC: frozenset({Scope.TREATMENT}),
    Modality.CAR_T: frozenset({Scope.TREATMENT, Scope.GENETIC_MODIFICATION,
                               Scope.LONG_TERM_FOLLOW_UP}),
    Modality.OTHER: frozenset({Scope.TREATMENT}),
}


@dataclass(frozen=True)
class ConsentForm:
    """The protocol's current consent document."""

    version: str
    effective_from: date
    witness_required: bool = False
    extra_scopes: frozenset[Scope] = frozenset()


@dataclass(frozen=True)
class ConsentRecord:
    consent_id: str
    form_version: str
    signed_on: date
    signer: str
    scopes: frozenset[Scope]
    witness: str = ""
    withdrawn_on: date | None = None


class ConsentError(InputError):
    """A step was attempted without a valid consent."""


@dataclass(frozen=True)
class ConsentStatus:
    valid: bool
    reconsent_needed: bool
    withdrawn: bool
    reasons: tuple[str, ...]


def consent_status(record: ConsentRecord | None, form: ConsentForm, modality: Modality,
                   on: date) -> ConsentStatus:
    """Check a consent record against the current form and the modality's scopes on ``on``."""
    on = _check.day("on", on)
    try:
        modality = Modality(modality)
    except ValueError:
        raise InputError("modality", f"must be one of {[m.value for m in Modality]}") from None
    if record is None:
        return ConsentStatus(False, False, False, ("no consent is recorded",))
    _check.text("consent.consent_id", record.consent_id)
    _check.text("consent.signer", record.signer)
    signed_on = _check.day("consent.signed_on", record.signed_on)
    reasons: list[str] = []
    withdrawn_on = None if record.withdrawn_on is None else _check.day("consent.withdrawn_on",
                                                                       record.withdrawn_on)
    withdrawn = withdrawn_on is not None and withdrawn_on <= on
    if withdrawn:
        reasons.append(f"consent was withdrawn on {withdrawn_on}")
    if signed_on > on:
        reasons.append(f"consent is dated {signed_on}, after {on}")
    reconsent = record.form_version != form.version
    if reconsent:
        reasons.append(f"signed on form version {record.form_version}; the current version is "
                       f"{form.version}: re-consent needed")
    needed = REQUIRED_SCOPES[modality] | form.extra_scopes
    try:
        given = {Scope(s) for s in record.scopes}
    except ValueError:
        raise InputError("consent.scopes",
                         f"must be among {[s.value for s in Scope]}") from None
    missing = sorted(s.value for s in needed - given)
    if missing:
        reasons.append(f"scope not consented: {', '.join(missing)}")
    if form.witness_required:
        if not record.witness.strip():
            reasons.append("a witness signature is required")
        elif record.witness.strip().casefold() == record.signer.strip().casefold():
            reasons.append("the witness must be a different person from the signer")
    return ConsentStatus(not reasons, reconsent, withdrawn, tuple(reasons))


def require_consent(record: ConsentRecord | None, form: ConsentForm, modality: Modality,
                    on: date, step: str) -> None:
    """Raise ConsentError (field ``consent``) unless ``step`` may go ahead on ``on``."""
    status = consent_status(record, form, modality, on)
    if not status.valid:
        raise ConsentError("consent", f"{step} refused: " + "; ".join(status.reasons))
