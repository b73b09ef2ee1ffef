"""Do shape measurements of a detected chromosome help the CNN type spread chromosomes?

A lever tried for issue 6 (end-to-end concordance on whole spreads), not shipped. Same
leave-one-spread-out protocol as ``sccscore evaluate-detection --leave-one-out``: for each
held-out spread, the merge model is fitted on the other three spreads, all four are detected
with it, and every classifier is trained on the matched chromosomes of the other three only.

- CNN: the default recipe on the spread crops (what ``--leave-one-out`` ships; 0.647);
- shape: a class-balanced logistic regression (scikit-learn, C 0.1) on measurements of the
  detection's own mask: how many fragments were joined into it (two or more: sisters apart,
  as in type C), area, solidity, eccentricity, axis ratio, extent, Euler number, skeleton ends,
  branch points and length, stain mean, spread and share above 0.5;
- CNN x shape: the product of the two models' probabilities, as ``classify --spreads`` does
  with the shipped set (``sccscore.shape``: solidity, eccentricity, axis ratio).

Figures are concordance over the 249 annotated chromosomes (missed ones count as wrong), the
confusion of the matched ones, and how many held-out chromosomes each variant gets right that
the CNN gets wrong and the reverse (a paired view: 228 chromosomes, so a few points is noise).

Run: ``.venv/bin/python benchmarks/spread_shape_features.py [OSHIMA_DIR]`` (default
``../shared/data/oshima2026``; about a minute on a 2-core CPU). Figures: docs/spreads.md.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage import measure, morphology
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sccscore.annotations import match_boxes, read_yolo
from sccscore.detect import DetectSettings, _detections, crop, find_fragments, fit_merge_model
from sccscore.features import extract, fingerprints
from sccscore.images import CLASS_NAMES, ImageItem, read_image
from sccscore.merge import candidate_pairs, join
from sccscore.preprocess import paper_preprocess
from sccscore.shape import shape_measures
from sccscore.training import DefaultRecipe, fit, head_probabilities

# columns of shape_features
FEATURE_SETS = {"pieces": [0, 13], "shipped three": [2, 3, 4], "all shape": list(range(14))}


def shape_features(mask: np.ndarray, rgb: np.ndarray, pieces: int) -> list[float]:
    """Measurements of one chromosome's mask (its box) and of the stain inside it."""
    region = measure.regionprops(mask.astype(int))[0]
    skeleton = morphology.skeletonize(mask)
    neighbours = ndimage.convolve(skeleton.astype(int), np.ones((3, 3)), mode="constant")
    green = rgb[..., 1].astype(float)
    background = np.median(green[~mask]) if (~mask).any() else 255.0
    inside = np.clip((background - green[mask]) / background, 0, 1)
    return [min(pieces, 3), np.log(region.area), *shape_measures(region), region.extent, region.euler_number,
            int(((neighbours == 2) & skeleton).sum()), int(((neighbours >= 4) & skeleton).sum()),
            skeleton.sum() / np.sqrt(region.area), inside.mean(), inside.std(), (inside > 0.5).mean(),
            float(pieces >= 2)]


def matched_chromosomes(annotated, held: int, settings: DetectSettings, crops_dir: Path) -> list[dict]:
    """Every spread detected with the merge model fitted without spread ``held``; its matched chromosomes."""
    merge_model = fit_merge_model([a[:3] for i, a in enumerate(annotated) if i != held], settings)
    rows = []
    for index, (name, rgb, boxes, classes) in enumerate(annotated):
        fragments, left_out, _ = find_fragments(rgb, settings)
        pairs, features = candidate_pairs(fragments, settings.reach)
        groups = join(fragments, pairs, merge_model.probability(features) if len(pairs) else np.zeros(0), settings)
        found = _detections(fragments, groups, left_out, settings)
        pieces = {int(found.labels[fragments == members[0]][0]): len(members) for members in groups.values()}
        chromosomes = found.chromosomes
        boxes_found = np.array([c.box for c in chromosomes], float).reshape(-1, 4)
        for f, t in match_boxes(boxes_found, boxes, 0.5):
            chromosome = chromosomes[f]
            x0, y0, x1, y1 = chromosome.box
            path = crops_dir / f"{held}-{name}-{chromosome.id}.png"
            Image.fromarray(paper_preprocess(crop(rgb, found, chromosome, settings.margin))).save(path)
            mask = found.labels[y0:y1, x0:x1] == chromosome.id
            rows.append({"held": index == held, "true": int(classes[t]), "path": path,
                         "shape": shape_features(mask, rgb[y0:y1, x0:x1], pieces.get(chromosome.id, 1))})
    return rows


def shape_probabilities(train: list[dict], test: list[dict], columns: list[int]) -> np.ndarray:
    x_train = np.array([r["shape"] for r in train])[:, columns]
    x_test = np.array([r["shape"] for r in test])[:, columns]
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(C=0.1, class_weight="balanced", max_iter=5000)
    model.fit(scaler.transform(x_train), [r["true"] for r in train])
    return model.predict_proba(scaler.transform(x_test))


def cnn_probabilities(train: list[dict], test: list[dict], recipe: DefaultRecipe) -> np.ndarray:
    config = recipe.model_config()
    items = [ImageItem(r["path"], "spreads", CLASS_NAMES[r["true"]]) for r in train + test]
    features = extract(items, config, fingerprints(items))
    head = fit(recipe, features[: len(train)], np.array([r["true"] for r in train]), seed=0, validate=False)
    return head_probabilities(recipe, head, features[len(train) :]).mean(axis=1)


def main(oshima: Path) -> None:
    settings, recipe = DetectSettings(), DefaultRecipe()
    annotated = []
    for image in sorted((oshima / "images").glob("*.png")):
        rgb = read_image(image)
        boxes = read_yolo(oshima / "labels" / f"{image.stem}.txt", rgb.shape[1], rgb.shape[0])
        annotated.append((image.stem, rgb, *boxes))
    n_annotated = sum(len(a[3]) for a in annotated)
    truth, given = [], {"CNN": [], "shape": [], **{f"CNN x shape ({name})": [] for name in FEATURE_SETS}}
    with tempfile.TemporaryDirectory() as tmp:
        for held in range(len(annotated)):
            rows = matched_chromosomes(annotated, held, settings, Path(tmp))
            train, test = [r for r in rows if not r["held"]], [r for r in rows if r["held"]]
            cnn = cnn_probabilities(train, test, recipe)
            truth += [r["true"] for r in test]
            given["CNN"] += list(cnn.argmax(axis=1))
            given["shape"] += list(shape_probabilities(train, test, FEATURE_SETS["all shape"]).argmax(axis=1))
            for name, columns in FEATURE_SETS.items():
                combined = np.log(cnn + 1e-9) + np.log(shape_probabilities(train, test, columns) + 1e-9)
                given[f"CNN x shape ({name})"] += list(combined.argmax(axis=1))
    truth = np.array(truth)
    baseline = np.array(given["CNN"]) == truth
    print(f"{len(truth)} of {n_annotated} annotated chromosomes matched (leave one spread out)")
    for name, types in given.items():
        right = np.array(types) == truth
        confusion = np.zeros((3, 3), int)
        np.add.at(confusion, (truth, np.array(types)), 1)
        print(f"{name:30s} concordance {right.sum() / n_annotated:.3f}  "
              f"right where CNN wrong {int((right & ~baseline).sum()):2d}, "
              f"wrong where CNN right {int((~right & baseline).sum()):2d}  confusion {confusion.tolist()}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1
         else Path(__file__).resolve().parents[2] / "shared" / "data" / "oshima2026")
