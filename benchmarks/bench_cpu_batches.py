"""Benchmark: eager torch on a CPU given a few crops at a time, against the batches it had before.

Where sccscore runs the network in eager torch on a CPU (the backbone's features for
training, ``sccscore.features.extract``; Grad-CAM, ``sccscore.explain``), it now gives it at
most the pixels of 16 images of 160 px at once (``sccscore.models.cpu_batch_size``): 2 crops
of a model in 8 views at 160 px (the default recipe, ``sccscore:spreads``), 8 of one in one
view at 224 px (the paper's recipe, the released models). Until 2026-12-04 features took 32
crops a batch (for the default recipe 256 images, whose layers' outputs lie far past a CPU's
caches) and Grad-CAM 16: those are the baselines; other sizes are run to show where the
default lies. Each run is a child process (features with an empty cache), the sizes in turn,
three rounds; the figures are medians of the work's seconds (reading and preparing the crops
included, start-up and model loading not) and of the child's peak resident memory. Every size
gives the same features to the bit: the script checks that their sums agree.

``--end-to-end [OSHIMA_DIR]`` times instead what a lab waits for, in child processes with empty caches, the
baseline's (``features.batch_size`` set to 32 before the command runs) and the default's in turn, three rounds:
``evaluate-detection --leave-one-out`` on the four oshima2026 spreads (default ``../shared/data/oshima2026``) and
``train`` on the Ikemoto crops of both genotypes (906).

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_cpu_batches.py
[--end-to-end]`` (about 6 minutes on 2 cores; end to end, about 8); prints JSON.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_detect_startup import medians_of, run

CROPS, ROUNDS = 288, 3
# what runs -> the model it runs -> crops a batch by name (None: the default, sccscore.models.cpu_batch_size)
SIZES = {"features": {"default": {"baseline (32)": 32, "default (2)": None, "1": 1, "4": 4, "8": 8},
                      "paper": {"baseline (32)": 32, "default (8)": None, "4": 4, "16": 16}},
         "explain": {"sccscore:spreads": {"baseline (16)": 16, "default (2)": None, "4": 4, "8": 8},
                     "paper:squeezenet1_1": {"baseline (16)": 16, "default (8)": None, "4": 4}}}


def child(work: str, model_name: str, size: int | None) -> None:
    """One run of ``work`` (features of a recipe's model, or explain with a model) on the crops; prints its seconds,
    the child's peak memory and, for features, their sum."""
    os.environ["SCCSCORE_CACHE"] = tempfile.mkdtemp()
    import torch

    from sccscore import explain, features
    from sccscore.images import ImageItem
    from sccscore.models import load_model
    from sccscore.parallel import cpu_threads
    from sccscore.sample_data import data_root
    from sccscore.training import RECIPES

    torch.set_num_threads(cpu_threads())
    paths = sorted((data_root() / "images" / "wt").rglob("*.jpg"))[:CROPS]
    items = [ImageItem(path, "wt", path.parent.name.upper()) for path in paths]
    total = 0.0
    if work == "features":
        if size is not None:
            features.batch_size = lambda config, device: size
        digests = features.fingerprints(items)
        start = time.perf_counter()
        total = float(features.extract(items, RECIPES[model_name]().model_config(), digests).astype("float64").sum())
    else:
        model = load_model(model_name)
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            explain.write_explanations(explain.explain_batches(model, items, size), out, 12, [])
    print(json.dumps({"seconds": time.perf_counter() - start,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "sum": total}))


def measured(work: str, model_name: str, size: int | None) -> dict:
    command = [sys.executable, __file__, "--child", work, model_name, str(size)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    report: dict = {"machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, "
                               f"{os.cpu_count()} CPU threads", "crops": CROPS}
    for work, models in SIZES.items():
        for model_name, sizes in models.items():
            runs: dict[str, list[dict]] = {name: [] for name in sizes}
            for _ in range(ROUNDS):  # in turn: the machine's speed drifts over minutes
                for name, size in sizes.items():
                    runs[name].append(measured(work, model_name, size))
            if len({round(run["sum"], 3) for value in runs.values() for run in value}) > 1:
                raise SystemExit(f"{work}, {model_name}: the batch sizes gave other features")
            figures = {name: {"seconds": round(statistics.median(r["seconds"] for r in value), 2),
                              "peak_mb": round(statistics.median(r["peak_mb"] for r in value)),
                              "runs_s": [round(r["seconds"], 2) for r in value]} for name, value in runs.items()}
            baseline, default = (figures[name] for name in list(sizes)[:2])
            report[f"{work}, {model_name}"] = figures | {
                "ratio_seconds": round(baseline["seconds"] / default["seconds"], 2),
                "ratio_peak_memory": round(baseline["peak_mb"] / default["peak_mb"], 2)}
    print(json.dumps(report, indent=1))


def end_to_end(oshima: Path) -> None:
    baseline = "import runpy, sys; from sccscore import features; features.batch_size = lambda config, device: 32; " \
               "sys.argv[0] = 'sccscore'; runpy.run_module('sccscore', run_name='__main__')"
    starts = {"baseline (32)": [sys.executable, "-c", baseline], "default": [sys.executable, "-m", "sccscore"]}
    with tempfile.TemporaryDirectory() as folder:
        crops = Path(os.environ["SCCSCORE_DATA"]) / "images"
        commands = {"leave one spread out": ["evaluate-detection", str(oshima / "images"), str(oshima / "labels"),
                                             "--leave-one-out"],
                    "train (906 crops)": ["train", str(crops / "wt"), str(crops / "ctf18"), "--out", f"{folder}/m"]}
        report: dict = {"machine": f"{platform.processor() or platform.machine()}, {platform.platform()}, "
                                   f"{os.cpu_count()} CPU threads"}
        for what, arguments in commands.items():
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in starts}
            for _ in range(ROUNDS):
                for name, start in starts.items():
                    os.environ["SCCSCORE_CACHE"] = tempfile.mkdtemp(dir=folder)  # features extracted afresh
                    runs[name].append(run([*start, *arguments]))
                    subprocess.run(["rm", "-rf", f"{folder}/m"], check=True)
            figures = medians_of(runs)
            report[what] = figures | {"ratio_seconds": round(figures["baseline (32)"]["seconds"]
                                                             / figures["default"]["seconds"], 2)}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], None if sys.argv[4] == "None" else int(sys.argv[4]))
    elif sys.argv[1:2] == ["--end-to-end"]:
        end_to_end(Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parents[2] / "shared" / "data"
                   / "oshima2026")
    else:
        main()
