"""What a report says about the panel over Delphi rounds: each expert's answers over all the
study's pairs (not just the current round's), and what each round reopened and changed.

Every expected value below is worked out by hand from the answers the test records, with the
direction rule (an arc is kept when more than half of the experts who answered say yes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ismpanel.elicitation.panel import (
    RoundRecord,
    VerdictChange,
    aggregate_panel,
    panel_summary,
    progress,
    round_history,
)
from ismpanel.elicitation.store import PanelStore
from ismpanel.elicitation.study import Dimension, build_study, factors_from_grid, study_toml
from tests.helpers import SMALL_FACTORS

AB, AC, BC = ("P1", "P2"), ("P1", "T1"), ("P2", "T1")
PAIRS = [AB, AC, BC]
# round 1, letters for AB, AC, BC:
#   AB: V V A -> i->j kept by 2 of 3, j->i by 1 of 3 -> V (agreement 2/3)
#   AC: V A A -> i->j kept by 1 of 3, j->i by 2 of 3 -> A (agreement 2/3)
#   BC: O O O -> O (agreement 1)
# so --below 0.75 reopens AB and AC.
ROUND_1 = {"E1": "VVO", "E2": "VAO", "E3": "AAO"}


def three_factor_study(folder: Path) -> PanelStore:
    """A 3-factor study (3 pairs) with experts E1, E2, E3, made through the store's API."""
    factors = factors_from_grid(SMALL_FACTORS[:4], "test")
    dims = [Dimension(d, d.capitalize()) for d in ("policy", "technology")]
    study = build_study("Three factors", "directly influences", "privacy", dims, factors, "test")
    folder.mkdir(parents=True)
    (folder / "study.toml").write_text(study_toml(study), encoding="utf-8")
    store = PanelStore.create(folder, study)
    for k in range(3):
        store.add_expert(f"Expert {k + 1}")
    return store


@pytest.fixture
def two_rounds(cli, tmp_path):
    """Round 1 as ROUND_1, then round 2 on the contested pairs AB and AC, in which E2 moves
    AC from A to V and E3 answers only AB, after correcting itself within the round."""
    folder = tmp_path / "s"
    store = three_factor_study(folder)
    for expert, letters in ROUND_1.items():
        store.record_many(expert, 1, dict(zip(PAIRS, letters, strict=True)), "interview")
    assert cli("round", "start", folder, "--below", "0.75").code == 0
    store.record_many("E1", 2, {AB: "V", AC: "V"}, "interview")  # E1 keeps both
    store.record_many("E2", 2, {AB: "V", AC: "V"}, "interview")  # E2: AC was A, now V
    store.record("E3", 2, AB, "V", "interview")
    store.record("E3", 2, AB, "A", "interview")  # back to A within the round: no change
    return store


def test_round_history_after_a_delphi_round(two_rounds):
    # round 1: every pair asked, 3 experts x 3 pairs = 9 answers, no earlier answer or verdict.
    # round 2: reopened AB, AC; answers E1 2 + E2 2 + E3 1 (AB, counted once) = 5.
    #   changed answers: only E2 on AC (A -> V); E3's AB ends as A, its round-1 letter.
    #   verdicts up to round 2: AB V V A -> V (same); AC V V A -> V (was A); BC O (not asked).
    assert round_history(two_rounds, rule="direction", quorum=1, include_llm=False) == [
        RoundRecord(1, PAIRS, 9, [], []),
        RoundRecord(2, [AB, AC], 5, [AC], [VerdictChange(AC, "A", "V")]),
    ]
    # a report unpacks a verdict change as (pair, before, after)
    [(pair, before, after)] = round_history(two_rounds)[1].changed_verdicts
    assert (pair, before, after) == (AC, "A", "V")


def test_summary_counts_answers_over_all_pairs_after_round_2(two_rounds):
    result = aggregate_panel(two_rounds)
    summary = panel_summary(two_rounds, result, include_llm=False, below=0.75)
    # every expert answered all 3 pairs in round 1; round 2 asked 2 of them, E3 answered 1
    figures = {
        e.id: (e.answered, e.total, e.finished, e.round_answered, e.round_total)
        for e in summary.experts
    }
    assert figures == {
        "E1": (3, 3, True, 2, 2),
        "E2": (3, 3, True, 2, 2),
        "E3": (3, 3, False, 1, 2),
    }
    assert summary.round == 2 and summary.completion == 1.0  # 9 of 3 x 3 pairs
    assert summary.unfinished == ["E3"]
    assert summary.rounds == round_history(two_rounds)
    # the status command still counts the current round only
    assert [(p.id, p.answered, p.total) for p in progress(two_rounds)] == [
        ("E1", 2, 2),
        ("E2", 2, 2),
        ("E3", 1, 2),
    ]


def test_one_round_only(tmp_path):
    store = three_factor_study(tmp_path / "s")
    store.record_many("E1", 1, dict(zip(PAIRS, "VVO", strict=True)), "interview")
    store.record("E2", 1, AB, "A", "interview")
    store.record_many("E2", 1, dict(zip(PAIRS, "VAO", strict=True)), "interview")  # AB: A -> V
    store.record_many("E3", 1, {AB: "A", AC: "A"}, "interview")  # BC left open
    # one round: all 3 pairs, answers E1 3 + E2 3 (AB counted once) + E3 2 = 8; a correction
    # within round 1 is no change, and round 1 has no earlier verdict to change.
    assert round_history(store) == [RoundRecord(1, PAIRS, 8, [], [])]
    summary = panel_summary(store, aggregate_panel(store), include_llm=False, below=0.75)
    figures = {e.id: (e.answered, e.total, e.finished) for e in summary.experts}
    assert figures == {"E1": (3, 3, True), "E2": (3, 3, True), "E3": (2, 3, False)}
    assert summary.completion == pytest.approx(8 / 9)
    assert summary.unfinished == ["E3"]


def test_a_late_answer_gives_a_verdict_where_there_was_none(cli, tmp_path):
    folder = tmp_path / "s"
    store = three_factor_study(folder)
    for expert, letters in ROUND_1.items():
        given = dict(zip(PAIRS, letters, strict=True))
        if expert == "E3":
            del given[BC]  # E3 leaves BC open in round 1
        store.record_many(expert, 1, given, "interview")
    assert cli("round", "start", folder, "--below", "0.75").code == 0
    assert store.expert_pairs("E3", 2) == PAIRS  # round 2 also asks E3 the pair left open
    store.record("E3", 2, BC, "O", "interview")
    # quorum 3: BC had 2 answers after round 1 (no verdict), 3 after round 2 (O O O -> O);
    # AB and AC had 3 answers in round 1 already: V and A, untouched in round 2.
    history = round_history(store, rule="direction", quorum=3, include_llm=False)
    assert history[1] == RoundRecord(2, [AB, AC], 1, [], [VerdictChange(BC, None, "O")])
