"""Versions of sccscore and what it runs on, for ``--version``, saved settings and reports."""

from __future__ import annotations

import platform
from importlib import metadata

from . import __version__


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
    found = {"sccscore": __version__}
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
