"""The outline of a detected chromosome as evidence of its type, beside the CNN.

Sisters whose arms have opened (type B) or that lie apart (type C) give a
chromosome a rounder, less convex outline than cohered sisters (type A): lower
eccentricity and solidity, a larger ratio of minor to major axis. The detector
measures these on each chromosome's own mask (:func:`shape_measures`), and a
class-balanced multinomial logistic regression on the three gives P(type |
outline) (:class:`ShapeModel`). ``classify --spreads`` multiplies it with the
CNN's probabilities and renormalises (:func:`combine`): both are trained with
the types balanced, so neither adds a prior of its own, and the outline comes
from the mask, which the CNN does not see.

The shipped model (``sccscore/_data/shape_model.json``, twelve numbers) is
fitted on the matched chromosomes of the annotated oshima2026 spreads
(:func:`fit_shape_model`); a test refits it. Measured leave-one-spread-out, it
turns 13 of the CNN's calls and gains 11 chromosomes (docs/spreads.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._atomic import read_small_model, write_json
from .errors import SccscoreError
from .images import CLASS_NAMES

if TYPE_CHECKING:
    from skimage.measure._regionprops import RegionProperties

    from .spreads import Spread

SHAPE_MEASURES = ("solidity", "eccentricity", "axis_ratio")
L2_C = 0.1  # inverse L2 strength (scikit-learn's C): three measures, a few hundred chromosomes


def shape_measures(region: RegionProperties) -> tuple[float, float, float]:
    """Solidity, eccentricity and minor/major axis ratio of a labelled region (SHAPE_MEASURES)."""
    ratio = region.axis_minor_length / max(region.axis_major_length, 1.0)
    return round(float(region.solidity), 4), round(float(region.eccentricity), 4), round(float(ratio), 4)


@dataclass
class ShapeModel:
    """Multinomial logistic regression from SHAPE_MEASURES to P(type), types as CLASS_NAMES."""

    weight: list[list[float]]  # types x measures, acting on the raw measures
    bias: list[float]
    trained_on: list[str] = field(default_factory=list)
    trained_on_sha256: list[str] = field(default_factory=list)  # those spreads' files: known again under any name

    def probabilities(self, measures: np.ndarray) -> np.ndarray:
        logits = np.asarray(measures, float).reshape(-1, len(SHAPE_MEASURES)) @ np.asarray(self.weight).T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        return odds / odds.sum(axis=1, keepdims=True)

    def save(self, path: str | Path) -> None:
        write_json(path, asdict(self) | {"measures": list(SHAPE_MEASURES), "types": list(CLASS_NAMES)})

    @classmethod
    def load(cls, path: str | Path | None = None) -> ShapeModel:
        """The given model file, or the one shipped with sccscore."""
        record = read_small_model(path, "shape_model.json", "shape model",
                                  {"measures": SHAPE_MEASURES, "types": CLASS_NAMES})
        return cls(record["weight"], record["bias"], record.get("trained_on", []), record.get("trained_on_sha256", []))


def combine(cnn: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """The product of two models' probabilities per chromosome, renormalised (independent evidence)."""
    product = np.asarray(cnn, float) * np.asarray(shape, float)
    return product / product.sum(axis=1, keepdims=True)


def fit_shape_model(spreads: Sequence[Spread]) -> ShapeModel:
    """Fit on the chromosomes of detected spreads that matched an annotated box (``Spread.labels``)."""
    from .training import fit_logistic_regression

    measures, types = [], []
    for spread in spreads:
        for chromosome in spread.chromosomes:
            if chromosome.id in spread.labels:
                measures.append(chromosome.outline)
                types.append(CLASS_NAMES.index(spread.labels[chromosome.id]))
    missing = sorted(set(CLASS_NAMES) - {CLASS_NAMES[t] for t in types})
    if missing:
        raise SccscoreError(f"the annotated spreads have no matched chromosome of type {', '.join(missing)}; "
                            "the shape model needs every type")
    weight, bias = fit_logistic_regression(np.array(measures, float)[:, None], np.array(types), len(CLASS_NAMES),
                                           l2_c=L2_C, balanced=True)
    return ShapeModel(weight.double().tolist(), bias.double().tolist(), [s.item.stem for s in spreads])
