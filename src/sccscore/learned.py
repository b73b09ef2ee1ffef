"""What a model learned of its crops, and the cautions where crops given it were made otherwise.

A model types crops otherwise where they were cut, imaged or made otherwise than those it
learned: raw crops where it learned preprocessed ones or the reverse, crops preprocessed
twice, another margin or magnification, a grainier or smoother white. What it learned is read from its
name and its training record (:class:`Learner`), without its weights and without torch:
``classify``, ``evaluate`` and the report read it from the model they load
(:func:`learner_of`), and ``compare`` of a predictions table from the model the table
names (:func:`learner_named`), in a second where loading the model would take several.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from .config import GREY_CROPS_HEAD_FILE, GREY_CROPS_MODEL, PAPER_PREFIX, SPREAD_HEAD_FILE, SPREAD_MODEL, read_config
from .errors import ModelError
from .framing import PAPER_BLURS, PAPER_LENGTHS, PAPER_SPANS, learned_framing_caution, sample_framings
from .predictions_table import crops_by_sample, from_spreads, one_row_a_crop
from .sample_cautions import (FEWEST_RAW, FEWEST_TEXTURED, PAPER_TEXTURES, RAW_SHARE, learned_texture_caution,
                              preprocessed_again_caution, preprocessed_crops_caution, raw_crops_caution,
                              white_and_read, whites_by_type)
from .sample_crops import sample_white_around, sample_white_texture

RELEASED_FIGURES = "released_figures.json"


@dataclass(frozen=True)
class Learner:
    """A model as the checks of crops against what it learned read it: its name as a table names it
    (:func:`sccscore.models.model_reference`), whether it reads every crop in grey, the crop preprocessing it is
    given ("none" or "paper") and its training record (empty for the released models)."""

    reference: str
    grey: bool = False
    preprocess: str = "none"
    training: Mapping[str, Any] = field(default_factory=dict)


def learner_of(model) -> Learner:
    """What a loaded :class:`sccscore.models.ScoringModel` learned, as the checks read it."""
    from .models import model_reference  # not above: a model loaded has imported torch already

    inputs = model.config.input
    return Learner(model_reference(model), inputs.grey, inputs.preprocess, model.config.training or {})


def learner_named(reference: str) -> Learner | None:
    """What the model a table names learned, read without loading it: the released models by name, sccscore's shipped
    models and models of spreads by the training record kept in their head file, a model folder by its
    ``config.json``. None where it cannot be read (a folder moved since).

    >>> learner_named("sccscore:grey-crops").grey, learner_named("no/such/model") is None
    (True, True)
    """
    try:
        if reference.startswith(PAPER_PREFIX):
            return Learner(reference)
        if reference in (SPREAD_MODEL, GREY_CROPS_MODEL):
            head = SPREAD_HEAD_FILE if reference == SPREAD_MODEL else GREY_CROPS_HEAD_FILE
            return Learner(reference, reference == GREY_CROPS_MODEL,
                           training=_head_record(resources.files("sccscore").joinpath(f"_data/{head}")))
        if (Path(reference) / SPREAD_HEAD_FILE).is_file():
            return Learner(reference, training=_head_record(Path(reference) / SPREAD_HEAD_FILE))
        config = read_config(reference)
        return Learner(reference, config.input.grey, config.input.preprocess, config.training or {})
    except ModelError:
        return None


def _head_record(source) -> dict[str, Any]:
    """The training record a head file (:func:`sccscore.training.save_head`) keeps in its metadata, read without its
    tensors or torch."""
    from safetensors import SafetensorError, safe_open

    try:
        with resources.as_file(source) as file, safe_open(file, "numpy") as handle:
            return json.loads((handle.metadata() or {})["training"])
    except (OSError, SafetensorError, ValueError, KeyError) as exc:
        raise ModelError(f"{source}: cannot read the training record ({exc!r})") from None


@functools.cache
def released_record() -> dict[str, Any]:
    """released_figures.json, read once a process: a grey check reads it three times (warn_grey_crops)."""
    return json.loads(resources.files("sccscore").joinpath(f"_data/{RELEASED_FIGURES}").read_text())


def released(learner: Learner) -> bool:
    """Whether ``learner`` is one of the released models or their ensemble, whose figures sccscore ships."""
    return learner.reference in released_record()["confusion_grey"]


def unlike_learned(learner: Learner, crops: Mapping[str, Sequence[str | Path]],
                   preprocess: Mapping[str, str] | None = None) -> list[str]:
    """The cautions where the samples' ``crops`` (sample -> its crops) were preprocessed already and are given the
    paper's preprocessing again (:func:`preprocessed_again_of`), are raw where ``learner`` learned crops
    preprocessed, or the reverse (:func:`making_of`), were cut with another margin, or their chromosomes imaged at
    another magnification or out of focus (:func:`framing_of`), or their white made grainier or smoother
    (:func:`texture_of`), than those it learned; each crop decoded once for all. Each sample's crops are read with
    the crop preprocessing ``preprocess`` gives it (sample -> "none" or "paper",
    :func:`sccscore.predictions_table.preprocessed_with`), as classify read them, else ``learner``'s; the framing,
    read from the crops as they are, of all samples together, and how the samples' whites lie apart (each read with
    its own preprocessing) too, as compare's caution between them reads it."""
    ways: dict[str, dict[str, Sequence[str | Path]]] = {}
    for sample, paths in crops.items():
        ways.setdefault((preprocess or {}).get(sample, learner.preprocess), {})[sample] = paths
    given = [(replace(learner, preprocess=way), some) for way, some in ways.items()]
    textures = ({sample: texture for each, some in given for sample, texture in _textures(each, some).items()}
                if _learned_textures(learner) is not None else None)  # else no texture caution: none read for it
    cautions = [*(caution for each, some in given for caution in (preprocessed_again_of(each, some),
                                                                   making_of(each, some))),
                framing_of(learner, crops), *(texture_of(each, some, textures) for each, some in given)]
    return [caution for caution in cautions if caution]


