"""A blind review of the calls to check, and its types carried into compare."""

import base64
import csv
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from PIL import Image

from sklearn.metrics import cohen_kappa_score, confusion_matrix
from statsmodels.stats.proportion import proportion_confint

from sccscore.agreement import corrected_by_draw, review_agreement
from sccscore.annotations import match_boxes, read_yolo
from sccscore.cells import read_sheet as read_sample_sheet
from sccscore.compare import by_hand_sentence, compare_table
from sccscore.errors import SccscoreError
from sccscore.images import read_image
from sccscore.methods import methods
from sccscore.models import SPREAD_MODEL, load_model
from sccscore.predictions_table import model_call, read_predictions, row_box
from sccscore.review import (CONTEXT, PLACE_SHOWN, THUMBNAIL, apply_review, calls_to_check, context_view,
                             write_labelled, write_review, write_yolo_labels)
from sccscore.splits import SOURCES_FILE, Source, image_sources, read_sources
from sccscore.stats import clustered_interval
from sccscore.training import labelled_items
from sccscore.spreads import FOUND_COLOUR, classify_spreads


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _rounded(value):
    """Floats, within lists and dicts, rounded to 9 places: figures summed in another order compared."""
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return round(value, 9) if isinstance(value, float) else value


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def classified(small_labelled, labelled_crops, tmp_path, cli):
    """Real WT and CTF18-/- crops classified by released model 1: a table with labels, and calls to check."""
    ctf18 = labelled_crops("ctf18", 4, "ctf18_small")
    run = cli("classify", str(small_labelled), str(ctf18), "--model", "paper:squeezenet1_1/1", "--out",
              str(tmp_path / "out"), "-q")
    assert run.returncode == 0, run.stderr
    return tmp_path / "out" / "predictions.csv"


def test_a_review_shows_the_calls_to_check_blind_and_its_types_reach_compare(classified, tmp_path, cli, cli_imports):
    rows = read_predictions(classified)
    unsure = [r for r in rows if max(float(r[f"p_{c}"]) for c in "ABC") < 0.9]
    assert 0 < len(unsure) < len(rows) == 24
    run, imported = cli_imports("review", str(classified), "--out", str(tmp_path / "review"))
    assert run.returncode == 0, run.stderr
    assert f"{len(unsure)} of the 24 calls to review" in " ".join(run.stderr.split())
    assert "torch" not in imported  # 2-3 s and 600 MB of a table's and its crops' page: the report's model parts
    key, sheet = _rows(tmp_path / "review" / "key.csv"), _rows(tmp_path / "review" / "review.csv")
    numbers = [str(n) for n in range(1, len(unsure) + 1)]
    assert [row["number"] for row in key] == [row["number"] for row in sheet] == numbers
    assert sorted(row["path"] for row in key) == sorted(r["path"] for r in unsure) and not any(r["type"] for r in sheet)
    # blind: the page holds the crops by number only, neither sample nor file nor call
    page = (tmp_path / "review" / "review.html").read_text()
    assert page.count("<figure class='call'") == len(unsure) and "<figcaption>1</figcaption>" in page
    assert "outlined in blue" not in page  # crops cut by hand: no place in a spread to show
    # what each type is, for a reviewer who has not typed chromosomes before, in the methods' words
    assert ("<p>Give each chromosome its type, A (sisters cohered), B (arms open) or C (sisters apart at the "
            "centromere): click A, B or C under it") in page
    assert not any(word in page for row in unsure for word in (row["sample"], row["path"].rsplit("/", 1)[1]))
    # shuffled by the seed: the same seed, the same order; another, another
    again = write_review(classified, tmp_path / "again")
    write_review(classified, tmp_path / "other", seed=1)
    assert again.n_calls == len(unsure) and _rows(tmp_path / "again" / "key.csv") == key
    assert [r["path"] for r in _rows(tmp_path / "other" / "key.csv")] != [r["path"] for r in key]
    assert len(calls_to_check(rows, every=True)) == 24
    # a reviewer who knows the labels types them, in lower case, in a spreadsheet that saves with semicolons
    label = {r["path"]: r["label"] for r in rows}
    (tmp_path / "review" / "review.csv").write_text("number;type\n" + "".join(
        f"{row['number']};{label[row['path']].lower()}\n" for row in key), encoding="utf-8")
    corrected = tmp_path / "corrected.csv"
    applied = cli("apply-review", str(classified), str(tmp_path / "review"), "--out", str(corrected))
    assert applied.returncode == 0, applied.stderr
    wrong = [r for r in unsure if r["predicted"] != r["label"]]
    assert f"{len(unsure)} types given in the review, {len(wrong)} of them changing the call" in applied.stderr
    (tmp_path / "one.csv").write_text(f"number,type\n{key[0]['number']},{label[key[0]['path']]}\n")  # a type alone
    one = cli("apply-review", str(classified), str(tmp_path / "review"), "--sheet", str(tmp_path / "one.csv"), "--out",
              str(tmp_path / "one_out.csv"))
    assert one.returncode == 0 and "1 type given in the review, " in one.stderr, one.stderr
    # counted per sample in the table's order, however the sheet lists them: here ctf18_small's calls first
    other_type = {r["path"]: next(t for t in "ABC" if t != r["predicted"]) for r in rows}
    listed = sorted(key, key=lambda row: row["sample"] != "ctf18_small")
    (tmp_path / "reordered.csv").write_text("number,type\n" + "".join(
        f"{row['number']},{other_type[row['path']]}\n" for row in listed), encoding="utf-8")
    reordered = apply_review(classified, tmp_path / "review", tmp_path / "reordered_out.csv",
                             tmp_path / "reordered.csv")
    assert list(reordered.changed) == ["wt_small", "ctf18_small"] and sum(reordered.changed.values()) == len(unsure)
    after = {r["path"]: r for r in _rows(corrected)}
    assert all(after[r["path"]]["predicted"] == r["label"] for r in unsure)
    assert [after[r["path"]]["predicted"] for r in rows if r not in unsure] == [r["predicted"] for r in rows
                                                                                 if r not in unsure]
    assert [r["path"] for r in after.values() if r["reviewed"] == "blind"] == [r["path"] for r in unsure]
    assert {r["reviewer"] for r in after.values()} == {""}  # typed by hand: no name to carry
    # compare counts the calls looked at and those the review changed, per sample, and that they were set blind
    report = tmp_path / "compare.json"
    compared = cli("compare", "wt_small", "ctf18_small", "--predictions", str(corrected), "--json", str(report))
    assert compared.returncode == 0, compared.stderr
    samples = ("wt_small", "ctf18_small")
    by_sample, looked_at = ({s: sum(r["sample"] == s for r in chosen) for s in samples} for chosen in (wrong, unsure))
    figures = json.loads(report.read_text())
    assert figures["set_by_hand"] == figures["set_in_blind_review"] == by_sample
    assert figures["reviewed_blind"] == looked_at
    counted = ", ".join(f"{s} {by_sample[s]} of 12" for s in samples)
    assert (f"Calls set right by hand, counted as set: {counted}, all in a blind review (sccscore review) of "
            f"wt_small {looked_at['wt_small']}, ctf18_small {looked_at['ctf18_small']} calls.") in " ".join(
        compared.stdout.split())
    # the shares the model's calls gave, before, kept; and how far the review moved each sample's open share
    assert figures["model_counts"] == {s: [sum(r["sample"] == s and r["predicted"] == t for r in rows) for t in "ABC"]
                                       for s in samples}
    opened = {s: [100 * sum(r["sample"] == s and call(r) != "A" for r in rows) / 12 for call in (
        lambda r: r["predicted"], lambda r: r["label"] if r in unsure else r["predicted"])] for s in samples}
    answer = [opened["ctf18_small"][i] - opened["wt_small"][i] for i in (0, 1)]  # ctf18's open share less wt's
    assert ("Setting them right moved the open (B or C) share of "
            f"wt_small from {opened['wt_small'][0]:.1f}% to {opened['wt_small'][1]:.1f}% and of ctf18_small from "
            f"{opened['ctf18_small'][0]:.1f}% to {opened['ctf18_small'][1]:.1f}%: ctf18_small less wt_small from "
            f"{answer[0]:+.1f} to {answer[1]:+.1f} points.") in " ".join(compared.stdout.split())
    # a review typed in is not written over; one applied to another table is refused, and nothing is written
    with pytest.raises(SccscoreError, match=r"review\.csv: holds types typed in already"):
        write_review(classified, tmp_path / "review")
    other_table = tmp_path / "other_table.csv"
    _write(other_table, [r for r in _rows(classified) if r["path"] != key[0]["path"]])
    with pytest.raises(SccscoreError, match=rf"key\.csv: {key[0]['path']} \(number 1\) is not in {other_table}"):
        apply_review(other_table, tmp_path / "review", tmp_path / "nothing.csv")
    assert not (tmp_path / "nothing.csv").exists()


