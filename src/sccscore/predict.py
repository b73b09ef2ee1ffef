"""Scoring images with a model: batched, with image decoding in worker processes.

:func:`predict` is the core loop every command uses. Images that cannot be read
are not fatal: they come back as :class:`~sccscore.images.Rejected` records so
that a batch survives one bad file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from .config import InputConfig
from .errors import ImageReadError
from .images import ImageItem, Rejected, read_image
from .models import ScoringModel
from .preprocess import normalise_batch, prepare

ProgressCallback = Callable[[int, int], None]


@dataclass
class Predictions:
    """Scores of the images that could be read, in input order.

    ``member_probabilities`` has shape (n_images, n_members, n_classes);
    ``probabilities`` is their mean over members (the ensemble's softmax).
    """

    items: list[ImageItem]
    member_probabilities: np.ndarray
    classes: tuple[str, ...]
    rejected: list[Rejected]

    @property
    def probabilities(self) -> np.ndarray:
        return self.member_probabilities.mean(axis=1)

    @property
    def predicted(self) -> list[str]:
        return [self.classes[i] for i in self.probabilities.argmax(axis=1)]


class _CropDataset(Dataset):
    def __init__(self, items: Sequence[ImageItem], config: InputConfig) -> None:
        self.items, self.config = items, config

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[int, torch.Tensor | None, str]:
        try:
            return index, prepare(read_image(self.items[index].path), self.config), ""
        except ImageReadError as exc:
            return index, None, exc.reason


def _collate(samples: list[tuple[int, torch.Tensor | None, str]]):
    good = [(i, t) for i, t, _ in samples if t is not None]
    bad = [(i, message) for i, t, message in samples if t is None]
    indices = [i for i, _ in good]
    batch = torch.stack([t for _, t in good]) if good else None
    return indices, batch, bad


def select_device(name: str | None = None) -> torch.device:
    """The device to run on: ``name`` if given, else CUDA when available, else CPU."""
    if name:
        return torch.device(name)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def predict(
    model: ScoringModel,
    items: Sequence[ImageItem],
    batch_size: int = 64,
    workers: int | None = None,
    device: str | None = None,
    progress: ProgressCallback | None = None,
) -> Predictions:
    """Score images with a model.

    Parameters
    ----------
    model
        A loaded model; see :func:`sccscore.models.load_model`.
    items
        The images, e.g. from :func:`sccscore.images.scan_sample`.
    workers
        Processes that decode and resize images while the model runs; default
        one fewer than the CPU cores, at least 0 (decode in this process).
    progress
        Called with (images done, images in total) after each batch.
    """
    torch_device = select_device(device)
    model = model.to(torch_device).eval()
    if workers is None:
        workers = max(0, min(4, (os.cpu_count() or 1) - 1))
    loader = DataLoader(
        _CropDataset(items, model.config.input),
        batch_size=batch_size,
        num_workers=workers if len(items) > batch_size else 0,
        collate_fn=_collate,
    )
    n_members, n_classes = model.config.n_members, len(model.config.classes)
    scores = np.full((len(items), n_members, n_classes), np.nan, dtype=np.float32)
    rejected: dict[int, str] = {}
    done = 0
    with torch.inference_mode():
        for indices, batch, bad in loader:
            rejected.update(bad)
            if batch is not None:
                x = normalise_batch(batch.to(torch_device), model.config.input)
                scores[indices] = model.member_probabilities(x).float().cpu().numpy()
            done += len(indices) + len(bad)
            if progress:
                progress(done, len(items))
    kept = [i for i in range(len(items)) if i not in rejected]
    return Predictions(
        items=[items[i] for i in kept],
        member_probabilities=scores[kept],
        classes=model.config.classes,
        rejected=[Rejected(items[i].path, items[i].sample, rejected[i]) for i in sorted(rejected)],
    )
