"""How a crop frames its chromosome (its span and length), and the cautions where crops were cut or imaged
otherwise than those compared with them or those the model learned."""

import html
import json
import re

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from sccscore.framing import crop_framing, sample_framing
from sccscore.images import IMAGE_SUFFIXES, read_crop


def _crops(folder):
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def _copies(folder, into, change):
    """The labelled folder's crops changed by ``change`` (an RGB array's function), under ``into`` in its layout."""
    for path in _crops(folder):
        (into / path.parent.name).mkdir(parents=True, exist_ok=True)
        Image.fromarray(change(read_crop(path))).save(into / path.parent.name / path.name)
    return into


def _with_margin(rgb, share):
    """The crop with ``share`` of its height and width added on each side, in its border's colour."""
    border = np.median(np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]), axis=0).astype(np.uint8)
    height, width, _ = rgb.shape
    dy, dx = round(share * height), round(share * width)
    out = np.empty((height + 2 * dy, width + 2 * dx, 3), np.uint8)
    out[:] = border
    out[dy : dy + height, dx : dx + width] = rgb
    return out


def test_the_paper_crops_spans_and_a_wider_margin_shrinks_the_span_by_its_share(ikemoto, tmp_path):
    """The paper's crops were cut with the chromosome spanning 74% (WT) and 78% (CTF18-/-) of them, the figures the
    caution gives; a quarter of a crop added on each side makes it 1.5 times larger, the chromosome as long. A crop
    may read otherwise alone (its sisters apart found as one object in the larger crop: 22 of the 489), not their
    median."""
    wt, ctf18 = (_crops(ikemoto / "images" / genotype) for genotype in ("wt", "ctf18"))
    medians = [sample_framing(crops, most=len(crops)) for crops in (wt, ctf18)]
    assert [(round(f.span, 3), f.length, round(f.blur, 3)) for f in medians] == [(0.743, 60.0, 1.186),
                                                                                 (0.783, 63.0, 1.331)]
    spans = np.array([[crop_framing(crop).span, crop_framing(_with_margin(crop, 0.25)).span]
                      for crop in map(read_crop, wt)])
    assert np.median(spans[:, 1]) == pytest.approx(np.median(spans[:, 0]) / 1.5, abs=0.005)
    assert np.mean(np.abs(spans[:, 1] - spans[:, 0] / 1.5) < 0.01) == pytest.approx(467 / 489)
    assert crop_framing(np.full((30, 30, 3), 200, np.uint8)) is None  # a crop of one shade: no chromosome
    # a sample's framing from 400 crops spread through it, those that can be read: the medians of all 489 (100 crops
    # read a length of 57 px)
    assert sample_framing(wt).record() == sample_framing(wt, most=len(wt)).record() | {"crops_read": 400}
    (tmp_path / "broken.png").write_bytes(b"not a png")
    assert sample_framing([tmp_path / "broken.png", *wt]).span == pytest.approx(0.743, abs=0.02)
    assert sample_framing([tmp_path / "broken.png"]) is None


def test_a_sample_s_crops_are_read_once_for_their_framing_and_again_once_changed(ikemoto, tmp_path, monkeypatch):
    """A compare of folders asks for each sample's framing three times (classify's caution, compare's and the
    report's): each crop is read once, and read again once the file has changed."""
    import sccscore.sample_crops

    crops = [tmp_path / path.name for path in _crops(ikemoto / "images" / "wt")[:40]]
    for path, original in zip(crops, _crops(ikemoto / "images" / "wt")):
        path.write_bytes(original.read_bytes())
    read = []
    monkeypatch.setattr(sccscore.sample_crops, "read_crop", lambda path: read.append(path) or read_crop(path))
    first = sample_framing(crops)
    assert sample_framing(crops) == sample_framing(list(map(str, crops))) == first and len(read) == 40
    for path in crops:  # cut again, a quarter of each crop added around it: 1.5 times larger
        Image.fromarray(_with_margin(read_crop(path), 0.25)).save(path)
    assert sample_framing(crops).span == pytest.approx(first.span / 1.5, abs=0.01) and len(read) == 80


