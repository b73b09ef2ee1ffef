"""Figures, written as PNG (and SVG where asked) with matplotlib's non-interactive backend."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._atomic import atomic_open


def _figure():
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and no window opened
    from matplotlib import pyplot

    return pyplot


def plot_learning_curve(rows: Sequence[dict[str, Any]], path: str | Path) -> None:
    """Concordance against training images per type, one line per folder, folds' range shaded."""
    pyplot = _figure()
    figure, axes = pyplot.subplots(figsize=(5, 3.5), layout="constrained")
    for group in dict.fromkeys(row["group"] for row in rows):
        mine = [row for row in rows if row["group"] == group]
        sizes = [row["n_per_type"] for row in mine]
        axes.plot(sizes, [row["concordance"] for row in mine], marker="o", label=group)
        axes.fill_between(sizes, [row["concordance_min"] for row in mine],
                          [row["concordance_max"] for row in mine], alpha=0.2)
    axes.set_xlabel("training images per type")
    axes.set_ylabel("concordance with labels")
    axes.legend(title="cross-validated on")
    axes.grid(alpha=0.3)
    _save(figure, path)
    pyplot.close(figure)


def _save(figure, path: str | Path) -> None:
    path = Path(path)
    with atomic_open(path, "wb") as handle:
        figure.savefig(handle, format=path.suffix.lstrip(".") or "png", dpi=150)
