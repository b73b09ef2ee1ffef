"""The README's map of the modules ("Where things are") names every module, and none that is gone."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_maps_every_module():
    section = (REPO / "README.md").read_text().split("### Where things are", 1)[1]
    named = set(re.findall(r"`(_?[a-z_]+)`", section))  # `detect`, not `classify --spreads` or `a/ b/ c/`
    modules = {path.stem for path in (REPO / "src" / "sccscore").glob("*.py")} - {"__init__", "__main__"}
    assert sorted(modules - named) == [], "modules the map leaves out"
    assert sorted(named - modules) == [], "names in the map that are no module"
