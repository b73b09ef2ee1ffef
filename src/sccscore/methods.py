"""A comparison's methods in the sentences a paper's methods section gives them: what typed the chromosomes, the
shares' intervals and the tests, each as this run did it, so that a lab writes what was done rather than what it
remembers of the tool (the report's "Methods")."""

from __future__ import annotations

from typing import Any

from .compare import interval_kind
from .config import PAPER_PREFIX
from .stats import CELL_BOOTSTRAP, MIN_CELLS, MIN_EXPECTED
from .version import code_version
from .words import TYPES, by_whom, counted

PAPER = "Ikemoto et al. (Sci Rep 13, 2023)"


def methods(comparison: dict[str, Any], model: Any | None = None, spreads: bool = False) -> str:
    """The methods of a comparison (:func:`sccscore.compare.compare_table`'s report) typed by ``model`` (a
    :class:`~sccscore.models.ScoringModel`; None for calls typed by hand), of chromosomes found in whole spreads
    where ``spreads``."""
    by_cell, _ = interval_kind({name: group["n_cells"] for name, group in comparison["groups"].items()})
    sentences = (_typing(model, comparison.get("typed_by"), spreads, comparison.get("preprocess")),
                 _review(comparison), _shares(by_cell, comparison.get("corrected_by")),
                 _chromosome_tests(comparison), _cell_tests(comparison), _replicate_tests(comparison))
    return " ".join(sentence for sentence in sentences if sentence)


def scoring_methods(model: Any, spreads: bool, by_cell: bool) -> str:
    """The methods of a run that scored samples without comparing them (``classify --report``): what typed the
    chromosomes, and the shares' intervals, with the cells as the units where ``by_cell``."""
    return f"{_typing(model, None, spreads, model.config.input.preprocess)} {_shares(by_cell, None)}"


def _typing(model: Any | None, typed_by: str | None, spreads: bool, preprocess: str | dict[str, str] | None) -> str:
    """Who or what typed the chromosomes: ``model``, else the model the table names (``typed_by``, not loaded), else
    a person (a table typed by hand)."""
    found = ("Chromosomes were found in whole metaphase spreads by sccscore's detector, each metaphase taken as a "
             "cell, and typed" if spreads else "Chromosomes cut from metaphase spreads were typed")
    if model is None and typed_by is None:
        return f"{found} {TYPES} by hand."
    by = model_words(model) if model is not None else f"the model {typed_by}"
    return f"{found} {TYPES} by {by}{_preprocessed(preprocess)}, with sccscore {code_version()}."


def _preprocessed(preprocess: str | dict[str, str] | None) -> str:
    """The crops the paper's preprocessing was given (compare's ``preprocess``: one for all, or each sample's).

    >>> for preprocess in "paper", "none", {"wt": "none", "ko": "paper"}:
    ...     print(repr(_preprocessed(preprocess)))
    ', each crop preprocessed as the paper did (other objects painted white, the stain normalised)'
    ''
    ', the crops of ko preprocessed as the paper did (other objects painted white, the stain normalised)'
    """
    how = "preprocessed as the paper did (other objects painted white, the stain normalised)"
    if isinstance(preprocess, dict):
        given = [name for name, way in preprocess.items() if way == "paper"]
        return f", the crops of {', '.join(given)} {how}" if given else ""
    return f", each crop {how}" if preprocess == "paper" else ""


def model_words(model: Any) -> str:
    """What typed the chromosomes (a :class:`~sccscore.models.ScoringModel`), as a methods section names it."""
    from .models import model_reference

    reference = model_reference(model)
    training = model.config.training or {}
    if reference.startswith(PAPER_PREFIX):
        if model.config.n_members == 1:
            return f"SqueezeNet 1.1 model {reference.rpartition('/')[2]} of those released by {PAPER}"
        return (f"the ensemble of the {model.config.n_members} SqueezeNet 1.1 models released by {PAPER}, its members' "
                "probabilities averaged")
    if spreads := training.get("trained_on"):
        folders = training.get("crop_folders") or []
        crops = f" and on the labelled crops of {counted(len(folders), 'folder')}" if folders else ""
        return f"the model {reference}, fitted on {counted(len(spreads), 'annotated spread')}{crops}"
    if n_images := training.get("n_images"):
        validation = training.get("validation") or {}
        checked = (f" (it gave {100 * validation['concordance']:.1f}% of {validation['n_images']} labelled crops held "
                   "out from its fit their labelled type)" if validation.get("n_images") else "")
        recipe = training.get("recipe")
        return f"the model {reference}, trained with sccscore's {recipe} recipe on {n_images} labelled crops{checked}"
    return f"the model {reference}"


