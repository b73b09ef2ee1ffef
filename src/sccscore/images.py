"""Reading chromosome crops and the folders that hold them.

Every image, whatever its format (JPEG, PNG, TIFF, BMP), bit depth (8 or 16) or
channels (grey, RGB, with alpha, palette), is turned into one thing: an RGB
``uint8`` array. Integer data wider than 8 bits are scaled from the smallest
camera depth (8, 10, 12, 14 or 16 bits) that holds their brightest pixel: a
16-bit export of an 8-bit crop reads back as the same crop, and a 12-bit camera
image stored in 16 bits keeps its range instead of reading 16 times too dark.
Floating-point data lie in [0, 1] where they fit, else are read as integers are
(ImageJ's 32-bit images keep the camera's values). Alpha, and a float image's
NaN pixels, are white, the background of a Giemsa bright-field image. A 1-bit
image is refused: the stain's shades are gone.
"""

from __future__ import annotations

import os
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from .errors import ImageReadError, SccscoreError
from .sample_data import sha256_or_none

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"})
# microscopes' own formats (Zeiss, Nikon, Leica, Olympus, Imaris, DeltaVision): stacks with metadata that Pillow and
# tifffile do not read; Fiji (Bio-Formats) exports them
MICROSCOPE_SUFFIXES = frozenset({".czi", ".zvi", ".nd2", ".lif", ".oib", ".oif", ".oir", ".vsi", ".ims", ".dv"})
# what Windows keeps in a folder of pictures (thumbnails, the folder's view): passed over as hidden files are (macOS's
# .DS_Store and ._ files), not listed as files that could not be read
SYSTEM_FILES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini"})
CLASS_NAMES = ("A", "B", "C")

_LABEL_PATTERN = re.compile(r"^(?:type)?[\s_-]*([abc])$", re.IGNORECASE)
# Refuse images whose decoded size would exhaust memory (a crop is ~100 px a side).
_MAX_PIXELS = 20_000 * 20_000
# A chromosome's crop is at most a few hundred pixels a side (the Ikemoto crops 34-194 px, those
# cut from the oshima2026 spreads up to 149 px, so past this only at --scale 6.7); a microscope's
# whole field is over a thousand.
MAX_CROP_SIDE = 1000
# ... and at least a few: the smallest cut from the oshima2026 spreads is 20 px on its shorter side, the
# Ikemoto crops 34. Under this, or one colour throughout, there is no chromosome to type (a thumbnail, an icon).
MIN_CROP_SIDE = 8
# An image between these sides is counted for separate dark objects: the Ikemoto crops hold at most 6
# (Otsu's threshold, objects of 20 px or more), those cut from spreads at most 4, and a whole spread
# shrunk to 640 x 480 (an older camera) 50 or more; 320 x 240, 40 or more.
COUNTED_CROP_SIDE, MAX_CROP_OBJECTS = 256, 20  # measured with images._dark_objects, 2026-12-01
# Objects whose brightest 1% lie more than this many grey levels above their background, and more than twice as far
# above it as their darkest 1% lie below, are bright on a dark background: a fluorescence or inverted image. The four
# annotated spreads' brightest 1% lie 3-9 levels above their median, their darkest 57-65 below; the Ikemoto crops'
# borders lie within 1% of their range from their brightest, the tight boxes of the spreads' chromosomes 44% or more.
BRIGHT_OBJECTS = 10
# An image is grey (a monochrome camera's, or saved in grey) where fewer than this share of its pixels have channels
# more than GREY_LEVELS apart: every one of the Ikemoto colour crops has 14% or more such pixels (its background is
# tinted too), a grey image none, a grey JPEG none.
GREY_SHARE, GREY_LEVELS = 0.01, 8
# why an image of bright objects on a dark background is refused
READS_BRIGHT_FIELD = ("sccscore reads bright-field images, chromosomes stained dark on a bright background, as Giemsa "
                      "stains them")
