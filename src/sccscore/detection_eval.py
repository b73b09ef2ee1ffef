"""How well spreads are read end to end: detection and type against annotated boxes.

A detected chromosome is a true positive when it matches an annotated box with
IoU >= 0.5 (one-to-one, :func:`sccscore.annotations.match_boxes`). Recall and
precision count boxes regardless of type; the end-to-end concordance is the
share of annotated chromosomes that are both detected and given the annotated
type, and the open concordance the share detected and called open (B or C) or
cohered (A) as annotated, the split that ``compare`` tests. ``per_chromosome``
says, for every annotated chromosome, which detection matched it and what type
it was given, for looking it up on the overlay or comparing two runs
chromosome by chromosome. ``to_check`` says how often the calls that ``classify
--spreads`` marks for a person to check (less sure than
:data:`sccscore.spreads.CHECK_BELOW`) were right, against the others.
:func:`evaluate_detection` scores a given model with the shipped merge
and shape models. :func:`leave_one_out` never scores a spread with anything
fitted on it: for each spread, the merge and shape models are fitted on the
other spreads and the classifier (the default recipe) on the given labelled
crop folders plus the crops of the other spreads' matched detections.
"""

from __future__ import annotations

import itertools
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path, PureWindowsPath
from typing import Any, NamedTuple

import numpy as np

from . import fields, provenance
from .annotations import LabelFile, class_types, label_file, match_boxes, not_annotations, read_yolo, refuse_untyped
from .detect import (MAX_SPREAD_PIXELS, AnnotatedSpread, DetectSettings, Fragments, joined, read_annotated,
                     working_pixels)
from .errors import ModelError, SccscoreError
from .features import extract, fingerprints
from .images import CLASS_NAMES, ImageItem, header_pixels, is_jpeg, read_image, scan_sample
from .merge import MergeModel, PairExamples, merge_model_from, pair_examples
from .metrics import confusion_matrix
from .models import ScoringModel, model_reference
from .parallel import cpu_threads, in_order
from .sample_data import sha256_or_none
from .shape import ShapeModel, combine, fit_shape_model
from .spread_model import RECIPE, fit_spread_head, fitted_on
from .spreads import (CHECK_BELOW, Spread, SpreadsResult, classify_spreads, cut_spreads, metaphase_centres,
                      needs_check, repeated_fields)
from .splits import Source
from .stats import agreement_interval, clustered_interval
from .training import Head, LabelledData, Log, head_probabilities, load_labelled
from .words import counted

MIN_IOU = 0.5
NOT_FOUND, NOT_CLASSIFIED = -1, -2  # what an annotated chromosome was given, besides a type


def annotated_images(images_dir: str | Path, labels_dir: str | Path) -> list[tuple[ImageItem, LabelFile]]:
    """The images of a folder, each with its YOLO label file (same path below ``labels_dir``, ``.txt``)."""
    sample = scan_sample(images_dir)
    if rejected := not_annotations(sample.rejected, labels_dir):
        raise SccscoreError(f"{rejected[0].path}: {rejected[0].reason}")
    types = class_types(labels_dir)
    pairs = [(item, label_file(labels_dir, item, types)) for item in sample.items]
    for item, labels in pairs:
        if not labels.path.is_file():
            raise SccscoreError(f"{labels}: no label file for {item.path} (label files lie as the images do, "
                                "in sub-folders of the same names)")
    refuse_untyped(labels for _, labels in pairs)  # before any spread is read
    return pairs


def annotated_spreads(pairs: Sequence[tuple[ImageItem, LabelFile]]) -> list[AnnotatedSpread]:
    """Each image's name, pixels and annotated boxes (x0 y0 x1 y1 in px), as :func:`fit_merge_model` takes them."""
    return [annotated_spread(item, labels) for item, labels in pairs]


def annotated_spread(item: ImageItem, labels: LabelFile) -> AnnotatedSpread:
    """An image's name, pixels and annotated boxes (:func:`annotated_spreads`)."""
    rgb = read_image(item.path)
    return AnnotatedSpread(item.stem, rgb, read_yolo(labels, rgb.shape[1], rgb.shape[0])[0], is_jpeg(item.path))


