"""Benchmark: Holm's correction in numpy (``stats.holm``) against statsmodels' ``multipletests``.

statsmodels runs a full garbage collection on every Holm call, whose cost grows with the
objects the process holds. ``compare`` calls Holm five times with two samples against a
reference (each sample's Fisher tests, then the chi-square, cell and replicate p-values over
the samples), in a process that has classified the crops, so torch and a model are loaded.
Both are timed here in such a process (the 30 released models loaded), 5 calls each,
alternating, medians of 5 rounds; the values are checked alike.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_holm.py``; prints JSON.
"""

from __future__ import annotations

import gc
import json
import platform
import statistics
import time

from statsmodels.stats.multitest import multipletests

from sccscore.models import load_model
from sccscore.stats import holm

P_VALUES = [0.004, 0.03, 0.2]
CALLS, ROUNDS = 5, 5


def seconds(call) -> float:
    start = time.perf_counter()
    for _ in range(CALLS):
        call()
    return time.perf_counter() - start


def main() -> None:
    model = load_model("paper:squeezenet1_1")  # held, as compare holds it after classifying
    assert holm(P_VALUES) == multipletests(P_VALUES, method="holm")[1].tolist()
    runs: dict[str, list[float]] = {"statsmodels": [], "numpy": []}
    for _ in range(ROUNDS):
        runs["statsmodels"].append(seconds(lambda: multipletests(P_VALUES, method="holm")))
        runs["numpy"].append(seconds(lambda: holm(P_VALUES)))
    baseline, ours = (statistics.median(runs[k]) for k in ("statsmodels", "numpy"))
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "objects_held": len(gc.get_objects()), "model": model.config.name, "calls": CALLS,
        "statsmodels_s": round(baseline, 4), "numpy_s": round(ours, 6), "ratio": round(baseline / ours),
    }, indent=1))


if __name__ == "__main__":
    main()
