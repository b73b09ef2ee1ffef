"""Benchmark: the start-up of ``sccscore classify``, against the same command as it ran before a change.

Until 2026-12-03 every command that builds a model took SqueezeNet 1.1 from torchvision, whose
import brings in ``torch._dynamo`` (``torchvision.ops``, 0.29), though nothing here compiles.
``sccscore.squeezenet`` now builds the same network without it. The baseline is the same
command run after ``import torchvision``, as it ran before (the default baseline).

Since 2026-12-04 the summary's Wilson intervals come from scipy rather than statsmodels, which
imported pandas, and ml_dtypes (onnx's) is kept below 0.7.0, whose import took 0.8-1.3 s. Their
baseline: ``--baseline-import statsmodels.stats.proportion --baseline-path DIR``, with ml_dtypes
0.7.0 in DIR (``pip install --no-deps --target DIR ml_dtypes==0.7.0``), searched first.

Since later on 2026-12-04 the Wilson intervals are computed in closed form, and scipy.stats is
imported only by the tests that need it. Its baseline: ``--baseline-import scipy.stats``.

Each is run in a child process, alternately, five times: on 30 Ikemoto crops with the released
30-model ensemble (the default model), and on one oshima2026 spread with ``--spreads``; the
figures are medians of wall time and the child's peak resident memory.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_classify_startup.py
[OSHIMA_DIR] [--baseline-import MODULE]... [--baseline-path DIR]`` (default ``../shared/data/oshima2026``);
prints JSON.
"""

from __future__ import annotations

import argparse
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


def medians(arguments: list[str], out: Path, baseline: list[str]) -> dict:
    runs: dict[str, list[tuple[float, float]]] = {"command": [], "baseline": []}
    starts = {"baseline": baseline, "command": [sys.executable, "-m", "sccscore"]}
    for _ in range(ROUNDS):  # alternately: the machine's speed drifts over minutes
        for key, start in starts.items():
            shutil.rmtree(out, ignore_errors=True)
            runs[key].append(run([*start, *arguments, "--out", str(out), "--quiet"]))
    return summary(runs)


def wt_crops(folder: Path) -> Path:
    """``folder/wt``: 30 Ikemoto WT crops, 10 of each type, in label folders as a lab keeps them."""
    crops = folder / "wt"
    for label in "abc":
        (crops / label).mkdir(parents=True)
        for path in sorted((data_root() / "images" / "wt" / label).iterdir())[:10]:
            shutil.copy(path, crops / label / path.name)
    return crops


def main(oshima: Path, baseline: list[str]) -> None:
    spread = oshima / "images" / "spread1.png"
    if not spread.is_file():
        raise SystemExit(f"{spread}: spread image not found")
    with tempfile.TemporaryDirectory() as tmp:
        crops = wt_crops(Path(tmp))
        print(json.dumps({
            "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, {os.cpu_count()} CPUs",
            "baseline": baseline[2],
            "crops_30_released_ensemble": medians(["classify", str(crops)], Path(tmp) / "out", baseline),
            "one_spread": {"image": spread.name,
                           **medians(["classify", "--spreads", str(spread)], Path(tmp) / "out", baseline)},
        }, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    oshima = Path(__file__).parents[2] / "shared" / "data" / "oshima2026"
    parser.add_argument("oshima", nargs="?", type=Path, default=oshima, help="default ../shared/data/oshima2026")
    parser.add_argument("--baseline-import", action="append", metavar="MODULE",
                        help="imported before the baseline's command (repeatable; default torchvision)")
    parser.add_argument("--baseline-path", metavar="DIR", help="searched first for packages in the baseline")
    options = parser.parse_args()
    main(options.oshima, after_importing(*(options.baseline_import or ["torchvision"]), path=options.baseline_path))
