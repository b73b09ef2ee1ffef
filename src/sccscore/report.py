"""A one-page HTML report a biologist can read, self-contained (images embedded, opens offline).

Built from a classify run's ``predictions.csv`` and, where there is one, a
comparison (:mod:`sccscore.compare`): the plain verdicts; the per-sample table and
the stacked A/B/C chart with intervals; the tests; agreement with labels where the
crops are labelled; the spreads' metaphases and overlays; Grad-CAM galleries per
type; the least certain chromosomes, for a person to check; and last the settings,
versions and fingerprints. The chart is also written as PNG and SVG beside the report.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import warnings
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from PIL import Image

from . import fields
from ._atomic import atomic_open
from .cells import cell_arrays, cell_counts, sample_folder
from .compare import (by_hand_sentence, in_given_order, metaphase_table, points, share_interval_columns,
                      share_intervals, shares_shown, shares_with_intervals, shown_p, tally_by, trend_towards,
                      write_cell_figure)
from .errors import ImageReadError
from .images import CLASS_NAMES, JPEG_FORMATS, ImageItem, copies, how_often, image_stem, read_image
from .layout import number, overlay_file, run_folder, run_rows
from .learned import learner_of, unlike_learned
from .metrics import concordance, confusion_matrix, open_concordance
from .plots import plot_distributions
from .predictions_table import (REVIEWER, counted_and_left_out, crops_by_sample, from_spreads, model_call,
                                reviewed_blind, row_probabilities, set_by_hand)
from .sample_data import sha256_or_none
from .spread_imaging import SIZE_CAUTION
from .stats import agreement_interval
from .spreads import CHECK_BELOW, jpeg_sentence, mark_set_by_hand, scale_sentence, to_check_sentence
from .version import versions
from .words import abc_percents, by_whom, counted, such_as

# what runs a model (torch, 2-3 s to import) is imported where the report is given one: review's page, which takes
# its style and images from here, needs none of it
if TYPE_CHECKING:
    from .explain import Explanation
    from .models import ScoringModel

N_LEAST_CERTAIN = 12
N_GALLERY = 6
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: .25rem .6rem; border-bottom: 1px solid #eee;
text-align: right; word-break: keep-all; } th:first-child, td:first-child { text-align: left; }
.verdict { font-size: 1.1rem; background: #f4f7fb; padding: .6rem 1rem; border-left: 4px solid #4c72b0; }
.expected { background: #fbf6ee; padding: .4rem .8rem; border-left: 4px solid #dd8452; }
.note { color: #666; font-size: .9rem; } figure { display: inline-block; margin: .3rem; text-align: center; }
figcaption { font-size: .8rem; color: #444; } img.crop { width: 96px; height: 96px; object-fit: contain; }
figure.heatmap { width: 128px; vertical-align: top; overflow-wrap: break-word; } img.heatmap { width: 128px; }
figure.gallery { display: block; text-align: left; margin: .6rem 0; } figure.gallery figcaption { font-size: .9rem; }
@media print {  /* printed or saved as PDF for a lab book: the page's width, a heading with what it heads */
body { max-width: none; margin: 0; padding: 0; } img { max-width: 100%; }
h1, h2, h2 + p, p.note { break-after: avoid; } tr, figure, .verdict, .expected { break-inside: avoid; }
.verdict, .expected { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def write_report(
    out_dir: str | Path,
    model: ScoringModel | None,
    comparison: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    predictions: str | Path | None = None,
) -> Path:
    """Write ``report.html`` (and ``distribution.png``, ``cells.png``, with SVGs) into ``out_dir``.

    The report reads ``predictions`` (default: the classify output folder ``out_dir``'s
    ``predictions.csv``), which may hold calls set right by hand; for whole spreads it
    shows the overlays and cautions of the classify run that cut the crops. ``model`` is
    the model that typed the calls, which draws their Grad-CAM examples; None for a table
    typed by hand, which has no model's probabilities to rank its calls by.
    """
    out_dir = Path(out_dir)
    predictions = Path(predictions) if predictions else out_dir / "predictions.csv"
    rows, left_out = counted_and_left_out(predictions)
    if comparison:  # of the samples a run scored, those compared, in the comparison's order: the reference first
        samples = list(comparison["groups"])
        rows, left_out = ([row for row in table if row["sample"] in samples] for table in (rows, left_out))
        rows.sort(key=lambda row: samples.index(row["sample"]))
    classes = list(model.config.classes) if model else list(CLASS_NAMES)
    typed = _as_typed(model, comparison, rows)
    contents = _contents(rows)
    grey = _grey_samples(model, rows)
    cautions = ("colour_caution", "jpeg_caution", "texture_caution", "raw_caution", "scale_caution", "framing_caution",
                "imaging_caution")
    sections = [*(_caution((comparison or {}).get(key)) for key in cautions),
                _repeated_images(rows, contents), _learned_images(model, contents, rows),
                _unread_images(model, contents, rows), _grey_crops(model, grey), _mixed_crops(model, rows),
                *_unlike_learned(model, rows, comparison)]
    by_cell = False  # the shares of a run not compared, with the cells as the units
    if comparison:
        paths = [out_dir / "distribution.png", out_dir / "distribution.svg"]
        plot_distributions(comparison, paths, share_intervals(comparison)[0])
        cell_figure = write_cell_figure(comparison, out_dir)
        sections += [_comparison_section(comparison, paths[0].read_bytes(),
                                         cell_figure.read_bytes() if cell_figure else None),
                     _framings_section(comparison), _spreads_imaged_section(comparison),
                     _by_hand_section(comparison, rows)]
    else:
        summary, by_cell = _summary_section(rows, classes)
        sections.append(summary)
    if model and not from_spreads(rows):  # a spread classifier's figures are shown with its spreads
        # what to expect of the released models on raw crops preprocessed is said where any sample was
        said_of = next((by for by, _ in typed if by.config.input.preprocess == "paper"), model)
        sections.append(_expected_on_crops(said_of, set(grey) == {row["sample"] for row in rows}))
    if any(row.get("label") for row in rows):
        sections.append(_labels_section(rows, classes))
    if from_spreads(rows):
        runs = list(dict.fromkeys(run_folder(row["path"], row.get("image", "")) for row in rows))  # tables pasted
        sections.append(_spreads_section(runs, model, rows, classes, out_dir,
                                         [row for row in left_out if row.get("image")]))
    if scored := [row for row in rows if row_probabilities(row) is not None]:  # a table made by hand has none
        sections += [_gallery_section(model, scored, classes, contents, comparison),
                     _least_certain_section(scored, classes)]
    # last, as a paper's methods: the answer first
    if comparison or model:  # of calls typed by hand, and not compared, there is nothing to say
        sections.append(_methods_section(comparison, model, from_spreads(rows), by_cell))
    sections.append(_settings_section(model, rows, settings or {}, contents, typed))
    tests = (comparison or {}).get("tests", {}).values()  # the cells' and replicates' sentences under, where known
    verdicts = "".join('<p class="verdict">' + "<br>".join(
        html.escape(v) for v in (t["verdict"], t.get("caveat"), t.get("cell_verdict"), t.get("replicate_verdict"))
        if v) + "</p>"
        for t in tests)
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>sccscore report</title>"
            f"<style>{STYLE}</style></head><body><h1>Sister chromatid cohesion: sccscore report</h1>"
            f"{verdicts}{''.join(sections)}</body></html>\n")
    path = out_dir / "report.html"
    with atomic_open(path, encoding="utf-8") as handle:
        handle.write(page)
    return path


def _png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def image_uri(image: Image.Image) -> str:
    """An image to embed in a page, as PNG: the page stands alone."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return _png_uri(buffer.getvalue())


