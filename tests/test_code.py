"""The code as the next engineer reads it: no import left unused, no name undefined or defined twice (pyflakes), in
the package, its tests, benchmarks and tools."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_pyflakes_finds_nothing():
    checked = ["src", "tests", "benchmarks", "tools", "conftest.py"]
    run = subprocess.run([sys.executable, "-m", "pyflakes", *checked], cwd=REPO, capture_output=True, text=True)
    assert (run.returncode, run.stdout + run.stderr) == (0, "")
