"""The MSC-in-lupus evidence report: one context dict, rendered to a self-contained HTML page.

:func:`report_context` returns everything the page shows as plain data (the web app renders the
same content at /evidence); :func:`render_html` turns it into one HTML file with inline CSS and
inline SVG forest plots from the engine, with no scripts and no external assets, so it opens the
same way offline, in a clinic, or printed. The plain-language part comes first and its numbers are
computed from the analysis, never typed in.
"""

from __future__ import annotations

import hashlib
import html
import re
from importlib import resources
from string import Template
from typing import Any

from lupuscare.evidence.lupus import analysis as analysis_mod
from lupuscare.evidence.lupus import page
from lupuscare.evidence.lupus.dataset import DATA_FILE, Dataset, load
from lupuscare.evidence.lupus.page import Table

TEMPLATE = "report_template.html"
TITLE = "Stem-cell (MSC) therapy for lupus: what the evidence shows"

DISCLAIMER = (
    "This report summarises published research for education. It is not a diagnosis, a treatment "
    "recommendation or a substitute for your own doctor's advice. Do not start, stop or change any "
    "treatment because of it; discuss any question about stem-cell or other treatment with your "
    "rheumatologist or nephrologist."
)

# Regulatory facts shown to patients, each with its date and source. Checked with the search
# tool on 2026-12-04 (see docs/evidence/lupus.md, "Approval status"); re-check before release.
APPROVALS: tuple[dict[str, str], ...] = (
    {
        "region": "United States (FDA)",
        "product": "remestemcel-L (Ryoncil), bone-marrow MSC",
        "indication": "steroid-refractory acute graft-versus-host disease in children aged "
                      "2 months and older",
        "status": "approved 18 December 2024: the first and only FDA-approved MSC product",
        "source": "FDA news release of 18 December 2024, as reported by Pharmacy Times "
                  "(pharmacytimes.com) and HealthDay (27 December 2024)",
    },
    {
        "region": "European Union (EMA / European Commission)",
        "product": "darvadstrocel (Alofisel), adipose-derived MSC",
        "indication": "complex perianal fistulas in adults with Crohn's disease",
        "status": "authorised 23 March 2018; authorisation withdrawn 13 December 2024 at the "
                  "holder's request (Takeda), so no MSC product is authorised EU-wide now",
        "source": "EMA European public assessment report for Alofisel (EMEA/H/C/004258), "
                  "withdrawal notice; Takeda/TiGenix approval announcement, 23 March 2018",
    },
    {
        "region": "United States and European Union",
        "product": "CAR-T cell products",
        "indication": "certain blood cancers only",
        "status": "none approved for lupus or any autoimmune disease; lupus CAR-T is given in "
                  "trials or under compassionate use",
        "source": "FDLI review of CAR-T regulation (2020); touchREVIEWS in RMD 2024;3:13-20; "
                  "Mackensen A et al. Nat Med 2022;28:2124-32 (compassionate-use programme)",
    },
)
APPROVAL_STATUS = (
    "No stem-cell or mesenchymal stromal cell (MSC) product is approved for lupus, in the United "
    "States or in the European Union. In the US the only FDA-approved MSC product, remestemcel-L "
    "(Ryoncil, 18 December 2024), is for a different disease: steroid-refractory acute "
    "graft-versus-host disease in children. In the EU the only MSC product ever authorised "
    "EU-wide, darvadstrocel (Alofisel, March 2018, for fistulas in Crohn's disease), was withdrawn "
    "in December 2024. No CAR-T product is approved for lupus either; those approved are for "
    "blood cancers. Outside a regulated clinical trial, MSC treatment for lupus is experimental."
)
APPROVAL_SOURCE = "; ".join(f"{a['region']}: {a['source']}" for a in APPROVALS) + (
    "; checked 2026-12-04"
)
FDA_WARNING = (
    "The FDA warns that regenerative-medicine products, including stem cells, cord blood, "
    "Wharton's jelly, amniotic fluid and exosomes, must be licensed or approved before they are "
    "marketed, and until then may only be used in clinical trials under FDA oversight. It has "
    "received reports of blindness, tumour formation and infections after unapproved treatments. "
    'Clinics may point to a clinicaltrials.gov listing or say a product is "registered with FDA"; '
    "neither means it is approved. In the FDA's words, if you are being charged for these products "
    "or offered them outside a clinical trial, you are likely being deceived."
)
FDA_REPORTING = (
    "The FDA asks patients to report harm from these products to MedWatch, its safety-reporting "
    "programme, and to contact it (ocod@fda.hhs.gov) with questions. Outside the US, report to your "
    "national medicines regulator."
)
# ISSCR patient handbook checklist (cell-therapy.md §5.3 [V]), paraphrased as questions to ask.
QUESTIONS_TO_ASK = (
    "Is this an approved treatment, or an experiment?",
    "Is it a clinical trial with independent oversight: an ethics committee and a regulator?",
    "What does it cost me? (The FDA warns that being charged for an unapproved product is a warning sign.)",
    "What are the risks, and what happens if something goes wrong?",
    "What is the evidence: peer-reviewed publications, or only testimonials?",
    "What does a second doctor, not linked to the clinic, think?",
)
QUESTIONS_SOURCE = (
    "ISSCR Patient Handbook on Stem Cell Therapies (appendix to the ISSCR clinical translation "
    "guidelines); project notes cell-therapy.md §5.3"
)
FDA_SOURCE = (
    "FDA, Important Patient and Consumer Information About Regenerative Medicine "
    "Therapies (3 June 2021), www.fda.gov/vaccines-blood-biologics/consumers-biologics/"
    "important-patient-and-consumer-information-about-regenerative-medicine-therapies"
)