def jpeg_uri(image: Image.Image) -> str:
    """A photograph-like image (a spread, or part of one) to embed as JPEG: a fifth to a tenth of its PNG's size,
    its boxes as clear, for reports and reviews of a hundred spreads."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    # a header of its own: printed, a table running over pages repeats it on each
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _contents(rows: list[dict[str, str]]) -> dict[str, str | None]:
    """Each scored file's SHA-256 by its path (None where it cannot be read: moved since classify), read once.

    The fingerprint, the caution on images scored twice and the galleries all tell files apart by it.
    """
    return {path: sha256_or_none(path) for path in dict.fromkeys(row["path"] for row in rows)}


def _data_fingerprint(contents: dict[str, str | None]) -> str:
    """SHA-256 over the scored images' contents (a path, for a file gone), in order of path."""
    digest = hashlib.sha256()
    for path in sorted(contents):
        digest.update(bytes.fromhex(contents[path]) if contents[path] else path.encode())
    return digest.hexdigest()


def _repeated_images(rows: list[dict[str, str]], contents: dict[str, str | None]) -> str:
    """A caution where chromosomes were scored more than once (a crop or spread given twice, a metaphase in two
    overlapping fields), each time counted; empty where none were."""
    by_path = {row["path"]: row for row in rows}
    metaphases = _metaphases_of_table(rows)
    spreads = fields.same_images(metaphases)
    shared = fields.shared_metaphases(metaphases, spreads)
    said = {name for group in spreads for name in group} | {key for group in shared for key in group}

    def said_with(path: str) -> bool:  # the crop of a copied spread, or of a metaphase in two fields: said with it
        placed = _placed(by_path[path])
        return placed is not None and bool({placed[0], placed[0][0]} & said)

    groups = [group for group in copies(contents) if not all(map(said_with, group))]
    if not (spreads or shared or groups):
        return ""

    def named(group: list[str]) -> str:  # five copies at most: a folder of links may repeat one dozens of times
        names = " = ".join(html.escape(_chromosome_name(by_path[path])) for path in group[:5])
        return names + (f" and {len(group) - 5} more copies" if len(group) > 5 else "")

    items = "".join(f"<li>{' = '.join(map(html.escape, names))}: the same chromosomes in the same places, one spread "
                    f"given {how_often(len(names))}</li>" for names in spreads)
    items += "".join(f"<li>{' = '.join(html.escape(f'{name} metaphase {number}') for name, number in group)}: one "
                     f"metaphase in {len(group)} images (fields that overlap), counted as a cell in each</li>"
                     for group in shared)
    items += "".join(f"<li>{named(group)}</li>" for group in groups[:10])
    more = f"<li>and {len(groups) - 10} more images given more than once</li>" if len(groups) > 10 else ""
    # one header for copied crops, copied spreads and a metaphase in two fields: each says below what it is
    return ("<div class='expected'><p>The same chromosomes were scored more than once, and each time counted as "
            "chromosomes of their own: keep them once, and classify again (or delete the other rows from "
            f"predictions.csv).</p><ul>{items}{more}</ul></div>")


def _learned_images(model: ScoringModel | None, contents: dict[str, str | None], rows: list[dict[str, str]]) -> str:
    """A caution where the model learned some of the images scored (as classify and evaluate warn); else empty.

    Crops that classify --spreads cut are counted as chromosomes, and their spreads named, as the terminal names
    them: a lab gave spreads, not crops."""
    if model is None:
        return ""
    from .models import model_reference

    learned = {path for path, seen in zip(contents, model.config.learned(contents.values())) if seen}
    if not learned:
        return ""
    spreads = sorted({_spread_name(row) for row in rows if row["path"] in learned and row.get("image")})
    one, many, where, unseen = (("a chromosome", "chromosomes", f", in {', '.join(map(html.escape, spreads))},",
                                 "spreads") if spreads else ("an image", "images", "", "images"))
    are, them = (f"is {one}", "it") if len(learned) == 1 else (f"are {many}", "them")
    return (f"<div class='expected'><p>{len(learned)} of the {len(contents)} {many} scored{where} {are} "
            f"{html.escape(model_reference(model))} was trained on: its calls on {them} are memory, not a measure of "
            f"the model, and the figures below rest on {them}. Score {unseen} it has not seen.</p></div>")


def _unread_images(model: ScoringModel | None, contents: dict[str, str | None], rows: list[dict[str, str]]) -> str:
    """A caution, and a warning, where images a model scored cannot be read now (moved since classify, or named
    relative to the folder it ran in): their examples and thumbnails are left out, in silence otherwise; else empty.
    A table typed by hand may name no real file, and the report shows none of its images."""
    scored = [row["path"] for row in rows if row_probabilities(row) is not None]
    if model is None or not (unread := [path for path in dict.fromkeys(scored) if contents[path] is None]):
        return ""
    said = (f"{len(unread)} of the {len(contents)} images scored cannot be read now, {such_as(unread)} (moved or "
            "renamed since classify, or named relative to the folder it ran in): the report shows no Grad-CAM example "
            "or thumbnail of them, and cannot say whether the model learned them; write it from the folder classify "
            "ran in")
    warnings.warn(said, stacklevel=2)
    return _caution(said)


