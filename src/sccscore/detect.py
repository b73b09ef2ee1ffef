"""Finding single chromosomes in a raw metaphase spread.

Classical segmentation, with one learned step. A pixel is foreground where the
stain (``1 - green / background``; Giemsa absorbs green most; the background
fitted to the field's lighting, which may be uneven; a JPEG's read from its
luminance, which it keeps sharper than its colour) passes a threshold, or
belongs to an object that is pale throughout; a slide stained paler or darker
than the annotated ones is first scaled to their strength, and black marks
drawn on the image (a scale bar, its label) are left out. Interphase nuclei
are found at a fainter threshold (large, round, filled) and left out with the
grains inside them; other components far larger than a chromosome are
unseparated clusters, and tiny ones are debris. Components larger
than usual are cut by a watershed on their distance transform, at the waists
where two touching chromosomes meet. The pieces ("fragments") are then joined
into chromosomes: the two sisters of a type C chromosome are separate
fragments, and so are the halves of a chromosome the watershed cut. Whether
two nearby fragments are one chromosome is decided by a logistic regression on
the pair's geometry (gap, sizes, orientation, contact), fitted on annotated
spreads (:func:`fit_merge_model`); pairs are joined most-likely first (two
objects each joined already need a likelier pair), then lone fragments that
are each other's likeliest partner at a lower bar. Objects cut by the image
border are left out: part of them is missing. Last, chromosomes are grouped
into metaphases by single linkage of their centres.
``docs/spreads.md`` has the steps with their settings and what each gained.

The pixel settings suit the 1440 x 1024 images of ``oshima2026`` (chromosomes
about 40 px long); :class:`DetectSettings` holds them in one place. Images at
another magnification give their ``scale`` (chromosome length relative to
those): they are resampled to the reference scale for detection, and the boxes
and the label image are brought back to the image's own pixels, so crops keep
its full resolution.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
from scipy import ndimage
from scipy.cluster.hierarchy import fcluster, linkage
from skimage import measure, morphology, segmentation, transform
from skimage.morphology import h_maxima

from ._atomic import read_small_model, write_json
from .errors import SccscoreError
from .images import READS_BRIGHT_FIELD, brighter_than_background, is_grey
from .shape import shape_measures

# A spread is decoded whole; refuse sizes whose float working copies would not fit a laptop.
MAX_SPREAD_PIXELS = 40_000_000
SPECK_PIXELS = 8
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
# stain of the pixels over which a JPEG's luminance is scaled to the green stain's strength: below the
# thresholds of nuclei (0.2) and chromosomes (0.3), so that both are in, and above the background's noise
OBJECT_STAIN = 0.15
# darker than any Giemsa-stained chromosome (at most 0.81 in the annotated spreads): ink drawn on the image
MARK_STAIN = 0.9
# an object is ink where this share of its dark part (stain above MARK_CORE) is black: a label's strokes, 1 to 3 px
# wide and anti-aliased, are black only along their middle (letters of 10 to 32 px: as little as a quarter of their
# dark part, none of the thinnest strokes, which are specks), where the darkest of the Ikemoto crops' chromosomes
# reach 9% (b061), the annotated spreads' none
MARK_CORE, MARK_SHARE = 0.5, 0.25
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
# A metaphase of chromosomes about 40 px long (the reference scale) spans several hundred pixels; a field shorter than
# this on its longer side is one chromosome's crop (the Ikemoto crops: 34-194 px), which would read as a metaphase of one
MIN_SPREAD_SIDE = 256
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
PAIR_FEATURES = (
    "gap", "log_area_large", "log_area_small", "area_ratio", "length_ratio",
    "angle", "union_elongation", "centre_distance", "contact",
)  # fmt: skip


@dataclass(frozen=True)
class DetectSettings:
    """Pixel-scale settings of the detector (see the module docstring)."""

    threshold: float = 0.3  # stain above which a pixel is chromosome
    pale_threshold: float = 0.2  # stain of an object with no darker pixel that is still kept
    min_area: int = 60  # px: groups smaller than this are debris
    max_area: int = 3000  # px: components larger are nuclei or clusters
    nucleus_threshold: float = 0.2  # stain of a nucleus's faintest parts
    nucleus_opening: int = 6  # px radius: wider than a chromosome arm
    nucleus_solidity: float = 0.8  # a large component this convex is a nucleus, else a cluster
    split_factor: float = 1.5  # components larger than this x the median are cut at their waists
    split_depth: float = 1.0  # px of distance-transform relief that makes a separate seed
    join_factor: float = 4.0  # joins stop at this x the median fragment area
    partner_threshold: float = 0.3  # two fragments left alone that are each other's likeliest partner join above this
    whole_threshold: float = 0.8  # two objects each joined from several fragments join only above this
    reach: int = 20  # px: fragments nearer than this are candidates to be joined
    metaphase_gap: float = 150.0  # px: chromosomes whose centres are nearer share a metaphase
    min_metaphase: int = 10  # chromosomes; a smaller group joins the nearest larger metaphase
    box_pad: int = 1  # px: boxes reach this far beyond the object's pixels, over the rim the threshold cuts
    margin: float = 0.2  # crops extend the box by this share of its size on each side
    scale: float = 1.0  # chromosome length in px relative to the oshima2026 spreads (2: twice as long)


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


@dataclass(frozen=True)
class Detection:
    """One object found in a spread: a chromosome, or something left out and why."""

    id: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, x1 and y1 exclusive, box_pad beyond the object
    area: int
    centroid: tuple[float, float]  # x, y
    status: str  # chromosome | nucleus | cluster | debris | edge | mark
    reason: str = ""
    metaphase: int = 0  # 1, 2, ... for chromosomes (largest metaphase first), 0 otherwise
    outline: tuple[float, float, float] | None = None  # shape.SHAPE_MEASURES of a chromosome's mask


class AnnotatedSpread(NamedTuple):
    """A spread with its annotated chromosomes, as :func:`fit_merge_model` learns from it."""

    name: str
    rgb: np.ndarray
    boxes: np.ndarray  # x0 y0 x1 y1 in px
    luminance: bool = False  # a JPEG: the stain is read from its luminance (stain)


@dataclass
class SpreadDetections:
    """The detections of one spread, with the label image they were read from."""

    detections: list[Detection]
    labels: np.ndarray  # pixel -> detection id (0 = background)
    stain_strength: float | None = None  # of its chromosome components (stain_strength); None: no component
    edge_blur: float | None = None  # of their edges, px (edge_blur); None: no component
    grey: bool = False  # its three channels are one (is_grey)
    saturated: float = 0.0  # the share of its field at the brightest level (saturated_share)
    background: float = 1.0  # its background's level, a share of the brightest (background_level)
    noise: float = 0.0  # its pixels' noise, relative to its background (noise_level)
    # median area of its stained objects, sisters apart joined, at the reference scale (object_area); None: none
    object_area: float | None = None

    @property
    def stain_gain(self) -> float:
        """The stain was scaled by this to the annotated spreads' strength."""
        return stain_gain(self.stain_strength)  # the module's function: a method does not see its class's names

    @property
    def chromosomes(self) -> list[Detection]:
        return [d for d in self.detections if d.status == "chromosome"]


