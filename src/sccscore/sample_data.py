"""The sample data: the Ikemoto et al. (2023) crops and their 30 released models.

Looked for, in order, in the folder named by ``SCCSCORE_DATA``, in the user cache
(``SCCSCORE_CACHE``, else ``$XDG_CACHE_HOME/sccscore``, else ``~/.cache/sccscore``),
and else downloaded from the authors' public repository pinned to one commit.
Every file is checked against the SHA-256 manifest shipped in the package; a
download is written beside its target and moved into place only once its
checksum matches, so the cache never holds a half-written or corrupted file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from .errors import DataError

DATA_ENV = "SCCSCORE_DATA"
CACHE_ENV = "SCCSCORE_CACHE"
URL_ENV = "SCCSCORE_DATA_URL"
COMMIT = "3ae94f87dd87ef3c35bfb4fcf67e9646c75d5af1"
# The manifest's paths are taken to mirror the repository's layout at that commit.
DEFAULT_URL = f"https://raw.githubusercontent.com/ikmtd/Classification_Demonstration/{COMMIT}/"
N_RELEASED_MODELS = 30
GENOTYPES = ("wt", "ctf18")
_TIMEOUT_S = 30


@dataclass
class DataStatus:
    """What a data folder holds compared with the manifest."""

    root: Path
    ok: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.mismatched


@cache
def manifest() -> dict[str, str]:
    """Map each file's path (relative to the data root) to its SHA-256."""
    text = resources.files("sccscore").joinpath("_data/ikemoto2023.sha256").read_text()
    pairs = (line.split(maxsplit=1) for line in text.splitlines() if line.strip())
    return {path.strip(): digest for digest, path in pairs}


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_or_none(path: str | Path) -> str | None:
    """A file's SHA-256, or None where it cannot be read (moved, a folder): left to the reader that reports it."""
    try:
        return sha256(path)
    except OSError:
        return None


def cache_dir() -> Path:
    """The user cache folder for the sample data."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sccscore"


def default_root() -> Path:
    """Where the cache keeps the sample data."""
    return cache_dir() / "ikemoto2023"


def data_root(download: bool = True) -> Path:
    """Find the sample data, downloading it into the cache if allowed and needed.

    Raises
    ------
    DataError
        If ``SCCSCORE_DATA`` names a folder that is missing or lacks the data, or
        if nothing is found and the download fails; the message says what to set.
    """
    if os.environ.get(DATA_ENV):
        root = Path(os.environ[DATA_ENV]).expanduser()
        if not (root / "models" / "squeezenet1_1").is_dir() or not (root / "images").is_dir():
            raise DataError(
                f"{root}: {DATA_ENV} names no Ikemoto data folder "
                "(expected images/ and models/squeezenet1_1/ inside)"
            )
        return root
    root = default_root()
    if all((root / path).is_file() for path in manifest()):
        return root
    if not download:
        raise DataError(_not_found_message(root))
    return fetch(root)


def _not_found_message(root: Path) -> str:
    return (
        f"sample data not found in {root}: run 'sccscore data fetch' where the internet can be "
        f"reached, or set {DATA_ENV} to a folder laid out as images/<genotype>/<a|b|c>/ and "
        "models/squeezenet1_1/SqueezeNet_N.pth"
    )


def verify(root: str | Path) -> DataStatus:
    """Check every manifest file under ``root`` against its checksum."""
    root = Path(root)
    status = DataStatus(root)
    for path, digest in manifest().items():
        target = root / path
        if not target.is_file():
            status.missing.append(path)
        elif sha256(target) != digest:
            status.mismatched.append(path)
        else:
            status.ok.append(path)
    return status


def fetch(
    root: str | Path | None = None,
    base_url: str | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int = 8,
) -> Path:
    """Download every manifest file not already present and valid under ``root``.

    Parameters
    ----------
    root
        Destination folder; default :func:`default_root`.
    base_url
        Where the files are served; default ``SCCSCORE_DATA_URL``, else the
        authors' repository at the pinned commit.
    progress
        Called with each file's path once it is in place.

    Raises
    ------
    DataError
        If a file cannot be downloaded or its checksum does not match. Files
        already verified stay; the failed one leaves nothing behind.
    """
    root = Path(root) if root is not None else default_root()
    base_url = base_url or os.environ.get(URL_ENV) or DEFAULT_URL
    if not base_url.endswith("/"):
        base_url += "/"
    todo = [
        (path, digest)
        for path, digest in manifest().items()
        if not ((root / path).is_file() and sha256(root / path) == digest)
    ]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_download, base_url + path, root / path, digest) for path, digest in todo]
        for (path, _), future in zip(todo, futures):
            try:
                future.result()
            except DataError as exc:
                pool.shutdown(cancel_futures=True)  # the first failure ends the fetch
                raise DataError(f"{exc}; {_not_found_message(root)}") from None
            if progress:
                progress(path)
    return root


def _download(url: str, target: Path, digest: str) -> None:
    tmp = None
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(response, out)
        if sha256(tmp) != digest:
            raise DataError(f"{url}: checksum mismatch, the downloaded file is corrupted; nothing was kept")
        os.replace(tmp, target)
    except (urllib.error.URLError, OSError) as exc:
        raise DataError(f"{url}: download failed ({getattr(exc, 'reason', exc)})") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def released_model_file(n: int, root: Path | None = None) -> Path:
    """Path of the authors' released SqueezeNet model ``n`` (1..30), checksum verified."""
    if not 1 <= n <= N_RELEASED_MODELS:
        raise DataError(f"released model {n} does not exist (choose 1 to {N_RELEASED_MODELS})")
    relative = f"models/squeezenet1_1/SqueezeNet_{n}.pth"
    path = (root or data_root()) / relative
    if not path.is_file():
        raise DataError(f"{path}: released model file is missing")
    if sha256(path) != manifest()[relative]:
        raise DataError(f"{path}: checksum does not match the released model; fetch it again")
    return path


def sample_folder(genotype: str, root: Path | None = None) -> Path:
    """The labelled image folder of one genotype ('wt' or 'ctf18')."""
    if genotype not in GENOTYPES:
        raise DataError(f"unknown genotype '{genotype}' (choose from {', '.join(GENOTYPES)})")
    return (root or data_root()) / "images" / genotype
