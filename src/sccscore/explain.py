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

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from ._atomic import atomic_open, output_folder, write_csv
from .errors import ImageReadError
from .features import ProgressCallback
from .images import ImageItem, Rejected, read_crop
from .models import ScoringModel
from .preprocess import prepare

TILE = 128  # px per crop in a gallery


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


def explain(model: ScoringModel, items: Sequence[ImageItem], batch_size: int = 16,
            types: Sequence[str] | None = None,
            progress: ProgressCallback | None = None) -> tuple[list[Explanation], list[Rejected]]:
    """Grad-CAM overlays for each readable image; unreadable ones come back as rejected.

    ``types``, one per item, names the type to explain instead of the model's call: a
    report's gallery of type B explains B, where the call was weighed with the outline or
    set right by hand. Images are decoded batch by batch, but every explanation is kept
    (about 0.5 MB each): meant for the tens to hundreds of crops a person looks at, at
    about 4 a second on a laptop's CPU, so ``progress(done, total)`` is told after each batch.
    """
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.image import show_cam_on_image
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    config = model.config
    wrapper = _EnsembleLogits(model.eval())
    mean = torch.tensor(config.input.mean).view(1, 3, 1, 1)
    std = torch.tensor(config.input.std).view(1, 3, 1, 1)
    explanations, rejected = [], []
    with GradCAM(model=wrapper, target_layers=[target_layer(model)]) as cam:
        for start in range(0, len(items), batch_size):
            batch = []
            for index, item in enumerate(items[start : start + batch_size], start):
                try:
                    batch.append((item, prepare(read_crop(item.path), config.input), index))
                except ImageReadError as exc:
                    rejected.append(Rejected(item.path, item.sample, exc.reason))
            if progress is not None:
                progress(min(start + batch_size, len(items)), len(items))
            if not batch:
                continue
            pixels = torch.stack([tensor for _, tensor, _ in batch])
            x = (pixels.float() / 255 - mean) / std
            with torch.no_grad():  # every member and view, as classify calls it
                probabilities = model.member_probabilities(x).mean(dim=1)
            classes = ([config.classes.index(types[index]) for _, _, index in batch] if types is not None
                       else probabilities.argmax(dim=1).tolist())
            heatmaps = cam(input_tensor=x, targets=[ClassifierOutputTarget(c) for c in classes])
            for (item, tensor, _), heatmap, c, p in zip(batch, heatmaps, classes, probabilities):
                rgb = tensor.permute(1, 2, 0).numpy().astype(np.float32) / 255
                overlay = show_cam_on_image(rgb, heatmap, use_rgb=True, image_weight=0.6)
                explanations.append(Explanation(item, config.classes[c], float(p[c]), (rgb * 255).astype(np.uint8),
                                                heatmap, overlay))
    return explanations, rejected


def gallery(explanations: Sequence[Explanation], columns: int = 6) -> Image.Image:
    """The overlays as one grid image, most confident first."""
    ordered = sorted(explanations, key=lambda e: -e.probability)
    rows = max(1, -(-len(ordered) // columns))
    sheet = Image.new("RGB", (columns * TILE, rows * TILE), "white")
    for index, explanation in enumerate(ordered):
        tile = Image.fromarray(explanation.overlay).resize((TILE, TILE), Image.BILINEAR)
        sheet.paste(tile, ((index % columns) * TILE, (index // columns) * TILE))
    return sheet


def write_explanations(
    explanations: Sequence[Explanation], rejected: Sequence[Rejected], out: str | Path, per_type: int = 12
) -> Path:
    """One overlay PNG per crop, ``gallery_<type>.png`` per predicted type and ``explanations.csv``."""
    folder = output_folder(out)
    rows = []
    for index, explanation in enumerate(explanations):
        name = f"{index:05d}_{explanation.item.sample}_{explanation.item.path.stem}.png"
        _save_png(Image.fromarray(explanation.overlay), output_folder(folder / "heatmaps") / name)
        rows.append([str(explanation.item.path), explanation.item.sample, explanation.predicted,
                     round(explanation.probability, 4), f"heatmaps/{name}"])
    for cls in dict.fromkeys(e.predicted for e in explanations):
        mine = [e for e in explanations if e.predicted == cls]
        _save_png(gallery(sorted(mine, key=lambda e: -e.probability)[:per_type]), folder / f"gallery_{cls}.png")
    write_csv(folder / "explanations.csv", ["path", "sample", "predicted", "probability", "heatmap"], rows)
    write_csv(folder / "rejected.csv", ["path", "sample", "reason"],
              [[str(r.path), r.sample, r.reason] for r in rejected])
    return folder


def _save_png(image: Image.Image, path: Path) -> None:
    with atomic_open(path, "wb") as handle:
        image.save(handle, format="PNG")
