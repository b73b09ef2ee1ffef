"""How crops cut by hand are framed and focused: how much of each crop its chromosome spans, how many pixels long
it is, and how blurred its edges are.

A model reads a crop resized to its input, so the margin a person leaves around the
chromosome, and the magnification it was imaged at, set how large and how sharp the
chromosome looks to it. The paper's crops were cut with the chromosome spanning 74% (WT)
and 78% (CTF18-/-) of them (medians, each crop's larger share of its width and height),
whatever their type, and it was 60 and 63 px long. Framed otherwise, the same chromosomes
are typed otherwise: the released ensemble called the paper's WT crops 32% open (B or C)
as cut, 40% with a tenth of their size added around them (span 62%), 49% with a quarter
(50%), and 25% cut closer (90%); 39% resized to 0.7 of their size and 42% to half, but
31% to 1.5; and 39% blurred by a Gaussian of 0.5 px, 53% of 1 px, as imaged out of focus
(``benchmarks/crop_framing.py``). Samples whose crops were cut or imaged otherwise, by two
people, habits or microscopes, would differ by that as well as by their cells:
:func:`framing_caution` says so where ``compare`` tests them, and
:func:`learned_framing_caution` where a model that learned other crops types them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .images import channel_mean
from .sample_crops import remembered_by_file, spread_through

# what another margin, another magnification and blur did to the calls (benchmarks/crop_framing.py)
MARGIN_COST = ("the released ensemble called the paper's WT crops 32% open as cut, spanning 74%, 40% with a tenth of "
               "their size added around them, spanning 62%, and 25% cut closer, spanning 90%")
SCALE_COST = ("the released ensemble called the paper's WT crops 32% open as imaged, their chromosomes 60 px long, 39% "
              "resized to 0.7 of their size and 42% to half")
FOCUS_COST = ("the released ensemble called the paper's WT crops 32% open as imaged, their edges blurred over 1.19 px, "
              "39% blurred by a Gaussian of 0.5 px more and 53% of 1 px")
# samples whose crops' median spans lie further apart than this are cautioned: the paper's two genotypes' lie 0.04
# apart; 0.125 moved the released ensemble's open share by 8 points on the paper's WT crops (a tenth added around)
SPANS_APART = 0.1
# or whose chromosomes' median lengths differ by more than this factor: another magnification, not the type mix (the
# paper's WT chromosomes of type A are 65 px long, of B 54 px: 1.2 times; its two genotypes' 60 and 63 px)
LENGTHS_APART = 1.3
# or whose chromosomes' edges are blurred further apart than this, in px, as blurs add (the square root of the
# difference of their squares). The paper's WT crops read 1.19 px, blurred by a Gaussian of 0.5 px 1.25 (0.40 apart),
# of 0.75 px 1.36 (0.66), of 1 px 1.48 (0.88). Blur in px grows with the magnification as the length does (the WT
# crops resized to 1.1 read 1.33 px, to 1.2 1.46 px, and were typed about as imaged, 34% and 32% open), so it is
# compared only between samples whose median lengths lie within FOCUS_LENGTHS_APART of each other: one magnification,
# and mixes of types not far apart (a sample of type C alone against the paper's WT: 1.14 times shorter, not
# compared). The paper's CTF18-/- crops read 1.33 px, 0.60 apart from its WT's, and are 1.05 times longer (type by
# type, 5-15%): the crops cannot say whether they were imaged less sharply or larger. Drawn at random (2,000 pairs,
# benchmarks/sample_framing.py), 30 crops each, WT against CTF18-/- were cautioned 3.2% of the time, WT against WT
# blurred by 1 px 61%, and WT resized to 1.2 of their size 16%; 400 crops each (FRAMING_CROPS): 0%, 99.8% and 0.1%.
# WT blurred by 0.75 px, which the released ensemble called 47% open: 12%, 0.1%. Against the released models' crops
# (PAPER_BLURS), 10 of the paper's crops drawn at random were cautioned 0.03% of the time
BLUR_APART, FOCUS_LENGTHS_APART = 0.75, 1.1
# the paper's shared WT and CTF18-/- crops' medians: its test crops, which the released models did not learn, taken for
# its training crops, which its authors cut alike and did not share
PAPER_SPANS, PAPER_LENGTHS, PAPER_BLURS = (0.743, 0.783), (60.0, 63.0), (1.186, 1.331)
# crops read a sample, spread through it. Medians of few are noisy (a length by 4-5 px from 100), and focus is compared
# only within FOCUS_LENGTHS_APART: drawn at random, two samples of the paper's WT crops lay outside it 9.5% of the time
# from 100 crops each, 0.1% from 400; WT against CTF18-/- (1.05 times apart by all their crops) 20% and 5%
# (benchmarks/sample_framing.py). 0.8 s a sample, decoding included, on the 2-core machine of 2026-12-06 without
# AVX-512; each crop read once however often it is asked (file_framing)
FRAMING_CROPS = 400
# the fewest crops read a sample for a caution: the paper's WT against its CTF18-/- crops, drawn at random, were
# cautioned as compared 1.0-1.6% of the time from 30 crops each (11-17% from 8-10), and as unlike the released models'
# crops 0.5% from 10 (0.0% from 15)
FEWEST_COMPARED, FEWEST = 30, 10


@dataclass(frozen=True)
class Framing:
    """How a crop, or a sample's crops (medians), frame the chromosome, and how sharply they show it."""

    span: float  # the larger of the chromosome's extent's shares of the crop's width and height
    length: float  # the chromosome's longer extent, in pixels
    blur: float  # its edges' blur, in px (sccscore.spread_imaging.edge_blur): the focus
    n: int = 1  # the crops it is the median of

    def record(self) -> dict[str, float]:
        """Rounded as a JSON file or a page shows it (``crops_read``: :attr:`n`).

        >>> Framing(0.74321, 60.0, 1.1938, 100).record()
        {'span': 0.743, 'length': 60.0, 'blur': 1.19, 'crops_read': 100}
        """
        return {"span": round(self.span, 3), "length": round(self.length, 1), "blur": round(self.blur, 2),
                "crops_read": self.n}


