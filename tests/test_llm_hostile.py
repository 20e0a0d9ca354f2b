"""LLM paths under hostile conditions: the API key goes only to a server the
facilitator named outside the study folder; credentials in a server address and a key echoed
back never reach stderr or panel.db; control characters in replies never reach a terminal,
the store, a factors file or the brief; a 200 whose body is not JSON gives one line, never a
traceback, in every LLM command and in the interview's ``?``."""

from __future__ import annotations

import json
import os
import re
import sys

import pexpect
import pytest

from ismpanel.elicitation.store import PanelStore
from ismpanel.llm.config import KEYLESS, resolve_config
from tests.llm_servers import FakeServer, Reply, asked_pair, completion, error, judgement
from tests.test_llm_assistant import interview

KEY = "sk-facilitator-secret-0042"
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ \x00\x9b31m"


@pytest.fixture
def study(llm_study, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ISMPANEL_LLM_API_KEY", KEY)
    monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
    return llm_study


def study_names(folder, url: str | None) -> None:
    """Give the study an [llm] table naming ``url`` (if any) with a short backoff."""
    named = f'base_url = "{url}"\n' if url else ""
    with (folder / "study.toml").open("a") as fh:
        fh.write(f'\n[llm]\nmodel = "fake-model"\n{named}backoff = 0.01\n')


def stored(folder) -> bytes:
    return b"".join(f.read_bytes() for f in folder.glob("panel.db*"))


def keys_sent(server: FakeServer) -> set[str]:
    return {h.get("authorization", "") for h in server.headers}


def answering(body: dict, server: FakeServer) -> Reply:
    return completion(judgement("V"))


def test_a_server_named_only_by_the_study_never_gets_the_key(cli, study):
    with FakeServer(answering) as server:
        study_names(study, server.url)
        run = cli("llm-expert", study, "--samples", "1")
    assert run.code == 0, run.err
    assert keys_sent(server) == {f"Bearer {KEYLESS}"}
    assert f"note: your API key is not sent to {server.url}: only study.toml names" in run.err
    assert KEY not in run.err + run.out


def write_user_config(tmp_path, text: str) -> None:
    folder = tmp_path / "config" / "ismpanel"
    folder.mkdir(parents=True)
    (folder / "llm.toml").write_text(text)


@pytest.mark.parametrize("where", ["flag", "environment", "user base_url", "user send_key_to"])
def test_the_key_goes_to_a_server_the_facilitator_named(cli, study, tmp_path, monkeypatch, where):
    with FakeServer(answering) as server:
        args = []
        if where == "flag":
            study_names(study, "http://127.0.0.1:9/v1")  # what a group member wrote
            args = ["--base-url", server.url]
        elif where == "environment":
            study_names(study, "http://127.0.0.1:9/v1")
            monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        elif where == "user base_url":
            study_names(study, None)
            write_user_config(tmp_path, f'[llm]\nbase_url = "{server.url}"\n')
        else:
            study_names(study, server.url + "/")
            write_user_config(tmp_path, f"[llm]\nsend_key_to = {json.dumps([server.url])}\n")
        run = cli("llm-expert", study, "--samples", "1", *args)
    assert run.code == 0, run.err
    assert keys_sent(server) == {f"Bearer {KEY}"}
    assert "not sent" not in run.err


def test_a_confirmed_server_gets_the_key_and_the_question_shows_no_credentials():
    env = {"ISMPANEL_LLM_API_KEY": KEY}
    table = {"model": "m", "base_url": "http://bob:hunter22@llm.example:8080/v1?token=qq123"}
    asked = []
    confirmed = resolve_config(table, env, lambda server: asked.append(server) or True)
    refused = resolve_config(table, env, lambda server: False)
    assert asked == ["http://llm.example:8080/v1"]
    assert confirmed.api_key == KEY and confirmed.key_withheld is None
    assert refused.api_key == KEYLESS and "not sent" in refused.key_withheld
    assert confirmed.server == "http://llm.example:8080/v1"
    assert "hunter22" not in repr(confirmed) and KEY not in repr(confirmed)


def test_credentials_in_the_address_and_an_echoed_key_are_never_printed_or_stored(
    cli, study, monkeypatch
):
    def echoing(body: dict, server: FakeServer) -> Reply:
        if asked_pair(body) == ("T1", "U1"):
            return error(503, f"overloaded; your credentials: Bearer {KEY}, bob:hunter22")
        hidden = KEY[:5] + "\x00" + KEY[5:]  # a control character inside the key
        rationale = f"Your key is Bearer {KEY}, or {hidden}; the password hunter22."
        reply = {"relation": "V", "confidence": 0.9, "rationale": rationale}
        return completion(json.dumps(reply) + f" {KEY}", model=f"m-{KEY}")

    study_names(study, None)
    with FakeServer(echoing) as server:
        address = server.url.replace("http://", "http://bob:hunter22@")
        run = cli("llm-expert", study, "--samples", "1", "--base-url", address, "--retries", "1")
    assert run.code == 1  # T1-U1 stays open
    assert keys_sent(server) == {"Basic Ym9iOmh1bnRlcjIy"}  # the address's own credentials
    database = stored(study)
    for secret in (KEY, "hunter22"):
        assert secret not in run.err + run.out
        assert secret.encode() not in database
    calls = PanelStore.open(study).llm_calls("L1", "panelist")
    assert any("[redacted]" in (c.detail or "") for c in calls)
    assert any("[redacted]" in (c.reply or "") for c in calls)
    assert {c.base_url for c in calls} == {server.url}
    assert PanelStore.open(study).llm_panelists()["L1"].base_url == server.url


def test_control_characters_in_replies_reach_neither_the_store_nor_the_terminal(
    cli, study, monkeypatch, tmp_path
):
    escaped = json.dumps({"relation": "V", "confidence": 0.9, "rationale": "why" + HOSTILE})
    with FakeServer(lambda body, server: completion(escaped + HOSTILE)) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        run = cli("llm-expert", study, "--samples", "1")
        assert run.code == 0, run.err
    calls = PanelStore.open(study).llm_calls("L1", "panelist")
    assert calls and all(c.reply.startswith('{"relation": "V"') for c in calls)
    texts = [run.err, run.out, *(c.reply for c in calls)]
    assert not any(re.search("[\x00\x07\x1b\x9b]", t) for t in texts)
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"V"}


