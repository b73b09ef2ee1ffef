"""Benchmark: crops in eight views scored 8 at a time, against 64 at a time.

The spreads' classifier (``sccscore:spreads``), like every model sccscore trains with its
default recipe, scores each crop in its 8 turned and mirrored views, inside the network: a
batch of 64 crops is 512 images. ONNX Runtime keeps the memory of its largest batch, and
``classify --spreads`` peaked at 3.5 GB. Since 2026-12-04 such a model takes 8 crops a batch,
64 images (``sccscore.predict.default_batch_size``). The baseline is the same command with
``--batch-size 64``, as before; 16 and 32 are run too, to show where 8 lies. Each command
runs in a child process, the sizes in turn, three rounds, on the 20 spreads of
``bench_spreads_side_by_side.py``; the figures are medians of wall time and the child's peak
resident memory. ``--engine onnx``: the engine of a CPU without native bfloat16, most
laptops' (OpenVINO scores 8 crops at a time on those that have it).

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_view_batches.py
[OSHIMA_DIR]`` (default ``../shared/data/oshima2026``; about 12 minutes on 2 cores); prints JSON.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
from pathlib import Path

from bench_detect_startup import medians_of, run
from bench_spreads_side_by_side import twenty_spreads

from sccscore.parallel import cpu_threads

ROUNDS = 3
SIZES = {"baseline (64)": "64", "default (8)": None, "16": "16", "32": "32"}


def main(oshima: Path) -> None:
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in SIZES}
    with tempfile.TemporaryDirectory() as folder:
        spreads = twenty_spreads(oshima, Path(folder))
        for _ in range(ROUNDS):  # in turn: the machine's speed drifts over minutes
            for name, size in SIZES.items():
                with tempfile.TemporaryDirectory() as out:
                    runs[name].append(run([sys.executable, "-m", "sccscore", "classify", "--spreads", str(spreads),
                                           "--out", out, "--quiet", "--engine", "onnx",
                                           *(["--batch-size", size] if size else [])]))
    figures = medians_of(runs)
    baseline, default = figures["baseline (64)"], figures["default (8)"]
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, {cpu_threads()} CPU threads",
        "command": "classify --spreads (20 spreads) --engine onnx",
        **figures,
        "ratio_seconds": round(baseline["seconds"] / default["seconds"], 2),
        "ratio_peak_memory": round(baseline["peak_mb"] / default["peak_mb"], 2),
    }, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "data" / "oshima2026")
