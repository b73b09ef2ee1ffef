"""Are spreads from a monochrome camera read as well as colour ones?

``sccscore:spreads`` learned from colour spreads; a lab with a monochrome camera (or
images saved in grey) gives it grey ones, which ``read_image`` turns into three equal
channels. This holds each annotated spread out in turn, as ``evaluate-detection
--leave-one-out`` does (merge, shape and classifier models fitted on the other three, in
colour), and reads the held-out spread in colour and in grey (Pillow's ``convert("L")``,
the luminance; and the plain mean of the channels, ImageJ's default 8-bit conversion), so
the rows differ by the held-out spread's colour alone. A third row
fits and reads everything in grey (``leave_one_out`` on the grey spreads): a lab that fits
``train-spreads`` on its own grey spreads. Last, how many spreads of each reading ``detect``
cautions as stained paler or darker: a grey conversion alone should give none.

Run: ``.venv/bin/python benchmarks/greyscale_spreads.py [OSHIMA_DIR]`` (default
``../shared/data/oshima2026``; about 4 minutes on a 2-core CPU). Figures: docs/spreads.md,
"Greyscale spreads".
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from sccscore.detect import fit_merge_model
from sccscore.detection_eval import (_types_without, all_processed, annotated_images, annotated_spreads, figures,
                                     leave_one_out, score_spread)
from sccscore.images import in_grey
from sccscore.spreads import detect_spreads


def grey_spreads(images: Path, folder: Path, unweighted: bool = False) -> Path:
    """The spreads in grey: their luminance (:func:`sccscore.images.in_grey`, as a model trained on grey crops reads
    colour ones), or the plain mean of their channels, as ImageJ's 8-bit conversion gives it unless "weighted RGB
    conversions" is set."""
    folder.mkdir()
    for path in sorted(images.glob("*.png")):
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"))
        grey = rgb.mean(axis=2).round().astype(np.uint8) if unweighted else in_grey(rgb)[..., 0]
        Image.fromarray(grey).save(folder / path.name)
    return folder


def colour_trained(images: Path, greys: dict[str, Path], labels: Path, tmp: Path) -> dict[str, list]:
    """Leave one spread out, models fitted on the others in colour; the held-out one read in colour and in each of
    the ``greys`` (name: folder)."""
    pairs = annotated_images(images, labels)
    annotated = annotated_spreads(pairs)
    folders = {"colour": images} | greys
    scored: dict[str, list] = {name: [] for name in folders}
    for held, (_, label_file) in enumerate(pairs):
        merge_model = fit_merge_model([a for i, a in enumerate(annotated) if i != held])
        read = {name: all_processed(detect_spreads([folder], tmp / f"{name}{held}", None, merge_model,
                                                   labels_dir=labels)).spreads
                for name, folder in folders.items()}
        others = [s for i, s in enumerate(read["colour"]) if i != held]
        for name, spreads in read.items():
            [(types, probabilities)] = _types_without([spreads[held]], others, None, [], pairs[held][0].name, 0, True)
            scored[name].append(score_spread(spreads[held], types, label_file, probabilities))
    return scored


def stain_cautioned(folder: Path, out: Path) -> str:
    """How many of a folder's spreads ``detect`` cautions as stained paler or darker, with the shipped models."""
    spreads = detect_spreads([folder], out).spreads
    return f"{sum(any(c.startswith('stained') for c in spread.cautions) for spread in spreads)} of {len(spreads)}"


def line(name: str, report: dict) -> str:
    per_type = report["per_type"]
    return (f"{name:<42} {report['recall']:.3f}  {report['precision']:.3f}  {report['concordance']:.3f}  "
            f"{report['open_concordance']:.3f}  " + " / ".join(f"{per_type[t]['concordance']:.2f}" for t in "ABC")
            + "   " + " / ".join(f"{per_type[t]['share_error_points']:.1f}" for t in "ABC"))


def main(oshima: Path) -> None:
    warnings.simplefilter("ignore")  # any caution is counted below, not said
    images, labels = oshima / "images", oshima / "labels"
    with tempfile.TemporaryDirectory() as tmp:
        grey = grey_spreads(images, Path(tmp) / "grey")
        greys = {"grey": grey, "unweighted grey": grey_spreads(images, Path(tmp) / "unweighted", unweighted=True)}
        scored = colour_trained(images, greys, labels, Path(tmp))
        print(f"{'leave one spread out':<42} recall precision concordance open  A/B/C concordance  share error")
        print(line("fitted in colour, read in colour", figures(scored["colour"])))
        print(line("fitted in colour, read in grey", figures(scored["grey"])))
        print(line("fitted in colour, read in unweighted grey", figures(scored["unweighted grey"])))
        print(line("fitted in grey, read in grey", leave_one_out(grey, labels)))
        print("spreads cautioned as stained paler or darker: " + ", ".join(
            f"{name} {stain_cautioned(folder, Path(tmp) / f'cautions-{name}')}"
            for name, folder in ({"colour": images} | greys).items()))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
