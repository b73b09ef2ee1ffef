"""Scoring images with a model: batched, streamed, with decoding in threads.

:func:`predict_batches` is the core loop: threads decode and resize the next
batch while the model scores this one, and results are yielded batch by batch,
so memory does not grow with the number of images. Images that cannot be read
are not fatal: they come back as :class:`~sccscore.images.Rejected`
records, so that a batch survives one bad file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from .config import InputConfig, ModelConfig
from .errors import ImageReadError
from .images import ImageItem, Rejected, read_crop
from .models import ScoringModel
from .preprocess import prepare
from .parallel import cpu_threads
from .runtime import make_runner

ProgressCallback = Callable[[int, int], None]
# Images the network is given at once: 64 crops, or 8 of a model that scores each in its 8 views (config.views).
# ONNX Runtime keeps the memory of its largest batch: 64 crops in 8 views took classify --spreads to a peak of
# 3.5 GB; 8 crops, 1.2 GB, and no slower (docs/benchmarks.md, "Crops in eight views").
NETWORK_BATCH = 64


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


def _decode(item: ImageItem, config: InputConfig) -> torch.Tensor | str:
    """The crop as a (3, H, W) uint8 tensor ready for the model, or why it cannot be read."""
    try:
        return prepare(read_crop(item.path), config)
    except ImageReadError as exc:
        return exc.reason


def _image_batches(
    items: Sequence[ImageItem], config: InputConfig, batch_size: int, threads: int
) -> Iterator[tuple[list[int], torch.Tensor | None, list[tuple[int, str]]]]:
    """Decoded batches in input order: (indices read, uint8 batch, [(index, reason) unreadable]).

    ``threads`` threads decode and resize each batch (PIL releases the GIL while it
    works), and the next batch is decoded while the caller scores this one.
    Threads rather than processes: no pickling of batches, no process start.
    """
    starts = range(0, len(items), batch_size)
    with ThreadPoolExecutor(threads) as decoders, ThreadPoolExecutor(1) as planner:

        def batch_from(start: int):
            indices = range(start, min(start + batch_size, len(items)))
            decoded = list(decoders.map(lambda index: _decode(items[index], config), indices))
            good = [(i, tensor) for i, tensor in zip(indices, decoded) if not isinstance(tensor, str)]
            bad = [(i, reason) for i, reason in zip(indices, decoded) if isinstance(reason, str)]
            return [i for i, _ in good], torch.stack([t for _, t in good]) if good else None, bad

        if not starts:
            return
        upcoming = planner.submit(batch_from, starts[0])
        for following in starts[1:]:
            current, upcoming = upcoming.result(), planner.submit(batch_from, following)
            yield current
        yield upcoming.result()


def default_batch_size(config: ModelConfig) -> int:
    """Crops per batch for a model: :data:`NETWORK_BATCH` images through the network, its views included.

    >>> default_batch_size(ModelConfig("squeezenet1_1")), default_batch_size(ModelConfig("squeezenet1_1", views=8))
    (64, 8)
    """
    return max(1, NETWORK_BATCH // config.views)


def predict_batches(
    model: ScoringModel,
    items: Sequence[ImageItem],
    batch_size: int | None = None,
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
    batch_size
        Crops scored at once; default :func:`default_batch_size`.
    workers
        Threads that decode and resize images, the next batch while the model
        scores this one; default one per CPU core.
    device, engine
        Where and how the model runs; see :func:`sccscore.runtime.make_runner`.
    progress
        Called with (images done, images in total) after each batch.
    """
    run = make_runner(model, device=device, engine=engine)
    batches = _image_batches(items, model.config.input, batch_size or default_batch_size(model.config),
                             workers or cpu_threads())
    done = 0
    for indices, batch, bad in batches:
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
