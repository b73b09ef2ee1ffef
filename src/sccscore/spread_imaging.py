"""How a spread was imaged, read from its pixels, and what to check where that lies outside the spreads the models
were fitted on.

Detection (:mod:`sccscore.detect`) reads each spread's stain strength, and scales a
slide stained paler or darker than the annotated ones to their strength
(:func:`stain_gain`); how blurred its chromosomes' edges are (:func:`edge_blur`); the
size of its stained objects, and so the ``--scale`` they suggest
(:func:`object_area`); its pixels' noise, how much of its field is white to its
file's limit and how bright its background is. :func:`detection_cautions` turns
those into what to check on a spread's overlay; each bound below says what lying
beyond it cost the annotated spreads held out (``docs/spreads.md``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy import ndimage
from skimage import measure, morphology

if TYPE_CHECKING:
    from .detect import DetectSettings, SpreadDetections

# stain_strength of the four annotated oshima2026 spreads: 0.582 (spread3) to 0.644 (spread5)
STAIN_STRENGTHS = (0.58, 0.65)
# the same strength of the four read in grey: 0.398 (spread3, the channels' plain mean, ImageJ's default) to 0.559
# (spread5, their luminance); a monochrome camera behind a green filter reads as green, up to 0.65
GREY_STAIN_STRENGTHS = (0.40, 0.65)
# at most this factor either way: a field of faint dust and no chromosome must not be darkened into one
MAX_STAIN_GAIN = 1.5
# edge_blur of the four annotated spreads, in px: 1.657 (spread3) to 1.698 (spread2); the same blurred by a Gaussian
# of 0.5 px: 1.71-1.75, of 1 px: 1.88-1.91, of 2 px: 2.35-2.47 (docs/spreads.md, focus). The shipped merge model
# records them too (edge_blurs); this stands in for it in folders fitted before it did
EDGE_BLURS = (1.657, 1.698)
# a spread whose edges are blurred by more than this many px beyond the most blurred of those (added in quadrature,
# as blurs add) is one to check: 1.80 px for the shipped models. Blurred by 1 px, all four are; held out so, they
# gave 46 of their 127 C as B, against 9 as imaged; imaged at half the magnification, 42. Blurred by 0.5 px, none is,
# though held out so they gave 20 as B: that little blur lies within the spreads' own (docs/spreads.md, focus)
EXTRA_BLUR_CAUTION = 0.6
# a spread whose stain lies more than this factor outside those strengths (in grey, the grey ones) is one to check;
# within it, the fixed thresholds alone read the four spreads 10% paler or darker as well as the gain does
# (docs/spreads.md, staining strength)
STAIN_CAUTION = 1.1
# a spread with more than this share of its field at the brightest level its file holds is one to check: its
# background lay beyond what the camera recorded, by an amount no pixel tells. Held out, the four spreads at 2.5 times
# the light (27-74% of their field white) lost 2 chromosomes; at 2.6 times (44-89%) they gave 23 of their 66 B as C, at
# 3 times (78-93%) 48, against 17 as imaged (docs/spreads.md, exposure)
SATURATED_CAUTION = 0.5
# a spread whose background lies below this share of the brightest level its file holds is one to check: its stain is
# read in few grey levels. The four annotated spreads' lies at 0.38-0.40 (96-103 of 255, background_level); held out
# at 0.5, 0.4, 0.3 and 0.2 times their light (0.19-0.20, 0.15-0.16, 0.11-0.12, 0.07-0.08) they read concordance 0.747,
# 0.743, 0.715 and 0.691 against 0.763 as imaged (docs/spreads.md, exposure). In a file of more than 8 bits, a dim
# image is read at the smallest camera depth that holds its brightest pixel (sccscore.images), which keeps it brighter
DIM_CAUTION = 0.13
# the noise of the four annotated spreads' pixels, relative to their background (noise_level); the shipped merge model
# records it too (noise_levels), and this stands in for it in folders fitted before it did
NOISE_LEVELS = (0.0048, 0.0051)
# a spread noisier than this many times the noisiest of those is one to check. Held out, with Gaussian noise of 1, 3
# and 6 grey levels on their background of about 100 (noise_level 1.2-1.3%, 2.9-3.1%, 5.8-6.2%), the four spreads
# read concordance 0.727, 0.679 and 0.667, against 0.763 as imaged (docs/spreads.md, noise)
NOISE_CAUTION = 2.0
# px at the reference scale: median chromosome areas of the four annotated spreads are 616 to 759; a median
# outside this wider range suggests another magnification (0.7 x: 300-390 px, 1.5 x: 850-1400 px)
USUAL_MEDIAN_AREA = (400, 1060)
# px at the reference scale: the median area of a spread's stained objects, sisters apart joined (object_area), the
# geometric mean of the four annotated spreads' (664, 748, 816 and 764). Unlike its chromosomes' median area, which a
# detector set for another scale cuts and leaves out, this follows a spread's magnification at any scale it is read
# at (each spread resized by 0.5 to 2.5 and read at scale 1 reads it within 4%: benchmarks/scale_suggestion.py); the
# annotated spreads read 0.94 to 1.05 of their own scale by it (suggested_scale)
OBJECT_AREA = 746
# the most one magnification's spreads' suggested scales may lie apart, as a ratio: the annotated spreads' lie 1.12
# apart, and metaphases condensed more or less than theirs would lie further
ONE_MAGNIFICATION = 1.5
SIZE_CAUTION = "its chromosomes are a median"  # how the caution of a size far from theirs begins (_size_caution)


def saturated_share(rgb: np.ndarray) -> float:
    """The share of a field at the brightest level its file holds, read on every fourth pixel of green, as the stain is.

    Where the background is that white, the camera clipped it: how far above that it lay, and so how pale a stain
    still shows, is lost. The four annotated spreads have none.

    >>> saturated_share(np.full((8, 8, 3), 255, np.uint8)), saturated_share(np.full((8, 8, 3), 254, np.uint8))
    (1.0, 0.0)
    """
    return float((rgb[::4, ::4, 1] == 255).mean())


def background_level(rgb: np.ndarray) -> float:
    """The level of a field's background, a share of the brightest level its file holds: the median of every fourth
    pixel of green, as the stain is read (chromosomes cover a few per cent of a field).

    Where it is low, the stain is read in few grey levels. The four annotated spreads read 0.38-0.40.

    >>> background_level(np.full((8, 8, 3), 102, np.uint8))
    0.4
    """
    return float(np.median(rgb[::4, ::4, 1])) / 255


def noise_level(rgb: np.ndarray) -> float:
    """How noisy a field's pixels are, relative to its background's level: the robust spread of green's second
    differences (Immerkaer 1996), which cancel the stain's and the lighting's slow changes but not a pixel's noise.

    Read at every second pixel: a second difference needs only its 3 x 3 neighbourhood; the background's level is
    :func:`background_level`'s. The four annotated spreads read 0.0048-0.0051.

    >>> flat = np.full((64, 64, 3), 100.0)
    >>> noisy = flat + np.random.default_rng(0).normal(0, 3, flat.shape)
    >>> round(noise_level(flat), 2), round(noise_level(noisy), 2)  # 3 grey levels on a background of 100
    (0.0, 0.03)
    """
    green = rgb[..., 1].astype(np.float32)
    corners = green[:-2:2, :-2:2] + green[:-2:2, 2::2] + green[2::2, :-2:2] + green[2::2, 2::2]
    sides = green[:-2:2, 1:-1:2] + green[1:-1:2, :-2:2] + green[1:-1:2, 2::2] + green[2::2, 1:-1:2]
    second = corners - 2 * sides + 4 * green[1:-1:2, 1:-1:2]  # white noise of sd s: sd 6 s
    return float(1.4826 * np.median(np.abs(second)) / 6 / max(255 * background_level(rgb), 1.0))


def detection_cautions(found: SpreadDetections, settings: DetectSettings,
                       edge_blurs: tuple[float, float] | None = None,
                       noise_levels: tuple[float, float] | None = None) -> list[str]:
    """What to check on a spread: no chromosome found, a stain more than ``STAIN_CAUTION`` times paler or darker
    than the annotated spreads' (in grey, than theirs read in grey), edges blurred by more than
    ``EXTRA_BLUR_CAUTION`` beyond the most blurred of ``edge_blurs`` (the edge blur of the spreads the models were
    fitted on, a merge model's ``edge_blurs``; None: EDGE_BLURS, the shipped models'), an unusual size, pixels
    noisier than ``NOISE_CAUTION`` times the noisiest of ``noise_levels`` (as ``edge_blurs``; None: NOISE_LEVELS),
    more than ``SATURATED_CAUTION`` of the field white to the file's limit, a background below ``DIM_CAUTION`` of it."""
    cautions = [] if found.chromosomes else ["no chromosomes found"]
    if shade := _stain_shade(found):
        grey = ", read in grey as this image is" if found.grey else ""
        cautions.append(f"stained {shade} than the annotated spreads the detector was set on{grey}; read at their "
                        f"strength (stain x {found.stain_gain:.2f}): check its overlay")
    least, most = edge_blurs or EDGE_BLURS
    if found.edge_blur is not None and found.edge_blur > np.hypot(most, EXTRA_BLUR_CAUTION):
        cautions.append(f"its chromosomes' edges are more blurred than the annotated spreads' ({found.edge_blur:.2f} "
                        f"px, theirs {least:.2f}-{most:.2f}): out of focus, imaged at too low a magnification, or "
                        "magnified more than --scale says? Blur makes type C read as B, and loses chromosomes: check "
                        "its overlay")
    if size := _size_caution(found, settings):
        cautions.append(size)
    least, most = noise_levels or NOISE_LEVELS
    if found.noise > NOISE_CAUTION * most:
        cautions.append(f"its pixels are noisier than the annotated spreads' ({100 * found.noise:.1f}% of its "
                        f"background's level, theirs {100 * least:.2f}-{100 * most:.2f}%): a camera gain too high, "
                        "or too little light? Noise costs types, B read as C above all: average frames or lower "
                        "the gain, and check its overlay")
    if found.saturated > SATURATED_CAUTION:
        cautions.append(f"{100 * found.saturated:.0f}% of its field is at the brightest level its file holds: "
                        "overexposed, or set to white after imaging? Where the camera clipped the light, the palest "
                        "stain is lost and type B reads as C: image it with less light, or check its overlay")
    if found.background < DIM_CAUTION:
        cautions.append(f"its background lies at {100 * found.background:.0f}% of the brightest level its file holds "
                        "(the annotated spreads' at 38-40%): underexposed? The stain is then read in few grey levels, "
                        "and types are lost: image it with more light, and check its overlay")
    return cautions


