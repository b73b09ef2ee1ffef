"""Benchmark: finding crops cut by hand from a held-out spread by their pixels.

Since 2026-12-02 leave one spread out (``evaluate-detection --leave-one-out --train L``,
``train-spreads --train L``) looks for each crop of ``L`` that no ``sources.csv`` names in the
held-out spread (``sccscore.provenance.cut_from``). Measured here on the 906 Ikemoto crops (none
cut from these spreads: every one is looked at in full) against each of the four oshima2026
spreads, as the four folds ask, in one process, against reading every crop once (what loading
them to learn from costs anyway). The crops' windows are kept from the first fold to the next;
each spread's are hashed once a fold. Last, the memory that hashing the largest spread takes at its
peak (traced by ``tracemalloc``), against reading it alone.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_provenance.py
[OSHIMA_DIR]``; prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

from sccscore import provenance
from sccscore.images import read_image, scan_sample
from sccscore.sample_data import data_root


def main(oshima: Path) -> None:
    crops = [item.path for name in ("wt", "ctf18") for item in scan_sample(data_root() / "images" / name).items]
    spreads = sorted((oshima / "images").glob("*.png"))
    started = time.perf_counter()
    for path in crops:
        read_image(path)
    reading = time.perf_counter() - started
    folds, found = [], 0
    for spread in spreads:
        started = time.perf_counter()
        windows = provenance.image_windows(spread)  # once a fold, as leave one spread out hashes it
        found += sum(provenance.cut_from(path, windows) for path in crops)
        folds.append(round(time.perf_counter() - started, 2))
    largest = max(spreads, key=lambda path: path.stat().st_size)
    reading_peak, hashing_peak = (_peak(lambda: read(largest)) for read in (read_image, provenance.image_windows))
    print(json.dumps({"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
                      "python": platform.python_version(), "crops": len(crops), "spreads": len(spreads),
                      "reading_every_crop_s": round(reading, 2), "check_per_fold_s": folds,
                      "first_fold_vs_reading": round(folds[0] / reading, 1),
                      "later_fold_vs_reading": round(max(folds[1:]) / reading, 2), "found": found,
                      "largest_spread": largest.name, "reading_it_peak_mb": round(reading_peak / 1e6, 1),
                      "hashing_it_peak_mb": round(hashing_peak / 1e6, 1),
                      "hashing_vs_reading_peak": round(hashing_peak / reading_peak, 1)}, indent=2))


def _peak(run) -> int:
    """The most memory ``run()`` held at once, in bytes (numpy's arrays included)."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
