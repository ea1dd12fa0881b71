"""Effect sizes and their sampling variances, following R metafor's ``escalc`` conventions.

Column names are metafor's (``ai, bi, ci, di``, ``n1i, n2i``, ``m1i, sd1i, m2i, sd2i``,
``xi, ni``, ``mi, sdi``, ``ri``, ``yi, vi``), so a data set moves between R and lupuscare
unchanged. Formulas: metafor ``escalc`` documentation and source (version 3.8-1 as shipped by
Debian, read to learn, not copied); Hedges' correction ``c(m) = Γ(m/2)/(√(m/2)·Γ((m−1)/2))``
(Hedges 1981); Becker (1988) for the standardised mean changes. Zero cells: metafor's default
``add=1/2, to="only0"`` (0.5 added to every cell of a table with a zero cell), also for RD, PR
and PLO, as metafor does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import gammaln

from lupuscare.errors import InputError

TWO_BY_TWO = ("RR", "OR", "RD")
TWO_GROUP_MEANS = ("SMD", "MD", "ROM")
PRE_POST = ("MC", "SMCC", "SMCR")
PROPORTIONS = ("PR", "PLN", "PLO", "PAS", "PFT")
CORRELATIONS = ("COR", "ZCOR")
RATES = ("IR", "IRLN", "IRS", "IRFT")
RATE_COMPARISONS = ("IRR", "IRD")
SINGLE_MEANS = ("MN", "MNLN")
MEASURES = (
    *TWO_BY_TWO, *TWO_GROUP_MEANS, *PRE_POST, *PROPORTIONS, *CORRELATIONS, *RATES,
    *RATE_COMPARISONS, *SINGLE_MEANS, "GEN",
)  # fmt: skip
# metafor adds nothing to zero counts for these unless ``add`` is given (escalc: add = 0 for the
# variance-stabilising transformations, whose formulas are finite at 0).
NO_DEFAULT_ADD = frozenset({"PAS", "PFT", "IRS", "IRFT"})

# metafor's variance variants (escalc vtype=) implemented per measure; "LS" is the default.
VTYPES: dict[str, tuple[str, ...]] = {
    "RD": ("LS", "UB"),
    "SMD": ("LS", "UB", "LS2"),
    "MD": ("LS", "HO"),
    "SMCC": ("LS", "LS2"),
    "SMCR": ("LS", "LS2"),
    "PR": ("LS", "UB"),
}

# Measures whose estimates live on the log scale: forest plots and reports back-transform with exp.
LOG_SCALE = frozenset({"RR", "OR", "ROM", "PETO", "IRR"})


@dataclass(frozen=True)
class EffectSizes:
    """Observed effect sizes ``yi`` with sampling variances ``vi`` (one entry per study).

    ``ni`` is the total sample size per study where the measure has one (used by
    ``regtest(predictor="ni")`` and by sample-size displays); ``columns`` keeps the raw inputs so
    Mantel–Haenszel and Peto methods can work on the 2×2 counts.
    """

    yi: np.ndarray
    vi: np.ndarray
    measure: str
    labels: tuple[str, ...] | None = None
    ni: np.ndarray | None = None
    columns: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return int(self.yi.size)

    @property
    def sei(self) -> np.ndarray:
        return np.sqrt(self.vi)

    def __len__(self) -> int:
        return self.k


def hedges_correction(m: np.ndarray) -> np.ndarray:
    """Exact small-sample bias correction c(m) of Hedges (1981), computed on the log scale."""
    m = np.asarray(m, dtype=float)
    if np.any(m <= 1):
        raise InputError("n1i", "Hedges' correction needs more than 1 degree of freedom per study")
    return np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))


def _column(columns: Mapping[str, Any], name: str, measure: str) -> np.ndarray:
    if name not in columns or columns[name] is None:
        raise InputError(name, f"column {name!r} is required for measure {measure}")
    try:
        values = np.asarray(columns[name], dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(name, f"column {name!r} must be numeric") from exc
    if values.ndim != 1:
        values = values.reshape(-1)
    if values.size == 0:
        raise InputError(name, "no studies given")
    bad = ~np.isfinite(values)
    if bad.any():
        raise InputError(f"{name}[{int(np.argmax(bad))}]", "missing or non-finite value")
    return values


def _same_length(**arrays: np.ndarray) -> int:
    sizes = {name: a.size for name, a in arrays.items()}
    k = next(iter(sizes.values()))
    for name, size in sizes.items():
        if size != k:
            raise InputError(name, f"has {size} values, expected {k} (one per study)")
    return k


def _non_negative(name: str, values: np.ndarray) -> None:
    bad = values < 0
    if bad.any():
        raise InputError(f"{name}[{int(np.argmax(bad))}]", "must not be negative")


def _positive(name: str, values: np.ndarray) -> None:
    bad = values <= 0
    if bad.any():
        raise InputError(f"{name}[{int(np.argmax(bad))}]", "must be greater than zero")


def _two_by_two(measure: str, cols: Mapping[str, Any], add: float, to: str, vtype: str):
    ai = _column(cols, "ai", measure)
    ci = _column(cols, "ci", measure)
    bi = cols.get("bi")
    di = cols.get("di")
    if bi is None:
        if cols.get("n1i") is None:
            raise InputError("bi", f"column 'bi' (or 'n1i') is required for measure {measure}")
        n1i = _column(cols, "n1i", measure)
        bi = n1i - ai
        bi_name = "n1i"
    else:
        bi = _column(cols, "bi", measure)
        bi_name = "bi"
    if di is None:
        if cols.get("n2i") is None:
            raise InputError("di", f"column 'di' (or 'n2i') is required for measure {measure}")
        n2i = _column(cols, "n2i", measure)
        di = n2i - ci
        di_name = "n2i"
    else:
        di = _column(cols, "di", measure)
        di_name = "di"
    _same_length(ai=ai, bi=bi, ci=ci, di=di)
    for name, values in (("ai", ai), (bi_name, bi), ("ci", ci), (di_name, di)):
        _non_negative(name, values)
    _positive("n1i", ai + bi)
    _positive("n2i", ci + di)
    raw = {"ai": ai.copy(), "bi": bi.copy(), "ci": ci.copy(), "di": di.copy()}
    ai, bi, ci, di = _add_to_cells(add, to, ai, bi, ci, di)
    n1i, n2i = ai + bi, ci + di
    p1, p2 = ai / n1i, ci / n2i
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / ai - 1 / n1i + 1 / ci - 1 / n2i
        elif measure == "OR":
            yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
            vi = 1 / ai + 1 / bi + 1 / ci + 1 / di
        else:  # RD
            yi = p1 - p2
            if vtype == "UB":
                vi = p1 * (1 - p1) / (n1i - 1) + p2 * (1 - p2) / (n2i - 1)
            else:
                vi = p1 * (1 - p1) / n1i + p2 * (1 - p2) / n2i
    ni = raw["ai"] + raw["bi"] + raw["ci"] + raw["di"]
    return yi, vi, ni, raw


def _add_to_cells(add: float, to: str, *cells: np.ndarray) -> list[np.ndarray]:
    """metafor's zero-cell rule: ``to`` is "only0" (default), "all", "if0all" or "none"."""
    if to not in ("only0", "all", "if0all", "none"):
        raise InputError("to", "must be one of only0, all, if0all, none")
    if add < 0:
        raise InputError("add", "must not be negative")
    zero = np.zeros(cells[0].shape, dtype=bool)
    for c in cells:
        zero |= c == 0
    if to == "all" or (to == "if0all" and zero.any()):
        mask = np.ones_like(zero)
    elif to == "only0":
        mask = zero
    else:
        mask = np.zeros_like(zero)
    return [c + add * mask for c in cells]


