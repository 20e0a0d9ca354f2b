"""The demo on the bundled synthetic study, end to end, against a golden brief.

``tests/data/golden/demo_brief.md`` is the brief this version writes for the bundled study; a
change to the method, the templates or the synthetic data shows up here as a diff. After a
deliberate change, regenerate it with ``ISMPANEL_UPDATE_GOLDEN=1 python -m pytest
tests/test_demo_brief.py`` and read the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
import re

import pytest

from tests.helpers import DATA

GOLDEN = DATA / "golden" / "demo_brief.md"
NODE = re.compile(r'^    n\d+\["(?:[^"<>]|#quot;|#lt;|#gt;)*"\]$')
SUBGRAPH = re.compile(r'^  subgraph L\d+\["Level \d+ · (?:surface|middle|deep)"\]$')
EDGE = re.compile(r"^  n\d+ --> n\d+$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from ismpanel.cli.app import main

    folder = tmp_path_factory.mktemp("demo") / "study"
    try:
        main(["demo", "--out", str(folder)])
    except SystemExit as exc:
        assert exc.code in (0, None)
    return folder


def test_the_demo_brief_matches_the_golden_file(demo):
    text = (demo / "brief.md").read_text()
    if os.environ.get("ISMPANEL_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    golden = GOLDEN.read_text()
    diff = "".join(
        difflib.unified_diff(golden.splitlines(True), text.splitlines(True), "golden", "now", n=1)
    )
    assert text == golden, diff[:4000]


def test_the_demo_brief_has_every_section_and_says_it_is_synthetic(demo):
    text = (demo / "brief.md").read_text()
    assert text.count("**Synthetic data.**") == 1 and "Synthetic data:" in text
    for heading in (
        "## The study and the panel",
        "## ISM hierarchy",
        "## MICMAC",
        "## Configurations (fsQCA)",
        "### Necessity",
        "### Truth table",
        "## Recommendations",
        "### Policy",
        "### Technology",
        "### Data",
        "### Users",
        "## Methods",
        "## Data provenance",
    ):
        assert heading in text, heading
    assert (demo / "brief.micmac.svg").read_bytes().startswith(b"<?xml")
    assert (
        "Tied pairs (an arc with exactly half of the votes is not kept):" in text
    )  # E4 left four hard pairs blank: ties occur
    assert "core present in C" in text  # the configurations reach the recommendations


def test_the_mermaid_diagram_renders_on_github_and_gitlab(demo):
    text = (demo / "brief.md").read_text()
    block = text.split("```mermaid\n")[1].split("```")[0].splitlines()
    assert block[0] == "flowchart BT"
    for line in block[1:]:
        assert NODE.match(line) or SUBGRAPH.match(line) or EDGE.match(line) or line == "  end", line
    labels = [line for line in block if NODE.match(line)]
    assert len(labels) == 16  # 17 factors, DA4 and US4 share one node (a cycle)
