"""A person's look at the calls to check, blind to the sample and to the model's call.

The calls a person should look at are those less sure than
:data:`sccscore.spreads.CHECK_BELOW`, which ``classify --spreads`` marks in its
``check`` column. Set right with the sample in view, they could
lean towards the result one expects of it, and the test between samples would
carry that lean. :func:`write_review` shows those crops shuffled, each by a number
only (``review.html``, where each is given its type by a click or a key, and which
saves the types as a sheet naming its review), with an empty sheet to type the types
in by hand instead (``review.csv``) and the key from number to crop (``key.csv``,
for :func:`apply_review`, not for the reviewer). :func:`apply_review` writes the
predictions table again with the types given, each call looked at marked in a
``reviewed`` column and its reviewer in a ``reviewer`` column; ``compare`` then counts the calls reviewed and lists
those set right (:func:`sccscore.predictions_table.set_by_hand`). Several reviewers' sheets of one page are applied as
their consensus (:func:`consensus`), the calls they typed differently left as called and listed for them to settle
(:func:`write_disagreed`). A chromosome cut from a spread is shown
beside where it lies in the spread, as the microscope shows it: whether an object is
a chromosome, a piece of a nucleus or two chromosomes found as one often shows only
there, as it does to a person scoring spreads by eye. An object typed X is not a chromosome
(debris, a piece of a nucleus, two chromosomes taken for one): it stays in the table,
marked :data:`~sccscore.predictions_table.LEFT_OUT`, and is no longer counted.
:func:`write_labelled` copies the crops a blind review typed into a labelled folder, so
that a lab's reviews become training data for a model of its own; :func:`write_yolo_labels` writes the
chromosomes of the spreads a blind review typed as YOLO labels, the draft of an annotation for ``train-spreads``.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw

from ._atomic import atomic_open, output_folder, staged_folder, write_csv
from .annotations import UNTYPED, Drafts
from .cells import SampleSheet, cell_of, check_sheet
from .errors import ImageReadError, SccscoreError
from .images import CLASS_NAMES, ImageItem, read_image
from .predictions_table import (DRAWN_UNTYPED, LEFT_OUT, NOT_A_CHROMOSOME, REVIEWED_BLIND, REVIEWED_DRAWN, REVIEWER,
                                drawn_untyped, normalised_type, read_predictions, read_table, reviewed_blind,
                                reviewed_drawn, row_box, row_probabilities)
from .report import STYLE, image_uri, jpeg_uri
from .sample_data import sha256_or_none
from .splits import SOURCES_COLUMNS, SOURCES_FILE
from .spreads import CHECK_BELOW, FOUND_COLOUR, needs_check
from .words import TYPES, counted, such_as

SHEET, KEY, PAGE = "review.csv", "key.csv", "review.html"
# which calls a review shows, as its key's ``shown`` column says it: those less sure than 0.9, every one, or a number
# drawn at random from every call (``review --sample``), whose agreement estimates that on every call
UNSURE, EVERY, DRAWN = "unsure", "every", "drawn"
DISAGREED = "disagreed.csv"  # a sheet of the calls reviewers typed differently, each's type beside, to settle
# where a sheet its page saved is to be found, said where the one given types nothing: most likely the blank one review
# wrote beside the page
SAVED_WHERE = "the sheet review.html saves goes to the browser's downloads folder"
LABELLED_CROPS, YOLO_LABELS = "the labelled crops", "the YOLO labels"  # what export-labelled writes (refuse_existing)
THUMBNAIL = 160  # px a crop is shown at: the sisters of a chromosome a few dozen pixels long can be told apart
# a chromosome's place in its spread is shown this many times its box's longer side across: a nucleus it may be a
# piece of shows, and the neighbours it may have been found joined to, at about the crop's scale
CONTEXT = 4


@dataclass(frozen=True)
class Review:
    """A review written by :func:`write_review`: its folder, the calls it shows, the table's rows, files not read."""

    folder: Path
    n_calls: int
    n_rows: int
    shown: str  # which calls: UNSURE, EVERY or DRAWN
    unread: list[ImageReadError]  # crops shown blank: moved since classify
    # why a chromosome of a spread is shown without its place, for each: a spread moved since classify, a box off it
    no_place: list[str] = field(default_factory=list)
    # of calls drawn at random: each sample's (in the table's order), the cells they lie in (the calls, where a
    # call's cell is not known: drawn_unit), the units of the intervals a drawn review gives each sample, and the
    # sample's units in all
    drawn: dict[str, int] = field(default_factory=dict)
    drawn_units: dict[str, int] = field(default_factory=dict)
    drawn_unit: str = "cell"
    units: dict[str, int] = field(default_factory=dict)


class YoloLabels(NamedTuple):
    """What :func:`write_yolo_labels` wrote: how many spreads, the boxes of each type a blind review gave, and the
    boxes left untyped (no blind review typed them)."""

    n_spreads: int
    typed: Counter
    n_untyped: int


class Applied(NamedTuple):
    """What :func:`apply_review` did: the types given, and per sample the calls changed and the objects left out; the
    names the reviewers wrote on the page (none for a sheet typed by hand), and the numbers of the calls several
    reviewers typed differently, each's type by reviewer (those calls are left as they were); and of a review of
    calls drawn at random, how many none typed (keep), which compare's measure of the model leaves out."""

    n_typed: int
    changed: dict[str, int]
    left_out: dict[str, int]
    reviewers: tuple[str, ...]
    disagreed: dict[str, dict[str, str]]
    drawn_untyped: int = 0


