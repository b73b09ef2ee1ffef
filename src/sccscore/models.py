"""Backbones, the paper's 3-class heads, and loading and saving models.

A model is a torchvision network (SqueezeNet 1.1 built here as torchvision builds
it) whose last layer is replaced by a head with ``n_classes * n_members`` outputs:
one member is the paper's single model; many members are an ensemble of heads on
one shared frozen backbone, which is what the authors' 30 released models are
(their ``features.*`` are identical), so the backbone runs once for all of them.

Model references accepted by :func:`load_model`:

- a folder saved by :func:`save_model` (``config.json`` + ``model.safetensors``);
- ``paper:squeezenet1_1/N`` for the authors' released model N (1..30);
- ``paper:squeezenet1_1`` for all 30 as a mean-softmax ensemble;
- ``sccscore:grey-crops`` for sccscore's model of grey crops (:mod:`sccscore.grey_model`);
- ``sccscore:spreads`` for sccscore's classifier of chromosomes found in whole
  spreads (:mod:`sccscore.spread_model`), or a folder of such models fitted on a
  lab's own annotated spreads by ``sccscore train-spreads``.
"""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch import nn

from ._atomic import staged_folder
from .config import (CONFIG_FILE, GREY_CROPS_MODEL, PAPER_PREFIX, SPREAD_HEAD_FILE, SPREAD_MODEL, ModelConfig, named,
                     read_config, spread_model_folder)
from .errors import DataError, ModelError
from .squeezenet import SqueezeNet

WEIGHTS_FILE = "model.safetensors"


@dataclass(frozen=True)
class BackboneSpec:
    """How to build one torchvision architecture with an ``n_outputs`` head."""

    build: Callable[[int], nn.Module]
    head_prefix: str  # state-dict prefix of the replaced last layer
    imagenet_file: str  # torchvision's file name for the ImageNet weights


def _squeezenet(n_outputs: int) -> nn.Module:
    # torchvision's, without its import (see sccscore.squeezenet); built with its 1000 outputs and then given
    # the head, as torchvision's was, so that a seeded training draws the same numbers as before
    net = SqueezeNet()
    net.classifier[1] = nn.Conv2d(512, n_outputs, kernel_size=1)
    return net


def _resnet18(n_outputs: int) -> nn.Module:
    from torchvision.models import resnet18

    net = resnet18(weights=None)
    net.fc = nn.Linear(512, n_outputs)
    return net


BACKBONES: dict[str, BackboneSpec] = {
    "squeezenet1_1": BackboneSpec(_squeezenet, "classifier.1.", "squeezenet1_1-b8a52dc0.pth"),
    "resnet18": BackboneSpec(_resnet18, "fc.", "resnet18-f37072fd.pth"),
}


class MultiDepthNet(nn.Module):
    """A linear layer on features average- and max-pooled at several depths.

    Early layers see the fine texture of the chromatids, late ones the shape of
    the whole chromosome; the pooled features of both are what the default
    training recipe found best (``docs/training.md``). State-dict keys of the
    backbone are torchvision's (``features.N...``), so ImageNet weights load as is.
    """

    def __init__(self, features: nn.Sequential, taps: tuple[int, ...], n_outputs: int) -> None:
        super().__init__()
        if not taps or min(taps) < 0 or max(taps) >= len(features):
            raise ModelError(f"taps {taps} are not layers 0..{len(features) - 1} of the backbone")
        self.features = features[: max(taps) + 1]
        self.taps = frozenset(taps)
        with torch.no_grad():
            width = self.pooled(torch.zeros(1, 3, 64, 64)).shape[1]
        self.classifier = nn.Linear(width, n_outputs)

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        """The concatenated mean- and max-pooled activations at the taps."""
        pooled = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in self.taps:
                pooled += [x.mean(dim=(2, 3)), x.amax(dim=(2, 3))]
        return torch.cat(pooled, dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pooled(x))


def channels_last(model: nn.Module) -> nn.Module:
    """The model, in place, with its convolution weights in channels-last order where it is on the CPU.

    oneDNN's convolutions took about half the time in that order, whatever the
    order of the pixels (``benchmarks/bench_extract.py``); the outputs differ by
    rounding only. On a GPU the model is left as it is: not measured there.
    """
    on_cpu = all(parameter.device.type == "cpu" for parameter in model.parameters())
    return model.to(memory_format=torch.channels_last) if on_cpu else model


# Eager torch on a CPU is given at most the pixels of 16 images of 160 px at once, views included: the layers' outputs
# of larger batches (of 32 crops in 8 views, the first layer's alone 400 MB) lie far past the CPU's caches, and took
# up to twice the time and memory (docs/benchmarks.md, "Features a few crops at a time").
CPU_BATCH_PIXELS = 16 * 160 * 160


