"""Cross-validation and learning curves that never score an image they trained on.

Folds are stratified by folder and type, so that each fold holds the same share
of every genotype's A, B and C. Identical images (same content) always fall in
the same fold, so a duplicate cannot leak from training into testing, and where
a folder says which image each crop was cut from, the crops of one image do too
(:mod:`sccscore.splits`). Each fold
trains the recipe with :func:`sccscore.training.fit`, exactly as ``train`` does,
on the other folds of all folders together, and scores its own images; figures
are then given per folder, pooled over folds and fold by fold.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataError
from .evaluate import evaluation_report
from .images import CLASS_NAMES
from .predict import Predictions
from .splits import Source, grouped_folds, stratified_folds
from .training import (
    DefaultRecipe,
    LabelledData,
    Log,
    Recipe,
    check_counts,
    fit,
    head_probabilities,
    load_labelled,
)


def crossval(
    folders: Sequence[str | Path],
    folds: int = 5,
    recipe: Recipe | None = None,
    seed: int = 0,
    device: str | None = None,
    log: Log | None = None,
) -> dict[str, Any]:
    """Stratified k-fold cross-validation of a recipe on labelled folders.

    Returns a JSON-ready report: ``groups`` keyed by folder name, each with
    ``n_images``, ``concordance``, ``kappa``, ``recall``, ``distribution_true``,
    ``distribution_pred``, ``confusion`` (pooled over folds), ``folds`` (the same
    per fold), ``spread`` (mean, sd, min, max of the folds' concordance) and
    ``n_source_images`` (the images its crops were cut from, each kept in one fold); and
    ``training_per_type``, the fewest and most images of each type a fold trained on; ``crops``,
    "colour", "grey" or "grey and colour" (then every crop is read in grey, as ``train`` would:
    :func:`sccscore.training.load_labelled`).
    """
    recipe = recipe or DefaultRecipe()
    data = _load_for_folds(folders, recipe, folds, device)
    return _crossval(data, folds, recipe, seed, device, log or (lambda _: None))


def _load_for_folds(folders: Sequence[str | Path], recipe: Recipe, folds: int, device: str | None) -> LabelledData:
    if folds < 2:
        raise DataError("cross-validation needs at least 2 folds")
    return load_labelled(folders, recipe, folds, f"{folds}-fold cross-validation", device, fewer="--folds")


def _fold_of(data: LabelledData, folds: int, seed: int) -> np.ndarray:
    """Each crop's fold: stratified by folder and type, an image's crops (or copies of one crop) in one fold."""
    if data.units is None:
        return stratified_folds(data.groups, data.labels, data.digests, folds, seed)
    return grouped_folds(data.groups, data.labels, data.units, folds, seed)


def _trained_on(labels: np.ndarray, fold_of: np.ndarray, folds: int) -> np.ndarray:
    """The images of each type (columns) each fold (rows) trains on: those of the other folds."""
    return np.array([np.bincount(labels[fold_of != fold], minlength=len(CLASS_NAMES)) for fold in range(folds)])


def _crossval(data: LabelledData, folds: int, recipe: Recipe, seed: int, device: str | None,
              log: Log) -> dict[str, Any]:
    started = time.perf_counter()
    fold_of = _fold_of(data, folds, seed)
    probabilities = np.zeros((len(data.items), recipe.model_config().n_members, len(CLASS_NAMES)))
    for fold in range(folds):
        trained, tested = fold_of != fold, fold_of == fold
        check_counts(data.labels[trained], 2, f"training on fold {fold + 1}'s complement")
        head = fit(recipe, data.features[trained], data.labels[trained], seed=seed, validate=False, device=device)
        probabilities[tested] = head_probabilities(recipe, head, data.features[tested])
        log(f"fold {fold + 1}/{folds} done")
    predictions = Predictions(data.items, probabilities, CLASS_NAMES, [])
    in_group = np.array(data.groups)
    trained_on = _trained_on(data.labels, fold_of, folds)
    return {
        "recipe": recipe.name,
        "folds": folds,
        "seed": seed,
        "crops": data.colour,  # "grey" or "grey and colour": every crop read in grey (load_labelled)
        "training_per_type": {name: [int(trained_on[:, k].min()), int(trained_on[:, k].max())]
                              for k, name in enumerate(CLASS_NAMES)},
        "groups": {
            group: _group_report(predictions, in_group == group, fold_of, folds, recipe.name, group, data.sources)
            for group in dict.fromkeys(data.groups)
        },
        "seconds": round(time.perf_counter() - started, 1),
    }


def _subset(predictions: Predictions, mask: np.ndarray) -> Predictions:
    items = [item for item, keep in zip(predictions.items, mask) if keep]
    return Predictions(items, predictions.member_probabilities[mask], predictions.classes, [])


def _group_report(
    predictions: Predictions, in_group: np.ndarray, fold_of: np.ndarray, folds: int, model_name: str, group: str,
    sources: list[Source | None],
) -> dict[str, Any]:
    mine = [s for s, keep in zip(sources, in_group) if keep]
    pooled = evaluation_report(_subset(predictions, in_group), model_name, group, sources=mine)
    per_fold = [
        evaluation_report(_subset(predictions, in_group & (fold_of == fold)), model_name, group, check_correction=False)
        for fold in range(folds)
    ]
    keep = ("n_images", "concordance", "kappa", "recall", "distribution_true", "distribution_pred")
    concordances = np.array([f["concordance"] for f in per_fold])
    return pooled | {
        # the images its crops were cut from, each kept whole in one fold (0: its folder does not say)
        "n_source_images": len({source.key(group) for source in mine if source}),
        "folds": [{"fold": i + 1} | {k: f[k] for k in keep} for i, f in enumerate(per_fold)],
        "spread": {
            "concordance_mean": float(concordances.mean()),
            "concordance_sd": float(concordances.std(ddof=1)),
            "concordance_min": float(concordances.min()),
            "concordance_max": float(concordances.max()),
        },
    }


LEARNING_CURVE_SIZES = (10, 25, 50, 100, 150, 231)  # the paper's Fig. 3A


def default_sizes(most: int) -> list[int]:
    """The training images per type of a learning curve where none are given, for folds that train on at most
    ``most`` images of a type: the paper's sizes up to it, and ``most`` itself where the paper's go beyond, so the
    curve ends at every image the folds hold; where fewer than three of the paper's sizes fit, four steps to
    ``most``. A size beyond ``most`` only draws the same images again: a lab's 12 crops a type had five of six
    points so, each a cross-validation of its own.

    >>> default_sizes(250), default_sizes(60), default_sizes(10)
    ([10, 25, 50, 100, 150, 231], [10, 25, 50, 60], [2, 5, 8, 10])
    """
    within = [size for size in LEARNING_CURVE_SIZES if size <= most]
    if len(within) < 3:
        return sorted({max(1, round(most * step / 4)) for step in range(1, 5)})
    return within if most > LEARNING_CURVE_SIZES[-1] or most in within else [*within, most]


def learning_curve(
    folders: Sequence[str | Path],
    sizes: Sequence[int] | None = None,
    folds: int = 5,
    recipe: Recipe | None = None,
    seed: int = 0,
    device: str | None = None,
    log: Log | None = None,
) -> list[dict[str, Any]]:
    """Cross-validated concordance against the training images per type (the paper's Fig. 3A).

    Each size is a full cross-validation whose training folds are drawn to ``size``
    images of each type, with replacement where a type has fewer (None: :func:`default_sizes`
    of the most a fold trains on). Returns one row per size and folder: ``n_per_type``,
    ``group``, ``concordance`` (pooled), the folds' ``concordance_min``/``_max``, and
    ``drawn_again``: whether the size passes every type's training images in every fold, so
    that its point draws the same images again (warned of, before any is fitted: it says
    nothing of more images).
    """
    recipe = recipe or DefaultRecipe()  # train's: what a lab would train with more labels
    log = log or (lambda _: None)
    # read and featurise once: per_type changes the training draw, not the features
    data = _load_for_folds(folders, recipe, folds, device)
    if data.config.input.grey:  # as train would read them (load_labelled)
        log(f"every crop read in grey ({data.colour} crops)")
    # the folds depend on the seed, not on the size drawn: each size's folds train on these
    held = _trained_on(data.labels, _fold_of(data, folds, seed), folds).max(axis=0)
    most = int(held.max())
    sizes = default_sizes(most) if sizes is None else list(sizes)
    if again := [size for size in dict.fromkeys(sizes) if size > most]:
        each = ", ".join(f"{name} {high}" for name, high in zip(CLASS_NAMES, held))
        warnings.warn(f"{', '.join(map(str, again))} images per type: more than a fold trains on of any type (at most "
                      f"{each}), so those points draw the same images again, and say nothing of more images",
                      stacklevel=2)
    rows = []
    for size in sizes:
        report = _crossval(data, folds, replace(recipe, per_type=size), seed, device, lambda _: None)
        for group, figures in report["groups"].items():
            rows.append({"n_per_type": size, "group": group, "concordance": figures["concordance"],
                         "concordance_min": figures["spread"]["concordance_min"],
                         "concordance_max": figures["spread"]["concordance_max"], "drawn_again": size > most})
        log(f"{size} per type: " + ", ".join(f"{g} {f['concordance']:.3f}" for g, f in report["groups"].items()))
    return rows
