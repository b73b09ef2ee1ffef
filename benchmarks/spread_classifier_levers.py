"""Levers on the classifier of spread chromosomes, each against the shipped recipe in one run.

Levers tried for issue 6 (end-to-end concordance on whole spreads); of these only the two
deepest taps were shipped, from 2026-11-25 to 2026-11-30, and then dropped again
(``benchmarks/spread_classifier_taps.py`` has that choice's evidence); the baseline is the
default recipe, as ``sccscore:spreads`` is fitted. Same
leave-one-spread-out protocol as ``sccscore evaluate-detection --leave-one-out``: for each
held-out spread the merge model is fitted on the other three, all four are detected with it,
and every classifier is trained on the matched crops of the other three only. The CNN alone
(no outline), so the baseline is the ``--no-outline`` figure.

- baseline: the default recipe as ``sccscore:spreads`` is fitted (``fit_spread_head``);
- grey: the crops made grey first (stain intensity and hue differ between spreads);
- canvas N: crops padded to at least N px a side before resizing, so that every chromosome
  keeps the spread's pixel scale (the default pads each crop to its own square);
- two deepest: features pooled at the two deepest layers only, instead of six, as this model
  did from 2026-11-25 to 2026-11-30;
- C 0.001 / 0.1: L2 strength;
- fine-tuned: the linear probe, then the last four Fire modules and the layer trained 10 epochs
  (AdamW, lr 1e-4, balanced loss, random flips, transposes, shifts and stain gain), scored
  on the 8 views; four seeds;
- metaphase prior: each metaphase's type shares estimated by EM from its own chromosomes'
  probabilities (Saerens et al. 2002) and used as their prior.

Figures: concordance over the 249 annotated chromosomes (missed ones count as wrong), how
many chromosomes each lever gets right that the baseline gets wrong and the reverse, and how
far each metaphase's called A/B/C shares are from its annotated ones (mean absolute
difference in percentage points, ``sccscore.detection_eval.metaphase_shares``).

Run: ``SCCSCORE_DATA=../shared/data/ikemoto2023 .venv/bin/python
benchmarks/spread_classifier_levers.py [OSHIMA_DIR]`` (about 7 minutes on a 2-core CPU).
Figures: docs/spreads-levers.md.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from sccscore.detect import fit_merge_model
from sccscore.detection_eval import NOT_FOUND, annotated_images, annotated_spreads, figures, score_spread
from sccscore.features import backbone_model, extract, fingerprints
from sccscore.images import CLASS_NAMES, ImageItem, read_image
from sccscore.preprocess import prepare
from sccscore.spread_model import RECIPE, matched_crops
from sccscore.spreads import detect_spreads
from sccscore.training import fit_logistic_regression, linear_probabilities

TWO_DEEPEST = replace(RECIPE, taps=(11, 12))


def rewritten(items: list[ImageItem], folder: Path, change) -> list[ImageItem]:
    """The crops passed through ``change`` (an RGB array function), saved in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n, item in enumerate(items):
        path = folder / f"{n:04d}.png"
        Image.fromarray(change(read_image(item.path))).save(path)
        out.append(ImageItem(path, item.sample, item.label))
    return out


def grey(rgb: np.ndarray) -> np.ndarray:
    return np.repeat(rgb.mean(axis=2, keepdims=True).round().astype(np.uint8), 3, axis=2)


def on_canvas(side: int):
    def pad(rgb: np.ndarray) -> np.ndarray:
        height, width = rgb.shape[:2]
        size = max(side, height, width)
        canvas = np.full((size, size, 3), 255, np.uint8)
        top, left = (size - height) // 2, (size - width) // 2
        canvas[top : top + height, left : left + width] = rgb
        return canvas

    return pad


def linear(train_x, train_y, test_x, l2_c=RECIPE.l2_c):
    weight, bias = fit_logistic_regression(train_x, train_y, 3, l2_c, True, torch.device("cpu"))
    return linear_probabilities(test_x, weight, bias)