_EXIF_ORIENTATION = 0x0112  # how the camera was held: 1 as stored, 3, 6, 8 turned, 2, 4, 5, 7 mirrored
# what turns the stored pixels (rows, columns, channels) into what viewers show, as Pillow's exif_transpose does
_EXIF_TURNS = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, 2).transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}


@dataclass(frozen=True)
class ImageItem:
    """One image file of a sample, with its reference label if the folder has one.

    ``name`` is its path within the sample's folder (``slide1/field.png``), so that
    two images of one name in different sub-folders stay apart; its file name where
    it was named alone.
    """

    path: Path
    sample: str
    label: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", Path(self.path).name)

    @property
    def stem(self) -> str:
        """Its name without the file type (``slide1/field``): a spread's crop folder, cells and label file."""
        return image_stem(self.name)


def image_stem(name: str) -> str:
    """An image's name within its sample, without the file type (``slide1/field``)."""
    return PurePosixPath(name).with_suffix("").as_posix()


@dataclass(frozen=True)
class Rejected:
    """A file that was not scored, and why."""

    path: Path
    sample: str
    reason: str


def fail_on_rejected(rejected: list[Rejected] | tuple[Rejected, ...]) -> None:
    """Raise for the first rejected file: what ``--strict`` asks for."""
    if rejected:
        raise SccscoreError(f"{rejected[0].path}: {rejected[0].reason} (--strict)")


@dataclass(frozen=True)
class Sample:
    """The images of one folder given on the command line."""

    name: str
    folder: Path
    items: tuple[ImageItem, ...]
    rejected: tuple[Rejected, ...]

    @property
    def labelled(self) -> bool:
        return any(item.label is not None for item in self.items)


