"""Statistics against textbook formulas and published values, and the comparison end to end."""

import csv
import html
import itertools
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import optimize as scipy_optimize
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from sccscore.cells import (
    OutsideCellsWarning,
    cell_counts,
    cell_replicates,
    cells_from_predictions,
    check_sheet,
    read_sheet,
    replicate_arrays,
)
from sccscore.compare import (
    cell_verdict,
    compare,
    compare_table,
    confusion_from,
    correction_caution,
    share_intervals,
    shares_with_intervals,
    too_few_cells_verdict,
    trend_towards,
)
from sccscore.cli import _print_compare_command
from sccscore.config import ModelConfig
from sccscore.errors import SccscoreError
from sccscore.predictions_table import (
    counts_from_rows,
    join_predictions,
    read_predictions,
)
from sccscore.stats import (
    _most_likely,
    agreement_interval,
    cells_for_power,
    chromosomes_for_power,
    fisher_power,
    clustered_interval,
    compare_cells,
    compare_counts,
    compare_replicates,
    corrected_distribution,
    corrected_with_ci,
    cross_fitted_correction,
    exact_chi2_p,
    exact_trend_p,
    holm,
    proportions_with_ci,
    proportions_with_clustered_ci,
)

# The shared crops' labels: WT and CTF18-/- counts of A, B, C
WT, CTF18 = np.array([312, 153, 24]), np.array([79, 239, 99])


def test_chi_square_and_cramers_v_follow_their_formulas():
    result = compare_counts(WT, CTF18)
    table = np.array([WT, CTF18])
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()
    assert result["chi2"] == pytest.approx(chi2)
    assert result["chi2_p"] == pytest.approx(scipy_stats.chi2.sf(chi2, df=2))
    assert result["cramers_v"] == pytest.approx(np.sqrt(chi2 / table.sum()))


def test_trend_test_is_the_linear_by_linear_statistic():
    """Cochran-Armitage / Mantel: z^2 = (N - 1) r^2, r the correlation of group and type scores."""
    result = compare_counts(WT, CTF18)
    table = np.array([WT, CTF18])
    groups = np.repeat([0, 0, 0, 1, 1, 1], table.ravel())
    types = np.repeat([0, 1, 2, 0, 1, 2], table.ravel())
    r = np.corrcoef(groups, types)[0, 1]
    assert result["trend_z"] ** 2 == pytest.approx((table.sum() - 1) * r**2)
    assert result["trend_p"] == pytest.approx(2 * scipy_stats.norm.sf(abs(result["trend_z"])))


def test_samples_of_one_type_alike_show_no_shift():
    """Both samples all type A: there is no shift to test, and every permutation of the chromosomes gives the same
    table. The trend test had divided by zero (p nan, with a warning) and the power read "None chromosomes"."""
    result = compare_counts([20, 0, 0], [15, 0, 0])
    assert (result["chi2_p"], result["trend_z"], result["trend_p"]) == (1.0, 0.0, 1.0)
    assert result["cramers_v"] == 0.0 and result["n_for_80pct_power"] is None
    assert result["bc_difference"] == 0.0


def _every_assignment_p(table, statistic):
    """The share of all ways to deal the chromosomes into the two samples (of their sizes) whose statistic is at least
    the observed one: the exact p by brute force, each chromosome dealt, not each table counted."""
    table = np.array(table)
    types = np.repeat(np.tile(np.arange(table.shape[1]), 2), table.ravel())
    observed = statistic(table)
    dealt = [np.array([np.bincount(types[np.isin(np.arange(len(types)), picked, invert=invert)],
                                   minlength=table.shape[1]) for invert in (True, False)])
             for picked in itertools.combinations(range(len(types)), table[1].sum())]
    return np.mean([statistic(t) >= observed - 1e-9 for t in dealt])


@pytest.mark.parametrize("table", [[[3, 1, 0], [0, 2, 2]], [[2, 1, 1], [0, 1, 3]], [[4, 2, 1], [1, 1, 3]],
                                   [[3, 1], [1, 3]], [[5, 0, 1], [0, 3, 0]]])
def test_exact_p_values_count_every_way_to_deal_the_chromosomes(table):
    chi2 = lambda t: scipy_stats.chi2_contingency(t[:, t.sum(axis=0) > 0], correction=False).statistic  # noqa: E731
    scores = np.arange(len(table[0]))
    trend = lambda t: abs(t[1] @ scores - t[1].sum() * (t.sum(axis=0) @ scores) / t.sum())  # noqa: E731
    assert exact_chi2_p(table) == pytest.approx(_every_assignment_p(table, chi2))
    assert exact_trend_p(table, scores) == pytest.approx(_every_assignment_p(table, trend))
    if len(table[0]) == 2:  # with equal totals, the chi-square and Fisher's tests order the tables alike
        assert exact_chi2_p(table) == pytest.approx(scipy_stats.fisher_exact(table).pvalue)


def test_chromosome_tests_are_exact_where_a_type_is_expected_fewer_than_five_times():
    """The chi-square curve is a poor guide to p with few of a type expected (Cochran's rule): 41 chromosomes with 3
    of type C read 0.22 from the curve, 0.26 counted exactly. Large counts keep the curve, as the paper reports."""
    few = compare_counts([20, 3, 1], [10, 5, 2])
    assert few["p_exact"] and few["chi2_p"] == pytest.approx(exact_chi2_p([[20, 3, 1], [10, 5, 2]]))
    assert few["chi2_p"] == pytest.approx(0.2594, abs=1e-4)
    assert few["trend_p"] == pytest.approx(exact_trend_p([[20, 3, 1], [10, 5, 2]], [0, 1, 2]))
    many = compare_counts(WT, CTF18)
    assert not many["p_exact"] and many["chi2_p"] == scipy_stats.chi2_contingency([WT, CTF18], correction=False).pvalue
    # a rare type among thousands still counts quickly: a few times as many tables as chromosomes
    rare = compare_counts([3000, 1500, 3], [800, 2400, 4])
    assert rare["p_exact"] and rare["chi2_p"] < 1e-200
    sentence = compare({"wt": np.array([20, 3, 1]), "ko": np.array([10, 5, 2])}, "wt")["tests"]["ko"]["verdict"]
    assert sentence.endswith("exact chi-square p = 0.26")


def test_holm_adjustment_is_statsmodels():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(0)
    for p_values in ([0.01, 0.04, 0.03], [0.02, 0.02, 0.5, 0.9], [0.3, 0.6], [0.04], rng.random(12) ** 3):
        assert holm(p_values) == pytest.approx(multipletests(p_values, method="holm")[1].tolist(), abs=1e-15)
    assert holm([]) == []


def test_fisher_tests_are_holm_corrected():
    result = compare_counts([3, 1, 0], [1, 3, 0])
    # Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 0.4857 (Agresti 2002, table 3.8)
    assert result["fisher_p"][0] == pytest.approx(0.485714, abs=1e-6)
    raw = np.array(result["fisher_p"])
    order = np.argsort(raw)
    stepped = np.minimum(1, np.maximum.accumulate(raw[order] * (len(raw) - np.arange(len(raw)))))
    np.testing.assert_allclose(np.array(result["fisher_p_holm"])[order], stepped)


def test_newcombe_interval_of_the_open_fraction_difference():
    """Newcombe (1998), Stat Med 17:873, example (a): 56/70 vs 48/80 -> 0.0524 to 0.3339."""
    result = compare_counts([32, 48, 0], [14, 56, 0])
    assert result["bc_difference"] == pytest.approx(0.2)
    assert result["bc_difference_ci"] == pytest.approx([0.0524, 0.3339], abs=1e-4)


def test_wilson_intervals():
    fractions, low, high = proportions_with_ci([81, 182])
    z = scipy_stats.norm.ppf(0.975)
    n, p = 263, 81 / 263
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert fractions[0] == pytest.approx(p)
    assert (low[0], high[0]) == pytest.approx((centre - half, centre + half))


def test_wilson_intervals_are_scipys_to_the_last_bit_and_statsmodels():
    """Computed in closed form, without importing scipy.stats at start-up: scipy's binomtest intervals bit for bit,
    for every count of every total up to 60 and of the shared crops' and spreads' totals (WT 489, CTF18-/- 417, 249
    chromosomes), 0 and all of n bounded exactly by 0 and 1; statsmodels' to 1e-15."""
    for n in [*range(1, 61), 249, 417, 489]:
        for k in range(n + 1):
            _, low, high = proportions_with_ci([k, n - k])
            assert (low[0], high[0]) == tuple(scipy_stats.binomtest(k, n).proportion_ci(0.95, "wilson"))
            assert (low[0], high[0]) == pytest.approx(proportion_confint(k, n, 0.05, "wilson"), abs=1e-15)
        assert proportions_with_ci([0, n])[1][0] == 0.0 and proportions_with_ci([n, 0])[2][0] == 1.0


def test_power_follows_cohens_h():
    """Each arcsine-transformed share has variance 1/n, so n = 2 ((z_0.975 + z_0.8) / h)^2 per sample."""
    h = 2 * np.arcsin(np.sqrt(0.5)) - 2 * np.arcsin(np.sqrt(0.4))
    n = 2 * ((scipy_stats.norm.ppf(0.975) + scipy_stats.norm.ppf(0.8)) / h) ** 2
    assert chromosomes_for_power(0.4, 0.5) == int(np.ceil(n)) == 388
    assert chromosomes_for_power(0.3, 0.3) is None
    # every chromosome A against every one open: h = pi, where statsmodels' solver gave NaN (a traceback in compare);
    # its closed form asks 2 a sample, but no test of 2 against 2 reaches p < 0.05: Fisher's first does at 4 (2 / 70)
    assert int(np.ceil(2 * (2.8016 / np.pi) ** 2)) == 2 and chromosomes_for_power(0.0, 1.0) == 4
    test = compare({"wt": np.array([10, 0, 0]), "ko": np.array([0, 0, 12])}, "wt")["tests"]["ko"]
    assert test["n_for_80pct_power"] == 4 and test["verdict"].startswith("ko shows more open chromosomes (B+C) than wt")


def test_types_that_differ_with_as_many_open_are_not_called_more_or_fewer_open():
    """The chi-square test reads the three types: B traded for C differs at p < 1e-20 with the same share open (B+C),
    which the verdict once called "fewer open chromosomes (B+C): 70% vs 70%"."""
    cells = {"wt": np.array([[3, 1, 6], [2, 1, 7], [4, 1, 5]] * 2),
             "ko": np.array([[3, 6, 1], [2, 7, 1], [4, 5, 1]] * 2)}  # 6 cells each, B traded for C
    test = compare({name: sample.sum(axis=0) for name, sample in cells.items()}, "wt", cells=cells)["tests"]["ko"]
    low, high = confint_proportions_2indep(42, 60, 42, 60, method="newcomb", compare="diff")
    assert test["bc_difference_ci"] == pytest.approx([low, high]) and low < 0 < high
    assert test["chi2_p"] == pytest.approx(scipy_stats.chi2_contingency([[18, 6, 36], [18, 36, 6]])[1])
    assert test["verdict"] == (
        "ko differs from wt in its types, not detectably in open chromosomes (B+C): A / B / C 30 / 60 / 10% vs "
        f"30 / 10 / 60%, B+C 70% vs 70% (difference {100 * low:+.1f} to {100 * high:+.1f} points, 95% CI), "
        f"chi-square p = {test['chi2_p']:.2g}")
    assert test["trend_z"] < 0 and trend_towards(test) == "A"  # C traded for B: towards A, though as many open
    # the cells are tested on B+C alone: they have no difference in it between chromosomes to bear out
    assert test["cell_verdict"] == "Per cell (6 ko vs 6 wt cells): B+C 70% vs 70% on average, Mann-Whitney p = 1"