def _stain_shade(found: SpreadDetections) -> str | None:
    """"paler" or "darker" where a spread's stain lies more than ``STAIN_CAUTION`` times outside the annotated
    spreads' strengths; a few per cent is one lab's slides. A grey image is set against their strengths in grey:
    a grey conversion alone reads paler than the green that colour is read from."""
    if found.stain_strength is None:
        return None
    low, high = GREY_STAIN_STRENGTHS if found.grey else STAIN_STRENGTHS
    if found.stain_strength * STAIN_CAUTION < low:
        return "paler"
    if found.stain_strength > high * STAIN_CAUTION:
        return "darker"
    return None


def _size_caution(found: SpreadDetections, settings: DetectSettings) -> str | None:
    """A caution where the chromosomes' median size suggests a magnification other than ``settings.scale``."""
    areas = [d.area / settings.scale**2 for d in found.chromosomes]
    if len(areas) < 10:  # too few for a median to mean anything
        return None
    median = float(np.median(areas))
    low, high = USUAL_MEDIAN_AREA
    if low <= median <= high:
        return None
    suggested = suggested_scale(found, settings)
    guess = "" if suggested is None else (f"; its stained objects' sizes suggest --scale {suggested:.1f} (the "
                                          "annotated spreads read 0.94 to 1.05 of their own by them)")
    return (f"{SIZE_CAUTION} {median:.0f} px in area at scale {settings.scale:g}, where the detector's "
            f"settings expect {low}-{high} px: if its magnification differs, give --scale (chromosome length "
            f"relative to chromosomes about 40 px long){guess}; check its overlay")