def label_from_folder_name(name: str) -> str | None:
    """Return the class ('A', 'B' or 'C') a folder name stands for, or None.

    Examples
    --------
    >>> [label_from_folder_name(n) for n in ("a", "B", "typeC", "type_a", "cells")]
    ['A', 'B', 'C', 'A', None]
    """
    match = _LABEL_PATTERN.match(name.strip())
    return match.group(1).upper() if match else None


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as an RGB ``uint8`` array of shape (height, width, 3).

    Turned as its EXIF orientation says, as viewers and labelling tools show it.

    Raises
    ------
    ImageReadError
        If the file is missing, is not an image, is truncated or corrupt, or is
        too large to decode safely. The message names the file.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "crop.png"
    ...     Image.fromarray(np.full((5, 7), 200, np.uint8)).save(path)
    ...     read_image(path).shape
    (5, 7, 3)
    """
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(path, "no such file")
    if path.stat().st_size == 0:  # else "cannot identify its format", as if it were another kind of file
        raise ImageReadError(path, "an empty file (0 bytes): a copy or download that did not finish? copy it again")
    try:
        with Image.open(path) as image:
            if image.width * image.height > _MAX_PIXELS:
                raise ImageReadError(path, f"image is {image.width} x {image.height} px, too large to read")
            _refuse_a_stack(path, [image.size for _ in ImageSequence.Iterator(image)])
            if image.mode == "1":  # read as it is, dithered or thresholded, it would be scored as a faint spread
                raise ImageReadError(path, "a 1-bit (black and white) image, without the stain's shades of grey that "
                                           "sccscore reads; save the microscope's image as 8- or 16-bit")
            image.seek(0)
            wide = _colour_wider_than_8_bits(image)  # asked first: reading a PNG's EXIF loads it
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
            if wide:  # Pillow would keep only the high byte of each sample
                rgb = _read_png16(path) if image.format == "PNG" else _read_tiff(path)
            else:
                image.load()
                rgb = _to_rgb8(image)
        return _as_displayed(rgb, orientation)
    except ImageReadError:
        raise
    except UnidentifiedImageError:
        if path.suffix.lower() in {".tif", ".tiff"}:
            return _as_displayed(_read_tiff(path), _tiff_orientation(path))
        reason = f"not an image file (cannot identify its format){_export_hint(path.suffix)}"
        raise ImageReadError(path, reason) from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        if path.suffix.lower() in {".tif", ".tiff"}:
            return _as_displayed(_read_tiff(path), _tiff_orientation(path))
        raise ImageReadError(path, f"corrupt or truncated image ({exc})") from None


def read_crop(path: str | Path) -> np.ndarray:
    """:func:`read_image` for one chromosome's crop, refusing a whole spread given as a crop by mistake.

    Raises
    ------
    ImageReadError
        As :func:`read_image`, or if a side is longer than :data:`MAX_CROP_SIDE`, or if an
        image longer than :data:`COUNTED_CROP_SIDE` holds :data:`MAX_CROP_OBJECTS` or more
        separate objects (a whole spread from a camera of few pixels), or if a side is shorter
        than :data:`MIN_CROP_SIDE`, the image is one colour throughout, or its border is darker
        than what it frames (:func:`brighter_than_background`): a fluorescence or inverted crop,
        one turned with black corners, which the models mistype (the released ensemble called 80
        of 104 WT crops turned by 30 degrees so C, 9 turned with white corners), or a piece of
        a chromosome's inside, its border on the stain.
    """
    rgb = read_image(path)
    height, width = rgb.shape[:2]
    if min(height, width) < MIN_CROP_SIDE:
        raise ImageReadError(path, f"{width} x {height} px, too small to show a chromosome (at least {MIN_CROP_SIDE} "
                                   "px a side)")
    if (rgb == rgb[0, 0]).all():
        raise ImageReadError(path, "one colour throughout: no chromosome in it")
    advice = "a whole spread? 'classify --spreads' finds the chromosomes in one"
    if max(height, width) > MAX_CROP_SIDE:
        raise ImageReadError(path, f"{width} x {height} px, too large for one chromosome's crop (at most "
                                   f"{MAX_CROP_SIDE} px a side): {advice}")
    if max(height, width) > COUNTED_CROP_SIDE and (n := _dark_objects(rgb)) >= MAX_CROP_OBJECTS:
        raise ImageReadError(path, f"{width} x {height} px holding {n} separate objects, not one chromosome: {advice}")
    green = rgb[..., 1]  # as the stain is read in spreads
    border = np.concatenate([green[0], green[-1], green[:, 0], green[:, -1]])
    if bright := brighter_than_background(green, np.median(border)):
        raise ImageReadError(path, f"its border is darker than what it frames (the brightest 1% of pixels "
                                   f"{bright[0]:.0f} grey levels above the border's median, the darkest 1% "
                                   f"{bright[1]:.0f} below): a fluorescence or inverted crop, one turned or "
                                   "padded with black corners, or one cut inside its chromosome? "
                                   f"{READS_BRIGHT_FIELD}; "
                                   "fill a turned crop's corners with white, as its background, and cut a chromosome "
                                   "whole, with its background around it")
    return rgb


def brighter_than_background(green: np.ndarray, background: float) -> tuple[float, float] | None:
    """How far the brightest 1% of ``green`` lie above ``background`` and the darkest 1% below it, where that makes
    them bright objects on a dark background (:data:`BRIGHT_OBJECTS`); None where the objects are dark.

    Examples
    --------
    >>> stained = np.array([255] * 98 + [40, 40])  # a chromosome's dark pixels on white
    >>> brighter_than_background(stained, 255) is None
    True
    >>> brighter_than_background(255 - stained, 0)  # the same, inverted
    (215.0, 0.0)
    """
    darkest, brightest = np.percentile(green, (1, 99))
    above, below = float(brightest - background), float(background - darkest)
    return (above, below) if above > BRIGHT_OBJECTS and above > 2 * below else None


def _dark_objects(rgb: np.ndarray, min_area: int = 20) -> int:
    """How many separate objects of ``min_area`` px or more lie darker than Otsu's threshold of the grey image."""
    from skimage.filters import threshold_otsu
    from skimage.measure import label

    grey = channel_mean(rgb)
    if grey.max() == grey.min():
        return 0
    areas = np.bincount(label(grey < threshold_otsu(grey)).ravel())[1:]
    return int((areas >= min_area).sum())