def cpu_batch_size(config: ModelConfig) -> int:
    """Crops a batch for eager torch on a CPU (:data:`CPU_BATCH_PIXELS`): training's features, Grad-CAM.

    >>> from sccscore.config import InputConfig
    >>> eight_views = ModelConfig("squeezenet1_1", input=InputConfig(size=(160, 160)), views=8)  # the default recipe
    >>> cpu_batch_size(eight_views), cpu_batch_size(ModelConfig("squeezenet1_1"))  # and a released model, 224 px
    (2, 8)
    """
    height, width = config.input.size
    return max(1, CPU_BATCH_PIXELS // (config.views * height * width))


def dihedral_views(x: torch.Tensor) -> torch.Tensor:
    """The 8 rotations and mirror images of a square (N, C, H, W) batch, view-major: (8N, C, H, W).

    Built from flips and a transpose (the dihedral group of the square), which
    export to ONNX, where ``torch.rot90`` does not.
    """
    transposed = x.transpose(-2, -1)
    return torch.cat([v for image in (x, transposed)
                      for v in (image, image.flip(-1), image.flip(-2), image.flip(-2, -1))])


class ScoringModel(nn.Module):
    """A backbone with one or more 3-class heads and the config that describes them.

    ``forward`` returns logits of shape (batch, n_members, n_classes);
    :meth:`member_probabilities` their softmax. A model with 8 views returns the
    log of its views' mean softmax, so that the softmax is that mean.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.backbone not in BACKBONES:
            raise ModelError(
                f"unknown backbone '{config.backbone}' (choose from {', '.join(BACKBONES)})"
            )
        self.config = config
        self.reference: str | None = None  # how load_model was asked for it, for tables to name; None: built here
        n_outputs = len(config.classes) * config.n_members
        if config.head == "multidepth":
            if config.backbone != "squeezenet1_1":
                raise ModelError("a multidepth head is implemented for squeezenet1_1 only")
            self.net = MultiDepthNet(BACKBONES[config.backbone].build(n_outputs).features, config.taps, n_outputs)
        else:
            self.net = BACKBONES[config.backbone].build(n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (self.config.n_members, len(self.config.classes))
        if self.config.views == 1:
            return self.net(x).view(x.shape[0], *shape)
        probabilities = torch.softmax(self.net(dihedral_views(x)).view(8, x.shape[0], *shape), dim=-1)
        return probabilities.mean(dim=0).log()

    def member_probabilities(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.forward(x), dim=-1)


def load_model(reference: str | Path, preprocess: str | None = None) -> ScoringModel:
    """Load a model by reference (see the module docstring), in eval mode on the CPU.

    ``preprocess`` overrides the crop preprocessing the model was saved with
    ("none", or "paper" for raw crops).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     model = load_model(save_model(ScoringModel(ModelConfig("resnet18")), Path(folder) / "m"))
    >>> model.config.backbone, model.config.n_members
    ('resnet18', 1)
    """
    reference = str(reference)
    if reference.startswith(PAPER_PREFIX):
        model = _load_released(reference)
    elif reference == SPREAD_MODEL or spread_model_folder(reference):
        from .spread_model import load_spread_model  # it builds on training, which imports this module

        model = load_spread_model(None if reference == SPREAD_MODEL else Path(reference) / SPREAD_HEAD_FILE)
    elif reference == GREY_CROPS_MODEL:
        from .grey_model import load_grey_crops_model  # as the spread model: it builds on training

        model = load_grey_crops_model()
    else:
        model = _load_folder(Path(reference))
    if preprocess is not None:
        model = preprocessing(model, preprocess)
    model.reference = reference if named(reference) else str(Path(reference).resolve())  # found again from anywhere
    return model.eval()


def preprocessing(model: ScoringModel, preprocess: str) -> ScoringModel:
    """``model`` reading its crops with the crop preprocessing ``preprocess`` ("none", or "paper" for raw crops): a
    copy that shares its weights, its config's preprocessing replaced (replace() re-runs the config's validation of
    the name). A report reads each sample's crops as classify read them, where two samples were read two ways."""
    typed = copy.copy(model)
    typed.config = replace(model.config, input=replace(model.config.input, preprocess=preprocess))
    return typed


def model_reference(model: ScoringModel) -> str:
    """What a table names the model that typed it by: the reference :func:`load_model` took, else its name."""
    return model.reference or model.config.name


def _load_released(reference: str) -> ScoringModel:
    from . import sample_data

    name, _, number = reference[len(PAPER_PREFIX) :].partition("/")
    if name != "squeezenet1_1":
        raise ModelError(f"unknown released model '{reference}' (the authors released paper:squeezenet1_1)")
    if number and not number.isdigit():
        raise ModelError(f"'{reference}': model number must be 1 to {sample_data.N_RELEASED_MODELS}")
    try:
        numbers = [int(number)] if number else list(range(1, sample_data.N_RELEASED_MODELS + 1))
        root = sample_data.data_root()
        files = [sample_data.released_model_file(n, root) for n in numbers]
    except DataError as exc:  # said as the model asked for: classify of a lab's own crops needs no sample crops
        raise ModelError(f"{reference}, the models Ikemoto et al. released, come with their sample data, which "
                         f"cannot be had here: {exc}") from None
    states = [_read_checkpoint(path) for path in files]
    config = ModelConfig(backbone=name, n_members=len(states), source=reference)
    return _from_member_states(config, states, files)


