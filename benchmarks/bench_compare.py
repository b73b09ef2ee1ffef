"""Benchmark: ``sccscore compare --predictions`` on a large table, against the same command importing torch.

A lab's study: 3 samples x 5 replicates (independent experiments) x 20 cells x 50
chromosomes, 15,000 rows as ``classify`` writes them (types drawn with a fixed seed),
compared with ``--replicate-folders``. The command only reads the table, so it imports
no model; the baseline is the same command run after ``import torch``, as it ran until
2026-12-01, when the model references it looks up lived beside the networks. Each is
run in a child process, alternately, three times; the figure is the median. The table
is compared in this process too (``compare_table``), to show what the rest is: start-up.

Run with ``.venv/bin/python benchmarks/bench_compare.py``; prints JSON.
"""

from __future__ import annotations

import csv
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sccscore.compare import compare_table

SAMPLES = {"wt": (0.7, 0.25), "ko1": (0.4, 0.4), "ko2": (0.3, 0.4)}  # shares of A and B; C the rest
REPLICATES, CELLS, CHROMOSOMES, ROUNDS = 5, 20, 50, 3
WITH_TORCH = "import runpy, sys, torch; sys.argv[0] = 'sccscore'; runpy.run_module('sccscore', run_name='__main__')"


def write_table(path: Path) -> None:
    rng = np.random.default_rng(0)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "sample", "predicted", "p_A", "p_B", "p_C", "model"])
        for sample, (a, b) in SAMPLES.items():
            for replicate in range(REPLICATES):
                for cell in range(CELLS):
                    for n, call in enumerate(rng.choice(list("ABC"), CHROMOSOMES, p=[a, b, 1 - a - b])):
                        shares = {t: 0.8 if t == call else 0.1 for t in "ABC"}
                        writer.writerow([f"/lab/{sample}/day{replicate}/cell{cell}/{n}.png", sample, call,
                                         *shares.values(), "paper:squeezenet1_1"])


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "predictions.csv"
        write_table(table)
        arguments = ["compare", *SAMPLES, "--predictions", str(table), "--replicate-folders", "--json",
                     str(Path(tmp) / "compare.json")]
        runs: dict[str, list[float]] = {"command": [], "baseline": []}
        for _ in range(ROUNDS):  # alternately: the machine's speed drifts over minutes
            runs["baseline"].append(seconds([sys.executable, "-c", WITH_TORCH, *arguments]))
            runs["command"].append(seconds([sys.executable, "-m", "sccscore", *arguments]))
        start = time.perf_counter()
        compare_table(table, list(SAMPLES), replicate_folders=True)
        in_process = time.perf_counter() - start
    command, baseline = (statistics.median(runs[k]) for k in ("command", "baseline"))
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}",
        "rows": len(SAMPLES) * REPLICATES * CELLS * CHROMOSOMES,
        "command_s": round(command, 2), "baseline_with_torch_s": round(baseline, 2),
        "ratio": round(baseline / command, 2), "compare_table_in_process_s": round(in_process, 2),
        "runs": {k: [round(s, 2) for s in v] for k, v in runs.items()},
    }, indent=1))


if __name__ == "__main__":
    main()
