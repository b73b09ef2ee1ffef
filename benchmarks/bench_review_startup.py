"""Benchmark: the start-up of ``sccscore review``, against the same command as it ran before a change.

Until 2026-12-04 the review page took its style and image helpers from ``sccscore.report``, which
imported at its top what runs a model (``sccscore.models``, ``explain``, ``spread_model``: torch),
though a review only reads a table and its crops. Now the report imports those where it is given a
model. Baseline: the same command after ``import torch``, as it ran before.

A table of 30 Ikemoto WT crops (10 of each type) classified by released model 1 is reviewed
whole (``--all``), in a child process, five times alternately; the figures are medians of wall
time and the child's peak resident memory.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_review_startup.py``;
prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_classify_startup import wt_crops
from bench_detect_startup import after_importing, run, summary

ROUNDS = 5


def classified(folder: Path) -> Path:
    """30 WT crops in label folders (``bench_classify_startup``'s), classified by released model 1: the table to
    review."""
    crops = wt_crops(folder)
    subprocess.run([sys.executable, "-m", "sccscore", "classify", str(crops), "--model", "paper:squeezenet1_1/1",
                    "--out", str(folder / "out"), "--quiet"], check=True, stdout=subprocess.DEVNULL)
    return folder / "out" / "predictions.csv"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        table = classified(Path(tmp))
        runs: dict[str, list[tuple[float, float]]] = {"command": [], "baseline": []}
        starts = {"baseline": after_importing("torch"), "command": [sys.executable, "-m", "sccscore"]}
        for round_ in range(ROUNDS):  # alternately: the machine's speed drifts over minutes
            for key, start in starts.items():
                out = Path(tmp) / f"review-{key}-{round_}"
                runs[key].append(run([*start, "review", str(table), "--all", "--out", str(out)]))
        print(json.dumps({
            "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, {os.cpu_count()} CPUs",
            "baseline": starts["baseline"][2], "review_30_crops": summary(runs)}, indent=1))


if __name__ == "__main__":
    main()