def _as_displayed(rgb: np.ndarray, orientation: int) -> np.ndarray:
    """An image as viewers show it, turned (and mirrored) as its EXIF orientation (1-8) says.

    Boxes drawn on a spread in a labelling tool refer to what the tool showed.

    >>> _as_displayed(np.arange(6).reshape(2, 3, 1), 6)[..., 0].tolist()  # turned a quarter clockwise
    [[3, 0], [4, 1], [5, 2]]
    """
    turned = _EXIF_TURNS.get(orientation)  # 1, or a value no camera writes: as stored
    return rgb if turned is None else np.ascontiguousarray(turned(rgb))


JPEG_FORMATS = {"JPEG", "MPO"}  # MPO: a camera's JPEG with a second image inside


def file_format(path: str | Path) -> str:
    """An image file's format as Pillow names it from the file's header (JPEG, PNG, TIFF, ...), whatever its name
    says; "" for a file that cannot be read as an image.

    >>> import tempfile, numpy as np
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "named as a PNG.png"
    ...     Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(path, format="JPEG")
    ...     file_format(path), is_jpeg(path)
    ('JPEG', True)
    """
    try:
        with Image.open(path) as image:
            return image.format or ""
    except (OSError, ValueError, UnidentifiedImageError):
        return ""


def header_pixels(path: str | Path) -> int | None:
    """An image file's width times height as its header gives them, without decoding it; None for a file that
    cannot be read as an image.

    >>> import tempfile, numpy as np
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "spread.png"
    ...     Image.fromarray(np.full((30, 40, 3), 200, np.uint8)).save(path)
    ...     header_pixels(path), header_pixels(Path(folder) / "gone.png")
    (1200, None)
    """
    try:
        with Image.open(path) as image:
            return image.width * image.height
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


def is_jpeg(path: str | Path) -> bool:
    """Whether an image file is a JPEG, which as a rule stores its colour at half the resolution of its brightness."""
    return file_format(path) in JPEG_FORMATS


def _colour_wider_than_8_bits(image: Image.Image) -> bool:
    """A colour TIFF or PNG of more than 8 bits per sample, which Pillow decodes to 8 bits by dropping the low byte.

    Asked before the image is loaded: loading clears the PNG's tile, which holds its sample format.
    """
    bits = getattr(image, "tag_v2", {}).get(258, (8,))  # TIFF BitsPerSample
    png_16 = image.format == "PNG" and any(str(tile.args).endswith(";16B") for tile in image.tile)
    return image.mode in {"RGB", "RGBA"} and (max(bits) > 8 or png_16)


def _read_png16(path: Path) -> np.ndarray:
    """A 16-bit colour PNG, through OpenCV (installed with grad-cam), which keeps every bit."""
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # a broken file is named below, not warned of
    array = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)  # fromfile: any path, any OS
    if array is None or array.ndim != 3:
        raise ImageReadError(path, "corrupt or truncated 16-bit PNG")
    channels = cv2.COLOR_BGRA2RGBA if array.shape[-1] == 4 else cv2.COLOR_BGR2RGB
    return _array_to_rgb8(cv2.cvtColor(array, channels))


def _to_rgb8(image: Image.Image) -> np.ndarray:
    if image.mode in {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}:
        return _array_to_rgb8(np.asarray(image))
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    return np.asarray(image.convert("RGB"))


def _array_to_rgb8(array: np.ndarray) -> np.ndarray:
    """Scale a grey or RGB(A) array of any integer or float depth to RGB uint8."""
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"unsupported image array of shape {array.shape}")
    has_alpha = array.shape[-1] in (2, 4)  # grey+alpha or RGBA: composited onto white
    colour = array[..., :-1] if has_alpha else array
    white = _depth_peak(colour)  # read before compositing: onto 16-bit white, 12-bit data would look dark
    if np.issubdtype(colour.dtype, np.floating):
        colour = np.where(np.isfinite(colour), colour, white)  # ImageJ's NaN: no data there, as off a mask
    if has_alpha:
        opacity = array[..., -1:] / _depth_peak(array[..., -1:])
        colour = colour * opacity + white * (1 - opacity)
    scaled = np.clip(colour.astype(np.float64) * (255.0 / white), 0, 255)
    rgb = np.rint(scaled).astype(np.uint8)
    return np.repeat(rgb, 3, axis=-1) if rgb.shape[-1] == 1 else rgb


