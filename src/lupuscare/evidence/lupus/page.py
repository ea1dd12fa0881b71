"""The evidence page as structured content: the report context (``report.report_context()``)
turned into sections of plain sentences and tables, with numbers formatted once, here.

Both renderers read this one structure: the self-contained HTML report (``report.render_html``)
and the web page at /evidence/ (its template). Conventions: ratios back-transformed, percentages
rounded, "–" for a missing value. Pure: no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .wording import CERTAINTY_SOURCE, certainty_meaning

# Which section of the page each forest plot of the report belongs to.
FIGURE_SECTION = {"remission": "remission"}
DEFAULT_FIGURE_SECTION = "randomised"  # rct_* figures
GRADE_DOMAINS = (
    ("risk_of_bias", "risk of bias"),
    ("inconsistency", "inconsistency"),
    ("indirectness", "indirectness"),
    ("imprecision", "imprecision"),
    ("publication_bias", "publication bias"),
)


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Any]]
    numeric: frozenset[int] = field(default_factory=frozenset)  # right-aligned column indexes
    caption: str = ""


def num(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{digits}f}"


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def ci(d: dict[str, Any], digits: int = 2, exp: bool = False) -> str:
    """``estimate (lower to upper)``; ``exp`` back-transforms a log ratio."""
    f = math.exp if exp else (lambda v: v)
    return f"{num(f(d['estimate']), digits)} ({num(f(d['ci_lb']), digits)} to {num(f(d['ci_ub']), digits)})"


def _certainty(ctx: dict[str, Any]) -> tuple[list[dict[str, str]], Table]:
    plain, rows = [], []
    for cert in ctx["certainty"]:
        plain.append(
            {
                "outcome": cert["outcome"],
                "level": cert["final"],
                "meaning": certainty_meaning(cert["final"]),
                "summary": cert["summary"],
            }
        )
        by_domain = {x["domain"]: x for x in cert["downgrades"]}
        cells = [cert["outcome"], cert["summary"], cert["start"]]
        for key, _ in GRADE_DOMAINS:
            x = by_domain[key]
            cells.append(f"{'−' + str(x['levels']) if x['levels'] else '0'}: {x['reason']}")
        cells.append(cert["final"])
        rows.append(cells)
    headers = ["outcome", "result", "start", *(label for _, label in GRADE_DOMAINS), "certainty"]
    return plain, Table(headers, rows)


def _claims(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "intro": f"{c['citation']} ({c['doi']}). {c['notes']}.",
        "pooled": Table(
            ["outcome", "claimed SMD", "95% CI", "provenance"],
            [
                [
                    p["outcome"],
                    num(p["smd"]),
                    f"{num(p['ci_lb'])} to {num(p['ci_ub'])}",
                    p["provenance"],
                ]
                for p in c["pooled_claims"]
            ],
            frozenset({1, 2}),
        ),
        "smd_caveat": c["smd_caveat"],
        "checks": Table(
            ["claim", "claimed", "recomputed", "status", "why"],
            [
                [k["claim"], k["claimed"], k["recomputed"], k["status"], k["explanation"]]
                for k in c["checks"]
            ],
        ),
        "candidates_caveat": c["candidates_caveat"],
        "candidates": Table(
            [
                "study",
                "design",
                "cohort",
                "numbers seen",
                "numbers only in reviews",
                "SLEDAI/proteinuria mean and SD seen",
            ],
            [
                [
                    x["study_id"],
                    x["design"],
                    x["cohort"],
                    x["numbers_seen"],
                    x["numbers_secondary"],
                    "yes" if x["has_sledai_or_proteinuria_mean_sd"] else "no",
                ]
                for x in c["candidates"]
            ],
            frozenset({3, 4}),
        ),  # fmt: skip
    }


def _overlap(ov: dict[str, Any]) -> dict[str, Any]:
    pairs = ov["centre_pairs"]
    distinct = [p for p in pairs if "distinct" in p["handling"]]
    flagged = f"{len(pairs)} such pairs, " + (
        f"{len(distinct)} declared distinct cohorts by the curator: "
        + "; ".join(f"{p['a']} / {p['b']}" for p in distinct)
        if distinct
        else "all merged into one cohort"
    )
    rows = [
        [
            g["cohort"],
            r["study_id"],
            r["year"],
            r["period"],
            r["max_n"] if r["max_n"] is not None else "not seen",
        ]
        for g in ov["groups"]
        for r in g["reports"]
    ]
    return {
        "rule": ov["rule"],
        "flagged": flagged,
        "table": Table(["cohort", "report", "year", "enrolment period", "largest n reported"], rows,
                       frozenset({2, 4})),
        "groups": [
            f"{g['cohort']}: {g['naive_total']} patients if every report were independent; at "
            f"least {g['largest_report']} distinct patients (largest report)."
            for g in ov["groups"]
        ],
    }  # fmt: skip


def _described(arm: dict[str, Any], side: str) -> str:
    """An arm's count, with what the events were when they differ in gravity."""
    what = arm.get(f"{side}_events_described")
    return f"{arm[side]} ({what})" if what else arm[side]


