"""Does a spread read the same at another exposure, and what does a background clipped at white cost?

Detection reads the stain against the field's own background (``sccscore.detect.stain``) and
the classifier normalises each crop's channels (the paper's preprocessing), so more or less
light should change nothing, until the background lies beyond the brightest level the file
holds: clipped there, how far above it lay, and so the palest stain, is lost. This holds each
annotated spread out in turn, as ``sccscore evaluate-detection --leave-one-out`` does (merge
model, classifier and outline model fitted on the other three as imaged), and reads the
held-out spread with every pixel times an exposure (rounded, clipped at 255), and with red
and blue scaled as another camera's white balance would: the share of its field at 255
(``sccscore.detect.saturated_share``), whether ``detect`` cautions it, and recall, precision
and end-to-end concordance over the 249 annotated chromosomes, with how many of the 66 type B
were called C.

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/spread_exposure.py
[OSHIMA_DIR]`` (about 4 minutes on a 2-core CPU). Figures: docs/spreads.md, exposure.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from sccscore.detect import fit_merge_model, saturated_share
from sccscore.detection_eval import annotated_images, annotated_spreads, figures, score_spread
from sccscore.images import CLASS_NAMES, read_image
from sccscore.shape import fit_shape_model
from sccscore.spread_model import fit_spread_head
from sccscore.spreads import detect_spreads
from spread_focus import typed  # the held-out spread's calls, as evaluate-detection makes them

EXPOSURES = (0.3, 0.5, 1.0, 2.0, 2.5, 2.6, 2.8, 3.0)  # times the light the spreads were imaged with
TINT = (1.15, 1.0, 0.8)  # red and blue times these, green as imaged: another camera's white balance


def exposed(rgb: np.ndarray, gain: float | tuple[float, float, float]) -> np.ndarray:
    """``rgb`` times ``gain``, or each channel times its own."""
    return np.clip(rgb * np.asarray(gain), 0, 255).round().astype(np.uint8)


def main(oshima: Path) -> None:
    warnings.filterwarnings("ignore", message=".*(brightest level|median)")  # exposed on purpose: cautions expected
    pairs = annotated_images(oshima / "images", oshima / "labels")
    annotated = annotated_spreads(pairs)
    scored: dict[str, list] = {}
    readings: dict[str, list[tuple[float, bool]]] = {}  # per spread: its share at white, cautioned or not
    conditions = {f"x {gain:g}": gain for gain in EXPOSURES} | {"tinted": TINT}
    with tempfile.TemporaryDirectory() as tmp:
        for held, (item, label_file) in enumerate(pairs):
            print(f"holding out {item.path.name}", flush=True)
            merge_model = fit_merge_model([a for i, a in enumerate(annotated) if i != held])
            spreads = detect_spreads([i.path for i, _ in pairs], Path(tmp) / f"{held}", merge_model=merge_model,
                                     labels_dir=oshima / "labels").spreads
            others = [s for i, s in enumerate(spreads) if i != held]
            head, shape_model = fit_spread_head(others), fit_shape_model(others)
            for n, (condition, gain) in enumerate(conditions.items()):
                folder = Path(tmp) / f"{held}-held-{n}"
                folder.mkdir()
                rgb = exposed(read_image(item.path), gain)
                Image.fromarray(rgb).save(folder / item.path.name)
                spread = detect_spreads([folder / item.path.name], folder / "out", merge_model=merge_model,
                                        labels_dir=oshima / "labels").spreads[0]
                scored.setdefault(condition, []).append(score_spread(spread, typed(spread, head, shape_model),
                                                                     label_file))
                cautioned = any("brightest level" in caution for caution in spread.cautions)
                readings.setdefault(condition, []).append((saturated_share(rgb), cautioned))
    b, c = CLASS_NAMES.index("B"), CLASS_NAMES.index("C")
    print("\nexposure  white per spread (%)  cautioned  recall / precision  concordance  B called C")
    for condition, spreads_scored in scored.items():
        report = figures(spreads_scored)
        b_as_c = sum(int(((s["true"] == b) & (s["given"] == c)).sum()) for s in spreads_scored)
        shares = ", ".join(f"{100 * share:.0f}" for share, _ in readings[condition])
        print(f"{condition:<9} {shares:<19} {sum(cautioned for _, cautioned in readings[condition])} of {len(pairs)}     "
              f"{report['recall']:.3f} / {report['precision']:.3f}       {report['concordance']:.3f}        {b_as_c:>3}",
              flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