def test_bad_review_sheets_name_the_line(classified, tmp_path, cli):
    write_review(classified, tmp_path / "review")
    sheet = tmp_path / "review" / "review.csv"
    sheet.write_text("number,type\n1,D\n")
    run = cli("apply-review", str(classified), str(tmp_path / "review"), "--out", str(tmp_path / "c.csv"))
    assert run.returncode == 2 and ("review.csv, line 2: type 'D' is not one of A, B, C, or X for what is not a "
                                    "chromosome; leave it blank") in " ".join(run.stderr.split())
    sheet.write_text("number,type\n1,\n999,A\n")
    run = cli("apply-review", str(classified), str(tmp_path / "review"), "--out", str(tmp_path / "c.csv"))
    assert run.returncode == 2 and "review.csv, line 3: number 999 is not in" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "c.csv").exists()
    sheet.write_text("number,type\n1,A\n2,\n1,B\n")  # two types for one chromosome: which is meant?
    with pytest.raises(SccscoreError, match=r"review\.csv, line 4: number 1 is typed on line 2 too; keep one"):
        apply_review(classified, tmp_path / "review", tmp_path / "c.csv")
    assert not (tmp_path / "c.csv").exists()
    sheet.write_text("number,type\n1,\n")  # nothing typed: the table as it was, none marked as reviewed
    applied = apply_review(classified, tmp_path / "review", tmp_path / "same.csv")
    same = _rows(tmp_path / "same.csv")
    assert applied == (0, {}, {}, (), {}, 0) and [r.pop("reviewed") for r in same] == [""] * 24
    assert [r.pop("reviewer") for r in same] == [""] * 24 and same == _rows(classified)
    run = cli("apply-review", str(classified), str(tmp_path / "review"), "--out", str(tmp_path / "same.csv"))
    said = " ".join(run.stderr.split())
    assert run.returncode == 0 and (f"caution: {sheet} types none of the calls: the sheet review.html saves goes to "
                                    "the browser's downloads folder; give it with --sheet") in said
    # a review that agrees with the model changes nothing, and says so
    first = _rows(tmp_path / "review" / "key.csv")[0]
    called = next(r["predicted"] for r in _rows(classified) if r["path"] == first["path"])
    sheet.write_text(f"number,type\n1,{called}\n")
    assert apply_review(classified, tmp_path / "review", tmp_path / "agreed.csv") == (1, {}, {}, (), {}, 0)
    run = cli("compare", "wt_small", "ctf18_small", "--predictions", str(tmp_path / "agreed.csv"))
    reviewed = {s: int(s == first["sample"]) for s in ("wt_small", "ctf18_small")}
    assert (f"A blind review (sccscore review) of wt_small {reviewed['wt_small']}, ctf18_small "
            f"{reviewed['ctf18_small']} calls changed none.") in " ".join(run.stdout.split())
    # crops moved since classify: shown blank, and said; none left to show is an error, and nothing is written
    table, moved = _rows(classified), tmp_path / "moved.csv"
    unsure = [r["path"] for r in calls_to_check(read_predictions(classified))]
    _write(moved, [r | {"path": r["path"] + ".gone"} if r["path"] == unsure[0] else r for r in table])
    run = cli("review", str(moved), "--out", str(tmp_path / "moved"))
    assert run.returncode == 0 and (f"caution: 1 crop could not be read and is shown blank, namely {unsure[0]}.gone"
                                    in " ".join(run.stderr.split()))
    _write(moved, [r | {"path": r["path"] + ".gone"} for r in table])
    run = cli("review", str(moved), "--out", str(tmp_path / "gone"))
    assert run.returncode == 2 and f"none of the {len(unsure)} crops to review can be read" in run.stderr
    assert not (tmp_path / "gone" / "key.csv").exists()
    _write(moved, [r | {"path": r["path"] + ".gone"} for r in table if r["path"] == unsure[0]])
    run = cli("review", str(moved), "--out", str(tmp_path / "gone"))
    assert run.returncode == 2 and (f"error: the crop to review cannot be read, namely {unsure[0]}.gone: no such file: "
                                    in " ".join(run.stderr.split()))
    sure = tmp_path / "sure.csv"
    _write(sure, [r | {"p_A": "1.0", "p_B": "0.0", "p_C": "0.0", "predicted": "A"} for r in _rows(classified)])
    run = cli("review", str(sure), "--out", str(tmp_path / "none"))
    assert run.returncode == 2 and "no call is less sure than 0.9" in run.stderr and "give --all" in run.stderr
    typed = tmp_path / "typed.csv"  # a table typed by hand: no probabilities to mark calls by
    typed.write_text("path,sample,predicted\n" + "".join(f"{r['path']},{r['sample']},{r['predicted']}\n"
                                                         for r in _rows(classified)))
    run = cli("review", str(typed), "--out", str(tmp_path / "typed"))
    assert run.returncode == 2 and f"{typed}: gives no probabilities (typed by hand?), so no call is marked to " \
        "check; give --all" in " ".join(run.stderr.split())
    assert cli("review", str(typed), "--out", str(tmp_path / "typed"), "--all").returncode == 0


# Injected into a copy of review.html: what a reviewer does with the keys and the mouse, then the sheet the page saves
REVIEWER = """<script>window.addEventListener("load", () => {
  const press = key => document.dispatchEvent(new KeyboardEvent("keydown", {key}));
  press("b"); press("ArrowRight"); press("c"); press("x");  // 1: B; 2 passed over; 3: C; 4: not a chromosome
  document.querySelector("figure.call[data-number='5'] input[value='A']").click();  // 5: A, by a click
  press("c"); press("ArrowLeft"); press("Backspace");  // 6: C, then back to it and cleared: the call stands
  document.body.insertAdjacentHTML("beforeend",
    `<pre id="sheet">${reviewCsv()}</pre><p id="count">${document.getElementById("typed").textContent}</p>`);
});</script>"""


def _typed_by_reviewer(review, chromium):
    """The sheet the review's page saves after REVIEWER's keys and clicks, in headless Chromium."""
    dom = _driven(review, chromium, REVIEWER)
    (saved,) = re.findall(r'<pre id="sheet">(number,.*?)</pre>', dom, re.S)  # not the script's own text
    assert re.search(r'<p id="count">4</p>', dom)  # the page's own count of the types given
    return saved


def _driven(review, chromium, script):
    """The review page's document after ``script`` ran in it, in headless Chromium."""
    driven = review / "driven.html"
    driven.write_text((review / "review.html").read_text().replace("</body>", script + "</body>"))
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                          "--virtual-time-budget=5000", "--dump-dom", driven.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert not [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]  # no script error
    return dom.stdout


# two people type one page in turn, each under their name; a key pressed in the name's box is part of the name
REVIEWERS = """<script>window.addEventListener("load", () => {
  const press = key => document.dispatchEvent(new KeyboardEvent("keydown", {key}));
  const box = document.getElementById("reviewer");
  const name = value => { box.value = value; box.dispatchEvent(new Event("change")); };
  const sheet = id => document.body.insertAdjacentHTML("beforeend", `<pre id="${id}">${reviewCsv()}</pre>`);
  name("ann"); press("b"); press("c");  // ann: 1 B, 2 C
  name("bob"); sheet("bob-opened"); press("a");  // bob sees none of ann's types; 1 A
  sheet("bob"); name("ann"); sheet("ann");  // ann's types as she left them
  box.dispatchEvent(new KeyboardEvent("keydown", {key: "c", bubbles: true}));
  sheet("ann-again");
  name(" Cy;Lee, PhD "); sheet("cy");  // a name as it can stand in a CSV cell, a file name and a list
  document.body.insertAdjacentHTML("beforeend", `<p id="button">${document.getElementById("save").textContent}</p>`);
});</script>"""


def test_the_review_page_types_by_key_and_click_and_saves_a_sheet_of_its_own_review(classified, tmp_path, cli,
                                                                                     chromium):
    written = write_review(classified, tmp_path / "review")
    page = (tmp_path / "review" / "review.html").read_text()
    assert page.count("<figure class='call'") == written.n_calls and page.count("value='' checked") == written.n_calls
    saved = _typed_by_reviewer(tmp_path / "review", chromium)
    sheet = tmp_path / "Downloads" / "review.csv"
    sheet.parent.mkdir()
    sheet.write_text(html.unescape(saved))
    key = _rows(tmp_path / "review" / "key.csv")
    entries = _rows(sheet)
    assert [(e["number"], e["type"]) for e in entries[:6]] == [("1", "B"), ("2", ""), ("3", "C"), ("4", "X"),
                                                               ("5", "A"), ("6", "")]
    assert {e["review"] for e in entries} == {row["review"] for row in key} and len(key[0]["review"]) == 12
    # applied from where the browser saved it: the types reach the crops the key names by those numbers, and the
    # object typed X stays in the table, marked, its call as it was, and is no longer counted
    run = cli("apply-review", str(classified), str(tmp_path / "review"), "--sheet", str(sheet), "--out",
              str(tmp_path / "corrected.csv"))
    assert run.returncode == 0, run.stderr
    left = next(r for r in _rows(classified) if r["path"] == key[3]["path"])
    assert "4 types given in the review" in run.stderr
    assert f"1 left out as not a chromosome ({left['sample']} 1)" in " ".join(run.stderr.split())
    after = {r["path"]: r for r in _rows(tmp_path / "corrected.csv")}
    assert [(after[key[n]["path"]]["predicted"], after[key[n]["path"]]["reviewed"]) for n in (0, 2, 4)] == [
        ("B", "blind"), ("C", "blind"), ("A", "blind")]
    assert after[key[1]["path"]]["reviewed"] == "" and after[key[5]["path"]]["reviewed"] == ""
    assert (after[key[3]["path"]]["predicted"], after[key[3]["path"]]["reviewed"]) == (left["predicted"],
                                                                                       "not a chromosome")
    kept = read_predictions(tmp_path / "corrected.csv")
    assert len(kept) == 23 and key[3]["path"] not in {r["path"] for r in kept}
    assert len(read_predictions(tmp_path / "corrected.csv", left_out=True)) == 24
    compared = cli("compare", "wt_small", "ctf18_small", "--predictions", str(tmp_path / "corrected.csv"), "--json",
                   str(tmp_path / "compare.json"))
    assert compared.returncode == 0, compared.stderr
    figures, samples = json.loads((tmp_path / "compare.json").read_text()), ("wt_small", "ctf18_small")
    assert figures["left_out_in_review"] == {name: int(name == left["sample"]) for name in samples}
    assert sum(figures["groups"][name]["n"] for name in samples) == 23
    assert (f"Left out in a review as not chromosomes, and not counted: wt_small {int(left['sample'] == 'wt_small')}, "
            f"ctf18_small {int(left['sample'] == 'ctf18_small')}.") in " ".join(compared.stdout.split())
    # a second review of the corrected table does not show it again, and keeps it in the table it writes
    again = write_review(tmp_path / "corrected.csv", tmp_path / "second", every=True)
    assert again.n_calls == 23
    (tmp_path / "second" / "review.csv").write_text("number,type\n1,A\n")
    apply_review(tmp_path / "corrected.csv", tmp_path / "second", tmp_path / "twice.csv")
    assert {r["path"]: r for r in _rows(tmp_path / "twice.csv")}[key[3]["path"]]["reviewed"] == "not a chromosome"
    # a sheet saved from another review (another seed shuffles other crops under the same numbers) is refused
    write_review(classified, tmp_path / "other", seed=1)
    with pytest.raises(SccscoreError, match=r"Downloads/review\.csv: saved from another review \(\w{12}\) than the one "
                                            r"in \S+/other \(\w{12}\): save it from \S+/other/review\.html"):
        apply_review(classified, tmp_path / "other", tmp_path / "wrong.csv", sheet)
    assert not (tmp_path / "wrong.csv").exists()


def _boxes(oshima, name):
    """The annotated boxes of a real spread, in pixels, and the spread."""
    rgb = read_image(oshima / "images" / f"{name}.png")
    boxes, _ = read_yolo(oshima / "labels" / f"{name}.txt", rgb.shape[1], rgb.shape[0])
    return rgb, [tuple(int(round(v)) for v in box) for box in boxes]


