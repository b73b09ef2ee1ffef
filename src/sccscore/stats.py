"""Statistics for comparing the A/B/C distributions of samples.

Counts are of chromosomes. Chromosomes of one cell are not independent, so
chromosome-level p-values overstate the evidence when cells differ; they are
what the field reports, and are labelled as chromosome-level wherever shown.

Tests (each against scipy or statsmodels, see ``tests/test_stats.py``):

- chi-square test of the 2 x 3 table (reference vs sample);
- linear-by-linear (Cochran-Armitage) trend test for a shift along A < B < C;
- the p of both computed exactly (:func:`exact_chi2_p`, :func:`exact_trend_p`) where a
  type is expected fewer than 5 times in a sample, too few for their asymptotic curves;
- per-type Fisher exact tests, Holm-corrected;
- effect sizes: difference in the B+C ("open") fraction with its Newcombe
  interval, and Cramer's V;
- chromosomes per sample needed to detect that B+C difference with 80% power;
- with several samples against one reference, Holm's correction of their
  chi-square (and cells' Mann-Whitney) p-values (:func:`holm`), as
  :func:`sccscore.compare.compare` applies it;
- where cells are known, the same B+C question at cell level
  (:func:`compare_cells`): a Mann-Whitney test of the cells' B+C fractions, a
  cluster-bootstrap interval that resamples whole cells, and the cells per
  sample needed to detect that difference with 80% power;
- where replicates (independent experiments) are known, the same question at
  replicate level (:func:`compare_replicates`): each replicate's mean B+C per
  cell, compared by a t-test, paired where both samples have the same
  replicates (the SuperPlots analysis of Lord et al., J Cell Biol 2020).

:func:`clustered_interval` gives a pooled share's interval with its clusters (the spreads
of a detection figure) as the independent units (Korn and Graubard 1998);
:func:`proportions_with_clustered_ci` gives a sample's A/B/C shares such intervals with its
cells as the units.

:func:`corrected_distribution` estimates the true distribution of a sample from
its predicted counts and the classifier's confusion matrix measured on
labelled images (maximum likelihood, EM), with bootstrap intervals;
:func:`cross_fitted_correction` checks it on labelled images without letting
any image correct itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from math import comb
from typing import Any

import numpy as np
from scipy.special import ndtri

from .images import CLASS_NAMES
from .metrics import confusion_matrix

ALPHA = 0.05
POWER = 0.8
MIN_CELLS = 4  # per sample: with 3 and 3 the Mann-Whitney test's smallest two-sided p is 0.1
MIN_REPLICATES = 2  # per sample: the fewest a t-test can use
CELL_BOOTSTRAP = 2000  # draws of whole cells for the interval of the cells' B+C difference (compare_cells)
MIN_EXPECTED = 5  # chromosomes of a type expected in a sample: below, chi-square and trend p are exact (Cochran)
# chromosomes a sample below which power is counted exactly (Fisher's test over every outcome: 0.1 s at 49), where the
# normal curve of Cohen's h promises more than an exact test gives
EXACT_POWER_BELOW = 50
EXACT_SPLITS = 100_000  # the Mann-Whitney test counts every split of up to this many (9 cells against 9: 0.4 s)
# labelled images added to each cell of a confusion matrix's row before its shares are drawn: Jeffreys' prior, so that
# a row of three images all called B is not read as a type never called otherwise
ROW_PRIOR = 0.5


def proportions_with_ci(counts: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fractions of each type with Wilson 95% intervals.

    Examples
    --------
    >>> fractions, low, high = proportions_with_ci([60, 30, 10])
    >>> fractions.tolist(), round(float(low[2]), 4), round(float(high[2]), 4)
    ([0.6, 0.3, 0.1], 0.0552, 0.1744)
    """
    counts = np.asarray(counts)
    total = counts.sum()
    fractions = counts / total
    # scipy's binomtest(...).proportion_ci(method="wilson"), its sums in its order, to the last bit (a test compares
    # them), and statsmodels' proportion_confint to 1e-15: importing scipy.stats (or statsmodels, which brings in
    # pandas) took a second of every classify. Its bounds for 0 and for all of n are exactly 0 and 1, where
    # statsmodels' rounding put 0 of 141's lower bound at 1.7e-18, past the share a chart's bar spans
    z = ndtri(1 - ALPHA / 2)
    denominator = 2 * (total + z**2)
    centre = (2 * total * fractions + z**2) / denominator
    half_width = z / denominator * np.sqrt(4 * total * fractions * (1 - fractions) + z**2)
    low = np.where(counts == 0, 0.0, centre - half_width)
    high = np.where(counts == total, 1.0, centre + half_width)
    return fractions, low, high


