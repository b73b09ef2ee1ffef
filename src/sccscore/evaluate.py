"""Evaluating a model on a labelled folder, as the paper reports it."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .config import GREY_CROPS_MODEL
from .errors import SccscoreError
from .images import CLASS_NAMES, Sample, fail_on_rejected, repeated_files, scan_sample, warn_repeated
from .learned import learner_of, released, released_record, unlike_learned
from .metrics import cohen_kappa, concordance, confusion_matrix, distribution, open_concordance, recall
from .models import ScoringModel, model_reference
from .predict import Predictions, ProgressCallback, predict
from .sample_cautions import GREY_CROPS_COST
from .sample_crops import grey_samples, mixed_samples
from .splits import Source, agreement_by_source, image_sources, source_units
from .stats import agreement_interval, cross_fitted_correction
from .training import CROSSVAL_INSTEAD, WIDE_VALIDATION, validation_interval, warn_seen_in_training
from .words import counted, listing, such_as

CORRECTION_FOLDS = 5
# the released models' confusion matrices on the paper's shared test crops (tools/record_released_figures.py)
RELEASED_IMAGES = "the paper's labelled test crops of TK6 cells, which the released models did not learn from"
RELEASED_GREY_IMAGES = "the paper's labelled test crops of TK6 cells made grey, as these crops are"
# how the released models' B and C shares hang on what no eye sees (benchmarks/unseen_changes.py): said with what
# to expect of them, beside their figures on the paper's crops as shared
BACKGROUND_TEXTURE = ("The released models' B and C shares hang on the texture of the white background, which no eye "
                      "sees: noise of half a grey level added to the near-white pixels of the paper's CTF18-/- crops "
                      "moved the released ensemble's C share from 26.6% to 20.9% and its B share from 45.8% to 52.0% "
                      "(each of the 30 models called fewer C; the same noise on the chromosome moved C by about a "
                      "point, the models either way), and painting those pixels flat white moved C to 30.5%, while the"
                      " open share stayed at 72-73% (the WT crops' at 32-33%): read B against C as rough, and compare "
                      "samples whose crops were made and preprocessed alike.")
# and on how finely a JPEG kept the colour (benchmarks/unseen_changes.py): said with it
RELEASED_JPEG = ("The released models learned crops saved as JPEG with their colour at half resolution (4:2:0), as "
                 "most of the paper's were, and type crops saved another way differently: of the crops sccscore cuts "
                 "from the annotated spreads (another cell line's), they called 60.9% C kept whole (PNG) and 66.8% "
                 "saved once as the paper's were (each of the 30 models more C), where the annotation says 51.1%; "
                 "saved so, 0.647 of them were given their annotated type against 0.613 (17 gained, 9 lost, McNemar "
                 "p = 0.17). Neither way is shown the truer: save every sample's crops alike, and read B against C as "
                 "rough.")
# how the released models type raw crops given the paper's preprocessing (benchmarks/raw_crops.py,
# tests/test_preprocess.py): said with what to expect of them where --preprocess paper is given, since their figures on
# the paper's crops as shared are not those of raw crops preprocessed by sccscore
RELEASED_ON_RAW_CROPS = ("Given the paper's preprocessing (--preprocess paper), the released models type raw crops "
                         "further from a person's types than the paper's own: of raw crops cut by hand from the four "
                         "annotated spreads (another cell line's, 249 chromosomes), the released ensemble gave 54.2% "
                         "their annotated type, and called A / B / C 41.4 / 1.6 / 57.0% where the annotation says "
                         "22.5 / 26.5 / 51.0%, nearly no B. Check it with sccscore evaluate on a few dozen labelled "
                         "crops of your own, or train a model on them (sccscore train).")
# the two above in one sentence, for the terminal (the report gives them whole): the C share moved by up to 8.9 points
# (the spreads' crops halved twice), the open share by up to 5.1 (the same)
UNSEEN_IN_BRIEF = ("The released models' B against C moves with what no eye sees, the white background's texture and "
                   "how finely a JPEG kept the colour (their C share by up to 9 points, the open share by up to 5): "
                   "read B against C as rough, and compare samples whose crops were made and saved alike; the report "
                   "(--report) gives the figures.")
# what the same changes did to models sccscore trains (benchmarks/unseen_changes_trained.py): said with what to expect
# of one it trained on colour crops
TRAINED_UNSEEN = ("Models of sccscore's default recipe, each trained on half the paper's crops, moved their C share "
                  "and open share on the other half by up to 5.3 points with what no eye sees (noise of half a grey "
                  "level on the white background, or the crops saved again as JPEG with the colour halved), each its "
                  "own way: compare samples whose crops were made and saved alike.")
# what grey crops cost a model sccscore trained on colour ones: benchmarks/grey_training.py, docs/training.md
GREY_COST = ("trained on half the paper's crops, they gave the labelled type to 64-70% of the other half's WT crops "
             "made grey and 19-44% of its CTF18-/- ones, 76% and 70-73% in colour")


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

    Examples
    --------
    >>> from sccscore.models import load_model
    >>> from sccscore.sample_data import data_root
    >>> report = evaluate(data_root() / "images" / "ctf18", load_model("paper:squeezenet1_1/1"))
    >>> report["n_images"], round(report["concordance"], 3), round(report["kappa"], 3)
    (417, 0.616, 0.376)
    >>> [round(100 * share, 1) for share in report["distribution_pred"]]  # A, B, C per cent
    [25.2, 47.5, 27.3]
    """
    sample = scan_sample(folder)
    if not sample.labelled:
        raise SccscoreError(f"{sample.folder}: not a labelled folder (expected sub-folders a, b and c)")
    if strict:
        fail_on_rejected(sample.rejected)
    warn_repeated(repeated_files(item.path for item in sample.items), what="labelled image",
                  labels={item.path: item.label for item in sample.items})
    warn_grey_crops(model, [sample])
    warn_unlike_learned(model, [sample])
    predictions = predict(model, sample.items, progress=progress, **predict_options)
    if strict:
        fail_on_rejected(predictions.rejected)
    rejected = [*sample.rejected, *predictions.rejected]
    if not predictions.items:  # figures of no image would be NaN
        raise SccscoreError(f"{sample.folder}: no image could be scored ({counted(len(rejected), 'file')} skipped), "
                            f"{such_as([item.path for item in rejected])}: {rejected[0].reason}")
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


