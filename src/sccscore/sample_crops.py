"""What is true of a sample's crops, read from some of them: whether they are grey, colour or both, whether
their files or pixels keep the colour at half resolution (a JPEG's chroma subsampling), whether they have a white
around their chromosomes (raw crops have none), and how much it varies from pixel to pixel.

A sample of thousands of crops is read by up to :data:`COLOUR_CROPS` spread through it
(:func:`spread_through`), and each crop's answer is remembered by its file
(:func:`remembered_by_file`), so that the checks that classify, compare and the report
make of one sample read each crop once; and the pixels of the crops last read are
kept a while (:data:`DECODED_BYTES`), so that the checks of one crop (its framing, its
white) decode it once. :mod:`sccscore.framing` reads a sample's framing so too;
:mod:`sccscore.sample_cautions` says what the answers mean for a comparison.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image, JpegImagePlugin, UnidentifiedImageError
from scipy import ndimage

from .errors import ImageReadError
from .images import is_grey, read_crop
from .preprocess import as_read

# crops read a sample for its colour, spread through it: grey crops among colour ones (a day's imaging saved in grey,
# pooled with the others) are found wherever they lie together as a fortieth of the sample or more
COLOUR_CROPS = 40
# a pixel this bright or more in every channel is the white the paper's preprocessing makes around a chromosome
NEAR_WHITE = 250
# a crop with this share of its pixels near white or more has a white around its chromosome, as the paper's
# preprocessing makes it: the paper's crops have 0.36 or more (0.45 shrunk to 16 px a side), the raw crops of the
# annotated spreads none, and those crops preprocessed 0.205 or more (benchmarks/raw_crops.py). A share, not the
# 100 pixels white_texture needs: a fifth of the paper's crops shrunk to 24 px a side have fewer
WHITE_AROUND = 0.1
# crops read a sample for that white's texture, spread through it. Medians of few are noisy: drawn at random (2,000
# pairs), the paper's WT and CTF18-/- crops' medians lay up to 1.52 times apart from 40 crops each, 1.35 from 100 and
# 1.24 from 400 (99th percentiles; 1.15 apart by all their crops: benchmarks/white_texture.py)
TEXTURE_CROPS = 400
# JPEG's chroma (Cb and Cr) of RGB: a crop's colour, read as a JPEG encoder reads it
CHROMA = np.array([[-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])
# the mean squared difference, in grey levels squared, between a crop's chroma and the nearest chroma kept at half
# resolution and brought back as JPEG decoders bring it (libjpeg's "fancy" upsampling, which Pillow, OpenCV and
# ImageJ use), below which a crop's pixels keep its colour at half resolution: the paper's 858 crops of 4:2:0 read
# 0.22-0.70 and its 48 of 4:4:4 9.8-69; the 242 crops detect cuts from the four annotated spreads (PNG) 2.1-138, 3
# of them under 4 and a hundredth under 10, and saved as JPEG 4:2:0 at quality 95 or 75, 0.17-1.44
# (benchmarks/chroma_from_pixels.py); a sample's crops are read so by the most of them (halved_crops)
HALVED_CHROMA = 4.0
# the chroma is read over at most this many px a side of a crop (from its top left corner, which keeps the pairs of
# pixels a JPEG halves the colour over), and from pixels no channel clips, at least this many
CHROMA_SIDE, CHROMA_PIXELS = 192, 100
Found = TypeVar("Found")  # what remembered_by_file remembers of a crop
_FORGETTERS: list[Callable[[], None]] = []  # each remembered_by_file function's cache_clear (forget_crops)
# the pixels of the crops last decoded for a check are kept up to this many bytes, for the next check of the same
# crop: classify reads each sample's framing from up to 400 crops, then its white from the same 400 (a paper crop
# is about 18 KB: the two samples of the shared crops take 15 MB)
DECODED_BYTES = 32 * 2**20
_decoded: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()  # (path, size, time of change) -> pixels
_decoded_bytes = 0  # of the pixels in _decoded


def spread_through(paths: Sequence[Any], most: int) -> list[Any]:
    """Up to ``most`` of ``paths``, spread evenly through them, the first and last among them: a sample's crops as
    its checks read them, where reading all would take long.

    >>> spread_through(list("abcdefghij"), 4), spread_through(list("ab"), 4)
    (['a', 'd', 'g', 'j'], ['a', 'b'])
    """
    return [paths[int(i)] for i in np.unique(np.linspace(0, len(paths) - 1, min(most, len(paths))).round())]


def remembered_by_file(work: Callable[[np.ndarray], Found]) -> Callable[[str | Path], Found | None]:
    """``work`` of the crop in a file (given its path), None where it cannot be read (said where it is classified);
    remembered by the file's path, size and time of change, so that a file changed since is read again. A
    ``compare`` of folders checks each sample's crops three times (classify's cautions, compare's and the
    report's), and reads each once. The function returned forgets all with ``cache_clear()``."""

    @lru_cache(maxsize=16384)  # of small results: 16,384 crops hold a few MB
    def remembered(path: str, size: int, modified: int) -> Found | None:  # the size and time of change: the key alone
        try:
            return work(_pixels(path, size, modified))
        except ImageReadError:
            return None

    def of_file(path: str | Path) -> Found | None:
        try:
            found = os.stat(path)
        except OSError:
            return None
        return remembered(os.path.abspath(path), found.st_size, found.st_mtime_ns)

    of_file.cache_clear = remembered.cache_clear  # type: ignore[attr-defined]
    _FORGETTERS.append(remembered.cache_clear)
    return of_file


