"""The wizard's screens as an expert sees them: a real process in an 80x24 pseudo-terminal
(TERM=xterm), one cleared screen per pair, the saved letter echoed, hints on Enter and on
unknown keys, review mode for a finished expert, the hidden token prompt, and the
forced-command line that ``expert add`` prints."""

from __future__ import annotations

import io
import os
import re
import shlex
import sys

import pexpect

from ismpanel.cli.experts import forced_command
from ismpanel.elicitation.store import PanelStore
from tests.helpers import SMALL_PAIRS, small_study

ROWS, COLUMNS = 24, 80
ENV = {
    **{k: v for k, v in os.environ.items() if k != "ISMPANEL_TOKEN"},
    "TERM": "xterm",
    "COLUMNS": str(COLUMNS),
    "LINES": str(ROWS),
}
CLEAR = "\x1b[2J"  # rich's Console.clear(): erase the screen (then cursor home)
STYLE = r"(\x1b\[[0-9;]*m)*"


def _spawn(folder, *args: str, command: list[str] | None = None) -> pexpect.spawn:
    words = command or [sys.executable, "-m", "ismpanel", "interview", str(folder), *args]
    return pexpect.spawn(
        words[0], words[1:], env=ENV, encoding="utf-8", timeout=30, dimensions=(ROWS, COLUMNS)
    )


def _answer_prompt(child: pexpect.spawn) -> None:
    child.expect("Your answer")


def test_one_pair_per_screen_with_the_answer_echoed_and_hints(tmp_path):
    tokens = small_study(tmp_path / "s", experts=1)
    child = _spawn(tmp_path / "s", "--expert", "E1", "--token", tokens["E1"])
    child.logfile_read = io.StringIO()  # everything the terminal received
    child.expect("Pair 1 of 6")
    _answer_prompt(child)
    child.send("b")
    child.expect("This is the first pair: there is nothing before it.")
    child.send("\r")
    child.expect("Enter answers nothing \\(there is no default\\)")
    child.send("z")
    child.expect("Not a key of this screen: press v, a, x or o")
    for k, key in enumerate("vaxoxv", start=1):
        _answer_prompt(child)
        child.send(key)
        if k < 6:
            child.expect(f"Pair {k + 1} of 6")
    child.expect("all 6 pairs answered")  # the review list follows the last answer
    child.expect("Pair number:")
    child.send("q\r")
    child.expect("All 6 pairs answered and saved. Thank you.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    screens = child.logfile_read.getvalue().split(CLEAR)[1:]
    assert len(screens) == 7  # six pairs, then the review list, each on a cleared screen
    assert "round 1: 6 pairs to answer" in screens[0]
    for number, screen in enumerate(screens[:6], start=1):
        assert re.findall(r"Pair \d of 6", screen) == [f"Pair {number} of 6"]
        assert screen.count("\n") < ROWS  # the whole screen fits 80x24
        if number > 1:  # the answer just given, at the top, above the pair
            letter, pair = "vaxox"[number - 2].upper(), SMALL_PAIRS[number - 2]
            echo = screen.index(f"saved: {letter} for {pair[0]}-{pair[1]}")
            assert echo < screen.index(f"Pair {number} of 6")
    assert "saved: V for T1-U1" in screens[6] and "Pair 1 of 6" not in screens[6]
    answers = PanelStore.open(tmp_path / "s").round_answers("E1", 1)
    assert [answers[p] for p in SMALL_PAIRS] == list("VAXOXV")


def test_a_finished_expert_reviews_and_changes_an_answer(tmp_path):
    tokens = small_study(tmp_path / "s", experts=1)
    store = PanelStore.open(tmp_path / "s")
    store.record_many("E1", 1, dict(zip(SMALL_PAIRS, "VVVOXA", strict=True)), "import")
    child = _spawn(tmp_path / "s", "--expert", "E1", "--token", tokens["E1"])
    child.expect("all 6 pairs are answered; you may change any of them")
    child.expect(r"2 P1-T1 V   3 P1-U1 V")
    child.expect("Pair number:")
    child.send("9\r")
    child.expect("Not a pair number: type 1 to 6, or q to leave.")
    child.expect("Pair number:")
    child.send("3\r")
    child.expect("Pair 3 of 6")
    child.expect(f"Your current answer: {STYLE}V")
    _answer_prompt(child)
    child.send("s")  # leaves the pair as it was
    child.expect(r"skipped P1-U1 \(kept: V\)")
    child.expect("Pair number:")
    child.send("2\r")
    child.expect("Pair 2 of 6")
    _answer_prompt(child)
    child.send("a")
    child.expect("saved: A for P1-T1")
    child.expect(r"2 P1-T1 A   3 P1-U1 V")
    child.expect("Pair number:")
    child.send("q\r")
    child.expect("All 6 pairs answered and saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    history = [a.relation for a in store.history("E1") if a.pair == ("P1", "T1")]
    assert history == ["V", "A"]  # both answers kept, the later one current
    assert store.round_answers("E1", 1)[("P1", "T1")] == "A"
    assert len(store.history("E1")) == 7


def test_the_token_is_asked_for_hidden_when_none_is_given(tmp_path):
    tokens = small_study(tmp_path / "s", experts=1)
    child = _spawn(tmp_path / "s", "--expert", "E1")
    child.expect("Token for expert E1 \\(not shown as you type\\): ")
    child.sendline(tokens["E1"])
    child.expect("Pair 1 of 6")
    assert tokens["E1"] not in child.before  # not echoed
    _answer_prompt(child)
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    child = _spawn(tmp_path / "s", "--expert", "E1")
    child.expect("Token for expert E1")
    child.sendline("not-the-token")
    child.expect("error: the token typed: wrong token for expert E1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


def test_the_forced_command_line_still_runs_the_interview(tmp_path):
    """The words ``expert add`` puts into authorized_keys (with --token), as sshd runs them."""
    tokens = small_study(tmp_path / "s", experts=1)
    child = _spawn(None, command=shlex.split(forced_command(tmp_path / "s", "E1", tokens["E1"])))
    child.expect("Pair 1 of 6")
    _answer_prompt(child)
    child.send("o")
    child.expect("saved: O for P1-P2")
    _answer_prompt(child)
    child.send("q")
    child.expect("Saved: 1 of 6 pairs answered")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_later_round_shows_the_previous_round_and_anonymous_notes(tmp_path):
    tokens = small_study(tmp_path / "s", experts=2)
    store = PanelStore.open(tmp_path / "s")
    for expert, letters in (("E1", "VVVVVV"), ("E2", "AVVVVV")):
        store.record_many(expert, 1, dict(zip(SMALL_PAIRS, letters, strict=True)), "import")
    store.add_note("E2", 1, ("P1", "P2"), "Rules follow the law")
    store.add_note("E1", 1, ("P1", "P2"), "check the 2019 act")
    store.start_round([("P1", "P2")], 0.75)
    child = _spawn(tmp_path / "s", "--expert", "E1", "--token", tokens["E1"])
    child.logfile_read = io.StringIO()
    child.expect("Pair 1 of 1")
    child.expect("Your previous answer: V")
    child.expect(r"The panel after round 1 \(anonymous\): V 1 · A 1 · X 0 · O 0")
    child.expect("Notes on this pair:")
    child.expect("- Rules follow the law")
    child.expect(r"- \(yours\) check the 2019 act")
    _answer_prompt(child)
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "E2" not in child.logfile_read.getvalue()  # the other expert stays anonymous
