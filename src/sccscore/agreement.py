"""How far the people who typed one blind review agree with each other, and with the model's calls.

People scoring chromosomes by eye agreed with a reference on 51-77% of them (Ikemoto et al. 2023): the task is hard,
and a model's disagreement with a lab's reviewers means little until it is read against theirs with each other. Each
reviewer types the same page (``sccscore review``; ``--all`` for every call, not only the unsure ones), under their
own name, and saves a sheet; each pair of sheets, and each sheet against the model's call, is then compared on the
crops both typed: the share given the same type (Wilson 95% interval), Cohen's kappa (95% percentile bootstrap interval
over the crops, the crops taken as independent) and the share alike on open (B or C) against cohered (A), the split
``compare`` tests.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SccscoreError
from .images import CLASS_NAMES
from .metrics import cohen_kappa, confusion_matrix
from .predictions_table import NOT_A_CHROMOSOME, model_call, read_predictions
from .review import SAVED_WHERE, Sheet, read_key, read_sheet, refuse_another_table
from .stats import agreement_interval

MODEL = "model"  # the model's calls, as one more reviewer
# the paper's Fig. 1B: what a lab's figures are read against
HUMAN_AGREEMENT = ("in Ikemoto et al. (2023) nine trained people gave the reference's type to 51.4-76.8% of the "
                   "chromosomes (65.7% on average), every one scored")
KAPPA_DRAWS = 2000


@dataclass(frozen=True)
class Agreement:
    """Two reviewers (or a reviewer and the model) on the crops both typed A, B or C."""

    first: str
    second: str
    n_both: int  # typed A, B or C by both
    n_same: int  # given the same type
    same_ci: list[float] | None  # Wilson 95% interval of n_same / n_both
    kappa: float | None  # None where undefined: every crop of one type by both
    kappa_ci: list[float] | None
    n_open_alike: int  # both open (B or C) or both cohered (A)
    n_left_out_by_one: int  # typed X (not a chromosome) by one of the two, a type by the other


def agreement(first: dict[str, str], second: dict[str, str], names: tuple[str, str], seed: int = 0) -> Agreement:
    """How far two reviewers' types (crop path -> A, B, C or X, as :func:`sccscore.review.read_sheet` reads a sheet)
    agree on the crops both typed.

    Examples
    --------
    >>> ann = {"1.png": "A", "2.png": "A", "3.png": "B", "4.png": "C", "5.png": "X"}
    >>> bob = {"1.png": "A", "2.png": "B", "3.png": "B", "4.png": "B", "5.png": "A"}
    >>> same = agreement(ann, bob, ("ann", "bob"))
    >>> same.n_both, same.n_same, same.n_open_alike, same.n_left_out_by_one
    (4, 2, 3, 1)
    >>> round(same.kappa, 3)
    0.273
    """
    shared = [path for path in first if path in second]
    left_out_by_one = sum((first[path] == NOT_A_CHROMOSOME) != (second[path] == NOT_A_CHROMOSOME) for path in shared)
    typed = [path for path in shared if NOT_A_CHROMOSOME not in (first[path], second[path])]
    a, b = (np.array([CLASS_NAMES.index(types[path]) for path in typed], int) for types in (first, second))
    matrix = confusion_matrix(a, b, len(CLASS_NAMES))
    n_same = int(np.trace(matrix))
    kappa = _defined(cohen_kappa(matrix)) if typed else None
    open_alike = int(matrix[0, 0] + matrix[1:, 1:].sum())  # as metrics.open_concordance splits them: A, or B and C
    return Agreement(*names, len(typed), n_same, agreement_interval(n_same, len(typed)) if typed else None, kappa,
                     _kappa_interval(a, b, seed) if kappa is not None else None, open_alike, left_out_by_one)


def _kappa_interval(a: np.ndarray, b: np.ndarray, seed: int) -> list[float] | None:
    """95% percentile bootstrap interval of Cohen's kappa, the crops drawn again with replacement: the draws whose
    kappa is undefined (every crop drawn of one type by both) are left out."""
    rng = np.random.default_rng(seed)
    n_types = len(CLASS_NAMES)
    draws = rng.integers(0, len(a), (KAPPA_DRAWS, len(a)))
    cells = a[draws] * n_types + b[draws]  # each draw's crops as cells of its confusion matrix
    matrices = np.stack([np.bincount(row, minlength=n_types * n_types) for row in cells]).reshape(-1, n_types, n_types)
    kappas = np.array([cohen_kappa(matrix) for matrix in matrices])
    kappas = kappas[np.isfinite(kappas)]
    return [float(v) for v in np.percentile(kappas, [2.5, 97.5])] if len(kappas) else None


def _defined(value: float) -> float | None:
    return value if np.isfinite(value) else None


def review_agreement(predictions: str | Path, review_dir: str | Path, sheets: list[str | Path],
                     seed: int = 0) -> dict[str, Any]:
    """Each pair of ``sheets`` typed on one review, then each sheet against the model's calls (those of
    ``predictions``, the table the review was written from, read from its probabilities: a table set right by a review
    since gives the model's calls still).

    Returns a JSON-ready dict: ``n_reviewed`` (the crops the review showed), ``n_calls`` (the table's), ``reviewers``
    (each sheet's name and the crops it typed) and ``pairs`` (one :class:`Agreement` each, as a dict).
    """
    if not sheets:
        raise SccscoreError("give at least one review sheet")
    _refuse_given_twice(sheets)
    read = [read_sheet(review_dir, sheet) for sheet in sheets]
    names = _names(sheets, read)
    if MODEL in names:
        raise SccscoreError(f"{sheets[names.index(MODEL)]}: a sheet named '{MODEL}' would read as the model's calls; "
                            "rename it")
    typed = {name: sheet.types for name, sheet in zip(names, read)}
    if blank := [sheet for sheet, types in zip(sheets, typed.values()) if not types]:
        raise SccscoreError(f"{blank[0]}: types none of the calls: {SAVED_WHERE}")
    rows = read_predictions(predictions, left_out=True)
    by_path = {row["path"]: row for row in rows}
    for types in typed.values():
        refuse_another_table(types, by_path, Path(review_dir), Path(predictions))
    raters = dict(typed)
    if (calls := {path: model_call(row) for path, row in by_path.items()}) and None not in calls.values():
        raters[MODEL] = calls  # a table typed by hand has no model's calls
    if len(raters) < 2:
        raise SccscoreError(f"{sheets[0]} is the only sheet, and {predictions} holds no model's calls (typed by hand, "
                            "without probabilities): give two or more reviewers' sheets")
    pairs = [agreement(raters[one], raters[other], (one, other), seed)
             for one, other in itertools.combinations(raters, 2)]
    return {"n_reviewed": len(read_key(Path(review_dir))), "n_calls": len(rows),
            "reviewers": [{"name": name, "n_typed": len(types)} for name, types in typed.items()],
            "pairs": [asdict(pair) for pair in pairs]}


def _refuse_given_twice(sheets: list[str | Path]) -> None:
    given = [str(sheet) for sheet in sheets]
    if repeated := next((sheet for sheet in given if given.count(sheet) > 1), None):
        raise SccscoreError(f"{repeated}: given twice; give each reviewer's sheet once")


def _names(sheets: list[str | Path], read: list[Sheet]) -> list[str]:
    """Each sheet by the name its reviewer wrote on the page, else by its file's name (``ann.csv``: ann), or by its
    path where two share a name."""
    names = [sheet.reviewer or Path(path).stem for path, sheet in zip(sheets, read)]
    return names if len(set(names)) == len(names) else [str(path) for path in sheets]
