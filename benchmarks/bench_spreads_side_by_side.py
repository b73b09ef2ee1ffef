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

Since 2026-12-04 the commands that fit on annotated spreads do the same: ``evaluate-detection
--leave-one-out`` and ``train-spreads`` read every spread to its fragments side by side, and in
each fold join and cut them so (``detection_eval.read_annotated_set``, ``spreads.cut_spreads``).
They are timed on the same 20 spreads with their annotations turned alike: five copies of each
field, which leave-one-out holds out together, so four folds.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python
benchmarks/bench_spreads_side_by_side.py [OSHIMA_DIR]`` (default ``../shared/data/oshima2026``;
about 17 minutes on 2 cores); prints JSON.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from bench_detect_startup import run, summary

from sccscore.annotations import read_yolo, yolo_text
from sccscore.images import read_image
from sccscore.parallel import cpu_threads

ROUNDS = 3


# each orientation, of the pixels and of boxes (x0, y0, x1, y1) in an image of width w and height h
TURNS = {"as-is": (lambda a: a, lambda b, w, h: b),
         "mirrored": (lambda a: a[:, ::-1], lambda b, w, h: [w - b[2], b[1], w - b[0], b[3]]),
         "upside-down": (lambda a: a[::-1], lambda b, w, h: [b[0], h - b[3], b[2], h - b[1]]),
         "turned": (lambda a: a[::-1, ::-1], lambda b, w, h: [w - b[2], h - b[3], w - b[0], h - b[1]]),
         "transposed": (lambda a: a.transpose(1, 0, 2), lambda b, w, h: [b[1], b[0], b[3], b[2]])}


def twenty_spreads(oshima: Path, folder: Path) -> Path:
    """The four annotated spreads in five orientations each, as PNG files in ``folder/images`` and their
    annotations turned alike in ``folder/labels``."""
    from PIL import Image

    images = sorted((oshima / "images").glob("*.png"))
    if not images:
        raise SystemExit(f"{oshima / 'images'}: no spread images")
    (folder / "images").mkdir()
    (folder / "labels").mkdir()
    for path in images:
        rgb = read_image(path)
        height, width = rgb.shape[:2]
        boxes, classes = read_yolo(oshima / "labels" / f"{path.stem}.txt", width, height)
        for name, (turn, turn_box) in TURNS.items():
            turned = np.ascontiguousarray(turn(rgb))
            Image.fromarray(turned).save(folder / "images" / f"{path.stem}-{name}.png")
            (folder / "labels" / f"{path.stem}-{name}.txt").write_text(yolo_text(
                np.array([turn_box(box, width, height) for box in boxes]), classes, turned.shape[1], turned.shape[0]))
    return folder / "images"


def medians(arguments: Callable[[Path], list[str]]) -> dict:
    """The command's runs, given ``arguments(new folder)``, with ``--workers 1`` (the baseline) and without."""
    runs: dict[str, list[tuple[float, float]]] = {"command": [], "baseline": []}
    for _ in range(ROUNDS):  # alternately: the machine's speed drifts over minutes
        for key, workers in (("baseline", ["--workers", "1"]), ("command", [])):
            with tempfile.TemporaryDirectory() as out:
                runs[key].append(run([sys.executable, "-m", "sccscore", *arguments(Path(out) / "out"), *workers]))
    return summary(runs)


def main(oshima: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        spreads = twenty_spreads(oshima, Path(folder))
        labels = spreads.parent / "labels"
        print(json.dumps({
            "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, "
                       f"{cpu_threads()} CPU threads",
            "spreads": len(list(spreads.iterdir())),
            "detect": medians(lambda out: ["detect", str(spreads), "--out", str(out), "--quiet"]),
            "classify_spreads": medians(lambda out: ["classify", "--spreads", str(spreads), "--out", str(out),
                                                     "--quiet"]),
            "evaluate_detection_leave_one_out": medians(lambda out: ["evaluate-detection", str(spreads), str(labels),
                                                                     "--leave-one-out"]),
            "train_spreads": medians(lambda out: ["train-spreads", str(spreads), str(labels), "--out", str(out),
                                                  "--quiet"]),
        }, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "data" / "oshima2026")
