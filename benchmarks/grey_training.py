"""What a lab's own model makes of crops of the other kind: colour crops given to a model trained on grey ones,
grey crops given to one trained on colour.

The paper's WT and CTF18-/- crops are split in two halves (alternate crops of each type folder, by name); a model
of the default recipe is trained on each half in colour and in grey (:func:`sccscore.images.grey_copies`, their
luminance) and scores the other half in colour and in grey. A model trained on grey crops reads every crop in grey
(:func:`sccscore.training.load_labelled`); "colour, read as it is" is the same model with that switched off, as
models were until 2026-12-05. Figures: docs/training.md, "Grey crops".

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/grey_training.py`` (about 3 minutes on
a 2-core CPU, with the backbone's features to compute; 1 minute from the cache).
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

from sccscore.evaluate import evaluate
from sccscore.images import CLASS_NAMES, IMAGE_SUFFIXES, grey_copies
from sccscore.models import ScoringModel, load_model
from sccscore.sample_data import data_root
from sccscore.training import train

GENOTYPES = ("wt", "ctf18")


def halves(images: Path, into: Path) -> list[Path]:
    """Two folders of every genotype's crops, alternate crops of each type folder by name, linked, not copied."""
    for genotype in GENOTYPES:
        for label in (name.lower() for name in CLASS_NAMES):
            crops = sorted(p for p in (images / genotype / label).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            for i, crop in enumerate(crops):
                folder = into / f"half{i % 2}" / genotype / label
                folder.mkdir(parents=True, exist_ok=True)
                (folder / crop.name).symlink_to(crop)
    return [into / "half0", into / "half1"]


def read_as_it_is(model: ScoringModel) -> ScoringModel:
    """The model reading colour crops in colour, as a model trained on grey ones did before it read them in grey."""
    model.config = replace(model.config, input=replace(model.config.input, grey=False))
    return model


def main() -> None:
    warnings.simplefilter("ignore")  # the shared WT crops hold one image twice; crops of the other kind are warned of
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        colour = halves(data_root() / "images", scratch / "colour")
        grey = [grey_copies(half, scratch / "grey" / half.name) for half in colour]
        print("concordance of a default-recipe model trained on one half, on the other half's crops")
        print("trained on  half  genotype  colour  grey   colour, read as it is")
        for kind, training in (("colour", colour), ("grey", grey)):
            for half in (0, 1):
                trained = train([training[half] / genotype for genotype in GENOTYPES], scratch / f"{kind}{half}")
                model, other = load_model(trained), 1 - half
                for genotype in GENOTYPES:
                    figures = [evaluate(scored[other] / genotype, model)["concordance"] for scored in (colour, grey)]
                    if kind == "grey":
                        as_it_is = read_as_it_is(load_model(trained))
                        figures.append(evaluate(colour[other] / genotype, as_it_is)["concordance"])
                    print(f"{kind:10}  {half:4}  {genotype:8}  " + "   ".join(f"{f:.3f}" for f in figures), flush=True)


if __name__ == "__main__":
    main()
