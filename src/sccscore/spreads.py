"""From raw spread images to crops and answers: ``sccscore detect`` and ``classify --spreads``.

:func:`detect_spreads` finds the chromosomes of each image (:mod:`sccscore.detect`)
and writes to the output folder, ``<image>`` being the image's path within its
sample's folder without its file type (``field``, or ``slide1/field`` for
``<sample>/slide1/field.png``, so that two slides' images of one name stay apart):

- ``crops/<sample>/<image>/<id>.png``: one crop per chromosome, other objects
  painted out (:func:`sccscore.detect.crop`) and the paper's preprocessing applied, so
  that it looks like the published crops the models were trained on: white background;
- ``labelled/<a|b|c>/<image>-<id>.png`` when annotations (``<labels>/<image>.txt``) are
  given: the crops of the detections that match an annotated box, a folder ready for
  ``sccscore train``, with ``labelled/sources.csv`` naming the spread of each, which
  ``crossval`` and ``train`` keep whole on one side of every split;
- ``detections.csv``: every object found, chromosome or left out, with its box,
  area, centre, metaphase, status and reason;
- ``overlays/<sample>/<image>.png``: the image with each box drawn;
- ``labels/<sample>/<image>.txt``: each chromosome's box as a YOLO label of class
  ``untyped``, with ``classes.txt`` (A, B, C, untyped) beside it: a draft of the spread's
  annotation, to correct and type blind to any call in an annotation tool rather than
  draw from nothing, for ``train-spreads`` (a file edited since it was drafted is kept);
- ``rejected.csv``: images that could not be read or processed, and why;
- ``cautions.csv``: what to check on a processed image's overlay (no chromosome found,
  a stain read at the annotated spreads' strength, edges more blurred than theirs, a size
  that suggests ``--scale``, pixels noisier than theirs, a background clipped at white or
  too dim), also given as warnings;
- ``images.csv``: per image, its chromosomes and metaphases, its file's format (JPEG,
  PNG, TIFF, ...), the factor its stain was scaled by, its edges' blur in px, its pixels'
  noise, its field's share at white and its background's level (in per cent) and its
  number of cautions, to sort a day's spreads by format, focus, noise and exposure before
  typing them.

:func:`classify_spreads` does the same, classifies the crops and adds
``predictions.csv`` (one row per chromosome, with its image, metaphase and cell,
``check`` marking the calls less sure than :data:`CHECK_BELOW`, for a person to look at
first, the model that typed it and the spread's file), ``metaphases.csv`` (per metaphase), ``images.csv``
(per image, which may hold more than one metaphase, with its types counted, in place of detect's; how it was
imaged kept; an image in which none was found with 0 and no shares) and
``summary.csv`` (per sample, with each share's 95% intervals: Wilson's, and with the metaphases as the units),
colours the overlay boxes by predicted type (dashed, with a ``?``, for a call to
check) and gives each box of ``labels/`` its call, a draft quicker to correct than to type,
which leans its annotator towards the model's calls. The metaphases are the cells of
``sccscore compare --predictions``. Spreads are detected side by side, one per CPU core
(``workers``; their results, warnings and rows in the images' order all the same), and
classified a few at a time, and each one's result is kept in ``.spreads/`` as soon as it
is classified, so that ``resume`` continues an interrupted run without detecting those
spreads again.
"""

from __future__ import annotations

import functools
import json
import shutil
import statistics
import warnings
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import fields
from ._atomic import (atomic_open, one_run_at_a_time, output_folder, read_kept_json, remove_earlier, write_csv,
                      write_json)
from .annotations import (UNTYPED, Drafts, LabelFile, class_types, label_file, match_boxes, not_annotations, read_yolo,
                          refuse_untyped)
from .compare import csv_values, in_given_order, share_interval_columns, tally_by
from .detect import MAX_SPREAD_PIXELS, Detection, DetectSettings, SpreadDetections, crop, detect, working_pixels
from .errors import ImageReadError, SccscoreError
from .images import (CLASS_NAMES, JPEG_FORMATS, ImageItem, Rejected, fail_on_rejected, file_format, header_pixels,
                     is_jpeg, items_from_paths, read_image, refuse_output_inside, warn_repeated)
from .layout import SPREADS_RUN_FILE, is_run, overlay_file
from .merge import MergeModel
from .parallel import cpu_threads, in_order
from .plots import TYPE_COLOURS
from .predictions_table import NOT_A_CHROMOSOME, left_out_in_review, model_call, row_box
from .preprocess import paper_preprocess
from .sample_data import sha256_or_none
from .shape import SHAPE_MEASURES, ShapeModel, combine
from .splits import SOURCES_COLUMNS, SOURCES_FILE
from .spread_imaging import ONE_MAGNIFICATION, SIZE_CAUTION, detection_cautions, suggested_scale
from .words import named_among, noun

if TYPE_CHECKING:  # the classifying calls import the networks' modules: detect needs no torch (2 s to import)
    from .models import ScoringModel

DETECTION_HEADER = ["image", "sample", "id", "x0", "y0", "x1", "y1", "area", "centroid_x", "centroid_y",
                    "metaphase", "status", "reason", "crop", *SHAPE_MEASURES]
REJECTED_HEADER = ["path", "sample", "reason"]
CAUTIONS_HEADER = ["path", "sample", "image", "caution"]
# detect's images.csv: each spread's yield and how it was imaged (_imaging_record), to sort a day's spreads by format,
# focus, noise and exposure before typing them
IMAGING_COLUMNS = ["file_format", "stain_gain", "edge_blur", "noise_percent", "white_percent", "background_percent",
                   "suggested_scale"]
IMAGES_HEADER = ["path", "sample", "image", "n_chromosomes", "n_metaphases", *IMAGING_COLUMNS, "n_cautions"]
FOUND_COLOUR, LEFT_OUT_COLOUR = (0, 90, 255), (150, 150, 150)
# spreads detected before their crops are scored together: few model start-ups, and a bounded
# number of spreads' pixels (kept to draw the typed overlays) in memory
SPREADS_PER_CHUNK, CHUNK_VALUES = 8, 100_000_000
RECORDS = ".spreads"  # each spread classified, kept for --resume until the run finishes
# a call whose probability is below this is marked for a person to check: with each annotated spread held out,
# such calls were right far less often than the others (docs/spreads.md, "Calls to check")
CHECK_BELOW = 0.9