def _grey_samples(model: ScoringModel | None, rows: list[dict[str, str]]) -> list[str]:
    """The samples of grey crops that a model of colour ones typed (:func:`sccscore.evaluate.grey_samples_of`)."""
    if model is None or from_spreads(rows):
        return []
    from .evaluate import grey_samples_of  # not above: a table typed by hand is reported without torch

    return grey_samples_of(model, crops_by_sample(rows))


def _unlike_learned(model: ScoringModel | None, rows: list[dict[str, str]],
                    comparison: dict[str, Any] | None) -> list[str]:
    """The cautions where the crops were cut, imaged or made otherwise than those the model learned, as classify
    warned of them: a comparison's, as compare said them (``unlike_learned``,
    :func:`sccscore.learned.table_unlike_learned`), else :func:`sccscore.learned.unlike_learned` of the model; none
    for spreads, or where no model typed them."""
    if (said := (comparison or {}).get("unlike_learned")) is not None:
        return [_caution(caution) for caution in said]
    if model is None or from_spreads(rows):
        return []
    return [_caution(caution) for caution in unlike_learned(learner_of(model), crops_by_sample(rows))]


def _grey_crops(model: ScoringModel | None, grey: list[str]) -> str:
    """A caution where a model of colour crops typed the ``grey`` samples' crops, as classify warned of them; else
    empty."""
    if not grey:
        return ""
    from .evaluate import grey_crops_caution

    return _caution(grey_crops_caution(model, grey))


def _mixed_crops(model: ScoringModel | None, rows: list[dict[str, str]]) -> str:
    """A caution where a model of colour crops typed samples of grey crops among colour ones, as classify warned of
    them (:func:`sccscore.evaluate.mixed_crops_caution`); else empty."""
    if model is None or from_spreads(rows):
        return ""
    from .evaluate import mixed_crops_caution

    return _caution(mixed_crops_caution(model, crops_by_sample(rows)))


def _caution(said: str | None) -> str:
    """A caution the terminal gave as a warning, as a sentence of the report; empty for None."""
    return f"<div class='expected'><p>{html.escape(said[0].upper() + said[1:])}.</p></div>" if said else ""


def _metaphases_of_table(rows: list[dict[str, str]]) -> dict[tuple[str, int], list[tuple[float, float]]]:
    """The chromosome centres of each metaphase of the table's spreads, keyed (spread name, metaphase), for
    :mod:`sccscore.fields`; tables of crops have none."""
    centres: dict[tuple[str, int], list[tuple[float, float]]] = defaultdict(list)
    for key, centre in filter(None, map(_placed, rows)):
        centres[key].append(centre)
    return dict(centres)


def _placed(row: dict[str, str]) -> tuple[tuple[str, int], tuple[float, float]] | None:
    """A spread's chromosome as (spread name, metaphase) and its box's middle; None for a crop's row, or one whose
    box or metaphase was edited out of shape."""
    try:
        x0, y0, x1, y1 = (float(row[key]) for key in ("x0", "y0", "x1", "y1"))
        metaphase = int(row.get("metaphase") or 0)
    except (KeyError, ValueError):
        return None
    return ((_spread_name(row), metaphase), ((x0 + x1) / 2, (y0 + y1) / 2)) if row.get("image") else None


def _methods_section(comparison: dict[str, Any] | None, model: ScoringModel | None, spreads: bool,
                     by_cell: bool) -> str:
    """What the run did, as a paper's methods: of the comparison where there is one, else of the scoring (a
    classify run's report, its shares with the cells as the units where ``by_cell``)."""
    from .methods import methods, scoring_methods

    said = html.escape(methods(comparison, model, spreads) if comparison else scoring_methods(model, spreads, by_cell))
    return ("<h2>Methods</h2><p class='note'>What this run did, in the words a paper's methods may use: check them "
            f"against your protocol before you take them.</p><p class='methods'>{said}</p>")


def _settings_section(model: ScoringModel | None, rows: list[dict[str, str]], settings: dict[str, Any],
                      contents: dict[str, str | None], typed: list[tuple[Any, list[dict[str, str]]]]) -> str:
    items = [("generated", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))]
    items += _model_settings(model, typed) if model else [("model", "none: the calls are the table's, typed by hand")]
    items += [("images scored", len(rows)), ("scored data fingerprint", _data_fingerprint(contents))]
    items += list(settings.items()) + list(versions(model_runtimes=model is not None).items())
    return "<h2>Settings</h2>" + _table(["setting", "value"], [[k, v] for k, v in items])


def _model_settings(model: ScoringModel,
                    typed: list[tuple[ScoringModel, list[dict[str, str]]]]) -> list[tuple[str, Any]]:
    from .models import model_reference

    training = model.config.training or {}
    grey = ", every crop read in grey" if model.config.input.grey else ""
    items = [("model", model_reference(model)), ("model members", model.config.n_members),
             ("input", f"{model.config.input.size[0]} px, preprocessing {_preprocessings(typed)}, "
                       f"{counted(model.config.views, 'view')}{grey}")]
    # a spread classifier records the annotated spreads (and crop folders) it learned from instead of a fingerprint
    items += [(name, value) for name, value in (("training recipe", training.get("recipe")),
                                                ("training crops", training.get("crops")),  # colour, grey or both
                                                ("training data fingerprint", training.get("data_fingerprint")),
                                                ("model trained on spreads", ", ".join(training.get("trained_on", []))),
                                                ("and on crops in", ", ".join(training.get("crop_folders", []))))
              if value]
    return items


