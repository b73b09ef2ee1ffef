"""What a model learns where its labelled crops pool raw crops with crops made white around the chromosome, the types'
shares unlike between the two: how a crop was made, as a sign of its type?

The paper's WT and CTF18-/- crops (made white around the chromosome by its preprocessing; 8.4% of WT's C) are pooled
with raw crops cut from three of the four annotated oshima2026 spreads (their background as imaged; half of them C),
and sccscore's default recipe (seed 0) is trained on them. The fourth spread's raw crops are then typed as cut and
with the paper's preprocessing (as ``--preprocess paper`` makes them): the same chromosomes, made two ways. Against
it, the same recipe trained on crops made one way: the paper's crops with the three spreads' raw crops preprocessed.
Last, a model of raw crops alone: the same recipe trained on the three spreads' raw crops, without the paper's. Each
spread is held out in turn; the figures pool the four (249 chromosomes), each held-out spread's agreement after
them. First, what ``train`` reads of the pooled crops' making, and the caution it gives
(``sccscore.sample_cautions.pooled_crops_caution``), for the first spread held out.

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/pooled_crops.py`` (about 4 minutes on a
2-core CPU); ``--spreads DIR`` names the oshima2026 folder (default ``../shared/data/oshima2026``).
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image
from raw_crops import raw_spread_crops

from sccscore.config import InputConfig
from sccscore.evaluate import evaluate
from sccscore.preprocess import paper_preprocess
from sccscore.sample_cautions import pooled_crops_caution
from sccscore.sample_data import data_root
from sccscore.sample_cautions import whites_by_type
from sccscore.training import DefaultRecipe, crop_whites, fit_recipe, labelled_items, model_from_head

WAYS = ("raw", "preprocessed")
# each model: its name, whether it learns the paper's crops, and which of the three spreads' crops
TRAININGS = (("the paper's crops and the three spreads' raw crops", True, "raw"),
             ("the paper's crops and the three spreads' crops preprocessed", True, "preprocessed"),
             ("the three spreads' raw crops alone", False, "raw"))


def spread_folders(spreads: Path, into: Path) -> dict[str, dict[str, Path]]:
    """Each spread's raw crops as a labelled folder, and the same preprocessed (PNG): spread -> way -> folder."""
    folders: dict[str, dict[str, Path]] = {}
    for name, label, crop in raw_spread_crops(spreads):
        spread = name.rsplit("-", 1)[0]
        for way, made in zip(WAYS, (crop, paper_preprocess(crop))):
            folder = folders.setdefault(spread, {}).setdefault(way, into / way / spread)
            (folder / label).mkdir(parents=True, exist_ok=True)
            Image.fromarray(made).save(folder / label / f"{name}.png")
    return folders


def confusion(model, folder: Path) -> np.ndarray:
    """The model's confusion matrix on a labelled folder (rows the labels A, B, C; columns its calls)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the raw crops' cautions, which this measures
        return np.array(evaluate(folder, model)["confusion"])


def line(name: str, matrices: list[np.ndarray]) -> str:
    """Agreement, calls and the annotated A and B called C, of the held-out spreads pooled; each spread's agreement."""
    pooled = sum(matrices)
    calls = " / ".join(f"{share:.1f}" for share in 100 * pooled.sum(axis=0) / pooled.sum())
    each = ", ".join(f"{np.trace(m) / m.sum():.2f}" for m in matrices)
    return (f"| {name} | {np.trace(pooled) / pooled.sum():.3f} ({each}) | {calls} | "
            f"{pooled[:2, 2].sum()} of {pooled[:2].sum()} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spreads", type=Path, default=Path("../shared/data/oshima2026"))
    spreads = parser.parse_args().spreads
    paper = [data_root() / "images" / "wt", data_root() / "images" / "ctf18"]
    results: dict[str, list[np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folders = spread_folders(spreads, Path(scratch))
        for n, held_out in enumerate(folders):
            for trained, with_paper, way in TRAININGS:
                spreads_crops = [f[way] for name, f in folders.items() if name != held_out]
                training = [*paper, *spreads_crops] if with_paper else spreads_crops
                if n == 0 and with_paper and way == "raw":
                    whites = crop_whites(*labelled_items(training), InputConfig())
                    by_type = whites_by_type(whites).items()
                    print("of the pooled crops read, with a white around the chromosome:",
                          ", ".join(f"{kind} {white} of {read}" for kind, (white, read) in by_type))
                    print("train says:", pooled_crops_caution(whites), flush=True)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the caution above
                    model = model_from_head(*fit_recipe(training, DefaultRecipe()))
                for given in WAYS:
                    results.setdefault(f"{trained} | {given}", []).append(
                        confusion(model, folders[held_out][given]))
    print("| trained on | the held-out spread's crops | agreement (each spread) | called A / B / C % | "
          "annotated A or B called C |")
    print("|---|---|---|---|---|")
    for name, matrices in results.items():
        print(line(name, matrices))
    annotated = sum(results[next(iter(results))]).sum(axis=1)
    print("annotated A / B / C %:", " / ".join(f"{share:.1f}" for share in 100 * annotated / annotated.sum()))


if __name__ == "__main__":
    main()
