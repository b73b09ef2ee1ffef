"""Comparing samples against a reference: the lab's real question.

Counts of predicted types per sample come from a classify run (or an existing
``predictions.csv``); :mod:`sccscore.stats` gives each sample's distribution
with intervals, its distribution corrected for the classifier's known errors
(when a confusion matrix measured on labelled images is at hand), and tests of
each sample against the reference: at chromosome level, and at the levels of
cells and replicates (independent experiments) where the images' folders or a
sample sheet name them.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .cells import (SampleSheet, cell_arrays, cell_counts, cell_replicates, check_replicate_source, check_sheet,
                    replicate_arrays, run_replicates)
from .config import named, read_config
from .errors import SccscoreError
from .framing import framing_caution
from .images import CLASS_NAMES
from .learned import table_unlike_learned
from .predictions_table import (REVIEWER, counted_and_left_out, counts_from_rows, from_spreads, model_call,
                                preprocessed_with, reviewed_blind, set_by_hand, typed_by)
from .sample_cautions import (check_made_alike, colour_caution, imaging_caution, jpeg_caution, made_apart,
                              raw_caution, scale_caution, spreads_imaged, texture_caution, typed_crops_framings,
                              typed_crops_textures, typed_crops_whites)
from .sample_crops import texture_record
from .stats import (MIN_CELLS, MIN_REPLICATES, cannot_correct, compare_cells, compare_counts, compare_replicates,
                    corrected_with_ci, holm, proportions_with_ci, proportions_with_clustered_ci)
from .words import by_whom, listing, noun, percents_apart

# the share intervals shown, as a caption names them: the same words in every table
WILSON_INTERVALS = "95% Wilson intervals, the chromosomes taken as independent"
CELL_INTERVALS = "95% intervals, the cells taken as the units"
_PERCENT = re.compile(r"((label_|mean_)?pct|(cell_)?ci)_")  # the columns of percentages (csv_values)

DRAWN_TABLE = "drawn_review.csv"  # compare --out's table of the answer corrected by a drawn review
P_SHOWN_BELOW = 1e-50  # smaller p-values are shown as "< 1e-50" (shown_p)
BY_MODEL = "auto"  # compare_table corrects by the validation of the model that typed the table, where it kept one
GIVEN = "the confusion matrix given"  # the words of a correction by a matrix passed in (corrected_by)
TOO_FEW_SAMPLES = "give the reference and at least one sample to compare with it"


def check_samples(samples: Sequence[str], named: Sequence[str] | None = None) -> None:
    """The reference and at least one sample, each once: a sample given twice was compared with itself (refused as
    too few samples, which it is not) or, given a third time, compared once in silence.

    ``named`` names the samples as said (their folders, as given), where ``samples`` are what makes two the same.

    >>> check_samples(["wt", "ko", "wt"])
    Traceback (most recent call last):
    sccscore.errors.SccscoreError: wt is given twice: give the reference, then each sample to compare with it, once
    """
    named = named or samples
    for n, sample in enumerate(samples):
        if sample in samples[:n]:
            raise SccscoreError(f"{named[n]} is given twice: give the reference, then each sample to compare with it, "
                                "once")
    if len(samples) < 2:
        raise SccscoreError(TOO_FEW_SAMPLES)


def counts_from_summary(summary: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Predicted A/B/C counts per sample from :func:`sccscore.classify.classify`'s summary."""
    return {row["sample"]: np.array([row[f"n_{c}"] for c in CLASS_NAMES]) for row in summary}


def confusion_from(source: str | Path | dict[str, Any]) -> np.ndarray:
    """A confusion matrix (counts) from an evaluate or crossval JSON, or a model's training record.

    For several members the ensemble's matrix is used; a crossval report's
    groups are summed.
    """
    data = source if isinstance(source, dict) else _read_json(Path(source))
    if "groups" in data:
        return sum((confusion_from(group) for group in data["groups"].values()), np.zeros((3, 3), np.int64))
    if "confusion_of_matched" in data:
        raise SccscoreError(f"{source}: an evaluate-detection report; spreads' shares are not corrected by its "
                            "confusion matrix: on the annotated spreads each spread's errors were unlike the others', "
                            "and correcting made the shares worse (docs/spreads.md)")
    figures = data.get("ensemble", data)
    if "confusion" not in figures:
        raise SccscoreError(f"{source}: holds no confusion matrix (write one with evaluate --json or crossval --json)")
    return np.asarray(figures["confusion"], dtype=np.int64)


def validation_confusion(training: dict[str, Any] | None) -> np.ndarray | None:
    """The confusion matrix of a model's own validation (``ModelConfig.training``), None where it was not validated.

    Models trained by ``sccscore train`` keep one, of the images held out from
    their fitting; the released models and the spread classifier do not.
    """
    validation = (training or {}).get("validation", {})
    return confusion_from(validation) if "confusion" in validation else None


def correction_caution(source: str | Path) -> str | None:
    """A warning when correcting did not bring the labelled images of an evaluate or crossval JSON closer to their
    labels.

    Their ``correction_check`` (cross-fitted, see :func:`sccscore.stats.cross_fitted_correction`)
    says whether this model's errors are regular enough for the correction to help. Each
    group of a crossval report is checked with its own matrix, while ``compare`` corrects
    with the groups' pooled one: a check that passes does not vouch for pooling groups
    whose errors differ.
    """
    data = _read_json(Path(source))
    reports = list(data["groups"].values()) if "groups" in data else [data]
    worse = [r for r in reports if "correction_check" in r
             and r["correction_check"]["error_corrected"] > r["correction_check"]["error_raw"]]
    if not worse:
        return None
    figures = "; ".join(f"{r['sample']}: summed error {r['correction_check']['error_corrected']:.3f} corrected, "
                        f"{r['correction_check']['error_raw']:.3f} uncorrected" for r in worse)
    return (f"{source}: on its labelled images the correction moved the shares away from the labels ({figures}); "
            "read the corrected shares as a sensitivity check, not as the answer")


def _correction(confusion: np.ndarray | str | Path | None, model: str | None, rows: list[dict[str, str]],
                table: str | Path) -> tuple[np.ndarray | None, str | None]:
    """The confusion matrix :func:`compare_table` corrects the shares by, and its source in words."""
    if isinstance(confusion, str) and confusion == BY_MODEL:
        return _validation_of_model(model, rows, table)
    if isinstance(confusion, (str, Path)):
        if caution := correction_caution(confusion):
            warnings.warn(caution, stacklevel=3)
        return confusion_from(confusion), str(confusion)
    if confusion is None:
        return None, None
    return np.asarray(confusion, dtype=np.int64), GIVEN


def _validation_of_model(model: str | None, rows: list[dict[str, str]],
                         table: str | Path) -> tuple[np.ndarray | None, str | None]:
    """The confusion matrix of the validation of the ``model`` that typed a table's ``rows``, and its source in words.

    (None, None) where it kept none: a released model, a spread classifier, a table
    without a model column, a model trained with the paper's recipe.
    """
    if model is None or named(model) or from_spreads(rows):
        return None, None
    try:
        training = read_config(model).training
    except SccscoreError as error:
        warnings.warn(f"{table} was typed by {model}, and the shares are not corrected by its validation as "
                      f"classifying would have ({error}): give the confusion matrix to correct them by (--confusion)",
                      stacklevel=4)
        return None, None
    if (matrix := validation_confusion(training)) is None:
        return None, None
    return matrix, f"the validation of {model} ({int(matrix.sum())} held-out images)"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SccscoreError(f"{path}: not a readable JSON file ({exc})") from None


