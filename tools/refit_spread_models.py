"""Refit the three models sccscore ships for whole spreads, from annotated spreads.

    SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python tools/refit_spread_models.py \
        ../shared/data/oshima2026/images ../shared/data/oshima2026/labels

Writes ``src/sccscore/_data/merge_model.json``, ``shape_model.json`` and
``spread_head.safetensors``, in that order: the outline model and the classifier
learn from the chromosomes that the new merge model makes. The classifier's file
also records the leave-one-spread-out figures of the whole pipeline on these
spreads, which reports show as what to expect on new spreads. Tests in
``tests/test_spreads.py`` refit each from the shared spreads and compare.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sccscore.detect import fit_merge_model
from sccscore.detection_eval import annotated_images, annotated_spreads, leave_one_out
from sccscore.errors import SccscoreError
from sccscore.shape import fit_shape_model
from sccscore.spread_model import HEAD_FILE, fit_spread_head, save_spread_head
from sccscore.spreads import detect_spreads

SHIPPED = Path(__file__).resolve().parents[1] / "src" / "sccscore" / "_data"
EXPECTED = ("n_true", "recall", "precision", "concordance", "per_type")  # of the leave-one-out report


def main(images_dir: str, labels_dir: str) -> None:
    pairs = annotated_images(images_dir, labels_dir)
    annotated = annotated_spreads(pairs)
    merge_model = fit_merge_model(annotated)
    merge_model.save(SHIPPED / "merge_model.json")
    report = leave_one_out(images_dir, labels_dir)
    expected = {key: report[key] for key in EXPECTED}
    with tempfile.TemporaryDirectory() as tmp:
        found = detect_spreads([item.path for item, _ in pairs], tmp, merge_model=merge_model, labels_dir=labels_dir)
        fit_shape_model(found.spreads).save(SHIPPED / "shape_model.json")
        names = [spread.item.path.stem for spread in found.spreads]
        save_spread_head(fit_spread_head(found.spreads), SHIPPED / HEAD_FILE, names, leave_one_out=expected)
    print(f"refitted on {', '.join(names)}: merge_model.json, shape_model.json, {HEAD_FILE} in {SHIPPED}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        main(*sys.argv[1:])
    except SccscoreError as exc:  # a missing folder or label file, an unreadable image: named, no traceback
        sys.exit(f"error: {exc}")