def _pixels(path: str, size: int, modified: int) -> np.ndarray:
    """The crop in a file, decoded once for all the checks that read it in turn (on one thread, as classify, compare
    and the report check crops): kept among the last decoded, up to :data:`DECODED_BYTES` together, the oldest let
    go first."""
    global _decoded_bytes
    key = (path, size, modified)
    if (rgb := _decoded.get(key)) is not None:
        _decoded.move_to_end(key)
        return rgb
    rgb = read_crop(path)
    _decoded[key], _decoded_bytes = rgb, _decoded_bytes + rgb.nbytes
    while _decoded_bytes > DECODED_BYTES:  # this crop's own pixels too, where they alone are more (a whole spread)
        _decoded_bytes -= _decoded.popitem(last=False)[1].nbytes
    return rgb


def forget_crops() -> None:
    """Forget all that every check remembered of crops' files (:func:`remembered_by_file`) and the pixels kept: a run
    in this process then reads them as a new one would, as a benchmark's rounds must."""
    global _decoded_bytes
    for forget in _FORGETTERS:
        forget()
    _decoded.clear()
    _decoded_bytes = 0


file_grey = remembered_by_file(is_grey)  # whether the crop in a file is grey, None where it cannot be read


def crop_greys(paths: Sequence[str | Path], most: int = COLOUR_CROPS) -> list[bool]:
    """Whether each of up to ``most`` crops spread through ``paths`` (:func:`spread_through`) is grey
    (:func:`~sccscore.images.is_grey`), of those that can be read (those that cannot are said where they are
    classified)."""
    return [grey for grey in map(file_grey, spread_through(paths, most)) if grey is not None]


def colour_of(greys: Sequence[bool]) -> str | None:
    """"grey", "colour", or "grey and colour" where some of the crops read (``greys``: :func:`crop_greys`) are grey
    and others not; None where none was read.

    >>> colour_of([True, True]), colour_of([False]), colour_of([True, False]), colour_of([])
    ('grey', 'colour', 'grey and colour', None)
    """
    return None if not greys else "grey" if all(greys) else "colour" if not any(greys) else "grey and colour"


def crop_colour(paths: Sequence[str | Path], most: int = COLOUR_CROPS) -> str | None:
    """The colour of a sample's or a labelled folder's crops, by up to ``most`` spread through them
    (:func:`colour_of`): "grey", "colour", "grey and colour", or None where none can be read."""
    return colour_of(crop_greys(paths, most))


