"""Whether two spreads show one field: a spread given twice, saved again (as JPEG too) or cropped;
and whether two overlapping fields show one metaphase.

A copy saved again as JPEG or cropped has other bytes and other crops, but its chromosomes
are found where they were, shifted all alike by the crop. So two spreads are taken as one
field where one shift puts most chromosome centres of one within a pixel or two of the
other's. The shift is the most common difference between a centre of one and a centre of
the other; two metaphases share no such shift, as a copy's centres all do. Neighbouring
fields that overlap may show one metaphase each: its chromosomes line up alike
(:func:`shared_metaphases`), and counted in both, it would be two cells of the analysis.
With ``turned``, a copy turned by right angles or mirrored is found too, as an augmented set
of annotated spreads holds them (flips and quarter turns): each of the eight ways is tried
before the shift. Leave-one-out asks for it; a batch to score, which may hold hundreds of
spreads and is compared pair by pair, is checked for the shift alone: one search a pair, not
eight. A copy turned by another angle is not found.

>>> import numpy as np
>>> centres = np.random.default_rng(0).uniform(0, 1000, (46, 2))
>>> same_field(centres, centres[:40] - 30)  # cropped 30 pixels from the top left: 6 chromosomes cut off
True
>>> same_field(centres, np.random.default_rng(1).uniform(0, 1000, (46, 2)))
False
>>> mirrored = centres * [-1, 1] + [1000, 0]
>>> same_field(centres, mirrored), same_field(centres, mirrored, turned=True)
(False, True)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from typing import NamedTuple

import numpy as np
from scipy.spatial import cKDTree

MIN_CHROMOSOMES = 8  # fewer, and one shift may line up too many by chance: only spreads found alike match
MATCHED_SHARE = 0.8  # of the spread with fewer chromosomes: a crop cuts some off, JPEG noise finds some apart
TOLERANCE = 2.0  # pixels between a centre and its partner once shifted: JPEG moves centres well under one
BIN = 4.0  # pixels: the differences of centres are counted in squares of this side to find the common shift
VOTERS = 16  # central centres whose differences to the other's find the shift: most of a copy's share it;
MIN_VOTES = 8  # two fields' differences share one by chance 1 or 2 at most
# the eight ways an image is turned by right angles or mirrored, as maps of (x, y): unturned first
ORIENTATIONS = tuple(np.array(m, float) for m in (
    [[1, 0], [0, 1]], [[-1, 0], [0, 1]], [[1, 0], [0, -1]], [[-1, 0], [0, -1]],
    [[0, 1], [1, 0]], [[0, -1], [1, 0]], [[0, 1], [-1, 0]], [[0, -1], [-1, 0]],
))  # fmt: skip


class Layout(NamedTuple):
    """A spread's or metaphase's chromosome centres, and the central ones that vote on a shift (read once)."""

    centres: np.ndarray
    voters: np.ndarray

    @classmethod
    def of(cls, centres: np.ndarray) -> Layout:
        centres = np.asarray(centres, float).reshape(-1, 2)
        return cls(centres, _central(centres))

    def turned(self, orientation: np.ndarray) -> Layout:
        """The layout turned or mirrored (one of ORIENTATIONS): its central centres stay central."""
        return Layout(self.centres @ orientation.T, self.voters @ orientation.T)


def same_field(centres: np.ndarray, other: np.ndarray, turned: bool = False) -> bool:
    """Whether two spreads' chromosome centres (n x 2 pixels each) are one field, up to a shift (and, ``turned``,
    a turn by right angles or a mirror)."""
    return _same(Layout.of(centres), Layout.of(other), turned)


def _same(layout: Layout, other: Layout, turned: bool = False) -> bool:
    return any(_same_placed(layout.turned(orientation), other) for orientation in (ORIENTATIONS if turned
                                                                                   else ORIENTATIONS[:1]))


def _same_placed(layout: Layout, other: Layout) -> bool:
    fewer = min(len(layout.centres), len(other.centres))
    if fewer < MIN_CHROMOSOMES:
        return layout.centres.shape == other.centres.shape and bool(np.all(layout.centres == other.centres))
    if fewer < MATCHED_SHARE * max(len(layout.centres), len(other.centres)):
        return False
    shift, votes = _common_shift(layout.voters, other.centres)
    if votes < MIN_VOTES:  # most pairs of fields end here, before any centre is looked for
        return False
    distance, _ = cKDTree(other.centres).query(layout.centres + shift, distance_upper_bound=TOLERANCE)
    return int(np.isfinite(distance).sum()) >= MATCHED_SHARE * fewer  # centres with a partner


def same_images(metaphases: Mapping[tuple[Hashable, int], np.ndarray], turned: bool = False) -> list[list[Hashable]]:
    """The images that show one field (``turned``: turned or mirrored too): groups of two or more, in the order given.

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
    :func:`same_images`): fields that overlap (``turned``: turned or mirrored too). Groups of keys, in the order
    given."""
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
