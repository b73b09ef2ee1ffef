"""How changes to a crop that no eye sees move the B and C shares a model calls: the texture of its white
background, and how finely a JPEG keeps its colour.

The paper's crops were made white around the chromosome by its preprocessing (contrast, brightness, gamma), and more
than half of each crop's pixels are near white (250 or more in every channel). Here the paper's WT and CTF18-/- crops
are typed as shared; with Gaussian noise of half a grey level (seeded) added to their near-white pixels alone, and to
the others alone (the chromosome and its edges), and to every pixel; with noise of 1 grey level on the near white;
with the near white painted flat white (255); and saved again as JPEG, at quality 95 and 50, with the colour kept at
half the resolution (4:2:0 chroma subsampling, as most of the shared crops were saved, and Pillow's, cameras' and most
programs' default) and whole (4:4:4), as a sample's crops saved otherwise would be. For each: the released ensemble's
concordance with the labels, its A / B / C shares and open share, and how many of its 30 models called fewer C than on
the crops as shared. (``sccscore:grey-crops`` learned these crops, so they cannot say how it would fare.) Figures:
docs/preprocessing.md ("The white background's texture", "How finely a JPEG keeps the colour"), and what ``classify``
says to expect of the released models (``sccscore.evaluate.BACKGROUND_TEXTURE``) and what ``compare`` says of
samples saved otherwise (``sccscore.sample_cautions.JPEG_COLOUR_COST``).

The shared crops' colour was halved once already, so their JPEG rows halve it twice. Last, crops whose colour was
never halved: those ``sccscore detect`` cuts from the oshima2026 spreads (PNG of the 1440 x 1024 RGB spreads; the
paper's preprocessing applied) that match an annotated chromosome, typed as cut and saved as JPEG once with the colour
halved, once with it whole, and twice halved: the released ensemble's agreement with the annotated types and its
shares, how many of its models called more C, and the chromosomes each saving gained and lost against the crops as
cut (McNemar's exact test: whether saving them as the paper's crops were helps the models that learned such).

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/unseen_changes.py [OSHIMA_DIR]`` (default
``../shared/data/oshima2026``; about 1.5 minutes on a 2-core CPU).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.stats import binomtest

from sccscore.evaluate import evaluate
from sccscore.images import CLASS_NAMES, IMAGE_SUFFIXES, read_crop, scan_sample
from sccscore.metrics import distribution
from sccscore.models import load_model
from sccscore.predict import predict
from sccscore.sample_data import data_root

NEAR_WHITE = 250  # a pixel of 250 or more in every channel: the background the paper's preprocessing made white


def noisy(sd: float, where: str) -> Callable[[np.ndarray], np.ndarray]:
    """Gaussian noise of ``sd`` grey levels, from a generator seeded 0, on the near-white pixels ("white"), the others
    ("chromosome") or all ("all"), rounded and clipped to 0-255 as a saved image is."""
    generator = np.random.default_rng(0)

    def add(rgb: np.ndarray) -> np.ndarray:
        white = (rgb >= NEAR_WHITE).all(axis=2)
        mask = {"white": white, "chromosome": ~white, "all": np.ones_like(white)}[where]
        return np.clip(rgb + generator.normal(0, sd, rgb.shape) * mask[..., None], 0, 255).round().astype(np.uint8)
    return add


def flattened(rgb: np.ndarray) -> np.ndarray:
    """The near-white pixels painted white (255)."""
    out = rgb.copy()
    out[(rgb >= NEAR_WHITE).all(axis=2)] = 255
    return out


def saved_as_jpeg(quality: int, subsampling: int) -> Callable[[np.ndarray], np.ndarray]:
    """Saved as JPEG at ``quality``, its colour at half the resolution (``subsampling`` 2: 4:2:0) or whole (0: 4:4:4),
    and read back."""
    def save(rgb: np.ndarray) -> np.ndarray:
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, "JPEG", quality=quality, subsampling=subsampling)
        return np.asarray(Image.open(buffer).convert("RGB"))
    return save


def copies(folder: Path, into: Path, change: Callable[[np.ndarray], np.ndarray] | None) -> Path:
    """The labelled folder's crops changed by ``change`` (as shared, for None), as PNG under ``into``."""
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
        rgb = read_crop(path)
        (into / path.parent.name).mkdir(parents=True, exist_ok=True)
        Image.fromarray(change(rgb) if change else rgb).save(into / path.parent.name / f"{path.stem}.png")
    return into