class Sheet(NamedTuple):
    """A review's sheet as :func:`read_sheet` reads it: crop path -> the type given, and who gave them."""

    types: dict[str, str]
    reviewer: str | None  # the name written on the page (its reviewer column); None for a sheet typed by hand


def calls_to_check(rows: list[dict[str, str]], every: bool = False) -> list[dict[str, str]]:
    """The rows a person should look at (less sure than 0.9), or ``every`` one."""
    if every:
        return rows
    return [row for row in rows if (shares := row_probabilities(row)) and needs_check(list(shares.values()))]


def write_review(predictions: str | Path, out_dir: str | Path, every: bool = False, seed: int = 0,
                 drawn: int | None = None) -> Review:
    """Write ``review.html``, ``review.csv`` and ``key.csv`` for the calls to check in ``predictions``: those less sure
    than 0.9, ``every`` one, or a number ``drawn`` at random from every call (all of them where the table holds no
    more): a sample of the calls as they come, sure and unsure, on which a reviewer's agreement with the model, and
    with another reviewer, estimates that on every call.

    Raises
    ------
    SccscoreError
        If there is nothing to review, or ``out_dir`` holds a review with types typed
        in already (writing over it would lose them).

    Examples
    --------
    >>> import tempfile
    >>> from sccscore.classify import classify
    >>> from sccscore.models import load_model
    >>> from sccscore.sample_data import data_root
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     scored = classify([data_root() / "images" / "ctf18"], load_model("paper:squeezenet1_1/1"),
    ...                       Path(folder) / "scored")
    ...     review = write_review(scored.out_dir / "predictions.csv", Path(folder) / "review")
    ...     written = sorted(path.name for path in review.folder.iterdir())
    >>> review.n_calls, review.n_rows, written  # the calls less sure than 0.9, of the table's
    (313, 417, ['key.csv', 'review.csv', 'review.html'])
    """
    rows = read_predictions(predictions)
    rng = np.random.default_rng(seed)
    every = every or (drawn is not None and drawn >= len(rows))
    if drawn is not None and not every:
        chosen, shown = [rows[i] for i in sorted(rng.choice(len(rows), drawn, replace=False))], DRAWN
    else:
        chosen, shown = calls_to_check(rows, every), EVERY if every else UNSURE
    if not chosen:
        why = ("gives no probabilities (typed by hand?), so no call is marked to check"
               if not any(row_probabilities(row) for row in rows) else
               f"no call is less sure than {CHECK_BELOW:g}, so none is marked to check")
        raise SccscoreError(f"{predictions}: {why}; give --all to review every call")
    out = output_folder(out_dir)
    if _holds_types(out / SHEET):
        raise SccscoreError(f"{out / SHEET}: holds types typed in already; apply it (sccscore apply-review) or "
                            "choose another folder")
    order = rng.permutation(len(chosen))
    shuffled = [chosen[i] for i in order]
    thumbnails, unread = _thumbnails([row["path"] for row in shuffled])
    if len(unread) == len(shuffled):
        none = f"none of the {len(shuffled)} crops to review can" if len(shuffled) > 1 else "the crop to review cannot"
        raise SccscoreError(f"{none} be read, {such_as(unread)}: the table's paths are where classify wrote them (run "
                            "review from the folder it ran in)")
    contexts, no_place = _contexts(shuffled)
    # names this review in its key and in the sheet its page saves: a sheet saved from another review is refused
    review = hashlib.sha256("\n".join(row["path"] for row in shuffled).encode()).hexdigest()[:12]
    write_csv(out / KEY, ["number", "path", "sample", "review", "shown"],
              ([n, row["path"], row["sample"], review, shown] for n, row in enumerate(shuffled, start=1)))
    write_csv(out / SHEET, ["number", "type"], ([n, ""] for n in range(1, len(shuffled) + 1)))
    _write_page(out / PAGE, thumbnails, contexts, review, shown)
    drawn_in = _drawn_by_sample(rows, chosen) if shown == DRAWN else ({}, {}, "cell", {})
    return Review(out, len(shuffled), len(rows), shown, unread, no_place, *drawn_in)


def _drawn_by_sample(rows: list[dict[str, str]], chosen: list[dict[str, str]]
                     ) -> tuple[dict[str, int], dict[str, int], str, dict[str, int]]:
    """Each sample's calls drawn (``chosen``, of the table's ``rows``), and the cells they lie in, or the calls where
    some call's cell is not known (:func:`sccscore.cells.cell_of`): the units that
    :func:`sccscore.agreement.corrected_by_draw` takes, which ("cell" or "call"), and each sample's units in all."""
    cells = {row["path"]: cell_of(row) for row in rows}
    known = None not in cells.values() and len(set(cells.values())) >= 2
    samples = dict.fromkeys(row["sample"] for row in rows)

    def units(among: list[dict[str, str]]) -> dict[str, int]:
        return {sample: len({cells[row["path"]] if known else row["path"] for row in among if row["sample"] == sample})
                for sample in samples}
    return {sample: sum(row["sample"] == sample for row in chosen) for sample in samples}, units(chosen), \
        "cell" if known else "call", units(rows)


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


