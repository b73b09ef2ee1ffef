"""Features pooled over the chromosome's own pixels instead of the whole crop: a lever for issue 6.

The default recipe pools each tap's activations (mean and max) over the whole crop, so a
small chromosome's mean is diluted by more background than a large one's. Here the crop's
chromosome is its pixels darker than the crop's border by 25 grey levels (neighbours are
painted the background's colour, so they are not in it), the mask is pooled down to each
tap's resolution, and the features are (a) the mean and the max within the mask, (b) the
mean within the mask with the crop's max, (c) the default's two with the masked mean added.
All 8 views, as the recipe. Same leave-one-spread-out protocol as
``spread_classifier_levers.py`` (the CNN alone, so the baseline is the ``--no-outline``
figure, 0.755).

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/spread_mask_pooling.py
[OSHIMA_DIR]`` (about 3 minutes on a 2-core CPU). Figures: docs/spreads-levers.md.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from spread_classifier_levers import features, held_out_spreads, linear  # beside this file

from sccscore.detection_eval import figures, score_spread
from sccscore.features import backbone_model
from sccscore.images import CLASS_NAMES, ImageItem, read_image
from sccscore.models import dihedral_views
from sccscore.preprocess import prepare
from sccscore.spread_model import RECIPE

CONFIG = RECIPE.model_config()
NET = backbone_model(CONFIG).net.eval()
MEAN = torch.tensor(CONFIG.input.mean).view(1, 3, 1, 1) * 255
STD = torch.tensor(CONFIG.input.std).view(1, 3, 1, 1) * 255


def masked_features(items: list[ImageItem], mode: str) -> np.ndarray:
    """(n, 8 views, width) features pooled as ``mode`` says (see the module's docstring)."""
    out = []
    for start in range(0, len(items), 32):
        x = torch.stack([prepare(read_image(i.path), CONFIG.input) for i in items[start:start + 32]]).float()
        grey = x.mean(1, keepdim=True)
        border = torch.cat([grey[..., 0, :], grey[..., -1, :], grey[..., :, 0], grey[..., :, -1]], -1)
        background = border.median(-1).values[..., None, None]
        mask = (grey < background - 25).float()
        n = len(x)
        xv, mv = dihedral_views((x - MEAN) / STD), dihedral_views(mask)
        pooled = []
        with torch.inference_mode():
            h = xv
            for index, layer in enumerate(NET.features):
                h = layer(h)
                if index in NET.taps:
                    m = torch.nn.functional.adaptive_avg_pool2d(mv, h.shape[-2:])
                    weight = m / m.sum((2, 3), keepdim=True).clamp_min(1e-6)
                    masked_mean = (h * weight).sum((2, 3))
                    inside = torch.where(m > 0, h, torch.full_like(h, -1e4)).amax((2, 3))
                    inside = torch.where(inside < -1e3, h.amax((2, 3)), inside)
                    if mode == "mask mean+max":
                        pooled += [masked_mean, inside]
                    elif mode == "mask mean, max":
                        pooled += [masked_mean, h.amax((2, 3))]
                    elif mode == "both":
                        pooled += [h.mean((2, 3)), h.amax((2, 3)), masked_mean]
        out.append(torch.cat(pooled, 1).view(8, n, -1).transpose(0, 1).numpy())
    return np.concatenate(out)


def main(oshima: Path) -> None:
    scored: dict[str, list] = {}
    modes = ("mask mean+max", "mask mean, max", "both")
    with tempfile.TemporaryDirectory() as tmp:
        for spread, label_file, train, train_y, test in held_out_spreads(oshima, Path(tmp)):
            variants = {"baseline": linear(features(train), train_y, features(test))}
            for mode in modes:
                variants[mode] = linear(masked_features(train, mode), train_y, masked_features(test, mode))
            for name, probabilities in variants.items():
                types = {n: CLASS_NAMES[g] for n, g in zip(spread.crops, probabilities.argmax(axis=1))}
                scored.setdefault(name, []).append(score_spread(spread, types, label_file))
    baseline = np.concatenate([s["given"] == s["true"] for s in scored["baseline"]])
    for name, spreads_scored in scored.items():
        right = np.concatenate([s["given"] == s["true"] for s in spreads_scored])
        report = figures(spreads_scored)
        per = " / ".join(f"{report['per_type'][t]['concordance']:.2f}" for t in "ABC")
        print(f"{name:<18} {report['concordance']:.3f}  {int((right & ~baseline).sum())} / "
              f"{int((baseline & ~right).sum())}  A/B/C {per}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
