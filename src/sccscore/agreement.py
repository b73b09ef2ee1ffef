"""How far the people who typed one blind review agree with each other, and with the model's calls.

People scoring chromosomes by eye agreed with a reference on 51-77% of them (Ikemoto et al. 2023): the task is hard,
and a model's disagreement with a lab's reviewers means little until it is read against theirs with each other. Each
reviewer types the same page (``sccscore review``; ``--all`` for every call, not only the unsure ones, or
``--sample`` for a number drawn at random from every call, whose figures estimate those on all), under their own name,
and saves a sheet; each pair of sheets, and each sheet against the model's call, is then compared on the
crops both typed: the share given the same type, Cohen's kappa, the share alike on open (B or C) against cohered
(A), the split ``compare`` tests, and each type's specific agreement; and each sample's shares as each typed them, what
each would have reported, and how far apart the answers (one sample's open share less another's) two would give; of a
review drawn at random, each one's answer corrected by the draw (:func:`corrected_by_draw`).

The chromosomes of one cell are not independent (one spread is well spread and stained, the next is not, and
reviewers agree on the one more than on the other), so, as ``compare`` does, the intervals take the cells as the
units where the crops' cells are known (their folders, or the metaphases of spreads: :mod:`sccscore.cells`): the
share's is Korn and Graubard's (:func:`~sccscore.stats.clustered_interval`), kappa's and each reviewer's lean's
(one's share of a type less the other's) from the delete-one-cell jackknife, all on ``k - 1`` degrees of freedom for
``k`` cells. Where they are not known, the crops are taken as independent: Wilson's interval, a 95% percentile
bootstrap of the crops for kappa, and the lean's paired t interval.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .cells import SampleSheet, cell_of, check_sheet
from .errors import SccscoreError
from .images import CLASS_NAMES
from .metrics import cohen_kappa, confusion_matrix
from .predictions_table import (NOT_A_CHROMOSOME, REVIEWED_DRAWN, drawn_untyped, left_out_in_review, model_call,
                                read_predictions, reviewed_drawn)
from .review import (DRAWN, SAVED_WHERE, calls_shown, read_key, read_sheet, refuse_another_table, refuse_given_twice,
                     sheet_names)
from .stats import ALPHA, MIN_CELLS, agreement_interval, clustered_interval
from .words import counted

MODEL = "model"  # the model's calls, as one more reviewer
# the types a review drawn at random set in a table, and the model's calls, in words (:func:`drawn_review`)
REVIEW, THE_MODEL = "the review", "the model"
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
    # the cells the crops typed by both lie in, the intervals' units where 2 or more; None where some crop's cell is
    # not known, the crops then taken as independent
    n_cells: int | None = None
    # the crops typed by both, by the first's type (rows: A, B, C) and the second's (columns): where they differ
    matrix: list[list[int]] | None = None
    # each type's specific agreement (Fleiss 1975): the crops both gave it over the mean of those each gave it,
    # 2 n_kk / (n_k. + n_.k); None where neither gave it. A rare type (C) is where two people part first
    specific: list[float | None] | None = None
    # each type's 95% interval of the first's share of the crops both typed given it less the second's: how far one
    # leans to it (:func:`_lean_intervals`); None where fewer than two units (cells or crops) say it
    lean_ci: list[list[float] | None] | None = None
    # where the crops' samples are given: each sample's crops typed by both, how many each called open (B or C), and
    # the 95% interval of the first's open share less the second's (:func:`_open_by_sample`)
    open_by_sample: dict[str, dict[str, Any]] | None = None
    # each sample after the first: its open share less the first sample's as each typed them, and the 95% interval of
    # the first's difference less the second's: how far apart the answers the two would give lie
    samples_apart: dict[str, dict[str, Any]] | None = None


def agreement(first: dict[str, str], second: dict[str, str], names: tuple[str, str], seed: int = 0,
              cells: dict[str, str] | None = None, samples: dict[str, str] | None = None) -> Agreement:
    """How far two reviewers' types (crop path -> A, B, C or X, as :func:`sccscore.review.read_sheet` reads a sheet)
    agree on the crops both typed; their intervals with the crops' ``cells`` (crop path -> cell) as the units, where
    every crop typed by both has one; with the crops' ``samples`` (crop path -> sample, in the samples' order), how
    far the two part on each sample's open share, and on the samples' difference.

    Examples
    --------
    >>> ann = {"1.png": "A", "2.png": "A", "3.png": "B", "4.png": "C", "5.png": "X"}
    >>> bob = {"1.png": "A", "2.png": "B", "3.png": "B", "4.png": "B", "5.png": "A"}
    >>> same = agreement(ann, bob, ("ann", "bob"))
    >>> same.n_both, same.n_same, same.n_open_alike, same.n_left_out_by_one
    (4, 2, 3, 1)
    >>> round(same.kappa, 3)
    0.273
    >>> same.matrix  # ann's types down, bob's across: ann's C was bob's B
    [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    >>> same.specific  # A: 1 by both of ann's 2 and bob's 1; B: 1 of ann's 1 and bob's 3; C: none of ann's 1
    [0.6666666666666666, 0.5, 0.0]
    >>> same.n_cells is None, [round(v, 3) for v in same.same_ci]  # the crops taken as independent: Wilson's
    (True, [0.15, 0.85])

    Crop 1 in a cell of its own and 2-4 in another: without the second, crop 1 alone, A by both, has no kappa, and so
    kappa has no interval with the cells as the units.

    >>> lone = agreement(ann, bob, ("ann", "bob"), cells={"1.png": "c1", "2.png": "c2", "3.png": "c2", "4.png": "c2"})
    >>> lone.n_cells, lone.kappa_ci
    (2, None)

    ann gave A to 2 of the 4, bob to 1: 25 points more, and not beyond chance from 4 crops.

    >>> [round(v, 2) for v in same.lean_ci[0]]
    [-0.55, 1.0]

    With the crops' samples (1-2 of wt, 3-4 of ko): ann called none of wt's 2 open (B or C), bob 1; both
    called ko's 2 open, so ko lies 100 points above wt as ann typed them. Two crops a sample are too few for an
    interval.

    >>> by_sample = agreement(ann, bob, ("ann", "bob"), samples={"1.png": "wt", "2.png": "wt", "3.png": "ko",
    ...                                                          "4.png": "ko"})
    >>> by_sample.open_by_sample["wt"], by_sample.samples_apart["ko"]["first"]
    ({'n_both': 2, 'n_units': 2, 'n_open': [0, 1], 'lean_ci': None}, 1.0)
    """
    shared = [path for path in first if path in second]
    left_out_by_one = sum((first[path] == NOT_A_CHROMOSOME) != (second[path] == NOT_A_CHROMOSOME) for path in shared)
    typed = [path for path in shared if NOT_A_CHROMOSOME not in (first[path], second[path])]
    a, b = (np.array([CLASS_NAMES.index(types[path]) for path in typed], int) for types in (first, second))
    matrix = confusion_matrix(a, b, len(CLASS_NAMES))
    n_same = int(np.trace(matrix))
    kappa = _defined(cohen_kappa(matrix)) if typed else None
    open_alike = int(matrix[0, 0] + matrix[1:, 1:].sum())  # as metrics.open_concordance splits them: A, or B and C
    given = matrix.sum(axis=1) + matrix.sum(axis=0)  # each type, as often as the two gave it together
    specific = [float(2 * matrix[k, k] / given[k]) if given[k] else None for k in range(len(CLASS_NAMES))]
    cell = _cell_numbers(typed, cells)
    n_cells = len(np.unique(cell)) if cell is not None else None
    by_cell = n_cells is not None and n_cells >= 2  # one cell says nothing of another: its crops as independent
    if not typed:
        same_ci = None
    elif by_cell:
        same_ci = clustered_interval(np.bincount(cell, weights=a == b), np.bincount(cell))
    else:
        same_ci = agreement_interval(n_same, len(typed))
    units = cell if by_cell else np.arange(len(typed))  # each crop's cell, or each crop its own unit
    per_unit = _matrices_per_unit(a, b, units)
    if kappa is None:
        kappa_ci = None
    elif by_cell:
        kappa_ci = _jackknife_interval(per_unit, cohen_kappa, kappa)
    else:
        kappa_ci = _kappa_interval(a, b, seed)
    by_sample, apart = (_open_by_sample(a, b, units, [samples[path] for path in typed], samples) if samples
                        else (None, None))
    return Agreement(*names, len(typed), n_same, same_ci, kappa, kappa_ci, open_alike, left_out_by_one, n_cells,
                     matrix.tolist(), specific, _lean_intervals(per_unit, matrix), by_sample, apart)


def _cell_numbers(typed: list[str], cells: dict[str, str] | None) -> np.ndarray | None:
    """Each crop's cell as a number (0 the first named), or None where some crop's cell is not known."""
    if not typed or cells is None or any(path not in cells for path in typed):
        return None
    numbers: dict[str, int] = {}
    return np.array([numbers.setdefault(cells[path], len(numbers)) for path in typed], int)


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


def _matrices_per_unit(a: np.ndarray, b: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Each unit's crops (``unit``: each crop's cell, or each crop its own) as a confusion matrix of the first's types
    (``a``) by the second's (``b``), flattened: one row a unit."""
    n_types = len(CLASS_NAMES)
    per_unit = np.zeros((int(unit.max()) + 1 if len(unit) else 0, n_types * n_types), int)
    np.add.at(per_unit, (unit, a * n_types + b), 1)
    return per_unit


def _jackknife_interval(per_unit: np.ndarray, statistic: Callable[[np.ndarray], float],
                        estimate: float) -> list[float] | None:
    """95% interval of ``statistic`` of the confusion matrix, the units (the rows of ``per_unit``, as
    :func:`_matrices_per_unit` gives them) taken as independent: the delete-one-unit jackknife's standard error, with
    Student's t on ``k - 1`` degrees of freedom for ``k`` units, as Korn and Graubard's interval of the share takes
    them; kept within -1 and 1 (kappa's bounds, and a difference of shares'). None where fewer than two units, or
    where a unit left out leaves the statistic undefined (kappa of every crop of one type by both).

    Not a bootstrap of whole cells: a draw of a few cells repeats some and leaves others out, and its crops mix fewer
    types, whose kappa runs low; its percentile interval leaned below the estimate (0.07 to 0.46 about 0.37, on the 5
    metaphases of the four oshima2026 spreads). Of a share of the crops with each crop a unit, the jackknife's error is
    the usual one of a mean, s / sqrt(n).
    """
    error = _jackknife_error(per_unit, statistic)
    return None if error is None else _t_interval(estimate, error, len(per_unit) - 1)


def _jackknife_error(per_unit: np.ndarray, statistic: Callable[[np.ndarray], float],
                     shape: tuple[int, ...] = (len(CLASS_NAMES),) * 2) -> float | None:
    """The delete-one-unit jackknife's standard error of ``statistic`` (:func:`_jackknife_interval`) of the units'
    rows summed, as ``shape`` (a confusion matrix, unless said); None where fewer than two units, or where a unit left
    out leaves the statistic undefined."""
    n_units = len(per_unit)
    if n_units < 2:
        return None
    total = per_unit.sum(axis=0)
    left_one_out = np.array([statistic((total - one).reshape(shape)) for one in per_unit])
    if not np.isfinite(left_one_out).all():
        return None
    return float(np.sqrt((n_units - 1) / n_units * np.sum((left_one_out - left_one_out.mean()) ** 2)))


def _t_interval(estimate: float, error: float, degrees: float, bound: float = 1.0) -> list[float]:
    """``estimate`` give or take Student's t on ``degrees`` times ``error``, kept within -``bound`` and ``bound``."""
    from scipy import stats as scipy_stats

    half = scipy_stats.t.ppf(1 - ALPHA / 2, degrees) * error
    return [float(max(-bound, estimate - half)), float(min(bound, estimate + half))]


def _lean_intervals(per_unit: np.ndarray, matrix: np.ndarray) -> list[list[float] | None]:
    """Each type's 95% interval of the first's share of the crops both typed given it less the second's (their
    shares' difference, paired on the same crops): an interval that leaves out 0 is a lean chance alone would seldom
    give. The units are the cells, where known, else the crops (a paired Wald interval, on t)."""
    def lean_to(kind: int) -> Callable[[np.ndarray], float]:
        return lambda m: (m[kind].sum() - m[:, kind].sum()) / m.sum()
    if len(per_unit) < 2:  # also no crop typed by both, whose share is not defined
        return [None] * len(CLASS_NAMES)
    return [_jackknife_interval(per_unit, lean_to(kind), lean_to(kind)(matrix)) for kind in range(len(CLASS_NAMES))]


def _open_less(m: np.ndarray) -> float:
    """The first's open (B or C) share of a confusion matrix's crops (rows: the first's types) less the second's."""
    return (m[1:].sum() - m[:, 1:].sum()) / m.sum()


def _open_by_sample(a: np.ndarray, b: np.ndarray, unit: np.ndarray, sample_of_crop: list[str],
                    samples: dict[str, str]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Each sample's crops typed by both (``a``, ``b``: their types as numbers; ``unit``: each one's cell, or each crop
    its own): how many, how many each called open, and the interval of the first's open share less the second's,
    the sample's units left out in turn (:func:`_jackknife_interval`), where it has :data:`~sccscore.stats.MIN_CELLS`
    or more (of fewer, t on their few degrees spans about all there is); then each sample after the first (in
    ``samples``' order) against it: its open share less the first sample's, as each typed them, and the interval of
    the first's difference less the second's. The samples are apart (other cells), so the two leans' errors add, on
    Welch's degrees of freedom. A lean alike in each sample leaves the samples' difference as it was; a lean in
    one sample alone moves the answer by as much."""
    crop_sample = np.array(sample_of_crop)
    by_sample, errors = {}, {}  # errors: each sample's jackknife error of its lean, None where it gives none
    for sample in (sample for sample in dict.fromkeys(samples.values()) if sample in sample_of_crop):
        here = crop_sample == sample
        n, n_open = int(here.sum()), [int((a[here] > 0).sum()), int((b[here] > 0).sum())]
        per_unit = _matrices_per_unit(a[here], b[here], np.unique(unit[here], return_inverse=True)[1])
        errors[sample] = error = _jackknife_error(per_unit, _open_less) if len(per_unit) >= MIN_CELLS else None
        by_sample[sample] = {"n_both": n, "n_units": len(per_unit), "n_open": n_open, "lean_ci": None if error is None
                             else _t_interval((n_open[0] - n_open[1]) / n, error, len(per_unit) - 1)}
    apart: dict[str, dict[str, Any]] = {}
    if not by_sample:
        return by_sample, apart
    shares = {sample: [k / n["n_both"] for k in n["n_open"]] for sample, n in by_sample.items()}
    first_sample, *others = by_sample
    for sample in others:
        first, second = (shares[sample][i] - shares[first_sample][i] for i in (0, 1))
        units = [by_sample[sample]["n_units"], by_sample[first_sample]["n_units"]]
        apart[sample] = {"less": first_sample, "first": float(first), "second": float(second),
                         "ci": _apart_interval(first - second, [errors[sample], errors[first_sample]], units, 2.0)}
    return by_sample, apart


def _apart_interval(difference: float, errors: list[float | None], n_units: list[int],
                    bound: float) -> list[float] | None:
    """95% interval of a ``difference`` between two samples' estimates, of their jackknife ``errors`` from ``n_units``
    units each: the samples are apart (other cells), so the errors add, on Welch's degrees of freedom; kept within
    -``bound`` and ``bound`` (1 for a difference of shares). None where either has no error."""
    if None in errors:
        return None
    error = float(np.hypot(*errors))
    welch = error**4 / sum(one**4 / (n - 1) for one, n in zip(errors, n_units)) if error else 1.0
    return _t_interval(difference, error, welch, bound)


def where_they_part(pair: dict[str, Any]) -> str | None:
    """The two types a pair (an :class:`Agreement` as a dict) gave most of the crops they typed apart, in words, and
    the type one gave more often than the other (the one they differ most on); None where they typed none apart: what
    to agree on before typing more (the paper's people called 4.6 to 28.8% of one test set C, where its reference
    called 4.8%), as a lean to one type moves a sample's share of it whatever the sample.

    >>> where_they_part({"first": "ann", "second": "bob", "n_both": 10, "n_same": 6,
    ...                  "matrix": [[3, 1, 0], [0, 2, 2], [0, 1, 1]], "lean_ci": [None, None, [-0.3, 0.1]]})
    'ann and bob part most on B against C: 3 of the 4 crops they typed apart; bob gave C to 30% of the 10 both typed, \
ann to 20%: 10 points more (95% CI -10 to 30), which chance alone could give'
    """
    if not (apart := pair["n_both"] - pair["n_same"]):
        return None
    matrix = np.array(pair["matrix"])
    either_way = matrix + matrix.T  # B by one and C by the other, whichever way round
    one, other = max(itertools.combinations(range(len(CLASS_NAMES)), 2), key=lambda types: either_way[types])
    parted = (f"{pair['first']} and {pair['second']} part most on {CLASS_NAMES[one]} against {CLASS_NAMES[other]}: "
              f"{either_way[one, other]} of the {counted(apart, 'crop')} they typed apart")
    return f"{parted}; {leans}" if (leans := _leans(pair, matrix)) else parted


def _leans(pair: dict[str, Any], matrix: np.ndarray) -> str | None:
    """The type one of a pair gave more often than the other, of the crops both typed, the most so (C before B before
    A, where they tie), and by how many points with its interval: "bob gave C to 30% of the 10 both typed, ann to 20%:
    10 points more (95% CI 2 to 18)"; None where each type was given as often by both (crops typed apart both
    ways)."""
    first, second = matrix.sum(axis=1), matrix.sum(axis=0)  # each type as often as each gave it
    kind = max(reversed(range(len(CLASS_NAMES))), key=np.abs(first - second).__getitem__)
    if first[kind] == second[kind]:
        return None
    (more, n_more), (fewer, n_fewer) = sorted(((pair["first"], int(first[kind])), (pair["second"], int(second[kind]))),
                                              key=lambda named: -named[1])
    more_share, fewer_share = (100 * n / pair["n_both"] for n in (n_more, n_fewer))
    # whole points, unless they would read as a tie or their difference as other than the points more said after
    whole = round(more_share) != round(fewer_share) and round(more_share) - round(fewer_share) == round(
        more_share - fewer_share)
    places = 0 if whole else 1
    leans = (f"{more} gave {CLASS_NAMES[kind]} to {more_share:.{places}f}% of the {pair['n_both']} both typed, "
             f"{fewer} to {fewer_share:.{places}f}%")
    if not (interval := pair["lean_ci"][kind]):
        return leans
    low, high = sorted(100 * v * (1 if more == pair["first"] else -1) for v in interval)  # more's share less fewer's
    points = f"{more_share - fewer_share:.{places}f} points more (95% CI {low:.{places}f} to " \
             f"{high:.{places}f})"
    return f"{leans}: {points}" + (", which chance alone could give" if low <= 0 else "")


def open_by_sample_sentence(pair: dict[str, Any]) -> str | None:
    """Each sample's open (B or C) share as each of a pair (an :class:`Agreement` as a dict) typed it, the first's less
    the second's with its interval, then each sample's difference from the first sample as each typed them, and how
    far apart those answers lie; None where the pair's samples are not known or they typed none alike.

    >>> print(open_by_sample_sentence({"first": "bob", "second": "model",
    ...     "open_by_sample": {"wt": {"n_both": 50, "n_units": 50, "n_open": [27, 19], "lean_ci": [0.04, 0.28]},
    ...                        "ko": {"n_both": 50, "n_units": 50, "n_open": [43, 36], "lean_ci": [0.03, 0.25]}},
    ...     "samples_apart": {"ko": {"less": "wt", "first": 0.32, "second": 0.34, "ci": [-0.21, 0.17]}}}))
    Open (B or C), bob against model: wt 54.0% against 38.0%, +16.0 points (95% CI +4.0 to +28.0); ko 86.0% against \
72.0%, +14.0 points (95% CI +3.0 to +25.0). ko less wt: +32.0 points by bob, +34.0 by model; bob's less model's -2.0 \
points (95% CI -21.0 to +17.0)

    Of 3 metaphases of wt and 2 of ko, the cells the units:

    >>> print(open_by_sample_sentence({"first": "ann", "second": "bob", "n_cells": 5,
    ...     "open_by_sample": {"wt": {"n_both": 148, "n_units": 3, "n_open": [146, 146], "lean_ci": None},
    ...                        "ko": {"n_both": 94, "n_units": 2, "n_open": [50, 57], "lean_ci": None}},
    ...     "samples_apart": {"ko": {"less": "wt", "first": -0.455, "second": -0.380, "ci": None}}}))
    Open (B or C), ann against bob: wt 98.6% against 98.6%, +0.0 points; ko 53.2% against 60.6%, -7.4 points. ko less \
wt: -45.5 points by ann, -38.0 by bob; ann's less bob's -7.5 points. No interval where a sample has fewer than 4 cells \
(wt 3, ko 2): a few cells say little of their sample
    """
    from .compare import points

    if not (by_sample := pair.get("open_by_sample")):
        return None
    def within(interval: list[float] | None) -> str:
        return f" (95% CI {points(interval)})" if interval else ""
    shares = "; ".join(
        f"{sample} {100 * first / n['n_both']:.1f}% against {100 * second / n['n_both']:.1f}%, "
        f"{100 * (first - second) / n['n_both']:+.1f} points{within(n['lean_ci'])}"
        for sample, n in by_sample.items() for first, second in [n["n_open"]])
    apart = ". ".join(
        f"{sample} less {d['less']}: {100 * d['first']:+.1f} points by {pair['first']}, {100 * d['second']:+.1f} by "
        f"{pair['second']}; {pair['first']}'s less {pair['second']}'s {100 * (d['first'] - d['second']):+.1f} "
        f"points{within(d['ci'])}" for sample, d in pair["samples_apart"].items())
    few = {sample: n["n_units"] for sample, n in by_sample.items() if n["n_units"] < MIN_CELLS}
    units = "cells" if (pair.get("n_cells") or 0) >= 2 else "crops"  # as agreement took them
    without = (f". No interval where a sample has fewer than {MIN_CELLS} {units} ("
               f"{', '.join(f'{sample} {n}' for sample, n in few.items())}): a few {units} say little of their sample"
               if few else "")
    return f"Open (B or C), {pair['first']} against {pair['second']}: {shares}" + (f". {apart}" if apart else "") + \
        without


def drawn_review(rows: list[dict[str, str]], samples: list[str], cells: dict[str, str] | None = None
                 ) -> dict[str, Any] | None:
    """The types a blind review of calls drawn at random from every call set in a table (``review --sample``, then
    ``apply-review``: ``reviewed`` :data:`~sccscore.predictions_table.REVIEWED_DRAWN`) against the model's calls of
    the same chromosomes, as :func:`agreement` of the two (an :class:`Agreement` as a dict, the review first), of
    ``samples`` in their order (the reference first); the crops' cells as :mod:`sccscore.cells` reads them
    (``cells``: a sample sheet's). What the review measured of the model on the lab's own images, which the calls
    not drawn are; ``n_untyped``, the calls drawn that no one typed (keep), which it leaves out. None where no call
    was reviewed so, or a row has no model's call (typed by hand)."""
    drawn = [row for sample in samples for row in rows if row["sample"] == sample and reviewed_drawn(row)]
    model = {row["path"]: model_call(row) for row in drawn}
    if not drawn or None in model.values():
        return None
    in_cell = {row["path"]: cell for row in drawn if (cell := cell_of(row, cells)) is not None}
    measured = asdict(agreement({row["path"]: row["predicted"] for row in drawn}, model, (REVIEW, THE_MODEL),
                                cells=in_cell, samples={row["path"]: row["sample"] for row in drawn}))
    untyped = sum(row["sample"] in samples and drawn_untyped(row) for row in rows)
    return measured | {"corrected": corrected_by_draw(rows, samples, cells), "n_untyped": untyped}


def corrected_by_draw(rows: list[dict[str, str]], samples: list[str], cells: dict[str, str] | None = None
                      ) -> dict[str, dict[str, Any]] | None:
    """Each sample's open (B or C) share as the review would have typed every one of its calls (``rows``, those
    counted; a review drawn at random applied, as :func:`drawn_review` reads it), estimated from the calls drawn: the
    model's open share of all the sample's calls, plus the review's open share less the model's on the drawn ones. The
    difference estimator of survey sampling (Sarndal, Swensson and Wretman 1992), lately prediction-powered inference
    (Angelopoulos et al. 2023): the model's calls of every chromosome, corrected by how far it leans on those drawn at
    random, with an interval that carries both the draw's chance and the cells'. Then each sample's difference from
    the first (``samples``' order), against the model's own.

    The units are the cells, where every call's is known (``cells`` or the table: :func:`sccscore.cells.cell_of`),
    else the calls; the error is the delete-one-unit jackknife's, the degrees of freedom one fewer than the units
    holding drawn calls, of which fewer than :data:`~sccscore.stats.MIN_CELLS` give no interval (as
    :func:`agreement`'s shares of each sample). The estimate, a share less a lean, is kept within 0 and 1.

    Returns ``by_sample`` (each one's ``n_calls``, ``n_model_open``, ``n_drawn``, ``n_units`` holding drawn calls,
    the ``open`` share estimated, None where none was drawn, and its ``ci``) and ``apart`` (each sample after the
    first: ``less`` it, the ``difference`` of the estimates, the ``model``'s difference, and the ``ci``); None where a
    row has no model's call (typed by hand).

    Six calls of wt: four the model's (A, A, A, B), and two drawn that it called A, which the review typed B and A.

    >>> drawn = "blind, drawn at random"
    >>> rows = [{"path": f"{i}.png", "sample": "wt", "predicted": call, "p_A": p_a, "p_B": 1 - p_a, "p_C": 0,
    ...          "reviewed": reviewed} for i, (call, p_a, reviewed) in enumerate([
    ...     ("A", 0.9, ""), ("A", 0.9, ""), ("A", 0.9, ""), ("B", 0.2, ""), ("B", 0.9, drawn), ("A", 0.9, drawn)])]
    >>> wt = corrected_by_draw(rows, ["wt"])["by_sample"]["wt"]
    >>> wt["n_model_open"], wt["n_drawn"], round(wt["open"], 3)  # 1 of 6 open, and 0.5 more on the drawn
    (1, 2, 0.667)

    A sample none of whose calls is counted (each left out in a review) is left out:

    >>> list(corrected_by_draw(rows, ["ko", "wt"])["by_sample"])
    ['wt']
    """
    counted = [row for sample in samples for row in rows if row["sample"] == sample]
    samples = [sample for sample in samples if any(row["sample"] == sample for row in counted)]  # none left out whole
    model = [model_call(row) for row in counted]
    if not counted or None in model:
        return None
    unit = _cell_numbers([row["path"] for row in counted], {row["path"]: cell for row in counted
                                                              if (cell := cell_of(row, cells)) is not None})
    if unit is None or len(np.unique(unit)) < 2:  # one cell says nothing of another: the calls as independent
        unit = np.arange(len(counted))
    model_open = np.array([call != "A" for call in model], float)
    drawn = np.array([reviewed_drawn(row) for row in counted], float)
    review_less = drawn * (np.array([row["predicted"] != "A" for row in counted]) - model_open)
    sample_of = np.array([row["sample"] for row in counted])
    by_sample, errors = {}, {}
    for sample in samples:
        here = sample_of == sample
        units = np.unique(unit[here], return_inverse=True)[1]
        # each unit's calls, the model's open among them, the calls drawn, and the review's open less the model's
        per_unit = np.stack([np.bincount(units, weights=column[here]) for column in
                             (np.ones(len(counted)), model_open, drawn, review_less)], axis=1)
        by_sample[sample], errors[sample] = _corrected_share(per_unit)
    return {"by_sample": by_sample, "apart": _corrected_apart(by_sample, errors)}


def _corrected_share(per_unit: np.ndarray) -> tuple[dict[str, Any], float | None]:
    """One sample's record of :func:`corrected_by_draw` from its units' counts (a row a unit: calls, the model's open,
    drawn, the review's open less the model's), and the jackknife error of its estimate (None where it has no
    interval)."""
    n_calls, n_model_open, n_drawn, _ = per_unit.sum(axis=0)
    n_units = int((per_unit[:, 2] > 0).sum())  # those holding drawn calls
    estimate = _review_less_model(per_unit.sum(axis=0))
    error = _jackknife_error(per_unit, _review_less_model, shape=(4,)) if n_units >= MIN_CELLS else None
    interval = None if error is None else _t_interval(estimate, error, n_units - 1)
    return {"n_calls": int(n_calls), "n_model_open": int(n_model_open), "n_drawn": int(n_drawn), "n_units": n_units,
            "open": None if np.isnan(estimate) else float(np.clip(estimate, 0, 1)),
            "ci": interval and [max(0.0, interval[0]), interval[1]]}, error


def _corrected_apart(by_sample: dict[str, dict[str, Any]], errors: dict[str, float | None]
                     ) -> dict[str, dict[str, Any]]:
    """Each sample after the first (:func:`corrected_by_draw`'s records, in order): its corrected share less the
    first's, the model's, and the 95% interval of the corrected difference, on Welch's degrees
    (:func:`_apart_interval`)."""
    (first_sample, first), *others = by_sample.items()
    def model_share(n: dict[str, Any]) -> float:
        return n["n_model_open"] / n["n_calls"]
    return {sample: {"less": first_sample, "difference": this["open"] - first["open"],
                     "model": model_share(this) - model_share(first),
                     "ci": _apart_interval(this["open"] - first["open"], [errors[sample], errors[first_sample]],
                                           [this["n_units"], first["n_units"]], 1.0)}
            for sample, this in others if None not in (this["open"], first["open"])}


def corrected_rows(corrected: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A row a sample of :func:`corrected_by_draw`'s answer, as compare's table and the report give it: its calls, those
    drawn and the units they lie in, its open share as the model called it and as corrected (``ci`` its interval), and
    its difference from the reference both ways (None for the reference, or where not estimated).

    >>> corrected_rows({"by_sample": {"wt": {"n_calls": 4, "n_model_open": 1, "n_drawn": 2, "n_units": 2, "open": 0.5,
    ...                                      "ci": None}},
    ...                 "apart": {}})
    [{'sample': 'wt', 'n_calls': 4, 'n_drawn': 2, 'n_units': 2, 'model_open': 0.25, 'open': 0.5, 'ci': None, \
'model_less': None, 'less': None, 'less_ci': None}]
    """
    rows = []
    for sample, n in corrected["by_sample"].items():
        apart = corrected["apart"].get(sample) or {}
        rows.append({"sample": sample, "n_calls": n["n_calls"], "n_drawn": n["n_drawn"], "n_units": n["n_units"],
                     "model_open": n["n_model_open"] / n["n_calls"], "open": n["open"], "ci": n["ci"],
                     "model_less": apart.get("model"), "less": apart.get("difference"), "less_ci": apart.get("ci")})
    return rows


def _review_less_model(total: np.ndarray) -> float:
    """The model's open share of a sample's calls plus the review's open share less the model's on those drawn, of
    their counts (calls, the model's open, drawn, the review's open less the model's: :func:`corrected_by_draw`); NaN
    where none was drawn."""
    n_calls, n_model_open, n_drawn, review_less = total
    return n_model_open / n_calls + review_less / n_drawn if n_drawn else float("nan")


def drawn_review_sentence(pair: dict[str, Any] | None) -> str | None:
    """How far the model agreed with a review of calls drawn at random (:func:`drawn_review`), in words, each sample's
    open share as each gave it, and how far apart the answers lie; where they lie apart beyond chance, what to do.
    None where there was no such review.

    >>> pair = {"first": REVIEW, "second": THE_MODEL, "n_both": 100, "n_same": 61, "same_ci": [0.499, 0.713],
    ...         "n_cells": 16, "open_by_sample": {"wt": {"n_both": 50, "n_units": 8, "n_open": [27, 19],
    ...                                                  "lean_ci": [0.02, 0.30]}},
    ...         "samples_apart": {}}
    >>> print(drawn_review_sentence(pair))
    On the 100 calls drawn at random and reviewed blind (sccscore review --sample), the model gave the review's type \
to 61.0% (95% CI 49.9-71.3), an estimate of its agreement on every call. Open (B or C), the review against the \
model: wt 54.0% against 38.0%, +16.0 points (95% CI +2.0 to +30.0)
    >>> pair["samples_apart"] = {"ko": {"less": "wt", "first": 0.32, "second": 0.10, "ci": [0.05, 0.39]}}
    >>> print(drawn_review_sentence(pair).split(". ")[-1])
    The answers lie apart beyond chance, and the calls not drawn are the model's: give the answer corrected by the \
draw (its interval carries the draw's chance), review them all (sccscore review --all), or teach sccscore your types \
(export-labelled, train)

    Two more drawn, which the review left untyped:

    >>> print(drawn_review_sentence(pair | {"n_untyped": 2}).split(". ")[1])
    2 more calls drawn were left untyped (keep): every figure here leaves them out, and leans the model's way where \
they were the hardest to type
    """
    if not pair or not pair["n_both"]:
        return None
    low, high = pair["same_ci"]
    said = (f"On the {pair['n_both']} calls drawn at random and reviewed blind (sccscore review --sample), the model "
            f"gave the review's type to {100 * pair['n_same'] / pair['n_both']:.1f}% (95% CI {100 * low:.1f}-"
            f"{100 * high:.1f}), an estimate of its agreement on every call. ")
    if untyped := pair.get("n_untyped"):  # the hardest, likeliest: the model's lean on them goes unseen
        said += (f"{counted(untyped, 'more call')} drawn {'was' if untyped == 1 else 'were'} left untyped (keep): "
                 "every figure here leaves them out, and leans the model's way where they were the hardest to type. ")
    said += open_by_sample_sentence(pair) or ""
    if corrected := corrected_sentence(pair.get("corrected")):
        said += f". {corrected}"
    if any(d["ci"] and (d["ci"][0] > 0 or d["ci"][1] < 0) for d in pair["samples_apart"].values()):
        said += (". The answers lie apart beyond chance, and the calls not drawn are the model's: give the answer "
                 "corrected by the draw (its interval carries the draw's chance), review them all (sccscore review "
                 "--all), or teach sccscore your types (export-labelled, train)")
    return said


def corrected_sentence(corrected: dict[str, dict[str, Any]] | None, by: str = REVIEW) -> str | None:
    """Each sample's open share as the review (or the reviewer named ``by``) would have typed every call, and each
    sample's difference from the first, against the model's (:func:`corrected_by_draw`), in words; None where none was
    estimated.

    >>> print(corrected_sentence({
    ...     "by_sample": {"wt": {"n_calls": 240, "n_model_open": 74, "n_drawn": 50, "n_units": 8, "open": 0.328,
    ...                          "ci": [0.150, 0.507]},
    ...                   "ko": {"n_calls": 240, "n_model_open": 166, "n_drawn": 50, "n_units": 8, "open": 0.772,
    ...                          "ci": [0.683, 0.860]}},
    ...     "apart": {"ko": {"less": "wt", "difference": 0.443, "model": 0.383, "ci": [0.256, 0.631]}}}))
    Corrected by the draw, the open (B or C) share as the review would type every call (the model's share of every \
call, plus the review's less the model's on those drawn): wt 32.8% (95% CI 15.0-50.7), ko 77.2% (95% CI 68.3-86.0); ko \
less wt +44.3 points (95% CI +25.6 to +63.1), against +38.3 by the model's calls alone
    """
    from .compare import points

    if not corrected or not (estimated := {sample: n for sample, n in corrected["by_sample"].items()
                                           if n["open"] is not None}):
        return None
    shares = ", ".join(f"{sample} {100 * n['open']:.1f}%" + (f" (95% CI {100 * n['ci'][0]:.1f}-{100 * n['ci'][1]:.1f})"
                                                             if n["ci"] else "") for sample, n in estimated.items())
    apart = "; ".join(f"{sample} less {d['less']} {100 * d['difference']:+.1f} points"
                      + (f" (95% CI {points(d['ci'])})" if d["ci"] else "")
                      + f", against {100 * d['model']:+.1f} by the model's calls alone"
                      for sample, d in corrected["apart"].items())
    said = (f"Corrected by the draw, the open (B or C) share as {by} would type every call (the model's share of "
            f"every call, plus {by}'s less the model's on those drawn): {shares}")
    return f"{said}; {apart}" if apart else said


def _defined(value: float) -> float | None:
    return value if np.isfinite(value) else None


def review_agreement(predictions: str | Path, review_dir: str | Path, sheets: list[str | Path],
                     seed: int = 0, sample_sheet: SampleSheet | None = None) -> dict[str, Any]:
    """Each pair of ``sheets`` typed on one review, then each sheet against the model's calls (those of
    ``predictions``, the table the review was written from, read from its probabilities: a table set right by a review
    since gives the model's calls still).

    The crops' cells are read as ``compare`` reads them: from ``sample_sheet`` where one is given (crops not sorted
    into cells' folders), else from the table's cell column or the crops' folders.

    Returns a JSON-ready dict: ``n_reviewed`` (the crops the review showed), ``n_calls`` (the table's), ``shown``
    (which calls: :func:`sccscore.review.calls_shown`), ``reviewers``
    (each sheet's name and the crops it typed), ``pairs`` (one :class:`Agreement` each, as a dict), ``by_sample``
    (each one's types in each sample: :func:`types_by_sample`) and, of a review drawn at random, ``corrected`` (each
    sheet's answer corrected by the draw, as compare gives it once the sheet is applied: :func:`corrected_by_draw`).
    """
    if not sheets:
        raise SccscoreError("give at least one review sheet")
    refuse_given_twice(sheets)
    read = [read_sheet(review_dir, sheet) for sheet in sheets]
    names = sheet_names(sheets, read)
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
    if sample_sheet:
        check_sheet(sample_sheet.path, sample_sheet.cells, rows)
    named = sample_sheet.cells if sample_sheet else None
    cells = {row["path"]: cell for row in rows if (cell := cell_of(row, named)) is not None}
    samples = {row["path"]: row["sample"] for row in rows}
    pairs = [agreement(raters[one], raters[other], (one, other), seed, cells, samples)
             for one, other in itertools.combinations(raters, 2)]
    key = read_key(Path(review_dir))
    shown = [row["path"] for row in key]
    report = {"n_reviewed": len(shown), "n_calls": len(rows), "shown": calls_shown(key, len(rows)),
              "reviewers": [{"name": name, "n_typed": len(types)} for name, types in typed.items()],
              "pairs": [asdict(pair) for pair in pairs], "by_sample": types_by_sample(raters, samples, shown)}
    if report["shown"] == DRAWN:  # each reviewer's answer, as compare gives it once their types are applied
        in_order = list(dict.fromkeys(samples.values()))
        report["corrected"] = {name: corrected_by_draw(_typed_as_drawn(rows, types), in_order, named)
                               for name, types in typed.items()}
    return report


def _typed_as_drawn(rows: list[dict[str, str]], types: dict[str, str]) -> list[dict[str, str]]:
    """A table's rows as ``apply-review`` of one reviewer's sheet of a drawn review would leave them for compare: each
    call they typed A, B or C set to it and marked drawn, the rest as the model called them; those they typed X, or
    an earlier review left out, not counted."""
    return [row | ({"predicted": types[row["path"]], "reviewed": REVIEWED_DRAWN} if row["path"] in types else
                   {"reviewed": ""})
            for row in rows if types.get(row["path"]) != NOT_A_CHROMOSOME and not left_out_in_review(row)]


def types_by_sample(raters: dict[str, dict[str, str]], sample_of: dict[str, str],
                    shown: list[str]) -> dict[str, dict[str, list[int]]]:
    """Each one's A, B and C counts in each sample (in the table's order), of the crops the review showed that they
    typed, X left out: what each would have reported, were their types the lab's (with ``review --all``, of every
    call). Whether a knockout's effect holds whoever types it is read here.

    >>> raters = {"ann": {"1.png": "A", "2.png": "B", "3.png": "C"}, "model": {"1.png": "A", "2.png": "A",
    ...                                                                       "3.png": "B", "4.png": "C"}}
    >>> types_by_sample(raters, {"1.png": "wt", "2.png": "wt", "3.png": "ko", "4.png": "ko"}, ["1.png", "2.png",
    ...                                                                                        "3.png"])
    {'ann': {'wt': [1, 1, 0], 'ko': [0, 0, 1]}, 'model': {'wt': [2, 0, 0], 'ko': [0, 1, 0]}}
    """
    samples = list(dict.fromkeys(sample_of.values()))
    counts: dict[str, dict[str, list[int]]] = {}
    for name, types in raters.items():
        by_sample = {sample: [0] * len(CLASS_NAMES) for sample in samples}
        for path in shown:
            if types.get(path) in CLASS_NAMES:
                by_sample[sample_of[path]][CLASS_NAMES.index(types[path])] += 1
        counts[name] = {sample: n for sample, n in by_sample.items() if sum(n)}
    return counts
