"""Benchmark: ``sccscore detect`` without torch, against the same command importing torch.

Detecting chromosomes is image processing (scipy, scikit-image) and a logistic regression
read from JSON; until 2026-12-01 the command still imported torch, through the modules that
fit the merge and shape models and classify crops. The baseline is the same command run
after ``import torch``, as it ran then. Each is run in a child process, alternately, three
times, on one spread and on the four oshima2026 spreads; the figures are medians of wall
time and the child's peak resident memory.

Run with ``.venv/bin/python benchmarks/bench_detect_startup.py [OSHIMA_DIR]`` (default
``../shared/data/oshima2026``); prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 3


def after_importing(*modules: str, path: str | None = None) -> list[str]:
    """The command line of ``sccscore`` run after importing ``modules``: the baseline's start. ``path``, a folder
    searched first for packages, holds other versions of them, as ``pip install --target`` puts them."""
    first = f"sys.path.insert(0, {path!r}); " if path else ""
    imports = "".join(f"import {module}; " for module in modules)
    start = "sys.argv[0] = 'sccscore'; runpy.run_module('sccscore', run_name='__main__')"
    return [sys.executable, "-c", f"import runpy, sys; {first}{imports}{start}"]


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of a child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage, which Popen.wait does not give
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} exited {child.returncode}")
    return seconds, usage.ru_maxrss / 1024  # kB on Linux


def medians(images: list[Path]) -> dict:
    runs: dict[str, list[tuple[float, float]]] = {"command": [], "baseline": []}
    with tempfile.TemporaryDirectory() as tmp:
        arguments = ["detect", *map(str, images), "--out", tmp, "--quiet"]
        for _ in range(ROUNDS):  # alternately: the machine's speed drifts over minutes
            runs["baseline"].append(run([*after_importing("torch"), *arguments]))
            runs["command"].append(run([sys.executable, "-m", "sccscore", *arguments]))
    return summary(runs)


def medians_of(runs: dict[str, list[tuple[float, float]]]) -> dict:
    """Each variant's median seconds and peak memory, and its runs' seconds."""
    return {key: {"seconds": round(statistics.median(s for s, _ in value), 2),
                  "peak_mb": round(statistics.median(m for _, m in value)),
                  "runs_s": [round(s, 2) for s, _ in value]} for key, value in runs.items()}


def summary(runs: dict[str, list[tuple[float, float]]]) -> dict:
    """Median seconds and peak memory of the command's and the baseline's runs, and the ratio of their seconds."""
    figures = medians_of(runs)
    figures["ratio"] = round(figures["baseline"]["seconds"] / figures["command"]["seconds"], 2)
    return figures


def main(oshima: Path) -> None:
    images = sorted((oshima / "images").glob("*.png"))
    if not images:
        raise SystemExit(f"{oshima / 'images'}: no spread images")
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, {os.cpu_count()} CPUs",
        "one_spread": {"image": images[0].name, **medians(images[:1])},
        "all_spreads": {"n": len(images), **medians(images)},
    }, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "data" / "oshima2026")