def _randomised(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "trials": ", ".join(r["trials"]) or "none",
        "without_data": ", ".join(r["trials_without_data"]) or "none",
        "binary": Table(
            ["outcome", "MSC", "control", "risk ratio (95% CI)", "risk difference (95% CI)"],
            [
                [e["label"], "; ".join(_described(a, "msc") for a in e["arms"]),
                 "; ".join(_described(a, "control") for a in e["arms"]),
                 ci(e["RR"], exp=True) if e.get("RR") else "not estimable", ci(e["RD"])]
                for e in r["binary"]
            ],
            frozenset({3, 4}),
        ),
        "continuous": Table(
            ["outcome", "MSC mean (SD)", "control mean (SD)", "mean difference (95% CI)", "unit"],
            [
                [e["label"], "; ".join(a["msc"] for a in e["arms"]),
                 "; ".join(a["control"] for a in e["arms"]), ci(e["MD"]), e["unit"]]
                for e in r["continuous"]
            ],
            frozenset({3}),
        ),
    }  # fmt: skip


def _prepost(prepost: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for res in prepost.values():
        excluded = res["selection"]["excluded"]
        out.append(
            {
                "label": res["label"],
                "kept": ", ".join(s["study_id"] for s in res["studies"]) or "none",
                "k": res["k"],
                "pooled": res["pooled"],
                "excluded": Table(
                    ["set aside", "reason"], [[x["study_id"], x["reason"]] for x in excluded]
                )
                if excluded
                else None,
                "left_out": "; ".join(res["left_out"]),
                "rows": Table(
                    ["measure", "assumed r", "k", "estimate", "95% CI", "SE"],
                    [
                        [
                            row["measure"],
                            num(row["r"], 1),
                            row["k"],
                            num(row["estimate"]),
                            f"{num(row['ci_lb'])} to {num(row['ci_ub'])}",
                            num(row["se"], 3),
                        ]
                        for row in res["rows"]
                    ],
                    frozenset({1, 2, 3, 4, 5}),
                ),  # fmt: skip
            }
        )
    return out


def _remission(rem: dict[str, Any]) -> dict[str, Any] | None:
    if "proportion" not in rem:
        return None
    p = rem["proportion"]
    return {
        "pooled": (
            f"Pooled proportion in remission after MSC, uncontrolled series only "
            f"({', '.join(s['study_id'] for s in rem['studies'])}): {pct(p['estimate'])} (95% CI "
            f"{pct(p['ci_lb'])} to {pct(p['ci_ub'])}; random effects on the log-odds scale, "
            f"Knapp–Hartung; I² {num(rem['fit']['I2'], 0)}%). Each report defines remission its "
            "own way (see the definition column). The MSC arm of the randomised trial is not "
            "pooled here: it is compared with its own control in the randomised section."
        ),
        "table": Table(
            ["report", "design", "in remission", "n", "definition", "when", "provenance"],
            [
                [
                    s["study_id"],
                    s["design"],
                    s["events"],
                    s["n"],
                    s["definition"],
                    s["timepoint"],
                    s["provenance"],
                ]
                for s in rem["studies"]
            ],
            frozenset({2, 3}),
        ),  # fmt: skip
        "controls": [
            f"For comparison, the {c['arm']} arm of {c['study_id']}: {c['events']} of {c['n']} "
            f"({pct(c['proportion'])}, 95% CI {pct(c['ci_lb'])} to {pct(c['ci_ub'])}) in "
            "remission without MSC."
            for c in rem["controls"]
        ],
    }


def _figures(ctx: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The report's Plotly figures grouped by the section they are drawn in."""
    by_section: dict[str, list[dict[str, Any]]] = {}
    for name, fig in sorted(ctx["figures_plotly"].items()):
        section = FIGURE_SECTION.get(name, DEFAULT_FIGURE_SECTION)
        by_section.setdefault(section, []).append(
            {"id": f"forest-{name}", "caption": fig["caption"], "figure": fig["figure"]}
        )
    return by_section


def build(ctx: dict[str, Any]) -> dict[str, Any]:
    """The page's sections from a report context (pure: usable on any dataset's context)."""
    certainty_plain, grade = _certainty(ctx)
    ds = ctx["dataset"]
    return {
        "title": ctx["title"],
        "dataset_digest": ctx["dataset_digest"],
        "disclaimer": ctx["disclaimer"],
        "plain_summary": ctx["plain_summary"],
        "certainty_plain": certainty_plain,
        "certainty_source": CERTAINTY_SOURCE,
        "approval_status": ctx["approval_status"],
        "approval_source": ctx["approval_source"],
        "approvals": Table(
            ["where", "product", "approved for", "status", "source"],
            [[a["region"], a["product"], a["indication"], a["status"], a["source"]]
             for a in ctx.get("approvals", ())],
        ),
        "fda_warning": ctx["fda_warning"],
        "fda_reporting": ctx["fda_reporting"],
        "fda_source": ctx["fda_source"],
        "questions_to_ask": ctx["questions_to_ask"],
        "questions_source": ctx["questions_source"],
        "claims": _claims(ctx["claims"]),
        "overlap": _overlap(ctx["overlap"]),
        "randomised": _randomised(ctx["randomised"]),
        "prepost": _prepost(ctx["prepost"]),
        "remission": _remission(ctx["remission"]),
        "grade": grade,
        "dataset_line": (
            f"{ds['rows']} rows from {ds['studies']} reports ("
            + ", ".join(f"{k}: {v}" for k, v in ds["by_provenance"].items())
            + "). Only numbers seen in a primary report, or derived from such numbers, enter a "
            "computation."
        ),
        "figure_notes": ctx["figure_notes"],
        "sources": Table(
            ["study", "citation", "identifier", "where the numbers were read", "provenance"],
            [
                [s["study_id"], s["citation"], s["id"], s["source"], s["provenance"]]
                for s in ctx["sources"]
            ],
        ),
        "figures": _figures(ctx),
    }
