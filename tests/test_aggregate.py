"""Majority aggregation of expert SSIMs and Fleiss' kappa (docs/architecture.md, Method
definitions)."""

from __future__ import annotations

import pytest

from ismpanel.elicitation.aggregate import aggregate, direction_majority, fleiss_kappa

PAIR = ("P1", "P2")


def _one_pair(letters: list[str | None], **kwargs):
    answers = {f"E{k}": ({PAIR: x} if x else {}) for k, x in enumerate(letters, start=1)}
    return aggregate([PAIR], answers, **kwargs).pairs[0]


@pytest.mark.parametrize(
    ("letters", "expected"),
    [
        # worked disagreements, counted by hand
        (["V", "V", "A", "A", "O"], "O"),  # i->j 2/5, j->i 2/5: neither arc kept
        (["X", "V", "V", "A", "A"], "X"),  # i->j 3/5 (X,V,V), j->i 3/5 (X,A,A)
        (["V", "V", "X", "O", "O"], "V"),  # i->j 3/5, j->i 1/5
        (["A", "A", "A", "V", "O"], "A"),
    ],
)
def test_direction_rule_on_the_worked_disagreements(letters, expected):
    result = _one_pair(letters)
    assert result.result == expected
    assert not result.tie


def test_agreement_is_the_share_matching_the_result():
    result = _one_pair(["X", "V", "V", "A", "A"])
    assert result.agreement == pytest.approx(1 / 5)  # only E1 said X
    assert result.votes == {"V": 2, "A": 2, "X": 1, "O": 0}


def test_a_half_split_on_an_arc_is_a_tie_and_the_arc_is_dropped():
    result = _one_pair(["V", "V", "O", "O"])
    assert result.result == "O"
    assert result.tie
    assert result.contested


def test_missing_answers_are_reported_and_the_majority_uses_those_who_answered():
    result = _one_pair(["V", None, "V", "O", None])
    assert result.missing == ("E2", "E5")
    assert result.answered == ("E1", "E3", "E4")
    assert result.result == "V"  # 2 of the 3 who answered
    assert result.agreement == pytest.approx(2 / 3)


def test_quorum_withholds_a_result():
    result = _one_pair(["V", None, "V", None, None], quorum=3)
    assert result.result is None
    assert result.below_quorum
    assert _one_pair(["V", None, "V", None, None], quorum=2).result == "V"


def test_letter_rule_takes_the_most_frequent_letter_and_breaks_ties_by_direction():
    assert _one_pair(["X", "V", "V", "A", "A"], rule="letter").result == "X"  # V/A tie -> X
    assert _one_pair(["X", "V", "V", "A", "A"], rule="letter").tie
    assert _one_pair(["V", "V", "X", "O", "O"], rule="letter").result == "V"  # V/O tie
    plurality = _one_pair(["O", "O", "V", "A", "X"], rule="letter")
    assert (plurality.result, plurality.tie) == ("O", False)


def test_direction_majority_counts():
    assert direction_majority({"V": 1, "A": 1, "X": 1}) == ("X", False)  # 2 of 3 each way
    assert direction_majority({"X": 2, "O": 1}) == ("X", False)


def test_fleiss_kappa_hand_computed():
    # 3 pairs rated by 3 experts: VVV, VAO, XXO.
    # P_i = 1, 0, 1/3 -> P-bar = 4/9; p = V 4/9, A 1/9, X 2/9, O 2/9 -> P_e = 25/81;
    # kappa = (4/9 - 25/81) / (1 - 25/81) = 11/56.
    subjects = [{"V": 3}, {"V": 1, "A": 1, "O": 1}, {"X": 2, "O": 1}]
    assert fleiss_kappa(subjects, "VAXO") == pytest.approx(11 / 56)


def test_fleiss_kappa_matches_the_textbook_example():
    # The worked example of the Wikipedia article "Fleiss' kappa": 10 subjects, 14 raters,
    # 5 categories; the article gives kappa = 0.210 (P-bar = 0.378, P_e = 0.213).
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    subjects = [dict(zip("12345", row, strict=True)) for row in table]
    assert round(fleiss_kappa(subjects, "12345"), 3) == 0.210


def test_fleiss_kappa_skips_pairs_with_one_answer_and_is_none_without_data():
    assert fleiss_kappa([{"V": 1}], "VAXO") is None
    with_single = fleiss_kappa(
        [{"V": 3}, {"V": 1, "A": 1, "O": 1}, {"X": 2, "O": 1}, {"A": 1}], "VAXO"
    )
    assert with_single == pytest.approx(11 / 56)


def test_aggregate_keeps_study_order_and_reports_kappa():
    pairs = [("A", "B"), ("A", "C"), ("B", "C")]
    answers = {
        "E1": {("A", "B"): "V", ("A", "C"): "V", ("B", "C"): "X"},
        "E2": {("A", "B"): "V", ("A", "C"): "A", ("B", "C"): "X"},
        "E3": {("A", "B"): "V", ("A", "C"): "O", ("B", "C"): "O"},
    }
    result = aggregate(pairs, answers)
    assert [p.pair for p in result.pairs] == pairs
    assert result.letters() == {("A", "B"): "V", ("A", "C"): "O", ("B", "C"): "X"}
    assert result.kappa == pytest.approx(11 / 56)
    assert [p.pair for p in result.contested(0.75)] == [("A", "C"), ("B", "C")]