@dataclass
class Spread:
    """One processed image: what was found and where its crops are (not its pixels: memory stays flat)."""

    item: ImageItem
    shape: tuple[int, int]  # height, width
    detections: list[Detection]
    crops: dict[int, Path]  # chromosome id -> crop file
    labels: dict[int, str] = field(default_factory=dict)  # chromosome id -> annotated type, where matched
    predicted: dict[int, str] = field(default_factory=dict)  # chromosome id -> type, after classify_spreads
    probabilities: dict[int, list[float]] = field(default_factory=dict)  # chromosome id -> per type, likewise
    cautions: list[str] = field(default_factory=list)  # what to check on its overlay (detection_cautions)
    imaging: dict[str, float | str] = field(default_factory=dict)  # how it was imaged, by column (_imaging_record)

    @property
    def chromosomes(self) -> list[Detection]:
        return [d for d in self.detections if d.status == "chromosome"]

    @property
    def n_metaphases(self) -> int:
        return len({d.metaphase for d in self.chromosomes})


def scales_suggested(spreads: Sequence[Spread]) -> list[float]:
    """The ``--scale`` that each spread cautioned for its chromosomes' size suggests (images.csv's
    ``suggested_scale``): one microscope's spreads suggest a scale together better than one alone."""
    return [spread.imaging["suggested_scale"] for spread in spreads
            if any(caution.startswith(SIZE_CAUTION) for caution in spread.cautions)
            and isinstance(spread.imaging.get("suggested_scale"), float)]


def scale_sentence(suggested: Sequence[float]) -> str | None:
    """What the spreads cautioned for their chromosomes' size suggest together (:func:`scales_suggested`), in
    words: the terminal's line after the spreads and the report's. None for fewer than two.

    Examples
    --------
    >>> print(scale_sentence([1.9, 2.0, 2.1]))  # doctest: +NORMALIZE_WHITESPACE
    the 3 spreads whose chromosomes' size was cautioned suggest --scale 2.0 together (their median; each 1.9-2.1):
    read them again at it, and check their overlays
    >>> print(scale_sentence([0.5, 1.6]))  # doctest: +NORMALIZE_WHITESPACE
    the 2 spreads whose chromosomes' size was cautioned suggest scales from 0.5 to 1.6, more apart than one
    magnification's spreads: read each microscope's spreads at the median of theirs (images.csv's suggested_scale)
    """
    if len(suggested) < 2:
        return None
    least, most = min(suggested), max(suggested)
    said = (f"suggest --scale {statistics.median(suggested):.1f} together (their median; each {least:.1f}-"
            f"{most:.1f}): read them again at it, and check their overlays" if most <= ONE_MAGNIFICATION * least
            else f"suggest scales from {least:.1f} to {most:.1f}, more apart than one magnification's spreads: read "
            "each microscope's spreads at the median of theirs (images.csv's suggested_scale)")
    return f"the {len(suggested)} spreads whose chromosomes' size was cautioned {said}"


@dataclass
class SpreadsResult:
    spreads: list[Spread]
    rejected: list[Rejected]
    out_dir: Path
    settings: DetectSettings  # what the spreads were read with (its scale may come from the merge model)
    summary: list[dict[str, Any]] = field(default_factory=list)
    metaphases: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)


