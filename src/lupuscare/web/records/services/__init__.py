"""The one write path of the clinical record: every change, from any door (clinic pages, record
pages, the JSON API, CSV and other imports, the admin, the demo loader, the command line), goes
through one function here that validates (``validation``), saves, re-scores exactly the visits
whose document changed, refreshes the safety alerts and audits, in one transaction. Refused
input raises ``RecordInvalid`` naming each field, and nothing is saved.

Callers pass an ``Actor`` (``Actor.from_request(request, via)`` in views, ``Actor.system(via)``
elsewhere). Views parse and render; these functions decide.
"""

from .base import NON_FIELD, Actor, RecordInvalid
from .clinic_records import (
    classify,
    record_biopsy,
    record_classification,
    record_contraception,
    record_eye_exam,
)
from .damage import amend_damage, new_damage, record_damage, retract_damage
from .diary import record_diary_entry
from .labs import SOURCES, amend_lab, new_lab, record_lab, record_labs, retract_lab
from .medications import (
    amend_medication,
    change_dose,
    new_course,
    retract_medication,
    start_medication,
    stop_medication,
)
from .patients import create_patient, update_patient
from .visits import amend_visit, new_visit, record_visit

__all__ = [
    "NON_FIELD", "SOURCES", "Actor", "RecordInvalid", "amend_damage", "amend_lab",
    "amend_medication", "amend_visit", "change_dose", "classify", "create_patient", "new_course", "new_damage",
    "new_lab", "new_visit", "record_biopsy", "record_classification", "record_contraception",
    "record_damage", "record_diary_entry", "record_eye_exam", "record_lab", "record_labs",
    "record_visit", "retract_damage", "retract_lab", "retract_medication", "start_medication",
    "stop_medication", "update_patient",
]
