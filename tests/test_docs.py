"""The docs say what the code does: the README's map of the modules ("Where things are") names every module, every
command line in the docs is one the command line takes, and the README's typical experiment and Python examples run as
written."""

from __future__ import annotations

import csv
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from sccscore.cli import app

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def test_the_readme_maps_every_module():
    section = (REPO / "README.md").read_text().split("### Where things are", 1)[1]
    named = set(re.findall(r"`(_?[a-z_]+)`", section))  # `detect`, not `classify --spreads` or `a/ b/ c/`
    modules = {path.stem for path in (REPO / "src" / "sccscore").glob("*.py")} - {"__init__", "__main__"}
    assert sorted(modules - named) == [], "modules the map leaves out"
    assert sorted(named - modules) == [], "names in the map that are no module"


def test_the_cautions_page_names_every_caution():
    """docs/cautions.md maps the cautions to the code that says them: every function that makes a caution is named
    there (as ``module.function``), and every function named there is one."""
    page = (REPO / "docs" / "cautions.md").read_text()
    named = set(re.findall(r"`([a-z_]+)\.(?!(?:csv|json|md|html|png)`)([a-z_]+)`", page))  # not `images.csv`
    sources = {path.stem: path.read_text() for path in (REPO / "src" / "sccscore").glob("*.py")}
    cautions = {(module, name) for module, text in sources.items()
                for name in re.findall(r"^def ([a-z][a-z_]*_cautions?)\(", text, re.M)}
    assert len(cautions) >= 15 and sorted(cautions - named) == [], "cautions the page leaves out"
    unknown = [(module, name) for module, name in named
               if not re.search(rf"^def {name}\(", sources.get(module, ""), re.M)]
    assert sorted(unknown) == [], "names that are no function"

def _command_lines(text: str) -> list[str]:
    """The ``sccscore`` lines of a text's bash blocks, each with its indented continuation lines, comments cut."""
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            code = line.split("  #", 1)[0].strip()
            if code.startswith("sccscore "):
                lines.append(code)
            elif lines and line.startswith(" ") and code.startswith(("[", "-")):
                lines[-1] += " " + code
    return lines


def _unknown_words(line: str) -> list[str]:
    """What the command line does not take in ``line``: a command it lacks, or options its command lacks."""
    words, command = line.split()[1:], typer.main.get_command(app)
    while hasattr(command, "commands") and words and words[0] in command.commands:  # groups: `data fetch`
        command = command.commands[words.pop(0)]
    if hasattr(command, "commands"):
        return [] if words[:1] == ["--version"] else words[:1] or ["(no command)"]
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b", " ".join(words)))
    return sorted(options - {name for param in command.params for name in param.opts + param.secondary_opts})


def test_every_command_line_in_the_docs_is_one_sccscore_takes():
    lines = {f"{doc.name}: {line}": line for doc in DOCS for line in _command_lines(doc.read_text())}
    assert len(lines) >= 20  # the README's Commands block alone has 19
    unknown = {where: words for where, line in lines.items() if (words := _unknown_words(line))}
    assert unknown == {}
    # and the check finds what is wrong: a command that is gone, an option that is not its command's
    assert _unknown_words("sccscore clasify wt --out x") == ["clasify"]
    assert _unknown_words("sccscore review p.csv --out d --spreads [--all]") == ["--spreads"]


def _spreads_by_sample(oshima: Path, root: Path) -> None:
    """``wt/`` and ``ko/``, two real spreads each (three metaphases in ko: spread2 holds two), as the README's
    examples lay out spreads."""
    for sample, spreads in (("wt", ("spread3", "spread5")), ("ko", ("spread1", "spread2"))):
        (root / sample).mkdir()
        for spread in spreads:
            shutil.copy(oshima / "images" / f"{spread}.png", root / sample)


