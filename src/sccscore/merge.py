"""Joining a spread's fragments into chromosomes: the merge model, a logistic regression on a pair's geometry.

The two sisters of a type C chromosome are separate fragments, and so are the
halves of a chromosome the watershed cut. Whether two nearby fragments
(:func:`candidate_pairs`) are one chromosome is decided on the pair's geometry
(gap, sizes, orientation, contact: :data:`PAIR_FEATURES`) by a logistic
regression fitted on annotated spreads (:func:`merge_model_from`, from what each
teaches, :func:`pair_examples`; :func:`sccscore.detect.fit_merge_model` reads
them). :func:`join` joins pairs most-likely first (two objects each joined
already need a likelier pair), then lone fragments that are each other's
likeliest partner at a lower bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy import ndimage
from skimage import measure

from ._atomic import read_small_model, write_json
from .errors import SccscoreError

if TYPE_CHECKING:
    from .detect import DetectSettings, Fragments

PAIR_FEATURES = (
    "gap", "log_area_large", "log_area_small", "area_ratio", "length_ratio",
    "angle", "union_elongation", "centre_distance", "contact",
)  # fmt: skip


@dataclass
class MergeModel:
    """Logistic regression deciding whether two fragments are one chromosome."""

    weight: list[float]
    bias: float
    trained_on: list[str] = field(default_factory=list)
    scale: float = 1.0  # of the spreads it was fitted on (DetectSettings.scale): the default for spreads it reads
    trained_on_sha256: list[str] = field(default_factory=list)  # those spreads' files: known again under any name
    # the edge blur of those spreads in px, least and most: a spread's is set against it, as a lab's own classifier
    # learned their focus (and a spread held out, against the others'); None in folders fitted before 2026-12-03:
    # EDGE_BLURS, oshima2026's, which the shipped merge model records
    edge_blurs: tuple[float, float] | None = None
    # the noise of those spreads' pixels (noise_level), least and most, as edge_blurs; None in folders fitted before
    # 2026-12-03 (late): NOISE_LEVELS, oshima2026's
    noise_levels: tuple[float, float] | None = None

    def probability(self, features: np.ndarray) -> np.ndarray:
        logits = np.asarray(features, float) @ np.asarray(self.weight) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))

    def save(self, path: str | Path) -> None:
        write_json(path, asdict(self) | {"features": list(PAIR_FEATURES)})

    @classmethod
    def load(cls, path: str | Path | None = None) -> MergeModel:
        """The given model file, or the one shipped with sccscore."""
        record = read_small_model(path, "merge_model.json", "merge model", {"features": PAIR_FEATURES})
        # not kept by models fitted before 2026-12-03 (those of 2026-12-02 kept "sharp_edges", a measure since replaced)
        ranges = {name: record.get(name) for name in ("edge_blurs", "noise_levels")}
        for name, value in ranges.items():
            if value is not None and not _is_range(value):
                raise SccscoreError(f"{path or 'the shipped merge model'}: {name} must be two numbers, the lower "
                                    f"first, not {value!r}")
        return cls(record["weight"], record["bias"], record.get("trained_on", []), record.get("scale", 1.0),
                   record.get("trained_on_sha256", []),
                   **{name: tuple(value) if value else None for name, value in ranges.items()})


def _is_range(value: object) -> bool:
    """Two numbers, the lower first, as a model file keeps a range."""
    return (isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value)
            and value[0] <= value[1])


def candidate_pairs(fragments: np.ndarray, reach: int) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Pairs of fragments closer than ``reach`` pixels, with their features (PAIR_FEATURES)."""
    regions = {r.label: r for r in measure.regionprops(fragments)}
    pairs, features = [], []
    for label, region in regions.items():
        y0, x0, y1, x1 = region.bbox
        top, left = max(0, y0 - reach), max(0, x0 - reach)
        window = fragments[top : y1 + reach, left : x1 + reach]
        distance = ndimage.distance_transform_edt(window != label)
        for other in np.unique(window):
            if other <= label:
                continue
            gap = float(distance[window == other].min())
            if gap <= reach:
                pairs.append((label, int(other)))
                features.append(_pair_features(region, regions[other], gap, window == label, window == other))
    return pairs, np.array(features, float).reshape(-1, len(PAIR_FEATURES))


def _pair_features(a, b, gap: float, mask_a: np.ndarray, mask_b: np.ndarray) -> list[float]:
    large, small = (a, b) if a.area >= b.area else (b, a)
    angle = abs(a.orientation - b.orientation)
    points = np.vstack([a.coords, b.coords]).astype(float)
    spread = np.sort(np.linalg.eigvalsh(np.cov((points - points.mean(0)).T)))
    length = max(large.axis_major_length, 1.0)
    # pixels where the two touch, in units of the thinner one's width
    contact = (mask_a & ndimage.binary_dilation(mask_b)).sum() if gap <= 1.5 else 0
    width = min(2 * r.area / max(r.perimeter, 1.0) for r in (a, b))
    return [
        gap, np.log(large.area), np.log(small.area), small.area / large.area,
        small.axis_major_length / length, min(angle, np.pi - angle),
        np.sqrt(spread[0] / max(spread[1], 1e-6)),
        float(np.hypot(*np.subtract(a.centroid, b.centroid))) / length,
        contact / max(width, 1.0),
    ]  # fmt: skip


