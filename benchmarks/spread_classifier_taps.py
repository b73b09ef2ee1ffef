"""Six pooled layers or the two deepest for ``sccscore:spreads``: the evidence, both ways.

The default recipe pools its features at six layers (``DefaultRecipe().taps``). From
2026-11-25 to 2026-11-30 ``sccscore:spreads`` pooled the two deepest only, which typed more
spread chromosomes right while crowded crops were faded (neighbours painted white); on the
crops of 2026-11-30 the six layers are ahead, and ``sccscore:spreads`` is the default recipe
again (``sccscore.spread_model.RECIPE``). Two protocols, each comparing the two on the same
folds in one run:

1. Leave one spread out, end to end, as ``sccscore evaluate-detection --leave-one-out``
   (merge and shape models and classifier fitted without the held-out spread), with and
   without the outline: concordance, and the chromosomes the two deepest get right where the
   six do not and the reverse, with a two-sided sign test.
2. 4-fold cross-validation over the crops that the shipped detector cuts from all four
   spreads and that match an annotated box, each spread's crops whole in one fold
   (``sccscore.splits.grouped_folds``; folds that part a spread read 4 to 7 points high);
   classifier alone, on the shipped detector's crops.

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python
benchmarks/spread_classifier_taps.py [OSHIMA_DIR]`` (about 3 minutes on a 2-core CPU).
Figures: docs/spreads-levers.md, "Classifier levers after the outline".
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from scipy.stats import binomtest

from sccscore import detection_eval, spread_model
from sccscore.features import extract, fingerprints
from sccscore.images import CLASS_NAMES
from sccscore.splits import grouped_folds
from sccscore.spreads import detect_spreads
from sccscore.training import DefaultRecipe, fit_logistic_regression, linear_probabilities

RECIPES = {"six taps (shipped)": spread_model.RECIPE, "two deepest": DefaultRecipe(taps=(11, 12))}


def leave_one_out(oshima: Path, recipe: DefaultRecipe, outline: bool) -> tuple[float, np.ndarray]:
    """Concordance, and which of the annotated chromosomes were found and typed as annotated."""
    with mock.patch.object(detection_eval, "RECIPE", recipe), mock.patch.object(spread_model, "RECIPE", recipe):
        report = detection_eval.leave_one_out(oshima / "images", oshima / "labels", use_outline=outline)
    return report["concordance"], np.array([c["given"] == c["annotated"] for c in report["per_chromosome"]])


def cross_validated(oshima: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        found = detect_spreads(sorted((oshima / "images").glob("*.png")), tmp, labels_dir=oshima / "labels")
        crops = spread_model.matched_crops(found.spreads)
        labels = np.array([CLASS_NAMES.index(c.label) for c in crops])
        features = {name: extract(crops, r.model_config(), fingerprints(crops)) for name, r in RECIPES.items()}
    spread = np.unique([str(c.path.parent) for c in crops], return_inverse=True)[1]  # a spread's crops, one folder
    print(f"4-fold cross-validation over {len(crops)} matched crops of all four spreads, each spread whole in one "
          "fold, classifier alone")
    fold = grouped_folds(["spreads"] * len(crops), labels, spread, 4, 0)
    right = {name: np.zeros(len(crops), bool) for name in RECIPES}
    for k in range(4):
        train, test = fold != k, fold == k
        for name, x in features.items():
            weight, bias = fit_logistic_regression(x[train], labels[train], 3, RECIPES[name].l2_c, True,
                                                   torch.device("cpu"))
            right[name][test] = linear_probabilities(x[test], weight, bias).argmax(axis=1) == labels[test]
    six, two = right.values()
    print(f"six taps {six.mean():.3f}, two deepest {two.mean():.3f}; two right where six wrong "
          f"{int((two & ~six).sum())}, the reverse {int((six & ~two).sum())}", flush=True)


def main(oshima: Path) -> None:
    print("leave one spread out, end to end")
    for outline in (True, False):
        (c_six, six), (c_two, two) = (leave_one_out(oshima, r, outline) for r in RECIPES.values())
        gained, lost = int((two & ~six).sum()), int((six & ~two).sum())
        print(f"{'with' if outline else 'without'} the outline: six taps {c_six:.3f}, two deepest {c_two:.3f}; "
              f"gained {gained}, lost {lost}, sign test p = {binomtest(gained, gained + lost).pvalue:.3f}", flush=True)
    cross_validated(oshima)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