def _preprocessings(typed: list[tuple[ScoringModel, list[dict[str, str]]]]) -> str:
    """The crop preprocessing the model read the samples' crops with (:func:`_as_typed`): "paper", or, where two,
    each with its samples ("none for wt; paper for ko")."""
    if len(typed) == 1:
        return typed[0][0].config.input.preprocess
    return "; ".join(f"{by.config.input.preprocess} for {', '.join(dict.fromkeys(row['sample'] for row in some))}"
                     for by, some in typed)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def _comparison_section(comparison: dict[str, Any], chart_png: bytes, cells_png: bytes | None) -> str:
    classes = comparison["classes"]
    corrected = comparison["corrected_with"] is not None
    header = ["sample", "chromosomes"] + [f"{c} % (95% CI)" for c in classes] + (
        [f"corrected {c} % (95% CI)" for c in classes] if corrected else [])
    interval, interval_name = share_intervals(comparison)
    any_cells = any(group["ci_by_cell"] for group in comparison["groups"].values())
    rows = []
    for name, group in comparison["groups"].items():
        row = [name, group["n"]] + shares_with_intervals(group["distribution"], group[interval])
        rows.append(row + (shares_with_intervals(group["distribution_corrected"], group["corrected_ci"])
                           if corrected else []))
    several = len(comparison["tests"]) > 1  # then Holm-adjusted over the samples too, as the verdicts read them
    adjusted = lambda p, p_holm: f"{shown_p(p)} (Holm {shown_p(p_holm)})" if several else shown_p(p)  # noqa: E731
    exact = lambda test: " (exact)" if test["p_exact"] else ""  # noqa: E731  too few of a type for the curves
    tests = [[name, adjusted(t["chi2_p"], t["chi2_p_holm"]) + exact(t),
              shown_p(t["trend_p"]) + exact(t) + (f" (towards {end})" if (end := trend_towards(t)) else ""),
              ", ".join(f"{c} {shown_p(p)}" for c, p in zip(classes, t["fisher_p_holm"])),
              f"{100 * t['bc_difference']:+.1f} ({_interval_text(t['bc_difference_ci'])})",
              f"{t['cramers_v']:.2f}", t["n_for_80pct_power"] or "-"] for name, t in comparison["tests"].items()]
    cell_rows = [[name, f"{c['n_cells']} vs {c['n_cells_reference']}",
                  f"{100 * c['bc_fraction_per_cell']['mean']:.1f} vs "
                  f"{100 * c['bc_fraction_per_cell_reference']['mean']:.1f}",
                  f"{100 * c['bc_difference']:+.1f} ({_interval_text(c['bc_difference_ci'])})",
                  adjusted(c["mannwhitney_p"], c["mannwhitney_p_holm"]), c.get("n_cells_for_80pct_power") or "-"]
                 for name, t in comparison["tests"].items() if (c := t.get("cell_level"))]
    cell_section = ("<h2>Cell level</h2><p class='note'>Cells, not chromosomes, are the units here: these "
                    "figures treat each cell as one observation. The cells needed for 80% power are a rough planning "
                    "figure, from the spread of the cells scored.</p>"
                    + _table(["sample", "cells", "mean B+C % per cell", "B+C difference, points (cluster bootstrap "
                              "95% CI)", "Mann-Whitney p", "cells per sample for 80% power"], cell_rows)
                    ) if cell_rows else ""
    replicates = any(group.get("replicates") for group in comparison["groups"].values())
    if cells_png:
        caption = ("Each cell's B+C (open) share, coloured by replicate; large markers: each replicate's mean; bars: "
                   "the mean of the replicates' means" if replicates else
                   "Each cell's B+C (open) share; bars: the mean per cell")
        cell_section += (f"<figure><img alt='B+C share per cell' src='{_png_uri(cells_png)}' style='max-width:36rem'>"
                         f"<figcaption>{caption}</figcaption></figure>")
    if replicates:
        cell_section += _replicate_section(comparison, adjusted)
    return (
        "<h2>Samples</h2><p class='note'>"
        + ("The shares' intervals take each sample's cells as the units (Korn and Graubard's), so they are wider "
           "where cells differ. The tests in the next section are at chromosome level: "
           if interval == "ci_by_cell" else "Figures in this section and the next are at chromosome level: ")
        + "chromosomes of one cell are not independent, so p-values are optimistic when cells differ."
        + (" The corrected shares undo the classifier's measured errors; their bootstrap intervals add the "
           "uncertainty of that measurement" + (", and take the cells as the units wherever a sample's are known"
                                                 if any_cells else "") + "." if corrected else "")
        + "</p>" + _table(header, rows)
        + f"<figure><img alt='A/B/C distribution per sample' src='{_png_uri(chart_png)}' style='max-width:36rem'>"
        f"<figcaption>Types per sample, with {interval_name}</figcaption></figure>"
        + f"<h2>Tests against {html.escape(comparison['reference'])}</h2>"
        + ("<p class='note'>Several samples were each tested against the reference: the p-values in brackets are "
           "Holm-adjusted over them, so that the chance of any false difference stays at 5%, and the verdicts "
           "read those; the intervals are each sample's own 95%, not adjusted.</p>" if several else "")
        + ("<p class='note'>(exact): a type is expected fewer than 5 times in a sample, too few for the tests' "
           "curves, so the p is counted over every table of the same totals.</p>"
           if any(t["p_exact"] for t in comparison["tests"].values()) else "")
        + _table(["sample", "chi-square p", "trend p (A<B<C)", "Fisher p per type (Holm)",
                  "B+C difference, points (95% CI)", "Cramer's V", "chromosomes per sample for 80% power"], tests)
        + cell_section
    )


def _interval_text(interval: list[float] | None) -> str:
    """``+12.0 to +30.5`` (points), or why there is none: too few cells (:func:`sccscore.stats.compare_cells`)."""
    return "too few cells" if interval is None else points(interval)


def _replicate_section(comparison: dict[str, Any], adjusted) -> str:
    """Each replicate's cells and mean B+C per cell, and the replicate-level tests."""
    rows = [[name, row["replicate"], row["n_cells"], row["n_chromosomes"], _pct(row["bc_mean_per_cell"])]
            for name, group in comparison["groups"].items() for row in group.get("replicates") or []]
    tests = []
    for name, test in comparison["tests"].items():
        if (level := test.get("replicate_level")) and level["p"] is not None:
            tests.append([name, f"{level['n_replicates']} vs {level['n_replicates_reference']}",
                          "paired t-test" if level["paired"] else "Welch's t-test",
                          f"{100 * level['bc_difference']:+.1f} ({_interval_text(level['bc_difference_ci'])})",
                          adjusted(level["p"], level["p_holm"]), level["n_replicates_for_80pct_power"] or "-"])
    return ("<h2>Replicate level</h2><p class='note'>Replicates are independent experiments; a knockout's effect "
            "should hold across them. Each replicate counts as one observation, its mean B+C per cell (a SuperPlot "
            "analysis); the test is paired where both samples have the same replicates, by name.</p>"
            + _table(["sample", "replicate", "cells", "chromosomes", "mean B+C % per cell"], rows)
            + (_table(["sample", "replicates", "test", "difference in mean B+C, points (95% CI)", "p",
                       "replicates per sample for 80% power"], tests) if tests else ""))


