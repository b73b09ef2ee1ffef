"""Telling one field given twice from two fields (sccscore.fields), on chromosome centres made up here; the real
spreads' copies (JPEG, cropped) are tested with detection in test_spreads."""

from __future__ import annotations

import numpy as np
import pytest

from sccscore.fields import BIN, MIN_CHROMOSOMES, MIRROR, ZOOM, groups, same_field, same_images, shared_metaphases


def _centres(seed: int, n: int = 46, side: float = 1000) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, side, (n, 2))


@pytest.mark.parametrize("shift", [(0, 0), (BIN, -2 * BIN), (BIN / 2, BIN / 2), (-137.3, 250.9)])
@pytest.mark.parametrize("seed", range(5))
def test_a_copy_is_found_whatever_the_shift(shift, seed):
    # a shift on the squares' corners splits the copy's differences among four squares: the fullest still leads
    centres = _centres(seed)
    jitter = np.random.default_rng(seed + 100).normal(0, 0.4, centres.shape)  # JPEG moves centres this little
    assert same_field(centres, centres + shift + jitter)
    assert same_field(centres + shift + jitter, centres)
    kept = np.random.default_rng(seed).permutation(len(centres))[:37]  # 9 of 46 not found, central ones among them
    assert same_field(centres, centres[kept] + shift + jitter[kept])


def test_a_copy_with_a_fifth_of_its_chromosomes_cut_off_is_not_one():
    centres = _centres(2, n=50)
    assert same_field(centres, centres[:40] + 9)  # 40 of 50: a crop's edge cut some off
    assert not same_field(centres, centres[:39] + 9)
    assert not same_field(centres, centres[:, ::-1])  # turned over: another layout
    assert not same_field(centres, centres[:39, ::-1] + 9, turned=True)  # turned over, cut: not one, either


def _turned(centres: np.ndarray, degrees: float, zoom: float = 1.0, mirrored: bool = False) -> np.ndarray:
    angle = np.deg2rad(degrees)
    linear = zoom * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return centres @ (linear @ MIRROR if mirrored else linear).T


@pytest.mark.parametrize(("degrees", "zoom", "mirrored"), [
    (90, 1, False), (180, 1, False), (270, 1, False), (0, 1, True), (90, 1, True), (180, 1, True), (270, 1, True),
    (10, 1, False), (-15, 1, False), (7, 1.2, False), (-4, 0.8, True), (143, 1.1, True), (0, 1.3, False),
])  # fmt: skip
def test_a_copy_turned_zoomed_or_mirrored_is_found_where_asked(degrees, zoom, mirrored):
    # a set of annotated spreads augmented for training holds flipped and turned copies (Roboflow's flips, 90° turns
    # and turns of up to 15°), and crops of the image enlarged back to its size
    centres = _centres(4)
    jitter = np.random.default_rng(4).normal(0, 0.4, centres.shape)  # centres found again on resampled pixels
    turned = _turned(centres, degrees, zoom, mirrored) + (1440, 1024) + jitter
    assert same_field(centres, turned, turned=True) and same_field(turned, centres, turned=True)
    assert not same_field(centres, turned)  # unasked, as detect's batches are checked
    kept = np.random.default_rng(4).permutation(len(centres))[:38]  # a crop cut 8 of 46 off, central ones among them
    assert same_field(centres, turned[kept], turned=True)


def test_a_copy_zoomed_past_the_bound_or_sheared_is_not_found():
    centres = _centres(4)
    assert not same_field(centres, _turned(centres, 10, 1.1 * ZOOM), turned=True)
    assert not same_field(centres, centres @ [[1, 0.2], [0, 1]], turned=True)  # sheared by 0.2: not turned alike


def test_few_chromosomes_match_only_when_found_alike():
    centres = _centres(3, n=MIN_CHROMOSOMES - 1)
    assert same_field(centres, centres.copy())
    assert not same_field(centres, centres + 1)  # one shift lines up a handful of centres too easily


def test_two_fields_are_not_taken_for_one():
    # crowded: two metaphases of 46 in a 700-pixel square, 780 pairs of fields; 190 of them turned, zoomed, mirrored
    fields = [_centres(seed, n=92, side=700) for seed in range(40)]
    assert not any(same_field(a, b, turned=i < 20 and j < 20) for i, a in enumerate(fields)
                   for j, b in enumerate(fields[i + 1:], i + 1))


def test_groups_join_through_a_shared_member_in_the_order_given():
    pairs = {(0, 2), (0, 4), (1, 3)}
    asked = []

    def alike(i: int, j: int) -> bool:
        asked.append((i, j))
        return (i, j) in pairs

    assert groups(5, alike) == [[0, 2, 4], [1, 3]]
    assert (2, 4) not in asked  # already one group through 0: a copy of a copy is not compared again
    assert groups(3, lambda i, j: False) == []


def test_a_metaphase_in_two_fields_is_found_apart_from_copies_of_a_field():
    # field x holds two metaphases; y, the next field, the second of them; z is x saved again
    first, second = _centres(4), _centres(5) + 1200
    metaphases = {("x", 1): first, ("x", 2): second, ("y", 1): second[5:] - 1100, ("z", 1): first + 0.3,
                  ("z", 2): second + 0.3}
    copies = same_images(metaphases)
    assert copies == [["x", "z"]]
    # z's metaphases are x's, already said; the one in y is said once with both
    assert shared_metaphases(metaphases, copies) == [[("x", 2), ("y", 1), ("z", 2)]]
    assert shared_metaphases({key: m for key, m in metaphases.items() if key[0] != "y"}, copies) == []
