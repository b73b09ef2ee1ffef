"""How the margin left around a chromosome when its crop is cut, the magnification it was imaged at and its focus
change how it is typed.

The paper's WT crops (489) as cut, with a margin added around each (a tenth, a quarter and half of its width and
height on every side, in the colour of its border), and cut closer (the chromosome's box with an equal margin on
every side, spanning 90% of the crop; and 76%, the paper's median, which would frame every crop alike whatever its
cutting: not shipped, for what it costs as cut); and resized (Lanczos) to 0.5, 0.7, 1.1, 1.2 and 1.5 of their size,
as imaged at another magnification; blurred by a Gaussian of 0.25 to 1.5 px (its standard deviation), as imaged out
of focus (0.7 px: as blurred as the CTF18-/- crops read). For each: the median share of its crop a chromosome spans,
its median length in pixels and its edges' median blur in px (:func:`sccscore.framing.crop_framing`), and the
released ensemble's concordance with the labels and the shares it calls. Then, measured and not cautioned, the same
crops imaged otherwise: their stain paler or stronger (each pixel's difference from the crop's border scaled),
exposed less or more (every pixel scaled, the background clipped at white), saved again as JPEG at quality 75 and
50, and with Gaussian noise of 3 and 8 grey levels (seeded). Then each genotype's and type's medians as cut, to say
whether they follow the type. Figures: ``sccscore.framing``'s docstring and caution, docs/preprocessing.md, README
("Crops, models and what to expect of them").

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/crop_framing.py`` (about 1.5 minutes on a
2-core CPU).
"""

from __future__ import annotations

import io
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from sccscore.evaluate import evaluate
from sccscore.framing import crop_framing
from sccscore.images import IMAGE_SUFFIXES, read_crop
from sccscore.models import load_model
from sccscore.preprocess import main_object
from sccscore.sample_data import data_root


def border_colour(rgb: np.ndarray) -> np.ndarray:
    return np.median(np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]), axis=0).astype(np.uint8)


def with_margin(share: float) -> Callable[[np.ndarray], np.ndarray]:
    """The crop with ``share`` of its height and width added on each side, in its border's colour."""
    def frame(rgb: np.ndarray) -> np.ndarray:
        height, width, _ = rgb.shape
        dy, dx = round(share * height), round(share * width)
        out = np.empty((height + 2 * dy, width + 2 * dx, 3), np.uint8)
        out[:] = border_colour(rgb)
        out[dy : dy + height, dx : dx + width] = rgb
        return out
    return frame


def spanning(span: float) -> Callable[[np.ndarray], np.ndarray]:
    """The crop cut again around its chromosome's box, with an equal margin on every side: spanning ``span``."""
    def frame(rgb: np.ndarray) -> np.ndarray:
        rows, columns = np.nonzero(main_object(rgb)[0])
        top, bottom, left, right = rows.min(), rows.max() + 1, columns.min(), columns.max() + 1
        margin = round(max(bottom - top, right - left) * (1 / span - 1) / 2)
        out = np.empty((bottom - top + 2 * margin, right - left + 2 * margin, 3), np.uint8)
        out[:] = border_colour(rgb)
        y0, x0 = max(0, top - margin), max(0, left - margin)
        y1, x1 = min(rgb.shape[0], bottom + margin), min(rgb.shape[1], right + margin)
        out[y0 - top + margin : y1 - top + margin, x0 - left + margin : x1 - left + margin] = rgb[y0:y1, x0:x1]
        return out
    return frame


def resized(factor: float) -> Callable[[np.ndarray], np.ndarray]:
    """The crop resized by ``factor``, as if imaged at that magnification against the paper's."""
    def frame(rgb: np.ndarray) -> np.ndarray:
        size = (max(1, round(factor * rgb.shape[1])), max(1, round(factor * rgb.shape[0])))
        return np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS))
    return frame


def blurred(radius: float) -> Callable[[np.ndarray], np.ndarray]:
    """The crop blurred by a Gaussian of ``radius`` px (its standard deviation), as imaged out of focus."""
    return lambda rgb: ndimage.gaussian_filter(rgb, (radius, radius, 0))


def stained(factor: float) -> Callable[[np.ndarray], np.ndarray]:
    """Each pixel's difference from the crop's border scaled by ``factor``: a slide stained paler (below 1) or more."""
    def stain(rgb: np.ndarray) -> np.ndarray:
        border = border_colour(rgb).astype(np.float32)
        return _bytes(border + factor * (rgb - border))
    return stain


