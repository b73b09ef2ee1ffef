"""The typed configuration that travels with every model.

A model is only meaningful together with the input pipeline it was trained with
and the order of its classes, so these live in one frozen dataclass that is saved
as ``config.json`` beside the weights and read back with a version check. Reading it
needs no torch, so commands that only read tables (``compare --predictions``) start fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ModelError
from .images import CLASS_NAMES

CONFIG_VERSION = 1
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
PREPROCESS_CHOICES = ("none", "paper")
HEADS = ("classifier", "multidepth")
# the references of the models sccscore ships or downloads, and the file a model folder describes itself in
PAPER_PREFIX = "paper:"
SPREAD_MODEL = "sccscore:spreads"
GREY_CROPS_MODEL = "sccscore:grey-crops"  # sccscore.grey_model
GREY_CROPS_HEAD_FILE = "grey_crops_head.safetensors"
CONFIG_FILE = "config.json"
# the files of a folder written by train-spreads (sccscore.spread_model): classifier head, merge and shape models
SPREAD_HEAD_FILE, MERGE_FILE, SHAPE_FILE = "spread_head.safetensors", "merge_model.json", "shape_model.json"
# hex characters of each training image's SHA-256 that a model's file keeps: enough to know the image again (a chance
# match is 1 in 2^64), a quarter of a digest's size in a model trained on thousands
LEARNED_DIGEST = 16


@dataclass(frozen=True)
class InputConfig:
    """How a crop becomes the network's input tensor.

    With ``grey`` the crop is first read in grey (its luminance:
    :func:`sccscore.images.in_grey`), as a model trained on grey crops reads every crop
    (:func:`sccscore.training.load_labelled`), so that colour ones look to it as its
    training crops did. ``preprocess`` is applied next ("none", or "paper" for the
    Ikemoto et al. contrast/gamma/colour normalisation, see
    :mod:`sccscore.preprocess`); with ``pad_square`` the crop is then padded to a
    square with its border colour, so that resizing keeps its shape; it is then
    resized to ``size`` (height, width) with bilinear filtering and normalised
    with ``mean`` and ``std``.
    """

    size: tuple[int, int] = (224, 224)
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    preprocess: str = "none"
    pad_square: bool = False
    grey: bool = False

    def __post_init__(self) -> None:
        if self.preprocess not in PREPROCESS_CHOICES:
            raise ModelError(
                f"unknown preprocessing '{self.preprocess}' (choose from {', '.join(PREPROCESS_CHOICES)})"
            )


@dataclass(frozen=True)
class ModelConfig:
    """Architecture, classes and input pipeline of a model.

    ``n_members`` > 1 describes an ensemble of heads on one shared frozen backbone
    (the paper's 30 models); its prediction is the mean of the members' softmax.

    ``head`` is "classifier" (the backbone's own last layer replaced, as in the
    paper) or "multidepth" (a linear layer on features pooled at the backbone
    layers ``taps``). With ``views`` = 8 the model scores the crop in its 8
    rotations and mirror images and averages the softmax: a chromosome's
    orientation carries no meaning. ``training`` records how the model was
    trained (recipe, settings, seed, versions, data fingerprint, validation).
    """

    backbone: str
    n_members: int = 1
    classes: tuple[str, ...] = CLASS_NAMES
    input: InputConfig = field(default_factory=InputConfig)
    source: str = ""
    head: str = "classifier"
    taps: tuple[int, ...] = ()
    views: int = 1
    training: dict[str, Any] | None = None
    version: int = CONFIG_VERSION

    def __post_init__(self) -> None:
        if self.head not in HEADS:
            raise ModelError(f"unknown head '{self.head}' (choose from {', '.join(HEADS)})")
        if self.views not in (1, 8):
            raise ModelError(f"views must be 1 or 8, not {self.views}")
        if (self.head == "multidepth") != bool(self.taps):
            raise ModelError("a multidepth head needs taps, and only it has them")

    @property
    def name(self) -> str:
        """How the model is referred to in outputs: its source, else its backbone."""
        return self.source or self.backbone

    def learned(self, digests: Iterable[str | None]) -> list[bool]:
        """Whether each SHA-256 digest (None: a file not read) is of an image it was trained on.

        Known by the first :data:`LEARNED_DIGEST` hex characters its training record keeps
        (``image_digests``); none for a model without them (the released models, and those
        trained before 2026-12-02).
        """
        learned = set((self.training or {}).get("image_digests", []))
        return [bool(digest) and digest[:LEARNED_DIGEST] in learned for digest in digests]

    def to_json(self) -> str:
        from ._atomic import json_ready  # its training record's undefined figures (NaN) as null

        return json.dumps(json_ready(asdict(self)), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelConfig":
        version = data.get("version")
        if version != CONFIG_VERSION:
            raise ModelError(f"model config version {version!r} is not supported (expected {CONFIG_VERSION})")
        try:
            inputs = data.get("input", {})
            return cls(
                backbone=data["backbone"],
                n_members=int(data.get("n_members", 1)),
                classes=tuple(data.get("classes", CLASS_NAMES)),
                input=InputConfig(
                    size=tuple(inputs.get("size", (224, 224))),
                    mean=tuple(inputs.get("mean", IMAGENET_MEAN)),
                    std=tuple(inputs.get("std", IMAGENET_STD)),
                    preprocess=inputs.get("preprocess", "none"),
                    pad_square=bool(inputs.get("pad_square", False)),
                    grey=bool(inputs.get("grey", False)),
                ),
                source=data.get("source", ""),
                head=data.get("head", "classifier"),
                taps=tuple(int(t) for t in data.get("taps", ())),
                views=int(data.get("views", 1)),
                training=data.get("training"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model config is malformed ({exc!r})") from None


def named(reference: str) -> bool:
    """Whether a model reference names a model sccscore ships or downloads, not a folder."""
    return reference.startswith(PAPER_PREFIX) or reference in (SPREAD_MODEL, GREY_CROPS_MODEL)


def reads_in_grey(reference: str) -> bool | None:
    """Whether the model a reference names reads every crop in grey (its input's ``grey``), from its name or its
    folder's ``config.json``, without loading it; None where that cannot be read.

    >>> reads_in_grey(GREY_CROPS_MODEL), reads_in_grey("paper:squeezenet1_1"), reads_in_grey("no/such/model")
    (True, False, None)
    """
    if named(reference):  # of those shipped, the model of grey crops alone (sccscore.grey_model)
        return reference == GREY_CROPS_MODEL
    try:
        return read_config(reference).input.grey
    except ModelError:
        return None


def read_config(folder: str | Path) -> ModelConfig:
    """The configuration of a model folder saved by :func:`sccscore.models.save_model`, with its training record.

    No weights are read, and no torch is imported.
    """
    config_path = Path(folder) / CONFIG_FILE
    if not config_path.is_file():
        raise ModelError(f"{config_path}: missing; {folder} is not a model saved by sccscore")
    try:
        return ModelConfig.from_dict(json.loads(config_path.read_text()))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{config_path}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise ModelError(f"{config_path}: cannot be read ({exc.strerror or exc})") from None
    except ModelError as exc:
        raise ModelError(f"{config_path}: {exc}") from None


def spread_model_folder(reference: str | Path) -> Path | None:
    """The folder a model reference names, where it is one written by ``sccscore train-spreads`` (else None)."""
    return Path(reference) if (Path(reference) / SPREAD_HEAD_FILE).is_file() else None
