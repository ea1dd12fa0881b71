"""Every write of the cell-therapy programme: one transaction per step, decisions by the core.

Each function checks with ``lupuscare.celltherapy`` first and writes only when the core agrees;
a refusal raises ``InputError(field, reason)`` before anything is saved, and the surrounding
``transaction.atomic`` rolls back anything written before a late refusal. Views call these and
never re-implement a rule; tests call them directly. One module per step of the programme.
"""

from .adverse_events import mark_report_submitted, record_adverse_event, resolve_adverse_event
from .consent import consent_state, current_consent, record_consent, withdraw_consent
from .followup import (
    baseline_assessment,
    compute_endpoint,
    endpoint_inputs,
    first_infusion,
    record_visit,
    visit_states,
)
from .gate import (
    clearance,
    cleared,
    countersign_override,
    covering_override,
    gate_decision,
    pending_override,
    refer,
    request_override,
)
from .infusion import check_before_infusion, record_discharge, record_infusion
from .product import (
    append_custody,
    chain_of,
    create_lot,
    enter_result,
    evaluation_of,
    excursions,
    set_car_t_spec,
    transition_lot,
    verify_custody,
)
from .screening import SCREENING_LAB_DAYS, assess_eligibility, screening_inputs
from .signoff import Signature, Step, authenticate_second_person

__all__ = [
    "SCREENING_LAB_DAYS", "Signature", "Step", "authenticate_second_person",
    "check_before_infusion", "append_custody", "assess_eligibility", "baseline_assessment",
    "chain_of", "clearance", "cleared", "compute_endpoint", "consent_state", "countersign_override",
    "covering_override", "create_lot", "current_consent", "endpoint_inputs", "enter_result",
    "evaluation_of", "excursions", "first_infusion", "gate_decision",
    "mark_report_submitted", "pending_override", "record_adverse_event", "record_consent",
    "record_discharge", "record_infusion", "record_visit", "refer", "request_override",
    "resolve_adverse_event", "screening_inputs", "set_car_t_spec", "transition_lot", "verify_custody",
    "visit_states", "withdraw_consent",
]
