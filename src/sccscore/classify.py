"""Classifying folders of crops and writing the result tables.

Writes to the output folder, each file atomically:

- ``predictions.csv``: one row per image: path, sample, predicted type, the
  probability of each type, and the reference label where the folder has one;
- ``summary.csv``: per sample, the counts and percentages of each predicted
  type, the number of rejected files, and where labels exist the labels'
  percentages and the concordance;
- ``rejected.csv``: every file that was not scored, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import write_csv
from .images import fail_on_rejected, scan_samples
from .models import ScoringModel
from .predict import Predictions, ProgressCallback, predict


@dataclass
class ClassifyResult:
    """The predictions and the per-sample summary of a classify run."""

    predictions: Predictions
    summary: list[dict[str, Any]]
    out_dir: Path


def classify(
    folders: Sequence[str | Path],
    model: ScoringModel,
    out_dir: str | Path,
    strict: bool = False,
    progress: ProgressCallback | None = None,
    **predict_options: Any,
) -> ClassifyResult:
    """Classify every image in the sample folders and write the tables to ``out_dir``.

    Raises
    ------
    SccscoreError
        If a folder is missing or empty, a label folder is unknown, or (with
        ``strict``) any file cannot be scored. Nothing is written then.
    """
    samples = scan_samples(list(folders))
    items = [item for sample in samples for item in sample.items]
    predictions = predict(model, items, progress=progress, **predict_options)
    predictions.rejected = [r for sample in samples for r in sample.rejected] + predictions.rejected
    if strict:
        fail_on_rejected(predictions.rejected)
    summary = summarise(predictions, [sample.name for sample in samples])
    out_dir = Path(out_dir)
    write_tables(predictions, summary, out_dir)
    return ClassifyResult(predictions, summary, out_dir)


def summarise(predictions: Predictions, sample_names: Sequence[str]) -> list[dict[str, Any]]:
    """Counts and percentages of each predicted type per sample."""
    classes = predictions.classes
    predicted = np.array(predictions.predicted)
    samples = np.array([item.sample for item in predictions.items])
    labels = np.array([item.label or "" for item in predictions.items])
    rows = []
    for name in sample_names:
        mine = samples == name
        n = int(mine.sum())
        row: dict[str, Any] = {"sample": name, "n_images": n}
        row["n_rejected"] = sum(r.sample == name for r in predictions.rejected)
        for cls in classes:
            row[f"n_{cls}"] = int((predicted[mine] == cls).sum())
        for cls in classes:
            row[f"pct_{cls}"] = round(100 * row[f"n_{cls}"] / n, 2) if n else ""
        labelled = mine & (labels != "")
        for cls in classes:
            share = (labels[labelled] == cls).mean() if labelled.any() else None
            row[f"label_pct_{cls}"] = round(100 * float(share), 2) if share is not None else ""
        row["concordance"] = (
            round(float((predicted[labelled] == labels[labelled]).mean()), 4) if labelled.any() else ""
        )
        rows.append(row)
    return rows


def write_tables(predictions: Predictions, summary: list[dict[str, Any]], out_dir: Path) -> None:
    classes = predictions.classes
    has_labels = any(item.label for item in predictions.items)
    header = ["path", "sample", "predicted", *(f"p_{cls}" for cls in classes)]
    header += ["label"] if has_labels else []
    rows = (
        [str(item.path), item.sample, predicted, *(f"{p:.6f}" for p in probs)]
        + ([item.label or ""] if has_labels else [])
        for item, predicted, probs in zip(predictions.items, predictions.predicted, predictions.probabilities)
    )
    write_csv(out_dir / "predictions.csv", header, rows)
    write_csv(out_dir / "summary.csv", list(summary[0]), (row.values() for row in summary))
    write_csv(
        out_dir / "rejected.csv",
        ["path", "sample", "reason"],
        ([str(r.path), r.sample, r.reason] for r in predictions.rejected),
    )