def agreement_interval(agree: int, n: int) -> list[float]:
    """Wilson 95% interval of a share of agreement with the labels (a concordance): ``agree`` of ``n`` images.

    How far the concordance measured on this many labelled images could lie from the
    model's on images like them: on 100 crops, about 9 points either way.

    Examples
    --------
    >>> [round(v, 4) for v in agreement_interval(356, 489)]
    [0.6869, 0.7656]
    """
    _, low, high = proportions_with_ci([agree, n - agree])
    return [float(low[0]), float(high[0])]


def effective_size(successes: Sequence[int], totals: Sequence[int]) -> float:
    """The number of independent units a pooled share of clustered units is worth: Korn and Graubard's effective
    sample size (:func:`clustered_interval`), with ``k - 1`` degrees of freedom for ``k`` clusters.

    The units' number divided by the design effect (taken as 1 at the least), then shrunk by
    ``(t(n - 1) / t(k - 1))^2``.
    ``k`` must be 2 or more (ValueError otherwise).

    Examples
    --------
    >>> round(effective_size([41, 100, 47, 46], [50, 102, 47, 50]), 1)  # 249 chromosomes in 4 spreads
    16.3
    """
    from scipy import stats as scipy_stats

    y, n = np.asarray(successes, float), np.asarray(totals, float)
    total, k = n.sum(), len(n)
    if k < 2:
        raise ValueError(f"an interval with clusters as the units needs 2 clusters or more, not {k}")
    share = y.sum() / total
    variance = k / (k - 1) * np.sum((y - share * n) ** 2) / total**2  # between clusters (Taylor linearisation)
    effective = total if variance == 0 or share in (0, 1) else min(total, share * (1 - share) / variance)
    few_clusters = scipy_stats.t.ppf(1 - ALPHA / 2, total - 1) / scipy_stats.t.ppf(1 - ALPHA / 2, k - 1)
    return float(effective * few_clusters**2)


def clustered_interval(successes: Sequence[int], totals: Sequence[int]) -> list[float]:
    """95% interval of a pooled share whose units come in clusters (chromosomes in spreads), the clusters
    taken as the independent units: Korn and Graubard's (Survey Methodology 1998) Clopper-Pearson interval
    on the effective sample size, with ``k - 1`` degrees of freedom for ``k`` clusters.

    The effective size (:func:`effective_size`) is the chromosomes' number divided by the design effect (how much
    more the clusters' shares vary than independent chromosomes' would; never taken below 1), then shrunk by
    ``(t(n - 1) / t(k - 1))^2``: with four spreads, to a sixth or less. It stays within 0 and 1.
    One cluster says nothing of another: ``k`` must be 2 or more (ValueError otherwise).

    Examples
    --------
    >>> [round(v, 3) for v in clustered_interval([41, 100, 47, 46], [50, 102, 47, 50])]  # the recall of 4 spreads
    [0.704, 0.999]
    """
    from scipy import stats as scipy_stats

    share = np.sum(successes) / np.sum(totals)
    effective = effective_size(successes, totals)
    x = share * effective
    low = scipy_stats.beta.ppf(ALPHA / 2, x, effective - x + 1) if x > 0 else 0.0
    high = scipy_stats.beta.ppf(1 - ALPHA / 2, x + 1, effective - x) if x < effective else 1.0
    return [float(low), float(high)]