class StainReading(NamedTuple):
    """How strongly a spread is stained (stain_strength), how blurred its chromosomes' edges are (edge_blur) and how
    large its stained objects are (object_area)."""

    strength: float | None
    edge_blur: float | None
    object_area: float | None = None


def object_area(dark: np.ndarray) -> float | None:
    """The median area of a spread's chromosomes, read from its mask of stained pixels whatever its scale
    (:data:`OBJECT_AREA`); None where it has no object.

    A first median of its objects (:func:`_median_area`) sets the size of what follows: the mask, read on every
    n-th pixel so that that median holds about 150 px (the cost then does not grow with the magnification), is
    closed over gaps up to a fifth of its side, which joins the two sisters of a type C chromosome into one
    object, and the objects' median is read again. Without the closing, spreads mostly of type C read smaller
    objects than spreads mostly of A: the four annotated spreads' suggested scales lay 0.81 to 1.19 of their own,
    with it 0.94 to 1.05.
    """
    first = _median_area(dark)
    if first is None:
        return None
    step = max(1, round(np.sqrt(first / 150)))
    radius = max(1, round(0.2 * np.sqrt(first) / step))
    closed = ndimage.binary_closing(dark[::step, ::step], structure=morphology.disk(radius))
    median = _median_area(closed)
    return None if median is None else median * step**2


