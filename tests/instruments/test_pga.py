"""PGA validation and PISCOS categories at their edges."""

from __future__ import annotations

import pytest

from lupuscare.errors import InputError, MissingInputError
from lupuscare.instruments.pga import category, check_pga, score, tenths


@pytest.mark.parametrize(("value", "cat"), [
    (0.0, "none"), (0.4, "none"), (0.5, "mild"), (1.0, "mild"), (1.1, "moderate"),
    (2.0, "moderate"), (2.1, "severe"), (3.0, "severe"),
])
def test_piscos_categories(value, cat):
    assert category(value) == cat


@pytest.mark.parametrize("bad", [-0.1, 3.1, 1.05, float("nan"), "1", None, True])
def test_check_pga_rejects(bad):
    with pytest.raises(InputError) as e:
        check_pga(bad)
    assert e.value.field == "pga"


def test_tenths_are_exact_where_floats_are_not():
    assert 0.7 - 0.4 < 0.3  # a 0.3 worsening that floats would miss
    assert tenths(0.7) - tenths(0.4) == 3


def test_score():
    r = score({"pga": 1.2})
    assert (r["pga"], r["category"]) == (1.2, "moderate")
    with pytest.raises(MissingInputError):
        score({})
