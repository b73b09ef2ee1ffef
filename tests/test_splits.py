"""Splits that keep the crops of one image on one side: on real crops and on the crops of real spreads."""

import csv
import json
import shutil
import warnings

import numpy as np
import pytest
from PIL import Image
from statsmodels.stats.proportion import proportion_confint

from sccscore.crossval import crossval
from sccscore.detection_eval import _not_of_held_out, all_processed, leave_one_out
from sccscore.errors import DataError
from sccscore.evaluate import expected_of
from sccscore.images import ImageItem, read_image
from sccscore.models import load_model
from sccscore.review import write_labelled
from sccscore.sample_data import sha256_or_none
from sccscore.splits import (SOURCES_FILE, Source, grouped_folds, image_sources, read_sources, source_units,
                             validation_split)
from sccscore.spreads import detect_spreads
from sccscore.training import DefaultRecipe, LabelledData, fit, labelled_items, load_labelled

SPREADS = ("spread1", "spread2", "spread3", "spread5")


def _write_sources(folder, image_of):
    """The folder's sources.csv: each crop's image, ``image_of(index, path)``, in the folders' sorted order."""
    crops = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.jpg"))
    with open(folder / SOURCES_FILE, "w", newline="") as handle:
        csv.writer(handle).writerows([["file", "image"], *([crop, image_of(n, crop)] for n, crop in enumerate(crops))])
    return crops


def test_units_join_the_crops_of_one_image_in_one_folder_and_identical_images():
    groups = ["wt", "wt", "ko", "ko", "wt", "wt", "ko"]
    digests = ["p", "q", "r", "p", "s", "t", "u"]
    # wt's field1 is not ko's field1; ko's copy of p joins wt's field1; one file known by its SHA-256 is one image
    # under any name, in any folder
    sources = [Source("field1"), Source("field1"), Source("field1"), None, Source("a.png", "f0"), Source("b.png", "f0"),
               Source("c.png", "f0")]
    assert source_units(groups, digests, sources).tolist() == [0, 0, 1, 0, 2, 2, 2]


def test_grouped_folds_keep_each_image_whole_and_spread_the_types():
    rng = np.random.default_rng(1)
    units = np.repeat(np.arange(16), rng.integers(1, 9, 16))
    labels = rng.integers(0, 3, len(units))
    groups = np.where(units < 8, "wt", "ko").tolist()
    folds = grouped_folds(groups, labels, units, 4, seed=0)
    assert all(len(set(folds[units == unit])) == 1 for unit in range(16))
    for group in ("wt", "ko"):
        mine = np.array(groups) == group
        assert sorted(set(folds[mine])) == [0, 1, 2, 3]
        # each type's share of each fold, against a quarter: closer than units dealt out at random
        share = lambda f: np.array([[np.sum(mine & (f == k) & (labels == t)) for k in range(4)] for t in range(3)])
        error = np.abs(share(folds) / share(folds).sum(axis=1, keepdims=True) - 0.25).mean()
        dealt = np.random.default_rng(2).permutation(16) % 4
        assert error < 0.6 * np.abs(share(dealt[units]) / share(dealt[units]).sum(axis=1, keepdims=True) - 0.25).mean()
    assert folds.tolist() == grouped_folds(groups, labels, units, 4, seed=0).tolist()
    with pytest.raises(DataError, match=r"^wt: its crops were cut from 8 images \(sources.csv or its cells' "
                                        r"sub-folders\), and the crops of one image stay in one fold, so 9 folds need "
                                        r"at least 9 images"):
        grouped_folds(groups, labels, units, 9, seed=0)