def crop_framing(rgb: np.ndarray) -> Framing | None:
    """How a crop frames its chromosome, found as the paper's preprocessing finds it
    (:func:`sccscore.preprocess.main_object`), and how blurred its edges are
    (:func:`sccscore.spread_imaging.edge_blur`, read on the crop's grey, whatever its contrast); None for a crop of
    one shade.

    >>> crop = np.full((100, 50, 3), 255, np.uint8)
    >>> crop[10:90, 20:30] = 40  # a chromosome 80 px long, 10 px wide
    >>> framing = crop_framing(crop)
    >>> framing.span, framing.length, round(framing.blur, 2)  # its edges as sharp as pixels make them
    (0.8, 80.0, 0.44)
    >>> from scipy import ndimage
    >>> [round(crop_framing(ndimage.gaussian_filter(crop, (sd, sd, 0))).blur, 2) for sd in (1, 2)]  # out of focus
    [1.06, 1.93]
    >>> round(crop_framing((crop * 0.5 + 127).astype(np.uint8)).blur, 2)  # stained paler: as sharp
    0.44
    """
    from .spread_imaging import edge_blur  # scipy's and scikit-image's, for compare alone: not where a table is read
    from .preprocess import main_object

    if (found := main_object(rgb)) is None:
        return None
    rows, columns = np.nonzero(found[0])
    height, width = rows.max() - rows.min() + 1, columns.max() - columns.min() + 1
    blur = edge_blur(channel_mean(rgb), found[0])
    return Framing(float(max(height / rgb.shape[0], width / rgb.shape[1])), float(max(height, width)), blur)


def sample_framing(paths: Sequence[str | Path], most: int = FRAMING_CROPS) -> Framing | None:
    """The medians of :func:`crop_framing` over a sample's crops, of up to ``most`` spread evenly through them; None
    where none can be read."""
    framings = [file_framing(path) for path in spread_through(paths, most)]
    if not (found := [(f.span, f.length, f.blur) for f in framings if f is not None]):
        return None
    return Framing(*(float(median) for median in np.median(found, axis=0)), len(found))


# the crop in a file's crop_framing, None where it cannot be read or is of one shade: remembered by the file, as a
# compare of folders asks for each sample's framing three times (sccscore.sample_crops.remembered_by_file)
file_framing = remembered_by_file(crop_framing)


def sample_framings(crops: Mapping[str, Sequence[str | Path]]) -> dict[str, Framing | None]:
    """Each sample's :func:`sample_framing` (``crops``: sample -> its crops)."""
    return {name: sample_framing(paths) for name, paths in crops.items()}


