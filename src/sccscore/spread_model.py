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

Reading a spread takes three fitted models (:class:`SpreadModels`): the merge model
that joins fragments into chromosomes (:mod:`sccscore.detect`), the shape model that
weighs a type with the chromosome's outline (:mod:`sccscore.shape`), and this
classifier. sccscore ships the three fitted on the oshima2026 spreads;
:func:`fit_spread_models` fits them on a lab's own annotated spreads (``sccscore
train-spreads``), whose camera, magnification and staining they then suit, and
:func:`save_spread_models` writes them as a folder in the shipped files' layout, which
``--model`` takes wherever spreads are read.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._atomic import staged_folder
from .config import MERGE_FILE, SHAPE_FILE, SPREAD_HEAD_FILE, SPREAD_MODEL, spread_model_folder
from .detect import DetectSettings
from .errors import DataError, ModelError
from .features import extract, fingerprints
from .images import CLASS_NAMES, ImageItem
from .merge import MergeModel, merge_model_from
from .models import ScoringModel, load_model, model_reference
from .sample_data import sha256, sha256_or_none
from .shape import ShapeModel, fit_shape_model
from .training import DefaultRecipe, Head, LabelledData, Log, fit, learned_digests, load_head, save_head
from .words import named_among

if TYPE_CHECKING:
    from .spreads import Spread

RECIPE = DefaultRecipe()
# the leave-one-spread-out figures a classifier's file records: what to expect on new spreads
EXPECTED = ("n_true", "recall", "precision", "concordance", "open_concordance", "per_type", "per_image", "to_check")


@dataclass
class SpreadModels:
    """The three models that read whole spreads (see the module docstring)."""

    classifier: ScoringModel
    merge: MergeModel
    shape: ShapeModel


def load_spread_models(reference: str | Path = SPREAD_MODEL) -> SpreadModels:
    """The models of a folder written by ``train-spreads``, or the shipped ones for ``sccscore:spreads``.

    Any other classifier (the released models, one trained on crops) comes with the
    shipped merge and shape models.
    """
    folder = spread_model_folder(reference)
    return SpreadModels(load_model(reference), MergeModel.load(folder and folder / MERGE_FILE),
                        ShapeModel.load(folder and folder / SHAPE_FILE))


@dataclass
class FittedSpreadModels:
    """The three models fitted on annotated spreads, with what they were fitted on, not yet written."""

    merge: MergeModel
    shape: ShapeModel
    head: Head
    trained_on: list[str]  # the spreads
    crop_folders: list[str]  # labelled crop folders the classifier also learned from
    leave_one_out: dict[str, Any] | None = None
    image_digests: list[str] = field(default_factory=list)  # of the crops it learned (training.learned_digests)
    trained_on_sha256: list[str] = field(default_factory=list)  # of the spreads' files, as the merge model keeps them

    def training_record(self) -> dict[str, Any]:
        """What the classifier's file records of its fitting; :func:`what_to_expect` reads its figures."""
        record = {"recipe": RECIPE.name, "settings": {k: v for k, v in asdict(RECIPE).items() if k != "name"},
                  "seed": 0, "trained_on": list(self.trained_on)}  # fit_spread_head's seed
        if self.crop_folders:
            record["crop_folders"] = list(self.crop_folders)
        if self.leave_one_out is not None:
            record["leave_one_out"] = self.leave_one_out
        if self.image_digests:  # classify then knows them again (ModelConfig.learned)
            record["image_digests"] = self.image_digests
        if self.trained_on_sha256:  # classify --spreads and evaluate-detection know the spreads again
            record["trained_on_sha256"] = self.trained_on_sha256
        return record

    def write_into(self, folder: str | Path) -> None:
        """Write the three files into ``folder``, the classifier last: without it a folder is no spread model."""
        self.merge.save(Path(folder) / MERGE_FILE)
        self.shape.save(Path(folder) / SHAPE_FILE)
        save_head(self.head, Path(folder) / SPREAD_HEAD_FILE, self.training_record())


def fitted_on(items: Sequence[ImageItem], names: Sequence[str], digests: Sequence[str]) -> list[ImageItem]:
    """The spreads among ``items`` that a model was fitted on (its ``trained_on`` ``names``).

    Known by their files' SHA-256 where the model recorded them (``digests``), so under any
    name, and a lab's own ``spread1.png`` is not taken for the oshima2026 one; by name for a
    model that recorded none (fitted before 2026-12-02).
    """
    if digests:
        known = set(digests)
        return [item for item in items if sha256_or_none(item.path) in known]
    named = set(names)
    return [item for item in items if item.stem in named]


