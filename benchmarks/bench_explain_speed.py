"""Benchmark: Grad-CAM explanations with the model in channels-last order, against NCHW.

``explain.explain_batches`` runs each batch through the model twice: every member and view for
the call, then forward and back through one view for Grad-CAM. Both are convolutions, which
oneDNN runs faster on a CPU with the weights in channels-last order (the pixels stay NCHW). The baseline
puts the model back in torch's default order (NCHW) where ``explain`` asks for channels-last;
the two are alternated on the same WT crops after a warm-up, and the heatmaps compared.

Run with ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python benchmarks/bench_explain_speed.py``;
prints JSON.
"""

from __future__ import annotations

import json
import platform
import statistics
import time

import numpy as np
import torch

from sccscore import explain
from sccscore.images import scan_sample
from sccscore.models import load_model
from sccscore.sample_data import data_root

MODELS = ("paper:squeezenet1_1/1", "sccscore:spreads")
CROPS, ROUNDS = 96, 3


def nchw(model: torch.nn.Module) -> torch.nn.Module:
    return model.to(memory_format=torch.contiguous_format)


def crops_per_second(model, items, layout) -> tuple[float, list]:
    explain.channels_last = layout
    start = time.perf_counter()
    explanations, _ = explain.explain(model, items)
    return len(items) / (time.perf_counter() - start), explanations


def main() -> None:
    items = scan_sample(data_root() / "images" / "wt").items[:CROPS]
    ours = explain.channels_last
    report = {"machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
                         f"{torch.get_num_threads()} threads", "crops": len(items)}
    for name in MODELS:
        model = load_model(name)
        explain.explain(model, items[:16])  # warm-up
        runs: dict[str, list[float]] = {"nchw": [], "channels_last": []}
        for _ in range(ROUNDS):
            speed, before = crops_per_second(model, items, nchw)
            runs["nchw"].append(speed)
            speed, after = crops_per_second(model, items, ours)
            runs["channels_last"].append(speed)
        report[name] = {
            "nchw_crops_per_s": [round(s, 1) for s in runs["nchw"]],
            "channels_last_crops_per_s": [round(s, 1) for s in runs["channels_last"]],
            "ratio": round(statistics.median(runs["channels_last"]) / statistics.median(runs["nchw"]), 2),
            "same_calls": [e.predicted for e in before] == [e.predicted for e in after],
            "max_heatmap_difference": float(max(np.abs(a.heatmap - b.heatmap).max() for a, b in zip(before, after))),
        }
    explain.channels_last = ours
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
