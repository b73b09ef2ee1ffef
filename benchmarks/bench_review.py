"""Benchmark: writing a review of whole spreads' calls, each shown beside its place in its spread.

Since 2026-12-02 ``sccscore review`` shows a chromosome cut from a spread beside the spread
around it (``review.context_view``): it reads each spread once, cuts a view per chromosome
and embeds it as JPEG. Measured here on the four oshima2026 spreads classified with
``sccscore:spreads`` (``classify --spreads``, into a temporary folder), every call reviewed
(``--all``), against the same table without its ``spread`` column, which gives the review
as it was before (crops alone), in the same process, alternated, median of 3 rounds; and
the page's size either way.

Run with ``.venv/bin/python benchmarks/bench_review.py [OSHIMA_DIR]`` (default
``../shared/data/oshima2026``); prints JSON.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sccscore.models import load_model
from sccscore.review import PAGE, write_review
from sccscore.spreads import classify_spreads

ROUNDS = 3


def without_spread(table: Path, out: Path) -> Path:
    """The table as classify wrote it before 2026-12-02: no spread column."""
    with open(table, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, [key for key in rows[0] if key != "spread"])
        writer.writeheader()
        writer.writerows({key: value for key, value in row.items() if key != "spread"} for row in rows)
    return out


def main(oshima: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="sccscore-bench-review-") as tmp:
        tmp_path = Path(tmp)
        result = classify_spreads([oshima / "images"], load_model("sccscore:spreads"), tmp_path / "out")
        tables = {"with place": tmp_path / "out" / "predictions.csv"}
        tables["crops alone"] = without_spread(tables["with place"], tmp_path / "crops_alone.csv")
        timings: dict[str, list[float]] = {name: [] for name in tables}
        for number in range(ROUNDS):
            for name, table in tables.items():
                start = time.perf_counter()
                written = write_review(table, tmp_path / f"{name}-{number}", every=True)
                timings[name].append(time.perf_counter() - start)
        sizes = {name: (tmp_path / f"{name}-0" / PAGE).stat().st_size for name in tables}
        medians = {name: statistics.median(values) for name, values in timings.items()}
        return {
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
            "spreads": len(result.spreads), "calls": written.n_calls,
            "seconds": {name: [round(value, 3) for value in values] for name, values in timings.items()},
            "median_seconds": {name: round(value, 3) for name, value in medians.items()},
            "ratio": round(medians["with place"] / medians["crops alone"], 2),
            "page_kb": {name: round(size / 1024) for name, size in sizes.items()},
        }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/oshima2026")), indent=2))