def warn_fitted_on(model: ScoringModel, items: Sequence[ImageItem]) -> list[ImageItem]:
    """Warn where some of the spreads ``items`` are ones the classifier was fitted on, known by their files'
    SHA-256 alone (:func:`fitted_on`): its calls on them are memory. Those spreads."""
    if seen := fitted_on(items, [], (model.config.training or {}).get("trained_on_sha256", [])):
        fitted = f"{model_reference(model)} was fitted on"
        which = named_among([item.path for item in seen], len(items), "spreads scored", f"a spread {fitted}",
                            f"spreads {fitted}")
        warnings.warn(f"{which}: its calls on {'it' if len(seen) == 1 else 'them'} are memory, not a measure of the "
                      "model; score spreads it has not seen", stacklevel=3)
    return seen


def fit_spread_models(images_dir: str | Path, labels_dir: str | Path, train_folders: Sequence[str | Path] = (),
                      measure: bool = True, settings: DetectSettings | None = None,
                      log: Log | None = None, workers: int | None = None) -> FittedSpreadModels:
    """Fit the merge model, then the shape model and the classifier on the chromosomes it finds.

    ``images_dir`` holds spread images and ``labels_dir`` their YOLO label files; the
    classifier also learns from the labelled crop folders ``train_folders``. With
    ``measure`` (and two spreads or more), the whole pipeline is first measured with each
    spread held out (:func:`sccscore.detection_eval.leave_one_out`) and the figures are
    kept with the classifier, which reports show as what to expect on new spreads.
    ``settings.scale`` is the spreads' magnification; the merge model keeps it as the
    default for the spreads it reads. ``workers`` spreads are read and cut side by side (default one per CPU
    core; :func:`sccscore.detection_eval.read_annotated_set`).

    Examples
    --------
    The four oshima2026 spreads (in ``../shared`` beside this repository), without the
    leave-one-out measure, written as a model folder and read back as ``--model`` reads it:

    >>> oshima = Path("../shared/data/oshima2026")
    >>> fitted = fit_spread_models(oshima / "images", oshima / "labels", measure=False)
    >>> fitted.trained_on, len(fitted.image_digests)  # the spreads; the chromosomes the classifier learned
    (['spread1', 'spread2', 'spread3', 'spread5'], 235)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     models = load_spread_models(save_spread_models(fitted, Path(folder) / "spread-model"))
    >>> models.classifier.config.classes, models.merge.trained_on == fitted.trained_on
    (('A', 'B', 'C'), True)
    """
    from .detection_eval import leave_one_out_of, load_train_folders, read_annotated_set
    from .spreads import warn_repeated_fields

    log = log or (lambda _: None)
    settings = settings or DetectSettings()
    annotated = read_annotated_set(images_dir, labels_dir, settings, workers)  # once, for the measure and the fit
    spread_sha256 = [sha256(item.path) for item, _ in annotated.pairs]
    names = [spread.name for spread in annotated.spreads]
    merge_model = replace(merge_model_from(annotated.examples, names, settings.scale),
                          trained_on_sha256=spread_sha256)
    expected = None
    if measure and len(annotated.pairs) > 1:
        report = leave_one_out_of(annotated, train_folders, settings, log=log)
        expected = {key: report[key] for key in EXPECTED}
    extra = load_train_folders(train_folders, annotated)
    log("fitting on every spread")
    with tempfile.TemporaryDirectory(prefix="sccscore-spreads-") as tmp:
        spreads = annotated.detected(merge_model, Path(tmp), settings)
        if expected is None:  # else leave-one-out has warned of the spreads given twice, turned ones too
            warn_repeated_fields(spreads)
        # the crops of these spreads, as classify --spreads cuts them again with these models, byte for byte
        digests = fingerprints(matched_crops(spreads))
        head = fit_spread_head(spreads, extra, digests=digests)
        shape_model = replace(fit_shape_model(spreads), trained_on_sha256=spread_sha256)
    return FittedSpreadModels(merge_model, shape_model, head, [s.item.stem for s in spreads],
                              [str(f) for f in train_folders], expected,
                              learned_digests(digests + (extra.digests if extra else [])), spread_sha256)


def save_spread_models(fitted: FittedSpreadModels, folder: str | Path) -> Path:
    """Write fitted spread models as a new folder, which ``--model`` takes; never half-written."""
    if Path(folder).exists():
        raise ModelError(f"{folder}: already exists; choose a new model folder")
    with staged_folder(folder) as staging:
        fitted.write_into(staging)
    return Path(folder)


def matched_crops(spreads: Sequence[Spread]) -> list[ImageItem]:
    """The crops of detected spreads that matched an annotated box, labelled with its type."""
    return [ImageItem(path, "spreads", spread.labels[number])
            for spread in spreads for number, path in spread.crops.items() if number in spread.labels]


