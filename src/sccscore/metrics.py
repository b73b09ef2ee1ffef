"""Agreement between predicted and reference types."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion_matrix(true: Sequence[int], predicted: Sequence[int], n_classes: int = 3) -> np.ndarray:
    """Counts with reference classes in rows and predicted classes in columns.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2]).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    """
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true, dtype=int), np.asarray(predicted, dtype=int)), 1)
    return matrix


def concordance(matrix: np.ndarray) -> float:
    """Share of images whose predicted type equals the reference (accuracy)."""
    total = matrix.sum()
    return float(np.trace(matrix) / total) if total else float("nan")


def open_concordance(matrix: np.ndarray) -> float:
    """Share of images whose predicted type agrees with the reference on whether the sisters are open.

    Open is type B or C, cohered type A: the split behind ``compare``'s B+C tests,
    where a B called C (or the reverse) is no error.

    Examples
    --------
    >>> open_concordance(np.array([[6, 1, 1], [1, 3, 4], [0, 2, 2]]))
    0.85
    """
    total = matrix.sum()
    return float((matrix[0, 0] + matrix[1:, 1:].sum()) / total) if total else float("nan")


def recall(matrix: np.ndarray) -> np.ndarray:
    """Per reference class, the share of its images predicted as that class.

    Examples
    --------
    >>> recall(np.array([[3, 1], [0, 0]])).tolist()
    [0.75, nan]
    """
    totals = matrix.sum(axis=1)
    return np.where(totals > 0, np.diag(matrix) / np.maximum(totals, 1), np.nan)


def cohen_kappa(matrix: np.ndarray) -> float:
    """Cohen's kappa: agreement corrected for what chance alone would give.

    Examples
    --------
    >>> round(cohen_kappa(np.array([[20, 5], [10, 15]])), 4)
    0.4
    """
    total = matrix.sum()
    observed = np.trace(matrix) / total
    expected = (matrix.sum(axis=0) * matrix.sum(axis=1)).sum() / total**2
    return float((observed - expected) / (1 - expected)) if expected < 1 else float("nan")


def distribution(classes: Sequence[int], n_classes: int = 3) -> np.ndarray:
    """Fraction of images in each class.

    Examples
    --------
    >>> distribution([0, 0, 1, 2]).tolist()
    [0.5, 0.25, 0.25]
    """
    counts = np.bincount(np.asarray(classes, dtype=int), minlength=n_classes).astype(float)
    return counts / counts.sum() if counts.sum() else counts