def _summary_section(rows: list[dict[str, str]], classes: list[str]) -> tuple[str, bool]:
    """Each sample's shares with their intervals, the cells' where every sample's images are in cells (and whether
    they are)."""
    by_cell = cell_arrays(cell_counts(rows, say_outside=False), classes)  # classify said so as it scored them
    summary = [row | {"n_cells": len(by_cell.get(row["sample"], []))}
               | share_interval_columns([row[f"n_{c}"] for c in classes], classes, by_cell.get(row["sample"]))
               for row in tally_by(rows, ("sample",), classes)]
    shown, in_cells, interval_name = shares_shown(summary, classes)
    return (f"<h2>Samples</h2><p class='note'>Shares with {interval_name}.</p>"
            + _table(["sample", "chromosomes", *(f"{c} % (95% CI)" for c in classes)],
                     [[row["sample"], row["n_chromosomes"], *shares] for row, shares in zip(summary, shown)]),
            in_cells)


def _spreads_section(runs: list[Path], model: ScoringModel | None, rows: list[dict[str, str]], classes: list[str],
                     out_dir: Path, left_out: list[dict[str, str]]) -> str:
    """Per-metaphase shares and each spread's overlay, boxes coloured by predicted type, calls to check marked.

    The shares are counted from ``rows``, so that calls set right by hand count; the
    overlays are the ones classify drew in the ``runs`` that the rows' crops were cut in,
    with those calls and the objects a review ``left_out`` redrawn, embedded small and
    linked to the full-size file as classify drew it (relative to ``out_dir``, the report's).
    """
    table = metaphase_table(in_given_order(tally_by(rows, ("sample", "image", "metaphase"), classes)), classes)
    samples = {row["sample"] for row in rows}  # a run may have scored samples this report does not compare
    spreads_read = {run: run_rows([run], "images.csv") for run in runs}
    images = [spread for read in spreads_read.values() for spread in read]
    parts = ["<h2>Metaphases</h2><p class='note'>Chromosomes found in whole spreads, grouped into metaphases "
             "(the cells of the analysis). Boxes: green A, orange B, vermilion C, as in the charts, dashed where "
             f"the call is less sure than {CHECK_BELOW:g}; grey, left out (nucleus, debris, cluster, cut by the "
             "image border, or drawn on it; see detections.csv). A call set right by hand in predictions.csv is "
             "redrawn in its new type's colour, its box thicker and its label starred (12 B*); an object a review "
             "left out as not a chromosome, in grey (12 X*).</p>",
             _expected_on_new_spreads(model) if model else "",
             _to_check(rows),
             _table(list(table[0]), [list(row.values()) for row in table]),
             _cautions([r for r in run_rows(runs, "cautions.csv") if r["sample"] in samples], images),
             _jpeg_spreads(images, rows)]
    by_hand = defaultdict(list)  # (run, sample, image without its file type) -> its calls set right or left out
    for row in set_by_hand(rows) + left_out:
        image = PurePosixPath(row["image"]).with_suffix("")
        by_hand[run_folder(row["path"], row["image"]), row["sample"], image.as_posix()].append(row)
    for run, overlay, (sample, *within) in _overlays(spreads_read, rows):
        caption = f"{sample} / {'/'.join(within)}"  # as the chromosomes are named below: sample / image #id
        link = quote(Path(os.path.relpath(overlay, out_dir)).as_posix())
        with Image.open(overlay) as image:
            if changed := by_hand.get((run, sample, "/".join(within))):
                image = image.convert("RGB")
                mark_set_by_hand(image, changed)
                caption += (f" ({len(changed)} {'call' if len(changed) == 1 else 'calls'} set right by hand "
                            "redrawn; the full-size overlay shows classify's)")
            image.thumbnail((900, 900))
            parts.append(f"<figure class='overlay'><a href='{link}'><img src='{jpeg_uri(image)}' "
                         f"alt='{html.escape(caption)}'></a><figcaption>{html.escape(caption)}</figcaption></figure>")
    return "".join(parts)


def _overlays(spreads_read: dict[Path, list[dict[str, str]]],
              rows: list[dict[str, str]]) -> list[tuple[Path, Path, tuple[str, ...]]]:
    """The overlays classify drew in each run of the spreads it read (``spreads_read``: run -> its images.csv's rows,
    not the overlays an earlier run into the same folder left there) of the samples that ``rows`` count, each with
    its run and its parts (sample, then the image's folders and name without its file type); in the order the rows
    name them, as the metaphases' table gives them (the reference first), a spread in which no chromosome was found
    after its sample's others."""
    named = list(dict.fromkeys((row["sample"], *PurePosixPath(image_stem(row["image"])).parts) for row in rows))
    samples = list(dict.fromkeys(sample for sample, *_ in named))
    found = []
    for run, spreads in spreads_read.items():
        read = [overlay_file(run, spread["sample"], spread["image"]) for spread in spreads]
        # a run that kept no images.csv (sccscore before it did): every overlay in its folder
        for overlay in (read if read else sorted((run / "overlays").glob("*/**/*.png"))):
            if overlay.is_file():
                found.append((run, overlay, overlay.relative_to(run / "overlays").with_suffix("").parts))
    return sorted((f for f in found if f[2][0] in samples),
                  key=lambda f: (samples.index(f[2][0]), named.index(f[2]) if f[2] in named else len(named)))


def _cautions(rows: list[dict[str, str]], images: list[dict[str, str]]) -> str:
    """What the detector asked to check on some spreads' overlays (cautions.csv's ``rows``), as a list, and the
    scale that those cautioned for their chromosomes' size suggest together (:func:`sccscore.spreads.scale_sentence`,
    from images.csv's ``images``); empty if nothing."""
    if not rows:
        return ""
    # named as the overlays' captions name them: two samples may hold images of the same name
    items = "".join(f"<li>{html.escape(r['sample'])} / {html.escape(r.get('image') or Path(r['path']).name)}: "
                    f"{html.escape(r['caution'])}</li>" for r in rows)  # no image column before 2026-12-01
    sized = {(r["sample"], r.get("image")) for r in rows if r["caution"].startswith(SIZE_CAUTION)}
    sentence = scale_sentence([scale for image in images if (image["sample"], image["image"]) in sized
                               and (scale := number(image.get("suggested_scale"))) is not None])
    scale = f"<p>{html.escape(sentence[0].upper() + sentence[1:])}.</p>" if sentence else ""
    return (f"<div class='expected'><p>Check these spreads' overlays before reading their shares:</p><ul>{items}</ul>"
            f"{scale}</div>")