def stain(rgb: np.ndarray, luminance: bool = False) -> np.ndarray:
    """How much darker than the background each pixel is, 0 (background) to 1 (black).

    Read from the green channel, which Giemsa darkens most. With ``luminance``,
    read from the brightness instead (ITU-R BT.601, as JPEG stores it) and scaled
    to the green stain's strength over the objects, so that the thresholds mean
    the same: for JPEG files, which keep the brightness at full resolution but
    the colour at half, so that green's edges are blurred (docs/spreads.md, step 1).
    """
    green = _darkening(rgb[..., 1].astype(np.float32))
    if not luminance:
        return green
    brightness = rgb[..., 0] * np.float32(0.299)  # channel by channel: a float copy of all three is 12 bytes a pixel
    brightness += rgb[..., 1] * np.float32(0.587)
    brightness += rgb[..., 2] * np.float32(0.114)
    luma = _darkening(brightness)
    objects = green > OBJECT_STAIN
    power = float((luma[objects] ** 2).sum())
    if power == 0:  # nothing on the field: no strength to match
        return green
    return np.clip(luma * float((green[objects] * luma[objects]).sum()) / power, 0, 1)


def _darkening(channel: np.ndarray) -> np.ndarray:
    """1 - channel / background; the background is the median, which assumes most of the field is
    background, shaped by :func:`illumination` where the field is lit unevenly."""
    background = float(np.median(channel))
    if background < 1:
        return np.zeros_like(channel)
    background = background * illumination(channel)
    return np.clip((background - channel) / background, 0, 1)


