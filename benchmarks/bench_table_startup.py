"""Benchmark: the start-up of the commands that read a table and run no model, against the same commands as they
ran before a change.

Until 2026-12-04 the review page took its style and image helpers from ``sccscore.report``, which
imported at its top what runs a model (``sccscore.models``, ``explain``, ``spread_model``: torch),
though a review only reads a table and its crops. Now the report imports those where it is given a
model. Baseline: ``review`` after ``import torch``, as it ran before.

Until later on 2026-12-04 a report of a table typed by hand (``compare --predictions --report``, no
model) still imported torch, ONNX Runtime and OpenVINO: for its settings' versions, the model runtime
named in them and the model column's reader. It now imports and lists none of them. Baseline: the
same command after importing the three, as it ran before.

``review --all`` of a table of 30 Ikemoto WT crops (10 of each type) classified by released model 1,
and ``compare wt ctf18 --predictions --report`` of 30 WT and 30 CTF18-/- crops typed by their labels,
each run in a child process, five times alternately with its baseline; the figures are medians of wall
time and the child's peak resident memory.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_table_startup.py``;
prints JSON.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_classify_startup import wt_crops
from bench_detect_startup import after_importing, run, summary

from sccscore.sample_data import data_root

ROUNDS = 5
COMMAND = [sys.executable, "-m", "sccscore"]


def classified(folder: Path) -> Path:
    """30 WT crops in label folders (``bench_classify_startup``'s), classified by released model 1: the table to
    review."""
    crops = wt_crops(folder)
    subprocess.run([*COMMAND, "classify", str(crops), "--model", "paper:squeezenet1_1/1",
                    "--out", str(folder / "out"), "--quiet"], check=True, stdout=subprocess.DEVNULL)
    return folder / "out" / "predictions.csv"


def typed_by_hand(folder: Path) -> Path:
    """A table as a lab types it (path, sample, predicted): 30 crops of each genotype, 10 of each type, typed by their
    labels."""
    table = folder / "typed.csv"
    with table.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["path", "sample", "predicted"])
        for genotype in ("wt", "ctf18"):
            for label in "abc":
                for path in sorted((data_root() / "images" / genotype / label).iterdir())[:10]:
                    writer.writerow([path, genotype, label.upper()])
    return table


def medians(arguments: list[str], baseline: list[str], folder: Path) -> dict:
    """The command's and its baseline's medians, each writing a folder of its own under ``folder``."""
    runs: dict[str, list[tuple[float, float]]] = {"command": [], "baseline": []}
    for round_ in range(ROUNDS):  # alternately: the machine's speed drifts over minutes
        for key, start in {"baseline": baseline, "command": COMMAND}.items():
            runs[key].append(run([*start, *arguments, "--out", str(folder / f"{key}-{round_}")]))
    return summary(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        review, report = (["review", str(classified(folder)), "--all"],
                          ["compare", "wt", "ctf18", "--predictions", str(typed_by_hand(folder)), "--report"])
        print(json.dumps({
            "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, {os.cpu_count()} CPUs",
            "review_30_crops": medians(review, after_importing("torch"), folder / "review"),
            "report_of_60_typed_calls": medians(report, after_importing("torch", "onnxruntime", "openvino"),
                                                folder / "report")}, indent=1))


if __name__ == "__main__":
    main()