def framing_caution(framings: Mapping[str, Framing | None], said: Sequence[str] = ()) -> str | None:
    """A caution where compared samples' crops (``framings``: sample -> :func:`sample_framing`, the reference first)
    frame their chromosomes with spans further apart than :data:`SPANS_APART`, or lengths more than
    :data:`LENGTHS_APART` times apart, or (their lengths within :data:`FOCUS_LENGTHS_APART` times) show them blurred
    more than :data:`BLUR_APART` px apart; None where they are alike, or fewer than :data:`FEWEST_COMPARED` crops of
    each could be read (fewer say too little: chromosomes differ in length fivefold). What a caution ``said`` already
    says of them (:func:`learned_framing_caution` says it too, where the model learned crops unlike some samples') is
    left out.

    >>> print(framing_caution({"wt": Framing(0.74, 60, 1.2, 100), "ko": Framing(0.52, 58, 1.2, 100)}))
    ... # doctest: +NORMALIZE_WHITESPACE
    the chromosomes span 74% of their crops in wt and 52% in ko (medians): crops cut with another margin are typed
    otherwise, whatever the cells (the released ensemble called the paper's WT crops 32% open as cut, spanning 74%,
    40% with a tenth of their size added around them, spanning 62%, and 25% cut closer, spanning 90%): cut every
    sample's crops alike
    >>> print(framing_caution({"wt": Framing(0.74, 60, 1.2, 100), "ko": Framing(0.76, 40, 1.2, 100)}))
    ... # doctest: +NORMALIZE_WHITESPACE
    the chromosomes are 60 px long in wt and 40 px in ko (medians): chromosomes imaged at another magnification (or
    crops resized) are typed otherwise, whatever the cells (the released ensemble called the paper's WT crops 32% open
    as imaged, their chromosomes 60 px long, 39% resized to 0.7 of their size and 42% to half): image every sample at
    one magnification, and keep its crops' pixels as imaged
    >>> print(framing_caution({"wt": Framing(0.74, 60, 1.2, 100), "ko": Framing(0.74, 60, 1.5, 100)}))
    ... # doctest: +NORMALIZE_WHITESPACE
    the chromosomes' edges are blurred over 1.20 px in wt and 1.50 px in ko (medians), as if ko had been imaged 0.9 px
    further out of focus than wt: chromosomes imaged less sharply are typed otherwise, whatever the cells (the
    released ensemble called the paper's WT crops 32% open as imaged, their edges blurred over 1.19 px, 39% blurred by
    a Gaussian of 0.5 px more and 53% of 1 px): image every sample in focus alike
    >>> framing_caution({"wt": Framing(0.74, 60, 1.2, 100), "ko": Framing(0.70, 52, 1.3, 100)}) is None
    True
    >>> framing_caution({"wt": Framing(0.74, 60, 1.2, 100), "ko": Framing(0.74, 72, 1.5, 100)}) is None  # larger
    True
    >>> framing_caution({"wt": Framing(0.74, 60, 1.2, 12), "ko": Framing(0.52, 58, 1.2, 12)}) is None  # too few crops
    True
    """
    apart = framings_apart(framings)
    parts = [f"{apart[aspect]}: {typed_otherwise}, whatever the cells ({cost}): {advice}"
             for aspect, (typed_otherwise, cost, advice) in _BETWEEN.items()
             if aspect in apart and not said_already(apart[aspect], said)]
    return "; and ".join(parts) or None


# what framing_caution says of each way compared samples' crops lie apart: how that types them, at what cost, and
# what to do
_BETWEEN = {"margin": ("crops cut with another margin are typed otherwise", MARGIN_COST,
                       "cut every sample's crops alike"),
            "length": ("chromosomes imaged at another magnification (or crops resized) are typed otherwise", SCALE_COST,
                       "image every sample at one magnification, and keep its crops' pixels as imaged"),
            "focus": ("chromosomes imaged less sharply are typed otherwise", FOCUS_COST,
                      "image every sample in focus alike")}


