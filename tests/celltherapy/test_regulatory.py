from datetime import UTC, date, datetime

import pytest

from lupuscare.celltherapy.regulatory import (
    FDA_CONSUMER_WARNING,
    EthicsApproval,
    Modality,
    Programme,
    RegulatoryStatus,
    Route,
    evaluate_gate,
    override_gate,
    trial_registry,
)
from lupuscare.errors import InputError

ON = date(2026, 6, 1)
ETHICS = EthicsApproval("IRB-2025-118", date(2025, 6, 1), date(2026, 6, 1))
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def trial(**changes):
    base = dict(name="UC-MSC LN trial", modality=Modality.MSC,
                regulatory_status=RegulatoryStatus.INVESTIGATIONAL_IND,
                protocol_version="3.1", ind_or_cta_number="IND 012345",
                trial_registrations=("NCT02633163",), ethics_approval=ETHICS)
    base.update(changes)
    return Programme(**base)


def test_trial_with_ind_registration_and_valid_ethics_is_allowed():
    decision = evaluate_gate(trial(), ON)
    assert decision.allowed and decision.route is Route.INVESTIGATIONAL_TRIAL
    assert decision.reasons == () and decision.warning == ""


def test_eu_cta_route_is_allowed():
    p = trial(regulatory_status=RegulatoryStatus.INVESTIGATIONAL_CTA_EU,
              ind_or_cta_number="2017-001400-29", trial_registrations=("2017-001400-29",))
    assert evaluate_gate(p, ON).allowed


def test_approved_for_lupus_is_allowed_and_other_indication_is_blocked():
    approved = Programme("X", Modality.CAR_T, RegulatoryStatus.APPROVED_FOR_INDICATION,
                         approved_indications=("sle",))
    assert evaluate_gate(approved, ON).route is Route.APPROVED_FOR_INDICATION
    ryoncil = Programme("Ryoncil", Modality.MSC, RegulatoryStatus.APPROVED_OTHER_INDICATION,
                        approved_indications=("paediatric SR-aGVHD",))
    blocked = evaluate_gate(ryoncil, ON)
    assert not blocked.allowed and "another indication" in blocked.reasons[0]
    wrong = Programme("X", Modality.CAR_T, RegulatoryStatus.APPROVED_FOR_INDICATION,
                      approved_indications=("DLBCL",))
    assert not evaluate_gate(wrong, ON).allowed


def test_hospital_exemption_needs_authorisation_and_ethics():
    he = trial(regulatory_status=RegulatoryStatus.HOSPITAL_EXEMPTION, ind_or_cta_number="",
               trial_registrations=(), authority_document="PEI HE 2026/04")
    assert evaluate_gate(he, ON).route is Route.HOSPITAL_EXEMPTION
    no_doc = trial(regulatory_status=RegulatoryStatus.HOSPITAL_EXEMPTION)
    assert "hospital-exemption" in " ".join(evaluate_gate(no_doc, ON).reasons)
    no_ethics = trial(regulatory_status=RegulatoryStatus.HOSPITAL_EXEMPTION,
                      authority_document="PEI HE 2026/04", ethics_approval=None)
    assert not evaluate_gate(no_ethics, ON).allowed


def test_unapproved_order_is_blocked_with_every_reason_and_the_fda_warning():
    p = Programme("clinic", Modality.MSC, RegulatoryStatus.INVESTIGATIONAL_IND)
    decision = evaluate_gate(p, ON)
    assert not decision.allowed and decision.route is None
    joined = " ".join(decision.reasons)
    for gap in ("IND", "trial registration", "protocol version", "ethics"):
        assert gap in joined
    assert decision.warning == FDA_CONSUMER_WARNING
    assert "likely being deceived" in decision.warning
    assert decision.warning_source.url.startswith("https://www.fda.gov/")


def test_trial_registration_alone_is_not_enough():
    p = trial(ind_or_cta_number="", ethics_approval=None)
    decision = evaluate_gate(p, ON)
    assert not decision.allowed and len(decision.reasons) == 2


