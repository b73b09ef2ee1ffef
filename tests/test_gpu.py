"""On a CUDA GPU, sccscore calls and trains as on the CPU.

CI has no GPU, so the tests marked ``gpu`` are skipped there; run them on a machine with one (``pytest -m gpu``,
with ``benchmarks/gpu_parity.py``: docs/benchmarks.md). The others check here what the GPU's passes are run with.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch

import sccscore.features
from sccscore.crossval import crossval
from sccscore.features import extract
from sccscore.images import ImageItem
from sccscore.models import ScoringModel, load_model
from sccscore.predict import predict
from sccscore.runtime import cudnn_tf32, float32_convolutions, make_runner
from sccscore.spreads import classify_spreads
from sccscore.training import DefaultRecipe, PaperRecipe, labelled_items

# torch lets cuDNN compute float32 convolutions in TF32 unless told otherwise: the flag it is told by
CONVOLUTIONS = torch.backends.cudnn.conv
needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_float32_convolutions_forbids_tf32_and_restores_the_setting():
    assert CONVOLUTIONS.fp32_precision == "tf32"  # torch's default
    with pytest.raises(KeyError), float32_convolutions():
        assert CONVOLUTIONS.fp32_precision == "ieee"
        raise KeyError
    assert CONVOLUTIONS.fp32_precision == "tf32"
    with float32_convolutions(), cudnn_tf32(True):  # as benchmarks/gpu_parity.py allows it, to measure it
        assert CONVOLUTIONS.fp32_precision == "tf32"
    assert CONVOLUTIONS.fp32_precision == "tf32"


def test_float32_convolutions_with_a_torch_of_the_older_setting_alone(monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "conv", None)  # as an older torch has it
    with float32_convolutions():
        assert torch.backends.cudnn.allow_tf32 is False
    assert torch.backends.cudnn.allow_tf32 is True


def test_classify_and_training_features_run_in_float32(ikemoto, tmp_path, monkeypatch):
    """The settings the models' passes see: classify's runner (torch, as on a GPU) and training's features."""
    seen, scored, features_of = [], ScoringModel.member_probabilities, sccscore.features._feature_function

    def scoring(model, x):
        seen.append(("classify", CONVOLUTIONS.fp32_precision))
        return scored(model, x)

    def featuring(model):
        compute = features_of(model)
        return lambda x: (seen.append(("features", CONVOLUTIONS.fp32_precision)), compute(x))[1]

    monkeypatch.setattr(ScoringModel, "member_probabilities", scoring)
    monkeypatch.setattr(sccscore.features, "_feature_function", featuring)
    monkeypatch.setenv("SCCSCORE_CACHE", str(tmp_path))  # features computed, not read from another test's cache
    make_runner(load_model("paper:squeezenet1_1/1"), device="cpu", engine="torch")(torch.zeros(1, 3, 224, 224,
                                                                                                 dtype=torch.uint8))
    extract(_crops(ikemoto)[:1], DefaultRecipe().model_config(), device="cpu")
    assert seen == [("classify", "ieee"), ("features", "ieee")]
    assert CONVOLUTIONS.fp32_precision == "tf32"


def _crops(ikemoto) -> list[ImageItem]:
    return labelled_items([ikemoto / "images" / genotype for genotype in ("wt", "ctf18")])[0]


@pytest.mark.gpu
@needs_gpu
def test_the_gpu_calls_every_crop_as_the_cpu_does(ikemoto):
    """Released model 1 on the 906 crops: torch on the GPU against ONNX Runtime on the CPU (classify's engines)."""
    model, items = load_model("paper:squeezenet1_1/1"), _crops(ikemoto)
    cpu, gpu = (predict(model, items, device=device).member_probabilities for device in ("cpu", "cuda"))
    assert np.abs(cpu - gpu).max() < 1e-4
    assert (cpu.argmax(-1) == gpu.argmax(-1)).all()


@pytest.mark.gpu
@needs_gpu
@pytest.mark.parametrize("recipe", [DefaultRecipe(), PaperRecipe()], ids=["default", "paper"])
def test_training_features_on_the_gpu_are_the_cpus(ikemoto, tmp_path, monkeypatch, recipe):
    items, config = _crops(ikemoto)[::8], recipe.model_config()
    monkeypatch.setenv("SCCSCORE_CACHE", str(tmp_path / "cpu"))
    cpu = extract(items, config, device="cpu").astype(np.float32)
    monkeypatch.setenv("SCCSCORE_CACHE", str(tmp_path / "gpu"))
    gpu = extract(items, config, device="cuda").astype(np.float32)
    # the paper recipe's maps are kept in float16 (a step of 2 ** -11 of the value)
    assert np.abs(cpu - gpu).max() < (1e-4 if recipe.name == "default" else 4e-3) * np.abs(cpu).max()


@pytest.mark.gpu
@needs_gpu
@pytest.mark.slow
def test_crossval_on_the_gpu_reads_the_cpus_figures(ikemoto):
    """The figures tests/test_training.py pins on the CPU: the same seed draws the same batches and dropout."""
    folders = [ikemoto / "images" / "wt", ikemoto / "images" / "ctf18"]
    with pytest.warns(UserWarning, match="a034.jpg"):
        default = crossval(folders, 5, DefaultRecipe(), device="cuda")
        paper = crossval(folders, 5, PaperRecipe(), device="cuda")
    for genotype, ours, theirs in (("wt", 0.7546, 0.6905), ("ctf18", 0.7074, 0.6656)):
        assert default["groups"][genotype]["concordance"] == pytest.approx(ours, abs=1e-3)
        assert paper["groups"][genotype]["concordance"] == pytest.approx(theirs, abs=3e-3)


@pytest.mark.gpu
@needs_gpu
def test_a_spread_is_called_on_the_gpu_as_on_the_cpu(oshima, tmp_path):
    model, image = load_model("sccscore:spreads"), [oshima / "images" / "spread3.png"]
    rows = {}
    for device in ("cpu", "cuda"):
        out = classify_spreads(image, model, tmp_path / device, device=device).out_dir
        with open(out / "predictions.csv", newline="") as table:
            rows[device] = list(csv.DictReader(table))
    assert [r["predicted"] for r in rows["cuda"]] == [r["predicted"] for r in rows["cpu"]]
    for column in ("p_A", "p_B", "p_C"):
        np.testing.assert_allclose([float(r[column]) for r in rows["cuda"]], [float(r[column]) for r in rows["cpu"]],
                                   atol=1e-4)
