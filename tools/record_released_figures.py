"""Record the released models' agreement with the paper's labelled test crops, for what to expect of their calls.

    SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python tools/record_released_figures.py

Scores the shared WT and CTF18-/- crops (``images/wt``, ``images/ctf18``: the authors' test sets, which their models
did not learn from) with the 30 released models, as they are and made grey (:func:`sccscore.images.grey_copies`: a
monochrome camera's crops), and writes each model's and their ensemble's confusion matrix per genotype to
``src/sccscore/_data/released_figures.json``, which :func:`sccscore.evaluate.expected_of` reads for ``classify`` and
the report, and :func:`sccscore.evaluate.warn_grey_crops` for grey crops. ``tests/test_paper_figures.py`` scores them
again and compares. About 4 minutes on a 2-core CPU.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from sccscore._atomic import atomic_open
from sccscore.errors import SccscoreError
from sccscore.evaluate import evaluate
from sccscore.images import grey_copies
from sccscore.learned import RELEASED_FIGURES
from sccscore.models import load_model
from sccscore.sample_data import data_root

GENOTYPES = {"wt": "WT", "ctf18": "CTF18-/-"}  # folder: name in the sentences
RELEASED = "paper:squeezenet1_1"  # the ensemble; its model N is RELEASED/N
SHIPPED = Path(__file__).resolve().parents[1] / "src" / "sccscore" / "_data" / RELEASED_FIGURES


def released_confusions(images: Path) -> dict[str, dict[str, list[list[int]]]]:
    """Per model (``paper:squeezenet1_1/N`` and the ensemble ``paper:squeezenet1_1``), per genotype, the confusion
    matrix of its calls on the crops of ``images/<genotype>``."""
    ensemble = load_model(RELEASED)
    reports = {genotype: evaluate(images / genotype, ensemble) for genotype in GENOTYPES}
    confusions = {RELEASED: {GENOTYPES[genotype]: report["ensemble"]["confusion"]
                             for genotype, report in reports.items()}}
    for number in range(1, len(reports["wt"]["models"]) + 1):
        confusions[f"{RELEASED}/{number}"] = {GENOTYPES[genotype]: report["models"][number - 1]["confusion"]
                                              for genotype, report in reports.items()}
    return confusions


def main() -> None:
    images = data_root() / "images"
    with tempfile.TemporaryDirectory() as folder:
        grey = {genotype: grey_copies(images / genotype, Path(folder) / genotype) for genotype in GENOTYPES}
        record = {"images": "images/wt and images/ctf18 of the Ikemoto et al. data (README: sccscore data info)",
                  "confusion": released_confusions(images),
                  "confusion_grey": released_confusions(next(iter(grey.values())).parent)}
    with atomic_open(SHIPPED, encoding="utf-8") as handle:  # a model a line, for diffs
        handle.write(f'{{"images": {json.dumps(record["images"])}')
        for key in ("confusion", "confusion_grey"):
            lines = ",\n".join(f"  {json.dumps(model)}: {json.dumps(matrices)}"
                               for model, matrices in record[key].items())
            handle.write(f',\n "{key}": {{\n{lines}\n}}')
        handle.write("}\n")
    assert json.loads(SHIPPED.read_text()) == record
    print(f"wrote {SHIPPED}")


if __name__ == "__main__":
    try:
        main()
    except SccscoreError as exc:  # no data, a missing model: named, no traceback
        sys.exit(f"error: {exc}")