def expected_from_confusions(confusions: Mapping[str, np.ndarray], name: str, images: str,
                             intervals: Mapping[str, tuple[float, float, str]] | None = None) -> list[str]:
    """What a crop model's agreement with labels it did not learn says of its calls, a sentence each.

    ``confusions`` holds a confusion matrix (labels in rows, calls in columns, types A, B, C) for each group of
    labelled images (a genotype; one group where the images are not grouped), ``name`` is the model as ``--model``
    names it, ``images`` the labelled images in words. A group's concordance interval is Wilson's, unless
    ``intervals`` gives it (low, high, and its units in words: :func:`sccscore.training.validation_interval`).

    Examples
    --------
    >>> confusion = np.array([[40, 8, 2], [10, 25, 5], [0, 3, 7]])
    >>> for sentence in expected_from_confusions({"held out": confusion}, "my-model",
    ...                                          "the 100 labelled images held out"):  # doctest: +NORMALIZE_WHITESPACE
    ...     print(sentence)
    What to expect: on the 100 labelled images held out, my-model gave the labelled type to 72.0% of the 100
        chromosomes (95% interval 62.5-79.9%); by type: A 80.0%, B 62.5%, C 70.0%.
    Its calls put the shares at A 50.0, B 36.0, C 14.0% where the labels say 50.0, 40.0, 10.0%.
    Open (B or C) or cohered (A), the split compare tests: 80.0% as labelled.
    A type with a low figure is often called as another: read its share as rough. On crops unlike these (another
        cell line, stain, microscope or way of cutting) expect less: a blind review of a few hundred of your calls
        drawn at random (sccscore review --sample 200, then sccscore agreement) says how much.
    """
    groups = {group: np.asarray(matrix, dtype=int) for group, matrix in confusions.items()}
    named = len(groups) > 1
    pooled = sum(groups.values())
    ranges = {group: (intervals or {}).get(group) or (*agreement_interval(int(np.trace(m)), int(m.sum())), "")
              for group, m in groups.items()}
    agreement = listing([f"{_percent(concordance(m))} of the {int(m.sum())}{f' {group}' if named else ''} chromosomes "
                      f"({_agreement_range(*ranges[group])})" for group, m in groups.items()])
    by_type = ", ".join(f"{c} {_percent(r)}" for c, r in zip(CLASS_NAMES, recall(pooled)))
    shares = "; ".join(f"{f'{group} at ' if named else 'the shares at '}{_shares(m.sum(axis=0) / m.sum(), True)}% "
                       f"where the labels say {_shares(m.sum(axis=1) / m.sum())}%" for group, m in groups.items())
    opened = listing([f"{_percent(open_concordance(m))}{f' of {group}' if named else ''}"
                     for group, m in groups.items()])
    return [f"What to expect: on {images}, {name} gave the labelled type to {agreement}; by type"
            f"{', all together' if named else ''}: {by_type}.",
            f"Its calls put {shares}.",
            f"Open (B or C) or cohered (A), the split compare tests: {opened} as labelled.",
            "A type with a low figure is often called as another: read its share as rough. On crops unlike these "
            "(another cell line, stain, microscope or way of cutting) expect less: a blind review of a few hundred of "
            "your calls drawn at random (sccscore review --sample 200, then sccscore agreement) says how much."]