@dataclass(frozen=True)
class Comparison:
    """A comparison of a predictions table's samples: the figures, and the rows, cells and replicates they rest on."""

    report: dict[str, Any]
    rows: list[dict[str, str]]
    cells: dict[str, dict[str, Counter]]
    replicate_of: dict[str, dict[str, str]] | None


def compare_table(table: str | Path, samples: Sequence[str], confusion: np.ndarray | str | Path | None = BY_MODEL,
                  seed: int = 0, sheet: SampleSheet | None = None, replicate_folders: bool = False,
                  replicate_runs: bool = False) -> Comparison:
    """:func:`compare` of the ``samples`` of a ``predictions.csv``, the reference first, at every level known.

    Cells come from ``sheet`` (:func:`~sccscore.cells.read_sheet`) or the images' folders
    (:func:`~sccscore.cells.cell_counts`); replicates from the sheet's replicate column, with ``replicate_folders``
    the first folder in each sample's (:func:`~sccscore.cells.cell_replicates`), or with ``replicate_runs`` the run
    of each row of a joined table (:func:`~sccscore.predictions_table.join_predictions`). The report also names the
    model the table says typed it (``typed_by``, :func:`~sccscore.predictions_table.typed_by`) and the crop
    preprocessing it was typed with (``preprocess``, :func:`~sccscore.predictions_table.preprocessed_with`: "none"
    or "paper", or each sample's where samples typed two ways are compared, their crops made alike as read,
    :func:`~sccscore.sample_cautions.check_made_alike`), and warns where it typed samples of grey crops and of
    colour ones as they are (``colour_caution``, :func:`~sccscore.sample_cautions.colour_caution`), samples of
    colour crops saved as JPEG with their colour at half resolution and others with it whole (``jpeg_caution``,
    :func:`~sccscore.sample_cautions.jpeg_caution`), samples of crops whose white background is grainier than
    others' (``texture_caution``, :func:`~sccscore.sample_cautions.texture_caution`), samples of raw crops, with no
    white around the chromosome, and others of crops made white around it, as the paper's preprocessing makes them
    (``raw_caution``, :func:`~sccscore.sample_cautions.raw_caution`), samples of crops made, cut or imaged otherwise
    than those the model learned, as classify warned (``unlike_learned``,
    :func:`~sccscore.learned.table_unlike_learned`), or samples of crops cut with other margins or of chromosomes
    imaged at another magnification or out of focus (``framing_caution``, :func:`sccscore.framing.framing_caution`),
    or samples of spreads read at different ``--scale`` (``scale_caution``,
    :func:`~sccscore.sample_cautions.scale_caution`) or imaged or saved apart, in focus, noise or format
    (``imaging_caution``, :func:`~sccscore.sample_cautions.imaging_caution`, each sample's medians and JPEG files in
    ``spreads_imaged``). Where a
    caution against what the model learned says how the samples lie apart in their texture, making or framing,
    compare's own caution of it leaves that out: one cause is said once (its JSON key None, or its part left out).

    Where a blind review of calls drawn at random set some (``review --sample``, then ``apply-review``), the report
    gives the model's agreement with it on them (``drawn_review``: :func:`sccscore.agreement.drawn_review`).

    The shares are given corrected for the classifier's errors as well, by ``confusion``:
    by default (``"auto"``), as ``sccscore compare`` does, the confusion matrix of the
    validation of the model that typed the table, where ``sccscore train`` kept one (the
    released models and the spread classifier have none); an evaluate or crossval JSON
    (:func:`confusion_from`, warned of where correcting did not help on its labelled images:
    :func:`correction_caution`); a matrix of counts; or None, for no correction. The report
    says by what (``corrected_by``, None where uncorrected).

    Examples
    --------
    A table typed by hand (columns ``path``, ``sample`` and ``predicted``): four cells of
    ten chromosomes a sample, each cell a folder of its sample's:

    >>> import csv, tempfile
    >>> calls = {"wt": ["AAAAAAAABC", "AAAAAAABBC", "AAAAAAAAAB", "AAAAAABBBC"],
    ...          "ko": ["AAABBBBCCC", "AABBBBBCCC", "AAAABBBCCC", "ABBBBBCCCC"]}
    >>> rows = [(f"{sample}/cell{n}/{i}.png", sample, call) for sample, cells in calls.items()
    ...         for n, cell in enumerate(cells, 1) for i, call in enumerate(cell)]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     table = Path(folder) / "typed.csv"
    ...     with open(table, "w", newline="") as handle:
    ...         csv.writer(handle).writerows([("path", "sample", "predicted"), *rows])
    ...     comparison = compare_table(table, ["wt", "ko"])
    >>> test = comparison.report["tests"]["ko"]
    >>> print(test["verdict"])
    ko shows more open chromosomes (B+C) than wt: 75% vs 25%, chi-square p = 3.7e-05
    >>> print(test["cell_verdict"])
    Per cell (4 ko vs 4 wt cells): B+C 75% vs 25% on average, Mann-Whitney p = 0.029
    """
    from .agreement import drawn_review  # which reads reviews, whose page the report's module draws

    check_replicate_source(sheet, replicate_folders, replicate_runs)
    check_samples(samples)  # before the crops are read for the cautions
    rows, left_out = counted_and_left_out(table)
    counts = counts_from_rows(rows)
    if missing := [name for name in samples if name not in counts]:
        raise SccscoreError(f"{noun('sample', len(missing))} {', '.join(missing)} not in {table} "
                            f"(it has {', '.join(counts)})")
    compared = [row for row in rows if row["sample"] in samples]
    model, preprocess = typed_by(compared, table), preprocessed_with(compared, table)  # the report's typed_by, ...
    whites = typed_crops_whites(compared, samples, model, preprocess)
    check_made_alike(preprocess, whites, table)  # samples preprocessed two ways: their crops as read
    cautions, read = _cautions_of_making(compared, samples, model, preprocess, whites)
    matrix, corrected_by = _correction(confusion, model, compared, table)
    cell_names = sheet.cells if sheet else None
    if sheet:
        check_sheet(sheet.path, sheet.cells, compared)
    by_sample = cell_counts(compared, cell_names)  # of the samples compared: a run may have scored others
    cells = {name: by_sample[name] for name in samples if name in by_sample}  # the reference first
    replicates = sheet.replicates if sheet else run_replicates(compared, table) if replicate_runs else None
    replicate_of = (cell_replicates(compared, cell_names, replicates)
                    if replicate_folders or replicates is not None else None)
    report = compare({name: counts[name] for name in samples}, samples[0], matrix, seed, cells=cell_arrays(cells),
                     replicates=replicate_arrays(cells, replicate_of) if replicate_of else None)
    for name, test in report["tests"].items():  # what sways the two samples' calls whatever the cells, by the verdict
        test["made_apart"] = made_apart(compared, [samples[0], name], model, whites=whites, **read)
        test["caveat"] = caveat(name, samples[0], test["made_apart"], "spreads" if from_spreads(compared) else "crops")
    changed = set_by_hand(compared)
    by_person = {"set_by_hand": changed, "set_in_blind_review": [row for row in changed if reviewed_blind(row)],
                 "reviewed_blind": [row for row in compared if reviewed_blind(row)],
                 "left_out_in_review": left_out}
    for key, chosen in by_person.items():  # per sample, each compared sample named
        report[key] = {name: sum(row["sample"] == name for row in chosen) for name in samples}
    # who typed them, as each wrote their name on the review's page ("" for a review typed with none; several, each
    # typing a call alike, separated by ;)
    looked_at = by_person["reviewed_blind"] + [row for row in left_out if row["sample"] in samples]
    named = [[name.strip() for name in (row.get(REVIEWER) or "").split(";")] for row in looked_at]
    report["reviewers"] = list(dict.fromkeys(name for names in named for name in names))
    report["reviewed_together"] = sum(len(names) > 1 for names in named)  # by apply-review of several sheets
    report["model_counts"] = as_the_model_called(compared, samples) if changed else None
    report["drawn_review"] = drawn_review(compared, list(samples), cell_names)
    corrected_by = corrected_by if report["corrected_with"] is not None else None  # None: it could not correct them
    textures, framings = read["textures"], read["framings"]
    return Comparison(report | {"typed_by": model, "preprocess": _one_or_each(preprocess),
                                "corrected_by": corrected_by, **cautions, "spreads_imaged": read["imaged"],
                                "textures": textures and {name: texture_record(t) for name, t in textures.items()},
                                "white_around": whites and {name: {"with_white": white, "crops_read": n}
                                                            for name, (white, n) in whites.items()},
                                "framings": framings and {name: f and f.record() for name, f in framings.items()}},
                      compared, cells, replicate_of)


