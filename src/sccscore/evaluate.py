"""Evaluating a model on a labelled folder, as the paper reports it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SccscoreError
from .images import fail_on_rejected, repeated_files, scan_sample, warn_repeated
from .metrics import cohen_kappa, concordance, confusion_matrix, distribution, open_concordance, recall
from .models import ScoringModel, model_reference
from .predict import Predictions, ProgressCallback, predict
from .splits import Source, agreement_by_source, image_sources, source_units
from .stats import agreement_interval, cross_fitted_correction
from .training import warn_seen_in_training

CORRECTION_FOLDS = 5


def evaluate(
    folder: str | Path,
    model: ScoringModel,
    strict: bool = False,
    progress: ProgressCallback | None = None,
    **predict_options: Any,
) -> dict[str, Any]:
    """Score a labelled folder and compare the predictions with its labels.

    For a model of several members (the 30 released models) the top-level figures
    are means over the members, as in the paper, ``models`` holds each member's
    figures, and ``ensemble`` those of the members' mean softmax.

    Raises
    ------
    SccscoreError
        If the folder is not labelled, no image in it can be scored, or (with ``strict``) one
        is unreadable.
    """
    sample = scan_sample(folder)
    if not sample.labelled:
        raise SccscoreError(f"{sample.folder}: not a labelled folder (expected sub-folders a, b and c)")
    if strict:
        fail_on_rejected(sample.rejected)
    warn_repeated(repeated_files(item.path for item in sample.items), what="labelled image",
                  labels={item.path: item.label for item in sample.items})
    predictions = predict(model, sample.items, progress=progress, **predict_options)
    if strict:
        fail_on_rejected(predictions.rejected)
    rejected = [*sample.rejected, *predictions.rejected]
    if not predictions.items:  # figures of no image would be NaN
        raise SccscoreError(f"{sample.folder}: no image could be scored ({len(rejected)} file(s) skipped), such as "
                            f"{rejected[0].path}: {rejected[0].reason}")
    n_seen = warn_seen_in_training(model, predictions.items, "labelled images evaluated")
    sources = image_sources([sample.folder], predictions.items)
    return evaluation_report(predictions, model_reference(model), sample.name, sources=sources) | {
        "n_rejected": len(rejected), "rejected": [{"path": str(r.path), "reason": r.reason} for r in rejected],
        "n_trained_on": n_seen}  # figures on images the model learned are memory


def evaluation_report(predictions: Predictions, model_name: str, name: str, check_correction: bool = True,
                      sources: Sequence[Source | None] = ()) -> dict[str, Any]:
    """Figures of labelled predictions: per member, their mean, and the ensemble.

    ``check_correction`` adds the ``correction_check`` (``crossval`` leaves it out of
    its per-fold reports, which keep only a few figures). ``sources``, the image each
    crop was cut from (:func:`sccscore.splits.image_sources`), adds ``by_source_image``:
    the ensemble's concordance interval with those images as the independent units.
    """
    classes = predictions.classes
    true = np.array([classes.index(item.label) for item in predictions.items])
    members = [
        _figures(true, predictions.member_probabilities[:, m].argmax(axis=1), len(classes))
        for m in range(predictions.member_probabilities.shape[1])
    ]
    ensemble_predicted = predictions.probabilities.argmax(axis=1)
    ensemble = _figures(true, ensemble_predicted, len(classes))
    report: dict[str, Any] = {
        "sample": name,
        "model": model_name,
        "classes": list(classes),
        "n_images": int(len(true)),
        "distribution_true": distribution(true, len(classes)).tolist(),
    }
    if check_correction:
        report["correction_check"] = _correction_check(true, ensemble_predicted, len(classes))
    if any(sources):  # crops of one spread are alike: its crops are one unit, not independent ones
        units = source_units([name] * len(true), [str(item.path) for item in predictions.items], sources)
        n_units = len(np.unique(units))
        report["by_source_image"] = {"n_images": n_units, "concordance_ci": agreement_by_source(
            ensemble_predicted == true, units) if n_units > 1 else None}  # one image says nothing of another
    if len(members) == 1:
        return report | members[0]
    mean_of = lambda key: np.mean([m[key] for m in members], axis=0)  # noqa: E731
    concordances = [m["concordance"] for m in members]
    return report | {
        "concordance": float(mean_of("concordance")),
        "concordance_min": float(min(concordances)),
        "concordance_max": float(max(concordances)),
        "kappa": float(mean_of("kappa")),
        "open_concordance": float(mean_of("open_concordance")),
        "recall": mean_of("recall").tolist(),
        "confusion": mean_of("confusion").tolist(),
        "distribution_pred": mean_of("distribution_pred").tolist(),
        "models": [{"member": i + 1} | m for i, m in enumerate(members)],
        "ensemble": ensemble,
    }


def _figures(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> dict[str, Any]:
    matrix = confusion_matrix(true, predicted, n_classes)
    return {
        "concordance": concordance(matrix),
        "concordance_ci": agreement_interval(int(np.trace(matrix)), int(matrix.sum())),  # the images' sampling error
        "kappa": cohen_kappa(matrix),
        "open_concordance": open_concordance(matrix),
        "recall": recall(matrix).tolist(),
        "confusion": matrix.tolist(),
        "distribution_pred": distribution(predicted, n_classes).tolist(),
    }


def _correction_check(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> dict[str, Any]:
    """Would correcting by a confusion matrix bring these predictions' shares closer to the labels?

    Summed absolute errors over the types of the raw predicted shares and of the
    cross-fitted corrected ones (see :func:`sccscore.stats.cross_fitted_correction`),
    for the predictions that ``compare`` would correct (the ensemble's).
    """
    labelled = distribution(true, n_classes)
    raw = distribution(predicted, n_classes)
    corrected = cross_fitted_correction(true, predicted, n_classes, CORRECTION_FOLDS)
    return {
        "folds": CORRECTION_FOLDS,
        "distribution_raw": raw.tolist(),
        "distribution_corrected": corrected.tolist(),
        "error_raw": float(np.abs(raw - labelled).sum()),
        "error_corrected": float(np.abs(corrected - labelled).sum()),
    }