def grey_samples(crops: Mapping[str, Sequence[str | Path]]) -> list[str]:
    """The samples (of ``crops``: sample -> its crops) whose crops are grey (:func:`crop_colour`)."""
    return [sample for sample, paths in crops.items() if crop_colour(paths) == "grey"]


def mixed_samples(crops: Mapping[str, Sequence[str | Path]]) -> dict[str, tuple[int, int]]:
    """The samples (of ``crops``: sample -> its crops) of grey crops and colour ones ("grey and colour":
    :func:`colour_of`), each with the grey crops among those read (:func:`crop_greys`) and the crops read."""
    greys = {sample: crop_greys(paths) for sample, paths in crops.items()}
    return {sample: (sum(read), len(read)) for sample, read in greys.items() if colour_of(read) == "grey and colour"}


def colour_halved(path: str | Path) -> bool | None:
    """Whether a crop keeps its colour at a lower resolution than its brightness: a colour JPEG saved with chroma
    subsampling (4:2:0, as most of the paper's crops were, and as Pillow, most cameras and programs save JPEG by
    default; or 4:2:2), by its header; or a PNG, TIFF, BMP or JPEG of 4:4:4 whose pixels were so once (saved as JPEG
    4:2:0, then again otherwise: :func:`chroma_halved`; only where the crop was made white around its chromosome).
    False for a colour crop whose colour is whole, or whose pixels cannot say; None for a grey one, or one that cannot
    be opened.

    >>> import io
    >>> rgb = np.full((64, 64, 3), 255, np.uint8)  # a chromosome's colour, noisy, on the white around it
    >>> rgb[8:56, 12:52] = np.random.default_rng(0).integers(60, 200, (48, 40, 3))
    >>> def saved(pixels, **options):
    ...     buffer = io.BytesIO()
    ...     Image.fromarray(pixels).save(buffer, **options)
    ...     return buffer
    >>> as_jpeg = np.asarray(Image.open(saved(rgb, format="JPEG", quality=95)))
    >>> [colour_halved(saved(rgb, format="JPEG")), colour_halved(saved(rgb, format="JPEG", subsampling=0)),
    ...  colour_halved(saved(rgb, format="PNG")), colour_halved(saved(as_jpeg, format="PNG")),
    ...  colour_halved(io.BytesIO(b"not an image"))]
    [True, False, False, True, None]
    >>> import struct, zlib  # a PNG whose header says 100,000 px a side: Pillow refuses it before reading a pixel
    >>> def chunk(kind, data):
    ...     return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    >>> header = struct.pack(">IIBBBBB", 10**5, 10**5, 8, 2, 0, 0, 0)
    >>> huge = bytes.fromhex("89504e470d0a1a0a") + chunk(b"IHDR", header) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")
    >>> colour_halved(io.BytesIO(huge)) is None
    True
    """
    try:
        with Image.open(path) as image:
            if image.mode in ("1", "L", "LA", "I", "I;16", "F"):
                return None
            if isinstance(image, JpegImagePlugin.JpegImageFile) and JpegImagePlugin.get_sampling(image) != 0:
                return True
            if not isinstance(path, (str, Path)):  # a file in memory (the examples above): read here, not remembered
                image.load()
                return bool(chroma_halved(np.asarray(image.convert("RGB"))))
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):  # as header_pixels
        return None
    return bool(file_chroma_halved(path))  # where the pixels cannot say, the header's answer: whole


def chroma_halved(rgb: np.ndarray) -> bool | None:
    """Whether a colour crop's pixels keep its colour at half resolution, as a JPEG of 4:2:0 decoded keeps it, even
    where the crop was saved again as PNG or TIFF since: its :func:`chroma_distance` is under :data:`HALVED_CHROMA`.
    A crop's colour whole reads far from it, its camera's noise in each pixel's colour. None where no distance is
    read."""
    distance = chroma_distance(rgb)
    return None if distance is None else distance < HALVED_CHROMA