def _cautions_of_making(compared: list[dict[str, str]], samples: Sequence[str], model: str | None,
                        preprocess: Mapping[str, str], whites: Mapping[str, tuple[int, int]] | None
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`compare_table`'s cautions of how the samples' crops were made, saved, cut or imaged, each warned as it
    is found, by their JSON keys; and the readings of the crops they rest on (their white's texture, their framing
    and, of spreads, their imaging), which the sentence under each verdict reads again of two samples alone."""
    said = {"colour_caution": colour_caution(compared, samples, model),
            "jpeg_caution": jpeg_caution(compared, samples, model)}
    # against what the model learned, first: where those cautions say how the samples lie apart too, compare's own
    # cautions between samples leave it out, so that one cause is said once
    learned = table_unlike_learned(compared, samples, model, preprocess)
    read = {"textures": typed_crops_textures(compared, samples, model, preprocess),
            "framings": typed_crops_framings(compared, samples), "imaged": spreads_imaged(compared, samples)}
    said |= {"texture_caution": texture_caution(read["textures"] or {}, learned),
             "raw_caution": raw_caution(whites or {}, learned), "unlike_learned": learned,
             "scale_caution": scale_caution(compared, samples),
             "framing_caution": framing_caution(read["framings"] or {}, learned),
             "imaging_caution": imaging_caution(read["imaged"] or {})}
    for value in said.values():  # in the order keyed: the model's list among them
        for caution in value if isinstance(value, list) else [value]:
            if caution:
                warnings.warn(caution, stacklevel=3)  # where compare_table was called
    return said, read


def _one_or_each(preprocess: dict[str, str]) -> str | dict[str, str] | None:
    """How the samples' crops were preprocessed (``preprocess``: sample -> "none" or "paper"), as a comparison's JSON
    says it: the one way, each sample's where two, None where the table does not say.

    >>> _one_or_each({"wt": "paper", "ko": "paper"}), _one_or_each({"wt": "none", "ko": "paper"}), _one_or_each({})
    ('paper', {'wt': 'none', 'ko': 'paper'}, None)
    """
    ways = set(preprocess.values())
    return preprocess if len(ways) > 1 else next(iter(ways), None)


def by_hand_sentence(report: dict[str, Any]) -> str | None:
    """The calls a person set right or reviewed, and the objects left out, in each sample compared
    (:func:`compare_table`), and what a review of calls drawn at random measured of the model
    (:func:`sccscore.agreement.drawn_review_sentence`), in words. None where a person did none of these.
    """
    from .agreement import drawn_review_sentence

    left = report.get("left_out_in_review") or {}
    dropped = (f"Left out in a review as not chromosomes, and not counted: "
               f"{', '.join(f'{name} {n}' for name, n in left.items())}." if any(left.values()) else "")
    drawn = f"{said}." if (said := drawn_review_sentence(report.get("drawn_review"))) else ""
    return " ".join(filter(None, (_set_by_hand_sentence(report), dropped, drawn))) or None


def as_the_model_called(rows: list[dict[str, str]], samples: Sequence[str]) -> dict[str, list[int]] | None:
    """Each sample's A, B and C counts as the model called its chromosomes counted (``rows``, those left out in a
    review not among them), before any was set right by hand: what the figures would be without the review. None
    where a row has no model's call (typed by hand, without probabilities).

    >>> rows = [{"sample": "wt", "predicted": "B", "p_A": "0.7", "p_B": "0.2", "p_C": "0.1"},
    ...         {"sample": "ko", "predicted": "C", "p_A": "0.1", "p_B": "0.2", "p_C": "0.7"}]
    >>> as_the_model_called(rows, ["wt", "ko"])  # wt's call was set from A to B
    {'wt': [1, 0, 0], 'ko': [0, 0, 1]}
    """
    calls = [(row["sample"], model_call(row)) for row in rows]
    if any(call is None for _, call in calls):
        return None
    tally = Counter(calls)
    return {name: [tally[name, kind] for kind in CLASS_NAMES] for name in samples}


def _moved_sentence(report: dict[str, Any]) -> str | None:
    """How far the calls set right by hand moved each sample's open (B or C) share, from the model's calls of the same
    chromosomes (``model_counts``) to those counted, and each sample's difference from the reference, the answer;
    None where the comparison keeps no model's calls.

    >>> _moved_sentence({"model_counts": {"wt": [7, 2, 1], "ko": [3, 4, 3]}, "reference": "wt",
    ...                  "groups": {"wt": {"counts": [6, 3, 1]}, "ko": {"counts": [3, 4, 3]}}})
    'Setting them right moved the open (B or C) share of wt from 30.0% to 40.0%, and left ko at 70.0%: ko less wt \
from +40.0 to +30.0 points.'
    >>> _moved_sentence({"model_counts": {"wt": [7, 2, 1]}, "groups": {"wt": {"counts": [7, 1, 2]}}})  # B set to C
    'Setting them right left the open (B or C) share of wt at 30.0%.'
    >>> _moved_sentence({"model_counts": {"wt": [2764, 1236, 0]}, "groups": {"wt": {"counts": [2763, 1237, 0]}}})
    'Setting them right moved the open (B or C) share of wt from 30.90% to 30.93%.'
    """
    if not (model := report.get("model_counts")):  # none set right, or a comparison from before 2026-12-07
        return None
    moved, left = [], []
    for name, before in model.items():
        after = report["groups"][name]["counts"]
        shares = [_open_percent(counts) for counts in (before, after)]
        if shares[0] == shares[1]:
            left.append(f"{name} at {shares[0]:.1f}%")
        else:
            moved.append("of {} from {} to {}".format(name, *percents_apart(*shares)))
    if not moved:  # types set right within B and C alone
        return f"Setting them right left the open (B or C) share of {listing(left)}."
    said = f"Setting them right moved the open (B or C) share {listing(moved)}" + (f", and left {listing(left)}"
                                                                                   if left else "")
    return f"{said}: {answers}." if (answers := _answers_moved(report)) else f"{said}."


def _answers_moved(report: dict[str, Any]) -> str | None:
    """Each sample's open share less the reference's, from the model's calls to those counted, where it moved."""
    reference, model = report.get("reference"), report["model_counts"]
    if reference not in model:
        return None
    counted = {name: group["counts"] for name, group in report["groups"].items()}
    moved = []
    for name in (name for name in model if name != reference):
        differences = [_open_percent(counts[name]) - _open_percent(counts[reference]) for counts in (model, counted)]
        if differences[0] != differences[1]:
            moved.append("{} less {} from {} to {} points".format(name, reference, *percents_apart(*differences,
                                                                                                   signed=True)))
    return listing(moved) or None