def _depth_peak(array: np.ndarray) -> float:
    """The white level of the data: the smallest camera depth's peak that holds the brightest value.

    Floating-point data lie in [0, 1] where their brightest value fits, else in a camera's depth as integers do (a
    32-bit ImageJ image holds the camera's values); past 16 bits, the brightest value is white.

    >>> [_depth_peak(np.array([v], np.uint16)) for v in (200, 1000, 4095, 4096, 65535)]
    [255.0, 1023.0, 4095.0, 16383.0, 65535.0]
    >>> [_depth_peak(np.array([v, np.nan], np.float32)) for v in (0.8, 200.0, 4000.0, 1e6)]
    [1.0, 255.0, 4095.0, 1000000.0]
    """
    if np.issubdtype(array.dtype, np.integer) and np.iinfo(array.dtype).max == 255:
        return 255.0
    floating = np.issubdtype(array.dtype, np.floating)
    brightest = float((array[np.isfinite(array)] if floating else array).max(initial=0))
    if floating and brightest <= 1:
        return 1.0
    return next((2.0**bits - 1 for bits in (8, 10, 12, 14, 16) if brightest <= 2**bits - 1), brightest)


def _refuse_a_stack(path: Path, sizes: list) -> None:
    """Refuse a file of several images of one size (a z-stack, a time series, channels saved as pages).

    Which of them to score is the user's choice; reading the first alone would score an
    image nobody chose. Pages of another size than the first (a thumbnail, a pyramid's
    levels) are not images of their own.
    """
    if (same := sizes.count(sizes[0])) > 1:
        raise ImageReadError(path, f"holds {same} images of {' x '.join(map(str, sizes[0]))} px (a stack, a series, or "
                                   "channels saved as pages): sccscore scores one image a file; save the one to score "
                                   "as a file of its own")


def _page_size(shape: tuple[int, ...]) -> tuple[int, int]:
    """(width, height) of a TIFF page of shape (height, width, samples), (samples, height, width) or (height, width)."""
    height, width = shape[:2] if len(shape) == 3 and shape[-1] in (3, 4) else shape[-2:]
    return width, height