def _agreement_range(low: float, high: float, units: str) -> str:
    """Where a concordance measured on few images could lie: ``95% interval 62.5-79.9%`` (, and its ``units``)."""
    return f"95% interval {100 * low:.1f}-{100 * high:.1f}%{f', {units}' if units else ''}"


def _percent(share: float) -> str:
    return "-" if np.isnan(share) else f"{100 * share:.1f}%"  # a type no image had


def _shares(shares: np.ndarray, lettered: bool = False) -> str:
    """``A 68.1, B 23.5, C 8.4`` (``lettered``) or ``68.1, 23.5, 8.4``."""
    return ", ".join(f"{c + ' ' if lettered else ''}{100 * share:.1f}" for c, share in zip(CLASS_NAMES, shares))


def released_confusions(grey: bool = False) -> dict[str, dict[str, np.ndarray]]:
    """Each released model's and their ensemble's confusion matrix on the paper's shared test crops, per genotype,
    keyed by the model as ``--model`` names it; with ``grey``, on those crops made grey
    (:func:`sccscore.images.grey_copies`)."""
    return {model: {genotype: np.array(matrix) for genotype, matrix in by_genotype.items()}
            for model, by_genotype in released_record()["confusion_grey" if grey else "confusion"].items()}


def warn_grey_crops(model: ScoringModel, samples: Sequence[Sample]) -> list[str]:
    """Warn where a model that learned from colour crops is given a sample of grey ones (:func:`grey_crops_caution`),
    or of grey ones among colour ones (:func:`mixed_crops_caution`); the samples of grey crops alone."""
    crops = _crops_of(samples)
    if grey := grey_samples_of(model, crops):
        warnings.warn(grey_crops_caution(model, grey), stacklevel=2)
    if mixed := mixed_crops_caution(model, crops):
        warnings.warn(mixed, stacklevel=2)
    return grey


def warn_unlike_learned(model: ScoringModel, samples: Sequence[Sample]) -> None:
    """Warn where samples' crops were cut, imaged or made otherwise than those ``model`` learned
    (:func:`sccscore.learned.unlike_learned`)."""
    for caution in unlike_learned(learner_of(model), _crops_of(samples)):
        warnings.warn(caution, stacklevel=2)


def _crops_of(samples: Sequence[Sample]) -> dict[str, list[Path]]:
    """Each sample's crops, as the checks of their colour, framing and white read them (sample -> its crops' paths)."""
    return {sample.name: [item.path for item in sample.items] for sample in samples}


def learned_in_colour(model: ScoringModel) -> bool:
    """Whether ``model`` learned from colour crops alone, and reads crops as they are: the released models, and those
    sccscore trained on colour crops (their record's ``crops``: not kept before 2026-12-05). A model trained on grey
    crops, or on grey and colour ones, reads every crop in grey (:func:`sccscore.training.load_labelled`)."""
    colour = (model.config.training or {}).get("crops") == "colour"
    return not model.config.input.grey and (released(learner_of(model)) or colour)


def grey_samples_of(model: ScoringModel, crops: Mapping[str, Sequence[str | Path]]) -> list[str]:
    """The samples of ``crops`` (sample -> its crops) that are grey (:func:`sccscore.sample_crops.grey_samples`), where
    ``model`` learned from colour crops (:func:`learned_in_colour`); else none."""
    return grey_samples(crops) if learned_in_colour(model) else []


def grey_crops_caution(model: ScoringModel, grey: Sequence[str]) -> str:
    """What grey crops cost ``model``, which learned from colour ones, said of the ``grey`` samples
    (:func:`grey_samples_of`): a released model by its figures on the paper's test crops made grey; one sccscore
    trained by what grey crops cost such models (benchmarks/grey_training.py)."""
    name = model_reference(model)
    said = (f"the crops of {listing(grey)} are grey (a monochrome camera's, or saved in grey), and {name} learned from "
            "colour ones")
    advice = (f"read these calls as far off; score grey crops with --model {GREY_CROPS_MODEL} (sccscore's, fitted on "
              "the paper's crops made grey), or train a model on grey crops of your own (sccscore train)")
    if (in_grey := released_confusions(grey=True).get(name)) is None:
        return (f"{said}: its validation figures do not hold for grey crops, which models sccscore trained on colour "
                f"ones typed far worse ({GREY_COST}); {advice}")
    in_colour = released_confusions()[name]
    pooled = sum(in_grey.values())
    called, labelled = pooled.sum(axis=0) / pooled.sum(), pooled.sum(axis=1) / pooled.sum()
    return (f"{said}: on the paper's test crops made grey it gave the labelled type to "
            f"{listing([f'{_percent(concordance(m))} of {genotype}' for genotype, m in in_grey.items()])} "
            f"({listing([_percent(concordance(m)) for m in in_colour.values()])} in colour), typing "
            f"{_percent(called[1])} B and {_percent(called[2])} C where the labels say {_percent(labelled[1])} "
            f"and {_percent(labelled[2])}: {advice}")