def test_power_of_few_chromosomes_is_fishers_counted_over_every_outcome():
    """Below 50 a sample, the normal curve promises more than an exact test gives: the power is counted exactly."""
    for n, p_reference, p_sample in ((6, 0.2, 0.7), (11, 0.5, 0.9), (11, 0.1, 0.1)):
        counts = range(n + 1)
        rejects = np.array([[scipy_stats.fisher_exact([[a, n - a], [b, n - b]])[1] < 0.05 for b in counts]
                            for a in counts])
        expected = scipy_stats.binom.pmf(counts, n, p_reference) @ rejects @ scipy_stats.binom.pmf(counts, n, p_sample)
        assert fisher_power(p_reference, p_sample, n) == pytest.approx(expected, abs=1e-12)
    # CTF18-/-'s B+C share against WT's, as the paper's labels give them: 18 by the normal curve, 22 exactly
    n = chromosomes_for_power(0.36, 0.81)
    assert n == 22 and fisher_power(0.36, 0.81, n) >= 0.8 > fisher_power(0.36, 0.81, n - 1)
    assert chromosomes_for_power(0.4, 0.5) == 388  # many: the normal curve's, as above


def test_correction_recovers_a_known_distribution():
    confusion = np.array([[70, 25, 5], [15, 70, 15], [5, 25, 70]])
    truth = np.array([0.2, 0.5, 0.3])
    rates = confusion / confusion.sum(axis=1, keepdims=True)
    predicted = 10_000 * truth @ rates
    np.testing.assert_allclose(corrected_distribution(predicted, confusion), truth, atol=1e-6)
    estimate, low, high = corrected_with_ci(np.round(predicted).astype(int), confusion, n_boot=200)
    assert np.all(low <= truth) and np.all(truth <= high)


def test_corrected_interval_is_not_zero_wide_where_the_estimate_is_on_an_edge():
    # 10 chromosomes all called A, by a model that calls a fifth of A chromosomes otherwise: the estimate is all A,
    # and resampling the observed calls (all A) gave the interval 100-100%
    confusion = np.array([[80, 15, 5], [10, 80, 10], [5, 20, 75]])
    estimate, low, high = corrected_with_ci([10, 0, 0], confusion)
    np.testing.assert_allclose(estimate, [1, 0, 0], atol=1e-9)
    _, wilson_low, _ = proportions_with_ci([10, 0, 0])
    # wider than the uncorrected interval: the model's errors add to it
    assert low[0] < wilson_low[0] < high[0] == pytest.approx(1)
    assert high[1] > 0.1 and high[2] > 0.1


def test_corrected_interval_of_a_matrix_of_few_images_is_as_wide_as_they_leave_it():
    """A model validated on three images a type: resampling those images never called a type A image C, and gave A
    22-81%; drawn from what three images say of each row's shares, the correction says next to nothing (A 0-94%)."""
    few = np.array([[2, 1, 0], [0, 3, 0], [0, 1, 2]])
    estimate, low, high = corrected_with_ci([30, 50, 20], few)
    assert estimate == pytest.approx([0.45, 0.25, 0.3])
    assert low == pytest.approx([0, 0, 0], abs=1e-3) and high == pytest.approx([0.943, 0.846, 0.740], abs=1e-3)
    # the same shares from a hundred times the images: the interval narrows round the same estimate
    _, low, high = corrected_with_ci([30, 50, 20], 100 * few)
    assert low == pytest.approx([0.329, 0.093, 0.191], abs=1e-3)
    assert high == pytest.approx([0.586, 0.387, 0.428], abs=1e-3)


def _em_alone(counts, confusion, iterations):
    """The textbook EM of the true shares behind predicted counts, one sample at a time."""
    rates = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    estimate = np.full(3, 1 / 3)
    for _ in range(iterations):
        expected = estimate @ rates
        updated = (estimate[:, None] * rates / np.where(expected > 0, expected, 1)) @ counts / counts.sum()
        if np.abs(updated - estimate).max() < 1e-10:
            return updated
        estimate = updated
    return estimate


def test_a_batch_of_corrections_equals_each_run_alone():
    """The bootstrap's draws run their EMs as one batch: each must stop where it would alone, some within a few
    steps, some at the cap (a type never labelled, all calls of one type)."""
    rng = np.random.default_rng(3)
    confusions = (rng.integers(0, 60, (24, 3, 3)) + 60 * np.eye(3, dtype=int)).astype(float)
    confusions[::4, 2] = 0  # a type never labelled
    counts = rng.integers(0, 80, (24, 3)).astype(float) + 1
    counts[1::5] = [40, 0, 0]  # every call A: the estimate creeps towards an edge
    for cap in (5, 300):
        batch = _most_likely(counts, confusions / np.maximum(confusions.sum(axis=2, keepdims=True), 1), cap)
        alone = [_em_alone(c, m, cap) for c, m in zip(counts, confusions)]
        np.testing.assert_allclose(batch, alone, rtol=0, atol=1e-13)
    alone = _em_alone(counts[0], confusions[0], 1000)
    np.testing.assert_allclose(corrected_distribution(counts[0], confusions[0]), alone, rtol=0, atol=1e-13)


def test_corrected_interval_takes_the_cells_as_the_units_where_they_are_known():
    """Cells that differ widen the corrected shares' interval as they widen the raw shares'; alike, they do not."""
    confusion = np.array([[80, 15, 5], [10, 80, 10], [5, 20, 75]])
    differing = np.array([[40, 5, 2], [30, 10, 5], [20, 20, 10], [35, 8, 4]] * 5)
    alike = np.array([[40, 10, 5]] * 20)
    for per_cell, wider in ((differing, 1.2), (alike, 0.9)):
        estimate, low, high = corrected_with_ci(per_cell.sum(axis=0), confusion)
        by_cell = corrected_with_ci(per_cell.sum(axis=0), confusion, per_cell=per_cell)
        assert by_cell[0] == pytest.approx(estimate)  # the same estimate, only its interval differs
        assert (by_cell[2] - by_cell[1] > wider * (high - low)).all()
    assert (by_cell[2] - by_cell[1] < 1.1 * (high - low)).all()  # alike cells: no wider than independent chromosomes
    # compare() corrects a sample of 2 cells or more by its cells, and one of a single cell as before
    cells = {"wt": differing, "ko": np.array([[5, 30, 12]])}
    groups = compare({"wt": differing.sum(axis=0), "ko": np.array([5, 30, 12])}, "wt", confusion, cells=cells)["groups"]
    expected = corrected_with_ci(differing.sum(axis=0), confusion, per_cell=differing)[1:]
    assert np.array(groups["wt"]["corrected_ci"]) == pytest.approx(np.array(expected))
    one_cell = corrected_with_ci([5, 30, 12], confusion)[1:]
    assert np.array(groups["ko"]["corrected_ci"]) == pytest.approx(np.array(one_cell))
    # two cells that disagree say little of the shares, corrected or not
    _, low, high = corrected_with_ci([54, 38, 2], confusion, per_cell=np.array([[46, 1, 0], [8, 37, 2]]))
    assert (low[:2] < 0.05).all() and (high[:2] > 0.95).all()


def test_cross_fitted_correction_removes_a_systematic_bias():
    """A classifier that calls a fifth of B chromosomes A and a third of C ones B, on the WT labels."""
    rng = np.random.default_rng(1)
    true = np.repeat([0, 1, 2], WT)
    predicted = true.copy()
    predicted[(true == 1) & (rng.random(len(true)) < 0.2)] = 0
    predicted[(true == 2) & (rng.random(len(true)) < 0.33)] = 1
    labelled = WT / WT.sum()
    raw_error = np.abs(np.bincount(predicted) / len(true) - labelled).sum()
    corrected = cross_fitted_correction(true, predicted, 3)
    assert raw_error > 0.07
    assert np.abs(corrected - labelled).sum() < 0.02
    assert corrected.sum() == pytest.approx(1)
    np.testing.assert_allclose(cross_fitted_correction(true, true, 3), labelled)  # a perfect classifier needs none
    # one image called C, and the others' matrix, with no call of C, cannot say what it was: its fold stays raw
    true, predicted = np.repeat([0, 1, 2], 5), np.repeat([0, 1, 1], 5)
    predicted[-1] = 2
    corrected = cross_fitted_correction(true, predicted, 3)
    assert corrected.sum() == pytest.approx(1) and corrected[2] == pytest.approx(1 / 15)  # was 0, summing to 14/15


def _typed_table(path, typed_by=""):
    """A predictions table of the WT and CTF18 counts above, its model column naming ``typed_by``."""
    rows = [(sample, t) for sample, counts in (("wt", WT), ("ctf18", CTF18))
            for t, n in zip("ABC", counts) for _ in range(n)]
    path.write_text("path,sample,predicted,model\n" + "".join(f"x.jpg,{s},{t},{typed_by}\n" for s, t in rows))
    return path


def test_compare_flags_the_ctf18_defect_from_predictions(tmp_path):
    table = _typed_table(tmp_path / "predictions.csv")
    counts = counts_from_rows(read_predictions(table))
    report = compare(counts, "wt")
    test = report["tests"]["ctf18"]
    assert test["chi2_p"] < 1e-20 and test["trend_p"] < 1e-20
    assert test["bc_difference"] == pytest.approx(CTF18[1:].sum() / CTF18.sum() - WT[1:].sum() / WT.sum())
    assert test["verdict"].startswith("ctf18 shows more open chromosomes (B+C) than wt: 81% vs 36%, chi-square p = ")
    assert report["groups"]["wt"]["distribution_corrected"] is None
    with pytest.raises(SccscoreError, match="reference sample 'ko' not found"):
        compare(counts, "ko")


def test_compare_table_corrects_by_the_validation_of_the_model_that_typed_it_unless_told_otherwise(tmp_path):
    """As sccscore compare does: the same figures from the Python API and the command."""
    validation = [[50, 8, 2], [10, 35, 5], [1, 4, 45]]
    model = tmp_path / "model"
    model.mkdir()
    config = ModelConfig("squeezenet1_1", training={"validation": {"confusion": validation}})
    (model / "config.json").write_text(config.to_json())

    def compared(typed_by, *confusion):
        return compare_table(_typed_table(tmp_path / "predictions.csv", typed_by), ["wt", "ctf18"], *confusion).report

    report = compared(model)
    assert report["corrected_with"] == validation
    assert report["corrected_by"] == f"the validation of {model} (160 held-out images)"
    assert report["groups"]["ctf18"]["distribution_corrected"] == compare(
        counts_from_rows(read_predictions(tmp_path / "predictions.csv")), "wt", np.array(validation)
    )["groups"]["ctf18"]["distribution_corrected"]
    uncorrected = compared(model, None)
    assert uncorrected["corrected_with"] is None and uncorrected["corrected_by"] is None
    assert uncorrected["tests"]["ctf18"]["chi2_p"] == report["tests"]["ctf18"]["chi2_p"]  # the calls' test: unchanged
    given = compared(model, np.eye(3, dtype=int) * 10)
    assert given["corrected_with"] == (np.eye(3) * 10).tolist()
    assert given["corrected_by"] == "the confusion matrix given"
    unhelpful = tmp_path / "crossval.json"
    check = {"error_raw": 0.01, "error_corrected": 0.2}
    unhelpful.write_text(json.dumps({"groups": {"ctf18": {"sample": "ctf18", "confusion": validation,
                                                          "correction_check": check}}}))
    with pytest.warns(UserWarning, match="read the corrected shares as a sensitivity check"):
        from_file = compared("paper:squeezenet1_1", unhelpful)
    assert from_file["corrected_with"] == validation and from_file["corrected_by"] == str(unhelpful)
    for released in ("paper:squeezenet1_1", ""):  # a released model, or none named, kept no validation
        assert compared(released)["corrected_by"] is None
    # a model validated on a few images, which called them all B, cannot correct calls of A and C: said, not used
    few = ModelConfig("squeezenet1_1", training={"validation": {"confusion": [[0, 1, 0], [0, 1, 0], [0, 1, 0]]}})
    (model / "config.json").write_text(few.to_json())
    with pytest.warns(UserWarning, match="not corrected for the classifier's errors: no labelled image in its "
                                         "confusion matrix was called A or C, as 514 of the calls are"):
        uncorrectable = compared(model)
    assert uncorrectable["corrected_with"] is None and uncorrectable["corrected_by"] is None
    assert uncorrectable["tests"] == uncorrected["tests"]  # the comparison itself unchanged
    alike = np.array([[5, 5, 0], [5, 5, 0], [0, 1, 9]])  # A and B called alike: any split of them fits as well
    with pytest.warns(UserWarning, match="does not tell the labelled types apart"):
        assert compared(model, alike)["corrected_with"] is None
    (model / "config.json").unlink()  # moved since, say: said, and left uncorrected
    with pytest.warns(UserWarning, match=f"typed by {model}, and the shares are not corrected by its validation"):
        assert compared(model)["corrected_with"] is None