def test_control_characters_never_reach_the_expert_through_the_assistant(study, monkeypatch):
    reply = (
        "Privacy law sets limits. \x1b[2J\x1b]0;title\x07\x00\x9b Open data rules govern releases."
    )
    with FakeServer(lambda body, server: completion(reply)) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        out = interview(study, ["help", "quit"])
    assert "Assistant: Privacy law sets limits." in out
    assert not re.search("[\x00\x07\x1b\x9b]", out)
    (call,) = PanelStore.open(study).llm_calls("E1", "assistant")
    assert not re.search("[\x00\x07\x1b\x9b]", call.reply)


def test_control_characters_never_reach_a_factors_file(cli, study, tmp_path, monkeypatch):
    factors = [{"name": "Escaped\u001b[31m name", "definition": "A definition." + HOSTILE}]
    with FakeServer(lambda body, server: completion(json.dumps({"factors": factors}))) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        run = cli("factors", "draft", "Privacy", "-o", tmp_path / "f.csv", "--dimensions", "p")
    assert run.code == 0, run.err
    written = (tmp_path / "f.csv").read_text()
    assert "Escaped[31m name" in written
    assert not re.search("[\x00\x07\x1b\x9b]", written + run.out + run.err)


NOT_JSON = Reply(
    "<html><body>Welcome to nginx</body></html>", headers={"Content-Type": "application/json"}
)


def command_runs(cli, study, tmp_path, command: str):
    if command == "llm-expert":
        return cli("llm-expert", study, "--samples", "1")
    if command == "factors draft":
        return cli("factors", "draft", "Privacy", "-o", tmp_path / "f.csv")
    return cli("brief", study, "-o", tmp_path / "b.md", "--narrative", "--allow-incomplete")


@pytest.mark.parametrize("command", ["llm-expert", "factors draft", "brief --narrative"])
def test_a_non_json_200_gives_one_line_and_no_traceback(cli, study, tmp_path, monkeypatch, command):
    store = PanelStore.open(study)
    pairs = store.expert_pairs("E1", 1)
    store.record_many("E1", 1, dict.fromkeys(pairs, "V"), "interview")
    with FakeServer(lambda body, server: NOT_JSON) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        run = command_runs(cli, study, tmp_path, command)
    assert "Traceback" not in run.err and "JSONDecodeError" not in run.err
    assert "not a chat completion (not JSON: '<html><body>Welcome to nginx</body></html>')" in (
        run.err + run.out
    )
    if command == "brief --narrative":
        assert run.code == 0 and (tmp_path / "b.md").exists()  # the template text stays
        assert "narrative: the model wrote no usable prose for any section" in run.err
    else:
        assert run.code == 1
        assert run.err.strip().splitlines()[-1].startswith("error: ")


def test_a_non_json_200_leaves_the_interview_going(study, monkeypatch):
    with FakeServer(lambda body, server: NOT_JSON) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        out = interview(study, ["help", "V", "quit"])
    assert "Assistant unavailable: the reply is not a chat completion" in out
    assert "Traceback" not in out and "site-packages" not in out
    assert PanelStore.open(study).round_answers("E1", 1) == {("P1", "P2"): "V"}


def test_an_unexpected_error_in_the_assistant_is_one_line(study, monkeypatch):
    from ismpanel.elicitation.llm import assistant

    def broken(*args, **kwargs):
        raise RuntimeError("/usr/lib/python3/site-packages/openai/_base_client.py line 1")

    monkeypatch.setattr(assistant, "explain_messages", broken)
    with FakeServer(answering) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        out = interview(study, ["help", "V", "quit"])
    assert assistant.BROKEN in out and "site-packages" not in out
    assert PanelStore.open(study).round_answers("E1", 1) == {("P1", "P2"): "V"}


@pytest.mark.parametrize("answer", ["y", "n"])
def test_at_a_terminal_the_facilitator_is_asked_before_the_key_goes_to_the_studys_server(
    study, answer
):
    with FakeServer(answering) as server:
        study_names(study, server.url)
        child = pexpect.spawn(
            sys.executable,
            ["-m", "ismpanel", "llm-expert", str(study), "--samples", "1"],
            env={**os.environ, "TERM": "xterm", "COLUMNS": "200"},
            encoding="utf-8",
            timeout=30,
        )
        child.expect(f"study.toml names the LLM server {re.escape(server.url)}, which you have")
        child.expect("send your API key there")
        child.sendline(answer)
        child.expect(pexpect.EOF)
        child.close()
    assert child.exitstatus == 0
    assert keys_sent(server) == {f"Bearer {KEY}" if answer == "y" else f"Bearer {KEYLESS}"}
