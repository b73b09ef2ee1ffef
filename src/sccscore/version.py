"""Versions of sccscore and what it runs on, for ``--version``, saved settings and reports."""

from __future__ import annotations

import platform
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

from . import __version__

PACKAGE = Path(__file__).parent


@cache
def code_version(package: Path = PACKAGE) -> str:
    """sccscore's version, with the commit it runs from where that is a git checkout of it, as a paper's methods
    and a run's settings name the code: every commit has carried the same version, which alone names no code.

    A package installed from a wheel, or lying in another project's repository (untracked there), gives the version
    alone; code changed since its commit says so, as its figures may not be the commit's.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     code_version(Path(folder)) == __version__
    True
    """
    def git(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(package), *arguments], capture_output=True, text=True, check=False)

    try:
        if git("ls-files", "--error-unmatch", "__init__.py").returncode != 0:  # not sccscore's own repository
            return __version__
        commit = git("rev-parse", "--short=12", "HEAD").stdout.strip()
        # edited, staged or new files in the package, not in its tests or docs (nor the caches git ignores)
        changed = bool(git("status", "--porcelain", "--", ".").stdout.strip())
    except OSError:  # no git
        return __version__
    return f"{__version__} (commit {commit}{', with changes not committed' if changed else ''})"


def versions(model_runtimes: bool = True) -> dict[str, str]:
    """Package, model runtime (torch, torchvision, ONNX Runtime, OpenVINO), statistics, Python and platform versions.

    ``model_runtimes=False`` leaves out the libraries that run a model, for what ran none (a report of calls typed by
    hand), as importing them takes seconds and their versions say nothing of its figures.

    Examples
    --------
    >>> list(versions())  # doctest: +NORMALIZE_WHITESPACE
    ['sccscore', 'torch', 'torchvision', 'onnxruntime', 'openvino', 'numpy', 'scipy', 'statsmodels',
     'python', 'platform']
    >>> list(versions(model_runtimes=False))
    ['sccscore', 'numpy', 'scipy', 'statsmodels', 'python', 'platform']
    """
    found = {"sccscore": code_version()}
    if model_runtimes:
        import onnxruntime
        import openvino
        import torch

        found |= {"torch": torch.__version__,  # with its build (CUDA or CPU) after a '+', which metadata drops
                  "torchvision": metadata.version("torchvision"),  # not imported: see sccscore.squeezenet
                  "onnxruntime": onnxruntime.__version__, "openvino": openvino.__version__}
    # the tests' p-values and intervals come from scipy and statsmodels (read from metadata: statsmodels is imported
    # only by the tests that need it)
    found |= {name: metadata.version(name) for name in ("numpy", "scipy", "statsmodels")}
    return found | {"python": platform.python_version(), "platform": platform.platform()}
