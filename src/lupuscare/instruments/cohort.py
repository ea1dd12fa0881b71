"""Vectorised cohort scoring: SLEDAI-2K, clinical SLEDAI, LLDAS and DORIS over a Polars frame.

Every rule is a Polars expression (no Python loop per row), built from the same weights,
item maps and thresholds as the scalar instruments, imported from them (one source of truth).

Frame schema (one row per visit; every column optional unless stated; docs/instruments/README.md):
- one Boolean column per finding of the vocabulary, named as the finding (``arthritis``,
  ``rash_generalized``...): attested, attributable, inside the window. Missing column or null =
  not attested.
- ``not_attributable_<finding>`` (Boolean): the finding never counts, whatever the labs say.
- labs in canonical units (``clinical.units.CANONICAL_UNIT``), one value per visit (the worst in
  the window; convert with ``units.to_canonical`` first), null = not measured: ``lab_upcr`` (g/g),
  ``lab_urine_protein_24h`` (g/d), ``lab_urine_rbc``, ``lab_urine_wbc`` (/[HPF]),
  ``lab_platelets``, ``lab_wbc`` (10*9/L), ``lab_temperature`` (Cel); ``lab_c3``/``lab_c4``/
  ``lab_ch50`` with the lab's lower limits ``lab_c3_low``/``lab_c4_low``/``lab_ch50_low``;
  ``lab_anti_dsdna`` with ``lab_anti_dsdna_high`` (same unit as its value).
- ``pga`` (Float, 0-3, one decimal), ``prednisone_eq_mg`` (Float, scheduled daily
  prednisone-equivalent, null = medications not recorded), ``maintenance_ok`` (Boolean: no
  investigational and no poorly tolerated maintenance drug; null = unknown).
- for LLDAS "no new features": ``patient_id`` and ``date`` (the previous visit is the patient's
  preceding row by date), or a precomputed Boolean ``new_features``; otherwise the criterion is
  null. A frame already ordered by (patient_id, date) is fastest; any other order is sorted
  internally (about a second more per million rows) and returned in its original order.

Output: the input columns plus ``sledai2k``, ``clinical_sledai``, ``lldas`` with its five
criterion columns (``lldas_<criterion>``), and ``doris`` with its three (``doris_<criterion>``).
Null criteria follow the scalar rule: met is null unless a criterion is false.
The vectorised path scores the default SLEDAI-2K variant only (persistence variants need the
previous visit's descriptor set and stay scalar).
"""

from __future__ import annotations

import polars as pl

from lupuscare.clinical import labs as rules
from lupuscare.clinical.vocabulary import FINDINGS
from lupuscare.errors import InputError
from lupuscare.instruments import doris, lldas, sledai2k

LAB_COLUMNS: dict[str, str] = {
    "lab_upcr": "upcr", "lab_urine_protein_24h": "urine_protein_24h", "lab_urine_rbc": "urine_rbc",
    "lab_urine_wbc": "urine_wbc", "lab_platelets": "platelets", "lab_wbc": "wbc",
    "lab_temperature": "temperature", "lab_c3": "c3", "lab_c4": "c4", "lab_ch50": "ch50",
    "lab_anti_dsdna": "anti_dsdna",
}
LIMIT_COLUMNS = ("lab_c3_low", "lab_c4_low", "lab_ch50_low", "lab_anti_dsdna_high")
LLDAS_CRITERIA = ("sledai_le_4_no_major_organ", "no_new_features", "pga_le_1",
                  "prednisone_le_7_5", "tolerated_standard_maintenance")
DORIS_CRITERIA = ("clinical_sledai_0", "pga_below_0_5", "prednisolone_within_limit")


