"""The paper's own pipeline figures, reproduced with the 30 released models.

Reference (shared data README): WT 72.1% on average (68.9-74.8%), CTF18-/- 61.2%
(52.5-66.4%), measured with torchvision's pipeline on these images.
"""

import contextlib
import json
import re

import numpy as np
import pytest

from sccscore.evaluate import evaluate, released_confusions
from sccscore.images import grey_copies
from sccscore.metrics import concordance
from sccscore.models import load_model


@pytest.mark.slow
def test_wt_concordance_through_the_cli(ikemoto, tmp_path, cli):
    out = tmp_path / "r.json"
    result = cli("evaluate", str(ikemoto / "images" / "wt"), "--model", "paper:squeezenet1_1", "--json", str(out), "-q")
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["n_images"] == 489 and len(report["models"]) == 30
    assert report["concordance"] == pytest.approx(0.721, abs=0.005)
    assert report["concordance"] == pytest.approx(0.72134, abs=1e-4)  # pinned
    assert (report["concordance_min"], report["concordance_max"]) == pytest.approx((0.6892, 0.7485), abs=1e-4)
    assert report["distribution_true"] == pytest.approx([312 / 489, 153 / 489, 24 / 489])
    assert report["ensemble"]["concordance"] == pytest.approx(0.7280, abs=1e-4)
    assert sum(map(sum, report["ensemble"]["confusion"])) == 489
    for key in ("kappa", "confusion", "distribution_pred"):
        assert key in report
    assert "concordance 0.721 (mean of 30 models, 0.689-0.748)" in result.stdout
    # the 489 images' own sampling error: a Wilson 95% interval around the ensemble's 356 agreements
    assert report["ensemble"]["concordance_ci"] == pytest.approx([0.6869, 0.7656], abs=1e-4)
    assert "ensemble 0.728 (95% CI 0.687-0.766 from these images)" in result.stdout
    # most disagreements are between A and B: whether the sisters are open or cohered agrees more often
    assert report["open_concordance"] == pytest.approx(0.7651, abs=1e-4)
    # beside the ensemble's, whose calls classify gives: 378 of the 489 (77.3%, what classify says to expect)
    assert report["ensemble"]["open_concordance"] == pytest.approx(378 / 489)
    assert "open (B or C) or cohered (A) as labelled: 0.765 (mean of 30 models), ensemble 0.773\n" in result.stdout
    assert "Cohen's kappa 0.434 (mean of 30 models), ensemble 0.442\n" in result.stdout
    # each type's recall: what a lab reads whether its C calls can be trusted by (the ensemble gives 11 of the 24 C)
    assert report["ensemble"]["recall"] == pytest.approx([267 / 312, 78 / 153, 11 / 24])
    assert ("each type's labelled crops given that type: A 0.840, B 0.519, C 0.464 (mean of 30 models), ensemble "
            "A 0.856, B 0.510, C 0.458\n") in result.stdout
    # The released models over-call type C on WT (8.4% against 4.9%); corrected for their confusion,
    # each fifth of the crops by the matrix of the other four, the shares come back to the labels'.
    check = report["correction_check"]
    assert check["error_raw"] == pytest.approx(0.1554, abs=1e-4)
    assert check["error_corrected"] == pytest.approx(0.0044, abs=1e-4)
    assert check["distribution_corrected"][2] == pytest.approx(0.0513, abs=1e-4)
    assert "error against the labels 0.004 corrected, 0.155 the ensemble's uncorrected" in result.stdout
    # the shares beside the labels': the members' mean, and the ensemble's, which classify gives and compare tests
    assert ("A/B/C % labels 63.8 / 31.3 / 4.9; predicted 66.9 / 24.5 / 8.6 (mean of 30 models), ensemble 68.1 / 23.5 / "
            "8.4") in " ".join(result.stdout.split())