def proportions_with_clustered_ci(per_cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% intervals of a sample's A/B/C shares with its cells as the units (:func:`clustered_interval`).

    ``per_cell``: (cells, types) counts. Cells differ more than chromosomes drawn at random would,
    so these are wider than :func:`proportions_with_ci`'s, and from few cells far wider.

    Examples
    --------
    >>> low, high = proportions_with_clustered_ci(np.array([[40, 5, 2], [30, 10, 5], [20, 20, 10], [35, 8, 4]]))
    >>> low.round(3).tolist(), high.round(3).tolist()
    ([0.288, 0.06, 0.028], [0.926, 0.502, 0.272])
    """
    per_cell = np.asarray(per_cell)
    totals = per_cell.sum(axis=1)
    low, high = map(np.array, zip(*(clustered_interval(per_cell[:, k], totals) for k in range(per_cell.shape[1]))))
    shares = per_cell.sum(axis=0) / totals.sum()
    return np.minimum(low, shares), np.maximum(high, shares)  # a chart's bars need the share within its interval


def compare_counts(reference: Sequence[int], sample: Sequence[int]) -> dict[str, Any]:
    """Tests and effect sizes of a sample's A/B/C counts against the reference's."""
    from scipy import stats as scipy_stats
    from scipy.stats.contingency import association
    from statsmodels.stats.contingency_tables import Table
    from statsmodels.stats.proportion import confint_proportions_2indep

    table = np.array([reference, sample], dtype=np.int64)
    observed = table[:, table.sum(axis=0) > 0]  # a type seen in neither sample carries no information
    chi2, chi2_p, _, expected = scipy_stats.chi2_contingency(observed, correction=False)
    exact = bool(expected.min() < MIN_EXPECTED)  # too few of a type for the tests' curves: count every table
    if exact:
        chi2_p = exact_chi2_p(observed)
    scores = np.flatnonzero(table.sum(axis=0) > 0).astype(float)  # A=0, B=1, C=2
    trend_z, trend_p = 0.0, 1.0  # one type seen in both samples: no shift, and every permutation gives the same
    if observed.shape[1] > 1:
        trend = Table(observed).test_ordinal_association(row_scores=np.array([0.0, 1.0]), col_scores=scores)
        trend_z, trend_p = float(trend.zscore), exact_trend_p(observed, scores) if exact else float(trend.pvalue)
    fisher = [
        scipy_stats.fisher_exact([[row[t], row.sum() - row[t]] for row in table]).pvalue
        for t in range(table.shape[1])
    ]
    fisher_holm = holm(fisher)
    (ref_n, n), (ref_open, open_) = table.sum(axis=1), table[:, 1:].sum(axis=1)
    low, high = confint_proportions_2indep(open_, n, ref_open, ref_n, method="newcomb", compare="diff")
    difference = open_ / n - ref_open / ref_n
    return {
        "chi2": float(chi2),
        "chi2_p": float(chi2_p),
        "p_exact": exact,  # chi2_p and trend_p computed exactly: a type is expected too few times for their curves
        "trend_z": trend_z,
        "trend_p": trend_p,
        "fisher_p": [float(p) for p in fisher],
        "fisher_p_holm": [float(p) for p in fisher_holm],
        "bc_difference": float(difference),
        "bc_difference_ci": [float(low), float(high)],
        "cramers_v": float(association(observed, method="cramer")) if observed.shape[1] > 1 else 0.0,
        "n_for_80pct_power": chromosomes_for_power(ref_open / ref_n, open_ / n),
    }


def exact_chi2_p(table: Sequence[Sequence[int]]) -> float:
    """The chi-square test's p of a 2 x k table, computed exactly instead of from the chi-square curve.

    The probability, with the table's row and column totals fixed (multivariate
    hypergeometric), of a table whose chi-square statistic is at least the observed
    one: the test the curve approximates, and what :func:`compare_counts` gives where
    some type is expected fewer than :data:`MIN_EXPECTED` times, too few for the curve.

    Examples
    --------
    >>> round(exact_chi2_p([[3, 1, 0], [0, 2, 2]]), 4)
    0.2286
    """
    table = _smaller_row_first(table)
    table = table[:, table.sum(axis=0) > 0]  # a type neither sample has adds nothing to the statistic
    rows, columns = table.sum(axis=1), table.sum(axis=0)
    expected = np.outer(rows, columns) / columns.sum()
    chi2 = lambda first: (((first - expected[0]) ** 2 / expected[0]).sum(axis=-1)  # noqa: E731
                          + ((columns - first - expected[1]) ** 2 / expected[1]).sum(axis=-1))
    return _exact_p(table, chi2)


def exact_trend_p(table: Sequence[Sequence[int]], scores: Sequence[float]) -> float:
    """The linear-by-linear trend test's two-sided p of a 2 x k table, computed exactly, as :func:`exact_chi2_p`.

    The statistic is the second row's total score (types scored ``scores``, A < B < C),
    as far from its expectation as observed, either way.

    Examples
    --------
    >>> round(exact_trend_p([[3, 1, 0], [0, 2, 2]], [0, 1, 2]), 4)
    0.0857
    """
    table = _smaller_row_first(table)
    scores = np.asarray(scores, dtype=float)
    rows, columns = table.sum(axis=1), table.sum(axis=0)
    centre = rows[1] * (columns @ scores) / columns.sum()  # either row's deviation: the other's, negated
    return _exact_p(table, lambda first: np.abs((columns - first) @ scores - centre))


def _smaller_row_first(table: Sequence[Sequence[int]]) -> np.ndarray:
    """The table with its smaller sample first: :func:`_exact_p` enumerates the first row's counts."""
    table = np.asarray(table, dtype=np.int64)
    return table[::-1] if table[0].sum() > table[1].sum() else table


