"""Training on a lab's own labelled crops: the paper's protocol and the default recipe.

Both recipes keep the ImageNet SqueezeNet backbone frozen and train what sits on
top of it from cached features (:mod:`sccscore.features`):

- ``paper``: the protocol of Ikemoto et al. (2023): the backbone's own last
  layer trained on a training set balanced per type (231 each), the epoch
  chosen on a held-out validation set, 3 data splits x 10 repeats = 30 models,
  kept as one 30-member ensemble;
- ``default``: a class-balanced, L2-regularised linear layer on features pooled at
  six depths of the backbone, from crops padded to a square (shape kept) at
  160 px, trained and scored on all 8 rotations and mirror images of each crop.
  Each choice was measured by cross-validation; see ``docs/training.md``.

:func:`fit` trains a head from features and is shared by :func:`train` and
:mod:`sccscore.crossval`, so that cross-validation measures exactly what
``train`` builds.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ._atomic import atomic_open, check_new_folder, json_ready
from .config import LEARNED_DIGEST, InputConfig, ModelConfig
from .errors import DataError, ModelError
from .features import backbone_model, data_fingerprint, extract, fingerprints
from .framing import sample_framings
from .images import CLASS_NAMES, ImageItem, scan_samples
from .metrics import concordance, confusion_matrix
from .models import ScoringModel, model_reference, save_model
from .runtime import resolve_device
from .sample_cautions import pooled_crops_caution
from .sample_crops import TEXTURE_CROPS, crop_colour, sample_white_texture, spread_through, texture_record, white_around
from .sample_data import sha256_or_none
from .splits import Source, agreement_by_source, image_sources, source_units, validation_split
from .stats import agreement_interval
from .version import versions
from .words import counted, named_among

Log = Callable[[str], None]
MIN_PER_TYPE = 5  # a validation split needs a few of each type


@dataclass(frozen=True)
class PaperRecipe:
    """The paper's protocol; settings as in Ikemoto et al. (2023) where stated.

    The paper does not give the optimiser; SGD with momentum at lr 1e-3 is
    PyTorch's transfer-learning tutorial, which the authors' code follows.
    A type with fewer than ``per_type`` training images is drawn with
    replacement (the paper added type C images to balance; a lab may have none).
    """

    per_type: int = 231
    splits: int = 3
    repeats: int = 10
    validation_fraction: float = 0.25
    epochs: int = 25
    learning_rate: float = 1e-3
    momentum: float = 0.9
    batch_size: int = 32
    name: str = field(default="paper", init=False)

    def model_config(self) -> ModelConfig:
        return ModelConfig("squeezenet1_1", n_members=self.splits * self.repeats)


@dataclass(frozen=True)
class DefaultRecipe:
    """sccscore's recipe, chosen by cross-validation (``docs/training.md``).

    ``per_type`` caps the training images per type (None: all of them), for
    learning curves. ``l2_c`` is the inverse L2 strength, as scikit-learn's C.
    """

    size: int = 160
    taps: tuple[int, ...] = (4, 7, 9, 10, 11, 12)
    views: int = 8
    l2_c: float = 0.01
    balanced: bool = True
    validation_fraction: float = 0.2
    per_type: int | None = None
    name: str = field(default="default", init=False)

    def model_config(self) -> ModelConfig:
        return ModelConfig(
            "squeezenet1_1",
            input=InputConfig(size=(self.size, self.size), pad_square=True),
            head="multidepth",
            taps=self.taps,
            views=self.views,
        )


Recipe = PaperRecipe | DefaultRecipe
RECIPES: dict[str, type[PaperRecipe] | type[DefaultRecipe]] = {"default": DefaultRecipe, "paper": PaperRecipe}


def make_recipe(name: str, **settings: Any) -> Recipe:
    """A recipe by name, with settings given as keyword arguments (None keeps the default)."""
    if name not in RECIPES:
        raise DataError(f"unknown recipe '{name}' (choose from {', '.join(RECIPES)})")
    cls = RECIPES[name]
    known = set(cls.__dataclass_fields__) - {"name"}
    unknown = sorted(k for k, v in settings.items() if v is not None and k not in known)
    if unknown:
        raise DataError(f"recipe '{name}' has no setting {', '.join(unknown)}")
    return cls(**{k: v for k, v in settings.items() if v is not None})


@dataclass
class Head:
    """Trained top layer(s) as state-dict tensors of the model, with validation figures."""

    state: dict[str, torch.Tensor]
    validation: dict[str, Any]


def labelled_items(folders: Sequence[str | Path]) -> tuple[list[ImageItem], list[str]]:
    """The labelled images of the folders and, for each, the name of its folder."""
    if not folders:
        raise DataError("give at least one labelled folder")
    items, groups = [], []
    for sample in scan_samples(list(folders)):
        if not sample.labelled:
            raise DataError(f"{sample.folder}: not a labelled folder (expected sub-folders a, b and c)")
        if sample.rejected:
            first = sample.rejected[0]
            raise DataError(f"{first.path}: {first.reason}; training needs every file of a labelled folder "
                            "to be a readable image")
        items += sample.items
        groups += [sample.name] * len(sample.items)
    return items, groups


@dataclass
class LabelledData:
    """Labelled images with what training needs of them, read once."""

    items: list[ImageItem]
    groups: list[str]  # the name of each image's folder
    labels: np.ndarray  # class index of each image
    digests: list[str]  # SHA-256 of each image file
    features: np.ndarray  # frozen-backbone features for a model of ``config``
    sources: list[Source | None]  # the image each was cut from, where its folder says (splits.SOURCES_FILE)
    config: ModelConfig  # the recipe's model, reading crops in grey where some folders' are grey (crop_colours)
    colour: str  # the folders' crops: "colour", "grey", or "grey and colour" (crop_colours)

    def subset(self, keep: np.ndarray) -> LabelledData:
        """The images where ``keep`` (a mask) is true."""
        index = np.flatnonzero(keep)
        pick = lambda values: [values[i] for i in index]  # noqa: E731
        return LabelledData(pick(self.items), pick(self.groups), self.labels[index], pick(self.digests),
                            self.features[index], pick(self.sources), self.config, self.colour)

    @property
    def units(self) -> np.ndarray | None:
        """What a split keeps together (:func:`sccscore.splits.source_units`); None where no source is known."""
        return source_units(self.groups, self.digests, self.sources) if any(self.sources) else None


def load_labelled(
    folders: Sequence[str | Path], recipe: Recipe, minimum: int, why: str, device: str | None = None,
    log: Log | None = None, grey_where_grey: bool = True, alongside: dict[str, dict] | None = None,
    fewer: str | None = None,
) -> LabelledData:
    """Scan, check (every type with at least ``minimum`` images; ``fewer``, the option that asks for less, as
    :func:`check_counts` says) and featurise labelled folders.

    Warned of where they pool raw crops with crops made white around the chromosome, in shares unlike between the
    types (:func:`sccscore.sample_cautions.pooled_crops_caution`), with the crops the model learns ``alongside``
    them, counted as :func:`crop_whites` counts them (the annotated spreads' chromosomes, which ``detect`` cuts and
    preprocesses).

    Where some folders' crops are grey (a monochrome camera's), the model reads every crop in grey
    (:attr:`~sccscore.config.InputConfig.grey`): one that learned grey crops cannot read colour ones (it typed 7-57%
    of the paper's crops right in colour, 68-76% in grey: docs/training.md), and grey and colour crops then look
    alike to it. ``grey_where_grey`` False keeps the recipe's colour input (a model of spreads, whose crops are cut
    from colour spreads)."""
    items, groups = labelled_items(folders)
    labels = np.array([CLASS_NAMES.index(item.label) for item in items])
    check_counts(labels, minimum, why, fewer)
    digests = fingerprints(items)
    config, colour = recipe.model_config(), crop_colours(items, groups)
    if grey_where_grey and colour != "colour":
        config = replace(config, input=replace(config.input, grey=True))
    if caution := pooled_crops_caution(crop_whites(items, groups, config.input) | (alongside or {})):
        warnings.warn(caution, stacklevel=2)  # before minutes of features: a model of these learns the making
    if log:
        log(f"backbone features of {counted(len(items), 'image')} ({config.backbone}; from the cache where present)"
            + (f"; every crop read in grey ({colour} crops)" if config.input.grey else ""))
    features = extract(items, config, digests, device=device)
    return LabelledData(items, groups, labels, digests, features, image_sources(folders, items), config, colour)


def crop_colours(items: Sequence[ImageItem], groups: Sequence[str]) -> str:
    """Whether the crops of the labelled folders (``groups``: each item's) are "colour", "grey" or "grey and colour"
    (some folders grey and others colour, or a folder of both), each folder's known by crops spread through it
    (:func:`sccscore.sample_crops.crop_colour`)."""
    colours = {crop_colour(paths) for paths in _paths_by_folder(items, groups).values()}
    return "grey and colour" if len(colours) > 1 else colours.pop()


def crop_framings(items: Sequence[ImageItem], groups: Sequence[str]) -> dict[str, dict[str, float] | None]:
    """How the crops of each labelled folder (``groups``: each item's) frame their chromosomes, the medians of up to
    400 (:func:`sccscore.framing.sample_framing`): the share of its crop a chromosome spans, its length in pixels
    and its edges' blur in px, and the crops read (:meth:`sccscore.framing.Framing.record`); how the crops a model
    learned were cut and imaged."""
    return {group: f and f.record() for group, f in sample_framings(_paths_by_folder(items, groups)).items()}


def crop_textures(items: Sequence[ImageItem], groups: Sequence[str], inputs: InputConfig) -> dict[str, dict | None]:
    """The white around the chromosomes of each labelled folder's crops (``groups``: each item's), the median texture
    of up to 400 as a model of ``inputs`` reads them (in grey, preprocessed, where it does:
    :func:`sccscore.sample_crops.sample_white_texture`) and the crops it is read from; how the crops a model learned
    were made (None: a folder of crops with no white)."""
    by_folder = _paths_by_folder(items, groups)
    return {group: texture_record(sample_white_texture(paths, inputs.preprocess, inputs.grey))
            for group, paths in by_folder.items()}


def crop_whites(items: Sequence[ImageItem], groups: Sequence[str], inputs: InputConfig) -> dict[str, dict]:
    """Of up to 400 crops spread through each labelled folder (``groups``: each item's; those :func:`crop_textures`
    reads), as a model of ``inputs`` reads them, those with a white around the chromosome
    (:func:`sccscore.sample_crops.white_around`) and those read, by type: folder -> type -> [with a white, read];
    whether the crops a model learned were raw, made white around the chromosome, or both."""
    record = {}
    for group, folder_items in _items_by_folder(items, groups).items():
        by_type: dict[str, list[int]] = {}
        for item in spread_through(folder_items, TEXTURE_CROPS):
            if (around := white_around(item.path, inputs.preprocess, inputs.grey)) is not None:
                counts = by_type.setdefault(item.label, [0, 0])
                counts[0] += int(around)
                counts[1] += 1
        record[group] = by_type
    return record


def _items_by_folder(items: Sequence[ImageItem], groups: Sequence[str]) -> dict[str, list[ImageItem]]:
    by_folder: dict[str, list[ImageItem]] = {}
    for item, group in zip(items, groups):
        by_folder.setdefault(group, []).append(item)
    return by_folder


def _paths_by_folder(items: Sequence[ImageItem], groups: Sequence[str]) -> dict[str, list[Path]]:
    return {group: [item.path for item in its] for group, its in _items_by_folder(items, groups).items()}


def check_counts(labels: np.ndarray, minimum: int, why: str, fewer: str | None = None) -> None:
    """Every type must be present with at least ``minimum`` images; where ``fewer`` (an option, as ``--folds``) asks
    for less, the error says what to give it.

    >>> check_counts(np.array([0] * 9 + [1] * 3 + [2] * 6), 5, "5-fold cross-validation", "--folds")
    Traceback (most recent call last):
    ...
    sccscore.errors.DataError: type B has 3 labelled images; 5-fold cross-validation needs at least 5: label more, \
or give --folds 3
    """
    counts = np.bincount(labels, minlength=len(CLASS_NAMES))
    for name, count in zip(CLASS_NAMES, counts):
        if count < minimum:
            remedy = f": label more, or give {fewer} {count}" if fewer and count >= 2 else ""
            raise DataError(f"type {name} has {counted(count, 'labelled image')}; {why} needs at least {minimum}"
                            f"{remedy}")


def fit(
    recipe: Recipe,
    features: np.ndarray,
    labels: np.ndarray,
    seed: int = 0,
    validate: bool = True,
    device: str | None = None,
    log: Log | None = None,
    units: np.ndarray | None = None,
) -> Head:
    """Train the recipe's head on cached features (see :mod:`sccscore.features`).

    ``units`` (:attr:`LabelledData.units`) keeps the crops of one image out of the validation together.
    """
    target = resolve_device(device)
    if isinstance(recipe, PaperRecipe):
        return _fit_paper(recipe, features, labels, seed, units, target, log or (lambda _: None))
    return _fit_default(recipe, features, labels, seed, validate, units, target, log or (lambda _: None))


# a validation interval wider than this says little of the model: 6 crops held out of a lab's 36 gave 0.436-0.970
WIDE_VALIDATION = 0.25
CROSSVAL_INSTEAD = "sccscore crossval types every labelled crop once, each by a model that did not learn it"


def _validation_split(labels: np.ndarray, units: np.ndarray | None, fraction: float,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`sccscore.splits.validation_split`, or None where the crops come from too few images to hold some out."""
    try:
        return validation_split(labels, units, fraction, rng)
    except DataError:
        return None


def _balanced_draw(labels: np.ndarray, per_type: int | None, rng: np.random.Generator) -> np.ndarray:
    """``per_type`` indices of each type, with replacement where a type has fewer; all of them for None."""
    drawn = []
    for label in np.unique(labels):
        indices = np.flatnonzero(labels == label)
        if per_type is None:
            drawn.append(indices)
        else:
            drawn.append(rng.choice(indices, per_type, replace=len(indices) < per_type))
    return np.sort(np.concatenate(drawn))


def validation_interval(validation: dict[str, Any]) -> tuple[float, float, str]:
    """The 95% interval of a validation's concordance, and what it took as the units where the crops held out were
    cut from known images: those images, where two or more (:func:`sccscore.splits.agreement_by_source`), since the
    crops of one image are alike; else the crops (Wilson's), said to be optimistic where they are one image's."""
    by_image = validation.get("by_source_image")
    if by_image and by_image["concordance_ci"]:
        low, high = by_image["concordance_ci"]
        return low, high, "with the images the crops were cut from as the units"
    matrix = np.asarray(validation["confusion"])
    low, high = agreement_interval(int(np.trace(matrix)), int(matrix.sum()))
    return low, high, "taking the crops as independent, which those of one image are not" if by_image else ""


def _fit_paper(
    recipe: PaperRecipe, features: np.ndarray, labels: np.ndarray, seed: int, units: np.ndarray | None,
    device: torch.device, log: Log
) -> Head:
    # (n, 512, 13, 13) -> (n, 169, 512): the 1x1 conv becomes one matrix product
    maps = torch.from_numpy(features).flatten(2).transpose(1, 2).contiguous().to(device)
    targets = torch.from_numpy(labels).to(device)
    weights, biases, scores = [], [], []
    for split in range(recipe.splits):
        rng = np.random.default_rng([seed, split])
        if (split_at := _validation_split(labels, units, recipe.validation_fraction, rng)) is None:
            raise DataError(f"the labelled crops were cut from {counted(len(np.unique(units)), 'image')}, and the "
                            "paper recipe chooses its epoch on crops of other images than it trains on: give crops "
                            "from more images, or use the default recipe")
        pool, held_out = split_at
        train_set = pool[_balanced_draw(labels[pool], recipe.per_type, rng)]
        torch.manual_seed(seed * 1000 + split)  # same seed, same 30 models

        def split_log(message: str, split: int = split) -> None:
            log(f"split {split + 1}/{recipe.splits} {message}")

        weight, bias, split_scores = _train_paper_members(recipe, maps, targets, train_set, held_out, device, split_log)
        weights.append(weight)
        biases.append(bias)
        scores += split_scores
        split_log(f"done: best validation concordance of its {recipe.repeats} models "
                  f"{min(split_scores):.3f}-{max(split_scores):.3f}")
    n_members = recipe.splits * recipe.repeats
    state = {
        # members stacked as the released models are: a 1x1 conv with 3 outputs each
        "classifier.1.weight": torch.cat(weights, dim=1).T.reshape(n_members * len(CLASS_NAMES), -1, 1, 1).contiguous(),
        "classifier.1.bias": torch.cat(biases),
    }
    validation = {"concordance": float(np.mean(scores)), "concordance_min": min(scores),
                  "concordance_max": max(scores), "members": scores}
    return Head(state, validation)


def _paper_logits(maps: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """SqueezeNet's classifier (1x1 conv, ReLU, average pool) for R members at once.

    ``maps`` (B, 169, 512), ``weight`` (512, 3R), ``bias`` (3R) -> logits (B, R, 3).
    """
    logits = torch.relu(maps @ weight + bias).mean(dim=1)
    return logits.view(len(maps), -1, len(CLASS_NAMES))


# each byte's 8 bits, lowest first, as dropout factors: 0 (dropped) or 2 (kept, doubled)
_BYTE_FACTORS = ((torch.arange(256)[:, None] >> torch.arange(8)) & 1).float() * 2


def _dropout_half(x: torch.Tensor) -> torch.Tensor:
    """Dropout with p = 0.5 from one random bit per element, in float32 (``x`` may be float16).

    torch's dropout draws a float per element, which was 80% of the training
    time of the paper's head on a CPU; the result has the same distribution.
    A byte's 8 factors are looked up at once, from the float16 maps as they are:
    fewer passes over the batch than converting it, then shifting the bits out
    one by one (``benchmarks/bench_paper_head.py``).
    """
    # drawn by the CPU's generator wherever ``x`` is: the same seed drops the same elements on a GPU
    bits = torch.randint(0, 256, ((x.numel() + 7) // 8,), dtype=torch.uint8).to(x.device)
    factors = _BYTE_FACTORS.to(x.device).index_select(0, bits.int()).view(-1)[: x.numel()]
    return x * factors.view(x.shape)


def _train_paper_members(
    recipe: PaperRecipe,
    maps: torch.Tensor,
    targets: torch.Tensor,
    train_set: np.ndarray,
    held_out: np.ndarray,
    device: torch.device,
    log: Log,
) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """The repeats of one split, trained side by side as one layer of 3R outputs.

    Each member has its own initialisation and keeps the epoch best on
    validation; members of a split share the batch order and dropout masks
    (their parameters are disjoint, so the summed loss gives each its own
    gradient). One product for all members is what makes 30 models take seconds.
    """
    n_outputs = recipe.repeats * len(CLASS_NAMES)
    # torchvision's initialisation of SqueezeNet's final conv
    weight = (torch.randn(maps.shape[-1], n_outputs) * 0.01).to(device).requires_grad_()
    bias = torch.zeros(n_outputs, device=device, requires_grad=True)
    optimiser = torch.optim.SGD([weight, bias], lr=recipe.learning_rate, momentum=recipe.momentum)
    train_index, held_index = torch.from_numpy(train_set).to(device), torch.from_numpy(held_out).to(device)
    held_maps, held_true = maps[held_index].float(), targets[held_index]
    best_scores = torch.full((recipe.repeats,), -1.0)
    best_weight, best_bias = weight.detach().clone(), bias.detach().clone()
    for epoch in range(recipe.epochs):
        order = train_index[torch.randperm(len(train_set)).to(device)]  # the CPU's generator, as the dropout's
        total_loss = 0.0
        for start in range(0, len(order), recipe.batch_size):
            batch = order[start : start + recipe.batch_size]
            logits = _paper_logits(_dropout_half(maps[batch]), weight, bias)
            true = targets[batch].repeat_interleave(recipe.repeats)
            loss = nn.functional.cross_entropy(logits.flatten(0, 1), true, reduction="sum") / len(batch)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total_loss += loss.item() * len(batch)
        with torch.no_grad():
            predicted = _paper_logits(held_maps, weight, bias).argmax(dim=-1)  # (V, R)
            scores = (predicted == held_true[:, None]).float().mean(dim=0).cpu()
            better = scores > best_scores
            best_scores = torch.where(better, scores, best_scores)
            columns = better.repeat_interleave(len(CLASS_NAMES)).to(device)
            best_weight[:, columns] = weight.detach()[:, columns]
            best_bias[columns] = bias.detach()[columns]
        log(f"epoch {epoch + 1}/{recipe.epochs}: loss {total_loss / len(order) / recipe.repeats:.3f} (mean of "
            f"{recipe.repeats} models), validation concordance {scores.min():.3f}-{scores.max():.3f}")
    return best_weight.cpu(), best_bias.cpu(), best_scores.tolist()


def _fit_default(
    recipe: DefaultRecipe,
    features: np.ndarray,
    labels: np.ndarray,
    seed: int,
    validate: bool,
    units: np.ndarray | None,
    device: torch.device,
    log: Log,
) -> Head:
    rng = np.random.default_rng(seed)
    validation: dict[str, Any] = {}
    if validate and (split_at := _validation_split(labels, units, recipe.validation_fraction, rng)) is not None:
        kept, held_out = split_at  # before the draw, which may repeat an image: never on both sides
        trained = kept[_balanced_draw(labels[kept], recipe.per_type, rng)]
        weight, bias = _recipe_regression(recipe, features[trained], labels[trained], device)
        predicted = linear_probabilities(features[held_out], weight, bias).argmax(axis=1)
        matrix = confusion_matrix(labels[held_out], predicted)
        # the confusion on held-out images is what compare corrects predictions with
        validation = {"concordance": concordance(matrix), "n_images": int(len(held_out)), "confusion": matrix.tolist()}
        if units is not None:  # held out whole: the images they were cut from, of how many
            n_held = len(np.unique(units[held_out]))
            validation |= {"n_source_images": n_held, "n_source_images_all": len(np.unique(units)),
                           "by_source_image": {"n_images": n_held, "concordance_ci": agreement_by_source(
                               predicted == labels[held_out], units[held_out]) if n_held > 1 else None}}
        low, high, units_said = validation_interval(validation)  # few images: a wide range
        log(f"validation concordance {validation['concordance']:.3f} (95% interval {low:.3f}-{high:.3f}"
            f"{f', {units_said}' if units_said else ''}) on {len(held_out)} held-out images"
            + (f" (all the crops of {validation['n_source_images']} of the {validation['n_source_images_all']} "
               "images they were cut from)" if units is not None else "")
            + (f": too few for a close figure; {CROSSVAL_INSTEAD}" if high - low > WIDE_VALIDATION else ""))
    elif validate:
        warnings.warn(f"no validation: the labelled crops were cut from {counted(len(np.unique(units)), 'image')}, too "
                      "few to hold some out whole; compare cannot correct this model's calls by its own validation, "
                      "so give it a confusion matrix with --confusion, or train on crops from more images",
                      stacklevel=3)
    chosen = _balanced_draw(labels, recipe.per_type, rng)
    weight, bias = _recipe_regression(recipe, features[chosen], labels[chosen], device)
    # the validation's model is not the one saved: say that the images held out were learned after all
    log(f"trained the model saved on {counted(len(chosen), 'image')}"
        + (", the held-out ones among them" if validation else ""))
    return Head({"classifier.weight": weight, "classifier.bias": bias}, validation)


def _recipe_regression(
    recipe: DefaultRecipe, features: np.ndarray, labels: np.ndarray, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    return fit_logistic_regression(features, labels, len(CLASS_NAMES), recipe.l2_c, recipe.balanced, device)


def fit_logistic_regression(
    features: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    l2_c: float,
    balanced: bool,
    device: torch.device | str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Multinomial logistic regression on standardised features, all views as samples.

    Minimises the (class-balanced) mean cross-entropy plus ``|W|^2 / (2 C n)``,
    scikit-learn's objective divided by ``C n``, with L-BFGS from zero: convex,
    so the result does not depend on a seed. The standardisation is folded into
    the returned weight and bias, which act on raw features.
    """
    n_views = features.shape[1]
    x = torch.from_numpy(features.reshape(-1, features.shape[-1])).double().to(device)
    y = torch.from_numpy(np.repeat(labels, n_views)).to(device)
    mean, std = x.mean(dim=0), x.std(dim=0).clamp_min(1e-6)
    x = (x - mean) / std
    counts = torch.bincount(y, minlength=n_classes).double()
    class_weight = counts.sum() / (len(counts) * counts) if balanced else torch.ones_like(counts)
    sample_weight = class_weight[y] / len(y)
    weight = torch.zeros(n_classes, x.shape[1], dtype=torch.float64, device=device, requires_grad=True)
    bias = torch.zeros(n_classes, dtype=torch.float64, device=device, requires_grad=True)
    optimiser = torch.optim.LBFGS([weight, bias], max_iter=500, tolerance_grad=1e-9, line_search_fn="strong_wolfe")
    penalty = 1 / (2 * l2_c * len(y))

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        losses = nn.functional.cross_entropy(x @ weight.T + bias, y, reduction="none")
        loss = (sample_weight * losses).sum() + penalty * (weight**2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    raw_weight = (weight / std).detach()
    raw_bias = (bias - raw_weight @ mean).detach()
    return raw_weight.float().cpu(), raw_bias.float().cpu()


def linear_probabilities(features: np.ndarray, weight: torch.Tensor, bias: torch.Tensor) -> np.ndarray:
    """Mean softmax over views of a linear head on (n, views, width) features."""
    logits = torch.from_numpy(features).double() @ weight.double().T + bias.double()
    return torch.softmax(logits, dim=-1).mean(dim=1).numpy()


def head_probabilities(recipe: Recipe, head: Head, features: np.ndarray) -> np.ndarray:
    """Member probabilities (n, members, classes) of a trained head on features."""
    if isinstance(recipe, DefaultRecipe):
        return linear_probabilities(features, head.state["classifier.weight"], head.state["classifier.bias"])[:, None]
    weight, bias = head.state["classifier.1.weight"].flatten(1).T, head.state["classifier.1.bias"]
    probabilities = []
    for start in range(0, len(features), 64):
        maps = torch.from_numpy(features[start : start + 64]).float().flatten(2).transpose(1, 2)
        probabilities.append(torch.softmax(_paper_logits(maps, weight, bias), dim=-1))
    return torch.cat(probabilities).numpy()


def learned_digests(digests: Sequence[str]) -> list[str]:
    """The training record's ``image_digests``: each training image's SHA-256, as much of it as is kept."""
    return sorted({digest[:LEARNED_DIGEST] for digest in digests})


def seen_in_training(model: ScoringModel, items: Sequence[ImageItem]) -> list[ImageItem]:
    """The images among ``items`` that ``model`` was trained on, known by their contents
    (:meth:`~sccscore.config.ModelConfig.learned`); a file gone since it was scored is not one."""
    if not (model.config.training or {}).get("image_digests"):
        return []  # nothing recorded: no file read
    return [item for item, seen in zip(items, model.config.learned(sha256_or_none(item.path) for item in items))
            if seen]


def warn_seen_in_training(model: ScoringModel, items: Sequence[ImageItem], what: str = "images scored") -> int:
    """Warn where some of ``items`` are images ``model`` learned: its calls on them are memory. How many are."""
    if seen := seen_in_training(model, items):
        trained = f"{model_reference(model)} was trained on"
        which = named_among([item.path for item in seen], len(items), what, f"an image {trained}",
                            f"images {trained}")
        warnings.warn(f"{which}: its calls on {'it' if len(seen) == 1 else 'them'} are memory, not a measure of the "
                      "model; score images it has not seen", stacklevel=3)
    return len(seen)


def train(
    folders: Sequence[str | Path],
    out: str | Path,
    recipe: Recipe | None = None,
    seed: int = 0,
    device: str | None = None,
    log: Log | None = None,
) -> Path:
    """Train a model on labelled folders and save it as a self-describing model folder.

    Raises
    ------
    DataError
        For a missing type, too few images of a type, or an unreadable image.
    SccscoreError
        For an ``out`` that already exists or cannot be written, before any work.
    """
    check_new_folder(out)  # before the features and the fit
    config, head = fit_recipe(folders, recipe or DefaultRecipe(), seed, device, log)
    return save_model(model_from_head(config, head), out)


def fit_recipe(folders: Sequence[str | Path], recipe: Recipe, seed: int = 0, device: str | None = None,
               log: Log | None = None) -> tuple[ModelConfig, Head]:
    """Fit ``recipe`` on labelled folders: the model's config, with its training record, and its trained head."""
    log = log or (lambda _: None)
    data = load_labelled(folders, recipe, MIN_PER_TYPE, "training", device, log)
    head = fit(recipe, data.features, data.labels, seed=seed, device=device, log=log, units=data.units)
    record = {
        "recipe": recipe.name,
        "settings": {k: v for k, v in asdict(recipe).items() if k != "name"},
        "seed": seed,
        "folders": {group: int(data.groups.count(group)) for group in dict.fromkeys(data.groups)},
        "n_images": len(data.items),
        "distribution": (np.bincount(data.labels, minlength=len(CLASS_NAMES)) / len(data.labels)).tolist(),
        "data_fingerprint": data_fingerprint(data.digests, [item.label for item in data.items]),
        "image_digests": learned_digests(data.digests),  # ModelConfig.learned
        "crops": data.colour,  # evaluate.learned_in_colour
        "crop_framing": crop_framings(data.items, data.groups),  # learned.framing_of
        "white_texture": crop_textures(data.items, data.groups, data.config.input),  # learned.texture_of
        # learned.making_of; the crops load_labelled read for its caution, remembered by their files: not read again
        "white_around": crop_whites(data.items, data.groups, data.config.input),
        "validation": head.validation,
        "versions": versions(),
    }
    return replace(data.config, training=record), head


def model_from_head(config: ModelConfig, head: Head) -> ScoringModel:
    """The full model of a trained head: ImageNet backbone below, the head on top."""
    model = backbone_model(config)
    state = model.net.state_dict()
    if head.state.keys() - state.keys():
        raise DataError(f"head {sorted(head.state)} does not fit {config.name}")
    model.net.load_state_dict(state | head.state)
    return model


def save_head(head: Head, path: str | Path, record: dict[str, Any]) -> None:
    """Write a trained head alone, with its training record in the file's metadata: the ImageNet backbone below it
    is not written (the model sccscore ships for spreads and for grey crops, and train-spreads' classifier)."""
    from safetensors.torch import save

    with atomic_open(path, "wb") as handle:
        handle.write(save(head.state, metadata={"training": json.dumps(json_ready(record), allow_nan=False)}))


def load_head(source: Traversable | Path, config: ModelConfig, what: str) -> ScoringModel:
    """The model of a head file written by :func:`save_head`: the ImageNet backbone of ``config`` with the head on
    top, its training record in ``config.training``; ``what`` names it in errors."""
    from safetensors import SafetensorError, safe_open

    try:
        with resources.as_file(source) as file, safe_open(file, "pt") as handle:
            state = {key: handle.get_tensor(key) for key in handle.keys()}
            record = json.loads((handle.metadata() or {})["training"])
    except (OSError, SafetensorError, ValueError, KeyError) as exc:
        raise ModelError(f"{source}: cannot read the {what} ({exc!r})") from None
    try:
        return model_from_head(replace(config, training=record), Head(state, {})).eval()
    except (DataError, RuntimeError) as exc:  # other keys, or weights of another shape
        raise ModelError(f"{source}: not a {what} of this sccscore version ({exc})") from None
