"""Do the share intervals cover a genotype's true A/B/C shares 95% of the time when its cells differ?

A sample's chromosomes come in cells, and cells differ: some are more open than others. The
share a lab wants is the genotype's, of which its cells are a draw. This simulates such
samples: each cell's shares are drawn from a Dirichlet around the genotype's (0.6 / 0.3 / 0.1)
with concentration ``alpha`` (20: a cell's A share varies with a standard deviation of 0.11;
5: of 0.20; infinite: every cell alike, chromosomes independent), 46 chromosomes a cell. The
four annotated oshima2026 spreads, all of one genotype, vary more than either: one is 98% A,
another 18%. A classifier calls each chromosome with the error rates of a fixed matrix, and
the confusion matrix it is corrected by is measured afresh on 100 labelled crops of each type.
Each row counts, over ``REPEATS`` samples, how often each 95% interval holds the genotype's shares:

- raw calls' shares (without correction; the truth here is the shares the classifier's errors
  turn the genotype's into): Wilson's (``stats.proportions_with_ci``) and with the cells as the
  units (``stats.proportions_with_clustered_ci``);
- corrected shares (``stats.corrected_with_ci``): chromosomes drawn as independent, and as many
  as the cells are worth (``per_cell``).

A second table asks the same of the corrected shares where the confusion matrix comes from a
few labelled crops a type (a lab's own model validated on what it held out), cells alike: its
rows drawn from what their crops say of them (Dirichlet, as ``corrected_with_ci`` draws them
since 2026-12-04) against its crops resampled (multinomial, as it did before; kept here as
``rows_resampled``), on the same samples.

A third asks it of a type a sample has few of (3%, 30 chromosomes) where the few labelled crops
a type seldom show another type called it, so that a sample is often called it never: the
sample's predicted shares drawn from a Dirichlet with half a call added to each type, as
``corrected_with_ci`` draws them since 2026-12-06, against its calls drawn from a multinomial
(``calls_resampled``, as before), which never gave such a type a call, nor its interval any width.

Run: ``.venv/bin/python benchmarks/interval_coverage.py`` (a few minutes on a 2-core CPU).
Figures: README, "Do the intervals hold where cells differ?".
"""

from __future__ import annotations

import numpy as np

from sccscore.stats import (ROW_PRIOR, _most_likely, _row_shares, corrected_distribution, corrected_with_ci,
                            proportions_with_ci, proportions_with_clustered_ci)

TRUTH = np.array([0.6, 0.3, 0.1])
ERRORS = np.array([[0.80, 0.15, 0.05], [0.10, 0.80, 0.10], [0.05, 0.20, 0.75]])  # rows: true type; columns: call
PER_CELL = 46
LABELLED_PER_TYPE = 100
REPEATS = 200
BOOTSTRAP = 200


def sample_calls(rng: np.random.Generator, n_cells: int, alpha: float) -> np.ndarray:
    """(cells, types) counts of the classifier's calls in one simulated sample."""
    shares = np.tile(TRUTH, (n_cells, 1)) if np.isinf(alpha) else rng.dirichlet(alpha * TRUTH, n_cells)
    true = np.array([rng.multinomial(PER_CELL, cell) for cell in shares])
    return np.array([sum(rng.multinomial(n, ERRORS[k]) for k, n in enumerate(cell)) for cell in true])


