from datetime import UTC, datetime, timedelta

import pytest

from lupuscare.celltherapy.compare import Op
from lupuscare.celltherapy.lot import (
    ALLOWED,
    Lot,
    LotStatus,
    LotTransitionError,
    transition,
)
from lupuscare.celltherapy.release import (
    ISCT_SOURCE,
    Outcome,
    QcResult,
    ReleaseSpec,
    SpecLine,
    evaluate_release,
    msc_release_spec,
)
from lupuscare.errors import InputError

SPEC = msc_release_spec("UC-MSC", "spec-1")
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
PASSING = {
    "CD73": 98.0, "CD90": 99.0, "CD105": 97.0, "CD45": 0.5, "CD34": 0.3, "CD14": 0.4,
    "CD19": 0.2, "HLA-DR": 1.0, "viability": 88.0, "gram_stain": "no organisms seen",
    "sterility": "no growth", "endotoxin": 0.2, "mycoplasma": "negative",
    "karyotype": "normal", "potency_pbmc_inhibition": 35.0,
}


def results(**changes):
    values = dict(PASSING)
    for key, value in changes.items():
        key = key.replace("_", "-") if key == "HLA_DR" else key
        if value is None:
            values.pop(key)
        else:
            values[key] = value
    return [QcResult(k, v, "tech Ana") for k, v in values.items()]


def evaluate(**changes):
    return evaluate_release(SPEC, "UC-26-001", results(**changes))


def test_all_passing_is_releasable():
    ev = evaluate()
    assert ev.releasable and not ev.missing_required and not ev.failed


@pytest.mark.parametrize("marker", ["CD73", "CD90", "CD105"])
def test_positive_marker_edge_95(marker):
    assert evaluate(**{marker: 95.0}).releasable
    ev = evaluate(**{marker: 94.9})
    assert not ev.releasable and ev.failed == (marker,)


@pytest.mark.parametrize("marker", ["CD45", "CD34", "CD14", "CD19", "HLA_DR"])
def test_negative_marker_edge_2(marker):
    name = "HLA-DR" if marker == "HLA_DR" else marker
    assert evaluate(**{marker: 2.0}).releasable
    ev = evaluate(**{marker: 2.1})
    assert not ev.releasable and ev.failed == (name,)


def test_or_groups_accept_either_member_and_need_one():
    ev = evaluate(CD14=None, CD11b=1.0, CD19=None, CD79a=0.1)
    assert ev.releasable
    ev = evaluate(CD14=None, CD19=None)
    assert set(ev.missing_required) == {"CD14|CD11b", "CD79a|CD19"}
    ev = evaluate(CD11b=3.0)  # both measured: each measured one must pass
    assert ev.failed == ("CD11b",)


def test_missing_required_results_are_named():
    ev = evaluate(viability=None, mycoplasma=None)
    assert not ev.releasable and set(ev.missing_required) == {"viability", "mycoplasma"}


def test_viability_and_potency_edges_and_qualitative_failures():
    assert evaluate(viability=70.0).releasable
    assert evaluate(viability=69.9).failed == ("viability",)
    assert evaluate(potency_pbmc_inhibition=20.0).releasable
    assert evaluate(potency_pbmc_inhibition=19.9).failed == ("potency_pbmc_inhibition",)
    assert evaluate(mycoplasma="positive").failed == ("mycoplasma",)
    assert evaluate(sterility="growth: S. epidermidis").failed == ("sterility",)


def test_karyotype_optional_when_tested_on_the_bank():
    spec = msc_release_spec("UC-MSC", "spec-1b", karyotype_required=False)
    values = dict(PASSING)
    del values["karyotype"]
    ev = evaluate_release(spec, "L1", [QcResult(k, v, "a") for k, v in values.items()])
    assert ev.releasable


def test_endotoxin_limit_per_ml_when_configured():
    spec = msc_release_spec("UC-MSC", "spec-2", endotoxin_max_eu_per_ml=0.5)
    values = dict(PASSING, endotoxin=0.51)
    ev = evaluate_release(spec, "L1", [QcResult(k, v, "a") for k, v in values.items()])
    assert ev.failed == ("endotoxin",)


