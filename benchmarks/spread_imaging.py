"""Does a spread read the same at another exposure or white balance, and what do a background clipped at white, too
little light, and a noisy camera, cost?

Detection reads the stain against the field's own background (``sccscore.detect.stain``) and
the classifier normalises each crop's channels (the paper's preprocessing), so more or less
light should change nothing, until the background lies beyond the brightest level the file
holds: clipped there, how far above it lay, and so the palest stain, is lost. This holds each
annotated spread out in turn, as ``sccscore evaluate-detection --leave-one-out`` does (merge
model, classifier and outline model fitted on the other three as imaged), and reads the
held-out spread with every pixel times an exposure (rounded, clipped at 255), with red and
blue scaled as another camera's white balance would, and with Gaussian noise of a few grey
levels added (the spreads' background lies near 100 of 255), as a camera at a higher gain
gives; the noisiest also denoised again by non-local means (``skimage.restoration``, at the
noise that ``sccscore.spread_imaging.noise_level`` reads), the remedy a lab would reach for first. The
other remedy, a classifier that has seen noise: trained on the other spreads as imaged and
again with noise of ``NOISY_TRAINING`` grey levels added (detected again, their matched crops
added with their types; other noise than the held-out spread's), read on the held-out spread as
imaged and noisy. And the held-out spread saved as JPEG at a few qualities, which sccscore
reads from its luminance, as a lab's microscope software may save it for the shipped models, as
imaged and with noise, which JPEG smooths away from ``noise_level``'s sight.

Figures: the held-out spread's background level and share of its field at 255
(``sccscore.spread_imaging.background_level``, ``saturated_share``), its noise relative to its
background, how many spreads ``detect`` cautions on exposure or noise, and recall, precision
and end-to-end concordance over the 249 annotated chromosomes, with how many of the 66 type B
were called C and of the 127 type C called B. Last, what reading the noise costs: ``noise_level``
against ``detect`` itself (which calls it), on the four spreads as imaged, the best of three.

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/spread_imaging.py
[OSHIMA_DIR]`` (5.5 to 7.5 minutes on a 2-core CPU). Figures: docs/spreads.md, exposure and noise.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from skimage import restoration

from sccscore.detect import detect
from sccscore.detection_eval import figures, score_spread
from sccscore.images import CLASS_NAMES, read_image
from sccscore.merge import MergeModel
from sccscore.shape import fit_shape_model
from sccscore.spread_imaging import background_level, noise_level, saturated_share
from sccscore.spread_model import fit_spread_head
from sccscore.spreads import Spread, detect_spreads
from spread_focus import folds, typed  # each spread held out, and its calls, as evaluate-detection makes them

EXPOSURES = (0.2, 0.3, 0.4, 0.5, 1.0, 2.0, 2.5, 2.6, 2.8, 3.0)  # times the light the spreads were imaged with
TINT = (1.15, 1.0, 0.8)  # red and blue times these, green as imaged: another camera's white balance
NOISE = (1.0, 2.0, 3.0, 6.0)  # grey levels, the sd of the Gaussian noise added
DENOISED = (3.0, 6.0)  # noise levels also read denoised again
JPEG_QUALITIES = (95, 85, 75)  # the held-out spread saved as JPEG at these (Pillow, 4:2:0), read as sccscore reads it
NOISY_JPEG = (1.0, 3.0)  # noise levels also saved as JPEG at the best of those qualities, which smooths the noise
NOISY_TRAINING = ((2.0,), (1.0, 3.0))  # grey levels: the other spreads added once with each, for a classifier
SHIPPED = "as shipped"
EVERY_CLASSIFIER = re.compile(r"x 1|noise \d+")  # the conditions each classifier reads; the others, the shipped one
CAUTIONED = re.compile("brightest level|noisier|underexposed")  # detect's cautions on exposure and noise


def exposed(rgb: np.ndarray, gain: float | tuple[float, float, float]) -> np.ndarray:
    """``rgb`` times ``gain``, or each channel times its own."""
    return np.clip(rgb * np.asarray(gain), 0, 255).round().astype(np.uint8)


def noisy(rgb: np.ndarray, sd: float, seed: int = 0) -> np.ndarray:
    return np.clip(rgb + np.random.default_rng(seed).normal(0, sd, rgb.shape), 0, 255).round().astype(np.uint8)


def denoised(rgb: np.ndarray) -> np.ndarray:
    """Non-local means at the noise the image reads, as skimage's docs advise (h 0.8 sigma, fast mode)."""
    sigma = noise_level(rgb) * float(np.median(rgb[..., 1]))  # back in grey levels
    out = restoration.denoise_nl_means(rgb.astype(np.float64), h=0.8 * sigma, sigma=sigma, patch_size=5,
                                       patch_distance=6, fast_mode=True, channel_axis=-1, preserve_range=True)
    return np.clip(out, 0, 255).round().astype(np.uint8)


def saved_as(rgb: np.ndarray, path: Path, condition: str) -> Path:
    """``rgb`` saved at ``path``: as PNG, or as JPEG at the quality a condition names ("jpeg 85")."""
    if jpeg := re.search(r"jpeg (\d+)", condition):
        path = path.with_suffix(".jpg")
        Image.fromarray(rgb).save(path, quality=int(jpeg[1]))
    else:
        Image.fromarray(rgb).save(path)
    return path


