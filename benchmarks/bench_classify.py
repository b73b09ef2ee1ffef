"""Benchmark: sccscore classify against the paper notebook's pipeline, in one run.

Baseline: a faithful re-implementation of the authors' notebook: torchvision
ImageFolder, Resize((224, 224)), ToTensor, ImageNet Normalize, DataLoader batch
64, eager torch, one released model loaded with torch.load; the 30-model case is
30 such passes, as the notebook does. sccscore: the public ``classify`` API with
the same released model(s) on the same images. The single-model comparison runs
in three alternating rounds (median ratio, with the lowest and highest). Peak
memory is measured on the command line in a child process, for 1,000 and 50,000
crops resampled (with a fixed seed) from the shared ones.

Run with ``make bench``. Writes a JSON to ``$BENCH_JSON`` or benchmarks/results.json. With ``--single``, the
single-model rounds alone (a few minutes), to set two commits side by side: run it for each in turn.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import ConcatDataset, DataLoader, Subset
from torchvision import datasets, transforms
from torchvision.models import squeezenet1_1

from sccscore import sample_data
from sccscore.classify import classify
from sccscore.models import load_model
from sccscore.parallel import cpu_threads
from sccscore.sample_crops import forget_crops

SINGLE_ROUNDS = 3  # the single-model figures are medians over this many rounds
ENSEMBLE_SUBSET = 256  # images for the 30-pass baseline (30 passes over all would take ~8 minutes)
RSS_WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def baseline_dataset(folders: list[Path]):
    transform = transforms.Compose([
        transforms.Resize((224, 224)),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    return ConcatDataset([datasets.ImageFolder(str(folder), transform=transform) for folder in folders])


def baseline_predict(model_file: Path, dataset) -> list[int]:
    """One pass of the notebook: build SqueezeNet, load the released weights, score."""
    model = squeezenet1_1()
    model.classifier[1] = nn.Conv2d(512, 3, kernel_size=1)
    model.load_state_dict(torch.load(model_file, map_location="cpu", weights_only=True))
    model.eval()
    predicted = []
    with torch.no_grad():
        for images, _ in DataLoader(dataset, batch_size=64, shuffle=False):
            predicted += model(images).argmax(dim=1).tolist()
    return predicted


def dataset_paths(dataset) -> list[str]:
    if isinstance(dataset, Subset):
        everything = dataset_paths(dataset.dataset)
        return [everything[i] for i in dataset.indices]
    return [str(Path(path)) for part in dataset.datasets for path, _ in part.samples]


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def sccscore_predictions(reference: str, folders: list[Path], out: Path) -> tuple[dict[str, str], float]:
    def run():
        classify(folders, load_model(reference), out)  # model loading counted, as for the baseline
    # what classify's checks of the crops (colour, framing, white) remembered of their files forgotten, as a new
    # process starts: remembered, the rounds after the first skipped them
    forget_crops()
    _, seconds = timed(run)
    rows = (out / "predictions.csv").read_text().splitlines()[1:]
    return {row.split(",")[0]: row.split(",")[2] for row in rows}, seconds


def make_large_set(folders: list[Path], n: int, dest: Path) -> Path:
    """n crops drawn with replacement from the shared ones, as links in one folder."""
    sources = sorted(p for folder in folders for p in folder.rglob("*.jpg"))
    rng = random.Random(0)
    dest.mkdir(parents=True)
    for i in range(n):
        (dest / f"{i:06d}.jpg").symlink_to(rng.choice(sources))
    return dest


def peak_rss_mb(folder: Path, out: Path) -> tuple[float, float]:
    command = [sys.executable, "-c", RSS_WRAPPER, sys.executable, "-m", "sccscore", "classify", str(folder),
               "-m", "paper:squeezenet1_1/1", "-o", str(out), "-q"]
    result, seconds = timed(subprocess.run, command, check=True, capture_output=True, text=True)
    return int(result.stdout.strip()) / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", action="store_true", help="the single-model rounds alone")
    single_only = parser.parse_args().single  # a mistyped option is refused, not run as the whole benchmark
    root = sample_data.data_root()
    folders = [sample_data.sample_folder(genotype, root) for genotype in sample_data.GENOTYPES]
    model_files = [sample_data.released_model_file(n, root) for n in range(1, 31)]
    dataset = baseline_dataset(folders)
    n_images = len(dataset)
    figures: dict = {"machine": f"{platform.processor() or platform.machine()}, {cpu_threads()} CPU threads, "
                                f"{platform.platform()}", "torch": torch.__version__, "n_images": n_images}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Single released model, all images, in alternating rounds: the machine's speed drifts
        # by 10-20% over minutes, and each round compares the two under the same conditions.
        paths = dataset_paths(dataset)
        rounds = []
        for round_ in range(SINGLE_ROUNDS):
            base_pred, base_s = timed(baseline_predict, model_files[0], dataset)
            ours, ours_s = sccscore_predictions("paper:squeezenet1_1/1", folders, tmp / f"single{round_}")
            same = sum(ours[path] == "ABC"[cls] for path, cls in zip(paths, base_pred))
            rounds.append({"baseline_s": base_s, "sccscore_s": ours_s, "identical": same / n_images})
        ratios = [r["baseline_s"] / r["sccscore_s"] for r in rounds]
        figures |= {
            "baseline_images_per_s": n_images / statistics.median(r["baseline_s"] for r in rounds),
            "sccscore_images_per_s": n_images / statistics.median(r["sccscore_s"] for r in rounds),
            "ratio": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "identical_predictions": min(r["identical"] for r in rounds),
            "rounds_baseline_sccscore_s": [[round(r["baseline_s"], 2), round(r["sccscore_s"], 2)] for r in rounds],
        }
        if single_only:
            _write(figures)
            return
        # 30 released models, on a subset for both.
        subset = Subset(dataset, sorted(random.Random(1).sample(range(n_images), ENSEMBLE_SUBSET)))
        subset_dir = tmp / "subset"
        for path in dataset_paths(subset):
            link = subset_dir / Path(path).parent.parent.name / Path(path).parent.name / Path(path).name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
        _, base30_s = timed(lambda: [baseline_predict(f, subset) for f in model_files])
        _, ours30_s = sccscore_predictions("paper:squeezenet1_1", sorted(subset_dir.iterdir()), tmp / "ensemble")
        figures |= {
            "ensemble_images": ENSEMBLE_SUBSET,
            "baseline_30_pass_s": base30_s,
            "sccscore_ensemble_s": ours30_s,
            "ensemble_ratio": base30_s / ours30_s,
        }
        # Memory for a small and a large generated set, in child processes.
        for label, n in (("small", 1_000), ("large", 50_000)):
            folder = make_large_set(folders, n, tmp / f"gen_{n}")
            rss, seconds = peak_rss_mb(folder, tmp / f"out_{n}")
            figures |= {f"peak_rss_mb_{label}": rss, f"n_images_{label}": n, f"images_per_s_{label}": n / seconds}
        figures["rss_ratio_large_small"] = figures["peak_rss_mb_large"] / figures["peak_rss_mb_small"]
    _write(figures)


def _write(figures: dict) -> None:
    target = Path(os.environ.get("BENCH_JSON") or Path(__file__).with_name("results.json"))
    target.write_text(json.dumps(figures, indent=2) + "\n")
    for key, value in figures.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
