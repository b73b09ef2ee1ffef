"""Turning a crop into the network's input, and the paper's preprocessing of raw crops.

The paper (Ikemoto et al. 2023, Methods) paints other objects in a crop white,
fixes each RGB channel's mean and standard deviation to 64 and 16, and applies
contrast alpha=3, brightness beta=80 and gamma=3, without stating the order or
the gamma formula. :func:`paper_preprocess` uses the order that reproduces the
published crops (white background, channel means near 230): normalise the
channels, then ``clip(alpha * x + beta)``, then ``255 * (x / 255) ** gamma``.
See ``docs/preprocessing.md`` for the check against the published crops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image
from scipy import ndimage

from .config import InputConfig
from .images import channel_mean, in_grey

if TYPE_CHECKING:
    import torch

PAPER_MEAN, PAPER_STD = 64.0, 16.0
PAPER_ALPHA, PAPER_BETA, PAPER_GAMMA = 3.0, 80.0, 3.0


def prepare(rgb: np.ndarray, config: InputConfig) -> torch.Tensor:
    """Read in grey (where the model does), preprocess and resize an RGB uint8 crop to a (3, H, W) uint8 tensor.

    Scaling and normalisation with the config's mean and std are part of the
    model's graph (:mod:`sccscore.runtime`), so that workers ship compact uint8
    tensors.
    """
    import torch  # here, not above: detect preprocesses its crops and needs no torch (2 s to import)

    rgb = as_read(rgb, config.grey, config.preprocess)
    if config.pad_square:
        rgb = pad_to_square(rgb)
    height, width = config.size
    resized = Image.fromarray(rgb).resize((width, height), Image.BILINEAR)
    return torch.from_numpy(np.asarray(resized).copy()).permute(2, 0, 1)


def as_read(rgb: np.ndarray, grey: bool, preprocess: str | None) -> np.ndarray:
    """An RGB uint8 crop as a model reads it before it is resized: in grey where the model reads every crop in grey
    (``grey``), then preprocessed as the paper did where it does (``preprocess`` "paper")."""
    if grey:
        rgb = in_grey(rgb)
    return paper_preprocess(rgb) if preprocess == "paper" else rgb


def pad_to_square(rgb: np.ndarray) -> np.ndarray:
    """Centre a crop on a square of its border's median colour.

    Examples
    --------
    >>> pad_to_square(np.full((2, 4, 3), 200, np.uint8)).shape
    (4, 4, 3)
    """
    height, width = rgb.shape[:2]
    side = max(height, width)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    square = np.empty((side, side, 3), np.uint8)
    square[:] = np.median(border, axis=0).astype(np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = rgb
    return square


def paper_preprocess(rgb: np.ndarray) -> np.ndarray:
    """Apply the paper's preprocessing to a raw RGB uint8 crop.

    Examples
    --------
    >>> crop = np.full((40, 40, 3), 200, np.uint8)
    >>> crop[10:30, 18:22] = 60                      # a dark chromosome
    >>> out = paper_preprocess(crop)
    >>> int(out[0, 0, 0]), int(out[20, 20, 0]) < 100  # white background, dark object
    (255, True)
    """
    rgb = isolate_main_object(rgb)
    x = rgb.astype(np.float64)
    mean = x.mean(axis=(0, 1), keepdims=True)
    std = x.std(axis=(0, 1), keepdims=True)
    x = (x - mean) / np.where(std > 0, std, 1.0) * PAPER_STD + PAPER_MEAN
    x = np.clip(PAPER_ALPHA * x + PAPER_BETA, 0, 255)
    x = 255.0 * (x / 255.0) ** PAPER_GAMMA
    return np.rint(x).astype(np.uint8)


def isolate_main_object(rgb: np.ndarray) -> np.ndarray:
    """Paint white every dark object except the chromosome the crop was made for (:func:`main_object`)."""
    if (found := main_object(rgb)) is None:
        return rgb
    chromosome, foreground = found
    out = rgb.copy()
    out[foreground & ~chromosome] = 255
    return out


def main_object(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The pixels of the chromosome a crop was made for, and of every dark object in it (two masks); None for a crop
    of one shade.

    Foreground is found with Otsu's threshold on the grey image. Objects closer
    than a few pixels are grouped first, so that the two sisters of a type C
    chromosome stay together; the group with the most area in the crop's central
    half is the chromosome.
    """
    from skimage.filters import threshold_otsu

    grey = channel_mean(rgb)
    if grey.max() - grey.min() < 1:
        return None
    foreground = grey < threshold_otsu(grey)
    reach = max(2, round(0.04 * max(grey.shape)))
    groups, n_groups = ndimage.label(ndimage.binary_dilation(foreground, iterations=reach))
    if n_groups <= 1:
        return foreground, foreground
    height, width = grey.shape
    centre = np.zeros_like(foreground)
    centre[height // 4 : height - height // 4, width // 4 : width - width // 4] = True
    central_area = np.bincount(groups[foreground & centre], minlength=n_groups + 1)[1:]
    total_area = np.bincount(groups[foreground], minlength=n_groups + 1)[1:]
    score = central_area if central_area.any() else total_area
    return foreground & (groups == int(np.argmax(score)) + 1), foreground