def _two_group_means(measure: str, cols: Mapping[str, Any], vtype: str):
    m1i = _column(cols, "m1i", measure)
    m2i = _column(cols, "m2i", measure)
    sd1i = _column(cols, "sd1i", measure)
    sd2i = _column(cols, "sd2i", measure)
    n1i = _column(cols, "n1i", measure)
    n2i = _column(cols, "n2i", measure)
    _same_length(m1i=m1i, m2i=m2i, sd1i=sd1i, sd2i=sd2i, n1i=n1i, n2i=n2i)
    _non_negative("sd1i", sd1i)
    _non_negative("sd2i", sd2i)
    _positive("n1i", n1i)
    _positive("n2i", n2i)
    ni = n1i + n2i
    mi = ni - 2
    sdpi = np.sqrt(((n1i - 1) * sd1i**2 + (n2i - 1) * sd2i**2) / mi)
    if measure == "MD":
        yi = m1i - m2i
        vi = sdpi**2 * (1 / n1i + 1 / n2i) if vtype == "HO" else sd1i**2 / n1i + sd2i**2 / n2i
    elif measure == "SMD":
        _positive("sd1i", sdpi)
        cmi = hedges_correction(mi)
        di = (m1i - m2i) / sdpi
        yi = cmi * di
        if vtype == "UB":
            vi = 1 / n1i + 1 / n2i + (1 - (mi - 2) / (mi * cmi**2)) * yi**2
        elif vtype == "LS2":
            vi = cmi**2 * (1 / n1i + 1 / n2i + di**2 / (2 * ni))
        else:  # LS, metafor's default
            vi = 1 / n1i + 1 / n2i + yi**2 / (2 * ni)
    else:  # ROM
        _positive("m1i", m1i)
        _positive("m2i", m2i)
        yi = np.log(m1i / m2i)
        vi = sd1i**2 / (n1i * m1i**2) + sd2i**2 / (n2i * m2i**2)
    return yi, vi, ni


