"""sccscore's own classifier for the chromosomes of whole spreads: ``--model sccscore:spreads``.

The authors' released models were trained on hand-cut crops of another cell line
and agree with the annotations on about half of the chromosomes found in the
oshima2026 spreads. This model is the default recipe
(:class:`sccscore.training.DefaultRecipe`, as ``sccscore train`` fits it) trained on
the crops that the detector cuts from annotated spreads and that match an annotated
box: the crops ``classify --spreads`` scores, cut the same way.

Only its trained layer is shipped (``sccscore/_data/spread_head.safetensors``, a
3 x 4,352 weight and 3 biases); the frozen ImageNet backbone below it is loaded
as for training. :func:`fit_spread_head` fits it, and is also what
``evaluate-detection --leave-one-out`` trains for each held-out spread, so the
leave-one-out figures measure this model's recipe; a test refits the shipped
one from the shared spreads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.torch import save

from ._atomic import atomic_open
from .errors import DataError, ModelError
from .features import extract, fingerprints
from .images import CLASS_NAMES, ImageItem
from .models import SPREAD_MODEL, ScoringModel
from .training import DefaultRecipe, Head, LabelledData, check_counts, fit, model_from_head

if TYPE_CHECKING:
    from .spreads import Spread

HEAD_FILE = "spread_head.safetensors"
RECIPE = DefaultRecipe()


def matched_crops(spreads: Sequence[Spread]) -> list[ImageItem]:
    """The crops of detected spreads that matched an annotated box, labelled with its type."""
    return [ImageItem(path, "spreads", spread.labels[number])
            for spread in spreads for number, path in spread.crops.items() if number in spread.labels]


def fit_spread_head(spreads: Sequence[Spread], extra: LabelledData | None = None, seed: int = 0) -> Head:
    """Train the recipe's layer on the matched crops of annotated spreads (and ``extra`` crops)."""
    crops = matched_crops(spreads)
    features = extract(crops, RECIPE.model_config(), fingerprints(crops))
    labels = np.array([CLASS_NAMES.index(item.label) for item in crops], int)
    if extra is not None:
        features, labels = np.concatenate([extra.features, features]), np.concatenate([extra.labels, labels])
    check_counts(labels, 1, "training the classifier")
    return fit(RECIPE, features, labels, seed=seed, validate=False)


def save_spread_head(head: Head, path: str | Path, trained_on: Sequence[str], seed: int = 0,
                     leave_one_out: dict[str, Any] | None = None) -> None:
    """Write a fitted head with what it was fitted on, in the shipped file's format.

    ``leave_one_out`` holds the recipe's figures with each of those spreads held out
    (:func:`sccscore.detection_eval.leave_one_out`): what to expect on new spreads, which
    the report shows beside the per-metaphase shares.
    """
    record = {"recipe": RECIPE.name, "settings": {k: v for k, v in asdict(RECIPE).items() if k != "name"},
              "seed": seed, "trained_on": list(trained_on)}
    if leave_one_out is not None:
        record["leave_one_out"] = leave_one_out
    with atomic_open(path, "wb") as handle:
        handle.write(save(head.state, metadata={"training": json.dumps(record)}))


def what_to_expect(model: ScoringModel) -> str | None:
    """The model's leave-one-spread-out figures in a sentence, where it records them (sccscore:spreads does)."""
    training = model.config.training or {}
    figures = training.get("leave_one_out")
    if not figures:
        return None
    per_type = figures["per_type"].items()
    by_type = ", ".join(f"{name} {100 * f['concordance']:.1f}%" for name, f in per_type)
    share_errors = ", ".join(f"{name} {f['share_error_points']}" for name, f in per_type)
    return (f"What to expect: with each of the {len(training['trained_on'])} annotated spreads {model.config.name} "
            f"learned from held out in turn, {100 * figures['recall']:.1f}% of their {figures['n_true']} chromosomes "
            f"were found and {100 * figures['concordance']:.1f}% were found and given the annotated type ({by_type}); "
            f"each metaphase's called shares were off by {share_errors} percentage points on average. A type with a "
            "low figure is often called as another: read its shares as rough, and check them on the overlays.")


def load_spread_model(path: str | Path | None = None) -> ScoringModel:
    """The spread classifier: the ImageNet backbone with the given head file, or the shipped one."""
    source = resources.files("sccscore").joinpath(f"_data/{HEAD_FILE}") if path is None else Path(path)
    try:
        with resources.as_file(source) as file, safe_open(file, "pt") as handle:
            state = {key: handle.get_tensor(key) for key in handle.keys()}
            record = json.loads((handle.metadata() or {})["training"])
    except (OSError, SafetensorError, ValueError, KeyError) as exc:
        raise ModelError(f"{source}: cannot read the spread classifier ({exc!r})") from None
    config = replace(RECIPE.model_config(), source=SPREAD_MODEL, training=record)
    try:
        return model_from_head(config, Head(state, {})).eval()
    except (DataError, RuntimeError) as exc:  # other keys, or weights of another shape
        raise ModelError(f"{source}: not a spread classifier of this sccscore version ({exc})") from None
