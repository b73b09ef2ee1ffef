"""The cells and replicates a predictions table's chromosomes belong to: the units of compare's tests.

A chromosome's cell (its metaphase) comes from a sample sheet, the table's own
``cell`` column (spreads' metaphases) or the folders its crop sits in; its
replicate (the independent experiment: culture, day, clone) from the sheet's
``replicate`` column, the first folder in its sample's, or the run whose table it
came from (:func:`sccscore.predictions_table.join_predictions`).
"""

from __future__ import annotations

import functools
import os
import warnings
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import SccscoreError
from .images import CLASS_NAMES, label_from_folder_name
from .predictions_table import read_table
from .words import counted, such_as


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
        raise SccscoreError(f"{path}: no replicate for {counted(len(blank), 'image')}, {such_as(blank)}")
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
                            "leave the sample sheet out (for compare's replicates, put each one's spreads in a folder "
                            "of the sample's, and give --replicate-folders)")
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
        raise SccscoreError(f"{path}: no cell for {len(missing)} of the {len(rows)} images compared, "
                            f"{such_as(missing)} (the image column takes a path as predictions.csv has it, or a "
                            "file name)")


def check_replicate_source(sheet: SampleSheet | None, replicate_folders: bool, replicate_runs: bool = False) -> None:
    """Refuse replicates asked of folders or runs where a sample sheet names the cells, or of both."""
    if replicate_folders and replicate_runs:
        raise SccscoreError("give --replicate-folders or --replicate-runs: replicates come from one or the other")
    if (replicate_folders or replicate_runs) and sheet:
        asked = "--replicate-folders reads replicates from folders" if replicate_folders else (
            "--replicate-runs takes each run as a replicate")
        raise SccscoreError(f"{asked}; {sheet.path} names the cells: give its replicates in a replicate column "
                            "instead")


def cell_counts(rows: list[dict[str, str]], sheet: dict[str, str] | None = None,
                say_outside: bool = True) -> dict[str, dict[str, Counter]]:
    """A/B/C counts per cell, by cell name, per sample, for the samples whose every image has a cell (a sample some of
    whose images have none is warned of, unless not ``say_outside``: :func:`warn_outside_cells`).

    An image's cell is its entry in the sample sheet (by path, then file name),
    else its ``cell`` column (the metaphase, for crops found in whole spreads),
    else the folders it sits in below the sample's own (:func:`folder_cell`), named within
    its run where the row names one (a joined table: :func:`~sccscore.predictions_table.join_predictions`). A cell
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
    lie = "lies" if len(outside) == 1 else "lie"
    warnings.warn(f"{len(outside)} of the {n_images} images of sample '{sample}' {lie} in no cell's folder, "
                  f"{such_as(outside)}: so its cells are not known, and the intervals and tests with cells as the "
                  f"units leave it out; put each image in its cell's folder ({sample}/cell1/...)", OutsideCellsWarning,
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


def cell_of(row: dict[str, str], sheet: dict[str, str] | None = None) -> str | None:
    """A row's cell as :func:`cell_counts` reads it, with a sample sheet's cells (image -> cell) or without, named
    within its sample (``wt/cell1``), or None where it is not known.

    >>> cell_of({"path": "/d/wt/cell1/3.png", "sample": "wt"}), cell_of({"path": "/d/wt/a/3.png", "sample": "wt"})
    ('wt/cell1', None)
    >>> cell_of({"path": "/d/wt/a/3.png", "sample": "wt"}, {"3.png": "c2"})
    'wt/c2'
    """
    cell, _ = _cell_of(row, sheet)
    return None if cell is None else f"{row['sample']}/{cell}"


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
    below (:func:`sample_folder`)."""
    folder = Path(folder_name)
    root = sample_folder(folder, sample)
    below = folder.relative_to(root).parts
    return "/".join(part for part in below if label_from_folder_name(part) is None) or None, root


def sample_folder(folder: Path, sample: str) -> Path:
    """The sample's folder that ``folder`` lies in, or is: the nearest named as the sample; else (a table made by
    hand) ``folder``'s parent, ``folder`` then taken for a cell of it. A crop is named, and its cell read, below it."""
    return next((above for above in (folder, *folder.parents) if above.name == sample), folder.parent)


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


def run_replicates(rows: list[dict[str, str]], table: str | Path) -> dict[str, str]:
    """Each row's run as its replicate, by path, from a joined table
    (:func:`~sccscore.predictions_table.join_predictions`)."""
    if unnamed := [row["path"] for row in rows if not row.get("run")]:
        raise SccscoreError(f"{table}: no run for {unnamed[0]}: replicates by run need each run's table joined "
                            "(compare: --predictions once a run)")
    return {row["path"]: row["run"] for row in rows}


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