def detect_spreads(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    settings: DetectSettings | None = None,
    merge_model: MergeModel | None = None,
    labels_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> SpreadsResult:
    """Detect and crop the chromosomes of spread images (files or folders); see the module docstring.

    An image that cannot be read or processed is listed in ``rejected.csv`` and
    the others go on. Without ``settings``, spreads are read at the scale the merge
    model (``merge_model`` or the shipped one) was fitted at. ``workers`` spreads are
    read side by side (default one per CPU core; :func:`_processed`).

    Examples
    --------
    An oshima2026 spread (in ``../shared`` beside this repository), which holds two metaphases:

    >>> import tempfile
    >>> from collections import Counter
    >>> with tempfile.TemporaryDirectory() as out:
    ...     result = detect_spreads(["../shared/data/oshima2026/images/spread2.png"], out)
    >>> spread = result.spreads[0]
    >>> len(spread.chromosomes), spread.n_metaphases
    (103, 2)
    >>> Counter(detection.status for detection in spread.detections if detection.status != "chromosome")
    Counter({'debris': 6, 'edge': 4, 'nucleus': 3})
    """
    if labels_dir is not None and not Path(labels_dir).is_dir():
        raise SccscoreError(f"{labels_dir}: no such folder of label files")
    labels_of = None
    if labels_dir is not None:  # the classes' names read once: a names file naming no type is one error
        types = class_types(labels_dir)
        labels_of = lambda item: label_file(labels_dir, item, types)  # noqa: E731
    merge_model = merge_model or MergeModel.load()
    settings = settings or DetectSettings(scale=merge_model.scale)  # the magnification it was fitted at
    items, rejected = _spread_items(paths, out_dir, labels_dir)
    if labels_of:
        refuse_untyped(map(labels_of, items))
    with one_run_at_a_time(out_dir) as out:  # a second run into it meanwhile would mix their rows
        spreads, drafts = [], Drafts(out / "labels")
        with closing(_processed(items, out, settings, merge_model, labels_of, workers)) as detected:
            for done, processed in enumerate(detected, start=1):
                if isinstance(processed, Rejected):
                    rejected.append(processed)
                else:
                    spreads.append(processed[0])
                    _write_overlay(out, *processed)
                    _write_draft_labels(drafts, processed[0])
                if progress:
                    progress(done, len(items))
        drafts.warn_kept()
        warn_repeated_fields(spreads)
        warn_jpeg(spreads)
        _write_detection_tables(out, spreads, rejected, bool(labels_dir))
        _write_image_table(out, spreads)
        _write_sources(out, spreads)
        return SpreadsResult(spreads, rejected, out, settings)


def _spread_items(paths: Sequence[str | Path], out_dir: str | Path,
                  labels_dir: str | Path | None) -> tuple[list[ImageItem], list[Rejected]]:
    """The spread images named (files or folders), refusing two that would write to the same crops and tables,
    and an output folder among them; files of ``labels_dir`` among them are not images that could not be read."""
    refuse_output_inside(paths, out_dir)
    for folder in map(Path, paths):  # its overlays would be read as spreads again, boxes and all
        if is_run(folder):
            raise SccscoreError(f"{folder}: a folder sccscore wrote (detections.csv, overlays/, crops/), not a folder "
                                "of spreads: give the folders the spreads themselves are in")
    items, rejected = items_from_paths(paths)
    rejected = not_annotations(rejected, labels_dir)
    seen: dict[tuple[str, str], tuple[Path, tuple[str, str]]] = {}
    for item in items:
        # in any case: macOS and Windows take wt/Image1 and WT/image1 for one folder, one file
        if (key := (item.sample.casefold(), item.stem.casefold())) in seen:
            earlier, named = seen[key]
            cased = "" if named == (item.sample, item.stem) else (" to macOS and Windows, which take names that "
                                                                  "differ only in case for one")
            raise SccscoreError(f"{earlier} and {item.path} are both image '{item.stem}' of sample '{item.sample}'"
                                f"{cased}, so their crops and rows would mix: rename one, or give them as separate "
                                "samples")
        seen[key] = (item.path, (item.sample, item.stem))
    return items, rejected


def warn_jpeg(spreads: Sequence[Spread]) -> None:
    """Warn, once for a run, of the spreads read that were saved as JPEG (not of files skipped: crops given as
    spreads, say), as their imaging records keep their format (none in a record kept before it was)."""
    if jpegs := [spread.item.path for spread in spreads if spread.imaging.get("file_format") in JPEG_FORMATS]:
        warnings.warn(jpeg_sentence(jpegs, len(spreads)), stacklevel=3)


def jpeg_sentence(jpegs: Sequence[str | Path], n_spreads: int) -> str:
    """What saving spreads as JPEG costs, for the ``jpegs`` (the first named) of ``n_spreads`` read: the terminal's
    warning (:func:`warn_jpeg`) and the report's.

    >>> for jpegs, n in (["a.jpg"], 1), (["a.jpg"], 6), (["a.jpg", "b.jpg"], 6):
    ...     print(jpeg_sentence(jpegs, n).split(":")[0])
    a.jpg is a JPEG file
    a.jpg is a JPEG file (1 of the 6 spreads read)
    2 of the 6 spreads read are JPEG files, such as a.jpg
    """
    return (f"{named_among(jpegs, n_spreads, 'spreads read', 'a JPEG file', 'JPEG files')}: JPEG's compression "
            "cost the annotated spreads 2 to 4 points of types called as annotated at quality 75 to 95, though read "
            "from its luminance (docs/spreads.md); save spreads as PNG or TIFF where the microscope's software allows")


def same_fields(spreads: Sequence[Spread]) -> list[list[Path]]:
    """The spreads that show one field: groups of two or more paths, in the order given.

    One field: the same chromosomes found in the same places, up to a shift (:mod:`sccscore.fields`), as in a
    spread given twice, saved again in another format (JPEG too, which changes every crop) or cropped, which a
    comparison of the files' bytes misses. Spreads with no chromosome found are left out.
    """
    return fields.same_images(metaphase_centres((s.item.path, s.chromosomes) for s in spreads))


def warn_repeated_fields(spreads: Sequence[Spread]) -> None:
    """Warn of the spreads given more than once (:func:`same_fields`), and of the metaphases found in two
    images otherwise (fields that overlap): each copy counts as a cell of its own in a comparison."""
    repeated_fields(metaphase_centres((spread.item.path, spread.chromosomes) for spread in spreads))


def repeated_fields(metaphases: dict[tuple, np.ndarray], turned: bool = False,
                    most: int = 3) -> tuple[list[list[Path]], list[list[tuple[Path, int]]]]:
    """Of the metaphases found (:func:`metaphase_centres`, keyed by their spreads' paths), the spreads given more
    than once, and the metaphases found in two images otherwise (``turned``: turned, zoomed or mirrored too,
    :mod:`sccscore.fields`); each warned of, as :func:`warn_repeated_fields` says."""
    copies = fields.same_images(metaphases, turned)
    warn_repeated(copies, what="spread")
    shared = fields.shared_metaphases(metaphases, copies, turned)
    for group in shared[:most]:
        named = " = ".join(f"{path} metaphase {number}" for path, number in group)
        warnings.warn(f"one metaphase is found in {len(group)} images ({named}): fields that overlap, so it counts "
                      "as a cell in each; count it once (crop it out of all but one, or delete those images' rows "
                      "of it from predictions.csv)", stacklevel=3)
    if len(shared) > most:
        warnings.warn(f"{len(shared) - most} more metaphases are found in more than one image", stacklevel=3)
    return copies, shared


def metaphase_centres(chromosomes_of: Iterable[tuple[Hashable, Sequence[Detection]]]) -> dict[tuple, np.ndarray]:
    """The chromosome centres of each metaphase, keyed (spread, metaphase number) for :mod:`sccscore.fields`, from
    each spread's key and chromosomes."""
    centres: dict[tuple, list[tuple[float, float]]] = {}
    for spread, chromosomes in chromosomes_of:
        for chromosome in chromosomes:
            centres.setdefault((spread, chromosome.metaphase), []).append(chromosome.centroid)
    return {key: np.array(points) for key, points in centres.items()}


def _processed(items: Sequence[ImageItem], out: Path, settings: DetectSettings, merge_model: MergeModel, labels_of,
               workers: int | None) -> Iterator[tuple[Spread, np.ndarray] | Rejected]:
    """Each spread read, detected and cut (:func:`_process`), in the items' order: the spread and its pixels, or why
    it could not be (a batch survives a bad image). Its cautions are warned of as it is taken, so in that order too.

    Spreads are processed ``workers`` at a time (default one per CPU core), on threads
    (:func:`sccscore.parallel.in_order`): most of the work releases the GIL. The spreads
    in hand hold at most :data:`~sccscore.detect.MAX_SPREAD_PIXELS` pixels together (as
    read, from their files' headers), the most one spread may have, so that memory is
    bounded as when they were read one at a time.
    """
    def process(item: ImageItem) -> tuple[Spread, np.ndarray] | Rejected:
        try:
            return _process(item, out, settings, merge_model, labels_of)
        except SccscoreError as exc:
            return Rejected(item.path, item.sample, exc.reason if isinstance(exc, ImageReadError) else str(exc))

    def pixels(item: ImageItem) -> float:  # unknown (a file PIL cannot read): as many as a spread may have, alone
        return working_pixels(header_pixels(item.path) or MAX_SPREAD_PIXELS, settings)

    with closing(in_order(process, items, workers or cpu_threads(), cost=pixels, budget=MAX_SPREAD_PIXELS)) as results:
        for processed in results:
            if not isinstance(processed, Rejected):
                _warn_cautions(processed[0])
            yield processed


def _write_detection_tables(out: Path, spreads: list[Spread], rejected: list[Rejected], with_label: bool) -> None:
    write_csv(out / "detections.csv", DETECTION_HEADER + (["label"] if with_label else []),
              (row for spread in spreads for row in _detection_rows(spread, out, with_label)))
    write_csv(out / "rejected.csv", REJECTED_HEADER, ([str(r.path), r.sample, r.reason] for r in rejected))
    write_csv(out / "cautions.csv", CAUTIONS_HEADER,
              ([str(s.item.path), s.item.sample, s.item.name, caution] for s in spreads for caution in s.cautions))


def _write_image_table(out: Path, spreads: list[Spread]) -> None:
    """detect's images.csv (classify --spreads writes its own, with the types counted)."""
    rows = ({"path": str(s.item.path), "sample": s.item.sample, "image": s.item.name,
             "n_chromosomes": len(s.chromosomes), "n_metaphases": s.n_metaphases, "n_cautions": len(s.cautions)}
            | _imaging_row(s) for s in spreads)
    write_csv(out / "images.csv", IMAGES_HEADER, ([row[k] for k in IMAGES_HEADER] for row in rows))


def _warn_cautions(spread: Spread) -> None:
    for caution in spread.cautions:
        warnings.warn(f"{spread.item.path}: {caution}", stacklevel=3)


def _process(item: ImageItem, out: Path, settings: DetectSettings, merge_model: MergeModel,
             labels_of: Callable[[ImageItem], LabelFile] | None) -> tuple[Spread, np.ndarray]:
    rgb = read_image(item.path)
    found = detect(rgb, settings, merge_model, luminance=is_jpeg(item.path))
    return _cut_spread(item, rgb, found, out, settings, merge_model, labels_of(item) if labels_of else None), rgb


def cut_spreads(spreads: Sequence[tuple[ImageItem, np.ndarray, LabelFile | None]],
                find: Callable[[int], SpreadDetections], out: Path, settings: DetectSettings, merge_model: MergeModel,
                workers: int | None = None) -> list[Spread]:
    """Spreads read already (each file, its pixels and its annotations), each found by ``find(index)`` and cut: its
    chromosomes' crops written under ``out``, with the annotated types of those that match an annotated box, their
    crops copied into ``labelled/``. Side by side on ``workers`` threads (default one per CPU core), as
    :func:`_processed` does (joining fragments and writing PNG files release the GIL for most of their time), those
    in hand at most :data:`~sccscore.detect.MAX_SPREAD_PIXELS` together. The cautions are warned of in the spreads'
    order, from this thread."""
    def cut(index: int) -> Spread:
        item, rgb, labels = spreads[index]
        return _cut_spread(item, rgb, find(index), out, settings, merge_model, labels)

    def pixels(index: int) -> float:
        return working_pixels(spreads[index][1].shape[0] * spreads[index][1].shape[1], settings)

    with closing(in_order(cut, range(len(spreads)), workers or cpu_threads(), pixels, MAX_SPREAD_PIXELS)) as results:
        done = list(results)
    for spread in done:
        _warn_cautions(spread)
    return done


def _cut_spread(item: ImageItem, rgb: np.ndarray, found: SpreadDetections, out: Path, settings: DetectSettings,
                merge_model: MergeModel, labels: LabelFile | None) -> Spread:
    """A spread cut (:func:`cut_spreads`), its cautions not warned of: a thread leaves them to its caller."""
    stem = item.stem
    folder = output_folder(out / "crops" / item.sample / stem)  # layout.run_folder() reads this layout back
    crops = {}
    for chromosome in found.chromosomes:
        crops[chromosome.id] = _save_png(paper_preprocess(crop(rgb, found, chromosome, settings.margin)),
                                         folder / f"{chromosome.id:03d}.png")
    # None: a folder fitted before they were recorded
    cautions = detection_cautions(found, settings, merge_model.edge_blurs, merge_model.noise_levels)
    spread = Spread(item, rgb.shape[:2], found.detections, crops, cautions=cautions,
                    imaging=_imaging_record(found, file_format(item.path), settings))
    if labels is not None:
        spread.labels = _annotated_types(found.chromosomes, labels, rgb.shape)
        for number in spread.labels:
            name = _labelled_name(spread, number)
            with atomic_open(output_folder(out / "labelled" / name.parent) / name.name, "wb") as handle:
                handle.write(crops[number].read_bytes())
    return spread


def _labelled_name(spread: Spread, number: int) -> PurePosixPath:
    """A matched crop's path in ``labelled/``: its annotated type's folder, its image and its number."""
    return PurePosixPath(spread.labels[number].lower(), f"{spread.item.stem.replace('/', '-')}-{number:03d}.png")


def _write_sources(out: Path, spreads: list[Spread]) -> None:
    """``labelled/sources.csv``: the spread each crop of ``labelled/`` was cut from, so that crossval and train
    never part a spread's crops between training and testing (:mod:`sccscore.splits`)."""
    labelled = [spread for spread in spreads if spread.labels]
    if labelled:
        digests = [sha256_or_none(spread.item.path) or "" for spread in labelled]  # each spread read once
        write_csv(out / "labelled" / SOURCES_FILE, list(SOURCES_COLUMNS),
                  ([str(_labelled_name(spread, number)), str(spread.item.path), digest]
                   for spread, digest in zip(labelled, digests) for number in spread.labels))


def _annotated_types(chromosomes: list[Detection], labels: LabelFile, shape: tuple[int, ...]) -> dict[int, str]:
    """Chromosome id -> annotated type, for the detections matching an annotated box."""
    boxes, classes = read_yolo(labels, shape[1], shape[0])
    found = np.array([c.box for c in chromosomes], float).reshape(-1, 4)
    return {chromosomes[f].id: CLASS_NAMES[classes[t]] for f, t in match_boxes(found, boxes)}


def _save_png(rgb: np.ndarray, path: Path) -> Path:
    with atomic_open(path, "wb") as handle:  # zlib's fastest level: a spread's overlay in 0.1 s, not 0.5 s, 17% larger
        Image.fromarray(rgb).save(handle, format="PNG", compress_level=1)
    return path


def _detection_rows(spread: Spread, out: Path, with_label: bool):
    for d in spread.detections:
        crop_path = spread.crops.get(d.id)
        row = [spread.item.name, spread.item.sample, d.id, *d.box, d.area, round(d.centroid[0], 1),
               round(d.centroid[1], 1), d.metaphase or "", d.status, d.reason,
               str(crop_path) if crop_path else "", *(d.outline or [""] * len(SHAPE_MEASURES))]
        yield row + ([spread.labels.get(d.id, "")] if with_label else [])


def needs_check(probabilities: Sequence[float]) -> bool:
    """Whether a call is less sure than :data:`CHECK_BELOW`, so a person should look at it first."""
    return max(probabilities) < CHECK_BELOW


def to_check_sentence(n_marked: int, n_called: int, n_typed: int = 0) -> str:
    """What a run marked for a person to check, in a sentence for the terminal and the report, and how many of those
    ``n_typed`` a person gave a type in a blind review since, where any: a report of calls reviewed does not send its
    reader to review them.

    >>> to_check_sentence(0, 47)
    'None of the 47 chromosomes was called less sure than 0.9: none is marked to check.'
    >>> to_check_sentence(1, 47)[:104]
    '1 of the 47 chromosomes (2%) was called less sure than 0.9: its box is dashed, with a ?, on the overlays'
    >>> [to_check_sentence(*counts).split("; ")[1] for counts in ((1, 47), (1, 47, 1), (18, 238, 14), (2, 238, 2))]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['sccscore review shows it blind to its sample, to be set right.',
     'it was given a type in a blind review (sccscore review).',
     '14 of them were given a type in a blind review (sccscore review).',
     'both were given a type in a blind review (sccscore review).']
    """
    chromosomes = noun("chromosome", n_called)
    if not n_marked:
        return (f"None of the {n_called} {chromosomes} was called less sure than {CHECK_BELOW:g}: "
                "none is marked to check.")
    one = n_marked == 1
    were, their, them = ("was", "its", "it") if one else ("were", "their", "them")
    if not n_typed:
        then = f"sccscore review shows {them} blind to {their} sample, to be set right"
    else:
        then = f"{_typed_of_marked(n_typed, n_marked)} given a type in a blind review (sccscore review)"
    return (f"{n_marked} of the {n_called} {chromosomes} ({100 * n_marked / n_called:.0f}%) {were} called less sure "
            f"than {CHECK_BELOW:g}: {their} {'box is' if one else 'boxes are'} dashed, with a ?, on the overlays, and "
            f"{their} check column in predictions.csv says yes; {then}.")


def _typed_of_marked(n_typed: int, n_marked: int) -> str:
    """Which of the calls marked to check a review typed, as a sentence's subject and verb: "it was", "both were",
    "all 5 were", "3 of them were"."""
    if n_typed < n_marked:
        return f"{n_typed} of them {'was' if n_typed == 1 else 'were'}"
    return {1: "it was", 2: "both were"}.get(n_marked, f"all {n_marked} were")


def _write_overlay(out: Path, spread: Spread, rgb: np.ndarray, types: dict[int, str] | None = None) -> None:
    """The image with every box: chromosomes in blue (or their type's colour, dashed if to check), the rest grey."""
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    for d in spread.detections:
        if d.status == "chromosome":
            typed = bool(types) and d.id in types
            colour = TYPE_COLOURS[types[d.id]] if typed else FOUND_COLOUR
            unsure = typed and needs_check(spread.probabilities[d.id])
            if unsure:
                _dashed_rectangle(draw, d.box, colour, width=2)
            else:
                draw.rectangle(d.box, outline=colour, width=2)
            _draw_label(draw, d.box, _call_label(d.id, types[d.id], unsure) if typed else str(d.id), colour)
        else:
            draw.rectangle(d.box, outline=LEFT_OUT_COLOUR, width=1)
            draw.text((d.box[0] + 2, d.box[1]), d.status, fill=LEFT_OUT_COLOUR)
    path = overlay_file(out, spread.item.sample, spread.item.name)  # where the report and the next run look for it
    output_folder(path.parent)
    _save_png(np.asarray(image), path)


def mark_set_by_hand(overlay: Image.Image, rows: Sequence[dict[str, str]]) -> None:
    """Redraw on a spread's overlay, as classify drew it, the calls a person set right since.

    ``rows`` are the overlay's rows of predictions.csv whose type was changed
    (:func:`sccscore.predictions_table.set_by_hand`): each box is drawn again, twice as thick, in its
    new type's colour, and its label, over classify's painted white, is starred (``12 B*``):
    short, so as not to hide its neighbours' labels. An object a review left out as not a
    chromosome is drawn so in grey, as the objects detection left out (``12 X*``).
    """
    draw = ImageDraw.Draw(overlay)
    for row in rows:
        box = row_box(row)
        if box is None or not str(row.get("id")).strip().isdigit():  # mangled in a spreadsheet: listed, not drawn
            continue
        number = int(row["id"])
        left_out = left_out_in_review(row)
        colour = LEFT_OUT_COLOUR if left_out else TYPE_COLOURS[row["predicted"]]
        draw.rectangle((box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1), outline=colour, width=4)
        classify_label = _call_label(number, model_call(row) or "", row.get("check") == "yes")
        draw.rectangle(draw.textbbox(_label_origin(box), classify_label, font=_label_font(), stroke_width=2),
                       fill="white")  # classify's label painted out
        _draw_label(draw, box, f"{number} {NOT_A_CHROMOSOME if left_out else row['predicted']}*", colour)


def _call_label(number: int, call: str, unsure: bool) -> str:
    return f"{number} {call}{'?' * unsure}"


def _draw_label(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], label: str, colour) -> None:
    """A box's label at its top left, outlined in white: readable over stained chromosomes."""
    draw.text(_label_origin(box), label, fill=colour, font=_label_font(), stroke_width=2, stroke_fill="white")


