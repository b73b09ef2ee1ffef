"""report.html on real crops, opened in headless Chromium."""

import base64
import csv
import html
import io
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import stats as scipy_stats

from sccscore.compare import compare
from sccscore.evaluate import BACKGROUND_TEXTURE, RELEASED_JPEG, UNSEEN_IN_BRIEF
from sccscore.explain import explain
from sccscore.images import ImageItem
from sccscore.models import load_model
from sccscore.report import _comparison_section, _contents, _distinct, write_report
from sccscore.version import code_version

# Injected into a copy of the report: after load, count images that failed to decode.
CHECK = """<script>window.addEventListener("load", () => {
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt);
  document.body.insertAdjacentHTML("beforeend",
    `<div id="check">images=${document.images.length} broken=${JSON.stringify(broken)}</div>`);
});</script>"""


@pytest.fixture
def report(small_labelled, labelled_crops, tmp_path, cli):
    ctf18 = labelled_crops("ctf18", 5, "ctf18")
    out = tmp_path / "out"
    result = cli("compare", str(small_labelled), str(ctf18), "--model", "paper:squeezenet1_1/1", "--out", str(out),
                 "--report", "-q")
    assert result.returncode == 0, result.stderr
    return out / "report.html"


def test_report_is_self_contained(report):
    page = report.read_text()
    sources = re.findall(r"<img [^>]*src='([^']*)'", page)
    assert len(sources) >= 5 and all(source.startswith("data:image/png;base64,") for source in sources)
    assert "wt_small" in page and "Tests against wt_small" in page and "Least certain chromosomes" in page
    assert "chromosome level" in page
    # the answer first, then what it rests on: the settings close the page, as a paper's methods
    assert page.index("Tests against wt_small") < page.index("Least certain chromosomes") < page.index("<h2>Settings")
    (scored_with,) = re.findall(r"<td>scored with</td><td>([^<]*)</td>", page)
    assert scored_with.endswith(("bfloat16, near ties scored again in float32", "float32"))
    assert (report.parent / "distribution.png").stat().st_size > 1000
    assert (report.parent / "distribution.svg").read_text().lstrip().startswith("<?xml")


def test_report_renders_in_chromium_without_errors(report, tmp_path, chromium):
    checked = tmp_path / "checked.html"
    checked.write_text(report.read_text().replace("</body>", CHECK + "</body>"))
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
               "--virtual-time-budget=10000"]
    dom = subprocess.run([*command, "--dump-dom", checked.as_uri()], capture_output=True, text=True, timeout=120)
    (summary,) = re.findall(r'<div id="check">(images=\d+[^<]*)</div>', dom.stdout)
    n_images = int(re.search(r"images=(\d+)", summary).group(1))
    assert n_images >= 5 and summary.endswith("broken=[]"), summary
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console
    screenshot = tmp_path / "report.png"
    subprocess.run([*command, f"--screenshot={screenshot}", "--window-size=1200,2400", report.as_uri()],
                   capture_output=True, timeout=120, check=True)
    with Image.open(screenshot) as image:
        assert image.size == (1200, 2400)
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 100  # not a blank page


def test_a_sample_named_in_japanese_keeps_its_name_on_one_line_in_the_reports_tables(tmp_path, chromium):
    """A browser breaks Japanese text between any two characters: in a table squeezed by its figures the report's
    style keeps a name whole, wrapping at spaces only (without it: "CTF18欠" over "損")."""
    from sccscore.report import STYLE

    rows = "".join(f"<tr><td>{name}</td><td>A 4.4e-24, B 3.9e-05, C 1.1e-38</td><td>-55.4 (-65.0 to -44.6)</td></tr>"
                   for name in ("野生型", "CTF18欠損"))
    lines = """<script>window.addEventListener("load", () => {
      const count = cell => { const range = document.createRange(); range.selectNodeContents(cell);
                              return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; };
      const cells = [...document.querySelectorAll("td")].map(count);
      document.body.insertAdjacentHTML("beforeend", `<div id="lines">${cells.join(",")}</div>`); });</script>"""
    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>"
                    f"<table style='width: 14rem'>{rows}</table>{lines}</body></html>", encoding="utf-8")
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    (shown,) = re.findall(r'<div id="lines">([\d,]+)</div>', dom.stdout)
    names, figures = shown.split(",")[::3], shown.split(",")[1::3]
    assert names == ["1", "1"] and all(int(lines) > 1 for lines in figures), shown  # the figures, squeezed, wrap


