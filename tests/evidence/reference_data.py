"""Loaders for the two reference sets the evidence tests reproduce.

``PUBLISHED``: tests/evidence/data/meta-analysis-reference-values.json (published metafor
docs/tests, statsmodels tests; each entry names its source; provenance in data/README.md). ``METAFOR``:
tests/evidence/data/metafor_reference.json, written by tools/metafor/make_reference.R.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

from lupuscare.evidence import EffectSizes, escalc

HERE = Path(__file__).parent
PUBLISHED_PATH = HERE / "data" / "meta-analysis-reference-values.json"
METAFOR_PATH = HERE / "data" / "metafor_reference.json"


@cache
def published() -> dict:
    return json.loads(PUBLISHED_PATH.read_text())


@cache
def metafor() -> dict:
    return json.loads(METAFOR_PATH.read_text())


def bcg_columns() -> dict[str, list]:
    d = published()["datasets"]["dat.bcg"]
    cols = d["columns"]
    rows = d["rows"]
    return {c: [r[i] for r in rows] for i, c in enumerate(cols)}


def bcg(measure: str = "RR") -> EffectSizes:
    c = bcg_columns()
    return escalc(
        measure, ai=c["tpos"], bi=c["tneg"], ci=c["cpos"], di=c["cneg"], labels=c["author"]
    )


def egger2001(drop_isis: bool = False) -> EffectSizes:
    d = published()["datasets"]["dat.egger2001"]
    cols, rows = d["columns"], d["rows"]
    c = {name: [r[i] for r in rows] for i, name in enumerate(cols)}
    n = 15 if drop_isis else 16
    return escalc(
        "OR", ai=c["ai"][:n], n1i=c["n1i"][:n], ci=c["ci"][:n], n2i=c["n2i"][:n],
        labels=c["study"][:n],
    )  # fmt: skip


def printed_tolerance(value: float, key: str = "") -> float:
    """Half a unit in the last printed decimal: the precision the source printed.

    JSON drops trailing zeros (−0.0040 becomes −0.004), so values below 1 in magnitude are held
    to at least 4 decimals, the precision metafor prints, unless the key says 2 dp.
    """
    text = repr(float(value))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 4
    if text.endswith(".0"):
        decimals = 4
    if abs(value) < 1 and "2dp" not in key:
        decimals = max(decimals, 4)
    return 0.5 * 10.0**-decimals + 1e-12


def close(actual: float, expected: float, rel: float = 1e-6, abs_floor: float = 1e-9) -> bool:
    return bool(np.isclose(actual, expected, rtol=rel, atol=abs_floor))


METAFOR_EXT_PATH = HERE / "data" / "metafor_reference_ext.json"


@cache
def metafor_ext() -> dict:
    """tests/evidence/data/metafor_reference_ext.json (tools/metafor/make_reference_ext.R)."""
    return json.loads(METAFOR_EXT_PATH.read_text())


def check(label: str, actual, expected, errors: list[str], rel: float = 1e-6) -> None:
    """Append a message to ``errors`` unless ``actual`` matches metafor's ``expected`` (None in
    the JSON is metafor's NA: it must be NaN/None here too)."""
    if expected is None:
        if actual is not None and not (np.ndim(actual) == 0 and np.isnan(actual)):
            errors.append(f"{label}: expected NA, got {actual}")
        return
    if isinstance(expected, str | bool):
        if actual != expected:
            errors.append(f"{label}: {actual!r} != {expected!r}")
        return
    a = np.atleast_1d(np.asarray([np.nan if x is None else x for x in np.atleast_1d(actual)],
                                 dtype=float))  # fmt: skip
    e = np.atleast_1d(
        np.asarray([np.nan if x is None else x for x in np.atleast_1d(expected)], dtype=float)
    )
    if a.shape != e.shape:
        errors.append(f"{label}: shape {a.shape} != {e.shape}")
        return
    ok = np.isclose(a, e, rtol=rel, atol=1e-10) | (np.isnan(a) & np.isnan(e))
    if not ok.all():
        errors.append(f"{label}: {a[~ok]} != {e[~ok]}")