def _label_origin(box: tuple[int, int, int, int]) -> tuple[int, int]:
    return box[0] + 2, box[1]


@functools.cache
def _label_font() -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=13)


def _dashed_rectangle(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], outline: str,
                      width: int, dash: int = 4) -> None:
    """A box drawn in dashes: the overlay's mark of a call to check."""
    x0, y0, x1, y1 = box
    for start in range(x0, x1 + 1, 2 * dash):
        end = min(start + dash - 1, x1)
        draw.line([(start, y0), (end, y0)], fill=outline, width=width)
        draw.line([(start, y1), (end, y1)], fill=outline, width=width)
    for start in range(y0, y1 + 1, 2 * dash):
        end = min(start + dash - 1, y1)
        draw.line([(x0, start), (x0, end)], fill=outline, width=width)
        draw.line([(x1, start), (x1, end)], fill=outline, width=width)


# -- classification --------------------------------------------------------------------------------


def classify_spreads(
    paths: Sequence[str | Path],
    model: ScoringModel,
    out_dir: str | Path,
    settings: DetectSettings | None = None,
    merge_model: MergeModel | None = None,
    progress: Callable[[int, int], None] | None = None,
    resume: bool = False,
    shape_model: ShapeModel | None = None,
    use_outline: bool = True,
    strict: bool = False,
    labels_dir: str | Path | None = None,
    **predict_options: Any,
) -> SpreadsResult:
    """Detect, crop and classify the chromosomes of spread images; see the module docstring.

    Each chromosome's type is the model's, weighed with the evidence of its
    outline (:mod:`sccscore.shape`; ``shape_model`` or the shipped one), unless
    ``use_outline`` is False. Settings default as for :func:`detect_spreads`. The
    files of ``labels_dir`` among the images (annotations beside their spreads) are
    not listed as skipped; the labels are not read.

    Raises
    ------
    SccscoreError
        If ``resume`` finds an interrupted run of other images, model or settings, or
        (with ``strict``) a spread cannot be read; the tables are not written then.

    Examples
    --------
    The same spread as :func:`detect_spreads`'s example, typed by the shipped models (which
    learned from it: on a spread they have not seen, expect less):

    >>> import tempfile
    >>> from sccscore.spread_model import load_spread_models
    >>> models = load_spread_models("sccscore:spreads")
    >>> with tempfile.TemporaryDirectory() as out:
    ...     result = classify_spreads(["../shared/data/oshima2026/images/spread2.png"], models.classifier, out,
    ...                               merge_model=models.merge, shape_model=models.shape)
    >>> [(m["metaphase"], m["n_chromosomes"], m["n_A"], m["n_B"], m["n_C"]) for m in result.metaphases]
    [(1, 56, 1, 6, 49), (2, 47, 1, 13, 33)]
    """
    from .models import model_reference
    from .spread_model import warn_fitted_on
    from .training import warn_seen_in_training

    merge_model = merge_model or MergeModel.load()
    settings = settings or DetectSettings(scale=merge_model.scale)  # the magnification it was fitted at
    shape_model = (shape_model or ShapeModel.load()) if use_outline else None
    if shape_model and tuple(model.config.classes) != CLASS_NAMES:
        raise SccscoreError(f"model {model.config.name} gives types {', '.join(model.config.classes)}; the outline "
                            f"weighs {', '.join(CLASS_NAMES)}: classify without it")
    items, rejected = _spread_items(paths, out_dir, labels_dir)
    if strict:
        fail_on_rejected(rejected)
    with one_run_at_a_time(out_dir) as out:  # a second run into it meanwhile would mix their rows
        run = {"model": model_reference(model), "images": [_key(item) for item in items], "settings": asdict(settings),
               "merge_model": asdict(merge_model), "shape_model": asdict(shape_model) if shape_model else None}
        by_path = _resume_spreads(out, run) if resume else _start_spreads(out, run)
        for kept in by_path.values():  # said when they were detected, before the interruption: said again
            _warn_cautions(kept)
        pending: list[tuple[Spread, np.ndarray]] = []
        todo = [item for item in items if _key(item) not in by_path]
        with closing(_processed(todo, out, settings, merge_model, None, predict_options.get("workers"))) as detected:
            for done, processed in enumerate(detected, start=len(items) - len(todo) + 1):
                if isinstance(processed, Rejected):
                    rejected.append(processed)
                else:
                    pending.append(processed)
                if pending and (done == len(items) or _chunk_full(pending)):
                    rejected += _classify_chunk(pending, model, shape_model, out, **predict_options)
                    by_path |= {_key(spread.item): spread for spread, _ in pending}
                    pending = []
                if strict:
                    fail_on_rejected(rejected)
                if progress:
                    progress(done, len(items))
        spreads = [by_path[_key(item)] for item in items if _key(item) in by_path]
        warn_repeated_fields(spreads)
        warn_jpeg(spreads)
        seen = {item.path for item in warn_fitted_on(model, [spread.item for spread in spreads])}
        warn_seen_in_training(model, [ImageItem(path, s.item.sample) for s in spreads if s.item.path not in seen  # once
                                      for path in s.crops.values()], "chromosomes' crops scored")
        _write_detection_tables(out, spreads, rejected, False)
        result = SpreadsResult(spreads, rejected, out, settings)
        _write_type_tables(result, model.config.classes, model_reference(model))
        drafts = Drafts(out / "labels")
        for spread in spreads:  # those an interrupted run kept too
            _write_draft_labels(drafts, spread, typed=True)
        drafts.warn_kept()
        shutil.rmtree(out / RECORDS, ignore_errors=True)
        (out / SPREADS_RUN_FILE).unlink()
        return result