def test_a_report_printed_keeps_each_heading_with_what_it_heads_and_each_tables_header_on_its_pages(tmp_path,
                                                                                                   chromium):
    """Printed, or saved as PDF for a lab book, from the browser: a heading and its note never end a page, and a table
    running over pages repeats its header on each. Headings are placed at each height down a page in turn."""
    from pypdf import PdfReader

    from sccscore.report import STYLE, _table

    heights = range(800, 1000, 8)  # a page's text is about 980 px high
    chapters = "".join(f"<div style='break-before: page; height: {height}px'>blank</div><h2>Heading {height}</h2>"
                       f"<p class='note'>Note {height}.</p>"
                       + _table(["chromosome", "call"], [[f"{height}-{n}", "A"] for n in range(40)])
                       for height in heights)
    page = tmp_path / "page.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>"
                    f"{chapters}</body></html>", encoding="utf-8")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={tmp_path / 'page.pdf'}", page.as_uri()], capture_output=True, timeout=120,
                   check=True)
    pages = [[line for line in page.extract_text().splitlines() if line.strip()]
             for page in PdfReader(tmp_path / "page.pdf").pages]
    assert len(pages) > 2 * len(heights)  # each table runs over a page
    ends = [lines[-1] for lines in pages]
    assert not [end for end in ends if end.startswith(("Heading", "Note")) or end == "chromosome call"], ends
    continued = [lines[0] for lines in pages if lines[0] != "blank" and not lines[0].startswith("Heading")]
    assert len(continued) >= len(heights) and set(continued) == {"chromosome call"}, continued


def test_an_image_given_twice_is_said_on_screen_and_in_the_report(small_labelled, tmp_path, cli):
    # a crop copied into a second folder (or saved twice) counts as a second chromosome: the lab should know
    first = sorted((small_labelled / "b").iterdir())[0]
    copy = small_labelled / "c" / "copy.jpg"
    shutil.copy(first, copy)
    out = tmp_path / "classified"
    options = ["--model", "paper:squeezenet1_1/2", "--out", str(out), "--report", "-q"]
    result = cli("classify", str(small_labelled), *options)
    assert result.returncode == 0, result.stderr
    assert (f"warning: the same image is given twice ({first}, {copy}): each copy counts as a chromosome of its own; "
            "keep one") in " ".join(result.stderr.split())
    page = (out / "report.html").read_text()
    assert f"<li>wt_small/b/{first.name} = wt_small/c/copy.jpg</li>" in page  # by their folders within the sample
    assert "The same chromosomes were scored more than once, and each time counted" in page
    # and it does not fill two places of a type's gallery: the most confident crops are told apart by content
    second = sorted((small_labelled / "b").iterdir())[1]
    rows = [{"path": str(path)} for path in (first, copy, second)]
    contents = _contents(rows)  # each file read once for the report
    assert _distinct(rows, 2, contents) == [rows[0], rows[2]] and _distinct(rows[:1], 2, contents) == rows[:1]
    copy.unlink()  # without it, nothing is said
    again = cli("classify", str(small_labelled), *options)
    assert "the same image" not in again.stderr and "scored more than once" not in (out / "report.html").read_text()


