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

Measured on the four oshima2026 spreads, then on eight: the four and their mirror images (labels
mirrored too), distinct fields to the copy check, so every spread is its own fold. A mirror
image's twin lies in its training, so the eight's figures are optimistic: only the times count
there. The features of every crop are cached by the first run of each set (the new one, run first
and timed again after the baseline), so the baseline is timed warm.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_leave_one_out.py
[OSHIMA_DIR]`` (default ``../shared/data/oshima2026``); about 6 minutes on a 2-core laptop; prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from sccscore import fields
from sccscore.detect import DetectSettings, detect, fit_merge_model
from sccscore.detection_eval import (_types_without, all_processed, annotated_images, annotated_spreads, figures,
                                     leave_one_out, score_spread)
from sccscore.spreads import detect_spreads, metaphase_centres

FIGURES = ("n_true", "recall", "precision", "concordance")


def read_in_every_fold(images: Path, labels: Path) -> dict:
    """leave_one_out as it ran before 2026-12-03 (no crop folders given to learn from, no copies to hold out)."""
    pairs = annotated_images(images, labels)
    annotated = annotated_spreads(pairs)
    settings = DetectSettings()
    # which spreads are one field, from each spread detected with the shipped merge model
    fields.same_images(metaphase_centres((number, detect(spread.rgb, settings, luminance=spread.luminance).chromosomes)
                                         for number, spread in enumerate(annotated)))
    scored = []
    with tempfile.TemporaryDirectory(prefix="bench-loso-") as tmp:
        for held, (item, labelled) in enumerate(pairs):
            merge_model = fit_merge_model([a for i, a in enumerate(annotated) if i != held], settings)
            spreads = all_processed(detect_spreads([images], Path(tmp) / str(held), settings, merge_model,
                                                   labels_dir=labels)).spreads
            others = [s for i, s in enumerate(spreads) if i != held]
            types, probabilities = _types_without(spreads[held], others, None, [item.path], 0, True)
            scored.append(score_spread(spreads[held], types, labelled, probabilities))
    return figures(scored)


def with_mirror_images(oshima: Path, folder: Path) -> tuple[Path, Path]:
    """The four spreads and their mirror images, with labels to match."""
    images, labels = folder / "images", folder / "labels"
    images.mkdir(parents=True)
    labels.mkdir()
    for path in sorted((oshima / "images").glob("*.png")):
        lines = (oshima / "labels" / f"{path.stem}.txt").read_text().split("\n")
        mirrored = []
        for line in filter(None, lines):
            kind, x, y, w, h = line.split()
            mirrored.append(f"{kind} {1 - float(x):.6f} {y} {w} {h}")
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"))
        Image.fromarray(rgb).save(images / path.name)
        Image.fromarray(np.ascontiguousarray(rgb[:, ::-1])).save(images / f"{path.stem} mirrored.png")
        (labels / f"{path.stem}.txt").write_text("\n".join(lines))
        (labels / f"{path.stem} mirrored.txt").write_text("\n".join(mirrored) + "\n")
    return images, labels


def timed(call) -> tuple[float, dict]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def measure(images: Path, labels: Path) -> dict:
    first, once = timed(lambda: leave_one_out(images, labels))
    baseline, before = timed(lambda: read_in_every_fold(images, labels))
    again, _ = timed(lambda: leave_one_out(images, labels))
    same = all(once[key] == before[key] for key in FIGURES) and [s["concordance"] for s in once["per_image"]] == [
        s["concordance"] for s in before["per_image"]]
    return {"spreads": len(once["per_image"]), "read_in_every_fold_s": round(baseline, 1),
            "read_once_s": [round(first, 1), round(again, 1)], "ratio": round(baseline / again, 2),
            "same_figures": same, "figures": {key: once[key] for key in FIGURES}}


def main() -> None:
    oshima = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/oshima2026")
    warnings.simplefilter("ignore")  # the cautions and in-sample notes of each fold, not what is measured
    with tempfile.TemporaryDirectory(prefix="bench-loso-data-") as tmp:
        runs = [measure(oshima / "images", oshima / "labels"), measure(*with_mirror_images(oshima, Path(tmp)))]
    print(json.dumps({"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
                      "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
