"""Does correcting by a confusion matrix bring predicted A/B/C shares closer to the labels?

Out-of-fold predictions of sccscore's default recipe (5-fold cross-validation on the
shared WT and CTF18-/- crops, seed 0) are split 50 times at random into two halves per
genotype: the confusion matrix of one half (or of that half plus the other genotype:
"pooled") corrects the predicted counts of the other half by maximum likelihood
(:func:`sccscore.stats.corrected_distribution`), and the summed absolute error against the
held-out half's labels is compared with that of the raw predicted shares.

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/correction_halves.py``
(about a minute on a 2-core CPU with the feature cache warm). Figures: README, "compare".
"""

from __future__ import annotations

import numpy as np

from sccscore import sample_data
from sccscore.crossval import stratified_folds
from sccscore.stats import corrected_distribution
from sccscore.training import DefaultRecipe, fit, head_probabilities, load_labelled

FOLDS, HALVINGS, SEED = 5, 50, 0


def out_of_fold_predictions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predicted type, label and genotype of every shared crop, each from a model that did not train on it."""
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


def shares(types: np.ndarray) -> np.ndarray:
    return np.bincount(types, minlength=3) / len(types)


def main() -> None:
    predicted, labels, groups = out_of_fold_predictions()
    rng = np.random.default_rng(SEED)
    for genotype in dict.fromkeys(groups):
        mine, others = np.flatnonzero(groups == genotype), np.flatnonzero(groups != genotype)
        whole = np.abs(shares(predicted[mine]) - shares(labels[mine])).sum()
        print(f"{genotype}: all crops, raw summed absolute error {whole:.3f}")
        for matrix_from in ("same half", "pooled"):
            raw, corrected = [], []
            for _ in range(HALVINGS):
                order = rng.permutation(mine)
                calibration, held_out = order[: len(mine) // 2], order[len(mine) // 2 :]
                if matrix_from == "pooled":
                    calibration = np.concatenate([calibration, others])
                confusion = np.zeros((3, 3))
                np.add.at(confusion, (labels[calibration], predicted[calibration]), 1)
                truth = shares(labels[held_out])
                raw.append(np.abs(shares(predicted[held_out]) - truth).sum())
                estimate = corrected_distribution(np.bincount(predicted[held_out], minlength=3), confusion)
                corrected.append(np.abs(estimate - truth).sum())
            print(f"  matrix from {matrix_from}: raw {np.mean(raw):.3f}, corrected {np.mean(corrected):.3f} "
                  f"(mean over {HALVINGS} halvings)")


if __name__ == "__main__":
    main()
