"""What the paper's preprocessing of raw crops does to the models' calls: raw crops as they are, preprocessed, and saved
as JPEG after it, as the paper's crops were (docs/preprocessing.md, "Given --preprocess paper").

The preprocessing's contrast stretch clips the white around a chromosome at 255, flat; the paper's crops, saved as
JPEG after it (their tables read as quality about 95, colour halved), kept the JPEG's grain, and the released models
cue on that grain (``sccscore.sample_crops.white_texture``): does saving so bring their calls nearer the reference?
And raw crops have no white around the chromosome at all: what do they cost a model that learned crops preprocessed?
Three sets of crops: raw crops cut from the four annotated oshima2026 spreads (each box and a tenth of its size on
every side, sorted by the annotated type), and the paper's WT and CTF18-/- crops; each as it is, preprocessed as
``--preprocess paper`` does and kept so (PNG, as sccscore reads them in memory), and preprocessed and saved as JPEG 95
with the colour halved. For each: how many crops have a white around the chromosome as saved
(``sccscore.sample_crops.sample_white_around``) and its median texture (``white_texture``), the released 30-model
ensemble's agreement with the labels, its members' mean and range, and its calls. Last, sccscore's model of spreads
given the spreads' raw crops as they are and with the paper's preprocessing: it learned those spreads, so its figures
are memory.

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/raw_crops.py`` (about 30
s on a 2-core CPU); ``--spreads DIR`` names the oshima2026 folder (default ``../shared/data/oshima2026``).
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from unseen_changes import copies, saved_as_jpeg

from sccscore.annotations import CLASS_NAMES, read_yolo
from sccscore.evaluate import evaluate
from sccscore.images import read_image
from sccscore.models import load_model
from sccscore.preprocess import paper_preprocess
from sccscore.sample_crops import sample_white_around, sample_white_texture
from sccscore.sample_data import data_root

WAYS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "kept flat (as sccscore reads it)": paper_preprocess,
    "saved as JPEG 95, colour halved": lambda rgb: saved_as_jpeg(95, 2)(paper_preprocess(rgb)),
}


def raw_spread_crops(spreads: Path) -> Iterator[tuple[str, str, np.ndarray]]:
    """Each annotated chromosome of the spreads as a raw crop: its box and a tenth of its size on every side."""
    images = sorted((spreads / "images").glob("*.png"))
    if not images:
        raise SystemExit(f"{spreads / 'images'}: no spreads (*.png) there; name the oshima2026 folder with --spreads")
    for image_path in images:
        image = read_image(image_path)
        height, width, _ = image.shape
        boxes, types = read_yolo(spreads / "labels" / f"{image_path.stem}.txt", width, height)
        for n, ((x0, y0, x1, y1), kind) in enumerate(zip(boxes, types)):
            margin_x, margin_y = (x1 - x0) / 10, (y1 - y0) / 10
            crop = image[max(0, int(y0 - margin_y)) : int(y1 + margin_y),
                         max(0, int(x0 - margin_x)) : int(x1 + margin_x)]
            yield f"{image_path.stem}-{n}", CLASS_NAMES[kind].lower(), crop


def spread_folder(spreads: Path, into: Path) -> Path:
    """The raw spread crops as a labelled folder (sub-folders a, b and c), PNG."""
    for name, label, crop in raw_spread_crops(spreads):
        (into / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(crop).save(into / label / f"{name}.png")
    return into


def report(name: str, folder: Path, model) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = evaluate(folder, model)
    whole = result.get("ensemble", result)  # a model of one member has no ensemble
    calls = " / ".join(f"{100 * share:.1f}" for share in whole["distribution_pred"])
    members = (f"  members {result['concordance']:.3f} ({result['concordance_min']:.3f}-"
               f"{result['concordance_max']:.3f})" if "ensemble" in result else "")
    crops = sorted(path for path in folder.rglob("*") if path.is_file())
    around, read = sample_white_around(crops, most=len(crops))
    white = sample_white_texture(crops, most=len(crops))  # remembered with the share: each crop read once
    texture = f"{white[0]:.3f}" if white else "-"
    print(f"{name:<58} white around {around} of {read}, texture {texture}  "
          f"agreement {whole['concordance']:.3f}{members}  called A / B / C % {calls}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spreads", type=Path, default=Path("../shared/data/oshima2026"))
    spreads = parser.parse_args().spreads
    model = load_model("paper:squeezenet1_1")
    images = data_root() / "images"
    with tempfile.TemporaryDirectory() as scratch:
        sets = {"spreads' raw crops": spread_folder(spreads, Path(scratch) / "spreads"),
                "paper's WT crops": images / "wt", "paper's CTF18-/- crops": images / "ctf18"}
        for n, (set_name, folder) in enumerate(sets.items()):
            report(f"{set_name}, as {'cut' if n == 0 else 'shared'}", folder, model)
            for m, (way, change) in enumerate(WAYS.items()):
                report(f"{set_name}, {way}", copies(folder, Path(scratch) / f"{n}-{m}", change), model)
        # sccscore's model of spreads learned these spreads' chromosomes as detect cuts and preprocesses them: given
        # their raw crops its calls are memory, not a measure, but show what raw crops do to it
        for preprocess in ("none", "paper"):
            report(f"spreads' raw crops, sccscore:spreads, --preprocess {preprocess}", sets["spreads' raw crops"],
                   load_model("sccscore:spreads", preprocess=preprocess))


if __name__ == "__main__":
    main()