def _pre_post(measure: str, cols: Mapping[str, Any], vtype: str):
    m1i = _column(cols, "m1i", measure)
    m2i = _column(cols, "m2i", measure)
    sd1i = _column(cols, "sd1i", measure)
    ni = _column(cols, "ni", measure)
    if "ri" not in cols or cols["ri"] is None:
        raise InputError(
            "ri",
            f"measure {measure} needs the assumed pre-post correlation ri (no default: "
            "run prepost_sensitivity over a grid of correlations if it is unknown)",
        )
    ri = np.asarray(cols["ri"], dtype=float).reshape(-1)
    if ri.size == 1:
        ri = np.full(m1i.size, float(ri[0]))
    ri = _column({"ri": ri}, "ri", measure)
    sd2i = _column(cols, "sd2i", measure) if measure != "SMCR" else None
    arrays = {"m1i": m1i, "m2i": m2i, "sd1i": sd1i, "ni": ni, "ri": ri}
    if sd2i is not None:
        arrays["sd2i"] = sd2i
        _non_negative("sd2i", sd2i)
    _same_length(**arrays)
    _non_negative("sd1i", sd1i)
    _positive("ni", ni)
    bad = np.abs(ri) > 1
    if bad.any():
        raise InputError(f"ri[{int(np.argmax(bad))}]", "a correlation must lie in [-1, 1]")
    if measure == "MC":
        yi = m1i - m2i
        vi = (sd1i**2 + sd2i**2 - 2 * ri * sd1i * sd2i) / ni
    elif measure == "SMCC":
        cmi = hedges_correction(ni - 1)
        sddi = np.sqrt(sd1i**2 + sd2i**2 - 2 * ri * sd1i * sd2i)
        _positive("sd1i", sddi)
        di = (m1i - m2i) / sddi
        yi = cmi * di
        vi = cmi**2 * (1 / ni + di**2 / (2 * ni)) if vtype == "LS2" else 1 / ni + yi**2 / (2 * ni)
    else:  # SMCR: standardised by sd1i (metafor's raw-score standardisation)
        _positive("sd1i", sd1i)
        cmi = hedges_correction(ni - 1)
        di = (m1i - m2i) / sd1i
        yi = cmi * di
        if vtype == "LS2":
            vi = cmi**2 * (2 * (1 - ri) / ni + di**2 / (2 * ni))
        else:
            vi = 2 * (1 - ri) / ni + yi**2 / (2 * ni)
    return yi, vi, ni


def _proportions(measure: str, cols: Mapping[str, Any], add: float, to: str, vtype: str):
    xi = _column(cols, "xi", measure)
    ni = _column(cols, "ni", measure)
    _same_length(xi=xi, ni=ni)
    _non_negative("xi", xi)
    _positive("ni", ni)
    bad = xi > ni
    if bad.any():
        raise InputError(f"xi[{int(np.argmax(bad))}]", "events exceed the sample size ni")
    x, m = _add_to_cells(add, to, xi, ni - xi)
    n = x + m
    p = x / n
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "PR":
            yi = p
            vi = p * (1 - p) / (n - 1) if vtype == "UB" else p * (1 - p) / n
        elif measure == "PLN":  # log proportion
            yi = np.log(p)
            vi = 1 / x - 1 / n
        elif measure == "PLO":
            yi = np.log(p / (1 - p))
            vi = 1 / x + 1 / m
        elif measure == "PAS":  # arcsine square root
            yi = np.arcsin(np.sqrt(p))
            vi = 1 / (4 * n)
        else:  # PFT: Freeman–Tukey double arcsine (Freeman & Tukey 1950; metafor's scale, ½·sum)
            yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
            vi = 1 / (4 * n + 2)
    return yi, vi, ni


