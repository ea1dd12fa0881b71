"""The whole MSC-in-lupus analysis, reproducible from the dataset with one call: :func:`run`.

Choices, and why (docs/evidence/lupus.md says more):
- Single-arm before/after data and randomised comparisons answer different questions and are never
  pooled together. A before/after change includes the effect of the glucocorticoids and
  cyclophosphamide or MMF everybody received, and regression to the mean after enrolment in a flare.
- Before/after effects need the correlation between the two measurements, which no study reports:
  every pre-post effect is computed at several assumed correlations (``DEFAULT_CORRELATIONS``), raw
  (MC, in the outcome's unit) and standardised by the baseline SD (SMCR), as metafor does.
- One report per patient cohort (``overlap.RULE``), so nobody is counted twice.
- Random-effects (REML) with Knapp-Hartung intervals when two or more studies pool; a single study
  is shown as itself (equal-effects fit of k = 1), never called a meta-analysis.
- Only numbers seen in a primary report (or derived from such numbers) enter any computation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lupuscare.errors import InputError
from lupuscare.evidence import RMAResult, escalc, rma
from lupuscare.evidence.lupus import certainty as grade
from lupuscare.evidence.lupus import claims
from lupuscare.evidence.lupus.dataset import Dataset, Row, load
from lupuscare.evidence.lupus.overlap import (
    RULE,
    Candidate,
    Selection,
    centre_flags,
    cohort_groups,
    one_per_cohort,
)

DEFAULT_CORRELATIONS: tuple[float, ...] = (0.2, 0.5, 0.8)
SINGLE_ARM_DESIGNS = ("single_arm", "case_series", "cohort")
PREPOST_OUTCOMES = {
    "sledai": "SLEDAI (disease activity)",
    "proteinuria_24h": "24-hour urine protein",
}
PREPOST_FOLLOW_UP_MONTHS = 12.0
REMISSION_OUTCOMES = ("renal_remission", "remission_any")
# Randomised outcomes compared MSC minus control. Binary: RR and RD; continuous: MD.
RCT_BINARY = {
    "remission_any": "Renal remission (complete or partial)",
    "complete_remission": "Complete renal remission",
    "death": "Death",
    "patients_with_reported_adverse_events": (
        "Patients with an adverse event described (a count of patients, not of severity)"
    ),
}
# Binary outcomes whose events differ in gravity: the arms carry the events' descriptions, so no
# count of "patients with an event" is read as "fewer harms" without saying what the events were.
RCT_DESCRIBED_EVENTS = ("patients_with_reported_adverse_events",)
# The change from baseline leads (it is what the trial randomised against); the level at
# 6 months follows, because it also carries any difference between the arms at baseline.
RCT_CONTINUOUS = {
    "change_proteinuria_24h": "Change in 24-hour urine protein from baseline",
    "proteinuria_24h": "24-hour urine protein at 6 months",
    "change_sledai": "Change in SLEDAI",
    "serum_creatinine": "Serum creatinine at 6 months",
    "change_serum_albumin": "Change in serum albumin",
    "change_c3": "Change in C3",
}
# Continuous OIS convention: a standardised difference of 0.5 (a "medium" effect by Cohen's
# convention), alpha 0.05, power 0.80. A convention, not a clinically validated minimal important
# difference: none was found for these outcomes.
OIS_CONTINUOUS_SMD = 0.5


def _fit(es, *, pool: bool) -> RMAResult:
    """REML + Knapp-Hartung when pooling; one study shown as itself (k = 1, equal effects)."""
    if pool and es.k >= 2:
        return rma(es, method="REML", test="knha")
    return rma(es, method="EE")


def _fit_dict(res: RMAResult) -> dict[str, Any]:
    keys = (
        "k",
        "estimate",
        "se",
        "ci_lb",
        "ci_ub",
        "pval",
        "tau2",
        "I2",
        "Q",
        "Q_pval",
        "pi_lb",
        "pi_ub",
        "method",
        "test",
        "measure",
    )
    d = res.to_dict()
    out = {k: d.get(k) for k in keys}
    out["studies"] = d.get("studies")
    out["yi"] = d.get("yi")
    out["vi"] = d.get("vi")
    return out


# --- (b1) single-arm before/after data -----------------------------------------------------


@dataclass(frozen=True)
class PrePost:
    """Baseline and follow-up mean and SD of one outcome in one single-arm report."""

    study_id: str
    cohort: str
    year: int
    n: int
    pre_mean: float
    pre_sd: float
    post_mean: float
    post_sd: float
    months: float
    unit: str
    rows: tuple[int, int]


def prepost_candidates(
    dataset: Dataset, outcome: str, months: float = PREPOST_FOLLOW_UP_MONTHS
) -> tuple[list[PrePost], list[str]]:
    """Single-arm reports with seen baseline and follow-up mean and SD, and why others are left out."""
    by_study: dict[str, list[Row]] = {}
    for r in dataset.select(outcome=outcome, design=SINGLE_ARM_DESIGNS, arm="msc"):
        by_study.setdefault(r.study_id, []).append(r)
    found, left_out = [], []
    for sid, rows in sorted(by_study.items()):
        base = [r for r in rows if r.time_months == 0]
        follow = [r for r in rows if r.time_months == months]
        if (
            not all(r.poolable and r.stat == "mean" and r.sd is not None for r in base + follow)
            or not base
            or not follow
        ):
            kinds = sorted({f"{r.stat} ({r.provenance})" for r in rows})
            left_out.append(
                f"{sid}: no seen mean and SD at baseline and {months:g} months "
                f"(has {', '.join(kinds)})"
            )
            continue
        pre, post = base[0], follow[0]
        if pre.n is None or post.n is None or pre.n != post.n:
            left_out.append(f"{sid}: number of patients at each time point not stated")
            continue
        found.append(
            PrePost(
                sid,
                pre.cohort,
                pre.year,
                pre.n,
                pre.value,
                pre.sd,
                post.value,
                post.sd,
                months,
                pre.unit,
                (pre.index, post.index),
            )
        )
    return found, left_out


def prepost_effects(studies: Sequence[PrePost], r: float, measure: str):
    """metafor's MC (post minus pre) or SMCR (divided by the baseline SD) at correlation ``r``."""
    labels = [s.study_id for s in studies]
    post = [s.post_mean for s in studies]
    pre = [s.pre_mean for s in studies]
    n = [s.n for s in studies]
    if measure == "MC":
        return escalc(
            "MC",
            m1i=post,
            m2i=pre,
            sd1i=[s.post_sd for s in studies],
            sd2i=[s.pre_sd for s in studies],
            ni=n,
            ri=[r] * len(studies),
            labels=labels,
        )
    if measure == "SMCR":
        return escalc(
            "SMCR",
            m1i=post,
            m2i=pre,
            sd1i=[s.pre_sd for s in studies],
            ni=n,
            ri=[r] * len(studies),
            labels=labels,
        )
    raise InputError("measure", f"{measure!r} is not a pre-post measure (MC or SMCR)")