@pytest.mark.slow
def test_ctf18_concordance():
    from sccscore.sample_data import sample_folder

    report = evaluate(sample_folder("ctf18"), load_model("paper:squeezenet1_1"))
    assert report["n_images"] == 417
    assert report["concordance"] == pytest.approx(0.612, abs=0.005)
    assert report["concordance"] == pytest.approx(0.61215, abs=1e-4)  # pinned
    assert (report["concordance_min"], report["concordance_max"]) == pytest.approx((0.5252, 0.6643), abs=1e-4)
    # B and C are confused most on CTF18-/- (nearly half the C called B): open or cohered agrees far more often
    assert report["open_concordance"] == pytest.approx(0.8693, abs=1e-4)
    mean_member_kappa = sum(m["kappa"] for m in report["models"]) / 30
    assert report["kappa"] == pytest.approx(mean_member_kappa)
    # Under-called type B (45.8% against 57.3%), corrected as in the WT test above.
    check = report["correction_check"]
    assert check["distribution_raw"][1] == pytest.approx(0.4580, abs=1e-4)
    assert (check["error_raw"], check["error_corrected"]) == pytest.approx((0.2302, 0.0175), abs=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("grey", [False, True], ids=["colour", "grey"])
def test_the_released_models_recorded_figures_are_todays(ikemoto, tmp_path, grey):
    """What classify says to expect of the released models (sccscore/_data/released_figures.json, written by
    tools/record_released_figures.py) is what each, and their ensemble, scores on the shared test crops today; and,
    for grey crops, on those crops made grey."""
    shipped = released_confusions(grey)
    assert len(shipped) == 31
    model = load_model("paper:squeezenet1_1")
    images = grey_copies(ikemoto / "images", tmp_path / "grey") if grey else ikemoto / "images"
    said = "the same image is given twice" + (".*the crops of wt are grey" if grey else "")  # a034 and a035, as shared
    with pytest.warns(UserWarning) as warned:
        wt = evaluate(images / "wt", model)
    assert re.match(said, " ".join(str(w.message) for w in warned))
    with pytest.warns(UserWarning) if grey else contextlib.nullcontext() as warned:
        ctf18 = evaluate(images / "ctf18", model)
    if grey:  # made grey, its white reads grainier than the released models learned too (1.26; WT's 1.09, within)
        said = "the crops of ctf18 are grey.* the white around the chromosomes of ctf18 reads a texture of 1.26 "
        assert re.match(said, " ".join(str(w.message) for w in warned))
    for name, report in (("WT", wt), ("CTF18-/-", ctf18)):
        assert shipped["paper:squeezenet1_1"][name].tolist() == report["ensemble"]["confusion"]
        for number, member in enumerate(report["models"], start=1):
            assert shipped[f"paper:squeezenet1_1/{number}"][name].tolist() == member["confusion"]
    if grey:  # far worse than in colour: type B almost never called
        assert [round(concordance(m), 3) for m in shipped["paper:squeezenet1_1"].values()] == [0.479, 0.379]


@pytest.mark.slow
def test_the_released_models_b_and_c_shares_hang_on_what_no_eye_sees(ikemoto, tmp_path):
    """What classify says to expect of the released models (BACKGROUND_TEXTURE, benchmarks/unseen_changes.py):
    noise of half a grey level on the near-white pixels of the paper's CTF18-/- crops (250 or more in every channel)
    moves the ensemble's C share from 26.6% to 20.9%, each of the 30 models' down, and painting them flat white to
    30.5%; the open share stays at 72-73%. And what compare says of samples saved as JPEG otherwise
    (JPEG_COLOUR_COST): saved again with their colour at half resolution (4:2:0), 34.5% C, each model's up; whole
    (4:4:4), 26.6%."""
    import io

    from PIL import Image

    from sccscore.evaluate import BACKGROUND_TEXTURE, UNSEEN_IN_BRIEF
    from sccscore.images import IMAGE_SUFFIXES, read_crop
    from sccscore.sample_cautions import JPEG_COLOUR_COST

    generator = np.random.default_rng(0)

    def noisy(rgb, white):
        return np.clip(rgb + generator.normal(0, 0.5, rgb.shape) * white[..., None], 0, 255).round().astype(np.uint8)

    def flattened(rgb, white):
        return np.where(white[..., None], np.uint8(255), rgb)

    def saved(rgb, subsampling):
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, "JPEG", quality=95, subsampling=subsampling)
        return np.asarray(Image.open(buffer).convert("RGB"))

    def halved(rgb, white):
        return saved(rgb, 2)

    def whole(rgb, white):
        return saved(rgb, 0)

    model, reports = load_model("paper:squeezenet1_1"), {}
    for change in (None, noisy, flattened, halved, whole):
        folder = tmp_path / (change.__name__ if change else "shared")
        for path in sorted(p for p in (ikemoto / "images" / "ctf18").rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
            rgb = read_crop(path)
            (folder / path.parent.name).mkdir(parents=True, exist_ok=True)
            changed = change(rgb, (rgb >= 250).all(axis=2)) if change else rgb
            Image.fromarray(changed).save(folder / path.parent.name / f"{path.stem}.png")
        # the white made grainier or flat is unlike the crops the released models learned, and said so (the texture
        # 1.70 and 0); saved again as JPEG at quality 95 it reads as theirs (0.88 and 0.83: benchmarks/white_texture.py)
        read = "1.70" if change is noisy else "0.00"
        said = f"^the white around the chromosomes of {folder.name} reads a texture of {read}"
        with pytest.warns(UserWarning, match=said) if change in (noisy, flattened) else contextlib.nullcontext():
            reports[folder.name] = evaluate(folder, model)
    shares = {name: [round(100 * s, 1) for s in r["ensemble"]["distribution_pred"]] for name, r in reports.items()}
    assert shares == {"shared": [27.6, 45.8, 26.6], "noisy": [27.1, 52.0, 20.9], "flattened": [28.1, 41.5, 30.5],
                      "halved": [29.5, 36.0, 34.5], "whole": [27.1, 46.3, 26.6]}
    c_shares = {name: np.array([m["distribution_pred"][2] for m in r["models"]]) for name, r in reports.items()}
    assert np.all(c_shares["noisy"] < c_shares["shared"]) and np.all(c_shares["halved"] > c_shares["shared"])
    assert all(72 <= sum(s[1:]) < 74 for name, s in shares.items() if name != "halved")
    assert "26.6% C as shared, 34.5% with their colour halved again and 26.6% with it whole" in JPEG_COLOUR_COST
    assert ("moved the released ensemble's C share from 26.6% to 20.9% and its B share from 45.8% to 52.0%"
            in BACKGROUND_TEXTURE and "moved C to 30.5%, while the open share stayed at 72-73%" in BACKGROUND_TEXTURE)
    # the terminal's sentence of it bounds these changes: C moved by up to 7.9 points (halved again), the open share
    # by up to 1.9; the spreads' crops moved further (the test below)
    assert max(abs(s[2] - shares["shared"][2]) for s in shares.values()) == pytest.approx(7.9)
    assert max(abs(sum(s[1:]) - sum(shares["shared"][1:])) for s in shares.values()) == pytest.approx(1.9)
    assert "their C share by up to 9 points, the open share by up to 5" in UNSEEN_IN_BRIEF


@pytest.mark.slow
def test_the_released_models_call_more_c_where_a_jpeg_halved_the_colour_of_crops_that_had_it_whole(oshima, tmp_path,
                                                                                                      cli):
    """What classify says to expect of the released models (RELEASED_JPEG, benchmarks/unseen_changes.py): the 235
    crops sccscore cuts from the annotated spreads that match an annotated chromosome, PNG with their colour whole,
    were called 60.9% C, and saved once as JPEG with their colour at half resolution (4:2:0), as the paper's crops
    were, 66.8%, each of the 30 models more, where the annotation says 51.1%; their agreement with the annotated types
    rose from 0.613 to 0.647, 17 gained and 9 lost, which McNemar's test does not tell from chance."""
    from PIL import Image
    from scipy.stats import binomtest

    from sccscore.evaluate import RELEASED_JPEG, UNSEEN_IN_BRIEF
    from sccscore.images import CLASS_NAMES, read_crop, scan_sample
    from sccscore.predict import predict
    from sccscore.sample_cautions import JPEG_COLOUR_COST

    detected = cli("detect", *map(str, sorted((oshima / "images").glob("*.png"))), "--labels", str(oshima / "labels"),
                   "--out", str(tmp_path / "d"), "-q")
    assert detected.returncode == 0, detected.stderr
    crops = sorted((tmp_path / "d" / "labelled").rglob("*.png"))
    for path in crops:  # saved as the paper's crops were, once and twice
        for name, times in (("halved", 1), ("twice", 2)):
            saved = tmp_path / name / path.parent.name / f"{path.stem}.jpg"
            saved.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(read_crop(path)).save(saved, quality=95, subsampling=2)
            if times == 2:
                Image.fromarray(read_crop(saved)).save(saved, quality=95, subsampling=2)
    model, c_shares, open_shares, right = load_model("paper:squeezenet1_1"), {}, {}, {}
    for name, folder in (("whole", tmp_path / "d" / "labelled"), ("halved", tmp_path / "halved"),
                         ("twice", tmp_path / "twice")):
        items = scan_sample(folder).items
        typed = predict(model, items)
        calls, truth = typed.probabilities.argmax(axis=1), np.array([CLASS_NAMES.index(i.label) for i in items])
        assert len(calls) == len(crops) == 235
        c_shares[name] = (round(100 * np.mean(calls == 2), 1), (typed.member_probabilities.argmax(axis=2) == 2).mean(0))
        open_shares[name], right[name] = round(100 * np.mean(calls != 0), 1), calls == truth
    assert round(100 * np.mean(truth == 2), 1) == 51.1
    assert [c_shares[name][0] for name in ("whole", "halved", "twice")] == [60.9, 66.8, 69.8]
    assert np.all(c_shares["halved"][1] > c_shares["whole"][1])
    gained, lost = int(np.sum(right["halved"] & ~right["whole"])), int(np.sum(right["whole"] & ~right["halved"]))
    assert (round(right["whole"].mean(), 3), round(right["halved"].mean(), 3), gained, lost) == (0.613, 0.647, 17, 9)
    assert round(binomtest(gained, gained + lost).pvalue, 2) == 0.17
    assert ("they called 60.9% C kept whole (PNG) and 66.8% saved once as the paper's were (each of the 30 models "
            "more C), where the annotation says 51.1%; saved so, 0.647 of them were given their annotated type against "
            "0.613 (17 gained, 9 lost, McNemar p = 0.17)") in RELEASED_JPEG
    assert "the annotated spreads 60.9% C as PNG and 66.8% saved as JPEG with their colour at half" in JPEG_COLOUR_COST
    # the terminal's sentence bounds every change measured: C moved by up to 8.9 points (halved twice), the open share
    # by up to 5.1 (the paper's crops, in the test above: 7.9 and 1.9)
    assert (round(c_shares["twice"][0] - c_shares["whole"][0], 1), open_shares) == (
        8.9, {"whole": 65.5, "halved": 69.4, "twice": 70.6})
    assert "their C share by up to 9 points, the open share by up to 5" in UNSEEN_IN_BRIEF
