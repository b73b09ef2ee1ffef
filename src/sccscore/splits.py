"""How labelled images are split between training and testing, so that no test image is known in training.

Crops cut from one image (a spread, or a field a lab cropped by hand) share the cell,
its stain and its focus: a model tested on a crop whose neighbours it learned reads
high. Where a labelled folder says which image each crop was cut from
(:data:`SOURCES_FILE`, which ``export-labelled`` and ``detect --labels`` write, or a
sub-folder per cell, as ``compare`` reads cells), the crops of one image are kept on one
side of every split. Identical images (same content) always are.

Measured on the 235 matched crops of the four oshima2026 spreads (``docs/training.md``):
4-fold cross-validation read 0.843-0.872 with the folds stratified over crops, and
0.804 with each spread held out whole, which is what a new spread gets.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import numpy as np

from .cells import folder_cell
from .errors import DataError
from .images import CLASS_NAMES, ImageItem, sample_name
from .predictions_table import read_table
from .stats import clustered_interval
from .words import counted, such_as

# in a labelled folder: columns file (a crop's path in the folder), image (the image it was cut from) and,
# optionally, image_sha256 (that image file's SHA-256), by which it is known wherever it lies
SOURCES_FILE = "sources.csv"
SOURCES_COLUMNS = ("file", "image", "image_sha256")


class Source(NamedTuple):
    """The image a crop was cut from: as named, and its file's SHA-256 where known."""

    image: str
    sha256: str | None = None

    def key(self, folder: str) -> tuple[str, ...]:
        """The same for two crops of one image: its file's SHA-256 wherever it lies, else its name in one folder."""
        return ("sha256", self.sha256) if self.sha256 else ("image", folder, self.image)


def read_sources(folder: str | Path) -> dict[str, Source]:
    """The image each crop of a labelled folder was cut from, by the crop's path in the folder (``a/x.png``),
    as the folder's :data:`SOURCES_FILE` gives it; empty where the folder has none."""
    path = Path(folder) / SOURCES_FILE
    if not path.is_file():
        return {}
    rows = read_table(path, "table of the images the crops were cut from", {"file", "image"})
    return {PurePosixPath(row["file"].replace("\\", "/")).as_posix():  # as a Windows spreadsheet may write it
            Source(row["image"], row.get("image_sha256") or None) for row in rows if row["image"]}


def image_sources(folders: Sequence[str | Path], items: Sequence[ImageItem]) -> list[Source | None]:
    """The image each labelled crop was cut from, where its folder says so (None elsewhere): its row of the
    folder's :data:`SOURCES_FILE`, else the cell its sub-folders name, as ``compare`` reads them
    (``wt/a/cell3/x.png``: :func:`sccscore.cells.folder_cell`).

    A row names a crop by its path in the folder (``a/x.png``), or by its file name alone
    (``x.png``), as a table typed by hand may. Where a folder's table leaves crops out, or
    names files the folder does not hold, a warning says so: those crops count as cut from
    an image each, which a split may part from their neighbours.
    """
    tables = {sample_name(folder): (Path(folder), read_sources(folder)) for folder in folders}
    sources = []
    for item in items:
        _, table = tables.get(item.sample, (None, {}))
        source = table.get(item.name) or table.get(PurePosixPath(item.name).name)
        if source is None and (cell := folder_cell(item.path, item.sample)):
            source = Source(cell)
        sources.append(source)
    for sample, (folder, table) in tables.items():
        if table:
            _warn_unmatched(folder, table, [(i, s) for i, s in zip(items, sources) if i.sample == sample])
    return sources


def _warn_unmatched(folder: Path, table: dict[str, Source], found: list[tuple[ImageItem, Source | None]]) -> None:
    named = {name for item, _ in found for name in (item.name, PurePosixPath(item.name).name)}
    if missing := [item for item, source in found if source is None]:
        are = "is" if len(missing) == 1 else "are"
        warnings.warn(f"{folder / SOURCES_FILE}: {len(missing)} of the folder's {len(found)} crops {are} not in it, "
                      f"{such_as([item.name for item in missing])}: each counts as cut from an image of its own",
                      stacklevel=3)
    if stale := [name for name in table if name not in named]:
        verb = "names" if len(stale) == 1 else "name"
        warnings.warn(f"{folder / SOURCES_FILE}: {len(stale)} of its rows {verb} no crop of the folder, "
                      f"{such_as(stale)} (a crop moved or renamed since?)", stacklevel=3)


def source_units(groups: Sequence[str], digests: Sequence[str], sources: Sequence[Source | None]) -> np.ndarray:
    """A number per image, shared by the images that must fall on one side of a split: those cut from one image
    (:meth:`Source.key`), and identical images.

    Examples
    --------
    >>> source_units(["wt"] * 4, ["p", "q", "r", "p"], [Source("s1"), Source("s1"), None, None]).tolist()
    [0, 0, 1, 0]
    """
    parent: dict[tuple, tuple] = {}

    def root(key: tuple) -> tuple:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for group, digest, source in zip(groups, digests, sources):
        if source is not None and (a := root(("digest", digest))) != (b := root(source.key(group))):
            parent[a] = b
    roots = [root(("digest", digest)) for digest in digests]
    numbers = {key: number for number, key in enumerate(dict.fromkeys(roots))}
    return np.array([numbers[key] for key in roots])


