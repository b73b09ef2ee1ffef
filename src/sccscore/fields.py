"""Whether two spreads show one field: a spread given twice, saved again (as JPEG too) or cropped;
and whether two overlapping fields show one metaphase.

A copy saved again as JPEG or cropped has other bytes and other crops, but its chromosomes
are found where they were, shifted all alike by the crop. So two spreads are taken as one
field where one shift puts most chromosome centres of one within a pixel or two of the
other's. The shift is the most common difference between a centre of one and a centre of
the other; two metaphases share no such shift, as a copy's centres all do. Neighbouring
fields that overlap may show one metaphase each: its chromosomes line up alike
(:func:`shared_metaphases`), and counted in both, it would be two cells of the analysis.
With ``turned``, a copy turned by any angle, mirrored or zoomed is found too, as a set of
annotated spreads augmented for training holds them (flips, quarter turns, turns of a few
degrees, crops enlarged back to the image's size): pairs of centres vote on the turn and
zoom, as single centres vote on the shift, before the shift is looked for. Leave-one-out asks
for it; a batch to score, which may hold hundreds of spreads and is compared pair by pair, is
checked for the shift alone, a search about twenty times cheaper. A copy sheared, or
stretched more one way than the other, is not found.

>>> import numpy as np
>>> centres = np.random.default_rng(0).uniform(0, 1000, (46, 2))
>>> same_field(centres, centres[:40] - 30)  # cropped 30 pixels from the top left: 6 chromosomes cut off
True
>>> same_field(centres, np.random.default_rng(1).uniform(0, 1000, (46, 2)))
False
>>> mirrored = centres * [-1, 1] + [1000, 0]
>>> same_field(centres, mirrored), same_field(centres, mirrored, turned=True)
(False, True)
>>> angle = np.deg2rad(15)  # turned by 15 degrees and enlarged by 1.2, as an augmented set's copies are
>>> turned = 1.2 * centres @ [[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]]
>>> same_field(centres, turned), same_field(centres, turned, turned=True)
(False, True)
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import NamedTuple

import numpy as np
from scipy.spatial import cKDTree

MIN_CHROMOSOMES = 8  # fewer, and one shift may line up too many by chance: only spreads found alike match
MATCHED_SHARE = 0.8  # of the spread with fewer chromosomes: a crop cuts some off, JPEG noise finds some apart
TOLERANCE = 2.0  # pixels between a centre and its partner once shifted: JPEG moves centres well under one
BIN = 4.0  # pixels: the differences of centres are counted in squares of this side to find the common shift
VOTERS = 16  # central centres whose differences to the other's find the shift: most of a copy's share it;
MIN_VOTES = 8  # two fields' differences share one by chance 1 or 2 at most
ZOOM = 1.5  # the most a turned copy may be enlarged or shrunk and be found: augmented sets enlarge by a third at most
TURN_BIN = 0.02  # of the turn-and-zoom factor (a complex number) in whose squares pairs of centres vote: ~1 degree
MIRROR = np.diag([1.0, -1.0])  # (x, y) -> (x, -y): a mirror image, turned as any other


class Layout(NamedTuple):
    """A spread's or metaphase's chromosome centres, and the central ones that vote on a shift (read once)."""

    centres: np.ndarray
    voters: np.ndarray

    @classmethod
    def of(cls, centres: np.ndarray) -> Layout:
        centres = np.asarray(centres, float).reshape(-1, 2)
        return cls(centres, _central(centres))

    def turned(self, linear: np.ndarray) -> Layout:
        """The layout under a 2 x 2 map of (x, y) that turns, zooms or mirrors it: its central centres stay central."""
        return Layout(self.centres @ linear.T, self.voters @ linear.T)


def same_field(centres: np.ndarray, other: np.ndarray, turned: bool = False) -> bool:
    """Whether two spreads' chromosome centres (n x 2 pixels each) are one field, up to a shift (and, ``turned``,
    a turn by any angle, a zoom up to ``ZOOM`` and a mirror)."""
    return _same(Layout.of(centres), Layout.of(other), turned)


def _same(layout: Layout, other: Layout, turned: bool = False) -> bool:
    fewer = min(len(layout.centres), len(other.centres))
    if fewer < MIN_CHROMOSOMES:
        return layout.centres.shape == other.centres.shape and bool(np.all(layout.centres == other.centres))
    if fewer < MATCHED_SHARE * max(len(layout.centres), len(other.centres)):
        return False
    placings = itertools.chain([layout], (layout.turned(linear) for linear in _turns(layout, other)) if turned else [])
    return any(_same_placed(placed, other) for placed in placings)


def _turns(layout: Layout, other: Layout) -> Iterator[np.ndarray]:
    """The maps (2 x 2) that may turn and zoom ``layout``, or its mirror image, onto ``other``: for each, the factor
    its pairs of centres vote for, and that factor turned half round (a pair's order is unknown)."""
    for mirror in (np.eye(2), MIRROR):
        factor = _common_turn(layout.voters @ mirror.T, other.centres)
        if factor is not None:
            for z in (factor, -factor):
                yield np.array([[z.real, -z.imag], [z.imag, z.real]]) @ mirror


def _same_placed(layout: Layout, other: Layout) -> bool:
    """Whether one shift puts most of ``layout``'s centres on ``other``'s."""
    shift, votes = _common_shift(layout.voters, other.centres)
    if votes < MIN_VOTES:  # most pairs of fields end here, before any centre is looked for
        return False
    distance, _ = cKDTree(other.centres).query(layout.centres + shift, distance_upper_bound=TOLERANCE)
    fewer = min(len(layout.centres), len(other.centres))
    return int(np.isfinite(distance).sum()) >= MATCHED_SHARE * fewer  # centres with a partner


def same_images(metaphases: Mapping[tuple[Hashable, int], np.ndarray], turned: bool = False) -> list[list[Hashable]]:
    """The images that show one field (``turned``: turned, zoomed or mirrored too): groups of two or more, in order.

    ``metaphases``: the chromosome centres of each metaphase, keyed (image, metaphase number).
    """
    by_image: dict[Hashable, list[np.ndarray]] = {}
    for (image, _), centres in metaphases.items():
        by_image.setdefault(image, []).append(np.asarray(centres, float).reshape(-1, 2))
    images = list(by_image)
    layouts = [Layout.of(np.vstack(by_image[image])) for image in images]
    alike = groups(len(images), lambda i, j: _same(layouts[i], layouts[j], turned))
    return [[images[i] for i in group] for group in alike]


def shared_metaphases(metaphases: Mapping[tuple[Hashable, int], np.ndarray], copies: list[list[Hashable]],
                      turned: bool = False) -> list[list[tuple[Hashable, int]]]:
    """The metaphases found in two or more images that are not copies of one another (``copies``, from
    :func:`same_images`): fields that overlap (``turned``: turned, zoomed or mirrored too). Groups of keys, in the
    order given."""
    copy_of = {image: number for number, group in enumerate(copies) for image in group}
    keys = list(metaphases)
    layouts = [Layout.of(metaphases[key]) for key in keys]
    one_metaphase = {image for image, n in Counter(image for image, _ in keys).items() if n == 1}

    def apart(i: int, j: int) -> bool:
        """In two images, neither a copy of the other, and not both of one metaphase: those two were compared
        whole by :func:`same_images`, and found apart."""
        image, other = keys[i][0], keys[j][0]
        return (image != other and (image not in copy_of or copy_of[image] != copy_of.get(other))
                and not {image, other} <= one_metaphase)

    alike = lambda i, j: apart(i, j) and _same(layouts[i], layouts[j], turned)  # noqa: E731
    return [[keys[i] for i in group] for group in groups(len(keys), alike)]


def groups(n: int, alike: Callable[[int, int], bool]) -> list[list[int]]:
    """The groups (two or more, in order of their first member) of indices ``0..n-1`` joined by ``alike`` pairs."""
    owner = list(range(n))

    def root(i: int) -> int:
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if root(i) != root(j) and alike(i, j):
                owner[root(j)] = root(i)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(root(i), []).append(i)
    return [group for group in members.values() if len(group) > 1]


def _central(centres: np.ndarray) -> np.ndarray:
    """The ``VOTERS`` centres nearest the middle of the spread: a crop of it cuts off the outer ones first."""
    offsets = centres - np.median(centres, axis=0)
    return centres[np.argsort(np.hypot(*offsets.T), kind="stable")[:VOTERS]]


def _common_shift(voters: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, int]:
    """The shift from ``voters`` to ``other`` that most differences share, and the number within ``TOLERANCE`` of it.

    The shift is the differences' mean in the fullest ``BIN`` square. A copy's differences, near-equal, may straddle
    up to four squares; the fullest still holds a quarter of them, and the count around the mean takes them all back.
    """
    differences = (other[None, :, :] - voters[:, None, :]).reshape(-1, 2)
    column, row = np.floor(differences / BIN).astype(np.int64).T
    squares = column * (1 << 32) + row  # one number per square: np.unique on rows is ten times slower
    _, square_of, counts = np.unique(squares, return_inverse=True, return_counts=True)
    shift = differences[square_of == counts.argmax()].mean(axis=0)
    return shift, int((np.hypot(*(differences - shift).T) <= TOLERANCE).sum())


def _common_turn(voters: np.ndarray, other: np.ndarray) -> complex | None:
    """The turn and zoom, as one complex factor (its angle and size), that takes most pairs of ``voters`` to pairs of
    ``other`` (centres as x + iy); None where no two pairs are within ``ZOOM`` of one length.

    Each pair of voters and each pair of the other's centres vote for the factor that takes the one's difference to
    the other's; a copy's pairs all vote for one, each within its centres' error over its length. Unordered pairs
    vote for z or -z alike: folded into one half-plane, a vote counts for both. The fullest square of 2 x 2
    ``TURN_BIN`` gives a first factor, the least-squares one of its votes (long pairs weigh most, as they know the
    turn best); it is then fitted again on those of them ever nearer it while ``MIN_VOTES`` remain, as a copy's
    votes crowd around the true one and two fields' scatter.
    """
    points, others = voters @ [1, 1j], other @ [1, 1j]
    first, second = np.triu_indices(len(points), 1)
    near, far = np.triu_indices(len(others), 1)
    sources = points[second] - points[first]
    sources = sources[sources != 0]  # two centres in one place turn nothing
    factors = np.outer(1 / sources, others[far] - others[near])
    factors *= np.copysign(1, factors.real)  # folded: the pair taken the other way round
    size = np.abs(factors)
    source_of, target_of = np.nonzero((size <= ZOOM) & (size >= 1 / ZOOM))
    if not len(source_of):
        return None
    factors = factors[source_of, target_of]
    weights = np.abs(sources[source_of]) ** 2  # least squares of z * source against target: long pairs weigh most
    # the fullest square of 2 x 2 bins: a copy's votes, near-equal, may straddle four bins
    side = int(np.ceil(ZOOM / TURN_BIN)) + 1
    column = np.floor(factors.real / TURN_BIN).astype(np.int64)
    row = np.floor(factors.imag / TURN_BIN).astype(np.int64) + side
    bins = np.bincount(column * (2 * side + 1) + row, minlength=(side + 1) * (2 * side + 1)).reshape(side + 1, -1)
    squares = bins[:-1, :-1] + bins[1:, :-1] + bins[:-1, 1:] + bins[1:, 1:]
    corner_column, corner_row = np.unravel_index(squares.argmax(), squares.shape)
    chosen = ((column - corner_column) // 2 == 0) & ((row - corner_row) // 2 == 0)
    factors, weights = factors[chosen], weights[chosen]
    factor = np.average(factors, weights=weights)
    for radius in TURN_BIN / 2 ** np.arange(1, 6):
        chosen = np.abs(factors - factor) < radius
        if chosen.sum() < MIN_VOTES:
            break
        factors, weights = factors[chosen], weights[chosen]
        factor = np.average(factors, weights=weights)
    return complex(factor)
