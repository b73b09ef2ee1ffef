"""Classifying folders of crops and writing the result tables, streamed and resumable.

Writes to the output folder:

- ``predictions.csv``: one row per image: path, sample, predicted type, the
  probability of each type, the reference label where the folder has one, and the
  model that typed it (as ``--model`` names it, a folder by its full path);
- ``summary.csv``: per sample, the counts and percentages of each predicted
  type with their 95% intervals (Wilson's, and where every crop of the sample
  sits in a cell's folder, ``wt/cell1/``, with the cells as the units; their
  number is ``n_cells``), the number of rejected files, and where labels exist
  the labels' percentages and the concordance with its Wilson 95% interval;
- ``rejected.csv``: every file that was not scored, with the reason.

Rows are appended to hidden ``.predictions.csv.part`` and ``.rejected.csv.part``
files as batches are scored, so memory stays flat however many images there are;
they are renamed into place only when the run completes, so an interrupted run
never leaves a half-written table. ``resume=True`` continues such a run: it keeps
the complete rows already written and scores only the rest.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ._atomic import one_run_at_a_time, read_kept_json, write_csv, write_json
from .cells import cell_arrays, folder_cell, warn_outside_cells
from .compare import csv_values, share_interval_columns
from .errors import SccscoreError
from .evaluate import warn_grey_crops, warn_unlike_learned
from .images import (ImageItem, Rejected, Sample, fail_on_rejected, refuse_output_inside, repeated_files, scan_samples,
                     warn_repeated)
from .layout import CROPS_RUN_FILE
from .models import ScoringModel, model_reference
from .predict import ProgressCallback, predict_batches
from .stats import agreement_interval
from .training import warn_seen_in_training

REJECTED_HEADER = ["path", "sample", "reason"]


@dataclass
class ClassifyResult:
    """The per-sample summary of a classify run and where its tables are."""

    summary: list[dict[str, Any]]
    rejected: list[Rejected]
    out_dir: Path
    grey: list[str] = field(default_factory=list)  # grey crops' samples, given a model of colour ones (warn_grey_crops)

    @property
    def all_grey(self) -> bool:
        """Whether every sample scored is of grey crops given a model of colour ones: what to expect is then a released
        model's figures on grey crops, or none (:func:`sccscore.evaluate.expected_of`)."""
        return bool(self.grey) and {row["sample"] for row in self.summary if row["n_images"]} <= set(self.grey)


class _Tally:
    """Per-sample counts of predicted types and label agreement, and per cell where the folders name cells."""

    def __init__(self) -> None:
        self.predicted: Counter[tuple[str, str]] = Counter()
        self.labels: Counter[tuple[str, str]] = Counter()
        self.agree: Counter[str] = Counter()
        self.by_cell: dict[str, dict[str, Counter[str]]] = {}
        self.outside_cells: dict[str, list[Path]] = {}  # sample -> its crops in no cell's folder: no cell intervals

    def add(self, sample: str, predicted: str, label: str, path: Path) -> None:
        self.predicted[sample, predicted] += 1
        if (cell := folder_cell(path, sample)) is None:
            self.outside_cells.setdefault(sample, []).append(path)
        else:
            self.by_cell.setdefault(sample, {}).setdefault(cell, Counter())[predicted] += 1
        if label:
            self.labels[sample, label] += 1
            self.agree[sample] += predicted == label


