"""Write files so that an interrupted run never leaves a half-written one, and read back what it kept."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import IO, Any

from .errors import SccscoreError


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary file beside ``path``; move it into place only on success."""
    path = Path(path)
    if path.is_dir():
        raise SccscoreError(f"{path}: is a folder; give a file name to write to")
    try:
        fd, tmp = tempfile.mkstemp(dir=output_folder(path.parent), prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:  # a folder one may not write in, or a file system that takes no files (/proc)
        raise SccscoreError(f"{path}: cannot be written ({exc.strerror})") from None
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; the final file is not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def staged_folder(folder: str | Path) -> Iterator[Path]:
    """A temporary folder beside ``folder`` to write into, renamed to ``folder`` only on success.

    An interrupted write leaves no half-written folder. ``folder`` must not exist yet:
    callers refuse an existing one before their work starts, in their own words.
    """
    folder = Path(folder)
    staging = _staging_beside(folder)
    try:
        yield staging
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; the final folder is not
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def check_new_folder(folder: str | Path) -> None:
    """Before long work that ends in writing the model folder ``folder``: refuse it where it exists or could not be
    written, now rather than after the work."""
    folder = Path(folder)
    if folder.exists():
        raise SccscoreError(f"{folder}: already exists; choose a new model folder")
    _staging_beside(folder).rmdir()


def _staging_beside(folder: Path) -> Path:
    output_folder(folder.parent)
    try:
        return Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    except OSError as exc:  # a folder one may not write in, or a file system that takes no folders (/proc)
        raise SccscoreError(f"{folder}: cannot create the output folder ({exc.strerror})") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def output_folder(folder: str | Path) -> Path:
    """Create an output folder (and its parents), or say clearly why it cannot be."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SccscoreError(f"{folder}: exists and is not a folder; choose another output folder") from None
    except OSError as exc:
        raise SccscoreError(f"{folder}: cannot create the output folder ({exc.strerror})") from None
    return folder


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with atomic_open(path, newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_json(path: str | Path, data: Any) -> None:
    with atomic_open(path, encoding="utf-8") as handle:
        json.dump(json_ready(data), handle, indent=2, allow_nan=False)
        handle.write("\n")


def json_ready(data: Any) -> Any:
    """``data`` with every figure that is not a number (NaN, infinity) as None, written ``null``.

    Python writes NaN as ``NaN``, which is no JSON value: R's jsonlite, browsers and most other
    readers refuse the whole file. An undefined figure (Cohen's kappa of images all of one type,
    the recall of a type never labelled) is null instead.

    Examples
    --------
    >>> json_ready({"kappa": float("nan"), "recall": [1.0, float("nan")], "n": 3})
    {'kappa': None, 'recall': [1.0, None], 'n': 3}
    """
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, Mapping):
        return {key: json_ready(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_ready(value) for value in data]
    return data


def read_kept_json(path: str | Path) -> Any:
    """A JSON file an interrupted run kept for ``--resume``; damaged (by hand) is a clear error."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SccscoreError(f"{path}: cannot read what the interrupted run kept ({exc}); "
                            "run again without --resume to start afresh") from None


def read_small_model(path: str | Path | None, shipped: str, what: str, expected: Mapping[str, Sequence[str]]) -> Any:
    """A small fitted model's JSON record: the given file, or ``sccscore/_data/<shipped>``.

    ``expected`` names the lists (features, types) a record of this sccscore version holds.
    """
    source = resources.files("sccscore").joinpath(f"_data/{shipped}") if path is None else Path(path)
    try:
        record = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SccscoreError(f"{source}: cannot read the {what} ({exc})") from None
    if any(tuple(record.get(key, ())) != tuple(values) for key, values in expected.items()):
        raise SccscoreError(f"{source}: not a {what} of this sccscore version")
    return record