def _jpeg_spreads(images: list[dict[str, str]], rows: list[dict[str, str]]) -> str:
    """What the spreads saved as JPEG cost (:func:`sccscore.spreads.jpeg_sentence`), of the spreads that ``rows``
    count, as images.csv's ``images`` keep their format; empty if none is JPEG."""
    counted = {(row["sample"], row["image"]) for row in rows}
    formats = {(image["sample"], image["image"]): image.get("file_format", "")  # "": a run before it was kept
               for image in images if (image["sample"], image["image"]) in counted}
    jpegs = [f"{sample} / {image}" for (sample, image), saved_as in formats.items() if saved_as in JPEG_FORMATS]
    return f"<div class='expected'><p>{html.escape(jpeg_sentence(jpegs, len(formats)))}.</p></div>" if jpegs else ""


def _framings_section(comparison: dict[str, Any]) -> str:
    """How each compared sample's crops were cut, imaged and made (the comparison's ``framings``, ``textures`` and
    ``white_around``), so
    that a reader can see them alike where no caution was given; empty for spreads and tables typed by hand, which
    have none, and where no crop could be read."""
    from .framing import BLUR_APART, FEWEST_COMPARED, FOCUS_LENGTHS_APART, FRAMING_CROPS, LENGTHS_APART, SPANS_APART
    from .sample_cautions import FEWEST_RAW, FEWEST_TEXTURED, RAW_SHARE, TEXTURE_APART

    framings, textures = comparison.get("framings") or {}, comparison.get("textures") or {}
    if not any(framings.values()) and not any(textures.values()):  # none, or no crop read (said above)
        return ""
    rows = [[name, f["crops_read"], f"{100 * f['span']:.0f}", f"{f['length']:.0f}", f"{f['blur']:.2f}"] if f
            else [name, 0, "", "", ""] for name, f in framings.items()]
    rows = [[*row, f"{t['texture']:.2f} ({t['crops_read']})" if (t := textures.get(row[0])) else ""] for row in rows]
    whites = comparison.get("white_around") or {}  # a comparison from before 2026-12-06 has none
    rows = [[*row, f"{w['with_white']} of {w['crops_read']}" if (w := whites.get(row[0])) else ""] for row in rows]
    # one point a column of the table, in its order: a sentence of them all was too long to read
    said = (f"Medians of up to {FRAMING_CROPS} crops a sample, spread through it. A model types a chromosome otherwise "
            "when its crop was cut or imaged otherwise, whatever the cells; compare cautions where two samples' "
            "medians lie this far apart")
    points = [f"the chromosome's span of its crop (the margin it was cut with): more than {100 * SPANS_APART:.0f} "
              f"points, from {FEWEST_COMPARED} crops read a sample",
              f"its length (the magnification): {LENGTHS_APART:g} times, from {FEWEST_COMPARED} crops read",
              f"its edges' blur (the focus), where the lengths lie within {FOCUS_LENGTHS_APART:g} times: "
              f"{BLUR_APART:g} px (as blurs add), from {FEWEST_COMPARED} crops read",
              "the texture of the white around it (grainier or smoother: the mean absolute Laplacian of green over "
              f"the near-white): {TEXTURE_APART:g} times, from {FEWEST_TEXTURED} crops with a near-white background",
              "the share of crops with a white around the chromosome (a tenth of a crop's pixels or more near "
              f"white, as the paper's preprocessing leaves them; raw crops have less): {100 * RAW_SHARE:.0f} points, "
              f"from {FEWEST_RAW} crops read"]
    listed = "".join(f"<li>{html.escape(point)}{';' if point != points[-1] else '.'}</li>" for point in points)
    return (f"<h2>How the crops were cut and imaged</h2><p>{html.escape(said)}:</p><ul>{listed}</ul>"
            + _table(["sample", "crops read", "chromosome's span of its crop, %", "length, px", "edges' blur, px",
                      "white's texture (crops with a near-white background)",
                      "crops with a white around the chromosome"], rows))


def _spreads_imaged_section(comparison: dict[str, Any]) -> str:
    """How each compared sample's spreads were imaged (the comparison's ``spreads_imaged``: medians of their edges'
    blur and their pixels' noise), so that a reader can see them alike where no caution was given; empty for crops,
    and for spreads whose runs kept no such record."""
    from .spread_imaging import EXTRA_BLUR_CAUTION, NOISE_CAUTION

    imaged = comparison.get("spreads_imaged") or {}  # a comparison from before 2026-12-06 has none
    if not any(read["edge_blur"] is not None or read["noise"] is not None for read in imaged.values()):
        return ""
    rows = [[name, read["spreads"], "" if read["edge_blur"] is None else f"{read['edge_blur']:.2f}",
             "" if read["noise"] is None else f"{100 * read['noise']:.2f}", "" if read.get("jpeg") is None
             else read["jpeg"]] for name, read in imaged.items()]  # no jpeg: a comparison from before 2026-12-06
    said = ("Medians of each sample's spreads, as classify read each (images.csv). Blurred chromosomes are typed C "
            "as B, and noisy pixels B as C, whatever the cells: compare cautions where one sample's edges are blurred "
            f"more than {EXTRA_BLUR_CAUTION:g} px beyond another's (as blurs add), or its pixels are more than "
            f"{NOISE_CAUTION:g} times as noisy, and noisier than {NOISE_CAUTION:g} times the annotated spreads', or "
            "where most of one sample's spreads were saved as JPEG and most of another's not.")
    return (f"<h2>How the spreads were imaged</h2><p>{html.escape(said)}</p>"
            + _table(["sample", "spreads read", "edges' blur, px", "noise, % of the background's level",
                      "JPEG files"], rows))


def _by_hand_section(comparison: dict[str, Any], rows: list[dict[str, str]]) -> str:
    """What a person checked: each call set right in the table, beside the model's, the calls reviewed and the objects
    left out; what the figures above rest on besides the model."""
    if not (sentence := by_hand_sentence(comparison)):
        return ""
    table = [[_chromosome_name(row), f"{call} ({float(row[f'p_{call}']):.2f})", row["predicted"],
              _blind_by(row)] for row in set_by_hand(rows) if (call := model_call(row))]
    set_right = _table(["chromosome", "model's call (probability)", "set to", "in a blind review"], table) if table \
        else ""
    return (f"<h2>Checked by hand</h2><p>{html.escape(sentence)}</p>" + _moved_table(comparison)
            + _corrected_table(comparison) + set_right)


def _moved_table(comparison: dict[str, Any]) -> str:
    """Each sample's A / B / C shares as the model called its chromosomes counted and as counted, set right by hand:
    how far the figures above rest on the review; empty where the comparison keeps no model's calls."""
    if not (model := comparison.get("model_counts")):
        return ""
    rows = [[name, *(abc_percents([n / sum(counts) for n in counts])
                     for counts in (before, comparison["groups"][name]["counts"]))] for name, before in model.items()]
    return _table(["sample", "A / B / C %, as the model called them", "A / B / C %, as counted (set right)"], rows)


