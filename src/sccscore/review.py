"""A person's look at the calls to check, blind to the sample and to the model's call.

The calls a person should look at are those less sure than
:data:`sccscore.spreads.CHECK_BELOW`, which ``classify --spreads`` marks in its
``check`` column. Set right with the sample in view, they could
lean towards the result one expects of it, and the test between samples would
carry that lean. :func:`write_review` shows those crops shuffled, each by a number
only (``review.html``), with a sheet to type each one's type in (``review.csv``) and
the key from number to crop (``key.csv``, for :func:`apply_review`, not for the
reviewer). :func:`apply_review` writes the predictions table again with the types
given, each call looked at marked in a ``reviewed`` column; ``compare`` then counts
the calls reviewed and lists those set right (:func:`sccscore.compare.set_by_hand`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ._atomic import atomic_open, output_folder, write_csv
from .compare import REVIEWED_BLIND, normalised_type, read_predictions, read_table, row_probabilities
from .errors import ImageReadError, SccscoreError
from .images import CLASS_NAMES, read_image
from .report import STYLE, image_uri
from .spreads import CHECK_BELOW, needs_check

SHEET, KEY, PAGE = "review.csv", "key.csv", "review.html"
THUMBNAIL = 160  # px a crop is shown at: the sisters of a chromosome a few dozen pixels long can be told apart


@dataclass(frozen=True)
class Review:
    """A review written by :func:`write_review`: its folder, the calls it shows, the table's rows, crops not read."""

    folder: Path
    n_calls: int
    n_rows: int
    unread: list[ImageReadError]  # crops shown blank: moved since classify


def calls_to_check(rows: list[dict[str, str]], every: bool = False) -> list[dict[str, str]]:
    """The rows a person should look at (less sure than 0.9), or ``every`` one."""
    if every:
        return rows
    return [row for row in rows if (shares := row_probabilities(row)) and needs_check(list(shares.values()))]


def write_review(predictions: str | Path, out_dir: str | Path, every: bool = False, seed: int = 0) -> Review:
    """Write ``review.html``, ``review.csv`` and ``key.csv`` for the calls to check in ``predictions``.

    Raises
    ------
    SccscoreError
        If there is nothing to review, or ``out_dir`` holds a review with types typed
        in already (writing over it would lose them).
    """
    rows = read_predictions(predictions)
    chosen = calls_to_check(rows, every)
    if not chosen:
        why = ("gives no probabilities (typed by hand?), so no call is marked to check"
               if not any(row_probabilities(row) for row in rows) else
               f"no call is less sure than {CHECK_BELOW:g}, so none is marked to check")
        raise SccscoreError(f"{predictions}: {why}; give --all to review every call")
    out = output_folder(out_dir)
    if (out / SHEET).is_file() and any(row.get("type", "").strip() for row in _read_sheet(out)):
        raise SccscoreError(f"{out / SHEET}: holds types typed in already; apply it (sccscore apply-review) or "
                            "choose another folder")
    order = np.random.default_rng(seed).permutation(len(chosen))
    shuffled = [chosen[i] for i in order]
    thumbnails, unread = _thumbnails([row["path"] for row in shuffled])
    if len(unread) == len(shuffled):
        raise SccscoreError(f"none of the {len(shuffled)} crops to review can be read, such as {unread[0]}: the "
                            "table's paths are where classify wrote them (run review from the folder it ran in)")
    write_csv(out / KEY, ["number", "path", "sample"],
              ([n, row["path"], row["sample"]] for n, row in enumerate(shuffled, start=1)))
    write_csv(out / SHEET, ["number", "type"], ([n, ""] for n in range(1, len(shuffled) + 1)))
    _write_page(out / PAGE, thumbnails)
    return Review(out, len(shuffled), len(rows), unread)


def _thumbnails(crops: list[str]) -> tuple[list[Image.Image], list[ImageReadError]]:
    """Each crop small enough to show, a blank where one cannot be read; and why those cannot."""
    thumbnails, unread = [], []
    for crop in crops:
        try:
            image = Image.fromarray(read_image(crop))
        except ImageReadError as error:  # moved since classify: its number stays, to be left blank
            image = Image.new("RGB", (8, 8), "white")
            unread.append(error)
        image.thumbnail((THUMBNAIL, THUMBNAIL))
        thumbnails.append(image)
    return thumbnails, unread


def _write_page(path: Path, thumbnails: list[Image.Image]) -> None:
    figures = [f"<figure><img class='review' alt='{number}' src='{image_uri(image)}'>"
               f"<figcaption>{number}</figcaption></figure>" for number, image in enumerate(thumbnails, start=1)]
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>sccscore review</title><style>{STYLE}"
            f"img.review {{ width: {THUMBNAIL}px; height: {THUMBNAIL}px; object-fit: contain; }}</style></head><body>"
            f"<h1>Review of {len(thumbnails)} chromosomes</h1><p>Type each chromosome's type (A, B or C) beside its "
            f"number in {SHEET}; leave it blank to keep the call. The chromosomes are shuffled, and neither their "
            f"sample nor the model's call is shown, so that what you expect of a sample cannot lean on what you see. "
            f"Do not open {KEY} until you are done. Then: sccscore apply-review.</p>{''.join(figures)}</body></html>\n")
    with atomic_open(path, encoding="utf-8") as handle:
        handle.write(page)


def _read_sheet(folder: Path) -> list[dict[str, str]]:
    return read_table(folder / SHEET, "review sheet", {"number", "type"})


def apply_review(predictions: str | Path, review_dir: str | Path, out: str | Path) -> tuple[int, dict[str, int]]:
    """Write ``predictions`` to ``out`` with the types typed in ``review_dir``'s sheet.

    Returns the number of types typed, and the calls they changed in each sample.

    Raises
    ------
    SccscoreError
        If the sheet names a number the key lacks or one number twice, gives something
        other than a type, or the key names a crop the table lacks: nothing is written then.
    """
    review_dir, table = Path(review_dir), Path(predictions)
    key = {row["number"].strip(): row for row in read_table(review_dir / KEY, "review key", {"number", "path"})}
    rows = read_predictions(table)
    by_path = {row["path"]: row for row in rows}
    typed: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for line, entry in enumerate(_read_sheet(review_dir), start=2):
        number, given = entry["number"].strip(), (entry["type"] or "").strip()
        if not given:
            continue
        if number not in key:
            raise SccscoreError(f"{review_dir / SHEET}, line {line}: number {number} is not in {review_dir / KEY}")
        if (earlier := first_line.setdefault(number, line)) != line:
            raise SccscoreError(f"{review_dir / SHEET}, line {line}: number {number} is typed on line {earlier} too; "
                                "keep one")
        if (called := normalised_type(given)) is None:
            raise SccscoreError(f"{review_dir / SHEET}, line {line}: type '{given}' is not one of "
                                f"{', '.join(CLASS_NAMES)}; leave it blank to keep the call")
        if key[number]["path"] not in by_path:
            raise SccscoreError(f"{review_dir / KEY}: {key[number]['path']} (number {number}) is not in {table}: "
                                "a review of another table?")
        typed[key[number]["path"]] = called
    changed = Counter(by_path[path]["sample"] for path, called in typed.items() if by_path[path]["predicted"] != called)
    for path, called in typed.items():  # looked at, changed or not: compare says how many of each
        by_path[path] |= {"predicted": called, "reviewed": REVIEWED_BLIND}
    header = list(dict.fromkeys([*rows[0], "reviewed"]))
    write_csv(out, header, ([row.get(column, "") for column in header] for row in rows))
    return len(typed), dict(changed)