def _open_percent(counts: Sequence[int]) -> float:
    """The open (B or C) share of A, B and C counts, in per cent."""
    return 100 * sum(counts[1:]) / sum(counts)


def _set_by_hand_sentence(report: dict[str, Any]) -> str | None:
    changed, reviewed = report.get("set_by_hand") or {}, report.get("reviewed_blind") or {}
    review = (f"blind review (sccscore review){by_whom(report.get('reviewers') or [])} of "
              f"{', '.join(f'{name} {n}' for name, n in reviewed.items())} calls")
    if not any(changed.values()):
        return f"A {review} changed none." if any(reviewed.values()) else None
    each = ", ".join(f"{name} {n} of {report['groups'][name]['n']}" for name, n in changed.items())
    moved = f" {said}" if (said := _moved_sentence(report)) else ""
    if sum(report["set_in_blind_review"].values()) == sum(changed.values()):
        return f"Calls set right by hand, counted as set: {each}, all in a {review}.{moved}"
    return (f"Calls set right by hand, counted as set: {each}. Set them blind to the sample (sccscore review), so that "
            f"they cannot favour one.{moved}")


def compare(
    counts: dict[str, np.ndarray],
    reference: str,
    confusion: np.ndarray | None = None,
    seed: int = 0,
    cells: dict[str, np.ndarray] | None = None,
    replicates: dict[str, dict[str, np.ndarray]] | None = None,
) -> dict[str, Any]:
    """Distributions of every sample and tests of each against ``reference``.

    Returns ``groups`` keyed by sample (``n``, ``counts``, ``distribution``,
    ``ci`` as [low, high] lists (Wilson's, the chromosomes taken as independent),
    ``n_cells`` (0 where ``cells`` has none of the sample's),
    ``ci_by_cell`` with its cells as the units where ``cells`` has 2 or more of
    the sample's (:func:`sccscore.stats.proportions_with_clustered_ci`; else None),
    ``distribution_corrected`` and its ``corrected_ci``, None without a
    confusion matrix; the cells, where known, widen that interval too) and ``tests`` keyed by
    the non-reference samples (see :func:`sccscore.stats.compare_counts`). Where
    ``cells`` (sample -> A/B/C counts per cell) covers a sample and the
    reference with at least 2 cells each, its test also has ``cell_level``
    (:func:`sccscore.stats.compare_cells`); otherwise that is None. Likewise
    ``replicates`` (sample -> replicate -> A/B/C counts per cell,
    :func:`~sccscore.cells.replicate_arrays`) gives each group its ``replicates`` and each test
    its ``replicate_level`` (:func:`sccscore.stats.compare_replicates`, at least 2
    replicates each) and ``replicate_verdict``.

    With several samples, each against the reference, ``chi2_p_holm`` (and the
    cells' ``mannwhitney_p_holm``) are Holm-adjusted over them, and the verdicts
    read those: of five knockouts that do nothing, one would otherwise reach
    p < 0.05 about one time in four. With one sample they equal the p-values.

    A confusion matrix that cannot correct the calls (:func:`sccscore.stats.cannot_correct`:
    one of a model validated on a few images, say) is warned of and not used
    (``corrected_with`` and ``corrected_by`` None).
    """
    if reference not in counts:
        raise SccscoreError(f"reference sample '{reference}' not found (samples: {', '.join(counts)})")
    if len(counts) < 2:
        raise SccscoreError(TOO_FEW_SAMPLES)
    for name, values in counts.items():
        if values.sum() == 0:
            raise SccscoreError(f"sample '{name}' has no classified chromosome")
    if confusion is not None and (reason := cannot_correct(confusion, list(counts.values()))):
        warnings.warn(f"the shares are not corrected for the classifier's errors: {reason}; validate the model on "
                      "more labelled images", stacklevel=2)
        confusion = None
    cells, replicates = cells or {}, replicates or {}
    groups = {name: _group(values, confusion, seed, cells.get(name)) | {"replicates": _replicates(replicates.get(name))}
              for name, values in counts.items()}
    tests = {name: compare_counts(counts[reference], values)
             | {"cell_level": _cell_level(cells, reference, name, seed),
                "replicate_level": _replicate_level(groups, reference, name)}
             for name, values in counts.items() if name != reference}
    n_cell_tests, n_replicate_tests = _adjust_over_samples(tests)
    for name, test in tests.items():
        cell = test["cell_level"]
        test["verdict"] = verdict(name, reference, counts[reference], counts[name], test["chi2_p"],
                                  test["bc_difference_ci"], test["chi2_p_holm"], len(tests), test["p_exact"])
        test["cell_verdict"] = (cell_verdict(name, reference, cell, open_shift_found(test), n_cell_tests) if cell else
                                too_few_cells_verdict(name, reference, cells) if reference in cells and name in cells
                                else None)
        test["replicate_verdict"] = (replicate_verdict(name, reference, groups, test, n_replicate_tests)
                                     if groups[name]["replicates"] and groups[reference]["replicates"] else None)
        test["made_apart"], test["caveat"] = [], None  # of counts alone; compare_table reads the crops for them
    return {"reference": reference, "level": "chromosome", "classes": list(CLASS_NAMES),
            "corrected_with": None if confusion is None else confusion.tolist(),
            "corrected_by": None if confusion is None else GIVEN, "groups": groups, "tests": tests}


def _adjust_over_samples(tests: dict[str, dict[str, Any]]) -> tuple[int, int]:
    """Holm-adjust the chi-square p-values, the cells' and the replicates', over the samples tested at each level.

    Returns the numbers of samples tested at cell and at replicate level: a sample with
    too few cells or replicates has no p-value there to adjust for.
    """
    for name, p in zip(tests, holm([test["chi2_p"] for test in tests.values()])):
        tests[name]["chi2_p_holm"] = p
    with_cells = [test["cell_level"] for test in tests.values() if test["cell_level"]]
    for cell, p in zip(with_cells, holm([cell["mannwhitney_p"] for cell in with_cells])):
        cell["mannwhitney_p_holm"] = p
    tested = [level for test in tests.values() if (level := test["replicate_level"]) and level["p"] is not None]
    for replicate, p in zip(tested, holm([replicate["p"] for replicate in tested])):
        replicate["p_holm"] = p
    return len(with_cells), len(tested)


def interval_kind(n_cells: Mapping[str, int]) -> tuple[bool, str]:
    """Whether the samples' shares are shown with the cells as the units, and the intervals' name for a caption.

    ``n_cells``: the cells of each sample with chromosomes (0 where they are not known). The cells' intervals where
    every sample has 2 or more, so that the samples are shown alike, else Wilson's. From fewer than
    :data:`~sccscore.stats.MIN_CELLS` cells they run near 0-100%, truthfully; the caption names those samples, so
    that nobody reads the width as a fault of the tool.

    Examples
    --------
    >>> interval_kind({"wt": 6, "ko": 0})
    (False, '95% Wilson intervals, the chromosomes taken as independent')
    >>> print(interval_kind({"wt": 2, "ko": 6})[1])
    95% intervals, the cells taken as the units; wide where a sample has fewer than 4 cells (wt 2): a few cells \
say little of their sample
    """
    if not n_cells or min(n_cells.values()) < 2:
        return False, WILSON_INTERVALS
    few = ", ".join(f"{name} {n}" for name, n in n_cells.items() if n < MIN_CELLS)
    if not few:
        return True, CELL_INTERVALS
    return True, (f"{CELL_INTERVALS}; wide where a sample has fewer than {MIN_CELLS} cells ({few}): a few cells say "
                  "little of their sample")