def test_a_chromosome_is_shown_where_it_lies_in_its_spread_its_box_outlined_and_its_pixels_as_they_are(oshima):
    rgb, boxes = _boxes(oshima, "spread3")
    x0, y0, x1, y1 = small = next(b for b in boxes if max(b[2] - b[0], b[3] - b[1]) < THUMBNAIL // CONTEXT
                                  and min(b[:2]) > THUMBNAIL)
    view = np.asarray(context_view(rgb, small))
    side = max(x1 - x0, y1 - y0)
    reach = (CONTEXT - 1) * side // 2  # the view is CONTEXT times the box's longer side across, the box in its middle
    assert view.shape[:2] == (y1 - y0 + 2 * reach + 1, x1 - x0 + 2 * reach + 1)
    # small enough to show at full size: the chromosome's pixels exactly as in the spread, the outline clear of them
    assert (view[reach:reach + y1 - y0 + 1, reach:reach + x1 - x0 + 1] == rgb[y0:y1 + 1, x0:x1 + 1]).all()
    assert (view[reach - 3, reach - 3] == FOUND_COLOUR).all()
    assert (view[reach + y1 - y0 + 3, reach] == FOUND_COLOUR).all()
    assert not (view[reach - 1, reach:reach + 5] == FOUND_COLOUR).all(axis=1).any()
    # a large box: made small to the thumbnail, the outline still around the middle
    large = next(b for b in boxes if max(b[2] - b[0], b[3] - b[1]) > THUMBNAIL // 2 and min(b[:2]) > 2 * THUMBNAIL)
    view = np.asarray(context_view(rgb, large))
    rows, columns = np.nonzero((view == FOUND_COLOUR).all(axis=2))
    assert max(view.shape[:2]) == THUMBNAIL
    assert (rows.min() + rows.max()) / 2 == pytest.approx(view.shape[0] / 2, abs=2)
    assert (columns.min() + columns.max()) / 2 == pytest.approx(view.shape[1] / 2, abs=2)
    # a box in the spread's corner: the view stops at the spread's edge
    view = np.asarray(context_view(rgb, (0, 0, 19, 29)))
    assert view.shape[:2] == (30 + 3 * 29 // 2, 20 + 3 * 29 // 2) and (view[:5, :5] == rgb[:5, :5]).all()


def test_the_review_page_shows_each_spreads_chromosome_in_place_and_says_which_are_not(oshima, tmp_path, cli,
                                                                                          chromium):
    rgb, boxes = _boxes(oshima, "spread5")
    spread = oshima / "images" / "spread5.png"
    rows = []
    # 1-6 in place; 7 of a spread moved since classify; 8 a crop alone; 9 a box off the spread (another image?)
    for number, box in enumerate([*boxes[:7], None, (1500, 10, 1520, 30)], start=1):
        crop = tmp_path / f"{number:03d}.png"
        Image.fromarray(rgb[box[1]:box[3] + 1, box[0]:box[2] + 1] if number <= 6 else rgb[:40, :40]).save(crop)
        place = {"spread": str(tmp_path / "moved.png" if number == 7 else spread),
                 **dict(zip(("x0", "y0", "x1", "y1"), box))} if box else {"spread": ""}
        rows.append({"path": str(crop), "sample": "s", "image": "spread5.png" if box else "", "id": number,
                     "predicted": "A", "x0": "", "y0": "", "x1": "", "y1": ""} | place)
    _write(tmp_path / "predictions.csv", rows)
    run = cli("review", str(tmp_path / "predictions.csv"), "--all", "--out", str(tmp_path / "review"))
    assert run.returncode == 0, run.stderr
    assert "caution: for 2 chromosomes the place in the spread is not shown, such as" in " ".join(
        run.stderr.split())
    assert set(write_review(tmp_path / "predictions.csv", tmp_path / "again", every=True).no_place) == {
        f"{spread}: box 1500, 10, 1520, 30 of {tmp_path / '009.png'} lies outside its 1440 x 1024 pixels",
        f"{tmp_path / 'moved.png'}: no such file"}
    page = (tmp_path / "review" / "review.html").read_text()
    shown = {number: "class='context'" in figure
             for number, figure in re.findall(r"<figure class='call' data-number='(\d+)'>(.*?)</figure>", page)}
    crop_of = {row["number"]: row["path"] for row in _rows(tmp_path / "review" / "key.csv")}
    assert sorted(crop_of[number][-7:] for number, has in shown.items() if has) == [f"00{n}.png" for n in range(1, 7)]
    # each view, embedded as JPEG, is its chromosome's: its pixels, made as small as the view, inside the outline
    views = re.findall(r"<img class='context' alt='(\d+) in its spread' src='data:image/jpeg;base64,([^']+)'>", page)
    assert len(views) == 6 and html.escape(PLACE_SHOWN) in page
    for number, uri in views:
        view = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri))).convert("RGB"), int)
        rows, columns = np.nonzero((np.abs(view - FOUND_COLOUR) < 60).all(axis=2))  # the outline, through JPEG's loss
        inside = view[rows.min() + 3:rows.max() - 2, columns.min() + 3:columns.max() - 2]
        crop = Image.open(crop_of[number]).resize(inside.shape[1::-1], Image.Resampling.LANCZOS)
        assert np.abs(inside - np.asarray(crop, int)).mean() < 6, number
    # the views change nothing of how the page is typed: the same keys and clicks save the same sheet
    saved = _typed_by_reviewer(tmp_path / "review", chromium)
    assert [line.split(",")[1] for line in saved.splitlines()[1:]] == ["B", "", "C", "X", "A", "", "", "", ""]


def test_the_crops_a_blind_review_typed_become_a_labelled_folder_a_model_learns(classified, tmp_path, cli):
    write_review(classified, tmp_path / "review", every=True)
    key = _rows(tmp_path / "review" / "key.csv")
    label = {r["path"]: r["label"] for r in _rows(classified)}
    # all typed as labelled but the first, left out as not a chromosome, and the last two, kept as called
    types = ["X"] + [label[row["path"]] for row in key[1:-2]] + ["", ""]
    (tmp_path / "review" / "review.csv").write_text("number,type\n" + "".join(
        f"{row['number']},{given}\n" for row, given in zip(key, types)))
    corrected = tmp_path / "corrected.csv"
    apply_review(classified, tmp_path / "review", corrected)
    run = cli("export-labelled", str(corrected), "--out", str(tmp_path / "mine"))
    assert run.returncode == 0, run.stderr
    typed = key[1:-2]
    counts = {name: sum(label[row["path"]] == name for row in typed) for name in "ABC"}
    assert (f"{len(typed)} crops typed in blind reviews (A {counts['A']}, B {counts['B']}, C {counts['C']}): wrote "
            f"{tmp_path / 'mine'}") in " ".join(run.stderr.split())
    # each crop under its type, named by its sample and file, its bytes as classify cut it
    items, _ = labelled_items([tmp_path / "mine"])
    assert sorted((item.label, item.path.name) for item in items) == sorted(
        (label[row["path"]], f"{row['sample']}-{row['path'].rsplit('/', 1)[1]}") for row in typed)
    source = {f"{row['sample']}-{row['path'].rsplit('/', 1)[1]}": row["path"] for row in typed}
    assert all(item.path.read_bytes() == Path(source[item.path.name]).read_bytes() for item in items)
    assert not (tmp_path / "mine" / SOURCES_FILE).exists()  # crops, not cut from spreads by classify
    # crops of known cells (the table's cell column, as folders give it): each named by its cell, the metaphase it
    # was cut from, which no split parts; a crop of no known cell counts as cut from an image of its own
    in_cell = {row["path"]: "" if row["path"] == typed[0]["path"] else f"cell{i % 12 // 3 + 1}"
               for i, row in enumerate(_rows(corrected))}
    _write(tmp_path / "celled.csv", [row | {"cell": in_cell[row["path"]]} for row in _rows(corrected)])
    write_labelled(tmp_path / "celled.csv", tmp_path / "celled")
    sample_of = {row["path"]: row["sample"] for row in typed}
    named = {row["path"]: f"{label[row['path']].lower()}/{sample_of[row['path']]}-" + (
        f"{in_cell[row['path']]}-" if in_cell[row["path"]] else "") + row["path"].rsplit("/", 1)[1] for row in typed}
    cut_from = {name: (f"{sample_of[path]}/{in_cell[path]}" if in_cell[path] else name) for path, name in
                named.items()}
    assert read_sources(tmp_path / "celled") == {name: Source(image) for name, image in cut_from.items()}
    items, _ = labelled_items([tmp_path / "celled"])
    assert {item.name: source.image for item, source in zip(items, image_sources([tmp_path / "celled"], items))} \
        == cut_from  # as crossval and train's validation split them, unwarned
    # the same cells named by a sample sheet (image, cell), as compare's --sheet; one naming no cell for a crop refused
    sheet = tmp_path / "cells.csv"
    sheet.write_text("image,cell\n" + "".join(f"{path},{cell}\n" for path, cell in in_cell.items() if cell))
    by_sheet = cli("export-labelled", str(corrected), "--out", str(tmp_path / "by_sheet"), "--cells", str(sheet))
    assert by_sheet.returncode == 2 and f"{sheet}: no cell for 1 of the {len(typed)} images" in " ".join(
        by_sheet.stderr.split()) and not (tmp_path / "by_sheet").exists()
    given = {path: cell or "own" for path, cell in in_cell.items()}  # the lone crop now in a cell "own"
    sheet.write_text("image,cell\n" + "".join(f"{path},{cell}\n" for path, cell in given.items()))
    by_sheet = cli("export-labelled", str(corrected), "--out", str(tmp_path / "by_sheet"), "--cells", str(sheet))
    assert by_sheet.returncode == 0, by_sheet.stderr
    paths = [row["path"] for row in typed]
    assert read_sources(tmp_path / "by_sheet") == {
        f"{label[p].lower()}/{sample_of[p]}-{given[p]}-{p.rsplit('/', 1)[1]}": Source(f"{sample_of[p]}/{given[p]}")
        for p in paths}
    alone = cli("export-labelled", str(corrected), "--labels", str(tmp_path / "yolo"), "--cells", str(sheet))
    assert alone.returncode == 2 and "--cells names the cells of the labelled crops: give it with --out" in " ".join(
        alone.stderr.split())
    # a model learns them
    trained = cli("train", str(tmp_path / "mine"), "--out", str(tmp_path / "model"), "-q")
    assert trained.returncode == 0, trained.stderr
    assert json.loads((tmp_path / "model" / "config.json").read_text())["classes"] == ["A", "B", "C"]
    # refused, nothing written: a folder there already, a table no blind review typed, a crop moved since
    with pytest.raises(SccscoreError, match=r"mine: exists; give a new folder"):
        write_labelled(corrected, tmp_path / "mine")
    with pytest.raises(SccscoreError, match=r"predictions\.csv: no call in it was typed in a blind review"):
        write_labelled(classified, tmp_path / "none")
    moved = [row | ({"path": str(tmp_path / "gone.png")} if row["path"] == typed[0]["path"] else {})
             for row in _rows(corrected)]
    _write(tmp_path / "moved.csv", moved)
    with pytest.raises(SccscoreError, match=r"gone\.png: cannot be read \(No such file or directory\)"):
        write_labelled(tmp_path / "moved.csv", tmp_path / "partial")
    assert not (tmp_path / "none").exists() and not (tmp_path / "partial").exists()


@pytest.fixture(scope="module")
def reviewed_spread(oshima, tmp_path_factory):
    """spread3 through classify --spreads and a blind review of every call, typed as oshima2026's annotation types
    the chromosome each box finds (X where it finds none: none here), but three not typed and one taken for no
    chromosome: the folder, the predictions' rows, and each crop's type as given."""
    tmp = tmp_path_factory.mktemp("reviewed")
    (tmp / "ko").mkdir()
    (tmp / "ko" / "spread3.png").symlink_to(oshima / "images" / "spread3.png")
    classify_spreads([tmp / "ko"], load_model(SPREAD_MODEL), tmp / "out")
    predictions = _rows(tmp / "out" / "predictions.csv")
    write_review(tmp / "out" / "predictions.csv", tmp / "review", every=True)
    key = _rows(tmp / "review" / "key.csv")
    rgb = read_image(oshima / "images" / "spread3.png")
    truth, annotated = read_yolo(oshima / "labels" / "spread3.txt", rgb.shape[1], rgb.shape[0])
    box_of = {row["path"]: row_box(row) for row in predictions}
    matched = dict(match_boxes(np.array([box_of[row["path"]] for row in key]), truth))
    given = ["ABC"[annotated[matched[i]]] if i in matched else "X" for i in range(len(key))]
    given[:4] = ["", "", "", "X"]
    (tmp / "review" / "review.csv").write_text("number,type\n" + "".join(
        f"{row['number']},{t}\n" for row, t in zip(key, given)))
    apply_review(tmp / "out" / "predictions.csv", tmp / "review", tmp / "corrected.csv")
    return tmp, predictions, {row["path"]: t for row, t in zip(key, given)}


