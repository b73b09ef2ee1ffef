import re
import struct
import zlib
from collections import Counter

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageOps

from sccscore import images
from sccscore.annotations import read_yolo
from sccscore.errors import ImageReadError, SccscoreError
from sccscore.images import (label_from_folder_name, read_crop, read_image, repeated_files, scan_sample,
                             scan_samples, warn_repeated)


@pytest.fixture
def crop(ikemoto) -> np.ndarray:
    return np.asarray(Image.open(ikemoto / "images" / "wt" / "b" / sorted((ikemoto / "images/wt/b").iterdir())[0].name))


def test_rgb_jpeg_reads_as_pillow_decodes_it(ikemoto):
    path = sorted((ikemoto / "images" / "wt" / "a").iterdir())[0]
    array = read_image(path)
    assert array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3
    np.testing.assert_array_equal(array, np.asarray(Image.open(path).convert("RGB")))


def test_an_image_is_read_turned_as_its_exif_says_viewers_show_it(tmp_path, crop):
    stored = Image.fromarray(crop).transpose(Image.Transpose.ROTATE_90)  # a camera held turned by a quarter
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn a quarter clockwise to view": the viewer, and a labelling tool, show the crop upright
    stored.save(tmp_path / "turned.png", exif=exif)
    np.testing.assert_array_equal(read_image(tmp_path / "turned.png"), crop)
    # a 16-bit colour TIFF, read with every bit by tifffile, is turned alike (tag 274 is the same orientation)
    tifffile.imwrite(tmp_path / "turned16.tif", np.rot90(crop).astype(np.uint16) * 257, photometric="rgb",
                     extratags=[(274, "H", 1, 6)])
    np.testing.assert_array_equal(read_image(tmp_path / "turned16.tif"), crop)
    # and a float TIFF, which Pillow cannot open at all and tifffile reads instead
    tifffile.imwrite(tmp_path / "turned_float.tif", np.rot90(crop).astype(np.float32) / 255, photometric="rgb",
                     extratags=[(274, "H", 1, 6)])
    np.testing.assert_array_equal(read_image(tmp_path / "turned_float.tif"), crop)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_shown_as_pillow_shows_it(tmp_path, crop, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(crop[:, :-5]).save(tmp_path / "o.png", exif=exif)  # not square: a turn changes the shape
    with Image.open(tmp_path / "o.png") as image:
        shown = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    np.testing.assert_array_equal(read_image(tmp_path / "o.png"), shown)


def test_greyscale_is_replicated_to_three_channels(tmp_path, crop):
    grey = crop[..., 1]
    Image.fromarray(grey).save(tmp_path / "g.png")
    array = read_image(tmp_path / "g.png")
    for channel in range(3):
        np.testing.assert_array_equal(array[..., channel], grey)


def test_16_bit_png_and_tiff_read_as_their_8_bit_source(tmp_path, crop):
    grey16 = crop[..., 0].astype(np.uint16) * 257  # 8-bit value v becomes 257 v exactly
    Image.fromarray(grey16).save(tmp_path / "g16.png")
    tifffile.imwrite(tmp_path / "g16.tif", grey16)
    tifffile.imwrite(tmp_path / "rgb16.tif", crop.astype(np.uint16) * 257, photometric="rgb")
    for name in ("g16.png", "g16.tif"):
        np.testing.assert_array_equal(read_image(tmp_path / name)[..., 0], crop[..., 0])
    np.testing.assert_array_equal(read_image(tmp_path / "rgb16.tif"), crop)
    # compressed as microscope software and Photoshop save them (LZW most often): tifffile decodes these through
    # imagecodecs, without which a 16-bit colour TIFF in LZW was refused as "corrupt or unsupported"
    for compression in ("lzw", "zstd", "jpeg2000"):
        tifffile.imwrite(tmp_path / f"{compression}.tif", crop.astype(np.uint16) * 257, photometric="rgb",
                         compression=compression)
        np.testing.assert_array_equal(read_image(tmp_path / f"{compression}.tif"), crop)


def test_12_bit_camera_data_in_16_bit_files_keep_their_range(tmp_path, crop):
    grey12 = ((crop[..., 0].astype(np.uint32) * 4095 + 127) // 255).astype(np.uint16)  # a 12-bit camera: 0-4095
    assert grey12.max() <= 4095 and crop[..., 0].max() > 127  # bright enough to tell 12 from 8 bits
    tifffile.imwrite(tmp_path / "g12.tif", grey12)
    Image.fromarray(grey12).save(tmp_path / "g12.png")
    for name in ("g12.tif", "g12.png"):  # read as 12-bit: the crop again, not 16 times darker
        np.testing.assert_array_equal(read_image(tmp_path / name)[..., 0], crop[..., 0])
    Image.fromarray(crop[..., 0].astype(np.uint16)).save(tmp_path / "g8in16.png")  # 8-bit values in a 16-bit file
    np.testing.assert_array_equal(read_image(tmp_path / "g8in16.png")[..., 0], crop[..., 0])


def test_float_images_hold_their_camera_values_or_lie_in_0_to_1(tmp_path, crop):
    grey = crop[..., 0]
    for values, name in ((grey / 255, "unit.tif"), (grey, "8bit.tif"), (grey * 4095.0 / 255, "12bit.tif")):
        tifffile.imwrite(tmp_path / name, values.astype(np.float32), imagej=True)  # ImageJ's 32-bit type
        np.testing.assert_array_equal(read_image(tmp_path / name)[..., 0], grey)
    masked = grey.astype(np.float32)
    masked[:5, :5] = np.nan  # no data there, as ImageJ leaves off a mask: the white of the background
    masked[5, 5] = -3.0  # below black, as a background subtraction leaves: black
    tifffile.imwrite(tmp_path / "masked.tif", masked)
    array = read_image(tmp_path / "masked.tif")[..., 0]
    assert (array[:5, :5] == 255).all() and array[5, 5] == 0
    np.testing.assert_array_equal(array[6:], grey[6:])


def test_a_1_bit_image_is_refused_with_the_reason(tmp_path, crop):
    Image.fromarray(crop).convert("1").save(tmp_path / "bw.png")
    with pytest.raises(ImageReadError, match=r"bw\.png: a 1-bit \(black and white\) image"):
        read_image(tmp_path / "bw.png")


def test_alpha_is_composited_on_white(tmp_path, crop):
    rgba = np.dstack([crop, np.full(crop.shape[:2], 255, np.uint8)])
    rgba[:5, :5, 3] = 0  # a transparent corner
    Image.fromarray(rgba).save(tmp_path / "a.png")
    array = read_image(tmp_path / "a.png")
    assert (array[:5, :5] == 255).all()
    np.testing.assert_array_equal(array[5:, 5:], crop[5:, 5:])


def test_12_bit_colour_with_alpha_keeps_its_range(tmp_path, crop):
    rgb12 = ((crop.astype(np.uint32) * 4095 + 127) // 255).astype(np.uint16)
    for alpha_peak in (4095, 65535):  # the alpha channel in the data's depth or the file's
        alpha = np.full(crop.shape[:2], alpha_peak, np.uint16)
        alpha[:5, :5] = 0  # a transparent corner
        tifffile.imwrite(tmp_path / "rgba12.tif", np.dstack([rgb12, alpha]), photometric="rgb", extrasamples=[2])
        array = read_image(tmp_path / "rgba12.tif")
        assert (array[:5, :5] == 255).all()  # white, as for 8-bit alpha
        np.testing.assert_array_equal(array[5:, 5:], crop[5:, 5:])  # not 16 times darker


def test_16_bit_colour_pngs_keep_every_bit(tmp_path, crop):
    import cv2  # writes 16-bit colour PNGs, which Pillow cannot

    rgb12 = ((crop.astype(np.uint32) * 4095 + 127) // 255).astype(np.uint16)
    alpha = np.full(crop.shape[:2], 65535, np.uint16)
    alpha[:5, :5] = 0
    cv2.imwrite(str(tmp_path / "rgb12.png"), rgb12[..., ::-1])  # OpenCV's channel order is BGR
    cv2.imwrite(str(tmp_path / "rgb16.png"), (crop.astype(np.uint16) * 257)[..., ::-1])
    cv2.imwrite(str(tmp_path / "rgba12.png"), np.dstack([rgb12[..., ::-1], alpha]))
    for name in ("rgb12.png", "rgb16.png"):  # Pillow alone read rgb12.png as 0-15
        np.testing.assert_array_equal(read_image(tmp_path / name), crop)
    rgba = read_image(tmp_path / "rgba12.png")
    assert (rgba[:5, :5] == 255).all()
    np.testing.assert_array_equal(rgba[5:, 5:], crop[5:, 5:])
    data = (tmp_path / "rgb12.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match=r"cut\.png: corrupt or truncated"):
        read_image(tmp_path / "cut.png")


def _grey_alpha_png16(path, grey: np.ndarray, alpha: np.ndarray) -> None:
    """A 16-bit grey+alpha PNG written chunk by chunk (PNG colour type 4): neither Pillow nor OpenCV writes one."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = grey.shape
    samples = np.dstack([grey, alpha]).astype(">u2").reshape(height, -1).view(np.uint8)
    rows = b"".join(b"\0" + row.tobytes() for row in samples)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, height, 16, 4, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
                     + chunk(b"IEND", b""))


def test_16_bit_grey_with_alpha_png_keeps_its_range(tmp_path, crop):
    grey12 = ((crop[..., 1].astype(np.uint32) * 4095 + 127) // 255).astype(np.uint16)
    alpha = np.full(grey12.shape, 65535, np.uint16)
    alpha[:5, :5] = 0  # a transparent corner
    _grey_alpha_png16(tmp_path / "la12.png", grey12, alpha)
    array = read_image(tmp_path / "la12.png")
    assert (array[:5, :5] == 255).all()  # white, as for 8-bit alpha
    for channel in range(3):  # grey again, not 16 times darker
        np.testing.assert_array_equal(array[5:, 5:, channel], crop[5:, 5:, 1])


def test_palette_image_reads(tmp_path, crop):
    Image.fromarray(crop).convert("P").save(tmp_path / "p.png")
    assert read_image(tmp_path / "p.png").shape == crop.shape


def test_a_stack_of_images_in_one_file_is_refused_not_read_as_its_first(tmp_path, crop):
    """A z-stack, series or channels as pages: which image to score is the user's choice, not the first page's."""
    blank = np.full_like(crop, 230)
    Image.fromarray(blank).save(tmp_path / "stack.tif", save_all=True, append_images=[Image.fromarray(crop)])
    tifffile.imwrite(tmp_path / "stack16.tif", np.stack([crop.astype(np.uint16) * 257] * 3))  # 16-bit: another reader
    for name in ("stack.tif", "stack16.tif"):
        with pytest.raises(ImageReadError, match=rf"{name}: holds \d images of {crop.shape[1]} x {crop.shape[0]} px "
                                                 r"\(a stack, a series, or channels saved as pages\)"):
            read_image(tmp_path / name)
    # a smaller page is a thumbnail, not an image of its own
    Image.fromarray(crop).save(tmp_path / "thumb.tif", save_all=True, append_images=[Image.fromarray(crop[::4, ::4])])
    assert np.array_equal(read_image(tmp_path / "thumb.tif"), crop)


def test_a_small_spread_given_as_a_crop_is_refused_by_its_many_objects(tmp_path, ikemoto, oshima):
    """An older camera's 640 x 480 spread slips under the size bar; its dozens of separate objects do not."""
    spread = Image.open(oshima / "images" / "spread3.png").convert("RGB").resize((640, 480), Image.BOX)
    spread.save(tmp_path / "spread.png")
    with pytest.raises(ImageReadError, match=r"spread.png: 640 x 480 px holding \d\d separate objects, not one "
                                             r"chromosome: a whole spread\? 'classify --spreads'"):
        read_crop(tmp_path / "spread.png")
    # the Ikemoto crop of the most separate objects (6), at three times its size, is still a crop
    crop = Image.open(ikemoto / "images" / "wt" / "a" / "a406.jpg")
    crop.resize((crop.width * 3, crop.height * 3), Image.BICUBIC).save(tmp_path / "large_crop.png")
    assert max(read_crop(tmp_path / "large_crop.png").shape) > 256


def test_a_crop_too_small_or_blank_is_refused_not_typed(tmp_path, crop):
    # a 1 x 1 px thumbnail had been scaled up to the network's input and typed A with p 0.41
    Image.fromarray(crop[:1, :1]).save(tmp_path / "tiny.png")
    Image.fromarray(crop[:7, :40]).save(tmp_path / "sliver.png")
    Image.fromarray(np.full_like(crop, 255)).save(tmp_path / "white.png")
    with pytest.raises(ImageReadError, match=r"tiny.png: 1 x 1 px, too small to show a chromosome \(at least 8 px a "
                                             r"side\)"):
        read_crop(tmp_path / "tiny.png")
    with pytest.raises(ImageReadError, match=r"sliver.png: 40 x 7 px, too small"):
        read_crop(tmp_path / "sliver.png")
    with pytest.raises(ImageReadError, match=r"white.png: one colour throughout: no chromosome in it"):
        read_crop(tmp_path / "white.png")
    # the least a crop may be: read. The whole chromosome shrunk, with its background (a piece of its inside, bright
    # gaps amid its stain, reads as a fluorescence crop's bright object on a dark background)
    Image.fromarray(crop).resize((8, 8), Image.BOX).save(tmp_path / "least.png")
    assert read_crop(tmp_path / "least.png").shape == (8, 8, 3)


def test_a_crop_on_a_dark_border_is_refused(tmp_path, crop, oshima, ikemoto):
    # ten WT type A crops inverted, as a fluorescence crop looks, had all been typed A without a word
    Image.fromarray(255 - crop).save(tmp_path / "inverted.png")
    with pytest.raises(ImageReadError, match=r"inverted.png: its border is darker than what it frames \(the "
                                             r"brightest 1% of pixels \d+ grey levels above the border's median, the "
                                             r"darkest 1% 0 below\): a fluorescence or inverted crop, one turned or "
                                             r"padded with black corners, or one cut inside its chromosome\? sccscore "
                                             r"reads bright-field images"):
        read_crop(tmp_path / "inverted.png")
    # cut inside its chromosome (a type B's middle half), the border on the stain: said to be a possible reason
    whole = np.asarray(Image.open(ikemoto / "images" / "wt" / "b" / "b027.jpg"))
    height, width = whole.shape[:2]
    Image.fromarray(whole[height // 4: 3 * height // 4, width // 4: 3 * width // 4]).save(tmp_path / "middle.png")
    with pytest.raises(ImageReadError, match=r"middle.png: its border is darker .* or one cut inside its chromosome\? "
                                             r".* and cut a chromosome whole, with its background around it"):
        read_crop(tmp_path / "middle.png")
    # turned with black corners, as Pillow and scipy fill them, WT crops were mistyped (80 of 104 called C at
    # 30 degrees); with white ones, as their background, they are read
    for fill in ("black", "white"):
        Image.fromarray(crop).rotate(30, expand=True, fillcolor=fill).save(tmp_path / f"turned_{fill}.png")
    with pytest.raises(ImageReadError, match=r"turned_black.png: its border is darker .* fill a turned crop's "
                                             r"corners with white, as its background"):
        read_crop(tmp_path / "turned_black.png")
    assert read_crop(tmp_path / "turned_white.png").shape == np.asarray(Image.open(tmp_path / "turned_white.png")).shape
    # the chromosomes of the annotated spreads cut to their boxes, with no margin of background, are still read:
    # the darkest lies nearest its border
    for spread in sorted((oshima / "images").iterdir()):
        rgb = read_image(spread)
        for number, (x0, y0, x1, y1) in enumerate(read_yolo(oshima / "labels" / f"{spread.stem}.txt",
                                                            rgb.shape[1], rgb.shape[0])[0].astype(int)):
            Image.fromarray(rgb[y0:y1, x0:x1]).save(tmp_path / f"{spread.stem}_{number}.png")
            assert read_crop(tmp_path / f"{spread.stem}_{number}.png").shape[:2] == (y1 - y0, x1 - x0)


def test_corrupt_and_non_image_files_name_the_file(tmp_path, ikemoto):
    source = sorted((ikemoto / "images" / "wt" / "a").iterdir())[0].read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(source[: len(source) // 3])
    (tmp_path / "notes.jpg").write_text("these are my notes, not an image")
    with pytest.raises(ImageReadError, match=r"truncated\.jpg: corrupt or truncated image"):
        read_image(tmp_path / "truncated.jpg")
    with pytest.raises(ImageReadError, match=r"notes\.jpg: not an image file"):
        read_image(tmp_path / "notes.jpg")
    with pytest.raises(ImageReadError, match=r"missing\.png: no such file"):
        read_image(tmp_path / "missing.png")
    (tmp_path / "copied.tif").write_bytes(b"")  # a copy that did not finish
    with pytest.raises(ImageReadError, match=r"copied\.tif: an empty file \(0 bytes\): a copy or download that did "
                                             r"not finish\? copy it again"):
        read_image(tmp_path / "copied.tif")
    (tmp_path / "spread.nd2").write_bytes(b"\xda\xce\xbe\x0a" + bytes(60))  # a Nikon file, named on the command line
    with pytest.raises(ImageReadError, match=r"spread\.nd2: not an image file \(cannot identify its format\): a "
                                             r"microscope's own format; export it as TIFF \(Fiji: File > Save As"):
        read_image(tmp_path / "spread.nd2")


@pytest.mark.parametrize(
    ("name", "label"),
    [("a", "A"), ("C", "C"), ("typeB", "B"), ("type_a", "A"), ("Type-C", "C"), ("type b", "B"), ("d", None),
     ("abc", None)],
)
def test_label_folder_names(name, label):
    assert label_from_folder_name(name) == label


def test_labelled_folder_is_scanned_with_labels(ikemoto):
    sample = scan_sample(ikemoto / "images" / "wt")
    assert sample.name == "wt" and sample.labelled
    counts = {label: sum(i.label == label for i in sample.items) for label in "ABC"}
    assert counts == {"A": 312, "B": 153, "C": 24}
    assert sample.rejected == ()
    # named within the sample's folder, label folder included: a/x.png and b/x.png stay apart
    assert all(i.name == i.path.relative_to(ikemoto / "images" / "wt").as_posix() for i in sample.items)
    assert sample.items[0].name.startswith("a/")


def test_unlabelled_folder_and_non_image_files(tmp_path, crop):
    Image.fromarray(crop).save(tmp_path / "x.png")
    (tmp_path / "cell2").mkdir()
    Image.fromarray(crop).save(tmp_path / "cell2" / "y.tif")
    (tmp_path / "readme.txt").write_text("hello")
    (tmp_path / ".DS_Store").write_text("hidden")
    (tmp_path / "._x.png").write_bytes(b"\x00\x05\x16\x07")  # macOS's AppleDouble file beside x.png, on a USB drive
    (tmp_path / "cell2" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")  # Windows' thumbnails
    (tmp_path / "desktop.ini").write_text("[ViewState]")
    (tmp_path / "spread.CZI").write_bytes(b"ZISRAWFILE")
    sample = scan_sample(tmp_path)
    assert [i.path.name for i in sample.items] == ["y.tif", "x.png"]
    assert [i.name for i in sample.items] == ["cell2/y.tif", "x.png"]
    assert not sample.labelled
    assert [(r.path.name, r.reason) for r in sample.rejected] == [
        ("readme.txt", "not an image file type (.txt; read: PNG, JPEG, TIFF, BMP)"),
        ("spread.CZI", "not an image file type (.CZI; read: PNG, JPEG, TIFF, BMP): a microscope's own format; "
                       "export it as TIFF (Fiji: File > Save As > Tiff...)")]


def test_folders_linked_into_a_sample_are_read_each_once(tmp_path, crop):
    """A lab links each day's images in from the microscope's share: the crops there are the sample's, named by the
    links, where ``rglob`` passed the linked folders over and the sample had no images. A link back up ends; a link
    to nothing is listed with the files skipped."""
    share = tmp_path / "share" / "2026-11-02"
    share.mkdir(parents=True)
    Image.fromarray(crop).save(share / "c1.png")
    sample = tmp_path / "wt"
    (sample / "day1").mkdir(parents=True)
    Image.fromarray(crop).save(sample / "day1" / "c0.png")
    (sample / "day2").symlink_to(share, target_is_directory=True)
    (sample / "day3").symlink_to(share, target_is_directory=True)  # the same folder again: read once, as day2
    (share / "up").symlink_to(sample, target_is_directory=True)  # a link back up: no end without a check
    (sample / "day4").symlink_to(tmp_path / "unmounted", target_is_directory=True)  # a share not mounted
    (sample / "day1" / "c9.png").symlink_to(tmp_path / "moved.png")
    found = scan_sample(sample)
    assert [item.name for item in found.items] == ["day1/c0.png", "day2/c1.png"]
    # the links to nothing are listed as skipped, with where they lead, not passed over
    assert [(r.path.relative_to(sample).as_posix(), r.reason) for r in found.rejected] == [
        ("day1/c9.png", f"a link to {tmp_path / 'moved.png'}, which does not exist (moved or deleted, or a share not "
                        "mounted?)"),
        ("day4", f"a link to {tmp_path / 'unmounted'}, which does not exist (moved or deleted, or a share not "
                 "mounted?)")]


def test_a_file_deleted_while_the_folder_is_read_is_passed_over(tmp_path, crop, monkeypatch):
    """A file listed, then deleted (or moved by a sync) before it is checked: the scan goes on with the others, where
    reading where the gone path linked to raised."""
    for name in ("c0.png", "c1.png"):
        Image.fromarray(crop).save(tmp_path / name)
    listed = images.files_below

    def listed_then_deleted(folder):
        found = listed(folder)
        (folder / "c0.png").unlink()
        return found

    monkeypatch.setattr(images, "files_below", listed_then_deleted)
    found = scan_sample(tmp_path)
    assert [item.name for item in found.items] == ["c1.png"] and found.rejected == ()


def test_a_crop_beside_the_label_folders_is_listed_not_passed_over(tmp_path, crop):
    """A crop left unsorted at the top of a labelled folder has no type: skipped with the reason, not ignored."""
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        Image.fromarray(crop).save(tmp_path / label / f"{label}1.png")
    Image.fromarray(crop).save(tmp_path / "unsorted.png")
    (tmp_path / "sources.csv").write_text("crop,source\n")  # beside them, as export-labelled writes it: not a crop
    (tmp_path / "._unsorted.png").write_bytes(b"\x00\x05\x16\x07")
    sample = scan_sample(tmp_path)
    assert sample.labelled and [(i.name, i.label) for i in sample.items] == [("a/a1.png", "A"), ("b/b1.png", "B")]
    assert [(r.path.name, r.reason) for r in sample.rejected] == [
        ("unsorted.png", "beside the label folders, in none of them: its type is not known; move it into the folder "
                         "of its type (a, b or c)")]


def test_folder_errors(tmp_path):
    with pytest.raises(SccscoreError, match=r"nowhere: no such folder"):
        scan_sample(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SccscoreError, match=r"empty: no images found"):
        scan_sample(tmp_path / "empty")
    for name in ("a", "b", "unsure"):
        (tmp_path / "mixed" / name).mkdir(parents=True)
    with pytest.raises(SccscoreError, match=r"unsure: unknown label folder 'unsure' \(expected a, b or c"):
        scan_sample(tmp_path / "mixed")


def test_two_samples_whose_names_differ_only_in_case_are_refused(tmp_path, crop):
    """macOS and Windows take wt and WT for one folder, where the two samples' heatmaps and crops would mix."""
    for parent, name in (("day1", "wt"), ("day2", "WT")):
        (tmp_path / parent / name).mkdir(parents=True)
        Image.fromarray(crop).save(tmp_path / parent / name / "1.png")
    with pytest.raises(SccscoreError, match=r"day2/WT: sample name 'WT' differs only in case from 'wt' of .*day1/wt "
                                            r"\(macOS and Windows take the two for one folder\): rename one"):
        scan_samples([tmp_path / "day1" / "wt", tmp_path / "day2" / "WT"])


def test_two_samples_with_one_name_are_refused(tmp_path, crop):
    for parent in ("x", "y"):
        (tmp_path / parent / "wt").mkdir(parents=True)
        Image.fromarray(crop).save(tmp_path / parent / "wt" / "1.png")
    with pytest.raises(SccscoreError, match="sample name 'wt' is already used"):
        scan_samples([tmp_path / "x" / "wt", tmp_path / "y" / "wt"])
    # one folder given twice (wt and wt/ as a shell completes it) is said to be, not to share a name with itself
    with pytest.raises(SccscoreError, match=re.escape(f"{tmp_path}/x/wt/../wt: given twice (as {tmp_path}/x/wt); "
                                                      "give each sample once")):
        scan_samples([tmp_path / "x" / "wt", tmp_path / "x" / "wt" / ".." / "wt"])


def test_repeated_files_are_those_with_the_same_bytes(ikemoto, tmp_path):
    crops = sorted((ikemoto / "images" / "wt" / "b").iterdir())[:3]
    copy, same_size = tmp_path / "copy.jpg", tmp_path / "same size.jpg"
    copy.write_bytes(crops[1].read_bytes())
    same_size.write_bytes(bytes(reversed(crops[1].read_bytes())))  # its size, other bytes: not a copy
    assert repeated_files([*crops, same_size, copy, tmp_path / "gone.jpg"]) == [[crops[1], copy]]
    assert repeated_files(crops) == []
    # a folder of links drawn with replacement repeats hundreds of images: three are named, the rest counted
    groups = [[tmp_path / f"{n}_{k}.jpg" for k in range(2 + 5 * (n == 0))] for n in range(5)]
    with pytest.warns(UserWarning) as said:
        warn_repeated(groups)
    assert [str(w.message) for w in said][0] == (f"the same image is given 7 times ({groups[0][0]}, {groups[0][1]}, "
                                                f"{groups[0][2]} and 4 more): each copy counts as a chromosome of its "
                                                "own; keep one")
    assert len(said) == 4 and str(said[3].message) == ("2 more images are given more than once, 4 copies in all: "
                                                       "each counts as a chromosome of its own")
    # an image labelled with two types is a labelling slip: said, and named first though found last
    labels = {path: "A" for group in groups for path in group} | {groups[4][1]: "B"}
    with pytest.warns(UserWarning) as said:
        warn_repeated(groups, what="labelled image", labels=labels)
    assert str(said[0].message) == (f"the same image is given twice ({groups[4][0]}, {groups[4][1]}) and labelled A "
                                    "and B, which cannot both be right: each copy counts as a labelled image of its "
                                    "own; keep one")
    assert "labelled" not in str(said[1].message).split(":")[0]


def test_a_crops_pixels_say_where_its_colour_was_kept_at_half_resolution(ikemoto, oshima, tmp_path, cli):
    """The paper's crops read from their pixels as their headers say (benchmarks/chroma_from_pixels.py): the 858
    of 4:2:0 near a colour at half resolution, the 48 of 4:4:4 far from it; the crops detect cuts from a spread (PNG)
    far, and saved as JPEG 4:2:0 then again as PNG, as a lab converting its files would, near. Crops not made white
    around their chromosome are read by their header alone."""
    import io

    from PIL import JpegImagePlugin

    from sccscore.sample_crops import HALVED_CHROMA, chroma_distance, colour_halved

    distances = {True: [], False: []}
    for path in sorted((ikemoto / "images").rglob("*.jpg")):
        with Image.open(path) as image:
            distances[JpegImagePlugin.get_sampling(image) != 0].append(chroma_distance(read_crop(path)))
    assert (len(distances[True]), len(distances[False])) == (858, 48)
    assert round(max(distances[True]), 3) == 0.697 and round(min(distances[False]), 3) == 9.765
    assert max(distances[True]) < HALVED_CHROMA < min(distances[False])

    assert cli("detect", str(oshima / "images" / "spread3.png"), "--out", str(tmp_path / "cut"), "-q").returncode == 0
    read = []
    for path in sorted((tmp_path / "cut" / "crops" / "images" / "spread3").glob("*.png")):
        buffer = io.BytesIO()
        Image.open(path).convert("RGB").save(buffer, "JPEG", quality=95)
        Image.open(buffer).save(tmp_path / f"converted-{path.name}")
        read.append((colour_halved(path), colour_halved(tmp_path / f"converted-{path.name}")))
    assert len(read) == 47 and Counter(read) == {(False, True): 47}
    # a raw chromosome, its background as imaged: its colour too faint to read so, its header says it (whole)
    import csv

    with (tmp_path / "cut" / "detections.csv").open() as table:
        box = next(row for row in csv.DictReader(table) if row["status"] == "chromosome")
    x0, y0, x1, y1 = (int(float(box[k])) for k in ("x0", "y0", "x1", "y1"))
    Image.fromarray(read_image(oshima / "images" / "spread3.png")[y0:y1, x0:x1]).save(tmp_path / "raw.png")
    assert chroma_distance(read_crop(tmp_path / "raw.png")) is None and colour_halved(tmp_path / "raw.png") is False