def _correlations(measure: str, cols: Mapping[str, Any]):
    ri = _column(cols, "ri", measure)
    ni = _column(cols, "ni", measure)
    _same_length(ri=ri, ni=ni)
    bad = np.abs(ri) > 1
    if bad.any():
        raise InputError(f"ri[{int(np.argmax(bad))}]", "a correlation must lie in [-1, 1]")
    if measure == "COR":
        bad = ni <= 1
        if bad.any():
            raise InputError(f"ni[{int(np.argmax(bad))}]", "COR needs a sample size above 1")
        return ri.copy(), (1 - ri**2) ** 2 / (ni - 1), ni
    bad = ni <= 3
    if bad.any():
        raise InputError(f"ni[{int(np.argmax(bad))}]", "ZCOR needs a sample size above 3")
    bad = np.abs(ri) == 1
    if bad.any():
        raise InputError(f"ri[{int(np.argmax(bad))}]", "Fisher's z is infinite at |r| = 1")
    return np.arctanh(ri), 1 / (ni - 3), ni


def _rates(measure: str, cols: Mapping[str, Any], add: float, to: str):
    xi = _column(cols, "xi", measure)
    ti = _column(cols, "ti", measure)
    _same_length(xi=xi, ti=ti)
    _non_negative("xi", xi)
    _positive("ti", ti)
    (x,) = _add_to_cells(add, to, xi)
    ir = x / ti
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "IR":
            yi, vi = ir, ir / ti
        elif measure == "IRLN":
            yi, vi = np.log(ir), 1 / x
        elif measure == "IRS":
            yi, vi = np.sqrt(ir), 1 / (4 * ti)
        else:  # IRFT: Freeman–Tukey for rates
            yi, vi = 0.5 * (np.sqrt(ir) + np.sqrt(ir + 1 / ti)), 1 / (4 * ti)
    return yi, vi, None


def _rate_comparisons(measure: str, cols: Mapping[str, Any], add: float, to: str):
    x1i = _column(cols, "x1i", measure)
    x2i = _column(cols, "x2i", measure)
    t1i = _column(cols, "t1i", measure)
    t2i = _column(cols, "t2i", measure)
    _same_length(x1i=x1i, x2i=x2i, t1i=t1i, t2i=t2i)
    _non_negative("x1i", x1i)
    _non_negative("x2i", x2i)
    _positive("t1i", t1i)
    _positive("t2i", t2i)
    x1, x2 = _add_to_cells(add, to, x1i, x2i)
    ir1, ir2 = x1 / t1i, x2 / t2i
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "IRR":
            yi, vi = np.log(ir1) - np.log(ir2), 1 / x1 + 1 / x2
        else:  # IRD
            yi, vi = ir1 - ir2, ir1 / t1i + ir2 / t2i
    return yi, vi, None


def _single_means(measure: str, cols: Mapping[str, Any]):
    mi = _column(cols, "mi", measure)
    sdi = _column(cols, "sdi", measure)
    ni = _column(cols, "ni", measure)
    _same_length(mi=mi, sdi=sdi, ni=ni)
    _non_negative("sdi", sdi)
    _positive("ni", ni)
    if measure == "MN":
        return mi.copy(), sdi**2 / ni, ni
    _positive("mi", mi)
    return np.log(mi), sdi**2 / (ni * mi**2), ni


