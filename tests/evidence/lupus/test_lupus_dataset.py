"""The curated dataset and its validator: schema, allowed values, numbers parse, n consistent."""

from __future__ import annotations

import csv
import io

import pytest

from lupuscare.errors import InputError
from lupuscare.evidence.lupus.dataset import COLUMNS, PROVENANCE, load, parse


@pytest.fixture(scope="module")
def ds():
    return load()


@pytest.fixture(scope="module")
def text() -> str:
    from importlib import resources

    return (
        resources.files("lupuscare.evidence.lupus")
        .joinpath("msc_sle.csv")
        .read_text(encoding="utf-8")
    )


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _write(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def _mutate(text: str, study: str, outcome: str, **changes: str) -> str:
    rows = _rows(text)
    hit = [r for r in rows if r["study_id"] == study and r["outcome"] == outcome]
    assert hit, (study, outcome)
    hit[0].update(changes)
    return _write(rows)


def test_packaged_dataset_is_valid_and_sourced(ds):
    assert len(ds) > 100
    for r in ds:
        assert r.citation and r.source, r.index
        assert r.provenance in PROVENANCE
        if r.provenance == "derived":
            assert r.derivation


def test_seen_numbers_match_the_primary_reports(ds):
    # Deng 2017 Table 2 (ard.bmj.com): remission 9/12 MSC vs 5/6 placebo; 24-h protein 1.0 (1.0) vs 3.1 (2.7).
    msc = ds.select(study_id="Deng2017", outcome="remission_any", arm="msc")[0]
    pla = ds.select(study_id="Deng2017", outcome="remission_any", arm="placebo")[0]
    assert (msc.value, msc.n, pla.value, pla.n) == (9, 12, 5, 6)
    prot = {
        r.arm: (r.value, r.sd) for r in ds.select(study_id="Deng2017", outcome="proteinuria_24h")
    }
    assert prot == {"msc": (1.0, 1.0), "placebo": (3.1, 2.7)}
    # Liang 2010 abstract: SLEDAI 12.2 +/- 3.3 -> 3.2 +/- 2.8 at 12 months, n = 12.
    sledai = {
        r.timepoint: (r.value, r.sd, r.n) for r in ds.select(study_id="Liang2010", outcome="sledai")
    }
    assert sledai == {"baseline": (12.2, 3.3, 12), "12 mo": (3.2, 2.8, 12)}
    # Liu 2018 abstract: SMD -1.74 (-2.46 to -1.03) for 24-h proteinuria; 8 studies, 213 patients.
    liu = ds.value("Liu2018", "proteinuria_24h", stat="smd")
    assert (liu.value, liu.ci_lb, liu.ci_ub) == (-1.74, -2.46, -1.03)
    assert ds.value("Liu2018", "included_patients", stat="count").value == 213


def test_not_seen_rows_carry_no_numbers(ds):
    gaps = [r for r in ds if r.provenance == "not_seen"]
    assert {"Sun2010", "Yang2014", "Zeng2016", "Tang2016", "Liu2018"} <= {r.study_id for r in gaps}
    assert all(r.value is None and r.sd is None for r in gaps)


def test_derived_relapse_denominator_reproduces_reported_percentages(ds):
    rows = ds.select(study_id="Wang2014", outcome="relapse_after_response")
    assert {r.provenance for r in rows} == {"derived"}
    pct = sorted(round(100 * r.value / r.n, 1) for r in rows)
    assert pct == [12.5, 16.7]  # the abstract's figures


def test_header_must_match_exactly(text):
    bad = text.replace("provenance", "provenanse", 1)
    with pytest.raises(InputError) as err:
        parse(bad)
    assert err.value.field == "header"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"provenance": "probably"}, "provenance"),
        ({"design": "rct-ish"}, "design"),
        ({"arm": "both"}, "arm"),
        ({"stat": "mode"}, "stat"),
        ({"value": "twelve"}, "value"),
        ({"value": "nan"}, "value"),
        ({"n": "12.5"}, "n"),
        ({"n": "0"}, "n"),
        ({"sd": "-1"}, "sd"),
        ({"year": "2011"}, "year"),
        ({"source": ""}, "source"),
        ({"provenance": "derived"}, "derivation"),
        ({"derivation": "made up"}, "derivation"),
    ],
)
def test_validator_names_the_bad_field(text, changes, field):
    with pytest.raises(InputError) as err:
        parse(_mutate(text, "Liang2010", "sledai", **changes))
    assert err.value.field.endswith(field), err.value.field
    assert err.value.field.startswith("row 1.")


