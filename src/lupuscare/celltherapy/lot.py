"""The lot status machine, with two-person QA release.

QUARANTINE -> IN_TESTING -> RELEASED | RELEASED_PENDING_FINAL_STERILITY | REJECTED |
EXCEPTIONAL_RELEASE -> DISPENSED | DESTROYED (cell-therapy.md §7, Lot). Release needs a releasable
evaluation and a releaser who entered none of the results (two-person rule, FACT-JACIE written
release decision [R]). Exceptional (non-conforming) release needs a justification and a physician
acknowledgement from a different person (cell-therapy.md §1.2 [R]). Every other move is refused
with the reason. Lots are immutable: a transition returns a new lot with one more history entry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from lupuscare.celltherapy import _check
from lupuscare.celltherapy.identity import validate_coi
from lupuscare.celltherapy.release import ReleaseEvaluation
from lupuscare.errors import InputError


class LotStatus(StrEnum):
    QUARANTINE = "quarantine"
    IN_TESTING = "in_testing"
    RELEASED = "released"
    RELEASED_PENDING_FINAL_STERILITY = "released_pending_final_sterility"
    REJECTED = "rejected"
    EXCEPTIONAL_RELEASE = "exceptional_release"
    DISPENSED = "dispensed"
    DESTROYED = "destroyed"


S = LotStatus
ALLOWED: dict[LotStatus, frozenset[LotStatus]] = {
    S.QUARANTINE: frozenset({S.IN_TESTING, S.REJECTED, S.DESTROYED}),
    S.IN_TESTING: frozenset({S.RELEASED, S.RELEASED_PENDING_FINAL_STERILITY, S.REJECTED,
                             S.EXCEPTIONAL_RELEASE}),
    S.RELEASED_PENDING_FINAL_STERILITY: frozenset({S.RELEASED, S.REJECTED, S.DISPENSED}),
    S.RELEASED: frozenset({S.DISPENSED, S.DESTROYED}),
    S.EXCEPTIONAL_RELEASE: frozenset({S.DISPENSED, S.DESTROYED}),
    S.REJECTED: frozenset({S.DESTROYED}),
    S.DISPENSED: frozenset(),
    S.DESTROYED: frozenset(),
}
RELEASE_STATES = frozenset({S.RELEASED, S.RELEASED_PENDING_FINAL_STERILITY,
                            S.EXCEPTIONAL_RELEASE})
# Before any release decision: a lot in these states is judged against its specification.
JUDGED_STATES = frozenset({S.QUARANTINE, S.IN_TESTING})


class LotTransitionError(InputError):
    """A lot status change that the rules do not allow."""


@dataclass(frozen=True)
class LotEvent:
    from_status: LotStatus
    to_status: LotStatus
    actor: str
    at: datetime
    reason: str = ""
    acknowledged_by: str = ""


@dataclass(frozen=True)
class Lot:
    lot_number: str
    product: str
    coi_identifier: str
    status: LotStatus = LotStatus.QUARANTINE
    history: tuple[LotEvent, ...] = ()
    evaluation: ReleaseEvaluation | None = None

    def __post_init__(self) -> None:
        _check.text("lot_number", self.lot_number)
        validate_coi(self.coi_identifier)

    @property
    def infusible(self) -> bool:
        return self.status in RELEASE_STATES


def transition(lot: Lot, to: LotStatus, *, actor: str, at: datetime,
               evaluation: ReleaseEvaluation | None = None, reason: str = "",
               acknowledged_by: str = "") -> Lot:
    """Move ``lot`` to ``to`` or raise LotTransitionError naming why not."""
    actor = _check.text("actor", actor)
    at = _check.moment("at", at)
    if not isinstance(to, LotStatus):
        raise LotTransitionError("status", f"unknown status {to!r}")
    if to not in ALLOWED[lot.status]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[lot.status])) or "none (final)"
        raise LotTransitionError("status", f"cannot go from {lot.status.value} to {to.value}; "
                                           f"allowed from {lot.status.value}: {allowed}")
    if lot.history and at < lot.history[-1].at:
        raise LotTransitionError("at", "is earlier than the lot's last status change")

    if to in RELEASE_STATES:
        _check_release(lot, to, actor, evaluation, reason, acknowledged_by)
    if to in {S.REJECTED, S.DESTROYED} and not reason.strip():
        raise LotTransitionError("reason", f"a reason is required to mark a lot {to.value}")

    event = LotEvent(lot.status, to, actor, at, reason.strip(), acknowledged_by.strip())
    return replace(lot, status=to, history=lot.history + (event,),
                   evaluation=evaluation if evaluation is not None else lot.evaluation)


def _check_release(lot: Lot, to: LotStatus, actor: str, evaluation: ReleaseEvaluation | None,
                   reason: str, acknowledged_by: str) -> None:
    if evaluation is None:
        raise LotTransitionError("evaluation", f"{to.value} needs the release evaluation")
    if evaluation.lot_number != lot.lot_number:
        raise LotTransitionError("evaluation", f"is for lot {evaluation.lot_number}, "
                                               f"not {lot.lot_number}")
    if evaluation.product != lot.product:
        raise LotTransitionError("evaluation", f"uses the {evaluation.product} specification; "
                                               f"the lot is {lot.product}")
    if actor.casefold() in {p.casefold() for p in evaluation.entered_by}:
        raise LotTransitionError("actor", f"{actor} entered test results for this lot; a "
                                          "different person must release it (two-person rule)")
    if to is S.RELEASED and not evaluation.releasable:
        raise LotTransitionError("evaluation", "not releasable: " + _gaps(evaluation))
    if to is S.RELEASED_PENDING_FINAL_STERILITY and \
            not evaluation.releasable_pending_final_sterility:
        raise LotTransitionError(
            "evaluation", "pending-final release needs every other result in and passing and "
                          "a final culture at 'no growth to date': " + _gaps(evaluation))
    if to is S.EXCEPTIONAL_RELEASE:
        if evaluation.releasable:
            raise LotTransitionError("status", "the lot conforms: release it normally")
        if not reason.strip():
            raise LotTransitionError("reason", "exceptional release needs the medical "
                                               "director's justification")
        ack = acknowledged_by.strip()
        if not ack:
            raise LotTransitionError("acknowledged_by", "exceptional release needs the treating "
                                                        "physician's acknowledgement")
        if ack.casefold() == actor.casefold():
            raise LotTransitionError("acknowledged_by",
                                     "the acknowledging physician must differ from the releaser")


def _gaps(evaluation: ReleaseEvaluation) -> str:
    parts = []
    if evaluation.missing_required:
        parts.append("missing " + ", ".join(evaluation.missing_required))
    if evaluation.failed:
        parts.append("failed " + ", ".join(evaluation.failed))
    if evaluation.pending_final:
        parts.append("final culture pending for " + ", ".join(evaluation.pending_final))
    return "; ".join(parts) or "nothing outstanding"


@dataclass(frozen=True)
class SterilityNotice:
    """What a positive final culture on a lot released before it was final requires."""

    lot_number: str
    action: str
    notify: tuple[str, ...]


def positive_final_culture(lot: Lot, organism: str) -> SterilityNotice:
    """A final sterility culture turned positive after a pending-final release.

    Still in stock: reject it. Already given: notify the treating physician and the patient,
    and record it for adverse-event follow-up (FACT/AABB pattern, cell-therapy.md §1.2 [R]).
    """
    organism = _check.text("organism", organism)
    pending = any(e.to_status is S.RELEASED_PENDING_FINAL_STERILITY for e in lot.history)
    if not pending:
        raise LotTransitionError("status", "the lot was not released pending final sterility")
    if lot.status is S.DISPENSED:
        return SterilityNotice(lot.lot_number,
                               f"product already given; final culture grew {organism}: "
                               "notify, assess the patient, record as adverse event / deviation",
                               ("treating physician", "patient", "medical director"))
    return SterilityNotice(lot.lot_number,
                           f"final culture grew {organism}: reject the lot, do not infuse",
                           ("medical director", "treating physician"))