def illumination(green: np.ndarray, step: int = 4, vignetting: float = 0.05) -> np.ndarray:
    """How brightly each pixel's background is lit, relative to the field's median.

    A plane fitted to the background (:func:`_fit_background`), tilted where one
    side of the field is lit more, with a radial term where the fit finds the
    corners more than ``vignetting`` (5%) darker or brighter than the centre. Not
    a radial term always: on the annotated spreads (corners within 2% of the
    centre) it lost chromosomes in leave-one-out where the plane lost none
    (docs/spreads.md, step 1).
    """
    height, width = green.shape
    sample = green[::step, ::step].astype(np.float64)
    rows, columns = np.mgrid[0:height:step, 0:width:step]
    terms = _lighting_terms(columns / width - 0.5, rows / height - 0.5)
    coefficients = _fit_background(sample, terms)
    if coefficients is not None and abs(coefficients[3]) <= vignetting * abs(coefficients[0]):
        plane = _fit_background(sample, terms[..., :3])
        coefficients = None if plane is None else np.append(plane, 0.0)
    if coefficients is None:
        return np.ones(green.shape, np.float32)
    centre, slope_x, slope_y, radial = coefficients.astype(np.float32)
    x = np.arange(width, dtype=np.float32)[None, :] / width - 0.5
    y = np.arange(height, dtype=np.float32)[:, None] / height - 0.5
    # term by term, as _lighting_terms: stacking the four at full size would take 16 bytes a pixel
    lit = centre + slope_x * x + slope_y * y + radial * 2 * (x * x + y * y)
    median = float(np.median(lit))
    if median <= 0:  # nothing lit: a dark field, which stain() reads as no stain
        return np.ones(green.shape, np.float32)
    # a steep fit must not reach zero at a corner, where it would divide by it
    return np.maximum(lit / median, 0.25).astype(np.float32)