def _read_tiff(path: Path) -> np.ndarray:
    """Fallback for TIFFs that Pillow cannot decode, such as 16-bit RGB."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            shapes = [page.shape for page in tiff.pages]
            array = tiff.asarray(key=0)
    except Exception as exc:  # tifffile raises many types for broken files
        raise ImageReadError(path, f"corrupt or unsupported TIFF ({exc})") from None
    _refuse_a_stack(path, [_page_size(shape) for shape in shapes])
    if array.ndim == 3 and array.shape[0] in (3, 4) and array.shape[-1] not in (3, 4):
        array = np.moveaxis(array, 0, -1)  # planar (channels first) layout
    try:
        return _array_to_rgb8(array)
    except ValueError as exc:
        raise ImageReadError(path, str(exc)) from None


def _tiff_orientation(path: Path) -> int:
    """The orientation tag (274, as EXIF's) of a TIFF that Pillow cannot open; 1 (as stored) where there is none."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            tag = tiff.pages[0].tags.get(_EXIF_ORIENTATION)
            return tag.value if tag is not None and isinstance(tag.value, int) else 1
    except Exception:  # already read by _read_tiff; a tag it cannot parse leaves the image as stored
        return 1


def scan_sample(folder: str | Path, name: str | None = None) -> Sample:
    """List the images of one sample folder.

    A folder whose sub-folders are label names (``a``/``b``/``c``, also ``A``,
    ``typeA``, ``type_a``) is labelled; otherwise every image below it belongs to
    the sample unlabelled. Files that are not images are listed as rejected, as are
    images beside a labelled folder's label folders, in none of them.

    Raises
    ------
    SccscoreError
        If the folder does not exist, holds no image, or mixes label folders with
        other folders.
    """
    folder = Path(folder)
    if folder.is_file():  # such as classify wt/*.jpg
        raise SccscoreError(f"{folder}: a file, where a sample folder is wanted (its crops, or a/b/c label folders): "
                            f"give the folder, {folder.parent}")
    if not folder.is_dir():
        raise SccscoreError(f"{folder}: no such folder")
    name = name or folder.resolve().name
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    labels = {d: label_from_folder_name(d.name) for d in subdirs}
    if any(labels.values()):
        unknown = [d.name for d, label in labels.items() if label is None]
        if unknown:
            raise SccscoreError(
                f"{folder / unknown[0]}: unknown label folder '{unknown[0]}' "
                "(expected a, b or c; also A, typeA, type_a)"
            )
        found = [_scan_files(d, name, labels[d], folder) for d in subdirs] + [([], _beside_label_folders(folder, name))]
    else:
        found = [_scan_files(folder, name, None, folder)]
    items = tuple(item for group in found for item in group[0])
    rejected = tuple(r for group in found for r in group[1])
    if not items and not rejected:
        raise SccscoreError(f"{folder}: no images found")
    return Sample(name=name, folder=folder, items=items, rejected=rejected)


def _scan_files(
    folder: Path, sample: str, label: str | None, sample_folder: Path
) -> tuple[list[ImageItem], list[Rejected]]:
    """The images below ``folder`` (the sample's, or one of its label folders), named within ``sample_folder``."""
    items, rejected = [], []
    for path in files_below(folder):
        if path.name.lower() in SYSTEM_FILES or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if not path.exists():  # a link whose file or folder is gone: said, not passed over
            if (target := _link_target(path)) is not None:
                rejected.append(Rejected(path, sample, f"a link to {target}, which does not exist (moved or deleted, "
                                                       "or a share not mounted?)"))
            continue
        if not path.is_file():  # a socket, a pipe
            continue
        if path.suffix.lower() in IMAGE_SUFFIXES:
            items.append(ImageItem(path, sample, label, path.relative_to(sample_folder).as_posix()))
        else:
            rejected.append(Rejected(path, sample, _not_an_image(path.suffix)))
    return items, rejected


def files_below(folder: Path) -> list[Path]:
    """Every file below ``folder``, in order, through the folders linked into it too (a day's images linked in from
    the microscope's share: ``rglob`` passes them over), each real folder once, so that a link back up ends.

    Each file is named by the path it was found at, the links' names kept: a sample's cells are its folders as the lab
    laid them out.
    """
    found, seen = [], set()
    for root, folders, files in os.walk(folder, followlinks=True):
        if (real := os.path.realpath(root)) in seen:
            folders.clear()
            continue
        seen.add(real)
        folders.sort()  # a folder reached by two paths is named by the first in order, whatever the disk's order
        found += [Path(root, name) for name in files]
    return sorted(found)


def _link_target(path: Path) -> str | None:
    """Where a link leads; None where ``path`` is no longer there at all: a file deleted (or moved by the lab's sync)
    between the folder's listing and this check is not there to read, and the scan goes on."""
    try:
        return os.readlink(path)
    except OSError:
        return None


def _beside_label_folders(folder: Path, sample: str) -> list[Rejected]:
    """The images of a labelled folder that lie beside its label folders, in none of them: no type is known for them,
    and a crop left there unsorted would otherwise be passed over without a word. Other files there (notes,
    export-labelled's sources.csv) are passed over, as before."""
    return [Rejected(path, sample, "beside the label folders, in none of them: its type is not known; move it into the "
                                   "folder of its type (a, b or c)")
            for path in sorted(folder.iterdir())
            if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in IMAGE_SUFFIXES]


def _not_an_image(suffix: str) -> str:
    """Why a file is skipped by its extension: what is read, and for a microscope's own format, how to export it."""
    return f"not an image file type ({suffix or 'no extension'}; read: PNG, JPEG, TIFF, BMP){_export_hint(suffix)}"


def _export_hint(suffix: str) -> str:
    if suffix.lower() in MICROSCOPE_SUFFIXES:
        return ": a microscope's own format; export it as TIFF (Fiji: File > Save As > Tiff...)"
    return ""


def scan_samples(folders: list[str | Path]) -> list[Sample]:
    """Scan several sample folders; their names (folder names) must be distinct, in any case: macOS and Windows
    take ``wt`` and ``WT`` for one folder, where each sample's outputs (heatmaps, crops) would mix."""
    samples = [scan_sample(folder) for folder in folders]
    seen: dict[str, Sample] = {}
    for sample in samples:
        if (earlier := seen.get(sample.name.casefold())) is not None:
            if earlier.folder.resolve() == sample.folder.resolve():
                raise SccscoreError(f"{sample.folder}: given twice (as {earlier.folder}); give each sample once")
            if earlier.name == sample.name:
                raise SccscoreError(f"{sample.folder}: sample name '{sample.name}' is already used by {earlier.folder}")
            raise SccscoreError(f"{sample.folder}: sample name '{sample.name}' differs only in case from "
                                f"'{earlier.name}' of {earlier.folder} (macOS and Windows take the two for one "
                                "folder): rename one")
        seen[sample.name.casefold()] = sample
    return samples


def refuse_output_inside(inputs: Sequence[str | Path], out_dir: str | Path) -> None:
    """Refuse an output folder in an input folder: the next run would read the images written there as that sample's."""
    out = Path(out_dir).resolve()
    for folder in map(Path, inputs):
        if folder.is_dir() and (out == folder.resolve() or folder.resolve() in out.parents):
            raise SccscoreError(f"{out_dir}: the output folder lies in the input folder {folder}, so the next run "
                                "would read the images written there (crops, overlays, heatmaps, charts) as images "
                                f"of sample '{sample_name(folder)}'; write it beside the input folder instead")


def sample_name(path: str | Path) -> str:
    """The sample of a path named on a command line: a folder's name, or a file's folder's."""
    path = Path(path).resolve()
    return (path.parent if path.is_file() else path).name


def items_from_paths(paths: Sequence[str | Path]) -> tuple[list[ImageItem], list[Rejected]]:
    """The images named on a command line: files (sample = their folder's name) or sample folders."""
    items: list[ImageItem] = []
    rejected: list[Rejected] = []
    for path in map(Path, paths):
        if path.is_file():
            items.append(ImageItem(path, sample_name(path)))
        else:
            sample = scan_sample(path)
            items += sample.items
            rejected += sample.rejected
    return items, rejected


def repeated_files(paths: Iterable[str | Path]) -> list[list[Path]]:
    """The files given more than once: groups of two or more with the same bytes, in the order given.

    Only files that share their size with another are read, so distinct crops cost a
    look at their size each. An unreadable file is left to the reader that reports it.
    """
    by_size: dict[int, list[Path]] = defaultdict(list)
    for path in map(Path, paths):
        try:
            by_size[path.stat().st_size].append(path)
        except OSError:
            continue
    contents: dict[Path, str | None] = {}
    for same_size in (group for group in by_size.values() if len(group) > 1):
        for path in same_size:
            contents[path] = sha256_or_none(path)
    return copies(contents)


def copies(contents: Mapping[Any, str | None]) -> list[list[Any]]:
    """The paths of equal contents (digests; None for a file not read), two or more a group, in the order given."""
    by_content: dict[str, list[Any]] = defaultdict(list)
    for path, content in contents.items():
        if content:
            by_content[content].append(path)
    return [paths for paths in by_content.values() if len(paths) > 1]


def is_grey(rgb: np.ndarray) -> bool:
    """Whether an RGB image holds grey alone (:data:`GREY_SHARE`): a monochrome camera's, or one saved in grey.

    >>> is_grey(np.full((4, 4, 3), 128, np.uint8)), is_grey(np.array([[[120, 80, 140]]], np.uint8))
    (True, False)
    """
    spread = rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)
    return bool(np.count_nonzero(spread > GREY_LEVELS) < GREY_SHARE * spread.size)


