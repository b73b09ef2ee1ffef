"""Are the labels a microscope's software stamps on a spread left out, or counted as chromosomes?

Viewers and microscope software burn a scale bar, its length ("10 µm") and a line of text
(sample, objective, date) into the images they export. ``detect`` leaves out as ``mark`` an
object a quarter of whose dark part (stain above ``MARK_CORE``) is black (above
``MARK_STAIN``); the rule it replaced asked half of all its pixels to be black, which the grey
anti-aliased rims of small letters keep them from. This stamps each annotated spread with a
scale bar, its label and a line of text, in Pillow's own typeface at 10 to 32 px, and counts
the chromosomes found against the same spread as imaged, by both rules in one process (the
old rule the baseline). A stamp drawn over a chromosome hides it under either rule: the
counts say what the labels add or take away.

Run: ``.venv/bin/python benchmarks/drawn_labels.py [OSHIMA_DIR]`` (default
``../shared/data/oshima2026``; about 1 minute on a 2-core CPU). Figures: docs/spreads.md,
step 3.
"""

from __future__ import annotations

import sys
import time
from contextlib import nullcontext
from pathlib import Path
from unittest import mock

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sccscore import detect as detection
from sccscore.images import read_image
from sccscore.merge import MergeModel

SIZES = (10, 12, 16, 20, 24, 32)


def half_of_all_pixels(stained: np.ndarray, settings) -> tuple[np.ndarray, list]:
    """The rule before: an object at least half of whose pixels are black is ink."""
    from scipy import ndimage
    from skimage import measure

    labels = measure.label(stained > settings.threshold)
    marks = [(r.coords, "mark", "") for r in measure.regionprops(labels, intensity_image=stained)
             if (r.image_intensity[r.image] > detection.MARK_STAIN).mean() >= 0.5]
    if marks:
        drawn = np.isin(labels, [labels[tuple(coords[0])] for coords, _, _ in marks])
        stained = np.where(ndimage.binary_dilation(drawn, iterations=2), 0, stained)
    return stained, marks


def stamped(rgb: np.ndarray, size: int) -> np.ndarray:
    """The spread with a scale bar and its label at the bottom right and a line of text at the top left."""
    image = Image.fromarray(rgb)
    draw, font = ImageDraw.Draw(image), ImageFont.load_default(size=size)
    width, height = image.size
    draw.rectangle([width - 140, height - 40, width - 41, height - 33], fill="black")
    draw.text((width - 130, height - 57 - size), "10 µm", fill="black", font=font)
    draw.text((20, 20), "WT #3, 100x oil, 2026-01-05", fill="black", font=font)
    return np.asarray(image)


def chromosomes(rgb: np.ndarray, model: MergeModel) -> int:
    return len(detection.joined(detection.read_fragments(rgb), model).chromosomes)


def main(oshima: Path) -> None:
    model = MergeModel.load()
    added = {"half of all pixels (before)": [], "a quarter of the dark part (now)": []}
    started = time.perf_counter()
    for path in sorted((oshima / "images").glob("*.png")):
        rgb = read_image(path)
        for rule, counts in added.items():
            with (mock.patch.object(detection, "without_drawn_marks", half_of_all_pixels) if "before" in rule
                  else nullcontext()):
                plain = chromosomes(rgb, model)
                counts.append([chromosomes(stamped(rgb, size), model) - plain for size in SIZES])
                print(f"{path.stem} {rule}: {plain} chromosomes as imaged; stamped at "
                      + ", ".join(f"{size} px {n:+d}" for size, n in zip(SIZES, counts[-1])), flush=True)
    for rule, counts in added.items():
        table = np.array(counts)
        print(f"{rule}: {table.clip(min=0).sum()} chromosomes added, {-table.clip(max=0).sum()} lost, over "
              f"{table.size} stamped spreads")
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/oshima2026"))
