"""Does the scale that a spread's stained objects suggest follow its magnification?

``detect`` warns where a spread's chromosomes are far from the annotated spreads' median size
and suggests a ``--scale`` from the median size of its stained objects
(``spread_imaging.suggested_scale``): the median chromosome is cut and left out by settings made for
another scale, the stained objects are not. This resizes each annotated spread (Pillow's bicubic
up, box down, as a camera of more or fewer pixels would image it), reads it at scale 1 as a lab
would without ``--scale``, and prints the scale suggested for each size, divided by the size
(1.00: it follows the magnification exactly) and, on the last line, each spread's suggestion at
its own size (what the suggestion's spread between spreads of one magnification is). Last, what
reading the objects costs: ``read_fragments`` of the four spreads with ``object_area`` and with
it skipped, alternated in one process, medians of 5 rounds.

Run: ``.venv/bin/python benchmarks/scale_suggestion.py [OSHIMA_DIR]`` (default
``../shared/data/oshima2026``; under a minute on a 2-core CPU). Figures: README, spreads.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from sccscore import detect as detect_module
from sccscore.detect import DetectSettings, detect, read_fragments
from sccscore.images import read_image
from sccscore.spread_imaging import suggested_scale

SIZES = (0.5, 0.7, 1.0, 1.5, 2.0, 2.5)


def suggested_at(rgb: np.ndarray, size: float) -> float:
    height, width = rgb.shape[:2]
    resized = Image.fromarray(rgb).resize((round(width * size), round(height * size)),
                                          Image.BICUBIC if size > 1 else Image.BOX)
    return suggested_scale(detect(np.asarray(resized)), DetectSettings())


def cost(spreads: list[np.ndarray], rounds: int = 5) -> dict[str, float]:
    """Seconds to read the spreads' fragments with the objects' area read and skipped (medians of ``rounds``)."""
    real = detect_module.object_area
    runs: dict[str, list[float]] = {"skipped": [], "read": []}

    def seconds() -> float:
        start = time.perf_counter()
        for rgb in spreads:
            read_fragments(rgb)
        return time.perf_counter() - start

    seconds()  # warm
    try:
        for _ in range(rounds):
            detect_module.object_area = lambda dark: None
            runs["skipped"].append(seconds())
            detect_module.object_area = real
            runs["read"].append(seconds())
    finally:
        detect_module.object_area = real
    return {name: statistics.median(values) for name, values in runs.items()}


def main() -> None:
    oshima = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/oshima2026")
    print("spread   " + "  ".join(f"x{size:<4}" for size in SIZES) + "  (suggested / size)")
    own, spreads = {}, []
    for path in sorted((oshima / "images").glob("*.png")):
        rgb = read_image(path)
        spreads.append(rgb)
        suggested = {size: suggested_at(rgb, size) for size in SIZES}
        own[path.stem] = suggested[1.0]
        print(f"{path.stem:<8} " + "  ".join(f"{suggested[size] / suggested[1.0] / size:5.2f}" for size in SIZES),
              flush=True)
    print("at their own size: " + ", ".join(f"{name} {value:.2f}" for name, value in own.items()))
    seconds = cost(spreads)
    print(f"read_fragments of the {len(spreads)} spreads: {seconds['skipped']:.3f} s with object_area skipped, "
          f"{seconds['read']:.3f} s read: {seconds['read'] / seconds['skipped']:.3f}x")


if __name__ == "__main__":
    main()
