"""The main job on the sample data: WT against CTF18-/- with the released models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import sample_data
from .classify import ClassifyResult, classify
from .models import load_model
from .predict import ProgressCallback

DEMO_MODEL = "paper:squeezenet1_1"


def run_demo(out_dir: str | Path, progress: ProgressCallback | None = None, **options: Any) -> ClassifyResult:
    """Classify the sample WT and CTF18-/- crops with the 30 released models.

    The sample data is located or downloaded (see :mod:`sccscore.sample_data`).
    """
    root = sample_data.data_root()
    folders = [sample_data.sample_folder(genotype, root) for genotype in sample_data.GENOTYPES]
    return classify(folders, load_model(DEMO_MODEL), out_dir, progress=progress, **options)