def test_a_blind_review_of_a_spread_types_its_yolo_labels_for_train_spreads(reviewed_spread, tmp_path, cli):
    """export-labelled --labels draws each chromosome classify --spreads found as a YOLO box of the type a blind
    review gave it, none where the review said it is no chromosome, untyped where it gave none: train-spreads
    refuses those, naming them, until an annotator types them."""
    reviewed, predictions, type_of = reviewed_spread
    labels, crops = tmp_path / "labels", tmp_path / "crops"
    run = cli("export-labelled", str(reviewed / "corrected.csv"), "--labels", str(labels), "--out", str(crops))
    assert run.returncode == 0, run.stderr
    # the boxes of classify's own drafts, in their order: each typed as given (class 3 untyped), none where X
    drafted = (reviewed / "out" / "labels" / "ko" / "spread3.txt").read_text().splitlines()
    assert len(drafted) == len(predictions)
    expected = [f"{'ABC'.index(t) if t else 3} {line.split(' ', 1)[1]}" for row, line in zip(predictions, drafted)
                if (t := type_of[row["path"]]) != "X"]
    assert (labels / "ko" / "spread3.txt").read_text().splitlines() == expected
    assert (labels / "ko" / "classes.txt").read_text() == "A\nB\nC\nuntyped\n"
    kept = [row for row in predictions if type_of[row["path"]] != "X"]
    assert len(kept) == len(predictions) - 1
    counts = {name: sum(type_of[row["path"]] == name for row in kept) for name in "ABC"}
    said = " ".join(run.stderr.split())
    assert (f"{sum(counts.values())} boxes in 1 spread typed blind (A {counts['A']}, B {counts['B']}, C "
            f"{counts['C']}), 3 untyped (no blind review typed them; review --all shows every one): wrote "
            f"{labels}. In an annotation tool, type the untyped, add") in said
    assert sum(1 for _ in crops.rglob("*.png")) == sum(counts.values())  # the crops, as before
    untyped_lines = ", ".join(str(number) for number, line in enumerate(expected, start=1) if line.startswith("3 "))
    refused = cli("train-spreads", str(reviewed / "ko"), str(labels / "ko"), "--out", str(tmp_path / "model"), "-q")
    assert refused.returncode != 0 and not (tmp_path / "model").exists()
    named = f"3 boxes in 1 label file still untyped ({labels / 'ko' / 'spread3.txt'}, lines {untyped_lines})"
    assert named in " ".join(refused.stderr.split())


def test_yolo_labels_from_a_review_refuse_what_they_cannot_draw_writing_nothing(reviewed_spread, tmp_path, cli):
    """A folder there already (either, before either is written), a table of crops, a spread moved since or
    another image in its place, no folder given."""
    reviewed, _, type_of = reviewed_spread
    corrected = _rows(reviewed / "corrected.csv")
    (tmp_path / "labels").mkdir()
    with pytest.raises(SccscoreError, match=r"labels: exists; give a new folder for the YOLO labels"):
        write_yolo_labels(reviewed / "corrected.csv", tmp_path / "labels")
    _write(tmp_path / "crops.csv", [row | {"spread": ""} for row in corrected])
    with pytest.raises(SccscoreError, match=r"crops\.csv: no chromosome in it was found in a spread"):
        write_yolo_labels(tmp_path / "crops.csv", tmp_path / "none")
    _write(tmp_path / "moved.csv", [row | {"spread": str(tmp_path / "gone.png")} for row in corrected])
    kept = sum(t != "X" for t in type_of.values())
    with pytest.raises(SccscoreError, match=rf"gone\.png: no such file: the spread of {kept} chromosomes of the"):
        write_yolo_labels(tmp_path / "moved.csv", tmp_path / "partial")
    Image.new("RGB", (400, 300), "white").save(tmp_path / "small.png")
    _write(tmp_path / "another.csv", [row | {"spread": str(tmp_path / "small.png")} for row in corrected])
    with pytest.raises(SccscoreError, match=r"small\.png: boxes of the table lie outside its 400 x 300 pixels"):
        write_yolo_labels(tmp_path / "another.csv", tmp_path / "partial")
    assert not (tmp_path / "none").exists() and not (tmp_path / "partial").exists()
    (tmp_path / "crops").mkdir()
    taken = cli("export-labelled", str(reviewed / "corrected.csv"), "--labels", str(tmp_path / "fresh"), "--out",
                str(tmp_path / "crops"))
    assert taken.returncode != 0 and not (tmp_path / "fresh").exists()
    assert f"{tmp_path / 'crops'}: exists; give a new folder for the labelled crops" in " ".join(taken.stderr.split())
    neither = cli("export-labelled", str(reviewed / "corrected.csv"))
    assert neither.returncode != 0 and "give --out for the labelled crops, --labels for the spreads' YOLO labels, or " \
        "both" in " ".join(neither.stderr.split())


def test_labelled_crops_of_spreads_are_named_by_sample_spread_and_number(tmp_path):
    crop = tmp_path / "out" / "crops" / "wt" / "slide1" / "field" / "014.png"
    crop.parent.mkdir(parents=True)
    crop.write_bytes(b"not read, only copied")
    rows = [{"path": str(crop), "sample": "wt", "image": "slide1/field.png", "id": "14", "predicted": "b",
             "reviewed": "blind"}] * 2  # the same crop twice (a table joined by hand): two files, not one
    _write(tmp_path / "corrected.csv", rows)
    assert write_labelled(tmp_path / "corrected.csv", tmp_path / "mine") == {"B": 2}
    assert sorted(path.name for path in (tmp_path / "mine" / "b").iterdir()) == ["wt-slide1-field-014-2.png",
                                                                                "wt-slide1-field-014.png"]
    assert not [path for name in "ac" for path in (tmp_path / "mine" / name).iterdir()]
    # each named with its spread, which crossval and train keep whole: by its file, as classify --spreads read it
    # (known by its SHA-256 wherever it lies), or else by its sample and name
    assert read_sources(tmp_path / "mine") == {"b/wt-slide1-field-014.png": Source("wt/slide1/field.png"),
                                               "b/wt-slide1-field-014-2.png": Source("wt/slide1/field.png")}
    (tmp_path / "field.png").write_bytes(b"the spread")
    _write(tmp_path / "corrected.csv", [rows[0] | {"spread": str(tmp_path / "field.png")}])
    write_labelled(tmp_path / "corrected.csv", tmp_path / "spread")
    assert read_sources(tmp_path / "spread") == {"b/wt-slide1-field-014.png": Source(
        str(tmp_path / "field.png"), hashlib.sha256(b"the spread").hexdigest())}


