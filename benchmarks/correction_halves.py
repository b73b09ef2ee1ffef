"""Does correcting by a confusion matrix bring predicted A/B/C shares closer to the labels?

Two classifiers of the shared WT and CTF18-/- crops, each crop scored by a model that did not
train on it: the 30 released models (ensemble; the crops are the authors' test sets) and
sccscore's default recipe (out-of-fold over 5-fold cross-validation, seed 0). Per genotype:

- cross-fitted: each fifth of the crops (stratified by label) corrected by the confusion matrix
  of the other four fifths, the five estimates pooled (:func:`sccscore.stats.cross_fitted_correction`,
  what ``evaluate`` reports as ``correction_check``); seed 0 and the mean over 20 seeds;
- halvings: a random half corrected by the matrix of the other half, its error against the
  half's own labels (50 halvings), and how often the 95% intervals cover the half's labelled
  shares (bootstrap of :func:`sccscore.stats.corrected_with_ci` against the raw shares' Wilson
  intervals, 200 halvings).

Errors are summed absolute differences over A/B/C.

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/correction_halves.py``
(a few minutes on a 2-core CPU). Figures: README, "compare".
"""

from __future__ import annotations

import numpy as np

from sccscore import sample_data
from sccscore.splits import stratified_folds
from sccscore.images import scan_sample
from sccscore.metrics import confusion_matrix
from sccscore.metrics import distribution as shares
from sccscore.models import load_model
from sccscore.predict import predict
from sccscore.stats import corrected_distribution, corrected_with_ci, cross_fitted_correction, proportions_with_ci
from sccscore.training import DefaultRecipe, fit, head_probabilities, load_labelled

FOLDS, HALVINGS, COVERAGE_HALVINGS, SEED = 5, 50, 200, 0


def released_predictions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ensemble type, label and genotype of every shared crop, scored by the 30 released models."""
    model, predicted, labels, groups = load_model("paper:squeezenet1_1"), [], [], []
    for genotype in sample_data.GENOTYPES:
        scored = predict(model, scan_sample(sample_data.sample_folder(genotype)).items, engine="onnx")
        predicted += scored.probabilities.argmax(axis=1).tolist()
        labels += [model.config.classes.index(item.label) for item in scored.items]
        groups += [genotype] * len(scored.items)
    return np.array(predicted), np.array(labels), np.array(groups)


def out_of_fold_predictions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predicted type, label and genotype of every shared crop, each from a default-recipe model that did not train on
    it."""
    root = sample_data.data_root()
    recipe = DefaultRecipe()
    data = load_labelled([sample_data.sample_folder(g, root) for g in sample_data.GENOTYPES], recipe, FOLDS, "halves")
    fold_of = stratified_folds(data.groups, data.labels, data.digests, FOLDS, SEED)
    predicted = np.zeros(len(data.labels), int)
    for fold in range(FOLDS):
        trained, tested = fold_of != fold, fold_of == fold
        head = fit(recipe, data.features[trained], data.labels[trained], seed=SEED, validate=False)
        predicted[tested] = head_probabilities(recipe, head, data.features[tested]).mean(axis=1).argmax(axis=1)
    return predicted, data.labels, np.array(data.groups)


def error(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.abs(estimate - truth).sum())


def report_genotype(predicted: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> None:
    truth = shares(labels)
    cross_fitted = [error(cross_fitted_correction(labels, predicted, 3, FOLDS, seed), truth) for seed in range(20)]
    print(f"  all crops: raw {error(shares(predicted), truth):.3f}, cross-fitted corrected {cross_fitted[0]:.3f} "
          f"(seed 0; mean of 20 seeds {np.mean(cross_fitted):.3f}, highest {np.max(cross_fitted):.3f})")
    raw, corrected, covered_raw, covered_corrected = [], [], [], []
    for halving in range(HALVINGS):
        order = rng.permutation(len(labels))
        calibration, held_out = order[: len(labels) // 2], order[len(labels) // 2 :]
        counts, matrix, half_truth = np.bincount(predicted[held_out], minlength=3), confusion_matrix(
            labels[calibration], predicted[calibration]), shares(labels[held_out])
        raw.append(error(shares(predicted[held_out]), half_truth))
        corrected.append(error(corrected_distribution(counts, matrix), half_truth))
        if halving < COVERAGE_HALVINGS:
            _, low, high = proportions_with_ci(counts)
            covered_raw.append((low <= half_truth) & (half_truth <= high))
            _, low, high = corrected_with_ci(counts, matrix, n_boot=200, seed=halving)
            covered_corrected.append((low <= half_truth) & (half_truth <= high))
    pct = lambda values: "/".join(f"{100 * v:.0f}" for v in np.mean(values, axis=0))  # noqa: E731
    print(f"  halvings: raw {np.mean(raw):.3f}, corrected {np.mean(corrected):.3f} "
          f"(mean over {HALVINGS}; corrected closer in {np.mean(np.less(corrected, raw)):.0%})")
    print(f"  95% intervals covering the half's A/B/C: raw (Wilson) {pct(covered_raw)}%, "
          f"corrected (bootstrap) {pct(covered_corrected)}% of {COVERAGE_HALVINGS} halvings")


def main() -> None:
    rng = np.random.default_rng(SEED)
    for name, source in (("released ensemble", released_predictions),
                         ("default recipe, out of fold", out_of_fold_predictions)):
        predicted, labels, groups = source()
        for genotype in dict.fromkeys(groups):
            print(f"{name}, {genotype}:")
            mine = groups == genotype
            report_genotype(predicted[mine], labels[mine], rng)


if __name__ == "__main__":
    main()