def overlays_of_earlier_runs(result: SpreadsResult) -> list[str]:
    """The overlays in ``result``'s folder that its run did not draw (``sample/image.png``), sorted: left there by an
    earlier run into the same folder, with their crops and labels, and easily taken for this run's."""
    folder = result.out_dir / "overlays"
    drawn = {overlay_file(result.out_dir, spread.item.sample, spread.item.name) for spread in result.spreads}
    return [path.relative_to(folder).as_posix() for path in sorted(folder.glob("*/**/*.png")) if path not in drawn]


def _image_file(folder: Path, item: ImageItem, suffix: str) -> Path:
    """``folder/<sample>/<image><suffix>``, its folders made."""
    path = folder / item.sample / f"{item.stem}{suffix}"
    output_folder(path.parent)
    return path


def _chunk_full(pending: list[tuple[Spread, np.ndarray]]) -> bool:
    return len(pending) >= SPREADS_PER_CHUNK or sum(rgb.size for _, rgb in pending) >= CHUNK_VALUES


def _classify_chunk(chunk: list[tuple[Spread, np.ndarray]], model: ScoringModel, shape_model: ShapeModel | None,
                    out: Path, **predict_options: Any) -> list[Rejected]:
    """Score the crops of these spreads in one pass, draw their typed overlays and keep each spread's result."""
    from .predict import predict

    spreads = [spread for spread, _ in chunk]
    items = [ImageItem(path, spread.item.sample) for spread in spreads for path in spread.crops.values()]
    outlines = {str(spread.crops[d.id]): d.outline for spread in spreads for d in spread.chromosomes}
    predictions = predict(model, items, **predict_options)
    probabilities = predictions.probabilities
    if shape_model is not None and len(probabilities):
        outlined = [outlines[str(item.path)] for item in predictions.items]
        probabilities = combine(probabilities, shape_model.probabilities(outlined))
    classes = model.config.classes
    scored = {str(item.path): (classes[int(p.argmax())], p.tolist())
              for item, p in zip(predictions.items, probabilities)}
    for spread, rgb in chunk:
        for number, path in spread.crops.items():
            if str(path) in scored:
                spread.predicted[number], spread.probabilities[number] = scored[str(path)]
        _write_overlay(out, spread, rgb, spread.predicted)
        write_json(_image_file(out / RECORDS, spread.item, ".json"), _record(spread))
    return predictions.rejected


