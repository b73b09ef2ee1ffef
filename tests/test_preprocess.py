import numpy as np
import pytest

from sccscore.images import read_image
from sccscore.preprocess import isolate_main_object, paper_preprocess


def _raw_crops(oshima, spread="spread3"):
    image = read_image(oshima / "images" / f"{spread}.png")
    height, width, _ = image.shape
    for line in (oshima / "labels" / f"{spread}.txt").read_text().splitlines():
        _, xc, yc, w, h = map(float, line.split())
        x0, x1 = int((xc - 0.6 * w) * width), int((xc + 0.6 * w) * width)
        y0, y1 = int((yc - 0.6 * h) * height), int((yc + 0.6 * h) * height)
        yield image[max(0, y0) : y1, max(0, x0) : x1]


def test_paper_preprocessing_turns_raw_crops_into_published_looking_ones(oshima, ikemoto):
    """The published crops have channel means ~232/225/233 and ~66% white pixels."""
    out = [paper_preprocess(crop) for crop in _raw_crops(oshima)]
    means = np.mean([o.reshape(-1, 3).mean(axis=0) for o in out], axis=0)
    white = np.mean([(o.min(axis=2) >= 250).mean() for o in out])
    np.testing.assert_allclose(means, [231.7, 224.5, 232.7], atol=8)  # the published crops'
    np.testing.assert_allclose(means, [225.66, 223.53, 229.47], atol=0.05)  # pinned
    assert white == pytest.approx(0.66, abs=0.03)


def test_other_objects_are_painted_white_but_both_sisters_stay():
    crop = np.full((60, 60, 3), 210, np.uint8)
    crop[15:45, 26:29] = 40  # sister 1 at the centre
    crop[15:45, 31:34] = 40  # sister 2, apart from sister 1 (type C)
    crop[2:8, 2:8] = 40  # a stray fragment in the corner
    out = isolate_main_object(crop)
    assert (out[2:8, 2:8] == 255).all()
    np.testing.assert_array_equal(out[15:45, 26:34], crop[15:45, 26:34])


def test_blank_crop_is_left_alone():
    blank = np.full((30, 30, 3), 128, np.uint8)
    np.testing.assert_array_equal(isolate_main_object(blank), blank)
    assert paper_preprocess(blank).shape == blank.shape


def test_classify_applies_the_paper_preprocessing_on_request(oshima, tmp_path, cli):
    from PIL import Image

    raw = tmp_path / "raw"
    raw.mkdir()
    for n, crop in enumerate(_raw_crops(oshima)):
        Image.fromarray(crop).save(raw / f"{n:02d}.png")
    runs = {}
    for mode in ("none", "paper"):
        result = cli("classify", str(raw), "-m", "paper:squeezenet1_1/1", "-o", str(tmp_path / mode),
                     "--preprocess", mode, "-q")
        assert result.returncode == 0, result.stderr
        runs[mode] = (tmp_path / mode / "predictions.csv").read_text().splitlines()
    assert len(runs["paper"]) == 48  # header + 47 chromosomes of spread 3
    assert runs["paper"] != runs["none"]