def share_intervals(report: dict[str, Any]) -> tuple[str, str]:
    """The key of the samples' share intervals to show (:func:`compare`'s groups), and their name in a caption
    (:func:`interval_kind`)."""
    by_cell, name = interval_kind({sample: group["n_cells"] for sample, group in report["groups"].items()})
    return ("ci_by_cell" if by_cell else "ci"), name


def shares_with_intervals(shares: Sequence[float], interval: Sequence[Sequence[float]]) -> list[str]:
    """Each type's share with its interval ([lows, highs]), in per cent, as the terminal and the report show them.

    Examples
    --------
    >>> shares_with_intervals([0.681, 0.319], [[0.6, 0.25], [0.75, 0.4]])
    ['68.1 (60.0-75.0)', '31.9 (25.0-40.0)']
    """
    return [f"{100 * share:.1f} ({100 * low:.1f}-{100 * high:.1f})" for share, low, high in zip(shares, *interval)]


def points(interval: Sequence[float]) -> str:
    """An interval of a difference in shares, in percentage points, as the terminal and the report show it.

    Examples
    --------
    >>> points([0.12, 0.305])
    '+12.0 to +30.5'
    """
    low, high = (100 * bound for bound in interval)
    return f"{low:+.1f} to {high:+.1f}"


def shown_p(p: float) -> str:
    """A p-value as the terminal and the report show it: two figures, or below :data:`P_SHOWN_BELOW` no more.

    The tests' approximations are not exact that far out, and far smaller values underflow to 0.

    Examples
    --------
    >>> shown_p(0.01234), shown_p(2.9e-225), shown_p(0.0)
    ('0.012', '< 1e-50', '< 1e-50')
    """
    return f"< {P_SHOWN_BELOW:g}" if p < P_SHOWN_BELOW else f"{p:.2g}"


def p_clause(p: float) -> str:
    """``p = 0.012``, or ``p < 1e-50``: a p-value in a sentence (:func:`shown_p`)."""
    return f"p {shown_p(p)}" if p < P_SHOWN_BELOW else f"p = {shown_p(p)}"


def trend_towards(test: Mapping[str, Any]) -> str | None:
    """Which end of A < B < C a ``test``'s trend moves the sample to against the reference, where it reaches
    p < 0.05: "C" or "A"; else None. More B and fewer C than the reference is towards A, though more are open.

    >>> trend_towards({"trend_z": 6.5, "trend_p": 1e-10}), trend_towards({"trend_z": -1.2, "trend_p": 0.23})
    ('C', None)
    """
    if test["trend_p"] >= 0.05:
        return None
    return "C" if test["trend_z"] > 0 else "A"


def _p_text(p: float, p_holm: float | None = None, n_compared: int = 1, reference: str = "") -> str:
    """``p = 0.012``, and the Holm-adjusted p where several samples were compared with the reference."""
    text = p_clause(p)
    if n_compared > 1:
        text += f" ({shown_p(p_holm)} after Holm's correction for the {n_compared} samples compared with {reference})"
    return text


def caveat(name: str, reference: str, apart: Sequence[str], what: str = "crops") -> str | None:
    """The sentence under a sample's verdict where its crops (or ``what``: "spreads") and the reference's were made,
    saved, cut or imaged apart (``apart``: :func:`sccscore.sample_cautions.made_apart`), which sways their calls
    whatever the cells: the verdict alone, copied into a notebook, would read as the cells'. None where they were made
    alike.

    >>> print(caveat("ko", "wt", ["how they were made (raw or preprocessed)", "the magnification they were imaged at"]))
    Read this with care: the crops of ko and wt differ in how they were made (raw or preprocessed) and the \
magnification they were imaged at, which sways the calls whatever the cells (the cautions say how)
    """
    if not apart:
        return None
    return (f"Read this with care: the {what} of {name} and {reference} differ in {listing(list(apart))}, which "
            "sways the calls whatever the cells (the cautions say how)")


def too_few_cells_verdict(name: str, reference: str, cells: dict[str, np.ndarray]) -> str:
    """The cells' sentence where a sample has a single cell: no test between cells can be made.

    Examples
    --------
    >>> one_each = {"wt": np.array([[40, 5, 2]]), "ko": np.array([[3, 10, 30]])}
    >>> for part in too_few_cells_verdict("ko", "wt", one_each).split(", "):
    ...     print(part)
    Per cell (1 ko vs 1 wt cell): too few cells to test
    and the chromosomes of one cell are not independent
    so the chi-square test above speaks of these cells alone
    not of ko and wt; score at least 4 cells per sample
    """
    n, n_reference = len(cells[name]), len(cells[reference])
    return (f"Per cell ({n} {name} vs {n_reference} {reference} {noun('cell', n_reference)}): too few cells "
            "to test, and the chromosomes of one cell are not independent, so the chi-square test above speaks of "
            f"these cells alone, not of {name} and {reference}; score at least {MIN_CELLS} cells per sample")


def _cell_level(cells: dict[str, np.ndarray], reference: str, name: str, seed: int) -> dict[str, Any] | None:
    if reference in cells and name in cells and min(len(cells[reference]), len(cells[name])) >= 2:
        return compare_cells(cells[reference], cells[name], seed=seed)
    return None


def _replicates(by_replicate: dict[str, np.ndarray] | None) -> list[dict[str, Any]] | None:
    """Each replicate's cells, chromosomes and mean B+C per cell (the unit of the replicate-level test)."""
    if not by_replicate:
        return None
    rows = []
    for name, cells in by_replicate.items():
        fractions = cells[:, 1:].sum(axis=1) / cells.sum(axis=1)
        rows.append({"replicate": name, "n_cells": len(cells), "n_chromosomes": int(cells.sum()),
                     "counts": cells.sum(axis=0).tolist(), "bc_mean_per_cell": float(fractions.mean()),
                     "bc_fractions": [round(float(f), 4) for f in fractions]})
    return rows


def _replicate_level(groups: dict[str, dict[str, Any]], reference: str, name: str) -> dict[str, Any] | None:
    ours, theirs = groups[name]["replicates"], groups[reference]["replicates"]
    if ours and theirs and min(len(ours), len(theirs)) >= MIN_REPLICATES:
        means = lambda rows: {row["replicate"]: row["bc_mean_per_cell"] for row in rows}  # noqa: E731
        return compare_replicates(means(theirs), means(ours))
    return None


def _group(values: np.ndarray, confusion: np.ndarray | None, seed: int, cells: np.ndarray | None) -> dict[str, Any]:
    fractions, low, high = proportions_with_ci(values)
    n_cells = 0 if cells is None else len(cells)
    cells = cells if n_cells >= 2 else None  # one cell says nothing of another
    by_cell = None if cells is None else [bound.tolist() for bound in proportions_with_clustered_ci(cells)]
    group = {"n": int(values.sum()), "counts": values.tolist(), "distribution": fractions.tolist(),
             "ci": [low.tolist(), high.tolist()], "n_cells": n_cells, "ci_by_cell": by_cell,
             "distribution_corrected": None, "corrected_ci": None}
    if confusion is not None:
        estimate, c_low, c_high = corrected_with_ci(values, confusion, seed=seed, per_cell=cells)
        group |= {"distribution_corrected": estimate.tolist(), "corrected_ci": [c_low.tolist(), c_high.tolist()]}
    return group


