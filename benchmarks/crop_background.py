"""Why a spread's crops paint the other objects in the background's colour, not white.

The paper's preprocessing (``sccscore.preprocess.paper_preprocess``) normalises each crop by
its own mean and standard deviation. Neighbours painted white before it raise both, and the
chromosome comes out paler the more of its crop its neighbours filled: a dense spread's crops
looked faded. ``sccscore.detect.crop`` now paints them the background's colour, which the
normalisation turns white as well. Both ways compared in one run:

0. Crowding: the mean grey of each chromosome's own pixels after preprocessing, for crops
   whose neighbours fill more than 10% of the crop against crops with none, four spreads.
1. Leave one spread out, end to end, as ``sccscore evaluate-detection --leave-one-out``
   (merge and shape models and classifier fitted without the held-out spread), with and
   without the outline: concordance, per-type share errors, and the chromosomes each gets
   right where the other does not, with a two-sided sign test.
2. 4-fold cross-validation over the matched crops of all four spreads, each spread's crops
   whole in one fold (``sccscore.splits.grouped_folds``; folds that part a spread read 4 to 7
   points high); classifier alone (``spread_model.RECIPE``).
3. The authors' released 30-model ensemble on the same matched crops (no training).

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python
benchmarks/crop_background.py [OSHIMA_DIR]`` (3.7 minutes on a 2-core CPU, most
crops' features cached).
Figures: docs/spreads.md, "Crops".
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from scipy import ndimage
from scipy.stats import binomtest

from sccscore import detection_eval, spread_model, spreads
from sccscore.splits import grouped_folds
from sccscore.detect import DetectSettings, crop, crop_box, detect
from sccscore.features import extract, fingerprints
from sccscore.images import CLASS_NAMES, read_image
from sccscore.models import load_model
from sccscore.predict import predict
from sccscore.preprocess import paper_preprocess
from sccscore.training import fit_logistic_regression, linear_probabilities

MARGIN = DetectSettings().margin  # as detect_spreads cuts its crops


def crop_painted_white(rgb, found, detection, margin):
    """``detect.crop`` as it was: the other objects painted white."""
    out = crop(rgb, found, detection, margin)
    x0, y0, x1, y1 = crop_box(detection, margin, rgb.shape)
    window = found.labels[y0:y1, x0:x1]
    others = ndimage.binary_dilation((window > 0) & (window != detection.id), iterations=1)
    out[others & (window != detection.id)] = 255
    return out


CROPS = {"white": crop_painted_white, "background (shipped)": crop}


def crowding(oshima: Path) -> None:
    print("chromosome grey after preprocessing (0 black, 255 white): crowded crops (> 10% neighbours) / clear ones")
    greys: dict[str, dict[bool, list[float]]] = {name: {True: [], False: []} for name in CROPS}
    for path in sorted((oshima / "images").glob("*.png")):
        rgb = read_image(path)
        found = detect(rgb)
        for chromosome in found.chromosomes:
            for name, cut in CROPS.items():
                out = cut(rgb, found, chromosome, MARGIN)
                x0, y0, x1, y1 = crop_box(chromosome, MARGIN, rgb.shape)
                window = found.labels[y0:y1, x0:x1]
                neighbours = ((window > 0) & (window != chromosome.id)).mean()
                if neighbours > 0.1 or neighbours == 0:
                    grey = paper_preprocess(out).mean(axis=2)[window == chromosome.id].mean()
                    greys[name][bool(neighbours > 0.1)].append(grey)
    for name, by_crowding in greys.items():
        crowded, clear = by_crowding[True], by_crowding[False]
        print(f"{name}: {np.mean(crowded):.1f} ({len(crowded)} crops) / {np.mean(clear):.1f} ({len(clear)} crops)")


def leave_one_out(oshima: Path, cut, outline: bool) -> dict:
    with mock.patch.object(spreads, "crop", cut):
        return detection_eval.leave_one_out(oshima / "images", oshima / "labels", use_outline=outline)


def matched_crops(oshima: Path, cut, folder: str) -> list:
    with mock.patch.object(spreads, "crop", cut):
        found = spreads.detect_spreads(sorted((oshima / "images").glob("*.png")), folder, labels_dir=oshima / "labels")
    return spread_model.matched_crops(found.spreads)


def main(oshima: Path) -> None:
    crowding(oshima)
    print("\nleave one spread out, end to end")
    for outline in (True, False):
        reports = {name: leave_one_out(oshima, cut, outline) for name, cut in CROPS.items()}
        (white, w), (background, b) = ((r, np.array([c["given"] == c["annotated"] for c in r["per_chromosome"]]))
                                       for r in reports.values())
        gained, lost = int((b & ~w).sum()), int((w & ~b).sum())
        shares = {name: "/".join(str(t["share_error_points"]) for t in r["per_type"].values())
                  for name, r in reports.items()}
        print(f"{'with' if outline else 'without'} the outline: white {white['concordance']:.3f} "
              f"(share errors A/B/C {shares['white']}), background {background['concordance']:.3f} "
              f"({shares['background (shipped)']}); gained {gained}, lost {lost}, "
              f"sign test p = {binomtest(gained, gained + lost).pvalue:.3f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        crops = {name: matched_crops(oshima, cut, f"{tmp}/{n}") for n, (name, cut) in enumerate(CROPS.items())}
        labels = np.array([CLASS_NAMES.index(c.label) for c in crops["white"]])
        config = spread_model.RECIPE.model_config()
        features = {name: extract(items, config, fingerprints(items)) for name, items in crops.items()}
        print(f"\n4-fold cross-validation over {len(labels)} matched crops of all four spreads, each spread whole "
              "in one fold, classifier alone")
        spread = np.unique([str(c.path.parent) for c in crops["white"]], return_inverse=True)[1]  # one folder each
        fold = grouped_folds(["spreads"] * len(labels), labels, spread, 4, 0)
        right = {name: np.zeros(len(labels), bool) for name in CROPS}
        for k in range(4):
            train, test = fold != k, fold == k
            for name, x in features.items():
                weight, bias = fit_logistic_regression(x[train], labels[train], 3, spread_model.RECIPE.l2_c, True,
                                                       torch.device("cpu"))
                right[name][test] = linear_probabilities(x[test], weight, bias).argmax(axis=1) == labels[test]
        print(", ".join(f"{name} {r.mean():.3f}" for name, r in right.items()), flush=True)
        released = load_model("paper:squeezenet1_1")
        print("\nreleased 30-model ensemble on the same crops (agreement with the annotation; per type A/B/C)")
        for name, items in crops.items():
            given = predict(released, items).probabilities.argmax(axis=1)
            per_type = "/".join(f"{(given[labels == k] == k).mean():.2f}" for k in range(3))
            print(f"{name}: {(given == labels).mean():.3f} ({per_type})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