_pct, _num = page.pct, page.num  # one set of number formats for every renderer


def _dataset_digest() -> str:
    data = resources.files("lupuscare.evidence.lupus").joinpath(DATA_FILE).read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


# The randomised trial's harms in plain words, keyed by the phrase the dataset's notes use for
# each event (the numbers come from the data; the words are checked against the notes, so they
# cannot drift from what the trial reported).
HARMS_IN_WORDS = {
    "death from severe pneumonia": "one died of severe pneumonia",
    "leucopenia with pneumonia and subcutaneous abscess": (
        "another had a serious infection (pneumonia and an abscess under the skin, with a low "
        "white-cell count)"
    ),
    "stroke": "one had a stroke",
    "ascites of unknown cause": "one had fluid in the abdomen (ascites) of unknown cause",
}


def _in_words(note: str) -> list[str]:
    """The plain-language events a dataset note describes, in the note's order."""
    found = [(note.find(k), v) for k, v in HARMS_IN_WORDS.items() if k in note]
    # "stroke" is not inside any other key; order by position in the note, deaths first.
    words = [v for _, v in sorted(found)]
    return sorted(words, key=lambda w: "died" not in w)


def harms_paragraph(rct: dict[str, Any]) -> str | None:
    """The randomised trial's deaths and adverse events, in words, graver events first."""
    binary = {e["outcome"]: e for e in rct["binary"]}
    ae, death = binary.get("patients_with_reported_adverse_events"), binary.get("death")
    if not ae:
        return None
    arm = ae["arms"][0]
    msc = _in_words(arm.get("msc_events_described") or "")
    ctl = _in_words(arm.get("control_events_described") or "")
    if not msc:
        return None
    text = (
        f"Harms: in the same trial, of the {arm['msc_n']} people given MSC, " + " and ".join(msc)
        + "."
        + (f" Of the {arm['control_n']} given the dummy infusion, " + " and ".join(ctl) + "."
           if ctl else "")
    )
    if death:
        d = death["arms"][0]
        text += (
            f" The trial's only death{'s were' if d['msc_events'] > 1 else ' was'} in the MSC "
            f"group ({d['msc_events']} of {d['msc_n']}, against {d['control_events']} of "
            f"{d['control_n']})." if d["control_events"] == 0 and d["msc_events"] > 0 else ""
        )
    text += (
        f" Counting people with any harm ({arm['msc_events']} of {arm['msc_n']} with MSC, "
        f"{arm['control_events']} of {arm['control_n']} without) makes MSC look safer, but the "
        "harms with MSC were the graver ones. The trial was too small to tell whether MSC "
        "caused them."
    )
    return text