def classify(
    folders: Sequence[str | Path],
    model: ScoringModel,
    out_dir: str | Path,
    strict: bool = False,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    **predict_options: Any,
) -> ClassifyResult:
    """Classify every image in the sample folders and write the tables to ``out_dir``.

    Raises
    ------
    SccscoreError
        If a folder is missing or empty, a label folder is unknown, ``out_dir`` lies
        in a sample folder or another run is writing into it, a resumed run used other
        settings, or (with ``strict``) a file cannot be scored. The final tables are not
        written then.

    Examples
    --------
    The Ikemoto crops, labelled in ``a/``, ``b/`` and ``c/``, with the first released model;
    the WT crops hold one image twice, which is counted twice and said:

    >>> import tempfile, warnings
    >>> from sccscore.models import load_model
    >>> from sccscore.sample_data import data_root
    >>> crops = data_root() / "images"
    >>> with tempfile.TemporaryDirectory() as out, warnings.catch_warnings(record=True) as said:
    ...     warnings.simplefilter("always")
    ...     result = classify([crops / "wt", crops / "ctf18"], load_model("paper:squeezenet1_1/1"), out)
    >>> print(said[0].message)  # doctest: +ELLIPSIS
    the same image is given twice (.../wt/a/a034.jpg, .../wt/a/a035.jpg): each copy counts as a chromosome ...
    >>> [(row["sample"], row["n_images"], round(row["pct_B"] + row["pct_C"], 1), round(row["concordance"], 3))
    ...  for row in result.summary]  # open (B or C) per cent, and agreement with the labels
    [('wt', 489, 35.0, 0.72), ('ctf18', 417, 74.8, 0.616)]
    """
    refuse_output_inside(folders, out_dir)
    samples = scan_samples(list(folders))
    rejected = [r for sample in samples for r in sample.rejected]
    if strict:
        fail_on_rejected(rejected)
    warn_repeated(repeated_files(item.path for sample in samples for item in sample.items))
    grey = warn_grey_crops(model, samples)
    warn_unlike_learned(model, samples)
    with one_run_at_a_time(out_dir) as out:  # a second run into it meanwhile would mix their rows
        result = _classify_into(out, samples, rejected, model, strict, resume, progress, predict_options)
    result.grey = grey
    return result


def _classify_into(out_dir: Path, samples: list[Sample], rejected: list[Rejected], model: ScoringModel, strict: bool,
                   resume: bool, progress: ProgressCallback | None, predict_options: dict[str, Any]) -> ClassifyResult:
    """:func:`classify`'s scoring and tables, into the output folder it holds; ``rejected``, the files skipped as the
    samples were read, gains those skipped as they are scored."""
    items = [item for sample in samples for item in sample.items]
    header = _prediction_header(model, items)
    run = {"model": model_reference(model), "folders": [str(s.folder.resolve()) for s in samples],
           "preprocess": model.config.input.preprocess, "header": header}
    tally = _Tally()
    done = _resume(out_dir, run, tally, rejected) if resume else _start(out_dir, run)
    todo = [item for item in items if str(item.path) not in done]
    with open(out_dir / ".predictions.csv.part", "a", newline="", encoding="utf-8") as rows, \
            open(out_dir / ".rejected.csv.part", "a", newline="", encoding="utf-8") as bad_rows:
        for batch in predict_batches(model, todo, progress=_offset(progress, len(done), len(items)), **predict_options):
            if strict:
                fail_on_rejected(batch.rejected)
            _append(rows, batch, tally, with_label="label" in header, typed_with=[run["model"], run["preprocess"]])
            _append_rejected(bad_rows, batch.rejected)
            rejected += batch.rejected
    warn_seen_in_training(model, items)
    summary = summarise(tally, rejected, [sample.name for sample in samples], model.config.classes)
    _finish(out_dir, summary, rejected)
    return ClassifyResult(summary, rejected, out_dir)


def _prediction_header(model: ScoringModel, items: list[ImageItem]) -> list[str]:
    header = ["path", "sample", "predicted", *(f"p_{cls}" for cls in model.config.classes)]
    return header + (["label"] if any(item.label for item in items) else []) + ["model", "preprocess"]