def _median_area(dark: np.ndarray) -> float | None:
    """The median area of a mask's objects: specks under 20 px left out, then, three times over, objects more than
    5 times smaller or larger than the median (debris, nuclei, clusters), what a detector set for one scale would
    leave out or cut at another."""
    areas = np.bincount(measure.label(dark).ravel())[1:]
    areas = areas[areas >= 20]
    if not len(areas):
        return None
    median = float(np.median(areas))
    for _ in range(3):
        median = float(np.median(areas[(areas > median / 5) & (areas < median * 5)]))
    return median


def suggested_scale(found: SpreadDetections, settings: DetectSettings) -> float | None:
    """The ``--scale`` at which a spread's stained objects would be the annotated spreads' size (:data:`OBJECT_AREA`),
    to within about a tenth on the annotated spreads; None where it has no objects."""
    return None if found.object_area is None else settings.scale * float(np.sqrt(found.object_area / OBJECT_AREA))


def stain_strength(stained: np.ndarray, components: np.ndarray) -> float | None:
    """How strongly a spread's chromosomes are stained; None where there is no component.

    The 90th percentile of the stain over the pixels of the chromosome
    components: the staining of the chromosomes themselves, not how much of the
    field they cover. It follows a slide's staining closely (within 5% from 30%
    paler to 20% darker, docs/spreads.md).
    """
    pixels = stained[components > 0]
    return float(np.percentile(pixels, 90)) if pixels.size else None


