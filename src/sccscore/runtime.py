"""How a model's forward pass runs: OpenVINO or ONNX Runtime on a CPU, torch on a GPU.

On a CPU, ONNX Runtime runs SqueezeNet about five times faster than eager torch
(see ``docs/benchmarks.md``), with outputs equal to 1e-5. On a CPU that computes
in bfloat16 natively (AVX-512 BF16 or AMX), OpenVINO runs the same graph in
bfloat16 (its default there) nearly twice as fast again, and crops near a tie
are scored again in float32, so that the predicted types stay float32's. The
model is exported to ONNX once per load with the input scaling, normalisation
and softmax folded into the graph, so the runner takes the uint8 batches the
decoding threads produce. Without either runtime, or with ``engine="torch"``,
torch runs it in channels-last layout, which suits CPU convolutions better than
the default.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch import nn

from .errors import SccscoreError
from .models import ScoringModel, channels_last
from .parallel import cpu_threads

ENGINES = ("auto", "openvino", "onnx", "torch")
# (batch of uint8 images N x 3 x H x W) -> member probabilities N x members x classes
Runner = Callable[[torch.Tensor], np.ndarray]
# Crops closer than this to a tie are scored again in float32 after bfloat16 (see _openvino_runner).
RESCORE_MARGIN = 0.2
OPENVINO_CHUNK = 8


class _ProbabilitiesFromBytes(nn.Module):
    """The model as one graph from uint8 pixels to member probabilities."""

    def __init__(self, model: ScoringModel) -> None:
        super().__init__()
        self.model = model
        inputs = model.config.input
        self.register_buffer("scale", 1 / (255 * torch.tensor(inputs.std).view(1, 3, 1, 1)))
        self.register_buffer("shift",
                             torch.tensor(inputs.mean).view(1, 3, 1, 1) / torch.tensor(inputs.std).view(1, 3, 1, 1))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.model.member_probabilities(pixels.float() * self.scale - self.shift)


def make_runner(model: ScoringModel, device: str | None = None, engine: str = "auto") -> Runner:
    """Prepare ``model`` for fast scoring and return a function that scores a batch.

    Parameters
    ----------
    device
        ``cpu``, ``cuda``, ``cuda:N``; default CUDA when available, else CPU.
    engine
        ``auto``, ``openvino``, ``onnx`` or ``torch``; see :func:`choose_engine`.
    """
    target = resolve_device(device)
    graph = _ProbabilitiesFromBytes(model).eval()
    chosen = choose_engine(model, device, engine)
    if chosen == "openvino":
        return _openvino_runner(graph)
    if chosen == "onnx":
        return _onnx_runner(graph)
    return _torch_runner(graph, target)


def choose_engine(model: ScoringModel, device: str | None = None, engine: str = "auto") -> str:
    """The engine that scores ``model``: ``openvino``, ``onnx`` or ``torch``.

    ``auto``: on a GPU, torch; on a CPU, OpenVINO for a one-member model where it
    computes in bfloat16 natively, else ONNX Runtime, else torch.
    """
    if engine not in ENGINES:
        raise SccscoreError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    target = resolve_device(device)
    if target.type != "cpu":
        if engine in ("openvino", "onnx"):
            raise SccscoreError(f"engine '{engine}' runs on the CPU only, not on {target}")
        return "torch"
    if engine == "onnx" and not _installed("onnxruntime"):
        raise SccscoreError("engine 'onnx' needs onnxruntime: pip install onnxruntime")
    if engine == "openvino" and not _installed("openvino"):
        raise SccscoreError("engine 'openvino' needs OpenVINO: pip install openvino")
    # With many members (the 30 released models), about half the crops are near a tie in
    # one of them, and scoring those twice costs more than bfloat16 saves.
    if engine == "auto" and model.config.n_members == 1 and _openvino_computes_bf16():
        return "openvino"
    if engine == "auto":
        return "onnx" if _installed("onnxruntime") else "torch"
    return engine


def describe_engine(model: ScoringModel, device: str | None = None, engine: str = "auto") -> str:
    """How ``model`` is scored, in words, for reports (the engine and its precision)."""
    chosen = choose_engine(model, device, engine)
    if chosen == "openvino" and _openvino_computes_bf16():
        return "OpenVINO on the CPU, bfloat16, near ties scored again in float32"
    where = {"openvino": "OpenVINO on the CPU", "onnx": "ONNX Runtime on the CPU",
             "torch": f"torch on {resolve_device(device)}"}
    return f"{where[chosen]}, float32"


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


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


def float32_convolutions() -> contextlib.AbstractContextManager[None]:
    """cuDNN's convolutions in float32 proper while the block runs, as a CPU computes them.

    By default torch lets cuDNN compute float32 convolutions in TF32 (10 bits of mantissa, float32 has 23) on
    Ampere and later GPUs (torch's notes on CUDA): a model's scores would then move with the GPU a lab has, and
    the report says "float32". How far they move is not measured yet (``benchmarks/gpu_parity.py`` measures it;
    no GPU was lent when this was written).
    """
    return cudnn_tf32(False)


@contextlib.contextmanager
def cudnn_tf32(allowed: bool) -> Iterator[None]:
    """Whether cuDNN may compute float32 convolutions in TF32, while the block runs (:func:`float32_convolutions`;
    a benchmark allows it, to measure what it moves). Only the convolutions' flag is set, through torch's
    per-operator setting where it has one: setting it also through the older ``allow_tf32`` makes torch refuse to
    read that."""
    convolutions = getattr(torch.backends.cudnn, "conv", None)  # a torch without it has allow_tf32 alone
    owner, flag, value = ((convolutions, "fp32_precision", "tf32" if allowed else "ieee")
                          if hasattr(convolutions, "fp32_precision") else (torch.backends.cudnn, "allow_tf32", allowed))
    before = getattr(owner, flag)
    setattr(owner, flag, value)
    try:
        yield
    finally:
        setattr(owner, flag, before)


def _torch_runner(graph: nn.Module, device: torch.device) -> Runner:
    graph = channels_last(graph.to(device))

    def run(batch: torch.Tensor) -> np.ndarray:
        with torch.inference_mode(), float32_convolutions():
            pixels = batch.to(device, non_blocking=True)
            if device.type == "cpu":
                pixels = pixels.contiguous(memory_format=torch.channels_last)
            return graph(pixels).float().cpu().numpy()

    return run


def _onnx_model(graph: nn.Module) -> bytes:
    """The graph exported to ONNX, with a free batch size."""
    height, width = graph.model.config.input.size
    example = torch.zeros(1, 3, height, width, dtype=torch.uint8)
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # the exporter's deprecation and tracer notices
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph, (example,), buffer, input_names=["pixels"], output_names=["probabilities"],
            dynamic_axes={"pixels": {0: "batch"}, "probabilities": {0: "batch"}}, dynamo=False,
        )
    return buffer.getvalue()


def _onnx_runner(graph: nn.Module) -> Runner:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = cpu_threads()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(_onnx_model(graph), options, providers=["CPUExecutionProvider"])

    def run(batch: torch.Tensor) -> np.ndarray:
        return session.run(None, {"pixels": batch.numpy()})[0]

    return run


@functools.cache  # the CPU does not change while the process runs
def _openvino_computes_bf16() -> bool:
    """Whether OpenVINO is installed and would run in bfloat16 on this CPU (its default where native)."""
    if not _installed("openvino"):
        return False
    import openvino

    return openvino.Core().get_property("CPU", "INFERENCE_PRECISION_HINT") == openvino.Type.bf16


def _openvino_runner(graph: nn.Module) -> Runner:
    """OpenVINO at its default precision; in bfloat16, near ties are scored again in float32.

    Against float32, bfloat16 moved a probability by at most 0.09 and the gap
    between the two most likely types by at most 0.18 (30 released models, 906
    shared crops and 251 crops cut from the shared spreads; above 0.14 in 0.1%
    of cases). A crop whose gap, in any member or in the mean, is under
    ``RESCORE_MARGIN`` is scored again in float32 (about 15% of crops for one
    released model); the others keep bfloat16's probabilities, whose type is
    float32's on every one of those crops.
    """
    import openvino

    core = openvino.Core()
    network = core.read_model(io.BytesIO(_onnx_model(graph)))
    fast = _openvino_request(core, network, precision=None)
    if not _openvino_computes_bf16():
        return fast
    exact = _openvino_request(core, network, precision="f32")

    def run(batch: torch.Tensor) -> np.ndarray:
        scores = fast(batch)
        near = _near_ties(scores)
        if near.any():
            scores[near] = exact(batch[torch.from_numpy(near)])
        return scores

    return run


def _openvino_request(core, network, precision: str | None) -> Runner:
    """Each batch scored in chunks of OPENVINO_CHUNK crops on OpenVINO's streams, side by side.

    Streams of one thread each have no barrier to wait at when a decoding thread
    takes a core for a moment. One fixed chunk size, because OpenVINO prepares
    its kernels for every new input shape (about 0.1 s each, which the varying
    number of near ties would pay again and again); 8 was the fastest measured.
    """
    import openvino

    settings = {"PERFORMANCE_HINT": "THROUGHPUT", "INFERENCE_NUM_THREADS": cpu_threads(), "ENABLE_CPU_PINNING": False}
    if precision:
        settings["INFERENCE_PRECISION_HINT"] = precision
    compiled = core.compile_model(network, "CPU", settings)
    queue = openvino.AsyncInferQueue(compiled, compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
    chunks: dict[int, np.ndarray] = {}
    # Copies: an output is a view of its request's buffer, which the request's next chunk overwrites.
    queue.set_callback(lambda request, position: chunks.__setitem__(position, request.get_output_tensor(0).data.copy()))

    def run(batch: torch.Tensor) -> np.ndarray:
        pixels = batch.numpy()
        padded = np.concatenate([pixels, np.repeat(pixels[:1], -len(pixels) % OPENVINO_CHUNK, axis=0)])
        chunks.clear()
        for position, start in enumerate(range(0, len(padded), OPENVINO_CHUNK)):
            queue.start_async({0: padded[start : start + OPENVINO_CHUNK]}, position)
        queue.wait_all()
        return np.concatenate([chunks[position] for position in range(len(chunks))])[: len(pixels)]

    return run


def _near_ties(scores: np.ndarray) -> np.ndarray:
    """Crops whose two most likely types are within RESCORE_MARGIN, in any member or in the mean.

    >>> _near_ties(np.array([[[0.5, 0.4, 0.1]], [[0.8, 0.1, 0.1]]])).tolist()
    [True, False]
    """
    def margin(probabilities: np.ndarray) -> np.ndarray:
        top_two = np.sort(probabilities, axis=-1)[..., -2:]
        return top_two[..., 1] - top_two[..., 0]

    return (margin(scores).min(axis=1) < RESCORE_MARGIN) | (margin(scores.mean(axis=1)) < RESCORE_MARGIN)
