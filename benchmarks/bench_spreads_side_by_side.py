"""Benchmark: whole spreads read side by side, one per CPU core, against one at a time.

Until 2026-12-04 ``sccscore detect`` and ``classify --spreads`` read, detected and cut
one spread after another on one core. Now threads do it for several spreads at once
(``sccscore.spreads._processed``); most of the work releases the GIL. The baseline is the
same command with ``--workers 1``: one spread at a time, as before (``classify``'s crops are
then also decoded on one thread, a few hundredths of a second of its run). Each command
runs in a child process, the two alternately, three times, on 20 spreads: the four
oshima2026 spreads as they are, mirrored, upside down, both, and transposed (distinct
images of the same size and content). The figures are medians of wall time and the
child's peak resident memory.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python
benchmarks/bench_spreads_side_by_side.py [OSHIMA_DIR]`` (default ``../shared/data/oshima2026``;
about 8 minutes on 2 cores); prints JSON.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np
from bench_detect_startup import run, summary

from sccscore.images import read_image
from sccscore.parallel import cpu_threads

ROUNDS = 3


def twenty_spreads(oshima: Path, folder: Path) -> Path:
    """The four annotated spreads in five orientations each, as PNG files in ``folder``."""
    from PIL import Image

    images = sorted((oshima / "images").glob("*.png"))
    if not images:
        raise SystemExit(f"{oshima / 'images'}: no spread images")
    turns = {"as-is": lambda a: a, "mirrored": lambda a: a[:, ::-1], "upside-down": lambda a: a[::-1],
             "turned": lambda a: a[::-1, ::-1], "transposed": lambda a: a.transpose(1, 0, 2)}
    for path in images:
        rgb = read_image(path)
        for name, turn in turns.items():
            Image.fromarray(np.ascontiguousarray(turn(rgb))).save(folder / f"{path.stem}-{name}.png")
    return folder


def medians(command: list[str], spreads: Path) -> dict:
    runs: dict[str, list[tuple[float, float]]] = {"command": [], "baseline": []}
    for _ in range(ROUNDS):  # alternately: the machine's speed drifts over minutes
        for key, workers in (("baseline", ["--workers", "1"]), ("command", [])):
            with tempfile.TemporaryDirectory() as out:
                runs[key].append(run([sys.executable, "-m", "sccscore", *command, str(spreads), "--out", out,
                                      "--quiet", *workers]))
    return summary(runs)


def main(oshima: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        spreads = twenty_spreads(oshima, Path(folder))
        print(json.dumps({
            "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, "
                       f"{cpu_threads()} CPU threads",
            "spreads": len(list(spreads.iterdir())),
            "detect": medians(["detect"], spreads),
            "classify_spreads": medians(["classify", "--spreads"], spreads),
        }, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "data" / "oshima2026")
