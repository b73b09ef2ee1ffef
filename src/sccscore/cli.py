"""The ``sccscore`` command line: a thin layer over the Python API.

Heavy imports (torch) happen inside the commands, after the arguments are parsed,
so that ``--help`` and argument errors are instant.
"""

from __future__ import annotations

import calendar
import math
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from typer.core import TyperGroup

from .errors import SccscoreError
from .layout import JOINED_TABLE
from .terminal import console, flag, progress_bar, show, show_rows, stdout
from .words import abc_percents, counted, listing, noun, such_as


class _Commands(TyperGroup):
    """sccscore's commands, which say so when Ctrl-C stops one (typer exits with 130 in silence), with what the
    command noted on the way out (:meth:`BaseException.add_note`): how to go on, where it can."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as interrupt:
            console.print("; ".join(["interrupted", *getattr(interrupt, "__notes__", [])]), highlight=False)
            raise


# Help in click's two columns (rich_markup_mode=None): typer's rich panels squeeze each option's help into 20
# characters of an 80-column terminal. Each command's first sentence is its line in the list of commands, which
# click cuts at about 54 characters: kept shorter (tests/test_cli.py checks both).
app = typer.Typer(
    cls=_Commands,
    help="Score sister chromatid cohesion defects in chromosome images.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
data_app = typer.Typer(help="Locate, fetch and check the sample data and models.", no_args_is_help=True,
                       rich_markup_mode=None)
app.add_typer(data_app, name="data")
ModelOption = Annotated[
    str,
    typer.Option(
        "--model", "-m", help="Model folder saved by sccscore train or train-spreads, paper:squeezenet1_1/N (N=1..30), "
        "paper:squeezenet1_1, sccscore:grey-crops (sccscore's model of grey crops, a monochrome camera's) or "
        "sccscore:spreads (sccscore's models for whole spreads)."
    ),
]
# the default models for crops and for spreads (as in sccscore.models, which imports torch: not at start-up)
RELEASED, SPREAD_MODEL = "paper:squeezenet1_1", "sccscore:spreads"
StrictOption = Annotated[bool, typer.Option(
    "--strict", help="Fail on the first unreadable file (or spread that cannot be read) instead of skipping it.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
DeviceOption = Annotated[Optional[str], typer.Option(
    "--device", help="cpu, cuda, cuda:1 ... (default: cuda if available).")]
BatchOption = Annotated[Optional[int], typer.Option(
    "--batch-size", min=1, help="Crops scored at once (default: 64, or 8 for a model that scores each in 8 views).")]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="auto (CPU: OpenVINO in bfloat16 where native, else ONNX Runtime; GPU: torch), openvino, onnx or torch.",
    ),
]
WorkersOption = Annotated[
    Optional[int], typer.Option("--workers", min=1, help="Threads that read the images, and whole spreads side by "
                                "side (default: one per CPU core).")
]
ScaleOption = Annotated[Optional[float], typer.Option(
    "--scale", min=0.1, max=10.0,
    help="Whole spreads: chromosome length in px relative to the oshima2026 spreads (about 40 px; 2 = twice as long); "
    "default: that of the spreads a train-spreads --model was fitted on, else 1.")]
OutlineOption = Annotated[bool, typer.Option(
    "--outline/--no-outline",
    help="Whole spreads: weigh the model's type with the evidence of the chromosome's outline (sccscore.shape).")]
# the YOLO label files of annotated spreads, as evaluate-detection and train-spreads take them
LABELS_HELP = ("Folder of their YOLO label files (<image>.txt, in the images' sub-folders); classes 0, 1, 2 are "
               "types A, B, C unless a classes.txt, obj.names, _darknet.labels or data.yaml in it or the two folders "
               "above names them.")
LabelsArgument = Annotated[Path, typer.Argument(help=LABELS_HELP)]
PreprocessOption = Annotated[
    Optional[str],
    typer.Option("--preprocess", help="Override the model's crop preprocessing: none, or paper for raw crops."),
]


def _version_callback(value: bool) -> None:
    if value:
        from .version import versions

        for name, version in versions().items():
            stdout.print(f"{name} {version}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show versions and exit.")
    ] = False,
) -> None:
    """Score sister chromatid cohesion defects in chromosome images."""


def _load(model: str, preprocess: str | None):
    from .models import load_model

    return load_model(model, preprocess=preprocess)


@app.command()
def classify(
    folders: Annotated[list[Path], typer.Argument(help="Sample folders (images, or a/b/c label folders).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the CSV tables.")],
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help=f"As for the other commands; default {RELEASED} for crops, {SPREAD_MODEL} with "
        "--spreads.")] = None,
    preprocess: PreprocessOption = None,
    strict: StrictOption = False,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run into the same --out.")] = False,
    batch_size: BatchOption = None,
    device: DeviceOption = None,
    engine: EngineOption = "auto",
    workers: WorkersOption = None,
    make_report: Annotated[bool, typer.Option("--report", help="Also write a self-contained report.html.")] = False,
    spreads: Annotated[bool, typer.Option(
        "--spreads", help="The images are whole spreads (files or folders): detect, crop and classify.")] = False,
    scale: ScaleOption = None,
    outline: OutlineOption = True,
    quiet: QuietOption = False,
) -> None:
    """Classify crops or whole spreads as types A, B and C. Writes predictions.csv, summary.csv and rejected.csv."""
    _check_spread_options(spreads, preprocess, scale, outline)
    try:
        if spreads:
            models = _load_spread_models(model or SPREAD_MODEL)
            loaded = models.classifier
            read = _classify_spreads(folders, loaded, out, quiet, scale, resume=resume, strict=strict,
                                     batch_size=batch_size, device=device, engine=engine, workers=workers,
                                     use_outline=outline, merge_model=models.merge, shape_model=models.shape)
        else:
            loaded = _load(model or RELEASED, preprocess)
            read = _classify_crops(folders, loaded, out, quiet, strict=strict, resume=resume, batch_size=batch_size,
                                   device=device, engine=engine, workers=workers)
    except KeyboardInterrupt as interrupt:
        if note := _resume_note(out):
            interrupt.add_note(note)
        raise
    if spreads and make_report and not read.metaphases:
        raise SccscoreError(f"no chromosome was found in any of the spreads, so no report was written; "
                            f"{out / 'detections.csv'} and {out / 'overlays'} show what was left out and why")
    if make_report:
        from .report import write_report
        from .runtime import describe_engine

        scored_with = {"scored with": describe_engine(loaded, device, engine)}
        if spreads:
            scored_with |= _spread_settings(read, models.shape if outline else None)
        console.print(f"wrote {write_report(out, loaded, settings=scored_with)}", highlight=False)
    else:
        _caution_earlier_report(out)
    _print_compare_command(read.summary, read.out_dir)


def _caution_earlier_report(out: Path) -> None:
    """Without --report, name the report that an earlier run wrote into ``out``: opened later, it would be read as this
    run's (of other samples, or of calls set right since). Kept: it may be of the same calls (compare into the folder
    of the classify run whose report it is)."""
    if (out / "report.html").is_file():
        flag("caution", f": {out / 'report.html'} is an earlier run's report, not this run's (--report writes this "
              "run's)")


def _resume_note(out: Path) -> str | None:
    """How to go on after Ctrl-C, where the run had begun to keep its work in ``out`` (its hidden run file:
    :func:`sccscore.layout.is_unfinished_run`); None where it was stopped before (loading the model).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     before = _resume_note(Path(folder))
    ...     _ = (Path(folder) / ".classify-run.json").write_text("{}")
    ...     print(before, "|", _resume_note(Path(folder)).replace(folder, "scored"))
    None | scored keeps what was scored so far: the same command with --resume scores only the rest
    """
    from .layout import is_unfinished_run

    if is_unfinished_run(out):
        return f"{out} keeps what was scored so far: the same command with --resume scores only the rest"
    return None


def _types_of(rows: list[dict]) -> list[str]:
    """The types of a table of shares, from its columns of them (``pct_A``...): the model's classes."""
    return [key[len("pct_"):] for key in rows[0] if key.startswith("pct_")] if rows else []


def _print_compare_command(summary: list[dict], out_dir: Path) -> None:
    """The command that compares the samples scored, the first given as the reference, from this run's calls: so
    that nothing is detected or classified again (compare --spreads would); of one sample, with another run's."""
    import shlex

    from .predictions_table import read_predictions

    classes = _types_of(summary)
    scored = [row["sample"] for row in summary if sum(row[f"n_{c}"] for c in classes)]
    table = shlex.quote(str(out_dir / "predictions.csv"))
    rows = read_predictions(out_dir / "predictions.csv") if scored else []
    for sample in scored:
        if hint := _pooled_folders_hint(rows, sample):
            console.print(hint, highlight=False)
    if len(scored) >= 2:
        console.print(f"to compare them, the first as the reference: sccscore compare {shlex.join(scored)} "
                      f"--predictions {table}", highlight=False)
        if hint := _replicate_folders_hint(rows, scored[0]):
            console.print(hint, highlight=False)
    elif scored:
        console.print(f"to compare it with a sample of another run: sccscore compare REFERENCE "
                      f"{shlex.quote(scored[0])} --predictions OTHER_RUN/predictions.csv --predictions {table} "
                      "--out DIR", highlight=False)


