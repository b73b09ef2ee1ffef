"""Where a run of ``sccscore detect`` or ``classify --spreads`` wrote a crop, found from the crop's path.

The layout itself is written by :mod:`sccscore.spreads` (see its docstring); reading it
back needs no model, so ``compare --predictions`` and the report find a run's overlays
and cells without importing torch.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath


def run_folder(crop_path: str | Path, image: str = "") -> Path:
    """The classify output folder a chromosome's crop was cut into (OUT/crops/sample/<image>/001.png).

    ``image`` is the crop's image as ``predictions.csv`` names it (``slide1/field.png`` lies
    a folder deeper than ``field.png``). A shorter path (a table made by hand) gives its top
    folder, which holds no overlays.
    """
    parents = Path(crop_path).parents
    return parents[min(2 + len(PurePosixPath(image or "spread").parts), len(parents) - 1)]


def spread_run(crop_path: str | Path) -> Path | None:
    """The output folder of the detect or classify --spreads run that cut a crop (its ``crops/`` beside detections.csv).

    Found on disk, for crops given alone; :func:`run_folder` finds it from a table's row.
    """
    return next((folder.parent for folder in Path(crop_path).parents
                 if folder.name == "crops" and (folder.parent / "detections.csv").is_file()), None)
