"""The command line end to end, in a subprocess, on real crops."""

import csv
import html
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from statsmodels.stats.proportion import proportion_confint

from sccscore import __version__
from sccscore.stats import proportions_with_clustered_ci
from sccscore.version import code_version


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def sample_with_bad_files(small_labelled):
    source = next((small_labelled / "a").iterdir())
    (small_labelled / "b" / "truncated.jpg").write_bytes(source.read_bytes()[:200])
    (small_labelled / "c" / "notes.txt").write_text("not an image")
    return small_labelled


def test_classify_writes_tables_and_survives_bad_files(sample_with_bad_files, tmp_path, cli_imports):
    out = tmp_path / "out"
    result, imported = cli_imports("classify", str(sample_with_bad_files), "--model", "paper:squeezenet1_1/1",
                                   "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    # SqueezeNet is built without torchvision, whose import (torch._dynamo) took 2.5 s of the 9 s of this command
    assert "sccscore.squeezenet" in imported and "torchvision" not in imported
    # nor pandas with it, 0.45 s; nor scipy.stats, 0.9 s: the Wilson intervals are computed in closed form
    assert "statsmodels" not in imported and "scipy.stats" not in imported
    # and says what to expect of released model 1's calls: its figures on the paper's test crops (258 + 82 + 12 of the
    # 489 WT, 66 + 142 + 49 of the 417 CTF18-/-), its shares against theirs
    said = " ".join(result.stderr.split())
    assert ("What to expect: on the paper's labelled test crops of TK6 cells, which the released models did not learn "
            "from, paper:squeezenet1_1/1 gave the labelled type to 72.0% of the 489 WT chromosomes (95% interval "
            "67.8-75.8%) and 61.6% of the 417 CTF18-/- chromosomes (95% interval 56.9-66.2%)") in said
    assert "Its calls put WT at A 65.0, B 24.7, C 10.2% where the labels say 63.8, 31.3, 4.9%;" in said
    # and that its B and C shares hang on what no eye sees (tests/test_paper_figures.py), in a sentence: the figures,
    # twelve lines on a terminal, are the report's (tests/test_report.py)
    assert ("The released models' B against C moves with what no eye sees, the white background's texture and how "
            "finely a JPEG kept the colour (their C share by up to 9 points, the open share by up to 5): read B "
            "against C as rough, and compare samples whose crops were made and saved alike; the report (--report) "
            "gives the figures.") in said
    assert "the texture of the white background" not in said and "learned crops saved as JPEG" not in said
    # a point a paragraph, as the report lists them: not a dozen sentences run together
    assert "\nIts calls put WT at" in result.stderr and "\nThe released models' B against C" in result.stderr
    assert (f"to compare it with a sample of another run: sccscore compare REFERENCE wt_small --predictions "
            f"OTHER_RUN/predictions.csv --predictions {out / 'predictions.csv'} --out DIR") in said
    predictions = _rows(out / "predictions.csv")
    assert len(predictions) == 12
    assert list(predictions[0]) == ["path", "sample", "predicted", "p_A", "p_B", "p_C", "label", "model", "preprocess"]
    assert {(row["model"], row["preprocess"]) for row in predictions} == {("paper:squeezenet1_1/1", "none")}  # typed it
    assert {row["label"] for row in predictions} == {"A", "B", "C"}
    for row in predictions:
        probabilities = [float(row[f"p_{c}"]) for c in "ABC"]
        assert sum(probabilities) == pytest.approx(1, abs=1e-5)
        assert row["predicted"] == "ABC"[probabilities.index(max(probabilities))]
    rejected = _rows(out / "rejected.csv")
    assert sorted((r["path"].rsplit("/", 1)[1], r["reason"][:26]) for r in rejected) == [
        ("notes.txt", "not an image file type (.t"),
        ("truncated.jpg", "corrupt or truncated image"),
    ]
    (summary,) = _rows(out / "summary.csv")
    assert summary["sample"] == "wt_small" and summary["n_images"] == "12" and summary["n_rejected"] == "2"
    assert sum(int(summary[f"n_{c}"]) for c in "ABC") == 12
    assert summary["label_pct_A"] == "33.33"
    agree = sum(row["predicted"] == row["label"] for row in predictions)  # statsmodels' Wilson interval
    assert float(summary["concordance"]) == round(agree / 12, 4)
    low, high = proportion_confint(agree, 12, alpha=0.05, method="wilson")
    assert float(summary["concordance_ci_low"]) == round(low, 4)
    assert float(summary["concordance_ci_high"]) == round(high, 4)
    assert f"{agree / 12:.3f} ({low:.3f}-{high:.3f})" in result.stdout
    assert "labels 33.3 33.3 33.3" in " ".join(result.stdout.split())  # the labels' shares, in a row of their own


def test_summary_gives_each_share_its_interval_with_the_cells_as_the_units_where_folders_name_them(
        ikemoto, tmp_path, cli):
    """Wilson's interval for every sample; with the cells as the units where every crop of a sample is in a cell's
    folder. The terminal and the report show Wilson's, the same for every sample, unless all have cells."""
    wt = ikemoto / "images" / "wt"
    crops = sorted((wt / "b").iterdir())[:12] + sorted((wt / "a").iterdir())[:6]
    for number, path in enumerate(crops):  # wt/cell0/..., wt/cell1/..., wt/cell2/...
        (tmp_path / "wt" / f"cell{number % 3}").mkdir(parents=True, exist_ok=True)
        shutil.copy(path, tmp_path / "wt" / f"cell{number % 3}" / path.name)
    (tmp_path / "loose").mkdir()
    for path in sorted((ikemoto / "images" / "ctf18" / "c").iterdir())[:8]:
        shutil.copy(path, tmp_path / "loose" / path.name)
    out = tmp_path / "out"
    run = cli("classify", str(tmp_path / "wt"), str(tmp_path / "loose"), "--model", "paper:squeezenet1_1/1",
              "--out", str(out), "--report", "-q")
    assert run.returncode == 0, run.stderr
    summary = {row["sample"]: row for row in _rows(out / "summary.csv")}
    predicted = {name: [row["predicted"] for row in _rows(out / "predictions.csv") if row["sample"] == name]
                 for name in summary}
    for name, calls in predicted.items():  # statsmodels' Wilson interval
        low, high = proportion_confint([calls.count(t) for t in "ABC"], len(calls), alpha=0.05, method="wilson")
        assert [float(summary[name][f"ci_low_{t}"]) for t in "ABC"] == pytest.approx(100 * low, abs=0.005)
        assert [float(summary[name][f"ci_high_{t}"]) for t in "ABC"] == pytest.approx(100 * high, abs=0.005)
    by_cell = Counter((Path(row["path"]).parent.name, row["predicted"]) for row in _rows(out / "predictions.csv")
                      if row["sample"] == "wt")
    low, high = proportions_with_clustered_ci(np.array([[by_cell[f"cell{i}", t] for t in "ABC"] for i in range(3)]))
    assert [float(summary["wt"][f"cell_ci_low_{t}"]) for t in "ABC"] == pytest.approx(100 * low, abs=0.005)
    assert [float(summary["wt"][f"cell_ci_high_{t}"]) for t in "ABC"] == pytest.approx(100 * high, abs=0.005)
    assert all(summary["loose"][f"cell_ci_{bound}_{t}"] == "" for bound in ("low", "high") for t in "ABC")
    assert (summary["wt"]["n_cells"], summary["loose"]["n_cells"]) == ("3", "")
    assert "wt 18 0 3 " in " ".join(run.stdout.split())  # images, rejected, cells: the folders read as cells
    shown = f"{float(summary['wt']['pct_B']):.1f} ({float(summary['wt']['ci_low_B']):.1f}-"
    page = (out / "report.html").read_text()
    assert "shares with 95% Wilson intervals, the chromosomes taken as independent" in run.stdout
    assert "Shares with 95% Wilson intervals, the chromosomes taken as independent." in page
    assert shown in run.stdout and shown in page
    # and says how to compare them from these calls, without classifying again
    assert (f"to compare them, the first as the reference: sccscore compare wt loose --predictions "
            f"{out / 'predictions.csv'}") in run.stderr
    assert "--replicate-folders" not in run.stderr  # cells one folder below the sample's: no replicates to name


def test_sample_and_file_names_in_square_brackets_are_printed_as_they_are(small_labelled, tmp_path, cli):
    """Not read as rich's markup: "[b]" was taken for bold, "[clone 3]" for a style, and both names lost them."""
    wt, ko = tmp_path / "WT [b]", tmp_path / "KO [clone 3]"
    (small_labelled / "a").rename(wt)
    (small_labelled / "b").rename(ko)
    (ko / "[x] notes.txt").write_text("not an image")
    result = cli("classify", str(wt), str(ko), "--model", "paper:squeezenet1_1/1", "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    assert [line.split("  ")[0].strip() for line in result.stdout.splitlines()[1:3]] == ["WT [b]", "KO [clone 3]"]
    said = " ".join(result.stderr.split())
    assert f"skipped {ko / '[x] notes.txt'}: not an image file type" in said
    assert "sccscore compare 'WT [b]' 'KO [clone 3]' --predictions" in said


def test_grey_crops_given_to_a_released_model_are_warned_of_with_what_grey_cost_it(small_labelled, tmp_path, cli):
    """A monochrome camera's crops: the released models learned from colour, and type grey ones far worse (the
    paper's test crops made grey: tests/test_paper_figures.py). Only the sample of grey crops is named."""
    from sccscore.images import grey_copies

    grey = grey_copies(small_labelled, tmp_path / "mono")
    result = cli("classify", str(small_labelled), str(grey), "--model", "paper:squeezenet1_1/1", "--out",
                 str(tmp_path / "out"), "--report", "-q")
    assert result.returncode == 0, result.stderr
    said = ("the crops of mono are grey (a monochrome camera's, or saved in grey), and paper:squeezenet1_1/1 learned "
            "from colour ones: on the paper's test crops made grey it gave the labelled type to 48.9% of WT and "
            "38.6% of CTF18-/- (72.0% and 61.6% in colour), typing 3.1% B and 52.1% C where the labels say 43.3% and "
            "13.6%: read these calls as far off; score grey crops with --model sccscore:grey-crops (sccscore's, fitted "
            "on the paper's crops made grey), or train a model on grey crops of your own (sccscore train)")
    assert f"warning: {said}" in " ".join(result.stderr.split())
    assert result.stderr.count("are grey (a monochrome") == 1
    assert html.escape("T" + said[1:]) in (tmp_path / "out" / "report.html").read_text()  # said in the report too
    # with every sample grey, what to expect is the model's figures on grey crops, on screen and in the report
    alone = cli("classify", str(grey), "--model", "paper:squeezenet1_1/1", "--out", str(tmp_path / "grey"), "--report")
    expected = ("What to expect: on the paper's labelled test crops of TK6 cells made grey, as these crops are, "
                "paper:squeezenet1_1/1 gave the labelled type to 48.9% of the 489 WT chromosomes")
    assert alone.returncode == 0 and expected in " ".join(alone.stderr.split())
    assert "no eye sees" not in " ".join(alone.stderr.split())  # measured in colour alone
    assert html.escape(expected.removeprefix("What to expect: ")) in (tmp_path / "grey" / "report.html").read_text()
    assert "What to expect: on the paper's labelled test crops of TK6 cells, which" in " ".join(result.stderr.split())
    trained = cli("classify", str(grey), "--model", "sccscore:spreads", "--out", str(tmp_path / "own"), "-q")
    assert trained.returncode == 0 and "are grey" not in trained.stderr  # no figures in grey: not said


def test_samples_of_grey_and_colour_crops_compared_are_cautioned_as_the_cameras_difference(labelled_crops, tmp_path,
                                                                                        cli):
    """A knockout imaged on a monochrome camera (or its crops saved in grey) against a wild type in colour: a model of
    colour crops types grey ones far off, and compare gave the difference as the cells' (the paper's WT crops against
    themselves made grey: more open, p < 1e-50). compare says so, in its JSON and report too; not where the model reads
    every crop in grey, nor where the samples are alike."""
    from sccscore.evaluate import released_confusions
    from sccscore.images import grey_copies

    colour, other = labelled_crops("wt", 4, "wt_small"), labelled_crops("ctf18", 4, "ctf18")
    grey = grey_copies(labelled_crops("ctf18", 4, "ctf18_colour"), tmp_path / "mono")
    out = tmp_path / "out"
    assert cli("classify", str(colour), str(grey), str(other), "--model", "paper:squeezenet1_1/1", "--out", str(out),
               "-q").returncode == 0
    said = ("the crops of mono are grey and those of wt_small colour, and paper:squeezenet1_1/1 reads crops as they "
            "are: a difference between them is partly the cameras', not the cells' (the paper's WT crops read 47% "
            "open made grey and 32% as they are, by paper:squeezenet1_1); classify every sample with --model "
            "sccscore:grey-crops, which reads every crop in grey, or compare samples imaged alike")
    result = cli("compare", "wt_small", "mono", "--predictions", str(out / "predictions.csv"), "--out",
                 str(tmp_path / "cmp"), "--json", str(tmp_path / "cmp.json"), "--report", "-q")
    assert result.returncode == 0, result.stderr
    assert f"warning: {said}" in " ".join(result.stderr.split())
    assert json.loads((tmp_path / "cmp.json").read_text())["colour_caution"] == said
    assert html.escape("T" + said[1:]) in (tmp_path / "cmp" / "report.html").read_text()
    # the figures it gives are the released model's on the paper's WT crops (tests/test_paper_figures.py)
    called_open = [m[:, 1:].sum() / m.sum() for m in (released_confusions(grey)["paper:squeezenet1_1"]["WT"]
                                                      for grey in (True, False))]
    assert [round(100 * share) for share in called_open] == [47, 32]
    # samples alike, or a model that reads every crop in grey: nothing said
    alike = cli("compare", "wt_small", "ctf18", "--predictions", str(out / "predictions.csv"), "--json",
                str(tmp_path / "alike.json"), "-q")
    assert alike.returncode == 0 and json.loads((tmp_path / "alike.json").read_text())["colour_caution"] is None
    assert cli("classify", str(colour), str(grey), "--model", "sccscore:grey-crops", "--out", str(tmp_path / "g"),
               "-q").returncode == 0
    in_grey = cli("compare", "wt_small", "mono", "--predictions", str(tmp_path / "g" / "predictions.csv"), "--json",
                  str(tmp_path / "g.json"), "-q")
    assert in_grey.returncode == 0 and "cameras'" not in in_grey.stderr
    assert json.loads((tmp_path / "g.json").read_text())["colour_caution"] is None


def test_a_sample_of_grey_crops_pooled_with_colour_ones_is_cautioned_with_how_many_are_grey(labelled_crops, tmp_path,
                                                                                            cli):
    """A second day's crops saved in grey, pooled with a sample's colour ones: a model of colour crops types the grey
    ones far off (the paper's WT crops: 47% open made grey, 32% as they are), so the sample's shares are partly the
    cameras'. classify, compare and the report say so, with how many of the crops read are grey, where its first
    crops, colour, said nothing before; nothing is said where the model reads every crop in grey."""
    colour, pooled = labelled_crops("wt", 4, "wt_small"), labelled_crops("ctf18", 4, "pooled")
    for path in [*(pooled / "b").iterdir(), *(pooled / "c").iterdir()]:  # the second day's
        Image.open(path).convert("L").save(path)
    out = tmp_path / "out"
    result = cli("classify", str(colour), str(pooled), "--model", "paper:squeezenet1_1/1", "--out", str(out),
                 "--report", "-q")
    assert result.returncode == 0, result.stderr
    said = ("8 of the 12 crops read of pooled are grey and the others colour, and paper:squeezenet1_1/1 learned from "
            "colour ones: it types grey crops far off (the paper's WT crops read 47% open made grey and 32% as they "
            "are, by paper:squeezenet1_1), so the shares of a sample of both are partly the cameras', not the cells'; "
            "classify every sample with --model sccscore:grey-crops, which reads every crop in grey, or cut the grey "
            "crops again from the images in colour")
    assert f"warning: {said}" in " ".join(result.stderr.split()) and "are grey (a monochrome" not in result.stderr
    assert html.escape(said[0].upper() + said[1:]) in (out / "report.html").read_text()
    compared = cli("compare", "wt_small", "pooled", "--predictions", str(out / "predictions.csv"), "--json",
                   str(tmp_path / "c.json"), "-q")
    assert compared.returncode == 0, compared.stderr
    assert json.loads((tmp_path / "c.json").read_text())["colour_caution"] == (
        "the crops of wt_small are colour and those of pooled (8 of the 12 read grey) grey and colour, and "
        "paper:squeezenet1_1/1 reads crops as they are: a difference between them is partly the cameras', not the "
        "cells' (the paper's WT crops read 47% open made grey and 32% as they are, by paper:squeezenet1_1); classify "
        "every sample with --model sccscore:grey-crops, which reads every crop in grey, or compare samples imaged "
        "alike")
    in_grey = cli("classify", str(colour), str(pooled), "--model", "sccscore:grey-crops", "--out", str(tmp_path / "g"),
                  "-q")
    assert in_grey.returncode == 0 and "are grey" not in in_grey.stderr
    again = cli("compare", "wt_small", "pooled", "--predictions", str(tmp_path / "g" / "predictions.csv"), "--json",
                str(tmp_path / "g.json"), "-q")
    assert again.returncode == 0 and json.loads((tmp_path / "g.json").read_text())["colour_caution"] is None


def test_samples_of_crops_saved_with_their_colour_halved_and_whole_are_cautioned(labelled_crops, oshima, tmp_path, cli):
    """The paper's crops, saved as JPEG with their colour at half resolution (4:2:0), against a knockout's cut from a
    spread and saved as PNG, their colour whole: the released models' C calls hang on it (the paper's CTF18-/- crops
    saved again with their colour halved: 34.5% C against 26.6%; tests/test_paper_figures.py), so compare says so, in
    its JSON and report; not where the samples were saved alike, nor where the model reads every crop in grey. Crops
    saved as JPEG and then as PNG keep their colour halved, and their pixels say so: they are alike the JPEGs."""
    wt, saved_alike, converted = (labelled_crops(genotype, 4, name) for genotype, name in
                                  (("wt", "wt_small"), ("ctf18", "ctf18"), ("ctf18", "converted")))
    for path in list(converted.rglob("*.jpg")):  # the paper's crops saved again as PNG: their pixels stay halved
        Image.open(path).save(path.with_suffix(".png"))
        path.unlink()
    assert cli("detect", str(oshima / "images" / "spread3.png"), "--out", str(tmp_path / "cut"), "-q").returncode == 0
    ko = tmp_path / "ko"
    shutil.copytree(tmp_path / "cut" / "crops" / "images" / "spread3", ko)  # cut from a camera's PNG: colour whole
    said = ("the crops of wt_small (12 of the 12 read) were saved as JPEG with their colour at half resolution "
            "(4:2:0), as their files or pixels show, and those of ko with it whole (PNG, TIFF or JPEG 4:4:4, never "
            "saved so), and paper:squeezenet1_1/1 reads their colour: crops saved otherwise are typed otherwise, "
            "whatever the cells (the released ensemble called the crops sccscore cuts from the annotated spreads "
            "60.9% C as PNG and 66.8% saved as JPEG with their colour at half resolution, and the paper's CTF18-/- "
            "crops, most saved so, 26.6% C as shared, 34.5% with their colour halved again and 26.6% with it whole, "
            "even at JPEG quality 50 24.9%; its 30 models each called more C with the colour halved): save every "
            "sample's crops alike")
    for model in ("paper:squeezenet1_1/1", "sccscore:grey-crops"):
        out = tmp_path / model.split(":")[0]
        assert cli("classify", str(wt), str(ko), str(saved_alike), str(converted), "--model", model, "--out", str(out),
                   "-q").returncode == 0
        result = cli("compare", "wt_small", "ko", "--predictions", str(out / "predictions.csv"), "--out",
                     str(tmp_path / f"c-{out.name}"), "--json", str(tmp_path / f"{out.name}.json"), "--report", "-q")
        assert result.returncode == 0, result.stderr
        compared = json.loads((tmp_path / f"{out.name}.json").read_text())
        page = (tmp_path / f"c-{out.name}" / "report.html").read_text()
        if model == "sccscore:grey-crops":  # reads every crop in grey: the colour's resolution is not read
            assert compared["jpeg_caution"] is None and "half resolution" not in result.stderr + page
            continue
        assert compared["jpeg_caution"] == said and f"warning: {said}" in " ".join(result.stderr.split())
        assert html.escape("T" + said[1:]) in page
        for other in ("ctf18", "converted"):
            alike = cli("compare", "wt_small", other, "--predictions", str(out / "predictions.csv"), "--json",
                        str(tmp_path / f"{other}.json"), "-q")
            assert alike.returncode == 0
            assert json.loads((tmp_path / f"{other}.json").read_text())["jpeg_caution"] is None


def test_a_whole_spread_among_crops_is_skipped_saying_so(small_labelled, oshima, tmp_path, cli):
    """A spread given as a crop would be typed as one chromosome; it is skipped, and the terminal says why."""
    shutil.copy(oshima / "images" / "spread3.png", small_labelled / "a" / "spread3.png")
    out = tmp_path / "out"
    result = cli("classify", str(small_labelled), "--model", "paper:squeezenet1_1/1", "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert len(_rows(out / "predictions.csv")) == 12 and "to compare them" not in result.stderr  # one sample
    reason = ("1440 x 1024 px, too large for one chromosome's crop (at most 1000 px a side): a whole spread? "
              "'classify --spreads' finds the chromosomes in one")
    assert [(r["path"], r["reason"]) for r in _rows(out / "rejected.csv")] == [
        (str(small_labelled / "a" / "spread3.png"), reason)]
    assert f"skipped {small_labelled / 'a' / 'spread3.png'}: {reason}" in " ".join(result.stderr.split())
    # evaluate names it too, and its JSON lists it
    result = cli("evaluate", str(small_labelled), "--model", "paper:squeezenet1_1/1",
                 "--json", str(tmp_path / "e.json"))
    assert result.returncode == 0, result.stderr
    assert f"skipped {small_labelled / 'a' / 'spread3.png'}: {reason}" in " ".join(result.stderr.split())
    report = json.loads((tmp_path / "e.json").read_text())
    assert report["n_rejected"] == 1 and report["rejected"] == [{"path": str(small_labelled / "a" / "spread3.png"),
                                                                 "reason": reason}]
    # compared with a folder of spreads only, nothing of that sample is left to compare: said so, not a table error
    (tmp_path / "ko").mkdir()
    shutil.copy(oshima / "images" / "spread5.png", tmp_path / "ko")
    result = cli("compare", str(small_labelled), str(tmp_path / "ko"), "--model", "paper:squeezenet1_1/1", "--out",
                 str(tmp_path / "compared"), "-q")
    assert result.returncode == 2 and "no image of ko could be scored: see the files skipped above" in result.stderr
    # classified alone, the spreads' folder gives an error, not an empty table and success (nor, with --report,
    # a complaint about that table)
    result = cli("classify", str(tmp_path / "ko"), "--model", "paper:squeezenet1_1/1", "--out", str(tmp_path / "alone"),
                 "--report", "-q")
    assert result.returncode == 2, result.stderr
    assert " ".join(result.stderr.split()).endswith(
        f"error: no image could be scored: see the files skipped above and {tmp_path / 'alone' / 'rejected.csv'}")
    # nor a table of no chromosomes, and what to expect of calls that were not made, above the files skipped
    assert "What to expect" not in result.stdout and "A % (95% CI)" not in result.stdout, result.stdout
    assert len(_rows(tmp_path / "alone" / "rejected.csv")) == 1 and not (tmp_path / "alone" / "report.html").exists()


def test_evaluate_of_one_type_writes_json_every_reader_takes(labelled_crops, tmp_path, cli):
    """Crops all labelled and called A: Cohen's kappa is undefined and types B and C have no recall. Python wrote them
    as NaN, which is no JSON value (R's jsonlite and browsers refuse the file): null now, and '-' on screen."""
    only_a = labelled_crops("wt", 3, "only_a")
    for label in "bc":
        shutil.rmtree(only_a / label)
    result = cli("evaluate", str(only_a), "--model", "paper:squeezenet1_1/1", "--json", str(tmp_path / "e.json"))
    assert result.returncode == 0, result.stderr
    assert "Cohen's kappa -\n" in result.stdout and "nan" not in result.stdout.lower()
    assert "each type's labelled crops given that type: A 1.000, B -, C -\n" in result.stdout  # no B or C to find

    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    report = json.loads((tmp_path / "e.json").read_text(), parse_constant=refuse)
    assert report["concordance"] == 1.0 and report["kappa"] is None and report["recall"] == [1.0, None, None]


def test_strict_makes_a_bad_file_fatal_and_writes_nothing(sample_with_bad_files, tmp_path, cli):
    out = tmp_path / "out"
    result = cli("classify", str(sample_with_bad_files), "-m", "paper:squeezenet1_1/1", "-o", str(out), "--strict")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "(--strict)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / "predictions.csv").exists() and not (out / "summary.csv").exists()


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (lambda d: (d / "empty").mkdir(), ["classify", "{d}/empty", "-o", "{d}/o"], "empty: no images found"),
        (lambda d: (d / "x" / "maybe").mkdir(parents=True) or (d / "x" / "a").mkdir(),
         ["evaluate", "{d}/x"], "maybe: unknown label folder 'maybe'"),
        (lambda d: None, ["classify", "{d}", "-o", "{d}/o", "-m", "{d}/no_model"], "no_model: no such model"),
        (lambda d: None, ["classify", "{d}/absent", "-o", "{d}/o"], "absent: no such folder"),
        (lambda d: None, ["classify", "{d}/a.png", "-o", "{d}/o"], "a.png: a file, where a sample folder is wanted"),
        (lambda d: None, ["evaluate", "{d}", "-m", "paper:squeezenet1_1/0"], "released model 0 does not exist"),
        (lambda d: None, ["evaluate", "{d}", "--preprocess", "fancy"], "unknown preprocessing 'fancy'"),
    ],
)
def test_bad_input_gives_one_line_error(tmp_path, cli, make, args, message):
    make(tmp_path)
    (tmp_path / "a.png").write_bytes(b"")  # so that tmp_path itself is an unlabelled folder
    result = cli(*(arg.format(d=tmp_path) for arg in args))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr


def test_an_output_folder_in_an_input_folder_is_refused(small_labelled, tmp_path, cli):
    """The next run would read its crops, overlays or heatmaps as the sample's images (a spread's overlay was read
    as a second spread of 50 chromosomes)."""
    sample = tmp_path / "wt"
    shutil.copytree(small_labelled / "a", sample)
    for args in (["classify", str(sample)], ["classify", "--spreads", str(sample)], ["explain", str(sample)]):
        for out in (sample / "scored", sample):
            result = cli(*args, "-m", "paper:squeezenet1_1/1", "-o", str(out))
            assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
            assert (f"{out}: the output folder lies in the input folder {sample}, so the next run would read the "
                    "images written there (crops, overlays, heatmaps, charts) as images of sample 'wt'") in " ".join(
                result.stderr.split())
    assert sorted(p.name for p in sample.iterdir()) == sorted(p.name for p in (small_labelled / "a").iterdir())


def test_evaluate_unlabelled_folder_is_refused(tmp_path, small_labelled, cli):
    shutil.copy(next((small_labelled / "a").iterdir()), tmp_path / "x.jpg")
    result = cli("evaluate", str(tmp_path), "-m", "paper:squeezenet1_1/1")
    assert result.returncode == 2 and "not a labelled folder" in result.stderr
    (tmp_path / "labelled" / "b").mkdir(parents=True)  # labelled, but nothing in it can be read: no NaN figures
    (tmp_path / "labelled" / "b" / "x.png").write_text("not an image")
    result = cli("evaluate", str(tmp_path / "labelled"), "-m", "paper:squeezenet1_1/1")
    assert result.returncode == 2 and "warning" not in result.stderr, result.stderr
    assert result.stderr == (f"error: {tmp_path / 'labelled'}: no image could be scored (1 file skipped), "
                             f"namely {tmp_path / 'labelled' / 'b' / 'x.png'}: not an image file (cannot identify its "
                             "format)\n")
    result = cli("explain", str(tmp_path / "labelled"), "--out", str(tmp_path / "explained"))  # nor 0 heatmaps
    assert result.returncode == 2 and result.stderr.startswith("error: no crop could be read (1 file skipped), "
                                                               f"namely {tmp_path / 'labelled' / 'b' / 'x.png'}: not")
    assert not (tmp_path / "explained").exists()  # nothing half-written


def test_version_lists_package_and_libraries(cli):
    result = cli("--version")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ["sccscore", "torch", "torchvision", "onnxruntime", "openvino", "numpy", "scipy", "statsmodels",
                     "python", "platform"]
    assert result.stdout.splitlines()[0] == f"sccscore {code_version()}"


def test_the_code_version_names_the_commit_of_a_checkout_and_its_changes(tmp_path):
    """Every commit carries one version: run from a git checkout, the version names its commit, and changes to the
    package since it; installed elsewhere (another project's repository, untracked there), the version alone."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=lab", "-c", "user.email=lab@example.org",
                               *arguments], capture_output=True, text=True, check=True).stdout.strip()

    package = tmp_path / "src" / "sccscore"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('__version__ = "0.1.0"\n')
    (tmp_path / "README.md").write_text("sccscore\n")
    git("init", "-q")
    assert code_version.__wrapped__(package) == __version__  # a repository that does not track it
    git("add", ".")
    git("commit", "-q", "-m", "first")
    commit = git("rev-parse", "--short=12", "HEAD")
    assert code_version.__wrapped__(package) == f"{__version__} (commit {commit})"
    (tmp_path / "README.md").write_text("sccscore, documented\n")  # outside the package: not its figures
    assert code_version.__wrapped__(package) == f"{__version__} (commit {commit})"
    (package / "new.py").write_text("LOST = 1\n")  # a module not yet added is code the commit lacks
    assert code_version.__wrapped__(package) == f"{__version__} (commit {commit}, with changes not committed)"
    (package / "new.py").unlink()
    (package / "__init__.py").write_text('__version__ = "0.1.0"  # changed\n')
    assert code_version.__wrapped__(package) == f"{__version__} (commit {commit}, with changes not committed)"


def test_every_commands_help_reads_in_80_columns_in_plain_words(cli):
    """Click's two columns, not typer's rich panels (which left each option 20 characters of help at 80 columns),
    and no Python types (typer 0.27 and later write ``--strict <bool>``, as if the flag took a value)."""
    import typer

    from sccscore.cli import app

    root = typer.main.get_command(app)
    groups = {"": root, **{f"{name} ": group for name, group in root.commands.items() if hasattr(group, "commands")}}
    commands = [f"{prefix}{name}".split() for prefix, group in groups.items() for name in group.commands]
    assert len(commands) == 18  # 16 commands, the data group among them, and the data group's 2
    helps = {}
    for words in [[], *commands]:
        result = cli(*words, "--help", env={"COLUMNS": "80"})
        assert result.returncode == 0 and result.stdout.startswith(f"Usage: sccscore {' '.join(words)}".rstrip())
        helps[" ".join(words)] = result.stdout
    lines = [(command, line) for command, text in helps.items() for line in text.splitlines()]
    assert [line for _, line in lines if len(line) > 80] == []
    assert [line for _, line in lines if re.search(r"<(bool|str|int|float|path)\b|list\[|\{\w+\}", line)] == []
    # each command's first sentence is its whole line in the lists of commands, not cut short with "..."
    listed = [line for command in ("", "data") for line in helps[command].split("Commands:\n")[1].splitlines()]
    assert len(listed) == 16 + 2 and [line for line in listed if line.endswith("...")] == []
    # an option's help beside it, in the width left of 80 columns (rich's panels: "Fail on the first")
    assert re.search(r"\n  --strict +Fail on the first unreadable file \(or spread\s", helps["classify"])


def test_a_table_fits_the_terminal_narrowing_its_widest_columns_never_past_their_longest_word():
    from rich.console import Console
    from rich.table import Table

    from sccscore.terminal import fit_columns

    def table() -> Table:
        made = Table("image", "n found", "open concordance", box=None)
        made.add_row("spread1.png", "45", "0.82")
        return made

    fits = table()
    assert fit_columns(fits, 40)  # 34 characters and a space either side of each column
    assert [column.width for column in fits.columns] == [None, None, None] and fits.pad_edge
    narrow = table()
    assert fit_columns(narrow, 32)  # their longest words, 27, and padding between the columns only
    assert [column.width for column in narrow.columns] == [11, 6, 11] and not narrow.pad_edge
    console = Console(width=32, record=True)
    console.print(narrow)
    shown = console.export_text()
    assert [line.rstrip() for line in shown.splitlines()] == [
        "             n       open", "image        found   concordance", "spread1.png  45      0.82"]
    too_narrow = table()
    assert not fit_columns(too_narrow, 26)  # shown a block a row instead (sccscore.terminal.show_records)
    # a column wide for its header's sake is narrowed first, its header wrapped, the figures beside it kept whole
    # (narrowed widest first, kappa's figure wrapped: [11, 13, 14])
    headed = Table("between", "open or cohered alike, %", "kappa (95% CI)", box=None)
    headed.add_row("ann and bob", "90.5", "0.37 (0.06 to 0.68)")
    assert fit_columns(headed, 44) and [column.width for column in headed.columns] == [11, 8, 19]
    # a sample folder named in Japanese: each character two of the terminal's cells, the name kept whole (counted
    # as characters, its column was two short: "CTF18欠" over "損")
    named = Table("sample", "A % (95% CI)", "B % (95% CI)", box=None)
    named.add_row("CTF18欠損", "57.4 (0.0-100.0)", "40.4 (0.0-100.0)")
    fit_columns(named, 38)
    assert [column.width for column in named.columns] == [9, 11, 12]
    console = Console(width=38, record=True)
    console.print(named)
    assert [line.rstrip() for line in console.export_text().splitlines()] == [
        "            A % (95%", " sample     CI)          B % (95% CI)", " CTF18欠損  57.4         40.4",
        "            (0.0-100.0)  (0.0-100.0)"]


def test_a_table_too_wide_for_the_terminal_shows_a_block_a_row(tmp_path, cli):
    """At 60 columns the shares' columns cannot fit at their words: rich folded "(0.0-14.7" over ")"."""
    table = tmp_path / "typed.csv"
    table.write_text("path,sample,predicted\n" + "".join(f"{s}/{i}.png,{s},{t}\n" for s, types in
                                                       (("wt", "AAAB"), ("ko", "ABBC")) for i, t in enumerate(types)))
    shown = cli("compare", "wt", "ko", "--predictions", str(table), env={"COLUMNS": "60"})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[:8] == [
        "chromosome level", "sample: wt", "  chromosomes: 4", "  A % (95% CI): 75.0 (30.1-95.4)",
        "  B % (95% CI): 25.0 (4.6-69.9)", "  C % (95% CI): 0.0 (0.0-49.0)", "  B+C vs reference, 95% CI: -",
        "sample: ko"]
    assert not shown.stderr
    wide = cli("compare", "wt", "ko", "--predictions", str(table), env={"COLUMNS": "100"})
    assert " ".join(wide.stdout.splitlines()[1].split()) == (
        "sample chromosomes A % (95% CI) B % (95% CI) C % (95% CI) B+C vs reference, 95% CI")  # a table, as before


def test_a_row_named_under_another_shows_as_a_block_under_its_blocks_name(monkeypatch):
    from rich.console import Console
    from rich.table import Table

    from sccscore import terminal

    table = Table("sample", "images", "A % (95% CI)", title="Per sample", caption="shares with intervals")
    table.add_row("wt", "12", "50.0 (25.4-74.6)")
    table.add_row("  labels", "", "33.3")
    monkeypatch.setattr(terminal, "stdout", Console(width=20, record=True, soft_wrap=True))  # as terminal.stdout
    terminal.show(table)
    assert terminal.stdout.export_text().splitlines() == [
        "Per sample", "sample: wt", "  images: 12", "  A % (95% CI): 50.0 (25.4-74.6)", "  labels",
        "    A % (95% CI): 33.3", "shares with intervals"]


@pytest.mark.slow
def test_demo_classifies_both_genotypes(tmp_path, cli):
    result = cli("demo", "--out", str(tmp_path / "demo"), "-q")
    assert result.returncode == 0, result.stderr
    summary = {row["sample"]: row for row in _rows(tmp_path / "demo" / "summary.csv")}
    assert {k: summary[k]["n_images"] for k in summary} == {"wt": "489", "ctf18": "417"}
    # The ensemble's mean softmax; pinned on the shared images.
    assert float(summary["wt"]["concordance"]) == pytest.approx(0.728, abs=0.002)
    assert float(summary["ctf18"]["concordance"]) == pytest.approx(0.626, abs=0.002)
    assert float(summary["ctf18"]["pct_B"]) + float(summary["ctf18"]["pct_C"]) > 60 > (
        float(summary["wt"]["pct_B"]) + float(summary["wt"]["pct_C"])
    )
    assert "wt" in result.stdout and "ctf18" in result.stdout
    # compared from the calls' table as `sccscore compare` reads a run: with how each sample's crops were cut, imaged
    # and made (400 crops read a sample), which the paper's two genotypes do alike, so that nothing is cautioned: their
    # lengths within 1.1 times, their focus compared, 0.60 px apart (0.75 cautioned), their white 1.17 times as grainy
    # (1.4 cautioned)
    page = (tmp_path / "demo" / "report.html").read_text()
    assert ("<tr><td>wt</td><td>400</td><td>74</td><td>60</td><td>1.19</td><td>0.73 (400)</td><td>400 of 400</td></tr>"
            "<tr><td>ctf18</td><td>400</td><td>78</td><td>63</td><td>1.33</td><td>0.85 (400)</td><td>400 of 400</td>"
            "</tr>") in page  # and every crop read with a white around the chromosome
    warned = " ".join(result.stderr.split()).split("warning: ")[1:]
    assert len(warned) == 1 and warned[0].startswith("the same image is given twice")  # two of the WT crops


def test_an_experiments_folder_given_as_one_sample_is_said_to_pool_its_folders(ikemoto, tmp_path, cli, capsys):
    """exp/wt/ and exp/ko/ given as exp: scored as one sample, its genotypes' folders taken for cells, in silence.
    Said, with the command that scores each; not of a sample's numbered cells, nor of a labelled folder's a/ b/ c/."""
    for genotype, folder in (("wt", "wt"), ("ctf18", "ko")):
        (tmp_path / "exp" / folder).mkdir(parents=True)
        for path in sorted((ikemoto / "images" / genotype / "a").iterdir())[:3]:
            shutil.copy(path, tmp_path / "exp" / folder / path.name)
    run = cli("classify", str(tmp_path / "exp"), "--model", "paper:squeezenet1_1/1", "--out", str(tmp_path / "run"))
    assert run.returncode == 0, run.stderr
    assert (f"exp was scored as one sample, pooling the folders ko and wt in it: to score each as a sample of its own, "
            f"give them: sccscore classify {tmp_path / 'exp' / 'ko'} {tmp_path / 'exp' / 'wt'} --out DIR"
            ) in " ".join(run.stderr.split())
    # the same table with the folders named as cells, or as a labelled folder's types: nothing said
    from sccscore.cli import _print_compare_command

    summary = [{"sample": "exp", "pct_A": 100.0, "n_A": 6}]
    rows = _rows(tmp_path / "run" / "predictions.csv")
    for cells, said in ((("cell1", "cell2"), False), (("a", "b"), False), (("wt", "ko"), True)):
        out = tmp_path / "_".join(cells)
        out.mkdir()
        with open(out / "predictions.csv", "w", newline="") as handle:
            table = csv.DictWriter(handle, list(rows[0]))
            table.writeheader()
            renamed = lambda path: path.replace("/wt/", f"/{cells[0]}/").replace("/ko/", f"/{cells[1]}/")  # noqa: E731
            table.writerows(row | {"path": renamed(row["path"])} for row in rows)
        _print_compare_command(summary, out)
        assert ("was scored as one sample" in capsys.readouterr().err) == said, cells
    # a spread's folder is read from its image column, below the sample's folder; in a table edited by hand, its
    # spread's path blank or short, named by the sample, not a traceback
    spreads = tmp_path / "spreads"
    spreads.mkdir()
    for (wt, ko), folders in ((("data/exp/wt/s1.png", "data/exp/ko/s2.png"), "data/exp/ko data/exp/wt"),
                              (("s1.png", ""), "exp/ko exp/wt")):
        (spreads / "predictions.csv").write_text(
            "path,sample,image,metaphase,cell,predicted,spread\n"
            f"run/crops/exp/wt/s1/001.png,exp,wt/s1.png,1,wt/s1/metaphase1,A,{wt}\n"
            f"run/crops/exp/ko/s2/001.png,exp,ko/s2.png,1,ko/s2/metaphase1,B,{ko}\n")
        _print_compare_command([{"sample": "exp", "pct_A": 50.0, "n_A": 1}], spreads)
        assert f"sccscore classify --spreads {folders} --out DIR" in " ".join(capsys.readouterr().err.split())