def _pooled_folders_hint(rows: list[dict[str, str]], sample: str) -> str | None:
    """Where a sample's images lie in two or more folders not numbered alike (``exp/wt/`` and ``exp/ko/``, not
    ``wt/cell1/`` and ``wt/cell2/``, nor ``wt/day1/``...), that they were scored as one sample, and how to score each
    folder as a sample of its own: an experiment's folder given where its genotypes' were meant pooled them in silence,
    its genotypes' folders taken for cells.

    >>> rows = [{"path": f"exp/{genotype}/{n}.png", "sample": "exp"} for genotype in ("wt", "ko") for n in (1, 2)]
    >>> print(_pooled_folders_hint(rows, "exp"))
    exp was scored as one sample, pooling the folders ko and wt in it: to score each as a sample of its own, give \
them: sccscore classify exp/ko exp/wt --out DIR
    >>> [_pooled_folders_hint([{**row, "path": row["path"].replace("wt", one).replace("ko", two)} for row in rows],
    ...                       "exp") for one, two in (("cell1", "cell2"), ("slideA", "slideB"), ("day 1", "day 2"),
    ...                                               ("2026-11-30", "2026-12-01"), ("Mon", "tue"))]
    [None, None, None, None, None]
    """
    import shlex

    from .cells import sample_folder
    from .images import label_from_folder_name
    from .predictions_table import from_spreads

    folders: dict[str, Path] = {}
    for row in (row for row in rows if row["sample"] == sample):
        if row.get("image"):  # a spread's chromosome: the spread, named below its sample's folder
            below, spread = Path(row["image"]).parts, Path(row.get("spread") or "")
            root = spread.parents[len(below) - 1] if len(spread.parents) >= len(below) else Path(sample)
        else:
            root = sample_folder(Path(row["path"]).parent, sample)
            below = Path(row["path"]).relative_to(root).parts
        if len(below) > 1 and label_from_folder_name(below[0]) is None:  # a/, b/, c/: a labelled folder's types
            folders.setdefault(below[0], root / below[0])
    names = sorted(folders)
    if len(names) < 2 or len(set(map(_series_stem, names))) == 1:
        return None  # cell1, cell2, day1, day2, slideA, slideB, dates or days: a sample's cells or replicates
    give = shlex.join(str(folders[name]) for name in names)
    return (f"{sample} was scored as one sample, pooling the folders {listing(names)} in it: to score each as a "
            f"sample of its own, give them: sccscore classify {'--spreads ' if from_spreads(rows) else ''}{give} "
            "--out DIR")


WEEKDAYS = {day.lower() for day in (*calendar.day_name, *calendar.day_abbr)}


def _series_stem(name: str) -> str:
    """What a folder's name leaves once its number, date or last letter goes, alike for folders of a series: day1 and
    day 2 (day), 2026-11-30 and 231201 (nothing), slideA and slideB (slide), Mon and tue (weekday)."""
    lowered = name.lower()
    if lowered in WEEKDAYS:
        return "weekday"
    if re.search(r"\d", lowered):
        return re.sub(r"[\d\s_.-]+", "", lowered)
    return re.sub(r"[\s_-]*[a-z]$", "", lowered)


def _replicate_folders_hint(rows: list[dict[str, str]], reference: str) -> str | None:
    """Where every sample's cells lie in folders of folders, two or more (wt/day1/cell1/, or wt/day1/ of spreads),
    the option that tests those folders as replicates, naming the reference's: sccscore cannot know whether they are
    independent experiments, and compare tests the replicates only when asked."""
    from .cells import cell_replicates
    from .images import named_first
    from .predictions_table import from_spreads

    try:
        replicates = cell_replicates(rows)
    except SccscoreError:  # a cell outside any replicate's folder: the layout --replicate-folders refuses
        return None
    if min(len(set(by_cell.values())) for by_cell in replicates.values()) < 2:
        return None
    names = sorted(set(replicates[reference].values()))
    named = listing(names) if len(names) <= 4 else named_first(names, 3)
    return (f"{reference}'s {'spreads' if from_spreads(rows) else 'cells'} lie in folders {named}: where those are "
            "independent experiments (cultures, days), add --replicate-folders to test the replicates too")


def _classify_crops(folders: list[Path], model, out: Path, quiet: bool, **options):
    """Classify, and say what was found; the result (:class:`sccscore.classify.ClassifyResult`)."""
    from .classify import classify as run

    with progress_bar("classifying", quiet) as progress:
        result = run(folders, model, out, progress=progress, **options)
    scored = any(row["n_images"] for row in result.summary)
    if scored:  # a table of empty rows, and what to expect of calls not made, would only hide the reason below
        _print_summary(result.summary, _crop_counts(result.summary))
        _print_expected(model, result.all_grey)
    _print_skipped(result.rejected)
    console.print(f"wrote {result.out_dir / 'predictions.csv'}, summary.csv and rejected.csv", highlight=False)
    if not scored:  # a run that typed nothing is not a success
        raise SccscoreError(f"no image could be scored: see the files skipped above and "
                            f"{result.out_dir / 'rejected.csv'}")
    return result


def _print_expected(model, grey: bool = False) -> None:
    """What to expect of a crop model's calls, where its figures on labelled images it did not learn are known (on
    grey crops, where every sample's are grey: :func:`sccscore.evaluate.expected_of`), in brief
    (:func:`sccscore.evaluate.in_brief`): the report says it whole."""
    from .evaluate import expected_of, in_brief

    if expected := expected_of(model, grey):
        _print_points(in_brief(expected))


def _print_points(points: list[str]) -> None:
    """What to expect, a point a paragraph, as the report lists them: a dozen sentences run together are not read."""
    console.print("\n".join(points), highlight=False)


def _classify_spreads(paths: list[Path], model, out: Path, quiet: bool, scale: float | None, **options):
    """Detect and classify, and say what was found."""
    from .compare import metaphase_table
    from .spread_model import what_to_expect
    from .spreads import classify_spreads, needs_check, to_check_sentence

    with progress_bar("detecting", quiet) as progress:
        result = classify_spreads(paths, model, out, _settings(scale), progress=progress, **options)
    _print_spread_result(result)
    if result.metaphases:
        show_rows(metaphase_table(result.metaphases, _types_of(result.metaphases)), "Per metaphase")
        _print_summary(result.summary, {"images": "n_images", "metaphases": "n_metaphases",
                                        "chromosomes": "n_chromosomes"}, title="Per sample", cells_key="n_metaphases")
        _print_points(what_to_expect(model.config.training, model.config.name))
        calls = [p for spread in result.spreads for p in spread.probabilities.values()]
        console.print(to_check_sentence(sum(map(needs_check, calls)), len(calls)), highlight=False)
    tables = ("metaphases.csv, images.csv, summary.csv" if result.metaphases
              else "images.csv (no chromosome: no metaphases.csv or summary.csv)" if result.images
              else "no metaphases.csv, images.csv or summary.csv (no spread read)")
    drawn = (", crops/, overlays/ and labels/ (the calls as YOLO labels: a draft to correct into annotations for "
             "train-spreads)" if result.spreads else " and cautions.csv (no crops, overlays or labels)")
    console.print(f"wrote {result.out_dir / 'predictions.csv'}, {tables}, detections.csv, rejected.csv"
                  + (", cautions.csv" if result.spreads else "") + drawn, highlight=False)
    _refuse_if_none_read(result)
    return result


def _refuse_if_none_read(result) -> None:
    """A run of spreads none of which could be read is an error, not success with empty tables."""
    if result.rejected and not result.spreads:
        raise SccscoreError(f"no spread could be read: see the files skipped above and "
                            f"{result.out_dir / 'rejected.csv'}")


def _check_spread_options(spreads: bool, preprocess: str | None, scale: float | None, outline: bool) -> None:
    if spreads and preprocess:
        raise SccscoreError("--spreads takes no --preprocess: the crops it cuts are already preprocessed like the "
                            "published ones")
    if scale is not None and not spreads:
        raise SccscoreError("--scale is for whole spreads (--spreads); crops are resized to the model's input anyway")
    if not outline and not spreads:
        raise SccscoreError("--no-outline is for whole spreads (--spreads): crops are typed by the model alone")


def _spread_settings(read, shape_model) -> dict[str, str]:
    """The report's settings of a run of whole spreads: the outline model (None: not used) and the scale."""
    outline = ("not used (--no-outline): the model's call alone" if shape_model is None
               else f"model weighed with the outline, shape model fitted on {', '.join(shape_model.trained_on)}")
    return {"outline": outline, "spreads read at scale": f"{read.settings.scale:g} (chromosome length relative "
                                                         "to the oshima2026 spreads, about 40 px)"}


def _settings(scale: float | None):
    """Detection settings at the given scale; None leaves it to the merge model (the scale it was fitted at)."""
    from .detect import DetectSettings

    return None if scale is None else DetectSettings(scale=scale)


def _load_spread_models(model: str):
    from .spread_model import load_spread_models

    return load_spread_models(model)


def _print_spread_result(result) -> None:
    from .detect import EDGE_REASON
    from .images import named_first
    from .spreads import overlays_of_earlier_runs

    for spread in result.spreads:
        statuses = Counter(d.status for d in spread.detections)
        kinds = sorted(statuses, key=lambda status: (status == "edge", status))  # "cut by ..." last: no "1 edge"
        left_out = ", ".join(f"{statuses[kind]} {EDGE_REASON}" if kind == "edge"
                             else counted(statuses[kind], kind) for kind in kinds if kind != "chromosome")
        console.print(f"{spread.item.path}: {counted(statuses['chromosome'], 'chromosome')} in "
                      f"{counted(spread.n_metaphases, 'metaphase')}"
                      + (f"; left out: {left_out}" if left_out else ""), highlight=False)
    _print_cautioned(result)
    _print_skipped(result.rejected)
    if earlier := overlays_of_earlier_runs(result):
        flag("caution", f": {result.out_dir / 'overlays'} also holds {counted(len(earlier), 'overlay')} this run "
              f"did not draw ({named_first(earlier, 3)}), with their crops and labels: left by an earlier run into "
              "this folder, they are not this run's; give each run a folder of its own")


