"""The synthetic panelist (``llm-expert``) against local OpenAI-compatible servers: a
well-behaved one, one that ignores or rejects the JSON schema, one that returns garbage, one
that times out, one that fails half the pairs; K-sample voting; resuming after a stop or a
``kill -9``. No server may get a wrong answer recorded: unsure, split and failed pairs stay
missing, never O."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from itertools import cycle

import pytest

from ismpanel.elicitation.store import PanelStore
from tests.helpers import small_study
from tests.llm_servers import (
    FakeServer,
    Reply,
    asked_pair,
    completion,
    error,
    is_repair,
    judgement,
)

PAIRS = [("P1", "P2"), ("P1", "T1"), ("P1", "U1"), ("P2", "T1"), ("P2", "U1"), ("T1", "U1")]
TRUTH = dict(zip(PAIRS, ["V", "A", "O", "X", "V", "A"], strict=True))


@pytest.fixture
def study(tmp_path, monkeypatch):
    """A 4-factor study with two human experts; LLM settings come from the environment that
    each test points at its own server; backoff is short so that retries are fast."""
    folder = tmp_path / "s"
    small_study(folder, experts=2)
    with (folder / "study.toml").open("a") as fh:
        fh.write("\n[llm]\nbackoff = 0.01\n")
    for name in ("ISMPANEL_LLM_API_KEY", "OPENAI_API_KEY", "ISMPANEL_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return folder


def serve(monkeypatch, behaviour) -> FakeServer:
    server = FakeServer(behaviour)
    monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
    return server


def truthful(body: dict, server: FakeServer) -> Reply:
    return completion(judgement(TRUTH[asked_pair(body)]))


def llm_answers(folder, expert="L1") -> dict:
    store = PanelStore.open(folder)
    return {p: a for p, a in store.round_answers(expert, 1).items()}


def calls(folder, expert="L1"):
    return PanelStore.open(folder).llm_calls(expert, "panelist", 1)


def test_a_well_behaved_server_answers_every_pair_and_everything_is_stored(cli, study, monkeypatch):
    monkeypatch.setenv("ISMPANEL_LLM_API_KEY", "sk-test-secret-key")
    with serve(monkeypatch, truthful) as server:
        run = cli("llm-expert", study, "--samples", "3", "--temperature", "0.5")
    assert run.code == 0, run.err
    stored_bytes = b"".join(f.read_bytes() for f in study.glob("panel.db*"))
    assert b"sk-test-secret-key" not in stored_bytes and b"fake-model" in stored_bytes
    assert llm_answers(study) == TRUTH
    store = PanelStore.open(study)
    assert store.expert("L1").kind == "llm"
    assert [a.source for a in store.history("L1")] == ["llm"] * 6
    stored = calls(study)
    assert len(stored) == 18 and len(server.requests) == 18
    for call in stored:
        assert call.model == "fake-model" and call.base_url == server.url
        assert call.params["temperature"] == 0.5 and call.params["samples"] == 3
        assert call.params["reply_format"] == "json_schema"
        assert (
            call.prompt[0]["role"] == "system"
            and "directly influences" in call.prompt[0]["content"]
        )
        assert json.loads(call.reply)["relation"] == TRUTH[call.pair] == call.outcome
        assert (call.prompt_tokens, call.completion_tokens) == (50, 10)
    body = server.requests[0]
    assert body["model"] == "fake-model" and body["temperature"] == 0.5
    assert body["response_format"]["type"] == "json_schema"
    assert "18 call(s), 0 retried, 0 failed; 900 prompt + 180 completion tokens" in run.err
    assert "6 answer(s) recorded now (V 2, A 2, X 1, O 1)" in run.out


def test_k_samples_are_voted_and_unsure_or_split_pairs_stay_missing(cli, study, monkeypatch):
    samples = {
        ("P1", "P2"): ["V", "V", "A"],  # majority V
        ("P1", "T1"): ["V", "A", "X"],  # split: missing
        ("P1", "U1"): ["unsure", "unsure", "O"],  # one O of three: missing, not O
        ("P2", "T1"): ["O", "O", "O"],  # O
        ("P2", "U1"): ["X", "unsure", "X"],  # X
        ("T1", "U1"): ["A", "garbage", "A"],  # A; the garbage sample is invalid
    }

    def voting(body: dict, server: FakeServer) -> Reply:
        pair = asked_pair(body)
        if is_repair(body):
            return completion("still not JSON")
        letter = samples[pair][server.next_index(pair)]
        return completion("no JSON here" if letter == "garbage" else judgement(letter))

    with serve(monkeypatch, voting):
        run = cli("llm-expert", study, "--samples", "3")
    assert llm_answers(study) == {
        ("P1", "P2"): "V",
        ("P2", "T1"): "O",
        ("P2", "U1"): "X",
        ("T1", "U1"): "A",
    }
    assert "Missing (unsure or no majority of 3 samples; not counted as O): P1-T1, P1-U1" in (
        run.out
    )
    outcomes = sorted(c.outcome for c in calls(study) if c.pair == ("T1", "U1"))
    assert outcomes == ["A", "A", "invalid"]
    assert run.code == 0, run.err  # every pair settled: decided, or all its samples back


@pytest.mark.parametrize("style", ["rejects", "prose", "fenced", "repair"])
def test_servers_that_ignore_or_reject_the_schema_still_give_the_right_answers(
    cli, study, monkeypatch, style
):
    def loose(body: dict, server: FakeServer) -> Reply:
        if style == "rejects" and "response_format" in body:
            return error(400, "response_format is not supported")
        reply = judgement(TRUTH[asked_pair(body)])
        if style == "prose":
            return completion(f"Having weighed both factors, my reply is {reply} as asked.")
        if style == "fenced":
            return completion(f"Here you are:\n```json\n{reply}\n```\n")
        if style == "repair" and not is_repair(body):
            return completion("I think the first factor matters more here.")
        return completion(reply)

    with serve(monkeypatch, loose) as server:
        run = cli("llm-expert", study, "--samples", "1", "--concurrency", "1")
    assert run.code == 0, run.err
    assert llm_answers(study) == TRUTH
    if style == "rejects":
        assert "response_format" in server.requests[0]
        assert all("response_format" not in b for b in server.requests[2:])
        assert {c.params["reply_format"] for c in calls(study)} == {"prompt"}
    if style == "repair":
        assert len(server.requests) == 12  # each pair: the prompt, then one repair request
        assert all(len(c.prompt) == 4 for c in calls(study))  # the repair exchange is kept


GARBAGE = [
    Reply("this is not JSON at all"),  # a 200 whose body is no completion
    completion("lorem ipsum dolor"),
    completion(json.dumps({"relation": "none", "confidence": 0.9, "rationale": "x"})),
    completion(json.dumps({"relation": "V or X", "confidence": 0.5, "rationale": "x"})),
    completion(json.dumps({"answer": "O"})),
    completion('{"relation": "O", "confidence": 0.9'),
    completion('{"relation": "V"} or perhaps {"relation": "A"}'),
    Reply({"id": "x", "object": "chat.completion", "choices": []}),
]


def test_a_server_returning_garbage_gets_no_answer_recorded(cli, study, monkeypatch):
    replies = cycle(GARBAGE)

    def garbage(body: dict, server: FakeServer) -> Reply:
        with server.lock:
            return next(replies)

    with serve(monkeypatch, garbage):
        run = cli("llm-expert", study, "--samples", "1", "--retries", "1", "--concurrency", "1")
    assert run.code == 1
    assert run.err.strip().splitlines()[-1].startswith("error: ")
    assert llm_answers(study) == {}
    outcomes = {c.outcome for c in calls(study)}
    assert outcomes <= {"invalid", "failed"} and outcomes
    assert "Traceback" not in run.err


def test_a_server_that_times_out_is_given_up_quickly_with_nothing_recorded(cli, study, monkeypatch):
    def slow(body: dict, server: FakeServer) -> Reply:
        return Reply(completion(judgement("O")).body, delay=3.0)

    started = time.monotonic()
    with serve(monkeypatch, slow) as server:
        run = cli("llm-expert", study, "--samples", "1", "--timeout", "0.2", "--retries", "1")
    elapsed = time.monotonic() - started
    assert run.code == 1
    assert "calls failed in a row (last: timed out: nothing came for 0.2 s" in run.err
    # a silent server may still be computing: no retry is stacked on it
    assert " 0 retried" in run.err and all(server.asked(p) == 1 for p in PAIRS[:5])
    assert llm_answers(study) == {}
    assert {c.outcome for c in calls(study)} == {"failed"}
    assert elapsed < 3.0, elapsed  # stopped after 5 failures in a row, none waited out


def test_transient_errors_are_retried_with_backoff(cli, study, monkeypatch):
    def flaky(body: dict, server: FakeServer) -> Reply:
        pair = asked_pair(body)
        if server.next_index(pair) == 0:
            return error(503, "overloaded")
        return completion(judgement(TRUTH[pair]))

    with serve(monkeypatch, flaky) as server:
        run = cli("llm-expert", study, "--samples", "1", "--retries", "2")
    assert run.code == 0, run.err
    assert llm_answers(study) == TRUTH
    assert len(server.requests) == 12
    assert "12 call(s), 6 retried, 0 failed" in run.err


@pytest.mark.parametrize("header", ["nan", "inf", "-5", "soon"])
def test_an_unusable_retry_after_falls_back_to_the_backoff(cli, study, monkeypatch, header):
    def throttled(body: dict, server: FakeServer) -> Reply:
        pair = asked_pair(body)
        if server.next_index(pair) == 0:
            return Reply(error(429, "slow down").body, 429, headers={"Retry-After": header})
        return completion(judgement(TRUTH[pair]))

    started = time.monotonic()
    with serve(monkeypatch, throttled):
        run = cli("llm-expert", study, "--samples", "1", "--retries", "1")
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    assert llm_answers(study) == TRUTH
    assert "12 call(s), 6 retried, 0 failed" in run.err
    assert time.monotonic() - started < 10  # the backoff (0.01 s), not a 30 s cap


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2.5", 2.5), ("0", 0.0), ("nan", None), ("inf", None), ("-inf", None), ("-1", None)],
)
def test_only_a_finite_non_negative_retry_after_is_kept(header, seconds):
    from types import SimpleNamespace

    from ismpanel.llm.client import _retry_after

    err = SimpleNamespace(response=SimpleNamespace(headers={"retry-after": header}))
    assert _retry_after(err) == seconds


AMBIGUOUS = [
    # a fenced object and a different one after it: which one is the answer is unknown
    "```json\n" + judgement("V") + "\n```\nOn reflection the reverse holds: " + judgement("A"),
    # the same, the other way round
    judgement("A") + " or, formally:\n```json\n" + judgement("V") + "\n```",
    # a key given twice: json.loads would silently keep the last
    '{"relation": "V", "relation": "A", "confidence": 0.8, "rationale": "x"}',
    'My reply: {"relation": "V", "confidence": 0.8, "rationale": "x", "relation": "A"}',
    '{"relation": "V", "confidence": 0.8, "rationale": {"why": "a", "why": "b"}}',
]


@pytest.mark.parametrize("reply", AMBIGUOUS)
def test_an_ambiguous_reply_is_unusable_never_a_vote(cli, study, monkeypatch, reply):
    with serve(monkeypatch, lambda body, server: completion(reply)):
        run = cli("llm-expert", study, "--samples", "1", "--concurrency", "1")
    assert llm_answers(study) == {}
    assert {c.outcome for c in calls(study)} == {"invalid"}
    assert run.code == 1 and "Traceback" not in run.err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (judgement("V"), (json.loads(judgement("V")), None)),
        (  # the same object twice, fenced and not, is one answer
            f"```json\n{judgement('V')}\n```\nthat is {judgement('V')}",
            (json.loads(judgement("V")), None),
        ),
        (AMBIGUOUS[0], (None, "the reply holds several different JSON objects")),
        (AMBIGUOUS[2], (None, "the reply's JSON object gives the key 'relation' twice")),
        (AMBIGUOUS[3], (None, "the reply's JSON object gives the key 'relation' twice")),
    ],
)
def test_extract_json_takes_one_object_or_none(text, expected):
    from ismpanel.llm.structured import extract_json

    assert extract_json(text) == expected


def test_a_stopped_run_resumes_asking_only_what_is_missing(cli, study, monkeypatch):
    healthy = {"on": False}

    def half(body: dict, server: FakeServer) -> Reply:
        pair = asked_pair(body)
        if "U1" in pair and not healthy["on"]:
            return error(500, "down")
        return completion(judgement(TRUTH[pair]))

    with serve(monkeypatch, half) as server:
        first = cli("llm-expert", study, "--samples", "2", "--retries", "0", "--concurrency", "1")
        assert first.code == 1
        assert "3 pair(s) still open" in first.err
        answered_first = llm_answers(study)
        assert answered_first == {p: TRUTH[p] for p in PAIRS if "U1" not in p}
        asked_before = len(server.requests)
        healthy["on"] = True
        second = cli("llm-expert", study, "--samples", "2")
        assert second.code == 0, second.err
        assert "L1 (resuming)" in second.err
        later = server.requests[asked_before:]
    assert llm_answers(study) == TRUTH
    assert {asked_pair(b) for b in later} == {p for p in PAIRS if "U1" in p}
    assert len(later) == 6  # two samples for each of the three open pairs, nothing more
    assert PanelStore.open(study).llm_panelists().keys() == {"L1"}


def test_a_killed_run_resumes_without_asking_an_answered_sample_again(study, monkeypatch):
    def paced(body: dict, server: FakeServer) -> Reply:
        return Reply(completion(judgement(TRUTH[asked_pair(body)])).body, delay=0.15)

    with serve(monkeypatch, paced) as server:
        env = {**os.environ}
        cmd = [sys.executable, "-m", "ismpanel", "llm-expert", str(study), "--samples", "2"]
        proc = subprocess.Popen(
            [*cmd, "--concurrency", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while len(server.requests) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kept = calls(study)
        assert 3 <= len(kept) < 12  # killed half-way
        first_run = len(server.requests)
        done = subprocess.run([*cmd], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        later = server.requests[first_run:]
    samples = {p: sum(c.pair == p for c in kept) for p in PAIRS}
    for pair in PAIRS:
        again = sum(asked_pair(b) == pair for b in later)
        assert again == 2 - samples[pair], (pair, samples, again)
    assert llm_answers(study) == TRUTH
    assert len(calls(study)) == 12


def test_a_panelist_resumes_only_with_its_own_settings(cli, study, monkeypatch):
    with serve(monkeypatch, truthful):
        assert cli("llm-expert", study, "--samples", "1").code == 0
        again = cli("llm-expert", study, "--samples", "1")
        other = cli("llm-expert", study, "--expert", "L1", "--samples", "3")
        human = cli("llm-expert", study, "--expert", "E1")
        second = cli("llm-expert", study, "--samples", "1", "--new")
    assert again.code == 0 and "L1 (resuming)" in again.err
    assert "6 settled before this run; 0 answer(s) recorded now" in again.out
    assert other.code == 2
    assert other.err.strip() == (
        "error: L1 answers with samples 1, not 3; rerun with the same settings to resume, or "
        "--new for another panelist"
    )
    assert human.code == 2 and "a human expert" in human.err
    assert second.code == 0 and "L2 (registered)" in second.err
    assert llm_answers(study, "L2") == TRUTH


def test_ctrl_c_keeps_every_sample_and_exits_130(study, monkeypatch):
    def paced(body: dict, server: FakeServer) -> Reply:
        return Reply(completion(judgement(TRUTH[asked_pair(body)])).body, delay=0.1)

    with serve(monkeypatch, paced):
        cmd = [sys.executable, "-m", "ismpanel", "llm-expert", str(study), "--concurrency", "1"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while len(_stored_calls(study)) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        seen = len(_stored_calls(study))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Interrupted; every sample received is kept" in err and "LLM usage" in err
    assert "Traceback" not in err
    assert seen >= 3 and len(calls(study)) >= seen  # nothing stored was lost


def _stored_calls(folder) -> list:
    """The panelist's calls stored so far (none while the panelist is not registered)."""
    store = PanelStore.open(folder)
    try:
        return store.llm_calls("L1", "panelist", 1)
    finally:
        store.close()


