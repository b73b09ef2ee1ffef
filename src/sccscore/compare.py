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

import csv
import functools
import json
import os
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import GREY_CROPS_MODEL, named, read_config, reads_in_grey
from .errors import SccscoreError
from .framing import Framing, framing_caution, sample_framing
from .images import CLASS_NAMES, GREY_CROPS_COST, colour_of, crop_greys, halved_crops, label_from_folder_name
from .stats import (MIN_CELLS, MIN_REPLICATES, cannot_correct, compare_cells, compare_counts, compare_replicates,
                    corrected_with_ci, holm, proportions_with_ci, proportions_with_clustered_ci)

# the share intervals shown, as a caption names them: the same words in every table
WILSON_INTERVALS = "95% Wilson intervals, the chromosomes taken as independent"
CELL_INTERVALS = "95% intervals, the cells taken as the units"
_PERCENT = re.compile(r"((label_|mean_)?pct|(cell_)?ci)_")  # the columns of percentages (csv_values)

REVIEWED_BLIND = "blind"  # the reviewed column of a call a person looked at in sccscore review
LEFT_OUT = "not a chromosome"  # the reviewed column of an object a person left out there (debris...): not read
NOT_A_CHROMOSOME = "X"  # the type a review gives it: detection takes some debris, or two chromosomes, for one
P_SHOWN_BELOW = 1e-50  # smaller p-values are shown as "< 1e-50" (shown_p)
# what halving crops' colour by JPEG, once or again, did to the released models' calls (benchmarks/unseen_changes.py)
JPEG_COLOUR_COST = ("the released ensemble called the crops sccscore cuts from the annotated spreads 59.5% C as PNG "
                    "and 65.3% saved as JPEG with their colour at half resolution, and the paper's CTF18-/- crops, "
                    "most saved so, 26.6% C as shared, 34.5% with their colour halved again and 26.6% with it whole, "
                    "even at JPEG quality 50 24.9%; its 30 models each called more C with the colour halved")
BY_MODEL = "auto"  # compare_table corrects by the validation of the model that typed the table, where it kept one
GIVEN = "the confusion matrix given"  # the words of a correction by a matrix passed in (corrected_by)


