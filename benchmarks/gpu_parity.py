"""Benchmark and check: sccscore on a CUDA GPU against the CPU, on the real crops and spreads.

Nothing here runs without a GPU (CI has none; ``docs/benchmarks.md`` records a run on one). It answers:

1. ``scores``: do the released models call the 906 Ikemoto crops on the GPU (torch) as on the CPU (ONNX
   Runtime, classify's engine there)? cuDNN may compute float32 convolutions in TF32 on Ampere and later
   GPUs (torch's default): classify's runner as it is, and the same graph with TF32 allowed and not.
2. ``speed``: crops a second decoded, resized and scored as classify does (``predict``, batch by batch), on the GPU at
   batch sizes and on the same machine's CPU.
3. ``features``: training's backbone features on the GPU against the CPU's, and crops a second at GPU batch
   sizes (``features.GPU_BATCH``).
4. ``crossval``: both recipes' 5-fold figures trained on the GPU, cold cache (the CPU's are pinned in
   ``tests/test_training.py``).
5. ``spreads``: ``classify --spreads`` on the GPU against the CPU, through the command line.

The released models are read from ``SCCSCORE_DATA``; ``--members N`` takes models 1 to N as the ensemble (a
machine the data is copied to may hold only some). Writes JSON after each part, so a run cut short keeps
what it measured::

    SCCSCORE_DATA=../shared/data/ikemoto2023 python benchmarks/gpu_parity.py --members 10 --json gpu.json

``--dry-run`` puts the CPU in the GPU's place, to try each part's code on a machine without one.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from sccscore import features, models
from sccscore.crossval import crossval
from sccscore.images import ImageItem, read_crop
from sccscore.models import ModelConfig, ScoringModel
from sccscore.predict import predict
from sccscore.preprocess import prepare
from sccscore.runtime import _ProbabilitiesFromBytes, cudnn_tf32, make_runner
from sccscore.sample_data import CACHE_ENV, data_root, released_model_file
from sccscore.training import DefaultRecipe, PaperRecipe, labelled_items

SPREADS = Path(__file__).resolve().parents[2] / "shared" / "data" / "oshima2026" / "images"
GPU = "cuda"  # --dry-run: "cpu", to try every part's code where no GPU is


def released_ensemble(members: int) -> ScoringModel:
    files = [released_model_file(n) for n in range(1, members + 1)]
    config = ModelConfig(backbone="squeezenet1_1", n_members=members, source=f"paper:squeezenet1_1 1-{members}")
    return models._from_member_states(config, [models._read_checkpoint(path) for path in files], files).eval()


def crops() -> list[ImageItem]:
    return labelled_items([data_root() / "images" / genotype for genotype in ("wt", "ctf18")])[0]


@contextlib.contextmanager
def fresh_cache():
    with tempfile.TemporaryDirectory() as folder:
        before = os.environ.get(CACHE_ENV)
        os.environ[CACHE_ENV] = folder
        try:
            yield
        finally:
            os.environ.pop(CACHE_ENV) if before is None else os.environ.__setitem__(CACHE_ENV, before)


def member_scores(model: ScoringModel, items: list[ImageItem], device: str, engine: str = "auto",
                  batch_size: int | None = None) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    scored = predict(model, items, batch_size=batch_size, device=device, engine=engine).member_probabilities
    return scored, time.perf_counter() - started


def graph_scores(model: ScoringModel, items: list[ImageItem], allowed: bool) -> tuple[np.ndarray, float]:
    """The runner's graph called directly on the GPU, TF32 allowed or not; and crops a second, decoded beforehand."""
    graph = _ProbabilitiesFromBytes(model).eval().to(GPU)
    pixels = torch.stack([prepare(read_crop(item.path), model.config.input) for item in items]).to(GPU)
    with cudnn_tf32(allowed), torch.inference_mode():
        graph(pixels[:64])
        if GPU == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        scores = torch.cat([graph(batch) for batch in pixels.split(64)]).cpu().numpy()
        return scores, len(items) / (time.perf_counter() - started)


def differences(cpu: np.ndarray, gpu: np.ndarray) -> dict:
    ensemble_cpu, ensemble_gpu = cpu.mean(axis=1), gpu.mean(axis=1)
    return {"largest_difference": float(np.abs(cpu - gpu).max()),
            "ensemble_calls_differing": int((ensemble_cpu.argmax(-1) != ensemble_gpu.argmax(-1)).sum()),
            "member_calls_differing": int((cpu.argmax(-1) != gpu.argmax(-1)).sum()),
            "member_calls": int(cpu.shape[0] * cpu.shape[1])}


def scores_part(model: ScoringModel, items: list[ImageItem]) -> dict:
    cpu, _ = member_scores(model, items, "cpu")
    gpu, _ = member_scores(model, items, GPU)
    report = {"crops": len(items), "members": model.config.n_members, "classify_gpu_vs_cpu": differences(cpu, gpu)}
    for allowed in (True, False):
        scores, rate = graph_scores(model, items, allowed)
        name = "tf32_allowed" if allowed else "tf32_not_allowed"
        report[f"graph_{name}_vs_cpu"] = {**differences(cpu, scores), "crops_a_second_decoded_beforehand": round(rate)}
    return report