def framings_apart(framings: Mapping[str, Framing | None]) -> dict[str, str]:
    """How compared samples' crops (``framings``, of :data:`FEWEST_COMPARED` crops or more) lie apart, in words, for
    each of "margin", "length" and "focus" in which they do (:func:`framing_caution`).

    >>> framings_apart({"wt": Framing(0.74, 60, 1.2, 100), "ko": Framing(0.76, 40, 1.2, 100)})
    {'length': 'the chromosomes are 60 px long in wt and 40 px in ko (medians)'}
    """
    known = {name: f for name, f in framings.items() if f is not None and f.n >= FEWEST_COMPARED}
    if len(known) < 2:
        return {}
    spans, lengths, blurs = ({name: getattr(f, key) for name, f in known.items()} for key in ("span", "length", "blur"))
    apart = {}
    if max(spans.values()) - min(spans.values()) > SPANS_APART:
        apart["margin"] = (f"the chromosomes span {_each(spans, '{:.0%} of their crops in {}', '{:.0%} in {}')} "
                           "(medians)")
    if max(lengths.values()) > LENGTHS_APART * min(lengths.values()):
        apart["length"] = f"the chromosomes are {_each(lengths, '{:.0f} px long in {}', '{:.0f} px in {}')} (medians)"
    elif max(lengths.values()) <= FOCUS_LENGTHS_APART * min(lengths.values()) and (focus := blurs_apart(blurs)):
        apart["focus"] = focus  # blur in px compares at one magnification only: it grows with it
    return apart


def blurs_apart(blurs: Mapping[str, float], apart: float = BLUR_APART, whose: str = "the chromosomes'") -> str | None:
    """Where the samples' chromosomes' edges (``blurs``: sample -> median blur, px; of crops, or of spreads:
    :func:`sccscore.sample_cautions.imaging_apart`) are blurred more than ``apart`` px apart, as blurs add (in
    quadrature), how, in words (``whose``: whose chromosomes)."""
    sharpest, blurriest = min(blurs, key=blurs.get), max(blurs, key=blurs.get)
    if (extra := blur_beyond(blurs[blurriest], blurs[sharpest])) <= apart:
        return None
    return (f"{whose} edges are blurred over {_each(blurs, '{:.2f} px in {}', '{:.2f} px in {}')} "
            f"(medians), as if {blurriest} had been imaged {extra:.1f} px further out of focus than {sharpest}")


def apart_clause(made: str, here: str) -> str:
    """The clause a caution against what a model learned adds where the compared samples also lie apart in it
    (``here``: how, in words), so that compare says one caution of one cause.

    >>> apart_clause("imaged", "60 px long in wt and 40 px in ko")
    ', and samples imaged unlike each other apart, whatever the cells, as here 60 px long in wt and 40 px in ko'
    """
    return f", and samples {made} unlike each other apart, whatever the cells, as here {here}"


def said_already(here: str, said: Sequence[str]) -> bool:
    """Whether a caution ``said`` says already how compared samples lie apart (``here``, the words a caution between
    samples would say it in: :func:`apart_clause` keeps them word for word)."""
    return any(here in caution for caution in said)