def _print_cautioned(result, shown: int = 5) -> None:
    """How many spreads were cautioned, said again after them all: each caution was warned of as its spread was
    read, among many spreads' lines."""
    from .images import named_first
    from .spreads import scale_sentence, scales_suggested

    cautioned = [spread.item.name for spread in result.spreads if spread.cautions]
    if cautioned:
        flag("cautioned", f" {len(cautioned)} of {len(result.spreads)} spreads ({named_first(cautioned, shown)}): "
              f"check their overlays before reading their types; why: {result.out_dir / 'cautions.csv'}")
    if sentence := scale_sentence(scales_suggested(result.spreads)):
        flag("scale", f": {sentence}")


def _print_skipped(skipped: list, listed_in: str = "rejected.csv", shown: int = 5) -> None:
    """Each file skipped (``images.Rejected``) with why, up to ``shown`` of them; ``listed_in`` lists them all."""
    for item in skipped[:shown]:
        flag("skipped", f" {item.path}: {item.reason}")
    if len(skipped) > shown:
        flag("skipped", f" {len(skipped) - shown} more: see {listed_in}")


@app.command()
def detect(
    images: Annotated[list[Path], typer.Argument(help="Spread images, or folders of them.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for crops, detections.csv, overlays.")],
    labels: Annotated[Optional[Path], typer.Option(
        "--labels", help="Folder of YOLO label files (<image>.txt, in the images' sub-folders): also sort matched "
        "crops into labelled/a|b|c.")] = None,
    model: Annotated[str, typer.Option(
        "--model", "-m", help="sccscore:spreads, or a folder written by train-spreads: its merge model joins the "
        "fragments into chromosomes.")] = SPREAD_MODEL,
    scale: ScaleOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
) -> None:
    """Find the chromosomes in whole spreads. Writes one crop per chromosome, detections.csv and overlays."""
    from .config import MERGE_FILE, spread_model_folder
    from .merge import MergeModel
    from .spreads import detect_spreads

    folder = spread_model_folder(model)
    if folder is None and model != SPREAD_MODEL:
        raise SccscoreError(f"{model}: detect takes sccscore:spreads or a folder written by train-spreads")
    merge_model = MergeModel.load(folder and folder / MERGE_FILE)
    with progress_bar("detecting", quiet) as progress:
        result = detect_spreads(images, out, _settings(scale), merge_model, labels_dir=labels, progress=progress,
                                workers=workers)
    _print_spread_result(result)
    drawn = (", crops/, overlays/, rejected.csv, cautions.csv" + (", labelled/" if labels else "") + " and labels/ "
             "(the boxes as YOLO labels, untyped: a draft to type and correct into annotations for train-spreads)"
             if result.spreads else ", rejected.csv and cautions.csv (no spread read: no crops, overlays or labels)")
    console.print(f"wrote {result.out_dir / 'detections.csv'}, images.csv" + drawn, highlight=False)
    _refuse_if_none_read(result)


