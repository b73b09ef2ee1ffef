"""Benchmark: the memory ``sccscore explain`` holds, kept whole against written batch by batch.

Until 2026-12-02 ``sccscore explain`` kept every explanation (the network's input, the heatmap
and the overlay, about 0.5 MB a crop) until all were computed, then wrote them: a sample's
thousands of crops cut from spreads would hold gigabytes. Since then it writes each overlay as
its batch comes and keeps only each type's most confident for the galleries
(``explain.write_explanations`` over ``explain.explain_batches``). Measured here on the same
WT crops, explained with one released model, the old way (``explain.explain``, then the writing)
and the new, in one process: the peak of Python's traced allocations (``tracemalloc``: numpy's
arrays and Pillow's images are traced; torch's tensors are not, and are the same both ways) and
the wall time. The peak of the old way grows with the crops; the new one's should not.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python
benchmarks/bench_explain_memory.py [N ...]`` (crops per run, default 48 and 192); prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from sccscore.explain import explain, explain_batches, write_explanations
from sccscore.images import scan_sample
from sccscore.models import load_model
from sccscore.sample_data import data_root

MODEL = "paper:squeezenet1_1/1"


def kept_whole(model, items, out: Path) -> None:
    """As explain ran before 2026-12-02: every explanation computed, then written."""
    explanations, rejected = explain(model, items)
    write_explanations([(explanations, rejected)], out)


def in_batches(model, items, out: Path) -> None:
    write_explanations(explain_batches(model, items), out)


def measure(run, model, items) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        tracemalloc.start()
        started = time.perf_counter()
        run(model, items, Path(out))
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"peak_mb": round(peak / 2**20, 1), "seconds": round(seconds, 1)}


def main(sizes: list[int]) -> None:
    model = load_model(MODEL)
    crops = list(scan_sample(data_root() / "images" / "wt").items)
    explain(model, crops[:16])  # warm: grad-cam's import and torch's first pass are in neither figure
    results = []
    for n in sizes:
        items = crops[:n]
        old, new = measure(kept_whole, model, items), measure(in_batches, model, items)
        results.append({"crops": len(items), "kept_whole": old, "in_batches": new,
                        "peak_ratio": round(old["peak_mb"] / new["peak_mb"], 1)})
    print(json.dumps({"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
                      "python": platform.python_version(), "model": MODEL, "results": results}, indent=2))


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [48, 192])