def edge_blur(stained: np.ndarray, components: np.ndarray) -> float | None:
    """How blurred the chromosomes' edges are: the sigma, in px, of the Gaussian blur that would give a straight
    edge their profile; None where there is no component.

    A straight edge blurred by a Gaussian of b px and differentiated by a Gaussian of s px peaks at a height
    proportional to 1 / sqrt(b² + s²), so the ratio r of its gradients at s = 1 and s = 3 gives
    b = sqrt((9 - r²) / (r² - 1)) whatever the edge's contrast: a paler slide does not read as a softer one. It is
    the median over the steeper half of the components' rims (2 px either side of their outline). A chromosome's
    edge is no ideal straight one, so the annotated spreads read 1.66-1.70 px, not their optics' own blur; what
    counts is that blur adds to it in quadrature, as 1 px of blur more reads 1.88-1.91. An image magnified more
    than its ``scale`` says reads more blurred too, read at the reference scale as
    :func:`~sccscore.detect.find_fragments` reads it.
    """
    mask = components > 0
    if not mask.any():
        return None
    # only near the chromosomes, a fifth of a spread: in the boxes of the groups of components within 14 px of each
    # other, the rim's 2 and the wider derivative's reach of 12, where all reads as on the whole image
    groups, _ = ndimage.label(ndimage.maximum_filter(mask, size=29))
    fine, coarse = [], []
    for number, box in enumerate(ndimage.find_objects(groups), start=1):
        near = mask[box]
        here = (ndimage.binary_dilation(near, _WITHIN_2) & ~ndimage.binary_erosion(near, _WITHIN_2)
                & (groups[box] == number))  # this group's rim
        fine.append(gradient_magnitude(stained[box], 1.0)[here])
        coarse.append(gradient_magnitude(stained[box], 3.0)[here])
    fine, coarse = np.concatenate(fine), np.concatenate(coarse)
    steep = fine >= np.median(fine)
    # 3 is an ideal step, no blur; as the ratio falls to 1 the blur grows without bound: at most 10 px is read
    ratio = float(np.clip(np.median(fine[steep] / np.maximum(coarse[steep], 1e-9)), 1.0, 3.0))
    return float(np.sqrt((9 - ratio**2) / max(ratio**2 - 1, 0.08)))


# the pixels within 2 steps (up, down, left, right) of one: dilated or eroded by it once, as twice by the cross
_WITHIN_2 = ndimage.iterate_structure(ndimage.generate_binary_structure(2, 1), 2)


def gradient_magnitude(image: np.ndarray, sigma: float) -> np.ndarray:
    """scipy's ``ndimage.gaussian_gradient_magnitude`` of a float image, to the last bit (its kernels, reflected at
    the border), with its kernels made once: :func:`edge_blur` reads a sample's 400 crops, and on a crop's few
    thousand pixels scipy's making of them and its calls took half the time.

    >>> image = np.random.default_rng(0).random((30, 20)) * 255
    >>> [bool((gradient_magnitude(image, s) == ndimage.gaussian_gradient_magnitude(image, s)).all()) for s in (1, 3)]
    [True, True]
    """
    smooth, slope = _gaussian_kernels(float(sigma))
    across = ndimage.correlate1d(ndimage.correlate1d(image, slope, 0), smooth, 1)
    along = ndimage.correlate1d(ndimage.correlate1d(image, smooth, 0), slope, 1)
    return np.sqrt(across * across + along * along)


@lru_cache(maxsize=8)
def _gaussian_kernels(sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """The Gaussian's weights and its derivative's, as scipy's ``gaussian_filter1d`` makes them (4 sigmas either
    side) and gives them to ``correlate1d`` (the derivative's reversed)."""
    sigma2, radius = sigma * sigma, int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    smooth = np.exp(-0.5 / sigma2 * x**2)
    smooth = smooth / smooth.sum()
    return smooth, (x * (-1 / sigma2) * smooth)[::-1]


def stain_gain(strength: float | None) -> float:
    """The factor that brings a stain of this strength into the range of the annotated spreads.

    Within STAIN_STRENGTHS, the spreads the thresholds were set on, the stain is
    read as it is (1.0); outside, it is scaled to the nearer end, by at most
    MAX_STAIN_GAIN.

    >>> [round(stain_gain(strength), 3) for strength in (0.60, 0.40, 0.30, 0.80)]
    [1.0, 1.45, 1.5, 0.812]
    """
    if strength is None:
        return 1.0
    low, high = STAIN_STRENGTHS
    gain = np.clip(strength, low, high) / max(strength, 1e-6)
    return float(np.clip(gain, 1 / MAX_STAIN_GAIN, MAX_STAIN_GAIN))
