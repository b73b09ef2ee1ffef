"""Benchmark: the corrected shares' bootstrap (``stats.corrected_with_ci``), its draws' EM run as one batch.

``compare`` corrects each sample's shares wherever a confusion matrix is at hand (by default
for every model trained by sccscore), with 1,000 bootstrap draws a sample, each an EM of up to
300 steps. Until 2026-12-02 each draw ran its own EM in a Python loop; now all the draws step
together in numpy (``stats._most_likely``), each stopping where it would alone. The baseline is
that loop and that EM, kept here as they were (not ``corrected_distribution``, which is now a
batch of one and half as fast alone), on the same draws from the same seed (the matrix's rows
drawn as ``corrected_with_ci`` draws them, from a Dirichlet since 2026-12-04, and the sample's
shares from one since 2026-12-06), in the same
process; the intervals are checked equal. Four samples' calls (a pilot of 40 chromosomes, a
sample of 300, one of 1,000, 40 with every call A), the matrix of the doc examples; medians of 5
rounds.

Run with ``.venv/bin/python benchmarks/bench_correction.py``; prints JSON.
"""

from __future__ import annotations

import json
import platform
import statistics
import time

import numpy as np

from sccscore.stats import ROW_PRIOR, corrected_with_ci

CONFUSION = np.array([[80, 15, 5], [10, 80, 10], [5, 20, 75]])
SAMPLES = {"pilot": [24, 10, 6], "sample": [180, 90, 30], "large": [600, 300, 100], "all A": [40, 0, 0]}
ROUNDS = 5


def em_alone(counts, confusion: np.ndarray, iterations: int) -> np.ndarray:
    """corrected_distribution as it ran before 2026-12-02, one sample at a time."""
    rates = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    counts = np.asarray(counts, dtype=float)
    estimate = np.full(len(counts), 1 / len(counts))
    for _ in range(iterations):
        expected = estimate @ rates
        updated = (estimate[:, None] * rates / np.where(expected > 0, expected, 1)) @ counts / counts.sum()
        if np.abs(updated - estimate).max() < 1e-10:
            return updated
        estimate = updated
    return estimate


def per_draw(counts, confusion: np.ndarray, n_boot: int = 1000, seed: int = 0):
    """corrected_with_ci as it ran before 2026-12-02: an EM of its own for each draw."""
    rng = np.random.default_rng(seed)
    counts = np.asarray(counts)
    estimate = em_alone(counts, confusion, 1000)
    row_totals = confusion.sum(axis=1)
    row_shares = confusion / np.maximum(row_totals[:, None], 1)
    fitted = estimate @ row_shares
    draws = []
    for _ in range(n_boot):
        resampled = counts.sum() * rng.dirichlet(counts.sum() * fitted / fitted.sum() + ROW_PRIOR)
        matrix = np.array([rng.dirichlet(row + ROW_PRIOR) if n else row for n, row in zip(row_totals, confusion)])
        draws.append(em_alone(resampled, matrix, 300))
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    return estimate, low, high


def seconds(call) -> float:
    start = time.perf_counter()
    for counts in SAMPLES.values():
        call(counts, CONFUSION)
    return time.perf_counter() - start


def main() -> None:
    for counts in SAMPLES.values():  # the same intervals, to the last bits of a float
        for ours, theirs in zip(corrected_with_ci(counts, CONFUSION), per_draw(counts, CONFUSION)):
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    runs: dict[str, list[float]] = {"per draw": [], "batched": []}
    for _ in range(ROUNDS):
        runs["per draw"].append(seconds(per_draw))
        runs["batched"].append(seconds(corrected_with_ci))
    baseline, ours = (statistics.median(runs[k]) for k in ("per draw", "batched"))
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "samples": len(SAMPLES), "draws_a_sample": 1000,
        "per_draw_s": round(baseline, 3), "batched_s": round(ours, 3), "ratio": round(baseline / ours, 1),
        "rounds": {k: [round(v, 3) for v in runs[k]] for k in runs},
    }, indent=1))


if __name__ == "__main__":
    main()
