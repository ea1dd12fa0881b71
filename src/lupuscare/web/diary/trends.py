"""Chart data for "My trends": one JSON object the static ``trends.js`` hands to Plotly.

Missing days stay ``null`` (a gap in the line), never zero: a day without a check-in is not a day
without symptoms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from lupuscare.clinical.diary import SYMPTOM_SCALE, SYMPTOMS, TRIGGERS

DEFAULT_DAYS = 90


def chart_data(entries: Iterable[Any], end: dt.date, days: int = DEFAULT_DAYS) -> dict[str, Any]:
    """``entries`` have ``local_date``, ``symptoms`` and ``triggers``; the window is the ``days``
    calendar days ending on ``end``."""
    start = end - dt.timedelta(days=days - 1)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(dates)}
    sym: dict[str, list] = {n: [None] * days for n in SYMPTOMS}
    trg: dict[str, list] = {n: [None] * days for n in TRIGGERS}
    logged = 0
    for e in entries:
        i = index.get(e.local_date)
        if i is None:
            continue
        logged += 1
        for n, v in (e.symptoms or {}).items():
            if n in sym:
                sym[n][i] = v
        for n, v in (e.triggers or {}).items():
            if n in trg:
                trg[n][i] = (1 if v else 0) if isinstance(v, bool) else v
    return {
        "dates": [d.isoformat() for d in dates],
        "days_logged": logged,
        "symptom_scale": list(SYMPTOM_SCALE),
        "symptoms": [{"name": n, "label": SYMPTOMS[n].split(" (")[0], "values": sym[n]}
                     for n in SYMPTOMS if any(v is not None for v in sym[n])],
        "triggers": [{"name": n, "label": t.label, "kind": t.kind, "values": trg[n]}
                     for n, t in TRIGGERS.items() if any(v is not None for v in trg[n])],
    }
