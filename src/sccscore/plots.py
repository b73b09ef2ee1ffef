"""Figures, written as PNG (and SVG where asked) with matplotlib's non-interactive backend.

Sample names are drawn in the lab's own script: matplotlib's DejaVu Sans has no
Japanese, Chinese or Korean, so each character it lacks is drawn from the first of
:data:`FALLBACK_FONTS` installed. Where none has it, the figure warns once, naming the
characters, rather than leave boxes in their place unsaid.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ._atomic import atomic_open

# fonts with the CJK scripts, as macOS, Windows and Linux ship or install them
FALLBACK_FONTS = ("Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", "MS Gothic", "Microsoft YaHei",
                  "Malgun Gothic", "Apple SD Gothic Neo", "PingFang SC", "Noto Sans CJK JP", "Noto Sans JP",
                  "Source Han Sans JP", "IPAexGothic", "WenQuanYi Micro Hei")
_MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from font")  # matplotlib's warning, a character at a time


def _figure():
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and no window opened
    from matplotlib import font_manager, pyplot

    pyplot.rcParams["font.family"] = font_families(font.name for font in font_manager.fontManager.ttflist)
    return pyplot


def _names_as_typed(plot: Callable[..., None]) -> Callable[..., None]:
    """``plot`` with matplotlib's settings of its own: "$" in a name drawn as typed, where matplotlib reads "KO $2 x$"
    as maths ("KO 2x" in italics); the settings it leaves as they were, for a notebook's own figures after."""

    @functools.wraps(plot)
    def plotted(*args: Any, **kwargs: Any) -> None:
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            plot(*args, **kwargs)

    return plotted


def font_families(installed: Iterable[str]) -> list[str]:
    """matplotlib's font, then the fallback fonts installed, in :data:`FALLBACK_FONTS`' order.

    Examples
    --------
    >>> font_families(["DejaVu Sans", "WenQuanYi Micro Hei", "Yu Gothic"])
    ['DejaVu Sans', 'Yu Gothic', 'WenQuanYi Micro Hei']
    """
    installed = set(installed)
    return ["DejaVu Sans"] + [name for name in FALLBACK_FONTS if name in installed]


@_names_as_typed
def plot_learning_curve(rows: Sequence[dict[str, Any]], path: str | Path) -> None:
    """Concordance against training images per type, one line per folder, folds' range shaded; a point whose
    training sets draw the same images again (``drawn_again``) hollow."""
    pyplot = _figure()
    from matplotlib.patches import Patch  # after _figure, which chooses the backend and fonts
    figure, axes = pyplot.subplots(figsize=(5, 3.5), layout="constrained")
    for group in dict.fromkeys(row["group"] for row in rows):
        mine = [row for row in rows if row["group"] == group]
        sizes = [row["n_per_type"] for row in mine]
        (line,) = axes.plot(sizes, [row["concordance"] for row in mine], marker="o", label=group)
        again = [row for row in mine if row.get("drawn_again")]
        axes.plot([row["n_per_type"] for row in again], [row["concordance"] for row in again], "o",
                  color=line.get_color(), markerfacecolor="white")
        axes.fill_between(sizes, [row["concordance_min"] for row in mine],
                          [row["concordance_max"] for row in mine], alpha=0.2)
    if any(row.get("drawn_again") for row in rows):
        axes.set_title("hollow: the same training images drawn again", fontsize="small")
    axes.set_xlabel("training images per type")
    axes.set_ylabel("concordance with labels")
    handles, labels = axes.get_legend_handles_labels()  # the lines, and what the shading is: no eye can tell
    axes.legend([*handles, Patch(color="grey", alpha=0.2)], [*labels, "folds' range"], title="cross-validated on")
    axes.grid(alpha=0.3)
    _save(figure, path)
    pyplot.close(figure)


# one colour a type in the charts and on the spreads' overlays: Okabe and Ito's colours, told apart with the
# common colour blindnesses, strong enough to read as 2 px boxes over a stained spread
TYPE_COLOURS = {"A": "#009e73", "B": "#e69f00", "C": "#d55e00"}