def chroma_distance(rgb: np.ndarray) -> float | None:
    """The mean squared difference, in grey levels squared, between a colour crop's chroma (:data:`CHROMA`) and the
    nearest chroma kept at half resolution and brought back as JPEG decoders bring it, over up to
    :data:`CHROMA_SIDE` px a side, on the pixels no channel clips; None for a grey crop, one with fewer than
    :data:`CHROMA_PIXELS` such pixels, or one not made white around its chromosome (under :data:`WHITE_AROUND` of its
    pixels near white): a raw crop's colour is too faint to read so. The annotated spreads' raw chromosomes read
    0.17-0.35, as near as halved colour, where the paper's preprocessing, which stretches each channel, leaves
    2.1-138 (:data:`HALVED_CHROMA`)."""
    window = rgb[:CHROMA_SIDE, :CHROMA_SIDE]
    if (is_grey(rgb) or np.count_nonzero(unclipped(window)) < CHROMA_PIXELS or min(window.shape[:2]) < 4
            or near_white(rgb).mean() < WHITE_AROUND):
        return None
    return distance_from_halved(window)


def unclipped(rgb: np.ndarray) -> np.ndarray:
    """The pixels no channel clips, dark or white: every channel over 5 and under :data:`NEAR_WHITE`."""
    return ((rgb > 5) & (rgb < NEAR_WHITE)).all(axis=2)


def distance_from_halved(rgb: np.ndarray) -> float:
    """:func:`chroma_distance` of any colour image, white around or not, on its :func:`unclipped` pixels."""
    usable = unclipped(rgb)
    planes = [rgb.astype(np.float64) @ weights for weights in CHROMA]
    height, width = usable.shape
    return min(sum(float(np.mean((plane - down @ plane @ across.T)[usable] ** 2)) for plane in planes)
               for down in _halved_and_back(height) for across in _halved_and_back(width))


@lru_cache(maxsize=64)
def _halved_and_back(length: int) -> tuple[np.ndarray, np.ndarray]:
    """The projections onto what a line of ``length`` pixels can be when kept at half resolution and brought back by
    libjpeg's fancy upsampling (each pixel 3/4 its own half-resolution sample and 1/4 its next nearest), for the
    image starting on either pixel of a pair."""
    projections = []
    for start in (0, 1):
        samples = (length + start + 1) // 2
        upsampling = np.zeros((2 * samples, samples))
        for k in range(samples):  # at the ends, the sample itself stands in for the neighbour it lacks
            upsampling[2 * k, k] += 0.75
            upsampling[2 * k, max(k - 1, 0)] += 0.25
            upsampling[2 * k + 1, k] += 0.75
            upsampling[2 * k + 1, min(k + 1, samples - 1)] += 0.25
        upsampling = upsampling[start : start + length]
        projections.append(upsampling @ np.linalg.pinv(upsampling))
    return projections[0], projections[1]


file_chroma_halved = remembered_by_file(chroma_halved)  # chroma_halved of the crop in a file, None where unreadable


def halved_crops(paths: Sequence[str | Path], most: int = COLOUR_CROPS) -> tuple[int, int]:
    """Of up to ``most`` crops spread through ``paths``, those whose colour is kept at half resolution
    (:func:`colour_halved`), and those of colour read."""
    halved = [h for h in map(colour_halved, spread_through(paths, most)) if h is not None]
    return sum(halved), len(halved)


def near_white(rgb: np.ndarray) -> np.ndarray:
    """The pixels :data:`NEAR_WHITE` or brighter in every channel: ``(rgb >= NEAR_WHITE).all(axis=2)``, channel by
    channel, as numpy's reduction over an axis of three is slow, and the checks ask it of 400 crops a sample twice.

    >>> near_white(np.array([[[255, 250, 252], [255, 200, 255]]], np.uint8)).tolist()
    [[True, False]]
    """
    return (rgb[..., 0] >= NEAR_WHITE) & (rgb[..., 1] >= NEAR_WHITE) & (rgb[..., 2] >= NEAR_WHITE)


