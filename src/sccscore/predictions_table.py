"""The ``predictions.csv`` that classify writes, as compare and review read it.

Its rows (one a chromosome), perhaps set right by hand or in a blind review
(``sccscore review``), which marks the calls a person looked at and the objects
left out as not chromosomes; the model and preprocessing that typed it; and
several runs' tables joined into one.
"""

from __future__ import annotations

import csv
import os
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .config import PREPROCESS_CHOICES
from .errors import SccscoreError
from .images import CLASS_NAMES

REVIEWED_BLIND = "blind"  # the reviewed column of a call a person looked at in sccscore review
# ... and of one a review of calls drawn at random from every call showed (review --sample): on these, the review's
# types against the model's calls measure the model on the lab's own images
REVIEWED_DRAWN = "blind, drawn at random"
# ... and of a call such a review drew that no one typed (keep): not reviewed, but what the measure left out, said so
DRAWN_UNTYPED = "drawn at random, not typed"
REVIEWER = "reviewer"  # the column naming who typed a call in a blind review, as written on its page
LEFT_OUT = "not a chromosome"  # the reviewed column of an object a person left out there (debris...): not read
NOT_A_CHROMOSOME = "X"  # the type a review gives it: detection takes some debris, or two chromosomes, for one
WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # how .xlsx and .ods (zip), and .xls begin


def read_table(path: str | Path, what: str, columns: set[str], paths: Sequence[str] = ()) -> list[dict[str, str]]:
    """The rows of a CSV file that must have ``columns``; a clear error naming the file otherwise.

    Read as spreadsheets save it too: with a byte-order mark (Excel's "CSV UTF-8"), and
    separated by semicolons where the header has no comma (Excel where the decimal mark
    is a comma). The columns named in ``paths`` hold paths, which a table written on
    Windows gives with ``\\``: read with ``/`` elsewhere (:func:`posix_path`).
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            workbook = handle.read(8).startswith(WORKBOOKS)
        if workbook:  # saved from the spreadsheet in its own format: its bytes would read as a table of nothing
            raise SccscoreError(f"{path}: cannot read the {what}: it is a spreadsheet workbook (.xlsx, .ods or .xls), "
                                "not CSV text; save it as CSV UTF-8")
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
    by_classify = one_row_a_crop(rows)
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
    header to the file ``out``, for :func:`~sccscore.compare.compare_table`: samples classified in runs of their own
    (one a day), then compared together. The columns are those of every table, in the order first met.

    Each row names its run, in a ``run`` column: its table's folder (or the table, where those folders share a name).
    A crop's cell by its folders is named within its run (``mon/cell1``: :func:`~sccscore.cells.cell_counts`), so
    that each run's ``cell1`` is a cell of its own, where one table holding both would be refused as cells named
    alike.

    Refused, naming the tables: one given twice, or as ``out``; a crop in two tables classify wrote (it would count
    twice); tables of whole spreads' chromosomes with tables of crops.
    """
    from ._atomic import write_csv

    read = _each_once(tables, Path(out))
    _refuse_joining_spreads_with_crops(read)
    first_of: dict[str, Path] = {}
    for table, rows in read.items():
        for row in rows if one_row_a_crop(rows) else ():
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


def one_row_a_crop(rows: list[dict[str, str]]) -> bool:
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


def reviewed_blind(row: dict[str, str]) -> bool:
    """Whether a person looked at a row's call in a blind review (``sccscore review``; its ``reviewed`` column)."""
    return row.get("reviewed") in (REVIEWED_BLIND, REVIEWED_DRAWN)


def reviewed_drawn(row: dict[str, str]) -> bool:
    """Whether a person looked at a row's call in a blind review of calls drawn at random (``review --sample``)."""
    return row.get("reviewed") == REVIEWED_DRAWN


def drawn_untyped(row: dict[str, str]) -> bool:
    """Whether a review of calls drawn at random drew a row's call, and no one typed it (``review --sample``)."""
    return row.get("reviewed") == DRAWN_UNTYPED


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
    if len(samples_of := samples_by(rows, "model")) > 1:
        which = "; ".join(f"{', '.join(sorted(samples))} by {model}" for model, samples in samples_of.items())
        raise SccscoreError(f"{table}: the chromosomes compared were typed by {len(samples_of)} models ({which}), and "
                            "a difference between samples would be partly the models': classify them all with one")
    return next(iter(samples_of), None)


def preprocessed_with(rows: list[dict[str, str]], table: str | Path) -> dict[str, str]:
    """Each sample's crop preprocessing, as a predictions table's ``preprocess`` column names it and classify's
    ``--preprocess`` (or the model's own) set it: "none" or "paper"; the samples of a table without one (of spreads,
    or before 2026-12-05) are left out.

    A sample whose chromosomes were preprocessed two ways (runs joined under one name) is refused: one model reads a
    crop preprocessed otherwise as another crop, and no check tells the sample's two parts apart. Samples preprocessed
    two ways, one each, are compared where their crops are made alike as the model read them
    (:func:`sccscore.sample_cautions.check_made_alike`).

    >>> rows = [{"path": "wt/a.png", "sample": "wt", "preprocess": "none"},
    ...         {"path": "ko/b.png", "sample": "ko", "preprocess": "paper"}]
    >>> preprocessed_with(rows, "t.csv")
    {'wt': 'none', 'ko': 'paper'}
    >>> preprocessed_with([{"path": "ko/c.png", "sample": "ko", "preprocess": "fancy"}], "t.csv")
    Traceback (most recent call last):
    ...
    sccscore.errors.SccscoreError: t.csv: the preprocess column of ko/c.png says 'fancy', where classify writes none \
or paper
    """
    ways: dict[str, set[str]] = {}  # in the order of the rows
    for row in rows:
        if name := (row.get("preprocess") or "").strip():
            if name not in PREPROCESS_CHOICES:  # a table edited by hand
                raise SccscoreError(f"{table}: the preprocess column of {row['path']} says '{name}', where classify "
                                    f"writes {' or '.join(PREPROCESS_CHOICES)}")
            ways.setdefault(row["sample"], set()).add(name)
    if two := sorted(sample for sample, names in ways.items() if len(names) > 1):
        raise SccscoreError(f"{table}: the chromosomes of {', '.join(two)} were preprocessed two ways (--preprocess "
                            "none and paper, in runs joined under one name), and a difference between samples would "
                            "be partly the preprocessing's: classify each sample with one --preprocess")
    return {sample: names.pop() for sample, names in ways.items()}


def samples_by(rows: list[dict[str, str]], column: str) -> dict[str, set[str]]:
    """Each value a column gives (blank ones left out) -> the samples of its rows."""
    samples_of: dict[str, set[str]] = {}
    for row in rows:
        if value := (row.get(column) or "").strip():
            samples_of.setdefault(value, set()).add(row["sample"])
    return samples_of
