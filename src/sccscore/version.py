"""Versions of sccscore and what it runs on, for ``--version`` and saved settings."""

from __future__ import annotations

import platform

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
    import torchvision

    return {
        "sccscore": __version__,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnxruntime": onnxruntime.__version__,
        "openvino": openvino.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