def conditions() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Each way the held-out spread is read, by name."""
    found: dict[str, Callable[[np.ndarray], np.ndarray]] = {f"x {g:g}": partial(exposed, gain=g) for g in EXPOSURES}
    found["tinted"] = partial(exposed, gain=TINT)
    for sd in NOISE:
        found[f"noise {sd:g}"] = partial(noisy, sd=sd)
        if sd in DENOISED:
            found[f"noise {sd:g}, denoised"] = lambda rgb, sd=sd: denoised(noisy(rgb, sd))
    for quality in JPEG_QUALITIES:  # saved so by saved_as
        found[f"jpeg {quality}"] = lambda rgb: rgb
    for sd in NOISY_JPEG:
        found[f"noise {sd:g}, jpeg {JPEG_QUALITIES[0]}"] = partial(noisy, sd=sd)
    return found


def heads_trained(others: list[Spread], merge_model: MergeModel, oshima: Path, folder: Path) -> dict[str, Any]:
    """The shipped classifier, fitted on the other spreads as imaged, and one for each of ``NOISY_TRAINING``, fitted
    on them and on noisy copies of them (seeds other than the held-out spread's noise)."""
    heads = {SHIPPED: fit_spread_head(others)}
    for sds in NOISY_TRAINING:
        copies = []
        for sd in sds:
            saved = folder / f"noise-{sd:g}"
            saved.mkdir(parents=True)
            for seed, spread in enumerate(others, start=1):
                Image.fromarray(noisy(read_image(spread.item.path), sd, seed)).save(saved / spread.item.path.name)
            copies += detect_spreads(sorted(saved.glob("*.png")), saved / "out", merge_model=merge_model,
                                     labels_dir=oshima / "labels").spreads
        heads["+ noisy copies " + ", ".join(f"{sd:g}" for sd in sds)] = fit_spread_head(others + copies)
    return heads


def main(oshima: Path) -> None:
    warnings.filterwarnings("ignore", message=".*(brightest level|median|noisier|blurred|stained)")  # on purpose
    scored: dict[tuple[str, str], list] = {}  # by classifier and condition
    readings: dict[str, list[tuple[float, float, float, bool]]] = {}  # per spread: background, white, noise, cautioned
    with tempfile.TemporaryDirectory() as tmp:
        for held, item, label_file, merge_model, others in folds(oshima, Path(tmp)):
            heads = heads_trained(others, merge_model, oshima, Path(tmp) / f"{held}-training")
            shape_model = fit_shape_model(others)
            for n, (condition, altered) in enumerate(conditions().items()):
                folder = Path(tmp) / f"{held}-held-{n}"
                folder.mkdir()
                saved = saved_as(altered(read_image(item.path)), folder / item.path.name, condition)
                rgb = read_image(saved)
                spread = detect_spreads([saved], folder / "out", merge_model=merge_model,
                                        labels_dir=oshima / "labels").spreads[0]
                for name, head in heads.items():
                    if name == SHIPPED or EVERY_CLASSIFIER.fullmatch(condition):
                        scored.setdefault((name, condition), []).append(
                            score_spread(spread, typed(spread, head, shape_model), label_file))
                cautioned = any(CAUTIONED.search(caution) for caution in spread.cautions)
                readings.setdefault(condition, []).append((background_level(rgb), saturated_share(rgb),
                                                           noise_level(rgb), cautioned))
    b, c = CLASS_NAMES.index("B"), CLASS_NAMES.index("C")
    print("\nheld out as          background (%)     white per spread (%)  noise per spread (%)    cautioned  "
          "recall / precision  concordance  B called C  C called B")
    for condition in conditions():
        report = figures(scored[SHIPPED, condition])
        b_as_c, c_as_b = swapped(scored[SHIPPED, condition], b, c)
        background, shares, noise = (", ".join(f"{100 * r[column]:.{digits}f}" for r in readings[condition])
                                     for column, digits in ((0, 0), (1, 0), (2, 2)))
        cautioned = f"{sum(r[3] for r in readings[condition])} of {len(readings[condition])}"
        print(f"{condition:<20} {background:<18} {shares:<21} {noise:<23} {cautioned}     "
              f"{report['recall']:.3f} / {report['precision']:.3f}       {report['concordance']:.3f}        "
              f"{b_as_c:>3}         {c_as_b:>3}", flush=True)
    print("\nclassifier                 held out as  concordance  B called C  C called B")
    for (name, condition), spreads_scored in scored.items():
        if EVERY_CLASSIFIER.fullmatch(condition):
            b_as_c, c_as_b = swapped(spreads_scored, b, c)
            print(f"{name:<26} {condition:<12} {figures(spreads_scored)['concordance']:.3f}        {b_as_c:>3}         "
                  f"{c_as_b:>3}", flush=True)

    timed([read_image(path) for path in sorted((oshima / "images").glob("*.png"))])


def swapped(spreads_scored: list, b: int, c: int) -> tuple[int, int]:
    """How many annotated B were called C, and C called B."""
    return tuple(sum(int(((s["true"] == x) & (s["given"] == y)).sum()) for s in spreads_scored)
                 for x, y in ((b, c), (c, b)))


def timed(spreads: list[np.ndarray]) -> None:
    def best(call, rgb) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            call(rgb)
            times.append(time.perf_counter() - started)
        return min(times)

    noise_s = [best(noise_level, rgb) for rgb in spreads]
    detect_s = [best(detect, rgb) for rgb in spreads]
    print(f"noise_level {1000 * np.mean(noise_s):.0f} ms a spread, detect {1000 * np.mean(detect_s):.0f} ms "
          f"({100 * sum(noise_s) / sum(detect_s):.1f}% of it)", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
