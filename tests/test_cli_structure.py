"""``ismpanel ism`` / ``micmac`` / ``demo`` from the command line: the JSON contract, the
exports, the options, and a start-up that imports no numpy or pandas."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import DATA

KUMAR = DATA / "kumar2014_offshore_risks.ssim.csv"
JSON_KEYS = {
    "factors",
    "irm",
    "frm",
    "transitive",
    "levels",
    "tiers",
    "digraph",
    "driving_power",
    "dependence",
    "quadrant",
    "threshold",
    "indirect",
}


@pytest.mark.parametrize("command", ["ism", "micmac"])
def test_json_has_the_stable_keys(cli, command):
    run = cli(command, KUMAR, "--json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert set(doc) >= JSON_KEYS
    assert doc["factors"] == [f"R{k}" for k in range(1, 10)]
    assert doc["levels"]["R3"] == 4
    assert doc["tiers"] == {
        "R1": "surface",
        "R2": "middle",
        "R3": "deep",
        "R4": "surface",
        "R5": "middle",
        "R6": "middle",
        "R7": "middle",
        "R8": "surface",
        "R9": "surface",
    }
    assert ["R2", "R9"] in doc["transitive"]
    assert doc["digraph"] == {
        "nodes": [["R1", "R4", "R8", "R9"], ["R2", "R6", "R7"], ["R5"], ["R3"]],
        "edges": [["R2", "R1"], ["R5", "R2"], ["R3", "R5"]],
    }
    assert doc["quadrant"]["R3"] == "independent"
    assert set(doc["threshold"]) == {"rule", "driving", "dependence"}
    assert doc["threshold"]["driving"] == 4.5
    assert {"driving_rank", "dependence_rank", "settled_at", "hidden"} <= set(doc["indirect"])
    assert doc["indirect"]["settled_at"] == 8


def test_tiers_option_regroups_levels(cli):
    doc = json.loads(cli("ism", KUMAR, "--json", "--tiers", "1,2-3,4").out)
    assert doc["tiers"]["R5"] == "middle"
    doc = json.loads(cli("ism", KUMAR, "--json", "--tiers", "1-2,,3-4").out)
    assert doc["tiers"]["R2"] == "surface"
    assert doc["tiers"]["R5"] == "deep"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tiers", "1-2,3"], "error: --tiers '1-2,3': expected three level ranges"),
        (["--tiers", "1,2,3"], "error: --tiers '1,2,3': the ranges must cover levels 1-4"),
        (["--threshold", "lots"], "error: --threshold 'lots': expected half, mean, median"),
        (["--threshold", "-1"], "error: --threshold '-1': expected a non-negative number"),
    ],
)
def test_bad_options_name_the_option(cli, args, message):
    run = cli("micmac", KUMAR, *args)
    assert run.code == 2
    assert run.err.startswith(message), run.err
    assert run.err.count("\n") == 1


def test_threshold_rules_change_the_clusters(cli):
    mean = json.loads(cli("micmac", KUMAR, "--json", "--threshold", "mean").out)
    assert mean["quadrant"]["R2"] == "independent"  # dependence 5 is weak at mean 6
    fixed = json.loads(cli("micmac", KUMAR, "--json", "--threshold", "5").out)
    assert fixed["quadrant"]["R2"] == "independent"  # 5 equals the threshold: weak
    strong = json.loads(cli("micmac", KUMAR, "--json", "--threshold", "5", "--equal-is-strong").out)
    assert strong["quadrant"]["R2"] == "linkage"


def test_terminal_report_shows_every_table(cli):
    out = cli("ism", KUMAR).out
    for title in (
        "SSIM",
        "Initial reachability matrix",
        "Final reachability matrix",
        "Level partition, iteration 4",
        "Canonical matrix",
        "ISM hierarchy",
    ):
        assert title in out
    assert "1*" in out
    micmac_out = cli("micmac", KUMAR).out
    for title in (
        "MICMAC",
        "MICMAC map",
        "ISM tiers against MICMAC clusters",
        "settles at power 8",
        "Threshold half (n/2): driving 4.5",
    ):
        assert title in micmac_out


def test_mermaid_dot_and_markdown_exports(cli, tmp_path):
    run = cli(
        "ism",
        KUMAR,
        "--mermaid",
        tmp_path / "g.mmd",
        "--dot",
        tmp_path / "g.dot",
        "--markdown",
        tmp_path / "r.md",
        "--json",
    )
    assert run.code == 0
    json.loads(run.out)  # notes about written files go to stderr, not into the JSON
    mermaid = (tmp_path / "g.mmd").read_text()
    assert mermaid.startswith("flowchart BT\n")
    assert 'n1["R1 ⇄ R4 ⇄ R8 ⇄ R9"]' in mermaid
    assert "n4 --> n3" in mermaid  # R3 (level 4) drives R5 (level 3)
    assert 'subgraph L4["Level 4 · deep"]' in mermaid
    dot = (tmp_path / "g.dot").read_text()
    assert "rankdir=BT" in dot and "n2 -> n1;" in dot
    md = (tmp_path / "r.md").read_text()
    for heading in (
        "## Final reachability matrix",
        "### Level partition, iteration 4",
        "## Canonical matrix",
        "## MICMAC",
        "```mermaid",
        "## ISM tiers against MICMAC clusters",
    ):
        assert heading in md
    # 1* escaped so that a converter does not read it as emphasis
    assert "| R2 | 1\\* | 1 | 0 | 1 | 0 | 1 | 1 | 1 | 1\\* | 7 |" in md


def test_mermaid_escapes_awkward_ids(cli, tmp_path):
    ssim = tmp_path / "odd.csv"
    ssim.write_text(',end,"a""b"\nend,,V\n"a""b",,\n')
    cli("ism", ssim, "--mermaid", tmp_path / "odd.mmd")
    mermaid = (tmp_path / "odd.mmd").read_text()
    assert 'n2["end"]' in mermaid
    assert 'n1["a#quot;b"]' in mermaid


def test_svg_plot_is_deterministic(cli, tmp_path):
    cli("micmac", KUMAR, "--plot", tmp_path / "a.svg")
    cli("micmac", KUMAR, "--plot", tmp_path / "b.svg")
    a = (tmp_path / "a.svg").read_bytes()
    assert a.startswith(b"<?xml") and b"<svg" in a
    assert a == (tmp_path / "b.svg").read_bytes()


def test_output_into_a_missing_folder_is_refused(cli, tmp_path):
    run = cli("ism", KUMAR, "--mermaid", tmp_path / "nope" / "g.mmd")
    assert run.code == 2
    assert "does not exist" in run.err


def test_help_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from ismpanel.cli.app import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'pandas', 'scipy', 'matplotlib') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out


def test_demo_runs_from_the_installed_package(tmp_path):
    out = tmp_path / "demo"
    run = subprocess.run(
        [sys.executable, "-m", "ismpanel", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert (out / "brief.md").read_text().startswith("# Protection of personal privacy")
    assert (out / "brief.micmac.svg").stat().st_size > 1000
    assert "ISM hierarchy" in run.stdout


def test_ids_with_markup_or_maths_characters_print_as_they_are(cli, tmp_path):
    edges = tmp_path / "odd.csv"
    edges.write_text("from,to\n[/x],$x^$\n$x^$,[bold]y\n")
    run = cli("micmac", edges, "--plot", tmp_path / "odd.svg")
    assert run.code == 0, run.err
    assert "[/x]" in run.out and "[bold]y" in run.out
    assert (tmp_path / "odd.svg").exists()
    assert "[/x]" in cli("ism", edges).out


def test_a_truncated_utf16_file_gets_one_line(cli, tmp_path):
    (tmp_path / "u.csv").write_bytes(b"\xff\xfe,\x00A")
    run = cli("ism", tmp_path / "u.csv")
    assert run.code == 2 and "not valid UTF-16 text" in run.err and run.err.count("\n") == 1


def test_a_folder_as_output_file_gets_one_line(cli, tmp_path):
    run = cli("ism", KUMAR, "--markdown", tmp_path)
    assert run.code == 2 and "is a folder; give a file name" in run.err