def spread_crops(oshima: Path, scratch: Path, model) -> None:
    """The released ensemble on the crops ``sccscore detect`` cuts from the spreads that match an annotated chromosome
    (its ``labelled/``, sorted by the annotated type), as cut (PNG, their colour whole) and saved as JPEG: its agreement
    with the annotated types, its shares (the annotated ones last), how many of its models called more C, and the
    chromosomes it typed as annotated that it had not as cut and the reverse, with McNemar's exact test."""
    subprocess.run([sys.executable, "-m", "sccscore", "detect", *map(str, sorted((oshima / "images").glob("*.png"))),
                    "--labels", str(oshima / "labels"), "--out", str(scratch / "detected"), "-q"], check=True)
    halved, whole = saved_as_jpeg(95, 2), saved_as_jpeg(95, 0)
    changes = {"as cut (PNG)": None, "JPEG 95, colour halved once": halved, "JPEG 95, colour whole": whole,
               "JPEG 95, colour halved twice": lambda rgb: halved(halved(rgb))}
    as_cut = None
    for n, (name, change) in enumerate(changes.items()):
        items = scan_sample(copies(scratch / "detected" / "labelled", scratch / f"spreads-{n}", change)).items
        typed = predict(model, items)
        truth = np.array([CLASS_NAMES.index(item.label) for item in items])
        calls, members = typed.probabilities.argmax(axis=1), typed.member_probabilities.argmax(axis=2)
        right, members_c = calls == truth, (members == 2).mean(axis=0)
        as_cut = (right, members_c) if change is None else as_cut
        gained, lost = int(np.sum(right & ~as_cut[0])), int(np.sum(as_cut[0] & ~right))
        mcnemar = binomtest(gained, gained + lost).pvalue if gained + lost else 1.0
        print(f"spread crops ({len(calls)}) {name:<28} {right.mean():.3f}  {_shares(calls)}  "
              f"{np.sum(members_c > as_cut[1])}/{len(members_c)} models called more C  gained {gained}, lost {lost} "
              f"(McNemar p = {mcnemar:.2f})", flush=True)
    print(f"spread crops, annotated: {_shares(truth)}")


def _shares(types: np.ndarray) -> str:
    return " / ".join(f"{s:.1f}" for s in 100 * distribution(types))


def main(oshima: Path) -> None:
    images = data_root() / "images"
    model = load_model("paper:squeezenet1_1")
    near_white = [np.mean((read_crop(p) >= NEAR_WHITE).all(axis=2)) for p in sorted((images / "wt").rglob("*.jpg"))]
    print(f"near-white share of the WT crops' pixels: median {np.median(near_white):.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        for genotype in ("wt", "ctf18"):
            shared_c, changes = None, {  # the noise drawn afresh for each genotype, from seed 0
                "as shared": None, "noise 0.5 on the near white": noisy(0.5, "white"),
                "noise 0.5 on the chromosome": noisy(0.5, "chromosome"), "noise 0.5 on every pixel": noisy(0.5, "all"),
                "noise 1 on the near white": noisy(1, "white"), "near white painted white": flattened,
                **{f"JPEG {quality}, colour {'halved' if sampling else 'whole'}": saved_as_jpeg(quality, sampling)
                   for quality in (95, 50) for sampling in (2, 0)}}
            for n, (name, change) in enumerate(changes.items()):
                folder = copies(images / genotype, Path(scratch) / f"{genotype}-{n}", change)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # two of the paper's WT crops are one image: said elsewhere
                    report = evaluate(folder, model)
                shares = 100 * np.array(report["ensemble"]["distribution_pred"])
                members_c = np.array([m["distribution_pred"][2] for m in report["models"]])
                shared_c = members_c if change is None else shared_c
                print(f"{genotype:<6} {name:<30} {report['ensemble']['concordance']:.3f}  "
                      f"{' / '.join(f'{s:.1f}' for s in shares)}  open {shares[1:].sum():.1f}  "
                      f"{np.sum(members_c < shared_c)}/{len(members_c)} models called fewer C", flush=True)

        spread_crops(oshima, Path(scratch), model)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/data/oshima2026")