def prepost_sensitivity(
    dataset: Dataset, outcome: str, correlations: Sequence[float] = DEFAULT_CORRELATIONS
) -> dict[str, Any]:
    """Before/after change at every assumed correlation, one report per cohort."""
    if not correlations:
        raise InputError("correlations", "give at least one assumed pre-post correlation")
    for r in correlations:
        if not -1 <= r <= 1:
            raise InputError("correlations", f"{r} is not a correlation")
    found, left_out = prepost_candidates(dataset, outcome)
    selection = one_per_cohort(Candidate(s.study_id, s.cohort, s.n, s.year) for s in found)
    kept_ids = {c.study_id for c in selection.kept}
    studies = [s for s in found if s.study_id in kept_ids]
    rows, fits = [], {}
    for measure in ("MC", "SMCR"):
        for r in correlations:
            if not studies:
                continue
            res = _fit(prepost_effects(studies, r, measure), pool=True)
            fits[(measure, r)] = res
            rows.append({"measure": measure, "r": r, **_fit_dict(res)})
    return {
        "outcome": outcome,
        "label": PREPOST_OUTCOMES.get(outcome, outcome),
        "unit": studies[0].unit if studies else "",
        "studies": [s.__dict__ for s in studies],
        "left_out": left_out,
        "selection": selection.to_dict(),
        "k": len(studies),
        "pooled": len(studies) >= 2,
        "correlations": list(correlations),
        "rows": rows,
        "_fits": fits,
    }


