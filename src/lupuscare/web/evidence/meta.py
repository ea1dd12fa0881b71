"""The analysis behind /evidence/meta/: a pasted or uploaded CSV (contracts.md §4 columns) →
the engine (``lupuscare.evidence``) → the numbers and Plotly figures the page shows.

Kept free of Django so it can be tested on plain text. Every failure is an ``InputError`` naming
the field or column (the engine's own errors pass through unchanged); a result with a non-finite
number is refused rather than shown as NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lupuscare.errors import InputError
from lupuscare.evidence import escalc_frame, rma
from lupuscare.evidence.csv_table import read_columns
from lupuscare.evidence.effect_sizes import LOG_SCALE
from lupuscare.evidence.estimators import METHODS
from lupuscare.evidence.model import TESTS, RMAResult
from lupuscare.evidence.plots import forest_plotly, funnel_plotly

# Limits on what one request may ask the server to compute.
MAX_CSV_BYTES = 200 * 1024
MAX_STUDIES = 500
MAX_COLUMNS = 40

# contracts.md §4 measures, plus raw and logit proportions (xi, ni) for single-arm data
MEASURES: tuple[tuple[str, str], ...] = (
    ("RR", "RR: risk ratio (ai, bi, ci, di)"),
    ("OR", "OR: odds ratio (ai, bi, ci, di)"),
    ("RD", "RD: risk difference (ai, bi, ci, di)"),
    ("SMD", "SMD: Hedges' g (m1i, sd1i, n1i, m2i, sd2i, n2i)"),
    ("MD", "MD: mean difference (m1i, sd1i, n1i, m2i, sd2i, n2i)"),
    ("ROM", "ROM: ratio of means (m1i, sd1i, n1i, m2i, sd2i, n2i)"),
    ("PLO", "PLO: logit proportion (xi, ni)"),
    ("PR", "PR: raw proportion (xi, ni)"),
    ("GEN", "GEN: effect sizes given (yi, vi)"),
)
METHOD_LABELS = {
    "EE": "EE: equal effects",
    "DL": "DL: DerSimonian–Laird",
    "REML": "REML: restricted maximum likelihood",
    "ML": "ML: maximum likelihood",
    "PM": "PM: Paule–Mandel",
    "EB": "EB: empirical Bayes",
    "HE": "HE: Hedges",
    "SJ": "SJ: Sidik–Jonkman",
    "HS": "HS: Hunter–Schmidt",
}
TEST_LABELS = {"z": "z (normal)", "knha": "Knapp–Hartung (t)"}
LABEL_COLUMN = "study"
EXAMPLE_HEADER = "study,ai,bi,ci,di"

assert set(METHOD_LABELS) == set(METHODS) and set(TEST_LABELS) == set(TESTS)


def parse_csv(text: str, field: str = "csv") -> dict[str, list[str]]:
    """Columns of a CSV with a header row, by the engine's one reader, within this page's
    limits."""
    return read_columns(
        text, field=field, max_bytes=MAX_CSV_BYTES, max_rows=MAX_STUDIES, max_columns=MAX_COLUMNS
    )


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    value: str


@dataclass(frozen=True)
class MetaResult:
    fit: RMAResult
    rows: list[Row]
    ratio: bool
    forest: dict[str, Any]
    funnel: dict[str, Any]
    notes: list[str]
    warnings: list[str]  # metafor's warnings for this fit (engine.md)


def _fmt(x: float | None, digits: int = 4) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _p(x: float) -> str:
    return "< 0.0001" if x < 1e-4 else f"{x:.4f}"


def _check_finite(fit: RMAResult) -> None:
    for key in ("estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "I2", "H2", "Q", "Q_pval"):
        value = getattr(fit, key)
        if not math.isfinite(value):
            raise InputError(key, "the model gave a non-finite value; check the data")
    for key in ("pi_lb", "pi_ub"):
        value = getattr(fit, key)
        if value is not None and not math.isfinite(value):
            raise InputError(key, "the model gave a non-finite value; check the data")


def result_rows(fit: RMAResult, ratio: bool) -> list[Row]:
    """The contracts §4 numbers in reading order; ratio measures also back-transformed."""
    level = f"{fit.level:g}%"
    rows = [
        Row("k", "studies (k)", str(fit.k)),
        Row("estimate", f"estimate ({fit.measure}{', log scale' if ratio else ''})", _fmt(fit.estimate)),
        Row("se", "standard error", _fmt(fit.se)),
        Row("ci", f"{level} confidence interval", f"{_fmt(fit.ci_lb)} to {_fmt(fit.ci_ub)}"),
        Row("pval", f"p-value ({'t' if fit.test == 'knha' else 'z'} test)", _p(fit.pval)),
        Row("tau2", "τ² (between-study variance)", _fmt(fit.tau2)),
        Row("I2", "I² (%)", _fmt(fit.I2, 2)),
        Row("H2", "H²", _fmt(fit.H2, 4)),
        Row("Q", f"Q (df = {fit.Q_df})", f"{_fmt(fit.Q)}, p {_p(fit.Q_pval)}"),
        Row("pi", f"{level} prediction interval",
            "–" if fit.pi_lb is None else f"{_fmt(fit.pi_lb)} to {_fmt(fit.pi_ub)}"),
    ]  # fmt: skip
    if ratio:
        e = math.exp
        rows += [
            Row("exp_estimate", f"{fit.measure} (back-transformed)", _fmt(e(fit.estimate))),
            Row("exp_ci", f"{level} CI of the {fit.measure}", f"{_fmt(e(fit.ci_lb))} to {_fmt(e(fit.ci_ub))}"),
        ]  # fmt: skip
        if fit.pi_lb is not None:
            rows.append(
                Row("exp_pi", f"{level} PI of the {fit.measure}",
                    f"{_fmt(e(fit.pi_lb))} to {_fmt(e(fit.pi_ub))}")
            )  # fmt: skip
    return rows


def analyse(columns: dict[str, list[str]], *, measure: str, method: str, test: str) -> MetaResult:
    """Effect sizes, one model, the result rows and both figures."""
    if measure not in dict(MEASURES):
        raise InputError("measure", f"unknown measure {measure!r}")
    if method not in METHODS:
        raise InputError("method", f"unknown method {method!r}")
    if test not in TESTS:
        raise InputError("test", f"unknown test {test!r}")
    es = escalc_frame(measure, columns, label_column=LABEL_COLUMN)
    fit = rma(es, method=method, test=test)
    _check_finite(fit)
    ratio = measure in LOG_SCALE
    return MetaResult(
        fit=fit,
        rows=result_rows(fit, ratio),
        ratio=ratio,
        forest=forest_plotly(fit),
        funnel=funnel_plotly(fit),
        notes=list(fit.notes),
        warnings=list(fit.warnings),
    )
