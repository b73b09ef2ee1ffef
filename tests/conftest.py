"""Shared fixtures. Tests that need the real data fail, never skip, when it is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
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
    """Point the library at the real data and at a throw-away cache, for every test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCCSCORE_DATA", str(_ikemoto_root()))
        patch.setenv("SCCSCORE_CACHE", str(_shared_cache(tmp_path_factory)))
        patch.delenv("SCCSCORE_DATA_URL", raising=False)
        yield


def _shared_cache(tmp_path_factory) -> Path:
    """A throw-away feature cache, one for the whole run: pytest-xdist's workers (make test runs two) share it, as
    the tests of a serial run do, rather than each extract the same crops' features again (entries are written
    atomically, so two workers may write one)."""
    base = tmp_path_factory.getbasetemp()
    cache = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "cache"
    cache.mkdir(exist_ok=True)
    return cache


@pytest.fixture
def labelled_crops(ikemoto, tmp_path):
    """Makes labelled folders of real crops: ``(genotype, per_type, name)``, the first ``per_type`` of each type."""

    def make(genotype: str, per_type: int, name: str) -> Path:
        root = tmp_path / name
        for label in "abc":
            (root / label).mkdir(parents=True)
            for path in sorted((ikemoto / "images" / genotype / label).iterdir())[:per_type]:
                shutil.copy(path, root / label / path.name)
        return root

    return make


@pytest.fixture
def small_labelled(labelled_crops) -> Path:
    """A labelled folder of real crops: the first 4 WT images of each type."""
    return labelled_crops("wt", 4, "wt_small")


@pytest.fixture
def cli():
    """Run the command line in a subprocess, as a user would."""
    return _run_cli


def _run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    # tables as in a log (120 columns) unless a test gives COLUMNS: pytest-xdist's workers export COLUMNS=80
    inherited = {name: value for name, value in os.environ.items() if name != "COLUMNS"}
    return subprocess.run(
        [sys.executable, "-m", "sccscore", *args],
        capture_output=True,
        text=True,
        env={**inherited, **(env or {})},
        timeout=600,
    )


@pytest.fixture
def cli_imports():
    """Run the command line as ``cli`` does; return the run and the modules it imported."""
    return _run_cli_imports


def _run_cli_imports(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, list[str]]:
    run = _run_cli(*args, env={"PYTHONPROFILEIMPORTTIME": "1", **(env or {})})  # each import is listed on stderr
    return run, [line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")]


@pytest.fixture
def chromium() -> str:
    """The headless browser the pages are opened in, as a biologist's browser would open them."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("Chromium not found: apt-get install chromium (the CI setup installs it)")