def test_crops_cut_or_imaged_otherwise_are_cautioned_against_the_model_and_each_other(labelled_crops, tmp_path, cli):
    """A wild type's crops cut as the paper's and a knockout's cut loosely (the same crops with a quarter added
    around), or imaged at a lower magnification (resized): the released ensemble calls both more open, and classify,
    evaluate and compare gave that as the cells' difference, without a word. Where the caution against the crops the
    model learned says how the samples lie apart too, compare says it there alone (2026-12-06); its own caution says
    what that one does not (the model moved since, below)."""
    wt, ctf18 = labelled_crops("wt", 10, "wt"), labelled_crops("ctf18", 10, "ctf18")  # 30 crops: enough to compare
    _copies(wt, tmp_path / "loose", lambda crop: _with_margin(crop, 0.25))
    out = tmp_path / "out"
    classified = cli("classify", str(wt), str(tmp_path / "loose"), str(ctf18), "--model", "paper:squeezenet1_1/1",
                     "--out", str(out), "-q")
    assert classified.returncode == 0, classified.stderr
    # and each run of a model that learned the paper's crops says that the loose ones were cut otherwise than those
    unlike = ("the chromosomes of loose span 51% of their crops (median), and paper:squeezenet1_1/1 learned crops they "
              "spanned 74-78% of: crops cut with another margin are typed otherwise (the released ensemble called the "
              "paper's WT crops 32% open as cut, spanning 74%, 40% with a tenth of their size added around them, "
              "spanning 62%, and 25% cut closer, spanning 90%): read its shares as shifted, and cut and image crops "
              "as its training crops were, or train a model on crops of your own (sccscore train)")
    apart = ", and samples cut unlike each other apart, whatever the cells, as here the chromosomes span {} (medians):"
    each = "76% of their crops in wt, 51% in loose and 78% in ctf18"  # as compare would read them
    classify_said = unlike.replace("):", ")" + apart.format(each), 1)
    assert f"warning: {classify_said}" in " ".join(classified.stderr.split())
    evaluated = cli("evaluate", str(tmp_path / "loose"), "--model", "paper:squeezenet1_1/1")
    assert evaluated.returncode == 0 and f"warning: {unlike}" in " ".join(evaluated.stderr.split())
    unknown = cli("classify", str(tmp_path / "loose"), "--model", "sccscore:spreads", "--out", str(tmp_path / "s"),
                  "-q")
    assert unknown.returncode == 0 and "learned crops they spanned" not in unknown.stderr  # its crops' margins: unkept
    said = ("the chromosomes span 76% of their crops in wt and 51% in loose (medians): crops cut with another margin "
            "are typed otherwise, whatever the cells (the released ensemble called the paper's WT crops 32% open as "
            "cut, spanning 74%, 40% with a tenth of their size added around them, spanning 62%, and 25% cut closer, "
            "spanning 90%): cut every sample's crops alike")
    result = cli("compare", "wt", "loose", "--predictions", str(out / "predictions.csv"), "--out", str(tmp_path / "c"),
                 "--json", str(tmp_path / "c.json"), "--report", "-q")
    assert result.returncode == 0, result.stderr
    once = unlike.replace("):", ")" + apart.format("76% of their crops in wt and 51% in loose"), 1)
    compared, stderr = json.loads((tmp_path / "c.json").read_text()), " ".join(result.stderr.split())
    assert compared["framing_caution"] is None and compared["unlike_learned"] == [once]
    assert stderr.count(f"warning: {once}") == 1 and said not in stderr
    page = (tmp_path / "c" / "report.html").read_text()
    assert html.escape("T" + once[1:]) in page and html.escape("T" + said[1:]) not in page
    typed = (out / "predictions.csv").read_text()  # by a model moved since: what it learned unknown, compare's own
    (tmp_path / "moved.csv").write_text(typed.replace(",paper:squeezenet1_1/1,", f",{tmp_path / 'moved'},"))
    result = cli("compare", "wt", "loose", "--predictions", str(tmp_path / "moved.csv"), "--out", str(tmp_path / "m"),
                 "--json", str(tmp_path / "m.json"), "--report", "--model", "paper:squeezenet1_1/1", "-q")
    assert result.returncode == 0, result.stderr
    assert f"warning: {said}" in " ".join(result.stderr.split())
    assert json.loads((tmp_path / "m.json").read_text())["framing_caution"] == said
    assert html.escape("T" + said[1:]) in (tmp_path / "m" / "report.html").read_text()
    # crops cut alike (the paper's two genotypes, 0.04 apart over all their crops): nothing said
    alike = cli("compare", "wt", "ctf18", "--predictions", str(out / "predictions.csv"), "--json",
                str(tmp_path / "alike.json"), "-q")
    assert alike.returncode == 0 and json.loads((tmp_path / "alike.json").read_text())["framing_caution"] is None
    # imaged at 0.6 of the magnification (the crops resized): the chromosomes are shorter, and read more open
    _copies(wt, tmp_path / "small", lambda crop: np.asarray(Image.fromarray(crop).resize(
        (round(0.6 * crop.shape[1]), round(0.6 * crop.shape[0])), Image.LANCZOS)))
    scale = ("the released ensemble called the paper's WT crops 32% open as imaged, their chromosomes 60 px long, 39% "
             "resized to 0.7 of their size and 42% to half")
    smaller = cli("compare", str(wt), str(tmp_path / "small"), "--model", "paper:squeezenet1_1/1", "--out",
                  str(tmp_path / "sm"), "--json", str(tmp_path / "sm.json"), "-q")
    assert smaller.returncode == 0, smaller.stderr
    stderr = " ".join(smaller.stderr.split())
    assert (f"warning: the chromosomes of small are 36 px long (median), and paper:squeezenet1_1/1 learned chromosomes "
            f"60-63 px long: chromosomes imaged at another magnification (or crops resized) are typed otherwise "
            f"({scale}), and samples imaged unlike each other apart, whatever the cells, as here the chromosomes are "
            "61 px long in wt and 36 px in small (medians): read its shares as shifted") in stderr
    assert json.loads((tmp_path / "sm.json").read_text())["framing_caution"] is None  # said once, in the one above