def _contexts(rows: list[dict[str, str]]) -> tuple[list[Image.Image | None], list[str]]:
    """Where each row's chromosome lies in its spread (None for a crop's row), and why each of those not shown is not.

    Each spread is read once, for all its chromosomes to review.
    """
    rows_of = defaultdict(list)
    for index, row in enumerate(rows):
        if row.get("spread") and (box := row_box(row)):
            rows_of[row["spread"]].append((index, box))
    contexts: list[Image.Image | None] = [None] * len(rows)
    no_place = []
    for spread, placed in rows_of.items():
        try:
            rgb = read_image(spread)
        except ImageReadError as error:  # moved since classify: its chromosomes are shown as crops alone
            no_place += [str(error)] * len(placed)
            continue
        height, width = rgb.shape[:2]
        for index, (x0, y0, x1, y1) in placed:
            if not (0 <= x0 <= x1 < width and 0 <= y0 <= y1 < height):  # another image saved under its name?
                no_place.append(f"{spread}: box {x0}, {y0}, {x1}, {y1} of {rows[index]['path']} lies outside its "
                                f"{width} x {height} pixels")
                continue
            contexts[index] = context_view(rgb, (x0, y0, x1, y1))
    return contexts, no_place


def context_view(rgb: np.ndarray, box: tuple[int, int, int, int]) -> Image.Image:
    """The spread around a chromosome's box, :data:`CONTEXT` times its longer side across, the box outlined.

    The outline is drawn 3 px outside the box, after the view is made small, so that it
    hides none of the chromosome; it is the colour ``detect`` draws what it found in,
    not a type's: the model's call is not shown.
    """
    x0, y0, x1, y1 = box
    reach = (CONTEXT - 1) * max(x1 - x0, y1 - y0) // 2
    left, top = max(x0 - reach, 0), max(y0 - reach, 0)
    view = Image.fromarray(rgb[top:y1 + reach + 1, left:x1 + reach + 1])
    width = view.width
    view.thumbnail((THUMBNAIL, THUMBNAIL))
    scale = view.width / width
    outline = [(x0 - left) * scale - 3, (y0 - top) * scale - 3, (x1 - left) * scale + 3, (y1 - top) * scale + 3]
    ImageDraw.Draw(view).rectangle(outline, outline=FOUND_COLOUR, width=2)
    return view


# said on a page where some chromosome's place is shown: a review of crops has none
PLACE_SHOWN = " Beside a chromosome found in a spread is its place there, outlined in blue."
# said on the page of calls drawn at random: those kept are left out of what it measures, and would be the hardest
DRAWN_TYPED = (" These were drawn at random from every call, to measure the model on your images: give each its "
               "type, however hard (keep leaves one out of the measure, and the hard ones left out would make the "
               "model look better than it is).")


def _write_page(path: Path, thumbnails: list[Image.Image], contexts: list[Image.Image | None], review: str,
                shown: str = UNSURE) -> None:
    """The crops by number, each beside its place in its spread, with buttons A, B, C, X (and keep), and a button
    that saves the sheet; of calls drawn at random (``shown``), a word that each is to be typed."""
    figures = [f"<figure class='call' data-number='{number}'><img class='review' alt='{number}' "
               f"src='{image_uri(image)}'>"
               + (f"<img class='context' alt='{number} in its spread' src='{jpeg_uri(context)}'>" if context else "")
               + f"<figcaption>{number}</figcaption><div class='types'>{_choices(number)}</div></figure>"
               for number, (image, context) in enumerate(zip(thumbnails, contexts), start=1)]
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>sccscore review</title><style>{STYLE}"
            f"{PAGE_STYLE}</style></head><body data-review='{review}'>"
            f"<h1>Review of {counted(len(thumbnails), 'chromosome')}</h1>"
            f"<p>Give each chromosome its type, {TYPES}: click A, B or C under it, or press a, b or c for the one "
            "outlined (the next is outlined then; arrow keys move, Backspace clears); keep leaves the call as it is, "
            "and X (or x) leaves out what is not a chromosome: debris, a piece of a nucleus, two chromosomes taken "
            f"for one.{PLACE_SHOWN if any(contexts) else ''}{DRAWN_TYPED if shown == DRAWN else ''} The chromosomes "
            "are shuffled, and neither their sample nor the model's call is shown, so that "
            f"what you expect of a sample cannot lean on what you see. Do not open {KEY} until you are done. Where "
            "several people type this page, each on their own, to see how far they agree (sccscore agreement), each "
            "writes their name first: the page keeps each name's types apart, out of the others' sight, and saves "
            "review-NAME.csv.</p>"
            "<p class='bar'><label>reviewer <input type='text' id='reviewer' size='10'></label> "
            f"<button id='save'>Save {SHEET}</button> <span id='typed'>0</span> of "
            f"{len(thumbnails)} typed; this page remembers them if closed. Then: sccscore apply-review with --sheet "
            f"and the file saved (or type the types in this folder's {SHEET} instead).</p>"
            f"{''.join(figures)}<script>{PAGE_SCRIPT}</script></body></html>\n")
    with atomic_open(path, encoding="utf-8") as handle:
        handle.write(page)


def _choices(number: int) -> str:
    """The radio buttons of one chromosome: keep (checked: the call stands), A, B, C and X (not a chromosome)."""
    return "".join(f"<label><input type='radio' name='t{number}' value='{value}'{' checked' * (not value)}>"
                   f"{value or 'keep'}</label>" for value in ("", *CLASS_NAMES, NOT_A_CHROMOSOME))