def _write_draft_labels(drafts: Drafts, spread: Spread, typed: bool = False) -> None:
    """``labels/<sample>/<image>.txt``: each chromosome's box as a YOLO label, with its call (``typed``, after
    classify) or, from detect, :data:`~sccscore.annotations.UNTYPED`: a draft of the spread's annotation to correct
    in an annotation tool (LabelImg, CVAT, Label Studio), which ``train-spreads`` reads as it is once every box has a
    type. Files edited since they were drafted are kept (:class:`~sccscore.annotations.Drafts`)."""
    chromosomes = [d for d in spread.chromosomes if d.id in spread.predicted] if typed else spread.chromosomes
    types = [spread.predicted[d.id] if typed else UNTYPED for d in chromosomes]  # untyped: to type blind to any call
    drafts.write_spread(spread.item, np.array([d.box for d in chromosomes]), types, spread.shape)


def _write_type_tables(result: SpreadsResult, classes: Sequence[str], model: str) -> None:
    """predictions.csv (per chromosome), metaphases.csv, images.csv and summary.csv."""
    rows = [_prediction_row(spread, d, classes) | {"model": model, "scale": f"{result.settings.scale:g}"}
            for spread in result.spreads for d in spread.chromosomes if d.id in spread.predicted]
    header = ["path", "sample", "image", "metaphase", "cell", "id", "x0", "y0", "x1", "y1", "predicted",
              *(f"p_{c}" for c in classes), "check", "model", "scale", "spread"]
    write_csv(result.out_dir / "predictions.csv", header, ([row[k] for k in header] for row in rows))
    # in the order given, as the samples' summary: the reference's metaphases first
    result.metaphases = in_given_order(tally_by(rows, ("sample", "image", "metaphase"), classes))
    typed = {(row["sample"], row["image"]): row for row in tally_by(rows, ("sample", "image"), classes)}
    result.images = [_image_summary(typed.get((spread.item.sample, spread.item.name)), spread, classes)
                     for spread in result.spreads]
    result.summary = [_sample_summary(row, result, classes) for row in tally_by(rows, ("sample",), classes)]
    for name, table in (("metaphases.csv", result.metaphases), ("images.csv", result.images),
                        ("summary.csv", result.summary)):
        if table:
            write_csv(result.out_dir / name, list(table[0]), map(csv_values, table))
        else:  # an earlier run's, of other spreads, would be read as this run's
            remove_earlier(result.out_dir, [name])


