"""Do the spreads' called A/B/C shares come closer to the annotated ones when corrected by a confusion matrix?

For crops, ``compare --confusion`` corrects each sample's shares by the classifier's known
errors (:func:`sccscore.stats.corrected_distribution`), and the check in ``evaluate`` shows
when that helps. For whole spreads the question is whether one spread's errors predict
another's. Each spread is scored leave-one-out as ``sccscore evaluate-detection
--leave-one-out``; each metaphase's called shares are then corrected by the confusion matrix
of the other spreads' matched chromosomes (cross-fitted: never by its own errors), and both
are compared with the annotated shares (absolute difference, percentage points).

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python
benchmarks/spread_share_correction.py [OSHIMA_DIR]`` (about a minute on a 2-core CPU).
Figures: docs/spreads.md, "Measured".
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from sccscore.detection_eval import leave_one_out
from sccscore.images import CLASS_NAMES
from sccscore.metrics import confusion_matrix
from sccscore.stats import corrected_distribution


def confusion_outside(chromosomes: list[dict], image: str) -> np.ndarray:
    """The confusion matrix of the typed chromosomes of every image but ``image``."""
    typed = [c for c in chromosomes if c["image"] != image and c["given"] in CLASS_NAMES]
    true = np.array([CLASS_NAMES.index(c["annotated"]) for c in typed])
    given = np.array([CLASS_NAMES.index(c["given"]) for c in typed])
    return confusion_matrix(true, given, len(CLASS_NAMES))


def main(oshima: Path) -> None:
    report = leave_one_out(oshima / "images", oshima / "labels")
    errors = {"called": [], "corrected": []}
    print("metaphase  annotated A/B/C %  called  corrected")
    for m in report["per_metaphase"]:
        called_counts = np.round(np.array(m["called_pct"]) * m["n_called"] / 100)
        corrected = 100 * corrected_distribution(called_counts, confusion_outside(report["per_chromosome"], m["image"]))
        annotated = np.array(m["annotated_pct"])
        errors["called"].append(np.abs(np.array(m["called_pct"]) - annotated))
        errors["corrected"].append(np.abs(corrected - annotated))
        print(f"{m['image']} {m['metaphase']}  {' / '.join(f'{v:.1f}' for v in annotated)}  "
              f"{' / '.join(f'{v:.1f}' for v in m['called_pct'])}  {' / '.join(f'{v:.1f}' for v in corrected)}")
    for name, rows in errors.items():
        print(f"mean share error A/B/C, {name}: " + " / ".join(f"{v:.1f}" for v in np.mean(rows, axis=0)))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