PAGE_STYLE = """
body { max-width: 90rem; } img.review, img.context { width: %dpx; height: %dpx; object-fit: contain; }
figure.call { border: 3px solid transparent; padding: .2rem; } figure.call.current { border-color: #0072b2; }
.types label { margin: 0 .2rem; font-size: .85rem; }
.bar { position: sticky; top: 0; background: #fff; padding: .4rem 0; }
""" % (THUMBNAIL, THUMBNAIL)

# Plain JavaScript, no library: the page works offline, opened from the folder. The sheet it saves names the
# review (body data-review), so that apply-review refuses a sheet saved from another.
PAGE_SCRIPT = r"""
const figures = [...document.querySelectorAll("figure.call")];
const reviewer = document.getElementById("reviewer");
let current = 0;
const typeOf = f => f.querySelector("input:checked").value;
const choose = (f, value) => { f.querySelector(`input[value='${value}']`).checked = true; };
// a name as it can stand in a CSV cell and a file name, and in a list of names (ann;bob: apply_review)
const named = () => reviewer.value.trim().replace(/[\s,;"'\/\\:*?<>|]+/g, "_");
// each reviewer's types kept apart: one who opens the page after another sees none of theirs
const store = () => "sccscore-review:" + document.body.dataset.review + (named() ? ":" + named() : "");
const fileName = () => named() ? `review-${named()}.csv` : "review.csv";
function reviewCsv() {
  return "number,type,review,reviewer\n" + figures.map(f => [f.dataset.number, typeOf(f), document.body.dataset.review,
    named()].join(",")).join("\n") + "\n";
}
function update() {
  try { localStorage.setItem(store(), JSON.stringify(figures.map(typeOf))); } catch (e) { /* storage off: no memory */ }
  document.getElementById("typed").textContent = figures.filter(typeOf).length;
  document.getElementById("save").textContent = "Save " + fileName();
  figures.forEach((f, i) => f.classList.toggle("current", i === current));
}
function remembered() {
  figures.forEach(f => choose(f, ""));
  try { JSON.parse(localStorage.getItem(store()) || "[]").forEach((t, i) => figures[i] && choose(figures[i], t)); }
  catch (e) { /* nothing remembered */ }
}
remembered();
reviewer.addEventListener("change", () => { current = 0; remembered(); update(); });
figures.forEach((f, i) => {
  // a type clicked moves on to the next chromosome, as a key does; a click elsewhere on one outlines it
  f.addEventListener("click", e => { current = e.target.matches("input") ? Math.min(i + 1, figures.length - 1) : i;
                                     update(); });
  f.addEventListener("change", update);
});
document.addEventListener("keydown", e => {
  if (e.target === reviewer) return;  // a name typed, not types
  const key = e.key.toUpperCase(), last = figures.length - 1;
  if (["A", "B", "C", "X"].includes(key)) { choose(figures[current], key); current = Math.min(current + 1, last); }
  else if (e.key === "Backspace" || e.key === "Delete") choose(figures[current], "");
  else if (e.key === "ArrowRight" || e.key === "ArrowDown") current = Math.min(current + 1, last);
  else if (e.key === "ArrowLeft" || e.key === "ArrowUp") current = Math.max(current - 1, 0);
  else return;
  e.preventDefault();
  update();
  figures[current].scrollIntoView({block: "nearest"});
});
document.getElementById("save").addEventListener("click", () => {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([reviewCsv()], {type: "text/csv"}));
  link.download = fileName();
  link.click();
});
update();
"""


def _read_sheet(path: Path) -> list[dict[str, str]]:
    return read_table(path, "review sheet", {"number", "type"})


def _holds_types(sheet: Path) -> bool:
    """Whether a sheet there has types typed in: what writing a blank one over it would lose."""
    return sheet.is_file() and any((row.get("type") or "").strip() for row in _read_sheet(sheet))


def _disagreed_kept(review_dir: str | Path) -> bool:
    """Whether ``review_dir``'s disagreed.csv is to be kept as it is: types typed in it, or no sheet any more
    (edited, saved as a workbook)."""
    try:
        return _holds_types(Path(review_dir) / DISAGREED)
    except SccscoreError:
        return True


def _reviewer(entries: list[dict[str, str]]) -> str | None:
    """The name a review's page saved a sheet under (its ``reviewer`` column), or None: no name written, or a sheet
    typed by hand."""
    names = {(entry.get("reviewer") or "").strip() for entry in entries}
    return names.pop() if len(names) == 1 and "" not in names else None