# --- (b2) randomised evidence ---------------------------------------------------------------


def _arm(rows: list[Row], arm: str) -> Row | None:
    found = [r for r in rows if r.arm == arm and r.poolable]
    return found[0] if len(found) == 1 else None


def randomised(dataset: Dataset) -> dict[str, Any]:
    """Every randomised comparison with seen arm-level data (MSC minus control)."""
    trials = sorted({r.study_id for r in dataset.select(design=["rct"], poolable_only=True)})
    binary, continuous, fits = [], [], {}
    for outcome, label in RCT_BINARY.items():
        cells = []
        for sid in trials:
            rows = dataset.select(study_id=sid, outcome=outcome, stat="count")
            msc = _arm(rows, "msc")
            ctl = _arm(rows, "placebo") or _arm(rows, "control")
            if msc and ctl and msc.n and ctl.n:
                cells.append((sid, int(msc.value), msc.n, int(ctl.value), ctl.n, msc.timepoint,
                              msc.notes, ctl.notes))
        if not cells:
            continue
        cols = dict(
            ai=[c[1] for c in cells],
            n1i=[c[2] for c in cells],
            ci=[c[3] for c in cells],
            n2i=[c[4] for c in cells],
            labels=[c[0] for c in cells],
        )
        entry = {
            "outcome": outcome,
            "label": label,
            "timepoint": cells[0][5],
            "arms": [
                {
                    "study_id": c[0],
                    "msc": f"{c[1]}/{c[2]}",
                    "control": f"{c[3]}/{c[4]}",
                    "msc_events": c[1],
                    "msc_n": c[2],
                    "control_events": c[3],
                    "control_n": c[4],
                    **(
                        {"msc_events_described": c[6], "control_events_described": c[7]}
                        if outcome in RCT_DESCRIBED_EVENTS
                        else {}
                    ),
                }
                for c in cells
            ],
        }
        for measure in ("RR", "RD"):
            if measure == "RR" and all(c[1] == 0 and c[3] == 0 for c in cells):
                entry[measure] = None  # no events in either arm: a ratio is undefined
                continue
            res = _fit(escalc(measure, **cols), pool=True)
            fits[(outcome, measure)] = res
            entry[measure] = _fit_dict(res)
            if measure == "RR":
                entry["RR_exp"] = {
                    k: math.exp(entry[measure][k]) for k in ("estimate", "ci_lb", "ci_ub")
                }
        binary.append(entry)
    for outcome, label in RCT_CONTINUOUS.items():
        arms = []
        for sid in trials:
            rows = dataset.select(study_id=sid, outcome=outcome, stat="mean")
            msc = _arm(rows, "msc")
            ctl = _arm(rows, "placebo") or _arm(rows, "control")
            if msc and ctl and msc.sd is not None and ctl.sd is not None:
                arms.append((sid, msc, ctl))
        if not arms:
            continue
        es = escalc(
            "MD",
            m1i=[a[1].value for a in arms],
            sd1i=[a[1].sd for a in arms],
            n1i=[a[1].n for a in arms],
            m2i=[a[2].value for a in arms],
            sd2i=[a[2].sd for a in arms],
            n2i=[a[2].n for a in arms],
            labels=[a[0] for a in arms],
        )
        res = _fit(es, pool=True)
        fits[(outcome, "MD")] = res
        continuous.append(
            {
                "outcome": outcome,
                "label": label,
                "unit": arms[0][1].unit,
                "timepoint": arms[0][1].timepoint,
                "arms": [
                    {
                        "study_id": a[0],
                        "msc": f"{a[1].value:g} ({a[1].sd:g}), n={a[1].n}",
                        "control": f"{a[2].value:g} ({a[2].sd:g}), n={a[2].n}",
                        "msc_n": a[1].n,
                        "control_n": a[2].n,
                    }
                    for a in arms
                ],
                "MD": _fit_dict(res),
            }
        )
    unusable = sorted({r.study_id for r in dataset.select(design=["rct"])} - set(trials))
    return {
        "trials": trials,
        "trials_without_data": unusable,
        "binary": binary,
        "continuous": continuous,
        "_fits": fits,
    }


