"""Do models sccscore trains hang on what no eye sees, as the released ones do?

``benchmarks/unseen_changes.py`` measures the released models: their B and C shares move with the texture of the
crops' white background and with how finely a JPEG kept the colour. Here the paper's WT and CTF18-/- crops are split
in two halves (alternate crops of each type folder, as ``benchmarks/grey_training.py`` splits them); a model of the
default recipe is trained on each half and types the other half's crops as shared, with noise of half a grey level on
their near-white pixels, with those pixels painted white, and saved again as JPEG 95 with the colour halved (4:2:0)
and whole (4:4:4): each model's concordance, A / B / C shares and open share. Figures: docs/preprocessing.md ("The
white background's texture").

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/unseen_changes_trained.py`` (about 4
minutes on a 2-core CPU, with the backbone's features to compute).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np

from grey_training import GENOTYPES, halves  # beside this file
from unseen_changes import copies, flattened, noisy, saved_as_jpeg
from sccscore.evaluate import evaluate
from sccscore.models import load_model
from sccscore.sample_data import data_root
from sccscore.training import train


def main() -> None:
    warnings.simplefilter("ignore")  # the shared WT crops hold one image twice: said elsewhere
    print("model  genotype  change                  concordance  A / B / C %         open %")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        colour = halves(data_root() / "images", scratch / "colour")
        for half in (0, 1):
            model = load_model(train([colour[half] / genotype for genotype in GENOTYPES], scratch / f"model{half}"))
            for genotype in GENOTYPES:
                changes = {"as shared": None, "noise 0.5 on the near white": noisy(0.5, "white"),
                           "near white painted white": flattened, "JPEG 95, colour halved": saved_as_jpeg(95, 2),
                           "JPEG 95, colour whole": saved_as_jpeg(95, 0)}
                for n, (name, change) in enumerate(changes.items()):
                    report = evaluate(copies(colour[1 - half] / genotype, scratch / f"{half}-{genotype}-{n}", change),
                                      model)
                    shares = 100 * np.array(report["distribution_pred"])
                    print(f"{half:5}  {genotype:8}  {name:28}  {report['concordance']:.3f}  "
                          f"{' / '.join(f'{s:4.1f}' for s in shares)}  {shares[1:].sum():.1f}", flush=True)


if __name__ == "__main__":
    main()