def test_classify_report_without_comparison(small_labelled, tmp_path, cli):
    out = tmp_path / "classified"
    result = cli("classify", str(small_labelled), "--model", "paper:squeezenet1_1/2", "--out", str(out), "--report",
                 "-q")
    assert result.returncode == 0, result.stderr
    page = (out / "report.html").read_text()
    assert "Agreement with the labels" in page and "Tests against" not in page
    # its methods: what typed the crops, and the shares' intervals; no test, for none was run
    assert ("<p class='methods'>Chromosomes cut from metaphase spreads were typed A (sisters cohered), B (arms open) "
            "or C (sisters apart at the centromere) by SqueezeNet 1.1 model 2 of those released by Ikemoto et al. (Sci "
            f"Rep 13, 2023), with sccscore {code_version()}. Each sample&#x27;s share of each type is given with a 95% "
            "Wilson interval.</p>") in page
    # what to expect of a released model whole, under a heading of its own, where the terminal says in a sentence
    # what no eye sees
    assert "<h2>How far to trust these calls</h2><div class='expected'><ul><li>What to expect: on the paper" in page
    assert all(html.escape(point) in page for point in (BACKGROUND_TEXTURE, RELEASED_JPEG))
    assert html.escape(UNSEEN_IN_BRIEF) not in page
    rows = list(csv.DictReader((out / "predictions.csv").read_text().splitlines()))
    same, opened = ([f(r["label"]) == f(r["predicted"]) for r in rows] for f in (str, lambda t: t != "A"))
    # with its Wilson interval, from scipy's normal quantile: 12 crops say little about the model
    k, n, z = sum(same), len(rows), scipy_stats.norm.ppf(0.975)
    centre, half = (k + z * z / 2) / (n + z * z), z * math.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    assert f"concordance {k / n:.3f} (95% CI {centre - half:.3f}-{centre + half:.3f}) on {n} labelled crops; open " \
           f"(B or C) or cohered (A) as labelled {sum(opened) / n:.3f}</p>" in page
    assert page.count("data:image/png;base64,") >= 13  # galleries and the 12 least certain crops
    # each type's Grad-CAM gallery captions its tiles: the first, the most confident crop of the type, by its sample,
    # its path within the sample's folder and its probability, in the page's text (a caption drawn into the image was
    # cut to the tile's width)
    calls = [row for row in rows if row["predicted"] == "A"]
    first = sorted(calls, key=lambda row: -float(row["p_A"]))[0]
    # under a heading that says which of the crops called A it shows
    assert len(calls) == 9  # of the 12 crops: 6 shown
    name = f"wt_small/{Path(first['path']).relative_to(small_labelled).as_posix()}"  # wt_small/a/a003.jpg
    tile = re.search(r"<figure class='gallery'><figcaption>type A: the 6 most confident of the 9 crops called A"
                     rf"</figcaption><figure class='heatmap'><img class='heatmap' alt='{name}' "
                     rf"src='data:image/png;base64,([^']+)'><figcaption>{name.replace('/', '/<wbr>')}"
                     rf"<br>A {float(first['p_A']):.2f}"
                     r"</figcaption></figure>", page).group(1)
    with Image.open(io.BytesIO(base64.b64decode(tile))) as image:
        assert image.size == (128, 128)
        drawn = np.asarray(image.convert("RGB"), dtype=int)
    # and the tile is that crop's Grad-CAM overlay for type A, not another crop's: within a grey level of the overlay
    # explain gives it alone (the report explained six a batch), far from the next crop's
    second = sorted(calls, key=lambda row: -float(row["p_A"]))[1]
    items = [ImageItem(Path(row["path"]), "wt_small") for row in (first, second)]
    overlays = [np.asarray(Image.fromarray(e.overlay).resize((128, 128), Image.BILINEAR), dtype=int)
                for e in explain(load_model("paper:squeezenet1_1/2"), items, types=["A", "A"])[0]]
    assert np.abs(drawn - overlays[0]).max() <= 1 and np.abs(drawn - overlays[1]).mean() > 10
    sure = [max(float(row[f"p_{c}"]) for c in "ABC") for row in rows]
    assert min(sure) < 0.9 and ("<p class='note'>The crops the model was least sure of: worth a look by eye.</p>"
                                in page)
    # the crop set right by hand to B shows in B's gallery with the model's probability of B, and says it was set so;
    # the calls under 0.9 typed in a blind review, those left are said to be sure, not worth a look
    hand = tmp_path / "hand.csv"
    with open(hand, "w", newline="") as handle:
        table = csv.DictWriter(handle, fieldnames=[*rows[0], "reviewed"])
        table.writeheader()
        table.writerows(row | {"predicted": "B"} if row is first else row | {"reviewed": "blind" if p < 0.9 else ""}
                        for row, p in zip(rows, sure))
    by_hand = write_report(tmp_path / "hand", load_model("paper:squeezenet1_1/2"), predictions=hand).read_text()
    assert (f"<figcaption>{name.replace('/', '/<wbr>')}<br>B {float(first['p_B']):.2f}, set by hand</figcaption>"
            in by_hand.split("<figcaption>type B: ")[1])
    left = [p for row, p in zip(rows, sure) if p >= 0.9 and row is not first]
    assert (f"<p class='note'>The crops the model was least sure of, leaving out {len(rows) - len(left)} calls a "
            f"person typed: every call left is 0.9 sure or more (the least {min(left):.2f}).</p>") in by_hand
    # what to expect of released model 2's calls, from its figures on the paper's test crops (240 + 84 + 13 of 489 WT,
    # 65 + 143 + 53 of 417 CTF18-/-: tools/record_released_figures.py)
    assert ("What to expect: on the paper&#x27;s labelled test crops of TK6 cells, which the released models did not "
            "learn from, paper:squeezenet1_1/2 gave the labelled type to 68.9% of the 489 WT chromosomes (95% interval "
            "64.7-72.9%) and 62.6% of the 417 CTF18-/- chromosomes (95% interval 57.9-67.1%)") in page
    # the crops moved since classify (or named relative to another folder than the one the report is written from):
    # said, where their examples and thumbnails were left out in silence
    small_labelled.rename(small_labelled.with_name("moved"))
    with pytest.warns(UserWarning, match=rf"^12 of the 12 images scored cannot be read now, such as "
                                         rf"{re.escape(rows[0]['path'])} \(moved or renamed since classify"):
        page = write_report(tmp_path / "again", load_model("paper:squeezenet1_1/2"),
                            predictions=out / "predictions.csv").read_text()
    assert "<p>12 of the 12 images scored cannot be read now, such as " in page
    assert "Grad-CAM example or thumbnail of them, and cannot say whether the model learned them; write it from the " \
           "folder classify ran in.</p>" in page


