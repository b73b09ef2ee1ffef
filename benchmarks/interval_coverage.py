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

Run: ``.venv/bin/python benchmarks/interval_coverage.py`` (under a minute on a 2-core CPU).
Figures: README, "Do the intervals hold where cells differ?".
"""

from __future__ import annotations

import numpy as np

from sccscore.stats import corrected_with_ci, proportions_with_ci, proportions_with_clustered_ci

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


def main() -> None:
    print(f"{REPEATS} samples a row; coverage of A / B / C by each 95% interval")
    print("cells  alpha  " + "  ".join(f"{name:>18}" for name in ("Wilson", "raw, cells", "corrected",
                                                                   "corrected, cells")))
    for n_cells, alpha in ((4, 20.0), (8, 20.0), (16, 20.0), (8, 5.0), (8, np.inf)):
        figures = coverage(n_cells, alpha, seed=n_cells)
        print(f"{n_cells:>5}  {alpha:>5}  " + "  ".join(f"{' / '.join(f'{100 * v:.0f}' for v in f):>18}"
                                                        for f in figures.values()), flush=True)


if __name__ == "__main__":
    main()