def test_confusion_is_read_from_evaluate_and_crossval_reports():
    single = {"confusion": [[5, 1, 0], [1, 5, 1], [0, 1, 5]]}
    ensemble = {"confusion": [[4.5, 1.5, 0]], "ensemble": single}
    assert confusion_from(single).tolist() == single["confusion"]
    assert confusion_from(ensemble).tolist() == single["confusion"]
    assert confusion_from({"groups": {"wt": single, "ctf18": ensemble}}).sum() == 38
    # spreads' errors differ from spread to spread: correcting by them made the shares worse (docs/spreads.md)
    with pytest.raises(SccscoreError, match="an evaluate-detection report; spreads' shares are not corrected"):
        confusion_from({"confusion_of_matched": single["confusion"], "per_metaphase": []})


def test_a_correction_that_did_not_help_on_its_labelled_images_is_flagged(tmp_path):
    helped = {"sample": "wt", "correction_check": {"error_raw": 0.155, "error_corrected": 0.004}}
    hurt = {"sample": "ctf18", "correction_check": {"error_raw": 0.014, "error_corrected": 0.031}}
    evaluate_json, crossval_json = tmp_path / "evaluate.json", tmp_path / "crossval.json"
    evaluate_json.write_text(json.dumps(helped))
    crossval_json.write_text(json.dumps({"groups": {"wt": helped, "ctf18": hurt}}))
    assert correction_caution(evaluate_json) is None
    caution = correction_caution(crossval_json)
    assert "ctf18: summed error 0.031 corrected, 0.014 uncorrected" in caution and "wt:" not in caution


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_compare_cli_on_real_crops(small_labelled, labelled_crops, tmp_path, cli):
    """Classify two real samples with a trained model, then compare them: tables, JSON, corrected shares."""
    ctf18 = labelled_crops("ctf18", 6, "ctf18")
    model = tmp_path / "model"
    trained = cli("train", str(small_labelled), str(ctf18), "--out", str(model), "-q")
    assert trained.returncode == 0, trained.stderr
    out, report_path = tmp_path / "out", tmp_path / "compare.json"
    result = cli("compare", str(small_labelled), str(ctf18), "--model", str(model), "--out", str(out),
                 "--json", str(report_path), "-q")
    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert report["reference"] == "wt_small" and list(report["tests"]) == ["ctf18"]
    assert report["groups"]["ctf18"]["n"] == 18 and len(report["groups"]["ctf18"]["distribution_corrected"]) == 3
    assert {"chi2_p", "trend_p", "bc_difference", "bc_difference_ci"} <= set(report["tests"]["ctf18"])
    assert (out / "comparison.csv").read_text().startswith("sample,n,pct_A,pct_B,pct_C,ci_low_A")
    assert "ctf18" in (out / "tests.csv").read_text() and (out / "predictions.csv").is_file()
    validation = json.loads((model / "config.json").read_text())["training"]["validation"]
    assert report["corrected_with"] == validation["confusion"]  # by default, the model's own validation
    corrected_by = f"by the validation of {model.resolve()} ({validation['n_images']} held-out images)"
    assert corrected_by in " ".join(result.stdout.split())
    again = cli("compare", "wt_small", "ctf18", "--predictions", str(out / "predictions.csv"),
                "--json", str(report_path), "-q")
    assert again.returncode == 0, again.stderr
    reread = json.loads(report_path.read_text())  # the same figures, corrected by the same matrix as classifying did
    assert reread["tests"]["ctf18"]["chi2_p"] == report["tests"]["ctf18"]["chi2_p"]
    assert reread["corrected_with"] == validation["confusion"] and corrected_by in " ".join(again.stdout.split())
    assert f"by {reread['corrected_by']}" == corrected_by == f"by {report['corrected_by']}"
    assert reread["groups"]["ctf18"]["distribution_corrected"] == report["groups"]["ctf18"]["distribution_corrected"]
    unhelpful = tmp_path / "crossval.json"
    unhelpful.write_text(json.dumps({"groups": {"ctf18": {
        "sample": "ctf18", "confusion": [[5, 1, 0], [1, 5, 1], [0, 1, 5]],
        "correction_check": {"error_raw": 0.01, "error_corrected": 0.2}}}}))
    cautioned = cli("compare", "wt_small/", str(ctf18), "--predictions", str(out / "predictions.csv"),  # as classify's
                    "--confusion", str(unhelpful))
    assert cautioned.returncode == 0 and "warning: " in cautioned.stderr and "sensitivity check" in cautioned.stderr
    assert f"corrected for the classifier's errors by {unhelpful}" in " ".join(cautioned.stdout.split())
    missing = cli("compare", "wt_small", "ko", "--predictions", str(out / "predictions.csv"))
    assert missing.returncode == 2 and "sample ko not in" in missing.stderr
    nowhere = cli("compare", "wt_small", "ctf18", "--predictions", str(out / "predictions.csv"), "--report")
    assert nowhere.returncode == 2 and "--report needs --out" in nowhere.stderr
    no_out = cli("compare", "wt_small", "ctf18")
    assert no_out.returncode == 2 and "give --out for the classify tables" in no_out.stderr
    both = cli("compare", "wt_small", "ctf18", "--predictions", str(out / "predictions.csv"), "--spreads")
    assert both.returncode == 2 and "not both" in both.stderr
    alone = cli("compare", str(ctf18), "--out", str(tmp_path / "alone"))  # refused before minutes of classifying
    assert alone.returncode == 2 and "give the reference and at least one sample" in alone.stderr
    assert not (tmp_path / "alone").exists()
    # a sample given twice is said so, where it was too few samples (folders), or compared once in silence (a table)
    for twice, given in ((cli("compare", str(ctf18), f"{ctf18}/", "--out", str(tmp_path / "alone")), f"{ctf18}/"),
                         (cli("compare", "wt_small", "ctf18", "wt_small/", "--predictions",
                              str(out / "predictions.csv")), "wt_small/")):
        assert twice.returncode == 2 and f"{given} is given twice: give the reference, then each sample to " \
                                         "compare with it, once" in " ".join(twice.stderr.split())
    assert not (tmp_path / "alone").exists()
    # the report of a table read back names the model its rows name, draws its Grad-CAM examples with it, and the table
    assert {row["model"] for row in _rows(out / "predictions.csv")} == {str(model.resolve())}
    reported = cli("compare", "wt_small", "ctf18", "--predictions", str(out / "predictions.csv"),
                   "--out", str(tmp_path / "again"), "--report", "-q")
    assert reported.returncode == 0, reported.stderr
    page = (tmp_path / "again" / "report.html").read_text()
    assert f"<td>calls read from</td><td>{out / 'predictions.csv'}</td>" in page and "<h2>Metaphases</h2>" not in page
    assert page.count('<p class="verdict">') == 1 and "<figcaption>type A: " in page
    assert "<figure class='heatmap'><img class='heatmap' alt='wt_small/" in page  # its Grad-CAM examples, drawn
    assert f"<td>model</td><td>{model.resolve()}</td>" in page  # not the released model, the default for crops
    assert f"<td>shares corrected by</td><td>the validation of {model.resolve()} (" in page
    # and its methods name the model as trained, with its validation, and the correction by it
    training = json.loads((model / "config.json").read_text())["training"]
    held_out = training["validation"]
    assert html.escape(f"by the model {model.resolve()}, trained with sccscore's default recipe on "
                       f"{training['n_images']} labelled crops (it gave {100 * held_out['concordance']:.1f}% of "
                       f"{held_out['n_images']} labelled crops held out from its fit their labelled type), with "
                       "sccscore ") in page
    assert html.escape(f"the errors those of the validation of {model.resolve()} ({held_out['n_images']} held-out "
                       "images). ctf18 was compared with wt_small, the chromosomes taken as independent") in page
    assert json.loads(report_path.read_text())["typed_by"] == str(model.resolve())
    # --model naming another is said; samples typed by two models are refused
    other = cli("compare", "wt_small", "ctf18", "--predictions", str(out / "predictions.csv"), "--model",
                "paper:squeezenet1_1/1", "--out", str(tmp_path / "other"), "--report", "-q")
    assert other.returncode == 0 and (f"caution: {out / 'predictions.csv'} was typed by {model.resolve()}; the report "
                                      "names and explains paper:squeezenet1_1/1, as --model says") in other.stderr
    # a table whose model folder has gone is compared uncorrected, and says so
    (model / "config.json").rename(tmp_path / "config.json")
    gone = cli("compare", "wt_small", "ctf18", "--predictions", str(out / "predictions.csv"), "--json",
               str(report_path), "-q")
    assert gone.returncode == 0 and json.loads(report_path.read_text())["corrected_with"] is None
    assert (f"warning: {out / 'predictions.csv'} was typed by {model.resolve()}, and the shares are not corrected by "
            f"its validation as classifying would have ({model.resolve() / 'config.json'}: missing;") in gone.stderr
    # its report cannot be drawn with that model: refused before any table is written, not after
    unreported = cli("compare", "wt_small", "ctf18", "--predictions", str(out / "predictions.csv"), "--out",
                     str(tmp_path / "unreported"), "--report", "-q")
    assert unreported.returncode == 2 and (f"{out / 'predictions.csv'} names the model that typed it, which cannot be "
                                           "loaded (") in " ".join(unreported.stderr.split())
    assert not (tmp_path / "unreported").exists()
    rows = _rows(out / "predictions.csv")
    for row in rows:
        row["model"] = "paper:squeezenet1_1" if row["sample"] == "ctf18" else row["model"]
    with open(tmp_path / "mixed.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader(), writer.writerows(rows)
    mixed = cli("compare", "wt_small", "ctf18", "--predictions", str(tmp_path / "mixed.csv"))
    assert mixed.returncode == 2 and (f"the chromosomes compared were typed by 2 models (wt_small by "
                                      f"{model.resolve()}; ctf18 by paper:squeezenet1_1), and a difference between "
                                      "samples would be partly the models'") in " ".join(mixed.stderr.split())


def test_compare_with_a_model_validated_on_three_images_says_it_cannot_correct(labelled_crops, tmp_path, cli):
    """Trained on six crops a type, a model is validated on the three held out, which it called all B: a matrix that
    cannot say what its A and C calls were. compare corrected by it all the same, to shares adding up to 33% and 7%,
    each outside its own interval ("11.1 (33.3-33.3)"), or, where no call was B, failed with a traceback (numpy's
    "pvals < 0, pvals > 1 or pvals contains NaNs"); it now compares the calls uncorrected, and says why."""
    few, ctf18, model = labelled_crops("wt", 6, "few"), labelled_crops("ctf18", 5, "ctf18"), tmp_path / "model"
    assert cli("train", str(few), "--out", str(model), "-q").returncode == 0
    assert json.loads((model / "config.json").read_text())["training"]["validation"]["confusion"] == [[0, 1, 0]] * 3
    report = tmp_path / "compare.json"
    result = cli("compare", str(few), str(ctf18), "--model", str(model), "--out", str(tmp_path / "out"), "--json",
                 str(report), "-q")
    assert result.returncode == 0, result.stderr
    assert ("warning: the shares are not corrected for the classifier's errors: no labelled image in its confusion "
            "matrix was called A or C, as 26 of the calls are") in " ".join(result.stderr.split())
    figures = json.loads(report.read_text())
    assert figures["corrected_with"] is None and figures["corrected_by"] is None
    assert "corrected" not in result.stdout and figures["tests"]["ctf18"]["chi2_p"] < 0.01


@pytest.mark.slow
def test_compare_flags_the_ctf18_defect_with_the_released_models(ikemoto, tmp_path):
    from sccscore.classify import classify
    from sccscore.compare import counts_from_summary
    from sccscore.models import load_model

    # the shared WT crops hold one image twice, under two names: counted twice, and said
    with pytest.warns(UserWarning, match=r"the same image is given twice \(\S+/wt/a/a034.jpg, \S+/wt/a/a035.jpg\)"):
        result = classify([ikemoto / "images" / "wt", ikemoto / "images" / "ctf18"], load_model("paper:squeezenet1_1"),
                          tmp_path)
    test = compare(counts_from_summary(result.summary), "wt")["tests"]["ctf18"]
    assert test["chi2_p"] < 1e-20 and test["trend_p"] < 1e-20
    labels_shift = CTF18[1:].sum() / CTF18.sum() - WT[1:].sum() / WT.sum()  # 0.449
    low, high = test["bc_difference_ci"]
    assert low <= labels_shift <= high
    assert test["bc_difference"] == pytest.approx(0.4052, abs=1e-4)


def test_cell_level_comparison():
    reference = [[8, 2, 0], [9, 1, 0], [7, 2, 1], [10, 0, 0]]
    sample = [[3, 5, 2], [2, 6, 2], [5, 4, 1]]
    result = compare_cells(reference, sample, n_boot=500)
    fractions_ref, fractions = [0.2, 0.1, 0.3, 0.0], [0.7, 0.8, 0.5]
    assert result["mannwhitney_p"] == pytest.approx(
        scipy_stats.mannwhitneyu(fractions, fractions_ref, alternative="two-sided").pvalue)
    assert result["bc_difference"] == pytest.approx(20 / 30 - 6 / 40)
    # 3 cells resample into 10 different sets only: no interval (it would be far too narrow); 4 cells give one
    assert result["bc_difference_ci"] is None
    four = compare_cells(reference, [*sample, [4, 4, 2]], n_boot=500)
    low, high = four["bc_difference_ci"]
    assert low < four["bc_difference"] < high and low > 0
    assert result["bc_fraction_per_cell_reference"]["mean"] == pytest.approx(0.15)
    # 4 and 3 cells can give no smaller p than complete separation does
    assert result["mannwhitney_p_floor"] == pytest.approx(
        scipy_stats.mannwhitneyu([1, 2, 3], [4, 5, 6, 7], method="exact").pvalue)
    assert result["mannwhitney_p_floor"] > 0.05
    # cells of equal fractions (ties): every split counted, never below the floor as the normal approximation went
    tied = compare_cells([[3, 1, 0]] * 3, [[1, 2, 1]] * 3, n_boot=10)
    assert tied["mannwhitney_p"] == pytest.approx(0.1) == tied["mannwhitney_p_floor"]
    assert scipy_stats.mannwhitneyu([0.75] * 3, [0.25] * 3).pvalue == pytest.approx(0.0469, abs=1e-4)
    # a tie across the samples (0.2 in both): p from every split of the 7 cells, counted here
    tied = compare_cells([[8, 2, 0], [8, 2, 0], [7, 2, 1], [10, 0, 0]], [[3, 5, 2], [8, 2, 0], [5, 4, 1]], n_boot=10)
    assert tied["mannwhitney_p"] == pytest.approx(_exact_mann_whitney_p([0.7, 0.2, 0.5], [0.2, 0.2, 0.3, 0.0]))


def _exact_mann_whitney_p(sample, reference):
    """Two-sided p over every split of the pooled cells into groups of the samples' sizes, a tie counting half."""
    pooled = [*sample, *reference]

    def u(group):  # Mann-Whitney U of the cells in group against the rest
        return sum((pooled[i] > pooled[j]) + (pooled[i] == pooled[j]) / 2
                   for i in group for j in range(len(pooled)) if j not in group)

    observed = u(range(len(sample)))
    splits = [u(group) for group in itertools.combinations(range(len(pooled)), len(sample))]
    at_least, at_most = np.mean([s >= observed for s in splits]), np.mean([s <= observed for s in splits])
    return min(1.0, 2 * min(at_least, at_most))


def test_shares_with_the_cells_as_units():
    """Each type's interval is Korn and Graubard's over the cells: wider than Wilson's where cells differ, about as
    wide where they do not (less the t of few cells), and a sample needs 2 cells for one."""
    differing = np.array([[40, 5, 2], [30, 10, 5], [20, 20, 10], [35, 8, 4]] * 5)
    low, high = proportions_with_clustered_ci(differing)
    for k in range(3):
        assert [low[k], high[k]] == pytest.approx(clustered_interval(differing[:, k], differing.sum(axis=1)))
    _, wilson_low, wilson_high = proportions_with_ci(differing.sum(axis=0))
    assert (high - low > 1.4 * (wilson_high - wilson_low)).all()
    alike = np.array([[40, 10, 5]] * 20)  # no more variation between cells than within: not wider
    low, high = proportions_with_clustered_ci(alike)
    _, wilson_low, wilson_high = proportions_with_ci(alike.sum(axis=0))
    assert high - low == pytest.approx(wilson_high - wilson_low, rel=0.1)
    cells = {"wt": differing, "ko": np.array([[5, 30, 12]])}
    groups = compare({"wt": differing.sum(axis=0), "ko": np.array([5, 30, 12])}, "wt", cells=cells)["groups"]
    assert groups["wt"]["ci_by_cell"] is not None and groups["ko"]["ci_by_cell"] is None
    assert (groups["wt"]["n_cells"], groups["ko"]["n_cells"]) == (20, 1)
    # shown alike, or not at all
    assert share_intervals({"groups": groups}) == ("ci", "95% Wilson intervals, the chromosomes taken as independent")


def test_cells_for_power_against_the_noncentral_t():
    """The t-test's cells for 80% power, from scipy's noncentral t, over the Mann-Whitney test's efficiency."""
    reference, sample = [0.30, 0.40, 0.35, 0.45, 0.25], [0.40, 0.50, 0.45, 0.55, 0.60]
    pooled_sd = np.sqrt((np.var(reference, ddof=1) + np.var(sample, ddof=1)) / 2)  # equal sizes
    effect = (np.mean(sample) - np.mean(reference)) / pooled_sd

    def power(n: float) -> float:
        df, shift = 2 * n - 2, effect * np.sqrt(n / 2)
        critical = scipy_stats.t.ppf(0.975, df)
        return scipy_stats.nct.sf(critical, df, shift) + scipy_stats.nct.cdf(-critical, df, shift)

    n_t = scipy_optimize.brentq(lambda n: power(n) - 0.8, 2, 20)
    assert cells_for_power(reference, sample) == int(np.ceil(n_t * np.pi / 3)) == 6  # 5.5 for the t-test
    assert cells_for_power([0.1, 0.1], [0.9, 0.9]) == 4  # as clear as can be: the fewest cells the test can use
    # WT against CTF18-/- in six and three cells of shared crops: a difference of 8.9 SD, where statsmodels'
    # power is NaN (it was a traceback in compare)
    wt, ctf18 = [0.354, 0.317, 0.317, 0.296, 0.395, 0.420], [0.800, 0.768, 0.721]
    assert cells_for_power(wt, ctf18) == 4
    assert cells_for_power([0.1, 0.2], [0.2, 0.1]) is None  # no difference to detect


def test_replicate_level_comparison_against_scipy_and_statsmodels():
    """Replicates' mean B+C per cell: a paired t-test where both samples have the same replicates, else Welch's."""
    from statsmodels.stats.power import TTestIndPower, TTestPower

    wt, ko = {"day1": 0.20, "day2": 0.10, "day3": 0.30}, {"day1": 0.55, "day2": 0.60, "day3": 0.50}
    paired = compare_replicates(wt, ko)
    reference = scipy_stats.ttest_rel([0.55, 0.60, 0.50], [0.20, 0.10, 0.30])
    assert paired["paired"] and paired["p"] == pytest.approx(reference.pvalue) and paired["n_pairs_higher"] == 3
    assert paired["bc_difference_ci"] == pytest.approx(list(reference.confidence_interval()))
    assert paired["bc_difference"] == pytest.approx(0.35) and paired["t"] == pytest.approx(reference.statistic)
    differences = np.array([0.35, 0.50, 0.20])
    n_pairs = TTestPower().solve_power(differences.mean() / differences.std(ddof=1), alpha=0.05, power=0.8)
    assert paired["n_replicates_for_80pct_power"] == max(2, int(np.ceil(n_pairs))) == 4  # 3.7 pairs
    # replicates of other names (independent clones) are not paired
    clones = compare_replicates(wt, {"clone1": 0.55, "clone2": 0.60, "clone3": 0.50, "clone4": 0.45})
    welch = scipy_stats.ttest_ind([0.55, 0.60, 0.50, 0.45], [0.20, 0.10, 0.30], equal_var=False)
    assert not clones["paired"] and clones["n_pairs_higher"] is None
    assert clones["p"] == pytest.approx(welch.pvalue) and clones["bc_difference_ci"] == pytest.approx(
        list(welch.confidence_interval()))
    pooled_sd = np.sqrt((3 * np.var([0.55, 0.60, 0.50, 0.45], ddof=1) + 2 * np.var([0.2, 0.1, 0.3], ddof=1)) / 5)
    effect = (0.525 - 0.2) / pooled_sd
    assert clones["n_replicates_for_80pct_power"] == max(2, int(np.ceil(TTestIndPower().solve_power(
        effect, alpha=0.05, power=0.8))))
    # two replicates: the t interval runs past the -1 to 1 a difference of shares can take, and is cut to it
    two = compare_replicates({"day1": 0.9778, "day2": 0.9804}, {"day1": 0.0213, "day2": 0.8298})
    low, high = scipy_stats.ttest_rel([0.0213, 0.8298], [0.9778, 0.9804]).confidence_interval()
    assert (low, high) == pytest.approx((-5.6735, 4.5664), abs=1e-4) and two["bc_difference_ci"] == [-1, 1]
    wide = scipy_stats.ttest_rel([0.95, 0.5, 0.99], [0.20, 0.10, 0.30]).confidence_interval()  # 0.15 to 1.08
    assert compare_replicates(wt, {"day1": 0.95, "day2": 0.5, "day3": 0.99})["bc_difference_ci"] == [
        pytest.approx(wide.low), 1]
    assert wide.high > 1
    # replicates alike within each sample: no test (scipy would say p = 0)
    alike = compare_replicates({"a": 0.2, "b": 0.2}, {"c": 0.5, "d": 0.5})
    assert alike["p"] is None and alike["bc_difference_ci"] is None and alike["n_replicates_for_80pct_power"] == 2
    shifted = compare_replicates({"a": 0.2, "b": 0.3}, {"a": 0.5, "b": 0.6})  # differences alike but for rounding
    assert shifted["paired"] and shifted["p"] is None
    # one sample's replicates alike, the other's not: Welch's test stands on the other's variance (scipy warns)
    one_alike = compare_replicates({"a": 0.15, "b": 0.30}, {"x": 0.5, "y": 0.5})
    with pytest.warns(RuntimeWarning, match="Precision loss"):
        welch = scipy_stats.ttest_ind([0.5, 0.5], [0.15, 0.30], equal_var=False)
    assert one_alike["p"] == pytest.approx(welch.pvalue) and 0.05 < one_alike["p"] < 0.5


def test_an_image_in_no_cell_is_said_where_its_sample_loses_its_cell_level_figures(ikemoto, tmp_path, cli):
    """One crop left beside its sample's cell folders: the sample's cells are not known, so its figures with cells
    as the units are left out, as for a sample without cells; that is said, not done in silence."""
    calls = {"wt": ["AAAB", "AABA", "ABAA", "AAAA"], "ko": ["BBCA", "BCBB", "CBBA", "BBBC"]}
    rows = [(f"/d/{sample}/cell{n}/{i}.png", sample, call) for sample, cells in calls.items()
            for n, cell in enumerate(cells, 1) for i, call in enumerate(cell)]
    table = tmp_path / "typed.csv"
    for typed in (rows, rows + [("/d/wt/loose.png", "wt", "A")]):
        with open(table, "w", newline="") as handle:
            csv.writer(handle).writerows([("path", "sample", "predicted"), *typed])
        if typed is rows:
            assert compare_table(table, ["wt", "ko"]).report["tests"]["ko"]["cell_level"]["n_cells"] == 4
    said = (r"1 of the 17 images of sample 'wt' lies in no cell's folder, namely /d/wt/loose.png: so its cells are "
            r"not known, and the intervals and tests with cells as the units leave it out; put each image in its "
            r"cell's folder \(wt/cell1/...\)")
    with pytest.warns(OutsideCellsWarning, match=said):
        assert compare_table(table, ["wt", "ko"]).report["tests"]["ko"]["cell_level"] is None
    # classify says it too, where its summary's intervals fall back to the chromosomes
    from sccscore.classify import classify
    from sccscore.models import load_model

    crops = sorted((ikemoto / "images" / "wt" / "a").iterdir())[:3]
    for n, crop in enumerate(crops):
        (tmp_path / "wt" / ("" if n == 2 else f"cell{n + 1}")).mkdir(parents=True, exist_ok=True)
        shutil.copy(crop, tmp_path / "wt" / ("" if n == 2 else f"cell{n + 1}") / crop.name)
    with pytest.warns(OutsideCellsWarning,
                      match=r"1 of the 3 images of sample 'wt' lies in no cell's folder, namely "):
        result = classify([tmp_path / "wt"], load_model("paper:squeezenet1_1/1"), tmp_path / "out")
    assert result.summary[0]["n_cells"] == ""
    # and compare, which classifies them first, says it once
    shutil.copytree(tmp_path / "wt" / "cell1", tmp_path / "ko" / "cell1")
    run = cli("compare", str(tmp_path / "wt"), str(tmp_path / "ko"), "--model", "paper:squeezenet1_1/1", "--out",
              str(tmp_path / "compared"), "--report")
    assert run.returncode == 0, run.stderr
    assert (run.stdout + run.stderr).count("no cell's folder") == 1


def test_a_table_written_on_windows_keeps_its_cells_where_it_is_read(tmp_path):
    """classify on a lab's Windows computer writes wt\\cell1\\0.png; compared on a Mac, its cells had been lost in
    silence (its folders unread), and with them the cell-level test."""
    calls = {"wt": ["AAAB", "AABA", "ABAA", "AAAA"], "ko": ["BBCA", "BCBB", "CBBA", "BBBC"]}
    reports = []
    for separator in ("/", "\\"):
        rows = [(separator.join(["C:", "lab", sample, f"cell{n}", f"{i}.png"]), sample, call)
                for sample, cells in calls.items() for n, cell in enumerate(cells, 1) for i, call in enumerate(cell)]
        table = tmp_path / "typed.csv"
        with open(table, "w", newline="") as handle:
            csv.writer(handle).writerows([("path", "sample", "predicted"), *rows])
        reports.append(compare_table(table, ["wt", "ko"]).report["tests"]["ko"]["cell_level"])
    assert reports[1]["n_cells"] == 4 and reports[1] == reports[0]
    # and a sample sheet typed there names its images by those paths
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("image,cell\n" + "".join(f"{row[0]},{'one' if row[0].endswith('0.png') else 'two'}\n"
                                              for row in rows))
    assert read_sheet(sheet).cells["C:/lab/wt/cell1/0.png"] == "one"


def test_replicates_come_from_folders_or_a_sheet(tmp_path):
    crops = [{"path": f"/d/ko/day{d}/cell{c}/{t}.jpg", "sample": "ko", "predicted": t}
             for d in (1, 2) for c in (1, 2) for t in "AC"]
    by_cell = cell_counts(crops)
    replicate_of = cell_replicates(crops)
    assert replicate_of == {"ko": {f"day{d}/cell{c}": f"day{d}" for d in (1, 2) for c in (1, 2)}}
    assert {name: cells.tolist() for name, cells in replicate_arrays(by_cell, replicate_of)["ko"].items()} == {
        "day1": [[1, 0, 1], [1, 0, 1]], "day2": [[1, 0, 1], [1, 0, 1]]}
    # a spread's replicate is the folder its spread sits in; the metaphase is its cell
    spreads = [{"path": f"/out/crops/wt/day1/Image001/00{i}.png", "sample": "wt", "image": "day1/Image001.png",
                "cell": "day1/Image001/metaphase1", "predicted": "A"} for i in (1, 2)]
    assert cell_replicates(spreads) == {"wt": {"day1/Image001/metaphase1": "day1"}}
    flat = [dict(spreads[0], image="Image001.png", cell="Image001/metaphase1")]
    with pytest.raises(SccscoreError, match=r"^/out/crops/wt/day1/Image001/001.png \(wt\) is in no replicate: "
                                            r"replicates need a folder per replicate in the sample's folder"):
        cell_replicates(flat)
    with pytest.raises(SccscoreError, match=r"^/d/wt/1.jpg \(wt\) is in no cell"):
        cell_replicates([{"path": "/d/wt/1.jpg", "sample": "wt", "predicted": "A"}])
    # a folder per cell and none per replicate, or crops loose in a replicate's folder: no cell of a replicate
    # (the one folder cannot be both: said so, as the crop does lie in a folder of the sample's)
    for path, folder in (("/d/wt/cell1/1.jpg", "cell1"), ("/d/wt/day1/1.jpg", "day1")):
        with pytest.raises(SccscoreError, match=rf"^{path} \(wt\) is in one folder below its sample's "
                                                rf"\(wt/{folder}/\), which cannot be both its replicate and its cell: "
                                                r"replicates need a folder per replicate in the sample's folder "
                                                r"\(wt/day1/cell1/"):
            cell_replicates([{"path": path, "sample": "wt", "predicted": "A"}])
    # or a sample sheet's replicate column, its cells numbered afresh in each replicate
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("image,cell,replicate\nA.jpg,c1,r1\nC.jpg,c1,r2\n")
    named = read_sheet(sheet)
    assert cell_replicates(crops[:2], named.cells, named.replicates) == {"ko": {"r1/c1": "r1", "r2/c1": "r2"}}
    sheet.write_text("image,cell,replicate\nA.jpg,c1,r1\nC.jpg,c2,\n")
    with pytest.raises(SccscoreError, match=r"sheet.csv: no replicate for 1 image, namely C.jpg"):
        read_sheet(sheet)
    sheet.write_text("image,cell\nA.jpg,c1\n")
    assert read_sheet(sheet).replicates is None


def test_too_few_replicates_are_said_and_several_samples_holm_adjusted():
    cells = lambda *shares: np.array([[10 - 10 * s, 10 * s, 0] for s in shares], int)  # noqa: E731
    replicates = {"wt": {"r1": cells(0.1, 0.2), "r2": cells(0.3), "r3": cells(0.2, 0.2)},
                  "ko1": {"r1": cells(0.6), "r2": cells(0.7, 0.9), "r3": cells(0.5)},
                  "ko2": {"r1": cells(0.3, 0.4)}}
    counts = {name: sum(c.sum(axis=0) for c in by.values()) for name, by in replicates.items()}
    report = compare(counts, "wt", replicates=replicates)
    assert [row["bc_mean_per_cell"] for row in report["groups"]["wt"]["replicates"]] == pytest.approx([0.15, 0.3, 0.2])
    level = report["tests"]["ko1"]["replicate_level"]
    assert level["p"] == pytest.approx(scipy_stats.ttest_rel([0.6, 0.8, 0.5], [0.15, 0.3, 0.2]).pvalue)
    assert level["p_holm"] == level["p"]  # ko2 has no test to adjust for, and the sentence names no correction
    assert report["tests"]["ko1"]["replicate_verdict"] == (
        f"Per replicate (3 ko1 vs 3 wt replicates), paired by name, ko1 higher in 3 of 3: B+C 63% vs 22% per cell "
        f"on average, paired t-test p = {level['p']:.2g}")
    assert report["tests"]["ko2"]["replicate_level"] is None
    assert report["tests"]["ko2"]["replicate_verdict"] == (
        "Per replicate (1 ko2 vs 3 wt replicates): too few replicates to test (score at least 2 independent "
        "experiments per sample, better 3)")
    assert compare(counts, "wt")["tests"]["ko1"]["replicate_verdict"] is None  # replicates unknown: nothing said
    # likewise at cell level: ko2's one cell has no test, so ko1's Mann-Whitney p is adjusted over ko1 alone
    by_cell = {"wt": cells(0.1, 0.2, 0.3, 0.2), "ko1": cells(0.6, 0.7, 0.9, 0.5), "ko2": cells(0.3)}
    cell = compare(counts, "wt", cells=by_cell)["tests"]["ko1"]
    assert cell["cell_level"]["mannwhitney_p_holm"] == cell["cell_level"]["mannwhitney_p"]
    assert "Holm" not in cell["cell_verdict"] and "after Holm's correction for the 2 samples" in cell["verdict"]


def test_a_single_cell_in_a_sample_is_said_to_leave_nothing_to_test():
    """With one cell, a significant chi-square speaks of that cell, not of its genotype: the sentence says so."""
    counts = {"wt": np.array([40, 5, 2]), "ko": np.array([3, 10, 30])}
    one_each = {"wt": counts["wt"][None], "ko": counts["ko"][None]}
    test = compare(counts, "wt", cells=one_each)["tests"]["ko"]
    assert test["chi2_p"] < 1e-10 and test["cell_level"] is None
    assert test["cell_verdict"] == too_few_cells_verdict("ko", "wt", one_each)
    assert test["cell_verdict"].startswith("Per cell (1 ko vs 1 wt cell): too few cells to test")
    three_wt = {"wt": np.array([[20, 3, 1], [10, 1, 1], [10, 1, 0]]), "ko": one_each["ko"]}
    verdict = compare(counts, "wt", cells=three_wt)["tests"]["ko"]["cell_verdict"]
    assert verdict.startswith("Per cell (1 ko vs 3 wt cells)")
    # where either sample's cells are unknown, nothing is said of cells
    assert compare(counts, "wt")["tests"]["ko"]["cell_verdict"] is None
    assert compare(counts, "wt", cells={"ko": one_each["ko"]})["tests"]["ko"]["cell_verdict"] is None


def test_several_samples_against_one_reference_are_holm_adjusted_over_them():
    """Three knockouts against WT: a p of 0.032 alone is significant; as the second smallest of three, not."""
    counts = {"wt": np.array([60, 35, 5]), "ko1": np.array([20, 55, 25]), "ko2": np.array([45, 41, 14]),
              "ko3": np.array([58, 36, 6])}
    rng = np.random.default_rng(0)
    cells = {name: np.array([rng.multinomial(25, c / c.sum()) for _ in range(6)]) for name, c in counts.items()}
    report = compare(counts, "wt", cells=cells)
    raw = np.array([report["tests"][name]["chi2_p"] for name in ("ko1", "ko2", "ko3")])
    order = np.argsort(raw)
    expected = np.empty(3)
    expected[order] = np.minimum(1, np.maximum.accumulate(raw[order] * np.array([3, 2, 1])))
    assert [report["tests"][name]["chi2_p_holm"] for name in ("ko1", "ko2", "ko3")] == pytest.approx(expected)
    ko2 = report["tests"]["ko2"]
    assert ko2["chi2_p"] == pytest.approx(0.0321, abs=1e-4) and ko2["chi2_p_holm"] == pytest.approx(2 * ko2["chi2_p"])
    assert ko2["verdict"] == ("ko2 does not differ detectably from wt: B+C 55% vs 40%, chi-square p = 0.032 (0.064 "
                              "after Holm's correction for the 3 samples compared with wt)")
    alone = compare({name: counts[name] for name in ("wt", "ko2")}, "wt")["tests"]["ko2"]
    assert alone["chi2_p_holm"] == alone["chi2_p"] and alone["verdict"] == (
        "ko2 shows more open chromosomes (B+C) than wt: 55% vs 40%, chi-square p = 0.032")
    # the cells' Mann-Whitney p-values, over the same three samples
    cell_raw = np.array([report["tests"][name]["cell_level"]["mannwhitney_p"] for name in ("ko1", "ko2", "ko3")])
    order = np.argsort(cell_raw)
    expected[order] = np.minimum(1, np.maximum.accumulate(cell_raw[order] * np.array([3, 2, 1])))
    assert [report["tests"][n]["cell_level"]["mannwhitney_p_holm"] for n in ("ko1", "ko2", "ko3")] == \
        pytest.approx(expected)
    assert f"Mann-Whitney p = {cell_raw[0]:.2g} ({expected[0]:.2g} after Holm's correction for the 3 samples" in \
        report["tests"]["ko1"]["cell_verdict"]


def test_the_cells_sentence_tells_too_few_cells_from_cells_that_disagree():
    # WT against CTF18-/- crops in 6 and 3 cells, two samples compared: a shift of 41 points, 3 cells short of 4
    cell = {"n_cells": 3, "n_cells_reference": 6, "bc_fraction_per_cell": {"mean": 0.76},
            "bc_fraction_per_cell_reference": {"mean": 0.35}, "mannwhitney_p": 0.028, "mannwhitney_p_holm": 0.055,
            "mannwhitney_p_floor": 0.024, "n_cells_for_80pct_power": 4}
    assert cell_verdict("ctf18_a", "wt", cell, True, 2) == (
        "Per cell (3 ctf18_a vs 6 wt cells): B+C 76% vs 35% on average, Mann-Whitney p = 0.028 (0.055 after Holm's "
        "correction for the 2 samples compared with wt): too few cells to bear out the difference between "
        "chromosomes; 4 cells per sample would give 80% power for this shift")
    # as many cells as that shift needs, and still no difference between them
    enough = cell | {"n_cells": 8, "n_cells_reference": 8, "bc_fraction_per_cell": {"mean": 0.40},
                     "mannwhitney_p": 0.21, "mannwhitney_p_floor": 0.0002, "n_cells_for_80pct_power": 6}
    assert cell_verdict("ko", "wt", enough, True).endswith(
        "Mann-Whitney p = 0.21: the cells do not bear out the difference between chromosomes")


def test_cells_come_from_sub_folders_or_a_sheet():
    rows = [{"path": f"/d/ko/cell{c}/{i}.jpg", "sample": "ko", "predicted": p}
            for c, p in ((1, "A"), (1, "B"), (2, "C")) for i in range(1)]
    rows += [{"path": "/d/wt/a/1.jpg", "sample": "wt", "predicted": "A"}]
    cells = cells_from_predictions(rows)
    assert list(cells) == ["ko"] and cells["ko"].tolist() == [[1, 1, 0], [0, 0, 1]]
    by_sheet = cells_from_predictions(rows, {"/d/wt/a/1.jpg": "w1", "1.jpg": "x"})
    assert by_sheet["wt"].tolist() == [[1, 0, 0]]
    # two slides' cell1 are two cells; one cell's crops sorted into label folders stay one
    nested = [{"path": f"/d/ko/slide{s}/cell1/{p}.jpg", "sample": "ko", "predicted": p}
              for s, p in ((1, "A"), (2, "C"))]
    nested += [{"path": f"/d/wt/{p.lower()}/cell1/1.jpg", "sample": "wt", "predicted": p} for p in "AB"]
    nested += [{"path": "/d/wt/cell1/c/1.jpg", "sample": "wt", "predicted": "C"}]
    assert {sample: {cell: dict(counts) for cell, counts in by_cell.items()}
            for sample, by_cell in cell_counts(nested).items()} == {
        "ko": {"slide1/cell1": {"A": 1}, "slide2/cell1": {"C": 1}}, "wt": {"cell1": {"A": 1, "B": 1, "C": 1}}}


def test_a_sample_sheet_that_would_give_cells_wrongly_is_refused(tmp_path, cli):
    rows = [{"path": f"/d/wt/slide{s}/{i}.jpg", "sample": "wt", "predicted": "A"} for s in (1, 2) for i in (1, 2)]
    check_sheet("s.csv", {"1.jpg": "w1", "/d/wt/slide2/1.jpg": "w2", "2.jpg": "w1"}, rows[:3])  # each name once
    assert cells_from_predictions(rows[:3], {"1.jpg": "w1", "/d/wt/slide2/1.jpg": "w2", "2.jpg": "w1"})[
        "wt"].tolist() == [[2, 0, 0], [1, 0, 0]]
    # slide1/1.jpg and slide2/1.jpg would both be cell w1
    with pytest.raises(SccscoreError, match=r"^s.csv: '1.jpg' is the file name of 2 images \(/d/wt/slide1/1.jpg, "
                                            r"/d/wt/slide2/1.jpg\): give each one's path"):
        check_sheet("s.csv", {"1.jpg": "w1", "2.jpg": "w1"}, rows)
    # an image left out would silently drop its sample from the cell-level test
    with pytest.raises(SccscoreError, match=r"^s.csv: no cell for 2 of the 4 images compared, such as "
                                            r"/d/wt/slide1/2.jpg"):
        check_sheet("s.csv", {"/d/wt/slide1/1.jpg": "w1", "/d/wt/slide2/1.jpg": "w2"}, rows)
    # the crops of spreads come with their metaphase as their cell; a sheet would override it
    table = tmp_path / "predictions.csv"
    table.write_text("path,sample,image,metaphase,cell,predicted\n"
                     + "".join(f"c/{s}/f/00{i}.png,{s},f.png,1,f/metaphase1,{t}\n"
                               for s, t in (("wt", "A"), ("ko", "C")) for i in (1, 2)))
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("image,cell\n001.png,c1\n002.png,c2\n")
    run = cli("compare", "wt", "ko", "--predictions", str(table), "--sheet", str(sheet))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert f"{sheet}: the table gives every chromosome's cell already" in " ".join(run.stderr.split())


def test_comparing_a_table_of_spreads_reads_it_without_loading_torch(tmp_path, cli_imports):
    # compare --predictions only reads a table: importing torch (about 2 s) for it made every comparison slow
    rows = [f"run/crops/{s}/f{m}/00{i}.png,{s},f{m}.png,1,f{m}/metaphase1,{t},0.8,0.1,0.1,,sccscore:spreads\n"
            for s, types in (("wt", "AAAB"), ("ko", "BCCA")) for m in (1, 2, 3) for i, t in enumerate(types)]
    table = tmp_path / "predictions.csv"
    table.write_text("path,sample,image,metaphase,cell,predicted,p_A,p_B,p_C,check,model\n" + "".join(rows))
    run, imported = cli_imports("compare", "wt", "ko", "--predictions", str(table), "--out", str(tmp_path / "out"),
                                "--json", str(tmp_path / "c.json"))
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "c.json").read_text())["tests"]["ko"]["cell_level"]["n_cells"] == 3
    assert "sccscore.compare" in imported and "torch" not in imported


