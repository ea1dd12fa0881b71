"""Hand-built diaries for exact gate and wording tests."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from lupuscare.insights import DiarySeries

START = date(2025, 1, 6)  # a Monday


def series(days: int, stress: list[float | None], joint_pain: list[float | None]) -> DiarySeries:
    rows = []
    for i in range(days):
        if stress[i] is None and joint_pain[i] is None:
            continue  # a day not logged is absent
        rows.append({"date": START + timedelta(days=i),
                     "symptoms": {"joint_pain": joint_pain[i]},
                     "triggers": {"stress": stress[i]}})
    return DiarySeries.from_rows(rows, start=START, days=days)


def noise(days: int, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(v) for v in rng.integers(1, 6, days)]