def test_no_growth_to_date_is_pending_not_releasable():
    ev = evaluate(sterility="no growth to date")
    assert not ev.releasable and ev.releasable_pending_final_sterility
    assert ev.pending_final == ("sterility",)
    # a failing result elsewhere closes the pending path
    assert not evaluate(sterility="no growth to date", viability=60.0) \
        .releasable_pending_final_sterility
    # the Gram stain is not a final culture: "no growth to date" there is a failure
    assert evaluate(gram_stain="no growth to date").failed == ("gram_stain",)


def test_bad_results_refused_by_field():
    with pytest.raises(InputError) as err:
        evaluate_release(SPEC, "L1", [QcResult("CD999", 1.0, "a")])
    assert err.value.field == "results[0].attribute"
    with pytest.raises(InputError) as err:
        evaluate_release(SPEC, "L1", [QcResult("CD73", "high", "a")])
    assert err.value.field == "results[0].value"
    with pytest.raises(InputError):
        evaluate_release(SPEC, "L1", [QcResult("CD73", 97, "a"), QcResult("CD73", 98, "a")])
    with pytest.raises(InputError):
        evaluate_release(SPEC, "L1", [QcResult("CD73", float("nan"), "a")])
    with pytest.raises(InputError) as err:  # a percentage above 100 is a typo, not a pass
        evaluate_release(SPEC, "L1", [QcResult("CD45", 1.0, "a"), QcResult("CD73", 975, "a")])
    assert err.value.field == "results[1].value"


def test_isct_lines_carry_the_citation():
    line = next(x for x in SPEC.lines if x.attribute == "CD105")
    assert line.op is Op.GE and line.limit == 95.0 and line.source is ISCT_SOURCE
    assert ReleaseSpec("x", "1", (SpecLine("a", "m"),)).lines[0].attribute == "a"
    with pytest.raises(InputError):
        ReleaseSpec("x", "1", (SpecLine("a", "m"), SpecLine("a", "m")))


# --- lot state machine -------------------------------------------------------------------------

def lot_in_testing():
    lot = Lot("UC-26-001", "UC-MSC", "NJU-2026-000017-E")
    return transition(lot, LotStatus.IN_TESTING, actor="QA Bo", at=T0)


def test_two_person_release():
    lot = lot_in_testing()
    ev = evaluate()
    with pytest.raises(LotTransitionError) as err:
        transition(lot, LotStatus.RELEASED, actor="tech ana", at=T0, evaluation=ev)
    assert err.value.field == "actor" and "two-person" in str(err.value)
    released = transition(lot, LotStatus.RELEASED, actor="QA Bo", at=T0, evaluation=ev)
    assert released.status is LotStatus.RELEASED and released.infusible
    assert [e.to_status for e in released.history] == [LotStatus.IN_TESTING, LotStatus.RELEASED]
    assert lot.status is LotStatus.IN_TESTING  # the original is unchanged


def test_release_refused_with_missing_or_failed_results_naming_them():
    lot = lot_in_testing()
    with pytest.raises(LotTransitionError) as err:
        transition(lot, LotStatus.RELEASED, actor="QA Bo", at=T0,
                   evaluation=evaluate(viability=None, CD73=90.0))
    assert "missing viability" in str(err.value) and "failed CD73" in str(err.value)
    with pytest.raises(LotTransitionError) as err:
        transition(lot, LotStatus.RELEASED, actor="QA Bo", at=T0)
    assert err.value.field == "evaluation"
    other = evaluate_release(SPEC, "OTHER-LOT", results())
    with pytest.raises(LotTransitionError):
        transition(lot, LotStatus.RELEASED, actor="QA Bo", at=T0, evaluation=other)
    wrong_spec = evaluate_release(msc_release_spec("BM-MSC", "spec-1"), "UC-26-001", results())
    with pytest.raises(LotTransitionError) as err:
        transition(lot, LotStatus.RELEASED, actor="QA Bo", at=T0, evaluation=wrong_spec)
    assert "BM-MSC specification" in str(err.value)


