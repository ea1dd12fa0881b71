"""Speed of the meta-analysis engine, and of R metafor on the same data and machine.

Prints one JSON line per measurement: {"name", "n", "seconds", "per_second"}; comparison lines
add "metafor_per_second" and "speedup_vs_metafor" (> 1: lupuscare is faster). R timings use
``system.time`` over many repetitions in one Rscript process (start-up excluded); they are
skipped, with a line saying so, when Rscript or metafor is not installed.

The whole-process comparison (``process_*`` lines) runs ``lupuscare meta FILE --measure RR
--json`` and an ``Rscript`` doing the same (read the CSV, escalc, rma, print JSON) alternately,
several times each, and reports the median and range of the wall-clock time of each process
(start-up included: this is what a user waits for).

Run: .venv/bin/python benchmarks/meta_rma.py [--quick]
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from lupuscare.evidence import cumul, escalc, influence, leave1out, rma

TPOS = [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27]
TNEG = [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886]
CPOS = [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29]
CNEG = [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825]

R_SCRIPT = """
suppressPackageStartupMessages(library(metafor))
dat <- escalc("RR", ai=c({tpos}), bi=c({tneg}), ci=c({cpos}), di=c({cneg}))
res <- rma(yi, vi, data=dat)
t1 <- system.time(for (i in 1:{n_fit}) rma(yi, vi, data=dat))[["elapsed"]]
t2 <- system.time(for (i in 1:{n_fit}) rma(yi, vi, data=dat, method="DL"))[["elapsed"]]
t3 <- system.time(for (i in 1:{n_sens}) leave1out(res))[["elapsed"]]
t4 <- system.time(for (i in 1:{n_sens}) cumul(res))[["elapsed"]]
cat(sprintf("%.6f %.6f %.6f %.6f\\n", t1, t2, t3, t4))
"""


def timeit(fn: Callable[[], object], n: int) -> float:
    for _ in range(min(20, n)):
        fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t0


def line(name: str, n: int, seconds: float, **extra: float) -> dict:
    out = {"name": name, "n": n, "seconds": round(seconds, 6), "per_second": round(n / seconds, 1)}
    out.update(extra)
    print(json.dumps(out), flush=True)
    return out


def metafor_timings(n_fit: int, n_sens: int) -> list[float] | None:
    if not shutil.which("Rscript"):
        return None
    script = R_SCRIPT.format(
        tpos=",".join(map(str, TPOS)), tneg=",".join(map(str, TNEG)),
        cpos=",".join(map(str, CPOS)), cneg=",".join(map(str, CNEG)), n_fit=n_fit, n_sens=n_sens,
    )  # fmt: skip
    proc = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return None
    return [float(x) for x in proc.stdout.split()]


R_PROCESS = """
suppressPackageStartupMessages({{ library(metafor); library(jsonlite) }})
dat <- read.csv("{path}")
dat <- escalc("RR", ai=ai, bi=bi, ci=ci, di=di, data=dat)
res <- rma(yi, vi, data=dat)
pr <- predict(res)
cat(toJSON(list(k=res$k, estimate=c(res$beta), se=res$se, ci_lb=res$ci.lb, ci_ub=res$ci.ub,
  pval=res$pval, tau2=res$tau2, I2=res$I2, H2=res$H2, Q=res$QE, Q_pval=res$QEp,
  pi_lb=pr$pi.lb, pi_ub=pr$pi.ub), auto_unbox=TRUE, digits=NA), "\n")
"""


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr.strip()[:200]}")
    return elapsed


def process_timings(repeats: int) -> None:
    """Side by side: the lupuscare CLI process and an Rscript process, alternating."""
    exe = Path(sys.executable).with_name("lupuscare")
    if not exe.exists():
        print(json.dumps({"name": "process", "skipped": f"{exe} not found"}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "bcg.csv"
        rows = zip(TPOS, TNEG, CPOS, CNEG, strict=True)
        csv.write_text("ai,bi,ci,di\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in rows))
        ours = [str(exe), "meta", str(csv), "--measure", "RR", "--json"]
        r_cmd = ["Rscript", "-e", R_PROCESS.format(path=csv)] if shutil.which("Rscript") else None
        if r_cmd is not None:
            try:
                _wall(r_cmd)
            except RuntimeError:
                r_cmd = None
        times: dict[str, list[float]] = {"lupuscare": [], "Rscript": []}
        for _ in range(repeats):
            times["lupuscare"].append(_wall(ours))
            if r_cmd is not None:
                times["Rscript"].append(_wall(r_cmd))
    for name, ts in times.items():
        if not ts:
            print(json.dumps({"name": f"process_{name}", "skipped": "Rscript/metafor missing"}))
            continue
        print(json.dumps({"name": f"process_{name}", "n": len(ts),
                          "median_seconds": round(statistics.median(ts), 3),
                          "min_seconds": round(min(ts), 3), "max_seconds": round(max(ts), 3)}),
              flush=True)  # fmt: skip
    if times["Rscript"]:
        ratio = statistics.median(times["Rscript"]) / statistics.median(times["lupuscare"])
        print(json.dumps({"name": "process_speedup_vs_Rscript", "ratio": round(ratio, 2)}))


def main(quick: bool = False) -> None:
    process_timings(3 if quick else 8)
    n_fit, n_sens = (300, 10) if quick else (2000, 100)
    es = escalc("RR", ai=TPOS, bi=TNEG, ci=CPOS, di=CNEG)
    res = rma(es)
    line(
        "escalc_rr_k13",
        n_fit,
        timeit(lambda: escalc("RR", ai=TPOS, bi=TNEG, ci=CPOS, di=CNEG), n_fit),
    )
    py = {
        "rma_reml_k13": line("rma_reml_k13", n_fit, timeit(lambda: rma(es), n_fit)),
        "rma_dl_k13": line("rma_dl_k13", n_fit, timeit(lambda: rma(es, method="DL"), n_fit)),
        "leave1out_reml_k13": line(
            "leave1out_reml_k13", n_sens, timeit(lambda: leave1out(res), n_sens)
        ),
        "cumul_reml_k13": line("cumul_reml_k13", n_sens, timeit(lambda: cumul(res), n_sens)),
    }
    line("influence_reml_k13", n_sens, timeit(lambda: influence(res), n_sens))
    rng = np.random.default_rng(1)
    big_v = rng.uniform(0.01, 0.2, 300)
    big_y = rng.normal(0.2, 0.3, 300) + rng.normal(0, np.sqrt(big_v))
    line(
        "rma_reml_k300", max(5, n_sens // 4), timeit(lambda: rma(big_y, big_v), max(5, n_sens // 4))
    )
    r = metafor_timings(n_fit, n_sens)
    if r is None:
        print(json.dumps({"name": "metafor", "skipped": "Rscript with metafor not available"}))
        return
    for (name, p), r_seconds, n in zip(py.items(), r, (n_fit, n_fit, n_sens, n_sens), strict=True):
        line(f"{name}_metafor", n, r_seconds)
        line(
            f"{name}_vs_metafor", n, p["seconds"],
            metafor_per_second=round(n / r_seconds, 1),
            speedup_vs_metafor=round(r_seconds / p["seconds"], 2),
        )  # fmt: skip


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
