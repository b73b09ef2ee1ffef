"""Benchmark: ``sccscore classify`` with SqueezeNet built by sccscore, against importing torchvision.

Until 2026-12-03 every command that builds a model took SqueezeNet 1.1 from torchvision, whose
import brings in ``torch._dynamo`` (``torchvision.ops``, 0.29), though nothing here compiles.
``sccscore.squeezenet`` now builds the same network without it. The baseline is the same
command run after ``import torchvision``, as it ran before. Each is run in a child process,
alternately, five times: on 30 Ikemoto crops with the released 30-model ensemble (the default
model), and on one oshima2026 spread with ``--spreads``; the figures are medians of wall time
and the child's peak resident memory.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_classify_startup.py
[OSHIMA_DIR]`` (default ``../shared/data/oshima2026``); prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from bench_detect_startup import after_importing, run, summary

from sccscore.sample_data import data_root

ROUNDS = 5


def medians(arguments: list[str], out: Path) -> dict:
    runs: dict[str, list[tuple[float, float]]] = {"command": [], "baseline": []}
    starts = {"baseline": after_importing("torchvision"), "command": [sys.executable, "-m", "sccscore"]}
    for _ in range(ROUNDS):  # alternately: the machine's speed drifts over minutes
        for key, start in starts.items():
            shutil.rmtree(out, ignore_errors=True)
            runs[key].append(run([*start, *arguments, "--out", str(out), "--quiet"]))
    return summary(runs)


def main(oshima: Path) -> None:
    spread = oshima / "images" / "spread1.png"
    if not spread.is_file():
        raise SystemExit(f"{spread}: spread image not found")
    with tempfile.TemporaryDirectory() as tmp:
        crops = Path(tmp) / "wt"
        for label in "abc":  # 10 crops of each type, in label folders as a lab keeps them
            (crops / label).mkdir(parents=True)
            for path in sorted((data_root() / "images" / "wt" / label).iterdir())[:10]:
                shutil.copy(path, crops / label / path.name)
        print(json.dumps({
            "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, {os.cpu_count()} CPUs",
            "crops_30_released_ensemble": medians(["classify", str(crops)], Path(tmp) / "out"),
            "one_spread": {"image": spread.name,
                           **medians(["classify", "--spreads", str(spread)], Path(tmp) / "out")},
        }, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "data" / "oshima2026")
