"""The main job on the sample data: WT against CTF18-/- with the released models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import sample_data
from .classify import ClassifyResult, classify
from .compare import compare_table
from .models import load_model
from .predict import ProgressCallback
from .report import write_report
from .runtime import describe_engine

DEMO_MODEL = "paper:squeezenet1_1"


@dataclass
class DemoResult:
    classified: ClassifyResult
    comparison: dict[str, Any]
    report: Path


def run_demo(out_dir: str | Path, progress: ProgressCallback | None = None, **options: Any) -> DemoResult:
    """Classify the sample WT and CTF18-/- crops with the 30 released models, compare
    CTF18-/- with WT and write ``report.html``.

    The sample data is located or downloaded (see :mod:`sccscore.sample_data`).
    """
    root = sample_data.data_root()
    folders = [sample_data.sample_folder(genotype, root) for genotype in sample_data.GENOTYPES]
    model = load_model(DEMO_MODEL)
    classified = classify(folders, model, out_dir, progress=progress, **options)
    # from the calls' table, as `sccscore compare` reads a run: with its checks of how the crops were imaged and cut
    comparison = compare_table(classified.out_dir / "predictions.csv", list(sample_data.GENOTYPES)).report
    scored_with = describe_engine(model, options.get("device"), options.get("engine", "auto"))
    settings = {"reference": "wt", "samples": "ctf18", "scored with": scored_with}
    report = write_report(classified.out_dir, model, comparison, settings)
    return DemoResult(classified, comparison, report)