def test_a_model_sccscore_trained_keeps_how_its_crops_were_cut_and_says_so_of_crops_cut_otherwise(labelled_crops,
                                                                                                 tmp_path):
    """A lab's model learned its own crops' margins, which sccscore did not keep: crops cut looser were typed without
    a word. Its training record now keeps each folder's median span, and crops cut otherwise are warned of."""
    from sccscore.classify import classify
    from sccscore.models import load_model
    from sccscore.training import DefaultRecipe, train

    folders = [labelled_crops("wt", 6, "wt"), labelled_crops("ctf18", 6, "ctf18")]
    model = load_model(train(folders, tmp_path / "model", DefaultRecipe(), seed=0))
    assert model.config.training["crop_framing"] == {
        "wt": {"span": 0.737, "length": 62.5, "blur": 1.2, "crops_read": 18},
        "ctf18": {"span": 0.757, "length": 59.5, "blur": 1.28, "crops_read": 18}}
    for path in _crops(folders[0]):
        (tmp_path / "loose").mkdir(exist_ok=True)
        Image.fromarray(_with_margin(read_crop(path), 0.25)).save(tmp_path / "loose" / path.name)
    said = (f"the chromosomes of loose span 50% of their crops (median), and {(tmp_path / 'model').resolve()} learned "
            "crops they spanned 74-76% of: crops cut with another margin are typed otherwise")
    with pytest.warns(UserWarning, match=f"^{re.escape(said)}"):
        classify([tmp_path / "loose"], model, tmp_path / "out")