def test_p_values_far_below_any_threshold_are_shown_alike(tmp_path, cli):
    # 2,000 chromosomes a sample, far apart: the p-values underflow to 0, and the trend p and Holm's had been
    # shown as "0" beside a chi-square "p < 1e-50"
    table = tmp_path / "predictions.csv"
    table.write_text("path,sample,predicted\n" + "".join(
        f"/d/{sample}/{n}.png,{sample},{'A' if (n < 1900) == (sample == 'wt') else 'B'}\n"
        for sample in ("wt", "ko1", "ko2") for n in range(2000)))
    run = cli("compare", "wt", "ko1", "ko2", "--predictions", str(table), "--json", str(tmp_path / "c.json"),
              "--out", str(tmp_path / "out"), "--report")
    assert run.returncode == 0, run.stderr
    assert "<td>&lt; 1e-50 (towards C)</td>" in (tmp_path / "out" / "report.html").read_text()  # the trend's way
    figures = json.loads((tmp_path / "c.json").read_text())["tests"]["ko1"]
    assert figures["trend_p"] == 0 and figures["chi2_p_holm"] < 1e-200  # as computed: kept whole in the JSON
    said = " ".join(run.stdout.split())
    assert ("ko1 shows more open chromosomes (B+C) than wt: 95% vs 5%, chi-square p < 1e-50 (< 1e-50 after Holm's "
            "correction for the 2 samples compared with wt); trend p < 1e-50 (ko1 lies towards C on A < B < C), "
            "Cramer's V") in said
    assert "e-2" not in said and "p = 0" not in said