def _exact_p(table: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray]) -> float:
    """The probability, with the totals of a 2 x k ``table`` fixed, of a table whose ``statistic`` (of its first row,
    vectorised over rows) is at least the observed one.

    Every table of those totals is counted: where a type is expected fewer than
    :data:`MIN_EXPECTED` times, at most about five times as many as the chromosomes, the
    smaller sample first; far more for large tables of common types, which the curves fit.
    """
    from scipy import stats as scipy_stats

    rows, columns = table.sum(axis=1), table.sum(axis=0)
    if np.count_nonzero(columns) < 2:
        return 1.0
    order = np.argsort(columns, kind="stable")  # the largest type last: it is set by the others
    free = np.stack(np.meshgrid(*(np.arange(min(c, rows[0]) + 1) for c in columns[order[:-1]]), indexing="ij"),
                    axis=-1).reshape(-1, len(columns) - 1)
    last = rows[0] - free.sum(axis=1)
    fits = (last >= 0) & (last <= columns[order[-1]])
    firsts = np.empty((int(fits.sum()), len(columns)), dtype=np.int64)
    firsts[:, order] = np.column_stack([free[fits], last[fits]])
    probabilities = scipy_stats.multivariate_hypergeom.pmf(firsts, columns, rows[0])
    # tables as extreme as the observed, their statistic equal but for rounding
    as_extreme = statistic(firsts) >= statistic(table[0]) * (1 - 1e-9) - 1e-12
    return float(min(1.0, probabilities[as_extreme].sum()))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values: the family-wise error stays at 5% over the tests together.

    The smallest p is multiplied by the number of tests, the next by one fewer, and so on,
    each kept at least as large as the one before and at most 1: statsmodels'
    ``multipletests(method="holm")`` (``tests/test_stats.py`` checks them alike), which
    runs a full garbage collection on every call, 0.26 s once torch and a model are loaded.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values, kind="stable")
    steps = p_values[order] * (len(p_values) - np.arange(len(p_values)))
    adjusted = np.empty_like(p_values)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return [float(p) for p in adjusted]


def chromosomes_for_power(p_reference: float, p_sample: float) -> int | None:
    """Chromosomes per sample to detect ``p_reference`` vs ``p_sample`` (two-sided, 5%, 80% power).

    Uses Cohen's arcsine effect size h; None when the two are equal. Where that asks
    fewer than :data:`EXACT_POWER_BELOW`, the least number from there on whose power with
    Fisher's exact test, counted over every outcome (:func:`fisher_power`), reaches 80%:
    the normal curve asks 2 a sample for 0% against 100%, where no test of 2 against 2
    can reach p < 0.05.

    Examples
    --------
    >>> chromosomes_for_power(0.36, 0.81), chromosomes_for_power(0.0, 1.0)
    (22, 4)
    """
    from statsmodels.stats.proportion import proportion_effectsize

    effect = proportion_effectsize(p_sample, p_reference)
    if effect == 0:
        return None
    # each arcsine-transformed share has variance 1/n; the closed form, as statsmodels' root finder returns NaN for
    # the largest effects (all A against all B+C)
    z = ndtri(1 - ALPHA / 2) + ndtri(POWER)
    n = int(np.ceil(2 * (z / effect) ** 2))
    return next((m for m in range(n, EXACT_POWER_BELOW) if fisher_power(p_reference, p_sample, m) >= POWER), max(
        n, EXACT_POWER_BELOW))


def fisher_power(p_reference: float, p_sample: float, n: int) -> float:
    """The power of Fisher's exact test (two-sided, p < 0.05) with ``n`` chromosomes a sample, where their shares of
    a type are ``p_reference`` and ``p_sample``: the chance of every outcome whose test rejects, summed.

    Each column total ``k`` fixes the test's hypergeometric distribution of the first sample's count; an outcome's
    p-value is the chance of those no likelier than it (as scipy's ``fisher_exact`` counts it).

    Examples
    --------
    >>> round(fisher_power(0.0, 1.0, 3), 3), round(fisher_power(0.0, 1.0, 4), 3)  # 2 / C(6, 3) = 0.1, 2 / C(8, 4)
    (0.0, 1.0)
    """
    from scipy.stats import binom, hypergeom

    rejects = np.zeros((n + 1, n + 1))
    for k in range(2 * n + 1):
        first = np.arange(max(0, k - n), min(k, n) + 1)
        chances = hypergeom.pmf(first, 2 * n, k, n)
        p_values = np.array([chances[chances <= chance * (1 + 1e-7)].sum() for chance in chances])
        rejects[first, k - first] = p_values < ALPHA
    counts = np.arange(n + 1)
    return float(binom.pmf(counts, n, p_reference) @ rejects @ binom.pmf(counts, n, p_sample))