def test_report_of_a_table_typed_by_hand_leaves_out_what_needs_the_models_probabilities(small_labelled, tmp_path,
                                                                                         cli, cli_imports):
    # a table a lab typed itself (path, sample, type) is compared like classify's: no gallery of the model's most
    # confident calls, no least certain ones, where the model gave none (it failed with a traceback)
    crops = sorted(path for path in small_labelled.rglob("*") if path.is_file())[:8]
    table = tmp_path / "typed.csv"
    table.write_text("path,sample,predicted\n" + "".join(f"{p},{'wt' if i < 4 else 'ko'},{'AB'[i >= 4]}\n"
                                                          for i, p in enumerate(crops)))
    # no model typed these calls: none is named, nor loaded (a lab without the released models still gets a report)
    nowhere = {"SCCSCORE_DATA": str(tmp_path / "no-data"), "SCCSCORE_CACHE": str(tmp_path / "no-cache"),
               "SCCSCORE_DATA_URL": "http://127.0.0.1:9/"}
    run, imported = cli_imports("compare", "wt", "ko", "--predictions", str(table), "--out", str(tmp_path / "out"),
                                "--report", env=nowhere)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "out" / "report.html").read_text()
    assert "<h2>Tests against wt</h2>" in page and "Grad-CAM" not in page and "Least certain" not in page
    assert "<td>model</td><td>none: the calls are the table&#x27;s, typed by hand</td>" in page
    # nothing ran a model: no model runtime is imported (2.2 s and 630 MB of a 4.7 s report) nor listed among the
    # versions, which name the statistics libraries instead
    assert not {"torch", "onnxruntime", "openvino"} & set(imported)
    assert "<td>torch</td>" not in page and "<td>scipy</td>" in page and "<td>statsmodels</td>" in page
    # 4 chromosomes against 4: the tests' p counted exactly, and the page says why
    assert "exact chi-square p = 0.029" in page and "(exact): a type is expected fewer than 5 times" in page
    # samples all of one type: no shift to test, so no power figure ("None chromosomes per sample" before)
    table.write_text("path,sample,predicted\n"
                     + "".join(f"{p},{'wt' if i < 4 else 'ko'},A\n" for i, p in enumerate(crops)))
    alike = cli("compare", "wt", "ko", "--predictions", str(table), env=nowhere)
    assert alike.returncode == 0 and "trend p = 1, Cramer's V 0.00\n" in alike.stdout and "None" not in alike.stdout