def covers(low: np.ndarray, high: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return (low <= truth) & (truth <= high)


def coverage(n_cells: int, alpha: float, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    called_truth = TRUTH @ ERRORS
    hits = {name: np.zeros(3) for name in ("Wilson", "raw, cells", "corrected", "corrected, cells")}
    for repeat in range(REPEATS):
        per_cell = sample_calls(rng, n_cells, alpha)
        counts = per_cell.sum(axis=0)
        confusion = np.array([rng.multinomial(LABELLED_PER_TYPE, row) for row in ERRORS])
        hits["Wilson"] += covers(*proportions_with_ci(counts)[1:], called_truth)
        hits["raw, cells"] += covers(*proportions_with_clustered_ci(per_cell), called_truth)
        hits["corrected"] += covers(*corrected_with_ci(counts, confusion, BOOTSTRAP, seed=repeat)[1:], TRUTH)
        hits["corrected, cells"] += covers(*corrected_with_ci(counts, confusion, BOOTSTRAP, seed=repeat,
                                                              per_cell=per_cell)[1:], TRUTH)
    return {name: hit / REPEATS for name, hit in hits.items()}


def rows_resampled(counts: np.ndarray, confusion: np.ndarray, n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """corrected_with_ci's interval as it was before 2026-12-04: each row's crops resampled."""
    rng = np.random.default_rng(seed)
    row_shares = _row_shares(confusion)
    fitted = corrected_distribution(counts, confusion) @ row_shares
    resampled, matrices = [], []
    for _ in range(n_boot):
        resampled.append(rng.multinomial(counts.sum(), fitted / fitted.sum()))
        matrices.append([rng.multinomial(n, shares) for n, shares in zip(confusion.sum(axis=1), row_shares)])
    draws = _most_likely(np.array(resampled, float), _row_shares(np.array(matrices, float)), iterations=300)
    return tuple(np.percentile(draws, [2.5, 97.5], axis=0))


RARE_TRUTH = np.array([0.03, 0.27, 0.70])
RARE_ERRORS = np.array([[0.90, 0.05, 0.05], [0.02, 0.80, 0.18], [0.01, 0.10, 0.89]])  # seldom called A but A
RARE_CHROMOSOMES = 30


def calls_resampled(counts: np.ndarray, confusion: np.ndarray, n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """corrected_with_ci's interval as it was before 2026-12-06: the sample's calls drawn from a multinomial."""
    rng = np.random.default_rng(seed)
    fitted = corrected_distribution(counts, confusion) @ _row_shares(confusion)
    resampled, matrices = [], []
    for _ in range(n_boot):
        resampled.append(rng.multinomial(counts.sum(), fitted / fitted.sum()))
        matrices.append([rng.dirichlet(row + ROW_PRIOR) if row.any() else row for row in confusion])
    draws = _most_likely(np.array(resampled, float), _row_shares(np.array(matrices, float)), iterations=300)
    return tuple(np.percentile(draws, [2.5, 97.5], axis=0))


def coverage_of_a_rare_type(labelled_per_type: int, seed: int) -> dict[str, np.ndarray]:
    """Coverage and mean width of the corrected shares' interval where type A is rare in the sample and seldom called
    of other types, a matrix of ``labelled_per_type`` crops a type."""
    rng = np.random.default_rng(seed)
    hits = {name: np.zeros(3) for name in ("calls resampled", "shares drawn")}
    widths = {name: np.zeros(3) for name in hits}
    never_called = 0
    for repeat in range(REPEATS):
        counts = rng.multinomial(RARE_CHROMOSOMES, RARE_TRUTH @ RARE_ERRORS)
        never_called += counts[0] == 0
        confusion = np.array([rng.multinomial(labelled_per_type, row) for row in RARE_ERRORS])
        for name, (low, high) in (("calls resampled", calls_resampled(counts, confusion, BOOTSTRAP, repeat)),
                                  ("shares drawn", corrected_with_ci(counts, confusion, BOOTSTRAP, seed=repeat)[1:])):
            hits[name] += covers(low, high, RARE_TRUTH)
            widths[name] += high - low
    return {name: hit / REPEATS for name, hit in hits.items()} | {
        f"{name} width": width / REPEATS for name, width in widths.items()} | {"never called A": never_called / REPEATS}


def coverage_of_few_labelled(labelled_per_type: int, seed: int) -> dict[str, np.ndarray]:
    """Coverage of the corrected shares' interval, 8 cells alike, a matrix of ``labelled_per_type`` crops a type."""
    rng = np.random.default_rng(seed)
    hits = {name: np.zeros(3) for name in ("rows resampled", "rows drawn")}
    for repeat in range(REPEATS):
        counts = sample_calls(rng, 8, np.inf).sum(axis=0)
        confusion = np.array([rng.multinomial(labelled_per_type, row) for row in ERRORS])
        hits["rows resampled"] += covers(*rows_resampled(counts, confusion, BOOTSTRAP, seed=repeat), TRUTH)
        hits["rows drawn"] += covers(*corrected_with_ci(counts, confusion, BOOTSTRAP, seed=repeat)[1:], TRUTH)
    return {name: hit / REPEATS for name, hit in hits.items()}


def main() -> None:
    print(f"{REPEATS} samples a row; coverage of A / B / C by each 95% interval")
    print("cells  alpha  " + "  ".join(f"{name:>18}" for name in ("Wilson", "raw, cells", "corrected",
                                                                   "corrected, cells")))
    for n_cells, alpha in ((4, 20.0), (8, 20.0), (16, 20.0), (8, 5.0), (8, np.inf)):
        figures = coverage(n_cells, alpha, seed=n_cells)
        print(f"{n_cells:>5}  {alpha:>5}  " + "  ".join(f"{' / '.join(f'{100 * v:.0f}' for v in f):>18}"
                                                        for f in figures.values()), flush=True)
    print("\nthe corrected shares, 8 cells alike, by a matrix of few labelled crops a type")
    print("labelled a type  " + "  ".join(f"{name:>18}" for name in ("rows resampled", "rows drawn")))
    for labelled in (3, 5, 10, 30, 100):
        figures = coverage_of_few_labelled(labelled, seed=labelled)
        print(f"{labelled:>15}  " + "  ".join(f"{' / '.join(f'{100 * v:.0f}' for v in f):>18}"
                                             for f in figures.values()), flush=True)
    print(f"\ntype A rare ({100 * RARE_TRUTH[0]:.0f}%) and seldom called of others, {RARE_CHROMOSOMES} chromosomes; "
          "coverage (mean width, points) of A / B / C")
    print("labelled a type  never called A  " + "  ".join(f"{name:>34}" for name in ("calls resampled",
                                                                                       "shares drawn")))
    for labelled in (4, 8, 30):
        figures = coverage_of_a_rare_type(labelled, seed=labelled)
        shown = {name: " / ".join(f"{100 * c:.0f} ({100 * w:.0f})" for c, w in zip(figures[name],
                                                                                 figures[f"{name} width"]))
                 for name in ("calls resampled", "shares drawn")}
        print(f"{labelled:>15}  {100 * figures['never called A']:>13.0f}%  "
              + "  ".join(f"{text:>34}" for text in shown.values()), flush=True)


if __name__ == "__main__":
    main()