@pytest.mark.parametrize("status", [RegulatoryStatus.UNKNOWN_OR_UNAPPROVED,
                                    RegulatoryStatus.HCTP_361])
def test_unknown_and_361_are_blocked(status):
    assert not evaluate_gate(trial(regulatory_status=status), ON).allowed


def test_ethics_validity_edges():
    assert evaluate_gate(trial(), date(2026, 6, 1)).allowed  # last valid day
    expired = evaluate_gate(trial(), date(2026, 6, 2))
    assert not expired.allowed and "expired on 2026-06-01" in expired.reasons[0]
    assert evaluate_gate(trial(), date(2025, 6, 1)).allowed  # first valid day
    early = evaluate_gate(trial(), date(2025, 5, 31))
    assert "not valid until" in early.reasons[0]


def test_override_needs_reason_and_two_different_people():
    blocked = evaluate_gate(trial(ethics_approval=None), ON)
    record = override_gate(blocked, physician="Dr A", reason="compassionate use, IRB pending",
                           second_signer="Dr B", signed_at=NOW)
    assert record.physician == "Dr A" and record.blocked_reasons == blocked.reasons
    with pytest.raises(InputError) as err:
        override_gate(blocked, physician="Dr A", reason="x", second_signer="dr a",
                      signed_at=NOW)
    assert err.value.field == "second_signer"
    with pytest.raises(InputError) as err:
        override_gate(blocked, physician="Dr A", reason="  ", second_signer="Dr B",
                      signed_at=NOW)
    assert err.value.field == "reason"
    with pytest.raises(InputError):
        override_gate(blocked, physician="Dr A", reason="r", second_signer="Dr B",
                      signed_at=datetime(2026, 6, 1, 9, 0))  # naive time refused
    with pytest.raises(InputError) as err:
        override_gate(evaluate_gate(trial(), ON), physician="Dr A", reason="r",
                      second_signer="Dr B", signed_at=NOW)
    assert err.value.field == "decision"


def test_trial_identifier_shapes():
    assert trial_registry("NCT06189157") == "nct"
    assert trial_registry("2017-001400-29") == "eudract"
    assert trial_registry("2023-501234-12-00") == "ctis"
    assert trial_registry("ChiCTR2000031234") == "chictr"
    assert trial_registry("NCT0618915") is None
    with pytest.raises(InputError) as err:
        trial(trial_registrations=("clinicaltrials.gov listing",))
    assert err.value.field == "programme.trial_registrations[0]"


def test_ethics_dates_from_iso_strings_and_order():
    approval = EthicsApproval("IRB-1", "2025-06-01", "2026-06-01")
    assert approval.valid_on(date(2026, 6, 1)) and not approval.valid_on(date(2026, 6, 2))
    with pytest.raises(InputError) as err:
        EthicsApproval("IRB-1", date(2026, 6, 1), date(2025, 6, 1))
    assert err.value.field == "ethics_approval.valid_to"


def test_off_label_reason_says_what_the_regulations_say_not_needs_an_ind():
    from lupuscare.celltherapy.regulatory import OFF_LABEL_SOURCE
    ryoncil = Programme("Ryoncil", Modality.MSC, RegulatoryStatus.APPROVED_OTHER_INDICATION,
                        approved_indications=("paediatric SR-aGVHD",))
    reason = evaluate_gate(ryoncil, ON).reasons[0]
    for cite in ("21 CFR 312.2(b)(1)", "21 CFR 312.305", "312.310", "Regulation (EU) No 536/2014",
                 "Directive 2001/83/EC Art. 5(1)", "Regulation (EC) No 726/2004 Art. 83"):
        assert cite in reason and cite.split(" Art.")[0] in OFF_LABEL_SOURCE.text
    assert "off-label cell therapy needs" not in reason
    hctp = evaluate_gate(trial(regulatory_status=RegulatoryStatus.HCTP_361), ON).reasons[0]
    assert "expanded access" in hctp and "1271.10(a)" in hctp