def apply_review(predictions: str | Path, review_dir: str | Path, out: str | Path,
                 sheet: str | Path | Sequence[str | Path] | None = None) -> Applied:
    """Write ``predictions`` to ``out`` with the types given in a review's sheet.

    ``sheet`` is the one its page saved (default: ``review_dir``'s ``review.csv``, typed
    in by hand). An object typed X keeps its row, marked left out, so that the table
    still says what was found and what a person made of it. Each call is marked with who
    typed it (its ``reviewer`` column), as they wrote their names on the page.

    Several sheets, one a reviewer, give their consensus: a call is given the type that
    all who typed it gave it; one typed differently is left as it was, and named by its
    number on the page (:attr:`Applied.disagreed`), for the reviewers to settle together.

    Raises
    ------
    SccscoreError
        If the sheet was saved from another review, names a number the key lacks or one
        number twice, gives something other than a type, or the key names a crop the
        table lacks; if a sheet is given twice, two were saved under one reviewer's name, or
        one of several types nothing: nothing is written then.

    Examples
    --------
    A review of released model 1's calls on the CTF18-/- crops, its sheet typed by hand as
    a person who knew the labels would type it (each crop's folder, ``a/``, ``b/`` or ``c/``):

    >>> import csv, tempfile
    >>> from sccscore.classify import classify
    >>> from sccscore.models import load_model
    >>> from sccscore.sample_data import data_root
    >>> with tempfile.TemporaryDirectory() as name:
    ...     folder = Path(name)
    ...     scored = classify([data_root() / "images" / "ctf18"], load_model("paper:squeezenet1_1/1"),
    ...                       folder / "scored")
    ...     review = write_review(scored.out_dir / "predictions.csv", folder / "review")
    ...     with open(review.folder / "key.csv", newline="") as handle:  # each crop's label: its folder's name
    ...         typed = [f"{row['number']},{Path(row['path']).parent.name.upper()}\\n"
    ...                  for row in csv.DictReader(handle)]
    ...     _ = (review.folder / "review.csv").write_text("number,type\\n" + "".join(typed))
    ...     applied = apply_review(scored.out_dir / "predictions.csv", review.folder, folder / "corrected.csv")
    ...     with open(folder / "corrected.csv", newline="") as handle:
    ...         rows = list(csv.DictReader(handle))
    >>> applied
    Applied(n_typed=313, changed={'ctf18': 141}, left_out={}, reviewers=(), disagreed={}, drawn_untyped=0)
    >>> round(sum(row["predicted"] == row["label"] for row in rows) / len(rows), 3)  # 0.616 before the review
    0.954
    """
    review_dir, table = Path(review_dir), Path(predictions)
    sheets = [sheet] if sheet is None or isinstance(sheet, (str, Path)) else list(sheet)
    refuse_given_twice(sheets)
    read = [read_sheet(review_dir, given) for given in sheets]
    if len(read) > 1:  # a consensus: each sheet one reviewer's, each typing some call
        if blank := [given for given, one in zip(sheets, read) if not one.types]:
            # its reviewer would be named as agreeing with every type the others gave
            raise SccscoreError(f"{blank[0]}: types none of the calls: {SAVED_WHERE}")
        _refuse_one_reviewer_twice(sheets, read)
    names = sheet_names(sheets, read) if len(read) > 1 else [read[0].reviewer or ""]
    typed, typed_by, apart = consensus({name: one.types for name, one in zip(names, read)})
    rows = read_predictions(table, left_out=True)  # those a review left out before are written again
    by_path = {row["path"]: row for row in rows}
    refuse_another_table(typed | apart, by_path, review_dir, table)
    left_out = Counter(by_path[path]["sample"] for path, called in typed.items() if called == NOT_A_CHROMOSOME)
    changed = Counter(by_path[path]["sample"] for path, called in typed.items()
                      if called not in (NOT_A_CHROMOSOME, by_path[path]["predicted"]))
    key = read_key(review_dir)
    # a review of calls drawn at random is marked so: compare reads the model's agreement with it as that on every
    # call; a call drawn before and typed again in a later review stays among the drawn, whose draw it was (one
    # drawn and left untyped then, typed now, completes it)
    drawn = calls_shown(key, len(rows)) == DRAWN
    for path, called in typed.items():  # looked at, changed or not: compare says how many of each, and by whom
        reviewed = REVIEWED_DRAWN if drawn or reviewed_drawn(by_path[path]) or drawn_untyped(by_path[path]) \
            else REVIEWED_BLIND
        by_path[path] |= ({"reviewed": LEFT_OUT} if called == NOT_A_CHROMOSOME else
                          {"predicted": called, "reviewed": reviewed}) | {REVIEWER: ";".join(typed_by[path])}
    for path in (row["path"] for row in key if drawn and row["path"] not in typed):
        if not by_path[path].get("reviewed"):  # drawn, and not typed (keep, or typed apart by several): compare says
            by_path[path]["reviewed"] = DRAWN_UNTYPED  # how many its measure of the model left out
    header = list(dict.fromkeys([*rows[0], "reviewed", REVIEWER]))
    write_csv(out, header, ([row.get(column, "") for column in header] for row in rows))
    samples = dict.fromkeys(row["sample"] for row in rows)  # in the table's order, not the shuffled sheet's
    number = {row["path"]: row["number"].strip() for row in key}
    disagreed = dict(sorted(((number[path], given) for path, given in apart.items()), key=lambda item: int(item[0])))
    reviewers = tuple(dict.fromkeys(one for name in names for one in name.split(";") if one))  # a settled sheet's
    return Applied(len(typed), *({s: counts[s] for s in samples if counts[s]} for counts in (changed, left_out)),
                   reviewers, disagreed, len(key) - len(typed) - len(apart) if drawn else 0)


def write_disagreed(review_dir: str | Path, disagreed: dict[str, dict[str, str]]) -> Path | None:
    """Write ``review_dir/disagreed.csv``: a sheet of the calls several reviewers typed differently
    (:attr:`Applied.disagreed`), each's type beside it (``by ann``...), its type column blank for the type they settle
    on, to apply with :func:`apply_review`. None, and nothing written, where one there holds types typed already."""
    path = Path(review_dir) / DISAGREED
    if _disagreed_kept(review_dir):
        return None
    names = list(dict.fromkeys(name for given in disagreed.values() for name in given))
    review = next((row.get("review") or "" for row in read_key(Path(review_dir))), "")  # so that it is applied here
    # the types settled on are theirs together: named so when applied (the reviewer column, ann;bob)
    write_csv(path, ["number", "type", "review", "reviewer", *(f"by {name}" for name in names)],
              ([number, "", review, ";".join(names), *(given.get(name, "") for name in names)]
               for number, given in disagreed.items()))
    return path