def table_unlike_learned(rows: list[dict[str, str]], samples: Sequence[str], model: str | None,
                         preprocess: Mapping[str, str]) -> list[str]:
    """:func:`unlike_learned` of the ``samples`` of a predictions table (its ``rows``) against the ``model``
    it names (:func:`learner_named`), each sample's crops read as classify read them (``preprocess``:
    :func:`sccscore.predictions_table.preprocessed_with`): what classify warned of, said again where the table is
    compared. None said for a table typed by hand, which no model typed, for chromosomes of spreads, which sccscore cut
    alike, or where the model cannot be read."""
    if model is None or from_spreads(rows) or not one_row_a_crop(rows) or (learner := learner_named(model)) is None:
        return []
    crops = crops_by_sample(rows)
    return unlike_learned(learner, {name: crops[name] for name in samples}, preprocess)


def preprocessed_again_of(learner: Learner, crops: Mapping[str, Sequence[str | Path]]) -> str | None:
    """:func:`sccscore.sample_cautions.preprocessed_again_caution` where ``learner`` is given the paper's preprocessing
    and the samples' ``crops`` (sample -> its crops), as they are before it, have a white around the chromosome: they
    were preprocessed already. None where it is not given."""
    if learner.preprocess != "paper":
        return None
    return preprocessed_again_caution({sample: sample_white_around(paths, None, learner.grey)
                                       for sample, paths in crops.items()})


def _learned_textures(learner: Learner) -> tuple[float, float] | None:
    """The lowest and highest white texture of the crops ``learner`` learned, where they are known: the paper's, for
    the released models; those its training record gives (``white_texture``: :func:`sccscore.training.crop_textures`,
    of folders of 100 crops or more), for a model sccscore trained. None for models trained before 2026-12-05 (late),
    which kept none, and for models of spreads, whose crops sccscore cuts alike."""
    if released(learner):
        return PAPER_TEXTURES
    if read := [t["texture"] for t in (learner.training.get("white_texture") or {}).values()
                if t and t["crops_read"] >= FEWEST_TEXTURED]:
        return min(read), max(read)
    return None