def plain_summary(data: dict[str, Any]) -> list[str]:
    """The patient-facing paragraphs, with every number taken from the analysis."""
    claims = data["claims"]
    liu = {c["key"]: c for c in claims["pooled_claims"]}
    rct = data["randomised"]
    remission = next((e for e in rct["binary"] if e["outcome"] == "remission_any"), None)
    continuous = {e["outcome"]: e for e in rct["continuous"]}
    prot_change = continuous.get("change_proteinuria_24h")
    prot_level = continuous.get("proteinuria_24h")
    rem_prop = data["remission"]
    overlap = data["overlap"]["groups"]
    lines = []
    prot_claim = liu.get("proteinuria_24h")
    sledai_claim = liu.get("sledai")
    counts = claims["counts"]
    n_studies, n_uncontrolled = (
        counts["included_studies"],
        counts["included_studies"] - counts["included_rcts"],
    )
    lines.append(
        f"What was claimed: a 2018 review (Liu and colleagues, in Chinese) combined "
        f"{counts['included_studies']} studies with {counts['included_patients']} patients and "
        "reported that after MSC treatment people with lupus had less disease activity, less "
        "protein in the urine and better complement levels"
        + (
            f" (for urine protein, an effect of {prot_claim['smd']:.2f} on a standardised scale, "
            "which would be large)"
            if prot_claim
            else ""
        )
        + f". {n_uncontrolled} of the {n_studies} studies had no comparison group: they measured the same "
        "patients before and after treatment, while the patients were also receiving strong "
        "standard medicines."
        + (
            f" Its range for disease activity ({sledai_claim['ci_lb']:.2f} to "
            f"{sledai_claim['ci_ub']:.2f}) is narrower than studies this small would usually "
            f"give: it is as precise as about {sledai_claim['implied_measurements_independent']:.0f} "
            f"separate measurements, more than the {counts['included_patients']} patients in the "
            "whole review, and it allows no differences between the studies. It may mean that "
            "before-and-after measurements of the same people, or the same people in several "
            "reports, were counted as if they were different people; either way the result is "
            "less certain than it looks."
            if sledai_claim and sledai_claim["narrower_than_the_review_allows"]
            else ""
        )
    )
    if remission and remission.get("RR_exp"):
        arm = remission["arms"][0]
        m_e, m_n = arm["msc_events"], arm["msc_n"]
        c_e, c_n = arm["control_events"], arm["control_n"]
        text = (
            "What the best evidence shows: in the only double-blind trial that compared MSC with a "
            f"dummy infusion (Deng 2017, {m_n + c_n} people with lupus nephritis, all on standard "
            f"treatment), kidney disease went into remission (complete or partial) in {m_e} of {m_n} "
            f"people given MSC ({_pct(m_e / m_n)}) and in {c_e} of {c_n} given the dummy infusion "
            f"({_pct(c_e / c_n)}). The trial was stopped early when it was clear no benefit would "
            "be shown. It was small, so it cannot rule a benefit in or out."
        )
        if prot_change:
            ch = prot_change["MD"]
            msc_ch, ctl_ch = (
                prot_change["arms"][0]["msc"].split(" ")[0],
                prot_change["arms"][0]["control"].split(" ")[0],
            )
            text += (
                f" Urine protein fell from the start of the trial by {abs(float(msc_ch)):g} g a "
                f"day on average with MSC and by {abs(float(ctl_ch)):g} g with the dummy "
                f"infusion: a difference of {abs(ch['estimate']):.1f} g a day, with a range of "
                f"plausible values from {ch['ci_lb']:.1f} to {ch['ci_ub']:+.1f} that includes no "
                "difference."
            )
            if prot_level:
                lv = prot_level["MD"]
                start_gap = lv["estimate"] - ch["estimate"]
                share = "most" if abs(start_gap) > abs(lv["estimate"]) / 2 else "part"
                text += (
                    f" At 6 months the level was {abs(lv['estimate']):.1f} g a day lower with MSC "
                    f"({lv['ci_lb']:.1f} to {lv['ci_ub']:+.1f}), but "
                    + (f"{share} of that gap was there at the start: by these averages the MSC "
                       f"group began about {abs(start_gap):.1f} g a day lower."
                       if start_gap < 0 else "the groups' starting levels do not explain it.")
                )
        lines.append(text)
    harms = harms_paragraph(rct)
    if harms:
        lines.append(harms)
    if "proportion" in rem_prop and rem_prop.get("controls"):
        ctl = rem_prop["controls"][0]
        studies = "; ".join(
            f"{s['study_id']}: {s['events']} of {s['n']}, defined as {s['definition']}"
            for s in rem_prop["studies"]
        )
        prop = rem_prop["proportion"]
        lines.append(
            f"Reports without a comparison group: about {_pct(prop['estimate'])} of treated "
            f"people with lupus nephritis were in remission afterwards (95% CI {_pct(prop['ci_lb'])} "
            f"to {_pct(prop['ci_ub'])}), pooled from {len(rem_prop['studies'])} uncontrolled "
            f"series only, each defining remission its own way ({studies}). The trial's MSC arm is "
            f"not in this figure: it is compared with its own control above, and in that trial "
            f"{_pct(ctl['proportion'])} of people who got the dummy infusion were in remission "
            "too. Improvement after treatment is not the same as improvement because of it."
        )
    if overlap:
        g = overlap[0]
        lines.append(
            f"Possibly counted twice: {len(g['reports'])} reports come from the Drum Tower "
            f"Hospital programme in Nanjing or include its patients, from overlapping or "
            f"unreported years. Added up they describe {g['naive_total']} patients; the reports do "
            "not say how many patients they share, so some may be the same people reported "
            f"again. The largest single report has {g['largest_report']}. This analysis uses one "
            "report per outcome from this programme, so no one can be counted twice."
        )
    finals = sorted({c["final"] for c in data["certainty"]})
    lines.append(
        "How certain: "
        + ("very low" if finals == ["very low"] else " to ".join(finals))
        + " for every outcome we could rate (GRADE). That means the true effect of MSC in lupus "
        "may be very different from what these studies suggest, in either direction. Larger, "
        "blinded trials are needed."
    )
    lines.append(APPROVAL_STATUS)
    return lines