def test_reviewers_agreement_with_each_other_and_the_model(classified, tmp_path, cli, cli_imports):
    """Two people type one review of every call: one the crops' labels, the other the labels with every third crop
    typed otherwise, one left out and one kept; each pair, and each against the model, is read on the crops both
    typed, kappa as scikit-learn gives it and the share's interval as statsmodels' Wilson."""
    write_review(classified, tmp_path / "review", every=True)
    key = _rows(tmp_path / "review" / "key.csv")
    labels = {row["number"]: Path(row["path"]).parent.name.upper() for row in key}  # a/, b/, c/
    shifted = {number: {"A": "B", "B": "C", "C": "B"}[label] if int(number) % 3 == 0 else label
               for number, label in labels.items()} | {"2": "X", "4": ""}
    for name, types in (("ann", labels), ("bob", shifted)):
        (tmp_path / f"{name}.csv").write_text("number,type\n" + "".join(f"{n},{t}\n" for n, t in types.items()))
    run, imported = cli_imports("agreement", str(classified), str(tmp_path / "review"), str(tmp_path / "ann.csv"),
                                str(tmp_path / "bob.csv"), "--json", str(tmp_path / "agreement.json"))
    assert run.returncode == 0 and "torch" not in imported  # tables and sheets: no model is loaded
    report = json.loads((tmp_path / "agreement.json").read_text())
    assert (report["n_reviewed"], report["n_calls"]) == (24, 24)
    assert report["reviewers"] == [{"name": "ann", "n_typed": 24}, {"name": "bob", "n_typed": 23}]
    scored = {row["path"]: row for row in read_predictions(classified)}
    calls = {row["number"]: model_call(scored[row["path"]]) for row in key}
    both = [n for n in labels if shifted[n] not in ("", "X")]
    expected = [("ann", "bob", labels, shifted, both), ("ann", "model", labels, calls, list(labels)),
                ("bob", "model", shifted, calls, both)]
    assert [(pair["first"], pair["second"]) for pair in report["pairs"]] == [e[:2] for e in expected]
    sample_of = {row["number"]: scored[row["path"]]["sample"] for row in key}
    for pair, (_, _, first, second, typed) in zip(report["pairs"], expected):
        same = sum(first[n] == second[n] for n in typed)
        assert (pair["n_both"], pair["n_same"]) == (len(typed), same)
        assert pair["same_ci"] == pytest.approx(list(proportion_confint(same, len(typed), method="wilson")))
        kappa = cohen_kappa_score([first[n] for n in typed], [second[n] for n in typed])
        assert pair["kappa"] == pytest.approx(kappa) and pair["kappa_ci"][0] < kappa < pair["kappa_ci"][1]
        assert pair["n_open_alike"] == sum((first[n] == "A") == (second[n] == "A") for n in typed)
        assert pair["matrix"] == confusion_matrix([first[n] for n in typed], [second[n] for n in typed],
                                                  labels=list("ABC")).tolist()
        # each type's specific agreement: both gave it, over the mean of the crops each gave it
        given = [(sum(first[n] == t for n in typed), sum(second[n] == t for n in typed)) for t in "ABC"]
        assert pair["specific"] == pytest.approx([2 * sum(first[n] == second[n] == t for n in typed) / sum(g)
                                                  for t, g in zip("ABC", given)])
        # how far the first leans to each type: its share less the second's, paired on the crops, scipy's t interval
        for t, interval in zip("ABC", pair["lean_ci"]):
            paired = [(first[n] == t) - (second[n] == t) for n in typed]
            low, high = scipy.stats.ttest_1samp(paired, 0).confidence_interval()
            assert interval == pytest.approx([max(low, -1), min(high, 1)])
        # each sample's open share as each typed it, the first's less the second's paired on the crops (scipy's t);
        # then ctf18's difference from wt as each typed them, the two apart: Welch's interval of the samples' leans
        open_less = {sample: [(first[n] != "A") - (second[n] != "A") for n in typed if sample_of[n] == sample]
                     for sample in ("wt_small", "ctf18_small")}
        for sample, paired in open_less.items():
            in_sample = pair["open_by_sample"][sample]
            assert in_sample["n_both"] == len(paired) and in_sample["n_open"] == [
                sum(types[n] != "A" for n in typed if sample_of[n] == sample) for types in (first, second)]
            low, high = scipy.stats.ttest_1samp(paired, 0).confidence_interval()
            assert in_sample["lean_ci"] == pytest.approx([max(low, -1), min(high, 1)])
        apart = pair["samples_apart"]["ctf18_small"]
        shares = {(types_index, sample): np.mean([types[n] != "A" for n in typed if sample_of[n] == sample])
                  for types_index, types in enumerate((first, second)) for sample in open_less}
        assert (apart["less"], apart["first"], apart["second"]) == ("wt_small", pytest.approx(
            shares[0, "ctf18_small"] - shares[0, "wt_small"]), pytest.approx(shares[1, "ctf18_small"] -
                                                                             shares[1, "wt_small"]))
        welch = scipy.stats.ttest_ind(open_less["ctf18_small"], open_less["wt_small"], equal_var=False)
        assert apart["ci"] == pytest.approx(list(welch.confidence_interval()))
    assert [pair["n_left_out_by_one"] for pair in report["pairs"]] == [1, 0, 1]
    # what each would have reported of each sample: their A, B and C counted in it, X and blanks left out
    for name, types in (("ann", labels), ("bob", shifted), ("model", calls)):
        assert report["by_sample"][name] == {sample: [sum(types[n] == t and sample_of[n] == sample for n in types)
                                                      for t in "ABC"] for sample in ("wt_small", "ctf18_small")}
    # the terminal: every call shown, so no word of the unsure ones; a row a pair; the paper's people for scale
    said = " ".join(run.stdout.split())
    ann_bob = report["pairs"][0]
    assert said.startswith("on the 24 of the 24 calls the review showed, the crops taken as independent")
    assert (f"ann and bob 22 {100 * ann_bob['n_same'] / 22:.1f} ({100 * ann_bob['same_ci'][0]:.1f}-"
            f"{100 * ann_bob['same_ci'][1]:.1f}) {ann_bob['kappa']:.2f} ({ann_bob['kappa_ci'][0]:.2f} to "
            f"{ann_bob['kappa_ci'][1]:.2f})") in said
    assert said.endswith("For scale: in Ikemoto et al. (2023) nine trained people gave the reference's type to "
                         "51.4-76.8% of the chromosomes (65.7% on average), every one scored.")
    bob_wt = report["by_sample"]["bob"]["wt_small"]
    assert ("A / B / C % of each sample as each typed it (crops typed) sample ann bob model wt_small "
            f"{100 * report['by_sample']['ann']['wt_small'][0] / 12:.1f} / ") in said
    assert " / ".join(f"{100 * n / sum(bob_wt):.1f}" for n in bob_wt) + f" ({sum(bob_wt)})" in said
    # and each pair's open shares in each sample, then the answers they would give of ctf18 against wt
    wt, ctf18 = (ann_bob["open_by_sample"][sample] for sample in ("wt_small", "ctf18_small"))
    apart = ann_bob["samples_apart"]["ctf18_small"]
    ann_open, bob_open = (100 * n / wt["n_both"] for n in wt["n_open"])
    assert (f"Open (B or C), ann against bob: wt_small {ann_open:.1f}% against {bob_open:.1f}%, "
            f"{ann_open - bob_open:+.1f} points (95% CI {100 * wt['lean_ci'][0]:+.1f} to "
            f"{100 * wt['lean_ci'][1]:+.1f}); ctf18_small "
            f"{100 * ctf18['n_open'][0] / ctf18['n_both']:.1f}% against") in said
    assert (f"ctf18_small less wt_small: {100 * apart['first']:+.1f} points by ann, {100 * apart['second']:+.1f} by "
            f"bob; ann's less bob's {100 * (apart['first'] - apart['second']):+.1f} points (95% CI "
            f"{100 * apart['ci'][0]:+.1f} to {100 * apart['ci'][1]:+.1f})") in said
    # where each pair parts most: the two types most of the crops they typed apart were given, either way round
    for pair in report["pairs"]:
        either_way = np.array(pair["matrix"]) + np.array(pair["matrix"]).T
        one, other = max(((0, 1), (0, 2), (1, 2)), key=lambda types: either_way[types])
        assert (f"{pair['first']} and {pair['second']} part most on {'ABC'[one]} against {'ABC'[other]}: "
                f"{either_way[one, other]} of the {pair['n_both'] - pair['n_same']} crops they typed apart") in said
    # and the type one gave more often than the other (of equals, C first), counted from their sheets
    given = {t: [sum(types[n] == t for n in both) for types in (labels, shifted)] for t in "ABC"}
    lean = max("CBA", key=lambda t: abs(given[t][0] - given[t][1]))
    (more, n_more), (fewer, n_fewer) = sorted(zip(("ann", "bob"), given[lean]), key=lambda named: -named[1])
    low, high = sorted(100 * v * (1 if more == "ann" else -1) for v in ann_bob["lean_ci"]["ABC".index(lean)])
    assert n_more > n_fewer and (f"they typed apart; {more} gave {lean} to {100 * n_more / 22:.0f}% of the 22 both "
                                 f"typed, {fewer} to {100 * n_fewer / 22:.0f}%: {100 * (n_more - n_fewer) / 22:.0f} "
                                 f"points more (95% CI {low:.0f} to {high:.0f})") in said
    ann_bob_part = re.search(r"ann and bob part most.*?(?= ann and model part)", said).group()
    assert ann_bob_part.endswith(f"{high:.0f})") and low > 0  # a lean beyond chance, said without a caveat
    alike = " / ".join(f"{100 * v:.0f}" for v in ann_bob["specific"])  # the last column: A / B / C alike
    assert f"{ann_bob['kappa_ci'][1]:.2f}) {100 * ann_bob['n_open_alike'] / 22:.1f} 1 - {alike} ann and " in said
    # the same seed, the same interval; a sheet given twice, or named as the model, is refused
    again = review_agreement(classified, tmp_path / "review", [tmp_path / "ann.csv", tmp_path / "bob.csv"])
    assert again["pairs"] == report["pairs"]
    twice = cli("agreement", str(classified), str(tmp_path / "review"), str(tmp_path / "ann.csv"),
                str(tmp_path / "ann.csv"))
    assert twice.returncode == 2 and f"{tmp_path / 'ann.csv'}: given twice; give each reviewer's sheet once" in \
        " ".join(twice.stderr.split())
    (tmp_path / "model.csv").write_text((tmp_path / "ann.csv").read_text())
    with pytest.raises(SccscoreError, match="a sheet named 'model' would read as the model's calls; rename it"):
        review_agreement(classified, tmp_path / "review", [tmp_path / "model.csv"])
    # the blank sheet review wrote beside its page, given where the one the page saved was meant
    with pytest.raises(SccscoreError, match=r"review\.csv: types none of the calls: the sheet review\.html saves goes "
                                            "to the browser's downloads folder"):
        review_agreement(classified, tmp_path / "review", [tmp_path / "ann.csv", tmp_path / "review" / "review.csv"])
    # one sheet of a table typed by hand, with no model's calls: nobody to compare it with
    hand = tmp_path / "typed_by_hand.csv"
    hand.write_text("path,sample,predicted\n" + "".join(f"{row['path']},{row['sample']},{row['predicted']}\n"
                                                        for row in scored.values()))
    write_review(hand, tmp_path / "hand_review", every=True)
    with pytest.raises(SccscoreError, match=rf"ann.csv is the only sheet, and {re.escape(str(hand))} holds no model's "
                                            r"calls \(typed by hand, without probabilities\): give two or more"):
        review_agreement(hand, tmp_path / "hand_review", [tmp_path / "ann.csv"])
    # two who typed no crop in common: no figure, not a figure of nothing
    (tmp_path / "cy.csv").write_text("number,type\n1,A\n")
    (tmp_path / "di.csv").write_text("number,type\n2,B\n")
    apart = review_agreement(classified, tmp_path / "review", [tmp_path / "cy.csv", tmp_path / "di.csv"])["pairs"][0]
    assert (apart["n_both"], apart["same_ci"], apart["kappa"], apart["kappa_ci"]) == (0, None, None, None)
    run = cli("agreement", str(classified), str(tmp_path / "review"), str(tmp_path / "cy.csv"),
              str(tmp_path / "di.csv"))
    assert run.returncode == 0 and "cy and di 0 - - - 0" in " ".join(run.stdout.split())
    # a review of the unsure calls alone: said, and no sample's shares, which those few would not give
    unsure = write_review(classified, tmp_path / "unsure")
    (tmp_path / "eve.csv").write_text("number,type\n" + "".join(
        f"{row['number']},{Path(row['path']).parent.name.upper()}\n" for row in _rows(unsure.folder / "key.csv")))
    run = cli("agreement", str(classified), str(unsure.folder), str(tmp_path / "eve.csv"))
    said = " ".join(run.stdout.split())
    assert run.returncode == 0 and said.startswith(f"on the {unsure.n_calls} of the 24 calls the review showed (the "
                                                   "unsure ones: agreement on them runs below that on every call")
    assert "each sample as each typed it" not in said and "Open (B or C)" not in said
    assert "These were drawn at random" not in (unsure.folder / "review.html").read_text()


