"""Does the detector hold when a field is lit unevenly, its slide stained paler or darker, or out of focus?

The stain is read against the field's background. Read against its median alone, a field
lit unevenly has a darker side where background passes for stain and a brighter side where
pale chromosomes fall below the threshold. ``sccscore.detect.illumination`` fits the
background instead (a plane, and a radial term where the corners differ from the centre by
more than 5%). This takes the four annotated spreads as they are, with a left-to-right ramp
(the right edge up to 30% darker) and with a radial fall-off (the corners up to 30% darker,
as vignetting), and detects them with the shipped merge model, read against the fitted
background and against the median alone. Recall and precision are at IoU >= 0.5 over the
249 annotated chromosomes (in-sample merge model: compare the rows, not with leave-one-out).
Then the stain made weaker or stronger, as on a slide stained for less or more time: every
pixel's difference from the background scaled (0.7: 30% paler), read at the strength of the
annotated spreads (``sccscore.spread_imaging.stain_gain``) and at the fixed thresholds alone. Then
the spreads saved as JPEG (Pillow, quality 95, 85 and 75, colour subsampled 4:2:0 as most
software does), as a lab may have them, against the lossless PNG: the stain read from the
green channel, as from PNG, and from the luminance, as ``classify --spreads`` reads a JPEG
file (``sccscore.detect.stain``). Last, the noise floor of
such comparisons: the spreads as imaged with up to one grey level of uniform noise added
(five seeds), which no eye would see. Then defocus: the spreads blurred by a Gaussian of 0.5 to 3 px,
and imaged at half the magnification (resampled to 0.5 x and read with ``scale`` 0.5), with their edges'
blur (``sccscore.spread_imaging.edge_blur``, px), how many spreads are cautioned as more blurred than the
annotated ones, and what the measure costs against ``detect`` itself; beside it, as the baseline, the
edge sharpness it replaced on 2026-12-03 (the 90th percentile of the stain's gradient over the rims,
per unit of stain strength), which told 2 px of blur, not 1 px.

Run: ``.venv/bin/python benchmarks/imaging_conditions.py [OSHIMA_DIR]`` (default
``../shared/data/oshima2026``; about 3 minutes on a 2-core CPU). Figures: docs/spreads.md, step 1 and focus.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
from PIL import Image
from scipy import ndimage

from sccscore.annotations import match_boxes, read_yolo
from sccscore.detect import DetectSettings, detect
from sccscore.images import read_image
from sccscore.spread_imaging import detection_cautions, edge_blur
from sccscore.spread_imaging import stain_strength as measured_strength  # stain_strength below scales a spread's stain

SPREADS = ("spread1", "spread2", "spread3", "spread5")
DEPTHS = (0.1, 0.2, 0.3)  # how much darker the far edge (ramp) or the corners (vignette) are
STRENGTHS = (0.7, 0.8, 0.9, 1.1, 1.2)  # the stain's strength relative to the spreads as imaged
JPEG_QUALITIES = (95, 85, 75)
BLURS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)  # px, the Gaussian's sigma


def ramp(rgb: np.ndarray, depth: float) -> np.ndarray:
    return rgb * np.linspace(1.0, 1.0 - depth, rgb.shape[1])[None, :, None]


def vignette(rgb: np.ndarray, depth: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    rows, columns = np.mgrid[:height, :width]
    radius = np.hypot(columns / width - 0.5, rows / height - 0.5) / np.hypot(0.5, 0.5)  # 1 at the corners
    return rgb * (1.0 - depth * radius**2)[..., None]


def recall_precision(spreads: list[tuple[np.ndarray, np.ndarray]], lighting, depth: float,
                     luminance: bool = False) -> tuple[float, float]:
    n_true = n_found = n_matched = 0
    for rgb, truth in spreads:
        lit = np.clip(lighting(rgb.astype(np.float64), depth), 0, 255).round().astype(np.uint8)
        found = np.array([d.box for d in detect(lit, luminance=luminance).chromosomes], float).reshape(-1, 4)
        n_true, n_found = n_true + len(truth), n_found + len(found)
        n_matched += len(match_boxes(found, truth))
    return n_matched / n_true, n_matched / n_found


def stain_strength(rgb: np.ndarray, strength: float) -> np.ndarray:
    background = np.median(rgb.reshape(-1, 3), axis=0)
    return background + strength * (rgb - background)


def jpeg(rgb: np.ndarray, quality: float) -> np.ndarray:
    """The image saved as JPEG at ``quality`` and read back."""
    buffer = io.BytesIO()
    Image.fromarray(rgb.round().astype(np.uint8)).save(buffer, format="JPEG", quality=int(quality))
    return np.asarray(Image.open(buffer).convert("RGB"), np.float64)


def noise(rgb: np.ndarray, seed: float) -> np.ndarray:
    return rgb + np.random.default_rng(int(seed)).uniform(-1, 1, rgb.shape)


def blur(rgb: np.ndarray, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter(rgb, (sigma, sigma, 0)) if sigma else rgb


def focus(spreads: list[tuple[np.ndarray, np.ndarray]]) -> None:
    print("blurred by (px)  recall / precision  edge blur per spread (px)  cautioned  edge sharpness (replaced)",
          flush=True)
    n_true = sum(len(truth) for _, truth in spreads)
    readings = Readings()
    with mock.patch("sccscore.detect.edge_blur", readings):  # both measures on the same stain and components
        for sigma in BLURS:  # each blurred spread detected once, for its figures and its caution alike
            found = [detect(np.clip(blur(rgb.astype(np.float64), sigma), 0, 255).round().astype(np.uint8))
                     for rgb, _ in spreads]
            boxes = [np.array([d.box for d in f.chromosomes], float).reshape(-1, 4) for f in found]
            matched = sum(len(match_boxes(b, truth)) for b, (_, truth) in zip(boxes, spreads))
            recall, precision = matched / n_true, matched / sum(len(b) for b in boxes)
            print(f"{sigma:.1f}  {recall:.3f} / {precision:.3f}  " + ", ".join(f"{f.edge_blur:.3f}" for f in found)
                  + f"  {_cautioned(found)} of {len(found)}  "
                  + ", ".join(f"{value:.3f}" for value in readings.sharpness[-len(found):]), flush=True)
        halved = [detect(_resampled(rgb, 0.5), DetectSettings(scale=0.5)) for rgb, _ in spreads]
        print("imaged at half the magnification, read with scale 0.5: "
              + ", ".join(f"{f.edge_blur:.3f}" for f in halved) + f"  {_cautioned(halved)} of {len(halved)}  "
              + ", ".join(f"{value:.3f}" for value in readings.sharpness[-len(halved):]), flush=True)
        readings.seconds = dict.fromkeys(readings.seconds, 0.0)
        started = time.perf_counter()
        for rgb, _ in spreads:
            detect(rgb)
        total = time.perf_counter() - started - readings.seconds["added"]  # detect as shipped
    blur_ms, sharpness_ms = (1000 * readings.seconds[key] / len(spreads) for key in ("blur", "sharpness"))
    detect_ms = 1000 * total / len(spreads)
    print(f"edge_blur {blur_ms:.0f} ms a spread, detect {detect_ms:.0f} ms ({100 * blur_ms / detect_ms:.0f}% of it); "
          f"the edge sharpness it replaced {sharpness_ms:.0f} ms ({blur_ms / sharpness_ms:.1f} x)", flush=True)


class Readings:
    """``spread_imaging.edge_blur`` as shipped, which also reads, on the same stain and components, the edge sharpness
    it replaced on 2026-12-03 (the 90th percentile of the stain's gradient, a Gaussian derivative of 1 px, over the
    rims of the chromosome components, per unit of stain strength), and times both."""

    def __init__(self) -> None:
        self.sharpness: list[float] = []
        self.seconds = {"blur": 0.0, "sharpness": 0.0, "added": 0.0}  # added: what detect as shipped does not do

    def __call__(self, stained: np.ndarray, components: np.ndarray) -> float | None:
        started = time.perf_counter()
        blur = edge_blur(stained, components)
        self.seconds["blur"] += time.perf_counter() - started
        added = time.perf_counter()
        strength = measured_strength(stained, components)  # detect had it at hand for the edge sharpness
        started = time.perf_counter()
        mask = components > 0  # as detect read it: only around the components, 6 px past them
        bounds = ndimage.find_objects(mask.astype(np.uint8))[0]
        window = tuple(slice(max(0, part.start - 6), part.stop + 6) for part in bounds)
        mask = mask[window]
        rim = ndimage.binary_dilation(mask, iterations=2) & ~ndimage.binary_erosion(mask, iterations=2)
        gradient = ndimage.gaussian_gradient_magnitude(stained[window], 1.0)
        self.sharpness.append(float(np.percentile(gradient[rim], 90)) / strength)
        self.seconds["sharpness"] += time.perf_counter() - started
        self.seconds["added"] += time.perf_counter() - added
        return blur


def _cautioned(found: list) -> int:
    return sum(any("blurred" in c for c in detection_cautions(f, DetectSettings())) for f in found)


def _resampled(rgb: np.ndarray, factor: float) -> np.ndarray:
    image = Image.fromarray(rgb)
    return np.asarray(image.resize((round(image.width * factor), round(image.height * factor)), Image.LANCZOS))


def main(oshima: Path) -> None:
    spreads = []
    for name in SPREADS:
        rgb = read_image(oshima / "images" / f"{name}.png")
        spreads.append((rgb, read_yolo(oshima / "labels" / f"{name}.txt", rgb.shape[1], rgb.shape[0])[0]))
    print("lighting  depth  recall / precision: fitted background  median alone")
    cases = [("as imaged", 0.0)] + [(name, depth) for name in ("ramp", "vignette") for depth in DEPTHS]
    for name, depth in cases:
        lighting = {"ramp": ramp, "vignette": vignette}.get(name, lambda rgb, depth: rgb)
        fitted = recall_precision(spreads, lighting, depth)
        with mock.patch("sccscore.detect.illumination", lambda green: np.ones_like(green)):
            median = recall_precision(spreads, lighting, depth)
        print(f"{name:9} {depth:5.1f}  {fitted[0]:.3f} / {fitted[1]:.3f}  {median[0]:.3f} / {median[1]:.3f}",
              flush=True)
    print("stain strength  recall / precision: read at the annotated spreads' strength  fixed thresholds alone")
    for strength in STRENGTHS:
        gained = recall_precision(spreads, stain_strength, strength)
        with mock.patch("sccscore.detect.stain_gain", lambda strength: 1.0):
            fixed = recall_precision(spreads, stain_strength, strength)
        print(f"x {strength:.1f}  {gained[0]:.3f} / {gained[1]:.3f}  {fixed[0]:.3f} / {fixed[1]:.3f}", flush=True)
    print("saved as JPEG  recall / precision: stain from green  from the luminance (as for JPEG files)")
    for quality in JPEG_QUALITIES:
        green, luminance = (recall_precision(spreads, jpeg, quality, luminance) for luminance in (False, True))
        print(f"quality {quality}  {green[0]:.3f} / {green[1]:.3f}  {luminance[0]:.3f} / {luminance[1]:.3f}",
              flush=True)
    as_png = recall_precision(spreads, lambda rgb, depth: rgb, 0.0, luminance=True)
    print(f"as imaged (PNG), from the luminance  {as_png[0]:.3f} / {as_png[1]:.3f}", flush=True)
    noisy = [recall_precision(spreads, noise, seed) for seed in range(5)]
    print("+-1 grey level noise, seeds 0-4, as shipped: recall " + ", ".join(f"{r:.3f}" for r, _ in noisy)
          + "; precision " + ", ".join(f"{p:.3f}" for _, p in noisy))
    focus(spreads)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
