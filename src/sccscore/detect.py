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
into chromosomes (the two sisters of a type C chromosome are separate
fragments) by a logistic regression on each nearby pair's geometry, fitted on
annotated spreads (:func:`fit_merge_model`; the model and the joining are
:mod:`sccscore.merge`). Objects cut by the image border are left out: part of
them is missing. Last, chromosomes are grouped into metaphases by single
linkage of their centres. How the spread was imaged is read on the way (stain
strength, edge blur, noise, exposure: :mod:`sccscore.spread_imaging`, which
also says what to check where that lies outside the annotated spreads').
``docs/spreads.md`` has the steps with their settings and what each gained.

The pixel settings suit the 1440 x 1024 images of ``oshima2026`` (chromosomes
about 40 px long); :class:`DetectSettings` holds them in one place. Images at
another magnification give their ``scale`` (chromosome length relative to
those): they are resampled to the reference scale for detection, and the boxes
and the label image are brought back to the image's own pixels, so crops keep
its full resolution.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
from scipy import ndimage
from scipy.cluster.hierarchy import fcluster, linkage
from skimage import measure, morphology, segmentation, transform
from skimage.morphology import h_maxima

from .errors import SccscoreError
from .images import READS_BRIGHT_FIELD, brighter_than_background, is_grey
from .merge import MergeModel, candidate_pairs, join, merge_model_from, pair_examples
from .shape import shape_measures
from .spread_imaging import (StainReading, background_level, edge_blur, noise_level, object_area, saturated_share,
                             stain_gain, stain_strength)

# A spread is decoded whole; refuse sizes whose float working copies would not fit a laptop.
MAX_SPREAD_PIXELS = 40_000_000
SPECK_PIXELS = 8
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
# A metaphase of chromosomes about 40 px long (the reference scale) spans several hundred pixels; a field shorter than
# this on its longer side is one chromosome's crop (the Ikemoto crops: 34-194 px), which would read as a metaphase of
# one
MIN_SPREAD_SIDE = 256

EDGE_REASON = "cut by the image border"  # an "edge" object's reason in detections.csv, and how the terminal counts it


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
    fold's merge model from it (:func:`~sccscore.merge.pair_examples`) and joins it with each (:func:`joined`)."""

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


def _detections(fragments: np.ndarray, groups: dict[int, list[int]], left_out,
                 settings: DetectSettings) -> SpreadDetections:
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
            detections.append(_detection(region.label, region.coords, region.area, "edge", EDGE_REASON))
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