def _read_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad or unsafe file
        raise ModelError(f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__})") from None
    if not isinstance(state, dict):
        raise ModelError(f"{path}: checkpoint holds a {type(state).__name__}, not a state_dict")
    return state


def _from_member_states(
    config: ModelConfig, states: list[dict[str, torch.Tensor]], files: list[Path]
) -> ScoringModel:
    """Stack the heads of single-member checkpoints that share one backbone."""
    prefix = BACKBONES[config.backbone].head_prefix
    for state, path in zip(states[1:], files[1:]):
        shared = [k for k in states[0] if not k.startswith(prefix)]
        if state.keys() != states[0].keys() or not all(torch.equal(state[k], states[0][k]) for k in shared):
            raise ModelError(f"{path}: backbone differs from {files[0]}; these models cannot share it")
    combined = {k: v for k, v in states[0].items() if not k.startswith(prefix)}
    for key in (k for k in states[0] if k.startswith(prefix)):
        combined[key] = torch.cat([state[key] for state in states])
    model = ScoringModel(config)
    _load_state(model, combined, files[0])
    return model


def _load_state(model: ScoringModel, state: dict[str, torch.Tensor], path: Path) -> None:
    expected = model.net.state_dict()
    missing = sorted(expected.keys() - state.keys())
    unexpected = sorted(state.keys() - expected.keys())
    wrong = sorted(k for k in expected.keys() & state.keys() if expected[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        details = [
            f"{label}: {', '.join(keys[:3])}{' ...' if len(keys) > 3 else ''}"
            for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong))
            if keys
        ]
        raise ModelError(
            f"{path}: weights do not fit {model.config.backbone} with "
            f"{model.config.n_members} x {len(model.config.classes)} outputs ({'; '.join(details)})"
        )
    model.net.load_state_dict(state)


def _load_folder(folder: Path) -> ScoringModel:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if not folder.exists():
        raise ModelError(
            f"{folder}: no such model (give a folder saved by sccscore, "
            f"paper:squeezenet1_1/N, paper:squeezenet1_1, {GREY_CROPS_MODEL} or {SPREAD_MODEL})"
        )
    weights_path = folder / WEIGHTS_FILE
    config = read_config(folder)
    if not weights_path.is_file():
        raise ModelError(f"{weights_path}: missing; {folder} is not a model saved by sccscore")
    try:
        state = load_file(weights_path)
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelError(f"{weights_path}: not a readable safetensors file ({exc})") from None
    model = ScoringModel(config)
    _load_state(model, state, weights_path)
    return model


def save_model(model: ScoringModel, folder: str | Path) -> Path:
    """Save a model as a self-describing folder, atomically.

    The folder is written under a temporary name beside the target and renamed
    into place, so an interrupted save leaves no broken model folder.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    if folder.exists():
        raise ModelError(f"{folder}: already exists; choose a new model folder")
    with staged_folder(folder) as staging:
        (staging / CONFIG_FILE).write_text(model.config.to_json())
        state = {k: v.detach().contiguous().cpu() for k, v in model.net.state_dict().items()}
        save_file(state, staging / WEIGHTS_FILE)
    return folder


def imagenet_backbone_state(backbone: str) -> dict[str, torch.Tensor]:
    """ImageNet weights of a backbone's feature layers (its head excluded).

    Taken from torchvision's weights API (its cache or a download); offline, the
    SqueezeNet backbone comes from the authors' released models, whose frozen
    ``features.*`` are exactly these weights.

    Raises
    ------
    ModelError
        If the weights cannot be had; the message names the file and where to put it.
    """
    spec = BACKBONES.get(backbone)
    if spec is None:
        raise ModelError(f"unknown backbone '{backbone}' (choose from {', '.join(BACKBONES)})")
    cached = Path(torch.hub.get_dir()) / "checkpoints" / spec.imagenet_file
    try:
        # torch.hub announces even a failing download, on stdout
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            state = torch.hub.load_state_dict_from_url(
                f"https://download.pytorch.org/models/{spec.imagenet_file}",
                progress=False,
                weights_only=True,
            )
    except Exception:  # offline: any network or file error
        if backbone == "squeezenet1_1":
            from . import sample_data

            try:
                state = _read_checkpoint(sample_data.released_model_file(1))
            except DataError as exc:
                raise ModelError(f"ImageNet SqueezeNet weights unavailable: they cannot be downloaded from "
                                 f"download.pytorch.org, nor read from the paper's released models, which hold them "
                                 f"({exc}); or put torchvision's {spec.imagenet_file} in {cached.parent}") from None
        else:
            raise ModelError(
                f"{cached}: ImageNet weights for {backbone} not found and cannot be downloaded; "
                f"put torchvision's {spec.imagenet_file} there"
            ) from None
    return {k: v for k, v in state.items() if not k.startswith(spec.head_prefix)}