class AnnotatedSet(NamedTuple):
    """Annotated spreads read once for all that is fitted on them (:func:`read_annotated_set`)."""

    pairs: list[tuple[ImageItem, LabelFile]]  # each image with its label file
    spreads: list[AnnotatedSpread]  # their pixels and annotated boxes
    read: list[Fragments]  # each read to its fragments (sccscore.detect.read_fragments)
    examples: list[PairExamples]  # what each teaches the merge model (sccscore.merge.pair_examples)
    workers: int | None = None  # spreads worked on side by side (None: one per CPU core)

    def detected(self, merge_model: MergeModel, out: Path, settings: DetectSettings) -> list[Spread]:
        """Every spread joined by ``merge_model``, its crops cut under ``out``, its matched chromosomes typed."""
        return cut_spreads([(image, spread.rgb, labels) for (image, labels), spread in zip(self.pairs, self.spreads)],
                           lambda index: joined(self.read[index], merge_model), out, settings, merge_model,
                           self.workers)


def read_annotated_set(images_dir: str | Path, labels_dir: str | Path, settings: DetectSettings,
                       workers: int | None = None) -> AnnotatedSet:
    """The annotated spreads of a folder (:func:`annotated_images`), each read once to its fragments: no merge
    model changes them, only how they are joined. ``workers`` spreads are read side by side, and cut so by
    :meth:`AnnotatedSet.detected` (default one per CPU core; :func:`sccscore.parallel.in_order`), those in hand at
    most :data:`~sccscore.detect.MAX_SPREAD_PIXELS` together, as ``detect`` reads them."""
    pairs = annotated_images(images_dir, labels_dir)

    def read(pair: tuple[ImageItem, LabelFile]) -> tuple[AnnotatedSpread, Fragments, PairExamples]:
        spread = annotated_spread(*pair)
        fragments = read_annotated(spread, settings, pair[0].path)
        return spread, fragments, pair_examples(fragments, spread.boxes)

    def pixels(pair: tuple[ImageItem, LabelFile]) -> float:
        return working_pixels(header_pixels(pair[0].path) or MAX_SPREAD_PIXELS, settings)

    with closing(in_order(read, pairs, workers or cpu_threads(), pixels, MAX_SPREAD_PIXELS)) as results:
        spreads, fragments, examples = zip(*results) if pairs else ((), (), ())
    return AnnotatedSet(pairs, list(spreads), list(fragments), list(examples), workers)


def evaluate_detection(
    images_dir: str | Path,
    labels_dir: str | Path,
    model: ScoringModel,
    out_dir: str | Path,
    settings: DetectSettings | None = None,
    merge_model: MergeModel | None = None,
    shape_model: ShapeModel | None = None,
    use_outline: bool = True,
    workers: int | None = None,
) -> dict[str, Any]:
    """Detect and classify annotated spreads with ``model`` (``workers`` side by side, as classify --spreads); figures
    as in the module docstring."""
    pairs = annotated_images(images_dir, labels_dir)
    merge_model, shape_model = merge_model or MergeModel.load(), shape_model or ShapeModel.load()
    training, detection = model.config.training or {}, [merge_model, shape_model] if use_outline else [merge_model]
    fitted = {"the merge and shape models were": ([name for m in detection for name in m.trained_on],
                                                  [digest for m in detection for digest in m.trained_on_sha256])}
    if not training.get("trained_on_sha256"):  # else classify_spreads knows its spreads by their files, and says so
        fitted[f"the classifier {model.config.name} was"] = (training.get("trained_on", []), [])
    for what, (names, digests) in fitted.items():
        if seen := fitted_on([item for item, _ in pairs], names, digests):
            warnings.warn(f"{what} fitted on {', '.join(item.name for item in seen)}: figures on those spreads are "
                          "optimistic (--leave-one-out fits them without each spread)", stacklevel=2)
    result = all_processed(classify_spreads([images_dir], model, out_dir, settings, merge_model,
                                            shape_model=shape_model, use_outline=use_outline, labels_dir=labels_dir,
                                            workers=workers))
    scored = [score_spread(spread, spread.predicted, labels, spread.probabilities)
              for spread, (_, labels) in zip(result.spreads, pairs)]
    return figures(scored) | {"model": model_reference(model), "merge_model_trained_on": merge_model.trained_on,
                              "shape_model_trained_on": shape_model.trained_on if use_outline else None}