def _image_summary(row: dict[str, Any] | None, spread: Spread, classes: Sequence[str]) -> dict[str, Any]:
    """A spread's row of images.csv: its counts and shares (``row``; None where no chromosome of it was typed, which
    gives it zeros and no shares), its metaphases, and how it was imaged (:func:`_imaging_record`), on record where
    it was too far from the annotated spreads for a caution, and where none was found, to say why."""
    none_typed = ({"sample": spread.item.sample, "image": spread.item.name, "n_chromosomes": 0}
                  | {f"n_{c}": 0 for c in classes} | {f"pct_{c}": "" for c in classes})
    return (row or none_typed) | {"n_metaphases": spread.n_metaphases} | _imaging_row(spread)


def _imaging_record(found: SpreadDetections, saved_as: str, settings: DetectSettings) -> dict[str, float | str]:
    """How a spread was imaged, as its images.csv row keeps it: the format its file was ``saved_as``
    (:func:`sccscore.images.file_format`) and, to 3 decimals, what :mod:`sccscore.spread_imaging` read of it: the
    factor its stain was scaled by (:func:`~sccscore.spread_imaging.stain_gain`), its edges' blur in px
    (:func:`~sccscore.spread_imaging.edge_blur`; "" with no chromosome), its pixels' noise as a percentage of its
    background (:func:`~sccscore.spread_imaging.noise_level`), the percentage of its field white to its file's limit
    (:func:`~sccscore.spread_imaging.saturated_share`), its background's level as a percentage of that limit
    (:func:`~sccscore.spread_imaging.background_level`), and the ``--scale`` its stained objects' sizes suggest
    (:func:`~sccscore.spread_imaging.suggested_scale`; "" with none)."""
    percentages = {"noise_percent": found.noise, "white_percent": found.saturated,
                   "background_percent": found.background}
    values = {"stain_gain": found.stain_gain, "edge_blur": found.edge_blur} | {
        column: 100 * share for column, share in percentages.items()} | {
        "suggested_scale": suggested_scale(found, settings)}
    return {"file_format": saved_as} | {column: "" if value is None else round(value, 3)
                                         for column, value in values.items()}