def test_validation_holds_out_whole_images_and_keeps_every_type_to_train_on():
    labels = np.array([0, 0, 1, 1, 2, 2, 0, 1, 2, 0])
    units = np.array([0, 0, 0, 1, 1, 2, 3, 3, 4, 4])
    for seed in range(5):
        kept, held = validation_split(labels, units, 0.2, np.random.default_rng(seed))
        assert not set(units[kept]) & set(units[held]) and len(kept) + len(held) == 10
        assert set(labels[kept]) == {0, 1, 2}
    with pytest.raises(DataError, match="cut from 1 image, too few to hold the crops of some out whole"):
        validation_split(labels, np.zeros(10, int), 0.2, np.random.default_rng(0))
    # unit 1 alone holds type C: held out, no C is left to train on; kept, nothing is held out
    with pytest.raises(DataError, match="cut from 2 images"):
        validation_split(np.array([0, 1, 2]), np.array([0, 0, 1]), 0.5, np.random.default_rng(0))


def test_a_table_typed_by_hand_may_name_crops_by_file_name_and_what_it_leaves_out_is_said(labelled_crops):
    folder = labelled_crops("wt", 2, "wt")
    crops = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.jpg"))
    # as a spreadsheet saves it where the decimal mark is a comma, a Windows path among its rows
    (folder / SOURCES_FILE).write_text("\ufefffile;image\n"
                                       + "".join(f"{crop.split('/')[1]};cell1\n" for crop in crops[:4])
                                       + "a\\gone.jpg;cell2\n")
    items, _ = labelled_items([folder])
    with pytest.warns(UserWarning) as caught:
        sources = image_sources([folder], items)
    assert sources == [Source("cell1")] * 4 + [None, None]
    assert [str(w.message) for w in caught] == [
        f"{folder / SOURCES_FILE}: 2 of the folder's 6 crops are not in it, such as {crops[4]}: each counts as cut "
        "from an image of its own",
        f"{folder / SOURCES_FILE}: 1 of its rows names no crop of the folder, namely a/gone.jpg (a crop moved or "
        "renamed since?)"]


def test_a_cells_sub_folders_name_the_image_its_crops_were_cut_from_as_compare_reads_them(labelled_crops):
    folder = labelled_crops("wt", 2, "wt")
    for number, crop in enumerate(sorted(folder.rglob("*.jpg"))):  # wt/a/cell1/a001.jpg, wt/b/cell1/b001.jpg, ...
        (crop.parent / f"cell{number % 2}").mkdir(exist_ok=True)
        crop.rename(crop.parent / f"cell{number % 2}" / crop.name)
    items, _ = labelled_items([folder])
    assert [(item.name, source) for item, source in zip(items, image_sources([folder], items))] == [
        (item.name, Source(item.name.split("/")[1])) for item in items]
    assert len(set(source_units(["wt"] * 6, [str(i.path) for i in items], image_sources([folder], items)))) == 2
    # a sources.csv row names the crop's image first
    (folder / SOURCES_FILE).write_text("file,image\n" + "".join(f"{item.name},field.png\n" for item in items))
    assert set(image_sources([folder], items)) == {Source("field.png")}


