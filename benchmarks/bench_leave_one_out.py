"""Benchmark: leave one spread out, each spread read once, against reading it again in every fold.

``evaluate-detection --leave-one-out`` and ``train-spreads`` hold each annotated spread out in
turn: a merge model is fitted on the others, every spread is detected with it, and a classifier
is trained on the others' crops. Until 2026-12-03 each fold read every spread from its pixels
again (stain, fragments, candidate pairs), once to detect it and once more to fit the merge model,
though no merge model changes any of that, only how the fragments are joined: with n spreads,
about 2 n^2 readings of 0.7-1.1 s. Now each spread is read once (``detect.read_fragments``) and
each fold only joins (``detect.joined``), crops and trains. Baseline: the fold loop as it ran
before, in this process, with the public functions it used (``fit_merge_model``,
``detect_spreads``); both must give the same figures.

Measured on the four oshima2026 spreads, then on eight: the four and each turned by 10 degrees
(the labels' boxes around their turned corners). Since 2026-12-03 leave-one-out finds a copy
turned by any angle and holds it out with its spread, in one fold: the eight are four folds,
where the baseline, a fold for each spread, holds the same copies out and fits the same models
twice. The features of every crop are cached by the first run of each set (the new one, run
first and timed again after the baseline), so the baseline is timed warm. The copy check is
timed too, on each set's spreads detected with the shipped merge model: turned, zoomed or
mirrored (as leave-one-out runs it) against the shift alone (as ``detect``'s batches do).

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_leave_one_out.py
[OSHIMA_DIR]`` (default ``../shared/data/oshima2026``); about 7 minutes on a 2-core laptop; prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import transform

from sccscore import fields
from sccscore.annotations import read_yolo
from sccscore.detect import DetectSettings, detect, fit_merge_model
from sccscore.detection_eval import (_types_without, all_processed, annotated_images, annotated_spreads, figures,
                                     leave_one_out, score_spread)
from sccscore.images import read_image
from sccscore.spreads import detect_spreads, metaphase_centres

FIGURES = ("n_true", "recall", "precision", "concordance")


def read_in_every_fold(images: Path, labels: Path) -> tuple[dict, dict]:
    """leave_one_out as it ran before 2026-12-03 (no crop folders given to learn from): each spread a fold, held out
    with its copies, read again in every fold. Also the time the copy check takes, turned and not."""
    pairs = annotated_images(images, labels)
    annotated = annotated_spreads(pairs)
    settings = DetectSettings()
    # which spreads are one field, from each spread detected with the shipped merge model
    found = ((n, detect(a.rgb, settings, luminance=a.luminance).chromosomes) for n, a in enumerate(annotated))
    centres = metaphase_centres(found)
    check = {f"copy_check_{name}_ms": round(1000 * timed(lambda: fields.same_images(centres, turned))[0], 1)
             for name, turned in (("shift_alone", False), ("turned", True))}
    copies = fields.same_images(centres, turned=True)
    together = [next((set(group) for group in copies if n in group), {n}) for n in range(len(pairs))]
    scored = []
    with tempfile.TemporaryDirectory(prefix="bench-loso-") as tmp:
        for held, (item, labelled) in enumerate(pairs):
            merge_model = fit_merge_model([a for i, a in enumerate(annotated) if i not in together[held]], settings)
            spreads = all_processed(detect_spreads([images], Path(tmp) / str(held), settings, merge_model,
                                                   labels_dir=labels)).spreads
            others = [s for i, s in enumerate(spreads) if i not in together[held]]
            [(types, probabilities)] = _types_without([spreads[held]], others, None,
                                                      [pairs[i][0].path for i in together[held]], item.name, 0, True)
            scored.append(score_spread(spreads[held], types, labelled, probabilities))
    return figures(scored), check


def with_turned_copies(oshima: Path, folder: Path, degrees: float = 10.0) -> tuple[Path, Path]:
    """The four spreads and each turned by ``degrees`` (counter-clockwise as shown), with labels to match."""
    images, labels = folder / "images", folder / "labels"
    images.mkdir(parents=True)
    labels.mkdir()
    for path in sorted((oshima / "images").glob("*.png")):
        rgb = read_image(path)
        height, width = rgb.shape[:2]
        boxes, classes = read_yolo(oshima / "labels" / f"{path.stem}.txt", width, height)
        shutil.copy(path, images / path.name)
        shutil.copy(oshima / "labels" / f"{path.stem}.txt", labels / f"{path.stem}.txt")
        turned = transform.rotate(rgb, degrees, mode="edge", preserve_range=True).round().astype(np.uint8)
        Image.fromarray(turned).save(images / f"{path.stem} turned.png")
        angle, middle = np.deg2rad(degrees), np.array([(width - 1) / 2, (height - 1) / 2])
        lines = []
        for kind, (x0, y0, x1, y1) in zip(classes, boxes):
            offsets = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]], float) - middle
            x, y = (middle + offsets @ np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])).T
            x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
            if x0 < 0 or y0 < 0 or x1 > width or y1 > height:  # turned out of the field, or cut by its border
                continue
            lines.append(f"{kind} {(x0 + x1) / 2 / width:.6f} {(y0 + y1) / 2 / height:.6f} {(x1 - x0) / width:.6f} "
                         f"{(y1 - y0) / height:.6f}")
        (labels / f"{path.stem} turned.txt").write_text("\n".join(lines) + "\n")
    return images, labels


def timed(call) -> tuple[float, dict]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def measure(images: Path, labels: Path) -> dict:
    first, once = timed(lambda: leave_one_out(images, labels))
    baseline, (before, check) = timed(lambda: read_in_every_fold(images, labels))
    again, _ = timed(lambda: leave_one_out(images, labels))
    same = all(once[key] == before[key] for key in FIGURES) and [s["concordance"] for s in once["per_image"]] == [
        s["concordance"] for s in before["per_image"]]
    return {"spreads": len(once["per_image"]), "read_in_every_fold_s": round(baseline, 1),
            "read_once_s": [round(first, 1), round(again, 1)], "ratio": round(baseline / again, 2),
            "same_figures": same, "figures": {key: once[key] for key in FIGURES}} | check


def main() -> None:
    oshima = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/oshima2026")
    warnings.simplefilter("ignore")  # the cautions and in-sample notes of each fold, not what is measured
    with tempfile.TemporaryDirectory(prefix="bench-loso-data-") as tmp:
        runs = [measure(oshima / "images", oshima / "labels"), measure(*with_turned_copies(oshima, Path(tmp)))]
    print(json.dumps({"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
                      "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