def verdict(name: str, reference: str, reference_counts: np.ndarray, counts: np.ndarray, p: float,
            bc_difference_ci: Sequence[float], p_holm: float | None = None, n_compared: int = 1,
            exact: bool = False) -> str:
    """One plain sentence on the B+C (open) fraction, given the chi-square p-value of the three types
    (Holm-adjusted, of several) and the 95% interval of the sample's B+C share less the reference's.

    The chi-square test reads the three types: where they differ but the interval holds no change in B+C (B traded
    for C, say), the sentence says the types differ, not that more or fewer chromosomes are open.
    ``exact``: the p was computed exactly (:func:`sccscore.stats.exact_chi2_p`), as the sentence says.

    Examples
    --------
    >>> verdict("ctf18", "wt", np.array([64, 31, 5]), np.array([19, 57, 24]), 2e-10, [0.32, 0.56])
    'ctf18 shows more open chromosomes (B+C) than wt: 81% vs 36%, chi-square p = 2e-10'
    >>> verdict("ko2", "wt", np.array([64, 31, 5]), np.array([54, 40, 6]), 0.03, [0.01, 0.28], 0.06, 2).split(": ")[0]
    'ko2 does not differ detectably from wt'
    >>> print(verdict("ko", "wt", np.array([30, 10, 60]), np.array([30, 60, 10]), 1e-20, [-0.13, 0.13]))
    ko differs from wt in its types, not detectably in open chromosomes (B+C): A / B / C 30 / 60 / 10% vs \
30 / 10 / 60%, B+C 70% vs 70% (difference -13.0 to +13.0 points, 95% CI), chi-square p = 1e-20
    """
    ours, theirs = (100 * c[1:].sum() / c.sum() for c in (counts, reference_counts))
    p_text = f"{'exact ' if exact else ''}chi-square {_p_text(p, p_holm, n_compared, reference)}"
    if (p if n_compared == 1 else p_holm) >= 0.05:
        return f"{name} does not differ detectably from {reference}: B+C {ours:.0f}% vs {theirs:.0f}%, {p_text}"
    if _holds_zero(bc_difference_ci):
        shares = (" / ".join(f"{100 * n / c.sum():.0f}" for n in c) for c in (counts, reference_counts))
        return (f"{name} differs from {reference} in its types, not detectably in open chromosomes (B+C): A / B / C "
                f"{'% vs '.join(shares)}%, B+C {ours:.0f}% vs {theirs:.0f}% (difference {points(bc_difference_ci)} "
                f"points, 95% CI), {p_text}")
    direction = "more" if bc_difference_ci[0] > 0 else "fewer"
    return f"{name} shows {direction} open chromosomes (B+C) than {reference}: {ours:.0f}% vs {theirs:.0f}%, {p_text}"


def _holds_zero(interval: Sequence[float]) -> bool:
    low, high = interval
    return low <= 0 <= high


def open_shift_found(test: Mapping[str, Any]) -> bool:
    """Whether the chromosomes of a ``test`` (:func:`compare`'s) show more or fewer open (B+C) than the reference's,
    as its verdict says: the chi-square test (Holm-adjusted, of several samples) finds the types differ, and the B+C
    difference's 95% interval excludes zero. What the cells' and replicates' B+C are read against."""
    return test["chi2_p_holm"] < 0.05 and not _holds_zero(test["bc_difference_ci"])


def cell_verdict(name: str, reference: str, cell: dict[str, Any], shift_found: bool, n_compared: int = 1) -> str:
    """One plain sentence on the cells (:func:`sccscore.stats.compare_cells`), the independent units.

    It says when there are too few cells for the test ever to reach p < 0.05, and when
    the cells do not bear out a shift in B+C found between chromosomes (``shift_found``,
    :func:`open_shift_found`): because they are fewer than the shift they show needs for 80%
    power, or despite enough. With several samples compared, the p-values read are Holm-adjusted.

    Examples
    --------
    >>> cell = {"n_cells": 2, "n_cells_reference": 2, "bc_fraction_per_cell": {"mean": 0.43},
    ...         "bc_fraction_per_cell_reference": {"mean": 0.98}, "mannwhitney_p": 0.33, "mannwhitney_p_floor": 0.33}
    >>> for part in cell_verdict("ko", "wt", cell, True).split("; "):
    ...     print(part)
    Per cell (2 ko vs 2 wt cells): B+C 43% vs 98% on average, Mann-Whitney p = 0.33
    too few cells for this test ever to reach p < 0.05: score at least 4 cells per sample
    """
    ours, theirs = (100 * cell[key]["mean"] for key in ("bc_fraction_per_cell", "bc_fraction_per_cell_reference"))
    p = cell["mannwhitney_p"] if n_compared == 1 else cell["mannwhitney_p_holm"]
    sentence = (f"Per cell ({cell['n_cells']} {name} vs {cell['n_cells_reference']} {reference} cells): B+C "
                f"{ours:.0f}% vs {theirs:.0f}% on average, Mann-Whitney "
                f"{_p_text(cell['mannwhitney_p'], p, n_compared, reference)}")
    if cell["mannwhitney_p_floor"] >= 0.05:
        return (f"{sentence}; too few cells for this test ever to reach p < 0.05: score at least {MIN_CELLS} cells "
                "per sample")
    if p >= 0.05 and shift_found:
        needed = cell.get("n_cells_for_80pct_power")
        if needed and needed > min(cell["n_cells"], cell["n_cells_reference"]):  # a shift the cells show, too few
            return (f"{sentence}: too few cells to bear out the difference between chromosomes; {needed} cells per "
                    "sample would give 80% power for this shift")
        return f"{sentence}: the cells do not bear out the difference between chromosomes"
    return sentence


def replicate_verdict(name: str, reference: str, groups: dict[str, dict[str, Any]], test: dict[str, Any],
                      n_compared: int = 1) -> str:
    """One plain sentence on the replicates (:func:`sccscore.stats.compare_replicates`), the experiments repeated.

    With fewer than 2 replicates a sample, it says no test can be made. Otherwise it
    gives the mean B+C per cell of each sample's replicates, how many pairs agree in
    direction, the t-test's p (Holm-adjusted over the ``n_compared`` samples tested at
    replicate level), and, where the
    replicates do not bear out a difference found between chromosomes, how many
    would give 80% power for the shift they show.

    Examples
    --------
    >>> groups = {"ko": {"replicates": [{}]}, "wt": {"replicates": [{}, {}, {}]}}
    >>> replicate_verdict("ko", "wt", groups, {"replicate_level": None}).split(": ")[1]
    'too few replicates to test (score at least 2 independent experiments per sample, better 3)'
    """
    n, n_reference = len(groups[name]["replicates"]), len(groups[reference]["replicates"])
    opening = f"Per replicate ({n} {name} vs {n_reference} {reference} {noun('replicate', n_reference)})"
    level = test["replicate_level"]
    if level is None:
        return (f"{opening}: too few replicates to test (score at least {MIN_REPLICATES} independent experiments per "
                "sample, better 3)")
    pairs = f", paired by name, {name} higher in {level['n_pairs_higher']} of {n}" if level["paired"] else ""
    sentence = (f"{opening}{pairs}: B+C {100 * level['bc_mean']:.0f}% vs {100 * level['bc_mean_reference']:.0f}% per "
                "cell on average")
    if level["p"] is None:
        alike = "every pair gives the same difference" if level["paired"] else "each sample's replicates are alike"
        return f"{sentence}; no test: {alike}"
    p = level["p"] if n_compared == 1 else level["p_holm"]
    test_name = "paired t-test" if level["paired"] else "Welch's t-test"
    sentence += f", {test_name} {_p_text(level['p'], p, n_compared, reference)}"
    if p >= 0.05 and open_shift_found(test):
        needed = level["n_replicates_for_80pct_power"]
        advice = (f"; {needed} replicates per sample would give 80% power for this shift"
                  if needed and needed > min(n, n_reference) else "")
        return f"{sentence}: the replicates do not bear out the difference between chromosomes{advice}"
    return sentence