def clear_disagreed(review_dir: str | Path) -> Path | None:
    """Where sheets applied together typed no call apart: remove ``review_dir``'s disagreed.csv that an earlier apply
    wrote, whose calls would read as this one's to settle; one holding types settled on is kept, and its path
    returned, to be said."""
    path = Path(review_dir) / DISAGREED
    if _disagreed_kept(review_dir):
        return path
    path.unlink(missing_ok=True)
    return None


def consensus(types: dict[str, dict[str, str]]) -> tuple[dict[str, str], dict[str, list[str]],
                                                         dict[str, dict[str, str]]]:
    """Several reviewers' types (reviewer -> crop path -> type) as one: the type of each crop all who typed it gave
    alike, who gave it (the named: "" for a sheet typed by hand), and the crops typed differently, each's type by
    reviewer.

    >>> ann, bob = {"1.png": "A", "2.png": "B", "3.png": "C"}, {"1.png": "A", "2.png": "C", "4.png": "X"}
    >>> typed, by, apart = consensus({"ann": ann, "bob": bob})
    >>> typed, by
    ({'1.png': 'A', '3.png': 'C', '4.png': 'X'}, {'1.png': ['ann', 'bob'], '3.png': ['ann'], '4.png': ['bob']})
    >>> apart
    {'2.png': {'ann': 'B', 'bob': 'C'}}
    """
    typed: dict[str, str] = {}
    by: dict[str, list[str]] = {}
    apart: dict[str, dict[str, str]] = {}
    for path in dict.fromkeys(path for given in types.values() for path in given):
        given = {name: of[path] for name, of in types.items() if path in of}
        if len(set(given.values())) > 1:
            apart[path] = given
        else:
            typed[path], by[path] = next(iter(given.values())), [name for name in given if name]
    return typed, by, apart


def _refuse_one_reviewer_twice(sheets: Sequence[str | Path | None], read: Sequence[Sheet]) -> None:
    """Two sheets saved under one name (``review-ann.csv`` and the browser's ``review-ann (1).csv``, a sheet saved
    again) would count one reviewer twice, agreeing with herself: refused. Sheets typed by hand, named by their files,
    are not asked."""
    first_of: dict[str, int] = {}
    for i, (sheet, one) in enumerate(zip(sheets, read)):
        if one.reviewer and (first := first_of.setdefault(one.reviewer, i)) != i:
            raise SccscoreError(f"{sheets[first]} and {sheet} were both saved by {one.reviewer}: give each reviewer's "
                                "sheet once (the last saved, where one was saved again)")


def refuse_given_twice(sheets: Sequence[str | Path | None]) -> None:
    """A sheet given twice would count its reviewer twice: refused, by where it lies (``ann.csv`` and ``./ann.csv``
    are one sheet)."""
    seen: set[Path] = set()
    for sheet in (sheet for sheet in sheets if sheet is not None):  # None: the folder's review.csv, given alone
        if (where := Path(sheet).resolve()) in seen:
            raise SccscoreError(f"{sheet}: given twice; give each reviewer's sheet once")
        seen.add(where)


def sheet_names(sheets: Sequence[str | Path | None], read: Sequence[Sheet]) -> list[str]:
    """Each sheet by the name its reviewer wrote on the page, else by its file's name (``ann.csv``: ann); where two
    share a name (one who typed the page twice, to measure her own agreement), with their files' names, else their
    paths.

    >>> typed = Sheet({}, "ann")
    >>> sheet_names(["mon.csv", "d/bob.csv", "fri.csv"], [typed, Sheet({}, None), typed])
    ['ann (mon.csv)', 'bob', 'ann (fri.csv)']
    >>> sheet_names(["a/ann.csv", "b/ann.csv"], [Sheet({}, None)] * 2)
    ['a/ann.csv', 'b/ann.csv']
    """
    names = [sheet.reviewer or Path(str(path)).stem for path, sheet in zip(sheets, read)]
    for name in {name for name in names if names.count(name) > 1}:
        shared = [i for i, named in enumerate(names) if named == name]
        files = [Path(str(sheets[i])).name for i in shared]
        for i, file in zip(shared, files):
            names[i] = f"{name} ({file})" if len(set(files)) == len(files) else str(sheets[i])
    return names


