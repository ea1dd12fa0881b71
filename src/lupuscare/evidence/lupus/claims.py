"""What the pooled claims of Liu et al. 2018 rest on, and where they cannot be reproduced.

Liu S, Guo YL, Yang JY, Wang W, Xu J. J Peking Univ Health Sci 2018;50(6):1014-21 is the paper
behind "a meta-analysis of eight studies and over 200 patients". Only its abstract was available:
the claimed numbers are in the dataset (study ``Liu2018``), the list of included studies is not.
Each check below says what was claimed, what could be recomputed from numbers we have seen, and
why the rest cannot be: it never fills a gap with a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from lupuscare.evidence import escalc, rma
from lupuscare.evidence.lupus.dataset import Dataset
from lupuscare.evidence.lupus.overlap import cohort_groups

Z975 = float(norm.ppf(0.975))
LIU = "Liu2018"
ZHOU = "Zhou2020"

# Studies that the Liu 2018 inclusion criteria (RCTs and self-controlled MSC studies in SLE,
# published before 2018-06-01) would plausibly have caught. This is an inference from the search
# dates and designs (evidence-synthesis.md §B.1), NOT the paper's list, and is labelled so wherever
# it is shown.
PLAUSIBLE_CANDIDATES = (
    "Sun2009",
    "Liang2010",
    "Sun2010",
    "Carrion2010",
    "Wang2013",
    "LiX2013",
    "Gu2014",
    "Wang2014",
    "Yang2014",
    "Zeng2016",
    "Tang2016",
    "Zhu2016",
    "Li2016",
    "Qiu2016",
    "Deng2017",
    "Bai2017",
)

REPRODUCED = "reproduced"
RECOMPUTED = "recomputed from seen data"
CONSISTENT = "consistent"
NOT_REPRODUCIBLE = "not reproducible"
INCONSISTENT = "inconsistent"


@dataclass(frozen=True)
class Check:
    """One claim and what checking it found."""

    claim: str
    claimed: str
    recomputed: str
    status: str
    explanation: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def implied_se(ci_lb: float, ci_ub: float) -> float:
    """The standard error a symmetric normal 95% CI implies: width / (2 x 1.96)."""
    return (ci_ub - ci_lb) / (2 * Z975)


def implied_n_per_group(smd: float, se: float) -> float:
    """Patients per group that give this SE for an SMD between two equal independent groups.

    Large-sample variance of a standardised mean difference with n per group:
    v = 2/n + d^2/(4n), so n = (2 + d^2/4) / SE^2.
    """
    return (2 + smd**2 / 4) / se**2


def implied_n_paired(smd: float, se: float, r: float = 0.5) -> float:
    """Patients that give this SE for a standardised mean change with pre-post correlation r.

    Large-sample variance of SMCR (change / baseline SD) in n patients:
    v = 2(1 - r)/n + d^2/(2n), so n = (2(1 - r) + d^2/2) / SE^2.
    """
    return (2 * (1 - r) + smd**2 / 2) / se**2


def narrow_interval_note(smd: float, se: float, total: int) -> str:
    """What an interval implies when two groups of the implied size outnumber the whole review."""
    n_group = implied_n_per_group(smd, se)
    n_paired = implied_n_paired(smd, se)
    return (
        f" As two independent groups the width needs about {2 * n_group:.0f} measurements, more "
        f"than the {total} patients in the whole review (before and after values counted as "
        f"separate groups); even as pairs with an assumed correlation of 0.5 it needs about "
        f"{n_paired:.0f} patients ({n_paired / total:.0%} of all {total}). Either way most "
        "patients in the review must have contributed to this one outcome, under a fixed-effect "
        "model that allows no differences between studies, although the studies differ in "
        "design, cells and patients and the Nanjing reports may share patients. The interval is "
        "therefore probably too narrow: the pooled effect is less certain than it looks."
    )


def _fmt(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


def pooled_claims(dataset: Dataset) -> list[dict]:
    """The pooled effects Liu 2018 reports, as rows for a table."""
    out = []
    total = _count(dataset, "included_patients")
    for r in dataset.select(study_id=LIU, arm="pooled", stat="smd"):
        se = implied_se(r.ci_lb, r.ci_ub)
        n_group = implied_n_per_group(r.value, se)
        out.append(
            {
                "outcome": r.outcome_label,
                "key": r.outcome,
                "smd": r.value,
                "ci_lb": r.ci_lb,
                "ci_ub": r.ci_ub,
                "provenance": r.provenance,
                "source": r.source,
                # What the interval's width implies (see narrow_interval_note).
                "implied_measurements_independent": 2 * n_group,
                "implied_patients_paired": implied_n_paired(r.value, se),
                "narrower_than_the_review_allows": 2 * n_group > total,
            }
        )
    return out


def candidate_table(dataset: Dataset) -> list[dict]:
    """The plausible candidate studies, what we hold for each, and which cohort they come from."""
    table = []
    for sid in PLAUSIBLE_CANDIDATES:
        rows = dataset.study(sid)
        if not rows:
            continue
        first = rows[0]
        numbers = [r for r in rows if r.value is not None]
        table.append(
            {
                "study_id": sid,
                "design": first.design,
                "cohort": first.cohort,
                "shared_cohort": bool(first.cohort_id),
                "numbers_seen": sum(1 for r in numbers if r.provenance in ("seen", "derived")),
                "numbers_secondary": sum(1 for r in numbers if r.provenance == "secondary"),
                "has_sledai_or_proteinuria_mean_sd": any(
                    r.stat == "mean"
                    and r.sd is not None
                    and r.outcome in ("sledai", "proteinuria_24h")
                    for r in rows
                ),
            }
        )
    return table


def _count(dataset: Dataset, outcome: str) -> int:
    return int(dataset.value(LIU, outcome, stat="count").value)


def checks(dataset: Dataset) -> list[Check]:
    """Every check on Liu 2018 (and the one on Zhou 2020's adverse-event odds ratio)."""
    out: list[Check] = []
    list_row = dataset.select(study_id=LIU, outcome="included_study_list")
    out.append(
        Check(
            claim="8 studies, 213 patients",
            claimed=f"{_count(dataset, 'included_studies')} studies, {_count(dataset, 'included_patients')} patients",
            recomputed="not possible",
            status=NOT_REPRODUCIBLE,
            explanation=(
                "The list of included studies, their per-study numbers, the number of studies "
                "per outcome, heterogeneity and the fixed/random choice are not in the "
                "abstract"
                + (" (dataset row documents the gap)" if list_row else "")
                + ". Without them no pooled number can be recomputed."
            ),
        )
    )

    deng_n = sum(r.n or 0 for r in dataset.select(study_id="Deng2017", outcome="remission_any"))
    rct_n = _count(dataset, "rct_patients")
    out.append(
        Check(
            claim="3 randomised trials with 66 patients",
            claimed=f"{_count(dataset, 'included_rcts')} RCTs, {rct_n} patients",
            recomputed=f"Deng 2017: {deng_n} patients; the other {rct_n - deng_n} not identifiable",
            status=NOT_REPRODUCIBLE,
            explanation=(
                "The only randomised trial we could read (Deng 2017, double-blind) has "
                f"{deng_n} patients and found no benefit. The other two trials would hold "
                f"{rct_n - deng_n} patients; the Chinese-language trials listed by a later "
                "review (Yang 2014, Zeng 2016, Tang 2016) have no arm-level numbers we could see."
            ),
        )
    )

    total = _count(dataset, "included_patients")
    for claim in pooled_claims(dataset):
        se = implied_se(claim["ci_lb"], claim["ci_ub"])
        mid = (claim["ci_lb"] + claim["ci_ub"]) / 2
        n_group = implied_n_per_group(claim["smd"], se)
        symmetric = abs(mid - claim["smd"]) <= 0.01
        too_narrow = 2 * n_group > total
        out.append(
            Check(
                claim=f"{claim['outcome']}: SMD {claim['smd']:+.2f}",
                claimed=f"SMD {_fmt(claim['smd'])} (95% CI {_fmt(claim['ci_lb'])} to {_fmt(claim['ci_ub'])})",
                recomputed=(
                    f"implied SE {se:.3f}; CI midpoint {mid:.3f}; as two independent groups "
                    f"that SE needs about {n_group:.0f} patients per group"
                ),
                status=CONSISTENT if symmetric else INCONSISTENT,
                explanation=(
                    "Symmetric around the estimate, as a normal-theory interval should be. "
                    f"Inference, not a finding: about {n_group:.0f} patients per group is what an "
                    "independent-groups fixed-effect analysis of this SMD would need for this width."
                    + (narrow_interval_note(claim["smd"], se, total) if too_narrow else "")
                )
                if symmetric
                else "The estimate is not at the centre of its interval: a transcription or back-transformation error.",
            )
        )

    # One candidate recomputed two ways: what analysing pairs as independent groups does.
    liang = {r.timepoint: r for r in dataset.select(study_id="Liang2010", outcome="sledai")}
    if "baseline" in liang and "12 mo" in liang:
        pre, post = liang["baseline"], liang["12 mo"]
        indep = escalc(
            "SMD",
            m1i=[post.value],
            sd1i=[post.sd],
            n1i=[post.n],
            m2i=[pre.value],
            sd2i=[pre.sd],
            n2i=[pre.n],
        )
        paired = escalc(
            "SMCR", m1i=[post.value], m2i=[pre.value], sd1i=[pre.sd], ni=[pre.n], ri=[0.5]
        )
        out.append(
            Check(
                claim="Liang 2010 SLEDAI on the SMD scale (a plausible included study)",
                claimed="not reported per study",
                recomputed=(
                    f"independent groups g = {indep.yi[0]:.2f} (SE {indep.sei[0]:.2f}); "
                    f"paired SMCR with r = 0.5: {paired.yi[0]:.2f} (SE {paired.sei[0]:.2f})"
                ),
                status=RECOMPUTED,
                explanation=(
                    "Both computed from the seen means and SDs (n = 12). The two analyses give "
                    "different standardised effects and standard errors; which one Liu 2018 "
                    "used cannot be told from the abstract."
                ),
            )
        )

    deng_ae = {
        r.arm: r
        for r in dataset.select(
            study_id="Deng2017", outcome="patients_with_reported_adverse_events"
        )
    }
    zhou_or = dataset.select(study_id=ZHOU, outcome="adverse_events", stat="or")
    if zhou_or and {"msc", "placebo"} <= set(deng_ae):
        m, p = deng_ae["msc"], deng_ae["placebo"]
        es = escalc("OR", ai=[m.value], bi=[m.n - m.value], ci=[p.value], di=[p.n - p.value])
        res = rma(es, method="EE")
        z = zhou_or[0]
        out.append(
            Check(
                claim="Zhou 2020: fewer adverse events with MSC (RCTs, k = 2)",
                claimed=f"OR {z.value:.2f} (95% CI {z.ci_lb:.2f} to {z.ci_ub:.2f})",
                recomputed=(
                    f"Deng 2017 alone: OR {math.exp(res.estimate):.2f} "
                    f"(95% CI {math.exp(res.ci_lb):.2f} to {math.exp(res.ci_ub):.2f}); "
                    "Tang 2016 arm sizes not seen"
                ),
                status=NOT_REPRODUCIBLE,
                explanation=(
                    "Deng 2017 describes adverse events in 2 of 12 MSC and 2 of 6 placebo "
                    "patients, and Tang 2016 (per the review's own table) in 2 MSC and 1 control "
                    "patient: similar counts in both arms. A pooled OR of 0.26 excluding 1 is hard "
                    "to obtain from these; it needs the full text to check. Counts are not "
                    f"severity either: Deng 2017's MSC events were the graver ones ({m.notes}; "
                    f"placebo: {p.notes})."
                ),
            )
        )
    return out


def overlap_note(dataset: Dataset) -> list[dict]:
    """How many patients the shared-cohort candidates would count if treated as independent."""
    candidates = set(PLAUSIBLE_CANDIDATES)
    out = []
    for g in cohort_groups(dataset):
        reports = [r for r in g.reports if r[0] in candidates]
        if len(reports) < 2:
            continue
        out.append(
            {
                "cohort": g.cohort,
                "reports": [r[0] for r in reports],
                "naive_total": sum(n or 0 for _, _, n in reports),
                "largest_report": max(n or 0 for _, _, n in reports),
            }
        )
    return out


SMD_CAVEAT = (
    "The abstract gives one standardised mean difference (SMD) per outcome over randomised and "
    "self-controlled studies. That would combine two different things: before/after changes in "
    "single-arm series, which include the effect of the standard treatment everyone received, and "
    "between-arm differences in randomised trials. Before/after data analysed as two independent "
    "groups ignore the pairing; none of the studies we could read reports the pre-post "
    "correlation needed to analyse the pairs properly."
)


def audit(dataset: Dataset) -> dict:
    """Everything about Liu 2018's claims, as plain data for the report and the API."""
    return {
        "citation": dataset.first(LIU).citation,
        "doi": dataset.first(LIU).doi_or_id,
        "notes": dataset.first(LIU).notes,
        "pooled_claims": pooled_claims(dataset),
        "smd_caveat": SMD_CAVEAT,
        "counts": {
            k: _count(dataset, k)
            for k in (
                "included_studies",
                "included_patients",
                "included_rcts",
                "rct_patients",
                "studies_reporting_adverse_events",
            )
        },
        "checks": [c.to_dict() for c in checks(dataset)],
        "candidates": candidate_table(dataset),
        "candidates_caveat": (
            "Candidate list inferred from the search dates and designs; the "
            "paper's actual list was not seen."
        ),
        "overlap": overlap_note(dataset),
    }
