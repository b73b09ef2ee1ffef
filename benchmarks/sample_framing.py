"""How many crops a sample's framing is read from, and what reading them costs.

A sample's framing (:func:`sccscore.framing.sample_framing`) is the median span, length and edge blur of up to
``FRAMING_CROPS`` of its crops, and ``compare`` compares the samples' focus only where their median lengths lie within
``FOCUS_LENGTHS_APART`` of each other. Medians of few crops are noisy, so the band is missed by chance, and a blur
between samples goes unsaid. Here each of the paper's WT and CTF18-/- crops is framed once (and the WT crops blurred by
a Gaussian of 0.75 and 1 px, and resized to 1.2 of their size, as imaged out of focus or at another magnification);
then samples of ``k`` crops are drawn from them with replacement (a sample larger than ``k``, 2,000 draws a pair,
seeded), and :func:`sccscore.framing.framing_caution` is asked of each pair: how often their lengths lay outside the
band (focus not compared) and how often it cautioned of focus.

Then the time: ``sample_framing`` of each genotype's folder at 100 and at ``FRAMING_CROPS`` crops, each crop read
(the remembered framings cleared first), and three calls of it, as a ``compare`` of folders makes them (classify's
caution, compare's and the report's), with each crop's framing remembered (``file_framing``) against the baseline of
every call reading its crops again.

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/sample_framing.py`` (about a minute on a
2-core CPU). Figures: docs/benchmarks.md ("The framing of a sample's crops"), ``sccscore.framing``'s comments.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from sccscore import framing
from sccscore.framing import FRAMING_CROPS, Framing, crop_framing, framing_caution, sample_framing
from sccscore.images import IMAGE_SUFFIXES, read_crop
from sccscore.sample_crops import forget_crops
from sccscore.sample_data import data_root

CROPS_READ = (30, 100, 200, FRAMING_CROPS, 500)
DRAWS = 2000


def main() -> None:
    folders = {genotype: _crops(data_root() / "images" / genotype) for genotype in ("wt", "ctf18")}
    wt = [read_crop(path) for path in folders["wt"]]
    framed = {"wt": _framed(wt), "ctf18": _framed(map(read_crop, folders["ctf18"])),
              "wt blurred 0.75 px": _framed(_blurred(crop, 0.75) for crop in wt),
              "wt blurred 1 px": _framed(_blurred(crop, 1.0) for crop in wt),
              "wt resized 1.2": _framed(_resized(crop, 1.2) for crop in wt)}
    print("Drawn samples: share of pairs whose lengths lie outside the focus band | cautioned of focus")
    pairs = [("wt", "wt"), ("wt", "ctf18"), ("wt", "wt blurred 0.75 px"), ("wt", "wt blurred 1 px"),
             ("wt", "wt resized 1.2")]
    print(f"{'crops':>6}  " + "  ".join(f"{f'{a} / {b}':>26}" for a, b in pairs))
    rng = np.random.default_rng(0)
    for k in CROPS_READ:
        cells = [_drawn(framed[a], framed[b], k, rng) for a, b in pairs]
        print(f"{k:>6}  " + "  ".join(f"{outside:>14.1%} | {cautioned:>8.1%}" for outside, cautioned in cells))
    print("\nTime (s), in this process")
    for genotype, paths in folders.items():
        read = {most: timed(lambda: sample_framing(paths, most)) for most in (100, FRAMING_CROPS)}
        baseline = timed(lambda: [_read_again(paths) for _ in range(3)])
        remembered = timed(lambda: [sample_framing(paths) for _ in range(3)])
        print(f"{genotype} ({len(paths)} crops): 100 crops {read[100]:.3f}, {FRAMING_CROPS} crops "
              f"{read[FRAMING_CROPS]:.3f}; three calls {remembered:.3f} remembered against {baseline:.3f} read each "
              f"time: {baseline / remembered:.1f}x")


def _crops(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES)


def _framed(crops) -> np.ndarray:
    """Each crop's span, length and blur (rows), those a chromosome is found in."""
    return np.array([(f.span, f.length, f.blur) for f in map(crop_framing, crops) if f is not None])


def _blurred(rgb: np.ndarray, sd: float) -> np.ndarray:
    return np.clip(ndimage.gaussian_filter(rgb.astype(float), (sd, sd, 0)).round(), 0, 255).astype(np.uint8)


def _resized(rgb: np.ndarray, factor: float) -> np.ndarray:
    height, width, _ = rgb.shape
    size = (round(width * factor), round(height * factor))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS))


def _drawn(first: np.ndarray, second: np.ndarray, k: int, rng: np.random.Generator) -> tuple[float, float]:
    """Of DRAWS pairs of samples of k crops drawn from the two, the share whose median lengths lay outside the band
    focus is compared within, and the share cautioned of focus."""
    outside = cautioned = 0
    for _ in range(DRAWS):
        one, other = (Framing(*np.median(crops[rng.integers(0, len(crops), k)], axis=0), k)
                      for crops in (first, second))
        outside += max(one.length, other.length) > framing.FOCUS_LENGTHS_APART * min(one.length, other.length)
        said = framing_caution({"one": one, "other": other})
        cautioned += bool(said and "out of focus" in said)
    return outside / DRAWS, cautioned / DRAWS


def _read_again(paths: list[Path]) -> Framing | None:
    """The baseline: ``sample_framing`` reading every crop again, as each call did before crops' framings were
    remembered."""
    forget_crops()
    return sample_framing(paths)


def timed(work) -> float:
    """Median of 3 runs of ``work``, all that the checks remembered of the crops (answers and pixels) forgotten before
    each."""
    times = []
    for _ in range(3):
        forget_crops()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


if __name__ == "__main__":
    main()