def channel_mean(rgb: np.ndarray) -> np.ndarray:
    """The mean of an RGB image's three channels, as float64: ``rgb.astype(np.float64).mean(axis=2)`` to the last bit,
    six times as fast (numpy's reduction over an axis of three is slow, and the checks of a sample's crops ask for
    it of 400 of them twice).

    >>> rgb = np.array([[[120, 80, 141], [90, 90, 90]]], np.uint8)
    >>> channel_mean(rgb).tolist(), bool((channel_mean(rgb) == rgb.astype(np.float64).mean(axis=2)).all())
    ([[113.66666666666667, 90.0]], True)
    """
    mean = rgb[..., 0].astype(np.float64)
    mean += rgb[..., 1]
    mean += rgb[..., 2]
    mean /= 3
    return mean


def in_grey(rgb: np.ndarray) -> np.ndarray:
    """An RGB image's luminance (Pillow's ``convert("L")``, ITU-R 601) in each of its three channels: a colour crop
    as a model that learned grey ones reads it. A grey image is its own.

    >>> in_grey(np.array([[[120, 80, 140], [90, 90, 90]]], np.uint8)).tolist()
    [[[99, 99, 99], [90, 90, 90]]]
    """
    return np.repeat(np.asarray(Image.fromarray(rgb).convert("L"))[..., None], 3, axis=2)


