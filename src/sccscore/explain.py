"""Where the model looks: Grad-CAM heatmaps over crops, and galleries per predicted type.

Uses the maintained ``grad-cam`` package (pytorch-grad-cam) on the last
convolutional block: SqueezeNet's last fire module, ResNet-18's ``layer4``. The
paper found SqueezeNet looks at the chromatid ends, ResNet-18 at the
centromere. Heatmaps explain the class the model predicts, as ``classify``
gives it (the mean of an ensemble's members' softmax, and of the 8 rotated and
mirrored views of a model that averages them), on the crop as given: the
upright view. For crops cut from spreads, that is the model's call before
``classify --spreads`` weighs it with the outline.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from ._atomic import atomic_open, one_run_at_a_time, output_folder, remove_earlier, write_csv
from .errors import ImageReadError
from .features import ProgressCallback
from .images import ImageItem, Rejected, read_crop
from .models import ScoringModel, channels_last, cpu_batch_size
from .preprocess import prepare

TILE = 128  # px per crop in a gallery
CAPTION = 16  # px under each tile: which crop, and how sure the model is of its type


class _EnsembleLogits(nn.Module):
    """(N, 3) log of the members' mean softmax on one view: what Grad-CAM differentiates."""

    def __init__(self, model: ScoringModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        config = self.model.config
        logits = self.model.net(x).view(len(x), config.n_members, len(config.classes))
        return torch.softmax(logits, dim=-1).mean(dim=1).log()


def target_layer(model: ScoringModel) -> nn.Module:
    """The last convolutional block of the backbone."""
    net = model.net
    return net.layer4[-1] if hasattr(net, "layer4") else net.features[-1]


@dataclass
class Explanation:
    """A crop, the class explained (the model's call, or the type given) with its probability, and the heatmap."""

    item: ImageItem
    predicted: str
    probability: float
    input: np.ndarray  # the network's input, RGB uint8
    heatmap: np.ndarray  # float in [0, 1], same height and width
    overlay: np.ndarray  # the heatmap over the input, RGB uint8


def explain(model: ScoringModel, items: Sequence[ImageItem], batch_size: int | None = None,
            types: Sequence[str] | None = None,
            progress: ProgressCallback | None = None) -> tuple[list[Explanation], list[Rejected]]:
    """Grad-CAM overlays for each readable image; unreadable ones come back as rejected.

    Every explanation is kept (about 0.5 MB each): for the few crops of a report's gallery. A sample's
    thousands of crops go through :func:`explain_batches` and :func:`write_explanations`, one batch at a time.

    Examples
    --------
    Three CTF18-/- crops labelled C, explained for released model 1's call:

    >>> from sccscore.images import items_from_paths
    >>> from sccscore.models import load_model
    >>> from sccscore.sample_data import data_root
    >>> items, _ = items_from_paths(sorted((data_root() / "images" / "ctf18" / "c").iterdir())[:3])
    >>> explained, rejected = explain(load_model("paper:squeezenet1_1/1"), items)
    >>> [(e.item.path.name, e.predicted, round(e.probability, 2)) for e in explained], rejected
    ([('c001.jpg', 'C', 0.72), ('c002.jpg', 'B', 0.66), ('c003.jpg', 'B', 0.92)], [])
    >>> chromosome = explained[0].input.mean(axis=2) < 200  # the stain's pixels; the background is white
    >>> heat = explained[0].heatmap  # 0 to 1, over the network's 224 x 224 input
    >>> round(float(heat[chromosome].mean()), 2), round(float(heat[~chromosome].mean()), 2)
    (0.15, 0.09)
    """
    explanations, rejected = [], []
    for explained, unread in explain_batches(model, items, batch_size, types, progress):
        explanations += explained
        rejected += unread
    return explanations, rejected


def explain_batches(model: ScoringModel, items: Sequence[ImageItem], batch_size: int | None = None,
                    types: Sequence[str] | None = None,
                    progress: ProgressCallback | None = None) -> Iterator[tuple[list[Explanation], list[Rejected]]]:
    """Grad-CAM overlays batch by batch: each batch's explanations, and its images that could not be read.

    ``types``, one per item, names the type to explain instead of the model's call: a
    report's gallery of type B explains B, where the call was weighed with the outline or
    set right by hand. On a 2-core CPU, about 37 crops a second with the released models, 32 with a model of 8
    views (``sccscore:spreads``), written, the model in channels-last order and ``batch_size`` crops a batch (by
    default :func:`sccscore.models.cpu_batch_size`; ``benchmarks/bench_cpu_batches.py``): a sample's thousands
    take minutes, so ``progress(done, total)`` is told after each batch.
    """
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.image import show_cam_on_image
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    config = model.config
    # 16 crops a batch until 2026-12-04: with sccscore:spreads (8 views) 1.11x slower, in 1.59x the memory
    batch_size = batch_size or cpu_batch_size(config)
    wrapper = _EnsembleLogits(channels_last(model.eval()))
    mean = torch.tensor(config.input.mean).view(1, 3, 1, 1)
    std = torch.tensor(config.input.std).view(1, 3, 1, 1)
    with GradCAM(model=wrapper, target_layers=[target_layer(model)]) as cam:
        for start in range(0, len(items), batch_size):
            batch, rejected = [], []
            for index, item in enumerate(items[start : start + batch_size], start):
                try:
                    batch.append((item, prepare(read_crop(item.path), config.input), index))
                except ImageReadError as exc:
                    rejected.append(Rejected(item.path, item.sample, exc.reason))
            if progress is not None:
                progress(min(start + batch_size, len(items)), len(items))
            if not batch:
                yield [], rejected
                continue
            pixels = torch.stack([tensor for _, tensor, _ in batch])
            x = (pixels.float() / 255 - mean) / std
            with torch.no_grad():  # every member and view, as classify calls it
                probabilities = model.member_probabilities(x).mean(dim=1)
            classes = ([config.classes.index(types[index]) for _, _, index in batch] if types is not None
                       else probabilities.argmax(dim=1).tolist())
            heatmaps = cam(input_tensor=x, targets=[ClassifierOutputTarget(c) for c in classes])
            explanations = []
            for (item, tensor, _), heatmap, c, p in zip(batch, heatmaps, classes, probabilities):
                rgb = tensor.permute(1, 2, 0).numpy().astype(np.float32) / 255
                overlay = show_cam_on_image(rgb, heatmap, use_rgb=True, image_weight=0.6)
                explanations.append(Explanation(item, config.classes[c], float(p[c]), (rgb * 255).astype(np.uint8),
                                                heatmap, overlay))
            yield explanations, rejected


def gallery(explanations: Sequence[Explanation], columns: int = 6) -> Image.Image:
    """The overlays as one grid image, most confident first, each captioned (:func:`caption`)."""
    ranked = sorted(explanations, key=lambda e: -e.probability)
    return _sheet([(e.overlay, caption(e.item, e.probability)) for e in ranked], columns)


def caption(item: ImageItem, probability: float) -> str:
    """A gallery tile's caption: the crop's name within its sample, without the file type, and the probability of
    its type (``spread5/003 0.98``), so that a heatmap that looks wrong can be found among the crops."""
    return f"{item.stem} {probability:.2f}"


def caption_strip(text: str) -> Image.Image:
    """``text`` under a tile, cut from the left (``…``) where it is wider than the tile."""
    font = ImageFont.load_default(size=11)
    while len(text) > 1 and font.getlength(text) > TILE - 4:
        text = "…" + text[2:]
    strip = Image.new("RGB", (TILE, CAPTION), "white")
    ImageDraw.Draw(strip).text((2, 1), text, fill="black", font=font)
    return strip


def _sheet(tiles: Sequence[tuple[np.ndarray, str]], columns: int = 6) -> Image.Image:
    """The overlays as one grid image, in the order given, each over its caption."""
    rows = max(1, -(-len(tiles) // columns))
    sheet = Image.new("RGB", (columns * TILE, rows * (TILE + CAPTION)), "white")
    for index, (overlay, text) in enumerate(tiles):
        left, top = (index % columns) * TILE, (index // columns) * (TILE + CAPTION)
        sheet.paste(Image.fromarray(overlay).resize((TILE, TILE), Image.BILINEAR), (left, top))
        sheet.paste(caption_strip(text), (left, top + TILE))
    return sheet


class WrittenExplanations(NamedTuple):
    """Where :func:`write_explanations` wrote, how many crops it explained, and the files it could not read."""

    folder: Path
    n_explained: int
    rejected: list[Rejected]
    earlier: list[str]  # heatmaps/ files this run did not draw: an earlier run's into the same folder


def write_explanations(batches: Iterable[tuple[list[Explanation], list[Rejected]]], out: str | Path,
                       per_type: int = 12, unread: Sequence[Rejected] = ()) -> WrittenExplanations:
    """One overlay PNG per crop, ``gallery_<type>.png`` per predicted type, ``explanations.csv`` and ``rejected.csv``
    (with the files found ``unread`` before), from :func:`explain_batches`. Each overlay is written as its batch
    comes, and only each type's ``per_type`` most confident are kept for the galleries: memory holds a batch,
    whatever the number of crops. Nothing is written where no crop could be read.

    The folder is held for this run alone (:func:`~sccscore._atomic.one_run_at_a_time`) from its first heatmap.
    A gallery an earlier run into it left, of a type this run did not call, is removed (it would be taken for this
    run's); its heatmaps are kept and named in ``earlier``.
    """
    folder = Path(out)
    rows, rejected, best = [], list(unread), defaultdict(list)  # best: per type, a heap of the most confident
    heatmaps = None  # made with the first heatmap: nothing is written where no crop could be read
    with ExitStack() as held:
        for explained, skipped in batches:
            rejected += skipped
            for explanation in explained:
                if heatmaps is None:  # a second run into the folder meanwhile would mix its heatmaps and galleries
                    heatmaps = output_folder(held.enter_context(one_run_at_a_time(folder)) / "heatmaps")
                rows.append(_write_heatmap(explanation, len(rows), heatmaps, best, per_type))
        if rows:
            _write_galleries(best, folder)
            write_csv(folder / "explanations.csv", ["path", "sample", "predicted", "probability", "heatmap"], rows)
            write_csv(folder / "rejected.csv", ["path", "sample", "reason"],
                      [[str(r.path), r.sample, r.reason] for r in rejected])
    drawn = {Path(row[-1]).name for row in rows}
    earlier = sorted(path.name for path in heatmaps.glob("*.png") if path.name not in drawn) if heatmaps else []
    return WrittenExplanations(folder, len(rows), rejected, earlier)


def _write_heatmap(explanation: Explanation, index: int, heatmaps: Path, best: dict[str, list],
                   per_type: int) -> list:
    """Save the crop's overlay, keep it among its type's ``per_type`` most confident, and return its table row."""
    # named as its gallery caption names it, within its sample (spread5/003: crops of two spreads share 003)
    name = f"{index:05d}_{explanation.item.sample}_{explanation.item.stem.replace('/', '_')}.png"
    _save_png(Image.fromarray(explanation.overlay), heatmaps / name)
    kept = best[explanation.predicted]  # its overlay and caption alone: a third of the explanation's memory
    # the first of equally confident ones wins, as a stable sort would keep it
    heapq.heappush(kept, (explanation.probability, -index, caption(explanation.item, explanation.probability),
                          explanation.overlay))
    if len(kept) > per_type:
        heapq.heappop(kept)
    return [str(explanation.item.path), explanation.item.sample, explanation.predicted,
            round(explanation.probability, 4), f"heatmaps/{name}"]


def _write_galleries(best: dict[str, list], folder: Path) -> None:
    """``gallery_<type>.png`` of each type called, most confident first; one of a type not called is removed."""
    for cls, kept in best.items():
        _save_png(_sheet([(overlay, text) for *_, text, overlay in sorted(kept, reverse=True)]),
                  folder / f"gallery_{cls}.png")
    remove_earlier(folder, [path.name for path in folder.glob("gallery_*.png")
                            if path.stem.removeprefix("gallery_") not in best])


def _save_png(image: Image.Image, path: Path) -> None:
    with atomic_open(path, "wb") as handle:
        image.save(handle, format="PNG")