def fine_tuned(train: list[ImageItem], train_y: np.ndarray, test: list[ImageItem], epochs=10, seed=0):
    """Linear probe, then the last four Fire modules and the layer fine-tuned (see the docstring)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    config = RECIPE.model_config()
    net = backbone_model(config).net
    mean = torch.tensor(config.input.mean).view(1, 3, 1, 1) * 255
    std = torch.tensor(config.input.std).view(1, 3, 1, 1) * 255
    x_train, x_test = (torch.stack([prepare(read_image(i.path), config.input) for i in items]).float()
                       for items in (train, test))
    weight, bias = fit_logistic_regression(features(train), train_y, 3, RECIPE.l2_c, True, torch.device("cpu"))
    net.classifier.weight.data, net.classifier.bias.data = weight.clone(), bias.clone()
    for parameter in net.parameters():
        parameter.requires_grad_(False)
    trained = [p for layer in list(net.features)[9:] for p in layer.parameters()] + list(net.classifier.parameters())
    for parameter in trained:
        parameter.requires_grad_(True)
    optimiser = torch.optim.AdamW(trained, lr=1e-4, weight_decay=1e-2)
    counts = np.bincount(train_y, minlength=3)
    class_weight = torch.tensor(len(train_y) / (3 * counts), dtype=torch.float32)
    for _ in range(epochs):
        order = rng.permutation(len(train_y))
        for start in range(0, len(order), 16):
            batch = order[start : start + 16]
            x = x_train[batch]
            view = rng.integers(8)
            x = x.flip(-1) if view & 1 else x
            x = x.flip(-2) if view & 2 else x
            x = x.transpose(-2, -1) if view & 4 else x
            x = 255 - (255 - x) * torch.empty(len(batch), 1, 1, 1).uniform_(0.7, 1.3)
            x = torch.roll(x, tuple(int(s) for s in rng.integers(-8, 9, 2)), (-2, -1)).clamp(0, 255)
            loss = nn.functional.cross_entropy(net((x - mean) / std), torch.from_numpy(train_y[batch]),
                                               weight=class_weight)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    with torch.inference_mode():
        views = [net.pooled((v - mean) / std) for v in _dihedral(x_test)]
        return np.mean([torch.softmax(net.classifier(v), -1).numpy() for v in views], axis=0)


def _dihedral(x: torch.Tensor) -> list[torch.Tensor]:
    return [v for image in (x, x.transpose(-2, -1))
            for v in (image, image.flip(-1), image.flip(-2), image.flip(-2, -1))]


def metaphase_prior(probabilities: np.ndarray, metaphases: np.ndarray) -> np.ndarray:
    """Posteriors under each metaphase's own type shares, estimated by EM (training prior: uniform)."""
    adjusted = probabilities.copy()
    for metaphase in np.unique(metaphases):
        mine = metaphases == metaphase
        prior = np.full(3, 1 / 3)
        for _ in range(200):
            posterior = probabilities[mine] * prior
            posterior /= posterior.sum(axis=1, keepdims=True)
            prior, previous = posterior.mean(axis=0), prior
            if np.abs(prior - previous).max() < 1e-9:
                break
        adjusted[mine] = posterior
    return adjusted


def features(items: list[ImageItem], recipe=RECIPE) -> np.ndarray:
    return extract(items, recipe.model_config(), fingerprints(items))


def held_out_spreads(oshima: Path, tmp: Path):
    """For each annotated spread: it (detected with a merge model fitted on the others), its label file, and the
    others' matched crops with their types (training) and its crops (test)."""
    pairs = annotated_images(oshima / "images", oshima / "labels")
    annotated = annotated_spreads(pairs)
    for held, (item, label_file) in enumerate(pairs):
        print(f"holding out {item.path.name}", flush=True)
        merge_model = fit_merge_model([a for i, a in enumerate(annotated) if i != held])
        spreads = detect_spreads([i.path for i, _ in pairs], tmp / str(held), merge_model=merge_model,
                                 labels_dir=oshima / "labels").spreads
        spread, others = spreads[held], [s for i, s in enumerate(spreads) if i != held]
        train = matched_crops(others)
        train_y = np.array([CLASS_NAMES.index(i.label) for i in train])
        yield spread, label_file, train, train_y, [ImageItem(path, "test") for path in spread.crops.values()]


def main(oshima: Path) -> None:
    scored: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for held, (spread, label_file, train, train_y, test) in enumerate(held_out_spreads(oshima, Path(tmp))):
            train_x, test_x = features(train), features(test)
            variants = {"baseline": linear(train_x, train_y, test_x)}
            for name, change in (("grey", grey), *((f"canvas {n}", on_canvas(n)) for n in (72, 96, 128))):
                folder = Path(tmp) / f"{held}-{name}"
                variants[name] = linear(features(rewritten(train, folder / "train", change)), train_y,
                                        features(rewritten(test, folder / "test", change)))
            variants["two deepest"] = linear(features(train, TWO_DEEPEST), train_y, features(test, TWO_DEEPEST))
            for l2_c in (0.001, 0.1):
                variants[f"C {l2_c}"] = linear(train_x, train_y, test_x, l2_c=l2_c)
            for seed in range(4):  # it varies more from seed to seed than between most levers
                variants[f"fine-tuned, seed {seed}"] = fine_tuned(train, train_y, test, seed=seed)
            metaphases = np.array([{d.id: d.metaphase for d in spread.chromosomes}[n] for n in spread.crops])
            variants["metaphase prior"] = metaphase_prior(variants["baseline"], metaphases)
            for name, probabilities in variants.items():
                types = {n: CLASS_NAMES[g] for n, g in zip(spread.crops, probabilities.argmax(axis=1))}
                scored.setdefault(name, []).append(score_spread(spread, types, label_file))
    baseline = np.concatenate([s["given"] == s["true"] for s in scored["baseline"]])
    print(f"\n{'lever':<22} concordance  right where baseline wrong / reverse   metaphase share error A/B/C")
    for name, spreads_scored in scored.items():
        right = np.concatenate([s["given"] == s["true"] for s in spreads_scored])
        found = np.concatenate([s["given"] != NOT_FOUND for s in spreads_scored])
        report = figures(spreads_scored)
        share_error = " / ".join(str(t["share_error_points"]) for t in report["per_type"].values())
        print(f"{name:<22} {report['concordance']:.3f}        "
              f"{int((right & ~baseline).sum())} / {int((baseline & ~right).sum())}  (of {int(found.sum())} found)"
              f"   {share_error}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/oshima2026"))