def join(fragments: np.ndarray, pairs: list[tuple[int, int]], probability: np.ndarray,
         settings: DetectSettings) -> dict[int, list[int]]:
    """Join fragments into chromosomes, most likely pair first (union-find).

    A join that would make a chromosome larger than ``join_factor`` times the
    median fragment (or ``max_area``) is refused, so that a dense spread does
    not chain into one object. Pairs are joined above a probability of 0.5, but
    two objects that are each joined from several fragments only above
    ``whole_threshold``: each is most likely a whole chromosome already (two
    sisters), and the pair's features see only the two nearest fragments. Then
    two fragments still alone that are each other's likeliest partner join
    above ``partner_threshold``: the far-apart sisters of a type C chromosome,
    which no other fragment claims (docs/spreads.md).
    """
    area = {int(k): int(v) for k, v in enumerate(np.bincount(fragments.ravel())) if k and v}
    largest = min(settings.max_area, settings.join_factor * np.median(list(area.values()))) if area else 0
    parent = {label: label for label in area}
    n_fragments = dict.fromkeys(area, 1)

    def root(label: int) -> int:
        while parent[label] != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    def union(a: int, b: int) -> None:
        if a != b and area[a] + area[b] <= largest:
            parent[b] = a
            area[a] += area[b]
            n_fragments[a] += n_fragments[b]

    for index in np.argsort(-probability, kind="stable"):
        if probability[index] < 0.5:
            break
        a, b = (root(label) for label in pairs[index])
        if min(n_fragments[a], n_fragments[b]) == 1 or probability[index] >= settings.whole_threshold:
            union(a, b)
    alone = {label for label in area if parent[label] == label and n_fragments[label] == 1}
    for a, b in _partners_left_alone(pairs, probability, alone, settings.partner_threshold):
        union(a, b)
    groups: dict[int, list[int]] = {}
    for label in area:
        groups.setdefault(root(label), []).append(label)
    return groups


def _partners_left_alone(pairs: list[tuple[int, int]], probability: np.ndarray, alone: set[int],
                         threshold: float) -> list[tuple[int, int]]:
    """Pairs of fragments in ``alone`` (never joined) that are each other's likeliest partner above ``threshold``.

    >>> _partners_left_alone([(1, 2), (2, 3), (3, 4)], np.array([0.4, 0.45, 0.35]), {1, 2, 3, 4}, 0.3)
    [(2, 3)]
    """
    best: dict[int, tuple[float, int]] = {}
    for (a, b), p in zip(pairs, probability):
        if p >= threshold and a in alone and b in alone:
            for one, other in ((a, b), (b, a)):
                if p > best.get(one, (-1.0, 0))[0]:
                    best[one] = (p, other)
    return [(a, b) for a, (_, b) in best.items() if a < b and best[b][1] == a]


def fragment_owner(fragments: np.ndarray, boxes: np.ndarray) -> dict[int, int | None]:
    """The annotated box each fragment belongs to: the smallest holding 70% of its pixels."""
    owner: dict[int, int | None] = {}
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    for region in measure.regionprops(fragments):
        ys, xs = region.coords[:, 0], region.coords[:, 1]
        inside = np.array([((xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)).mean() for x0, y0, x1, y1 in boxes])
        holding = np.flatnonzero(inside >= 0.7)
        owner[region.label] = int(holding[np.argmin(areas[holding])]) if len(holding) else None
    return owner


class PairExamples(NamedTuple):
    """What an annotated spread teaches the merge model."""

    features: np.ndarray  # of each candidate pair of fragments (candidate_pairs)
    same: np.ndarray  # 1 where the pair lies in one annotated box, else 0
    edge_blur: float | None  # the spread's (edge_blur), for the range a fitted model records
    noise: float  # its pixels' (noise_level), likewise


def pair_examples(fragments: Fragments, boxes: np.ndarray) -> PairExamples:
    """Pair features of a spread read to its fragments, whether each pair lies in one annotated box (x0 y0 x1 y1,
    the image's px, brought to the reference scale as the fragments were), and the spread's edge blur and noise."""
    owner = fragment_owner(fragments.labels, np.asarray(boxes, float) / fragments.settings.scale)
    same = np.array([owner[a] is not None and owner[a] == owner[b] for a, b in fragments.pairs], int)
    return PairExamples(fragments.features, same, fragments.reading.edge_blur, fragments.imaging["noise"])


def merge_model_from(examples: Sequence[PairExamples], names: Sequence[str], scale: float = 1.0) -> MergeModel:
    """The merge model learned from annotated spreads' pair examples (:func:`pair_examples`), named ``names``, of
    spreads read at ``scale``."""
    from .training import fit_logistic_regression

    features = np.vstack([e.features for e in examples])
    same = np.concatenate([e.same for e in examples])
    blurs = [round(e.edge_blur, 3) for e in examples if e.edge_blur is not None]
    noises = [round(e.noise, 4) for e in examples]
    if len(np.unique(same)) < 2:
        raise SccscoreError("the annotated spreads give no pair of fragments to join, or none to keep apart")
    weight, bias = fit_logistic_regression(features[:, None], same, n_classes=2, l2_c=1.0, balanced=False)
    # two-class softmax = logistic of the logit difference
    return MergeModel((weight[1] - weight[0]).double().tolist(), float(bias[1] - bias[0]), list(names),
                      scale, edge_blurs=(min(blurs), max(blurs)) if blurs else None,
                      noise_levels=(min(noises), max(noises)) if noises else None)
