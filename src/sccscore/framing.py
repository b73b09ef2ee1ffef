"""How crops cut by hand are framed: how much of each crop its chromosome spans.

A model reads a crop resized to its input, so the margin a person leaves around the
chromosome sets how large the chromosome looks to it. The paper's crops were cut with
the chromosome spanning 74% (WT) and 78% (CTF18-/-) of them (medians, each crop's larger
share of its width and height), whatever their type. Cut otherwise, the same chromosomes
are typed otherwise: the released ensemble called the paper's WT crops 32% open (B or C)
as cut, 40% with a tenth of their size added around them (span 62%), 49% with a quarter
(50%), and 25% cut closer (90%) (``benchmarks/crop_framing.py``). Samples whose crops were
cut differently, by two people or two habits, would differ by that as well as by their
cells: :func:`framing_caution` says so where ``compare`` tests them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path

import numpy as np

from .errors import ImageReadError
from .images import read_crop

# what another margin did to the calls (benchmarks/crop_framing.py)
MEASURED = ("the released ensemble called the paper's WT crops 32% open as cut, spanning 74%, 40% with a tenth of "
            "their size added around them, spanning 62%, and 25% cut closer, spanning 90%")
# samples whose crops' median spans lie further apart than this are cautioned: the paper's two genotypes' lie 0.04
# apart; 0.125 moved the released ensemble's open share by 8 points on the paper's WT crops (a tenth added around)
SPANS_APART = 0.1
PAPER_SPANS = (0.743, 0.783)  # the paper's WT and CTF18-/- crops' median spans, which the released models learned
SPAN_CROPS = 100  # crops read a sample, spread through it: its median span within 0.02 of all its crops', in 0.06 s


def chromosome_span(rgb: np.ndarray) -> float | None:
    """The share of a crop its chromosome spans: the larger of its extent's shares of the crop's width and height,
    the chromosome found as the paper's preprocessing finds it (:func:`sccscore.preprocess.main_object`); None for a
    crop of one shade.

    >>> crop = np.full((100, 50, 3), 255, np.uint8)
    >>> crop[10:90, 20:30] = 40  # a chromosome 80 px long, 10 px wide
    >>> chromosome_span(crop)
    0.8
    """
    from .preprocess import main_object  # scipy's, for compare alone: not where a table is read

    if (found := main_object(rgb)) is None:
        return None
    rows, columns = np.nonzero(found[0])
    return float(max((rows.max() - rows.min() + 1) / rgb.shape[0], (columns.max() - columns.min() + 1) / rgb.shape[1]))


def sample_span(paths: Sequence[str | Path], most: int = SPAN_CROPS) -> float | None:
    """The median :func:`chromosome_span` of a sample's crops, of up to ``most`` spread evenly through them; None
    where none can be read."""
    chosen = [paths[int(i)] for i in np.unique(np.linspace(0, len(paths) - 1, min(most, len(paths))).round())]
    spans = []
    for path in chosen:
        with suppress(ImageReadError):  # said where it was classified
            spans.append(chromosome_span(read_crop(path)))
    return float(np.median(found)) if (found := [span for span in spans if span is not None]) else None


def sample_spans(crops: Mapping[str, Sequence[str | Path]]) -> dict[str, float | None]:
    """Each sample's :func:`sample_span` (``crops``: sample -> its crops)."""
    return {name: sample_span(paths) for name, paths in crops.items()}


def framing_caution(spans: Mapping[str, float | None]) -> str | None:
    """A caution where compared samples' crops were cut with their chromosomes spanning shares further apart than
    :data:`SPANS_APART` (``spans``: sample -> :func:`sample_span`, the reference first); None where they are alike
    or cannot be read.

    >>> print(framing_caution({"wt": 0.74, "ko": 0.52}))  # doctest: +NORMALIZE_WHITESPACE
    the chromosomes span 74% of their crops in wt and 52% in ko (medians): crops cut with another margin are typed
    otherwise, whatever the cells (the released ensemble called the paper's WT crops 32% open as cut, spanning 74%,
    40% with a tenth of their size added around them, spanning 62%, and 25% cut closer, spanning 90%): cut every
    sample's crops alike
    >>> framing_caution({"wt": 0.74, "ko": 0.70}) is None
    True
    """
    known = {name: span for name, span in spans.items() if span is not None}
    if len(known) < 2 or max(known.values()) - min(known.values()) <= SPANS_APART:
        return None
    each = [f"{100 * span:.0f}% of their crops in {name}" if i == 0 else f"{100 * span:.0f}% in {name}"
            for i, (name, span) in enumerate(known.items())]
    return (f"the chromosomes span {', '.join(each[:-1])} and {each[-1]} (medians): crops cut with another margin are "
            f"typed otherwise, whatever the cells ({MEASURED}): cut every sample's crops alike")


def learned_framing_caution(spans: Mapping[str, float | None], model: str, learned: tuple[float, float]) -> str | None:
    """A caution where samples' crops (``spans``: sample -> :func:`sample_span`) were cut with their chromosomes
    spanning a share further than :data:`SPANS_APART` outside the range of those ``model`` learned (``learned``, the
    lowest and highest median of its training crops' groups); None where none was.

    >>> print(learned_framing_caution({"wt": 0.75, "ko": 0.52}, "paper:squeezenet1_1", PAPER_SPANS))
    ... # doctest: +NORMALIZE_WHITESPACE
    the chromosomes of ko span 52% of their crops (median), and paper:squeezenet1_1 learned crops they spanned
    74-78% of: crops cut with another margin are typed otherwise (the released ensemble called the paper's WT crops
    32% open as cut, spanning 74%, 40% with a tenth of their size added around them, spanning 62%, and 25% cut
    closer, spanning 90%): read its shares as shifted by the margin, and cut crops as its training crops were, or
    train a model on crops of your own (sccscore train)
    """
    low, high = learned
    far = {name: span for name, span in spans.items()
           if span is not None and not low - SPANS_APART <= span <= high + SPANS_APART}
    if not far:
        return None
    names, shares = ", ".join(far), ", ".join(f"{100 * span:.0f}%" for span in far.values())
    medians = "medians, in that order" if len(far) > 1 else "median"
    return (f"the chromosomes of {names} span {shares} of their crops ({medians}), and {model} learned crops they "
            f"spanned {100 * low:.0f}-{100 * high:.0f}% of: "
            f"crops cut with another margin are typed otherwise ({MEASURED}): read its shares as shifted by the "
            "margin, and cut crops as its training crops were, or train a model on crops of your own (sccscore train)")