def all_processed(result: SpreadsResult) -> SpreadsResult:
    """Figures over annotated spreads, and models fitted on them, need every one: a spread not processed is an error."""
    if result.rejected:
        raise SccscoreError(f"{result.rejected[0].path}: {result.rejected[0].reason}")
    return result


def score_spread(spread: Spread, types: dict[int, str], labels: LabelFile,
                 probabilities: dict[int, list[float]] | None = None) -> dict[str, Any]:
    """Each annotated chromosome's true type and the type given to its match (or NOT_FOUND), for :func:`figures`.

    ``types`` maps chromosome ids to types: ``spread.predicted``, or a classifier's own calls
    (``benchmarks/spread_classifier_levers.py`` scores its levers so). With the calls'
    ``probabilities``, each matched call is also marked to check or not.
    """
    height, width = spread.shape
    truth, classes = read_yolo(labels, width, height)
    chromosomes = spread.chromosomes
    found = np.array([c.box for c in chromosomes], float).reshape(-1, 4)
    given, matched = np.full(len(truth), NOT_FOUND), [None] * len(truth)
    to_check = np.zeros(len(truth), bool)
    for f, t in match_boxes(found, truth, MIN_IOU):
        number = matched[t] = chromosomes[f].id
        given[t] = CLASS_NAMES.index(types[number]) if number in types else NOT_CLASSIFIED
        to_check[t] = probabilities is not None and number in types and needs_check(probabilities[number])
    return {"image": spread.item.name, "n_found": len(found), "true": classes, "given": given,
            "boxes": truth, "matched": matched, "metaphases": metaphase_shares(spread, types, truth, classes),
            "to_check": to_check if probabilities is not None else None,
            "imaging": spread.imaging, "cautions": spread.cautions}


def metaphase_shares(spread: Spread, types: dict[int, str], truth: np.ndarray, classes: np.ndarray) -> list[dict]:
    """Each metaphase's A/B/C shares (%) as annotated and as called: the figures a cohesion experiment reads.

    An annotated chromosome counts in the metaphase of the detected chromosome nearest its box
    centre, found or not; the called shares are over the metaphase's typed chromosomes.
    """
    typed = [c for c in spread.chromosomes if c.id in types]
    if not typed or not len(truth):
        return []
    distances = np.linalg.norm((truth[:, None, :2] + truth[:, None, 2:]) / 2 - [c.centroid for c in typed], axis=2)
    annotated_in = np.array([typed[i].metaphase for i in distances.argmin(axis=1)])
    rows = []
    for metaphase in sorted({c.metaphase for c in typed}):
        annotated = classes[annotated_in == metaphase]
        called = [CLASS_NAMES.index(types[c.id]) for c in typed if c.metaphase == metaphase]
        if len(annotated):
            rows.append({"image": spread.item.name, "metaphase": metaphase, "n_annotated": len(annotated),
                         "n_called": len(called), "annotated_pct": _shares(annotated), "called_pct": _shares(called)})
    return rows


def _shares(types: Sequence[int]) -> list[float]:
    return [round(100 * share, 1) for share in np.bincount(types, minlength=len(CLASS_NAMES)) / len(types)]


