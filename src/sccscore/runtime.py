"""How a model's forward pass runs: ONNX Runtime on a CPU, torch on a GPU.

On a CPU, ONNX Runtime runs SqueezeNet about five times faster than eager torch
(see ``docs/benchmarks.md``), with outputs equal to 1e-5. The model is exported
once per load with the input scaling, normalisation and softmax folded into the
graph, so the runner takes the uint8 batches the image workers produce. Without
onnxruntime, or with ``engine="torch"``, torch runs it in channels-last layout,
which suits CPU convolutions better than the default.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .errors import SccscoreError
from .models import ScoringModel

ENGINES = ("auto", "onnx", "torch")
# (batch of uint8 images N x 3 x H x W) -> member probabilities N x members x classes
Runner = Callable[[torch.Tensor], np.ndarray]


class _ProbabilitiesFromBytes(nn.Module):
    """The model as one graph from uint8 pixels to member probabilities."""

    def __init__(self, model: ScoringModel) -> None:
        super().__init__()
        self.model = model
        inputs = model.config.input
        self.register_buffer("scale", 1 / (255 * torch.tensor(inputs.std).view(1, 3, 1, 1)))
        self.register_buffer("shift", torch.tensor(inputs.mean).view(1, 3, 1, 1) / torch.tensor(inputs.std).view(1, 3, 1, 1))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.model.member_probabilities(pixels.float() * self.scale - self.shift)


def cpu_threads() -> int:
    """CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def make_runner(model: ScoringModel, device: str | None = None, engine: str = "auto") -> Runner:
    """Prepare ``model`` for fast scoring and return a function that scores a batch.

    Parameters
    ----------
    device
        ``cpu``, ``cuda``, ``cuda:N``; default CUDA when available, else CPU.
    engine
        ``auto`` (ONNX Runtime on a CPU when installed, else torch), ``onnx`` or ``torch``.
    """
    if engine not in ENGINES:
        raise SccscoreError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    target = resolve_device(device)
    graph = _ProbabilitiesFromBytes(model).eval()
    if target.type == "cpu" and engine != "torch":
        try:
            return _onnx_runner(graph)
        except ImportError:
            if engine == "onnx":
                raise SccscoreError("engine 'onnx' needs onnxruntime: pip install onnxruntime") from None
    elif engine == "onnx":
        raise SccscoreError(f"engine 'onnx' runs on the CPU only, not on {target}")
    return _torch_runner(graph, target)


def resolve_device(name: str | None) -> torch.device:
    """The device asked for, checked; default CUDA when available, else CPU."""
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        target = torch.device(name)
    except RuntimeError:
        raise SccscoreError(f"unknown device '{name}' (use cpu, cuda or cuda:N)") from None
    if target.type == "cuda" and not torch.cuda.is_available():
        raise SccscoreError(f"device '{name}' asked for, but no CUDA GPU is available here")
    if target.type not in ("cpu", "cuda"):
        raise SccscoreError(f"device '{name}' is not supported (use cpu, cuda or cuda:N)")
    return target


def _torch_runner(graph: nn.Module, device: torch.device) -> Runner:
    graph = graph.to(device)
    if device.type == "cpu":
        graph = graph.to(memory_format=torch.channels_last)

    def run(batch: torch.Tensor) -> np.ndarray:
        with torch.inference_mode():
            pixels = batch.to(device, non_blocking=True)
            if device.type == "cpu":
                pixels = pixels.contiguous(memory_format=torch.channels_last)
            return graph(pixels).float().cpu().numpy()

    return run


def _onnx_runner(graph: nn.Module) -> Runner:
    import onnxruntime

    height, width = graph.model.config.input.size
    example = torch.zeros(1, 3, height, width, dtype=torch.uint8)
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # the exporter's deprecation and tracer notices
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph, (example,), buffer, input_names=["pixels"], output_names=["probabilities"],
            dynamic_axes={"pixels": {0: "batch"}, "probabilities": {0: "batch"}}, dynamo=False,
        )
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = cpu_threads()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])

    def run(batch: torch.Tensor) -> np.ndarray:
        return session.run(None, {"pixels": batch.numpy()})[0]

    return run
