"""The overlap rule: one report per cohort, chosen by a stated rule; nobody is counted twice."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lupuscare.evidence.lupus.dataset import load
from lupuscare.evidence.lupus.overlap import RULE, Candidate, cohort_groups, one_per_cohort


def test_largest_report_wins_then_latest_then_alphabetical():
    sel = one_per_cohort(
        [
            Candidate("Liang2010", "nj", 12, 2010),
            Candidate("Gu2014", "nj", 81, 2014),
            Candidate("Wang2013", "nj", 81, 2013),  # tie on n with Gu2014: the later report wins
            Candidate("Deng2017", "Deng2017", 12, 2017),
        ]
    )
    assert [c.study_id for c in sel.kept] == ["Deng2017", "Gu2014"]
    excluded = {c.study_id: why for c, why in sel.excluded}
    assert set(excluded) == {"Liang2010", "Wang2013"}
    assert "Gu2014" in excluded["Wang2013"]
    tie = one_per_cohort([Candidate("B2014", "x", 5, 2014), Candidate("A2014", "x", 5, 2014)])
    assert [c.study_id for c in tie.kept] == ["A2014"]


def test_rule_is_stated_with_every_selection():
    assert one_per_cohort([]).to_dict()["rule"] == RULE


candidates = st.lists(
    st.builds(
        Candidate,
        study_id=st.text(alphabet="ABCDEFGH", min_size=1, max_size=3).map(lambda s: s + "2010"),
        cohort=st.sampled_from(["nanjing", "kunming", "paris", "solo"]),
        n=st.integers(min_value=1, max_value=200),
        year=st.integers(min_value=2009, max_value=2025),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(candidates)
def test_no_cohort_is_ever_counted_twice(cands):
    sel = one_per_cohort(cands)
    cohorts = [c.cohort for c in sel.kept]
    assert len(cohorts) == len(set(cohorts))  # never twice
    assert set(cohorts) == {c.cohort for c in cands}  # never dropped entirely
    assert len(sel.kept) + len(sel.excluded) == len(cands)  # everything accounted for
    for kept in sel.kept:  # the kept report is the largest
        assert kept.n == max(c.n for c in cands if c.cohort == kept.cohort)


def test_drum_tower_reports_are_one_cohort():
    groups = {g.cohort: g for g in cohort_groups(load())}
    nj = groups["nanjing-drumtower"]
    ids = [s for s, _, _ in nj.reports]
    assert {"Liang2010", "Sun2010", "Wang2013", "Wang2014", "Gu2014", "LiX2013", "Bao2023"} <= set(
        ids
    )
    assert nj.largest_report == 92  # Bao 2023
    assert nj.naive_total > 2 * nj.largest_report  # what double counting would add
    assert "Deng2017" not in ids and "Liu2018" not in ids


def test_centre_flags_cover_every_drum_tower_pair():
    from lupuscare.evidence.lupus.overlap import centre_flags

    flags = centre_flags(load())
    nanjing = [f for f in flags if f["centre"] == "nanjing-drumtower"]
    assert len(nanjing) == 10 * 9 // 2  # ten Drum Tower reports, every pair flagged
    assert all(f["handling"].startswith("same cohort") for f in flags)
    assert not any("Deng2017" in (f["a"], f["b"]) for f in flags)
