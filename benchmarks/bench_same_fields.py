"""Benchmark: finding spreads given twice in a large batch, against detecting them.

Since 2026-12-01 two spreads are one field where one shift lines up their chromosomes
(``sccscore.fields``), which finds a copy saved as JPEG or cropped, and a metaphase found in
two overlapping fields is said too (``spreads.warn_repeated_fields``, which detect and
classify run); before, spreads had to be found alike box for box, one dictionary lookup a
spread. The new check compares every pair of spreads, then of metaphases, so its cost grows
with the square of the batch. Measured here on the four oshima2026 spreads' detections
turned by many angles (distinct fields of real density, none a copy to this check, which
looks for a shift alone, so no pair is skipped), for batches of 50 to 400 spreads, against
the old lookup in the same process and against the time detection takes for as many
spreads (``detect.detect`` on the four, median of 3 rounds, times the batch over four).

Run with ``.venv/bin/python benchmarks/bench_same_fields.py [OSHIMA_DIR]`` (default
``../shared/data/oshima2026``); prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from sccscore.detect import detect
from sccscore.images import ImageItem, read_image
from sccscore.spreads import Spread, warn_repeated_fields

BATCHES = (50, 100, 200, 400)


def turned(spread: Spread, angle: float, number: int) -> Spread:
    """The spread with its chromosome centres turned about the middle: another field, as dense."""
    middle = np.array(spread.shape[::-1], float) / 2
    cos, sin = np.cos(angle), np.sin(angle)
    detections = []
    for d in spread.detections:
        x, y = np.array(d.centroid) - middle
        detections.append(replace(d, centroid=(middle[0] + cos * x - sin * y, middle[1] + sin * x + cos * y)))
    return replace(spread, item=ImageItem(Path(f"turned/{number}.png"), "wt"), detections=detections)


def old_same_fields(spreads: list[Spread]) -> list[list[Path]]:
    """Before 2026-12-01: alike in size with every object found in the same place."""
    by_field: dict[tuple, list[Path]] = defaultdict(list)
    for spread in spreads:
        if spread.chromosomes:
            by_field[(tuple(spread.shape), tuple(tuple(d.box) for d in spread.detections))].append(spread.item.path)
    return [paths for paths in by_field.values() if len(paths) > 1]


def seconds(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def main(oshima: Path) -> None:
    paths = sorted((oshima / "images").glob("*.png"))
    rgbs = [read_image(path) for path in paths]
    detecting = statistics.median(seconds(lambda: [detect(rgb) for rgb in rgbs])[0] for _ in range(3)) / len(rgbs)
    real = [Spread(ImageItem(path, "wt"), rgb.shape[:2], detect(rgb).detections, {}) for path, rgb in zip(paths, rgbs)]
    figures = []
    for batch in BATCHES:
        spreads = [turned(real[n % len(real)], 0.1 + 0.05 * (n // len(real)), n) for n in range(batch)]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a turned spread taken for a copy would fail here
            new, _ = seconds(lambda: warn_repeated_fields(spreads))
        old, _ = seconds(lambda: old_same_fields(spreads))
        figures.append({"spreads": batch, "pairs": batch * (batch - 1) // 2, "check_s": round(new, 3),
                        "per_pair_us": round(1e6 * new / (batch * (batch - 1) / 2), 1), "old_lookup_s": round(old, 4),
                        "detecting_them_s": round(detecting * batch, 1),
                        "share_of_detection": round(new / (detecting * batch), 4)})
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, {os.cpu_count()} CPUs",
        "chromosomes_per_spread": [len(s.chromosomes) for s in real],
        "detect_per_spread_s": round(detecting, 3), "batches": figures,
    }, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "data" / "oshima2026")