def fit_spread_head(spreads: Sequence[Spread], extra: LabelledData | None = None, seed: int = 0,
                    digests: Sequence[str] | None = None) -> Head:
    """Train the recipe's layer on the matched crops of annotated spreads (and ``extra`` crops).

    ``digests``: the SHA-256 of :func:`matched_crops`, where the caller has them already.
    """
    crops = matched_crops(spreads)
    features = extract(crops, RECIPE.model_config(), fingerprints(crops) if digests is None else digests)
    labels = np.array([CLASS_NAMES.index(item.label) for item in crops], int)
    if extra is not None:
        features, labels = np.concatenate([extra.features, features]), np.concatenate([extra.labels, labels])
    if missing := [name for index, name in enumerate(CLASS_NAMES) if index not in labels]:
        raise DataError(f"no chromosome of type {' or '.join(missing)} was found among the annotated ones"
                        f"{' or the crops given' if extra is not None else ''}: the classifier learns each type from "
                        "examples; annotate spreads that hold it, or give labelled crops of it with --train")
    return fit(RECIPE, features, labels, seed=seed, validate=False)


def what_to_expect(training: dict[str, Any] | None, name: str) -> list[str]:
    """The leave-one-spread-out figures of a classifier's training record, a sentence each; where it has none, a
    sentence that says so (a model of crops has none, nor spread models fitted without measuring them).

    ``training`` is the record (a model's ``config.training``; sccscore:spreads has the
    figures) and ``name`` the model as ``--model`` names it.
    """
    from .detection_eval import independent_units, intervals_by_spread, percent_of

    figures = (training or {}).get("leave_one_out")
    if not figures:
        return [f"What to expect: nothing is known of how {name} calls the chromosomes of spreads it did not learn (a "
                "model of crops, or spread models fitted with --no-leave-one-out or on a single spread): read its "
                "calls as unmeasured, and measure it on annotated spreads it has not seen with evaluate-detection."]
    per_type = figures["per_type"].items()
    by_type = ", ".join(f"{name} {percent_of(f['concordance'], f['n'])}" for name, f in per_type)
    # how far one spread lies from another: the next one may lie anywhere in that range
    per_spread = figures.get("per_image", [])  # not recorded before 2026-11-30
    by_spread = [percent_of(f["concordance"], f["n_true"]) for f in sorted(
        (f for f in per_spread if f["concordance"] is not None), key=lambda f: f["concordance"])]
    spread_range = f"; {by_spread[0]} to {by_spread[-1]} spread by spread" if by_spread else ""
    n = figures["n_true"]
    share_errors = ", ".join(f"{name} {f['share_error_points']}" for name, f in per_type)
    points = [f"What to expect: with each of the {len(training['trained_on'])} annotated spreads {name} "
              f"learned from held out in turn, {percent_of(figures['recall'], n)} of their {n} chromosomes "
              f"were found and {percent_of(figures['concordance'], n)} were found and given the annotated type "
              f"({by_type}{spread_range}); each metaphase's called shares were off by {share_errors} percentage "
              "points on average."]
    if interval := intervals_by_spread(per_spread).get("concordance"):  # the next spread is one more unit
        points.append(f"From {independent_units(per_spread)}, new spreads like these may give anywhere from "
                      f"{100 * interval[0]:.0f}% to {100 * interval[1]:.0f}% found and typed as annotated (95% "
                      "interval, these taken as the independent units).")
    if "open_concordance" in figures:  # B+C is 100% less A, so a metaphase's B+C share is off as far as its A share
        points.append(f"Open (B or C) or cohered (A), the split compare tests: "
                      f"{percent_of(figures['open_concordance'], n)} were found and called as annotated, and each "
                      f"metaphase's B+C share was off by {figures['per_type']['A']['share_error_points']} points.")
    points.append("A type with a low figure is often called as another: read its shares as rough, and check them on "
                  "the overlays.")
    check = figures.get("to_check")  # not in files written before it was measured
    if check and 0 < check["n_marked"] < check["n_called"]:
        marked, called = check["n_marked"], check["n_called"]
        points.append(f"The calls less sure than {check['below']:g} ({100 * marked / called:.0f}% of them, "
                      f"dashed on the overlays) were right {percent_of(check['marked_correct'], marked, 0)} of the "
                      f"time, the others {percent_of(check['sure_correct'], called - marked, 0)}, and "
                      + (f"held {check['n_wrong_marked']} of the {check['n_wrong']} wrong calls: check those first."
                         if check["n_wrong"] else "no call was wrong."))
    return points


def load_spread_model(path: str | Path | None = None) -> ScoringModel:
    """The spread classifier: the ImageNet backbone with the given head file, or the shipped one."""
    source = resources.files("sccscore").joinpath(f"_data/{SPREAD_HEAD_FILE}") if path is None else Path(path)
    # named as --model names it: the shipped one, or the folder that holds the file
    config = replace(RECIPE.model_config(), source=SPREAD_MODEL if path is None else str(Path(path).parent))
    return load_head(source, config, "spread classifier")
