"""What besides their cells could make the samples compared be typed apart: how their crops were imaged, saved
and cut.

A model types raw crops far off the preprocessed ones it learned, and the reverse, grey
crops far off the colour ones it learned, crops saved as JPEG with their colour halved
otherwise than crops with it whole, crops whose white background is grainier or smoother
otherwise, crops cut with other margins or out of focus otherwise than those it learned
(:mod:`sccscore.framing`), and the chromosomes of spreads read at another ``--scale``,
or imaged out of focus or with noisier pixels, otherwise; and a model trained on raw
crops pooled with preprocessed ones, in shares unlike between the types, learns how a
crop was made as a sign of its type. The checks of crops read some spread through each
sample (:mod:`sccscore.sample_crops`), each crop's answer remembered by its file, so a
compare reads it once. Where two samples' crops lie apart in any of these, compare says
so under their verdict too (:func:`made_apart`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from statistics import median

from .config import GREY_CROPS_MODEL, reads_in_grey
from .errors import SccscoreError
from .framing import Framing, apart_clause, blurs_apart, framings_apart, said_already, sample_framings
from .images import CLASS_NAMES, JPEG_FORMATS
from .layout import number, run_folder, run_rows
from .predictions_table import crops_by_sample, from_spreads, one_row_a_crop, samples_by
from .sample_crops import colour_of, crop_greys, halved_crops, sample_white_around, sample_white_texture
from .words import listing, noun

# what grey crops cost a model of colour ones (tests/test_paper_figures.py)
GREY_CROPS_COST = "the paper's WT crops read 47% open made grey and 32% as they are, by paper:squeezenet1_1"
# what halving crops' colour by JPEG, once or again, did to the released models' calls (benchmarks/unseen_changes.py)
JPEG_COLOUR_COST = ("the released ensemble called the crops sccscore cuts from the annotated spreads 60.9% C as PNG "
                    "and 66.8% saved as JPEG with their colour at half resolution, and the paper's CTF18-/- crops, "
                    "most saved so, 26.6% C as shared, 34.5% with their colour halved again and 26.6% with it whole, "
                    "even at JPEG quality 50 24.9%; its 30 models each called more C with the colour halved")
# what changes to the white's texture did to the released models' calls, each with the texture (white_texture) it
# left (benchmarks/white_texture.py)
TEXTURE_COST = ("the released ensemble called the paper's CTF18-/- crops 26.6% C as shared, their white's texture "
                "0.85; 20.9% with noise of half a grey level added to it, 1.69; 30.5% with it painted flat white, 0; "
                "29.0% exposed 1.1 times as long, 0.03; and 24.9% saved again as JPEG of quality 50 with the colour "
                "whole, 0.31")
# samples whose crops' white is this many times as grainy as others' are cautioned. Drawn at random, the paper's WT
# and CTF18-/- crops' medians lay up to 1.35 times apart from 100 crops each (1.43 one time in a thousand), 1.24 from
# 400 (99th percentiles; sccscore.sample_crops.TEXTURE_CROPS). Noise of 0.3, 0.4 and 0.5 grey levels added to the
# CTF18-/- crops' white made it 1.33, 1.69 and 1.99 times as grainy, and took the released ensemble's C share from 26.6%
# to 23.0, 21.1 and 20.9%. Smoother, C moved either way: painted flat white (0 times) to 30.5%, exposed 1.1 times as
# long (the white clipped, 0.03) to 29.0%, saved again as JPEG of quality 50 (0.36 with the colour whole, 0.61 halved)
# to 24.9% and 33.3%, blurred by 0.5 px (0.76) to 25.2% (benchmarks/white_texture.py): a white this far from another's
# says the crops were made otherwise, not which way their calls moved
TEXTURE_APART = 1.4
# the fewest crops with a white background read a sample for that caution (above); and a white varying less than
# this, in grey levels, is flat: two such are alike, whatever their ratio
FEWEST_TEXTURED, FLAT_WHITE = 100, 0.05
# the white's texture of the paper's shared WT and CTF18-/- crops (medians of all their crops:
# benchmarks/white_texture.py): its test crops, which the released models did not learn, taken for its training crops,
# which its authors made alike and did not share (as sccscore.framing.PAPER_SPANS)
PAPER_TEXTURES = (0.745, 0.853)
# what raw crops, their background as imaged, cost a model that learned crops the paper's preprocessing made white
# around the chromosome (benchmarks/raw_crops.py; tests/test_preprocess.py pins the figures)
RAW_COST = ("the released ensemble gave 40.2% of raw crops cut from the four annotated oshima2026 spreads their "
            "annotated type as they were, calling A / B / C 44.6 / 36.1 / 19.3% where the annotation says 22.5 / 26.5 "
            "/ 51.0%, and 54.2% given the paper's preprocessing")
# a sample more than a tenth of whose crops read (of 10 or more) have no white around the chromosome
# (sccscore.sample_crops.WHITE_AROUND) is of raw crops, or of raw and preprocessed ones pooled: every one of the
# paper's crops has one, and every crop its preprocessing makes of the 249 raw crops above, and none of those raw
# crops as they were (benchmarks/raw_crops.py)
FEWEST_RAW, RAW_SHARE = 10, 0.1
# what preprocessing crops preprocessed already does: a sample of raw and preprocessed crops cannot be given it whole
PREPROCESSED_AGAIN_COST = "the paper's WT crops, preprocessed again, were called 22.9% C against 8.4% as shared"
# the same chromosomes made the two ways, raw and preprocessed, typed by two models (benchmarks/raw_crops.py and
# benchmarks/pooled_crops.py)
RAW_APART_COST = ("the released ensemble called the 249 chromosomes of the four annotated oshima2026 spreads 19.3% C "
                  "as cut, raw, and 57.0% preprocessed; a model of the paper's crops pooled with raw ones 67.1% and "
                  "4.8%")
# what preprocessed crops cost a model of raw ones (benchmarks/pooled_crops.py)
LEARNED_RAW_COST = ("a model of the raw crops of three annotated oshima2026 spreads (sccscore's default recipe) gave "
                    "62.7% of the fourth spread's chromosomes their annotated type as cut and 21.7% preprocessed, "
                    "calling 99.2% of them A (each spread held out in turn)")
# what a model learns of labelled crops that pool raw crops with preprocessed ones, the types' shares unlike between the
# two: the making, as a sign of the type (benchmarks/pooled_crops.py; tests/test_preprocess.py pins one held-out
# spread's)
POOLED_COST = ("trained on the paper's crops, preprocessed and 8.4% of WT's C, pooled with raw crops of three "
               "annotated oshima2026 spreads, half of them C, sccscore's default recipe called the fourth spread's "
               "chromosomes 67.1% C as cut and 4.8% preprocessed, where the annotation says 51.0%, and 51 of the 122 "
               "annotated A or B C, against 33 trained on the spreads' crops preprocessed (each spread held out in "
               "turn)")


def colour_caution(rows: list[dict[str, str]], samples: Sequence[str], model: str | None) -> str | None:
    """A caution where some of the ``samples`` compared are of grey crops and others of colour ones, or one mixes
    them, each known by crops spread through it (:func:`sccscore.sample_crops.crop_greys`), and the ``model`` that typed
    them reads crops as they are: such a model types grey crops far off the colour ones it learned, or colour ones off
    the grey, so a difference between the samples would be partly the cameras'. None where the samples are alike,
    their crops cannot be read, the calls are of spreads or typed by hand, or the model reads every crop in grey."""
    if model is None or from_spreads(rows) or reads_in_grey(model) is not False:
        return None
    crops = crops_by_sample(rows)
    greys = {name: crop_greys(crops[name]) for name in samples}
    kinds = {name: colour_of(read) for name, read in greys.items()}
    named = {kind: [f"{name} ({sum(greys[name])} of the {len(greys[name])} read grey)" if kind == "grey and colour"
                    else name for name in samples if kinds[name] == kind]
             for kind in ("grey", "colour", "grey and colour")}
    present = [(kind, names) for kind, names in named.items() if names]
    if len(present) < 2 and not named["grey and colour"]:
        return None
    said = [f"the crops of {', '.join(names)} are {kind}" if i == 0 else f"those of {', '.join(names)} {kind}"
            for i, (kind, names) in enumerate(present)]
    return listing(said) + (
        f", and {model} reads crops as they are: a difference between them is partly the cameras', not the cells' "
        f"({GREY_CROPS_COST}); classify every sample with --model {GREY_CROPS_MODEL}, which reads every crop in grey, "
        "or compare samples imaged alike")


def jpeg_caution(rows: list[dict[str, str]], samples: Sequence[str], model: str | None) -> str | None:
    """A caution where most of some compared samples' colour crops were saved as JPEG with their colour at half
    resolution, as their files say or their pixels where saved again since, and most of others' with it whole
    (:func:`sccscore.sample_crops.colour_halved`, of up to 40 crops spread through each), and the ``model`` that
    typed them reads colour: the released models' B and C calls hang on it (benchmarks/unseen_changes.py). None
    where the samples were saved alike, none of their crops is read, the calls are of spreads or typed by hand, or
    the model reads every crop in grey."""
    if model is None or from_spreads(rows) or reads_in_grey(model) is not False:
        return None
    crops = crops_by_sample(rows)
    counts = {name: halved_crops(crops[name]) for name in samples}
    halved = [f"{name} ({n} of the {read} read)" for name, (n, read) in counts.items() if read and n > read / 2]
    whole = [name for name, (n, read) in counts.items() if read and n <= read / 2]
    if not halved or not whole:
        return None
    return (f"the crops of {', '.join(halved)} were saved as JPEG with their colour at half resolution (4:2:0), as "
            f"their files or pixels show, and those of {', '.join(whole)} with it whole (PNG, TIFF or JPEG 4:4:4, "
            f"never saved so), and {model} reads their colour: crops saved otherwise are typed otherwise, whatever the "
            f"cells ({JPEG_COLOUR_COST}): save every sample's crops alike")


def typed_crops_textures(rows: list[dict[str, str]], samples: Sequence[str], model: str | None,
                         preprocess: Mapping[str, str]) -> dict[str, tuple[float, int] | None] | None:
    """Each sample's white texture and the crops it is read from (:func:`sccscore.sample_crops.sample_white_texture`,
    the median of up to 400 crops spread through it), as the ``model`` that typed them read them (in grey where it
    reads every crop in grey, after the paper's preprocessing where the table says so of the sample: ``preprocess``,
    :func:`sccscore.predictions_table.preprocessed_with`); None for a table typed by hand (a person's calls, which the
    texture does not sway as it does a model's), and for chromosomes of spreads, which sccscore cut alike."""
    if (typed := _typed_crops(rows, model)) is None:
        return None
    crops, grey = typed
    return {name: sample_white_texture(crops[name], preprocess.get(name), grey) for name in samples}


def typed_crops_whites(rows: list[dict[str, str]], samples: Sequence[str], model: str | None,
                       preprocess: Mapping[str, str]) -> dict[str, tuple[int, int]] | None:
    """Each sample's crops with a white around the chromosome and its crops read
    (:func:`sccscore.sample_crops.sample_white_around`, of up to 400 spread through it), as the ``model`` that typed
    them read them, as :func:`typed_crops_textures` reads them, and None where it does."""
    if (typed := _typed_crops(rows, model)) is None:
        return None
    crops, grey = typed
    return {name: sample_white_around(crops[name], preprocess.get(name), grey) for name in samples}


def _typed_crops(rows: list[dict[str, str]], model: str | None) -> tuple[dict[str, list[str]], bool] | None:
    """Each sample's crops, and whether the ``model`` that typed them read them in grey; None for a table typed by
    hand and for chromosomes of spreads."""
    if from_spreads(rows) or not one_row_a_crop(rows):
        return None
    return crops_by_sample(rows), model is not None and reads_in_grey(model) is True


def texture_caution(textures: Mapping[str, tuple[float, int] | None], said: Sequence[str] = ()) -> str | None:
    """A caution where the white around the chromosomes of some compared samples' crops (``textures``: sample -> its
    median texture and the crops it is read from, :func:`typed_crops_textures`) is more than :data:`TEXTURE_APART`
    times as grainy as others': the models' B and C calls hang on that texture, which no eye sees. None where the
    samples are alike, or fewer than :data:`FEWEST_TEXTURED` crops of each are white around their chromosome, or
    where a caution ``said`` already says their textures (:func:`learned_texture_caution` says them too).

    >>> print(texture_caution({"wt": (0.73, 400), "ko": (1.70, 400)}))  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    the white around the chromosomes is grainier in some samples than in others, which no eye sees: its texture (the
    mean absolute Laplacian of green, in grey levels) reads 0.73 in wt, 1.70 in ko (medians): crops made, preprocessed
    or saved otherwise are typed otherwise, whatever the cells (...): make and save every sample's crops alike
    >>> [texture_caution(read) for read in ({"wt": (0.73, 400), "ko": (0.85, 400)},  # the paper's genotypes
    ...                                     {"wt": (0.0, 400), "ko": (0.03, 400)},  # both flat
    ...                                     {"wt": (0.73, 400), "ko": (1.70, 40)})]  # too few crops
    [None, None, None]
    """
    if (read := _textures_apart(textures)) is None or said_already(read, said):
        return None
    return (f"the white around the chromosomes is grainier in some samples than in others, which no eye sees: its "
            f"texture (the mean absolute Laplacian of green, in grey levels) {read}: crops made, preprocessed or saved "
            f"otherwise are typed otherwise, whatever the cells ({TEXTURE_COST}): make and save every sample's crops "
            "alike")


def _textures_apart(textures: Mapping[str, tuple[float, int] | None]) -> str | None:
    """The samples' white textures in words, where one is more than :data:`TEXTURE_APART` times as grainy as another
    (of those read from :data:`FEWEST_TEXTURED` crops or more); else None."""
    known = _textured(textures)
    if len(known) < 2 or max(known.values()) <= TEXTURE_APART * max(min(known.values()), FLAT_WHITE):
        return None
    return f"reads {', '.join(f'{texture:.2f} in {name}' for name, texture in known.items())} (medians)"


def raw_caution(whites: Mapping[str, tuple[int, int]], said: Sequence[str] = ()) -> str | None:
    """A caution where the shares of the compared samples' crops that have no white around the chromosome, as raw
    crops have none and the paper's preprocessing leaves one, lie more than a tenth apart (``whites``: sample -> its
    crops with a white and its crops read, :func:`typed_crops_whites`; :func:`_raw_apart`): the same chromosomes made
    the two ways are typed apart, whatever the cells. None where the samples are made alike, or where a caution
    ``said`` already says their shares (:func:`raw_crops_caution`, against what the model learned, says them too).

    >>> print(raw_caution({"wt": (400, 400), "ko": (0, 249)}))  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    the crops compared pool raw crops, with no white around the chromosome, with crops made white around it, as the
    paper's preprocessing makes them, in unlike shares: 0% of wt's crops read are raw and 100% of ko's. The same
    chromosomes made the two ways are typed apart, whatever the cells (...): make every sample's crops one way as the
    model reads them, raw or preprocessed (raw ones are preprocessed by classifying them apart with --preprocess
    paper, then comparing the tables with --predictions)
    >>> raw_caution({"wt": (400, 400), "ko": (380, 400), "few": (0, 5)}) is None
    True
    >>> whites = {"wt": (400, 400), "ko": (0, 249)}
    >>> raw_caution(whites, [raw_crops_caution(whites, "paper:squeezenet1_1")]) is None
    True
    """
    if (raw := _raw_apart(whites)) is None or said_already(_raw_shares(raw), said):
        return None
    return ("the crops compared pool raw crops, with no white around the chromosome, with crops made white around it, "
            f"as the paper's preprocessing makes them, in unlike shares: {_raw_shares(raw)}. The same chromosomes made "
            f"the two ways are typed apart, whatever the cells ({RAW_APART_COST}): make every sample's crops one "
            "way as the model reads them, raw or preprocessed (raw ones are preprocessed by classifying them apart "
            "with --preprocess paper, then comparing the tables with --predictions)")


def check_made_alike(preprocess: Mapping[str, str], whites: Mapping[str, tuple[int, int]] | None,
                     table: str | Path) -> None:
    """Refuse samples typed with two preprocessings (``preprocess``: sample -> "none" or "paper",
    :func:`sccscore.predictions_table.preprocessed_with`) unless their crops are made alike as the model read them:
    every sample's read (of :data:`FEWEST_RAW` crops or more; ``whites``: :func:`typed_crops_whites`, None where none
    could be) and their shares of raw crops, with no white around the chromosome, less than a tenth apart
    (:func:`_raw_apart`). So crops preprocessed on disk are compared with raw ones given --preprocess paper, and a
    difference between samples is not the preprocessing's where one sample was given it and another, as raw, not.
    The textures' caution then says what else of the making differs.

    >>> check_made_alike({"wt": "none", "ko": "paper"}, {"wt": (400, 400), "ko": (212, 212)}, "t.csv")
    >>> check_made_alike({"wt": "paper", "ko": "none"}, {"wt": (249, 249), "ko": (0, 66)}, "t.csv")
    Traceback (most recent call last):
    ...
    sccscore.errors.SccscoreError: t.csv: the chromosomes compared were preprocessed 2 ways (wt with --preprocess \
paper; ko with --preprocess none), and a difference between samples would be partly the preprocessing's: classify \
them all with one --preprocess (samples preprocessed two ways are compared where their crops, as the model read \
them, are made alike, as crops preprocessed on disk and raw crops given --preprocess paper are: here 0% of wt's \
crops read are raw and 100% of ko's)
    """
    if len(ways := set(preprocess.values())) < 2:
        return
    unread = [name for name in preprocess if whites is None or whites.get(name, (0, 0))[1] < FEWEST_RAW]
    if not unread and (raw := _raw_apart(whites)) is None:
        return
    which = "; ".join(f"{listing([s for s, w in preprocess.items() if w == way])} with --preprocess {way}"
                      for way in dict.fromkeys(preprocess.values()))
    here = (f"too few of the crops of {listing(unread)} could be read to tell" if unread else _raw_shares(raw))
    raise SccscoreError(f"{table}: the chromosomes compared were preprocessed {len(ways)} ways ({which}), and a "
                        "difference between samples would be partly the preprocessing's: classify them all with one "
                        "--preprocess (samples preprocessed two ways are compared where their crops, as the model "
                        "read them, are made alike, as crops preprocessed on disk and raw crops given --preprocess "
                        f"paper are: here {here})")


def _raw_apart(whites: Mapping[str, tuple[int, int]]) -> dict[str, float] | None:
    """Each group's share of raw crops, with no white around the chromosome, of its crops read (``whites``: group ->
    its crops with a white and its crops read; of :data:`FEWEST_RAW` or more), where they lie more than a tenth
    (:data:`RAW_SHARE`) apart; else None."""
    raw = {name: 1 - white / read for name, (white, read) in whites.items() if read >= FEWEST_RAW}
    return raw if len(raw) > 1 and max(raw.values()) - min(raw.values()) > RAW_SHARE else None


def _raw_shares(raw: Mapping[str, float]) -> str:
    """Each group's share of raw crops (:func:`_raw_apart`) in words."""
    (first, share), *others = raw.items()
    return listing([f"{100 * share:.0f}% of {first}'s crops read are raw",
                    *(f"{100 * share:.0f}% of {name}'s" for name, share in others)])


def learned_texture_caution(textures: Mapping[str, tuple[float, int] | None], model: str,
                            learned: tuple[float, float], preprocess: str | None = None,
                            compared: Mapping[str, tuple[float, int] | None] | None = None) -> str | None:
    """A caution where the white around some samples' chromosomes (``textures``: sample -> its median texture and the
    crops it is read from, :func:`sccscore.sample_crops.sample_white_texture`) is more than :data:`TEXTURE_APART`
    times as grainy or as smooth as that of the crops ``model`` learned (``learned``: the lowest and highest median of
    their groups); None where none is, or is read from fewer than :data:`FEWEST_TEXTURED` crops. Where the model is
    given the paper's preprocessing (``preprocess`` "paper"), which paints the white flat, and the samples read flat,
    it says so: every sample preprocessed so reads flat, whatever its crops. It does not advise saving them as JPEG
    after it, as the paper's crops were: with the released ensemble that gave the white of raw crops cut from the
    oshima2026 spreads its grain again (0.02 -> 1.29) but agreed with their annotated types 0.546 against 0.542, and
    the paper's own crops preprocessed again 0.630 against 0.656 (WT; ``benchmarks/raw_crops.py``). Where the samples'
    textures also lie apart, as :func:`texture_caution` reads them (of ``compared``, every sample compared where some
    were read with another preprocessing; else of ``textures``), it says so too
    (:func:`sccscore.framing.apart_clause`), and compare says it once.

    >>> print(learned_texture_caution({"wt": (0.8, 400), "ko": (0.02, 400), "few": (0.0, 30)}, "paper:squeezenet1_1",
    ...                               PAPER_TEXTURES))  # doctest: +NORMALIZE_WHITESPACE
    the white around the chromosomes of ko reads a texture of 0.02 (median), and paper:squeezenet1_1 learned crops
    whose white read 0.74-0.85 (the mean absolute Laplacian of green, in grey levels), which no eye sees: crops made,
    preprocessed or saved otherwise are typed otherwise (the released ensemble called the paper's CTF18-/- crops
    26.6% C as shared, their white's texture 0.85; 20.9% with noise of half a grey level added to it, 1.69; 30.5%
    with it painted flat white, 0; 29.0% exposed 1.1 times as long, 0.03; and 24.9% saved again as JPEG of quality 50
    with the colour whole, 0.31), and samples made unlike each other apart, whatever the cells, as here the white's
    texture reads 0.80 in wt, 0.02 in ko (medians): read its B and C shares as shifted, and make crops as its training
    crops were, or train a model on crops of your own (sccscore train)
    >>> learned_texture_caution({"wt": (0.8, 400), "ko": (1.1, 400)}, "paper:squeezenet1_1", PAPER_TEXTURES) is None
    True
    >>> print(learned_texture_caution({"wt": (0.003, 400)}, "paper:squeezenet1_1", PAPER_TEXTURES, "paper"))
    ... # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    the white around the chromosomes of wt reads a texture of 0.00 (median), ...: the paper's preprocessing
    (--preprocess paper) paints the white around a chromosome flat, so every sample preprocessed so reads flat, where
    the crops paper:squeezenet1_1 learned kept a grain (the paper's own, preprocessed so, kept that of the JPEG they
    were saved as after it; raw crops saved so regain the grain but are typed no nearer their annotated types):
    read its B and C shares as shifted, or train a model on crops of your own (sccscore train)
    """
    low, high = learned
    unlike = {name: texture for name, texture in _textured(textures).items()
              if not low / TEXTURE_APART <= texture <= high * TEXTURE_APART}
    if not unlike:
        return None
    read = ", ".join(f"{texture:.2f}" for texture in unlike.values())
    flattened = preprocess == "paper" and all(texture < FLAT_WHITE for texture in unlike.values())
    advice = (f"the paper's preprocessing (--preprocess paper) paints the white around a chromosome flat, so every "
              f"sample preprocessed so reads flat, where the crops {model} learned kept a grain (the paper's own, "
              "preprocessed so, kept that of the JPEG they were saved as after it; raw crops saved so regain the "
              "grain but are typed no nearer their annotated types): read its B and C shares as shifted"
              if flattened else
              "read its B and C shares as shifted, and make crops as its training crops were")
    between = _textures_apart(textures if compared is None else compared)
    apart = apart_clause("made", f"the white's texture {between}") if between else ""
    return (f"the white around the chromosomes of {', '.join(unlike)} reads a texture of {read} "
            f"({noun('median', len(unlike))}), and {model} learned crops whose white read {low:.2f}-"
            f"{high:.2f} (the mean absolute Laplacian of green, in grey levels), which no eye sees: crops made, "
            f"preprocessed or saved otherwise are typed otherwise ({TEXTURE_COST}){apart}: {advice}, or train a model "
            "on crops of your own (sccscore train)")


def _textured(textures: Mapping[str, tuple[float, int] | None]) -> dict[str, float]:
    """Each sample's white texture, of those read from :data:`FEWEST_TEXTURED` crops or more (fewer say too little)."""
    return {name: read[0] for name, read in textures.items() if read and read[1] >= FEWEST_TEXTURED}


def raw_crops_caution(whites: Mapping[str, tuple[int, int]], model: str) -> str | None:
    """A caution where more than a tenth of some samples' crops (:data:`RAW_SHARE`) have no white around the
    chromosome, as raw crops, their background as imaged, have none (``whites``: sample -> its crops with a white
    around the chromosome, as the model reads them, and its crops read;
    :func:`sccscore.sample_crops.sample_white_around`), and ``model`` learned crops white around it, as the paper's
    preprocessing makes them; None where no sample's are so, or are read from fewer than :data:`FEWEST_RAW` crops.
    Where the samples' shares of raw crops lie apart, it says what :func:`raw_caution` would
    (:func:`_raw_apart_clause`), and advises preprocessing the raw ones alone, as the others were preprocessed already.

    >>> print(raw_crops_caution({"ko": (0, 212), "few": (0, 5)}, "paper:squeezenet1_1"))
    ... # doctest: +NORMALIZE_WHITESPACE
    none of the 212 crops read of ko has a white around the chromosome (raw crops, their background as imaged, have
    none), and paper:squeezenet1_1 learned crops white around it, as the paper's preprocessing makes them: it types
    raw crops far off (the released ensemble gave 40.2% of raw crops cut from the four annotated oshima2026 spreads
    their annotated type as they were, calling A / B / C 44.6 / 36.1 / 19.3% where the annotation says 22.5 / 26.5 /
    51.0%, and 54.2% given the paper's preprocessing): give --preprocess paper, which makes it so, or train a model
    on crops of your own (sccscore train)
    >>> print(raw_crops_caution({"wt": (400, 400), "ko": (0, 212)}, "paper:squeezenet1_1"))
    ... # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    none of the 212 crops read of ko has a white around the chromosome (...: it types raw crops far off (...), and
    samples made unlike each other apart, whatever the cells, as here 0% of wt's crops read are raw and 100% of ko's
    (the released ensemble called the 249 chromosomes of the four annotated oshima2026 spreads 19.3% C as cut, raw,
    and 57.0% preprocessed; ...): give ko --preprocess paper alone (classify it apart with it, then compare the
    tables with --predictions), or train a model on crops of your own (sccscore train)
    >>> print(raw_crops_caution({"a": (3, 40), "b": (20, 40), "c": (38, 40)}, "m"))
    ... # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    37 of the 40 crops read of a and 20 of the 40 of b have no white around the chromosome (raw crops, ...: b pools
    raw crops with preprocessed ones, which the preprocessing would change again (the paper's WT crops, preprocessed
    again, were called 22.9% C against 8.4% as shared): preprocess the raw ones alone (classify them apart with
    --preprocess paper), or train a model on crops of your own (sccscore train)
    """
    raw = {name: (read - white, read) for name, (white, read) in whites.items()
           if read >= FEWEST_RAW and read - white > RAW_SHARE * read}
    if not raw:
        return None
    pooled = [name for name, (lacking, read) in raw.items() if lacking < (1 - RAW_SHARE) * read]
    apart = _raw_apart_clause(whites)
    advice = (f"{listing(pooled)} pool{'s' if len(pooled) == 1 else ''} raw crops with preprocessed ones, which the "
              f"preprocessing would change again ({PREPROCESSED_AGAIN_COST}): preprocess the raw ones alone "
              "(classify them apart with --preprocess paper)" if pooled else
              f"give {listing(list(raw))} --preprocess paper alone (classify {'it' if len(raw) == 1 else 'them'} "
              "apart with it, then compare the tables with --predictions)" if apart else
              "give --preprocess paper, which makes it so")
    if len(raw) == 1 and all(lacking == read for lacking, read in raw.values()):  # one sample, every crop raw
        (name, (_, read)), = raw.items()
        listed = f"none of the {read} crops read of {name} has a white"
    else:
        listed = f"{_of_crops_read(raw)} have no white"
    return (f"{listed} around the chromosome (raw crops, their background as imaged, have none), and {model} "
            "learned crops white around it, as the paper's preprocessing makes them: it types raw crops far off "
            f"({RAW_COST}){apart}: {advice}, or train a model on crops of your own (sccscore train)")


def _raw_apart_clause(whites: Mapping[str, tuple[int, int]]) -> str:
    """Where the samples' shares of raw crops lie apart (:func:`_raw_apart`), what :func:`raw_caution` says of it, as
    a clause of the cautions against what a model learned (:func:`raw_crops_caution`,
    :func:`preprocessed_crops_caution`), so that compare says one caution of one cause; else nothing."""
    if (raw := _raw_apart(whites)) is None:
        return ""
    return apart_clause("made", f"{_raw_shares(raw)} ({RAW_APART_COST})")


def _of_crops_read(counts: Mapping[str, tuple[int, int]]) -> str:
    """Some of each sample's crops read in words (``counts``: sample -> those counted and those read).

    >>> _of_crops_read({"wt": (3, 40), "ko": (20, 40)})
    '3 of the 40 crops read of wt and 20 of the 40 of ko'
    """
    return listing([f"{some} of the {read} {'crops read ' if n == 0 else ''}of {name}"
                    for n, (name, (some, read)) in enumerate(counts.items())])


def whites_by_type(whites: dict[str, dict]) -> dict[str, tuple[int, int]]:
    """The crops with a white around the chromosome, and those read, of each type over the folders of a
    :func:`sccscore.training.crop_whites` record, in the order A, B, C.

    >>> whites_by_type({"wt": {"A": [40, 40], "C": [2, 2]}, "raw": {"A": [0, 10], "B": [0, 12], "C": [0, 30]}})
    {'A': (40, 50), 'B': (0, 12), 'C': (2, 32)}
    """
    totals = {kind: white_and_read(by_type[kind] for by_type in whites.values() if kind in by_type)
              for kind in CLASS_NAMES}
    return {kind: total for kind, total in totals.items() if total[1]}


def white_and_read(counts: Iterable[Sequence[int]]) -> tuple[int, int]:
    """The crops with a white around the chromosome, and those read, of several counts of each (as
    :func:`sccscore.training.crop_whites` keeps them) together."""
    counts = list(counts)
    return sum(white for white, _ in counts), sum(read for _, read in counts)


def preprocessed_crops_caution(whites: Mapping[str, tuple[int, int]], model: str) -> str | None:
    """A caution where more than a tenth of some samples' crops (:data:`RAW_SHARE`) have a white around the
    chromosome, as the paper's preprocessing leaves one (``whites``: sample -> its crops with a white, as the model
    reads them, and its crops read; :func:`sccscore.sample_crops.sample_white_around`), and ``model`` learned raw
    crops, with none: the reverse of :func:`raw_crops_caution`. None where no sample's are so, or are read from fewer
    than :data:`FEWEST_RAW` crops.

    >>> print(preprocessed_crops_caution({"wt": (400, 400), "ko": (0, 212)}, "day1-model"))
    ... # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    400 of the 400 crops read of wt have a white around the chromosome, as the paper's preprocessing leaves one, and
    day1-model learned raw crops, with none: it types crops made otherwise apart (...), and samples made unlike each
    other apart, whatever the cells, as here 0% of wt's crops read are raw and 100% of ko's (...): give it raw crops
    (without --preprocess paper), or train a model on crops made as these
    """
    if not (made := _made_white(whites)):
        return None
    return (f"{_of_crops_read(made)} have a white around the chromosome, as the paper's preprocessing leaves one, "
            f"and {model} learned raw crops, with none: it types crops made otherwise apart ({LEARNED_RAW_COST})"
            f"{_raw_apart_clause(whites)}: give it raw crops (without --preprocess paper), or train a model on crops "
            "made as these")


def preprocessed_again_caution(whites: Mapping[str, tuple[int, int]]) -> str | None:
    """A caution where the paper's preprocessing (--preprocess paper) is given crops more than a tenth of which
    (:data:`RAW_SHARE`) have a white around the chromosome as they are, before it, as the paper's crops have: they
    were preprocessed already, and it changes them again (``whites``: sample -> its crops with a white as they are and
    its crops read; :func:`sccscore.sample_crops.sample_white_around` without the preprocessing). None where no
    sample's are so, or are read from fewer than :data:`FEWEST_RAW` crops. The raw-crops checks read crops after the
    preprocessing, which leaves a white around every one, so this alone sees it.

    >>> print(preprocessed_again_caution({"wt": (400, 400), "ko": (0, 212)}))  # doctest: +NORMALIZE_WHITESPACE
    400 of the 400 crops read of wt have a white around the chromosome as they are, before --preprocess paper,
    as the paper's preprocessing leaves one: they were preprocessed already, and it preprocesses them again, which
    types them otherwise (the paper's WT crops, preprocessed again, were called 22.9% C against 8.4% as shared): give
    --preprocess paper raw crops alone, and classify those preprocessed already without it, in a run of their own
    (compare takes the two runs' tables, --predictions)
    >>> print(preprocessed_again_caution({"day2": (120, 400)}))  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    120 of the 400 crops read of day2 have ...: give --preprocess paper raw crops alone, and classify those
    preprocessed already without it, in a run of their own (compare takes the two runs' tables, --predictions; day2
    pools the two: part them into two samples)
    >>> preprocessed_again_caution({"ko": (0, 212), "few": (5, 5)}) is None
    True
    """
    if not (made := _made_white(whites)):
        return None
    pooled = [name for name, (white, read) in made.items() if white < (1 - RAW_SHARE) * read]
    parted = f"; {listing(pooled)} pool{'s' if len(pooled) == 1 else ''} the two: part them into two samples"
    return (f"{_of_crops_read(made)} have a white around the chromosome as they are, before --preprocess paper, as "
            "the paper's preprocessing leaves one: they were preprocessed already, and it preprocesses them again, "
            f"which types them otherwise ({PREPROCESSED_AGAIN_COST}): give --preprocess paper raw crops alone, and "
            "classify those preprocessed already without it, in a run of their own (compare takes the two runs' "
            f"tables, --predictions{parted if pooled else ''})")


def _made_white(whites: Mapping[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """The samples (``whites``: sample -> its crops with a white around the chromosome and its crops read) more than a
    tenth of whose crops read (:data:`RAW_SHARE`, of :data:`FEWEST_RAW` or more) have a white, with those counts."""
    return {name: (white, read) for name, (white, read) in whites.items()
            if read >= FEWEST_RAW and white > RAW_SHARE * read}


def pooled_crops_caution(whites: Mapping[str, Mapping[str, Sequence[int]]]) -> str | None:
    """A caution where labelled crops pool raw crops with crops made white around the chromosome, in shares that
    differ between the types by more than a tenth (:data:`RAW_SHARE`): a model learns how a crop was made as a sign of
    its type, and types crops by how they were made (``whites``: folder -> type -> its crops with a white around the
    chromosome and its crops read, :func:`sccscore.training.crop_whites`; :func:`_raw_apart`). None where every
    type's crops are made one way, or the two ways in alike shares.

    >>> print(pooled_crops_caution({"wt": {"A": [310, 310], "B": [100, 100], "C": [30, 30]},
    ...                             "day2": {"A": [23, 51], "B": [13, 75], "C": [11, 138]}}))
    ... # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    the labelled crops pool raw crops, with no white around the chromosome (in day2), with crops made white around it,
    as the paper's preprocessing makes them (in wt and day2), in unlike shares: 8% of A's crops read are raw, 35% of
    B's and 76% of C's. A model learns how a crop was made as a sign of its type (trained on ...): train a model on
    crops made one way (the preprocessed ones, or the raw ones), not both
    >>> pooled_crops_caution({"raw": {"A": [0, 40], "B": [0, 40], "C": [0, 40]}}) is None  # raw, every one
    True
    """
    if (raw := _raw_apart(whites_by_type(whites))) is None:
        return None
    made = {folder: white_and_read(by_type.values()) for folder, by_type in whites.items()}
    raw_in = listing([folder for folder, (white, read) in made.items() if read - white > RAW_SHARE * read])
    white_in = listing([folder for folder, (white, read) in made.items() if white > RAW_SHARE * read])
    return (f"the labelled crops pool raw crops, with no white around the chromosome (in {raw_in}), with crops made "
            f"white around it, as the paper's preprocessing makes them (in {white_in}), in unlike shares: "
            f"{_raw_shares(raw)}. A model learns how a crop was made as a sign of its type ({POOLED_COST}): train a "
            "model on crops made one way (the preprocessed ones, or the raw ones), not both")


def scale_caution(rows: list[dict[str, str]], samples: Sequence[str]) -> str | None:
    """A caution where the ``samples`` compared, chromosomes of spreads, were read at different ``--scale`` (the
    ``scale`` column classify --spreads writes; runs joined or pasted together): a chromosome read at another scale is
    cut and typed otherwise, so a difference between them is partly the scales', unless the samples were imaged at
    magnifications that far apart. None where every sample was read at one scale, or the rows do not say (crops, a
    table typed by hand or written before 2026-12-05).

    >>> rows = [{"sample": "wt", "scale": "1"}, {"sample": "ko", "scale": "1.5"}, {"sample": "ko", "scale": "1"}]
    >>> print(scale_caution(rows, ["wt", "ko"]))  # doctest: +NORMALIZE_WHITESPACE
    the spreads of wt were read at --scale 1 and those of ko at 1 and 1.5: a chromosome read at another scale is cut
    and typed otherwise, so a difference between the samples is partly the scales', unless they were imaged at
    magnifications that far apart; read every sample imaged on one microscope at one scale (the median of those the
    spreads suggest: images.csv's suggested_scale)
    >>> scale_caution(rows[:1] + [{"sample": "ko", "scale": "1"}, {"sample": "ko", "scale": "x"}], ["wt", "ko"]) is None
    True
    """
    read_at = _scales_read(rows, samples)
    if len({tuple(scales) for scales in read_at.values()}) < 2:
        return None
    said = [(f"the spreads of {name} were read at --scale " if i == 0 else f"those of {name} at ")
            + " and ".join(f"{scale:g}" for scale in scales) for i, (name, scales) in enumerate(read_at.items())]
    return (f"{listing(said)}: a chromosome read at another scale is cut and typed otherwise, "
            "so a difference between the samples is partly the scales', unless they were imaged at magnifications "
            "that far apart; read every sample imaged on one microscope at one scale (the median of those the spreads "
            "suggest: images.csv's suggested_scale)")


def _scales_read(rows: list[dict[str, str]], samples: Sequence[str]) -> dict[str, list[float]]:
    """Each of the ``samples`` whose rows say a scale -> the scales they were read at, sorted
    (:func:`~sccscore.predictions_table.samples_by` of the ``scale`` column); one mangled in a spreadsheet is not
    read."""
    read_at: dict[str, list[float]] = defaultdict(list)
    for value, names in samples_by(rows, "scale").items():
        if (scale := number(value)) is None:
            continue
        for name in names:
            read_at[name].append(scale)
    return {name: sorted(read_at[name]) for name in samples if name in read_at}


def typed_crops_framings(rows: list[dict[str, str]], samples: Sequence[str]) -> dict[str, Framing | None] | None:
    """Each sample's framing (:func:`sccscore.framing.sample_framings`), where a model typed its crops: None for a
    table typed by hand (a person's calls, which the margin and focus do not sway as they do a model's), and for
    chromosomes of spreads, which sccscore cut alike."""
    if from_spreads(rows) or not one_row_a_crop(rows):
        return None
    crops = crops_by_sample(rows)
    return sample_framings({name: crops[name] for name in samples})


# each way compare's cautions between samples find two samples' crops apart, in words for the caveat under a verdict
WAYS_APART = {"colour": "their colour (grey or colour)", "jpeg": "how finely JPEG kept their colour",
              "format": "the format they were saved in (JPEG or not)",
              "texture": "their white's texture", "raw": "how they were made (raw or preprocessed)",
              "margin": "the margin they were cut with", "length": "the magnification they were imaged at",
              "focus": "their focus", "noise": "the noise of their pixels", "scale": "the --scale they were read at"}


def made_apart(rows: list[dict[str, str]], pair: Sequence[str], model: str | None,
               textures: Mapping[str, tuple[float, int] | None] | None, whites: Mapping[str, tuple[int, int]] | None,
               framings: Mapping[str, Framing | None] | None,
               imaged: Mapping[str, Mapping[str, float | None]] | None = None) -> list[str]:
    """The ways the crops of the two samples of ``pair`` (the reference, a sample tested against it) were made,
    saved, cut or imaged apart, in words (:data:`WAYS_APART`), as compare's cautions between samples read them of the
    two alone (``rows``, the table's; ``model``, the one that typed it; ``textures``, ``whites``, ``framings`` and, of
    spreads, ``imaged`` as compare read them, None where it could not): what sways the two samples' calls whatever
    their cells, so that the sentence under their verdict can say so, and not of a sample whose crops are made as the
    reference's.

    >>> made_apart([], ["wt", "ko"], None, {"wt": (0.73, 400), "ko": (1.70, 400)}, {"wt": (400, 400), "ko": (0, 249)},
    ...            {"wt": Framing(0.74, 60, 1.2, 100), "ko": Framing(0.74, 58, 1.2, 100)})
    ["their white's texture", 'how they were made (raw or preprocessed)']
    """
    def of(read):  # the two samples' readings alone
        return {name: read[name] for name in pair if name in read} if read else {}

    found = {"colour": colour_caution(rows, pair, model), "jpeg": jpeg_caution(rows, pair, model),
             "texture": texture_caution(of(textures)), "raw": raw_caution(of(whites)),
             **framings_apart(of(framings)), **imaging_apart(of(imaged)), "scale": scale_caution(rows, pair)}
    return [WAYS_APART[way] for way, said in found.items() if said]


# what blur and noise cost the calls on spreads (docs/spreads.md, focus and noise; sccscore.spread_imaging)
SPREAD_FOCUS_COST = ("held out, the four annotated oshima2026 spreads blurred by a Gaussian of 1 px gave 46 of their "
                     "127 type C chromosomes as B, against 9 as imaged")
SPREAD_NOISE_COST = ("held out, the four annotated oshima2026 spreads with noise of 3 grey levels on their background "
                     "of about 100 were found and typed as annotated 0.679 of the time, against 0.763 as imaged")
SPREAD_JPEG_COST = ("held out, the four annotated oshima2026 spreads saved as JPEG at quality 75 to 95 were found "
                    "and typed as annotated 0.727 to 0.743 of the time, against 0.763 as PNG, their type C called B 3 "
                    "to 11 times of 127, against 9")


def spreads_imaged(rows: list[dict[str, str]], samples: Sequence[str]) -> dict[str, dict[str, float | None]] | None:
    """How each sample's spreads were imaged: the medians of their chromosomes' edge blur (px) and of their pixels'
    noise (a share of the background's level), as the runs that cut them read each spread (their ``images.csv``,
    :func:`sccscore.layout.run_rows`), and the spreads read; None for crops, which keep no such record (their framing
    says their focus). A value is None where no spread of the sample says it (a run before it was kept)."""
    if not from_spreads(rows):
        return None
    counted = {(run_folder(row["path"], row["image"]), row["sample"], row["image"]) for row in rows}  # each run's
    imaged = {(run, spread["sample"], spread["image"]): spread
              for run in {run for run, _, _ in counted} for spread in run_rows([run], "images.csv")}
    return {name: _imaged(imaged[spread] for spread in counted if spread[1] == name and spread in imaged)
            for name in samples}


def _imaged(spreads: Iterable[dict[str, str]]) -> dict[str, float | None]:
    """The medians of some spreads' edge blur and noise (images.csv's rows), how many were read and how many of them
    are JPEG files (None unless each says its format); a value missing or mangled in a spreadsheet is left out, as a
    run before it was kept leaves it.

    >>> [_imaged(spreads)["jpeg"] for spreads in ([{"file_format": "JPEG"}, {"file_format": "PNG"}],
    ...                                           [{"file_format": "JPEG"}, {}])]  # the second's run kept none
    [1, None]
    """
    spreads = list(spreads)

    def middle(column: str, scale: float = 1) -> float | None:
        read = [value / scale for spread in spreads if (value := number(spread.get(column))) is not None]
        return median(read) if read else None

    formats = [spread.get("file_format") for spread in spreads]
    return {"edge_blur": middle("edge_blur"), "noise": middle("noise_percent", 100), "spreads": len(spreads),
            "jpeg": sum(saved_as in JPEG_FORMATS for saved_as in formats) if formats and all(formats) else None}


def imaging_apart(imaged: Mapping[str, Mapping[str, float | None]]) -> dict[str, str]:
    """How compared samples' spreads (``imaged``: :func:`spreads_imaged`) lie apart in their imaging, in words, for
    each of "focus" (their chromosomes' edges blurred more than
    :data:`sccscore.spread_imaging.EXTRA_BLUR_CAUTION` px apart, as blurs add), "noise" (the noisier's pixels more
    than :data:`sccscore.spread_imaging.NOISE_CAUTION` times as noisy as the quieter's, and as the annotated
    spreads' noisiest) and "format" (most of some samples' spreads saved as JPEG, most of others' not) in which they
    do, as for one spread against the annotated ones.

    >>> imaging_apart({"wt": {"edge_blur": 1.68, "noise": 0.005}, "ko": {"edge_blur": 1.90, "noise": 0.015}})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'focus': "the spreads' chromosomes' edges are blurred over 1.68 px in wt and 1.90 px in ko (medians), as if ko
    had been imaged 0.9 px further out of focus than wt", 'noise': "the spreads' pixels are noisier in ko than in wt
    (0.5% of their background's level in wt and 1.5% in ko, medians)"}
    >>> imaging_apart({"wt": {"edge_blur": 1.68, "noise": 0.005}, "ko": {"edge_blur": 1.73, "noise": 0.009}})
    {}
    >>> imaging_apart({"wt": {"edge_blur": None, "noise": None, "spreads": 3, "jpeg": 0},
    ...                "ko": {"edge_blur": None, "noise": None, "spreads": 3, "jpeg": 2}})
    {'format': 'the spreads of ko (2 of its 3) were saved as JPEG, and those of wt as PNG or TIFF'}
    """
    from .spread_imaging import EXTRA_BLUR_CAUTION, NOISE_CAUTION, NOISE_LEVELS  # not above: it imports skimage

    apart = {}
    blurs = {name: read["edge_blur"] for name, read in imaged.items() if read and read["edge_blur"] is not None}
    if len(blurs) > 1 and (focus := blurs_apart(blurs, EXTRA_BLUR_CAUTION, "the spreads' chromosomes'")):
        apart["focus"] = focus
    noises = {name: read["noise"] for name, read in imaged.items() if read and read["noise"] is not None}
    if len(noises) > 1:
        quietest, noisiest = min(noises, key=noises.get), max(noises, key=noises.get)
        if noises[noisiest] > NOISE_CAUTION * max(noises[quietest], NOISE_LEVELS[1]):
            each = listing([f"{100 * noise:.1f}% of their background's level in {name}" if n == 0 else
                            f"{100 * noise:.1f}% in {name}" for n, (name, noise) in enumerate(noises.items())])
            apart["noise"] = f"the spreads' pixels are noisier in {noisiest} than in {quietest} ({each}, medians)"
    if format_apart := _saved_apart(imaged):
        apart["format"] = format_apart
    return apart


def _saved_apart(imaged: Mapping[str, Mapping[str, float | None]]) -> str | None:
    """Where most of some samples' spreads were saved as JPEG and most of others' not, in words; else None."""
    jpegs = {name: (read["jpeg"], read["spreads"]) for name, read in imaged.items()
             if read and read.get("jpeg") is not None}  # None: runs that kept no format
    saved = [name if n == spreads else f"{name} ({n} of its {spreads})"
             for name, (n, spreads) in jpegs.items() if n > spreads / 2]
    others = [name if n == 0 else f"{name} ({spreads - n} of its {spreads})"
              for name, (n, spreads) in jpegs.items() if n <= spreads / 2]
    if saved and others:
        return f"the spreads of {listing(saved)} were saved as JPEG, and those of {listing(others)} as PNG or TIFF"
    return None


def imaging_caution(imaged: Mapping[str, Mapping[str, float | None]]) -> str | None:
    """A caution where compared samples' spreads were imaged or saved apart (:func:`imaging_apart`): blurred
    chromosomes read C as B, noise B as C, and JPEG's compression changes some calls, whatever the cells. None where
    they were imaged and saved alike, or are crops.

    >>> print(imaging_caution({"wt": {"edge_blur": 1.68, "noise": 0.005}, "ko": {"edge_blur": 1.90, "noise": 0.005}}))
    ... # doctest: +NORMALIZE_WHITESPACE
    the spreads' chromosomes' edges are blurred over 1.68 px in wt and 1.90 px in ko (medians), as if ko had been
    imaged 0.9 px further out of focus than wt: blur makes type C read as B, whatever the cells (held out, the four
    annotated oshima2026 spreads blurred by a Gaussian of 1 px gave 46 of their 127 type C chromosomes as B, against
    9 as imaged): image every sample in focus alike
    """
    apart = imaging_apart(imaged)
    said = {"focus": f"blur makes type C read as B, whatever the cells ({SPREAD_FOCUS_COST}): image every sample in "
                     "focus alike",
            "noise": f"noise makes type B read as C, whatever the cells ({SPREAD_NOISE_COST}): image every sample "
                     "with one camera gain and light",
            "format": f"JPEG's compression changes some calls, whatever the cells ({SPREAD_JPEG_COST}): save every "
                      "sample's spreads alike, as PNG or TIFF where the microscope's software allows"}
    return "; and ".join(f"{apart[way]}: {said[way]}" for way in said if way in apart) or None
