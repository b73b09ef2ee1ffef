"""Refit the model of grey crops sccscore ships (``--model sccscore:grey-crops``), from the paper's shared crops.

    SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python tools/refit_grey_crops_model.py

Makes the shared WT and CTF18-/- crops grey, fits sccscore's default recipe on them and cross-validates it
(:func:`sccscore.grey_model.fit_grey_crops_model`), and writes the head with its training record, the
cross-validation's confusion matrices among it, to ``src/sccscore/_data/grey_crops_head.safetensors``.
``tests/test_training.py`` refits it and compares. About 2 minutes on a 2-core CPU with a cold feature cache.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from sccscore.config import GREY_CROPS_HEAD_FILE
from sccscore.errors import SccscoreError
from sccscore.grey_model import fit_grey_crops_model
from sccscore.metrics import concordance
from sccscore.sample_data import data_root
from sccscore.training import save_head

SHIPPED = Path(__file__).resolve().parents[1] / "src" / "sccscore" / "_data" / GREY_CROPS_HEAD_FILE


def main() -> None:
    head, record = fit_grey_crops_model(data_root() / "images", log=print)
    save_head(head, SHIPPED, record)
    print(f"wrote {SHIPPED}: cross-validated concordance " + ", ".join(
        f"{genotype} {concordance(np.array(m)):.3f}" for genotype, m in record["crossval"]["confusion"].items()))


if __name__ == "__main__":
    try:
        main()
    except SccscoreError as exc:  # the shared crops missing: named, no traceback
        sys.exit(f"error: {exc}")
