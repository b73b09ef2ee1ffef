"""The report's methods paragraph: each sentence as the comparison was made, no test named that was not run."""

import csv

import numpy as np

from sccscore.compare import compare, compare_table
from sccscore.methods import methods, scoring_methods
from sccscore.models import load_model
from sccscore.predictions_table import LEFT_OUT, REVIEWED_BLIND
from sccscore.version import code_version

COUNTS = {"wt": np.array([60, 35, 5]), "ko1": np.array([20, 55, 25]), "ko2": np.array([45, 41, 14])}
TYPED = "typed A (sisters cohered), B (arms open) or C (sisters apart at the centromere) by"
CHROMOSOME_TESTS = (
    "by a chi-square test of the A, B and C counts{exact}{holm}, by the Cochran-Armitage test for trend along "
    "A < B < C, and type by type by Fisher's exact test, Holm-adjusted over the three types; the difference in the "
    "share of open chromosomes (B + C) is given with Newcombe's 95% interval{unadjusted}, and the association's "
    "strength as Cramer's V.")


def _cells(seed: int, n: int = 6) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: np.array([rng.multinomial(25, c / c.sum()) for _ in range(n)]) for name, c in COUNTS.items()}


def test_methods_of_crops_typed_by_the_released_ensemble_with_cells_and_replicates(ikemoto):
    """Three samples with six cells each, in two replicates paired by name: the Holm adjustments, the cells'
    intervals and tests, the replicates' paired t-test; the released ensemble named as the paper released it."""
    cells = _cells(0)
    replicates = {name: {"r1": own[:3], "r2": own[3:]} for name, own in cells.items()}
    comparison = compare(COUNTS, "wt", cells=cells, replicates=replicates) | {"preprocess": "paper"}
    assert all(test["replicate_level"]["paired"] for test in comparison["tests"].values())
    said = methods(comparison, load_model("paper:squeezenet1_1"))
    assert said == (
        f"Chromosomes cut from metaphase spreads were {TYPED} the ensemble of the 30 SqueezeNet 1.1 models released "
        "by Ikemoto et al. (Sci Rep 13, 2023), its members' probabilities averaged, each crop preprocessed as the "
        "paper did (other objects painted white, the stain normalised), with sccscore "
        f"{code_version()}. Each sample's share of each type is given with a 95% interval that takes its cells as the "
        "units (Korn and Graubard's Clopper-Pearson interval on the effective sample size). Each sample was compared "
        "with wt, the chromosomes taken as independent, "
        + CHROMOSOME_TESTS.format(exact="", holm=", its p adjusted by Holm's method over the 2 samples",
                                  unadjusted=" (not adjusted over the 2 samples)")
        + " With the cells as the units, the cells' B + C shares were compared by the Mann-Whitney test (exact for "
        "few cells), its p adjusted by Holm's method over the 2 samples, the difference in the pooled B + C share "
        "given with a 95% interval from 2,000 bootstrap draws of whole cells where each sample had 4 cells or more "
        "(not adjusted over the 2 samples). "
        "With the replicates (independent experiments) as the units, each replicate's mean B + C share per cell was "
        "compared by a paired t-test, the replicates paired by name, its p adjusted by Holm's method over the 2 "
        "samples (Lord et al., J Cell Biol 2020).")


def test_methods_name_only_what_was_done():
    """One sample, no cells, a few of a type (exact tests), corrected by a matrix given, typed by hand: no Holm
    over samples, no cells' or replicates' tests, the correction named, the preprocessing left out."""
    counts = {"wt": np.array([40, 8, 2]), "ko": np.array([30, 15, 5])}
    confusion = np.array([[80, 15, 5], [10, 80, 10], [5, 20, 75]])
    comparison = compare(counts, "wt", confusion=confusion) | {"preprocess": "none"}
    assert comparison["tests"]["ko"]["p_exact"]
    assert methods(comparison, None, spreads=True) == (
        f"Chromosomes were found in whole metaphase spreads by sccscore's detector, each metaphase taken as a cell, "
        f"and {TYPED} hand. Each sample's share of each type is given with a 95% Wilson interval, and corrected for "
        "the classifier's errors by maximum likelihood, with 95% bootstrap intervals that draw both the calls and the "
        "error rates, the errors those of the confusion matrix given. ko was compared with wt, the chromosomes taken "
        "as independent, "
        + CHROMOSOME_TESTS.format(exact=" (its p and the trend test's computed exactly where a type was expected fewer "
                                        "than 5 times)", holm="", unadjusted=""))