def write_tables(report: dict[str, Any], out: str | Path, cells: dict[str, dict[str, Counter]] | None = None,
                 figure: bool = True, replicate_of: dict[str, dict[str, str]] | None = None) -> None:
    """``comparison.csv`` (a row per sample), ``tests.csv`` (per sample against the reference), ``cells.csv``.

    ``comparison.csv`` gives each type's share with Wilson's interval (``ci_low_A``...) and, where
    the sample's cells are known, their number (``n_cells``) and, from 2, the interval with its cells as the
    units (``cell_ci_low_A``...);
    with a confusion matrix, the corrected shares and their bootstrap interval (``corrected_ci_low_A``...).
    ``cells.csv`` has a row per cell where ``cells`` (:func:`~sccscore.cells.cell_counts`) knows them: the
    units of the cell-level test, and the points of a per-cell plot, ``cells.png``
    (:func:`write_cell_figure`), drawn unless ``figure`` is False (a report to be written
    next draws it). Where replicates are known (``replicate_of``, :func:`~sccscore.cells.cell_replicates`),
    cells.csv names each cell's, and ``replicates.csv`` has a row per replicate. Where a review of calls drawn at
    random was applied, ``drawn_review.csv`` has a row per sample: its open share as the model called it and as
    corrected by the draw, with its interval, and its difference from the reference both ways
    (:func:`sccscore.agreement.corrected_by_draw`). Those of an earlier run into the folder are removed where this one
    has no cells, replicates or draw: they were other samples'.
    """
    from ._atomic import output_folder, remove_earlier, write_csv

    folder = output_folder(out)
    if cells:
        _write_cell_table(cells, folder / "cells.csv", replicate_of)
    if replicate_of:
        _write_replicate_table(report, folder / "replicates.csv")
    corrected = (report.get("drawn_review") or {}).get("corrected")
    if corrected:
        _write_drawn_table(corrected, folder / DRAWN_TABLE)
    remove_earlier(folder, [name for name, written in (("cells.csv", cells), ("replicates.csv", replicate_of),
                                                       (DRAWN_TABLE, corrected)) if not written])
    if figure:
        write_cell_figure(report, folder)
    classes = report["classes"]
    header = ["sample", "n"] + [f"pct_{c}" for c in classes] + [f"ci_low_{c}" for c in classes]
    header += [f"ci_high_{c}" for c in classes] + [f"corrected_pct_{c}" for c in classes] + ["n_cells"]
    header += [f"cell_ci_{bound}_{c}" for bound in ("low", "high") for c in classes]
    header += [f"corrected_ci_{bound}_{c}" for bound in ("low", "high") for c in classes]
    rows = []
    empty = [""] * len(classes)
    for name, group in report["groups"].items():
        by_cell = group["ci_by_cell"] or [empty, empty]
        corrected_ci = group["corrected_ci"] or [empty, empty]
        rows.append([name, group["n"], *_pct(group["distribution"]), *_pct(group["ci"][0]), *_pct(group["ci"][1]),
                     *_pct(group["distribution_corrected"] or empty), group["n_cells"] or "",
                     *_pct(by_cell[0]), *_pct(by_cell[1]),
                     *_pct(corrected_ci[0]), *_pct(corrected_ci[1])])
    write_csv(folder / "comparison.csv", header, rows)
    keys = ["chi2", "chi2_p", "chi2_p_holm", "p_exact", "trend_z", "trend_p", "bc_difference", "cramers_v",
            "n_for_80pct_power"]
    test_header = ["sample", "reference", *keys, "bc_difference_ci_low", "bc_difference_ci_high",
                   *(f"fisher_p_holm_{c}" for c in classes), "verdict", "cell_verdict", "replicate_verdict", "caveat"]
    test_rows = [[name, report["reference"], *(test[k] for k in keys), *test["bc_difference_ci"],
                  *test["fisher_p_holm"], test["verdict"], test["cell_verdict"] or "", test["replicate_verdict"] or "",
                  test.get("caveat") or ""] for name, test in report["tests"].items()]
    write_csv(folder / "tests.csv", test_header, test_rows)


def _write_drawn_table(corrected: dict[str, dict[str, Any]], path: Path) -> None:
    """``drawn_review.csv``: each sample's open share, as the model called every call and as corrected by a drawn
    review, with its 95% interval, and its difference from the reference (in percent and points; blank where not
    estimated)."""
    from ._atomic import write_csv
    from .agreement import corrected_rows

    def pct(value: float | None) -> float | str:
        return "" if value is None else round(100 * value, 2)
    rows = [[row["sample"], row["n_calls"], row["n_drawn"], row["n_units"], pct(row["model_open"]), pct(row["open"]),
             *map(pct, row["ci"] or [None, None]), pct(row["model_less"]), pct(row["less"]),
             *map(pct, row["less_ci"] or [None, None])] for row in corrected_rows(corrected)]
    write_csv(path, ["sample", "n_calls", "n_drawn", "n_units_drawn", "model_open_pct", "corrected_open_pct",
                     "corrected_ci_low", "corrected_ci_high", "model_less_reference", "corrected_less_reference",
                     "corrected_less_reference_ci_low", "corrected_less_reference_ci_high"], rows)


def write_cell_figure(report: dict[str, Any], folder: str | Path) -> Path | None:
    """``cells.png``/``.svg``: each cell's B+C share per sample (:func:`sccscore.plots.plot_cells`).

    Drawn from the cell-level tests, reference first, or where replicates are known from
    each sample's replicates, cells coloured by replicate; None (nothing drawn, and an
    earlier run's figure removed) where no sample's cells are known.
    """
    from ._atomic import remove_earlier
    from .plots import plot_cells

    shares: dict[str, list[float]] = {}
    replicates: dict[str, list[str]] = {}
    for name, group in report["groups"].items():
        for row in group.get("replicates") or []:
            shares.setdefault(name, []).extend(row["bc_fractions"])
            replicates.setdefault(name, []).extend([row["replicate"]] * row["n_cells"])
    for name, test in report["tests"].items():
        if not replicates and (cell := test.get("cell_level")):
            shares.setdefault(report["reference"], cell["bc_fractions_reference"])
            shares[name] = cell["bc_fractions"]
    paths = [Path(folder) / "cells.png", Path(folder) / "cells.svg"]
    if not shares:
        remove_earlier(folder, [path.name for path in paths])
        return None
    plot_cells(shares, paths, replicates or None)
    return paths[0]


def counts_and_shares(counts: Mapping[str, int], classes: Sequence[str]) -> dict[str, Any]:
    """A group's chromosomes, its count of each type and each type's share in percent: a row of the type tables
    (:func:`csv_values` rounds it for a file)."""
    n = sum(counts[c] for c in classes)
    return ({"n_chromosomes": n} | {f"n_{c}": counts[c] for c in classes}
            | {f"pct_{c}": 100 * counts[c] / n for c in classes})


def csv_values(row: Mapping[str, Any]) -> list[Any]:
    """A row of shares as the CSV tables give it: its percentages (``pct_A``, ``ci_low_A``, ``cell_ci_low_A``...) to
    2 decimals, its concordance and the bounds of its interval to 4. The rows keep them whole, so that the terminal
    and the report round each figure once, as ``compare`` does: 57.446 rounded to 57.45 first would show as 57.5
    beside compare's 57.4.

    Examples
    --------
    >>> csv_values({"sample": "wt", "n_A": 54, "pct_A": 57.4468, "cell_ci_low_A": "", "concordance": 0.728478})
    ['wt', 54, 57.45, '', 0.7285]
    """
    return [round(value, _decimals(key)) if isinstance(value, float) and _decimals(key) else value
            for key, value in row.items()]


