"""Does a classifier trained on blurred crops as well keep a spread out of focus typed?

A spread out of focus loses few chromosomes but many of its types: blurred, the gap between a
type C's sisters fills in and the classifier reads it as B (docs/spreads.md, focus). This holds
each annotated spread out in turn, as ``sccscore evaluate-detection --leave-one-out`` does (merge
model, classifier and outline model fitted on the other three as imaged), and reads the held-out
spread as imaged and blurred by a Gaussian of 1 and 2 px (detected again, so its crops and
outlines are the blurred spread's). Classifiers are fitted on the other three's matched
crops: as shipped (``fit_spread_head``), and with copies of each crop blurred by each of a set of
``AUGMENTS`` (px) added to its training crops, with the same type. And the other remedy: the
held-out spread's crops deconvolved (Richardson-Lucy) by the very Gaussian it was blurred with,
which a real spread's blur, neither Gaussian nor known, never gives; the spread as imaged is
deconvolved by 1 px, for what sharpening a spread in focus costs.

Figures per classifier and held-out focus: end-to-end concordance over the 249 annotated
chromosomes (missed ones count as wrong), how many of the 127 type C were called B and of the
66 type B called C, and how far each metaphase's called A/B/C shares lie from the annotated
ones (mean absolute difference, percentage points).

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/spread_focus.py
[OSHIMA_DIR]`` (3.3 minutes on a 2-core CPU with the features cached, about 6 without). Figures:
docs/spreads.md, focus, and docs/spreads-levers.md.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage import restoration

from sccscore.detect import fit_merge_model
from sccscore.detection_eval import annotated_images, annotated_spreads, figures, score_spread
from sccscore.features import extract, fingerprints
from sccscore.images import CLASS_NAMES, ImageItem, read_image
from sccscore.merge import MergeModel
from sccscore.shape import combine, fit_shape_model
from sccscore.spread_model import RECIPE, fit_spread_head, matched_crops
from sccscore.spreads import Spread, detect_spreads
from sccscore.training import LabelledData, head_probabilities

HELD_OUT_BLURS = (0.0, 1.0, 2.0)  # px, the held-out spread's Gaussian
AUGMENTS = ((0.5,), (1.0,), (0.5, 1.0), (1.0, 2.0))  # px: each training crop is added once blurred by each
# Richardson-Lucy's iterations: at 1 px, 3, 5, 10 and 30 gave 0.667, 0.687, 0.687 and 0.510 in a scratch run (its
# crops padded 2 px more; 30 sharpens B into C)
DECONVOLVE_ITERATIONS = 10
DECONVOLVED = "as shipped, crops deconvolved"


def blurred(rgb: np.ndarray, sigma: float) -> np.ndarray:
    if not sigma:
        return rgb
    return np.clip(ndimage.gaussian_filter(rgb.astype(np.float64), (sigma, sigma, 0)), 0, 255).round().astype(np.uint8)


def deconvolved(rgb: np.ndarray, sigma: float) -> np.ndarray:
    """``rgb`` deconvolved by a Gaussian of ``sigma`` px, channel by channel; its edges padded, so its border stays."""
    radius = int(np.ceil(4 * sigma))
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    kernel = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    padded = np.pad(rgb / 255.0, ((radius, radius), (radius, radius), (0, 0)), mode="edge")
    sharp = np.stack([restoration.richardson_lucy(padded[..., c], kernel / kernel.sum(), DECONVOLVE_ITERATIONS)
                      for c in range(3)], axis=-1)[radius:-radius, radius:-radius]
    return np.clip(sharp * 255, 0, 255).round().astype(np.uint8)


def features(items: list[ImageItem]) -> np.ndarray:
    return extract(items, RECIPE.model_config(), fingerprints(items))


def blurred_copies(crops: list[ImageItem], sigmas: tuple[float, ...], folder: Path) -> LabelledData:
    """Each crop blurred by each of ``sigmas``, saved in ``folder``, with its type: extra training for the head."""
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for sigma in sigmas:
        for n, item in enumerate(crops):
            path = folder / f"{sigma:g}-{n:04d}.png"
            Image.fromarray(blurred(read_image(item.path), sigma)).save(path)
            items.append(ImageItem(path, "blurred", item.label))
    labels = np.array([CLASS_NAMES.index(item.label) for item in items])
    digests = fingerprints(items)
    return LabelledData(items, ["blurred"] * len(items), labels, digests, features(items), [None] * len(items))


def typed(spread, head, shape_model) -> dict[int, str]:
    """The held-out spread's calls: the head's probabilities weighed with the outline, as evaluate-detection does."""
    tests = [ImageItem(path, "test") for path in spread.crops.values()]
    probabilities = head_probabilities(RECIPE, head, features(tests)).mean(axis=1)
    outlines = {d.id: d.outline for d in spread.chromosomes}
    probabilities = combine(probabilities, shape_model.probabilities([outlines[n] for n in spread.crops]))
    return {n: CLASS_NAMES[g] for n, g in zip(spread.crops, probabilities.argmax(axis=1))}


def folds(oshima: Path, tmp: Path) -> Iterator[tuple[int, ImageItem, Path, MergeModel, list[Spread]]]:
    """Each annotated spread held out in turn, as ``evaluate-detection --leave-one-out`` holds it: its number, image
    and label file, the merge model fitted on the other spreads, and those spreads as that model detects them."""
    pairs = annotated_images(oshima / "images", oshima / "labels")
    annotated = annotated_spreads(pairs)
    for held, (item, label_file) in enumerate(pairs):
        print(f"holding out {item.path.name}", flush=True)
        merge_model = fit_merge_model([a for i, a in enumerate(annotated) if i != held])
        spreads = detect_spreads([i.path for i, _ in pairs], tmp / f"{held}", merge_model=merge_model,
                                 labels_dir=oshima / "labels").spreads
        yield held, item, label_file, merge_model, [s for i, s in enumerate(spreads) if i != held]


def main(oshima: Path) -> None:
    warnings.filterwarnings("ignore", message=".*edges are more blurred")  # blurred on purpose: the caution is expected
    scored: dict[tuple[str, float], list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for held, item, label_file, merge_model, others in folds(oshima, Path(tmp)):
            heads = {"as shipped": fit_spread_head(others)}
            for sigmas in AUGMENTS:
                copies = blurred_copies(matched_crops(others), sigmas, Path(tmp) / f"{held}-copies")
                heads["+ blurred " + ", ".join(f"{s:g}" for s in sigmas)] = fit_spread_head(others, copies)
            shape_model = fit_shape_model(others)
            for sigma in HELD_OUT_BLURS:
                folder = Path(tmp) / f"{held}-held-{sigma:g}"
                folder.mkdir()
                Image.fromarray(blurred(read_image(item.path), sigma)).save(folder / item.path.name)
                spread = detect_spreads([folder / item.path.name], folder / "out", merge_model=merge_model,
                                        labels_dir=oshima / "labels").spreads[0]
                for name, head in heads.items():
                    scored.setdefault((name, sigma), []).append(score_spread(spread, typed(spread, head, shape_model),
                                                                             label_file))
                for path in spread.crops.values():  # new pixels, new features: they are cached by content
                    Image.fromarray(deconvolved(read_image(path), sigma or 1.0)).save(path)
                scored.setdefault((DECONVOLVED, sigma), []).append(
                    score_spread(spread, typed(spread, heads["as shipped"], shape_model), label_file))
    c, b = CLASS_NAMES.index("C"), CLASS_NAMES.index("B")
    print(f"\n{'classifier':<29} held out  concordance  C called B  B called C  metaphase share error A/B/C")
    for (name, sigma), spreads_scored in scored.items():
        report = figures(spreads_scored)
        c_as_b, b_as_c = (sum(int(((s["true"] == x) & (s["given"] == y)).sum()) for s in spreads_scored)
                          for x, y in ((c, b), (b, c)))
        share_error = " / ".join(str(t["share_error_points"]) for t in report["per_type"].values())
        focus = f"blur {sigma:g} px" if sigma else "as imaged"
        print(f"{name:<29} {focus:<9} {report['concordance']:.3f}        {c_as_b:>3}         {b_as_c:>3}        "
              f"{share_error}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