# --- single-arm remission proportions, beside the control arm ------------------------------


def remission_proportions(dataset: Dataset) -> dict[str, Any]:
    """Proportion of MSC-treated lupus-nephritis patients in remission, uncontrolled series only,
    one report per cohort.

    Only single-arm designs are pooled: the MSC arm of a randomised trial has its own control
    and is reported against it (``randomised``), never mixed into an uncontrolled rate. Each
    report's own definition of remission is kept beside its numbers. A proportion without a
    control group says nothing about what MSC added; the control arm of the one blinded trial is
    shown beside it for that reason.
    """
    cands, rows_by_id = [], {}
    for r in dataset.select(arm="msc", stat="count", poolable_only=True):
        if r.outcome in REMISSION_OUTCOMES and r.n and r.design in SINGLE_ARM_DESIGNS:
            cands.append(Candidate(r.study_id, r.cohort, r.n, r.year))
            rows_by_id[r.study_id] = r
    selection = one_per_cohort(cands)
    kept = [rows_by_id[c.study_id] for c in selection.kept]
    out: dict[str, Any] = {"selection": selection.to_dict(), "_fits": {}}
    if kept:
        es = escalc(
            "PLO",
            xi=[int(r.value) for r in kept],
            ni=[r.n for r in kept],
            labels=[r.study_id for r in kept],
        )
        res = _fit(es, pool=True)
        out["_fits"]["PLO"] = res
        out["fit"] = _fit_dict(res)
        out["proportion"] = {k: _expit(out["fit"][k]) for k in ("estimate", "ci_lb", "ci_ub")}
        pi = (out["fit"].get("pi_lb"), out["fit"].get("pi_ub"))
        out["prediction"] = (
            {"pi_lb": _expit(pi[0]), "pi_ub": _expit(pi[1])} if None not in pi else None
        )
        out["studies"] = [
            {
                "study_id": r.study_id,
                "design": r.design,
                "events": int(r.value),
                "n": r.n,
                "definition": r.outcome_label,
                "timepoint": r.timepoint,
                "provenance": r.provenance,
            }
            for r in kept
        ]
    controls = [
        r
        for r in dataset.select(outcome="remission_any", stat="count", poolable_only=True)
        if r.arm in ("placebo", "control")
    ]
    out["controls"] = []
    for r in controls:
        res = rma(escalc("PLO", xi=[int(r.value)], ni=[r.n]), method="EE")
        out["controls"].append(
            {
                "study_id": r.study_id,
                "arm": r.arm,
                "events": int(r.value),
                "n": r.n,
                "proportion": _expit(res.estimate),
                "ci_lb": _expit(res.ci_lb),
                "ci_ub": _expit(res.ci_ub),
            }
        )
    return out


def described_events(entry: dict[str, Any]) -> str:
    """What the events were in each arm, so a count of patients is never read as severity."""
    parts = []
    for a in entry["arms"]:
        parts.append(
            f"{a['study_id']}, a count of patients, not of severity: MSC {a['msc']} "
            f"({a.get('msc_events_described') or 'events not described'}), control "
            f"{a['control']} ({a.get('control_events_described') or 'events not described'})"
        )
    return "; ".join(parts)


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# --- (d) certainty -------------------------------------------------------------------------


def _continuous_ois() -> int:
    return grade.ois_continuous(OIS_CONTINUOUS_SMD, 1.0)