def agreement_by_source(correct: np.ndarray, units: np.ndarray) -> list[float]:
    """95% interval of the share of ``correct`` calls with the images they were cut from (``units``,
    :func:`source_units`) as the independent units (:func:`sccscore.stats.clustered_interval`).

    Examples
    --------
    >>> [round(v, 3) for v in agreement_by_source(np.array([1, 1, 0, 1, 1, 1]), np.array([0, 0, 0, 1, 1, 2]))]
    [0.1, 1.0]
    """
    numbers = np.unique(units, return_inverse=True)[1]
    return clustered_interval(np.bincount(numbers, weights=correct).astype(int), np.bincount(numbers))


def stratified_folds(groups: Sequence[str], labels: np.ndarray, digests: Sequence[str], folds: int,
                     seed: int) -> np.ndarray:
    """Fold number of each image: stratified by (group, label), duplicates together.

    Examples
    --------
    >>> stratified_folds(["wt"] * 4, np.array([0, 0, 1, 1]), ["p", "q", "r", "r"], 2, 0).tolist()
    [0, 1, 0, 0]
    """
    first: dict[str, int] = {}
    for index, digest in enumerate(digests):
        first.setdefault(digest, index)
    rng = np.random.default_rng(seed)
    fold_of: dict[str, int] = {}
    strata = sorted({(groups[i], int(labels[i])) for i in first.values()})
    for group, label in strata:
        members = [d for d, i in first.items() if groups[i] == group and labels[i] == label]
        for position, digest in enumerate(rng.permutation(members)):
            fold_of[str(digest)] = position % folds
    return np.array([fold_of[digest] for digest in digests])


def grouped_folds(groups: Sequence[str], labels: np.ndarray, units: np.ndarray, folds: int,
                  seed: int | np.random.Generator) -> np.ndarray:
    """Fold number of each image: each unit (:func:`source_units`) whole in one fold, and each group's types spread
    over the folds as evenly as whole units allow.

    Units go biggest first (ties in random order) to the fold that holds the least of their types so far.

    Raises
    ------
    DataError
        If a group has fewer units than folds.

    Examples
    --------
    >>> grouped_folds(["wt"] * 5, np.array([0, 0, 1, 1, 0]), np.array([0, 0, 1, 1, 2]), 2, 0).tolist()
    [0, 0, 1, 1, 1]
    """
    rng, groups = np.random.default_rng(seed), np.asarray(groups)
    fold_of: dict[int, int] = {}
    for group in dict.fromkeys(groups.tolist()):
        mine = groups == group
        counts = {int(u): np.bincount(labels[mine & (units == u)], minlength=len(CLASS_NAMES))
                  for u in np.unique(units[mine])}
        if len(counts) < folds:
            raise DataError(f"{group}: its crops were cut from {counted(len(counts), 'image')} ({SOURCES_FILE} or its "
                            f"cells' sub-folders), and the crops of one image stay in one fold, so {folds} folds need "
                            f"at least {folds} images; give fewer folds, or crops from more images")
        totals = np.maximum(sum(counts.values()), 1)
        filled = np.zeros((folds, len(CLASS_NAMES)))
        for unit in sorted(rng.permutation(list(counts)).tolist(), key=lambda u: -counts[u].sum()):
            if unit not in fold_of:  # else placed with a copy in another group
                overlap = (filled * counts[unit] / totals**2).sum(axis=1)
                fold_of[unit] = int(np.lexsort((filled.sum(axis=1), overlap))[0])
            filled[fold_of[unit]] += counts[unit]
    return np.array([fold_of[int(u)] for u in units])


def validation_split(labels: np.ndarray, units: np.ndarray | None, fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices (kept, held out), holding out about ``fraction`` of each type; with ``units``, whole units
    (a larger share where there are fewer than ``1 / fraction`` of them).

    Raises
    ------
    DataError
        If ``units`` are too few to hold one out and keep every type to train on.
    """
    if units is None:
        return _stratified_split(labels, fraction, rng)
    n_units = len(np.unique(units))
    if n_units >= 2:
        folds = grouped_folds(["images"] * len(labels), labels, units, min(max(2, round(1 / fraction)), n_units), rng)
        held = rng.integers(folds.max() + 1)  # not always fold 0, which the biggest image goes to first
        kept, held_out = np.flatnonzero(folds != held), np.flatnonzero(folds == held)
        if len(np.unique(labels[kept])) == len(np.unique(labels)):
            return kept, held_out
    raise DataError(f"the crops were cut from {counted(n_units, 'image')}, too few to hold the crops of some out "
                    "whole and train on every type")


def _stratified_split(labels: np.ndarray, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    held = []
    for label in np.unique(labels):
        indices = rng.permutation(np.flatnonzero(labels == label))
        held.append(indices[: max(1, round(fraction * len(indices)))])
    held_out = np.sort(np.concatenate(held))
    return np.setdiff1d(np.arange(len(labels)), held_out), held_out
