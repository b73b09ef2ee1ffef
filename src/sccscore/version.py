"""Versions of sccscore and what it runs on, for ``--version`` and saved settings."""

from __future__ import annotations

import platform
from importlib import metadata

from . import __version__


def versions() -> dict[str, str]:
    """Package, torch, torchvision, ONNX Runtime, OpenVINO, Python and platform versions.

    Examples
    --------
    >>> sorted(versions())
    ['onnxruntime', 'openvino', 'platform', 'python', 'sccscore', 'torch', 'torchvision']
    """
    import onnxruntime
    import openvino
    import torch

    return {
        "sccscore": __version__,
        "torch": torch.__version__,  # with its build (CUDA or CPU) after a '+'
        "torchvision": metadata.version("torchvision"),  # not imported: see sccscore.squeezenet
        "onnxruntime": onnxruntime.__version__,
        "openvino": openvino.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