def _corrected_table(comparison: dict[str, Any]) -> str:
    """Each sample's open share as the model called every call and as corrected by a review of calls drawn at random,
    and its difference from the reference both ways (:func:`sccscore.agreement.corrected_by_draw`), as compare --out's
    drawn_review.csv gives them; empty where no such review was applied.

    >>> print(_corrected_table({"reference": "wt", "drawn_review": {"corrected": {
    ...     "by_sample": {"wt": {"n_calls": 240, "n_model_open": 74, "n_drawn": 50, "n_units": 8, "open": 0.328,
    ...                          "ci": [0.15, 0.507]},
    ...                   "ko": {"n_calls": 240, "n_model_open": 166, "n_drawn": 50, "n_units": 3, "open": 0.772,
    ...                          "ci": None}},
    ...     "apart": {"ko": {"less": "wt", "difference": 0.444, "model": 0.383, "ci": [0.256, 0.631]}}}}}
    ...                        ).split("<tbody>")[1])
    <tr><td>wt</td><td>240</td><td>50</td><td>30.8</td><td>32.8 (15.0-50.7)</td><td></td><td></td></tr><tr><td>ko</td>\
<td>240</td><td>50</td><td>69.2</td><td>77.2</td><td>+38.3</td><td>+44.4 (+25.6 to +63.1)</td></tr></tbody></table>
    """
    if not (corrected := (comparison.get("drawn_review") or {}).get("corrected")):
        return ""
    from .agreement import corrected_rows

    def share(row: dict[str, Any]) -> str:
        if row["open"] is None:
            return ""
        return shares_with_intervals([row["open"]], [[bound] for bound in row["ci"]])[0] if row["ci"] else \
            f"{100 * row['open']:.1f}"
    def less(row: dict[str, Any]) -> str:
        if row["less"] is None:
            return ""
        return f"{100 * row['less']:+.1f}" + (f" ({points(row['less_ci'])})" if row["less_ci"] else "")
    rows = [[row["sample"], row["n_calls"], row["n_drawn"], f"{100 * row['model_open']:.1f}", share(row),
             "" if row["model_less"] is None else f"{100 * row['model_less']:+.1f}", less(row)]
            for row in corrected_rows(corrected)]
    apart = f"less {comparison['reference']}, points"
    return _table(["sample", "chromosomes", "drawn", "open (B or C) %, the model's calls",
                   "open %, corrected by the draw (95% CI)", f"{apart} (the model's calls)",
                   f"{apart} (corrected, 95% CI)"], rows)


def _blind_by(row: dict[str, str]) -> str:
    """Whether a call was set in a blind review, and by whom where the reviewer wrote a name on its page.

    >>> rows = ({"reviewed": "blind", "reviewer": "ann;bob"}, {"reviewed": "blind"}, {"reviewed": ""})
    >>> [_blind_by(row) for row in rows]
    ['yes, by ann and bob', 'yes', '']
    """
    if not reviewed_blind(row):
        return ""
    by = by_whom((row.get(REVIEWER) or "").split(";"))  # several, each typing it alike, separated by ;
    return f"yes,{by}" if by else "yes"


def _to_check(rows: list[dict[str, str]]) -> str:
    """How many calls this run marked for a person to check, and of those how many a blind review typed; empty for a
    table written before they were marked."""
    if not rows or "check" not in rows[0]:
        return ""
    marked = [row for row in rows if row["check"] == "yes"]
    sentence = to_check_sentence(len(marked), len(rows), sum(map(reviewed_blind, marked)))
    return f"<p>{html.escape(sentence)}</p>"


def _expected_on_new_spreads(model: ScoringModel) -> str:
    from .spread_model import what_to_expect

    return _expected(what_to_expect(model.config.training, model.config.name))


def _expected_on_crops(model: ScoringModel, grey: bool) -> str:
    """What to expect of a crop model's calls, a section of its own: it followed the crops' framing table unnamed, and
    read as part of it."""
    from .evaluate import expected_of

    expected = _expected(expected_of(model, grey))
    return f"<h2>How far to trust these calls</h2>{expected}" if expected else ""


def _expected(points: list[str]) -> str:
    """What to expect of a model's calls, a point a sentence; empty where nothing is known of it."""
    items = "".join(f"<li>{html.escape(point)}</li>" for point in points)
    return f"<div class='expected'><ul>{items}</ul></div>" if items else ""


def _labels_section(rows: list[dict[str, str]], classes: list[str]) -> str:
    parts = ["<h2>Agreement with the labels</h2>"]
    for sample in dict.fromkeys(row["sample"] for row in rows if row.get("label")):
        mine = [row for row in rows if row["sample"] == sample and row.get("label")]
        matrix = confusion_matrix([classes.index(r["label"]) for r in mine],
                                  [classes.index(r["predicted"]) for r in mine], len(classes))
        low, high = agreement_interval(int(matrix.trace()), int(matrix.sum()))
        parts.append(f"<p>{html.escape(sample)}: concordance {concordance(matrix):.3f} (95% CI {low:.3f}-{high:.3f}) "
                     f"on {len(mine)} labelled crops; open (B or C) or cohered (A) as labelled "
                     f"{open_concordance(matrix):.3f}</p>")
        parts.append(_table(["label \\ predicted", *classes], [[c, *row] for c, row in zip(classes, matrix.tolist())]))
    return "".join(parts)


def _gallery_section(model: ScoringModel, rows: list[dict[str, str]], classes: list[str],
                     contents: dict[str, str | None], comparison: dict[str, Any] | None) -> str:
    parts = ["<h2>Examples per type, with Grad-CAM</h2><p class='note'>The most confident crops of each "
             "predicted type; warm colours mark where the model looked.</p>"]
    for cls in classes:
        called = sorted((r for r in rows if r["predicted"] == cls), key=lambda r: -float(r[f"p_{cls}"]))
        mine = _distinct(called, N_GALLERY, contents)
        if not mine:
            continue
        if explanations := _explained(model, comparison, mine, cls):
            # above its strip, as a heading: below a short strip, centred, it read as the next strip's
            shown = _shown_of(len(explanations), len(called), cls)
            named = {Path(row["path"]): row for row in mine}
            tiles = "".join(_heatmap_figure(explanation, named[explanation.item.path])
                            for explanation in explanations)
            parts.append(f"<figure class='gallery'><figcaption>type {cls}: {shown}</figcaption>{tiles}</figure>")
    return "".join(parts)