def _lighting_terms(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1, x, y and the squared distance from the centre (1 at the corners), for x, y in [-0.5, 0.5]."""
    return np.stack([np.ones_like(x), x, y, 2 * (x * x + y * y)], axis=-1)


def _fit_background(sample: np.ndarray, terms: np.ndarray, iterations: int = 6, darker: float = 0.08,
                    rim: int = 3) -> np.ndarray | None:
    """Least-squares coefficients of ``terms`` over the background of ``sample``, or None where there is none.

    The background is re-read each round as all but what lies ``darker`` (8%)
    below the current fit, widened by ``rim`` samples (12 px at every fourth
    pixel) so that a chromosome's blurred rim is not taken for background,
    starting from a flat field.
    """
    fit = np.full(sample.shape, np.median(sample))
    coefficients = None
    for _ in range(iterations):
        background = ~ndimage.binary_dilation((fit - sample) > darker * fit, iterations=rim)
        if background.sum() < terms.shape[-1]:
            return None
        coefficients = np.linalg.lstsq(terms[background], sample[background], rcond=None)[0]
        fit = terms @ coefficients
    return coefficients


def detect(rgb: np.ndarray, settings: DetectSettings | None = None, model: MergeModel | None = None,
           luminance: bool = False) -> SpreadDetections:
    """Find the chromosomes of a spread (an RGB ``uint8`` array); ``luminance`` for a JPEG (:func:`stain`)."""
    return joined(read_fragments(rgb, settings, luminance), model or MergeModel.load())


@dataclass(frozen=True)
class Fragments:
    """A spread read up to its fragments and the pairs that could join them (steps 1-4): all of detection that no
    merge model changes. Leave-one-out (:mod:`sccscore.detection_eval`) reads each spread once so, learns each
    fold's merge model from it (:func:`pair_examples`) and joins it with each (:func:`joined`)."""

    labels: np.ndarray  # pixel -> fragment (0 = background), at the reference scale
    left_out: list[tuple[np.ndarray, str, str]]  # pixel coordinates, status and reason of what is not a fragment
    reading: StainReading
    pairs: list[tuple[int, int]]  # fragments nearer than settings.reach (candidate_pairs)
    features: np.ndarray  # of each pair (PAIR_FEATURES)
    settings: DetectSettings  # what it was read with; its scale brings the detections back to the image's pixels
    shape: tuple[int, int]  # the image's, in px
    imaging: dict[str, float | bool]  # how it was imaged, as SpreadDetections keeps it (grey ... noise)


def working_pixels(pixels: int, settings: DetectSettings) -> float:
    """The pixels of a spread as detection works on them, at the reference scale: an image of smaller chromosomes
    (``settings.scale`` below 1) is enlarged to it. What :data:`MAX_SPREAD_PIXELS` bounds."""
    return pixels * max(1.0, 1 / settings.scale**2)


def read_fragments(rgb: np.ndarray, settings: DetectSettings | None = None, luminance: bool = False) -> Fragments:
    """A spread (an RGB ``uint8`` array) read up to its fragments, at the reference scale (:class:`Fragments`).

    Raises
    ------
    SccscoreError
        Where the image is too large, too small to hold a metaphase, or not a bright-field spread.
    """
    settings = settings or DetectSettings()
    if settings.scale <= 0:
        raise SccscoreError(f"scale must be positive, not {settings.scale}")
    if working_pixels(rgb.shape[0] * rgb.shape[1], settings) > MAX_SPREAD_PIXELS:
        enlarged = f" (enlarged by {1 / settings.scale:g} by --scale {settings.scale:g})" if settings.scale < 1 else ""
        raise SccscoreError(f"image is {rgb.shape[1]} x {rgb.shape[0]} px{enlarged}; detection handles up to "
                            f"{MAX_SPREAD_PIXELS // 1_000_000} megapixels, crop or downscale it")
    if max(rgb.shape[:2]) < MIN_SPREAD_SIDE * settings.scale:
        raise SccscoreError(f"image is {rgb.shape[1]} x {rgb.shape[0]} px, too small to hold a metaphase of "
                            f"chromosomes about {40 * settings.scale:g} px long (scale {settings.scale:g}): one "
                            "chromosome's crop? 'classify' without --spreads reads crops")
    shape = rgb.shape[:2]
    if settings.scale != 1:
        rgb = at_reference_scale(rgb, settings.scale)
    _check_bright_field(rgb)
    at_reference = replace(settings, scale=1.0)
    labels, left_out, reading = find_fragments(rgb, at_reference, luminance)
    pairs, features = candidate_pairs(labels, settings.reach)
    # a crop's rule, on every fourth pixel: the four annotated spreads have channels more than 8 apart in 8% to 28%
    imaging = {"grey": is_grey(rgb[::4, ::4]), "saturated": saturated_share(rgb), "background": background_level(rgb),
               "noise": noise_level(rgb)}
    # int32, not skimage's int64: leave-one-out keeps every spread's fragments at once
    return Fragments(labels.astype(np.int32), left_out, reading, pairs, features, settings, shape, imaging)


def joined(fragments: Fragments, model: MergeModel) -> SpreadDetections:
    """The chromosomes of a spread read to its fragments, joined as ``model`` judges them (steps 5-7), in the
    image's pixels."""
    settings = replace(fragments.settings, scale=1.0)
    probability = model.probability(fragments.features) if fragments.pairs else np.zeros(0)
    groups = join(fragments.labels, fragments.pairs, probability, settings)
    found = replace(_detections(fragments.labels, groups, fragments.left_out, settings),
                    stain_strength=fragments.reading.strength, edge_blur=fragments.reading.edge_blur,
                    object_area=fragments.reading.object_area,
                    **fragments.imaging)
    scale = fragments.settings.scale
    return found if scale == 1 else _at_image_scale(found, fragments.shape, scale)


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


def _check_bright_field(rgb: np.ndarray) -> None:
    """Refuse a field whose objects are brighter than its background: a fluorescence or inverted image.

    Read on every fourth pixel of green, as the stain is: in a Giemsa spread the chromosomes
    lie far below the background's median and nothing far above it.
    """
    green = rgb[::4, ::4, 1]
    if bright := brighter_than_background(green, np.median(green)):
        raise SccscoreError(f"its objects are brighter than its background (the brightest 1% of pixels {bright[0]:.0f} "
                            f"grey levels above the median, the darkest 1% {bright[1]:.0f} below): a fluorescence or "
                            f"inverted image? {READS_BRIGHT_FIELD}")


def at_reference_scale(rgb: np.ndarray, scale: float) -> np.ndarray:
    """An image of chromosomes ``scale`` times as long as the reference's, resampled to the reference scale."""
    return transform.rescale(rgb, 1 / scale, channel_axis=2, anti_aliasing=scale > 1,
                             preserve_range=True).round().astype(np.uint8)


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


def _at_image_scale(found: SpreadDetections, shape: tuple[int, int], scale: float) -> SpreadDetections:
    """Detections made on a resampled image, in the pixels of the original (``shape``)."""
    labels = transform.resize(found.labels, shape, order=0, preserve_range=True, anti_aliasing=False)
    height, width = shape

    def scaled(d: Detection) -> Detection:
        x0, y0, x1, y1 = d.box
        box = (int(x0 * scale), int(y0 * scale), min(width, round(x1 * scale)), min(height, round(y1 * scale)))
        centroid = ((d.centroid[0] + 0.5) * scale - 0.5, (d.centroid[1] + 0.5) * scale - 0.5)
        return replace(d, box=box, area=round(d.area * scale**2), centroid=centroid)

    return replace(found, detections=[scaled(d) for d in found.detections], labels=labels.astype(found.labels.dtype))


class StainReading(NamedTuple):
    """How strongly a spread is stained (stain_strength), how blurred its chromosomes' edges are (edge_blur) and how
    large its stained objects are (object_area)."""

    strength: float | None
    edge_blur: float | None
    object_area: float | None = None


def find_fragments(rgb: np.ndarray, settings: DetectSettings,
                   luminance: bool = False) -> tuple[np.ndarray, list[tuple[np.ndarray, str, str]], StainReading]:
    """The labelled pieces chromosomes are joined from, what was left out, and how the stain reads (steps 1-4).

    At the reference scale only: :func:`detect` resamples an image with another ``scale`` first.
    """
    if settings.scale != 1:
        raise SccscoreError(f"fragments are found at the reference scale; resample the image by 1/{settings.scale} "
                            "first (detect does)")
    stained, marks = without_drawn_marks(stain(rgb, luminance), settings)
    components, left_out = _components(stained, settings)
    strength = stain_strength(stained, components)
    if (gain := stain_gain(strength)) != 1.0:  # a slide stained paler or darker than the annotated ones: read it
        components, left_out = _components(np.minimum(stained * gain, 1.0), settings)  # at their strength
    # the objects as dark as chromosomes, at the annotated spreads' strength, as the components are read
    reading = StainReading(strength, edge_blur(stained, components), object_area(stained * gain > settings.threshold))
    return split_touching(components, settings), marks + left_out, reading


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


def without_drawn_marks(stained: np.ndarray,
                        settings: DetectSettings) -> tuple[np.ndarray, list[tuple[np.ndarray, str, str]]]:
    """The stain with objects drawn on the image (scale bar, text, arrows in black) wiped, and those objects.

    Giemsa never stains a chromosome black (stain at most 0.81 in the annotated
    spreads); an object a quarter of whose dark part (MARK_CORE) passes MARK_STAIN
    is ink: half of all its pixels had missed most letters of a label, whose
    anti-aliased rims are grey (spread3 with a label of 16 px: 51 chromosomes of 47).
    It is wiped with a 2 px rim, its anti-aliased edge, which would otherwise
    pass as pale objects.
    """
    labels = measure.label(stained > settings.threshold)
    marks = []
    for region in measure.regionprops(labels, intensity_image=stained):
        pixels = region.image_intensity[region.image]
        dark = pixels[pixels > MARK_CORE]
        if dark.size and (dark > MARK_STAIN).mean() >= MARK_SHARE:
            marks.append((region.coords, "mark", "black throughout: a scale bar, label or mark drawn on the image"))
    if marks:
        drawn = np.isin(labels, [labels[tuple(coords[0])] for coords, _, _ in marks])
        stained = np.where(ndimage.binary_dilation(drawn, iterations=2), 0, stained)
    return stained, marks


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
    than its ``scale`` says reads more blurred too, read at the reference scale as :func:`find_fragments` reads it.
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
        here = (ndimage.binary_dilation(near, iterations=2) & ~ndimage.binary_erosion(near, iterations=2)
                & (groups[box] == number))  # this group's rim
        fine.append(ndimage.gaussian_gradient_magnitude(stained[box], 1.0)[here])
        coarse.append(ndimage.gaussian_gradient_magnitude(stained[box], 3.0)[here])
    fine, coarse = np.concatenate(fine), np.concatenate(coarse)
    steep = fine >= np.median(fine)
    # 3 is an ideal step, no blur; as the ratio falls to 1 the blur grows without bound: at most 10 px is read
    ratio = float(np.clip(np.median(fine[steep] / np.maximum(coarse[steep], 1e-9)), 1.0, 3.0))
    return float(np.sqrt((9 - ratio**2) / max(ratio**2 - 1, 0.08)))


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


def _components(stained: np.ndarray, settings: DetectSettings) -> tuple[np.ndarray, list[tuple[np.ndarray, str, str]]]:
    """Label foreground components, leaving out nuclei, what lies in them, and clusters."""
    dark = stained > settings.threshold
    # a pale chromosome, nowhere as dark as the threshold, is kept whole at the pale threshold
    pale = measure.label(stained > settings.pale_threshold)
    pale_only = ~np.isin(pale, np.unique(pale[dark])) & (pale > 0)
    # specks of a few pixels are noise, not even debris; they would skew the median size
    foreground = morphology.remove_small_objects(dark | pale_only, max_size=SPECK_PIXELS)
    labels = measure.label(foreground)
    nuclei = _nuclei(stained, settings)
    left_out = [(region.coords, "nucleus", f"area {region.area} px, round") for region in measure.regionprops(nuclei)]
    for region in measure.regionprops(labels):
        if (nuclei[tuple(region.coords.T)] > 0).mean() > 0.5:  # the share in a nucleus, not the labels' mean
            labels[tuple(region.coords.T)] = 0  # dark grain of a nucleus
        elif region.area > settings.max_area:
            if region.solidity >= settings.nucleus_solidity:
                left_out.append((region.coords, "nucleus", f"area {region.area} px, convex"))
            else:
                left_out.append((region.coords, "cluster", f"area {region.area} px, could not be separated"))
            labels[tuple(region.coords.T)] = 0
    return labels, left_out


def _nuclei(stained: np.ndarray, settings: DetectSettings) -> np.ndarray:
    """Labelled interphase nuclei: large, convex, filled regions of faint stain.

    The threshold is lower than for chromosomes, so that a nucleus is one whole
    region rather than a scatter of dark grains that look like chromosomes.
    """
    faint = ndimage.binary_fill_holes(stained > settings.nucleus_threshold)
    # an opening cuts off chromosomes lying against a nucleus, thinner than the disk
    faint = ndimage.binary_opening(faint, structure=morphology.disk(settings.nucleus_opening))
    labels = measure.label(faint)
    for region in measure.regionprops(labels):
        if region.area <= settings.max_area or region.solidity < settings.nucleus_solidity:
            labels[tuple(region.coords.T)] = 0
    return labels


def split_touching(labels: np.ndarray, settings: DetectSettings) -> np.ndarray:
    """Cut components much larger than the median at their waists (watershed)."""
    areas = np.bincount(labels.ravel())
    if len(areas) < 2:
        return labels
    median = np.median(areas[1:][areas[1:] > 0])
    out, next_label = labels.copy(), labels.max() + 1
    for region in measure.regionprops(labels):
        if region.area < settings.split_factor * median:
            continue
        mask = np.pad(region.image, 2)
        distance = ndimage.gaussian_filter(ndimage.distance_transform_edt(mask), 1.0)
        seeds = measure.label(h_maxima(distance, settings.split_depth) & mask)
        if seeds.max() < 2:
            continue
        pieces = segmentation.watershed(-distance, seeds, mask=mask)[2:-2, 2:-2]
        y0, x0, y1, x1 = region.bbox
        window = out[y0:y1, x0:x1]
        for piece in range(2, pieces.max() + 1):
            window[pieces == piece] = next_label
            next_label += 1
    return out


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


def join(fragments: np.ndarray, pairs: list[tuple[int, int]], probability: np.ndarray, settings: DetectSettings) -> dict[int, list[int]]:
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


def _detections(fragments: np.ndarray, groups: dict[int, list[int]], left_out, settings: DetectSettings) -> SpreadDetections:
    lookup = np.zeros(fragments.max() + 1, np.int32)
    for number, members in enumerate(sorted(groups.values(), key=lambda m: min(m)), start=1):
        lookup[members] = number
    labels = lookup[fragments]
    height, width = labels.shape
    detections = []
    for region in measure.regionprops(labels):
        y0, x0, y1, x1 = region.bbox
        if region.area < settings.min_area:
            detections.append(_detection(region.label, region.coords, region.area, "debris", f"area {region.area} px"))
        elif y0 == 0 or x0 == 0 or y1 == height or x1 == width:  # part of it may lie outside: it cannot be typed
            detections.append(_detection(region.label, region.coords, region.area, "edge", "cut by the image border"))
        else:
            detections.append(_detection(region.label, region.coords, region.area, "chromosome", "",
                                         shape_measures(region)))
    for coords, status, reason in left_out:
        where = tuple(coords.T)
        # a nucleus region may reach under a chromosome beside it: keep the chromosome's pixels
        labels[where] = np.where(labels[where] == 0, len(detections) + 1, labels[where])
        detections.append(_detection(len(detections) + 1, coords, len(coords), status, reason))
    # the threshold cuts each object's blurred rim, which people boxing chromosomes by eye include
    pad = settings.box_pad
    detections = [replace(d, box=(max(0, d.box[0] - pad), max(0, d.box[1] - pad), min(width, d.box[2] + pad),
                                  min(height, d.box[3] + pad))) for d in detections]
    return SpreadDetections(_with_metaphases(detections, settings), labels)


def _detection(number: int, coords: np.ndarray, area: int, status: str, reason: str,
               outline: tuple[float, float, float] | None = None) -> Detection:
    y0, x0 = coords.min(axis=0)
    y1, x1 = coords.max(axis=0) + 1
    cy, cx = coords.mean(axis=0)
    return Detection(number, (int(x0), int(y0), int(x1), int(y1)), int(area), (float(cx), float(cy)), status, reason,
                     outline=outline)


def _with_metaphases(detections: list[Detection], settings: DetectSettings) -> list[Detection]:
    """Number metaphases by single linkage of chromosome centres, largest first."""
    chromosomes = [d for d in detections if d.status == "chromosome"]
    if not chromosomes:
        return detections
    if len(chromosomes) == 1:
        clusters = np.ones(1, int)
    else:
        centres = np.array([d.centroid for d in chromosomes])
        clusters = fcluster(linkage(centres, "single"), settings.metaphase_gap, criterion="distance")
        clusters = _attach_strays(clusters, centres, settings.min_metaphase)
    sizes = np.bincount(clusters)
    order = sorted(set(clusters), key=lambda c: (-sizes[c], c))
    number = {cluster: rank for rank, cluster in enumerate(order, start=1)}
    metaphase = {d.id: number[c] for d, c in zip(chromosomes, clusters)}
    return [Detection(**(asdict(d) | {"metaphase": metaphase.get(d.id, 0)})) for d in detections]


def _attach_strays(clusters: np.ndarray, centres: np.ndarray, minimum: int) -> np.ndarray:
    """Give the chromosomes of groups smaller than ``minimum`` to the nearest large group.

    A chromosome that drifted away from its spread is still part of that cell;
    when no group is large enough, the groups are kept as they are.
    """
    sizes = np.bincount(clusters)
    large = sizes[clusters] >= minimum
    if large.all() or not large.any():
        return clusters
    out = clusters.copy()
    for index in np.flatnonzero(~large):
        distances = np.hypot(*(centres[large] - centres[index]).T)
        out[index] = clusters[large][np.argmin(distances)]
    return out


def crop(rgb: np.ndarray, found: SpreadDetections, detection: Detection, margin: float) -> np.ndarray:
    """The detection's box enlarged by ``margin``, with every other object painted the background's colour.

    Not white: the paper's preprocessing normalises each crop by its own mean and spread, so
    white patches would fade the chromosome by how crowded its neighbourhood is (a dense
    spread's crops came out pale). That normalisation turns the background, and so the painted
    objects, white, as in the paper's crops (docs/spreads.md).
    """
    x0, y0, x1, y1 = crop_box(detection, margin, found.labels.shape)
    out = rgb[y0:y1, x0:x1].copy()
    window = found.labels[y0:y1, x0:x1]
    others = ndimage.binary_dilation((window > 0) & (window != detection.id), iterations=1)
    out[others & (window != detection.id)] = _background_colour(out, window)
    return out


def crop_box(detection: Detection, margin: float, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The part of an image of ``shape`` (height, width) that :func:`crop` cuts: x0, y0, x1, y1.

    >>> crop_box(Detection(1, (10, 0, 20, 40), 1, (15.0, 20.0), "chromosome"), 0.2, (30, 100))
    (8, 0, 22, 30)
    """
    x0, y0, x1, y1 = detection.box
    pad_x, pad_y = round(margin * (x1 - x0)), round(margin * (y1 - y0))
    height, width = shape[:2]
    return max(0, x0 - pad_x), max(0, y0 - pad_y), min(width, x1 + pad_x), min(height, y1 + pad_y)


def _background_colour(rgb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The median colour of a window's pixels at least 3 px from any object (white where there are none).

    >>> window = np.zeros((9, 9), int); window[4, 4] = 1
    >>> _background_colour(np.full((9, 9, 3), 100, np.uint8), window).tolist()
    [100, 100, 100]
    """
    clear = ~ndimage.binary_dilation(labels > 0, iterations=2)  # an object's rim is stained below the threshold
    if not clear.any():
        return np.full(3, 255, np.uint8)
    return np.median(rgb[clear], axis=0).round().astype(np.uint8)


# -- fitting the merge model on annotated spreads ---------------------------------------------------


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


def read_annotated(spread: AnnotatedSpread, settings: DetectSettings | None = None,
                   path: str | Path | None = None) -> Fragments:
    """An annotated spread read to its fragments (:func:`read_fragments`); an error names its file (``path``), or
    where it is not given, the spread."""
    try:
        return read_fragments(spread.rgb, settings, spread.luminance)
    except SccscoreError as exc:
        raise SccscoreError(f"{path or spread.name}: {exc}") from None


def fit_merge_model(spreads: Sequence[AnnotatedSpread | tuple], settings: DetectSettings | None = None) -> MergeModel:
    """Fit the merge model on annotated spreads (:class:`AnnotatedSpread`, or a tuple of its fields)."""
    settings = settings or DetectSettings()
    spreads = [AnnotatedSpread(*spread) for spread in spreads]
    examples = [pair_examples(read_annotated(s, settings), s.boxes) for s in spreads]
    return merge_model_from(examples, [s.name for s in spreads], settings.scale)


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