def figures(scored: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Recall, precision, concordance overall, per type and per image (with how it was imaged, images.csv's
    columns, and its cautions); each metaphase's type shares."""
    true = np.concatenate([s["true"] for s in scored]).astype(int)
    given = np.concatenate([s["given"] for s in scored]).astype(int)
    total = _counts(true, given, sum(s["n_found"] for s in scored))
    per_metaphase = [row for s in scored for row in s.get("metaphases", [])]
    share_error = np.abs([np.subtract(m["called_pct"], m["annotated_pct"]) for m in per_metaphase]).reshape(
        -1, len(CLASS_NAMES))
    per_type = {}
    for index, name in enumerate(CLASS_NAMES):
        mine = given[true == index]
        per_type[name] = {"n": len(mine), "recall": _ratio(int((mine != NOT_FOUND).sum()), len(mine)),
                          "concordance": _ratio(int((mine == index).sum()), len(mine)),
                          "share_error_points": (round(float(share_error[:, index].mean()), 1) if per_metaphase
                                                 else None)}
    classified = given >= 0
    per_chromosome = [{"image": s["image"], "box": [round(float(v), 1) for v in box], "annotated": CLASS_NAMES[t],
                       "detection": number, "given": _given_name(g)}
                      for s in scored for box, t, g, number in zip(s["boxes"], s["true"], s["given"], s["matched"])]
    # with how each spread was imaged and what detect cautioned on it: where one reads worse, was it imaged otherwise?
    per_image = [{"image": s["image"], **({"field": s["field"]} if "field" in s else {}), **_rates(c), **c,
                  "imaging": s.get("imaging", {}), "cautions": s.get("cautions", [])}
                 for s, c in ((s, _counts(s["true"], s["given"], s["n_found"])) for s in scored)]
    checked = [s.get("to_check") for s in scored]
    to_check = (_calls_to_check(true, given, np.concatenate(checked))
                if checked and all(c is not None for c in checked) else None)
    return {**_rates(total), **total, "intervals": _intervals(total),
            "intervals_by_spread": intervals_by_spread(per_image), "per_type": per_type, "per_image": per_image,
            "per_metaphase": per_metaphase,
            "confusion_of_matched": confusion_matrix(true[classified], given[classified], len(CLASS_NAMES)).tolist(),
            "to_check": to_check, "per_chromosome": per_chromosome}


def _calls_to_check(true: np.ndarray, given: np.ndarray, to_check: np.ndarray) -> dict[str, Any]:
    """How many matched calls were marked to check, and how often those and the others were right."""
    called = given >= 0
    right = given == true
    marked, sure = called & to_check, called & ~to_check
    return {"below": CHECK_BELOW, "n_called": int(called.sum()), "n_marked": int(marked.sum()),
            "marked_correct": _ratio(int((right & marked).sum()), int(marked.sum())),
            "sure_correct": _ratio(int((right & sure).sum()), int(sure.sum())),
            "n_wrong": int((called & ~right).sum()), "n_wrong_marked": int((marked & ~right).sum())}


def _given_name(given: int) -> str:
    return {NOT_FOUND: "not found", NOT_CLASSIFIED: "not classified"}.get(int(given)) or CLASS_NAMES[given]


def _counts(true: np.ndarray, given: np.ndarray, n_found: int) -> dict[str, int]:
    # open (B or C) or cohered (A): the split behind compare's B+C tests, where B called C is no error
    open_agrees = (given >= 0) & ((given > 0) == (true > 0))
    return {"n_true": len(true), "n_found": n_found, "n_matched": int((given != NOT_FOUND).sum()),
            "n_correct": int((given == true).sum()), "n_open_correct": int(open_agrees.sum())}


def _rates(c: dict[str, int]) -> dict[str, float | None]:
    return {"recall": _ratio(c["n_matched"], c["n_true"]), "precision": _ratio(c["n_matched"], c["n_found"]),
            "concordance": _ratio(c["n_correct"], c["n_true"]),
            "open_concordance": _ratio(c["n_open_correct"], c["n_true"])}


RATE_PARTS = {"recall": ("n_matched", "n_true"), "precision": ("n_matched", "n_found"),
              "concordance": ("n_correct", "n_true")}  # numerator and denominator of each rate


def _intervals(c: dict[str, int]) -> dict[str, list[float]]:
    """Wilson 95% intervals of recall, precision and concordance, the chromosomes taken as independent.

    Those of one spread are not (spreads differ by far more, as ``per_image`` shows), so
    these are the narrowest the figures could honestly carry.
    """
    return {name: agreement_interval(c[k], c[n]) for name, (k, n) in RATE_PARTS.items() if c[n]}


def intervals_by_spread(per_image: Sequence[dict[str, Any]]) -> dict[str, list[float]]:
    """95% intervals of recall, precision and concordance with the spreads as the independent units
    (:func:`sccscore.stats.clustered_interval`), from the counts of ``per_image``; none from one spread. A spread
    and its copies (or fields that overlap it) are one unit (:func:`spread_fields`): a copy tells nothing new of how
    a new spread reads."""
    intervals = {}
    for name, (k, n) in RATE_PARTS.items():
        counted = [(sum(image[k] for image in field), sum(image[n] for image in field))
                   for field in spread_fields(per_image)]
        counted = [(successes, total) for successes, total in counted if total]
        if len(counted) > 1:
            intervals[name] = clustered_interval(*zip(*counted))
    return intervals


def independent_units(per_image: Sequence[dict[str, Any]]) -> str:
    """The units of :func:`intervals_by_spread`, in words: "4 spreads", or "4 fields (8 spreads, copies and fields
    that overlap counted once)"."""
    n_fields = len(spread_fields(per_image))
    if n_fields == len(per_image):
        return counted(n_fields, "spread")
    return f"{n_fields} fields ({len(per_image)} spreads, copies and fields that overlap counted once)"


def spread_fields(per_image: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The rows of ``per_image`` grouped by field, in the order given: a spread with its copies and the fields that
    overlap it, which leave-one-out held out with it (their ``field``, the first one's name); each other spread
    alone."""
    fields: dict[str, list[dict[str, Any]]] = {}
    for image in per_image:
        fields.setdefault(image.get("field", image["image"]), []).append(image)
    return list(fields.values())


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def percent_of(share: float | None, n: int, decimals: int = 1) -> str:
    """A share of ``n`` as recorded (to 4 decimals, :func:`_ratio`) as a percentage, from the count it stands for:
    rounding the recorded share again could move the last digit. "-" for none (a share of no chromosome).

    Examples
    --------
    >>> percent_of(0.8635, 249), f"{100 * 0.8635:.1f}%"  # 215 of 249 is 86.345%
    ('86.3%', '86.4%')
    """
    if share is None:
        return "-"
    return f"{100 * round(share * n) / n:.{decimals}f}%"


# -- leave one spread out --------------------------------------------------------------------------


def leave_one_out(
    images_dir: str | Path,
    labels_dir: str | Path,
    train_folders: Sequence[str | Path] = (),
    settings: DetectSettings | None = None,
    seed: int = 0,
    log: Log | None = None,
    use_outline: bool = True,
    workers: int | None = None,
) -> dict[str, Any]:
    """Each spread scored by merge and shape models and a classifier fitted without it (``workers``: spreads read
    and cut side by side, :func:`read_annotated_set`)."""
    settings = settings or DetectSettings()
    annotated = read_annotated_set(images_dir, labels_dir, settings, workers)
    if len(annotated.pairs) < 2:
        raise SccscoreError(f"{images_dir}: leave-one-out needs at least two annotated spreads")
    return leave_one_out_of(annotated, train_folders, settings, seed, log, use_outline)


def load_train_folders(train_folders: Sequence[str | Path], annotated: AnnotatedSet) -> LabelledData | None:
    """The labelled crop folders a classifier of spreads learns from besides the ``annotated`` spreads' chromosomes
    (``--train``; None for none), read in colour as those are, and warned of where they pool raw crops with those
    chromosomes' crops, which ``detect`` preprocesses (:func:`sccscore.training.load_labelled`)."""
    if not train_folders:
        return None
    types = Counter(CLASS_NAMES[kind] for (_, labels), spread in zip(annotated.pairs, annotated.spreads)
                    for kind in read_yolo(labels, spread.rgb.shape[1], spread.rgb.shape[0])[1])
    cut = {kind: [n, n] for kind, n in types.items()}  # each with a white, and read
    return load_labelled(train_folders, RECIPE, 0, "training", grey_where_grey=False,
                         alongside={"the annotated spreads' chromosomes": cut})


def leave_one_out_of(annotated: AnnotatedSet, train_folders: Sequence[str | Path] = (),
                     settings: DetectSettings | None = None, seed: int = 0, log: Log | None = None,
                     use_outline: bool = True) -> dict[str, Any]:
    """:func:`leave_one_out` of annotated spreads read already (``settings``: those they were read with).

    Each spread was read to its fragments once (:func:`read_annotated_set`): a fold fits its merge model on the
    other spreads' pairs of fragments and joins every spread with it, then crops and trains. A spread and its copies
    (:func:`one_field`) are one fold: held out together, each scored by the same models."""
    log = log or (lambda _: None)
    settings = settings or DetectSettings()
    pairs = annotated.pairs
    extra = load_train_folders(train_folders, annotated)
    together = one_field([item.path for item, _ in pairs], annotated.read)
    scored: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="sccscore-loso-") as tmp:
        for fold, held in enumerate(sorted({tuple(sorted(group)) for group in together})):
            copies = [pairs[i][0].name for i in held[1:]]
            held_out = pairs[held[0]][0].name + (f" (with {', '.join(copies)}, the same field)" if copies else "")
            log(f"holding out {held_out}")
            learned = [i for i in range(len(pairs)) if i not in held]
            with _learning_without(held_out):
                merge_model = merge_model_from([annotated.examples[i] for i in learned],
                                               [annotated.spreads[i].name for i in learned], settings.scale)
            spreads = annotated.detected(merge_model, Path(tmp) / str(fold), settings)
            with _learning_without(held_out):
                typed = _types_without([spreads[i] for i in held], [spreads[i] for i in learned], extra,
                                       [pairs[i][0].path for i in held], held_out, seed, use_outline)
            field = {"field": pairs[held[0]][0].name} if copies else {}  # one unit of the intervals_by_spread
            for i, (types, probabilities) in zip(held, typed):
                scored[i] = score_spread(spreads[i], types, pairs[i][1], probabilities) | field
    return figures([scored[i] for i in range(len(pairs))]) | {
        "method": "leave one spread out", "train_folders": [str(f) for f in train_folders], "recipe": RECIPE.name,
        "seed": seed, "outline": use_outline}


def one_field(paths: Sequence[Path], read: Sequence[Fragments]) -> list[set[int]]:
    """For each annotated spread (its file, and the spread read to its fragments), the spreads (their indices) that
    show its field or one of its metaphases (:mod:`sccscore.fields`: a copy saved again, cropped, turned, zoomed or
    mirrored, or a field that overlaps it), itself among them; each copy warned of, as it counts as a
    spread of its own in the figures.

    Leave-one-out holds these out together: a spread scored by models fitted on its copy would look easy. They
    are found by the chromosomes the shipped merge model joins: which spread is which is all that is taken from it.
    """
    shipped = MergeModel.load()
    # turned, zoomed or mirrored too: a set of annotated spreads augmented for training holds such copies
    copies, shared = repeated_fields(metaphase_centres((path, joined(fragments, shipped).chromosomes)
                                                       for path, fragments in zip(paths, read)), turned=True)
    index_of = {path: index for index, path in enumerate(paths)}
    groups = [[index_of[path] for path in group] for group in copies] + [[index_of[path] for path, _ in metaphases]
                                                                         for metaphases in shared]
    linked = {frozenset(pair) for group in groups for pair in itertools.combinations(group, 2)}
    together = [{number} for number in range(len(read))]
    for group in fields.groups(len(read), lambda i, j: frozenset((i, j)) in linked):  # a copy of a neighbour too
        for number in group:
            together[number] = set(group)
    return together


@contextmanager
def _learning_without(held_out: str) -> Iterator[None]:
    """Name the held-out spread where the others cannot be learned from (a type, or any annotation, only in it).

    A model that cannot be loaded (no ImageNet weights offline) is no fault of the spreads: its error goes on as it
    is, not blamed on them."""
    try:
        yield
    except ModelError:
        raise
    except SccscoreError as exc:
        raise SccscoreError(f"holding out {held_out}, the other spreads cannot be learned from: {exc}; leave-one-out "
                            "needs every type, and chromosomes to join, in the spreads that remain") from None


def _not_of_held_out(extra: LabelledData | None, held_out: str, crops: set[str],
                     held: Sequence[Path]) -> LabelledData | None:
    """``extra`` less the crops of the held-out spread (``held_out``, its name as warned of): one of its crops
    (``crops``, their SHA-256) byte for byte, or a crop its folder's
    sources.csv (:mod:`sccscore.splits`) says was cut from one of the ``held`` files (the spread, and any copy of
    its field): by the file's SHA-256 where the table gives one, else by the file's name without its type (a table
    made by hand may name spread3.tif, the file the crops were cut from before it was saved as spread3.png). A crop
    no table names is looked for in the ``held`` files by its pixels (:mod:`sccscore.provenance`)."""
    if extra is None:
        return None
    files = {sha256_or_none(path) for path in held} - {None}
    names = {path.stem.lower() for path in held}
    # hashed once a fold, for the crops no table names, and let go with the fold: a spread's are 8 bytes a pixel
    windows = [provenance.image_windows(path) for path in held] if None in extra.sources else []
    keep = np.array([digest not in crops and not _cut_from(source, files, names)
                     and not (source is None and any(provenance.cut_from(item.path, image) for image in windows))
                     for item, digest, source in zip(extra.items, extra.digests, extra.sources)], bool)
    if not keep.all():
        warnings.warn(f"{np.sum(~keep)} of the crops given to learn from were cut from {held_out}, which is held "
                      "out: they are left out of its training, so that it is scored as a new spread", stacklevel=3)
    return extra.subset(keep)


def _cut_from(source: Source | None, files: set[str], names: set[str]) -> bool:
    """Whether a crop's source is one of the held-out spreads, by its SHA-256 (``files``), or where none is given,
    by its name without its file type (``names``, lower case), in a Windows path or not.

    Examples
    --------
    >>> _cut_from(Source(r"D:\\scans\\Spread3.tif"), set(), {"spread3"})
    True
    >>> _cut_from(Source("spread3.png", sha256="ab12"), {"cd34"}, {"spread3"})  # a spread of that name elsewhere
    False
    """
    if source is None:
        return False
    return source.sha256 in files if source.sha256 else PureWindowsPath(source.image).stem.lower() in names


def _types_without(held: Sequence[Spread], others: list[Spread], extra: LabelledData | None, files: Sequence[Path],
                   held_out: str, seed: int, use_outline: bool) -> list[tuple[dict[int, str], dict[int, list[float]]]]:
    """Types of each held-out spread's chromosomes, and their probabilities, by one classifier trained on the other
    spreads' matched crops (and ``extra``, less any crop of the held-out ``files``: the spread, and any copy of its
    field; ``held_out`` names them), weighed with a shape model fitted on the other spreads' outlines (unless
    ``use_outline`` is False)."""
    tests = [[ImageItem(path, "test") for path in spread.crops.values()] for spread in held]
    digests = [fingerprints(items) for items in tests]
    head = fit_spread_head(others, _not_of_held_out(extra, held_out, {d for ds in digests for d in ds}, files), seed)
    shape_model = fit_shape_model(others) if use_outline else None
    return [_typed(spread, items, spread_digests, head, shape_model)
            for spread, items, spread_digests in zip(held, tests, digests)]


def _typed(spread: Spread, tests: list[ImageItem], digests: list[str], head: Head, shape_model: ShapeModel | None
           ) -> tuple[dict[int, str], dict[int, list[float]]]:
    """A spread's crops (``tests``) typed by ``head``, weighed with ``shape_model`` where given."""
    if not tests:
        return {}, {}
    probabilities = head_probabilities(RECIPE, head, extract(tests, RECIPE.model_config(), digests)).mean(axis=1)
    if shape_model is not None:
        outlines = {d.id: d.outline for d in spread.chromosomes}
        probabilities = combine(probabilities, shape_model.probabilities([outlines[n] for n in spread.crops]))
    return ({number: CLASS_NAMES[g] for number, g in zip(spread.crops, probabilities.argmax(axis=1))},
            {number: p.tolist() for number, p in zip(spread.crops, probabilities)})