def test_a_review_of_calls_drawn_at_random_from_every_call_estimates_agreement_on_all(classified, tmp_path, cli):
    """review --sample N draws N calls at random from every call, sure and unsure, the same for the same seed; its key
    says so, and agreement reads its figures as estimates of those on every call, with each sample's shares."""
    rows = _rows(classified)
    drawn = write_review(classified, tmp_path / "drawn", seed=3, drawn=10)
    key = _rows(tmp_path / "drawn" / "key.csv")
    paths = [row["path"] for row in key]
    assert (drawn.n_calls, drawn.shown, len(set(paths))) == (10, "drawn", 10)
    page = " ".join(html.unescape((tmp_path / "drawn" / "review.html").read_text()).split())
    assert ("These were drawn at random from every call, to measure the model on your images: give each its type, "
            "however hard (keep leaves one out of the measure") in page
    assert set(paths) <= {row["path"] for row in rows} and {row["shown"] for row in key} == {"drawn"}
    assert [r["path"] for r in _rows(write_review(classified, tmp_path / "again", seed=3, drawn=10).folder
                                     / "key.csv")] == paths
    # over seeds, every call is drawn some time: sure ones as well as those less sure than 0.9
    ever = {r["path"] for seed in range(20) for r in _rows(write_review(classified, tmp_path / f"s{seed}", seed=seed,
                                                                        drawn=10).folder / "key.csv")}
    assert ever == {row["path"] for row in rows} and len(calls_to_check(rows)) < len(rows)
    # more than the table holds: every call
    assert write_review(classified, tmp_path / "all", drawn=100).shown == "every"
    run = cli("review", str(classified), "--out", str(tmp_path / "cli"), "--sample", "10")
    by_sample = [row["sample"] for row in _rows(tmp_path / "cli" / "key.csv")]
    n_wt = by_sample.count("wt_small")
    assert run.returncode == 0 and (f"10 of the 24 calls, drawn at random (wt_small {n_wt}, ctf18_small {10 - n_wt}), "
                                    "to review") in " ".join(run.stderr.split())
    assert "caution" not in run.stderr and drawn.drawn == {"wt_small": 5, "ctf18_small": 5}
    assert (drawn.drawn_units, drawn.drawn_unit) == ({"wt_small": 5, "ctf18_small": 5}, "call")  # no cells known
    # so few drawn that a sample gets no interval: said before anyone types them
    few = cli("review", str(classified), "--out", str(tmp_path / "few"), "--sample", "3")
    shown = [row["sample"] for row in _rows(tmp_path / "few" / "key.csv")]
    assert few.returncode == 0 and (f"caution: fewer than 4 calls were drawn of wt_small "
                                    f"({shown.count('wt_small')}), ctf18_small ({shown.count('ctf18_small')}): the "
                                    "review will give no interval of such a sample's share; draw more (--sample)"
                                    ) in " ".join(few.stderr.split())
    both = cli("review", str(classified), "--out", str(tmp_path / "both"), "--sample", "10", "--all")
    assert both.returncode == 2 and "give --all (every call) or --sample (a number of them drawn at random), not " \
        "both" in " ".join(both.stderr.split())
    # agreement: each figure an estimate of that on every call, and each sample's shares as each typed them
    label = {row["number"]: Path(row["path"]).parent.name.upper() for row in key}
    (tmp_path / "ann.csv").write_text("number,type\n" + "".join(f"{n},{t}\n" for n, t in label.items()))
    run = cli("agreement", str(classified), str(tmp_path / "drawn"), str(tmp_path / "ann.csv"))
    said = " ".join(run.stdout.split())
    assert run.returncode == 0 and said.startswith("on the 10 of the 24 calls the review showed (drawn at random from "
                                                   "every call: each figure estimates that on every call, within its "
                                                   "interval)")
    assert "A / B / C % of each sample as each typed it (crops typed) sample ann model" in said
    assert "Left untyped" not in said  # ann typed every one
    # applied, the drawn calls are marked so, and compare measures the model on them as agreement measured it
    applied = cli("apply-review", str(classified), str(tmp_path / "drawn"), "--sheet", str(tmp_path / "ann.csv"),
                  "--out", str(tmp_path / "drawn.csv"))
    assert applied.returncode == 0 and "left untyped" not in applied.stderr, applied.stderr  # ann typed them all
    marked = {row["path"]: row["reviewed"] for row in _rows(tmp_path / "drawn.csv")}
    assert {path for path, reviewed in marked.items() if reviewed} == set(paths)
    assert set(marked.values()) == {"", "blind, drawn at random"}
    compared = cli("compare", "wt_small", "ctf18_small", "--predictions", str(tmp_path / "drawn.csv"), "--json",
                   str(tmp_path / "compare.json"), "--out", str(tmp_path / "compared"), "--report")
    assert compared.returncode == 0, compared.stderr
    measured = json.loads((tmp_path / "compare.json").read_text())["drawn_review"]
    by_ann = review_agreement(classified, tmp_path / "drawn", [tmp_path / "ann.csv"])
    ann_model = by_ann["pairs"][0]
    assert (measured["first"], measured["second"], ann_model["first"], ann_model["second"]) == (
        "the review", "the model", "ann", "model")
    # the same figures, to rounding; kappa's bootstrap draws the crops in the order each lists them
    compare_only = ("first", "second", "kappa_ci", "corrected", "n_untyped")  # the last two below
    assert _rounded({k: v for k, v in measured.items() if k not in compare_only}) == \
        _rounded({k: v for k, v in ann_model.items() if k not in ("first", "second", "kappa_ci")})
    assert measured["n_untyped"] == 0  # ann typed every one
    same = sum(label[row["number"]] == model_call(next(r for r in rows if r["path"] == row["path"])) for row in key)
    assert (measured["n_both"], measured["n_same"]) == (10, same)
    said = " ".join(compared.stdout.split())
    low, high = measured["same_ci"]
    assert (f"On the 10 calls drawn at random and reviewed blind (sccscore review --sample), the model gave the "
            f"review's type to {10 * same:.1f}% (95% CI {100 * low:.1f}-{100 * high:.1f}), an estimate of its "
            "agreement on every call. Open (B or C), the review against the model: wt_small ") in said
    # corrected by the draw: each sample's open share by the model of every call, plus the review's less the model's
    # on those drawn; its interval the crops left out in turn (t on one fewer than the crops drawn), and the samples'
    # difference on Welch's degrees. (How often its interval holds the share it estimates: the test after this one)
    table, errors, corrected = _rows(tmp_path / "drawn.csv"), {}, measured["corrected"]
    for sample in ("wt_small", "ctf18_small"):
        here = [row for row in table if row["sample"] == sample]
        model_open = np.array([model_call(row) != "A" for row in here], float)
        drawn = np.array([row["reviewed"] == "blind, drawn at random" for row in here])
        review_less = np.array([row["predicted"] != "A" for row in here]) - model_open
        estimate = model_open.mean() + review_less[drawn].mean()
        left_one_out = np.array([np.delete(model_open, i).mean() + np.delete(review_less, i)[np.delete(drawn, i)].mean()
                                 for i in range(len(here))])
        errors[sample] = np.sqrt((len(here) - 1) / len(here) * np.sum((left_one_out - left_one_out.mean()) ** 2))
        half = scipy.stats.t.ppf(0.975, drawn.sum() - 1) * errors[sample]
        assert _rounded(corrected["by_sample"][sample]) == _rounded({
            "n_calls": 12, "n_model_open": model_open.sum(), "n_drawn": 5, "n_units": 5, "open": estimate,
            "ci": [max(0, estimate - half), min(1, estimate + half)]})
    difference = corrected["by_sample"]["ctf18_small"]["open"] - corrected["by_sample"]["wt_small"]["open"]
    error = np.hypot(*errors.values())
    half = scipy.stats.t.ppf(0.975, error**4 / sum(e**4 / 4 for e in errors.values())) * error
    assert _rounded(corrected["apart"]) == _rounded({"ctf18_small": {
        "less": "wt_small", "difference": difference, "model": (11 - 2) / 12,
        "ci": [max(-1, difference - half), min(1, difference + half)]}})
    # and compare --out's table of it, in percent
    wt, ko = (corrected["by_sample"][sample] for sample in ("wt_small", "ctf18_small"))
    apart = corrected["apart"]["ctf18_small"]
    assert _rows(tmp_path / "compared" / "drawn_review.csv") == [{k: str(v) for k, v in row.items()} for row in (
        {"sample": "wt_small", "n_calls": 12, "n_drawn": 5, "n_units_drawn": 5,
         "model_open_pct": round(100 * 2 / 12, 2), "corrected_open_pct": round(100 * wt["open"], 2),
         "corrected_ci_low": round(100 * wt["ci"][0], 2), "corrected_ci_high": round(100 * wt["ci"][1], 2),
         "model_less_reference": "", "corrected_less_reference": "", "corrected_less_reference_ci_low": "",
         "corrected_less_reference_ci_high": ""},
        {"sample": "ctf18_small", "n_calls": 12, "n_drawn": 5, "n_units_drawn": 5,
         "model_open_pct": round(100 * 11 / 12, 2), "corrected_open_pct": round(100 * ko["open"], 2),
         "corrected_ci_low": round(100 * ko["ci"][0], 2), "corrected_ci_high": round(100 * ko["ci"][1], 2),
         "model_less_reference": round(100 * 9 / 12, 2),
         "corrected_less_reference": round(100 * apart["difference"], 2),
         "corrected_less_reference_ci_low": round(100 * apart["ci"][0], 2),
         "corrected_less_reference_ci_high": round(100 * apart["ci"][1], 2)})]
    # and the report's table of it, under "Checked by hand"
    page = html.unescape((tmp_path / "compared" / "report.html").read_text())
    assert ("<th>open %, corrected by the draw (95% CI)</th><th>less wt_small, points (the model's calls)</th>"
            "<th>less wt_small, points (corrected, 95% CI)</th>") in page
    assert (f"<tr><td>ctf18_small</td><td>12</td><td>5</td><td>91.7</td><td>{100 * ko['open']:.1f} "
            f"({100 * ko['ci'][0]:.1f}-{100 * ko['ci'][1]:.1f})</td><td>+75.0</td><td>{100 * apart['difference']:+.1f} "
            f"({100 * apart['ci'][0]:+.1f} to {100 * apart['ci'][1]:+.1f})</td></tr>") in page
    # agreement gives each reviewer's answer so, before their types are applied: ann's, the same
    assert _rounded(by_ann["corrected"]) == {"ann": _rounded(corrected)}
    assert ("Corrected by the draw, the open (B or C) share as ann would type every call (the model's share of every "
            "call, plus ann's less the model's on those drawn): wt_small "
            f"{100 * corrected['by_sample']['wt_small']['open']:.1f}%") in " ".join(run.stdout.split())
    assert ("Corrected by the draw, the open (B or C) share as the review would type every call (the model's share of "
            "every call, plus the review's less the model's on those drawn): wt_small "
            f"{100 * corrected['by_sample']['wt_small']['open']:.1f}%") in said
    # a later review of the unsure calls, some drawn before, leaves the drawn marked as drawn: the draw stays whole
    later = write_review(tmp_path / "drawn.csv", tmp_path / "later")
    again = {row["number"]: row["path"] for row in _rows(later.folder / "key.csv")}
    assert set(again.values()) & set(paths) and set(again.values()) - set(paths)  # some drawn, some not
    (tmp_path / "eva.csv").write_text("number,type\n" + "".join(f"{n},{Path(path).parent.name.upper()}\n"
                                                                for n, path in again.items()))
    apply_review(tmp_path / "drawn.csv", later.folder, tmp_path / "later.csv", tmp_path / "eva.csv")
    marked = {row["path"]: row["reviewed"] for row in _rows(tmp_path / "later.csv")}
    assert {path for path, reviewed in marked.items() if reviewed == "blind, drawn at random"} == set(paths)
    assert {marked[path] for path in set(again.values()) - set(paths)} == {"blind"}
    assert compare_table(tmp_path / "later.csv", ["wt_small", "ctf18_small"]).report["drawn_review"]["n_both"] == 10
    # one who left two of the drawn untyped (keep): said, as the figures leave them out
    (tmp_path / "cy.csv").write_text("number,type\n" + "".join(f"{n},{t if int(n) > 2 else ''}\n"
                                                               for n, t in label.items()))
    kept = cli("agreement", str(classified), str(tmp_path / "drawn"), *(str(tmp_path / f"{name}.csv")
                                                                        for name in ("ann", "cy")))
    assert kept.returncode == 0 and ("Left untyped (keep), of the 10 drawn: cy 2; each figure leaves them out, and "
                                     "runs high where they were the hardest to type") in " ".join(kept.stdout.split())
    applied = cli("apply-review", str(classified), str(tmp_path / "drawn"), "--sheet", str(tmp_path / "cy.csv"),
                  "--out", str(tmp_path / "cy_applied.csv"))
    assert applied.returncode == 0 and ("caution: of the calls drawn at random, 2 left untyped (keep): compare's "
                                        "measure of the model leaves them out") in " ".join(applied.stderr.split())
    # marked so in the table (not reviewed: no type of a person's), and compare says so of its measure
    untyped = {row["path"] for row in key if int(row["number"]) <= 2}
    marked = {row["path"]: row["reviewed"] for row in _rows(tmp_path / "cy_applied.csv")}
    assert {path for path, reviewed in marked.items() if reviewed == "drawn at random, not typed"} == untyped
    assert {path for path, reviewed in marked.items() if reviewed == "blind, drawn at random"} == set(paths) - untyped
    by_cy = compare_table(tmp_path / "cy_applied.csv", ["wt_small", "ctf18_small"]).report
    assert (by_cy["drawn_review"]["n_both"], by_cy["drawn_review"]["n_untyped"], sum(by_cy["reviewed_blind"].values()),
            sum(n["n_drawn"] for n in by_cy["drawn_review"]["corrected"]["by_sample"].values())) == (8, 2, 8, 8)
    assert ("an estimate of its agreement on every call. 2 more calls drawn were left untyped (keep): every figure "
            "here leaves them out") in by_hand_sentence(by_cy)
    assert "2 more calls drawn, left untyped by the review, were left out." in methods(by_cy)
    # typed in a later review, they complete the draw
    later = write_review(tmp_path / "cy_applied.csv", tmp_path / "cy_later", every=True)
    (tmp_path / "dee.csv").write_text("number,type\n" + "".join(
        f"{row['number']},{Path(row['path']).parent.name.upper()}\n" for row in _rows(later.folder / "key.csv")
        if row["path"] in untyped))
    apply_review(tmp_path / "cy_applied.csv", later.folder, tmp_path / "cy_done.csv", tmp_path / "dee.csv")
    assert {row["path"] for row in _rows(tmp_path / "cy_done.csv")
            if row["reviewed"] == "blind, drawn at random"} == set(paths)
    # a review of the unsure calls is no measure of the model on every call: none said
    unsure = write_review(classified, tmp_path / "unsure")
    (tmp_path / "eve.csv").write_text("number,type\n" + "".join(
        f"{row['number']},{Path(row['path']).parent.name.upper()}\n" for row in _rows(unsure.folder / "key.csv")))
    apply_review(classified, unsure.folder, tmp_path / "unsure.csv", tmp_path / "eve.csv")
    assert compare_table(tmp_path / "unsure.csv", ["wt_small", "ctf18_small"]).report["drawn_review"] is None
    # and compare of it into the folder of one that had a draw leaves no table of a draw it has not
    assert cli("compare", "wt_small", "ctf18_small", "--predictions", str(tmp_path / "unsure.csv"), "--out",
               str(tmp_path / "compared")).returncode == 0
    assert not (tmp_path / "compared" / "drawn_review.csv").exists()