@app.command("evaluate-detection")
def evaluate_detection(
    images: Annotated[Path, typer.Argument(help="Folder of annotated spread images.")],
    labels: LabelsArgument,
    model: ModelOption = SPREAD_MODEL,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Keep crops, overlays and tables here.")] = None,
    leave_one_out: Annotated[bool, typer.Option(
        "--leave-one-out", help="Score each spread with merge and shape models and a classifier fitted on the others "
        "(and on --train); --model is then not used.")] = False,
    train: Annotated[Optional[list[Path]], typer.Option(
        "--train", help="With --leave-one-out: labelled crop folders to train on as well (repeatable).")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write all figures to this JSON file.")] = None,
    outline: OutlineOption = True,
    scale: ScaleOption = None,
    workers: WorkersOption = None,
) -> None:
    """Score detection and types on annotated spreads. Detection recall and precision (IoU >= 0.5), and end-to-end
    concordance."""
    import tempfile

    from . import detection_eval

    if leave_one_out:
        report = detection_eval.leave_one_out(images, labels, train or [], _settings(scale),
                                              log=lambda m: console.print(m), use_outline=outline, workers=workers)
    else:
        models = _load_spread_models(model)
        with tempfile.TemporaryDirectory(prefix="sccscore-detection-") as tmp:
            report = detection_eval.evaluate_detection(images, labels, models.classifier, out or tmp, _settings(scale),
                                                       models.merge, models.shape, use_outline=outline,
                                                       workers=workers)
    rates = ("recall", "precision", "concordance", "open_concordance")
    n_cautions = [len(image["cautions"]) for image in report["per_image"]]  # a spread imaged otherwise reads worse
    rows = [*report["per_image"], {**report, "image": "all"}]
    show_rows([{"image": r["image"], "n_true": r["n_true"], "n_found": r["n_found"],
                   **{k: _rate(r[k]) for k in rates}, "cautions": n}
                  for r, n in zip(rows, [*n_cautions, sum(n_cautions)])], "Detection and type")
    show_rows([{"type": name, **figures, **{k: _rate(figures[k]) for k in ("recall", "concordance")}}
                  for name, figures in report["per_type"].items()], "Per annotated type")
    if intervals := report["intervals"]:
        stdout.print("Wilson 95% intervals, the chromosomes taken as independent (spreads differ more, above): "
                     + ", ".join(f"{name} {low:.3f}-{high:.3f}" for name, (low, high) in intervals.items()),
                     highlight=False)
    if by_spread := report["intervals_by_spread"]:
        units = detection_eval.independent_units(report["per_image"])
        stdout.print(f"95% intervals with the {units} as the independent units (Korn and Graubard; how far the "
                     "figures could move with other spreads like these): "
                     + ", ".join(f"{name} {low:.3f}-{high:.3f}" for name, (low, high) in by_spread.items()),
                     highlight=False)
    if report["per_metaphase"]:  # none where no chromosome was found
        slash = "/".join(report["per_type"])
        show_rows([{"image": m["image"], "metaphase": m["metaphase"], "n_annotated": m["n_annotated"],
                       "n_called": m["n_called"], f"annotated {slash} %": " / ".join(map(str, m["annotated_pct"])),
                       f"called {slash} %": " / ".join(map(str, m["called_pct"]))} for m in report["per_metaphase"]],
                     "Per metaphase")
    if check := report["to_check"]:
        marked, called, percent_of = check["n_marked"], check["n_called"], detection_eval.percent_of
        stdout.print(f"Calls less sure than {check['below']:g}, which classify --spreads marks to check: "
                     f"{marked} of the {called} matched, right {percent_of(check['marked_correct'], marked)}; "
                     f"the others right {percent_of(check['sure_correct'], called - marked)}; "
                     + (f"{check['n_wrong_marked']} of the {counted(check['n_wrong'], 'wrong call')} "
                        f"{'was' if check['n_wrong_marked'] == 1 else 'were'} marked" if check["n_wrong"]
                        else "no call was wrong"), highlight=False)
    if json_path:
        from ._atomic import write_json

        write_json(json_path, report)
        console.print(f"wrote {json_path}", highlight=False)


def _rate(value: float | None) -> str:
    """A figure to three decimals, as the terminal gives every concordance; ``-`` where there was nothing to count
    (None), or it is undefined (NaN: Cohen's kappa of images all of one type, labelled and called)."""
    return "-" if value is None or math.isnan(value) else f"{value:.3f}"


def _of_ensemble(report: dict, key: str, shown: Callable[..., str] = _rate) -> str:
    """An evaluation's figure, ``shown`` so; of an ensemble, its members' mean and the ensemble's, whose calls classify
    gives (the two differ: on 36 crops, kappa 0.35 against 0.46)."""
    if "models" not in report:
        return shown(report[key])
    return f"{shown(report[key])} (mean of {len(report['models'])} models), ensemble {shown(report['ensemble'][key])}"


def _crop_counts(summary: list[dict]) -> dict[str, str]:
    """The counted columns of a summary of crops to show (header: key): the cells where the folders name them, so
    that a lab sees whether its folders were read as the cells it meant."""
    cells = {"cells": "n_cells"} if any(row["n_cells"] != "" for row in summary) else {}
    return {"images": "n_images", "rejected": "n_rejected"} | cells


def _print_summary(summary: list[dict], counted: dict[str, str], title: str | None = None,
                   cells_key: str = "n_cells") -> None:
    """The samples' shares with their intervals, after the ``counted`` columns (header: key of the summary's rows);
    where the crops had labels, the concordance, and the labels' shares in a row under each sample's.
    ``cells_key``: the rows' number of cells (for whole spreads, of metaphases)."""
    from .compare import shares_shown

    classes = _types_of(summary)
    shown, _, interval_name = shares_shown(summary, classes, cells_key)
    labelled = any(row.get("concordance", "") != "" for row in summary)
    table = Table("sample", *counted, *(f"{c} % (95% CI)" for c in classes),
                  *(["concordance (95% CI)"] if labelled else []), box=None, title=title,
                  caption=f"shares with {interval_name}")
    for row, shares in zip(summary, shown):
        counts = [str(row[key]) if row[key] != "" else "-" for key in counted.values()]
        if not labelled:
            table.add_row(row["sample"], *counts, *shares)
            continue
        low, high = row["concordance_ci_low"], row["concordance_ci_high"]
        concordance = f"{row['concordance']:.3f} ({low:.3f}-{high:.3f})" if row["concordance"] != "" else "-"
        table.add_row(row["sample"], *counts, *shares, concordance)
        # a row of its own, as compare's corrected shares: the table stays narrow enough for a terminal
        table.add_row("  labels", *([""] * len(counted)), *(_pct(row[f"label_pct_{c}"]) for c in classes), "")
    show(table)


def _pct(value) -> str:
    return f"{value:.1f}" if value != "" else "-"


@app.command()
def evaluate(
    folder: Annotated[Path, typer.Argument(help="Labelled folder: <folder>/<a|b|c>/<image>.")],
    model: ModelOption = RELEASED,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write all figures to this JSON file.")] = None,
    preprocess: PreprocessOption = None,
    strict: StrictOption = False,
    batch_size: BatchOption = None,
    device: DeviceOption = None,
    engine: EngineOption = "auto",
    workers: WorkersOption = None,
    quiet: QuietOption = False,
) -> None:
    """Score a model on labelled crops. Concordance, Cohen's kappa, confusion matrix and A/B/C distributions."""
    from ._atomic import write_json
    from .evaluate import evaluate as run

    loaded = _load(model, preprocess)
    with progress_bar("evaluating", quiet) as progress:
        report = run(folder, loaded, strict=strict, progress=progress, batch_size=batch_size, device=device,
                     engine=engine, workers=workers)
    _print_evaluation(report)
    if json_path:
        write_json(json_path, report)
        console.print(f"wrote {json_path}", highlight=False)


def _print_evaluation(report: dict) -> None:
    classes = report["classes"]
    stdout.print(f"{report['sample']}: {counted(report['n_images'], 'image')}, model {report['model']}",
                 highlight=False)
    interval = "95% CI {:.3f}-{:.3f} from these images".format
    if "models" in report:
        stdout.print(
            f"concordance {report['concordance']:.3f} (mean of {len(report['models'])} models, "
            f"{report['concordance_min']:.3f}-{report['concordance_max']:.3f}); "
            f"ensemble {report['ensemble']['concordance']:.3f} ({interval(*report['ensemble']['concordance_ci'])})",
            highlight=False,
        )
    else:
        stdout.print(f"concordance {report['concordance']:.3f} ({interval(*report['concordance_ci'])})",
                     highlight=False)
    _print_by_source_image(report)
    stdout.print(f"Cohen's kappa {_of_ensemble(report, 'kappa')}", highlight=False)
    stdout.print(f"open (B or C) or cohered (A) as labelled: {_of_ensemble(report, 'open_concordance')}",
                 highlight=False)
    def by_type(recalls: list[float | None]) -> str:
        return ", ".join(f"{c} {_rate(r)}" for c, r in zip(classes, recalls))

    stdout.print(f"each type's labelled crops given that type: {_of_ensemble(report, 'recall', by_type)}",
                 highlight=False)
    # of an ensemble, the members' mean and the ensemble's calls, whose shares classify gives and compare tests
    predicted = (f"predicted {abc_percents(report['distribution_pred'])} (mean of {len(report['models'])} models), "
                 f"ensemble {abc_percents(report['ensemble']['distribution_pred'])}" if "models" in report
                 else f"predicted {abc_percents(report['distribution_pred'])}")
    stdout.print(f"{'/'.join(classes)} % labels {abc_percents(report['distribution_true'])}; {predicted}",
                 highlight=False)
    check = report["correction_check"]
    whose = "the ensemble's " if "models" in report else ""
    stdout.print(f"corrected {abc_percents(check['distribution_corrected'])} (each fifth by the confusion of the other "
                 f"four); error against the labels {check['error_corrected']:.3f} corrected, {check['error_raw']:.3f} "
                 f"{whose}uncorrected", highlight=False)
    title = f"confusion, mean of {len(report['models'])} models" if "models" in report else "confusion"
    table = Table("label \\ predicted", title=title, box=None)
    for cls in classes:
        table.add_column(cls, justify="right")
    for cls, row in zip(classes, report["confusion"]):
        table.add_row(cls, *(f"{v:.1f}" if isinstance(v, float) else str(v) for v in row))
    show(table)
    from .images import Rejected

    _print_skipped([Rejected(Path(r["path"]), report["sample"], r["reason"]) for r in report["rejected"]],
                   listed_in="the --json report's rejected")


RecipeOption = Annotated[str, typer.Option("--recipe", help="default (sccscore's, best measured; also for crops cut "
                                           "from whole spreads by detect) or paper (Ikemoto et al. 2023).")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of every random choice: same seed, same figures.")]
LabelledFolders = Annotated[list[Path], typer.Argument(help="Labelled folders: <folder>/<a|b|c>/<image>.")]
PerTypeOption = Annotated[
    Optional[int], typer.Option("--per-type", min=1, help="Training images per type (paper: 231; default: all).")
]
SplitsOption = Annotated[Optional[int], typer.Option("--splits", min=1, help="Paper recipe: data splits (3).")]
RepeatsOption = Annotated[Optional[int], typer.Option("--repeats", min=1, help="Paper recipe: repeats per split (10).")]


def _recipe(name: str, **settings):
    from .training import make_recipe

    return make_recipe(name, **settings)


def _log(quiet: bool):
    return None if quiet else (lambda message: console.print(message, highlight=False))


@app.command()
def train(
    folders: LabelledFolders,
    out: Annotated[Path, typer.Option("--out", "-o", help="New model folder to write.")],
    recipe: RecipeOption = "default",
    seed: SeedOption = 0,
    per_type: PerTypeOption = None,
    splits: SplitsOption = None,
    repeats: RepeatsOption = None,
    device: DeviceOption = None,
    quiet: QuietOption = False,
) -> None:
    """Train a model on labelled crops. Saves it as a model folder for --model.

    Where some folders' crops are grey (a monochrome camera's), the model learns and reads every crop in grey.
    """
    from .training import train as run

    chosen = _recipe(recipe, per_type=per_type, splits=splits, repeats=repeats)
    folder = run(folders, out, chosen, seed=seed, device=device, log=_log(quiet))
    console.print(f"wrote model {folder}", highlight=False)


@app.command("train-spreads")
def train_spreads(
    images: Annotated[Path, typer.Argument(help="Folder of annotated spread images.")],
    labels: LabelsArgument,
    out: Annotated[Path, typer.Option("--out", "-o", help="New model folder to write.")],
    train: Annotated[Optional[list[Path]], typer.Option(
        "--train", help="Labelled crop folders the classifier learns from as well (repeatable).")] = None,
    measure: Annotated[bool, typer.Option(
        "--leave-one-out/--no-leave-one-out", help="First measure the whole pipeline with each spread held out in "
        "turn, and keep the figures with the models: reports show them as what to expect.")] = True,
    scale: Annotated[float, typer.Option(
        "--scale", min=0.1, max=10.0, help="The spreads' chromosome length in px relative to the oshima2026 spreads "
        "(about 40 px); the folder keeps it as the default --scale of the commands that read spreads with it.")] = 1.0,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
) -> None:
    """Fit the spread models on your annotated spreads. The models that read whole spreads: merge, outline and
    classifier."""
    from ._atomic import check_new_folder
    from .detect import DetectSettings
    from .spread_model import fit_spread_models, save_spread_models, what_to_expect

    check_new_folder(out)  # before minutes of fitting
    fitted = fit_spread_models(images, labels, train or [], measure, DetectSettings(scale=scale),
                               log=_log(quiet), workers=workers)
    folder = save_spread_models(fitted, out)
    console.print(f"wrote {folder}: fitted on {', '.join(fitted.trained_on)}; give it as --model to classify "
                  "--spreads, detect and evaluate-detection", highlight=False)
    _print_points(what_to_expect(fitted.training_record(), str(folder)))


@app.command()
def crossval(
    folders: LabelledFolders,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Number of folds.")] = 5,
    recipe: RecipeOption = "default",
    seed: SeedOption = 0,
    per_type: PerTypeOption = None,
    splits: SplitsOption = None,
    repeats: RepeatsOption = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write all figures to this JSON file.")] = None,
    device: DeviceOption = None,
    quiet: QuietOption = False,
) -> None:
    """Cross-validate a training recipe on labelled crops. Stratified k-fold; figures per folder given.

    Where a folder's sources.csv says which image each crop was cut from (export-labelled writes one), the crops of
    one image stay in one fold: a new image is what a model meets.
    """
    from ._atomic import write_json
    from .crossval import crossval as run

    chosen = _recipe(recipe, per_type=per_type, splits=splits, repeats=repeats)
    report = run(folders, folds, chosen, seed=seed, device=device, log=_log(quiet))
    _print_crossval(report)
    if json_path:
        write_json(json_path, report)
        console.print(f"wrote {json_path}", highlight=False)


def _print_by_source_image(report: dict, name: str = "") -> None:
    """The concordance interval with the images the crops were cut from as the units, where a sources.csv says."""
    if (by_image := report.get("by_source_image")) and by_image["concordance_ci"]:
        low, high = by_image["concordance_ci"]
        stdout.print(f"{name}95% CI {low:.3f}-{high:.3f} with the {by_image['n_images']} images the crops were cut "
                     f"from as the independent units{' (the ensemble)' if 'models' in report else ''}",
                     highlight=False)


def _print_crossval(report: dict) -> None:
    grey = f", every crop read in grey ({report['crops']} crops)" if report["crops"] != "colour" else ""
    stdout.print(f"{report['folds']}-fold cross-validation, recipe {report['recipe']}, seed {report['seed']}{grey}",
                 highlight=False)
    if sources := {group: g["n_source_images"] for group, g in report["groups"].items() if g["n_source_images"]}:
        stdout.print("the crops of one image kept in one fold: " + ", ".join(f"{group} from {n} images"
                                                                            for group, n in sources.items()),
                     highlight=False)
    table = Table("folder", "images", "concordance", "folds", "kappa", "open or cohered", "labels A/B/C %",
                  "predicted A/B/C %", box=None)
    for group, g in report["groups"].items():
        spread = g["spread"]
        table.add_row(group, str(g["n_images"]), f"{g['concordance']:.3f}",
                      f"{spread['concordance_min']:.3f}-{spread['concordance_max']:.3f}", _rate(g["kappa"]),
                      f"{g['open_concordance']:.3f}", abc_percents(g["distribution_true"]),
                      abc_percents(g["distribution_pred"]))
    show(table)
    for group, g in report["groups"].items():
        _print_by_source_image(g, f"{group}: concordance ")
    stdout.print(f"took {report['seconds']:.0f} s", highlight=False)


@app.command("learning-curve")
def learning_curve(
    folders: LabelledFolders,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for learning_curve.csv and .png.")],
    sizes: Annotated[str | None, typer.Option(
        "--sizes", help="Training images per type, comma-separated. Default: the paper's 10,25,50,100,150,231 up to "
                        "the most a fold trains on, then that most; four steps to it where fewer fit.")] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Number of folds.")] = 5,
    recipe: Annotated[str, typer.Option("--recipe", help="default (train's) or paper (as the paper's Fig. 3A).")
                      ] = "default",
    seed: SeedOption = 0,
    repeats: RepeatsOption = None,
    device: DeviceOption = None,
    quiet: QuietOption = False,
) -> None:
    """Concordance against the number of training images. Cross-validated, for each number of images per type."""
    from ._atomic import output_folder, write_csv
    from .crossval import learning_curve as run
    from .plots import plot_learning_curve

    try:
        counts = None if sizes is None else [int(size) for size in sizes.split(",")]
    except ValueError:
        raise SccscoreError(f"--sizes '{sizes}': give whole numbers separated by commas") from None
    if counts and min(counts) < 1:
        raise SccscoreError(f"--sizes '{sizes}': sizes must be at least 1")
    started, chosen = time.perf_counter(), _recipe(recipe, repeats=repeats)
    rows = run(folders, counts, folds, chosen, seed=seed, device=device, log=_log(quiet))
    folder = output_folder(out)
    write_csv(folder / "learning_curve.csv", list(rows[0]), [list(row.values()) for row in rows])
    plot_learning_curve(rows, folder / "learning_curve.png")
    stdout.print(f"{folds}-fold cross-validation, recipe {chosen.name}, seed {seed}", highlight=False)
    table = Table("images per type", "folder", "concordance", "folds", box=None)
    for row in rows:
        table.add_row(str(row["n_per_type"]) + (" (drawn again)" if row["drawn_again"] else ""), row["group"],
                      f"{row['concordance']:.3f}", f"{row['concordance_min']:.3f}-{row['concordance_max']:.3f}")
    show(table)
    stdout.print(f"took {time.perf_counter() - started:.0f} s", highlight=False)
    console.print(f"wrote {folder / 'learning_curve.csv'} and learning_curve.png", highlight=False)


@app.command()
def compare(
    samples: Annotated[list[str], typer.Argument(help="Reference sample, then the samples to compare with it: "
                                                      "folders (of crops, or of whole spreads with --spreads), or "
                                                      "sample names of --predictions (or their folders).")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder for the tables.")] = None,
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help=f"As for the other commands; default {RELEASED}, or {SPREAD_MODEL} for --spreads. With "
        "--predictions, the model its model column names (a table without one: as without --predictions, or "
        f"{SPREAD_MODEL} for one of classify --spreads; none for one typed by hand, with no probabilities); it only "
        "draws the report.")] = None,
    predictions: Annotated[Optional[list[Path]], typer.Option(
        "--predictions", help="Use this predictions.csv from classify (calls set right by hand count) instead of "
                              "classifying. Repeat it for samples classified in runs of their own: their calls are "
                              f"joined in --out's {JOINED_TABLE}.")] = None,
    confusion: Annotated[Optional[Path], typer.Option(
        "--confusion", help="evaluate or crossval JSON whose confusion matrix corrects the distributions (default: "
                            "the validation of the model that typed them, when sccscore trained it).")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write all figures to this JSON file.")] = None,
    make_report: Annotated[bool, typer.Option("--report", help="Also write a self-contained report.html.")] = False,
    sheet: Annotated[Optional[Path], typer.Option(
        "--sheet", help="Sample sheet CSV with columns image and cell, and replicate for the replicate-level test "
                        "(default: a sub-folder per cell).")] = None,
    spreads: Annotated[bool, typer.Option(
        "--spreads", help="The folders hold whole spreads: detect, crop and classify them as classify --spreads does; "
                          "each metaphase is a cell.")] = False,
    replicate_folders: Annotated[bool, typer.Option(
        "--replicate-folders", help="The first folder in each sample's folder is a replicate, an independent "
                                    "experiment (wt/day1/cell1/, or wt/day1/ for spreads): also test the replicates' "
                                    "means.")] = False,
    replicate_runs: Annotated[bool, typer.Option(
        "--replicate-runs", help="Each --predictions table is a replicate, an independent experiment (a day's "
                                 "cultures, classified in a run of its own), or each run a table compare joined "
                                 "names: also test the replicates' means."
    )] = False,
    scale: ScaleOption = None,
    outline: OutlineOption = True,
    preprocess: PreprocessOption = None,
    seed: SeedOption = 0,
    device: DeviceOption = None,
    quiet: QuietOption = False,
) -> None:
    """Compare samples with a reference sample. A/B/C with intervals, tests, effect sizes and power."""
    from ._atomic import remove_earlier, write_json
    from .cells import check_replicate_source, read_sheet
    from .compare import BY_MODEL, confusion_from, write_tables

    _check_compare_options(samples, out, make_report, spreads, predictions, preprocess, scale, outline)
    sample_sheet = read_sheet(sheet) if sheet else None
    check_replicate_source(sample_sheet, replicate_folders, replicate_runs)
    if replicate_runs and not predictions:
        raise SccscoreError("--replicate-runs takes each run's table as a replicate: give --predictions once for each "
                            "run (or a table compare joined, set right in a review since)")
    if confusion:
        confusion_from(confusion)  # read now, not after minutes of classifying: a file that cannot correct fails first
    if predictions:
        calls = _Calls(_one_table(predictions, out), _table_samples(samples), "table", read_from=predictions)
    elif spreads:
        calls = _score_spreads(samples, out, model, quiet, scale, outline, device)
    else:
        calls = _score_crops(samples, out, model, preprocess, quiet, device)
    comparison = _compare_calls(calls, confusion or BY_MODEL, seed, sample_sheet, replicate_folders, replicate_runs)
    report = comparison.report
    if make_report:  # the calls of a table are read, not made: its model only draws the Grad-CAM examples; loaded
        # before a table is written, so that a model that cannot be loaded leaves no tables without their report
        one_way = report["preprocess"] if not isinstance(report["preprocess"], dict) else None  # else each sample's
        loaded = calls.model if calls.model is not None else _model_of_table(
            report["typed_by"], model, calls.table, comparison.rows, preprocess or one_way)
    _print_comparison(report)
    if calls.source == "crops":  # a spread classifier's figures are said as the spreads are classified
        _print_expected(calls.model, calls.grey)
    if out:  # with --report, the report draws the cells' figure
        write_tables(report, out, comparison.cells, figure=not make_report, replicate_of=comparison.replicate_of)
        if len(calls.read_from) < 2:  # a table an earlier run joined there holds other calls
            remove_earlier(out, [JOINED_TABLE])
    if make_report:
        _write_comparison_report(out, loaded, report, calls, device)
    elif out:
        _caution_earlier_report(out)
    if json_path:
        write_json(json_path, report)
        console.print(f"wrote {json_path}", highlight=False)
    compared = [row for row in comparison.rows if row["sample"] in calls.names]
    asked = replicate_folders or replicate_runs or sample_sheet
    if not asked and (hint := _replicate_folders_hint(compared, calls.names[0])):
        console.print(hint, highlight=False)


@dataclass
class _Calls:
    """The calls compare tests: a predictions table and its samples (the reference first), where the calls came from
    ("table", "crops" or "spreads"), the model that made them (None where read from a table), and what the report's
    settings say of a run of spreads."""

    table: Path
    names: list[str]
    source: str
    model: object | None = None
    spread_settings: dict[str, str] = field(default_factory=dict)
    read_from: list[Path] = field(default_factory=list)  # the tables given, where ``table`` joins several
    grey: bool = False  # crops classified, every sample's grey (ClassifyResult.all_grey)


def _one_table(tables: list[Path], out: Path | None) -> Path:
    """The table given, or several joined into ``out`` (:func:`sccscore.predictions_table.join_predictions`)."""
    from ._atomic import output_folder
    from .predictions_table import join_predictions

    if len(tables) == 1:
        return tables[0]
    if out is None:
        raise SccscoreError(f"give --out: the calls of the {len(tables)} tables are joined there ({JOINED_TABLE}), "
                            "then compared")
    joined = join_predictions(tables, output_folder(out) / JOINED_TABLE)
    console.print(f"joined the calls of {len(tables)} tables in {joined}", highlight=False)
    return joined


def _table_samples(samples: list[str]) -> list[str]:
    """The samples of a table named on the command line: a folder, as classify was given it (wt/ as a shell completes
    it), names its sample."""
    return [Path(name).name or name for name in samples]


def _check_compare_options(samples: list[str], out: Path | None, make_report: bool, spreads: bool,
                           predictions: list[Path] | None, preprocess: str | None, scale: float | None,
                           outline: bool) -> None:
    from .compare import check_samples

    # before minutes of classifying: a table's samples by their names, folders by where they resolve (two folders of
    # one name are refused as the folders are read)
    check_samples(_table_samples(samples) if predictions else [str(Path(name).resolve()) for name in samples],
                  samples)
    if make_report and out is None:
        raise SccscoreError("--report needs --out, the folder to write report.html into")
    _check_spread_options(spreads, preprocess, scale, outline)
    if spreads and predictions:
        raise SccscoreError("give --spreads to classify the spreads' folders, or --predictions to read a table "
                            "classify --spreads wrote, not both")
    if not predictions and out is None:
        raise SccscoreError("give --out for the classify tables, or --predictions to reuse a classify run")


def _score_spreads(samples: list[str], out: Path, model: str | None, quiet: bool, scale: float | None,
                   outline: bool, device: str | None) -> _Calls:
    """Detect and classify the samples' spreads into ``out``."""
    models = _load_spread_models(model or SPREAD_MODEL)
    read = _classify_spreads([Path(s) for s in samples], models.classifier, out, quiet, scale, device=device,
                             use_outline=outline, merge_model=models.merge, shape_model=models.shape)
    return _Calls(out / "predictions.csv", _spread_samples(samples, read), "spreads", models.classifier,
                  _spread_settings(read, models.shape if outline else None))


def _score_crops(samples: list[str], out: Path, model: str | None, preprocess: str | None, quiet: bool,
                 device: str | None) -> _Calls:
    """Classify the samples' crops into ``out``; the crops in no cell are said by compare, which knows a --sheet's
    cells, not by classify, which reads them from the folders only."""
    import warnings

    from .cells import OutsideCellsWarning

    loaded = _load(model or RELEASED, preprocess)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutsideCellsWarning)
        result = _classify_for_comparison(samples, out, loaded, quiet, device)
    return _Calls(out / "predictions.csv", [row["sample"] for row in result.summary], "crops", loaded,
                  grey=result.all_grey)


def _compare_calls(calls: _Calls, confusion, seed: int, sheet, replicate_folders: bool, replicate_runs: bool):
    """compare_table on the calls; where crops just classified lack replicates, say how to compare them again."""
    from .compare import compare_table

    try:
        return compare_table(calls.table, calls.names, confusion, seed, sheet, replicate_folders, replicate_runs)
    except SccscoreError as error:
        if calls.source != "crops" or not replicate_folders:  # a sheet can name crops' replicates, not spreads
            raise
        raise SccscoreError(f"{error}; the calls are kept: compare again with --predictions {calls.table} and a "
                            "--sheet naming each image's cell and replicate") from None


def _write_comparison_report(out: Path, model, report: dict, calls: _Calls, device: str | None) -> None:
    from .report import write_report

    settings = {"reference": calls.names[0], "samples": ", ".join(calls.names[1:])}
    if report["corrected_by"]:
        settings["shares corrected by"] = report["corrected_by"]
    if calls.source == "table":
        settings["calls read from"] = ", ".join(map(str, calls.read_from))
    else:  # here only: the runtime imports torch, which a table typed by hand is reported without
        from .runtime import describe_engine

        settings["scored with"] = describe_engine(model, device)
    path = write_report(out, model, report, settings | calls.spread_settings, predictions=calls.table)
    console.print(f"wrote {path}", highlight=False)


def _model_of_table(typed_by: str | None, given: str | None, table: Path, rows: list[dict[str, str]],
                    preprocess: str | None):
    """The model for a predictions table's report: the one its model column names, unless --model names another,
    with ``preprocess`` (--preprocess, else the table's); None for a table typed by hand, which no model typed."""
    from .predictions_table import from_spreads, row_probabilities

    if typed_by is None and all(row_probabilities(row) is None for row in rows):
        if given:
            console.print(f"caution: {table} gives no model's probabilities (typed by hand?): the report has no "
                          f"Grad-CAM examples to draw with {given}", highlight=False)
        return None
    from .models import model_reference  # not above: a table typed by hand is reported without torch

    if typed_by and given is None:
        try:
            return _load(typed_by, preprocess)
        except SccscoreError as error:
            raise SccscoreError(f"{table} names the model that typed it, which cannot be loaded ({error}); give "
                                "--model") from None
    loaded = _load(given or (SPREAD_MODEL if from_spreads(rows) else RELEASED), preprocess)
    if typed_by and model_reference(loaded) != typed_by:  # a model folder moved since, say
        console.print(f"caution: {table} was typed by {typed_by}; the report names and explains "
                      f"{model_reference(loaded)}, as --model says", highlight=False)
    return loaded


def _classify_for_comparison(samples: list[str], out: Path, model, quiet: bool, device: str | None):
    """Classify the sample folders into ``out`` (:class:`sccscore.classify.ClassifyResult`)."""
    from .classify import classify as run

    with progress_bar("classifying", quiet) as progress:
        result = run(samples, model, out, progress=progress, device=device)
    _print_skipped(result.rejected)
    if unscored := [row["sample"] for row in result.summary if not row["n_images"]]:
        raise SccscoreError(f"no image of {', '.join(unscored)} could be scored: see the files skipped above "
                            f"and {out / 'rejected.csv'}")
    return result


def _spread_samples(paths: list[str], read) -> list[str]:
    """The samples' names, in the order given (a folder's name, a file's folder's), each with a chromosome found."""
    from .images import sample_name

    names = list(dict.fromkeys(map(sample_name, paths)))
    if empty := [name for name in names if name not in {row["sample"] for row in read.summary}]:
        raise SccscoreError(f"no chromosome was found in the spreads of {', '.join(empty)}: "
                            f"{read.out_dir / 'detections.csv'} and {read.out_dir / 'overlays'} show what was left out "
                            "and why")
    return names


def _cell_interval(cell: dict) -> str:
    """The cells' bootstrap interval of the B+C difference in words, or why there is none."""
    from .stats import MIN_CELLS

    if cell["bc_difference_ci"] is None:
        return f"no interval from fewer than {MIN_CELLS} cells a sample"
    from .compare import points

    return f"cluster bootstrap 95% CI {points(cell['bc_difference_ci'])}"


def _print_comparison(report: dict) -> None:
    from .compare import (by_hand_sentence, p_clause, points, share_intervals, shares_with_intervals, shown_p,
                          trend_towards)

    interval, interval_name = share_intervals(report)
    table = Table("sample", "chromosomes", *(f"{c} % (95% CI)" for c in report["classes"]),
                  "B+C vs reference, 95% CI", box=None, title="chromosome level",
                  caption=f"shares with {interval_name}")
    for name, group in report["groups"].items():
        table.add_row(name, str(group["n"]), *shares_with_intervals(group["distribution"], group[interval]),
                      "-" if name == report["reference"]
                      else f"{points(report['tests'][name]['bc_difference_ci'])} pts")
        if report["corrected_with"] is not None:  # a row of its own: the table stays narrow enough for a terminal
            table.add_row("  corrected", "", *shares_with_intervals(group["distribution_corrected"],
                                                                     group["corrected_ci"]), "")
    show(table)
    if report["corrected_by"]:
        stdout.print(f"corrected for the classifier's errors by {report['corrected_by']}", highlight=False)
    if by_hand := by_hand_sentence(report):
        stdout.print(by_hand, highlight=False)
    for name, test in report["tests"].items():
        way = f" ({name} lies towards {end} on A < B < C)" if (end := trend_towards(test)) else ""
        stdout.print(f"{test['verdict']}; {'exact ' if test['p_exact'] else ''}trend {p_clause(test['trend_p'])}{way}, "
                     f"Cramer's V {test['cramers_v']:.2f}"
                     + (f", {n} chromosomes per sample give 80% power for this B+C shift"
                        if (n := test["n_for_80pct_power"]) else ""), highlight=False)
        if test["caveat"]:
            stdout.print(test["caveat"], highlight=False)
        cell = test["cell_level"]
        if cell:
            stdout.print(f"cell level: {cell['n_cells']} vs {cell['n_cells_reference']} cells, B+C difference "
                         f"{100 * cell['bc_difference']:+.1f} points ({_cell_interval(cell)}), "
                         f"Mann-Whitney {p_clause(cell['mannwhitney_p'])}"
                         + (f" (Holm {shown_p(cell['mannwhitney_p_holm'])})" if len(report["tests"]) > 1 else "")
                         + (f", {n} cells per sample give 80% power for this shift (rough: from the cells' spread)"
                            if (n := cell["n_cells_for_80pct_power"]) else ""), highlight=False)
        if test["cell_verdict"]:
            stdout.print(test["cell_verdict"], highlight=False)
        if (level := test["replicate_level"]) and level["p"] is not None:
            stdout.print(f"replicate level: {level['n_replicates']} vs {level['n_replicates_reference']} replicates"
                         f"{' (paired)' if level['paired'] else ''}, difference in mean B+C per cell "
                         f"{100 * level['bc_difference']:+.1f} points (95% CI "
                         f"{points(level['bc_difference_ci'])})", highlight=False)
        if test["replicate_verdict"]:
            stdout.print(test["replicate_verdict"], highlight=False)


@app.command()
def explain(
    inputs: Annotated[list[Path], typer.Argument(help="Crops, or sample folders of crops.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for heatmaps and galleries.")],
    model: Annotated[Optional[str], typer.Option(
        "--model", "-m", help=f"As for the other commands; default {RELEASED}, or for the crops that detect or "
        "classify --spreads cut (in the crops/ folder beside their detections.csv) the model their predictions.csv "
        f"names ({SPREAD_MODEL} after detect).")] = None,
    per_type: Annotated[int, typer.Option("--per-type", min=1, help="Crops per type in each gallery.")] = 12,
    preprocess: PreprocessOption = None,
    quiet: QuietOption = False,
) -> None:
    """Show where the model looks, with Grad-CAM. Heatmaps, and a gallery per predicted type."""
    from .explain import explain_batches, write_explanations
    from .images import items_from_paths, named_first, refuse_output_inside

    refuse_output_inside(inputs, out)  # its heatmaps would be read as crops
    items, unread = items_from_paths(inputs)
    if model is None and (model := _model_of_spread_crops(items)):
        console.print(f"the crops were cut from whole spreads: explained with {model} (--model to choose another)",
                      highlight=False)
    loaded = _load(model or RELEASED, preprocess)
    with progress_bar("explaining", quiet) as progress:
        written = write_explanations(explain_batches(loaded, items, progress=progress), out, per_type, unread)
    rejected = written.rejected
    if not written.n_explained:
        raise SccscoreError(f"no crop could be read ({counted(len(rejected), 'file')} skipped), "
                            f"{such_as([item.path for item in rejected])}: {rejected[0].reason}")
    _print_skipped(rejected, str(written.folder / "rejected.csv"))
    console.print(f"wrote {counted(written.n_explained, 'heatmap')}, galleries and explanations.csv to {written.folder}"
                  + (f"; the {counted(len(rejected), 'file')} skipped in rejected.csv" if rejected else ""),
                  highlight=False)
    if written.earlier:
        flag("caution", f": {written.folder / 'heatmaps'} also holds {counted(len(written.earlier), 'heatmap')} this "
              f"run did not draw ({named_first(written.earlier, 3)}): left by an earlier run into this folder, they "
              "are not in explanations.csv; give each run a folder of its own")


@app.command()
def review(
    predictions: Annotated[Path, typer.Argument(help="A predictions.csv written by classify.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for review.html, review.csv and key.csv.")],
    every: Annotated[bool, typer.Option("--all", help="Every call, not only those less sure than 0.9.")] = False,
    drawn: Annotated[Optional[int], typer.Option(
        "--sample", min=1, help="This many calls drawn at random from every call, sure and unsure: how far reviewers "
        "agree with the model on every call (sccscore agreement), and each sample's shares as they type them, "
        "estimated from a few hundred.")] = None,
    seed: SeedOption = 0,
) -> None:
    """Check calls by eye, blind to sample and call. Shows them shuffled, with a sheet to type their types in."""
    from .review import DRAWN, PAGE, SHEET, write_review
    from .stats import MIN_CELLS

    if every and drawn:
        raise SccscoreError("give --all (every call) or --sample (a number of them drawn at random), not both")
    written = write_review(predictions, out, every, seed, drawn)
    if written.unread:
        console.print(f"caution: {counted(len(written.unread), 'crop')} could not be read and "
                      f"{'is' if len(written.unread) == 1 else 'are'} shown blank, "
                      f"{such_as(written.unread)}", highlight=False)
    if written.no_place:
        console.print(f"caution: for {counted(len(written.no_place), 'chromosome')} the place in the spread is not "
                      f"shown, {such_as(written.no_place)}", highlight=False)
    drawn_in = f", drawn at random ({', '.join(f'{name} {n}' for name, n in written.drawn.items())})," \
        if written.shown == DRAWN else ""
    # said before a day's typing, where drawing more would give one (a sample of fewer cells in all gives none)
    if few := {name: n for name, n in written.drawn_units.items() if n < MIN_CELLS <= written.units[name]}:
        fewer = (f"the calls drawn lie in fewer than {MIN_CELLS} cells of" if written.drawn_unit == "cell" else
                 f"fewer than {MIN_CELLS} calls were drawn of")
        console.print(f"caution: {fewer} {', '.join(f'{name} ({n})' for name, n in few.items())}: the review will "
                      "give no interval of such a sample's share; draw more (--sample)", highlight=False)
    console.print(f"{written.n_calls} of the {written.n_rows} calls{drawn_in} "
                  f"to review: open {written.folder / PAGE}, give "
                  f"each its type and save {SHEET}, then: sccscore apply-review {predictions} {written.folder} "
                  f"--sheet <the {SHEET} saved> --out corrected.csv", highlight=False)


@app.command("apply-review")
def apply_review(
    predictions: Annotated[Path, typer.Argument(help="The predictions.csv the review was written from.")],
    review_dir: Annotated[Path, typer.Argument(help="The folder sccscore review wrote.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The predictions table with the types given.")],
    sheet: Annotated[Optional[list[Path]], typer.Option(
        "--sheet", help="The review.csv its review.html saved (default: the folder's review.csv, typed in by "
                        "hand); again for each reviewer's, to apply the types they gave alike.")] = None,
) -> None:
    """Apply the types typed in a review. Writes the predictions table again with them, for compare --predictions."""
    from .images import named_first
    from .review import DISAGREED, PAGE, SAVED_WHERE, SHEET, apply_review as run, clear_disagreed, write_disagreed

    applied = run(predictions, review_dir, out, sheet or None)

    def each(counts: dict[str, int]) -> str:
        return f" ({', '.join(f'{sample} {n}' for sample, n in counts.items())})" if counts else ""

    n_left_out = sum(applied.left_out.values())
    left_out = (f", {n_left_out} left out as {'not a chromosome' if n_left_out == 1 else 'not chromosomes'}"
                f"{each(applied.left_out)}" if applied.left_out else "")
    by = f" by {listing(applied.reviewers)}" if applied.reviewers else ""
    alike = " alike" if sheet and len(sheet) > 1 else ""
    console.print(f"{counted(applied.n_typed, 'type')} given{alike} in the review{by}, "
                  f"{sum(applied.changed.values())} of them changing the call{each(applied.changed)}{left_out}: wrote "
                  f"{out}; compare --predictions {out} counts and lists them", highlight=False)
    if applied.drawn_untyped and applied.n_typed:  # a measure of the model that leaves out the hardest runs high
        console.print(f"caution: of the calls drawn at random, {applied.drawn_untyped} left untyped (keep): "
                      "compare's measure of the model leaves them out, and runs high where they were the hardest to "
                      "type; type them too", highlight=False)
    if applied.disagreed:  # left as they were: a call one reviewer's type would set is no consensus
        sheet_of_them = write_disagreed(review_dir, applied.disagreed)
        listed = (f"{sheet_of_them} lists them, each's type beside; type the one settled on in its type column"
                  if sheet_of_them else f"{review_dir / DISAGREED}, holding types typed already, is kept")
        console.print(f"{counted(len(applied.disagreed), 'call')} typed differently, left as called: "
                      f"{noun('number', len(applied.disagreed))} {named_first(list(applied.disagreed), 12)} on "
                      f"{review_dir / PAGE}; settle them together ({listed}) and apply it to {out} with --sheet",
                      highlight=False)
    elif sheet and len(sheet) > 1 and (kept := clear_disagreed(review_dir)):
        console.print(f"caution: {kept} holds types settled on after an earlier apply; these sheets typed no call "
                      f"apart, so {out} has none to settle", highlight=False)
    elif not applied.n_typed:  # the blank sheet review wrote, most likely, where the one its page saved was meant
        # (one of several is refused)
        console.print(f"caution: {sheet[0] if sheet else review_dir / SHEET} types none of the calls: {SAVED_WHERE}; "
                      "give it with --sheet", highlight=False)


@app.command("agreement")
def agreement(
    predictions: Annotated[Path, typer.Argument(help="The predictions.csv the review was written from.")],
    review_dir: Annotated[Path, typer.Argument(help="The folder sccscore review wrote.")],
    sheets: Annotated[list[Path], typer.Argument(help="Each reviewer's review.csv, saved from the same review.html, "
                                                      "named by the name written on the page, else by its file "
                                                      "(ann.csv: ann).")],
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write all figures to this JSON file.")] = None,
    cells: Annotated[Optional[Path], typer.Option(
        "--cells", help="Sample sheet CSV with columns image and cell, as compare's --sheet: the crops' cells, the "
                        "intervals' units, where the crops are not in cells' folders.")] = None,
    seed: SeedOption = 0,
) -> None:
    """Compare reviewers with each other and the model. Each pair of sheets typed blind on one review, and each sheet
    with the model's calls, on the crops both typed: the same type, Cohen's kappa, open or cohered alike."""
    from ._atomic import write_json
    from .agreement import review_agreement
    from .cells import read_sheet

    report = review_agreement(predictions, review_dir, sheets, seed, read_sheet(cells) if cells else None)
    _print_agreement(report)
    if json_path:
        write_json(json_path, report)


def _print_agreement(report: dict) -> None:
    """agreement's figures: a row a pair, where each pair parts, and each sample's shares as each typed them."""
    from .agreement import HUMAN_AGREEMENT, corrected_sentence, open_by_sample_sentence, where_they_part
    from .compare import shares_with_intervals
    from .review import DRAWN, UNSURE

    shown, n_calls = report["n_reviewed"], report["n_calls"]
    which = {UNSURE: " (the unsure ones: agreement on them runs below that on every call, which review --all or "
                     "--sample shows)",
             DRAWN: " (drawn at random from every call: each figure estimates that on every call, within its interval)"}
    stdout.print(f"on the {shown} of the {n_calls} calls the review showed{which.get(report['shown'], '')}, "
                 f"{_agreement_units(report['pairs'])}", highlight=False)
    kept = [f"{one['name']} {shown - one['n_typed']}" for one in report["reviewers"] if one["n_typed"] < shown]
    if report["shown"] == DRAWN and kept:  # left out of a measure of every call, and likeliest the hardest
        stdout.print(f"Left untyped (keep), of the {shown} drawn: {', '.join(kept)}; each figure leaves them out, and "
                     "runs high where they were the hardest to type", highlight=False)
    table = Table("between", "typed by both", "same type, % (95% CI)", "Cohen's kappa (95% CI)",
                  "open or cohered alike, %", "left out by one", "cells", "A / B / C alike, %", box=None)
    for pair in report["pairs"]:
        both = pair["n_both"]
        table.add_row(f"{pair['first']} and {pair['second']}", str(both),
                      shares_with_intervals([pair["n_same"] / both], [[bound] for bound in pair["same_ci"]])[0]
                      if both else "-",
                      _kappa(pair["kappa"], pair["kappa_ci"]) if both else "-",
                      f"{100 * pair['n_open_alike'] / both:.1f}" if both else "-", str(pair["n_left_out_by_one"]),
                      "-" if pair["n_cells"] is None else str(pair["n_cells"]),
                      " / ".join("-" if v is None else f"{100 * v:.0f}" for v in pair["specific"]) if both else "-")
    show(table)
    for parted in filter(None, map(where_they_part, report["pairs"])):
        stdout.print(parted, highlight=False)
    if report["shown"] != UNSURE:  # every call, or a sample of them: the shares each would have reported
        typed_by = report["by_sample"]
        by_sample = Table("sample", *typed_by, title="A / B / C % of each sample as each typed it (crops typed)",
                          box=None)
        for sample in dict.fromkeys(sample for counts in typed_by.values() for sample in counts):
            by_sample.add_row(sample, *(f"{abc_percents([k / sum(n) for k in n])} ({sum(n)})"
                                        if (n := counts.get(sample)) else "-" for counts in typed_by.values()))
        show(by_sample)
        for sentence in filter(None, map(open_by_sample_sentence, report["pairs"])):
            stdout.print(sentence, highlight=False)
        corrected = [corrected_sentence(answer, name) for name, answer in (report.get("corrected") or {}).items()]
        for sentence in filter(None, corrected):  # a drawn review: each reviewer's answer, as compare would give it
            stdout.print(sentence, highlight=False)
    stdout.print(f"For scale: {HUMAN_AGREEMENT}.", highlight=False)


def _agreement_units(pairs: list[dict]) -> str:
    """What agreement's intervals take as independent: the cells, where the crops' are known, else the crops."""
    if all(pair["n_cells"] is None for pair in pairs):
        return ("the crops taken as independent: their cells are not known (give each cell's crops a folder of its "
                "own, wt/cell1/..., or a sample sheet naming them, --cells)")
    if all(pair["n_cells"] is not None and pair["n_cells"] >= 2 for pair in pairs):
        return "the cells taken as the units: a cell's chromosomes are not independent"
    return ("the cells taken as the units where a pair's crops lie in 2 or more known cells (its cells column), the "
            "crops as independent elsewhere")


def _kappa(kappa: float | None, interval: list[float] | None) -> str:
    """Cohen's kappa with its interval, or why there is none: every crop of one type by both, in all or (without one
    of their cells) in some.

    >>> _kappa(0.5, [-0.001, 0.8]), _kappa(-0.004, None), _kappa(None, None)
    ('0.50 (0.00 to 0.80)', '0.00 (none: one type without a cell)', '- (one type throughout)')
    """
    two_places = lambda value: f"{round(value, 2) + 0.0:.2f}"  # noqa: E731  + 0.0: -0.001 reads 0.00, not -0.00
    if kappa is None:
        return "- (one type throughout)"
    if interval is None:
        return f"{two_places(kappa)} (none: one type without a cell)"
    return f"{two_places(kappa)} ({two_places(interval[0])} to {two_places(interval[1])})"


@app.command("export-labelled")
def export_labelled(
    predictions: Annotated[Path, typer.Argument(help="A predictions table apply-review wrote.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="A new folder for a/, b/ and c/.")] = None,
    labels: Annotated[Optional[Path], typer.Option(
        "--labels", help="A new folder for the spreads' chromosomes as YOLO labels, each typed as the blind review "
                         "typed it (untyped where it did not): an annotation to finish for train-spreads.")] = None,
    cells: Annotated[Optional[Path], typer.Option(
        "--cells", help="Sample sheet CSV with columns image and cell, as compare's --sheet: the crops' cells, where "
                        "they are not in cells' folders, so that no split parts a cell's crops.")] = None,
) -> None:
    """Export the calls a blind review typed, to train on. Copies their crops into a labelled folder, for train,
    crossval or train-spreads --train; with --labels, draws the spreads' types as YOLO labels, for train-spreads."""
    from .cells import read_sheet
    from .review import LABELLED_CROPS, YOLO_LABELS, refuse_existing, write_labelled, write_yolo_labels

    if out is None and labels is None:
        raise SccscoreError("give --out for the labelled crops, --labels for the spreads' YOLO labels, or both")
    if cells is not None and out is None:
        raise SccscoreError("--cells names the cells of the labelled crops: give it with --out")
    for folder, what in ((labels, YOLO_LABELS), (out, LABELLED_CROPS)):  # both, before either is written
        if folder is not None:
            refuse_existing(folder, what)
    if labels is not None:
        drawn = write_yolo_labels(predictions, labels)
        untyped = (f", {drawn.n_untyped} untyped (no blind review typed them; review --all shows every one)"
                   if drawn.n_untyped else "")
        spreads = counted(drawn.n_spreads, "spread")
        console.print(f"{counted(sum(drawn.typed.values()), 'box')} in {spreads} typed blind "
                      f"({_each_type(drawn.typed)})"
                      f"{untyped}: wrote {labels}. In an annotation tool, {'type the untyped, ' if untyped else ''}"
                      f"add any chromosome missed and split those found joined; then sccscore train-spreads SPREADS "
                      f"{labels}/SAMPLE --out MODEL",
                      highlight=False)
    if out is not None:
        counts = write_labelled(predictions, out, read_sheet(cells) if cells else None)
        console.print(f"{counted(sum(counts.values()), 'crop')} typed in blind reviews ({_each_type(counts)}): wrote "
                      f"{out}; "
                      f"sccscore train {out} --out MODEL learns them. Classify other images with that model: on "
                      "these, its calls are memory.", highlight=False)


def _each_type(counts: Counter) -> str:
    return ", ".join(f"{name} {counts[name]}" for name in ("A", "B", "C"))


def _model_of_spread_crops(items: list) -> str | None:
    """For crops detect or classify --spreads cut, the model their runs' predictions.csv names, else sccscore:spreads.

    The model for crops types a spread's crops alike only about half the time; None for other crops.
    """
    from .predictions_table import read_predictions, typed_by
    from .layout import spread_run

    runs = {spread_run(item.path) for item in items}
    if not runs or None in runs:
        return None
    tables = [run / "predictions.csv" for run in runs]
    models = {(typed_by(read_predictions(table), table) if table.is_file() else None) or SPREAD_MODEL
              for table in tables}
    if len(models) > 1:
        raise SccscoreError(f"the crops were typed by {len(models)} models ({', '.join(sorted(models))}): give --model")
    return models.pop()


@data_app.command("fetch")
def data_fetch(
    dest: Annotated[Optional[Path], typer.Option("--dest", help="Destination (default: the user cache).")] = None,
    quiet: QuietOption = False,
) -> None:
    """Download the sample data, verifying every checksum. The sample images and the released models."""
    from .sample_data import fetch, manifest

    with progress_bar("fetching", quiet) as progress:
        count = [0]

        def step(_: str) -> None:
            count[0] += 1
            if progress:
                progress(count[0], len(manifest()))

        root = fetch(dest, progress=step)
    stdout.print(f"sample data complete in {root}", highlight=False)


@data_app.command("info")
def data_info() -> None:
    """Show where the sample data is and whether every checksum matches."""
    from .sample_data import DATA_ENV, data_root, manifest, verify

    root = data_root(download=False)
    status = verify(root)
    source = f" (from {DATA_ENV})" if os.environ.get(DATA_ENV) else ""
    stdout.print(f"data folder: {root}{source}", highlight=False)
    stdout.print(f"{len(status.ok)} of {len(manifest())} files verified", highlight=False)
    for label, paths in (("missing", status.missing), ("checksum mismatch", status.mismatched)):
        for path in paths[:10]:
            stdout.print(f"  {label}: {path}", highlight=False)
        if len(paths) > 10:
            stdout.print(f"  ... and {len(paths) - 10} more {label}", highlight=False)
    if not status.complete:
        raise typer.Exit(1)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("demo-output"),
    quiet: QuietOption = False,
) -> None:
    """Score the sample WT and CTF18-/- crops end to end. Classifies them with the 30 released models, compares them,
    writes a report."""
    from .demo import DEMO_MODEL, run_demo

    with progress_bar("classifying WT and CTF18-/-", quiet) as progress:
        result = run_demo(out, progress=progress)
    stdout.print(f"Predicted A/B/C per genotype ({DEMO_MODEL}, mean of 30 models' softmax):")
    _print_summary(result.classified.summary, _crop_counts(result.classified.summary))
    _print_comparison(result.comparison)
    console.print(f"outputs in {result.classified.out_dir.resolve()}; open {result.report.resolve()}", highlight=False)


_WARNED: set[str] = set()  # each caution said once a command: compare says again what its classify run said


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if (said := str(message)) not in _WARNED:
        _WARNED.add(said)
        console.print(f"warning: {said}", highlight=False)


def main() -> None:
    import warnings

    warnings.showwarning = _show_warning  # one plain line, not the source line that raised it
    _WARNED.clear()  # a command's own: main called again in one process says its cautions again
    try:
        app(prog_name="sccscore")  # as `python -m sccscore` too, whose usage lines would read `python -m`
    except SccscoreError as exc:
        console.print(f"error: {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