def exposed(factor: float) -> Callable[[np.ndarray], np.ndarray]:
    """Every pixel scaled by ``factor``, as exposed for less or more time; a brighter background clips at white."""
    return lambda rgb: _bytes(factor * rgb.astype(np.float32))


def saved_as_jpeg(quality: int) -> Callable[[np.ndarray], np.ndarray]:
    """Saved as JPEG at ``quality`` with Pillow's default, the colour at half resolution (4:2:0), and read back: the
    colour's resolution, not the quality, moved the calls (benchmarks/unseen_changes.py)."""
    def save(rgb: np.ndarray) -> np.ndarray:
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
        return np.asarray(Image.open(buffer).convert("RGB"))
    return save


def noisy(sd: float) -> Callable[[np.ndarray], np.ndarray]:
    """Gaussian noise of ``sd`` grey levels added to each channel, from one seeded generator."""
    generator = np.random.default_rng(0)
    return lambda rgb: _bytes(rgb + generator.normal(0, sd, rgb.shape))


def _bytes(values: np.ndarray) -> np.ndarray:
    return np.clip(values, 0, 255).round().astype(np.uint8)


def framed_copies(folder: Path, into: Path, frame: Callable[[np.ndarray], np.ndarray] | None) -> np.ndarray:
    """The labelled folder's crops framed by ``frame`` (as cut, for None), as PNG under ``into``; their spans and
    lengths and blurs (rows)."""
    framings = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        rgb = read_crop(path)
        framed = frame(rgb) if frame else rgb
        framings.append(crop_framing(framed))
        (into / path.parent.name).mkdir(parents=True, exist_ok=True)
        Image.fromarray(framed).save(into / path.parent.name / f"{path.stem}.png")
    return np.array([(f.span, f.length, f.blur) for f in framings])


def main() -> None:
    images, model = data_root() / "images", load_model("paper:squeezenet1_1")
    variants = {"as cut": None, "a tenth added": with_margin(0.1), "a quarter added": with_margin(0.25),
                "half added": with_margin(0.5), "cut closer, spanning 90%": spanning(0.9),
                "cut again, spanning 76%": spanning(0.76), "resized to 0.5": resized(0.5),
                "resized to 0.7": resized(0.7), "resized to 1.1": resized(1.1), "resized to 1.2": resized(1.2),
                "resized to 1.5": resized(1.5),
                **{f"blurred by {radius:g} px": blurred(radius) for radius in (0.25, 0.5, 0.7, 0.75, 1, 1.5)},
                "stain 0.7 as strong": stained(0.7), "stain 1.2 as strong": stained(1.2),
                "exposure 0.85": exposed(0.85), "exposure 1.1": exposed(1.1), "JPEG quality 75": saved_as_jpeg(75),
                "JPEG quality 50": saved_as_jpeg(50), "noise of 3 grey levels": noisy(3),
                "noise of 8 grey levels": noisy(8)}
    print("WT crops                    span  length px  blur px  concordance  called A / B / C %   open %")
    with tempfile.TemporaryDirectory() as scratch:
        for name, frame in variants.items():
            into = Path(scratch) / name.replace(" ", "_")
            framings = framed_copies(images / "wt", into, frame)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # two of the paper's crops are one image: said elsewhere
                ensemble = evaluate(into, model)["ensemble"]
            shares = 100 * np.array(ensemble["distribution_pred"])
            span, length, blur = np.median(framings, axis=0)
            print(f"{name:<27} {span:.3f} {length:10.1f} {blur:8.2f} {ensemble['concordance']:12.3f}  "
                  f"{' / '.join(f'{s:.1f}' for s in shares):<19} {shares[1:].sum():.1f}")
    for genotype in ("wt", "ctf18"):
        medians = {label: np.median([(f.span, f.length, f.blur) for f in (crop_framing(read_crop(p)) for p in
                                                                    sorted((images / genotype / label).iterdir()))],
                                    axis=0) for label in "abc"}
        print(f"{genotype} as cut, median span, length and blur by type: "
              + ", ".join(f"{k.upper()} {span:.3f} {length:.1f} px {blur:.2f} px"
                          for k, (span, length, blur) in medians.items()))


if __name__ == "__main__":
    main()
