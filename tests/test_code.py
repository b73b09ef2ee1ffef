"""The code as the next engineer reads it, in the package, its tests, benchmarks and tools: no import left unused, no
name undefined or defined twice (pyflakes), and no line wider than 120 characters."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECKED = ["src", "tests", "benchmarks", "tools", "conftest.py"]
WIDEST = 120


def test_pyflakes_finds_nothing():
    run = subprocess.run([sys.executable, "-m", "pyflakes", *CHECKED], cwd=REPO, capture_output=True, text=True)
    assert (run.returncode, run.stdout + run.stderr) == (0, "")


def test_no_line_is_wider_than_the_rest():
    files = [path for name in CHECKED for path in ([REPO / name] if name.endswith(".py") else
                                                    sorted((REPO / name).rglob("*.py")))]
    assert len(files) > 100
    wide = [f"{path.relative_to(REPO)}:{number}" for path in files
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if len(line) > WIDEST]
    assert wide == []
