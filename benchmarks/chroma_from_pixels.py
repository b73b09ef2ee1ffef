"""Measurement: whether a crop's pixels say that its colour was kept at half resolution (a JPEG's 4:2:0), where its
file no longer does (saved as JPEG, then as PNG or TIFF).

Two measures, read on the paper's 906 crops (JPEG; by their headers 858 of 4:2:0, 48 of 4:4:4) and on the crops
``sccscore detect`` cuts from the four oshima2026 spreads (PNG, their colour whole), as they are, saved again as JPEG
4:2:0 (quality 95 and 75) and as JPEG 4:4:4 (quality 95):

- ``second differences``: the chroma's second differences' energy over the luma's, on the pixels no channel clips
  (upsampled colour has little energy at the pixel grid's highest frequencies);
- ``distance``: ``sample_crops.chroma_distance``, how far the chroma lies from the nearest chroma kept at half
  resolution and brought back as libjpeg's decoder brings it (``sample_crops.HALVED_CHROMA`` is its bound).

The spreads' chromosomes as imaged (their boxes in the raw spreads, and in the spreads saved as JPEG 4:2:0 at
quality 95) are read by the distance as well, though ``chroma_distance`` reads none (no white around them).

A measure serves only where the crops of 4:2:0 read apart from those whole on both sources.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/chroma_from_pixels.py
[OSHIMA_DIR]`` (default ``../shared/data/oshima2026``; about a minute); prints each set's spread.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, JpegImagePlugin

from sccscore.images import IMAGE_SUFFIXES
from sccscore.images import read_image
from sccscore.sample_crops import CHROMA, HALVED_CHROMA, chroma_distance, distance_from_halved
from sccscore.sample_data import data_root

LUMA = np.array([0.299, 0.587, 0.114])  # JPEG's luma of RGB


def second_difference_energy(plane: np.ndarray, usable: np.ndarray) -> float:
    """Mean squared second difference along rows and columns, where the three pixels are all usable."""
    energies, counts = 0.0, 0
    for axis in (0, 1):
        length = plane.shape[axis]
        before, middle, after = (np.take(a, np.arange(start, start + length - 2), axis=axis)
                                 for a in (plane,) for start in (0, 1, 2))
        keep = np.ones(before.shape, bool)
        for start in (0, 1, 2):
            keep &= np.take(usable, np.arange(start, start + length - 2), axis=axis)
        energies += float((((middle - (before + after) / 2)[keep]) ** 2).sum())
        counts += int(keep.sum())
    return energies / max(counts, 1)


def second_differences(rgb: np.ndarray) -> float:
    """The chroma's second-difference energy over the luma's."""
    usable = ((rgb > 3) & (rgb < 252)).all(axis=2)
    pixels = rgb.astype(np.float64)
    chroma = sum(second_difference_energy(pixels @ weights, usable) for weights in CHROMA)
    return chroma / max(second_difference_energy(pixels @ LUMA, usable), 1e-9)


def saved_again(rgb: np.ndarray, **options) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", **options)
    return np.asarray(Image.open(buffer).convert("RGB"))


def spread(values: list[float]) -> str:
    low, hundredth, middle, high = np.percentile(values, [0, 1, 50, 100])
    return f"{low:.3f} / {hundredth:.3f} / {middle:.3f} / {high:.3f}"


def raw_chromosomes(detections: Path, images: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each chromosome's box in its raw spread, and in the spread saved as JPEG 4:2:0 at quality 95."""
    import csv

    raw, halved, spreads = [], [], {}
    with detections.open() as table:
        rows = list(csv.DictReader(table))
    for row in rows:
        if row["status"] != "chromosome":
            continue
        if row["image"] not in spreads:
            rgb = read_image(images / Path(row["image"]).name)
            spreads[row["image"]] = rgb, saved_again(rgb, quality=95)
        x0, y0, x1, y1 = (int(float(row[k])) for k in ("x0", "y0", "x1", "y1"))
        raw.append(spreads[row["image"]][0][y0:y1, x0:x1])
        halved.append(spreads[row["image"]][1][y0:y1, x0:x1])
    return raw, halved


def main() -> None:
    oshima = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/oshima2026")
    paper = sorted(p for p in (data_root() / "images").rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    halved_by_header = [JpegImagePlugin.get_sampling(Image.open(p)) != 0 for p in paper]
    pixels = [np.asarray(Image.open(p).convert("RGB")) for p in paper]
    with tempfile.TemporaryDirectory() as out:
        spreads = sorted(str(p) for p in (oshima / "images").glob("*.png"))
        subprocess.run([sys.executable, "-m", "sccscore", "detect", *spreads, "--out", out], check=True,
                       capture_output=True)
        cut = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(Path(out, "crops").rglob("*.png"))]
        raw, raw_jpeg = raw_chromosomes(Path(out, "detections.csv"), oshima / "images")
    sets = {
        "the paper's crops of 4:2:0, as shared": [rgb for rgb, h in zip(pixels, halved_by_header) if h],
        "the paper's crops of 4:4:4, as shared": [rgb for rgb, h in zip(pixels, halved_by_header) if not h],
        "the spreads' crops, PNG": cut,
        "the same saved as JPEG 4:2:0, quality 95": [saved_again(rgb, quality=95) for rgb in cut],
        "the same saved as JPEG 4:2:0, quality 75": [saved_again(rgb, quality=75) for rgb in cut],
        "the same saved as JPEG 4:4:4, quality 95": [saved_again(rgb, quality=95, subsampling=0) for rgb in cut],
    }
    print("least / 1st percentile / median / most")
    for name, crops in (("the spreads' chromosomes as imaged", raw), ("the same, the spreads saved as JPEG 4:2:0",
                                                                       raw_jpeg)):
        distances = [distance_from_halved(c) for c in crops]
        print(f"{name}, {len(crops)} chromosomes:\n  distance {spread(distances)}")
    for name, crops in sets.items():
        distances = [d for d in map(chroma_distance, crops) if d is not None]
        under = sum(d < HALVED_CHROMA for d in distances)
        print(f"{name}, {len(crops)} crops:\n  second differences {spread([second_differences(c) for c in crops])}\n"
              f"  distance {spread(distances)}, {under} of {len(distances)} under {HALVED_CHROMA:g}")


if __name__ == "__main__":
    main()
