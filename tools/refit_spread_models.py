"""Refit the three models sccscore ships for whole spreads, from annotated spreads.

    SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python tools/refit_spread_models.py \
        ../shared/data/oshima2026/images ../shared/data/oshima2026/labels

Writes ``src/sccscore/_data/merge_model.json``, ``shape_model.json`` and
``spread_head.safetensors`` with :func:`sccscore.spread_model.fit_spread_models`,
which ``sccscore train-spreads`` runs for a lab's own spreads: the outline model and
the classifier learn from the chromosomes that the new merge model makes, and the
classifier's file records the leave-one-spread-out figures of the whole pipeline on
these spreads, which reports show as what to expect on new spreads. Tests in
``tests/test_spreads.py`` refit each from the shared spreads and compare.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sccscore.config import MERGE_FILE, SHAPE_FILE, SPREAD_HEAD_FILE
from sccscore.errors import SccscoreError
from sccscore.spread_model import fit_spread_models

SHIPPED = Path(__file__).resolve().parents[1] / "src" / "sccscore" / "_data"


def main(images_dir: str, labels_dir: str) -> None:
    fitted = fit_spread_models(images_dir, labels_dir, log=print)
    fitted.write_into(SHIPPED)
    print(f"refitted on {', '.join(fitted.trained_on)}: {MERGE_FILE}, {SHAPE_FILE}, {SPREAD_HEAD_FILE} in {SHIPPED}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        main(*sys.argv[1:])
    except SccscoreError as exc:  # a missing folder or label file, an unreadable image: named, no traceback
        sys.exit(f"error: {exc}")