def escalc(
    measure: str,
    *,
    labels: Sequence[str] | None = None,
    add: float | None = None,
    to: str = "only0",
    vtype: str = "LS",
    **columns: Any,
) -> EffectSizes:
    """Compute effect sizes ``yi`` and sampling variances ``vi`` as metafor's ``escalc`` does.

    ``measure``: RR, OR, RD (2×2: ``ai, bi, ci, di`` or ``ai, n1i, ci, n2i``); SMD (Hedges' g,
    exact correction), MD, ROM (``m1i, sd1i, n1i, m2i, sd2i, n2i``); MC, SMCC, SMCR (one group
    measured twice: ``m1i, m2i, sd1i, sd2i, ni, ri``, yi = m1i − m2i, ``ri`` required); PR, PLO
    (``xi, ni``); GEN (``yi, vi`` given). ``vtype`` picks metafor's variance variant (``LS``
    default; ``UB`` for SMD/RD/PR, ``HO`` pooled-SD variance for MD, ``LS2``).
    Also single proportions PR, PLN (log), PLO (logit), PAS (arcsine), PFT (Freeman–Tukey)
    from ``xi, ni``; correlations COR, ZCOR (Fisher z) from ``ri, ni``; incidence rates IR,
    IRLN, IRS, IRFT from ``xi, ti``; rate ratio/difference IRR, IRD from ``x1i, t1i, x2i, t2i``;
    single means MN, MNLN from ``mi, sdi, ni``. ``add`` defaults to 1/2 (0 for PAS, PFT, IRS,
    IRFT), as metafor.
    """
    measure = str(measure).upper()
    if measure not in MEASURES:
        raise InputError("measure", f"unknown measure {measure!r}; one of {', '.join(MEASURES)}")
    vtype = str(vtype).upper()
    allowed = VTYPES.get(measure, ("LS",))
    if vtype not in allowed:
        raise InputError("vtype", f"{vtype!r} is not a variance type for {measure}; one of "
                         f"{', '.join(allowed)}")  # fmt: skip
    if add is None:
        add = 0.0 if measure in NO_DEFAULT_ADD else 0.5
    raw: dict[str, np.ndarray] = {}
    ni: np.ndarray | None
    if measure in CORRELATIONS:
        yi, vi, ni = _correlations(measure, columns)
    elif measure in RATES:
        yi, vi, ni = _rates(measure, columns, add, to)
    elif measure in RATE_COMPARISONS:
        yi, vi, ni = _rate_comparisons(measure, columns, add, to)
    elif measure in SINGLE_MEANS:
        yi, vi, ni = _single_means(measure, columns)
    elif measure in TWO_BY_TWO:
        yi, vi, ni, raw = _two_by_two(measure, columns, add, to, vtype)
    elif measure in TWO_GROUP_MEANS:
        yi, vi, ni = _two_group_means(measure, columns, vtype)
    elif measure in PRE_POST:
        yi, vi, ni = _pre_post(measure, columns, vtype)
    elif measure in PROPORTIONS:
        yi, vi, ni = _proportions(measure, columns, add, to, vtype)
    else:
        yi = _column(columns, "yi", measure)
        vi = _column(columns, "vi", measure)
        _same_length(yi=yi, vi=vi)
        ni = _column(columns, "ni", measure) if columns.get("ni") is not None else None
    _check_variances(yi, vi)
    label_tuple = _labels(labels, yi.size)
    return EffectSizes(yi=yi, vi=vi, measure=measure, labels=label_tuple, ni=ni, columns=raw)


def _labels(labels: Sequence[str] | None, k: int) -> tuple[str, ...] | None:
    if labels is None:
        return None
    out = tuple(str(x) for x in labels)
    if len(out) != k:
        raise InputError("labels", f"has {len(out)} labels, expected {k}")
    return out


def _check_variances(yi: np.ndarray, vi: np.ndarray) -> None:
    bad = ~np.isfinite(yi)
    if bad.any():
        raise InputError(f"yi[{int(np.argmax(bad))}]", "effect size is not finite")
    bad = ~np.isfinite(vi)
    if bad.any():
        raise InputError(f"vi[{int(np.argmax(bad))}]", "sampling variance is not finite")
    bad = vi < 0
    if bad.any():
        raise InputError(f"vi[{int(np.argmax(bad))}]", "sampling variance must not be negative")


_ALL_COLUMNS = (
    "ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i",
    "xi", "ni", "mi", "sdi", "ri", "yi", "vi", "ti", "x1i", "x2i", "t1i", "t2i",
)  # fmt: skip


def escalc_frame(
    measure: str, frame: Any, *, label_column: str | None = "study", **options: Any
) -> EffectSizes:
    """``escalc`` over a table: a dict of lists (e.g. from ``csv.DictReader``) or a Polars frame.

    Columns are picked up by metafor's names; ``label_column`` (default ``study``) gives labels.
    """
    columns = _as_columns(frame)
    picked = {name: columns[name] for name in _ALL_COLUMNS if name in columns}
    labels = None
    if label_column and label_column in columns:
        labels = [str(x) for x in columns[label_column]]
    for name, values in picked.items():
        picked[name] = _numeric_list(name, values)
    return escalc(measure, labels=labels, **picked, **options)


def _as_columns(frame: Any) -> dict[str, list[Any]]:
    if hasattr(frame, "to_dict") and hasattr(frame, "columns") and hasattr(frame, "height"):
        return {name: list(values) for name, values in frame.to_dict(as_series=False).items()}
    if isinstance(frame, Mapping):
        return {str(name): list(values) for name, values in frame.items()}
    raise InputError("frame", "expected a dict of columns or a Polars DataFrame")


def _numeric_list(name: str, values: Sequence[Any]) -> list[float]:
    out = []
    for i, value in enumerate(values):
        if value is None or (isinstance(value, str) and value.strip() == ""):
            raise InputError(f"{name}[{i}]", "missing value")
        try:
            out.append(float(value))
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name}[{i}]", f"not a number: {value!r}") from exc
    return out
