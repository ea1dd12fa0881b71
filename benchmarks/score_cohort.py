"""Vectorised cohort scoring (SLEDAI-2K, clinical SLEDAI, LLDAS, DORIS) of 1,000,000 visits.

Goal: under 2 seconds on one machine, for a frame ordered by (patient_id, date) as exports
usually are. The same visits in random row order are measured too (sorted internally).
Prints one JSON line per measurement (wall-clock seconds, best of three).
Usage: .venv/bin/python benchmarks/score_cohort.py [N]
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import polars as pl

from lupuscare.clinical.vocabulary import FINDINGS
from lupuscare.instruments.cohort import score_frame


def synthetic_visits(n: int, seed: int = 1) -> pl.DataFrame:
    """n visits of n // 4 patients; each finding present with probability 3 %."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {
        "patient_id": rng.integers(0, max(1, n // 4), n),
        "date": rng.integers(0, 3650, n),
    }
    for f in FINDINGS:
        cols[f] = rng.random(n) < 0.03
    cols["lab_upcr"] = np.round(rng.gamma(1.0, 0.4, n), 2)
    cols["lab_platelets"] = np.round(rng.normal(230, 70, n).clip(5), 0)
    cols["lab_wbc"] = np.round(rng.normal(5.5, 1.8, n).clip(0.5), 1)
    cols["lab_temperature"] = np.round(rng.normal(36.9, 0.6, n), 1)
    cols["lab_c3"] = np.round(rng.normal(1.0, 0.25, n).clip(0.1), 2)
    cols["lab_c3_low"] = np.full(n, 0.9)
    cols["lab_anti_dsdna"] = np.round(rng.gamma(1.0, 20, n), 0)
    cols["lab_anti_dsdna_high"] = np.full(n, 10.0)
    cols["pga"] = rng.integers(0, 31, n) / 10
    cols["prednisone_eq_mg"] = rng.choice([0.0, 2.5, 5.0, 7.5, 10.0, 20.0], n)
    cols["maintenance_ok"] = rng.random(n) < 0.95
    return pl.DataFrame(cols)


def _best_of_three(df: pl.DataFrame) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        out = score_frame(df)
        best = min(best, time.perf_counter() - t0)
        assert out.height == df.height
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    shuffled = synthetic_visits(n)
    ordered = shuffled.sort(["patient_id", "date"], maintain_order=True)
    score_frame(ordered.head(1000))  # warm-up
    for name, df, goal in (("score_cohort", ordered, 2.0), ("score_cohort_unordered_rows", shuffled, None)):
        seconds = _best_of_three(df)
        line = {"name": name, "n": n, "seconds": round(seconds, 4), "per_second": round(n / seconds),
                "threads": pl.thread_pool_size()}
        if goal is not None:
            line["goal_seconds"] = goal
        print(json.dumps(line))


if __name__ == "__main__":
    main()