def certainty_table(
    rct: dict[str, Any], prepost: dict[str, dict[str, Any]], remission: dict[str, Any]
) -> list[grade.Certainty]:
    """One GRADE rating per outcome. The judgements are ours; each names the facts behind it."""
    G = grade.Downgrade
    rob_rct = G(
        "risk_of_bias",
        1,
        "Deng 2017: baseline table and randomisation methods not seen; stopped early after "
        "18 patients; funded by the cell manufacturers (Beike Biotech, CytoMed)",
    )
    indirect_rct = G(
        "indirectness",
        0,
        "population (class III/IV lupus nephritis on standard induction) and outcomes "
        "match the question; one product and dose only",
    )
    pub_rct = G(
        "publication_bias",
        0,
        "not assessable with one trial; three Chinese randomised trials are known only "
        "through a review, without arm-level data (noted, not rated down)",
    )
    incons_single = G("inconsistency", 0, "one trial: not assessable")
    out: list[grade.Certainty] = []
    for e in rct["binary"]:
        n_total = sum(a["msc_n"] + a["control_n"] for a in e["arms"])
        control_risk = sum(a["control_events"] for a in e["arms"]) / sum(
            a["control_n"] for a in e["arms"]
        )
        if e.get("RR_exp") and 0 < control_risk < 1:
            # The OIS needs a control risk strictly between 0 and 1.
            ois = grade.ois_dichotomous(control_risk)
            rr = e["RR_exp"]
            imp = grade.imprecision(
                rr["ci_lb"],
                rr["ci_ub"],
                null=1.0,
                total_n=n_total,
                ois=ois,
                appreciable=grade.APPRECIABLE_RR,
                what="risk ratio",
            )
            summary = (
                f"RR {rr['estimate']:.2f} (95% CI {rr['ci_lb']:.2f} to {rr['ci_ub']:.2f}), "
                f"{n_total} patients"
            )
            if e["outcome"] in RCT_DESCRIBED_EVENTS:
                summary += "; " + described_events(e)
        else:
            events = sum(a["msc_events"] + a["control_events"] for a in e["arms"])
            imp = G(
                "imprecision",
                2,
                f"{events} events in {n_total} patients: far too few to estimate any difference",
            )
            rd = e["RD"]
            summary = (
                f"RD {rd['estimate']:+.2f} (95% CI {rd['ci_lb']:+.2f} to {rd['ci_ub']:+.2f}), "
                f"{n_total} patients"
            )
        out.append(
            grade.rate(
                f"{e['label']} (randomised, MSC vs control)",
                "rct",
                [rob_rct, incons_single, indirect_rct, imp, pub_rct],
                summary=summary,
            )
        )

    for e in rct["continuous"]:
        if e["outcome"] not in ("change_proteinuria_24h", "proteinuria_24h", "change_sledai"):
            continue
        md = e["MD"]
        n_total = sum(a["msc_n"] + a["control_n"] for a in e["arms"])
        imp = grade.imprecision(
            md["ci_lb"],
            md["ci_ub"],
            null=0.0,
            total_n=n_total,
            ois=_continuous_ois(),
            what="mean difference",
        )
        out.append(
            grade.rate(
                f"{e['label']} (randomised, MSC vs control)",
                "rct",
                [
                    rob_rct,
                    incons_single,
                    G(
                        "indirectness",
                        1 if "sledai" in e["outcome"] else 0,
                        "SLEDAI change is a surrogate for patient-important outcomes"
                        if "sledai" in e["outcome"]
                        else "proteinuria is the accepted renal surrogate in lupus-nephritis trials",
                    ),
                    imp,
                    pub_rct,
                ],
                summary=f"MD {md['estimate']:+.2f} {e['unit']} (95% CI {md['ci_lb']:+.2f} to {md['ci_ub']:+.2f}), {n_total} patients",
            )
        )

    for res in prepost.values():
        # Judge at the assumed correlation nearest 0.5 (the middle of the usual grid).
        mc_rows = [row for row in res["rows"] if row["measure"] == "MC"]
        if not mc_rows:
            continue
        mid = min(mc_rows, key=lambda row: abs(row["r"] - 0.5))
        n_total = sum(s["n"] for s in res["studies"])
        imp = grade.imprecision(
            mid["ci_lb"],
            mid["ci_ub"],
            null=0.0,
            total_n=n_total,
            ois=_continuous_ois(),
            what=f"mean change at r = {mid['r']:g}",
        )
        out.append(
            grade.rate(
                f"{res['label']}: change after MSC (single-arm, no control)",
                "single_arm",
                [
                    G(
                        "risk_of_bias",
                        2,
                        "no control group: concurrent glucocorticoids and cyclophosphamide "
                        "or MMF, and regression to the mean after enrolment in a flare, "
                        "explain part or all of the change",
                    ),
                    G(
                        "inconsistency",
                        0,
                        f"{res['k']} cohort(s) after removing overlap: not assessable",
                    ),
                    G(
                        "indirectness",
                        1,
                        "a within-patient change is not the effect of adding MSC to "
                        "standard therapy; refractory patients from one programme",
                    ),
                    imp,
                    G(
                        "publication_bias",
                        1,
                        "small positive single-group reports, mostly from one "
                        "programme; the one blinded trial was negative",
                    ),
                ],
                summary=f"mean change {mid['estimate']:+.1f} {res['unit']} (95% CI {mid['ci_lb']:+.1f} to {mid['ci_ub']:+.1f}) at r = {mid['r']:g}, {n_total} patients",
            )
        )

    if "proportion" in remission:
        p = remission["proportion"]
        fit = remission["fit"]
        n_total = sum(s["n"] for s in remission["studies"])
        i2 = fit.get("I2") or 0.0
        out.append(
            grade.rate(
                "Remission after MSC (uncontrolled series only, pooled proportion)",
                "single_arm",
                [
                    G(
                        "risk_of_bias",
                        2,
                        "no control group; remission also follows the standard induction "
                        "therapy every patient received",
                    ),
                    G(
                        "inconsistency",
                        1 if i2 >= 50 else 0,
                        f"I2 {i2:.0f}% across {fit['k']} reports",
                    ),
                    G("indirectness", 1, "remission defined differently in each report"),
                    G(
                        "imprecision",
                        0,
                        f"{n_total} patients; the CI of a proportion is not an effect estimate",
                    ),
                    G("publication_bias", 1, "small positive single-group reports"),
                ],
                summary=f"{100 * p['estimate']:.0f}% (95% CI {100 * p['ci_lb']:.0f}% to {100 * p['ci_ub']:.0f}%) of {n_total} patients",
            )
        )
    return out


