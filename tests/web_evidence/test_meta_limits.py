"""``lupuscare.web.evidence.meta`` on plain text: size limits at their boundaries, CSV shape,
and the certainty wording (no Django needed)."""

from __future__ import annotations

import pytest

from lupuscare.errors import InputError
from lupuscare.evidence.lupus.wording import CERTAINTY_MEANING, certainty_meaning
from lupuscare.web.evidence import meta


def _rows(n: int) -> str:
    return "study,yi,vi\n" + "".join(
        f"S{i},{(i % 7) / 10},{0.02 + (i % 5) / 100}\n" for i in range(n)
    )


def test_study_limit_at_the_boundary():
    columns = meta.parse_csv(_rows(meta.MAX_STUDIES))
    assert len(columns["yi"]) == meta.MAX_STUDIES
    with pytest.raises(InputError, match=f"more than {meta.MAX_STUDIES} studies"):
        meta.parse_csv(_rows(meta.MAX_STUDIES + 1))


def test_byte_limit_at_the_boundary():
    head = "study,yi,vi\nA,0.1,0.02\n"
    exact = head + "\n" * (meta.MAX_CSV_BYTES - len(head))  # blank lines: skipped by the reader
    assert len(exact.encode()) == meta.MAX_CSV_BYTES
    meta.parse_csv(exact)
    with pytest.raises(InputError) as info:
        meta.parse_csv(exact + "\n")
    assert info.value.field == "csv"


def test_column_limit_at_the_boundary():
    names = ["study", "yi", "vi"] + [f"m{i}" for i in range(meta.MAX_COLUMNS - 3)]
    ok = ",".join(names) + "\n" + ",".join(["A", "0.1", "0.02"] + ["1"] * (len(names) - 3)) + "\n"
    assert len(meta.parse_csv(ok)) == meta.MAX_COLUMNS
    wide = ok.replace("vi,", "vi,extra,", 1).replace("0.02,", "0.02,1,", 1)
    with pytest.raises(InputError, match="columns"):
        meta.parse_csv(wide)


def test_byte_order_mark_and_blank_header():
    assert meta.parse_csv("\ufeffstudy,yi,vi\nA,0.1,0.02\n")["study"] == ["A"]
    with pytest.raises(InputError, match="empty"):
        meta.parse_csv("\n\n")


def test_single_study_needs_an_equal_effects_model():
    columns = meta.parse_csv("study,yi,vi\nA,0.5,0.04\n")
    with pytest.raises(InputError, match="at least 2 studies") as info:
        meta.analyse(columns, measure="GEN", method="REML", test="z")
    assert info.value.field == "yi"
    result = meta.analyse(columns, measure="GEN", method="EE", test="z")
    values = {r.key: r.value for r in result.rows}
    assert values["estimate"] == "0.5000" and values["tau2"] == "0.0000"
    assert "nan" not in " ".join(values.values()).lower()


def test_unknown_options_name_the_field():
    columns = meta.parse_csv("study,yi,vi\nA,0.5,0.04\n")
    for option, value in (("measure", "XYZ"), ("method", "MH"), ("test", "t")):
        opts = {"measure": "GEN", "method": "REML", "test": "z", option: value}
        with pytest.raises(InputError) as info:
            meta.analyse(columns, **opts)
        assert info.value.field == option


def test_certainty_words_cover_grade_levels_and_refuse_unknown():
    assert set(CERTAINTY_MEANING) == {"high", "moderate", "low", "very low"}
    assert "very little confidence" in certainty_meaning("very low")
    with pytest.raises(ValueError, match="unknown GRADE"):
        certainty_meaning("medium")