def mixed_crops_caution(model: ScoringModel, crops: Mapping[str, Sequence[str | Path]]) -> str | None:
    """A caution where ``model``, which learned from colour crops (:func:`learned_in_colour`), types samples of grey
    crops among colour ones (``crops``: sample -> its crops; :func:`sccscore.sample_crops.mixed_samples`), as where a
    day's crops saved in grey were pooled with the others: it types the grey ones far off, so such a sample's shares
    are partly the cameras'. None where no sample mixes them, or the model reads every crop in grey."""
    if not learned_in_colour(model) or not (mixed := mixed_samples(crops)):
        return None
    counted = listing([f"{grey} of the {read} crops read of {name}" for name, (grey, read) in mixed.items()])
    return (f"{counted} are grey and the others colour, and {model_reference(model)} learned from colour ones: it "
            f"types grey crops far off ({GREY_CROPS_COST}), so the shares of a sample of both are partly the cameras', "
            f"not the cells'; classify every sample with --model {GREY_CROPS_MODEL}, which reads every crop in grey, "
            "or cut the grey crops again from the images in colour")


def in_brief(expected: list[str]) -> list[str]:
    """What to expect (:func:`expected_of`) as the terminal says it: the released models' figures of what no eye sees
    (:data:`BACKGROUND_TEXTURE`, :data:`RELEASED_JPEG`), twelve lines together, in one sentence
    (:data:`UNSEEN_IN_BRIEF`), which points to the report that gives them whole.

    >>> in_brief(["figures", BACKGROUND_TEXTURE, RELEASED_JPEG]) == ["figures", UNSEEN_IN_BRIEF]
    True
    >>> in_brief(["figures"])
    ['figures']
    """
    measured = [point for point in expected if point not in (BACKGROUND_TEXTURE, RELEASED_JPEG)]
    return [*measured, UNSEEN_IN_BRIEF] if len(measured) < len(expected) else expected


def expected_of(model: ScoringModel, grey: bool = False) -> list[str]:
    """What to expect of a crop model's calls (:func:`expected_from_confusions`): the released models' figures on the
    paper's test crops (with ``grey``, every sample's crops grey and the model one of colour crops, on those crops made
    grey), and in colour how they type raw crops given the paper's preprocessing (:data:`RELEASED_ON_RAW_CROPS`,
    where it is given) and how their B and C shares hang on the white background's texture
    (:data:`BACKGROUND_TEXTURE`) and on how finely a JPEG kept the colour (:data:`RELEASED_JPEG`),
    sccscore's model of grey crops by its cross-validation, or a model sccscore trained by its own validation
    (none with ``grey``: its validation crops were colour), and of colour crops how such models hang on the same
    (:data:`TRAINED_UNSEEN`); none where it kept no confusion matrix (the paper recipe's). Models of spreads have
    theirs, from leave one spread out: :func:`sccscore.spread_model.what_to_expect`.
    """
    from .compare import validation_confusion

    name = model_reference(model)
    if (released := released_confusions(grey).get(name)) is not None:
        expected = expected_from_confusions(released, name, RELEASED_GREY_IMAGES if grey else RELEASED_IMAGES)
        if grey:  # the rest was measured in colour
            return expected
        raw = [RELEASED_ON_RAW_CROPS] if model.config.input.preprocess == "paper" else []
        return [*expected, *raw, BACKGROUND_TEXTURE, RELEASED_JPEG]
    if crossval := (model.config.training or {}).get("crossval"):  # sccscore's model of grey crops (grey_model)
        return expected_from_confusions(crossval["confusion"], name, crossval["images"])
    if grey or (matrix := validation_confusion(model.config.training)) is None:
        return []
    held_out = (f"the {int(matrix.sum())} labelled images held out from a fit on the others (the model saved then "
                "learned them too)")
    low, high, units = validation_interval(model.config.training["validation"])
    expected = expected_from_confusions({"held out": matrix}, name, held_out, {"held out": (low, high, units)})
    if high - low > WIDE_VALIDATION:  # a lab's first few dozen crops: its per-type figures rest on a handful each
        expected.insert(1, f"{counted(int(matrix.sum()), 'held-out image')} are too few for a close figure: "
                           f"{CROSSVAL_INSTEAD}, and gives one on all of them.")
    return [*expected, TRAINED_UNSEEN] if learned_in_colour(model) else expected  # measured in colour
