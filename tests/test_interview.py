"""The interview: order and resume, answers, back and skip, the keyboard prompt (driven with
prompt_toolkit's pipe input), the wizard loop, plain line mode, and the terminal check."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from ismpanel.elicitation.interview import Session
from ismpanel.elicitation.prompts import note_question, pair_question
from ismpanel.elicitation.store import PanelStore
from ismpanel.elicitation.wizard import run_plain, run_wizard
from tests.helpers import small_study

ROWS = [("P1", "P2"), ("P1", "T1"), ("P1", "U1"), ("P2", "T1"), ("P2", "U1"), ("T1", "U1")]


@pytest.fixture
def study(tmp_path):
    tokens = small_study(tmp_path / "s", experts=2)
    return tmp_path / "s", tokens


def _session(folder, expert="E1", order="rows"):
    return Session(PanelStore.open(folder), expert, order)


def test_rows_order_is_the_ssim_form_and_shuffle_is_stable_per_expert(study):
    folder, _ = study
    assert _session(folder).order == ROWS
    shuffled = _session(folder, order="shuffled").order
    assert sorted(shuffled) == ROWS
    assert _session(folder, order="shuffled").order == shuffled


def test_answers_move_on_and_a_restart_resumes_at_the_first_unanswered(study):
    folder, _ = study
    s = _session(folder)
    s.answer("v")
    s.answer("O")
    assert s.screen().pair == ("P1", "U1")
    again = _session(folder)
    assert again.answered == 2
    assert again.screen().pair == ("P1", "U1")
    assert again.store.round_answers("E1", 1) == {("P1", "P2"): "V", ("P1", "T1"): "O"}


def test_back_shows_the_current_answer_and_a_change_returns_to_the_first_open_pair(study):
    folder, _ = study
    s = _session(folder)
    s.answer("V")
    s.answer("A")
    s.back()
    screen = s.screen()
    assert (screen.pair, screen.current) == (("P1", "T1"), "A")
    s.back()
    s.answer("X")  # change P1-P2, then continue where the expert was
    assert s.screen().pair == ("P1", "U1")
    assert [a.relation for a in s.store.history("E1")] == ["V", "A", "X"]


def test_skip_leaves_a_pair_open_and_comes_back_to_it(study):
    folder, _ = study
    s = _session(folder)
    s.skip()
    for letter in "VAXOV":
        s.answer(letter)
    assert s.screen().pair == ("P1", "P2")
    s.skip()  # the only open pair: skipping ends the interview with it unanswered
    assert s.done and s.answered == 5


def test_the_prompt_takes_single_keys_and_has_no_default():
    def ask(keys: str):
        with create_pipe_input() as inp:
            inp.send_text(keys)
            return pair_question(input=inp, output=DummyOutput()).unsafe_ask()

    assert [ask(k) for k in "vaxoVbsn?q"] == [
        "V",
        "A",
        "X",
        "O",
        "V",
        "back",
        "skip",
        "note",
        "help",
        "quit",
    ]
    # Enter and every other key answer nothing; the wizard shows a hint for them
    assert [ask(k) for k in ("\r", " ", "z", "\t", "\x01", "\x1b[A", "\x7f")] == (
        ["enter"] + ["unknown"] * 6
    )
    assert ask("\x04") == "quit"
    with pytest.raises(KeyboardInterrupt):
        ask("\x03")


def test_the_note_prompt_reads_a_line():
    with create_pipe_input() as inp:
        inp.send_text("depends on enforcement\r")
        assert note_question(input=inp, output=DummyOutput()).unsafe_ask() == (
            "depends on enforcement"
        )


def test_the_wizard_records_answers_and_notes_and_shows_progress(study):
    folder, _ = study
    keys = iter(["V", "note", "help", "A", "back", "quit"])
    buffer = io.StringIO()
    outcome = run_wizard(
        _session(folder), Console(file=buffer, width=120), lambda: next(keys), lambda: "a note"
    )
    assert outcome == "quit"
    text = buffer.getvalue()
    assert "Pair 1 of 6 · 0 answered" in text
    assert "Privacy law (P1) directly influences Open data rules (P2)" in text
    assert "Your current answer: V" not in text.split("Pair 2 of 6")[0]
    assert "Your current answer: A" in text  # after going back
    store = PanelStore.open(folder)
    assert store.round_answers("E1", 1) == {("P1", "P2"): "V", ("P1", "T1"): "A"}
    assert [n[3] for n in store.notes("E1")] == ["a note"]


def test_plain_mode_validates_every_line_and_never_defaults(study):
    folder, _ = study
    out = io.StringIO()
    lines = io.StringIO("\nmaybe\nv\nVV\nskip\nx\nback\nquit\n")
    assert run_plain(_session(folder), lines, out) == "quit"
    text = out.getvalue()
    assert "not an answer: ''" in text and "not an answer: 'maybe'" in text
    assert "not an answer: 'VV'" in text
    assert PanelStore.open(folder).round_answers("E1", 1) == {("P1", "P2"): "V", ("P1", "U1"): "X"}


def test_plain_mode_end_of_input_quits_with_answers_kept(study):
    folder, _ = study
    assert run_plain(_session(folder), io.StringIO("o\n"), io.StringIO()) == "quit"
    assert PanelStore.open(folder).round_answers("E1", 1) == {("P1", "P2"): "O"}


def _interview(folder, *args, stdin: str = ""):
    return subprocess.run(
        [sys.executable, "-m", "ismpanel", "interview", str(folder), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_wizard_refuses_piped_input_and_writes_nothing(study):
    folder, tokens = study
    run = _interview(folder, "--expert", "E1", "--token", tokens["E1"], stdin="v\nv\n")
    assert run.returncode == 2
    assert run.stderr.strip().startswith("error: interview needs a terminal on stdin and stdout")
    assert run.stderr.count("\n") == 1
    assert PanelStore.open(folder).history() == []


def test_plain_mode_through_the_command_line(study):
    folder, tokens = study
    run = _interview(
        folder, "--expert", "E2", "--token", tokens["E2"], "--plain", stdin="v\na\nx\no\nv\na\n"
    )
    assert run.returncode == 0, run.stderr
    assert "All 6 pairs answered and saved" in run.stdout
    answers = PanelStore.open(folder).round_answers("E2", 1)
    assert [answers[p] for p in ROWS] == list("VAXOVA")
    assert PanelStore.open(folder).round_answers("E1", 1) == {}  # only E2's answers written


def test_a_wrong_token_or_unknown_expert_is_refused(study):
    folder, tokens = study
    wrong = _interview(folder, "--expert", "E1", "--token", tokens["E2"], "--plain", stdin="v\n")
    assert (wrong.returncode, wrong.stderr) == (2, "error: --token: wrong token for expert E1\n")
    unknown = _interview(folder, "--expert", "E9", "--token", "x", "--plain", stdin="v\n")
    assert unknown.returncode == 2 and "--expert: no such expert E9" in unknown.stderr
    assert PanelStore.open(folder).history() == []


def test_an_llm_panelist_cannot_be_interviewed(study):
    folder, _ = study
    PanelStore.open(folder).add_expert("model", "llm")
    run = _interview(folder, "--expert", "L1", "--plain", stdin="v\n")
    assert run.returncode == 2 and "--expert L1: an LLM panelist" in run.stderr
    assert PanelStore.open(folder).history() == []


def test_expert_names_never_reach_the_interview(study):
    folder, tokens = study
    run = _interview(
        folder, "--expert", "E1", "--token", tokens["E1"], "--plain", stdin="v\nv\nv\nv\nv\nv\n"
    )
    assert "Expert number" not in run.stdout + run.stderr


def test_a_later_round_shows_the_previous_answer_and_the_panel_distribution(study):
    folder, _ = study
    store = PanelStore.open(folder)
    for expert, letters in (("E1", "VVVVVV"), ("E2", "AVVVVV")):
        store.record_many(expert, 1, dict(zip(ROWS, letters, strict=True)), "import")
    store.start_round([("P1", "P2")], 0.75)
    s = _session(folder)
    assert (s.round, s.total) == (2, 1)
    screen = s.screen()
    assert screen.previous == "V"
    assert screen.distribution == {"V": 1, "A": 1, "X": 0, "O": 0}
    s.answer("A")
    assert store.latest_answers()["E1"][("P1", "P2")] == "A"
    assert store.round_answers("E1", 1)[("P1", "P2")] == "V"  # round 1 history kept


def test_skipping_the_last_open_pair_does_not_claim_completion(study):
    folder, tokens = study
    run = _interview(
        folder, "--expert", "E1", "--token", tokens["E1"], "--plain", stdin="v\nv\nv\nv\nv\nskip\n"
    )
    assert run.returncode == 0
    assert "Saved: 5 of 6 pairs answered. Run the same command to resume." in run.stdout
    assert "All 6 pairs answered" not in run.stdout


def test_plain_mode_shows_the_previous_round_and_the_panel(study):
    folder, tokens = study
    store = PanelStore.open(folder)
    for expert, letters in (("E1", "VVVVVV"), ("E2", "AVVVVV")):
        store.record_many(expert, 1, dict(zip(ROWS, letters, strict=True)), "import")
    store.start_round([("P1", "P2")], 0.75)
    run = _interview(folder, "--expert", "E1", "--token", tokens["E1"], "--plain", stdin="quit\n")
    assert "Your previous answer: V" in run.stdout
    assert "The panel after round 1 (anonymous): V 1 · A 1 · X 0 · O 0" in run.stdout
    assert "Press ? for help" not in run.stdout
