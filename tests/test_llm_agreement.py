"""LLM panelists in the aggregation: out of the majority unless ``--include-llm``, and each
one's agreement with the human majority (per pair, share, Cohen's kappa) in ``aggregate``'s
table and JSON. Expected kappas are computed by hand in the comments."""

from __future__ import annotations

import json

import pytest

from ismpanel.elicitation.agreement import cohen_kappa
from ismpanel.elicitation.store import LlmPanelist, PanelStore
from tests.helpers import small_study

PAIRS = [("P1", "P2"), ("P1", "T1"), ("P1", "U1"), ("P2", "T1"), ("P2", "U1"), ("T1", "U1")]
HUMANS = {
    "E1": ["V", "V", "A", "O", "O", "X"],
    "E2": ["V", "V", "A", "O", "O", "X"],
    "E3": ["O", "V", "X", "V", "O", "V"],
}
# Direction rule over E1-E3: P1-P2 V (2 of 3 say i→j), P1-T1 V, P1-U1 A (3 say j→i, 1 says
# i→j), P2-T1 O (1 of 3 says i→j), P2-U1 O, T1-U1 X (3 say i→j, 2 say j→i).
MAJORITY = ["V", "V", "A", "O", "O", "X"]
LLM = ["V", "A", "A", "O", "X", "X"]


def record(store: PanelStore, expert: str, letters: list[str], source: str) -> None:
    for pair, letter in zip(PAIRS, letters, strict=True):
        store.record(expert, 1, pair, letter, source)


@pytest.fixture
def panel(tmp_path):
    folder = tmp_path / "s"
    small_study(folder, experts=3)
    store = PanelStore.open(folder)
    for expert, letters in HUMANS.items():
        record(store, expert, letters, "interview")
    store.add_llm_panelist("m1", LlmPanelist("", "model-one", None, 0.7, 3, None))
    record(store, "L1", LLM, "llm")
    store.close()
    return folder


def test_cohens_kappa_matches_a_hand_computation():
    # po = 4/6 (pairs 1, 3, 4, 6 agree). Marginals: LLM V1 A2 O1 X2, humans V2 A1 O2 X1, so
    # pe = (1*2 + 2*1 + 1*2 + 2*1) / 36 = 8/36 = 2/9 and kappa = (2/3 - 2/9) / (7/9) = 4/7.
    assert cohen_kappa(LLM, MAJORITY) == pytest.approx(4 / 7)
    assert cohen_kappa(["V", "V"], ["V", "V"]) is None  # pe = 1: undefined
    assert cohen_kappa([], []) is None
    # Perfect disagreement with balanced marginals: po 0, pe 1/2, kappa -1.
    assert cohen_kappa(["V", "A"], ["A", "V"]) == pytest.approx(-1.0)


def test_aggregate_json_reports_llm_agreement_and_keeps_its_keys(cli, panel):
    run = cli("aggregate", panel, "--json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert {"rule", "quorum", "experts", "fleiss_kappa", "below", "pairs", "contested", "ssim"} <= (
        doc.keys()
    )
    assert doc["experts"] == ["E1", "E2", "E3"]  # L1 does not vote by default
    assert [doc["ssim"]["letters"][f"{a}-{b}"] for a, b in PAIRS] == MAJORITY
    (found,) = doc["llm_agreement"]
    assert (found["expert"], found["model"]) == ("L1", "model-one")
    assert (found["compared"], found["agreed"]) == (6, 4)
    assert found["share"] == pytest.approx(4 / 6)
    assert found["cohen_kappa"] == pytest.approx(4 / 7)  # hand computation above
    assert [(p["llm"], p["human"], p["agree"]) for p in found["pairs"]] == [
        (a, b, a == b) for a, b in zip(LLM, MAJORITY, strict=True)
    ]


def test_include_llm_lets_panelists_vote_but_agreement_stays_against_the_humans(cli, panel):
    doc = json.loads(cli("aggregate", panel, "--json", "--include-llm").out)
    assert doc["experts"] == ["E1", "E2", "E3", "L1"]
    assert doc["pairs"][1]["votes"] == {"V": 3, "A": 1, "X": 0, "O": 0}
    assert doc["llm_agreement"][0]["cohen_kappa"] == pytest.approx(4 / 7)


def test_the_table_shows_each_pair_and_the_kappa(cli, panel):
    run = cli("aggregate", panel)
    assert run.code == 0, run.err
    assert "LLM panelists against the human majority" in run.out
    assert "L1 (model-one): agrees on 4 of 6 pairs compared (67%); Cohen's kappa 0.571" in run.out
    assert "do not vote in the majority above (add --include-llm to let them)" in run.out
    after = run.out.split("LLM panelists against the human majority")[1]
    rows = {line.split()[1]: line.split()[3:] for line in after.splitlines() if "│ P" in line}
    assert rows["P1-T1"] == ["V", "│", "A", "✗", "│"]
    assert rows["P2-T1"] == ["O", "│", "O", "✓", "│"]
    assert "Aggregation of 3 experts" in run.out


def test_ties_and_unanswered_pairs_are_not_compared(cli, tmp_path):
    folder = tmp_path / "t"
    small_study(folder, experts=2)
    store = PanelStore.open(folder)
    record(store, "E1", ["V", "V", "A", "O", "O", "X"], "interview")
    record(store, "E2", ["O", "V", "A", "O", "O", "X"], "interview")  # P1-P2: V vs O, a tie
    store.add_expert("added by hand", "llm")
    store.record("L1", 1, ("P1", "P2"), "V", "llm")
    store.record("L1", 1, ("P1", "T1"), "V", "llm")
    store.record("L1", 1, ("P1", "U1"), "O", "llm")
    store.close()
    doc = json.loads(cli("aggregate", folder, "--json").out)
    found = doc["llm_agreement"][0]
    assert found["model"] is None
    assert [(p["llm"], p["human"], p["agree"]) for p in found["pairs"]] == [
        ("V", None, None),  # humans tie on P1-P2: no majority to agree with
        ("V", "V", True),
        ("O", "A", False),
        (None, "O", None),
        (None, "O", None),
        (None, "X", None),
    ]
    # Two pairs compared: po = 1/2; marginals LLM V1 O1, humans V1 A1: pe = 1/4;
    # kappa = (1/2 - 1/4) / (3/4) = 1/3.
    assert found["cohen_kappa"] == pytest.approx(1 / 3)
    with_llm = json.loads(cli("aggregate", folder, "--json", "--include-llm").out)
    assert with_llm["pairs"][0]["result"] == "V" and not with_llm["pairs"][0]["tie"]
    assert doc["pairs"][0]["tie"]  # without L1 the humans tie and the arc is not kept


def test_without_llm_panelists_the_agreement_list_is_empty(cli, tmp_path):
    folder = tmp_path / "u"
    small_study(folder, experts=1)
    store = PanelStore.open(folder)
    record(store, "E1", MAJORITY, "interview")
    store.close()
    run = cli("aggregate", folder, "--json")
    assert json.loads(run.out)["llm_agreement"] == []
    assert "LLM panelists" not in cli("aggregate", folder).out
