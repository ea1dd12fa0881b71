"""Seeded random data sets for the comparison with metafor (tools/metafor/make_reference_ext.R).

The test draws these itself (same seed, same generator) and checks that they are the data sets
the committed metafor output was computed on, so the comparison cannot drift from its inputs.
Values are rounded to 6 decimals so that they pass through text (JSON, R) exactly.

Run ``python tests/evidence/random_data.py`` to write the input file the R script reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SEED = 20261204
N_DATASETS = 30
INPUT_PATH = Path(__file__).parent / "data" / "random_datasets.json"


def draw(seed: int = SEED, n: int = N_DATASETS) -> list[dict[str, list[float]]]:
    """``n`` data sets: k from 3 to 25, τ² from 0 to 0.5, sampling variances spread over two
    orders of magnitude, one moderator, and positive user weights."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(3, 26))
        tau2 = float(rng.choice([0.0, 0.02, 0.1, 0.5]))
        vi = np.round(rng.uniform(0.005, 0.5, k) ** rng.choice([1.0, 1.5]), 6)
        vi = np.maximum(vi, 1e-4)
        x = np.round(rng.uniform(0, 10, k), 6)
        theta = rng.normal(0.3 - 0.03 * x, np.sqrt(tau2))
        yi = np.round(rng.normal(theta, np.sqrt(vi)), 6)
        weights = np.round(rng.uniform(1, 100, k), 6)
        out.append({"yi": yi.tolist(), "vi": vi.tolist(), "x": x.tolist(),
                    "weights": weights.tolist()})  # fmt: skip
    return out


if __name__ == "__main__":
    INPUT_PATH.write_text(json.dumps({"seed": SEED, "datasets": draw()}) + "\n")
    print("wrote", INPUT_PATH)