def _review(comparison: dict[str, Any]) -> str | None:
    """What a person did to the calls: a blind review, what it changed and left out, calls set with the sample in
    view. Facts, where the verdict's sentence (:func:`sccscore.compare.by_hand_sentence`) also advises.

    >>> print(_review({"reviewed_blind": {"wt": 12, "ko": 15}, "set_in_blind_review": {"wt": 3, "ko": 0},
    ...                "set_by_hand": {"wt": 5, "ko": 0}, "left_out_in_review": {"wt": 1, "ko": 0},
    ...                "reviewers": ["ann"]}))
    A blind review (sccscore review) by ann, neither sample nor call shown, covered wt 12, ko 15 calls, changed wt 3, \
ko 0 of them and left out wt 1, ko 0 objects as not chromosomes. Calls set by hand with the sample in view: wt 2, ko 0.

    A review of calls drawn at random (``review --sample``):

    >>> print(_review({"reviewed_blind": {"wt": 50, "ko": 50}, "set_in_blind_review": {"wt": 27, "ko": 22},
    ...                "set_by_hand": {"wt": 27, "ko": 22},
    ...                "drawn_review": {"n_both": 100, "n_untyped": 3, "corrected": {"by_sample": {}}}}
    ...               ).split("of them. ")[-1])
    100 of the calls it covered were drawn at random from every call (sccscore review --sample); on these the model's \
calls were compared with the review's types, each sample's open share paired on the chromosomes, with a paired t 95% \
interval of the difference. 3 more calls drawn, left untyped by the review, were left out. Each sample's open share \
as the review would have typed every call was estimated as the model's share of every call plus the review's less the \
model's on the calls drawn (a difference estimator: Sarndal et al. 1992; prediction-powered inference, Angelopoulos et \
al. 2023), with a jackknife 95% interval on the same units.

    Several reviewers' sheets applied together (``apply-review --sheet ann.csv --sheet bob.csv``):

    >>> print(_review({"reviewed_blind": {"wt": 12}, "set_in_blind_review": {"wt": 3}, "set_by_hand": {"wt": 3},
    ...                "reviewers": ["ann", "bob"], "reviewed_together": 9}))
    A blind review (sccscore review) by ann and bob, neither sample nor call shown, covered wt 12 calls, changed wt 3 \
of them; where more than one typed a call (9 calls), it was given the type they gave it alike, or settled on together.
    """
    reviewed, blind = comparison.get("reviewed_blind") or {}, comparison.get("set_in_blind_review") or {}
    changed, left = comparison.get("set_by_hand") or {}, comparison.get("left_out_in_review") or {}
    each = lambda counts: ", ".join(f"{name} {n}" for name, n in counts.items())  # noqa: E731
    said = []
    if any(reviewed.values()):
        dropped = f" and left out {each(left)} objects as not chromosomes" if any(left.values()) else ""
        n_together = comparison.get("reviewed_together") or 0
        together = (f"; where more than one typed a call ({counted(n_together, 'call')}), it was given the type they "
                    "gave it alike, or settled on together" if n_together else "")
        said.append(f"A blind review (sccscore review){by_whom(comparison.get('reviewers') or [])}, neither sample nor "
                    f"call shown, covered {each(reviewed)} calls, changed "
                    f"{each(blind) + ' of them' if any(blind.values()) else 'none of them'}{dropped}{together}.")
    if drawn := comparison.get("drawn_review"):
        interval = "the delete-one-cell jackknife's" if (drawn.get("n_cells") or 0) >= 2 else "a paired t"
        said.append(f"{drawn['n_both']} of the calls it covered were drawn at random from every call (sccscore review "
                    "--sample); on these the model's calls were compared with the review's types, each sample's open "
                    f"share paired on the chromosomes, with {interval} 95% interval of the difference.")
        if untyped := drawn.get("n_untyped"):
            said.append(f"{counted(untyped, 'more call')} drawn, left untyped by the review, "
                        f"{'was' if untyped == 1 else 'were'} left out.")
        if drawn.get("corrected"):
            said.append("Each sample's open share as the review would have typed every call was estimated as the "
                        "model's share of every call plus the review's less the model's on the calls drawn (a "
                        "difference estimator: Sarndal et al. 1992; prediction-powered inference, Angelopoulos et al. "
                        "2023), with a jackknife 95% interval on the same units.")
    if sum(changed.values()) > sum(blind.values()):
        said.append(f"Calls set by hand with the sample in view: "
                    f"{each({name: n - blind.get(name, 0) for name, n in changed.items()})}.")
    return " ".join(said) or None


