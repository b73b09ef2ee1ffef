"""sccscore's model of grey crops, for a lab whose camera is monochrome.

The released models learned from colour crops and type grey ones far worse (on the paper's test crops
made grey, 47.9% of the WT and 37.9% of the CTF18-/- chromosomes given their label, against 72.8% and
62.6% in colour). This model is sccscore's default recipe (:mod:`sccscore.training`) fitted on the
paper's shared crops made grey (:func:`sccscore.images.grey_copies`, their luminance): it reads every
crop in grey, colour ones too. Its head ships in ``_data/`` (the ImageNet backbone below it comes with
the released models' files), with its training record and the confusion matrices of a 5-fold
cross-validation on those grey crops, from which ``classify`` and the report say what to expect of it.
``tools/refit_grey_crops_model.py`` writes the file; a test refits it and compares.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from .config import GREY_CROPS_HEAD_FILE, GREY_CROPS_MODEL
from .crossval import crossval
from .features import data_fingerprint, fingerprints
from .images import grey_copies
from .models import ScoringModel
from .training import DefaultRecipe, Head, Log, fit_recipe, labelled_items, learned_digests, load_head

GENOTYPES = {"wt": "WT", "ctf18": "CTF18-/-"}  # the shared crops' folders: their names in what to expect
FOLDS = 5
CROSSVAL_IMAGES = ("the paper's labelled test crops of TK6 cells made grey (their luminance: a monochrome camera's "
                   f"grey may differ), each typed by the model fitted on the other {FOLDS - 1} fifths ({FOLDS}-fold "
                   "cross-validation)")


def fit_grey_crops_model(images: str | Path, log: Log | None = None) -> tuple[Head, dict[str, Any]]:
    """The head of the default recipe fitted on ``images``' ``wt`` and ``ctf18`` crops (the shared data's
    ``images/``) made grey, and its training record, with the confusion matrices per genotype of a cross-validation
    on them (``crossval``): what :func:`load_grey_crops_model` says to expect."""
    recipe = DefaultRecipe()
    with tempfile.TemporaryDirectory(prefix="sccscore-grey-") as folder:
        grey = [grey_copies(Path(images) / genotype, Path(folder) / genotype) for genotype in GENOTYPES]
        config, head = fit_recipe(grey, recipe, seed=0, log=log)
        report = crossval(grey, FOLDS, recipe, seed=0)
    confusions = {GENOTYPES[genotype]: report["groups"][genotype]["confusion"] for genotype in GENOTYPES}
    # the crops it learned known by the shared colour ones, whose bytes are fixed (a grey copy's follow the zlib that
    # wrote it), and which it reads in grey as their copies
    items = labelled_items([Path(images) / genotype for genotype in GENOTYPES])[0]
    digests = fingerprints(items)
    return head, config.training | {
        "data_fingerprint": data_fingerprint(digests, [item.label for item in items]),
        "image_digests": learned_digests(digests),
        "crossval": {"images": CROSSVAL_IMAGES, "folds": FOLDS, "confusion": confusions},
    }


def load_grey_crops_model() -> ScoringModel:
    """sccscore's model of grey crops, as ``--model sccscore:grey-crops`` loads it."""
    config = DefaultRecipe().model_config()
    config = replace(config, input=replace(config.input, grey=True), source=GREY_CROPS_MODEL)
    return load_head(resources.files("sccscore").joinpath(f"_data/{GREY_CROPS_HEAD_FILE}"), config,
                     "model of grey crops")
