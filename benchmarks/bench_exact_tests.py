"""Benchmark: what the exact chromosome-level p-values cost, against the asymptotic ones they replace.

Where a type is expected fewer than 5 times in a sample, ``compare_counts`` computes the
chi-square and trend p-values exactly, over every table of the same totals
(``stats.exact_chi2_p``, ``stats.exact_trend_p``). The baseline is the same call with
that rule switched off (``MIN_EXPECTED = 0``: the curves, as before 2026-12-01), in this
process. Tables: a pilot; the shared WT and CTF18-/- labels (no exact p: the control);
a study of thousands with a rare type C; and, near the worst case the rule allows, two
samples of 20,000 with type C expected 4.5 times. Medians of 7 calls each, after one.

Run with ``.venv/bin/python benchmarks/bench_exact_tests.py``; prints JSON.
"""

from __future__ import annotations

import json
import platform
import statistics
import time

from sccscore import stats

TABLES = {
    "pilot: 24 vs 17 chromosomes": ([20, 3, 1], [10, 5, 2]),
    "shared labels: 489 vs 417, WT vs CTF18-/-": ([312, 153, 24], [79, 239, 99]),
    "4,503 vs 3,204, type C 7 in all": ([3000, 1500, 3], [800, 2400, 4]),
    "20,000 vs 20,000, type C 9 in all": ([12000, 7991, 9], [9000, 11000, 0]),
}


def median_seconds(call, repeats: int = 7) -> float:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    shipped_rule = stats.MIN_EXPECTED
    results = {}
    for name, (reference, sample) in TABLES.items():
        stats.MIN_EXPECTED = 0  # the baseline: the asymptotic p, whatever is expected
        curve = stats.compare_counts(reference, sample)
        baseline = median_seconds(lambda: stats.compare_counts(reference, sample))
        stats.MIN_EXPECTED = shipped_rule
        shipped = stats.compare_counts(reference, sample)
        seconds = median_seconds(lambda: stats.compare_counts(reference, sample))
        results[name] = {"exact": shipped["p_exact"], "chi2_p": shipped["chi2_p"], "chi2_p_curve": curve["chi2_p"],
                         "trend_p": shipped["trend_p"], "trend_p_curve": curve["trend_p"],
                         "ms": round(1000 * seconds, 1), "ms_curve": round(1000 * baseline, 1),
                         "ratio": round(seconds / baseline, 2)}
    print(json.dumps({"machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
                      "tables": results}, indent=1))


if __name__ == "__main__":
    main()