def test_pending_final_sterility_path():
    lot = lot_in_testing()
    pending = evaluate(sterility="no growth to date")
    with pytest.raises(LotTransitionError):
        transition(lot, LotStatus.RELEASED, actor="QA Bo", at=T0, evaluation=pending)
    lot = transition(lot, LotStatus.RELEASED_PENDING_FINAL_STERILITY, actor="QA Bo", at=T0,
                     evaluation=pending)
    assert lot.infusible
    with pytest.raises(LotTransitionError):  # final still pending
        transition(lot, LotStatus.RELEASED, actor="QA Bo", at=T0, evaluation=pending)
    done = transition(lot, LotStatus.RELEASED, actor="QA Bo", at=T0 + timedelta(days=14),
                      evaluation=evaluate())
    assert done.status is LotStatus.RELEASED
    with pytest.raises(LotTransitionError):  # everything passing: not a pending release
        transition(lot_in_testing(), LotStatus.RELEASED_PENDING_FINAL_STERILITY, actor="QA Bo",
                   at=T0, evaluation=evaluate())


def test_exceptional_release_needs_justification_and_a_different_acknowledging_physician():
    lot = lot_in_testing()
    failing = evaluate(viability=65.0)
    with pytest.raises(LotTransitionError) as err:
        transition(lot, LotStatus.EXCEPTIONAL_RELEASE, actor="MD Chen", at=T0,
                   evaluation=failing, acknowledged_by="Dr Ruiz")
    assert err.value.field == "reason"
    with pytest.raises(LotTransitionError) as err:
        transition(lot, LotStatus.EXCEPTIONAL_RELEASE, actor="MD Chen", at=T0,
                   evaluation=failing, reason="no alternative lot; patient conditioned")
    assert err.value.field == "acknowledged_by"
    with pytest.raises(LotTransitionError):
        transition(lot, LotStatus.EXCEPTIONAL_RELEASE, actor="MD Chen", at=T0,
                   evaluation=failing, reason="r", acknowledged_by="md chen")
    with pytest.raises(LotTransitionError):  # a conforming lot is released normally
        transition(lot, LotStatus.EXCEPTIONAL_RELEASE, actor="MD Chen", at=T0,
                   evaluation=evaluate(), reason="r", acknowledged_by="Dr Ruiz")
    ok = transition(lot, LotStatus.EXCEPTIONAL_RELEASE, actor="MD Chen", at=T0,
                    evaluation=failing, reason="no alternative lot; patient conditioned",
                    acknowledged_by="Dr Ruiz")
    assert ok.history[-1].acknowledged_by == "Dr Ruiz" and ok.infusible


def test_reject_and_destroy_need_a_reason():
    lot = lot_in_testing()
    with pytest.raises(LotTransitionError):
        transition(lot, LotStatus.REJECTED, actor="QA Bo", at=T0)
    rejected = transition(lot, LotStatus.REJECTED, actor="QA Bo", at=T0, reason="CD73 90%")
    assert not rejected.infusible
    destroyed = transition(rejected, LotStatus.DESTROYED, actor="QA Bo", at=T0, reason="rejected")
    assert destroyed.status is LotStatus.DESTROYED


def test_time_cannot_run_backwards():
    with pytest.raises(LotTransitionError) as err:
        transition(lot_in_testing(), LotStatus.REJECTED, actor="QA Bo",
                   at=T0 - timedelta(minutes=1), reason="x")
    assert err.value.field == "at"


ILLEGAL = [(a, b) for a in LotStatus for b in LotStatus if b not in ALLOWED[a]]


@pytest.mark.parametrize("start,target", ILLEGAL, ids=[f"{a.value}->{b.value}" for a, b in ILLEGAL])
def test_every_illegal_transition_is_refused(start, target):
    lot = Lot("UC-26-001", "UC-MSC", "NJU-2026-000017-E", status=start)
    with pytest.raises(LotTransitionError) as err:
        transition(lot, target, actor="QA Bo", at=T0, evaluation=evaluate(), reason="r",
                   acknowledged_by="Dr Ruiz")
    assert err.value.field == "status"
    assert f"cannot go from {start.value} to {target.value}" in str(err.value)


def test_transition_table_shape():
    assert ALLOWED[LotStatus.DISPENSED] == frozenset() == ALLOWED[LotStatus.DESTROYED]
    assert len(ILLEGAL) == 64 - sum(len(v) for v in ALLOWED.values())
    assert Outcome.PENDING.value == "pending"


def test_lot_needs_a_valid_coi_identifier():
    with pytest.raises(InputError) as err:
        Lot("UC-26-001", "UC-MSC", "NJU-2026-000017-X")
    assert err.value.field == "coi_identifier"