def white_texture(rgb: np.ndarray) -> float | None:
    """How much the near-white around a crop's chromosome varies from pixel to pixel: the mean absolute Laplacian of
    its green, in grey levels, over the pixels :data:`NEAR_WHITE` or brighter in every channel whose four neighbours
    are too; None where fewer than 100 are (a crop not made white around its chromosome).

    No eye sees it, and models type by it (:data:`sccscore.evaluate.BACKGROUND_TEXTURE`). The paper's WT crops read
    0.75 (median), its CTF18-/- crops 0.85; the same with noise of half a grey level added to those pixels 1.69,
    painted flat white 0, saved again as JPEG of quality 50 with the colour halved 0.52.

    >>> flat = np.full((20, 20, 3), 255, np.uint8)
    >>> grainy = flat - np.indices((20, 20)).sum(axis=0)[..., None].astype(np.uint8) % 2  # 255 and 254 in turn
    >>> white_texture(flat), white_texture(grainy), white_texture(flat // 2)
    (0.0, 4.0, None)
    """
    white = ndimage.binary_erosion(near_white(rgb))
    if np.count_nonzero(white) < 100:
        return None
    return float(np.abs(ndimage.laplace(rgb[..., 1].astype(np.float32)))[white].mean())


def _white_as_read(grey: bool, preprocess: str) -> Callable[[np.ndarray], tuple[float, float]]:
    """:func:`white_texture` of a crop as a model reads it (:func:`sccscore.preprocess.as_read`), NaN where it has too
    little white to read it (so that the file's None keeps meaning that it could not be read), and the share of its
    pixels :data:`NEAR_WHITE` or brighter in every channel."""
    def read(rgb: np.ndarray) -> tuple[float, float]:
        seen = as_read(rgb, grey, preprocess)
        texture = white_texture(seen)
        return np.nan if texture is None else texture, float(near_white(seen).mean())
    return read


# each crop's white (_white_as_read) as each kind of model reads it, (in grey, preprocess) -> remembered by its file
# (remembered_by_file)
file_white = {(grey, preprocess): remembered_by_file(_white_as_read(grey, preprocess))
              for grey in (False, True) for preprocess in ("none", "paper")}


def sample_white_texture(paths: Sequence[str | Path], preprocess: str | None = None, grey: bool = False,
                         most: int = TEXTURE_CROPS) -> tuple[float, int] | None:
    """The median :func:`white_texture` of up to ``most`` crops spread through a sample's, as a model read them,
    and how many had a near-white background; None where none had. As read: in grey where the model reads every crop
    in grey (``grey``: the luminance's rounding to whole levels makes the white of the paper's colour crops read 1.5
    times as grainy as their green), after the paper's preprocessing where it applies it (``preprocess`` "paper")."""
    read = file_white[grey, preprocess or "none"]
    textures = [white[0] for white in map(read, spread_through(paths, most))
                if white is not None and not np.isnan(white[0])]  # read, and with enough white to read its texture
    return (float(np.median(textures)), len(textures)) if len(textures) else None


def white_around(path: str | Path, preprocess: str | None = None, grey: bool = False) -> bool | None:
    """Whether a crop has a white around the chromosome as a model reads it (:data:`WHITE_AROUND` of its pixels or
    more near white), as the paper's preprocessing leaves one and a raw crop, its background as imaged, has none; None
    where it cannot be read. Read with its texture, and remembered with it (:data:`file_white`)."""
    white = file_white[grey, preprocess or "none"](path)
    return None if white is None else white[1] >= WHITE_AROUND


def sample_white_around(paths: Sequence[str | Path], preprocess: str | None = None, grey: bool = False,
                        most: int = TEXTURE_CROPS) -> tuple[int, int]:
    """Of up to ``most`` crops spread through a sample's, as a model reads them (:func:`sample_white_texture`), those
    with a white around the chromosome (:func:`white_around`), and those read."""
    read = [around for around in (white_around(path, preprocess, grey) for path in spread_through(paths, most))
            if around is not None]
    return sum(read), len(read)


def texture_record(read: tuple[float, int] | None) -> dict[str, float] | None:
    """A sample's :func:`sample_white_texture` as a JSON file keeps it, rounded (None where no crop had a white).

    >>> texture_record((0.72763, 400)), texture_record(None)
    ({'texture': 0.728, 'crops_read': 400}, None)
    """
    return read and {"texture": round(read[0], 3), "crops_read": read[1]}
