"""The typed configuration that travels with every model.

A model is only meaningful together with the input pipeline it was trained with
and the order of its classes, so these live in one frozen dataclass that is saved
as ``config.json`` beside the weights and read back with a version check.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ModelError
from .images import CLASS_NAMES

CONFIG_VERSION = 1
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
PREPROCESS_CHOICES = ("none", "paper")


@dataclass(frozen=True)
class InputConfig:
    """How a crop becomes the network's input tensor.

    ``preprocess`` is applied to the crop first ("none", or "paper" for the
    Ikemoto et al. contrast/gamma/colour normalisation, see
    :mod:`sccscore.preprocess`); the crop is then resized to ``size`` (height,
    width) with bilinear filtering and normalised with ``mean`` and ``std``.
    """

    size: tuple[int, int] = (224, 224)
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    preprocess: str = "none"

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
    """

    backbone: str
    n_members: int = 1
    classes: tuple[str, ...] = CLASS_NAMES
    input: InputConfig = field(default_factory=InputConfig)
    source: str = ""
    version: int = CONFIG_VERSION

    @property
    def name(self) -> str:
        """How the model is referred to in outputs: its source, else its backbone."""
        return self.source or self.backbone

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

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
                ),
                source=data.get("source", ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model config is malformed ({exc!r})") from None