def learned_framing_caution(framings: Mapping[str, Framing | None], model: str,
                            learned: tuple[tuple[float, float], tuple[float, float], tuple[float, float] | None]
                            ) -> str | None:
    """A caution where samples' crops (``framings``: sample -> :func:`sample_framing`) frame their chromosomes with a
    span further than :data:`SPANS_APART` outside the range of the crops ``model`` learned, or a length more than
    :data:`LENGTHS_APART` times shorter than theirs, or (their lengths within :data:`FOCUS_LENGTHS_APART` times of
    theirs) show them blurred more than :data:`BLUR_APART` px beyond the blurriest (``learned``: the lowest and
    highest median span, length and blur of its training crops' groups; the blur None where unknown); None where none
    does, or has fewer than :data:`FEWEST` crops read. Where the samples also lie apart in it, as
    :func:`framing_caution` reads them, it says so too (:func:`apart_clause`), and compare says it once.

    >>> framings = {"wt": Framing(0.75, 61, 1.2, 100), "ko": Framing(0.52, 60, 1.2, 100)}
    >>> learned = (PAPER_SPANS, PAPER_LENGTHS, PAPER_BLURS)
    >>> print(said := learned_framing_caution(framings, "paper:squeezenet1_1", learned))
    ... # doctest: +NORMALIZE_WHITESPACE
    the chromosomes of ko span 52% of their crops (median), and paper:squeezenet1_1 learned crops they spanned
    74-78% of: crops cut with another margin are typed otherwise (the released ensemble called the paper's WT crops
    32% open as cut, spanning 74%, 40% with a tenth of their size added around them, spanning 62%, and 25% cut
    closer, spanning 90%), and samples cut unlike each other apart, whatever the cells, as here the chromosomes span
    75% of their crops in wt and 52% in ko (medians): read its shares as shifted, and cut and image crops as its
    training crops were, or train a model on crops of your own (sccscore train)
    >>> framing_caution(framings, [said]) is None  # said once where compared
    True
    >>> print(learned_framing_caution({"ko": Framing(0.75, 61, 1.7, 100)}, "paper:squeezenet1_1",
    ...                               (PAPER_SPANS, PAPER_LENGTHS, PAPER_BLURS)))  # doctest: +NORMALIZE_WHITESPACE
    the chromosomes of ko are blurred over 1.70 px (median), and paper:squeezenet1_1 learned chromosomes blurred over
    1.19-1.33 px: chromosomes imaged less sharply are typed otherwise (the released ensemble called the paper's WT
    crops 32% open as imaged, their edges blurred over 1.19 px, 39% blurred by a Gaussian of 0.5 px more and 53% of 1
    px): read its shares as shifted, and cut and image crops as its training crops were, or train a model on crops of
    your own (sccscore train)
    """
    (low, high), (shortest, longest), blurs = learned
    known = {name: f for name, f in framings.items() if f is not None and f.n >= FEWEST}
    spans = {name: f.span for name, f in known.items() if not low - SPANS_APART <= f.span <= high + SPANS_APART}
    # shorter only: resized to 1.5 of their size, the paper's WT crops were typed as imaged (31% open against 32%)
    lengths = {name: f.length for name, f in known.items() if f.length < shortest / LENGTHS_APART}
    # blur in px where the lengths say one magnification (it grows with it), beyond the blurriest crops learned
    blurred = {name: f.blur for name, f in known.items() if blurs and blur_beyond(f.blur, blurs[1]) > BLUR_APART
               and shortest / FOCUS_LENGTHS_APART <= f.length <= longest * FOCUS_LENGTHS_APART}
    apart = framings_apart(framings)
    clause = {aspect: apart_clause("cut" if aspect == "margin" else "imaged", here) for aspect, here in apart.items()}
    said = []
    if spans:
        said.append(f"the chromosomes of {', '.join(spans)} span {_listed(spans, '{:.0%}')} of their crops "
                    f"({_medians(spans)}), and {model} learned crops they spanned {100 * low:.0f}-{100 * high:.0f}% "
                    f"of: crops cut with another margin are typed otherwise ({MARGIN_COST}){clause.get('margin', '')}")
    if lengths:
        said.append(f"the chromosomes of {', '.join(lengths)} are {_listed(lengths, '{:.0f} px')} long "
                    f"({_medians(lengths)}), and {model} learned chromosomes {shortest:.0f}-{longest:.0f} px long: "
                    "chromosomes imaged at another magnification (or crops resized) are typed otherwise "
                    f"({SCALE_COST}){clause.get('length', '')}")
    if blurred:
        said.append(f"the chromosomes of {', '.join(blurred)} are blurred over {_listed(blurred, '{:.2f} px')} "
                    f"({_medians(blurred)}), and {model} learned chromosomes blurred over {blurs[0]:.2f}-"
                    f"{blurs[1]:.2f} px: chromosomes imaged less sharply are typed otherwise ({FOCUS_COST})"
                    f"{clause.get('focus', '')}")
    if not said:
        return None
    return ("; and ".join(said) + ": read its shares as shifted, and cut and image crops as its training crops were, "
            "or train a model on crops of your own (sccscore train)")


def blur_beyond(blur: float, than: float) -> float:
    """The blur, in px, that would take edges blurred over ``than`` px to ``blur`` px: blurs add in quadrature, as
    Gaussians do (0 where ``blur`` is the sharper).

    >>> round(blur_beyond(1.48, 1.19), 2)  # the paper's WT crops (1.19 px) blurred by a Gaussian of 1 px read 1.48
    0.88
    """
    return float(np.sqrt(max(blur**2 - than**2, 0.0)))


def _each(values: Mapping[str, float], first: str, rest: str) -> str:
    """Each sample's value in words, the first in the ``first`` form: "74% of their crops in wt and 52% in ko"."""
    words = [(first if i == 0 else rest).format(value, name) for i, (name, value) in enumerate(values.items())]
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _listed(values: Mapping[str, float], form: str) -> str:
    return ", ".join(form.format(value) for value in values.values())


def _medians(values: Mapping[str, float]) -> str:
    return "medians, in that order" if len(values) > 1 else "median"