def test_methods_name_a_single_released_model_and_the_shipped_spread_model(ikemoto):
    comparison = compare(COUNTS, "wt")
    seventh = load_model("paper:squeezenet1_1/7")
    one = methods(comparison, seventh)
    assert f"{TYPED} SqueezeNet 1.1 model 7 of those released by Ikemoto et al. (Sci Rep 13, 2023)" in one
    # a run that scored samples in cells, not compared: the typing and the cells' intervals, and no test
    assert scoring_methods(seventh, spreads=False, by_cell=True) == (
        f"Chromosomes cut from metaphase spreads were {TYPED} SqueezeNet 1.1 model 7 of those released by Ikemoto et "
        f"al. (Sci Rep 13, 2023), with sccscore {code_version()}. Each sample's share of each type is given with a 95% "
        "interval that takes its cells as the units (Korn and Graubard's Clopper-Pearson interval on the effective "
        "sample size).")
    spreads = methods(comparison, load_model("sccscore:spreads"), spreads=True)
    assert f"{TYPED} the model sccscore:spreads, fitted on 4 annotated spreads, with sccscore" in spreads


def test_methods_say_what_a_blind_review_and_a_hand_did_to_the_calls(tmp_path):
    """A table as apply-review writes it, read by compare: three calls of each sample reviewed blind, one of each
    changed there, one object of ko left out in it, and a call of wt changed with the sample in view (its type not the
    likeliest of its probabilities, not reviewed). Typed by a model the table names but the comparison did not load."""
    rows = []
    for sample, calls in (("wt", "AAAAAAAABBC"), ("ko", "AAABBBBCCCC")):
        for i, call in enumerate(calls):
            likeliest = "B" if (sample, i) in (("wt", 0), ("wt", 5), ("ko", 0)) else call  # where set right
            rows.append({"path": f"{sample}/{i}.png", "sample": sample, "predicted": call, "model": "m",
                         **{f"p_{t}": "0.8" if t == likeliest else "0.1" for t in "ABC"},
                         "reviewed": REVIEWED_BLIND if i < 3 else LEFT_OUT if (sample, i) == ("ko", 10) else ""})
    table = tmp_path / "corrected.csv"
    with open(table, "w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    said = methods(compare_table(table, ["wt", "ko"], confusion=None).report)
    assert said.startswith(
        f"Chromosomes cut from metaphase spreads were {TYPED} the model m, with sccscore {code_version()}. A blind "
        "review (sccscore review), neither sample nor call shown, covered wt 3, ko 3 calls, changed wt 1, ko 1 of them "
        "and left out wt 0, ko 1 objects as not chromosomes. Calls set by hand with the sample in view: wt 1, ko 0. "
        "Each sample's share")
    # who typed them, as apply-review carries the names they wrote on the review's page, each once, in the table's
    # order: wt's by ann, ko's by bob but its left-out object, typed on a page with no name written
    with open(table, "w", newline="") as handle:
        writer = csv.DictWriter(handle, [*rows[0], "reviewer"])
        writer.writeheader()
        writer.writerows(row | {"reviewer": "" if row["reviewed"] != REVIEWED_BLIND else
                                "ann" if row["sample"] == "wt" else "bob"} for row in rows)
    named = methods(compare_table(table, ["wt", "ko"], confusion=None).report)
    assert named.split(". ")[1] == ("A blind review (sccscore review) by ann, bob and a reviewer who wrote no name, "
                                    "neither sample nor call shown, covered wt 3, ko 3 calls, changed wt 1, ko 1 of "
                                    "them and left out wt 0, ko 1 objects as not chromosomes")
