"""Where a run of ``sccscore detect`` or ``classify --spreads`` wrote a crop, found from the crop's path; and the
hidden file in which an unfinished ``classify`` keeps what ``--resume`` needs; and the table in which ``compare``
joins several runs' calls.

The layout itself is written by :mod:`sccscore.spreads` (see its docstring); reading it
back needs no model, so ``compare --predictions`` and the report find a run's overlays,
cells and tables (:func:`run_rows`: how each spread was imaged, what to check on it)
without importing torch.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from .errors import SccscoreError

# what a classify run keeps until it finishes, for --resume: of crops (sccscore.classify), of spreads (.spreads)
CROPS_RUN_FILE, SPREADS_RUN_FILE = ".classify-run.json", ".classify-spreads-run.json"
JOINED_TABLE = "joined_predictions.csv"  # compare --out's join of several tables (predictions_table.join_predictions)


def is_unfinished_run(folder: str | Path) -> bool:
    """Whether a classify run began in ``folder`` and did not finish: what ``--resume`` takes up there."""
    return any((Path(folder) / name).is_file() for name in (CROPS_RUN_FILE, SPREADS_RUN_FILE))


def run_folder(crop_path: str | Path, image: str = "") -> Path:
    """The classify output folder a chromosome's crop was cut into (OUT/crops/sample/<image>/001.png).

    ``image`` is the crop's image as ``predictions.csv`` names it (``slide1/field.png`` lies
    a folder deeper than ``field.png``). A shorter path (a table made by hand) gives its top
    folder, which holds no overlays.
    """
    parents = Path(crop_path).parents
    return parents[min(2 + len(PurePosixPath(image or "spread").parts), len(parents) - 1)]


def is_run(folder: str | Path) -> bool:
    """Whether ``folder`` is the output folder of a detect or classify --spreads run: it holds detections.csv."""
    return (Path(folder) / "detections.csv").is_file()


def overlay_file(run: Path, sample: str, image: str) -> Path:
    """Where a run drew the overlay of a sample's spread, ``image`` as it names it (``slide1/field.png``):
    ``run/overlays/<sample>/slide1/field.png``, the spread's name with its file type as PNG."""
    return run / "overlays" / sample / PurePosixPath(image).with_suffix(".png")


def spread_run(crop_path: str | Path) -> Path | None:
    """The output folder of the detect or classify --spreads run that cut a crop (its ``crops/`` beside detections.csv).

    Found on disk, for crops given alone; :func:`run_folder` finds it from a table's row.
    """
    return next((folder.parent for folder in Path(crop_path).parents
                 if folder.name == "crops" and is_run(folder.parent)), None)


def run_rows(runs: Sequence[Path], name: str) -> list[dict[str, str]]:
    """The rows of the table ``name`` (``images.csv``, ``cautions.csv``) that each classify run in ``runs`` wrote, all
    together; none from a run that did not write it (a version of sccscore before it was kept, or no chromosome
    typed).

    Raises
    ------
    SccscoreError
        Naming the table, where one cannot be read as text (overwritten, or saved by a spreadsheet in another
        encoding).
    """
    rows = []
    for path in (run / name for run in runs):
        if path.is_file():
            try:
                with path.open(newline="", encoding="utf-8") as handle:
                    rows += list(csv.DictReader(handle))
            except (OSError, UnicodeDecodeError, csv.Error) as error:
                raise SccscoreError(f"{path}: cannot read the table classify wrote there ({error}); run classify "
                                    "again into that folder, or delete the file") from None
    return rows


def number(value: str | None) -> float | None:
    """A value of a run's table as a number; None where it is empty, missing or not one (mangled in a spreadsheet),
    so that one such value is left out, as a run from before it was kept leaves it.

    >>> number("1.695"), number(""), number("n/a"), number(None)
    (1.695, None, None, None)
    """
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
