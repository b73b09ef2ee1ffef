"""Benchmark: the training recipes' backbone features with the weights in channels-last order, against NCHW.

``sccscore.features.extract`` runs the frozen ImageNet SqueezeNet over every labelled crop
once (then caches): 906 crops for the Ikemoto set, in 8 views at 160 px for the default recipe
and one view at 224 px for the paper's. Here the same prepared batches of real crops (NCHW, as
``extract`` gives them) go through the same backbone with its weights in torch's default layout
(NCHW, the baseline) and in channels-last (``models.channels_last``), the two alternated, medians
of the rounds; the largest difference between the two layouts' features is printed beside the
largest feature, to show the change is rounding.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_extract.py``; prints JSON.
"""

from __future__ import annotations

import json
import platform
import statistics
import time

import torch

from sccscore.features import _feature_function, _prepared, backbone_model
from sccscore.images import ImageItem
from sccscore.models import channels_last
from sccscore.sample_data import data_root
from sccscore.training import DefaultRecipe, PaperRecipe

CROPS, ROUNDS = 96, 3
BATCH_SIZE = 32  # crops a batch, as extract took them when this was measured (2026-12-03)


def features(compute, batches: list[torch.Tensor]) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    with torch.inference_mode():
        values = [compute(batch).float() for batch in batches]
    return time.perf_counter() - start, torch.cat(values)


def main() -> None:
    paths = sorted((data_root() / "images" / "wt").rglob("*.jpg"))[:CROPS]
    items = [ImageItem(path, "wt", path.parent.name.upper()) for path in paths]
    report = {"machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
                         f"{torch.get_num_threads()} threads", "crops": len(items)}
    for recipe in (DefaultRecipe(), PaperRecipe()):
        config = recipe.model_config()
        model = backbone_model(config)
        compute = _feature_function(model)
        mean, std = (torch.tensor(v).view(1, 3, 1, 1) for v in (config.input.mean, config.input.std))
        batches = [(torch.stack([_prepared(item, config) for item in items[start : start + BATCH_SIZE]]) / 255 - mean)
                   / std for start in range(0, len(items), BATCH_SIZE)]
        runs: dict[str, list[float]] = {"nchw": [], "channels_last": []}
        values: dict[str, torch.Tensor] = {}
        for _ in range(ROUNDS):
            for name, convert in (("nchw", lambda m: m.to(memory_format=torch.contiguous_format)),
                                  ("channels_last", channels_last)):
                convert(model)
                seconds, values[name] = features(compute, batches)
                runs[name].append(seconds)
        baseline, ours = (statistics.median(runs[k]) for k in runs)
        report[recipe.name] = {
            "size": config.input.size[0], "views": config.views,
            "nchw_s": [round(s, 2) for s in runs["nchw"]],
            "channels_last_s": [round(s, 2) for s in runs["channels_last"]],
            "ratio": round(baseline / ours, 2),
            "max_difference": float((values["nchw"] - values["channels_last"]).abs().max()),
            "max_feature": float(values["nchw"].abs().max()),
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