@_names_as_typed
def plot_distributions(comparison: dict[str, Any], paths: Sequence[str | Path], interval: str = "ci") -> None:
    """Stacked A/B/C bars per sample with 95% intervals on each type's share (the paper's Fig. 5).

    ``interval``: the groups' key of the intervals drawn (:func:`sccscore.compare.share_intervals`).
    """
    pyplot = _figure()
    names = list(comparison["groups"])
    figure, axes = pyplot.subplots(figsize=(1.2 + 1.1 * len(names), 3.6), layout="constrained")
    bottom, positions = [0.0] * len(names), list(range(len(names)))
    classes = comparison["classes"]
    for index, cls in enumerate(classes):
        shares = [100 * comparison["groups"][n]["distribution"][index] for n in names]
        low = [100 * comparison["groups"][n][interval][0][index] for n in names]
        high = [100 * comparison["groups"][n][interval][1][index] for n in names]
        axes.bar(positions, shares, bottom=bottom, color=TYPE_COLOURS.get(cls), label=f"type {cls}", width=0.6)
        tops, below, above = stacked_error_bars(bottom, shares, low, high)
        offset = 0.15 * (index - (len(classes) - 1) / 2)  # side by side: wide intervals (few cells) overlap
        axes.errorbar([x + offset for x in positions], tops, yerr=[below, above], fmt="none", ecolor="black",
                      capsize=3, linewidth=0.8)
        bottom = tops
    axes.set_xticks(positions, names)
    axes.set_ylabel("chromosomes (%)")
    axes.set_ylim(0, 105)
    axes.legend(loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    _save(figure, *paths)
    pyplot.close(figure)


def stacked_error_bars(bottoms: Sequence[float], shares: Sequence[float], low: Sequence[float],
                       high: Sequence[float]) -> tuple[list[float], list[float], list[float]]:
    """Where a stacked segment's top is drawn, and how far its error bar reaches below and above it (percent).

    The bar shows where the top could lie given its type's interval. It stops at 100%, past which no stack
    reaches: intervals from few cells are wide enough to pass it.

    Examples
    --------
    >>> stacked_error_bars([50.0, 10.0], [40.0, 20.0], [0.0, 15.0], [100.0, 26.0])  # from 2 cells; from many
    ([90.0, 30.0], [40.0, 5.0], [10.0, 6.0])
    >>> a, b, c = (100 * n / 48 for n in (12, 25, 11))  # type C's top is 100 + 1e-14
    >>> stacked_error_bars([a + b], [c], [15.0], [35.0])[2]
    [0.0]
    """
    tops = [b + s for b, s in zip(bottoms, shares)]
    below = [s - lo for s, lo in zip(shares, low)]
    above = [max(0.0, min(hi - s, 100 - top)) for s, hi, top in zip(shares, high, tops)]  # never negative
    return tops, below, above


@_names_as_typed
def plot_cells(open_shares: dict[str, Sequence[float]], paths: Sequence[str | Path],
               replicates: dict[str, Sequence[str]] | None = None) -> None:
    """Each cell's B+C (open) share as a point, per sample, with the samples' mean per cell as a bar.

    The figure cohesion papers draw: cells are the independent units, and their spread
    shows whether a shift is carried by every cell or by a few. Where ``replicates``
    names each cell's replicate (in the order of its shares), it is a SuperPlot (Lord et
    al., J Cell Biol 2020): cells coloured by replicate, each replicate's mean a large
    marker, and the bar the mean of the replicates' means, the unit then tested.
    """
    import numpy as np

    pyplot = _figure()
    names = list(open_shares)
    figure, axes = pyplot.subplots(figsize=(1.2 + 1.1 * len(names) + (1.2 if replicates else 0), 3.6),
                                   layout="constrained")
    palette = pyplot.get_cmap("tab10").colors  # one colour per replicate name, alike in every sample
    replicate_names = sorted({r for labels in (replicates or {}).values() for r in labels})
    colour_of = {r: palette[i % len(palette)] for i, r in enumerate(replicate_names)}
    rng = np.random.default_rng(0)  # the same jitter on every run, so two reports of one table look alike
    for x, name in enumerate(names):
        shares = 100 * np.asarray(open_shares[name], float)
        labels = np.asarray(replicates[name]) if replicates else None
        colours = [colour_of[r] for r in labels] if replicates else TYPE_COLOURS["B"]
        axes.scatter(x + rng.uniform(-0.18, 0.18, len(shares)), shares, s=22, color=colours, alpha=0.8, linewidths=0)
        if replicates:
            means = [shares[labels == r].mean() for r in dict.fromkeys(labels)]
            axes.scatter(x + np.linspace(-0.12, 0.12, len(means)), means, s=90, edgecolors="black", zorder=3,
                         color=[colour_of[r] for r in dict.fromkeys(labels)])
        axes.hlines(np.mean(means) if replicates else shares.mean(), x - 0.3, x + 0.3, color="black", linewidth=1.5)
    axes.set_xticks(range(len(names)), [f"{n}\n{len(open_shares[n])} cells" + (
        f"\n{len(set(replicates[n]))} replicates" if replicates else "") for n in names])
    if replicates:
        for r, colour in colour_of.items():
            axes.scatter([], [], color=colour, edgecolors="black", label=r)
        axes.legend(title="replicate", loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    axes.set_ylabel("B+C (open) per cell (%)")
    axes.set_ylim(-3, 103)
    axes.set_xlim(-0.6, len(names) - 0.4)
    axes.grid(axis="y", alpha=0.3)
    _save(figure, *paths)
    pyplot.close(figure)


def _save(figure, *paths: str | Path) -> None:
    """Write the figure to each path, in the format its suffix names; characters no font has are said once."""
    missing: dict[str, None] = {}
    for path in map(Path, paths):
        with warnings.catch_warnings(record=True) as caught, atomic_open(path, "wb") as handle:
            warnings.simplefilter("always")
            figure.savefig(handle, format=path.suffix.lstrip(".") or "png", dpi=150)
        for warning in caught:
            if match := _MISSING_GLYPH.match(str(warning.message)):
                missing[chr(int(match[1]))] = None
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    if missing:
        warnings.warn(f"figure {Path(paths[0]).stem} in {Path(paths[0]).parent}: no font on this machine draws "
                      f"{''.join(missing)}, so it has boxes in their place (the tables and the report's text have "
                      "them); install a font with them, such as Noto Sans CJK, for the figures", stacklevel=3)