def test_crossval_and_train_keep_the_crops_of_an_image_together(labelled_crops, tmp_path, cli):
    folder = labelled_crops("wt", 10, "wt")
    crops = _write_sources(folder, lambda n, crop: f"field{n % 6}.png")  # 6 fields, 5 crops of each
    data = load_labelled([folder], DefaultRecipe(), 3, "test")
    assert [read_sources(folder)[item.name] for item in data.items] == [Source(f"field{n % 6}.png")
                                                                         for n in range(len(crops))]
    assert len(set(data.units.tolist())) == 6
    run = cli("crossval", str(folder), "--folds", "3", "--json", str(tmp_path / "cv.json"), "-q")
    assert run.returncode == 0, run.stderr
    assert "the crops of one image kept in one fold: wt from 6 images" in run.stdout
    report = json.loads((tmp_path / "cv.json").read_text())["groups"]["wt"]
    assert report["n_source_images"] == 6 and [f["n_images"] for f in report["folds"]] == [10, 10, 10]
    # its interval with the 6 fields as the units, wider than the crops' (stats.clustered_interval)
    by_field = report["by_source_image"]
    assert by_field["n_images"] == 6 and by_field["concordance_ci"][0] < report["concordance_ci"][0]
    assert by_field["concordance_ci"][0] <= report["concordance"] <= by_field["concordance_ci"][1]
    low, high = by_field["concordance_ci"]
    assert f"wt: concordance 95% CI {low:.3f}-{high:.3f} with the 6 images the crops were cut from" in run.stdout
    # train's validation holds out whole fields too; from one field, it holds out none, and says so
    run = cli("train", str(folder), "--out", str(tmp_path / "model"))
    assert run.returncode == 0, run.stderr
    assert "on 10 held-out images (all the crops of 2 of the 6 images they were cut from)" in " ".join(
        run.stderr.split())
    assert "trained the model saved on 30 images, the held-out ones among them" in run.stderr
    validation = json.loads((tmp_path / "model" / "config.json").read_text())["training"]["validation"]
    assert (validation["n_images"], validation["n_source_images"], validation["n_source_images_all"]) == (10, 2, 6)
    # its interval with the 2 fields held out as the units, wider than Wilson's over their 10 crops
    low, high = validation["by_source_image"]["concordance_ci"]
    agreed = round(validation["concordance"] * 10)
    assert low < proportion_confint(agreed, 10, method="wilson")[0] and high >= validation["concordance"]
    assert (f"validation concordance {validation['concordance']:.3f} (95% interval {low:.3f}-{high:.3f}, with the "
            "images the crops were cut from as the units) on 10 held-out images (all the crops of 2 of the 6 images "
            "they were cut from): too few for a close figure; sccscore crossval types every labelled crop once, each "
            "by a model that did not learn it") in " ".join(run.stderr.split())
    said = expected_of(load_model(tmp_path / "model"))[0]  # classify's and the report's "What to expect"
    assert (f"(95% interval {100 * low:.1f}-{100 * high:.1f}%, with the images the crops were cut from as the "
            "units)") in said
    run = cli("evaluate", str(folder), "--model", str(tmp_path / "model"), "--json", str(tmp_path / "e.json"))
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "e.json").read_text())["by_source_image"]["n_images"] == 6
    assert "with the 6 images the crops were cut from as the independent units" in run.stdout
    # from one field held out (of 4), Wilson's, said to take its crops as independent
    _write_sources(folder, lambda n, crop: f"field{n % 4}.png")
    run = cli("train", str(folder), "--out", str(tmp_path / "four fields"))
    assert run.returncode == 0, run.stderr
    validation = json.loads((tmp_path / "four fields" / "config.json").read_text())["training"]["validation"]
    assert validation["by_source_image"] == {"n_images": 1, "concordance_ci": None}
    low, high = proportion_confint(round(validation["concordance"] * validation["n_images"]), validation["n_images"],
                                   method="wilson")
    assert (f"(95% interval {low:.3f}-{high:.3f}, taking the crops as independent, which those of one image are not) "
            f"on {validation['n_images']} held-out images (all the crops of 1 of the 4 images") in " ".join(
        run.stderr.split())
    _write_sources(folder, lambda n, crop: "field.png")
    run = cli("train", str(folder), "--out", str(tmp_path / "one field"))
    assert run.returncode == 0, run.stderr
    assert ("warning: no validation: the labelled crops were cut from 1 image, too few to hold some out whole"
            in " ".join(run.stderr.split()))
    assert json.loads((tmp_path / "one field" / "config.json").read_text())["training"]["validation"] == {}
    # nor does one field give an interval with the fields as the units
    run = cli("evaluate", str(folder), "--model", str(tmp_path / "model"), "--json", str(tmp_path / "one.json"))
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "one.json").read_text())["by_source_image"] == {"n_images": 1,
                                                                                 "concordance_ci": None}