def test_count_cannot_exceed_its_denominator(text):
    # The first Deng remission row is the placebo arm (n = 6): 6 of 6 is allowed, 7 of 6 is not.
    parse(_mutate(text, "Deng2017", "remission_any", value="6"))
    with pytest.raises(InputError, match="7 events exceed the denominator n=6"):
        parse(_mutate(text, "Deng2017", "remission_any", value="7"))


def test_interval_must_contain_the_estimate(text):
    parse(_mutate(text, "Liu2018", "sledai", value="-2.00"))  # on the limit: allowed
    with pytest.raises(InputError, match="contain"):
        parse(_mutate(text, "Liu2018", "sledai", value="-2.01"))


def test_not_seen_row_with_a_number_is_refused(text):
    with pytest.raises(InputError, match="no number"):
        parse(_mutate(text, "Sun2010", "", value="16"))


def test_inconsistent_n_for_the_same_arm_and_time_is_refused(text):
    rows = _rows(text)
    pre = [r for r in rows if r["study_id"] == "Liang2010" and r["outcome"] == "sledai"]
    dup = dict(pre[0])
    dup.update(stat="median", value="12", sd="", n="13")
    rows.append(dup)
    with pytest.raises(InputError, match="disagrees with n=12"):
        parse(_write(rows))


def test_duplicate_rows_are_refused(text):
    rows = _rows(text)
    rows.append(dict(rows[0]))
    with pytest.raises(InputError, match="duplicates row 1"):
        parse(_write(rows))


def test_a_study_has_one_cohort(text):
    with pytest.raises(InputError, match="design/cohort/year"):
        parse(_mutate(text, "Liang2010", "proteinuria_relapse", cohort_id="elsewhere"))


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as err:
        load(tmp_path / "nope.csv")
    assert err.value.field == "path"


def _new_study(text: str, study_id: str = "Newman2012", **fields: str) -> str:
    """Append one seen single-arm report (a copy of a Liang 2010 row with new study fields)."""
    rows = _rows(text)
    new = dict(next(r for r in rows if r["study_id"] == "Liang2010" and r["outcome"] == "sledai"))
    new.update({"study_id": study_id, "year": study_id[-4:], "cohort_id": "", **fields})
    rows.append(new)
    return _write(rows)


def test_same_centre_same_period_needs_one_cohort_or_a_reason(text):
    # Same centre, overlapping enrolment (2008 inside Liang's 2007-2008), no cohort: refused.
    with pytest.raises(InputError) as err:
        parse(_new_study(text, centres="nanjing-drumtower", period="2008-2009"))
    assert err.value.field.endswith(".cohort_id")
    assert "nanjing-drumtower" in err.value.message
    # An unreported period can overlap with anything: refused too.
    with pytest.raises(InputError):
        parse(_new_study(text, centres="nanjing-drumtower", period=""))
    # Giving it the programme's cohort, or declaring it distinct with a reason, is accepted.
    parse(
        _new_study(
            text, centres="nanjing-drumtower", period="2008-2009", cohort_id="nanjing-drumtower"
        )
    )
    parse(
        _new_study(
            text,
            centres="nanjing-drumtower",
            period="2008-2009",
            notes="distinct cohort: paediatric patients only, per the methods section",
        )
    )


def test_same_centre_in_separate_periods_is_not_flagged(text):
    first = _new_study(text, "Newman2012", centres="elsewhere-general", period="2001-2002")
    separate = _new_study(first, "Oldman2013", centres="elsewhere-general", period="2003-2004")
    assert parse(separate).first("Oldman2013").period == (2003, 2004)
    touching = _new_study(first, "Oldman2013", centres="elsewhere-general", period="2002-2004")
    with pytest.raises(InputError, match="elsewhere-general"):
        parse(touching)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"centres": "Nanjing Drum Tower"}, "centres"),
        ({"period": "2010-2007"}, "period"),
        ({"period": "2007"}, "period"),
    ],
)
def test_centre_and_period_formats(text, changes, field):
    with pytest.raises(InputError) as err:
        parse(_mutate(text, "Liang2010", "sledai", **changes))
    assert err.value.field.endswith(field)


def test_periods_overlap_at_the_boundary():
    from lupuscare.evidence.lupus.dataset import periods_overlap

    assert periods_overlap((2007, 2008), (2008, 2010))  # sharing the year 2008
    assert not periods_overlap((2007, 2008), (2009, 2010))
    assert periods_overlap(None, (2009, 2010))  # unknown: assume they can overlap