def _imaging_row(spread: Spread) -> dict[str, float | str]:
    # "": not measured by the run that kept the spread
    return {column: spread.imaging.get(column, "") for column in IMAGING_COLUMNS}


def _sample_summary(row: dict[str, Any], result: SpreadsResult, classes: Sequence[str]) -> dict[str, Any]:
    """A sample's row of summary.csv: its counts and shares (``row``), their intervals (its metaphases are its
    cells), and its images and metaphases."""
    metaphases = [m for m in result.metaphases if m["sample"] == row["sample"]]
    per_metaphase = np.array([[m[f"n_{c}"] for c in classes] for m in metaphases])
    return (row | share_interval_columns([row[f"n_{c}"] for c in classes], classes, per_metaphase)
            | {"n_images": sum(s.item.sample == row["sample"] for s in result.spreads),
               "n_metaphases": len(metaphases)})


def _start_spreads(out: Path, run: dict[str, Any]) -> dict[str, Spread]:
    """Begin a fresh run: no kept spreads, and the settings a resume must match."""
    shutil.rmtree(out / RECORDS, ignore_errors=True)
    write_json(out / SPREADS_RUN_FILE, run)
    return {}


def _resume_spreads(out: Path, run: dict[str, Any]) -> dict[str, Spread]:
    """The spreads an interrupted run had classified, by image path."""
    state = out / SPREADS_RUN_FILE
    if not state.is_file():
        return _start_spreads(out, run)  # nothing to resume
    if read_kept_json(state) != json.loads(json.dumps(run)):
        raise SccscoreError(f"{out}: the interrupted run used other images, model, detection or outline settings; "
                            "run again without --resume to start afresh")
    spreads = [_from_record(read_kept_json(path)) for path in sorted((out / RECORDS).glob("*/**/*.json"))]
    return {_key(spread.item): spread for spread in spreads}


def _key(item: ImageItem) -> str:
    # not resolved: two links to one file are two spreads given (and said to be the same), each with its own crops
    return str(item.path.absolute())


def _record(spread: Spread) -> dict[str, Any]:
    return {"path": str(spread.item.path), "sample": spread.item.sample, "name": spread.item.name,
            "shape": list(spread.shape),
            "detections": [asdict(d) for d in spread.detections],
            "crops": {str(n): str(p) for n, p in spread.crops.items()},
            "predicted": spread.predicted, "probabilities": spread.probabilities, "cautions": spread.cautions,
            "imaging": spread.imaging}


def _from_record(record: dict[str, Any]) -> Spread:
    detections = [Detection(**(d | {"box": tuple(d["box"]), "centroid": tuple(d["centroid"]),
                                    "outline": tuple(d["outline"]) if d["outline"] else None}))
                  for d in record["detections"]]
    by_number = lambda table: {int(n): value for n, value in table.items()}  # noqa: E731 (JSON keys are text)
    item = ImageItem(Path(record["path"]), record["sample"], name=record.get("name", ""))  # "": kept before names
    return Spread(item, tuple(record["shape"]), detections,
                  {n: Path(p) for n, p in by_number(record["crops"]).items()},
                  predicted=by_number(record["predicted"]), probabilities=by_number(record["probabilities"]),
                  cautions=record.get("cautions", []),  # kept by a run before cautions were recorded
                  imaging=record.get("imaging", {}))


def _prediction_row(spread: Spread, d: Detection, classes: Sequence[str]) -> dict:
    row = {"path": str(spread.crops[d.id]), "sample": spread.item.sample, "image": spread.item.name,
           "spread": str(spread.item.path),  # the file, for a review to show the chromosome where it lies
           "metaphase": d.metaphase, "cell": f"{spread.item.stem}/metaphase{d.metaphase}",
           "id": d.id, "x0": d.box[0], "y0": d.box[1], "x1": d.box[2], "y1": d.box[3],
           "predicted": spread.predicted[d.id]}
    probabilities = spread.probabilities[d.id]
    return row | {f"p_{c}": round(float(p), 6) for c, p in zip(classes, probabilities)} | {
        "check": "yes" if needs_check(probabilities) else ""}
