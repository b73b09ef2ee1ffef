"""Write files so that an interrupted run never leaves a half-written one, and read back what it kept."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
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


def remove_earlier(folder: str | Path, names: Iterable[str]) -> None:
    """Remove the files ``names`` from ``folder``, where they are: outputs that an earlier run into it wrote and this
    run does not (the cells' table of other samples), which would be read as this run's."""
    for name in names:
        (Path(folder) / name).unlink(missing_ok=True)


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


RUN_LOCK = ".sccscore-run.lock"  # held by the run writing into an output folder (one_run_at_a_time)


@contextmanager
def one_run_at_a_time(folder: str | Path) -> Iterator[Path]:
    """Create the output ``folder`` (:func:`output_folder`) and hold it for this run alone while it writes.

    A second run into the folder meanwhile (the same command in another terminal) is
    refused, naming the first: their rows would mix in one table (two classify runs gave
    a predictions.csv of both and a summary.csv of one). The operating system's lock ends
    with the process, so a run killed leaves none behind.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out, one_run_at_a_time(out):
    ...     try:
    ...         with one_run_at_a_time(out):
    ...             pass
    ...     except SccscoreError as error:  # doctest: +NORMALIZE_WHITESPACE
    ...         print(str(error).replace(out, "scored").replace(str(os.getpid()), "1234"))
    scored: another sccscore run (process 1234) is writing into this folder; wait for it to finish, or give this run
    a folder of its own
    """
    folder = output_folder(folder)
    lock = folder / RUN_LOCK
    try:
        handle = open(lock, "a+", encoding="utf-8")
    except OSError as exc:  # a folder one may not write in
        raise SccscoreError(f"{folder}: cannot be written ({exc.strerror}); choose another output folder") from None
    with handle:
        if not _locked(handle):
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise SccscoreError(f"{folder}: another sccscore run (process {holder}) is writing into this folder; wait "
                                "for it to finish, or give this run a folder of its own")
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield folder
        finally:
            if os.name != "nt":  # removed while held, so that no run takes a lock on a file about to go
                lock.unlink(missing_ok=True)
    if os.name == "nt":  # where an open file cannot be removed
        with suppress(OSError):  # a run that has just opened it keeps it
            lock.unlink(missing_ok=True)


def _locked(handle: IO) -> bool:
    """Take the operating system's lock of an open file without waiting; False where another holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


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
