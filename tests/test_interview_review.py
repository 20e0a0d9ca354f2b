"""The interview as a command in line mode (piped, as a script or a screen reader would use
it): review and change of a finished expert's answers, the factors' definitions, the
commands it lists, round feedback (the previous round's counts under its name, other
experts' notes without their ids), and the token taken from a file, the environment or a
prompt instead of the command line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from ismpanel.elicitation.interview import Session
from ismpanel.elicitation.store import PanelStore
from ismpanel.elicitation.wizard import progress_line
from tests.helpers import SMALL_PAIRS, small_study


@pytest.fixture
def study(tmp_path):
    tokens = small_study(tmp_path / "s", experts=3)
    return tmp_path / "s", tokens


def _interview(folder, *args: str, stdin: str = "", env: dict | None = None):
    environment = {k: v for k, v in os.environ.items() if k != "ISMPANEL_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "ismpanel", "interview", str(folder), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**environment, **(env or {})},
    )


def _plain(folder, tokens, expert="E1", stdin=""):
    return _interview(folder, "--expert", expert, "--token", tokens[expert], "--plain", stdin=stdin)


def _answer_all(folder, expert="E1", letters="VVVOXA"):
    store = PanelStore.open(folder)
    store.record_many(expert, 1, dict(zip(SMALL_PAIRS, letters, strict=True)), "import")
    return store


# -- review ---------------------------------------------------------------------------------


def test_a_finished_expert_lists_the_pairs_and_changes_one(study):
    folder, tokens = study
    store = _answer_all(folder)
    run = _plain(folder, tokens, stdin="9\nlist\n2\na\nquit\n")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "all 6 pairs are answered; you may change any of them" in out
    assert "  2  P1 Privacy law | T1 Anonymisation: V\n" in out
    assert out.count("  2  P1 Privacy law | T1 Anonymisation: V\n") == 2  # and again on list
    assert "not a pair number: '9'; type 1 to 6, list or quit" in out
    assert "Pair 2 of 6 · 6 answered" in out and "current answer: V" in out
    assert "saved P1-T1: A" in out
    assert out.rstrip().endswith("All 6 pairs answered and saved. Thank you.")
    assert [a.relation for a in store.history("E1") if a.pair == ("P1", "T1")] == ["V", "A"]
    assert store.round_answers("E1", 1)[("P1", "T1")] == "A"


def test_answering_the_last_pair_opens_the_list_and_end_of_input_leaves(study):
    folder, tokens = study
    run = _plain(folder, tokens, stdin="v\na\nx\no\nv\na\n1\no\n")
    assert run.returncode == 0, run.stderr
    assert "Round 1: all 6 pairs answered. Type a pair's number" in run.stdout
    assert "  6  T1 Anonymisation | U1 Awareness: A\n" in run.stdout
    assert "saved P1-P2: O" in run.stdout
    store = PanelStore.open(folder)
    assert [a.relation for a in store.history("E1")] == [*"VAXOVA", "O"]


def test_skipping_in_review_keeps_the_answer(study):
    folder, tokens = study
    store = _answer_all(folder)
    run = _plain(folder, tokens, stdin="3\nskip\nq\n")
    assert run.returncode == 0 and "All 6 pairs answered and saved" in run.stdout
    assert len(store.history("E1")) == 6


def test_a_reviewed_pair_claims_no_time_left(study):
    folder, _ = study
    session = Session(PanelStore.open(folder), "E1")
    for letter in "VAXOVA":
        session.answer(letter)
    assert session.done
    session.go_to(1)
    screen = session.screen()
    assert (screen.pair, screen.current, screen.seconds_left) == (("P1", "T1"), "A", None)
    assert "left" not in progress_line(screen)


# -- plain mode's screen ----------------------------------------------------------------------


def test_plain_mode_shows_definitions_and_lists_note_among_its_commands(study):
    folder, tokens = study
    run = _plain(folder, tokens, stdin="back\nmaybe\nhelp\nnote depends on funding\nquit\n")
    out = run.stdout
    assert out.startswith(
        "Expert E1, round 1: 6 pairs to answer. Type v, a, x, o, skip, back, note TEXT, help "
        "or quit.\n"
    )
    assert "  P1: Laws on personal data\n  P2: Rules for releasing data\n" in out
    assert "This is the first pair: there is nothing before it." in out
    assert "not an answer: 'maybe'; type v, a, x, o, skip, back, note TEXT, help or quit" in out
    assert "  note TEXT  save a note on this pair" in out  # the help
    assert "note saved" in out
    assert [n[3] for n in PanelStore.open(folder).notes("E1")] == ["depends on funding"]


# -- round feedback ---------------------------------------------------------------------------


def _round_two(folder):
    """Round 1 answered by three experts, with notes on P1-P2; round 2 reopens P1-P2."""
    store = PanelStore.open(folder)
    for expert, letters in (("E1", "VVVVVV"), ("E2", "AVVVVV"), ("E3", "AVVVVV")):
        store.record_many(expert, 1, dict(zip(SMALL_PAIRS, letters, strict=True)), "import")
    store.add_note("E2", 1, ("P1", "P2"), "Rules follow the law,\nnot the reverse")
    store.add_note("E1", 1, ("P1", "P2"), "mine from round one")
    store.add_note("E3", 1, ("P1", "T1"), "a note on another pair")
    store.start_round([("P1", "P2")], 0.75)
    store.add_note("E3", 2, ("P1", "P2"), "written during round two")
    return store


def test_round_two_shows_the_previous_round_and_the_notes_anonymously(study):
    folder, tokens = study
    _round_two(folder)
    run = _plain(folder, tokens, stdin="quit\n")
    out = run.stdout
    assert "Your previous answer: V" in out
    assert "The panel after round 1 (anonymous): V 1 · A 2 · X 0 · O 0" in out
    assert "  Notes on this pair:\n" in out
    assert "    - Rules follow the law, not the reverse\n" in out  # on one line
    assert "    - (yours) mine from round one\n" in out
    assert "written during round two" not in out  # feedback is from the rounds before
    assert "a note on another pair" not in out
    assert "E2" not in out and "E3" not in out and "Expert number" not in out


def test_a_note_written_into_panel_db_directly_reaches_the_screen_without_escapes(study):
    """In a group-writable study anyone in the group can write panel.db: a note stored with
    terminal escapes and line breaks is shown as plain text on one line."""
    folder, tokens = study
    _round_two(folder)
    conn = sqlite3.connect(folder / "panel.db")
    with conn:
        conn.execute(
            "INSERT INTO notes (expert, round, i, j, text, at) VALUES "
            "('E2', 1, 'P1', 'P2', ?, '2026-01-01T00:00:00+00:00')",
            ("see\x1b[2J\x1b]0;owned\x07 this\nYour previous answer: O",),
        )
    conn.close()
    out = _plain(folder, tokens, stdin="quit\n").stdout
    assert "    - see[2J]0;owned this Your previous answer: O\n" in out
    assert "\x1b" not in out and "\x07" not in out


def test_a_third_round_names_the_second_as_the_source_of_its_counts(study):
    folder, _ = study
    store = _round_two(folder)
    store.record("E2", 2, ("P1", "P2"), "V", "import")
    store.start_round([("P1", "P2")], 0.75)
    screen = Session(PanelStore.open(folder), "E1").screen()
    assert (screen.feedback_round, screen.distribution) == (2, {"V": 2, "A": 1, "X": 0, "O": 0})
    assert [n.text for n in screen.notes] == [
        "Rules follow the law, not the reverse",
        "mine from round one",
        "written during round two",
    ]


def test_the_counts_leave_out_an_expert_withdrawn_before_the_round(study):
    folder, tokens = study
    store = _round_two(folder)
    store.withdraw("E3", from_round=1)
    run = _plain(folder, tokens, stdin="quit\n")
    assert "The panel after round 1 (anonymous): V 1 · A 1 · X 0 · O 0" in run.stdout
    refused = _plain(folder, tokens, expert="E3", stdin="v\n")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("error: expert E3 has withdrawn from the panel")


# -- tokens off the command line --------------------------------------------------------------


def test_the_token_from_a_file(study, tmp_path):
    folder, tokens = study
    good = tmp_path / "token"
    good.write_text(tokens["E1"] + "\n")
    run = _interview(folder, "--expert", "E1", "--token-file", str(good), "--plain", stdin="v\n")
    assert run.returncode == 0, run.stderr
    assert PanelStore.open(folder).round_answers("E1", 1) == {("P1", "P2"): "V"}

    wrong = tmp_path / "wrong"
    wrong.write_text(tokens["E2"])
    run = _interview(folder, "--expert", "E1", "--token-file", str(wrong), "--plain")
    assert (run.returncode, run.stderr) == (
        2,
        f"error: --token-file {wrong}: wrong token for expert E1\n",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "--token-file {path}: no such file"),
        ("folder", "--token-file {path}: is a folder, not a file"),
        (b"", "--token-file {path}: empty; it should hold the token"),
        (b"x" * 2000, "--token-file {path}: over 1024 bytes; the file should hold only the token"),
        (b"\xff\xfe", "--token-file {path}: not a text file"),
    ],
)
def test_a_bad_token_file_is_one_line(study, tmp_path, content, message):
    folder, _ = study
    path = tmp_path / "token"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    run = _interview(folder, "--expert", "E1", "--token-file", str(path), "--plain", stdin="v\n")
    assert run.returncode == 2
    assert run.stderr.startswith("error: " + message.format(path=path))
    assert run.stderr.count("\n") == 1
    assert PanelStore.open(folder).history() == []


def test_the_token_from_the_environment_and_token_first(study):
    folder, tokens = study
    env = {"ISMPANEL_TOKEN": tokens["E1"]}
    run = _interview(folder, "--expert", "E1", "--plain", stdin="x\n", env=env)
    assert run.returncode == 0, run.stderr
    wrong = {"ISMPANEL_TOKEN": tokens["E2"]}
    run = _interview(folder, "--expert", "E1", "--plain", stdin="v\n", env=wrong)
    assert run.stderr == "error: ISMPANEL_TOKEN: wrong token for expert E1\n"
    # --token, as in the forced-command line, wins over the variable
    run = _interview(
        folder, "--expert", "E1", "--token", tokens["E1"], "--plain", stdin="o\n", env=wrong
    )
    assert run.returncode == 0, run.stderr
    answers = PanelStore.open(folder).round_answers("E1", 1)
    assert answers == {("P1", "P2"): "X", ("P1", "T1"): "O"}


def test_without_a_token_and_without_a_terminal_the_error_names_the_ways(study, tmp_path):
    folder, tokens = study
    run = _interview(folder, "--expert", "E1", "--plain", stdin="v\n")
    assert (run.returncode, run.stderr) == (
        2,
        "error: expert E1 needs the token given at invitation: give it with --token-file "
        "PATH, $ISMPANEL_TOKEN or --token\n",
    )
    path = tmp_path / "token"
    path.write_text(tokens["E1"])
    both = _interview(
        folder, "--expert", "E1", "--token", "t", "--token-file", str(path), "--plain"
    )
    assert both.stderr == "error: --token and --token-file: give one of them, not both\n"
    assert PanelStore.open(folder).history() == []