def _start(out_dir: Path, run: dict[str, Any]) -> set[str]:
    """Begin a fresh run: empty part files and the settings a resume must match."""
    for name, header in ((".predictions.csv.part", run["header"]), (".rejected.csv.part", REJECTED_HEADER)):
        with open(out_dir / name, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerow(header)
    write_json(out_dir / CROPS_RUN_FILE, run)
    return set()


def _resume(out_dir: Path, run: dict[str, Any], tally: _Tally, rejected: list[Rejected]) -> set[str]:
    """Read back the complete rows of an interrupted run; return the paths done."""
    state = out_dir / CROPS_RUN_FILE
    parts = [out_dir / ".predictions.csv.part", out_dir / ".rejected.csv.part"]
    if not state.is_file() or not all(part.is_file() for part in parts):
        return _start(out_dir, run)  # nothing (usable) to resume
    if read_kept_json(state) != run:
        raise SccscoreError(f"{out_dir}: the interrupted run used another model, folders or preprocessing; "
                            "run again without --resume to start afresh")
    done = set()
    for row in _complete_rows(out_dir / ".predictions.csv.part"):
        tally.add(row["sample"], row["predicted"], row.get("label", ""), Path(row["path"]))
        done.add(row["path"])
    for row in _complete_rows(out_dir / ".rejected.csv.part"):
        rejected.append(Rejected(Path(row["path"]), row["sample"], row["reason"]))
        done.add(row["path"])
    return done


def _complete_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a part file, cutting off a last line that a kill left unfinished."""
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with open(path, "r+b") as handle:
            handle.truncate(len(complete))
    return list(csv.DictReader(complete.decode("utf-8").splitlines()))


def _append(handle: TextIO, batch, tally: _Tally, with_label: bool, typed_with: list[str]) -> None:
    """Write a batch's rows, each ending with what typed it (its model and preprocessing: ``typed_with``)."""
    writer = csv.writer(handle)
    for item, predicted, probabilities in zip(batch.items, batch.predicted, batch.probabilities):
        writer.writerow([str(item.path), item.sample, predicted, *(f"{p:.6f}" for p in probabilities)]
                        + ([item.label or ""] if with_label else []) + typed_with)
        tally.add(item.sample, predicted, item.label or "", item.path)
    handle.flush()


def _append_rejected(handle: TextIO, rejected: list[Rejected]) -> None:
    csv.writer(handle).writerows([str(r.path), r.sample, r.reason] for r in rejected)
    handle.flush()


def _finish(out_dir: Path, summary: list[dict[str, Any]], rejected: list[Rejected]) -> None:
    write_csv(out_dir / "summary.csv", list(summary[0]), map(csv_values, summary))
    write_csv(out_dir / "rejected.csv", REJECTED_HEADER, ([str(r.path), r.sample, r.reason] for r in rejected))
    part = out_dir / ".predictions.csv.part"
    with open(part, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(part, out_dir / "predictions.csv")
    (out_dir / ".rejected.csv.part").unlink()
    (out_dir / CROPS_RUN_FILE).unlink()


def summarise(
    tally: _Tally, rejected: list[Rejected], sample_names: Sequence[str], classes: Sequence[str]
) -> list[dict[str, Any]]:
    """Counts and percentages of each predicted type per sample, with their intervals."""
    rows = []
    cells = cell_arrays({name: by_cell for name, by_cell in tally.by_cell.items() if name not in tally.outside_cells},
                        classes)
    for name in (n for n in tally.by_cell if n in tally.outside_cells):  # in the order scored
        warn_outside_cells(name, tally.outside_cells[name], sum(tally.predicted[name, c] for c in classes))
    for name in sample_names:
        counts = [tally.predicted[name, cls] for cls in classes]
        n = sum(counts)
        n_labelled = sum(tally.labels[name, cls] for cls in classes)
        row: dict[str, Any] = {"sample": name, "n_images": n, "n_rejected": sum(r.sample == name for r in rejected),
                               "n_cells": len(cells[name]) if name in cells else ""}
        row |= {f"n_{cls}": count for cls, count in zip(classes, counts)}
        row |= {f"pct_{cls}": _percent(count, n) for cls, count in zip(classes, counts)}
        row |= share_interval_columns(counts, classes, cells.get(name))
        row |= {f"label_pct_{cls}": _percent(tally.labels[name, cls], n_labelled) for cls in classes}
        row["concordance"] = tally.agree[name] / n_labelled if n_labelled else ""
        low, high = agreement_interval(tally.agree[name], n_labelled) if n_labelled else ("", "")
        row |= {"concordance_ci_low": low, "concordance_ci_high": high}
        rows.append(row)
    return rows


def _percent(count: int, total: int) -> float | str:
    return 100 * count / total if total else ""


def _offset(progress: ProgressCallback | None, already: int, total: int) -> ProgressCallback | None:
    """Count the images a resumed run had already scored in its progress."""
    if progress is None:
        return None
    return lambda done, _: progress(already + done, total)
