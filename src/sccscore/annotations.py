"""Annotated chromosome boxes (YOLO format) and matching detections to them.

A YOLO label file has one line per object, ``class x_centre y_centre width
height``, the coordinates relative to the image's width and height; an outline
(YOLO's segmentation labels, ``class x1 y1 x2 y2 ...``) is read as its bounding box. Label files lie
as YOLO lays them out: ``labels/slide1/field.txt`` for ``images/slide1/field.png``.

Class 0, 1 and 2 are types A, B and C (as in ``oshima2026``), unless the labels come
with their classes' names: a ``classes.txt`` (one name a line, as LabelImg and Label
Studio write it), CVAT's ``obj.names`` or Roboflow's ``_darknet.labels`` (the same) or an
Ultralytics ``data.yaml`` (``names``), in the labels' folder or the two above it (the
dataset's root, in Ultralytics' ``labels/train`` and Roboflow's ``train/labels``),
the nearest first. Annotation tools number classes
in the order they were made, so a lab's type B may well be class 0: read by number
alone, its chromosomes would be trained and scored as the wrong type without a word.

The drafts that ``detect`` writes name a fourth class, :data:`UNTYPED`: their boxes are
to be typed in an annotation tool; boxes left untyped are refused (:func:`refuse_untyped`).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._atomic import atomic_open, output_folder, write_json
from .errors import SccscoreError
from .images import CLASS_NAMES, ImageItem, Rejected, label_from_folder_name, named_first
from .sample_data import sha256_or_none


@dataclass(frozen=True)
class LabelFile:
    """A YOLO label file, and the type (index into ``CLASS_NAMES``) each of its class numbers stands for."""

    path: Path
    types: tuple[int | None, ...] = tuple(range(len(CLASS_NAMES)))  # None: UNTYPED

    def __str__(self) -> str:
        return str(self.path)


def label_file(labels_dir: str | Path, item: ImageItem, types: tuple[int | None, ...]) -> LabelFile:
    """The label file of an image (its path within its sample's folder, below ``labels_dir``, as ``.txt``).

    ``types`` are the folder's, as :func:`class_types` reads them once for all its files.
    """
    return LabelFile(Path(labels_dir) / f"{item.stem}.txt", types)


NAMES_FILES = ("classes.txt", "obj.names", "_darknet.labels", "data.yaml")  # LabelImg, CVAT, Roboflow, Ultralytics
DRAFTS_RECORD = ".drafted.json"  # in a folder of drafts (Drafts)
# the class of the boxes of detect's drafts, which a person types: known, so that its name is no error until a box is
# left with it
UNTYPED = "untyped"
# the classes of every draft, typed or not: one classes.txt, so that a label file kept as edited (Drafts) never
# finds its class numbers given other names
DRAFT_CLASSES = (*CLASS_NAMES, UNTYPED)
TYPE_THEM = (f"a box of class '{UNTYPED}', as detect drafts them: give each its type, A, B or C, in the annotation "
             "tool (or delete it, if it holds no chromosome)")


def class_types(labels_dir: str | Path) -> tuple[int | None, ...]:
    """The type of each class number, from the names beside the labels (module docstring); else A, B, C."""
    folder = Path(labels_dir).absolute()  # labels given as '.' have parents too
    for names_file in [where / name for where in (folder, *folder.parents[:2]) for name in NAMES_FILES]:
        if names_file.is_file():
            return _types_of(_read_names(names_file), names_file)
    return LabelFile.types


def not_annotations(skipped: Iterable[Rejected], labels_dir: str | Path | None) -> list[Rejected]:
    """The files skipped as no images, less the label and names files of ``labels_dir`` among them.

    Darknet's layout, and Roboflow's and CVAT's exports, put the annotations beside the
    images: they are not images that could not be read.
    """
    labels = Path(labels_dir).absolute() if labels_dir is not None else None
    return [entry for entry in skipped if labels is None or labels not in entry.path.absolute().parents
            or not (entry.path.suffix == ".txt" or entry.path.name in NAMES_FILES)]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:  # a folder named like the file, a file the lab's account may not read
        raise SccscoreError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _read_names(path: Path) -> list[str]:
    text = _read_text(path)
    if path.suffix != ".yaml":  # one name a line
        return [line.strip() for line in text.splitlines() if line.strip()]
    import yaml

    try:
        names = (yaml.safe_load(text) or {}).get("names")
    except (yaml.YAMLError, AttributeError):
        names = None
    if isinstance(names, dict) and sorted(names) == list(range(len(names))):  # names: {0: A, 1: B, 2: C}
        names = [names[i] for i in range(len(names))]
    if not isinstance(names, list) or not names:
        raise SccscoreError(f"{path}: expected the classes' names as a list under 'names' (names: [A, B, C])")
    return [str(name) for name in names]


def _types_of(names: list[str], path: Path) -> tuple[int | None, ...]:
    """Each class name read as a type, as a label folder's name is: 'A', 'type B', 'typeC', 'type_a' ...; None for
    :data:`UNTYPED`."""
    letters = [label_from_folder_name(name) for name in names]
    unknown = [name for name, letter in zip(names, letters) if letter is None and name.strip() != UNTYPED]
    if unknown:
        raise SccscoreError(f"{path}: class '{unknown[0]}' is not a type A, B or C: sccscore reads boxes of "
                            "chromosomes of those types only (name the classes A, B and C, or 'type A' ...)")
    typed = [letter for letter in letters if letter is not None]
    if len(set(typed)) < len(typed):
        raise SccscoreError(f"{path}: a type is named by two classes ({', '.join(names)})")
    return tuple(None if letter is None else CLASS_NAMES.index(letter) for letter in letters)


def refuse_untyped(label_files: Iterable[LabelFile]) -> None:
    """Refuse annotations with boxes left :data:`UNTYPED`, counting them all and naming their files and lines (the
    first few of many), so that an annotator types them in one pass rather than one error at a time.

    Raises
    ------
    SccscoreError
        Naming the first files and their lines, and how many more.
    """
    untyped = {labels.path: lines for labels in label_files if (lines := _untyped_lines(labels))}
    if not untyped:
        return
    n_boxes = sum(map(len, untyped.values()))
    places = [f"{path}, line{'s' * (len(lines) > 1)} {named_first(lines, 5)}"
              for path, lines in list(untyped.items())[:3]]
    more = f"; and {len(untyped) - 3} more files" if len(untyped) > 3 else ""
    raise SccscoreError(f"{n_boxes} box{'es' * (n_boxes > 1)} in {len(untyped)} label "
                        f"file{'s' * (len(untyped) > 1)} still untyped ({'; '.join(places)}{more}): {TYPE_THEM}")


def _untyped_lines(labels: LabelFile) -> list[int]:
    if None not in labels.types or not labels.path.is_file():  # a missing file is said where it is read
        return []
    untyped = str(labels.types.index(None))
    return [number for number, line in enumerate(_read_text(labels.path).splitlines(), start=1)
            if line.split()[:1] == [untyped]]


def read_yolo(labels: LabelFile | str | Path, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (n, 4: x0 y0 x1 y1 in pixels) and types (indices into ``CLASS_NAMES``) of a YOLO label file.

    A path alone is read with class 0, 1 and 2 as A, B and C; a :class:`LabelFile`
    (:func:`label_file`) by the names beside it.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "spread.txt"
    ...     _ = path.write_text("2 0.5 0.5 0.1 0.2\\n")
    ...     boxes, classes = read_yolo(path, 100, 50)
    ...     named = read_yolo(LabelFile(path, types=(1, 2, 0)), 100, 50)[1]  # classes.txt: B, C, A
    >>> boxes.tolist(), classes.tolist(), named.tolist()
    ([[45.0, 20.0, 55.0, 30.0]], [2], [0])
    """
    labels = labels if isinstance(labels, LabelFile) else LabelFile(Path(labels))
    path = labels.path
    if not path.is_file():
        raise SccscoreError(f"{path}: no such label file")
    boxes, classes = [], []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            index, values = _yolo_line(line)
        except ValueError:
            raise SccscoreError(f"{path}, line {number}: expected 'class x_centre y_centre width height', or a "
                                "polygon's 'class x1 y1 x2 y2 x3 y3 ...'") from None
        if index not in range(len(labels.types)) or not np.all((values >= 0) & (values <= 1)):
            last = len(labels.types) - 1
            numbers = f"{', '.join(map(str, range(last)))} or {last}" if last else "0"
            raise SccscoreError(f"{path}, line {number}: class must be {numbers} and coordinates within 0..1")
        if labels.types[index] is None:
            raise SccscoreError(f"{path}, line {number}: {TYPE_THEM}")
        xc, yc, w, h = values * [width, height, width, height]
        boxes.append([xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2])
        classes.append(labels.types[index])
    return np.array(boxes, float).reshape(-1, 4), np.array(classes, int)


def yolo_text(boxes: np.ndarray, classes: Iterable[int], width: int, height: int) -> str:
    """A YOLO label file's text for boxes (x0 y0 x1 y1 in pixels) and class numbers: what :func:`read_yolo` reads
    back, to within a millionth of the image's side.

    Examples
    --------
    >>> yolo_text(np.array([[45, 20, 55, 30]]), [2], 100, 50)
    '2 0.500000 0.500000 0.100000 0.200000\\n'
    """
    relative = np.asarray(boxes, float).reshape(-1, 4) / [width, height, width, height]
    centres, sizes = (relative[:, :2] + relative[:, 2:]) / 2, relative[:, 2:] - relative[:, :2]
    return "".join(f"{number} {' '.join(f'{v:.6f}' for v in (*centre, *size))}\n"
                   for number, centre, size in zip(classes, centres, sizes))


def names_text(names: Iterable[str]) -> str:
    """A ``classes.txt``'s text: a name a line, as LabelImg and Label Studio write it beside their labels."""
    return "".join(f"{name}\n" for name in names)


class Drafts:
    """Label files drafted below ``folder`` (the ``labels/`` of detect and classify --spreads), each written only
    where it is new or as it was last drafted: a file a person has edited since (typed, corrected) is kept, never
    written over, and said (:meth:`warn_kept`). ``folder/.drafted.json`` keeps each draft's SHA-256 as written."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.record = folder / DRAFTS_RECORD
        self.drafted = _drafted(self.record)
        self.kept: list[Path] = []

    def write(self, path: Path, text: str) -> None:
        data = text.encode("utf-8")
        key, digest = path.relative_to(self.folder).as_posix(), hashlib.sha256(data).hexdigest()
        found = sha256_or_none(path)
        if found not in (None, digest, self.drafted.get(key)):
            if path not in self.kept:  # classes.txt is drafted for each spread of its folder: named once
                self.kept.append(path)
            return
        if found == digest == self.drafted.get(key):  # drafted so already (classes.txt, for each spread)
            return
        with atomic_open(path, "wb") as handle:
            handle.write(data)
        self.drafted[key] = digest
        write_json(self.record, self.drafted)

    def write_spread(self, item: ImageItem, boxes: np.ndarray, types: Sequence[str], shape: tuple[int, ...]) -> None:
        """``<sample>/<image>.txt``: a spread's boxes (x0 y0 x1 y1 in pixels of its ``shape``) as YOLO labels of their
        types (A, B, C or :data:`UNTYPED`), and ``classes.txt`` (:data:`DRAFT_CLASSES`) beside it, where LabelImg looks
        for it, and in the sample's folder, which train-spreads is given."""
        path = self.folder / item.sample / f"{item.stem}.txt"
        output_folder(path.parent)
        height, width = shape[:2]
        self.write(path, yolo_text(boxes, [DRAFT_CLASSES.index(t) for t in types], width, height))
        for folder in {path.parent, self.folder / item.sample}:
            self.write(folder / NAMES_FILES[0], names_text(DRAFT_CLASSES))

    def warn_kept(self) -> None:
        if self.kept:
            them = "them" if len(self.kept) > 1 else "it"
            warnings.warn(f"{named_first(self.kept, 3)}: not as sccscore last drafted {them} (edited since, or "
                          "never drafted), so kept as it is, not drafted again (delete a file to have it drafted anew)",
                          stacklevel=3)


def _drafted(record: Path) -> dict[str, str]:
    """The drafts' digests a run recorded; none where there is no record or it cannot be read (then every file found
    is kept as edited: the safe side)."""
    try:
        drafted = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return drafted if isinstance(drafted, dict) else {}


def _yolo_line(line: str) -> tuple[int, np.ndarray]:
    """A label line's class and relative box (x_centre y_centre width height); a polygon (YOLO's segmentation
    labels) by its bounds.

    Examples
    --------
    >>> _yolo_line("1 0.5 0.5 0.2 0.4")[1].tolist()
    [0.5, 0.5, 0.2, 0.4]
    >>> _yolo_line("2 0.1 0.2 0.3 0.2 0.2 0.6")[1].round(3).tolist()  # a triangle, outlined in Roboflow or CVAT
    [0.2, 0.4, 0.2, 0.4]
    """
    cls, *fields = line.split()
    values = np.array(fields, float)
    if len(values) == 4:
        return int(cls), values
    if len(values) < 6 or len(values) % 2:  # a box with a confidence, say: a model's output, not an annotation
        raise ValueError(line)
    low, high = values.reshape(-1, 2).min(axis=0), values.reshape(-1, 2).max(axis=0)
    return int(cls), np.concatenate([(low + high) / 2, high - low])


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in ``a`` with every box in ``b`` (x0 y0 x1 y1).

    Examples
    --------
    >>> box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 0, 3, 2], [5, 5, 6, 6]])).round(3).tolist()
    [[0.333, 0.0]]
    """
    a, b = np.asarray(a, float).reshape(-1, 4), np.asarray(b, float).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda boxes: (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])  # noqa: E731
    union = area(a)[:, None] + area(b)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def match_boxes(found: np.ndarray, truth: np.ndarray, min_iou: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one pairs (found index, true index) with IoU >= ``min_iou``, total IoU maximal.

    The assignment is optimal (Hungarian), so one detection never counts for two
    annotated chromosomes.
    """
    if len(found) == 0 or len(truth) == 0:
        return []
    iou = box_iou(found, truth)
    rows, cols = linear_sum_assignment(-iou)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if iou[r, c] >= min_iou]
