"""Time in a treat-to-target state (LLDAS, DORIS remission) over a patient's visits.

The state seen at a visit holds until the next visit, and the last visit closes the observed
period; a visit whose state is unknown counts as not met. That attribution is a project decision
(docs/clinic.md); the LLDAS papers (Franklyn K et al. Ann Rheum Dis 2016;75:1615-21) report
time in LLDAS as a share of observed follow-up, but their exact interval rule was recalled, not
re-read (a search on 2026-11-25 found no source to check it). Pure: ISO dates and booleans in.
"""

from __future__ import annotations

import datetime as dt


def bands_and_time(dates: list[str], met: list[bool | None]) -> tuple[list[list[str]], float | None]:
    """Intervals where a target was met, and the % of observed time (first to last visit).

    The state at a visit holds until the next one. A visit with an unknown state (None) counts as
    not met. None when fewer than two visits (no observed time).
    """
    if len(dates) < 2:
        return [[d, d] for d, m in zip(dates, met, strict=True) if m], None
    days = [dt.date.fromisoformat(d) for d in dates]
    total = (days[-1] - days[0]).days
    bands: list[list[str]] = []
    inside = 0
    for i in range(len(days) - 1):
        if met[i]:
            inside += (days[i + 1] - days[i]).days
            if bands and bands[-1][1] == dates[i]:
                bands[-1][1] = dates[i + 1]
            else:
                bands.append([dates[i], dates[i + 1]])
    if met[-1] and not (bands and bands[-1][1] == dates[-1]):
        bands.append([dates[-1], dates[-1]])
    return bands, (round(100.0 * inside / total, 1) if total > 0 else None)