def test_charts_colour_each_type_as_the_spreads_overlays_do(tmp_path):
    """A biologist reads the A/B/C chart beside the overlays: type A is one colour in both, and so are B and C."""
    import numpy as np
    from PIL import ImageColor

    from sccscore.compare import compare
    from sccscore.plots import plot_distributions
    from sccscore.spreads import TYPE_COLOURS  # the overlays' boxes

    path = tmp_path / "distribution.png"
    plot_distributions(compare({"WT": np.array([40, 5, 3]), "KO": np.array([12, 25, 11])}, "WT"), [path])
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    drawn = {cls: int((pixels == ImageColor.getrgb(colour)).all(axis=1).sum()) for cls, colour in TYPE_COLOURS.items()}
    assert min(drawn.values()) > 500, drawn  # each type's bars, and its square in the legend


def test_a_type_no_chromosome_of_a_sample_has_is_charted(tmp_path):
    """Found on three wild-type spreads with no type C: 0 of 141 had a Wilson lower bound of 1.7e-18, above its share
    of 0 by rounding, and the chart's error bar (share less bound) was negative, which matplotlib refuses."""
    import numpy as np

    from sccscore.compare import compare
    from sccscore.plots import plot_distributions

    comparison = compare({"wt": np.array([134, 7, 0]), "ko": np.array([92, 2, 0])}, "wt")
    low, high = comparison["groups"]["wt"]["ci"]
    assert low[2] == 0.0 and high[2] == pytest.approx(0.0265, abs=1e-4)
    path = tmp_path / "distribution.png"
    plot_distributions(comparison, [path])
    with Image.open(path) as chart:
        assert chart.size[0] > 100


def test_figures_draw_sample_names_in_the_labs_own_script(tmp_path):
    """Japanese names are drawn from a fallback font (CI installs WenQuanYi Micro Hei), not as boxes; characters no
    font has are said once for the PNG and SVG."""
    import numpy as np

    from matplotlib import font_manager

    from sccscore.compare import compare
    from sccscore.plots import font_families, plot_distributions

    assert font_families(font.name for font in font_manager.fontManager.ttflist)[1:], (
        "no font with Japanese: apt-get install fonts-wqy-microhei, then remove ~/.cache/matplotlib, where matplotlib "
        "keeps the fonts it found")

    def drawn(reference: str) -> np.ndarray:
        counts = {reference: np.array([40, 5, 3]), "CTF18-/-": np.array([12, 25, 11])}
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.png"
        plot_distributions(compare(counts, reference), [path, path.with_suffix(".svg")])
        return np.asarray(Image.open(path).convert("L"))

    # boxes in place of missing characters would draw these two names alike
    assert not np.array_equal(drawn("野生型"), drawn("生野型"))
    # and a "$" drawn as typed, not as the start of maths, which drops spaces: both had read "KO 2x"
    assert not np.array_equal(drawn("KO $2 x$"), drawn("KO $2x$"))
    with pytest.warns(UserWarning, match="no font on this machine draws 𓀀, so it has boxes") as caught:
        drawn("WT 𓀀")  # an Egyptian hieroglyph, in no font here
    assert len(caught) == 1


def test_tests_of_several_samples_say_the_p_values_are_adjusted_and_the_intervals_not():
    """Two knockouts against WT: the chi-square p-values in brackets are Holm's, which the verdicts read; the B+C
    difference's interval beside them is each sample's own 95%, which a reader would take for adjusted alike."""
    counts = {"wt": np.array([60, 35, 5]), "ko1": np.array([20, 55, 25]), "ko2": np.array([45, 41, 14])}
    comparison = compare(counts, "wt")
    section = _comparison_section(comparison, b"", None)
    assert ("<p class='note'>Several samples were each tested against the reference: the p-values in brackets are "
            "Holm-adjusted over them, so that the chance of any false difference stays at 5%, and the verdicts read "
            "those; the intervals are each sample's own 95%, not adjusted.</p>") in section
    # ko1's p doubled by Holm's first step (scipy's chi-square: 6.3e-09), ko2's, the larger, kept
    assert "<tr><td>ko1</td><td>6.3e-09 (Holm 1.3e-08)</td>" in section
    assert "<tr><td>ko2</td><td>0.032 (Holm 0.032)</td>" in section
    one = _comparison_section(compare({name: counts[name] for name in ("wt", "ko1")}, "wt"), b"", None)
    assert "Holm-adjusted over them" not in one and "(Holm " not in one