@pytest.mark.parametrize("by_cell", [True, False])
def test_the_open_share_corrected_by_a_draw_is_held_by_its_interval_95_times_in_100(by_cell):
    """compare's answer corrected by a drawn review (the model's open share of every call plus the review's less the
    model's on those drawn: ``drawn_review``'s ``corrected``), on 300 simulated samples whose reviewer's open share is
    known, 40%: a model that calls 30% of open chromosomes A and 10% of cohered ones open (so 34% open), 10 cells of 30
    chromosomes, their open share apart from cell to cell (or the calls as independent), 40 of the 300 drawn. The
    interval holds 40% about 95 times in 100, the estimate on it where the model's calls alone lie 6 points under."""
    rng = np.random.default_rng(7)
    held, estimates, model_shares = [], [], []
    for _ in range(300):
        open_share = np.clip(rng.normal(0.4, 0.1 if by_cell else 0.0, 10), 0, 1).repeat(30)  # each cell's
        review = rng.random(300) < open_share
        model = np.where(review, rng.random(300) > 0.3, rng.random(300) < 0.1)
        drawn = np.zeros(300, bool)
        drawn[rng.choice(300, 40, replace=False)] = True
        called = np.where(drawn, review, model)  # the table's calls: the drawn set right by the review
        rows = [{"path": f"cell{i // 30}/{i}.png" if by_cell else f"{i}.png", "sample": "wt",
                 "predicted": "B" if called[i] else "A", "p_A": 0.2 if model[i] else 0.8,
                 "p_B": 0.8 if model[i] else 0.2, "p_C": 0.0, "reviewed": "blind, drawn at random" if d else ""}
                for i, d in enumerate(drawn)]
        wt = corrected_by_draw(rows, ["wt"])["by_sample"]["wt"]  # the cells, by their folders
        # the units holding drawn calls (its degrees of freedom, one fewer): the cells drawn from, or the calls
        assert 4 <= wt["n_units"] <= 10 if by_cell else wt["n_units"] == 40
        held.append(wt["ci"][0] <= 0.4 <= wt["ci"][1])
        estimates.append(wt["open"])
        model_shares.append(wt["n_model_open"] / 300)
    assert 0.92 <= np.mean(held) <= 0.98
    assert abs(np.mean(estimates) - 0.4) < 0.01 and abs(np.mean(model_shares) - 0.34) < 0.01


def test_several_reviewers_type_one_page_each_under_their_name_unseen_by_the_others(classified, tmp_path, chromium,
                                                                                   cli):
    """The page keeps each name's types apart (a browser kept one memory of a review's page, whoever opened it: the
    second reviewer saw the first's types), and the sheet it saves names its reviewer, whom agreement names so."""
    write_review(classified, tmp_path / "review", every=True)
    dom = _driven(tmp_path / "review", chromium, REVIEWERS)
    sheets = {name: list(csv.DictReader(html.unescape(text).splitlines()))
              for name, text in re.findall(r'<pre id="([\w-]+)">(number,.*?)</pre>', dom, re.S)}
    assert list(sheets) == ["bob-opened", "bob", "ann", "ann-again", "cy"]
    typed = {name: [row["type"] for row in rows[:3]] for name, rows in sheets.items()}
    assert typed == {"bob-opened": ["", "", ""], "bob": ["A", "", ""], "ann": ["B", "C", ""],
                     "ann-again": ["B", "C", ""], "cy": ["", "", ""]}
    assert {name: {row["reviewer"] for row in rows} for name, rows in sheets.items()} == {
        "bob-opened": {"bob"}, "bob": {"bob"}, "ann": {"ann"}, "ann-again": {"ann"}, "cy": {"Cy_Lee_PhD"}}
    assert '<p id="button">Save review-Cy_Lee_PhD.csv</p>' in dom  # the file it saves, named as the button says
    for name in ("ann", "bob"):  # saved by the browser under names of its own
        with open(tmp_path / f"download {name == 'bob'}.csv", "w", newline="") as handle:
            table = csv.DictWriter(handle, fieldnames=list(sheets[name][0]))
            table.writeheader()
            table.writerows(sheets[name])
    both = review_agreement(classified, tmp_path / "review", [tmp_path / "download False.csv",
                                                             tmp_path / "download True.csv"])
    assert [(pair["first"], pair["second"], pair["n_both"]) for pair in both["pairs"]] == [
        ("ann", "bob", 1), ("ann", "model", 2), ("bob", "model", 1)]
    # applied one after the other, each call keeps the name of whoever typed it last, and compare says who reviewed
    key = {row["number"]: row["path"] for row in _rows(tmp_path / "review" / "key.csv")}
    after_ann, after_both = tmp_path / "ann_applied.csv", tmp_path / "both_applied.csv"
    applied = cli("apply-review", str(classified), str(tmp_path / "review"), "--sheet",
                  str(tmp_path / "download False.csv"), "--out", str(after_ann))
    assert applied.returncode == 0 and "2 types given in the review by ann, " in applied.stderr, applied.stderr
    apply_review(after_ann, tmp_path / "review", after_both, tmp_path / "download True.csv")
    by_whom = {row["path"]: (row["reviewed"], row["reviewer"]) for row in _rows(after_both)}
    assert [by_whom[key[number]] for number in ("1", "2", "3")] == [("blind", "bob"), ("blind", "ann"), ("", "")]
    assert sum(reviewer != "" for _, reviewer in by_whom.values()) == 2
    compared = compare_table(after_both, ["wt_small", "ctf18_small"], confusion=None).report
    assert sorted(compared["reviewers"]) == ["ann", "bob"]
    assert f"blind review (sccscore review) by {' and '.join(compared['reviewers'])} of " in by_hand_sentence(compared)
    # applied together, their consensus: the types all who typed a call gave it alike, with their names; a call typed
    # differently is left as called, and named by its number, to be settled together
    (tmp_path / "cy.csv").write_text(f"number,type\n2,{sheets['ann'][1]['type']}\n")  # typed by hand: named by file
    together = tmp_path / "together.csv"
    given = [part for name in ("download False.csv", "download True.csv", "cy.csv")
             for part in ("--sheet", str(tmp_path / name))]
    run = cli("apply-review", str(classified), str(tmp_path / "review"), *given, "--out", str(together))
    said = " ".join(run.stderr.split())
    assert run.returncode == 0 and "1 type given alike in the review by ann, bob and cy, " in said, run.stderr
    assert (f"1 call typed differently, left as called: number 1 on {tmp_path / 'review' / 'review.html'}; settle them "
            f"together ({tmp_path / 'review' / 'disagreed.csv'} lists them, each's type beside; type the one settled "
            f"on in its type column) and apply it to {together} with --sheet") in said
    by_whom = {row["path"]: (row["predicted"], row["reviewed"], row["reviewer"]) for row in _rows(together)}
    called = {row["path"]: row["predicted"] for row in _rows(classified)}
    assert by_whom[key["1"]] == (called[key["1"]], "", "")
    assert by_whom[key["2"]] == (sheets["ann"][1]["type"], "blind", "ann;cy")
    compared = compare_table(together, ["wt_small", "ctf18_small"], confusion=None).report
    assert compared["reviewers"] == ["ann", "cy"] and " by ann and cy of " in by_hand_sentence(compared)
    assert compared["reviewed_together"] == 1 and ("; where more than one typed a call (1 call), it was given the type "
                                                   "they gave it alike, or settled on together.") in methods(compared)
    # the sheet of the calls typed differently, each's type beside: the type settled on typed in it, it is applied as
    # theirs together; typed, it is not written over
    disagreed = _rows(tmp_path / "review" / "disagreed.csv")
    assert [(row["number"], row["type"], row["reviewer"], row["by ann"], row["by bob"]) for row in disagreed] == [
        ("1", "", "ann;bob", sheets["ann"][0]["type"], sheets["bob"][0]["type"])]
    disagreed[0]["type"] = "C"
    _write(tmp_path / "review" / "disagreed.csv", disagreed)
    settled = cli("apply-review", str(together), str(tmp_path / "review"), "--sheet",
                  str(tmp_path / "review" / "disagreed.csv"), "--out", str(tmp_path / "settled.csv"))
    assert settled.returncode == 0 and "1 type given in the review by ann and bob, " in settled.stderr
    assert {row["path"]: (row["predicted"], row["reviewer"]) for row in _rows(tmp_path / "settled.csv")}[key["1"]] == (
        "C", "ann;bob")
    again = cli("apply-review", str(classified), str(tmp_path / "review"), *given, "--out", str(together))
    assert f"{tmp_path / 'review' / 'disagreed.csv'}, holding types typed already, is kept" in " ".join(
        again.stderr.split())
    assert _rows(tmp_path / "review" / "disagreed.csv") == disagreed
    # sheets that type no call apart: a disagreed.csv an earlier apply left is said where typed, else removed, as its
    # calls would read as these sheets' to settle
    (tmp_path / "dan.csv").write_text("number,type\n" + "".join(f"{row['number']},{row['type']}\n"
                                                             for row in sheets["ann"]))  # typed as ann typed
    alike = ["--sheet", str(tmp_path / "download False.csv"), "--sheet", str(tmp_path / "dan.csv")]
    agreeing = cli("apply-review", str(classified), str(tmp_path / "review"), *alike, "--out", str(together))
    assert agreeing.returncode == 0 and (f"caution: {tmp_path / 'review' / 'disagreed.csv'} holds types settled on "
                                         f"after an earlier apply; these sheets typed no call apart, so {together} "
                                         "has none to settle") in " ".join(agreeing.stderr.split())
    _write(tmp_path / "review" / "disagreed.csv", [row | {"type": ""} for row in disagreed])
    agreeing = cli("apply-review", str(classified), str(tmp_path / "review"), *alike, "--out", str(together))
    assert agreeing.returncode == 0 and "caution" not in agreeing.stderr
    assert not (tmp_path / "review" / "disagreed.csv").exists()
    # one reviewer's sheet saved again (the browser's "(1)"), given beside the first: she would agree with herself
    shutil.copy(tmp_path / "download False.csv", tmp_path / "download False (1).csv")
    resaved = cli("apply-review", str(classified), str(tmp_path / "review"), *given[:2], "--sheet",
                  str(tmp_path / "download False (1).csv"), "--out", str(tmp_path / "no.csv"))
    assert resaved.returncode == 2 and not (tmp_path / "no.csv").exists()
    assert (f"{tmp_path / 'download False.csv'} and {tmp_path / 'download False (1).csv'} were both saved by ann: "
            "give each reviewer's sheet once (the last saved, where one was saved again)") in " ".join(
        resaved.stderr.split())
    with pytest.raises(SccscoreError, match="cy.csv: given twice; give each reviewer's sheet once"):
        apply_review(classified, tmp_path / "review", tmp_path / "no.csv", [tmp_path / "cy.csv", tmp_path / "cy.csv"])
    with pytest.raises(SccscoreError, match="cy.csv: given twice"):  # one sheet, named two ways
        apply_review(classified, tmp_path / "review", tmp_path / "no.csv",
                     [tmp_path / "cy.csv", os.path.relpath(tmp_path / "cy.csv")])
    # the blank sheet review wrote, given beside another: its reviewer would read as agreeing with every type given
    blank = cli("apply-review", str(classified), str(tmp_path / "review"), "--sheet", str(tmp_path / "cy.csv"),
                "--sheet", str(tmp_path / "review" / "review.csv"), "--out", str(tmp_path / "no.csv"))
    assert blank.returncode == 2 and not (tmp_path / "no.csv").exists()
    assert (f"{tmp_path / 'review' / 'review.csv'}: types none of the calls: the sheet review.html saves goes to the "
            "browser's downloads folder") in " ".join(blank.stderr.split())