def read_sheet(review_dir: str | Path, sheet: str | Path | None = None) -> Sheet:
    """The types given in a review's ``sheet`` (default: ``review_dir``'s ``review.csv``), by the path of the crop
    each number showed: A, B, C, or X for what is not a chromosome; the numbers left blank (kept) are not among them.
    With them, the name its reviewer wrote on the page.

    Raises
    ------
    SccscoreError
        If the sheet was saved from another review, names a number the key lacks or one number twice, or gives
        something other than a type.
    """
    review_dir = Path(review_dir)
    sheet = Path(sheet) if sheet else review_dir / SHEET
    key_rows = read_key(review_dir)
    key = {row["number"].strip(): row["path"] for row in key_rows}
    entries = _read_sheet(sheet)
    _refuse_another_review(sheet, entries, review_dir / KEY, key_rows)
    typed: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for line, entry in enumerate(entries, start=2):
        number, given = entry["number"].strip(), (entry["type"] or "").strip()
        if not given:
            continue
        if number not in key:
            raise SccscoreError(f"{sheet}, line {line}: number {number} is not in {review_dir / KEY}")
        if (earlier := first_line.setdefault(number, line)) != line:
            raise SccscoreError(f"{sheet}, line {line}: number {number} is typed on line {earlier} too; keep one")
        called = NOT_A_CHROMOSOME if given.upper() == NOT_A_CHROMOSOME else normalised_type(given)
        if called is None:
            raise SccscoreError(f"{sheet}, line {line}: type '{given}' is not one of {', '.join(CLASS_NAMES)}, or "
                                f"{NOT_A_CHROMOSOME} for what is not a chromosome; leave it blank to keep the call")
        typed[key[number]] = called
    return Sheet(typed, _reviewer(entries))


def refuse_another_table(typed: dict[str, str], by_path: dict[str, dict[str, str]], review_dir: Path,
                         table: Path) -> None:
    """Refuse a review's types of crops that ``table`` (its rows ``by_path``) lacks: a review of another table."""
    if missing := [path for path in typed if path not in by_path]:
        number = next(row["number"].strip() for row in read_key(review_dir) if row["path"] == missing[0])
        raise SccscoreError(f"{review_dir / KEY}: {missing[0]} (number {number}) is not in {table}: a review of "
                            "another table?")


def read_key(review_dir: Path) -> list[dict[str, str]]:
    """A review's key: each number shown, and the crop (``path``) and ``sample`` it stands for."""
    return read_table(review_dir / KEY, "review key", {"number", "path"}, paths=("path",))


def calls_shown(key: list[dict[str, str]], n_calls: int) -> str:
    """Which calls a review showed (UNSURE, EVERY or DRAWN), as its key says; of a key written before 2026-12-07,
    which says none, EVERY where it shows as many calls as the table holds, else UNSURE.

    >>> calls_shown([{"shown": "drawn"}], 480), calls_shown([{}], 1), calls_shown([{}], 480)
    ('drawn', 'every', 'unsure')
    """
    return next(iter({row.get("shown") for row in key} & {UNSURE, EVERY, DRAWN}), EVERY if len(key) == n_calls
                else UNSURE)


def _refuse_another_review(sheet: Path, entries: list[dict[str, str]], key_path: Path,
                           key_rows: list[dict[str, str]]) -> None:
    """A sheet saved from a review's page names that review: one saved from another would type the wrong crops."""
    ours = {row.get("review") or "" for row in key_rows} - {""}  # a key written before reviews were named: none
    theirs = {(entry.get("review") or "").strip() for entry in entries} - {""}
    if ours and theirs and theirs != ours:
        raise SccscoreError(f"{sheet}: saved from another review ({', '.join(sorted(theirs))}) than the one in "
                            f"{key_path.parent} ({', '.join(sorted(ours))}): save it from {key_path.parent / PAGE}")


def write_labelled(predictions: str | Path, out_dir: str | Path, sheet: SampleSheet | None = None) -> Counter:
    """Copy the crops a blind review typed into ``out_dir/a``, ``b`` and ``c``; how many of each type.

    The folder is a labelled one, for ``train``, ``crossval`` or ``train-spreads --train``. Its
    :data:`~sccscore.splits.SOURCES_FILE` names the image each crop was cut from, which no split
    of crossval, train's validation or leave-one-out parts: a spread's, or a crop's cell (its folder,
    ``wt/cell3/``, the table's cell column, or a sample ``sheet``'s, as compare reads them), the metaphase it was
    cut from by hand; a crop of no known image counts as one of its own.
    Types set by hand outside a blind review are not copied: set with the sample in view,
    they may lean towards what was expected of it, and a model learning them would carry
    the lean into every comparison it makes. Objects left out are not chromosomes.

    Raises
    ------
    SccscoreError
        If ``out_dir`` exists, no call was typed in a blind review, a crop cannot be read, or
        ``sheet`` names no cell for one (:func:`sccscore.cells.check_sheet`): nothing is written then.
    """
    typed = _typed_blind(read_predictions(predictions), predictions)
    if sheet:
        check_sheet(sheet.path, sheet.cells, typed)
    cells = sheet.cells if sheet else None
    out = refuse_existing(out_dir, LABELLED_CROPS)
    taken: set[str] = set()
    cut_from: list[list[str]] = []
    with staged_folder(out) as staging:
        for name in CLASS_NAMES:
            (staging / name.lower()).mkdir()
        for row in typed:
            source = Path(row["path"])
            try:
                data = source.read_bytes()
            except OSError as error:
                raise SccscoreError(f"{source}: cannot be read ({error.strerror}); the table's paths are where "
                                    "classify wrote them (run from the folder it ran in)") from None
            name = f"{normalised_type(row['predicted']).lower()}/{_labelled_name(row, taken, cells)}"
            (staging / name).write_bytes(data)
            cut_from.append([name, _source_of(row, cells), row.get("spread") or ""])
        if any(image for _, image, _ in cut_from):  # so that no split parts the crops of one spread or cell
            digests = {file: (sha256_or_none(Path(file)) or "") if file else "" for _, _, file in cut_from}
            write_csv(staging / SOURCES_FILE, list(SOURCES_COLUMNS),  # a crop of no known image: one of its own
                      [[name, image or name, digests[file]] for name, image, file in cut_from])
    return Counter(normalised_type(row["predicted"]) for row in typed)


