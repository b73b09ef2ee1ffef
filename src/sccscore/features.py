"""Frozen-backbone features, computed once per image and cached on disk.

Both training recipes keep the ImageNet backbone frozen and train only what
sits on top of it, so the backbone's output for an image never changes. It is
computed once and cached, keyed by the image's content and by everything that
shapes the output (backbone, input pipeline, head, views): the paper's 30-model
protocol then takes seconds, and ``train``, ``crossval`` and ``learning-curve``
share the work.

Two kinds of features, one per head (see :class:`sccscore.config.ModelConfig`):

- ``classifier`` head: the backbone's last feature maps (SqueezeNet: 512 x 13 x 13
  at 224 px), one view, stored as float16;
- ``multidepth`` head: the pooled activations at the taps for each view,
  shape (views, width), float32.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from .config import ModelConfig
from .errors import DataError, ImageReadError
from .images import ImageItem, copies, read_crop, warn_repeated
from .models import ScoringModel, channels_last, cpu_batch_size, dihedral_views, imagenet_backbone_state
from .preprocess import prepare
from .runtime import float32_convolutions, resolve_device
from .sample_data import cache_dir, sha256

ProgressCallback = Callable[[int, int], None]
GPU_BATCH = 32  # crops a batch on a GPU, as on every device before 2026-12-04: not measured there (batch_size)


def fingerprints(items: Sequence[ImageItem]) -> list[str]:
    """SHA-256 of each image file; warns when the same image appears twice."""
    digests = [sha256(item.path) for item in items]
    warn_repeated(copies({item.path: digest for item, digest in zip(items, digests)}),
                  labels={item.path: item.label for item in items})
    return digests


def data_fingerprint(digests: Sequence[str], labels: Sequence[str]) -> str:
    """One SHA-256 over the images' contents and labels, independent of order."""
    lines = sorted(f"{digest} {label}" for digest, label in zip(digests, labels))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def backbone_model(config: ModelConfig) -> ScoringModel:
    """A model of this config with ImageNet weights in its backbone (head untrained)."""
    model = ScoringModel(config)
    missing, unexpected = model.net.load_state_dict(imagenet_backbone_state(config.backbone), strict=False)
    if unexpected or any(not key.startswith(("classifier.", "fc.")) for key in missing):
        raise DataError(f"ImageNet weights do not fit the {config.backbone} backbone")
    return model.eval()


def _feature_function(model: ScoringModel) -> Callable[[torch.Tensor], torch.Tensor]:
    """The part of the model below the trained layer, as a function of a normalised batch."""
    net, config = model.net, model.config
    if config.head == "multidepth":
        if config.views == 1:
            return lambda x: net.pooled(x)[:, None]
        return lambda x: net.pooled(dihedral_views(x)).view(8, x.shape[0], -1).transpose(0, 1)
    if config.views != 1 or config.backbone != "squeezenet1_1":
        raise DataError("the paper's classifier head is trained on SqueezeNet's feature maps, one view")
    return lambda x: net.features(x).half()


def cache_key(config: ModelConfig) -> str:
    """Everything that shapes the features, hashed; the head's trained layer excluded."""
    inputs = asdict(config.input)
    if not inputs["grey"]:
        del inputs["grey"]  # so that features cached before crops could be read in grey keep their key
    shape = {
        "backbone": config.backbone,
        "input": inputs,
        "head": config.head,
        "taps": list(config.taps),
        "views": config.views,
        "weights": "imagenet",
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


def extract(
    items: Sequence[ImageItem],
    config: ModelConfig,
    digests: Sequence[str] | None = None,
    device: str | None = None,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Features of each image for a model of ``config``, from the cache where present.

    Raises
    ------
    DataError
        If an image cannot be read (training needs every labelled image).
    """
    digests = list(digests) if digests is not None else fingerprints(items)
    folder = cache_dir() / "features" / cache_key(config)
    paths = [folder / digest[:2] / f"{digest}.npy" for digest in digests]
    todo = [i for i, path in enumerate(paths) if not path.is_file()]
    if todo:
        target = resolve_device(device)
        model = channels_last(backbone_model(config).to(target))
        compute = _feature_function(model)
        scale = 1 / (255 * torch.tensor(config.input.std, device=target).view(1, 3, 1, 1))
        shift = torch.tensor(config.input.mean, device=target).view(1, 3, 1, 1) * scale * 255
        size = batch_size(config, target)
        for start in range(0, len(todo), size):
            batch = todo[start : start + size]
            pixels = torch.stack([_prepared(items[i], config) for i in batch]).to(target)
            with torch.inference_mode(), float32_convolutions():  # the same features on a GPU as on a CPU
                values = compute(pixels.float() * scale - shift).cpu().numpy()
            for i, value in zip(batch, values):
                _save(paths[i], value)
            if progress:
                progress(min(start + size, len(todo)), len(todo))
    return np.stack([np.load(path) for path in paths])


def batch_size(config: ModelConfig, device: torch.device) -> int:
    """Crops a batch of :func:`extract` for a model of ``config`` on ``device``: on a CPU, as few as keep the
    backbone's work within its caches (:func:`sccscore.models.cpu_batch_size`), 32 in 8 views having taken twice
    the time and memory of 2.

    >>> from sccscore.training import DefaultRecipe, PaperRecipe
    >>> cpu, default, paper = torch.device("cpu"), DefaultRecipe().model_config(), PaperRecipe().model_config()
    >>> batch_size(default, cpu), batch_size(paper, cpu), batch_size(default, torch.device("cuda"))
    (2, 8, 32)
    """
    return GPU_BATCH if device.type == "cuda" else cpu_batch_size(config)


def _prepared(item: ImageItem, config: ModelConfig) -> torch.Tensor:
    try:
        return prepare(read_crop(item.path), config.input)
    except ImageReadError as exc:
        raise DataError(f"{exc}; training needs every labelled image readable") from None


def _save(path: Path, value: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, value)
        os.replace(tmp, path)  # a reader never sees a half-written cache entry
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
