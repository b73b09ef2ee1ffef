"""Annotated chromosome boxes (YOLO format) and matching detections to them.

A YOLO label file has one line per object, ``class x_centre y_centre width
height``, the coordinates relative to the image's width and height; class 0, 1
and 2 are types A, B and C (as in ``oshima2026``). Label files lie as YOLO lays
them out: ``labels/slide1/field.txt`` for ``images/slide1/field.png``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from .errors import SccscoreError
from .images import CLASS_NAMES, ImageItem


def label_file(labels_dir: str | Path, item: ImageItem) -> Path:
    """The label file of an image: its path within its sample's folder, below ``labels_dir``, as ``.txt``."""
    return Path(labels_dir) / f"{item.stem}.txt"


def read_yolo(path: str | Path, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (n, 4: x0 y0 x1 y1 in pixels) and class indices of a YOLO label file.

    Examples
    --------
    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    >>> _ = f.write("2 0.5 0.5 0.1 0.2\\n"); f.close()
    >>> boxes, classes = read_yolo(f.name, 100, 50)
    >>> boxes.tolist(), classes.tolist()
    ([[45.0, 20.0, 55.0, 30.0]], [2])
    """
    path = Path(path)
    if not path.is_file():
        raise SccscoreError(f"{path}: no such label file")
    boxes, classes = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cls, xc, yc, w, h = line.split()
            index, values = int(cls), np.array([xc, yc, w, h], float)
        except ValueError:
            raise SccscoreError(f"{path}, line {number}: expected 'class x_centre y_centre width height'") from None
        if index not in range(len(CLASS_NAMES)) or not np.all((values >= 0) & (values <= 1)):
            raise SccscoreError(f"{path}, line {number}: class must be 0, 1 or 2 and coordinates within 0..1")
        xc, yc, w, h = values * [width, height, width, height]
        boxes.append([xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2])
        classes.append(index)
    return np.array(boxes, float).reshape(-1, 4), np.array(classes, int)


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
