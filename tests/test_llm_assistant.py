"""The ``?`` key: the help text and, below it, the assistant's explanation of the pair from
a local OpenAI-compatible server; a reply with a verdict is withheld; the assistant is off
with a one-line note without a server or without openai; it never records an answer and the
interview never imports openai until ``?`` needs it."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pexpect
import pytest
from rich.console import Console

from ismpanel.elicitation.interview import Session
from ismpanel.elicitation.llm.assistant import OFF, WITHHELD, Assistant
from ismpanel.elicitation.llm.verdicts import find_verdict
from ismpanel.elicitation.store import PanelStore
from ismpanel.elicitation.study import Factor
from ismpanel.elicitation.wizard import run_wizard
from tests.helpers import small_study
from tests.llm_servers import FakeServer, Reply, completion

NEUTRAL = (
    "Privacy law sets the legal limits on handling personal data, while open data rules "
    "govern which public datasets are released and how. Weigh whether a change in one would "
    "by itself change the other, and consider how each is enforced in practice."
)
VERDICTS = [
    "Privacy law directly influences Open data rules, so the answer is V.",
    "Privacy law clearly shapes open data rules.",
    "The two factors influence each other in both ways.",
    "I would choose o for this pair: the factors are independent.",
    "There is no direct influence between P1 and P2.",
    "Open data rules are driven by privacy law.",
]
P1 = Factor("P1", "Privacy law", "policy", "Laws on personal data")
P2 = Factor("P2", "Open data rules", "policy", "Rules for releasing data")
PL1 = Factor("PL1", "Personal information legislation", "policy", "Laws on personal data")
TE1 = Factor("TE1", "De-identification technology", "technology", "Masking identities")


@pytest.fixture
def study(llm_study):
    return llm_study


def interview(folder, keys: list[str]) -> str:
    """Run the wizard with the given keys and the assistant; return what it printed."""
    store = PanelStore.open(folder)
    session = Session(store, "E1")
    buffer = io.StringIO()
    pressed = iter(keys)
    assistant = Assistant(store, "E1")
    run_wizard(
        session,
        Console(file=buffer, width=200),
        lambda: next(pressed),
        lambda: None,
        assistant.explain,
    )
    return buffer.getvalue()


def configure(monkeypatch, server: FakeServer) -> None:
    monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
    monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")


@pytest.mark.parametrize("text", VERDICTS)
def test_verdicts_are_recognised(text):
    assert find_verdict(text, P1, P2, "directly influences") is not None


@pytest.mark.parametrize(
    "text",
    [
        # a hedge elsewhere in the sentence does not excuse the clause that states the relation
        "PL1 directly influences TE1, so consider that when you answer.",
        "Most panels answer that PL1 directly influences TE1, but weigh your own experience.",
        "PL1 directly influences TE1, doesn't it?",  # the question is the tag only
        "Does it matter, given that PL1 drives TE1?",
        "Even if PL1 drives TE1, weigh the rest.",  # "even if" concedes, it does not ask
        "Clearly, consider whether PL1 directly influences TE1.",  # leaning undoes the hedge
        # any linking word or arrow between the two factors, not only influence verbs
        "PL1 requires TE1.",
        "PL1 is upstream of TE1.",
        "PL1 \u2192 TE1.",
        "PL1 -> TE1.",
        "Treat PL1 as a precondition for TE1.",
        "Here the influence runs from PL1 to TE1.",
        "De-identification technology rests on personal information legislation.",
        "PL1, in practice, comes before TE1.",
        # a direction, or the absence or kind of a relation, without naming both
        "The two are unconnected.",
        "They have nothing to do with each other.",
        "Personal information legislation and de-identification technology interact.",
        "The influence runs from the law to the technology.",
        # a modal is no hedge: it leans
        "Personal information legislation might constrain what de-identification technology "
        "allows.",
    ],
)
def test_verdicts_outside_a_hedged_clause_are_recognised(text):
    assert find_verdict(text, PL1, TE1, "directly influences") is not None


@pytest.mark.parametrize(
    "text",
    [
        "Does PL1 directly influence TE1, or is it the other way round?",
        "Ask yourself if PL1 directly influences TE1.",
        "Consider whether PL1 is a precondition for TE1.",
        "PL1 and TE1 are both about privacy; consider whether one shapes the other.",
        "Weigh whether the influence runs from PL1 to TE1, or from TE1 to PL1.",
    ],
)
def test_a_question_or_whether_clause_excuses_the_relation_it_asks_about(text):
    assert find_verdict(text, PL1, TE1, "directly influences") is None


@pytest.mark.parametrize(
    "text",
    [
        NEUTRAL,
        "A strong privacy law protects individuals. Open data rules decide what is published.",
        "Consider whether P1 directly influences P2, or whether the effect runs through "
        "other factors such as enforcement.",
        "Key considerations: (a) whether the law prescribes release procedures, (b) whether "
        "release practice informs the law.",
    ],
)
def test_explanations_without_a_verdict_pass(text):
    assert find_verdict(text, P1, P2, "directly influences") is None


def test_question_mark_shows_the_help_and_the_explanation_and_answers_nothing(study, monkeypatch):
    with FakeServer(lambda body, server: completion(NEUTRAL)) as server:
        configure(monkeypatch, server)
        out = interview(study, ["help", "help", "quit"])
    assert "Judge the direct relation only" in out  # the help text
    assert out.count("Assistant: Privacy law sets the legal limits") == 2
    assert len(server.requests) == 1  # the second ? on the same pair reuses the explanation
    body = server.requests[0]
    assert "response_format" not in body
    assert "Do not give a verdict" in body["messages"][0]["content"]
    assert "First factor P1: Privacy law" in body["messages"][1]["content"]
    store = PanelStore.open(study)
    assert store.round_answers("E1", 1) == {}
    (call,) = store.llm_calls("E1", "assistant")
    assert (call.pair, call.outcome, call.model) == (("P1", "P2"), "shown", "fake-model")
    assert call.reply == NEUTRAL and call.prompt == body["messages"]


@pytest.mark.parametrize("verdict", VERDICTS[:3])
def test_a_reply_with_a_verdict_is_withheld(study, monkeypatch, verdict):
    with FakeServer(lambda body, server: completion(verdict)) as server:
        configure(monkeypatch, server)
        out = interview(study, ["help", "V", "quit"])
    assert WITHHELD in out
    assert verdict not in out and "Assistant: " + verdict[:20] not in out
    store = PanelStore.open(study)
    assert store.round_answers("E1", 1) == {("P1", "P2"): "V"}  # the expert's own key
    (call,) = store.llm_calls("E1", "assistant")
    assert call.outcome == "withheld" and call.reply == verdict and call.detail


def test_without_a_server_the_assistant_is_off_with_one_line(study):
    out = interview(study, ["help", "quit"])
    assert "Judge the direct relation only" in out
    assert OFF in out
    assert PanelStore.open(study).llm_calls("E1", "assistant") == []


def test_without_openai_the_assistant_says_what_to_install(study, monkeypatch):
    monkeypatch.setitem(sys.modules, "openai", None)  # import openai now fails
    monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ISMPANEL_LLM_MODEL", "m")
    out = interview(study, ["help", "quit"])
    assert "Assistant off: the LLM features need the openai package: pip install " in out
    assert "'ismpanel[llm]'" in out


def test_a_slow_server_leaves_the_expert_a_note_quickly(study, monkeypatch):
    with (study / "study.toml").open("a") as fh:
        fh.write("\n[llm]\ntimeout = 0.2\nretries = 0\n")
    slow = completion(NEUTRAL)
    with FakeServer(lambda body, server: Reply(slow.body, delay=2.0)) as server:
        configure(monkeypatch, server)
        out = interview(study, ["help", "quit"])
    assert "Assistant unavailable: timed out: nothing came for 0.2 s" in out
    assert [c.outcome for c in PanelStore.open(study).llm_calls("E1", "assistant")] == ["failed"]


def test_the_interview_and_help_start_without_importing_openai(study):
    code = (
        "import sys, io\n"
        "from pathlib import Path\n"
        "from rich.console import Console\n"
        "from ismpanel.cli.app import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('HELP', 'openai' in sys.modules)\n"
        "from ismpanel.elicitation.interview import Session\n"
        "from ismpanel.elicitation.llm.assistant import Assistant\n"
        "from ismpanel.elicitation.store import PanelStore\n"
        "from ismpanel.elicitation.wizard import run_wizard\n"
        f"store = PanelStore.open(Path({str(study)!r}))\n"
        "keys = iter(['V', 'quit'])\n"
        "run_wizard(Session(store, 'E1'), Console(file=io.StringIO()), lambda: next(keys),\n"
        "           lambda: None, Assistant(store, 'E1').explain)\n"
        "print('INTERVIEW', 'openai' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HELP False" in run.stdout and "INTERVIEW False" in run.stdout, run.stderr


def test_question_mark_in_a_real_terminal_shows_the_explanation(study, monkeypatch):
    tokens = small_study(study.parent / "t", experts=1)
    with FakeServer(lambda body, server: completion(NEUTRAL)) as server:
        configure(monkeypatch, server)
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "200", "LINES": "40"}
        args = ["interview", str(study.parent / "t"), "--expert", "E1", "--token", tokens["E1"]]
        child = pexpect.spawn(
            sys.executable,
            ["-m", "ismpanel", *args],
            env=env,
            encoding="utf-8",
            timeout=30,
            dimensions=(40, 200),
        )
        child.expect("Your answer")
        child.send("?")
        child.expect("Judge the direct relation only")
        child.expect("Assistant: Privacy law sets the legal limits")
        child.expect("Your answer")
        child.send("v")
        child.expect("Pair 2 of 6")
        child.expect("Your answer")
        child.send("q")
        child.expect("LLM usage \\(fake-model at ")
        child.expect(pexpect.EOF)
        child.close()
    assert child.exitstatus == 0
    store = PanelStore.open(study.parent / "t")
    assert store.round_answers("E1", 1) == {("P1", "P2"): "V"}
    assert [c.outcome for c in store.llm_calls("E1", "assistant")] == ["shown"]