def test_an_llm_expert_added_by_hand_takes_its_settings_on_first_run(cli, study, monkeypatch):
    assert cli("expert", "add", study, "hand-made", "--llm").code == 0
    with serve(monkeypatch, truthful):
        run = cli("llm-expert", study, "--expert", "L1", "--samples", "1")
    assert run.code == 0, run.err
    assert PanelStore.open(study).llm_panelists()["L1"].samples == 1
    assert llm_answers(study) == TRUTH


def test_in_a_later_round_only_the_reopened_pairs_are_asked(cli, study, monkeypatch):
    store = PanelStore.open(study)
    for expert, tie in (("E1", "V"), ("E2", "O")):  # the humans tie on P1-P2 only
        for pair in PAIRS:
            store.record(expert, 1, pair, tie if pair == PAIRS[0] else TRUTH[pair], "interview")
    store.close()
    with serve(monkeypatch, truthful) as server:
        assert cli("llm-expert", study, "--samples", "1").code == 0
        assert cli("round", "start", study, "--below", "0.75").code == 0
        before = len(server.requests)
        run = cli("llm-expert", study, "--samples", "1")
        later = server.requests[before:]
    assert run.code == 0, run.err
    assert [asked_pair(b) for b in later] == [("P1", "P2")]
    assert PanelStore.open(study).round_answers("L1", 2) == {("P1", "P2"): "V"}


def test_an_object_inside_a_malformed_one_is_not_taken_as_the_answer():
    from ismpanel.llm.structured import extract_json

    value, problem = extract_json('{"relation": "V", "rationale": {"relation": "A"} and so on')
    assert value is None and "inside a malformed one" in problem
    # a brace inside a string of a well-formed object is no such case
    assert extract_json('Answer: {"relation": "O", "rationale": "no {link}"}')[0] == {
        "relation": "O",
        "rationale": "no {link}",
    }
