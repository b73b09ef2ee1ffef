"""The tests' shared fixtures. The repository's ``conftest.py`` sets what every test and doctest runs with: the real
data (missing, a test fails, never skips; the ``ikemoto`` and ``oshima`` fixtures), a throw-away cache, each
pytest-xdist worker's cores and the slow tests first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


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
