"""Access rules of the cell-therapy pages for the URL walk (``tests/web/access.py``).

In the walk's world no patient is enrolled, so the coordinator (who sees cell-therapy data of
enrolled patients only) is refused every patient page, as ``VISIBLE`` expects; the clinician of
patient A's care team may open them. Pages that only take a POST answer an allowed user's GET
with 405 after the permission check, so everyone else still gets a refusal. The coordinator's
view of an *enrolled* patient, and every POST, are checked in ``test_access.py`` here.
"""

from __future__ import annotations

from web.access import CLIN_IN, CLIN_OUT, COORD, Rule

STAFF = frozenset({CLIN_IN, CLIN_OUT, COORD})
TEAM = frozenset({CLIN_IN})
POST_ONLY = ("refer", "override", "eligibility", "consent", "lot-create", "lot-result",
             "lot-status", "custody", "pre-check", "infusion", "discharge", "visit", "endpoint",
             "adverse-event", "report-submitted")

RULES: dict[str, Rule] = {
    "celltherapy:board": Rule(STAFF),
    "celltherapy:programmes": Rule(STAFF),
    "celltherapy:patient": Rule(TEAM, shows_patient_a=True),
    "celltherapy:custody-verify": Rule(TEAM, shows_patient_a=True),
    **{f"celltherapy:{name}": Rule(TEAM, ok=frozenset({405})) for name in POST_ONLY},
    # a programme's CAR-T release specification: entered by a coordinator only (POST only)
    "celltherapy:release-spec": Rule(frozenset({COORD}), ok=frozenset({405})),
}