def test_tables_of_two_runs_pasted_together_count_each_crop_and_cell_once(tmp_path):
    # two days' spreads of one sample, each run with its Image001.png: two metaphases, not one
    spreads = [{"path": f"/{day}/crops/wt/Image001/00{i}.png", "sample": "wt", "image": "Image001.png",
                "cell": "Image001/metaphase1", "predicted": "A"} for day in ("mon", "tue") for i in (1, 2)]
    with pytest.raises(SccscoreError, match=r"^cell 'Image001/metaphase1' of sample 'wt' is named alike in "
                                            r"/mon/crops/wt and /tue/crops/wt \(tables of two runs pasted"):
        cell_counts(spreads)
    # one run, two slides' images of one name: named apart, as classify --spreads names them
    slides = [{"path": f"/out/crops/wt/{s}/Image001/001.png", "sample": "wt", "image": f"{s}/Image001.png",
               "cell": f"{s}/Image001/metaphase1", "predicted": "A"} for s in ("slide1", "slide2")]
    assert list(cell_counts(slides)["wt"]) == ["slide1/Image001/metaphase1", "slide2/Image001/metaphase1"]
    # crops: two days' wt/cell1
    crops = [{"path": f"/{day}/wt/cell1/1.png", "sample": "wt", "predicted": "B"} for day in ("mon", "tue")]
    with pytest.raises(SccscoreError, match=r"^cell 'cell1' of sample 'wt' is named alike in /mon/wt and /tue/wt"):
        cell_counts(crops)
    assert list(cell_counts(crops, {"/mon/wt/cell1/1.png": "c1", "/tue/wt/cell1/1.png": "c1"})["wt"]) == ["c1"]
    # the same table pasted twice would count every crop twice
    table = tmp_path / "predictions.csv"
    table.write_text("path,sample,predicted,p_A,p_B,p_C\nwt/1.png,wt,A,.8,.1,.1\nwt/2.png,wt,B,.1,.8,.1\n"
                     "wt/1.png,wt,A,.8,.1,.1\n")
    with pytest.raises(SccscoreError, match=r"predictions.csv, line 4: wt/1.png is on line 2 too, and would count "
                                            r"twice"):
        read_predictions(table)
    # a table made by hand, without classify's probabilities, may give one image per chromosome scored in it
    table.write_text("path,sample,predicted\nwt/spread1.png,wt,A\nwt/spread1.png,wt,B\n")
    assert [row["predicted"] for row in read_predictions(table)] == ["A", "B"]