def sources(dataset: Dataset) -> list[dict[str, str]]:
    """One entry per study: citation, identifier, where its numbers were read, provenance counts."""
    out = []
    for sid in dataset.study_ids():
        rows = dataset.study(sid)
        first = rows[0]
        provenance = sorted({r.provenance for r in rows})
        out.append(
            {
                "study_id": sid,
                "citation": first.citation,
                "id": first.doi_or_id,
                "source": "; ".join(dict.fromkeys(r.source for r in rows if r.source)),
                "provenance": ", ".join(provenance),
            }
        )
    return out


def _wanted_figures(fits: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(name, fitted model, caption) for every forest plot the report shows (k >= 2 only)."""
    wanted = [
        (
            "remission",
            fits["remission"].get("PLO"),
            "Remission after MSC, uncontrolled series only, one report per cohort (log odds)",
        )
    ]
    for key, label in (
        ("remission_any", "renal remission"),
        ("complete_remission", "complete remission"),
    ):
        wanted.append(
            (
                f"rct_{key}",
                fits["randomised"].get((key, "RR")),
                f"Randomised trials, {label}: risk ratio MSC vs control",
            )
        )
    for key, label in (
        ("proteinuria_24h", "24-h urine protein at 6 months, g/24 h"),
        ("change_sledai", "change in SLEDAI"),
    ):
        wanted.append(
            (
                f"rct_{key}",
                fits["randomised"].get((key, "MD")),
                f"Randomised trials, {label}: mean difference MSC minus control",
            )
        )
    # A forest of one study repeats its own row as a "pooled" diamond: only draw real syntheses.
    return [w for w in wanted if w[1] is not None and w[1].k >= 2]


def _figures(fits: dict[str, Any]) -> tuple[dict[str, tuple[str, str]], dict[str, Any], list[str]]:
    """Forest plots from the engine: inline SVG (with caption) and Plotly JSON for the web app.

    A plotting failure is reported in the notes and never hides the numbers, which are in tables.
    """
    from lupuscare.evidence.plots import forest, forest_plotly

    svgs: dict[str, tuple[str, str]] = {}
    plotly: dict[str, Any] = {}
    notes: list[str] = []
    for name, res, caption in _wanted_figures(fits):
        try:
            svg = forest(res, fmt="svg", title=caption)
            plotly[name] = {"caption": caption, "figure": forest_plotly(res)}
        except Exception as exc:  # any engine failure becomes a visible note
            notes.append(f"{caption}: forest plot not drawn ({type(exc).__name__}: {exc})")
            continue
        svgs[name] = (
            _inline_svg(svg.decode("utf-8") if isinstance(svg, bytes) else str(svg)),
            caption,
        )
    return svgs, plotly, notes


_XML_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.IGNORECASE)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def _inline_svg(svg: str) -> str:
    """An SVG document made fit to inline: no XML prolog, DOCTYPE or metadata, no scripts."""
    svg = _XML_PROLOG.sub("", svg)
    svg = _METADATA.sub("", svg)
    if re.search(r"<script|xlink:href=\"http|href=\"http", svg, re.IGNORECASE):
        raise ValueError("refusing an SVG with scripts or external references")
    return svg.strip()


def report_context(
    result: analysis_mod.Analysis | None = None,
    dataset: Dataset | None = None,
    *,
    with_figures: bool = True,
) -> dict[str, Any]:
    """Everything the report shows, as plain data (the web app renders this at /evidence)."""
    ds = dataset if dataset is not None else load()
    res = result if result is not None else analysis_mod.run(ds)
    data = res.to_dict()
    figures, figures_plotly, figure_notes = _figures(res.fits) if with_figures else ({}, {}, [])
    return {
        "title": TITLE,
        "dataset_digest": _dataset_digest() if dataset is None else "custom dataset",
        "disclaimer": DISCLAIMER,
        "approval_status": APPROVAL_STATUS,
        "approval_source": APPROVAL_SOURCE,
        "approvals": [dict(a) for a in APPROVALS],
        "fda_warning": FDA_WARNING,
        "fda_source": FDA_SOURCE,
        "fda_reporting": FDA_REPORTING,
        "questions_to_ask": list(QUESTIONS_TO_ASK),
        "questions_source": QUESTIONS_SOURCE,
        "plain_summary": plain_summary(data),
        "claims": data["claims"],
        "overlap": data["overlap"],
        "randomised": data["randomised"],
        "prepost": data["prepost"],
        "remission": data["remission"],
        "certainty": data["certainty"],
        "dataset": data["dataset"],
        "sources": sources(ds),
        "figures": figures,
        "figures_plotly": figures_plotly,
        "figure_notes": figure_notes,
    }


# --- HTML ------------------------------------------------------------------------------------


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _table(t: Table) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in t.headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_e(c)}</td>' if i in t.numeric else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in t.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(id_: str, title: str, body: str) -> str:
    return f'<section id="{_e(id_)}"><h2>{_e(title)}</h2>{body}</section>'


def _figure(ctx: dict[str, Any], name: str) -> str:
    if name not in ctx["figures"]:
        return ""
    svg, caption = ctx["figures"][name]
    return f'<div class="figure" role="img" aria-label="{_e(caption)}">{svg}</div>'


def _sections(ctx: dict[str, Any]) -> str:
    """The report's sections, from the same page structure the web page renders."""
    pg = page.build(ctx)
    out = []
    plain = "".join(f"<p>{_e(p)}</p>" for p in pg["plain_summary"])
    out.append(_section("plain-summary", "In plain words", f'<div class="plain">{plain}</div>'))
    out.append(
        _section(
            "approval",
            "Is any stem-cell treatment approved for lupus?",
            f"<p>{_e(pg['approval_status'])}</p>"
            + _table(pg["approvals"])
            + f"<p class='small'>Source: {_e(pg['approval_source'])}</p>"
            f"<h3 id='fda-warning'>FDA warning about unapproved stem-cell clinics</h3>"
            f"<p>{_e(pg['fda_warning'])}</p><p>{_e(pg['fda_reporting'])}</p>"
            f"<p class='small'>Source: {_e(pg['fda_source'])}</p>"
            f"<h3 id='questions'>Questions to ask anyone offering stem-cell treatment</h3><ul>"
            + "".join(f"<li>{_e(q)}</li>" for q in pg["questions_to_ask"])
            + f"</ul><p class='small'>Source: {_e(pg['questions_source'])}</p>",
        )
    )

    c = pg["claims"]
    body = [
        f"<p>{_e(c['intro'])}</p>",
        _table(c["pooled"]),
        f"<p>{_e(c['smd_caveat'])}</p>",
        "<h3>Checks</h3>",
        _table(c["checks"]),
        f"<h3>Studies it may have included</h3><p class='small'>{_e(c['candidates_caveat'])}</p>",
        _table(c["candidates"]),
    ]
    out.append(
        _section(
            "claims",
            "What Liu et al. 2018 claimed, and whether it can be reproduced",
            "".join(body),
        )
    )

    ov = pg["overlap"]
    body = [
        f"<p>{_e(ov['rule'])}</p>",
        "<p>Reports from the same centre whose enrolment periods overlap, or are not reported, are "
        f"flagged automatically: {_e(ov['flagged'])}.</p>",
        _table(ov["table"]),
        *(f"<p>{_e(g)}</p>" for g in ov["groups"]),
    ]
    out.append(_section("overlap", "Overlapping patient cohorts", "".join(body)))

    r = pg["randomised"]
    body = [
        f"<p>Randomised trials with arm-level data seen: {_e(r['trials'])}. "
        f"Randomised trials known but without usable data: {_e(r['without_data'])}. "
        "Effects are MSC minus control; a single trial is shown as itself, not pooled, and a "
        "forest plot is drawn only when two or more trials are combined.</p>",
        _table(r["binary"]),
        _table(r["continuous"]),
    ]
    for name in (
        "rct_remission_any",
        "rct_complete_remission",
        "rct_proteinuria_24h",
        "rct_change_sledai",
    ):
        body.append(_figure(ctx, name))
    out.append(
        _section(
            "randomised",
            "Randomised evidence (MSC added to standard treatment vs placebo)",
            "".join(body),
        )
    )

    body = [
        "<p>Change from baseline to 12 months in the same patients (after minus before). No "
        "study reports the correlation between the two measurements, so each effect is shown "
        "at several assumed correlations r: the higher r, the narrower the interval. MC is the "
        "raw change in the outcome's unit; SMCR divides it by the baseline SD.</p>"
    ]
    for res in pg["prepost"]:
        body.append(f"<h3>{_e(res['label'])}</h3>")
        body.append(
            f"<p>Reports used (one per cohort): {_e(res['kept'])}; {res['k']} cohort(s), so "
            + (
                "a random-effects model (REML, Knapp–Hartung)."
                if res["pooled"]
                else "nothing is pooled: the single report is shown at each assumed correlation."
            )
            + "</p>"
        )
        if res["excluded"] is not None:
            body.append(_table(res["excluded"]))
        if res["left_out"]:
            body.append("<p class='small'>Not usable: " + _e(res["left_out"]) + "</p>")
        body.append(_table(res["rows"]))
    out.append(
        _section(
            "prepost",
            "Before and after, single-arm series (correlation sensitivity)",
            "".join(body),
        )
    )

    rem = pg["remission"]
    if rem is not None:
        body = [f"<p>{_e(rem['pooled'])}</p>", _table(rem["table"])]
        body.extend(f"<p>{_e(line)}</p>" for line in rem["controls"])
        body.append(_figure(ctx, "remission"))
        out.append(_section("remission", "Remission rates without a control group", "".join(body)))

    out.append(
        _section(
            "grade",
            "How certain is the evidence? (GRADE)",
            "<p>Randomised evidence starts at high certainty, single-arm evidence at low; "
            "each serious problem lowers it by one level (two if very serious).</p>"
            + _table(pg["grade"]),
        )
    )

    body = [f"<p>{_e(pg['dataset_line'])}</p>"]
    if pg["figure_notes"]:
        body.append("<p class='small'>" + _e(" ".join(pg["figure_notes"])) + "</p>")
    body.append(_table(pg["sources"]))
    out.append(_section("sources", "Sources and the dataset", "".join(body)))
    return "\n".join(out)


def render_html(ctx: dict[str, Any]) -> str:
    """The context rendered into the packaged template (inline CSS and SVG only)."""
    template = Template(
        resources.files("lupuscare.evidence.lupus").joinpath(TEMPLATE).read_text(encoding="utf-8")
    )
    return template.substitute(
        title=_e(ctx["title"]),
        subtitle=_e(
            "Mesenchymal stromal cells (MSC) in systemic lupus erythematosus: the claims, "
            "the data behind them, and how certain they are."
        ),
        disclaimer=_e(ctx["disclaimer"]),
        sections=_sections(ctx),
        provenance_line=_e(
            f"Generated by lupuscare from the curated dataset {DATA_FILE} "
            f"(sha256 {ctx['dataset_digest']}); every number is traceable to the "
            "source named beside it."
        ),
    )