def corrected_distribution(predicted_counts: Sequence[int], confusion: np.ndarray,
                           iterations: int = 1000) -> np.ndarray:
    """Maximum-likelihood true distribution given predicted counts and a confusion matrix.

    ``confusion`` has reference types in rows and predicted types in columns
    (counts from labelled images the model did not train on). With M the
    row-normalised matrix, predictions follow ``q = M^T p``; EM finds the ``p``
    on the simplex that makes the observed predictions most likely, which,
    unlike inverting M, never gives a negative share.

    Examples
    --------
    >>> confusion = np.array([[80, 20, 0], [10, 80, 10], [0, 20, 80]])
    >>> corrected_distribution([510, 380, 110], confusion).round(3).tolist()
    [0.6, 0.3, 0.1]
    """
    counts = np.asarray(predicted_counts, dtype=float)
    return _most_likely(counts[None], _row_shares(np.asarray(confusion, dtype=float))[None], iterations)[0]


def cannot_correct(confusion: np.ndarray, predicted_counts: Sequence[Sequence[int]],
                   classes: Sequence[str] = CLASS_NAMES) -> str | None:
    """Why ``confusion`` cannot correct the calls ``predicted_counts`` (a row of counts a sample), in words; None
    where it can.

    Calls of a type that no labelled image in the matrix was given have no explanation
    in it: the most likely shares would leave them out, and not add up to one. And where
    two labelled types' rows are alike, or one is a mix of the others (all called B, as by
    a model validated on three images), any split between those types explains the calls
    as well as another: the estimate is arbitrary, and its bootstrap interval, around it,
    says nothing. A model validated on too few images gives such matrices.

    Examples
    --------
    >>> cannot_correct([[8, 2, 0], [1, 9, 0], [0, 2, 8]], [[50, 30, 20]]) is None
    True
    >>> print(cannot_correct([[8, 2, 0], [1, 9, 0], [0, 10, 0]], [[50, 30, 20]]))
    no labelled image in its confusion matrix was called C, as 20 of the calls are: it cannot say what they were
    >>> print(cannot_correct([[0, 1, 0], [0, 1, 0], [0, 1, 0]], [[0, 10, 0]]))
    its confusion matrix does not tell the labelled types apart: two are called alike, or one as a mix of others
    """
    confusion = np.asarray(confusion, dtype=float)
    calls = np.asarray(predicted_counts).sum(axis=0)
    unexplained = [(name, int(n)) for name, column, n in zip(classes, confusion.sum(axis=0), calls) if n and not column]
    if unexplained:
        return (f"no labelled image in its confusion matrix was called {' or '.join(name for name, _ in unexplained)}, "
                f"as {sum(n for _, n in unexplained)} of the calls are: it cannot say what they were")
    labelled = confusion.sum(axis=1) > 0
    if np.linalg.matrix_rank(_row_shares(confusion[labelled])) < labelled.sum():
        return ("its confusion matrix does not tell the labelled types apart: two are called alike, or one as a mix of "
                "others")
    return None


def _row_shares(confusion: np.ndarray) -> np.ndarray:
    """Each row of a confusion matrix (or of a stack of them) as shares; a row never labelled stays zeros."""
    return confusion / np.maximum(confusion.sum(axis=-1, keepdims=True), 1)


def _most_likely(counts: np.ndarray, rates: np.ndarray, iterations: int) -> np.ndarray:
    """EM of :func:`corrected_distribution` for a batch at once: ``counts`` (batch, types) of predictions,
    ``rates`` (batch, types, types) row shares. Each estimate stops where its own step falls below 1e-10,
    as it would alone; a bootstrap's thousand draws then cost a few hundred array steps, not Python loops."""
    estimate = np.full(counts.shape, 1 / counts.shape[1])
    active = np.arange(len(counts))
    for _ in range(iterations):
        current, shares, observed = estimate[active], rates[active], counts[active]
        expected = np.einsum("bk,bkj->bj", current, shares)  # share of each predicted type
        responsibility = current[:, :, None] * shares / np.where(expected > 0, expected, 1)[:, None, :]
        updated = np.einsum("bkj,bj->bk", responsibility, observed) / observed.sum(axis=1, keepdims=True)
        estimate[active] = updated
        active = active[np.abs(updated - current).max(axis=1) >= 1e-10]
        if not len(active):
            break
    return estimate