# --- everything ----------------------------------------------------------------------------


@dataclass
class Analysis:
    """The full result: plain data in :meth:`to_dict`, fitted models in ``fits`` for plotting."""

    data: dict[str, Any]
    fits: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.data


def _strip(d: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    fits = d.pop("_fits", {})
    return d, fits


def run(
    dataset: Dataset | None = None, correlations: Sequence[float] = DEFAULT_CORRELATIONS
) -> Analysis:
    """Run every part of the analysis on the dataset (the packaged one by default)."""
    ds = dataset if dataset is not None else load()
    prepost, prepost_fits = {}, {}
    for outcome in PREPOST_OUTCOMES:
        prepost[outcome], prepost_fits[outcome] = _strip(
            prepost_sensitivity(ds, outcome, correlations)
        )
    rct, rct_fits = _strip(randomised(ds))
    remission, remission_fits = _strip(remission_proportions(ds))
    certainty = certainty_table(rct, prepost, remission)
    groups = cohort_groups(ds)
    data = {
        "claims": claims.audit(ds),
        "overlap": {
            "rule": RULE,
            "groups": [g.to_dict() for g in groups],
            "centre_pairs": centre_flags(ds),
        },
        "prepost": prepost,
        "randomised": rct,
        "remission": remission,
        "certainty": [c.to_dict() for c in certainty],
        "dataset": {
            "rows": len(ds),
            "studies": len(ds.study_ids()),
            "by_provenance": {
                p: sum(1 for r in ds if r.provenance == p)
                for p in ("seen", "derived", "secondary", "unverified", "not_seen")
            },
        },
    }
    return Analysis(
        data=data,
        fits={"prepost": prepost_fits, "randomised": rct_fits, "remission": remission_fits},
    )


__all__ = [
    "Analysis",
    "DEFAULT_CORRELATIONS",
    "Selection",
    "certainty_table",
    "prepost_candidates",
    "prepost_effects",
    "prepost_sensitivity",
    "randomised",
    "remission_proportions",
    "run",
]