def counts_from_summary(summary: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Predicted A/B/C counts per sample from :func:`sccscore.classify.classify`'s summary."""
    return {row["sample"]: np.array([row[f"n_{c}"] for c in CLASS_NAMES]) for row in summary}


def read_table(path: str | Path, what: str, columns: set[str], paths: Sequence[str] = ()) -> list[dict[str, str]]:
    """The rows of a CSV file that must have ``columns``; a clear error naming the file otherwise.

    Read as spreadsheets save it too: with a byte-order mark (Excel's "CSV UTF-8"), and
    separated by semicolons where the header has no comma (Excel where the decimal mark
    is a comma). The columns named in ``paths`` hold paths, which a table written on
    Windows gives with ``\\``: read with ``/`` elsewhere (:func:`posix_path`).
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = handle.readline()
            handle.seek(0)
            separator = ";" if ";" in header and "," not in header else ","
            rows = list(csv.DictReader(handle, delimiter=separator))
    except UnicodeDecodeError as exc:
        raise SccscoreError(f"{path}: cannot read the {what}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
                            "from a spreadsheet, save it as CSV UTF-8") from None
    except (OSError, csv.Error) as exc:
        raise SccscoreError(f"{path}: cannot read the {what} ({exc})") from None
    if not rows or not columns <= set(rows[0]):
        raise SccscoreError(f"{path}: the {what} needs the columns {', '.join(sorted(columns))} and at least one row")
    for row in rows:
        for column in (column for column in paths if row.get(column)):
            row[column] = posix_path(row[column])
    return rows


def posix_path(text: str) -> str:
    r"""A path written on Windows, read where ``/`` separates folders (macOS, Linux), with ``/``: so that its folders
    (a crop's cell and replicate) are read, and its file is found where the folders were copied; else as it is.

    Examples
    --------
    >>> posix_path(r"wt\cell1\a001.png")  # on macOS and Linux
    'wt/cell1/a001.png'
    """
    return text.replace("\\", "/") if os.sep == "/" else text


def read_predictions(path: str | Path, left_out: bool = False) -> list[dict[str, str]]:
    """The rows of a ``predictions.csv`` written by classify, perhaps with calls set right by hand.

    A type typed in lower case or with spaces is read as meant; any other is refused,
    naming its line, so that no chromosome drops silently out of the counts. The rows
    of objects a review left out as not chromosomes (``reviewed`` :data:`LEFT_OUT`)
    are not read, unless ``left_out``.
    """
    rows = read_table(path, "predictions table", {"path", "sample", "predicted"}, paths=("path", "image"))
    first_line: dict[str, int] = {}
    by_classify = _one_row_a_crop(rows)
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        if by_classify and (earlier := first_line.setdefault(row["path"], line)) != line:
            raise SccscoreError(f"{path}, line {line}: {row['path']} is on line {earlier} too, and would count twice; "
                                "a table pasted twice? delete one of the lines")
        if (called := normalised_type(row["predicted"])) is None:
            raise SccscoreError(f"{path}, line {line}: predicted '{row['predicted'] or ''}' is not one of "
                                f"{', '.join(CLASS_NAMES)}; to leave a chromosome out, delete its line")
        row["predicted"] = called
        for key in row:
            if key and key.startswith("p_") and row[key]:
                row[key] = row[key].replace(",", ".")  # a decimal comma, as a spreadsheet may save it
    return rows if left_out else [row for row in rows if not left_out_in_review(row)]


def counted_and_left_out(path: str | Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The rows of a ``predictions.csv`` (:func:`read_predictions`) that count, and those a review left out."""
    every = read_predictions(path, left_out=True)
    return [row for row in every if not left_out_in_review(row)], [row for row in every if left_out_in_review(row)]


def join_predictions(tables: Sequence[str | Path], out: str | Path) -> Path:
    """Write the rows of several ``predictions.csv`` (:func:`read_predictions`, those a review left out too) under one
    header to the file ``out``, for :func:`compare_table`: samples classified in runs of their own (one a day), then
    compared together. The columns are those of every table, in the order first met.

    Each row names its run, in a ``run`` column: its table's folder (or the table, where those folders share a
    name). A crop's cell by its folders is named within its run (``mon/cell1``: :func:`cell_counts`), so that each
    run's ``cell1`` is a cell of its own, where one table holding both would be refused as cells named alike.

    Refused, naming the tables: one given twice, or as ``out``; a crop in two tables classify wrote (it would count
    twice); tables of whole spreads' chromosomes with tables of crops.
    """
    from ._atomic import write_csv

    read = _each_once(tables, Path(out))
    _refuse_joining_spreads_with_crops(read)
    first_of: dict[str, Path] = {}
    for table, rows in read.items():
        for row in rows if _one_row_a_crop(rows) else ():
            if (earlier := first_of.setdefault(row["path"], table)) != table:
                raise SccscoreError(f"{table}: {row['path']} is in {earlier} too, and would count twice; delete one "
                                    "of its lines")
    _name_runs(read)
    header = list(dict.fromkeys(column for rows in read.values() for column in rows[0] if column))
    write_csv(out, header, ([row.get(column, "") for column in header] for rows in read.values() for row in rows))
    return Path(out)


def _each_once(tables: Sequence[str | Path], out: Path) -> dict[Path, list[dict[str, str]]]:
    """Each table's rows (:func:`read_predictions`, those a review left out too); a table given twice, or as the
    joined table ``out``, refused."""
    read: dict[Path, list[dict[str, str]]] = {}
    for table in map(Path, tables):
        if table.resolve() == out.resolve():
            raise SccscoreError(f"{table}: is given, and is where the joined table would be written; write that "
                                "elsewhere (compare: another --out)")
        if twice := [given for given in read if given.resolve() == table.resolve()]:
            raise SccscoreError(f"{table}: given twice" + ("" if twice[0] == table else f" (as {twice[0]})")
                                + "; give each run's table once")
        read[table] = read_predictions(table, left_out=True)
    return read


def _name_runs(read: Mapping[Path, list[dict[str, str]]]) -> None:
    """Give each row a ``run`` column naming its table (:func:`join_predictions`)."""
    runs = [table.parent.name for table in read]
    if len(set(runs)) < len(runs) or not all(runs):  # mon/out/ and tue/out/: the tables as given
        runs = [table.as_posix() for table in read]
    for run, rows in zip(runs, read.values()):
        for row in rows:
            row["run"] = run


def _one_row_a_crop(rows: list[dict[str, str]]) -> bool:
    """Whether a table's rows are classify's, one a crop (its probabilities): a table typed by hand may name an image
    on several rows, one a chromosome scored in it."""
    return bool(rows) and "p_A" in rows[0]


def _refuse_joining_spreads_with_crops(read: Mapping[Path, list[dict[str, str]]]) -> None:
    spreads = [table for table, rows in read.items() if from_spreads(rows)]
    crops = [table for table in read if table not in spreads]
    if spreads and crops:
        raise SccscoreError(f"{spreads[0]} holds chromosomes of whole spreads and {crops[0]} crops, which sccscore "
                            "types with different models: compare samples scored alike")


def normalised_type(text: str | None) -> str | None:
    """A type as a person may type it (``b``, `` C``) as sccscore names it; None if it names none.

    Examples
    --------
    >>> normalised_type(" b"), normalised_type("D"), normalised_type(None)
    ('B', None, None)
    """
    called = (text or "").strip().upper()
    return called if called in CLASS_NAMES else None


def from_spreads(rows: list[dict[str, str]]) -> bool:
    """Whether a predictions table was written by ``classify --spreads``: its rows name their metaphase."""
    return bool(rows) and "metaphase" in rows[0]


def counts_from_rows(rows: list[dict[str, str]]) -> dict[str, np.ndarray]:
    """Predicted A/B/C counts per sample from the rows of a ``predictions.csv``."""
    tally = Counter((row["sample"], row["predicted"]) for row in rows)
    samples = dict.fromkeys(row["sample"] for row in rows)
    return {name: np.array([tally[name, c] for c in CLASS_NAMES]) for name in samples}


@dataclass(frozen=True)
class SampleSheet:
    """A sample sheet: image -> cell, and image -> replicate where it has a ``replicate`` column."""

    path: Path
    cells: dict[str, str]
    replicates: dict[str, str] | None


def read_sheet(path: str | Path) -> SampleSheet:
    """A sample sheet CSV with columns ``image`` and ``cell``, and optionally ``replicate``.

    ``image`` is a path or a file name. Where the sheet has a ``replicate`` column,
    cells are named within their replicate (``day1/cell1``), as labs number them
    afresh each day; other columns (sample, genotype) are ignored.
    """
    rows = read_table(path, "sample sheet", {"image", "cell"}, paths=("image",))
    if "replicate" not in rows[0]:
        return SampleSheet(Path(path), {row["image"]: row["cell"] for row in rows}, None)
    if blank := [row["image"] for row in rows if not row["replicate"].strip()]:
        raise SccscoreError(f"{path}: no replicate for {len(blank)} image(s), such as {blank[0]}")
    replicates = {row["image"]: row["replicate"].strip() for row in rows}
    return SampleSheet(Path(path), {row["image"]: f"{replicates[row['image']]}/{row['cell']}" for row in rows},
                       replicates)


def check_sheet(path: str | Path, sheet: dict[str, str], rows: list[dict[str, str]]) -> None:
    """Refuse a sample sheet that would give the ``rows`` compared their cells wrongly, or none, without a word.

    The table's own ``cell`` column (the metaphases of spreads) would be overridden;
    a file name shared by two images would put both in one cell; and an image the
    sheet does not name would leave its sample out of the cell-level test.
    """
    if any(row.get("cell") for row in rows):
        raise SccscoreError(f"{path}: the table gives every chromosome's cell already (the metaphase of its spread); "
                            "leave out --sheet (for replicates, put each one's spreads in a folder of the sample's, "
                            "and give --replicate-folders)")
    by_file_name = defaultdict(set)
    for row in rows:
        if row["path"] not in sheet:
            by_file_name[Path(row["path"]).name].add(row["path"])
    for name, paths in by_file_name.items():
        if name in sheet and len(paths) > 1:
            first, second = sorted(paths)[:2]
            raise SccscoreError(f"{path}: '{name}' is the file name of {len(paths)} images ({first}, {second}"
                                f"{', ...' if len(paths) > 2 else ''}): give each one's path as predictions.csv has it")
    missing = [row["path"] for row in rows if row["path"] not in sheet and Path(row["path"]).name not in sheet]
    if missing:
        raise SccscoreError(f"{path}: no cell for {len(missing)} of the {len(rows)} images compared, such as "
                            f"{missing[0]} (the image column takes a path as predictions.csv has it, or a file name)")


def cell_counts(rows: list[dict[str, str]], sheet: dict[str, str] | None = None,
                say_outside: bool = True) -> dict[str, dict[str, Counter]]:
    """A/B/C counts per cell, by cell name, per sample, for the samples whose every image has a cell (a sample some of
    whose images have none is warned of, unless not ``say_outside``: :func:`warn_outside_cells`).

    An image's cell is its entry in the sample sheet (by path, then file name),
    else its ``cell`` column (the metaphase, for crops found in whole spreads),
    else the folders it sits in below the sample's own (:func:`folder_cell`), named within
    its run where the row names one (a joined table: :func:`join_predictions`). A cell
    named alike within two folders of one sample (tables of two runs pasted together,
    each with its ``wt/cell1``) is refused: it would count as one cell.
    """
    cells: dict[str, dict[str, Counter]] = {}
    outside: dict[str, list[str]] = {}  # sample -> its images in no cell
    named_below: dict[tuple[str, str], Path] = {}
    for row in rows:
        cell, named_in = _cell_of(row, sheet)
        if cell is None:
            outside.setdefault(row["sample"], []).append(row["path"])
            continue
        if named_in is not None and named_below.setdefault((row["sample"], cell), named_in) != named_in:
            raise SccscoreError(f"cell '{cell}' of sample '{row['sample']}' is named alike in "
                                f"{named_below[row['sample'], cell]} and {named_in} (tables of two runs pasted "
                                "together?), and its chromosomes would count as one cell: give compare each run's "
                                "table as a --predictions of its own, which names each run's cells apart "
                                "(join_predictions), or classify them in one run, each run's images in a sub-folder "
                                f"of the sample's folder ({row['sample']}/day1/, {row['sample']}/day2/)")
        cells.setdefault(row["sample"], {}).setdefault(cell, Counter())[row["predicted"]] += 1
    for sample in (s for s in cells if s in outside and say_outside):  # in the rows' order
        in_cells = sum(sum(counts.values()) for counts in cells[sample].values())
        warn_outside_cells(sample, outside[sample], len(outside[sample]) + in_cells)
    return {sample: by_cell for sample, by_cell in cells.items() if sample not in outside}


class OutsideCellsWarning(UserWarning):
    """Some of a sample's images lie in no cell (:func:`warn_outside_cells`): compare, which knows a sheet's cells,
    hushes the warning of this kind from the classify it runs, and says it itself."""


def warn_outside_cells(sample: str, outside: Sequence[str | Path], n_images: int) -> None:
    """Warn that some of a sample's ``n_images`` lie in no cell (``outside``, the first named) where others do: its
    figures with cells as the units are left out, as for a sample without cells, which would otherwise go unsaid
    (one crop left beside the cells' folders dropped the cell-level test of its comparison)."""
    warnings.warn(f"{len(outside)} of the {n_images} images of sample '{sample}' lie in no cell's folder, such as "
                  f"{outside[0]}: so its cells are not known, and the intervals and tests with cells as the units "
                  f"leave it out; put each image in its cell's folder ({sample}/cell1/...)", OutsideCellsWarning,
                  stacklevel=1)


def _cell_of(row: dict[str, str], sheet: dict[str, str] | None) -> tuple[str | None, Path | None]:
    """A row's cell, and the folder its name was read within (None where a person named it: a sheet)."""
    from .layout import run_folder

    path = row["path"]  # a string: a Path for each of 15,000 rows was half of compare's time
    if sheet and (cell := sheet.get(path) or sheet.get(os.path.basename(path))):
        return cell, None
    if row.get("cell") and row.get("image"):  # a spread's metaphase, named within its run's crops of the sample
        return row["cell"], run_folder(Path(path), row["image"]) / "crops" / row["sample"]
    if row.get("cell"):  # given by hand
        return row["cell"], None
    if sheet is None and (found := _cell_of_folder(os.path.dirname(path), row["sample"]))[0]:
        return (f"{row['run']}/{found[0]}", found[1]) if row.get("run") else found  # each run's cell1 its own
    return None, None


def folder_cell(path: Path, sample: str) -> str | None:
    """The cell of an image by its folders below its sample's folder, label folders (a, b, c) left out.

    Two slides' ``cell1`` stay two cells; a cell's crops sorted into label folders, above
    or below it, stay one.

    Examples
    --------
    >>> folder_cell(Path("/d/wt/slide1/cell1/3.png"), "wt"), folder_cell(Path("/d/wt/b/cell1/3.png"), "wt")
    ('slide1/cell1', 'cell1')
    >>> folder_cell(Path("/d/wt/cell1/b/3.png"), "wt")
    'cell1'
    >>> folder_cell(Path("/d/wt/3.png"), "wt"), folder_cell(Path("/d/wt/a/3.png"), "wt")
    (None, None)
    """
    return _cell_of_folder(str(path.parent), sample)[0]


@functools.lru_cache(maxsize=4096)  # a cell's images share a folder: each folder is worked out once, not per image
def _cell_of_folder(folder_name: str, sample: str) -> tuple[str | None, Path]:
    """The cell of the images in the folder named ``folder_name`` (:func:`folder_cell`), and the folder it is named
    below: its sample's, or (a table made by hand) its own folder's parent."""
    folder = Path(folder_name)
    root = next((above for above in (folder, *folder.parents) if above.name == sample), folder.parent)
    below = folder.relative_to(root).parts
    return "/".join(part for part in below if label_from_folder_name(part) is None) or None, root


def cells_from_predictions(rows: list[dict[str, str]], sheet: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """:func:`cell_counts` as sample -> (n_cells, 3) counts, what :func:`sccscore.stats.compare_cells` takes."""
    return cell_arrays(cell_counts(rows, sheet))


def cell_replicates(rows: list[dict[str, str]], sheet: dict[str, str] | None = None,
                    replicates: dict[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Sample -> cell -> replicate: the independent experiment (culture, day, clone) each cell belongs to.

    A replicate is the sample sheet's (``replicates``, :class:`SampleSheet`), else
    the first folder below the sample's, a cell's folder in it (``wt/day1/cell3/``; for
    spreads, ``wt/day1/Image001.png``). Every image must be in a cell of a replicate: a
    replicate-level analysis of some images only would answer for those alone. A
    cell's name begins with its replicate's (:func:`read_sheet`, :func:`folder_cell`),
    so no cell spans two.
    """
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        cell, _ = _cell_of(row, sheet)
        replicate = _replicate_of(row, replicates)
        if cell is None or replicate is None:
            where = ("in no cell" if cell is None else "in no replicate" if replicates is not None or row.get("image")
                     else f"in one folder below its sample's ({row['sample']}/{cell}/), which cannot be both its "
                          "replicate and its cell")
            layout = (f"cells: a folder per cell in the sample's folder ({row['sample']}/cell1/)"
                      if cell is None and replicates is not None  # runs as replicates: a sheet names every cell
                      else "a replicate column in the sample sheet" if replicates is not None else
                      f"a folder per replicate in the sample's folder ({row['sample']}/day1/cell1/, or "
                      f"{row['sample']}/day1/ for spreads)")
            raise SccscoreError(f"{row['path']} ({row['sample']}) is {where}: replicates need {layout}")
        found.setdefault(row["sample"], {})[cell] = replicate
    return found


def _replicate_of(row: dict[str, str], replicates: dict[str, str] | None) -> str | None:
    if replicates is not None:
        return replicates.get(row["path"]) or replicates.get(os.path.basename(row["path"]))
    if row.get("image"):  # a spread's crop: its spread's folder below the sample's (the metaphase is the cell)
        folders = Path(row["image"]).parent.parts
        return folders[0] if folders else None
    # a crop: the first of its cell's folders, with a cell's folder below it; else a cell folder (wt/cell1/) or a
    # replicate without cells (wt/day1/1.png) would be taken for a replicate of one cell
    folders = (_cell_of_folder(os.path.dirname(row["path"]), row["sample"])[0] or "").split("/")
    return folders[0] if len(folders) > 1 else None


def replicate_arrays(counted: dict[str, dict[str, Counter]],
                     replicate_of: dict[str, dict[str, str]]) -> dict[str, dict[str, np.ndarray]]:
    """Counts per cell (:func:`cell_counts`) grouped by replicate: sample -> replicate -> (n_cells, 3) A/B/C.

    The samples are those ``replicate_of`` (:func:`cell_replicates`) knows.
    """
    grouped: dict[str, dict[str, list]] = {}
    for sample in replicate_of:
        for cell, counts in counted[sample].items():
            grouped.setdefault(sample, {}).setdefault(replicate_of[sample][cell], []).append(
                [counts[c] for c in CLASS_NAMES])
    return {sample: {name: np.array(cells) for name, cells in sorted(by_replicate.items())}
            for sample, by_replicate in grouped.items()}


def cell_arrays(counted: dict[str, dict[str, Counter]], classes: Sequence[str] = CLASS_NAMES) -> dict[str, np.ndarray]:
    """Counts per cell (:func:`cell_counts`) as sample -> (n_cells, types) counts of ``classes``."""
    return {sample: np.array([[counts[c] for c in classes] for counts in by_cell.values()])
            for sample, by_cell in counted.items()}


def confusion_from(source: str | Path | dict[str, Any]) -> np.ndarray:
    """A confusion matrix (counts) from an evaluate or crossval JSON, or a model's training record.

    For several members the ensemble's matrix is used; a crossval report's
    groups are summed.
    """
    data = source if isinstance(source, dict) else _read_json(Path(source))
    if "groups" in data:
        return sum((confusion_from(group) for group in data["groups"].values()), np.zeros((3, 3), np.int64))
    if "confusion_of_matched" in data:
        raise SccscoreError(f"{source}: an evaluate-detection report; spreads' shares are not corrected by its confusion "
                            "matrix: on the annotated spreads each spread's errors were unlike the others', and "
                            "correcting made the shares worse (docs/spreads.md)")
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
    """A warning when correcting did not bring the labelled images of an evaluate or crossval JSON closer to their labels.

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

    Cells come from ``sheet`` (:func:`read_sheet`) or the images' folders
    (:func:`cell_counts`); replicates from the sheet's replicate column, with
    ``replicate_folders`` the first folder in each sample's (:func:`cell_replicates`), or with
    ``replicate_runs`` the run of each row of a joined table (:func:`join_predictions`). The
    report also names the model the table says typed it (``typed_by``, :func:`typed_by`) and the
    crop preprocessing it was typed with (``preprocess``, :func:`preprocessed_with`), and
    warns where it typed samples of grey crops and of colour ones as they are
    (``colour_caution``, :func:`colour_caution`), samples of colour crops saved as JPEG with their
    colour at half resolution and others with it whole (``jpeg_caution``, :func:`jpeg_caution`),
    or samples of crops cut with other margins or of chromosomes imaged at another magnification or
    out of focus (``framing_caution``, :func:`sccscore.framing.framing_caution`).

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

    >>> import tempfile
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
    check_replicate_source(sheet, replicate_folders, replicate_runs)
    rows, left_out = counted_and_left_out(table)
    counts = counts_from_rows(rows)
    if missing := [name for name in samples if name not in counts]:
        raise SccscoreError(f"sample(s) {', '.join(missing)} not in {table} (it has {', '.join(counts)})")
    compared = [row for row in rows if row["sample"] in samples]
    model, preprocess = typed_by(compared, table), preprocessed_with(compared, table)  # the report's typed_by, ...
    if colours := colour_caution(compared, samples, model):
        warnings.warn(colours, stacklevel=2)
    if jpeg := jpeg_caution(compared, samples, model):
        warnings.warn(jpeg, stacklevel=2)
    framings = _framings(compared, samples)
    if framing := framing_caution(framings or {}):
        warnings.warn(framing, stacklevel=2)
    matrix, corrected_by = _correction(confusion, model, compared, table)
    cell_names = sheet.cells if sheet else None
    if sheet:
        check_sheet(sheet.path, sheet.cells, compared)
    by_sample = cell_counts(compared, cell_names)  # of the samples compared: a run may have scored others
    cells = {name: by_sample[name] for name in samples if name in by_sample}  # the reference first
    replicates = sheet.replicates if sheet else _run_replicates(compared, table) if replicate_runs else None
    replicate_of = (cell_replicates(compared, cell_names, replicates)
                    if replicate_folders or replicates is not None else None)
    report = compare({name: counts[name] for name in samples}, samples[0], matrix, seed, cells=cell_arrays(cells),
                     replicates=replicate_arrays(cells, replicate_of) if replicate_of else None)
    changed = set_by_hand(compared)
    by_person = {"set_by_hand": changed, "set_in_blind_review": [row for row in changed if reviewed_blind(row)],
                 "reviewed_blind": [row for row in compared if reviewed_blind(row)],
                 "left_out_in_review": left_out}
    for key, chosen in by_person.items():  # per sample, each compared sample named
        report[key] = {name: sum(row["sample"] == name for row in chosen) for name in samples}
    corrected_by = corrected_by if report["corrected_with"] is not None else None  # None: it could not correct them
    return Comparison(report | {"typed_by": model, "preprocess": preprocess, "corrected_by": corrected_by,
                                "colour_caution": colours, "jpeg_caution": jpeg, "framing_caution": framing,
                                "framings": framings and {name: f and f.record() for name, f in framings.items()}},
                      compared, cells, replicate_of)


def reviewed_blind(row: dict[str, str]) -> bool:
    """Whether a person looked at a row's call in a blind review (``sccscore review``; its ``reviewed`` column)."""
    return row.get("reviewed") == REVIEWED_BLIND


def left_out_in_review(row: dict[str, str]) -> bool:
    """Whether a person left a row's object out in a review, as not a chromosome."""
    return row.get("reviewed") == LEFT_OUT


def set_by_hand(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows whose type a person changed: not the likeliest of the probabilities classify wrote beside it.

    Rows without probabilities (a table made by hand) are not among them.

    Examples
    --------
    >>> rows = [{"predicted": "B", "p_A": "0.7", "p_B": "0.2", "p_C": "0.1"},
    ...         {"predicted": "A", "p_A": "0.7", "p_B": "0.2", "p_C": "0.1"},
    ...         {"predicted": "B", "p_A": "0.5", "p_B": "0.5", "p_C": "0.0"}, {"predicted": "C"}]
    >>> set_by_hand(rows) == rows[:1]
    True
    """
    return [row for row in rows if (call := model_call(row)) is not None and call != row["predicted"]]


def by_hand_sentence(report: dict[str, Any]) -> str | None:
    """The calls a person set right or reviewed, and the objects left out, in each sample compared
    (:func:`compare_table`), in words. None where a person did none of these.
    """
    left = report.get("left_out_in_review") or {}
    dropped = (f"Left out in a review as not chromosomes, and not counted: "
               f"{', '.join(f'{name} {n}' for name, n in left.items())}." if any(left.values()) else "")
    return " ".join(filter(None, (_set_by_hand_sentence(report), dropped))) or None


def _set_by_hand_sentence(report: dict[str, Any]) -> str | None:
    changed, reviewed = report.get("set_by_hand") or {}, report.get("reviewed_blind") or {}
    review = f"blind review (sccscore review) of {', '.join(f'{name} {n}' for name, n in reviewed.items())} calls"
    if not any(changed.values()):
        return f"A {review} changed none." if any(reviewed.values()) else None
    each = ", ".join(f"{name} {n} of {report['groups'][name]['n']}" for name, n in changed.items())
    if sum(report["set_in_blind_review"].values()) == sum(changed.values()):
        return f"Calls set right by hand, counted as set: {each}, all in a {review}."
    return (f"Calls set right by hand, counted as set: {each}. Set them blind to the sample (sccscore review), so that "
            "they cannot favour one.")


def model_call(row: dict[str, str]) -> str | None:
    """The type the model gave a row (its likeliest; the type called, among equals), or None without probabilities."""
    if (probabilities := row_probabilities(row)) is None:
        return None
    likeliest = max(probabilities, key=probabilities.get)
    # written to six decimals, two types may tie where the model's did not: the one called, if it is one of them
    return row["predicted"] if probabilities.get(row["predicted"]) == probabilities[likeliest] else likeliest


def row_probabilities(row: dict[str, str]) -> dict[str, float] | None:
    """Type -> the probability classify wrote beside a row's call; None for a row without them (made by hand)."""
    try:
        return {c: float(row[f"p_{c}"]) for c in CLASS_NAMES}
    except (KeyError, TypeError, ValueError):
        return None


def row_box(row: dict[str, str]) -> tuple[int, int, int, int] | None:
    """A spread's chromosome's box (x0, y0, x1, y1, pixels); None for a crop's row, or one mangled in a spreadsheet."""
    try:
        return tuple(int(row[key]) for key in ("x0", "y0", "x1", "y1"))  # type: ignore[return-value]
    except (KeyError, TypeError, ValueError):
        return None


def colour_caution(rows: list[dict[str, str]], samples: Sequence[str], model: str | None) -> str | None:
    """A caution where some of the ``samples`` compared are of grey crops and others of colour ones, or one mixes
    them, each known by crops spread through it (:func:`sccscore.images.crop_greys`), and the ``model`` that typed
    them reads crops as they are: such a model types grey crops far off the colour ones it learned, or colour ones off
    the grey, so a difference between the samples would be partly the cameras'. None where the samples are alike,
    their crops cannot be read, the calls are of spreads or typed by hand, or the model reads every crop in grey."""
    if model is None or from_spreads(rows) or reads_in_grey(model) is not False:
        return None
    crops = crops_by_sample(rows)
    greys = {name: crop_greys(crops[name]) for name in samples}
    kinds = {name: colour_of(read) for name, read in greys.items()}
    named = {kind: [f"{name} ({sum(greys[name])} of the {len(greys[name])} read grey)" if kind == "grey and colour"
                    else name for name in samples if kinds[name] == kind]
             for kind in ("grey", "colour", "grey and colour")}
    present = [(kind, names) for kind, names in named.items() if names]
    if len(present) < 2 and not named["grey and colour"]:
        return None
    said = [f"the crops of {', '.join(names)} are {kind}" if i == 0 else f"those of {', '.join(names)} {kind}"
            for i, (kind, names) in enumerate(present)]
    return (f"{', '.join(said[:-1])} and {said[-1]}" if len(said) > 1 else said[0]) + (
        f", and {model} reads crops as they are: a difference between them is partly the cameras', not the cells' "
        f"({GREY_CROPS_COST}); classify every sample with --model {GREY_CROPS_MODEL}, which reads every crop in grey, "
        "or compare samples imaged alike")


def jpeg_caution(rows: list[dict[str, str]], samples: Sequence[str], model: str | None) -> str | None:
    """A caution where most of some compared samples' colour crops were saved as JPEG with their colour at half
    resolution and most of others' with it whole (:func:`sccscore.images.colour_halved`, of up to 40 crops spread
    through each), and the ``model`` that typed them reads colour: the released models' B and C calls hang on it
    (benchmarks/unseen_changes.py). None where the samples were saved alike, none of their crops is read, the calls
    are of spreads or typed by hand, or the model reads every crop in grey."""
    if model is None or from_spreads(rows) or reads_in_grey(model) is not False:
        return None
    crops = crops_by_sample(rows)
    counts = {name: halved_crops(crops[name]) for name in samples}
    halved = [f"{name} ({n} of the {read} read)" for name, (n, read) in counts.items() if read and n > read / 2]
    whole = [name for name, (n, read) in counts.items() if read and n <= read / 2]
    if not halved or not whole:
        return None
    return (f"the crops of {', '.join(halved)} were saved as JPEG with their colour at half resolution (4:2:0) and "
            f"those of {', '.join(whole)} with it whole (PNG, TIFF or JPEG 4:4:4), and {model} reads their colour: "
            f"crops saved otherwise are typed otherwise, whatever the cells ({JPEG_COLOUR_COST}): save every sample's "
            "crops alike")


def _framings(rows: list[dict[str, str]], samples: Sequence[str]) -> dict[str, Framing | None] | None:
    """Each sample's :func:`sccscore.framing.sample_framing` (None where none of its crops could be read), where a
    model typed its crops: None for a table typed by hand (a person's calls, which the margin and focus do not sway as
    they do a model's), and for chromosomes of spreads, which sccscore cut alike."""
    if from_spreads(rows) or not _one_row_a_crop(rows):
        return None
    crops = crops_by_sample(rows)
    return {name: sample_framing(crops[name]) for name in samples}


def crops_by_sample(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """Each sample's crops (its rows' paths), in the table's order: what the checks of their colour and framing
    read."""
    crops: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        crops[row["sample"]].append(row["path"])
    return crops


def typed_by(rows: list[dict[str, str]], table: str | Path) -> str | None:
    """The model a predictions table's ``model`` column names (None: a table without one, as before 2026-12-01).

    Samples typed by different models are refused: the difference between them would
    be partly the models'.
    """
    if len(samples_of := _samples_by(rows, "model")) > 1:
        which = "; ".join(f"{', '.join(sorted(samples))} by {model}" for model, samples in samples_of.items())
        raise SccscoreError(f"{table}: the chromosomes compared were typed by {len(samples_of)} models ({which}), and "
                            "a difference between samples would be partly the models': classify them all with one")
    return next(iter(samples_of), None)


def preprocessed_with(rows: list[dict[str, str]], table: str | Path) -> str | None:
    """The crop preprocessing a predictions table's ``preprocess`` column names, as classify's ``--preprocess`` (or
    the model's own) set it: "none" or "paper"; None for a table without one (of spreads, or before 2026-12-05).

    Samples preprocessed differently are refused, as samples typed by different models are (:func:`typed_by`): one
    model reads a crop preprocessed otherwise as another crop.
    """
    if len(samples_of := _samples_by(rows, "preprocess")) > 1:
        which = "; ".join(f"{', '.join(sorted(samples))} with --preprocess {name}"
                          for name, samples in samples_of.items())
        raise SccscoreError(f"{table}: the chromosomes compared were preprocessed {len(samples_of)} ways ({which}), "
                            "and a difference between samples would be partly the preprocessing's: classify them all "
                            "with one --preprocess")
    return next(iter(samples_of), None)


def _samples_by(rows: list[dict[str, str]], column: str) -> dict[str, set[str]]:
    """Each value a column gives (blank ones left out) -> the samples of its rows."""
    samples_of: dict[str, set[str]] = {}
    for row in rows:
        if value := (row.get(column) or "").strip():
            samples_of.setdefault(value, set()).add(row["sample"])
    return samples_of


def check_replicate_source(sheet: SampleSheet | None, replicate_folders: bool, replicate_runs: bool = False) -> None:
    """Refuse replicates asked of folders or runs where a sample sheet names the cells, or of both."""
    if replicate_folders and replicate_runs:
        raise SccscoreError("give --replicate-folders or --replicate-runs: replicates come from one or the other")
    if (replicate_folders or replicate_runs) and sheet:
        asked = "--replicate-folders reads replicates from folders" if replicate_folders else (
            "--replicate-runs takes each run as a replicate")
        raise SccscoreError(f"{asked}; {sheet.path} names the cells: give its replicates in a replicate column "
                            "instead")


def _run_replicates(rows: list[dict[str, str]], table: str | Path) -> dict[str, str]:
    """Each row's run as its replicate, by path, from a joined table (:func:`join_predictions`)."""
    if unnamed := [row["path"] for row in rows if not row.get("run")]:
        raise SccscoreError(f"{table}: no run for {unnamed[0]}: replicates by run need each run's table joined "
                            "(compare: --predictions once a run)")
    return {row["path"]: row["run"] for row in rows}


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
    :func:`replicate_arrays`) gives each group its ``replicates`` and each test
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
        raise SccscoreError("give the reference and at least one sample to compare with it")
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
                                  test["chi2_p_holm"], len(tests), test["p_exact"])
        test["cell_verdict"] = (cell_verdict(name, reference, cell, test["chi2_p_holm"], n_cell_tests) if cell else
                                too_few_cells_verdict(name, reference, cells) if reference in cells and name in cells
                                else None)
        test["replicate_verdict"] = (replicate_verdict(name, reference, groups, test, n_replicate_tests)
                                     if groups[name]["replicates"] and groups[reference]["replicates"] else None)
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


def _p_text(p: float, p_holm: float | None = None, n_compared: int = 1, reference: str = "") -> str:
    """``p = 0.012``, and the Holm-adjusted p where several samples were compared with the reference."""
    text = p_clause(p)
    if n_compared > 1:
        text += f" ({shown_p(p_holm)} after Holm's correction for the {n_compared} samples compared with {reference})"
    return text


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
    return (f"Per cell ({n} {name} vs {n_reference} {reference} cell{'s' if n_reference > 1 else ''}): too few cells "
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
            p_holm: float | None = None, n_compared: int = 1, exact: bool = False) -> str:
    """One plain sentence on the B+C (open) fraction, given the chi-square p-value (Holm-adjusted, of several).

    ``exact``: the p was computed exactly (:func:`sccscore.stats.exact_chi2_p`), as the sentence says.

    Examples
    --------
    >>> verdict("ctf18", "wt", np.array([64, 31, 5]), np.array([19, 57, 24]), 2e-10)
    'ctf18 shows more open chromosomes (B+C) than wt: 81% vs 36%, chi-square p = 2e-10'
    >>> verdict("ko2", "wt", np.array([64, 31, 5]), np.array([54, 40, 6]), 0.03, 0.06, 2).split(": ")[0]
    'ko2 does not differ detectably from wt'
    """
    ours, theirs = (100 * c[1:].sum() / c.sum() for c in (counts, reference_counts))
    p_text = f"{'exact ' if exact else ''}chi-square {_p_text(p, p_holm, n_compared, reference)}"
    if (p if n_compared == 1 else p_holm) >= 0.05:
        return f"{name} does not differ detectably from {reference}: B+C {ours:.0f}% vs {theirs:.0f}%, {p_text}"
    direction = "more" if ours > theirs else "fewer"
    return f"{name} shows {direction} open chromosomes (B+C) than {reference}: {ours:.0f}% vs {theirs:.0f}%, {p_text}"


def cell_verdict(name: str, reference: str, cell: dict[str, Any], chromosome_p: float, n_compared: int = 1) -> str:
    """One plain sentence on the cells (:func:`sccscore.stats.compare_cells`), the independent units.

    It says when there are too few cells for the test ever to reach p < 0.05, and when
    the cells do not bear out a difference found between chromosomes: because they are
    fewer than the shift they show needs for 80% power, or despite enough. With several
    samples compared, the p-values read are Holm-adjusted (``chromosome_p`` too).

    Examples
    --------
    >>> cell = {"n_cells": 2, "n_cells_reference": 2, "bc_fraction_per_cell": {"mean": 0.43},
    ...         "bc_fraction_per_cell_reference": {"mean": 0.98}, "mannwhitney_p": 0.33, "mannwhitney_p_floor": 0.33}
    >>> for part in cell_verdict("ko", "wt", cell, 4e-29).split("; "):
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
    if p >= 0.05 and chromosome_p < 0.05:
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
    opening = f"Per replicate ({n} {name} vs {n_reference} {reference} replicate{'s' if n_reference > 1 else ''})"
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
    chromosome_p = test["chi2_p_holm"]  # the chi-square p itself where one sample was compared
    if p >= 0.05 and chromosome_p < 0.05:
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
    ``cells.csv`` has a row per cell where ``cells`` (:func:`cell_counts`) knows them: the
    units of the cell-level test, and the points of a per-cell plot, ``cells.png``
    (:func:`write_cell_figure`), drawn unless ``figure`` is False (a report to be written
    next draws it). Where replicates are known (``replicate_of``, :func:`cell_replicates`),
    cells.csv names each cell's, and ``replicates.csv`` has a row per replicate. Those of an earlier run into the
    folder are removed where this one has no cells or replicates: they were other samples'.
    """
    from ._atomic import output_folder, remove_earlier, write_csv

    folder = output_folder(out)
    if cells:
        _write_cell_table(cells, folder / "cells.csv", replicate_of)
    if replicate_of:
        _write_replicate_table(report, folder / "replicates.csv")
    remove_earlier(folder, [name for name, written in (("cells.csv", cells), ("replicates.csv", replicate_of))
                            if not written])
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
                   *(f"fisher_p_holm_{c}" for c in classes), "verdict", "cell_verdict", "replicate_verdict"]
    test_rows = [[name, report["reference"], *(test[k] for k in keys), *test["bc_difference_ci"],
                  *test["fisher_p_holm"], test["verdict"], test["cell_verdict"] or "", test["replicate_verdict"] or ""]
                 for name, test in report["tests"].items()]
    write_csv(folder / "tests.csv", test_header, test_rows)


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
                 cells_key: str = "n_cells") -> tuple[list[list[str]], str]:
    """Each sample's row of shares (``pct_A``...) with their intervals (:func:`share_interval_columns`), as the
    terminal and the report show them, and the intervals' name for a caption (:func:`interval_kind`, from each row's
    ``cells_key``: its number of cells, or "" where they are not known). A row of no chromosome reads "-".

    Examples
    --------
    >>> row = {"sample": "wt", "pct_A": 75.0, "pct_B": 25.0, "n_cells": ""} | share_interval_columns([30, 10], "AB")
    >>> shares_shown([row], "AB")
    ([['75.0 (59.8-85.8)', '25.0 (14.2-40.2)']], '95% Wilson intervals, the chromosomes taken as independent')
    >>> in_cells = row | {"n_cells": 4} | share_interval_columns([30, 10], "AB", np.array([[8, 2], [7, 3]] * 2))
    >>> none = {"sample": "ko", "pct_A": "", "pct_B": "", "n_cells": 0} | share_interval_columns([0, 0], "AB")
    >>> shares_shown([in_cells, none], "AB")  # every image of ko rejected
    ([['75.0 (47.8-92.7)', '25.0 (7.3-52.2)'], ['-', '-']], '95% intervals, the cells taken as the units')
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
    return shown, name


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