def corrected_with_ci(
    predicted_counts: Sequence[int], confusion: np.ndarray, n_boot: int = 1000, seed: int = 0,
    per_cell: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`corrected_distribution` with 95% percentile bootstrap intervals.

    Both sources of uncertainty are drawn: the sample's predictions, and the
    shares of each row of the confusion matrix from what its labelled images
    say of them (Dirichlet, with :data:`ROW_PRIOR`). Resampling a row's images
    instead (multinomial with the observed shares) never called them a type
    none of them was called: with a few images a row, as from a model
    validated on three a type, the interval came out far narrower than the
    matrix allows (A 22-81% where the draws give 0-94%). With hundreds a row
    the two agree within a few points.

    The predicted shares are drawn about the estimate's own (a parametric
    bootstrap): where the estimate is inside the simplex these are the
    observed shares, but where it sits on an edge (10 chromosomes all called
    A, by a model that calls a fifth of A chromosomes B or C), drawing from
    the observed shares gave every draw the same estimate, and an interval of
    zero width. They are drawn from a Dirichlet with Jeffreys' half a call
    added to each type, not as calls from a multinomial: a type the sample
    was never called, by a model never seen to call another type it (a
    validation of a few images a type), was otherwise never called in any
    draw, and its interval was 0-0%. In simulation (the third table of
    benchmarks/interval_coverage.py) such an interval held a true share of 3%
    in 73-89% of samples, and now in all 200; its first two tables moved
    within their noise.

    Where the sample's cells are known (``per_cell``, (cells, types) counts
    of its calls, 2 cells or more), each draw has as many calls as the cells
    are worth: the smallest of the types' :func:`effective_size`, as
    :func:`proportions_with_clustered_ci` takes it. Cells differ more than
    chromosomes drawn at random would, so the interval widens with them.

    Examples
    --------
    >>> confusion = np.array([[80, 15, 5], [10, 80, 10], [5, 20, 75]])
    >>> estimate, low, high = corrected_with_ci([10, 0, 0], confusion)
    >>> estimate.round(2).tolist(), low.round(2).tolist(), high.round(2).tolist()
    ([1.0, 0.0, 0.0], [0.53, 0.0, 0.0], [1.0, 0.4, 0.34])
    >>> never_called_a = np.array([[4, 0, 0], [0, 1, 1], [0, 0, 2]])  # no B or C image called A in validation
    >>> estimate, low, high = corrected_with_ci([0, 3, 27], never_called_a)  # and no A call among 30
    >>> float(estimate[0]), round(float(low[0]), 3), round(float(high[0]), 3)
    (0.0, 0.0, 0.059)
    """
    rng = np.random.default_rng(seed)
    counts = np.asarray(predicted_counts)
    confusion = np.asarray(confusion)
    estimate = corrected_distribution(counts, confusion)
    # the predicted shares the estimate explains; a type never labelled adds none
    fitted = estimate @ _row_shares(confusion)
    n_calls = counts.sum() if per_cell is None else _calls_the_cells_are_worth(np.asarray(per_cell))
    resampled, matrices = [], []
    for _ in range(n_boot):  # drawn in this order, so that a seed gives the same intervals each run
        resampled.append(n_calls * rng.dirichlet(n_calls * fitted / fitted.sum() + ROW_PRIOR))
        # a type never labelled keeps its row of zeros: nothing is corrected into it
        matrices.append([rng.dirichlet(row + ROW_PRIOR) if row.any() else row for row in confusion])
    draws = _most_likely(np.array(resampled, float), _row_shares(np.array(matrices, float)), iterations=300)
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    return estimate, low, high


def _calls_the_cells_are_worth(per_cell: np.ndarray) -> int:
    totals = per_cell.sum(axis=1)
    worth = min(effective_size(per_cell[:, k], totals) for k in range(per_cell.shape[1]))
    return max(1, round(worth))  # a draw of one call at least: from two cells that disagree, an interval of 0-100%


def cross_fitted_correction(true: np.ndarray, predicted: np.ndarray, n_classes: int, n_folds: int = 5,
                            seed: int = 0) -> np.ndarray:
    """Corrected distribution of a labelled set, each fold corrected by the confusion matrix of the others.

    The honest check of :func:`corrected_distribution`: no image's own label
    enters the matrix that corrects it. Folds are stratified by label; the
    result is the fold estimates weighted by fold size. A single small fold's
    estimate is noisy (the bootstrap interval of :func:`corrected_with_ci` says
    how noisy); averaging over the folds shows whether the correction removes
    the classifier's bias. A fold whose matrix cannot correct its calls
    (:func:`cannot_correct`) keeps its raw shares, as ``compare`` would.
    """
    true, predicted = np.asarray(true), np.asarray(predicted)
    rng = np.random.default_rng(seed)
    by_label = np.concatenate([rng.permutation(np.flatnonzero(true == c)) for c in range(n_classes)])
    fold = np.empty(len(true), int)
    fold[by_label] = np.arange(len(true)) % n_folds
    total = np.zeros(n_classes)
    for f in range(min(n_folds, len(true))):
        held_out = fold == f
        confusion = confusion_matrix(true[~held_out], predicted[~held_out], n_classes)
        calls = np.bincount(predicted[held_out], minlength=n_classes)
        if cannot_correct(confusion, [calls]):  # a few labelled images: the shares it gave did not add up to one
            total += calls
        else:
            total += held_out.sum() * corrected_distribution(calls, confusion)
    return total / len(true)


def compare_cells(
    reference: Sequence[Sequence[int]], sample: Sequence[Sequence[int]], n_boot: int = CELL_BOOTSTRAP,
    seed: int = 0
) -> dict[str, Any]:
    """Cell-level comparison of the B+C (open) fraction; each argument is A/B/C counts per cell.

    The cell, not the chromosome, is the independent unit: the Mann-Whitney test
    compares the cells' B+C fractions, and the interval of the difference in
    pooled B+C fraction comes from resampling whole cells (cluster bootstrap). With
    fewer than :data:`MIN_CELLS` cells in a sample there is no interval (None): three
    cells resample into only ten different sets, and the interval would be far too narrow.
    """
    reference, sample = np.asarray(reference), np.asarray(sample)
    fractions = [cells[:, 1:].sum(axis=1) / cells.sum(axis=1) for cells in (reference, sample)]
    pooled = lambda cells: cells[:, 1:].sum() / cells.sum()  # noqa: E731
    interval = None
    if min(len(reference), len(sample)) >= MIN_CELLS:
        rng = np.random.default_rng(seed)
        draws = [pooled(sample[rng.integers(0, len(sample), len(sample))])
                 - pooled(reference[rng.integers(0, len(reference), len(reference))]) for _ in range(n_boot)]
        interval = [float(bound) for bound in np.percentile(draws, [2.5, 97.5])]
    return {
        "n_cells_reference": int(len(reference)),
        "n_cells": int(len(sample)),
        "bc_fraction_per_cell_reference": _mean_sd(fractions[0]),
        "bc_fraction_per_cell": _mean_sd(fractions[1]),
        "bc_fractions_reference": [round(float(f), 4) for f in fractions[0]],  # each cell's, in the given order
        "bc_fractions": [round(float(f), 4) for f in fractions[1]],
        "mannwhitney_p": mann_whitney_p(fractions[0], fractions[1]),
        # the smallest two-sided p any split of these cells can give (all of one sample above all of the other)
        "mannwhitney_p_floor": min(1.0, 2 / comb(len(reference) + len(sample), len(sample))),
        "n_cells_for_80pct_power": cells_for_power(fractions[0], fractions[1]),
        "bc_difference": float(pooled(sample) - pooled(reference)),
        "bc_difference_ci": interval,
    }


def mann_whitney_p(reference_fractions: Sequence[float], sample_fractions: Sequence[float]) -> float:
    """The two-sided Mann-Whitney p of two samples' B+C fractions per cell, exact where the cells are few.

    Cells of equal fraction (ties) are common when each holds a few chromosomes, and with
    ties scipy's default falls back to the normal approximation, which for a handful of
    cells gives p below the smallest any split of them can give: 0.047 for 3 cells at 25%
    against 3 at 75%, whose splits give no less than 0.1. Up to :data:`EXACT_SPLITS`
    splits, every one is counted, ties and all; beyond, the approximation is close.

    Examples
    --------
    >>> round(mann_whitney_p([0.25, 0.25, 0.25], [0.75, 0.75, 0.75]), 4)
    0.1
    """
    from scipy import stats as scipy_stats

    splits = comb(len(reference_fractions) + len(sample_fractions), len(sample_fractions))
    method = scipy_stats.PermutationMethod(n_resamples=EXACT_SPLITS) if splits <= EXACT_SPLITS else "auto"
    return float(scipy_stats.mannwhitneyu(sample_fractions, reference_fractions, alternative="two-sided",
                                          method=method).pvalue)


def cells_for_power(reference_fractions: Sequence[float], sample_fractions: Sequence[float]) -> int | None:
    """Cells per sample for the Mann-Whitney test to detect this B+C difference (two-sided, 5%, 80% power).

    The two-sample t-test's number for the observed difference in mean B+C fraction
    per cell over the pooled standard deviation, divided by the Mann-Whitney test's
    efficiency relative to it on normal data (3 / pi), and never fewer than the 4
    cells without which that test cannot reach p < 0.05. A rough planning figure:
    the standard deviation comes from the cells scored. None where the means are
    equal or a sample has one cell.

    Examples
    --------
    >>> cells_for_power([0.30, 0.40, 0.35, 0.45], [0.50, 0.60, 0.55, 0.65])
    4
    >>> cells_for_power([0.30, 0.40, 0.35, 0.45], [0.40, 0.50, 0.45, 0.55])
    8
    """
    reference, sample = np.asarray(reference_fractions, float), np.asarray(sample_fractions, float)
    if min(len(reference), len(sample)) < 2:
        return None
    return _n_for_power(abs(sample.mean() - reference.mean()), _pooled_sd(reference, sample), MIN_CELLS,
                        efficiency=3 / np.pi)


def _pooled_sd(reference: np.ndarray, sample: np.ndarray) -> float:
    return float(np.sqrt(((len(reference) - 1) * reference.var(ddof=1) + (len(sample) - 1) * sample.var(ddof=1))
                         / (len(reference) + len(sample) - 2)))


def _n_for_power(difference: float, sd: float, minimum: int, efficiency: float = 1.0,
                 paired: bool = False) -> int | None:
    """Units per sample (pairs, if ``paired``) for a t-test to detect ``difference`` (two-sided, 5%, 80% power).

    Divided by the efficiency of the test used relative to the t-test, and never fewer
    than ``minimum``; None where there is no difference to detect.
    """
    from statsmodels.stats.power import TTestIndPower, TTestPower

    if difference == 0:
        return None
    effect = difference / sd if sd > 0 else np.inf
    t_test = TTestPower() if paired else TTestIndPower()
    power = t_test.power(effect, minimum * efficiency, ALPHA) if np.isfinite(effect) else 1.0
    # a difference clear enough for the fewest units: the root finder fails on such large effects, and the
    # noncentral t gives NaN where the power is 1 to machine precision (effects of about 8 SD and more)
    if np.isnan(power) or power >= POWER:
        return minimum
    return int(np.ceil(t_test.solve_power(effect_size=effect, alpha=ALPHA, power=POWER) / efficiency))


def compare_replicates(reference: dict[str, float], sample: dict[str, float]) -> dict[str, Any]:
    """Replicate-level comparison of the B+C fraction; each argument maps a replicate to its mean B+C per cell.

    Replicates (independent experiments: cultures, days, clones) are the units a knockout's
    effect must hold across; the cells of one replicate share its conditions. Where both
    samples have the same replicates (by name, at least 2) they are taken as paired (each
    replicate's sample and reference prepared together) and compared by a paired t-test,
    else by Welch's t-test. ``p`` is None where the test is undefined: every replicate
    of each sample (every pair's difference, if paired) is the same. ``bc_difference_ci`` is
    the test's interval cut to the -1 to 1 that a difference of two shares can take: from two
    replicates a sample it runs far past them (-5.67 to +4.57 for two pairs that differ by 0.96
    and 0.15), and cut it covers the true difference as often, without figures no sample has.
    """
    from scipy import stats as scipy_stats

    paired = set(reference) == set(sample) and len(sample) >= MIN_REPLICATES
    names = sorted(sample) if paired else None
    ours = np.array([sample[n] for n in names] if paired else list(sample.values()), float)
    theirs = np.array([reference[n] for n in names] if paired else list(reference.values()), float)
    sd = float(np.std(ours - theirs, ddof=1)) if paired else _pooled_sd(theirs, ours)
    defined = sd > 1e-9  # else scipy would give p = 0, and warn (0.5 - 0.2 and 0.6 - 0.3 differ by rounding)
    if defined:
        with warnings.catch_warnings():  # one sample's replicates alike: Welch's test is sound, scipy warns
            warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
            result = (scipy_stats.ttest_rel(ours, theirs) if paired else
                      scipy_stats.ttest_ind(ours, theirs, equal_var=False))
        low, high = np.clip(result.confidence_interval(), -1, 1)
    return {
        "paired": paired,
        "n_replicates": len(ours),
        "n_replicates_reference": len(theirs),
        "bc_mean": float(ours.mean()),
        "bc_mean_reference": float(theirs.mean()),
        "bc_difference": float(ours.mean() - theirs.mean()),
        "bc_difference_ci": [float(low), float(high)] if defined else None,
        "t": float(result.statistic) if defined else None,
        "p": float(result.pvalue) if defined else None,
        "n_pairs_higher": int((ours > theirs).sum()) if paired else None,
        "n_replicates_for_80pct_power": _n_for_power(abs(ours.mean() - theirs.mean()), sd, MIN_REPLICATES,
                                                     paired=paired),
    }


def _mean_sd(values: np.ndarray) -> dict[str, float]:
    return {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if len(values) > 1 else float("nan")}
