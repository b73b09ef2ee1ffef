"""What every test and doctest (those of ``src/sccscore`` too) runs with: the real data, which a test fails without,
never skips; a throw-away cache; each pytest-xdist worker's cores; the slow tests first. The tests' own fixtures are
in ``tests/conftest.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
SHARED_IKEMOTO = REPO.parent / "shared" / "data" / "ikemoto2023"
SHARED_OSHIMA = REPO.parent / "shared" / "data" / "oshima2026"


def _ikemoto_root() -> Path:
    root = Path(os.environ.get("SCCSCORE_DATA") or SHARED_IKEMOTO)
    if not (root / "models" / "squeezenet1_1").is_dir():
        pytest.fail(f"real sample data not found at {root}: set SCCSCORE_DATA or put ../shared beside the repo")
    return root.resolve()


@pytest.fixture(scope="session")
def ikemoto() -> Path:
    """The Ikemoto et al. images and released models."""
    return _ikemoto_root()


@pytest.fixture(scope="session")
def oshima() -> Path:
    if not (SHARED_OSHIMA / "images").is_dir():
        pytest.fail(f"real spreads not found at {SHARED_OSHIMA}")
    return SHARED_OSHIMA


def pytest_configure(config: pytest.Config) -> None:
    """Each pytest-xdist worker on cores of its own (``make test`` runs one per core), before torch is imported.

    torch, OpenVINO and onnxruntime start a thread per core they may use: two workers on two cores ran four busy
    threads, and the suite took 1930 s (the cross-validation test 1171 s, 264 s alone). A core each: 915 s (325 s).
    Subprocesses inherit the worker's cores."""
    worker, count = os.environ.get("PYTEST_XDIST_WORKER", ""), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", 1))
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if worker.startswith("gw") and len(cores) >= count:
        os.sched_setaffinity(0, cores[int(worker[2:]) :: count])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (the others keep their order): handed out one at a time (``make test``), the workers
    share them, rather than one finishing them alone at the end of the run."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def _isolated_env(tmp_path_factory):
    """Point the library at the real data and at a throw-away cache, for every test and doctest."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCCSCORE_DATA", str(_ikemoto_root()))
        patch.setenv("SCCSCORE_CACHE", str(_shared_cache(tmp_path_factory)))
        patch.delenv("SCCSCORE_DATA_URL", raising=False)
        yield


@pytest.fixture(autouse=True)
def _doctests_at_the_repository(request: pytest.FixtureRequest) -> None:
    """The docstrings' examples name ``../shared`` as a reader at the repository's root would: run them from there,
    wherever pytest was started (the tests find the data from this file's place, and need no such thing)."""
    if request.node.path.is_relative_to(REPO / "src"):
        request.getfixturevalue("monkeypatch").chdir(REPO)


def _shared_cache(tmp_path_factory) -> Path:
    """A throw-away feature cache, one for the whole run: pytest-xdist's workers (make test runs two) share it, as
    the tests of a serial run do, rather than each extract the same crops' features again (entries are written
    atomically, so two workers may write one)."""
    base = tmp_path_factory.getbasetemp()
    cache = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "cache"
    cache.mkdir(exist_ok=True)
    return cache