def test_crops_imaged_out_of_focus_are_cautioned_against_each_other_and_the_model(labelled_crops, tmp_path, cli):
    """A knockout imaged out of focus against its wild type in focus: the released ensemble calls blurred chromosomes
    more open (the paper's WT crops 32% as imaged, 53% blurred by a Gaussian of 1 px), and compare gave that as the
    cells' difference without a word; crops far blurrier than any the model learned were typed without one too. The
    blur is read from the edges' profile, whatever their contrast: the same crops stained paler read as sharp."""
    wt = labelled_crops("wt", 10, "wt")  # 30 crops: enough to compare
    blurred = _copies(wt, tmp_path / "blurred", lambda crop: ndimage.gaussian_filter(crop, (1, 1, 0)))
    crops = _crops(wt)
    blurs = [crop_framing(read_crop(p)).blur for p in crops]
    paler = [crop_framing((255 - (255 - read_crop(p).astype(float)) / 2).astype(np.uint8)).blur for p in crops]
    assert np.allclose(paler, blurs, atol=0.02)
    result = cli("compare", str(wt), str(blurred), "--model", "paper:squeezenet1_1/1", "--out", str(tmp_path / "c"),
                 "--json", str(tmp_path / "c.json"), "--report", "-q")
    assert result.returncode == 0, result.stderr
    said = ("the chromosomes' edges are blurred over 1.18 px in wt and 1.47 px in blurred (medians), as if blurred had "
            "been imaged 0.9 px further out of focus than wt: chromosomes imaged less sharply are typed otherwise, "
            "whatever the cells (the released ensemble called the paper's WT crops 32% open as imaged, their edges "
            "blurred over 1.19 px, 39% blurred by a Gaussian of 0.5 px more and 53% of 1 px): image every sample in "
            "focus alike")
    assert f"warning: {said}" in " ".join(result.stderr.split())
    compared = json.loads((tmp_path / "c.json").read_text())
    assert compared["framing_caution"] == said
    # each sample's medians, in the JSON and the report's table, cautioned or not
    assert compared["framings"] == {"wt": {"span": 0.756, "length": 61.0, "blur": 1.18, "crops_read": 30},
                                    "blurred": {"span": 0.756, "length": 61.0, "blur": 1.47, "crops_read": 30}}
    page = (tmp_path / "c" / "report.html").read_text()
    assert html.escape("T" + said[1:]) in page
    # with the white's texture, read from 30 crops: too few to caution (100), shown all the same
    assert ("<tr><td>wt</td><td>30</td><td>76</td><td>61</td><td>1.18</td><td>0.81 (30)</td><td>30 of 30</td></tr>"
            "<tr><td>blurred</td><td>30</td><td>76</td><td>61</td><td>1.47</td><td>0.60 (30)</td><td>30 of 30</td>"
            "</tr>") in page
    # what each column is and how far apart compare cautions, a point a column in the table's order
    section = page[page.index("<h2>How the crops were cut and imaged</h2>"):page.index("<table", page.index(
        "<h2>How the crops were cut and imaged</h2>"))]
    points = re.findall(r"<li>(.*?)</li>", html.unescape(section))
    assert [point.split(" (")[0] for point in points] == [
        "the chromosome's span of its crop", "its length", "its edges' blur", "the texture of the white around it",
        "the share of crops with a white around the chromosome"]
    assert points[2] == ("its edges' blur (the focus), where the lengths lie within 1.1 times: 0.75 px (as blurs "
                         "add), from 30 crops read;")
    # blurred by a Gaussian of 0.5 px, less than the paper's CTF18-/- crops read blurrier than its WT's: nothing said
    _copies(wt, tmp_path / "slightly", lambda crop: ndimage.gaussian_filter(crop, (0.5, 0.5, 0)))
    slightly = cli("compare", str(wt), str(tmp_path / "slightly"), "--model", "paper:squeezenet1_1/1", "--out",
                   str(tmp_path / "s"), "--json", str(tmp_path / "s.json"), "-q")
    assert slightly.returncode == 0 and json.loads((tmp_path / "s.json").read_text())["framing_caution"] is None
    # a model that learned crops as sharp as the paper's says so of crops blurrier than any it learned: blurred by 1 px
    # they lie within 0.75 px of its CTF18-/- crops' 1.33 px, by 1.5 px not
    assert "learned chromosomes blurred" not in " ".join((result.stderr + slightly.stderr).split())
    _copies(wt, tmp_path / "very", lambda crop: ndimage.gaussian_filter(crop, (1.5, 1.5, 0)))
    evaluated = cli("evaluate", str(tmp_path / "very"), "--model", "paper:squeezenet1_1/1")
    assert evaluated.returncode == 0, evaluated.stderr
    assert ("warning: the chromosomes of very are blurred over 1.75 px (median), and paper:squeezenet1_1/1 learned "
            "chromosomes blurred over 1.19-1.33 px: chromosomes imaged less sharply are typed otherwise (the released "
            "ensemble called the paper's WT crops 32% open as imaged, their edges blurred over 1.19 px, 39% blurred by "
            "a Gaussian of 0.5 px more and 53% of 1 px): read its shares as shifted, and cut and image crops as its "
            "training crops were, or train a model on crops of your own (sccscore train)"
            ) in " ".join(evaluated.stderr.split())


def test_a_comparison_of_crops_that_cannot_be_read_now_shows_no_table_of_their_framing(tmp_path):
    """Its report showed a table of samples with no crop read and no figure: the unread crops are said above it."""
    from sccscore.compare import compare_table
    from sccscore.models import load_model
    from sccscore.report import write_report

    table = tmp_path / "predictions.csv"
    table.write_text("path,sample,predicted,p_A,p_B,p_C,model\n" + "".join(
        f"gone/{sample}/{i}.png,{sample},{'ABC'[i % 3]},0.8,0.1,0.1,paper:squeezenet1_1\n"
        for sample in ("wt", "ko") for i in range(40)))
    comparison = compare_table(table, ["wt", "ko"])
    assert comparison.report["framings"] == {"wt": None, "ko": None}
    with pytest.warns(UserWarning, match="^80 of the 80 images scored cannot be read now"):
        page = write_report(tmp_path / "report", load_model("paper:squeezenet1_1"), comparison.report,
                            predictions=table).read_text()
    assert "How the crops were cut and imaged" not in page
