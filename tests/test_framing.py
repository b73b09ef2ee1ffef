"""How much of a crop its chromosome spans, and compare's caution where samples' crops were cut otherwise."""

import html
import json

import numpy as np
import pytest
from PIL import Image

from sccscore.framing import chromosome_span, sample_span
from sccscore.images import IMAGE_SUFFIXES, read_crop


def _crops(folder):
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


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
    assert [round(sample_span(crops, most=len(crops)), 3) for crops in (wt, ctf18)] == [0.743, 0.783]
    spans = np.array([[chromosome_span(crop), chromosome_span(_with_margin(crop, 0.25))] for crop in map(read_crop, wt)])
    assert np.median(spans[:, 1]) == pytest.approx(np.median(spans[:, 0]) / 1.5, abs=0.005)
    assert np.mean(np.abs(spans[:, 1] - spans[:, 0] / 1.5) < 0.01) == pytest.approx(467 / 489)
    assert chromosome_span(np.full((30, 30, 3), 200, np.uint8)) is None  # a crop of one shade: no chromosome
    # a sample's span from 100 crops spread through it, those that can be read
    (tmp_path / "broken.png").write_bytes(b"not a png")
    assert sample_span([tmp_path / "broken.png", *wt]) == pytest.approx(0.743, abs=0.02)
    assert sample_span([tmp_path / "broken.png"]) is None


def test_samples_of_crops_cut_with_other_margins_compared_are_cautioned(labelled_crops, tmp_path, cli):
    """A wild type's crops cut as the paper's and a knockout's cut loosely (the same crops with a quarter added
    around): the released ensemble calls the loose ones more open, and compare gave that as the cells' difference."""
    wt, ctf18 = labelled_crops("wt", 4, "wt"), labelled_crops("ctf18", 4, "ctf18")
    for path in _crops(wt):
        (tmp_path / "loose" / path.parent.name).mkdir(parents=True, exist_ok=True)
        Image.fromarray(_with_margin(read_crop(path), 0.25)).save(tmp_path / "loose" / path.parent.name / path.name)
    out = tmp_path / "out"
    assert cli("classify", str(wt), str(tmp_path / "loose"), str(ctf18), "--model", "paper:squeezenet1_1/1",
               "--out", str(out), "-q").returncode == 0
    said = ("the chromosomes span 75% of their crops in wt and 51% in loose (medians): crops cut with another margin "
            "are typed otherwise, whatever the cells (the released ensemble called the paper's WT crops 32% open as "
            "cut, spanning 74%, 40% with a tenth of their size added around them, spanning 62%, and 25% cut closer, "
            "spanning 90%): cut every sample's crops alike")
    result = cli("compare", "wt", "loose", "--predictions", str(out / "predictions.csv"), "--out", str(tmp_path / "c"),
                 "--json", str(tmp_path / "c.json"), "--report", "-q")
    assert result.returncode == 0, result.stderr
    assert f"warning: {said}" in " ".join(result.stderr.split())
    assert json.loads((tmp_path / "c.json").read_text())["framing_caution"] == said
    assert html.escape("T" + said[1:]) in (tmp_path / "c" / "report.html").read_text()
    # crops cut alike (the paper's two genotypes, 0.04 apart over all their crops): nothing said
    alike = cli("compare", "wt", "ctf18", "--predictions", str(out / "predictions.csv"), "--json",
                str(tmp_path / "alike.json"), "-q")
    assert alike.returncode == 0 and json.loads((tmp_path / "alike.json").read_text())["framing_caution"] is None
