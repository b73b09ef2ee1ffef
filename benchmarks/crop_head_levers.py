"""Two levers on the default recipe's head, against it: averaged with the released ensemble, and types as ordered.

The paper's WT and CTF18-/- crops, in the 5 folds ``sccscore crossval`` draws (seed 0): the default recipe's
probabilities on each fold from a fit on the other four; the released ensemble's (``paper:squeezenet1_1``, which
learned none of these crops) on all, and their weighted means, as one model of both would give; and A < B < C taken
as ordered (Frank and Hall's two balanced logistic regressions on the same features, P(above A) and P(above B),
from which P(A) = 1 - P(above A), P(B) = P(above A) - P(above B), P(C) = P(above B)). Concordance with the labels
per genotype (the folds' range) and the share of type C called. Figures: docs/training.md, "What each lever gained".

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/crop_head_levers.py`` (about 1 minute
on a 2-core CPU with the backbone's features cached).
"""

from __future__ import annotations

import numpy as np

from sccscore.models import load_model
from sccscore.predict import predict
from sccscore.sample_data import data_root
from sccscore.splits import stratified_folds
from sccscore.training import (DefaultRecipe, fit, fit_logistic_regression, head_probabilities, linear_probabilities,
                               load_labelled)

FOLDS = 5


def out_of_fold(data, recipe: DefaultRecipe, fold_of: np.ndarray) -> np.ndarray:
    """Each crop's probabilities from the default recipe fitted on the other folds, as crossval fits it."""
    found = np.zeros((len(data.items), 3))
    for fold in range(FOLDS):
        trained, tested = fold_of != fold, fold_of == fold
        head = fit(recipe, data.features[trained], data.labels[trained], seed=0, validate=False)
        found[tested] = head_probabilities(recipe, head, data.features[tested]).mean(axis=1)
    return found


def ordered(data, recipe: DefaultRecipe, fold_of: np.ndarray) -> np.ndarray:
    """Each crop's probabilities from two binary heads fitted on the other folds: above A, above B."""
    found = np.zeros((len(data.items), 3))
    for fold in range(FOLDS):
        trained, tested = fold_of != fold, fold_of == fold
        above_a, above_b = (
            linear_probabilities(data.features[tested], *fit_logistic_regression(
                data.features[trained], (data.labels[trained] > k).astype(np.int64), 2, recipe.l2_c, True))[:, 1]
            for k in (0, 1))
        found[tested] = np.stack([1 - above_a, np.clip(above_a - above_b, 0, None), above_b], axis=1)
    return found


def line(name: str, probabilities: np.ndarray, data, fold_of: np.ndarray) -> str:
    said, called, groups = [], probabilities.argmax(axis=1), np.array(data.groups)
    for genotype in ("wt", "ctf18"):
        mine = groups == genotype
        right = called == data.labels
        folds = [right[mine & (fold_of == fold)].mean() for fold in range(FOLDS)]
        said.append(f"{genotype} {right[mine].mean():.3f} ({min(folds):.3f}-{max(folds):.3f}), C called "
                    f"{(called[mine] == 2).mean():.3f} (labels {(data.labels[mine] == 2).mean():.3f})")
    return f"{name:<36} " + "; ".join(said)


def main() -> None:
    images, recipe = data_root() / "images", DefaultRecipe()
    data = load_labelled([images / "wt", images / "ctf18"], recipe, FOLDS, "the benchmark")
    fold_of = stratified_folds(data.groups, data.labels, data.digests, FOLDS, 0)
    default = out_of_fold(data, recipe, fold_of)
    released = predict(load_model("paper:squeezenet1_1"), data.items).probabilities
    print(line("default recipe", default, data, fold_of))
    print(line("released ensemble", released, data, fold_of))
    for weight in (0.25, 0.5, 0.75):
        print(line(f"mean, default weighted {weight}", weight * default + (1 - weight) * released, data, fold_of))
    geometric = np.exp((np.log(default + 1e-9) + np.log(released + 1e-9)) / 2)
    print(line("geometric mean", geometric, data, fold_of))
    print(line("A < B < C ordered (Frank and Hall)", ordered(data, recipe, fold_of), data, fold_of))


if __name__ == "__main__":
    main()
