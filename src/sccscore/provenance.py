"""Whether a crop was cut from an image, by its pixels: for crops that no ``sources.csv`` names.

Leave one spread out must not train on crops of the spread it scores. Crops that ``detect``
cut, or that a ``sources.csv`` names, are known; crops a lab cut by hand and saved without
a table are not. Cut and saved losslessly (PNG, TIFF), their pixels are the image's own,
bit for bit, wherever they were not painted white: every 8 x 8 window of stained pixels is
found in the image, and in no other (a camera's noise makes each its own). A crop is said to
be cut from an image where most such windows are, in any of its 8 turns and mirror images.
A crop saved as JPEG, resized, turned by another angle or contrast-stretched has other
pixels, and is not found: this finds copies, it does not guess.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .errors import ImageReadError
from .images import channel_mean, read_image

PATCH = 8  # px a side of the windows compared
MIN_WINDOWS = 3  # a crop with fewer windows of stained, unpainted pixels is not judged
FOUND_SHARE = 0.5  # of its windows found in the image, for a crop to be cut from it
WINDOWS_KEPT = 64  # of a crop's windows, compared
_ROW, _COLUMN = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)  # odd: no bit of a pixel is lost


def window_hashes(rgb: np.ndarray) -> np.ndarray:
    """A 64-bit hash of every ``PATCH`` x ``PATCH`` window of an RGB ``uint8`` image: (height - 7, width - 7).

    A polynomial hash of the pixels modulo 2**64, row by row, then column by column: two windows of the same
    pixels hash alike, and two of different pixels almost never do.

    Examples
    --------
    >>> image = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    >>> hashes = window_hashes(image)
    >>> hashes.shape, bool(hashes[5, 7] == window_hashes(image[5:13, 7:15])[0, 0])
    ((13, 23), True)
    >>> len(np.unique(hashes)) == hashes.size
    True
    """
    values = rgb[..., 0].astype(np.uint64)  # channel by channel and in place: 8 bytes a pixel at a time, not 24
    values |= rgb[..., 1].astype(np.uint64) << np.uint64(8)
    values |= rgb[..., 2].astype(np.uint64) << np.uint64(16)
    rows = np.zeros((values.shape[0], values.shape[1] - PATCH + 1), np.uint64)
    for k in range(PATCH):  # numpy's unsigned arithmetic wraps, as the hash wants
        rows *= _ROW
        rows += values[:, k : k + rows.shape[1]]
    windows = np.zeros((rows.shape[0] - PATCH + 1, rows.shape[1]), np.uint64)
    for k in range(PATCH):
        windows *= _COLUMN
        windows += rows[k : k + windows.shape[0]]
    return windows


def image_windows(path: Path) -> np.ndarray:
    """The sorted hashes of every window of an image (:func:`window_hashes`), 8 bytes a pixel: read once for all
    the crops to look for in it (:func:`cut_from`), and not kept after. Empty where it cannot be read."""
    try:
        hashes = window_hashes(read_image(path)).ravel()
    except ImageReadError:
        return np.empty(0, np.uint64)
    hashes.sort()  # in place: a sorted copy would double the memory
    return hashes


@functools.lru_cache(maxsize=4096)  # each fold asks again of the same crops
def crop_windows(path: Path) -> tuple[np.ndarray, ...]:
    """The hashes of a crop's windows of stained, unpainted, not flat pixels, in each of its 8 turns and mirror
    images (a hand may have turned it upright); none where it cannot be read or has too few."""
    try:
        rgb = read_image(path)
    except ImageReadError:
        return ()
    if min(rgb.shape[:2]) < PATCH:
        return ()
    # a window's grid turns as the image does, and what makes it worth comparing does not change
    return tuple(_spaced(window_hashes(np.ascontiguousarray(view))[judged])
                 for view, judged in zip(_turns(rgb), _turns(_judged(rgb))))


def _spaced(hashes: np.ndarray) -> np.ndarray:
    """At most :data:`WINDOWS_KEPT` of a crop's windows, evenly spaced: a crop's thousands say no more, and a
    thousand crops' would fill memory."""
    return hashes[np.linspace(0, len(hashes) - 1, min(len(hashes), WINDOWS_KEPT)).astype(int)]


def _turns(array: np.ndarray) -> list[np.ndarray]:
    """The 8 turns and mirror images of an image (or of its grid of windows), the first as it is."""
    return [view for turned in (array, array.swapaxes(0, 1)) for view in
            (turned, turned[::-1], turned[:, ::-1], turned[::-1, ::-1])]


def _judged(rgb: np.ndarray) -> np.ndarray:
    """The windows worth comparing: no painted-white pixel (the crop's own, not the image's), some stain (darker
    than the crop's median), and not flat (a flat window may recur anywhere)."""
    grey = channel_mean(rgb)
    painted = _window_sums((rgb == 255).all(axis=2)) > 0
    stained = _window_sums(grey < np.median(grey)) > 0
    variance = _window_sums(grey**2) / PATCH**2 - (_window_sums(grey) / PATCH**2) ** 2
    return ~painted & stained & (variance > 2**2)


def _window_sums(values: np.ndarray) -> np.ndarray:
    """The sum of every ``PATCH`` x ``PATCH`` window, from the image's running sums."""
    sums = np.pad(np.asarray(values, float).cumsum(axis=0).cumsum(axis=1), ((1, 0), (1, 0)))
    return sums[PATCH:, PATCH:] - sums[:-PATCH, PATCH:] - sums[PATCH:, :-PATCH] + sums[:-PATCH, :-PATCH]


def cut_from(crop: Path, in_image: np.ndarray) -> bool:
    """Whether ``crop`` was cut from the image whose windows are ``in_image`` (:func:`image_windows`), as the module
    says: most of its judged windows, in one of its turns, are the image's, and at least :data:`MIN_WINDOWS` of
    them."""
    views = crop_windows(crop)
    if not views or len(views[0]) < MIN_WINDOWS or not len(in_image):
        return False
    return any(_found(view, in_image).mean() >= FOUND_SHARE for view in views)


def _found(hashes: np.ndarray, sorted_hashes: np.ndarray) -> np.ndarray:
    """Which ``hashes`` are among the ``sorted_hashes`` (a binary search each: np.isin would sort them again)."""
    at = np.minimum(np.searchsorted(sorted_hashes, hashes), len(sorted_hashes) - 1)
    return sorted_hashes[at] == hashes