def grey_copies(folder: str | Path, into: str | Path) -> Path:
    """Copies of the images below ``folder`` in grey, their luminance (Pillow's ``convert("L")``) as PNG, laid out as
    there under ``into``: crops as a monochrome camera might see them, to measure what grey costs a model that
    learned from colour (tools/record_released_figures.py)."""
    folder, into = Path(folder), Path(into)
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            copy = (into / path.relative_to(folder)).with_suffix(".png")
            copy.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(in_grey(read_image(path))[..., 0]).save(copy)
    return into


def how_often(n: int) -> str:
    """The words for ``n`` times: "twice", "3 times"."""
    return "twice" if n == 2 else f"{n} times"


def named_first(names: Sequence[object], most: int) -> str:
    """The first ``most`` of ``names``, and how many more.

    >>> named_first(["a.png", "b.png", "c.png"], 2), named_first(["a.png"], 2)
    ('a.png, b.png and 1 more', 'a.png')
    """
    return ", ".join(map(str, names[:most])) + (f" and {len(names) - most} more" if len(names) > most else "")


def warn_repeated(groups: list[list[Path]], what: str = "chromosome", most: int = 3,
                  labels: Mapping[Path, str | None] | None = None) -> None:
    """Warn of the images given more than once (:func:`repeated_files`, :func:`sccscore.spreads.same_fields`): each
    copy counts as a ``what`` of its own.

    The first ``most`` images are named, each with up to ``most`` of its copies; the rest are counted.
    With ``labels`` (path -> type), an image labelled with two types is said to be, and named first:
    one of the labels is wrong, and the model is scored or trained against both.
    """
    typed = [(group, sorted({labels[path] for path in group if labels.get(path)}) if labels else [])
             for group in groups]
    typed.sort(key=lambda pair: len(pair[1]) < 2)  # the labelling slips first
    groups = [group for group, _ in typed]
    for group, types in typed[:most]:
        named = named_first(group, most)
        clash = f" and labelled {' and '.join(types)}, which cannot both be right" if len(types) > 1 else ""
        warnings.warn(f"the same image is given {how_often(len(group))} ({named}){clash}: each copy counts as a "
                      f"{what} of its own; keep one", stacklevel=3)
    if len(groups) > most:
        warnings.warn(f"{len(groups) - most} more images are given more than once, {sum(map(len, groups[most:]))} "
                      f"copies in all: each counts as a {what} of its own", stacklevel=3)
