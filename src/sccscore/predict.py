"""Scoring images with a model: batched, streamed, with decoding in worker processes.

:func:`predict_batches` is the core loop: worker processes decode and resize
images while the model scores the previous batch, and results are yielded batch
by batch, so memory does not grow with the number of images. Images that cannot
be read are not fatal: they come back as :class:`~sccscore.images.Rejected`
records, so that a batch survives one bad file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from .config import InputConfig
from .errors import ImageReadError
from .images import ImageItem, Rejected, read_image
from .models import ScoringModel
from .preprocess import prepare
from .runtime import cpu_threads, make_runner

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
    batch = torch.stack([t for _, t in good]) if good else None
    return [i for i, _ in good], batch, bad


def predict_batches(
    model: ScoringModel,
    items: Sequence[ImageItem],
    batch_size: int = 64,
    workers: int | None = None,
    device: str | None = None,
    engine: str = "auto",
    progress: ProgressCallback | None = None,
) -> Iterator[Predictions]:
    """Score images batch by batch, in input order.

    Parameters
    ----------
    model
        A loaded model; see :func:`sccscore.models.load_model`.
    items
        The images, e.g. from :func:`sccscore.images.scan_sample`.
    workers
        Processes that decode and resize images while the model runs; default 1
        (on a 2-core CPU one decoder keeps up with the model; 0 decodes in this
        process).
    device, engine
        Where and how the model runs; see :func:`sccscore.runtime.make_runner`.
    progress
        Called with (images done, images in total) after each batch.
    """
    run = make_runner(model, device=device, engine=engine)
    workers = min(1, cpu_threads() - 1) if workers is None else workers
    loader = DataLoader(
        _CropDataset(items, model.config.input),
        batch_size=batch_size,
        num_workers=workers if len(items) > batch_size else 0,
        collate_fn=_collate,
    )
    done = 0
    for indices, batch, bad in loader:
        scores = run(batch) if batch is not None else np.empty((0, model.config.n_members, len(model.config.classes)))
        done += len(indices) + len(bad)
        if progress:
            progress(done, len(items))
        yield Predictions(
            items=[items[i] for i in indices],
            member_probabilities=scores,
            classes=model.config.classes,
            rejected=[Rejected(items[i].path, items[i].sample, reason) for i, reason in bad],
        )


def predict(model: ScoringModel, items: Sequence[ImageItem], **options) -> Predictions:
    """Score images and gather all results in memory (see :func:`predict_batches`)."""
    batches = list(predict_batches(model, items, **options))
    n_outputs = (model.config.n_members, len(model.config.classes))
    return Predictions(
        items=[item for b in batches for item in b.items],
        member_probabilities=np.concatenate([b.member_probabilities for b in batches])
        if batches else np.empty((0, *n_outputs)),
        classes=model.config.classes,
        rejected=[r for b in batches for r in b.rejected],
    )
