"""Validate the trigger-insight method on synthetic patients and time it.

Prints one JSON line per measurement (contracts.md section 5): the false-positive rate on null
patients, the detection rate (power) for planted effects of several sizes, and the speed of one
patient's analysis. The figures in docs/insights.md come from this script with its defaults:

    .venv/bin/python benchmarks/insights_validation.py [--patients 200] [--null-patients 1000]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # many small matrices: threads only add overhead

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

from lupuscare.demo.diary import PlantedEffect  # noqa: E402
from lupuscare.insights.validation import (  # noqa: E402
    detection_rate,
    false_positive_rate,
    run_patient,
)

PLANTED = (("stress", "joint_pain", 1), ("sun_hours", "rash", 2), ("overwork", "fatigue", 0))
EFFECTS = (0.5, 1.0, 2.0)
# Null patients for the published false-positive rate come from a seed range never used while the
# method was being tuned (tuning used seeds from 1,000,000 and 3,000,000; the tests 7,000,000).
NULL_FIRST_SEED = 5_000_000


def emit(name: str, n: int, seconds: float, extra: dict | None = None) -> None:
    """One JSON line: name, n (patients), seconds, per_second, then the measured figures."""
    figures = {k: v for k, v in (extra or {}).items() if k not in ("name", "n")}
    print(json.dumps({"name": name, "n": n, "seconds": round(seconds, 3),
                      "per_second": round(n / seconds, 1) if seconds else None, **figures}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200, help="patients per detection cell")
    parser.add_argument("--null-patients", type=int, default=1000, help="null patients per diary length")
    parser.add_argument("--completeness", type=float, default=0.8)
    args = parser.parse_args()

    t0 = time.perf_counter()
    for seed in range(50):
        run_patient(seed, 180, [], args.completeness)
    emit("insights_analyse_patient_180d", 50, time.perf_counter() - t0)

    for days in (90, 180, 365):
        t0 = time.perf_counter()
        rate = false_positive_rate(args.null_patients, days, args.completeness, NULL_FIRST_SEED)
        emit("insights_false_positive_rate", rate.n, time.perf_counter() - t0, rate.to_dict())

    for days in (90, 180):
        for trigger, symptom, lag in PLANTED:
            for effect in EFFECTS:
                t0 = time.perf_counter()
                rate = detection_rate(PlantedEffect(trigger, symptom, lag, effect), args.patients, days,
                                      args.completeness)
                emit("insights_detection_rate", rate.n, time.perf_counter() - t0, rate.to_dict())


if __name__ == "__main__":
    main()