@pytest.mark.slow
def test_the_readmes_typical_experiment_runs_as_written(oshima, tmp_path):
    """Each command of "A typical experiment", word for word, on two samples of real spreads; the review typed as a
    person's page would save it."""
    section = (REPO / "README.md").read_text().split("## A typical experiment", 1)[1].split("\n## ", 1)[0]
    commands = _command_lines(section)
    assert [shlex.split(line)[1] for line in commands] == ["classify", "review", "apply-review", "compare"]
    _spreads_by_sample(oshima, tmp_path)
    for line in commands:
        if line.startswith("sccscore apply-review"):  # the page's sheet: every call looked at, typed B
            with open(tmp_path / "review" / "key.csv", newline="") as handle:
                key = list(csv.DictReader(handle))
            (tmp_path / "review.csv").write_text("number,type,review\n" + "".join(
                f"{row['number']},B,{row['review']}\n" for row in key))
        run = subprocess.run([sys.executable, "-m", "sccscore", *shlex.split(line)[1:]], cwd=tmp_path,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, f"{line}\n{run.stderr}"
    assert len(key) > 10 and (tmp_path / "scored" / "overlays" / "ko" / "spread2.png").is_file()
    page = (tmp_path / "answer" / "report.html").read_text()
    assert "ko shows" in page and "all in a blind review (sccscore review) of" in " ".join(run.stdout.split())


def _python_examples() -> list[str]:
    section = (REPO / "README.md").read_text().split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def _crops_by_replicate(ikemoto: Path, root: Path) -> None:
    """``wt/`` and ``ko/`` (WT and CTF18-/- crops), each a folder per replicate (day1..3) with a folder per cell
    (cell1, cell2) of three crops, one of each type: the layout of the README's replicate example."""
    for sample, genotype in (("wt", "wt"), ("ko", "ctf18")):
        crops = {label: sorted((ikemoto / "images" / genotype / label).iterdir()) for label in "abc"}
        for number in range(6):
            cell = root / sample / f"day{number // 2 + 1}" / f"cell{number % 2 + 1}"
            cell.mkdir(parents=True)
            for label in "abc":
                shutil.copy(crops[label][number], cell)


@pytest.mark.slow
def test_the_readmes_python_examples_run_as_written(ikemoto, oshima, labelled_crops, tmp_path, monkeypatch, capsys):
    """Each block of "Python API", word for word, in a folder holding the paths it names, laid out as it says."""
    from sccscore.classify import classify
    from sccscore.models import load_model

    crops, replicates, spreads = _python_examples()
    labelled_crops("wt", 3, "data/wt")
    labelled_crops("ctf18", 3, "data/ctf18")
    monkeypatch.chdir(tmp_path)
    exec(crops, {})
    concordance, ensemble = map(float, capsys.readouterr().out.split())
    assert 0 < concordance < 1 and 0 < ensemble < 1

    (tmp_path / "replicates").mkdir()
    monkeypatch.chdir(tmp_path / "replicates")  # its own out/: a table of wt and ko with replicates
    _crops_by_replicate(ikemoto, tmp_path / "replicates")
    classify(["wt", "ko"], load_model("paper:squeezenet1_1/1"), "out")
    capsys.readouterr()
    exec(replicates, {})
    verdict, cells, days = capsys.readouterr().out.splitlines()
    assert verdict.startswith("ko ") and cells.startswith("Per cell (6 ko vs 6 wt cells)")
    assert days.startswith("Per replicate (3 ko vs 3 wt replicates), paired by name")

    _spreads_by_sample(oshima, tmp_path)
    (tmp_path / "annotated").mkdir()
    for folder in ("images", "labels"):
        (tmp_path / "annotated" / folder).symlink_to(oshima / folder)
    monkeypatch.chdir(tmp_path)
    with pytest.warns(UserWarning, match="4 of the 4 spreads scored are spreads .* was fitted on"):  # as they are
        exec(spreads, {})
    printed = capsys.readouterr().out
    assert printed.count("'metaphase'") == 5  # one in each spread, two in spread2