def speed_part(model: ScoringModel, items: list[ImageItem]) -> dict:
    make_runner(model, GPU)(torch.zeros(8, 3, 224, 224, dtype=torch.uint8))  # CUDA's start-up, not timed
    rates = {}
    for batch in (None, 256):
        _, seconds = member_scores(model, items * 8, GPU, batch_size=batch)
        rates[f"gpu_batch_{batch or 'default'}"] = round(len(items) * 8 / seconds, 1)
    _, seconds = member_scores(model, items * 2, "cpu")
    rates["cpu_onnx"] = round(len(items) * 2 / seconds, 1)
    return {"crops_a_second": rates, "cpu_threads": torch.get_num_threads()}


def direct_features(items: list[ImageItem], config: ModelConfig, allowed: bool) -> np.ndarray:
    """As ``features.extract`` computes them on the GPU, with TF32 allowed or not (its float32 rounding otherwise
    a little other than extract's)."""
    compute = features._feature_function(features.backbone_model(config).to(GPU))
    mean, std = (torch.tensor(v, device=GPU).view(1, 3, 1, 1) for v in (config.input.mean, config.input.std))
    pixels = torch.stack([features._prepared(item, config) for item in items]).to(GPU)
    with cudnn_tf32(allowed), torch.inference_mode():
        values = [compute((batch.float() / 255 - mean) / std).float() for batch in pixels.split(32)]
    return torch.cat(values).cpu().numpy()


def features_part(items: list[ImageItem]) -> dict:
    chosen = items[::4]
    report = {"crops": len(chosen)}
    for recipe in (DefaultRecipe(), PaperRecipe()):
        config = recipe.model_config()
        with fresh_cache():
            cpu = features.extract(chosen, config, device="cpu").astype(np.float32)
        with fresh_cache():
            gpu = features.extract(chosen, config, device=GPU).astype(np.float32)
        part = {"largest_feature": float(np.abs(cpu).max()),
                "extract_largest_difference": float(np.abs(cpu - gpu).max())}
        for allowed in (True, False):
            direct = direct_features(chosen, config, allowed)
            part[f"direct_tf32_{'allowed' if allowed else 'not_allowed'}_largest_difference"] = float(
                np.abs(cpu - direct).max())
        rates = {}
        for size in (8, 32, 128):
            features.GPU_BATCH, before = size, features.GPU_BATCH
            with fresh_cache():
                started = time.perf_counter()
                features.extract(chosen, config, device=GPU)
                rates[size] = round(len(chosen) / (time.perf_counter() - started), 1)
            features.GPU_BATCH = before
        part["gpu_crops_a_second_by_batch"] = rates
        report[recipe.name] = part
    return report


def crossval_part() -> dict:
    folders = [data_root() / "images" / "wt", data_root() / "images" / "ctf18"]
    report = {}
    for recipe in (DefaultRecipe(), PaperRecipe()):
        started = time.perf_counter()
        with fresh_cache():
            result = crossval(folders, 5, recipe, device=GPU)
        report[recipe.name] = {"concordance": {g: round(v["concordance"], 4) for g, v in result["groups"].items()},
                               "seconds_features_included": round(time.perf_counter() - started, 1),
                               "seconds_training": result["seconds"]}
    return report


def spreads_part() -> dict:
    report = {}
    with tempfile.TemporaryDirectory() as folder:
        tables = {}
        for name, device in (("cpu", "cpu"), ("gpu", GPU)):
            out = Path(folder) / name
            started = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "sccscore", "classify", "--spreads", str(SPREADS), "--out",
                                  str(out), "--device", device, "--quiet"], capture_output=True, text=True)
            report[f"{name}_seconds"] = round(time.perf_counter() - started, 1)
            if run.returncode:
                report[f"{name}_error"] = run.stderr[-2000:]
                return report
            with open(out / "predictions.csv", newline="") as table:
                tables[name] = list(csv.DictReader(table))
        cpu, gpu = tables["cpu"], tables["gpu"]
        probabilities = [[float(row[f"p_{t}"]) for t in "ABC"] for row in cpu], [[float(row[f"p_{t}"]) for t in "ABC"]
                                                                                   for row in gpu]
        report |= {"chromosomes": [len(cpu), len(gpu)],
                   "calls_differing": sum(a["predicted"] != b["predicted"] for a, b in zip(cpu, gpu)),
                   "largest_difference": float(np.abs(np.subtract(*probabilities)).max())}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--json", type=Path, default=Path("gpu_parity.json"))
    parser.add_argument("--parts", default="scores,speed,features,crossval,spreads")
    parser.add_argument("--dry-run", action="store_true", help="the CPU in the GPU's place: each part's code tried")
    options = parser.parse_args()
    global GPU
    if options.dry_run:
        GPU = "cpu"
    elif not torch.cuda.is_available():
        sys.exit("no CUDA GPU here: this benchmark compares one with the CPU (--dry-run tries its code on the CPU)")
    report = {"gpu": torch.cuda.get_device_name() if GPU == "cuda" else "none (dry run)", "torch": torch.__version__,
              "cpu_cores": os.cpu_count(), "python": platform.python_version()}
    model, items = released_ensemble(options.members), crops()
    parts = {"scores": lambda: scores_part(model, items), "speed": lambda: speed_part(model, items),
             "features": lambda: features_part(items), "crossval": crossval_part, "spreads": spreads_part}
    for name in options.parts.split(","):
        started = time.perf_counter()
        try:
            report[name] = parts[name]()
        except Exception as error:  # keep the other parts' figures
            report[name] = {"error": f"{type(error).__name__}: {error}"}
        report[name]["part_seconds"] = round(time.perf_counter() - started, 1)
        print(name, json.dumps(report[name]), flush=True)
        options.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