def _shares(by_cell: bool, corrected_by: str | None) -> str:
    said = ("Each sample's share of each type is given with a 95% interval that takes its cells as the units (Korn and "
            "Graubard's Clopper-Pearson interval on the effective sample size)" if by_cell
            else "Each sample's share of each type is given with a 95% Wilson interval")
    if corrected_by:
        said += (", and corrected for the classifier's errors by maximum likelihood, with 95% bootstrap intervals that "
                 f"draw both the calls and the error rates, the errors those of {corrected_by}")
    return said + "."


def _chromosome_tests(comparison: dict[str, Any]) -> str:
    tests, reference = comparison["tests"], comparison["reference"]
    each = f"{next(iter(tests))} was" if len(tests) == 1 else "Each sample was"
    exact = (f" (its p and the trend test's computed exactly where a type was expected fewer than {MIN_EXPECTED} "
             "times)" if any(test["p_exact"] for test in tests.values()) else "")
    return (f"{each} compared with {reference}, the chromosomes taken as independent, by a chi-square test of the A, "
            f"B and C counts{exact}{_holm(len(tests))}, by the Cochran-Armitage test for trend along A < B < C, and "
            "type by type by Fisher's exact test, Holm-adjusted over the three types; the difference in the share of "
            f"open chromosomes (B + C) is given with Newcombe's 95% interval{_unadjusted(len(tests))}, and the "
            "association's strength as Cramer's V.")


def _cell_tests(comparison: dict[str, Any]) -> str | None:
    tested = [test["cell_level"] for test in comparison["tests"].values() if test["cell_level"]]
    if not tested:
        return None
    return ("With the cells as the units, the cells' B + C shares were compared by the Mann-Whitney test (exact for "
            f"few cells){_holm(len(tested))}, the difference in the pooled B + C share given with a 95% interval from "
            f"{CELL_BOOTSTRAP:,} bootstrap draws of whole cells where each sample had {MIN_CELLS} cells or "
            f"more{_unadjusted(len(tested))}.")


def _replicate_tests(comparison: dict[str, Any]) -> str | None:
    tested = [test["replicate_level"] for test in comparison["tests"].values() if test["replicate_level"]]
    if not tested:
        return None
    paired = {level["paired"] for level in tested}
    test = ("a paired t-test, the replicates paired by name" if paired == {True} else "Welch's t-test"
            if paired == {False} else "a paired t-test where both samples had the same replicates, else Welch's")
    return ("With the replicates (independent experiments) as the units, each replicate's mean B + C share per cell "
            f"was compared by {test}{_holm(len(tested))} (Lord et al., J Cell Biol 2020).")


def _unadjusted(n_tested: int) -> str:
    """That a level's intervals are each sample's own 95%, where its p-values are adjusted over several samples: a
    reader would take the two alike."""
    return f" (not adjusted over the {n_tested} samples)" if n_tested > 1 else ""


def _holm(n_tested: int) -> str:
    """How a level's p was adjusted over the samples tested at it: not at all for one."""
    return f", its p adjusted by Holm's method over the {n_tested} samples" if n_tested > 1 else ""