def _decimals(column: str) -> int | None:
    """The decimals a column of shares is written to: None for a column not of shares (counts, a stain factor)."""
    return 2 if _PERCENT.match(column) else 4 if column.startswith("concordance") else None


def share_interval_columns(counts: Sequence[int], classes: Sequence[str],
                           per_cell: np.ndarray | None = None) -> dict[str, Any]:
    """A group's share intervals in per cent, as ``comparison.csv`` gives them: Wilson's (``ci_low_A``...) and,
    from 2 cells or more (``per_cell``: (cells, types) counts), with the cells as the units (``cell_ci_low_A``...).
    Empty where there is none: no chromosome, or fewer than 2 cells (one cell says nothing of another). Not rounded
    (:func:`csv_values` rounds them for a file).

    Examples
    --------
    >>> columns = share_interval_columns([60, 30, 10], "ABC")
    >>> round(columns["ci_low_C"], 2), round(columns["ci_high_C"], 2), columns["cell_ci_low_C"]
    (5.52, 17.44, '')
    """
    empty = [""] * len(classes)
    wilson = [bound.tolist() for bound in proportions_with_ci(counts)[1:]] if sum(counts) else [empty, empty]
    by_cell = ([bound.tolist() for bound in proportions_with_clustered_ci(per_cell)]
               if per_cell is not None and len(per_cell) >= 2 else [empty, empty])
    return {f"{prefix}ci_{bound}_{c}": 100 * value if value != "" else ""
            for prefix, interval in (("", wilson), ("cell_", by_cell))
            for bound, values in zip(("low", "high"), interval) for c, value in zip(classes, values)}


def shares_shown(rows: Sequence[Mapping[str, Any]], classes: Sequence[str],
                 cells_key: str = "n_cells") -> tuple[list[list[str]], bool, str]:
    """Each sample's row of shares (``pct_A``...) with their intervals (:func:`share_interval_columns`), as the
    terminal and the report show them, whether the intervals take the cells as the units, and their name for a
    caption (:func:`interval_kind`, from each row's ``cells_key``: its number of cells, or "" where they are not
    known). A row of no chromosome reads "-".

    Examples
    --------
    >>> row = {"sample": "wt", "pct_A": 75.0, "pct_B": 25.0, "n_cells": ""} | share_interval_columns([30, 10], "AB")
    >>> shares_shown([row], "AB")
    ([['75.0 (59.8-85.8)', '25.0 (14.2-40.2)']], False, '95% Wilson intervals, the chromosomes taken as independent')
    >>> in_cells = row | {"n_cells": 4} | share_interval_columns([30, 10], "AB", np.array([[8, 2], [7, 3]] * 2))
    >>> none = {"sample": "ko", "pct_A": "", "pct_B": "", "n_cells": 0} | share_interval_columns([0, 0], "AB")
    >>> shares_shown([in_cells, none], "AB")  # every image of ko rejected
    ([['75.0 (47.8-92.7)', '25.0 (7.3-52.2)'], ['-', '-']], True, '95% intervals, the cells taken as the units')
    """
    by_cell, name = interval_kind({row["sample"]: row[cells_key] or 0 for row in rows
                                   if row[f"pct_{classes[0]}"] != ""})
    prefix = "cell_ci_" if by_cell else "ci_"
    shown = []
    for row in rows:
        if row[f"pct_{classes[0]}"] == "":
            shown.append(["-"] * len(classes))
            continue
        shares, low, high = ([row[f"{key}{c}"] / 100 for c in classes] for key in ("pct_", prefix + "low_",
                                                                                     prefix + "high_"))
        shown.append(shares_with_intervals(shares, [low, high]))
    return shown, by_cell, name


def in_given_order(metaphases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Metaphase rows (:func:`tally_by`'s) with their images in the order the rows first name them (the samples
    and spreads as given), and each image's metaphases by number: 2 before 10, read from a table as text too.

    Examples
    --------
    >>> rows = [{"sample": "wt", "image": "b.png", "metaphase": "10"}, {"sample": "ko", "image": "a.png",
    ...         "metaphase": "1"}, {"sample": "wt", "image": "b.png", "metaphase": "2"}]
    >>> [(m["sample"], m["metaphase"]) for m in in_given_order(rows)]
    [('wt', '2'), ('wt', '10'), ('ko', '1')]
    """
    images = {key: n for n, key in enumerate(dict.fromkeys((m["sample"], m["image"]) for m in metaphases))}
    return sorted(metaphases, key=lambda m: (images[m["sample"], m["image"]], len(str(m["metaphase"])),
                                             str(m["metaphase"])))


def metaphase_table(metaphases: list[dict[str, Any]], classes: Sequence[str]) -> list[dict[str, Any]]:
    """Metaphase rows (:func:`tally_by`'s) as a person reads them, header: value: the chromosomes of each type and
    their shares to one decimal, as in the samples' table; the terminal and the report show the same.

    Examples
    --------
    >>> row = {"sample": "wt", "image": "a.png", "metaphase": 1} | counts_and_shares({"A": 2, "B": 1}, ["A", "B"])
    >>> metaphase_table([row], ["A", "B"])
    [{'sample': 'wt', 'image': 'a.png', 'metaphase': 1, 'chromosomes': 3, 'A': 2, 'B': 1, 'A %': '66.7', 'B %': '33.3'}]
    """
    return [{"sample": m["sample"], "image": m["image"], "metaphase": m["metaphase"], "chromosomes": m["n_chromosomes"]}
            | {c: m[f"n_{c}"] for c in classes} | {f"{c} %": f"{m[f'pct_{c}']:.1f}" for c in classes}
            for m in metaphases]


def tally_by(rows: list[dict], keys: tuple[str, ...], classes: Sequence[str]) -> list[dict[str, Any]]:
    """Counts and percentages of each predicted type per group of ``keys``, groups in order of their first row."""
    counts = Counter((tuple(row[k] for k in keys), row["predicted"]) for row in rows)
    groups = dict.fromkeys(tuple(row[k] for k in keys) for row in rows)
    return [dict(zip(keys, group)) | counts_and_shares({c: counts[group, c] for c in classes}, classes)
            for group in groups]


def _write_cell_table(cells: dict[str, dict[str, Counter]], path: Path,
                      replicate_of: dict[str, dict[str, str]] | None) -> None:
    from ._atomic import write_csv

    rows = []
    for sample, by_cell in cells.items():
        for cell, counts in sorted(by_cell.items()):
            shares = counts_and_shares(counts, CLASS_NAMES)  # pct_open: B+C, the share the cell-level test compares
            replicate = {"replicate": replicate_of[sample][cell]} if replicate_of else {}
            rows.append({"sample": sample} | replicate | {"cell": cell} | shares | {"pct_open": 100 - shares["pct_A"]})
    write_csv(path, list(rows[0]), map(csv_values, rows))


def _write_replicate_table(report: dict[str, Any], path: Path) -> None:
    from ._atomic import write_csv

    rows = [{"sample": sample, "replicate": row["replicate"], "n_cells": row["n_cells"]}
            | counts_and_shares(dict(zip(CLASS_NAMES, row["counts"])), CLASS_NAMES)
            | {"mean_pct_open_per_cell": 100 * row["bc_mean_per_cell"]}
            for sample, group in report["groups"].items() for row in group["replicates"] or []]
    write_csv(path, list(rows[0]), map(csv_values, rows))


def _pct(values: list) -> list:
    return [round(100 * v, 2) if v != "" else "" for v in values]