def texture_of(learner: Learner, crops: Mapping[str, Sequence[str | Path]],
               compared: Mapping[str, tuple[float, int] | None] | None = None) -> str | None:
    """:func:`sccscore.sample_cautions.learned_texture_caution` of the samples' ``crops`` (sample -> its crops), as
    ``learner`` reads them (in grey, after the paper's preprocessing, where it does), against the crops it learned,
    where they are known (:func:`_learned_textures`); how the samples lie apart read from ``compared``, every
    sample's texture where some were read with another preprocessing (:func:`unlike_learned`), else theirs."""
    if (learned := _learned_textures(learner)) is None:
        return None
    textures = _textures(learner, crops)
    return learned_texture_caution(textures, learner.reference, learned, learner.preprocess, compared)


def _textures(learner: Learner, crops: Mapping[str, Sequence[str | Path]]) -> dict[str, tuple[float, int] | None]:
    """Each sample's white texture as ``learner`` reads its ``crops``
    (:func:`sccscore.sample_crops.sample_white_texture`, each crop's remembered by its file)."""
    return {sample: sample_white_texture(paths, learner.preprocess, learner.grey) for sample, paths in crops.items()}


def making_of(learner: Learner, crops: Mapping[str, Sequence[str | Path]]) -> str | None:
    """The caution where the samples' ``crops`` (sample -> its crops), as ``learner`` reads them, were made otherwise
    than those it learned (:func:`_learned_making`): raw where it learned crops preprocessed
    (:func:`sccscore.sample_cautions.raw_crops_caution`), or made white around the chromosome where it learned raw ones
    (:func:`sccscore.sample_cautions.preprocessed_crops_caution`)."""
    if (learned := _learned_making(learner)) is None:
        return None
    whites = {sample: sample_white_around(paths, learner.preprocess, learner.grey) for sample, paths in crops.items()}
    caution = raw_crops_caution if learned == "preprocessed" else preprocessed_crops_caution
    return caution(whites, learner.reference)


def _learned_making(learner: Learner) -> str | None:
    """How the crops ``learner`` learned were made: "preprocessed", white around the chromosome as the paper's
    preprocessing makes them, or "raw", with no white; None where unknown, or both pooled. Preprocessed: the released
    models, and models of spreads, which learned the crops ``detect`` cuts and preprocesses, and type crops given them
    as they are. For a model sccscore trained, the way of nine in ten of the crops its record read
    (``white_around``: :func:`sccscore.training.crop_whites`); in a record from before 2026-12-06, which kept none,
    preprocessed where its crops' white was read (:func:`_learned_textures`)."""
    if (whites := learner.training.get("white_around")) is not None:
        white, read = white_and_read(whites_by_type(whites).values())
        if read < FEWEST_RAW:
            return None
        return "preprocessed" if read - white <= RAW_SHARE * read else "raw" if white <= RAW_SHARE * read else None
    return "preprocessed" if _learned_textures(learner) is not None or learner.training.get("trained_on") else None


def framing_of(learner: Learner, crops: Mapping[str, Sequence[str | Path]]) -> str | None:
    """:func:`sccscore.framing.learned_framing_caution` of the samples' ``crops`` (sample -> its crops) against the
    crops ``learner`` learned, where they are known: the paper's, for the released models (its shared crops, cut as
    its training crops were); those its training record gives (``crop_framing``:
    :func:`sccscore.training.crop_framings`), for a model sccscore trained. None for models trained before
    2026-12-05, which kept none, and for models of spreads, whose crops sccscore cuts alike."""
    if released(learner):
        learned = (PAPER_SPANS, PAPER_LENGTHS, PAPER_BLURS)
    elif framings := [f for f in (learner.training.get("crop_framing") or {}).values() if f]:
        # the blur kept since 2026-12-05 (the shipped sccscore:grey-crops record has none)
        learned = tuple((min(f[key] for f in framings), max(f[key] for f in framings))
                        if all(key in f for f in framings) else None for key in ("span", "length", "blur"))
    else:
        return None
    return learned_framing_caution(sample_framings(crops), learner.reference, learned)
