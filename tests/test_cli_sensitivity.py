"""``ismpanel ism|micmac DIR --sensitivity`` as a user runs them: the ``sensitivity`` key of
``--json``, the tables, a file refused, and the bundled study's PL2-US2."""

from __future__ import annotations

import json

import pytest

from tests.helpers import DATA, answered_study

PAIR_KEYS = {"pair", "verdict", "agreement", "tie", "votes", "alternatives"}
OUTCOME_KEYS = {"levels", "default_tiers", "changes"}
CHANGE_KEYS = {"factor", "level", "tier", "cluster", "rank"}


@pytest.mark.parametrize("command", ["ism", "micmac"])
def test_json_has_a_sensitivity_key_of_a_stable_shape(cli, tmp_path, command):
    folder = answered_study(tmp_path / "s")
    run = cli(command, folder, "--json", "--sensitivity")
    assert run.code == 0, run.err
    s = json.loads(run.out)["sensitivity"]
    assert set(s) == {
        "rule",
        "quorum",
        "below",
        "levels",
        "reopen",
        "factors",
        "pairs",
        "leave_one_out",
        "aggregation",
        "micmac_thresholds",
    }
    assert set(s["factors"]) == {"P1", "P2", "T1", "U1"}
    for f in s["factors"].values():
        assert set(f) == {"tier", "cluster", "verdict", "depends_on", "moved_by", "leave_one_out"}
    # a factor is stable only when no contested pair, threshold, expert or rule moves it, and
    # the thresholds named are those whose cluster changes list it
    for name, f in s["factors"].items():
        moved_by = f["moved_by"]
        assert (f["verdict"] == "stable") == (not f["depends_on"] and not any(moved_by.values()))
        listed = [
            t["rule"]
            for t in s["micmac_thresholds"]
            if not t["own"] and any(c["factor"] == name and c["cluster"] for c in t["changes"])
        ]
        assert [t["rule"] for t in moved_by["micmac_thresholds"]] == listed
        left = [
            o["expert"]
            for o in s["leave_one_out"]
            if any(c["factor"] == name and (c["tier"] or c["cluster"]) for c in o["changes"] or ())
        ]
        assert [o["expert"] for o in moved_by["left_out"]] == left
        assert f["leave_one_out"]["panels"] == 3
    # SMALL_PANEL: P1-P2 V,V,A; P1-U1 V,O,V; P2-T1 O,O,V; T1-U1 A,A,O, each 2 of 3 (< 75 %)
    assert {tuple(p["pair"]) for p in s["pairs"]} == {
        ("P1", "P2"),
        ("P1", "U1"),
        ("P2", "T1"),
        ("T1", "U1"),
    }
    for p in s["pairs"]:
        assert set(p) == PAIR_KEYS and p["agreement"] == pytest.approx(0.6667)
        (alternative,) = p["alternatives"]  # each has one other letter
        assert set(alternative) == {"letter", "votes"} | OUTCOME_KEYS
        assert alternative["letter"] != p["verdict"] and alternative["votes"] == 1
        assert all(set(c) == CHANGE_KEYS for c in alternative["changes"])
    assert [o["expert"] for o in s["leave_one_out"]] == ["E1", "E2", "E3"]
    assert [a["describe"] for a in s["aggregation"] if a["own"]] == [
        "per direction, more than half"
    ]
    assert [t["rule"] for t in s["micmac_thresholds"]] == ["half (n/2)", "mean", "median"]


def test_without_the_option_the_document_has_no_sensitivity_key(cli, tmp_path):
    folder = answered_study(tmp_path / "s")
    run = cli("ism", folder, "--json")
    assert run.code == 0 and "sensitivity" not in json.loads(run.out)


def test_the_terminal_shows_the_sentences_and_tables(cli, tmp_path):
    folder = answered_study(tmp_path / "s")
    run = cli("micmac", folder, "--sensitivity")
    assert run.code == 0, run.err
    for title in (
        "Sensitivity of the structure",
        "Each of the 4 contested pairs",
        "Contested pairs under each other letter",
        "The panel without one expert",
        "Aggregation rules and thresholds",
        "MICMAC thresholds",
        "Stability of each factor",
    ):
        assert title in run.out, title
    reopen = json.loads(cli("micmac", folder, "--sensitivity", "--json").out)["sensitivity"]
    pairs = ",".join(f"{a}-{b}" for a, b in reopen["reopen"])
    assert pairs and f"ismpanel round start DIR --pairs {pairs}\n" in run.out


def test_a_file_has_no_experts_to_vary(cli):
    run = cli("ism", DATA / "kumar2014_offshore_risks.ssim.csv", "--sensitivity")
    assert run.code == 2 and run.err.count("\n") == 1
    assert "--sensitivity needs a study folder" in run.err


def test_the_bundled_study_names_pl2_us2_and_us2s_change(cli, tmp_path):
    """Issue 11: PL2-US2 (votes A 1, X 2, O 2; the direction rule keeps US2→PL2 with 3 of 5)
    holds US2 up; as O, US2 falls from level 5 to 4, becomes autonomous, and the hierarchy has
    5 levels instead of 6."""
    demo = tmp_path / "demo"
    assert cli("demo", "--out", demo).code == 0
    run = cli("ism", demo, "--json", "--sensitivity", "--allow-incomplete")
    assert run.code == 0, run.err
    s = json.loads(run.out)["sensitivity"]
    assert s["levels"] == 6
    (pair,) = [p for p in s["pairs"] if p["pair"] == ["PL2", "US2"]]
    assert pair["verdict"] == "A" and pair["votes"] == {"V": 0, "A": 1, "X": 2, "O": 2}
    (without,) = [a for a in pair["alternatives"] if a["letter"] == "O"]
    assert without["levels"] == 5
    (us2,) = [c for c in without["changes"] if c["factor"] == "US2"]
    assert us2["level"] == [5, 4] and us2["cluster"] == ["independent", "autonomous"]
    assert ["PL2", "US2"] in s["factors"]["US2"]["depends_on"]
    assert ["PL2", "US2"] in s["reopen"]