def test_samples_classified_in_runs_of_their_own_compare_as_if_classified_together(small_labelled, labelled_crops,
                                                                                    tmp_path, cli):
    from sccscore.classify import classify
    from sccscore.models import load_model

    ctf18, model = labelled_crops("ctf18", 4, "ctf18"), load_model("paper:squeezenet1_1/1")
    for folders, run in (([small_labelled], "monday"), ([ctf18], "tuesday"), ([small_labelled, ctf18], "together")):
        classify(folders, model, tmp_path / run)
    tables = [str(tmp_path / run / "predictions.csv") for run in ("monday", "tuesday", "together")]
    joined = cli("compare", "wt_small", "ctf18", "--predictions", tables[0], "--predictions", tables[1], "--out",
                 str(tmp_path / "joined"), "--json", str(tmp_path / "joined.json"), "--report")
    assert joined.returncode == 0, joined.stderr
    together = cli("compare", "wt_small", "ctf18", "--predictions", tables[2], "--json", str(tmp_path / "one.json"))
    assert together.returncode == 0, together.stderr
    assert json.loads((tmp_path / "joined.json").read_text()) == json.loads((tmp_path / "one.json").read_text())
    assert f"joined the calls of 2 tables in {tmp_path / 'joined' / 'joined_predictions.csv'}" in joined.stderr
    page = (tmp_path / "joined" / "report.html").read_text()
    assert f"<td>calls read from</td><td>{tables[0]}, {tables[1]}</td>" in page
    # refused, naming the tables: a crop that would count twice, a table given twice, spreads with crops
    with pytest.raises(SccscoreError, match=rf"^{tables[2]}: {small_labelled / 'a'}/\S+ is in {tables[0]} too, and "
                                            "would count twice"):
        join_predictions([tables[0], tables[2]], tmp_path / "j.csv")
    with pytest.raises(SccscoreError, match=r"tuesday/\.\./tuesday/predictions.csv: given twice \(as .*tuesday/"):
        join_predictions([tables[1], str(tmp_path / "tuesday" / ".." / "tuesday" / "predictions.csv")], tmp_path / "j")
    (tmp_path / "spreads.csv").write_text("path,sample,image,metaphase,predicted\nout/crops/ko/f/1.png,ko,f.png,1,A\n")
    with pytest.raises(SccscoreError, match="spreads.csv holds chromosomes of whole spreads and .*monday/predictions"):
        join_predictions([tables[0], tmp_path / "spreads.csv"], tmp_path / "j.csv")
    assert not (tmp_path / "j.csv").exists()
    own = cli("compare", "wt_small", "ctf18", "--predictions", tables[0], "--predictions",
              str(tmp_path / "joined" / "joined_predictions.csv"), "--out", str(tmp_path / "joined"))
    assert own.returncode == 2 and "joined_predictions.csv: is given, and is where the joined table" in own.stderr
    no_out = cli("compare", "wt_small", "ctf18", "--predictions", tables[0], "--predictions", tables[1])
    assert no_out.returncode == 2 and "give --out: the calls of the 2 tables are joined there" in no_out.stderr
    one = cli("compare", "wt_small", "ctf18", "--predictions", tables[2], "--replicate-runs")
    assert one.returncode == 2 and "predictions.csv: no run for " in one.stderr
    assert "replicates by run need each run's table joined (compare: --predictions once a run)" in one.stderr
    cellless = cli("compare", "wt_small", "ctf18", "--predictions", str(tmp_path / "joined" / "joined_predictions.csv"),
                   "--replicate-runs")  # its runs named, but its crops in no cell's folder
    assert cellless.returncode == 2
    assert "is in no cell: replicates need cells: a folder per cell in the sample's folder (wt_small/cell1/)" in (
        " ".join(cellless.stderr.split()))


