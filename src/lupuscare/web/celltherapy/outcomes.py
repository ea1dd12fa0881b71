"""Programme outcomes: response rate with its exact interval and Kaplan-Meier relapse-free
survival, computed by the core (``lupuscare.celltherapy.outcomes``) from stored endpoints.

The chart is a small hand-written SVG with presentation attributes only (no inline styles or
scripts), so it renders under the self-only Content-Security-Policy without any JavaScript.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import timezone

from lupuscare.celltherapy.endpoints import GENERIC_RELAPSE
from lupuscare.celltherapy.outcomes import KaplanMeier, Proportion, kaplan_meier, proportion_ci

from . import protocols, services
from .models import Enrolment, Programme


@dataclass
class Outcomes:
    ruleset: str
    responder_label: str
    response: Proportion | None
    evaluable: int
    km: KaplanMeier | None
    durations: list[float]
    events: list[int]
    svg: str

    @property
    def relapses(self) -> int:
        return sum(self.events)


def programme_outcomes(programme: Programme, enrolments, on: dt.date | None = None) -> Outcomes:
    """Response: the latest evaluable programme endpoint per patient. Relapse-free survival:
    days from first infusion to the first BILAG relapse, censored at the last follow-up visit."""
    on = on or timezone.localdate()
    ruleset = protocols.ruleset(programme)
    label = ruleset.levels[0].name
    responders = evaluable = 0
    durations: list[float] = []
    events: list[int] = []
    for enrolment in enrolments.filter(programme=programme):
        latest = (enrolment.endpoints.filter(ruleset=ruleset.name).exclude(result="")
                  .order_by("-visit__target", "-computed_at").first())
        if latest is not None:
            evaluable += 1
            responders += latest.result == label
        time = _relapse_time(enrolment, on)
        if time is not None:
            durations.append(time[0])
            events.append(time[1])
    response = proportion_ci(responders, evaluable) if evaluable else None
    km = kaplan_meier(durations, events) if durations else None
    return Outcomes(ruleset.name, label, response, evaluable, km, durations, events,
                    km_svg(km, max(durations, default=0)) if km else "")


def _relapse_time(enrolment: Enrolment, on: dt.date) -> tuple[float, int] | None:
    infusion = services.first_infusion(enrolment)
    if infusion is None:
        return None
    relapse = (enrolment.endpoints.filter(ruleset=GENERIC_RELAPSE.name, result="relapse")
               .order_by("visit__done_on").first())
    if relapse is not None:
        return float((relapse.visit.done_on - infusion.day0).days), 1
    last = enrolment.visits.exclude(done_on=None).order_by("-done_on").first()
    end = last.done_on if last else infusion.day0
    return float((min(end, on) - infusion.day0).days), 0


def km_svg(km: KaplanMeier, horizon: float, width: int = 480, height: int = 240) -> str:
    """A step plot of S(t) with its pointwise interval, days on the x axis."""
    left, right, top, bottom = 48, 12, 12, 36
    horizon = max(horizon, float(km.times[-1]) if len(km.times) else 0.0, 1.0)

    def x(t: float) -> float:
        return left + (width - left - right) * t / horizon

    def y(s: float) -> float:
        return top + (height - top - bottom) * (1 - s)

    def steps(values) -> str:
        pts, level = [(0.0, 1.0)], 1.0
        for t, v in zip(km.times, values, strict=True):
            pts += [(float(t), level), (float(t), float(v))]
            level = float(v)
        pts.append((horizon, level))
        return " ".join(f"{x(t):.1f},{y(s):.1f}" for t, s in pts)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Kaplan-Meier relapse-free '
             f'survival">',
             f'<line x1="{left}" y1="{y(0)}" x2="{width - right}" y2="{y(0)}" stroke="#444"/>',
             f'<line x1="{left}" y1="{y(0)}" x2="{left}" y2="{y(1)}" stroke="#444"/>']
    for s in (0, 0.5, 1):
        parts.append(f'<text x="{left - 6}" y="{y(s) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{s:g}</text>')
    for t in (0, horizon / 2, horizon):
        parts.append(f'<text x="{x(t):.1f}" y="{height - bottom + 16}" font-size="11" '
                     f'text-anchor="middle">{t:.0f}</text>')
    parts.append(f'<text x="{(left + width) / 2:.0f}" y="{height - 4}" font-size="11" '
                 f'text-anchor="middle">days since first infusion</text>')
    parts.append(f'<polyline points="{steps(km.lower)}" fill="none" stroke="#7a9cc6" '
                 f'stroke-dasharray="4 3"/>')
    parts.append(f'<polyline points="{steps(km.upper)}" fill="none" stroke="#7a9cc6" '
                 f'stroke-dasharray="4 3"/>')
    parts.append(f'<polyline points="{steps(km.survival)}" fill="none" stroke="#1f4e8c" '
                 f'stroke-width="2"><title>{escape("relapse-free survival")}</title></polyline>')
    parts.append("</svg>")
    return "".join(parts)
