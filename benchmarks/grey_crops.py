"""What grey crops cost the released models, and what recolouring them wins back.

A lab with a monochrome camera gives the released models grey crops, which they never saw: they learned from
colour Giemsa crops. This scores the paper's WT and CTF18-/- test crops with the released ensemble in colour, made
grey (:func:`sccscore.images.grey_copies`, their luminance), and recoloured: each grey level given the mean colour
that the other genotype's crops have at that level (fitted on one genotype, scored on the other, so that no crop
recolours itself). The grey figures are those ``classify`` warns with (tools/record_released_figures.py).

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/grey_crops.py`` (about 10 seconds on a
2-core CPU). Figures: README, "Crops, models and what to expect of them".
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from sccscore.evaluate import evaluate
from sccscore.images import IMAGE_SUFFIXES, grey_copies, read_image
from sccscore.models import load_model
from sccscore.sample_data import data_root

OTHER = {"wt": "ctf18", "ctf18": "wt"}


def colour_by_grey_level(folder: Path) -> np.ndarray:
    """(256, 3): the mean colour of the pixels of the crops below ``folder`` at each grey level, levels no pixel has
    interpolated."""
    sums, counts = np.zeros((256, 3)), np.zeros(256)
    for path in (p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        rgb = read_image(path)
        level = np.asarray(Image.fromarray(rgb).convert("L")).ravel()
        np.add.at(sums, level, rgb.reshape(-1, 3))
        np.add.at(counts, level, 1)
    seen = np.flatnonzero(counts)
    return np.stack([np.interp(np.arange(256), seen, sums[seen, c] / counts[seen]) for c in range(3)], axis=1)


def recoloured(grey: Path, colours: np.ndarray, into: Path) -> Path:
    for path in grey.rglob("*.png"):
        copy = into / path.relative_to(grey)
        copy.parent.mkdir(parents=True, exist_ok=True)
        level = np.asarray(Image.open(path).convert("L"))
        Image.fromarray(np.clip(np.round(colours[level]), 0, 255).astype(np.uint8)).save(copy)
    return into


def main() -> None:
    images, model = data_root() / "images", load_model("paper:squeezenet1_1")
    warnings.simplefilter("ignore")  # the shared WT crops hold one image twice; grey crops are warned of
    print("the released ensemble's concordance; recoloured: by the other genotype's colours")
    print("genotype  colour  grey   recoloured")
    with tempfile.TemporaryDirectory() as scratch:
        for genotype in OTHER:
            grey = grey_copies(images / genotype, Path(scratch) / "grey" / genotype)
            colours = colour_by_grey_level(images / OTHER[genotype])
            folders = (images / genotype, grey, recoloured(grey, colours, Path(scratch) / "recoloured" / genotype))
            figures = [evaluate(folder, model)["ensemble"]["concordance"] for folder in folders]
            print(f"{genotype:8}  " + "  ".join(f"{figure:.3f}" for figure in figures))


if __name__ == "__main__":
    main()
