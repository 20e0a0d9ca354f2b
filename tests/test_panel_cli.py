"""The facilitator's panel commands end to end: SSIM import and export, aggregation, rounds,
and ISM/MICMAC on a study folder's aggregated SSIM."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook

from ismpanel.elicitation.store import PanelStore
from tests.helpers import small_study, write_csv

IDS = ["P1", "P2", "T1", "U1"]
ROWS = [("P1", "P2"), ("P1", "T1"), ("P1", "U1"), ("P2", "T1"), ("P2", "U1"), ("T1", "U1")]
# three experts; majority by direction gives V, V, V, O, X, A
PANEL = {"E1": "VVVOXA", "E2": "VVOOXA", "E3": "AVVVXO"}


@pytest.fixture
def panel(tmp_path):
    folder = tmp_path / "s"
    small_study(folder, experts=3)
    store = PanelStore.open(folder)
    for expert, letters in PANEL.items():
        store.record_many(expert, 1, dict(zip(ROWS, letters, strict=True)), "interview")
    return folder


def _ssim_rows(letters: dict[tuple[str, str], str], order=IDS):
    pos = {f: k for k, f in enumerate(order)}
    rows = [["", *order]]
    for a in order:
        row = [a]
        for b in order:
            if a == b:
                row.append("")
            elif pos[b] > pos[a]:
                key = (a, b) if (a, b) in letters else (b, a)
                value = letters[key]
                if key != (a, b):
                    value = {"V": "A", "A": "V"}.get(value, value)
                row.append(value)
            else:
                row.append("")
        rows.append(row)
    return rows


def test_aggregate_json_reports_votes_agreement_and_kappa(cli, panel):
    doc = json.loads(cli("aggregate", panel, "--json").out)
    assert doc["rule"] == "direction" and doc["experts"] == ["E1", "E2", "E3"]
    results = {f"{p['i']}-{p['j']}": p["result"] for p in doc["pairs"]}
    assert results == {
        "P1-P2": "V",
        "P1-T1": "V",
        "P1-U1": "V",
        "P2-T1": "O",
        "P2-U1": "X",
        "T1-U1": "A",
    }
    first = doc["pairs"][0]
    assert first["votes"] == {"V": 2, "A": 1, "X": 0, "O": 0}
    assert first["agreement"] == pytest.approx(2 / 3)
    assert doc["contested"] == [["P1", "P2"], ["P1", "U1"], ["P2", "T1"], ["T1", "U1"]]
    # by hand: P_i = 1/3, 1, 1/3, 1/3, 1, 1/3 -> P-bar = 5/9; of 18 votes V 8, A 3, X 3, O 4
    # -> P_e = 98/324 = 49/162; kappa = (5/9 - 49/162) / (1 - 49/162) = 41/113
    assert doc["fleiss_kappa"] == pytest.approx(41 / 113)


def test_aggregate_table_names_the_rule_and_the_contested_pairs(cli, panel):
    out = cli("aggregate", panel).out
    assert "Fleiss' kappa over 6 pairs" in out
    assert "more than half of the experts who answered" in out
    assert "Contested pairs (4): P1-P2, P1-U1, P2-T1, T1-U1" in out


def test_ism_and_micmac_on_the_study_folder(cli, panel):
    doc = json.loads(cli("ism", panel, "--json").out)
    assert doc["factors"] == IDS
    # aggregated SSIM: P1 V P2, P1 V T1, P1 V U1, P2 O T1, P2 X U1, T1 A U1 (U1 -> T1)
    assert doc["irm"] == [[1, 1, 1, 1], [0, 1, 0, 1], [0, 0, 1, 0], [0, 1, 1, 1]]
    assert doc["levels"] == {"P1": 3, "P2": 2, "T1": 1, "U1": 2}
    assert json.loads(cli("micmac", panel, "--json").out)["quadrant"]["P1"] == "independent"


def test_ism_labels_mermaid_nodes_with_factor_names(cli, panel, tmp_path):
    cli("ism", panel, "--mermaid", tmp_path / "g.mmd")
    assert '["T1 · Anonymisation"]' in (tmp_path / "g.mmd").read_text()


def test_an_incomplete_panel_is_refused_unless_allowed(cli, panel):
    PanelStore.open(panel).add_expert("Late expert")
    run = cli("ism", panel)
    assert run.code == 1
    assert "panel incomplete: E4 (0 of 6) not finished; round close" in run.err
    assert "--allow-incomplete analyses the answers given" in run.err
    assert cli("ism", panel, "--allow-incomplete", "--json").code == 0


def test_a_pair_without_a_majority_stops_the_analysis(cli, tmp_path):
    small_study(tmp_path / "s", experts=1)
    PanelStore.open(tmp_path / "s").record("E1", 1, ("P1", "P2"), "V", "interview")
    run = cli("ism", tmp_path / "s", "--allow-incomplete")
    assert run.code == 1
    assert "no majority for 5 pair(s)" in run.err and "P1-T1" in run.err


def test_no_answers_yet_is_an_analysis_error(cli, tmp_path):
    small_study(tmp_path / "s", experts=2)
    run = cli("aggregate", tmp_path / "s")
    assert (run.code, run.err.strip()) == (1, f"error: {tmp_path / 's'}: no answers yet")


def test_ssim_import_maps_columns_by_id_and_swaps_reversed_pairs(cli, tmp_path):
    small_study(tmp_path / "s", experts=1)
    letters = dict(zip(ROWS, "VAXOVA", strict=True))
    shuffled = ["U1", "T1", "P1", "P2"]  # rows and columns in another order
    path = write_csv(tmp_path / "e1.csv", _ssim_rows(letters, shuffled))
    run = cli("ssim", "import", tmp_path / "s", path, "--expert", "E1")
    assert run.code == 0, run.err
    assert PanelStore.open(tmp_path / "s").round_answers("E1", 1) == letters


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["", "P1", "P2", "T1"], ["P1", "", "V", "V"], ["P2", "", "", "V"], ["T1", "", "", ""]],
            "factor ids differ from the study's: missing U1; unknown none",
        ),
        ([["", "P1", "P2"], ["P1", "", "Z"], ["P2", "", ""]], "cell C2 (row P1, column P2)"),
        (
            [
                ["", "P1", "P2", "T1", "U1"],
                ["P1", "", "V", "", "V"],
                ["P2", "", "", "V", "V"],
                ["T1", "", "", "", "V"],
                ["U1", "", "", "", ""],
            ],
            "missing relation; expected V, A, X or O; --allow-blank takes blank cells as pairs",
        ),
    ],
)
def test_ssim_import_validates_like_the_reader_and_writes_nothing(cli, tmp_path, rows, message):
    small_study(tmp_path / "s", experts=1)
    path = write_csv(tmp_path / "bad.csv", rows)
    run = cli("ssim", "import", tmp_path / "s", path, "--expert", "E1")
    assert run.code == 2 and run.err.startswith(f"error: {path}: ") and message in run.err
    assert PanelStore.open(tmp_path / "s").history() == []


def test_ssim_export_round_trips_through_import(cli, panel, tmp_path):
    assert cli("ssim", "export", panel, "--expert", "E3", "-o", tmp_path / "e3.csv").code == 0
    with open(tmp_path / "e3.csv", newline="") as fh:
        grid = list(csv.reader(fh))
    assert grid[0] == ["", *IDS]
    assert grid[1] == ["P1", "X", "A", "V", "V"]
    small_study(tmp_path / "copy", experts=1)
    cli("ssim", "import", tmp_path / "copy", tmp_path / "e3.csv", "--expert", "E1")
    assert PanelStore.open(tmp_path / "copy").round_answers("E1", 1) == dict(
        zip(ROWS, PANEL["E3"], strict=True)
    )


def test_aggregated_export_to_xlsx_in_descending_columns(cli, panel, tmp_path):
    out = tmp_path / "panel.xlsx"
    assert cli("ssim", "export", panel, "-o", out, "--descending").code == 0
    rows = [[c or "" for c in r] for r in load_workbook(out).active.iter_rows(values_only=True)]
    assert rows[0] == ["", "U1", "T1", "P2", "P1"]
    assert rows[1] == ["P1", "V", "V", "V", "X"]
    again = json.loads(cli("ism", out, "--json").out)  # the exported SSIM reads back
    assert again["irm"] == json.loads(cli("ism", panel, "--json").out)["irm"]


def test_round_start_reopens_the_contested_pairs(cli, panel):
    run = cli("round", "start", panel, "--below", "0.75")
    assert run.code == 0
    assert "Round 2 opened on 4 pair(s): P1-P2, P1-U1, P2-T1, T1-U1" in run.out
    store = PanelStore.open(panel)
    assert store.current_round() == 2
    assert store.round_pairs(2) == [("P1", "P2"), ("P1", "U1"), ("P2", "T1"), ("T1", "U1")]
    status = json.loads(cli("status", panel, "--json").out)
    assert status["round"] == 2 and status["experts"][0]["total"] == 4
    store.record("E3", 2, ("P1", "P2"), "V", "interview")  # E3 comes round to the majority
    doc = json.loads(cli("aggregate", panel, "--json").out)
    assert doc["pairs"][0]["votes"] == {"V": 3, "A": 0, "X": 0, "O": 0}
    assert store.round_answers("E3", 1)[("P1", "P2")] == "A"  # round 1 kept in history


def test_round_start_with_full_agreement_opens_nothing(cli, tmp_path):
    small_study(tmp_path / "s", experts=2)
    store = PanelStore.open(tmp_path / "s")
    for expert in ("E1", "E2"):
        store.record_many(expert, 1, dict.fromkeys(ROWS, "V"), "interview")
    run = cli("round", "start", tmp_path / "s")
    assert run.code == 0 and "no round opened" in run.out
    assert store.current_round() == 1


def test_llm_panelists_vote_only_when_included(cli, panel):
    store = PanelStore.open(panel)
    store.add_expert("model", "llm")
    for letters, expert in (("OOOOOO", "L1"),):
        store.record_many(expert, 1, dict(zip(ROWS, letters, strict=True)), "llm")
    humans = json.loads(cli("aggregate", panel, "--json").out)
    assert humans["experts"] == ["E1", "E2", "E3"]
    both = json.loads(cli("aggregate", panel, "--json", "--include-llm").out)
    assert both["experts"] == ["E1", "E2", "E3", "L1"]
    assert both["pairs"][0]["votes"]["O"] == 1


def test_a_later_round_also_asks_what_an_expert_left_open(cli, tmp_path):
    small_study(tmp_path / "s", experts=2)
    store = PanelStore.open(tmp_path / "s")
    store.record_many("E1", 1, dict(zip(ROWS[:3], "VVV", strict=True)), "interview")
    store.record_many("E2", 1, dict(zip(ROWS, "AVVOXA", strict=True)), "interview")
    # P1-P2 (V vs A) is contested; E1 never answered P2-T1, P2-U1, T1-U1
    assert cli("round", "start", tmp_path / "s", "--below", "0.75").code == 0
    reopened = store.round_pairs(2)
    assert ("P1", "P2") in reopened
    assert store.expert_pairs("E1", 2) == sorted(set(reopened) | set(ROWS[3:]), key=ROWS.index)
    assert store.expert_pairs("E2", 2) == reopened
    status = {
        e["id"]: e for e in json.loads(cli("status", tmp_path / "s", "--json").out)["experts"]
    }
    assert status["E1"]["total"] == len(store.expert_pairs("E1", 2))
    full = {**dict(zip(ROWS, "VVVOXA", strict=True))}
    path = write_csv(tmp_path / "e1.csv", _ssim_rows(full))
    run = cli("ssim", "import", tmp_path / "s", path, "--expert", "E1")
    assert f"Imported {status['E1']['total']} answers" in run.out
    assert store.latest_answers()["E1"] == full


def test_notes_are_shown_to_the_facilitator(cli, panel):
    PanelStore.open(panel).add_note("E2", 1, ("P1", "T1"), "depends on [enforcement]")
    doc = json.loads(cli("notes", panel, "--json").out)
    assert doc == [
        {
            "expert": "E2",
            "round": 1,
            "i": "P1",
            "j": "T1",
            "text": "depends on [enforcement]",
            "at": doc[0]["at"],
        }
    ]
    assert "depends on [enforcement]" in cli("notes", panel, "--expert", "E2").out
    assert json.loads(cli("notes", panel, "--expert", "E1", "--json").out) == []


def test_an_import_says_which_blank_pairs_keep_an_answer_and_which_letters_it_ignored(
    cli, panel, tmp_path
):
    """E1 answered every pair in round 1 (PANEL). A sheet leaving P1-P2 blank keeps that
    answer, and says so; after a round that reopens the contested pairs only, a sheet that
    changes a pair not reopened is not recorded, and says so."""
    letters = dict(zip(ROWS, PANEL["E1"], strict=True))
    letters[("P1", "P2")] = ""
    path = write_csv(tmp_path / "e1.csv", _ssim_rows(letters))
    run = cli("ssim", "import", panel, path, "--expert", "E1", "--allow-blank")
    assert run.code == 0, run.err
    assert "1 blank pair(s) keep E1's earlier answer (P1-P2)" in run.err
    store = PanelStore.open(panel)
    assert store.latest_answers()["E1"][("P1", "P2")] == "V"
    store.close()
    assert cli("round", "start", panel, "--below", "0.75").code == 0
    store = PanelStore.open(panel)
    reopened = set(store.expert_pairs("E1", store.current_round()))
    store.close()
    fixed = next(p for p in ROWS if p not in reopened)
    letters = dict(zip(ROWS, PANEL["E1"], strict=True))
    letters[fixed] = "O" if letters[fixed] != "O" else "X"
    path = write_csv(tmp_path / "e1b.csv", _ssim_rows(letters))
    run = cli("ssim", "import", panel, path, "--expert", "E1")
    assert run.code == 0, run.err
    assert f"were not reopened in round 2 and were not recorded ({fixed[0]}-{fixed[1]})" in run.err