def _heatmap_figure(explanation: Explanation, row: dict[str, str]) -> str:
    """A crop's Grad-CAM overlay, named in a caption of the page's text as the least certain crops are named: a
    caption drawn into the image was cut to its width, and lost the sample and the cell."""
    from .explain import TILE

    overlay = Image.fromarray(explanation.overlay).resize((TILE, TILE), Image.BILINEAR)
    name = html.escape(_chromosome_name(row))
    wrapped = name.replace("/", "/<wbr>")  # a long path wraps at its folders, not within a name
    # a call set right by hand is shown with the model's probability of it, low: said, lest it read as the model's
    by_hand = ", set by hand" if model_call(row) not in (None, row["predicted"]) else ""
    return (f"<figure class='heatmap'><img class='heatmap' alt='{name}' src='{image_uri(overlay)}'>"
            f"<figcaption>{wrapped}<br>{explanation.predicted} {explanation.probability:.2f}{by_hand}</figcaption>"
            "</figure>")


def _shown_of(shown: int, called: int, cls: str) -> str:
    """Which of the crops called ``cls`` a gallery shows, in words.

    >>> _shown_of(6, 40, "B"), _shown_of(1, 1, "A"), _shown_of(3, 3, "C")
    ('the 6 most confident of the 40 crops called B', 'the 1 crop called A', 'all 3 crops called C')
    """
    if shown < called:
        return f"the {shown} most confident of the {called} crops called {cls}"
    return f"the 1 crop called {cls}" if called == 1 else f"all {called} crops called {cls}"


def _explained(model: ScoringModel, comparison: dict[str, Any] | None, rows: list[dict[str, str]],
               cls: str) -> list:
    """The Grad-CAM explanations of type ``cls`` of the crops of ``rows``, in their order, each read as classify read
    it (:func:`_as_typed`)."""
    from .explain import explain

    explained = []
    for by, some in _as_typed(model, comparison, rows):
        items = [ImageItem(Path(r["path"]), r["sample"]) for r in some]
        explained += explain(by, items, types=[cls] * len(some))[0]
    order = {Path(row["path"]): n for n, row in enumerate(rows)}
    return sorted(explained, key=lambda explanation: order[explanation.item.path])


def _as_typed(model: ScoringModel | None, comparison: dict[str, Any] | None,
              rows: list[dict[str, str]]) -> list[tuple[Any, list[dict[str, str]]]]:
    """The model as it read the samples' crops, each with the rows of the samples it read so: one, unless compare was
    given samples classified with two preprocessings (its ``preprocess`` names each sample's,
    :func:`sccscore.sample_cautions.check_made_alike`), where the model preprocesses each sample's crops as classify
    did (:func:`sccscore.models.preprocessing`)."""
    each = (comparison or {}).get("preprocess")
    if model is None or not isinstance(each, dict):
        return [(model, rows)]
    from .models import preprocessing

    ways: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        ways.setdefault(each.get(row["sample"], model.config.input.preprocess), []).append(row)
    return [(preprocessing(model, way), some) for way, some in ways.items()]


def _distinct(rows: list[dict[str, str]], n: int, contents: dict[str, str | None]) -> list[dict[str, str]]:
    """The first ``n`` rows whose files differ (:func:`_contents`): an image given twice would fill two places."""
    chosen, seen = [], set()
    for row in rows:
        content = contents.get(row["path"]) or row["path"]  # a file gone: explain says so
        if content not in seen:
            seen.add(content)
            chosen.append(row)
        if len(chosen) == n:
            break
    return chosen


def _least_certain_section(rows: list[dict[str, str]], classes: list[str]) -> str:
    """The calls the model was least sure of, to look at by eye: not those a person typed already, in a blind review
    or by setting the call right in the table, which would fill it where a review was applied."""
    unchecked = [row for row in rows if not reviewed_blind(row) and model_call(row) == row["predicted"]]
    if not unchecked:
        return ""
    unchecked.sort(key=lambda row: max(row_probabilities(row).values()))  # the least sure first
    figures = []
    for row in unchecked[:N_LEAST_CERTAIN]:
        try:
            thumbnail = Image.fromarray(read_image(row["path"]))
        except ImageReadError:  # a file moved or changed since classify: show the row without it
            thumbnail = Image.new("RGB", (8, 8), "white")
        thumbnail.thumbnail((192, 192))
        shares = " ".join(f"{c} {float(row[f'p_{c}']):.2f}" for c in classes)
        figures.append(f"<figure><img class='crop' alt='{html.escape(Path(row['path']).name)}' "
                       f"src='{image_uri(thumbnail)}'><figcaption>{html.escape(_chromosome_name(row))}"
                       f"<br>{shares}</figcaption></figure>")
    n_typed = len(rows) - len(unchecked)
    typed = f", leaving out {counted(n_typed, 'call')} a person typed" if n_typed else ""
    least = max(row_probabilities(unchecked[0]).values())
    # after a review of the calls less sure than CHECK_BELOW, what is left is sure: said, as the page asks no look
    look = (f": every call left is {CHECK_BELOW:g} sure or more (the least {least:.2f})" if least >= CHECK_BELOW
            else ": worth a look by eye")
    return (f"<h2>Least certain chromosomes</h2><p class='note'>The crops the model was least sure of{typed}{look}.</p>"
            + "".join(figures))


def _spread_name(row: dict[str, str]) -> str:
    """A spread as its overlay's caption names it: sample / image."""
    return f"{row['sample']} / {image_stem(row['image'])}"


def _chromosome_name(row: dict[str, str]) -> str:
    """A crop by its sample and its path within the sample's folder; a spread's chromosome as its overlay shows it:
    caption, then number."""
    if row.get("image") and row.get("id"):  # crops of two spreads share file names (001.png, ...)
        return f"{_spread_name(row)} #{row['id']}"
    return f"{row['sample']}/{_within_sample(row)}"


def _within_sample(row: dict[str, str]) -> str:
    """A crop's path within its sample's folder (``day1/cell4/a_a078.jpg``), as compare reads its cell there
    (:func:`sccscore.cells.sample_folder`): the crops of two cells may share a file name.

    >>> _within_sample({"path": "lab/wt/day1/cell4/a078.jpg", "sample": "wt"}), _within_sample({"path": "x/a.jpg",
    ...                                                                                          "sample": "wt"})
    ('day1/cell4/a078.jpg', 'x/a.jpg')
    """
    path = Path(row["path"])
    return path.relative_to(sample_folder(path.parent, row["sample"])).as_posix()
