"""How the texture of the white around the chromosomes (``sccscore.sample_crops.white_texture``) reads on the paper's
crops made alike and changed as no eye sees, and where ``compare`` cautions (``sccscore.sample_cautions``).

For the paper's WT and CTF18-/- crops as shared, and the CTF18-/- crops with noise of 0.2 to 1 grey level on their
near-white pixels, with those pixels painted flat white, exposed 1.1 times as long (the white clipped), blurred by a
Gaussian of 0.5 px, and saved again as JPEG: each sample's median texture (of all its crops), its ratio to the
CTF18-/- crops' as shared, and the released ensemble's C share. Then
how far apart two samples made alike lie by chance, read from 40, 100, 200 or 400 crops each (2,000 pairs drawn with
replacement, seeded; 99th and 99.9th percentiles of the larger median over the smaller): WT against CTF18-/-, and WT
against WT. ``TEXTURE_APART`` and ``TEXTURE_CROPS`` were set from these figures (docs/preprocessing.md). Last, what
the check costs ``compare``: reading a sample's texture from 400 crops, each crop read afresh, against reading its
framing from the same crops (``sccscore.framing.sample_framing``, the check of the crops that compare made already),
medians of 3 runs in this process.

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/white_texture.py`` (about 2 minutes on a
2-core CPU).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
from sample_framing import timed
from scipy import ndimage
from unseen_changes import copies, flattened, noisy, saved_as_jpeg

from sccscore.evaluate import evaluate
from sccscore.framing import sample_framing
from sccscore.images import IMAGE_SUFFIXES, read_crop
from sccscore.models import load_model
from sccscore.sample_crops import sample_white_texture, white_texture
from sccscore.sample_data import data_root


def textures(folder: Path) -> np.ndarray:
    """The white texture of each crop below ``folder`` that has a near-white background."""
    found = (white_texture(read_crop(p)) for p in sorted(folder.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES)
    return np.array([t for t in found if t is not None])


def apart_by_chance(first: np.ndarray, second: np.ndarray, n: int, pairs: int = 2000) -> np.ndarray:
    """How far apart the medians of ``n`` crops drawn from each lie (the larger over the smaller), ``pairs`` times."""
    generator = np.random.default_rng(0)
    medians = [(np.median(generator.choice(first, n)), np.median(generator.choice(second, n))) for _ in range(pairs)]
    return np.array([max(a, b) / min(a, b) for a, b in medians])


def main() -> None:
    images = data_root() / "images"
    model = load_model("paper:squeezenet1_1")
    wt, ctf18 = textures(images / "wt"), textures(images / "ctf18")
    shared = np.median(ctf18)
    print(f"wt     as shared                      {np.median(wt):.3f}  ({len(wt)} crops)")
    with tempfile.TemporaryDirectory() as scratch:
        changes = {"as shared": None, **{f"noise {sd} on the near white": noisy(sd, "white")
                                         for sd in (0.2, 0.3, 0.4, 0.5, 1.0)},
                   "near white painted white": flattened,
                   "exposed 1.1 times as long": lambda rgb: np.clip(rgb * 1.1, 0, 255).round().astype(np.uint8),
                   "blurred by 0.5 px": lambda rgb: ndimage.gaussian_filter(rgb, (0.5, 0.5, 0)),
                   **{f"JPEG {quality}, colour {'halved' if sampling else 'whole'}": saved_as_jpeg(quality, sampling)
                      for quality in (95, 50) for sampling in (2, 0)}}
        for n, (name, change) in enumerate(changes.items()):
            folder = copies(images / "ctf18", Path(scratch) / f"ctf18-{n}", change)
            texture = np.median(textures(folder))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                called = 100 * evaluate(folder, model)["ensemble"]["distribution_pred"][2]
            print(f"ctf18  {name:<30} {texture:.3f}  x{texture / shared:.2f}  C {called:.1f}%", flush=True)
    for n in (40, 100, 200, 400):
        for name, (first, second) in {"wt/ctf18": (wt, ctf18), "wt/wt": (wt, wt)}.items():
            ratios = apart_by_chance(first, second, n)
            print(f"{n:>3} crops each, {name:<8} apart by chance: 99th percentile {np.quantile(ratios, 0.99):.2f}, "
                  f"99.9th {np.quantile(ratios, 0.999):.2f}")
    for genotype in ("wt", "ctf18"):
        crops = sorted(p for p in (images / genotype).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        texture = timed(lambda: sample_white_texture(crops))
        framing = timed(lambda: sample_framing(crops))
        print(f"{genotype}: texture of 400 crops read {texture:.3f} s, framing {framing:.3f} s (the texture "
              f"{texture / framing:.2f} times the framing's time)")


if __name__ == "__main__":
    main()