def _col(df: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    return pl.col(name) if name in df.columns else pl.lit(None, dtype=dtype)


def _flag(df: pl.DataFrame, name: str) -> pl.Expr:
    return _col(df, name, pl.Boolean).fill_null(False)


def _lab_rule(df: pl.DataFrame, test: str) -> pl.Expr:
    finding, op, threshold = rules.FIXED_RULES[test]
    value = _col(df, f"lab_{test}", pl.Float64)
    hit = value > float(threshold) if op == ">" else value < float(threshold)
    return hit.fill_null(False)


def _derived(df: pl.DataFrame) -> dict[str, pl.Expr]:
    """Finding -> expression for 'produced by a lab' (contracts 2.1, thresholds from clinical.labs)."""
    out: dict[str, pl.Expr] = {}
    for test, (finding, _, _) in rules.FIXED_RULES.items():
        e = _lab_rule(df, test)
        out[finding] = out[finding] | e if finding in out else e
    for test, finding in rules.BELOW_LOW_RULES.items():
        e = (_col(df, f"lab_{test}", pl.Float64) < _col(df, f"lab_{test}_low", pl.Float64)).fill_null(False)
        out[finding] = out[finding] | e if finding in out else e
    for test, finding in rules.ABOVE_HIGH_RULES.items():
        e = (_col(df, f"lab_{test}", pl.Float64) > _col(df, f"lab_{test}_high", pl.Float64)).fill_null(False)
        out[finding] = out[finding] | e if finding in out else e
    return out


def _active(df: pl.DataFrame) -> dict[str, pl.Expr]:
    derived = _derived(df)
    out = {}
    for f in FINDINGS:
        present = _flag(df, f)
        if f in derived:
            present = present | derived[f]
        out[f] = present & ~_flag(df, f"not_attributable_{f}")
    return out


BOOLEAN_COLUMNS = frozenset([*FINDINGS, *(f"not_attributable_{f}" for f in FINDINGS),
                             "maintenance_ok", "new_features"])
NUMERIC_COLUMNS = frozenset([*LAB_COLUMNS, *LIMIT_COLUMNS, "pga", "prednisone_eq_mg"])


def validate(df: pl.DataFrame) -> None:
    """``InputError`` naming the column (and first bad row) for wrong types or impossible values."""
    for name, dtype in df.schema.items():
        if dtype == pl.Null:  # an all-null column: nothing recorded
            continue
        if name in BOOLEAN_COLUMNS and dtype != pl.Boolean:
            raise InputError(name, f"must be a Boolean column (got {dtype})")
        if name in NUMERIC_COLUMNS and not dtype.is_numeric():
            raise InputError(name, f"must be a numeric column (got {dtype})")
    checks: list[tuple[str, pl.Expr, str]] = []
    if "patient_id" in df.columns and "date" in df.columns:
        for c in ("patient_id", "date"):
            checks.append((c, pl.col(c).is_null(), "must not be null"))
    for c in (*LAB_COLUMNS, *LIMIT_COLUMNS, "prednisone_eq_mg"):
        if c in df.columns:
            checks.append((c, pl.col(c) < 0, "must be >= 0"))
    if "pga" in df.columns:
        checks.append(("pga", (pl.col("pga") < 0) | (pl.col("pga") > 3), "must be between 0 and 3"))
        checks.append(("pga", ((pl.col("pga") * 10 - (pl.col("pga") * 10).round(0)).abs() > 1e-9),
                       "is recorded to one decimal place"))
    for c in (*LAB_COLUMNS, *LIMIT_COLUMNS, "prednisone_eq_mg", "pga"):
        if c in df.columns:
            checks.append((c, pl.col(c).is_nan() | pl.col(c).is_infinite(), "must be a finite number"))
    if not checks:
        return
    flags = df.select([e.fill_null(False).arg_max().alias(f"i{i}") for i, (_, e, _) in enumerate(checks)]
                      + [e.fill_null(False).any().alias(f"a{i}") for i, (_, e, _) in enumerate(checks)])
    row = flags.row(0, named=True)
    for i, (col, _, msg) in enumerate(checks):
        if row[f"a{i}"]:
            raise InputError(f"{col}[{row[f'i{i}']}]", msg)


_FINDING_ORDER = tuple(FINDINGS)
if len(_FINDING_ORDER) > 62:  # the packed mask is an Int64
    raise RuntimeError("too many findings to pack into one Int64 mask; split the mask")
_ACTIVE = {f: f"_active_{f}" for f in _FINDING_ORDER}


def score_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Add SLEDAI-2K, clinical SLEDAI, LLDAS and DORIS (with criteria) to a visits frame."""
    validate(df)
    # Stage 1: active findings, computed once (reused by every rule below). Lazy, so Polars can
    # share common subexpressions and run the stages in one optimised plan.
    work = df.lazy().with_columns([e.alias(_ACTIVE[f]) for f, e in _active(df).items()])
    active = {f: pl.col(c) for f, c in _ACTIVE.items()}
    item_present = {i.name: pl.any_horizontal([active[f] for f in i.findings]) for i in sledai2k.ITEMS}
    total = pl.sum_horizontal([item_present[i.name].cast(pl.Int64) * i.weight for i in sledai2k.ITEMS])
    serology = pl.sum_horizontal([item_present[n].cast(pl.Int64) * sledai2k.WEIGHTS[n]
                                  for n in sorted(sledai2k.SEROLOGY_ITEMS)])
    major = pl.any_horizontal([active[f] for f in sorted(lldas.MAJOR_FINDINGS)])
    # All active findings packed into one integer, so "new since the previous visit" is one shift.
    mask = pl.sum_horizontal([active[f].cast(pl.Int64) * (1 << i) for i, f in enumerate(_FINDING_ORDER)])
    work = work.with_columns(total.alias("sledai2k"), serology.alias("_serology"),
                             major.alias("_major"), mask.alias("_mask"))
    work = work.with_columns((pl.col("sledai2k") - pl.col("_serology")).alias("clinical_sledai"))

    if "new_features" in df.columns:
        no_new = ~pl.col("new_features")
    elif "patient_id" in df.columns and "date" in df.columns:
        work = work.collect().lazy()  # materialise once: the previous-visit step reads it again
        narrow = work.select("patient_id", "date", "_mask").collect()
        work = work.with_columns(_previous_mask(narrow))
        no_new = (pl.col("_mask") & ~pl.col("_prev")) == 0  # null on a patient's first visit
    else:
        no_new = pl.lit(None, dtype=pl.Boolean)

    pga = _col(df, "pga", pl.Float64)
    pred = _col(df, "prednisone_eq_mg", pl.Float64)
    sledai, clinical = pl.col("sledai2k"), pl.col("clinical_sledai")
    l_crit = {
        "sledai_le_4_no_major_organ": (sledai <= lldas.SLEDAI_AT_MOST) & ~pl.col("_major"),
        "no_new_features": no_new,
        "pga_le_1": pga <= lldas.PGA_AT_MOST,
        "prednisone_le_7_5": pred <= lldas.PREDNISONE_EQ_AT_MOST_MG,
        "tolerated_standard_maintenance": _col(df, "maintenance_ok", pl.Boolean),
    }
    d_crit = {
        "clinical_sledai_0": clinical == doris.CLINICAL_SLEDAI_EQUALS,
        "pga_below_0_5": pga < doris.PGA_BELOW,
        "prednisolone_within_limit": pred <= doris.PREDNISOLONE_MAX_MG,
    }
    work = work.with_columns(
        *[e.alias(f"lldas_{k}") for k, e in l_crit.items()],
        *[e.alias(f"doris_{k}") for k, e in d_crit.items()],
    ).with_columns(
        _kleene_all([f"lldas_{k}" for k in LLDAS_CRITERIA]).alias("lldas"),
        _kleene_all([f"doris_{k}" for k in DORIS_CRITERIA]).alias("doris"),
    )
    helpers = [*_ACTIVE.values(), "_major", "_mask", "_serology"]
    if "_prev" in work.collect_schema().names():
        helpers.append("_prev")
    return work.drop(helpers).collect()


def _previous_mask(narrow: pl.DataFrame) -> pl.Series:
    """Each visit's previous active-finding mask (the patient's preceding row by date), or null.

    A frame already ordered by (patient_id, date), as exports usually are, needs one shift; any
    other order is stably sorted first and the result scattered back to the original rows.
    """
    pid, date = pl.col("patient_id"), pl.col("date")
    ordered_already = narrow.select(
        ((pid > pid.shift(1)) | ((pid == pid.shift(1)) & (date >= date.shift(1)))).slice(1).all()
    ).item()
    same = pid == pid.shift(1)
    prev_expr = pl.when(same).then(pl.col("_mask").shift(1)).alias("_prev")
    if ordered_already:
        return narrow.select(prev_expr).to_series()
    order = narrow.select(pl.arg_sort_by(["patient_id", "date"], maintain_order=True)).to_series()
    prev_sorted = narrow[order].select(prev_expr).to_series()
    prev = pl.Series("_prev", [], dtype=pl.Int64).extend_constant(None, narrow.height)
    return prev.scatter(order, prev_sorted)


def _kleene_all(columns: list[str]) -> pl.Expr:
    """False if any is false; true if all are true; otherwise null (criteria.all_met)."""
    any_false = pl.any_horizontal([(pl.col(c) == False).fill_null(False) for c in columns])  # noqa: E712
    all_true = pl.all_horizontal([pl.col(c).fill_null(False) for c in columns])
    return pl.when(any_false).then(False).when(all_true).then(True).otherwise(None)
