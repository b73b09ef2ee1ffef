"""Benchmark: the paper recipe's dropout, a byte's 8 factors looked up at once, against the bits shifted out.

The paper recipe trains SqueezeNet's classifier on cached feature maps (n, 512, 13, 13); each
batch of 32 is 2.8 million values to drop out. The baseline is the dropout of 2026-12-03: the
float16 maps converted to float32, then each random byte's bits shifted out one by one and
multiplied in. Both draw the same random bytes, so they drop the same values: the 10 models of
one split (side by side, 25 epochs; a random three quarters of the crops trained on, the rest
choosing each model's epoch) are trained with each, alternately, from the same seed, and the
trained layers are checked to be equal.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_paper_head.py``
(the first run extracts the 906 crops' feature maps, about a minute); prints JSON.
"""

from __future__ import annotations

import json
import platform
import statistics
import time

import numpy as np
import torch

from sccscore import training
from sccscore.sample_data import data_root
from sccscore.training import PaperRecipe, load_labelled

ROUNDS = 5
_BIT_SHIFTS = torch.arange(8, dtype=torch.uint8)


def shifted_out_dropout(x: torch.Tensor) -> torch.Tensor:
    """The dropout before the lookup: float32 first, then 8 shifts of each random byte."""
    x = x.float()
    bits = torch.randint(0, 256, ((x.numel() + 7) // 8,), dtype=torch.uint8, device=x.device)
    keep = ((bits.unsqueeze(-1) >> _BIT_SHIFTS.to(x.device)) & 1).view(-1)[: x.numel()].view(x.shape)
    return x * keep * 2


def one_split(recipe: PaperRecipe, maps: torch.Tensor, targets: torch.Tensor) -> tuple[float, torch.Tensor]:
    """Seconds to train the 10 models of one split, and their trained weight."""
    train_set = np.sort(np.random.default_rng(0).permutation(len(targets))[: len(targets) * 3 // 4])
    held_out = np.setdiff1d(np.arange(len(targets)), train_set)
    torch.manual_seed(0)
    start = time.perf_counter()
    weight, _, _ = training._train_paper_members(recipe, maps, targets, train_set, held_out, torch.device("cpu"),
                                                 lambda _: None)
    return time.perf_counter() - start, weight


def main() -> None:
    recipe = PaperRecipe()
    root = data_root()
    data = load_labelled([root / "images" / "wt", root / "images" / "ctf18"], recipe, 1, "the benchmark")
    # (n, 512, 13, 13) -> (n, 169, 512), as _fit_paper lays the maps out, once for every run
    maps = torch.from_numpy(data.features).flatten(2).transpose(1, 2).contiguous()
    targets = torch.from_numpy(data.labels)
    lookup = training._dropout_half
    runs: dict[str, list[float]] = {"shifted_out": [], "lookup": []}
    weights = {}
    for _ in range(ROUNDS):
        for name, dropout in (("shifted_out", shifted_out_dropout), ("lookup", lookup)):
            training._dropout_half = dropout
            seconds, weights[name] = one_split(recipe, maps, targets)
            runs[name].append(seconds)
    training._dropout_half = lookup
    assert torch.equal(weights["shifted_out"], weights["lookup"]), "the two dropouts trained different models"
    baseline, ours = (statistics.median(runs[k]) for k in ("shifted_out", "lookup"))
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
                   f"{torch.get_num_threads()} threads",
        "crops": len(data.labels), "models": recipe.repeats, "epochs": recipe.epochs,
        "shifted_out_s": [round(s, 1) for s in runs["shifted_out"]], "lookup_s": [round(s, 1) for s in runs["lookup"]],
        "same_models": True, "ratio": round(baseline / ours, 2),
    }, indent=1))


if __name__ == "__main__":
    main()