def test_a_validation_draw_never_repeats_a_held_out_image_in_training(labelled_crops):
    data = load_labelled([labelled_crops("wt", 4, "wt")], DefaultRecipe(), 3, "test")
    # 40 of each type, drawn from 4: a draw before the split put copies of training images among the held-out ones
    head = fit(DefaultRecipe(per_type=40), data.features, data.labels)
    assert head.validation["n_images"] == 3  # 20% of 12 images, each held out once


@pytest.fixture(scope="module")
def exported_spreads(oshima, tmp_path_factory):
    """The matched crops of the four annotated spreads, typed as annotated in a blind review and exported."""
    tmp = tmp_path_factory.mktemp("exported")
    found = all_processed(detect_spreads([oshima / "images"], tmp / "detect", labels_dir=oshima / "labels"))
    rows = [{"path": str(path), "sample": "oshima", "image": spread.item.name, "id": str(number),
             "predicted": spread.labels[number], "reviewed": "blind", "spread": str(spread.item.path)}
            for spread in found.spreads for number, path in spread.crops.items() if number in spread.labels]
    with open(tmp / "corrected.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_labelled(tmp / "corrected.csv", tmp / "oshima")
    return tmp / "oshima"


@pytest.mark.slow
def test_crossval_of_spread_crops_holds_each_spread_out_whole(exported_spreads, oshima, tmp_path):
    """A new spread is what a model meets: folds that part a spread's crops read high (docs/training.md)."""
    sources = read_sources(exported_spreads)
    assert len(sources) == 235 and set(sources.values()) == {
        Source(str(oshima / "images" / f"{name}.png"), sha256_or_none(oshima / "images" / f"{name}.png"))
        for name in SPREADS}
    grouped = crossval([exported_spreads], 4)["groups"]["oshima"]
    assert grouped["n_source_images"] == 4 and sorted(f["n_images"] for f in grouped["folds"]) == [41, 46, 47, 101]
    assert grouped["concordance"] == pytest.approx(0.804, abs=0.005)
    parted = tmp_path / "oshima"
    shutil.copytree(exported_spreads, parted, ignore=shutil.ignore_patterns(SOURCES_FILE))
    stratified = crossval([parted], 4)["groups"]["oshima"]
    assert stratified["n_source_images"] == 0 and stratified["concordance"] > grouped["concordance"] + 0.04


@pytest.mark.slow
def test_leave_one_out_learns_no_crop_of_the_spread_it_holds_out(exported_spreads, oshima, tmp_path):
    images, labels = tmp_path / "images", tmp_path / "labels"
    for name in ("spread2", "spread3", "spread5"):
        for folder, suffix in ((images, "png"), (labels, "txt")):
            folder.mkdir(exist_ok=True)
            (folder / f"{name}.{suffix}").symlink_to(oshima / folder.name / f"{name}.{suffix}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = leave_one_out(images, labels, [exported_spreads])
    # every exported crop of the held-out spread, cut again or not, is known by its spread's SHA-256
    assert [str(w.message).split(" were cut from ")[0:2] for w in caught] == [
        ["101 of the crops given to learn from", "spread2.png, which is held out: they are left out of its training, "
         "so that it is scored as a new spread"],
        ["47 of the crops given to learn from", "spread3.png, which is held out: they are left out of its training, "
         "so that it is scored as a new spread"],
        ["46 of the crops given to learn from", "spread5.png, which is held out: they are left out of its training, "
         "so that it is scored as a new spread"]]
    # 0.824 if it learned them all; 0.663 if only those cut again byte for byte were left out (docs/training.md)
    assert report["concordance"] == pytest.approx(0.628, abs=0.005)


def test_leave_one_out_knows_a_held_out_spreads_crops_cut_by_hand_by_their_pixels(oshima, ikemoto, tmp_path):
    """Crops a lab cut by hand from the held-out spread, with no sources.csv, are found by their pixels: as saved, and
    turned upright, with a neighbour painted white. A crop of another spread, an Ikemoto crop, and one saved as JPEG
    (other pixels) stay in its training."""
    spread3, spread5 = (read_image(oshima / "images" / f"spread{n}.png") for n in (3, 5))
    folder = tmp_path / "by_hand" / "b"
    folder.mkdir(parents=True)
    chromosome = spread3[310:372, 652:695].copy()  # spread3's first annotated chromosome, and around it
    chromosome[:12, :15] = 255  # a neighbour painted white
    Image.fromarray(chromosome).save(folder / "as_cut.png")
    Image.fromarray(np.rot90(chromosome)).save(folder / "upright.png")
    Image.fromarray(chromosome).save(folder / "as_jpeg.jpg", quality=95)
    Image.fromarray(spread5[379:431, 962:1026]).save(folder / "of_spread5.png")  # its first annotated one
    shutil.copy(next((ikemoto / "images" / "wt" / "b").iterdir()), folder / "ikemoto.jpg")
    names = ["as_cut.png", "upright.png", "as_jpeg.jpg", "of_spread5.png", "ikemoto.jpg"]
    extra = LabelledData([ImageItem(folder / name, "by_hand") for name in names], ["by_hand"] * 5, np.ones(5, int),
                         [f"crop{n}" for n in range(5)], np.zeros((5, 1)), [None] * 5, DefaultRecipe().model_config(),
                         "colour")
    for held, found in (("spread3.png", ["as_cut.png", "upright.png"]), ("spread5.png", ["of_spread5.png"])):
        with pytest.warns(UserWarning, match=f"^{len(found)} of the crops given to learn from were cut from {held}"):
            kept = _not_of_held_out(extra, held, set(), [oshima / "images" / held])
        assert [item.path.name for item in kept.items] == [name for name in names if name not in found]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # held out, spread1 has none of them
        assert len(_not_of_held_out(extra, "spread1.png", set(), [oshima / "images" / "spread1.png"]).items) == 5


def test_leave_one_out_knows_a_held_out_spreads_crops_by_a_table_of_sources_made_by_hand(oshima, tmp_path):
    """A sources.csv made by hand may give no SHA-256, and name the file the crops were cut from before it was saved
    again (spread3.tif, now spread3.png): such crops of the held-out spread are left out of its training too."""
    spread3, spread5 = oshima / "images" / "spread3.png", oshima / "images" / "spread5.png"
    rows = [("a/1.png", r"D:\scans\Spread3.tif", ""),  # no SHA-256: known by name, in a Windows path
            ("a/2.png", "spread5.png", ""),
            ("a/3.png", "slide2/spread3.png", sha256_or_none(spread5)),  # a file of that name, elsewhere: by its SHA
            ("a/4.png", "renamed.png", sha256_or_none(spread3))]  # another name, spread3's file
    with open(tmp_path / SOURCES_FILE, "w", newline="") as handle:
        csv.writer(handle).writerows([["file", "image", "image_sha256"], *rows])
    sources = read_sources(tmp_path)
    files = [file for file, _, _ in rows] + ["a/5.png"]  # the last in no row
    extra = LabelledData([ImageItem(tmp_path / file, "hand") for file in files], ["hand"] * 5, np.zeros(5, int),
                         [f"crop{n}" for n in range(5)], np.zeros((5, 1)), [sources.get(file) for file in files],
                         DefaultRecipe().model_config(), "colour")
    with pytest.warns(UserWarning, match="^2 of the crops given to learn from were cut from spread3.png, which is"):
        kept = _not_of_held_out(extra, "spread3.png", set(), [spread3])
    assert [item.path.name for item in kept.items] == ["2.png", "3.png", "5.png"]
    # a crop of the held-out spread cut again byte for byte is known by its own SHA-256, wherever it came from
    with pytest.warns(UserWarning, match="^3 of the crops"):
        assert len(_not_of_held_out(extra, "spread3.png", {"crop4"}, [spread3]).items) == 2