def write_yolo_labels(predictions: str | Path, labels_dir: str | Path) -> YoloLabels:
    """Write the chromosomes of the spreads in ``predictions`` as YOLO labels, ``labels_dir/<sample>/<image>.txt``
    with ``classes.txt`` (:meth:`~sccscore.annotations.Drafts.write_spread`), each box of the type a blind review
    gave it and :data:`~sccscore.annotations.UNTYPED` where none did.

    A draft of the spreads' annotation for ``train-spreads``, typed blind: after ``review --all``, every chromosome.
    Objects the review left out (not chromosomes) have no box. A call not typed blind stays untyped rather than
    taking the model's type: an annotation leaning to the model would lean the figures measured against it.
    Boxes left untyped are to be typed in an annotation tool (``train-spreads`` refuses them), where boxes
    detection missed are added and joined chromosomes split too.

    Raises
    ------
    SccscoreError
        If ``labels_dir`` exists, no call was typed in a blind review, no row is a spread's chromosome (with its
        box and spread, as ``classify --spreads`` writes them), or a spread cannot be read (its size places the
        boxes): nothing is written then.
    """
    rows = read_predictions(predictions)
    _typed_blind(rows, predictions)  # refused where no blind review typed any
    by_spread: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row.get("spread") and row.get("image") and row_box(row):
            by_spread[row["sample"], row["image"]].append(row)
    if not by_spread:
        raise SccscoreError(f"{predictions}: no chromosome in it was found in a spread (a box and its spread, as "
                            "classify --spreads writes them): YOLO labels are drawn on spreads")
    out = refuse_existing(labels_dir, YOLO_LABELS)
    types = {key: [normalised_type(r["predicted"]) if reviewed_blind(r) else UNTYPED for r in its]
             for key, its in by_spread.items()}
    with staged_folder(out) as staging:
        drafts = Drafts(staging)
        for (sample, image), its in by_spread.items():
            boxes, shape = _placed_boxes(its)
            drafts.write_spread(ImageItem(Path(its[0]["spread"]), sample, name=image), boxes, types[sample, image],
                                shape)
    given = [t for them in types.values() for t in them]
    return YoloLabels(len(by_spread), Counter(t for t in given if t != UNTYPED), given.count(UNTYPED))


def _placed_boxes(rows: list[dict[str, str]]) -> tuple[np.ndarray, tuple[int, ...]]:
    """A spread's rows' boxes, and the spread's shape as read from its file (which places them); refused where the
    file cannot be read or does not hold them."""
    spread = rows[0]["spread"]
    try:
        shape = read_image(spread).shape
    except ImageReadError as error:
        raise SccscoreError(f"{error}: the spread of {len(rows)} chromosomes of the table, whose size places their "
                            "boxes (the table's paths are where classify wrote them)") from None
    boxes = np.array([row_box(row) for row in rows])
    if (boxes[:, 2:] > shape[1::-1]).any():  # another image now has its name
        raise SccscoreError(f"{spread}: boxes of the table lie outside its {shape[1]} x {shape[0]} pixels: not the "
                            "spread classify read")
    return boxes, shape


def _typed_blind(rows: list[dict[str, str]], predictions: str | Path) -> list[dict[str, str]]:
    """The rows a blind review typed; refused where there are none."""
    if typed := [row for row in rows if reviewed_blind(row)]:
        return typed
    raise SccscoreError(f"{predictions}: no call in it was typed in a blind review; run sccscore review, then "
                        "apply-review, and give the table apply-review wrote")


def refuse_existing(folder: str | Path, what: str) -> Path:
    """``folder``, refused where it exists: a new one is wanted for ``what`` (:data:`LABELLED_CROPS`,
    :data:`YOLO_LABELS`)."""
    if (path := Path(folder)).exists():
        raise SccscoreError(f"{path}: exists; give a new folder for {what}")
    return path


def _source_of(row: dict[str, str], cells: dict[str, str] | None = None) -> str | None:
    """The image a row's crop was cut from: a spread's file as classify --spreads read it, else its sample and name;
    else the crop's cell (:func:`sccscore.cells.cell_of`, with a sample sheet's ``cells``: ``wt/cell3``), the
    metaphase a crop cut by hand came from. None where none is known."""
    if row.get("spread"):
        return row["spread"]
    return f"{row['sample']}/{row['image']}" if row.get("image") else cell_of(row, cells)


def _labelled_name(row: dict[str, str], taken: set[str], cells: dict[str, str] | None = None) -> str:
    """A file name that says where a crop came from: sample, spread and number (``wt-spread2-014.png``), or sample,
    cell where known, and crop (``wt-cell3-007.png``); another number after it where two crops would share one."""
    source = Path(row["path"])
    if row.get("image") and row.get("id", "").isdigit():  # a spread's chromosome, as the report names it
        image = PurePosixPath(row["image"]).with_suffix("").as_posix().replace("/", "-")
        stem = f"{row['sample']}-{image}-{int(row['id']):03d}"
    else:
        stem = f"{(cell_of(row, cells) or row['sample']).replace('/', '-')}-{source.stem}"  # the cell: wt/cell3
    name, copy = f"{stem}{source.suffix}", 1
    while name in taken:
        copy += 1
        name = f"{stem}-{copy}{source.suffix}"
    taken.add(name)
    return name