def test_each_runs_cell1_is_a_cell_of_its_own_in_the_joined_table(ikemoto, tmp_path, cli):
    """Two days' runs, each with its wt/cell1 and wt/cell2: four cells a sample, where one table holding both was
    refused as cells named alike."""
    from sccscore.classify import classify
    from sccscore.models import load_model

    crops = sorted((ikemoto / "images" / "wt" / "a").iterdir())
    for number, crop in enumerate(crops[:16]):  # 2 days, 2 samples, 2 cells, 2 crops
        cell = tmp_path / f"day{number // 8 + 1}" / ("wt", "ko")[number // 4 % 2] / f"cell{number // 2 % 2 + 1}"
        cell.mkdir(parents=True, exist_ok=True)
        shutil.copy(crop, cell)
    model = load_model("paper:squeezenet1_1/1")
    for day in ("day1", "day2"):
        classify([tmp_path / day / "wt", tmp_path / day / "ko"], model, tmp_path / f"run_{day}")
    joined = join_predictions([tmp_path / "run_day1" / "predictions.csv", tmp_path / "run_day2" / "predictions.csv"],
                              tmp_path / "joined.csv")
    cells = compare_table(joined, ["wt", "ko"]).cells
    assert {sample: sorted(by_cell) for sample, by_cell in cells.items()} == {
        sample: ["run_day1/cell1", "run_day1/cell2", "run_day2/cell1", "run_day2/cell2"] for sample in ("wt", "ko")}
    assert all(sum(counts.values()) == 2 for by_cell in cells.values() for counts in by_cell.values())
    # each day an independent experiment: its run a replicate, paired with the other sample's of that day
    by_run = compare_table(joined, ["wt", "ko"], replicate_runs=True)
    assert by_run.replicate_of == {sample: {f"run_day{d}/cell{c}": f"run_day{d}" for d in (1, 2) for c in (1, 2)}
                                   for sample in ("wt", "ko")}
    assert by_run.report["tests"]["ko"]["replicate_verdict"].startswith("Per replicate (2 ko vs 2 wt replicates), "
                                                                        "paired by name")
    once = cli("compare", "wt", "ko", "--predictions", str(joined), "--replicate-runs")  # as a review may set it right
    assert once.returncode == 0 and "Per replicate (2 ko vs 2 wt replicates), paired by name" in once.stdout
    with pytest.raises(SccscoreError, match="predictions.csv: no run for .*: replicates by run need each run's table"):
        compare_table(tmp_path / "run_day1" / "predictions.csv", ["wt", "ko"], replicate_runs=True)
    sheet = tmp_path / "sheet.csv"  # a lab's own sheet names the cells still: the joined table gives none of its own
    rows = read_predictions(joined)
    sheet.write_text("image,cell\n" + "".join(f"{row['path']},c{n % 2}\n" for n, row in enumerate(rows)))
    cells = compare_table(joined, ["wt", "ko"], sheet=read_sheet(sheet)).cells
    assert {sample: sorted(by_cell) for sample, by_cell in cells.items()} == {"wt": ["c0", "c1"], "ko": ["c0", "c1"]}
    first, second = ((tmp_path / f"run_{day}" / "predictions.csv").read_text() for day in ("day1", "day2"))
    pasted = tmp_path / "pasted.csv"  # the same rows under one header by hand: each day's cell1 is named alike
    pasted.write_text(first + second.split("\n", 1)[1])
    with pytest.raises(SccscoreError, match="cell 'cell1' of sample 'wt' is named alike in"):
        compare_table(pasted, ["wt", "ko"])


def test_a_compare_into_a_folder_leaves_no_table_or_figure_of_an_earlier_ones_samples_as_its_own(tmp_path, cli):
    """An earlier run's cells.csv and cells.png, of other samples, were read as this run's; its report is named."""
    def typed(name: str, cells: bool) -> str:
        rows = [f"{s}/{f'cell{i % 4}/' if cells else ''}{i}.png,{s},{'ABC'[(i + (s == 'ko')) % 3]}"
                for s in ("wt", "ko") for i in range(16)]
        (tmp_path / name).write_text("path,sample,predicted\n" + "\n".join(rows) + "\n")
        return str(tmp_path / name)

    out = tmp_path / "out"
    first = cli("compare", "wt", "ko", "--predictions", typed("cells.csv", True), "--out", str(out), "--report")
    assert first.returncode == 0, first.stderr
    assert {"cells.csv", "cells.png", "cells.svg", "report.html", "distribution.png"} <= {p.name for p in out.iterdir()}
    (out / "joined_predictions.csv").write_text("path,sample,predicted\n")  # as a join of other tables left it
    again = cli("compare", "wt", "ko", "--predictions", typed("flat.csv", False), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv", "distribution.png", "distribution.svg", "report.html", "tests.csv"]
    said = " ".join(again.stderr.split())
    assert f"caution: {out / 'report.html'} is an earlier run's report, not this run's" in said


def test_compare_cli_with_a_sub_folder_per_cell(ikemoto, tmp_path, cli):
    for genotype in ("wt", "ctf18"):
        crops = sorted((ikemoto / "images" / genotype / "b").iterdir())[:12]
        for index, path in enumerate(crops):
            cell = tmp_path / f"{genotype}_cells" / f"cell{index % 3}"
            cell.mkdir(parents=True, exist_ok=True)
            (cell / path.name).write_bytes(path.read_bytes())
    report_path, confusion = tmp_path / "compare.json", tmp_path / "evaluate.json"
    confusion.write_text(json.dumps({"confusion": [[80, 15, 5], [10, 80, 10], [5, 20, 75]]}))
    result = cli("compare", str(tmp_path / "wt_cells"), str(tmp_path / "ctf18_cells"),
                 "--model", "paper:squeezenet1_1/1",
                 "--out", str(tmp_path / "out"), "--json", str(report_path), "--report", "--confusion", str(confusion),
                 "-q")
    assert result.returncode == 0, result.stderr
    cell = json.loads(report_path.read_text())["tests"]["ctf18_cells"]["cell_level"]
    assert (cell["n_cells"], cell["n_cells_reference"]) == (3, 3)
    assert "cell level: 3 vs 3 cells" in result.stdout
    # under the answer, how far to trust the calls it rests on: released model 1 on the paper's test crops
    expected = ("paper:squeezenet1_1/1 gave the labelled type to 72.0% of the 489 WT chromosomes (95% interval "
                "67.8-75.8%) and 61.6% of the 417 CTF18-/- chromosomes")
    assert expected in " ".join(result.stderr.split())
    # three cells a sample cannot give p < 0.05 (at best 0.1): the sentence under the verdict says so
    advice = "too few cells for this test ever to reach p < 0.05: score at least 4 cells per sample"
    assert cell["mannwhitney_p_floor"] == pytest.approx(0.1) and advice in " ".join(result.stdout.split())
    assert advice in json.loads(report_path.read_text())["tests"]["ctf18_cells"]["cell_verdict"]
    n = cell["n_cells_for_80pct_power"]  # how many to score instead, from these cells' spread
    assert n == cells_for_power(cell["bc_fractions_reference"], cell["bc_fractions"]) and n >= 4
    assert f"{n} cells per sample give 80% power for this shift" in " ".join(result.stdout.split())
    with open(tmp_path / "out" / "tests.csv", newline="") as handle:
        assert next(csv.DictReader(handle))["cell_verdict"].startswith("Per cell (3 ctf18_cells vs 3 wt_cells cells)")
    assert "<br>Per cell (3 ctf18_cells vs 3 wt_cells cells)" in (tmp_path / "out" / "report.html").read_text()
    assert "<h2>Cell level</h2>" in (tmp_path / "out" / "report.html").read_text()
    with open(tmp_path / "out" / "cells.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["sample"], r["cell"], r["n_chromosomes"]) for r in rows] == [
        (sample, f"cell{i}", "4") for sample in ("wt_cells", "ctf18_cells") for i in range(3)]
    for row in rows:
        n_a, n_b, n_c = (int(row[f"n_{t}"]) for t in "ABC")
        assert (n_a + n_b + n_c, float(row["pct_open"])) == (4, pytest.approx(100 * (n_b + n_c) / 4))
    fractions = [float(r["pct_open"]) / 100 for r in rows if r["sample"] == "ctf18_cells"]
    # the cell-level test's own units, drawn in cells.png
    assert sorted(cell["bc_fractions"]) == pytest.approx(sorted(fractions), abs=1e-4)
    assert cell["bc_fraction_per_cell"]["mean"] == pytest.approx(np.mean(fractions))
    with Image.open(tmp_path / "out" / "cells.png") as figure:
        assert figure.size[0] > 300 and (tmp_path / "out" / "cells.svg").stat().st_size
    assert "<img alt='B+C share per cell'" in (tmp_path / "out" / "report.html").read_text()
    # each sample's shares also get intervals with its cells as the units, and the report shows those
    report = json.loads(report_path.read_text())
    for sample in ("wt_cells", "ctf18_cells"):
        per_cell = np.array([[int(r[f"n_{t}"]) for t in "ABC"] for r in rows if r["sample"] == sample])
        by_cell = np.array(proportions_with_clustered_ci(per_cell))
        assert np.array(report["groups"][sample]["ci_by_cell"]) == pytest.approx(by_cell)
    with open(tmp_path / "out" / "comparison.csv", newline="") as handle:
        table = {row["sample"]: row for row in csv.DictReader(handle)}
    assert float(table["wt_cells"]["cell_ci_high_A"]) == pytest.approx(
        100 * report["groups"]["wt_cells"]["ci_by_cell"][1][0], abs=0.01)
    page = (tmp_path / "out" / "report.html").read_text()
    low, high = (100 * report["groups"]["ctf18_cells"]["ci_by_cell"][k][1] for k in (0, 1))
    assert f"({low:.1f}-{high:.1f})" in page
    assert "Types per sample, with 95% intervals, the cells taken as the units" in page
    assert "shares with 95% intervals, the cells taken as the units" in result.stdout
    # and say why they are wide: 3 cells a sample say little of it
    few = "wide where a sample has fewer than 4 cells (wt_cells 3, ctf18_cells 3): a few cells say little of their"
    assert few in page and few in " ".join(result.stdout.split())
    assert (table["wt_cells"]["n_cells"], table["ctf18_cells"]["n_cells"]) == ("3", "3")
    # the shares corrected for the classifier's errors: their interval takes the cells as the units too, and is shown
    per_cell = np.array([[int(r[f"n_{t}"]) for t in "ABC"] for r in rows if r["sample"] == "wt_cells"])
    _, corrected_low, corrected_high = corrected_with_ci(per_cell.sum(axis=0), np.array(report["corrected_with"]),
                                                         per_cell=per_cell)
    corrected_ci = np.array(report["groups"]["wt_cells"]["corrected_ci"])
    assert corrected_ci == pytest.approx(np.array([corrected_low, corrected_high]))
    assert float(table["wt_cells"]["corrected_ci_low_B"]) == pytest.approx(100 * corrected_low[1], abs=0.01)
    corrected = shares_with_intervals(report["groups"]["wt_cells"]["distribution_corrected"],
                                      report["groups"]["wt_cells"]["corrected_ci"])
    assert f"<td>{corrected[2]}</td>" in page and "<th>corrected C % (95% CI)</th>" in page
    assert "take the cells as the units wherever a sample's are known" in page
    assert f"corrected {' '.join(corrected)}" in " ".join(result.stdout.split())


def test_compare_cli_with_a_folder_per_replicate(ikemoto, tmp_path, cli, capsys):
    """Three days of each genotype, three cells a day: the replicates' means are tested, and drawn as a SuperPlot."""
    for genotype in ("wt", "ctf18"):
        crops = sorted(path for path in (ikemoto / "images" / genotype).rglob("*.jpg"))[::7][:36]
        for index, path in enumerate(crops):
            cell = tmp_path / genotype / f"day{index % 3 + 1}" / f"cell{index // 3 % 3}"
            cell.mkdir(parents=True, exist_ok=True)
            (cell / path.name).write_bytes(path.read_bytes())
    out, report_path = tmp_path / "out", tmp_path / "compare.json"
    run = cli("compare", str(tmp_path / "wt"), str(tmp_path / "ctf18"), "--model", "paper:squeezenet1_1/1",
              "--replicate-folders", "--out", str(out), "--json", str(report_path), "--report", "-q")
    assert run.returncode == 0, run.stderr
    with open(out / "replicates.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    means = {(r["sample"], r["replicate"]): float(r["mean_pct_open_per_cell"]) for r in rows}
    assert means == pytest.approx({("wt", "day1"): 16.67, ("wt", "day2"): 0.0, ("wt", "day3"): 33.33,
                                   ("ctf18", "day1"): 58.33, ("ctf18", "day2"): 75.0, ("ctf18", "day3"): 66.67})
    assert {(r["n_cells"], r["n_chromosomes"]) for r in rows} == {("3", "12")}
    report = json.loads(report_path.read_text())
    level = report["tests"]["ctf18"]["replicate_level"]
    expected = scipy_stats.ttest_rel([means["ctf18", f"day{d}"] for d in (1, 2, 3)],
                                     [means["wt", f"day{d}"] for d in (1, 2, 3)])
    assert level["paired"] and level["p"] == pytest.approx(expected.pvalue, rel=1e-3) == pytest.approx(0.059, abs=1e-3)
    # every day shows the defect, but three days this varied do not reach p < 0.05: the sentence says so
    sentence = ("Per replicate (3 ctf18 vs 3 wt replicates), paired by name, ctf18 higher in 3 of 3: B+C 67% vs 17% "
                "per cell on average, paired t-test p = 0.059: the replicates do not bear out the difference between "
                "chromosomes; 4 replicates per sample would give 80% power for this shift")
    assert report["tests"]["ctf18"]["replicate_verdict"] == sentence and sentence in " ".join(run.stdout.split())
    low, high = expected.confidence_interval()  # in points: the replicates' shares above are in percent
    assert high > 100  # and cut to the 100 points a difference can reach
    assert f"replicate level: 3 vs 3 replicates (paired), difference in mean B+C per cell +50.0 points (95% CI " \
           f"{low:+.1f} to +100.0)" in " ".join(run.stdout.split())
    with open(out / "tests.csv", newline="") as handle:
        assert next(csv.DictReader(handle))["replicate_verdict"] == sentence
    with open(out / "cells.csv", newline="") as handle:
        cells = list(csv.DictReader(handle))
    assert [(c["replicate"], c["cell"]) for c in cells[:3]] == [("day1", f"day1/cell{i}") for i in range(3)]
    page = (out / "report.html").read_text()
    assert "<h2>Replicate level</h2>" in page and html.escape(sentence) in page and "coloured by replicate" in page
    with Image.open(out / "cells.png") as figure:
        assert figure.size[0] > 400
    # a sample sheet naming the same cells and replicates gives the same test
    with open(out / "predictions.csv", newline="") as handle:
        paths = [row["path"] for row in csv.DictReader(handle)]
    sheet = tmp_path / "replicates.csv"
    sheet.write_text("image,cell,replicate\n" + "".join(f"{p},{Path(p).parent.name},{Path(p).parent.parent.name}\n"
                                                         for p in paths))
    by_sheet = cli("compare", "wt", "ctf18", "--predictions", str(out / "predictions.csv"), "--sheet", str(sheet),
                   "--out", str(tmp_path / "by_sheet"), "--json", str(tmp_path / "by_sheet.json"))
    assert by_sheet.returncode == 0, by_sheet.stderr
    assert json.loads((tmp_path / "by_sheet.json").read_text())["tests"]["ctf18"]["replicate_level"] == level
    # the days, not asked for as replicates, are named as such a lab may mean them, by compare and by classify
    hint = ("wt's cells lie in folders day1, day2 and day3: where those are independent experiments (cultures, days), "
            "add --replicate-folders to test the replicates too")
    assert hint not in run.stderr and hint not in by_sheet.stderr  # asked for, of folders or of a sheet
    unasked = cli("compare", "wt", "ctf18", "--predictions", str(out / "predictions.csv"), "-q")
    assert unasked.returncode == 0 and hint in " ".join(unasked.stderr.split())
    # classify's last lines, from the table classify would write (compare's is the same), read in this process: a
    # classify run of its own would take 10 s
    summary = [{"sample": name, "pct_A": 0.0, "n_A": 1} for name in ("wt", "ctf18")]
    _print_compare_command(summary, out)
    assert hint in " ".join(capsys.readouterr().err.split())
    # images directly in the sample's folder are in no replicate; a sheet names replicates in a column
    table = tmp_path / "flat.csv"
    table.write_text("path,sample,predicted\nwt/1.png,wt,A\nko/1.png,ko,C\n")
    flat = cli("compare", "wt", "ko", "--predictions", str(table), "--replicate-folders")
    assert flat.returncode == 2 and "Traceback" not in flat.stderr
    assert "wt/1.png (wt) is in no cell: replicates need a folder per replicate" in " ".join(flat.stderr.split())
    assert "calls are kept" not in flat.stderr  # read from a table already
    # found once classified: the calls are kept, and the message says how to use them
    for genotype in ("wt", "ctf18"):
        (tmp_path / "flat" / genotype).mkdir(parents=True)
        for path in sorted((tmp_path / genotype / "day1" / "cell0").iterdir()):
            (tmp_path / "flat" / genotype / path.name).write_bytes(path.read_bytes())
    unsorted = cli("compare", str(tmp_path / "flat" / "wt"), str(tmp_path / "flat" / "ctf18"), "--model",
                   "paper:squeezenet1_1/1", "--replicate-folders", "--out", str(tmp_path / "flat_out"), "-q")
    kept = tmp_path / "flat_out" / "predictions.csv"
    assert unsorted.returncode == 2 and kept.is_file()
    assert f"compare again with --predictions {kept} and a --sheet" in " ".join(unsorted.stderr.split())
    sheet.write_text("image,cell,replicate\n" + "".join(f"{p.name},c{i},day{i % 2}\n" for i, p in
                                                         enumerate(sorted((tmp_path / "flat").rglob("*.jpg")))))
    assert cli("compare", "wt", "ctf18", "--predictions", str(kept), "--sheet", str(sheet)).returncode == 0
    (tmp_path / "sheet.csv").write_text("image,cell\n1.png,c1\n")
    both = cli("compare", "wt", "ko", "--predictions", str(table), "--replicate-folders", "--sheet",
               str(tmp_path / "sheet.csv"))
    assert both.returncode == 2 and "give its replicates in a replicate column" in " ".join(both.stderr.split())


def test_a_predictions_table_saved_by_a_spreadsheet_reads_as_written(tmp_path):
    """Calls are set right in Excel: its CSV UTF-8 has a byte-order mark; where the decimal mark is a comma, ';'."""
    written = tmp_path / "predictions.csv"
    written.write_text("path,sample,predicted,p_A,p_B,p_C\nwt/1.png,wt,A,0.9,0.07,0.03\nko/µ2.png,ko,C,0.1,0.2,0.7\n",
                       encoding="utf-8")
    excel = tmp_path / "excel.csv"
    excel.write_bytes(b"\xef\xbb\xbf" + "path;sample;predicted;p_A;p_B;p_C\r\nwt/1.png;wt;A;0,9;0,07;0,03\r\n"
                      "ko/µ2.png;ko;c;0,1;0,2;0,7\r\n".encode("utf-8"))
    assert read_predictions(excel) == read_predictions(written)
    excel.write_bytes(excel.read_bytes()[3:].decode("utf-8").encode("cp1252"))  # "CSV (Comma delimited)": not UTF-8
    with pytest.raises(SccscoreError, match=r"excel.csv: cannot read the predictions table: not UTF-8 text .*save it "
                                            r"as CSV UTF-8"):
        read_predictions(excel)
    # saved as a workbook: named as one, not as a table without its columns (a zip's bytes can decode as UTF-8)
    with zipfile.ZipFile(tmp_path / "calls.xlsx", "w") as workbook:
        workbook.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(SccscoreError, match=r"calls.xlsx: cannot read the predictions table: it is a spreadsheet "
                                            r"workbook \(.xlsx, .ods or .xls\), not CSV text; save it as CSV UTF-8"):
        read_predictions(tmp_path / "calls.xlsx")


def test_bad_tables_are_named(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("image,genotype\na.jpg,wt\n")
    with pytest.raises(SccscoreError, match=r"sheet.csv: the sample sheet needs the columns cell, image"):
        read_sheet(sheet)
    with pytest.raises(SccscoreError, match=r"nothing.csv: cannot read the predictions table"):
        read_predictions(tmp_path / "nothing.csv")
    # calls set right by hand: a type in lower case or padded is read as meant, a typo is refused by its line
    table = tmp_path / "checked.csv"
    table.write_text("path,sample,predicted\n1.png,wt, b\n2.png,wt,c\n")
    assert [row["predicted"] for row in read_predictions(table)] == ["B", "C"]
    table.write_text("path,sample,predicted\n1.png,wt,A\n2.png,wt,8\n3.png,wt,\n")
    with pytest.raises(SccscoreError, match=r"checked.csv, line 3: predicted '8' is not one of A, B, C; to leave a "
                                            r"chromosome out, delete its line"):
        read_predictions(table)
    table.write_text("path,sample,predicted\n1.png,wt,A\n3.png,wt\n")
    with pytest.raises(SccscoreError, match=r"line 3: predicted '' is not one of"):
        read_predictions(table)


def test_an_interval_by_spread_holds_the_share_of_new_spreads_where_wilsons_does_not():
    """Chromosomes of one spread are alike; spreads differ. Simulated: spreads' agreement drawn around 0.8
    (intraclass correlation 0.1), 40-110 chromosomes each, the pooled share's 95% intervals checked."""
    rng = np.random.default_rng(0)
    for spreads in (4, 10):
        held = {"wilson": 0, "by spread": 0}
        for _ in range(400):
            counts = rng.integers(40, 110, spreads)
            agree = rng.binomial(counts, rng.beta(7.2, 1.8, spreads))
            low, high = agreement_interval(int(agree.sum()), int(counts.sum()))
            held["wilson"] += low <= 0.8 <= high
            low, high = clustered_interval(agree, counts)
            held["by spread"] += low <= 0.8 <= high
        assert held["wilson"] / 400 < 0.6  # about half: chromosomes taken as independent
        assert 0.93 <= held["by spread"] / 400 <= 0.99
    # spreads of one chromosome each, many: Clopper-Pearson's interval of the pooled count (statsmodels)
    agree = (rng.random(500) < 0.7).astype(int)
    assert clustered_interval(agree, np.ones(500, int)) == pytest.approx(
        list(proportion_confint(agree.sum(), 500, alpha=0.05, method="beta")), abs=0.002)
    # all right, or all wrong: within 0 and 1, its open end at the bound
    assert clustered_interval([50, 40], [50, 40])[1] == 1.0 and clustered_interval([0, 0, 0], [9, 9, 9])[0] == 0.0
    with pytest.raises(ValueError, match="needs 2 clusters or more, not 1"):
        clustered_interval([40], [50])
