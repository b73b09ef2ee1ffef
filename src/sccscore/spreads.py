"""From raw spread images to crops and answers: ``sccscore detect`` and ``classify --spreads``.

:func:`detect_spreads` finds the chromosomes of each image (:mod:`sccscore.detect`)
and writes to the output folder:

- ``crops/<sample>/<image>/<id>.png``: one crop per chromosome, other objects
  painted white and the paper's preprocessing applied, so that it looks like the
  published crops the models were trained on;
- ``labelled/<a|b|c>/<image>-<id>.png`` when annotations are given: the crops of
  the detections that match an annotated box, a folder ready for ``sccscore train``;
- ``detections.csv``: every object found, chromosome or left out, with its box,
  area, centre, metaphase, status and reason;
- ``overlays/<sample>/<image>.png``: the image with each box drawn;
- ``rejected.csv``: images that could not be read or processed, and why.

:func:`classify_spreads` does the same, classifies the crops and adds
``predictions.csv`` (one row per chromosome, with its image, metaphase and cell),
``metaphases.csv`` (per image and metaphase) and ``summary.csv`` (per sample), and
colours the overlay boxes by predicted type. The metaphases are the cells of
``sccscore compare --predictions``.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ._atomic import atomic_open, output_folder, write_csv
from .annotations import match_boxes, read_yolo
from .detect import Detection, DetectSettings, MergeModel, crop, detect
from .errors import ImageReadError, SccscoreError
from .images import CLASS_NAMES, ImageItem, Rejected, items_from_paths, read_image
from .models import ScoringModel
from .predict import predict
from .preprocess import paper_preprocess

DETECTION_HEADER = ["image", "sample", "id", "x0", "y0", "x1", "y1", "area", "centroid_x", "centroid_y",
                    "metaphase", "status", "reason", "crop"]
REJECTED_HEADER = ["path", "sample", "reason"]
TYPE_COLOURS = {"A": (0, 150, 0), "B": (235, 140, 0), "C": (210, 0, 0)}
FOUND_COLOUR, LEFT_OUT_COLOUR = (0, 90, 255), (150, 150, 150)


@dataclass
class Spread:
    """One processed image: what was found and where its crops are (not its pixels: memory stays flat)."""

    item: ImageItem
    shape: tuple[int, int]  # height, width
    detections: list[Detection]
    crops: dict[int, Path]  # chromosome id -> crop file
    labels: dict[int, str] = field(default_factory=dict)  # chromosome id -> annotated type, where matched
    predicted: dict[int, str] = field(default_factory=dict)  # chromosome id -> type, after classify_spreads

    @property
    def chromosomes(self) -> list[Detection]:
        return [d for d in self.detections if d.status == "chromosome"]


@dataclass
class SpreadsResult:
    spreads: list[Spread]
    rejected: list[Rejected]
    out_dir: Path
    summary: list[dict[str, Any]] = field(default_factory=list)
    metaphases: list[dict[str, Any]] = field(default_factory=list)


def detect_spreads(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    settings: DetectSettings | None = None,
    merge_model: MergeModel | None = None,
    labels_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SpreadsResult:
    """Detect and crop the chromosomes of spread images (files or folders); see the module docstring.

    An image that cannot be read or processed is listed in ``rejected.csv`` and
    the others go on.
    """
    if labels_dir is not None and not Path(labels_dir).is_dir():
        raise SccscoreError(f"{labels_dir}: no such folder of label files")
    settings = settings or DetectSettings()
    merge_model = merge_model or MergeModel.load()
    items, rejected = items_from_paths(paths)
    out = output_folder(out_dir)
    spreads = []
    for done, item in enumerate(items, start=1):
        try:
            spreads.append(_process(item, out, settings, merge_model, labels_dir))
        except SccscoreError as exc:
            reason = exc.reason if isinstance(exc, ImageReadError) else str(exc)
            rejected.append(Rejected(item.path, item.sample, reason))
        if progress:
            progress(done, len(items))
    for spread in spreads:
        if not spread.chromosomes:
            warnings.warn(f"{spread.item.path}: no chromosomes found", stacklevel=2)
    write_csv(out / "detections.csv", DETECTION_HEADER + (["label"] if labels_dir else []),
              (row for spread in spreads for row in _detection_rows(spread, out, bool(labels_dir))))
    write_csv(out / "rejected.csv", REJECTED_HEADER, ([str(r.path), r.sample, r.reason] for r in rejected))
    return SpreadsResult(spreads, rejected, out)


def _process(item: ImageItem, out: Path, settings: DetectSettings, merge_model: MergeModel, labels_dir) -> Spread:
    rgb = read_image(item.path)
    found = detect(rgb, settings, merge_model)
    folder = output_folder(out / "crops" / item.sample / item.path.stem)
    crops = {}
    for chromosome in found.chromosomes:
        crops[chromosome.id] = _save_png(paper_preprocess(crop(rgb, found, chromosome, settings.margin)),
                                         folder / f"{chromosome.id:03d}.png")
    spread = Spread(item, rgb.shape[:2], found.detections, crops)
    if labels_dir is not None:
        spread.labels = _annotated_types(found.chromosomes, Path(labels_dir) / f"{item.path.stem}.txt", rgb.shape)
        for number, label in spread.labels.items():
            target = output_folder(out / "labelled" / label.lower()) / f"{item.path.stem}-{number:03d}.png"
            with atomic_open(target, "wb") as handle:
                handle.write(crops[number].read_bytes())
    _write_overlay(out, spread, rgb)
    return spread


def _annotated_types(chromosomes: list[Detection], label_file: Path, shape: tuple[int, ...]) -> dict[int, str]:
    """Chromosome id -> annotated type, for the detections matching an annotated box."""
    boxes, classes = read_yolo(label_file, shape[1], shape[0])
    found = np.array([c.box for c in chromosomes], float).reshape(-1, 4)
    return {chromosomes[f].id: CLASS_NAMES[classes[t]] for f, t in match_boxes(found, boxes)}


def _save_png(rgb: np.ndarray, path: Path) -> Path:
    with atomic_open(path, "wb") as handle:
        Image.fromarray(rgb).save(handle, format="PNG")
    return path


def _detection_rows(spread: Spread, out: Path, with_label: bool):
    for d in spread.detections:
        crop_path = spread.crops.get(d.id)
        row = [spread.item.path.name, spread.item.sample, d.id, *d.box, d.area, round(d.centroid[0], 1),
               round(d.centroid[1], 1), d.metaphase or "", d.status, d.reason,
               str(crop_path) if crop_path else ""]
        yield row + ([spread.labels.get(d.id, "")] if with_label else [])


def _write_overlay(out: Path, spread: Spread, rgb: np.ndarray, types: dict[int, str] | None = None) -> None:
    """The image with every box: chromosomes in blue (or their type's colour), the rest grey."""
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    for d in spread.detections:
        if d.status == "chromosome":
            colour = TYPE_COLOURS[types[d.id]] if types and d.id in types else FOUND_COLOUR
            draw.rectangle(d.box, outline=colour, width=2)
            draw.text((d.box[0] + 2, d.box[1]), str(d.id) + (f" {types[d.id]}" if types else ""), fill=colour)
        else:
            draw.rectangle(d.box, outline=LEFT_OUT_COLOUR, width=1)
            draw.text((d.box[0] + 2, d.box[1]), d.status, fill=LEFT_OUT_COLOUR)
    _save_png(np.asarray(image), output_folder(out / "overlays" / spread.item.sample) / f"{spread.item.path.stem}.png")


# -- classification --------------------------------------------------------------------------------


def classify_spreads(
    paths: Sequence[str | Path],
    model: ScoringModel,
    out_dir: str | Path,
    settings: DetectSettings | None = None,
    merge_model: MergeModel | None = None,
    progress: Callable[[int, int], None] | None = None,
    **predict_options: Any,
) -> SpreadsResult:
    """Detect, crop and classify the chromosomes of spread images; see the module docstring."""
    result = detect_spreads(paths, out_dir, settings, merge_model, progress=progress)
    items = [ImageItem(path, s.item.sample) for s in result.spreads for path in s.crops.values()]
    predictions = predict(model, items, **predict_options)
    predicted = dict(zip((str(i.path) for i in predictions.items), predictions.predicted))
    probabilities = dict(zip((str(i.path) for i in predictions.items), predictions.probabilities))
    classes = model.config.classes
    rows = []
    for spread in result.spreads:
        spread.predicted = {n: predicted[str(p)] for n, p in spread.crops.items() if str(p) in predicted}
        _write_overlay(result.out_dir, spread, read_image(spread.item.path), spread.predicted)
        for d in spread.chromosomes:
            if d.id in spread.predicted:
                p = probabilities[str(spread.crops[d.id])]
                rows.append(_prediction_row(result.out_dir, spread, d, spread.predicted[d.id], dict(zip(classes, p))))
    header = ["path", "sample", "image", "metaphase", "cell", "id", "x0", "y0", "x1", "y1", "predicted",
              *(f"p_{c}" for c in classes)]
    write_csv(result.out_dir / "predictions.csv", header, ([row[k] for k in header] for row in rows))
    result.metaphases = sorted(_tally(rows, ("sample", "image", "metaphase"), classes),
                               key=lambda m: (m["sample"], m["image"], m["metaphase"]))
    result.summary = [row | {"n_images": sum(s.item.sample == row["sample"] for s in result.spreads),
                             "n_metaphases": sum(m["sample"] == row["sample"] for m in result.metaphases)}
                      for row in _tally(rows, ("sample",), classes)]
    for name, table in (("metaphases.csv", result.metaphases), ("summary.csv", result.summary)):
        if table:
            write_csv(result.out_dir / name, list(table[0]), (r.values() for r in table))
    result.rejected += predictions.rejected
    return result


def _prediction_row(out: Path, spread: Spread, d: Detection, predicted: str, probabilities: dict[str, float]) -> dict:
    stem = spread.item.path.stem
    row = {"path": str(spread.crops[d.id]), "sample": spread.item.sample,
           "image": spread.item.path.name, "metaphase": d.metaphase, "cell": f"{stem}/metaphase{d.metaphase}",
           "id": d.id, "x0": d.box[0], "y0": d.box[1], "x1": d.box[2], "y1": d.box[3], "predicted": predicted}
    return row | {f"p_{c}": round(float(p), 6) for c, p in probabilities.items()}


def _tally(rows: list[dict], keys: tuple[str, ...], classes: Sequence[str]) -> list[dict[str, Any]]:
    """Counts and percentages of each predicted type per group of ``keys``."""
    counts = Counter((tuple(row[k] for k in keys), row["predicted"]) for row in rows)
    groups = dict.fromkeys(tuple(row[k] for k in keys) for row in rows)
    table = []
    for group in groups:
        n = sum(counts[group, c] for c in classes)
        row = dict(zip(keys, group)) | {"n_chromosomes": n}
        row |= {f"n_{c}": counts[group, c] for c in classes}
        row |= {f"pct_{c}": round(100 * counts[group, c] / n, 2) for c in classes}
        table.append(row)
    return table
