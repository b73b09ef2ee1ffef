"""Grad-CAM on real crops."""

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sccscore.errors import SccscoreError
from sccscore.explain import CAPTION, caption_strip, explain, explain_batches, write_explanations
from sccscore.images import ImageItem, scan_sample
from sccscore.models import load_model


def test_heatmaps_fall_on_the_chromosome(small_labelled):
    told = []  # the progress after each batch
    explanations, rejected = explain(load_model("paper:squeezenet1_1"), scan_sample(small_labelled).items,
                                     batch_size=5, progress=lambda done, total: told.append((done, total)))
    assert len(explanations) == 12 and not rejected and told == [(5, 12), (10, 12), (12, 12)]
    for explanation in explanations:
        heat = explanation.heatmap
        assert heat.shape == (224, 224) and 0 <= heat.min() <= heat.max() <= 1
        dark = explanation.input.mean(axis=2) < 150  # stained chromatin on the white background
        assert explanation.heatmap[dark].mean() > explanation.heatmap[~dark].mean(), explanation.item.path


def test_explain_cli_writes_heatmaps_galleries_and_a_table(small_labelled, tmp_path, cli):
    (small_labelled / "a" / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "explained"
    result = cli("explain", str(small_labelled), "--model", "paper:squeezenet1_1/3", "--out", str(out),
                 "--per-type", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    with open(out / "explanations.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12 and all((out / row["heatmap"]).is_file() for row in rows)
    for cls in {row["predicted"] for row in rows}:
        with Image.open(out / f"gallery_{cls}.png") as sheet:
            tiles = np.asarray(sheet.convert("RGB"))
        # the type's two most confident crops, the first of equal ones first, each its heatmap made small over its
        # name and probability, so that a heatmap that looks wrong can be found
        best = sorted((row for row in rows if row["predicted"] == cls), key=lambda row: -float(row["probability"]))[:2]
        assert tiles.shape == (128 + CAPTION, 6 * 128, 3) and tiles[:, len(best) * 128 :].min() == 255
        for place, row in enumerate(best):
            with Image.open(out / row["heatmap"]) as heatmap:
                small = np.asarray(heatmap.convert("RGB").resize((128, 128), Image.BILINEAR))
            np.testing.assert_array_equal(tiles[:128, place * 128 : (place + 1) * 128], small)
            name = Path(row["path"]).relative_to(small_labelled).with_suffix("").as_posix()  # a/a003
            said = np.asarray(caption_strip(f"{name} {float(row['probability']):.2f}"))
            np.testing.assert_array_equal(tiles[128:, place * 128 : (place + 1) * 128], said)
            assert said.min() < 100  # drawn, dark on white
    assert "broken.png" in (out / "rejected.csv").read_text()
    # and said, with why, as classify says it: the count alone had left the reason in the table
    assert f"skipped {small_labelled / 'a' / 'broken.png'}: not an image file" in result.stderr
    assert "the 1 file skipped in rejected.csv" in result.stderr


def test_explain_gives_each_crop_the_type_classify_gives_it(small_labelled, tmp_path, cli):
    """A model averaging 8 rotated views is explained on the upright one, for the type of all 8 (2 of these 12
    crops take another type on the upright view alone)."""
    result = cli("classify", str(small_labelled), "--model", "sccscore:spreads", "--engine", "torch", "--out",
                 str(tmp_path / "c"), "-q")  # in float32, as explain computes
    assert result.returncode == 0, result.stderr
    result = cli("explain", str(small_labelled), "--model", "sccscore:spreads", "--out", str(tmp_path / "e"))
    assert result.returncode == 0, result.stderr
    tables = []
    for path in (tmp_path / "c" / "predictions.csv", tmp_path / "e" / "explanations.csv"):
        with open(path, newline="") as handle:
            tables.append({row["path"]: row for row in csv.DictReader(handle)})
    classified, explained = tables
    assert len(explained) == 12 and {p: r["predicted"] for p, r in explained.items()} == {
        p: r["predicted"] for p, r in classified.items()}
    for path, row in explained.items():
        assert float(row["probability"]) == pytest.approx(float(classified[path][f"p_{row['predicted']}"]), abs=1e-3)


def test_explain_a_given_type_per_crop(small_labelled, tmp_path):
    """A report's gallery of type B explains B, whatever the model's own call; an unreadable crop skips its type."""
    items = list(scan_sample(small_labelled).items)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    items.insert(1, ImageItem(tmp_path / "broken.png", "wt"))
    types = ["ABC"[i % 3] for i in range(len(items))]
    model = load_model("paper:squeezenet1_1/1")
    called, _ = explain(model, items)
    given, rejected = explain(model, items, types=types)
    assert [r.path.name for r in rejected] == ["broken.png"] and len(given) == 12
    assert [e.predicted for e in given] == [types[items.index(e.item)] for e in given]
    same = [c.predicted == g.predicted for c, g in zip(called, given)]
    assert 0 < sum(same) < 12  # the model agrees with some of the types given
    for c, g, agree in zip(called, given, same):
        assert np.allclose(c.heatmap, g.heatmap) == agree and (c.probability == g.probability) == agree


def test_explain_again_into_a_folder_keeps_no_gallery_of_the_earlier_run_and_names_its_heatmaps(small_labelled,
                                                                                                 tmp_path):
    """The second run called A alone: the earlier run's galleries of B and C would have been taken for its own."""
    items = scan_sample(small_labelled).items
    model, out = load_model("paper:squeezenet1_1/1"), tmp_path / "explained"
    first = write_explanations(explain_batches(model, items, types=["ABC"[i % 3] for i in range(12)]), out)
    assert first.earlier == [] and sorted(p.name for p in out.glob("gallery_*")) == [f"gallery_{c}.png" for c in "ABC"]
    again = write_explanations(explain_batches(model, items[:3], types=["A"] * 3), out)
    assert [p.name for p in out.glob("gallery_*")] == ["gallery_A.png"]
    assert again.earlier == [f"{i:05d}_wt_small_{item.path.parent.name}_{item.path.stem}.png"  # wt_small_a_a003
                             for i, item in enumerate(items) if i >= 3]
    assert len((out / "explanations.csv").read_text().splitlines()) == 1 + 3


def test_a_second_explain_into_a_folder_being_written_is_refused(small_labelled, tmp_path):
    items, out = scan_sample(small_labelled).items, tmp_path / "explained"
    model = load_model("paper:squeezenet1_1/1")

    def second_run_after_the_first_batch():
        for number, batch in enumerate(explain_batches(model, items, batch_size=4)):
            yield batch
            if number == 0:
                with pytest.raises(SccscoreError, match="another sccscore run .* is writing into this folder"):
                    write_explanations(explain_batches(model, items[:2]), out)

    assert write_explanations(second_run_after_the_first_batch(), out).n_explained == 12
    assert len(list((out / "heatmaps").iterdir())) == 12 and not (out / ".sccscore-run.lock").exists()