def test_agreement_takes_the_cells_as_the_units_where_the_crops_cells_are_known(classified, tmp_path, cli):
    """The table's cells (its cell column, as a spread's metaphases give it): the share's interval Korn and Graubard's
    on the cells, kappa's the delete-one-cell jackknife's, as scikit-learn's kappa of each cell left out and scipy's t
    give it; with one crop's cell unknown, the crops as independent."""
    rows = _rows(classified)
    in_cell = {row["path"]: f"cell{i % 12 // 3 + 1}" for i, row in enumerate(rows)}  # each sample's 12 in 4 cells
    celled = tmp_path / "celled.csv"
    _write(celled, [row | {"cell": in_cell[row["path"]]} for row in rows])
    write_review(celled, tmp_path / "review", every=True)
    key = _rows(tmp_path / "review" / "key.csv")
    # a draw from it counts the cells its calls lie in, the units a drawn review gives each sample
    drawn = write_review(celled, tmp_path / "drawn", drawn=12, seed=1)
    drawn_in = {(row["sample"], in_cell[row["path"]]) for row in _rows(tmp_path / "drawn" / "key.csv")}
    assert drawn.drawn_unit == "cell" and drawn.drawn_units == {
        sample: sum(one == sample for one, _ in drawn_in) for sample in ("wt_small", "ctf18_small")}
    assert drawn.drawn_units != drawn.drawn  # fewer cells than calls: some cell gave two
    assert drawn.units == {"wt_small": 4, "ctf18_small": 4}
    # a draw from 2 cells of 4 is cautioned, to draw more; of a sample of 3 cells in all, drawing more gives nothing
    few = cli("review", str(celled), "--out", str(tmp_path / "few"), "--sample", "2")
    assert few.returncode == 0 and "caution: the calls drawn lie in fewer than 4 cells of wt_small (" in few.stderr
    three = tmp_path / "three.csv"
    _write(three, [row | {"cell": f"cell{i % 12 // 4 + 1}"} for i, row in enumerate(rows)])
    few = cli("review", str(three), "--out", str(tmp_path / "three"), "--sample", "2")
    assert few.returncode == 0 and "caution" not in few.stderr
    labels = {row["number"]: Path(row["path"]).parent.name.upper() for row in key}
    shifted = {n: {"A": "B", "B": "C", "C": "B"}[label] if int(n) % 3 == 0 else label for n, label in labels.items()}
    for name, types in (("ann", labels), ("bob", shifted)):
        (tmp_path / f"{name}.csv").write_text("number,type\n" + "".join(f"{n},{t}\n" for n, t in types.items()))
    run = cli("agreement", str(celled), str(tmp_path / "review"), str(tmp_path / "ann.csv"), str(tmp_path / "bob.csv"),
              "--json", str(tmp_path / "agreement.json"))
    assert run.returncode == 0, run.stderr
    pair = json.loads((tmp_path / "agreement.json").read_text())["pairs"][0]
    cell_of = {row["number"]: f"{row['sample']}/{in_cell[row['path']]}" for row in key}
    numbers = {cell: i for i, cell in enumerate(dict.fromkeys(cell_of[row["number"]] for row in key))}
    assert (pair["first"], pair["second"], pair["n_both"], pair["n_cells"]) == ("ann", "bob", 24, 8)
    same = [sum(labels[n] == shifted[n] for n in labels if numbers[cell_of[n]] == i) for i in range(8)]
    assert pair["same_ci"] == pytest.approx(clustered_interval(same, [3] * 8))
    wilson = proportion_confint(sum(same), 24, method="wilson")
    assert pair["same_ci"][0] < wilson[0] and pair["same_ci"][1] > wilson[1]  # the cells differ: wider
    left_one_out = np.array([cohen_kappa_score(*([types[n] for n in labels if numbers[cell_of[n]] != i]
                                                  for types in (labels, shifted))) for i in range(8)])
    error = np.sqrt(7 / 8 * np.sum((left_one_out - left_one_out.mean()) ** 2))
    half = scipy.stats.t.ppf(0.975, 7) * error
    assert pair["kappa_ci"] == pytest.approx([pair["kappa"] - half, pair["kappa"] + half])
    # and how far ann leans to each type, the same jackknife of her share less bob's, the cells left out in turn
    for t, interval in zip("ABC", pair["lean_ci"]):
        lean = np.mean([(labels[n] == t) - (shifted[n] == t) for n in labels])
        left_one_out = np.array([np.mean([(labels[n] == t) - (shifted[n] == t) for n in labels
                                          if numbers[cell_of[n]] != i]) for i in range(8)])
        half = scipy.stats.t.ppf(0.975, 7) * np.sqrt(7 / 8 * np.sum((left_one_out - left_one_out.mean()) ** 2))
        assert interval == pytest.approx([lean - half, lean + half])
    # each sample's open lean, its 4 cells left out in turn (t on 3 degrees); the two samples' leans apart on Welch's
    open_less, errors = {}, {}
    for sample in ("wt_small", "ctf18_small"):
        in_sample = [n for n in labels if cell_of[n].startswith(f"{sample}/")]
        open_less[sample] = np.mean([(labels[n] != "A") - (shifted[n] != "A") for n in in_sample])
        left_one_out = np.array([np.mean([(labels[n] != "A") - (shifted[n] != "A") for n in in_sample
                                          if cell_of[n] != cell]) for cell in dict.fromkeys(cell_of[n] for n in
                                                                                            in_sample)])
        errors[sample] = np.sqrt(3 / 4 * np.sum((left_one_out - left_one_out.mean()) ** 2))
        half = scipy.stats.t.ppf(0.975, 3) * errors[sample]
        assert pair["open_by_sample"][sample]["lean_ci"] == pytest.approx([open_less[sample] - half,
                                                                           open_less[sample] + half])
    error = np.hypot(*errors.values())
    degrees = error**4 / sum(e**4 / 3 for e in errors.values())
    gap, half = open_less["ctf18_small"] - open_less["wt_small"], scipy.stats.t.ppf(0.975, degrees) * error
    assert pair["samples_apart"]["ctf18_small"]["ci"] == pytest.approx([gap - half, gap + half])
    said = " ".join(run.stdout.split())
    assert said.startswith("on the 24 of the 24 calls the review showed, the cells taken as the units: a cell's "
                           "chromosomes are not independent")
    assert f"ann and bob 24 {100 * sum(same) / 24:.1f} ({100 * pair['same_ci'][0]:.1f}-" in said
    # the same cells named by a sample sheet (image, cell), the table without them: the same figures
    (tmp_path / "cells.csv").write_text("image,cell\n" + "".join(f"{path},{cell}\n" for path, cell in in_cell.items()))
    review_dir, ann_bob, plain = tmp_path / "review", [tmp_path / "ann.csv", tmp_path / "bob.csv"], tmp_path / "p.csv"
    _write(plain, rows)  # the table the review was written from, without its cell column
    run = cli("agreement", str(plain), str(review_dir), *map(str, ann_bob), "--cells", str(tmp_path / "cells.csv"),
              "--json", str(tmp_path / "by_sheet.json"))
    assert run.returncode == 0, run.stderr
    assert json.loads((tmp_path / "by_sheet.json").read_text())["pairs"][0] == pair
    assert " ".join(run.stdout.split()).startswith("on the 24 of the 24 calls the review showed, the cells taken as")
    without = review_agreement(plain, review_dir, ann_bob)["pairs"][0]
    assert without["n_cells"] is None and without["same_ci"] == pytest.approx(list(wilson))
    with pytest.raises(SccscoreError, match=r"cells.csv: the table gives every chromosome's cell already"):
        review_agreement(celled, review_dir, ann_bob, sample_sheet=read_sample_sheet(tmp_path / "cells.csv"))
    # one crop in no cell: the crops as independent
    lone = tmp_path / "lone.csv"
    _write(lone, [row | {"cell": "" if row is rows[0] else in_cell[row["path"]]} for row in rows])
    some = review_agreement(lone, tmp_path / "review", [tmp_path / "ann.csv", tmp_path / "bob.csv"])["pairs"][0]
    assert some["n_cells"] is None and some["same_ci"] == pytest.approx(list(wilson))
