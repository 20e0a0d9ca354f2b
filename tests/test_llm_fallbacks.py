"""LLM assistance against servers that behave like small local models: a 500 on
``json_schema`` (llama-cpp-python), JSON mode refused too, a server that fails whatever the
format, replies that copy the prompt's example, truncated JSON, a slow stream, a silent
server, and a rationale that contradicts its letter."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ismpanel.elicitation.llm.assistant import ECHOED
from ismpanel.elicitation.llm.directions import contradiction, stated_directions
from ismpanel.elicitation.store import PanelStore
from ismpanel.elicitation.study import Factor
from ismpanel.llm.echoes import echo_in
from ismpanel.report.narrative.prose import NO_PROSE
from tests import test_llm_narrative as narrative
from tests.llm_servers import FakeServer, Reply, asked_pair, completion, error, is_repair
from tests.test_llm_assistant import interview

PAIRS = [("P1", "P2"), ("P1", "T1"), ("P1", "U1"), ("P2", "T1"), ("P2", "U1"), ("T1", "U1")]


@pytest.fixture
def study(llm_study, tmp_path, monkeypatch):
    """The 4-factor study with one human expert, a short backoff, and the fake model."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
    with (llm_study / "study.toml").open("a") as fh:
        fh.write("\n[llm]\nbackoff = 0.01\n")
    return llm_study


def serve(monkeypatch, behaviour) -> FakeServer:
    server = FakeServer(behaviour)
    monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
    return server


def verdict(letter: str, rationale: str = "A considered view.") -> str:
    return json.dumps({"relation": letter, "confidence": 0.8, "rationale": rationale})


def kind(body: dict) -> str:
    return (body.get("response_format") or {}).get("type", "prompt")


def llama_cpp(body: dict, server: FakeServer) -> Reply:
    """llama-cpp-python's server: JSON mode works, a JSON schema is an internal error."""
    if kind(body) == "json_schema":
        return error(500, "Internal Server Error: unsupported response_format type json_schema")
    return completion(verdict("V"))


def test_a_500_on_json_schema_falls_back_to_json_mode_and_the_study_remembers(
    cli, study, monkeypatch
):
    with serve(monkeypatch, llama_cpp) as server:
        run = cli("llm-expert", study, "--samples", "1", "--concurrency", "1")
        assert run.code == 0, run.err
        first = list(server.requests)
        again = cli("llm-expert", study, "--samples", "1", "--new")
    assert again.code == 0, again.err
    store = PanelStore.open(study)
    assert set(store.round_answers("L1", 1).values()) == {"V"}
    assert len(store.round_answers("L1", 1)) == len(PAIRS)
    assert [kind(b) for b in first] == ["json_schema"] + ["json_object"] * len(PAIRS)
    assert "1 refused a reply format" in run.err
    assert {c.params["reply_format"] for c in store.llm_calls("L1", "panelist")} == {"json_object"}
    # the next run starts with what worked: no request is refused again
    assert [kind(b) for b in server.requests[len(first) :]] == ["json_object"] * len(PAIRS)
    assert "refused" not in again.err
    schema_rule = "The JSON object must match this JSON schema"
    assert schema_rule in first[1]["messages"][0]["content"]
    assert schema_rule not in first[0]["messages"][0]["content"]


def test_a_server_refusing_both_json_formats_gets_the_schema_in_a_plain_prompt(
    cli, study, monkeypatch
):
    def plain_only(body: dict, server: FakeServer) -> Reply:
        if "response_format" in body:
            return error(400 if kind(body) == "json_object" else 500, "not supported")
        return completion(f"Here it is: {verdict('A')}")

    with serve(monkeypatch, plain_only) as server:
        run = cli("llm-expert", study, "--samples", "1", "--concurrency", "1")
    assert run.code == 0, run.err
    assert [kind(b) for b in server.requests[:3]] == ["json_schema", "json_object", "prompt"]
    assert all(kind(b) == "prompt" for b in server.requests[3:])
    assert '"relation"' in server.requests[-1]["messages"][0]["content"]
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"A"}


def test_a_server_failing_whatever_the_format_names_the_cause_in_one_line(cli, study, monkeypatch):
    with serve(monkeypatch, lambda body, server: error(500, "model failed to load")):
        run = cli("llm-expert", study, "--samples", "1", "--retries", "0")
    assert run.code == 1
    last = run.err.strip().splitlines()[-1]
    assert last.startswith("error: stopped: 5 calls failed in a row (last: HTTP 500: ")
    assert "model failed to load, whatever the reply format (json_schema: HTTP 500" in last
    assert "the server fails on the request itself, not on its format" in last
    assert PanelStore.open(study).round_answers("L1", 1) == {}


def test_a_panelist_reply_copying_the_prompts_example_is_unusable(cli, study, monkeypatch):
    example = '{"relation": "V", "confidence": 0.5, "rationale": "one or two sentences"}'
    with serve(monkeypatch, lambda body, server: completion(example)) as server:
        run = cli("llm-expert", study, "--samples", "1", "--retries", "0")
    assert run.code == 1  # unusable samples leave their pairs open, to be asked again
    assert "Still open (failed or unusable replies)" in run.out
    calls = PanelStore.open(study).llm_calls("L1", "panelist")
    assert {c.outcome for c in calls} == {"invalid"}
    assert {c.detail for c in calls} == {
        "the reply repeats the prompt's example ('one or two sentences')"
    }
    assert len(server.requests) == 2 * len(PAIRS)  # each asked once to repair
    assert PanelStore.open(study).round_answers("L1", 1) == {}


def test_truncated_json_is_repaired_once_and_then_counts(cli, study, monkeypatch):
    def truncating(body: dict, server: FakeServer) -> Reply:
        text = verdict("X")
        return completion(text if is_repair(body) else text[: len(text) // 2])

    with serve(monkeypatch, truncating) as server:
        run = cli("llm-expert", study, "--samples", "1")
    assert run.code == 0, run.err
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"X"}
    repair = server.requests[-1]["messages"][-1]["content"]
    assert repair.startswith("That reply could not be used: the reply holds no JSON object.")


def test_a_rationale_that_contradicts_its_letter_is_asked_again(cli, study, monkeypatch):
    def contrary(body: dict, server: FakeServer) -> Reply:
        first, second = asked_pair(body)
        if is_repair(body):
            return completion(verdict("V", f"{first} shapes {second} directly."))
        return completion(verdict("V", f"{second} is what drives {first}."))

    with serve(monkeypatch, contrary) as server:
        run = cli("llm-expert", study, "--samples", "1", "--concurrency", "1")
    assert run.code == 0, run.err
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"V"}
    repair = server.requests[1]["messages"][-1]["content"]
    assert "the rationale says P2 influences P1, the opposite of the answer V" in repair


def test_a_slow_stream_is_never_cut_while_tokens_keep_coming(cli, study, monkeypatch):
    def slow(body: dict, server: FakeServer) -> Reply:
        return Reply(completion(verdict("O")).body, gap=0.1)  # ~1 s in all, 0.1 s apart

    started = time.monotonic()
    with serve(monkeypatch, slow) as server:
        run = cli("llm-expert", study, "--samples", "1", "--timeout", "0.5", "--concurrency", "6")
    assert run.code == 0, run.err
    assert time.monotonic() - started > 0.5  # longer than the timeout, not cut
    assert len(server.requests) == len(PAIRS)
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"O"}


def test_keep_alive_pings_before_and_between_events_are_skipped(cli, study, monkeypatch):
    # llama-cpp-python's server sends ": ping - <time>" comments while a request waits for
    # the model; read as the body's first line they once made every queued reply "not JSON"
    def busy(body: dict, server: FakeServer) -> Reply:
        return Reply(completion(verdict("X")).body, gap=0.05, pings=3)

    with serve(monkeypatch, busy) as server:
        run = cli("llm-expert", study, "--samples", "1", "--timeout", "0.5")
    assert run.code == 0, run.err
    assert len(server.requests) == len(PAIRS)  # no request failed, none repaired
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"X"}


def test_a_server_that_ends_a_reply_when_another_request_comes_gets_one_call_at_a_time(
    cli, study, monkeypatch
):
    # llama-cpp-python's server (interrupt_requests, on by default) ends the reply it is
    # computing with [DONE] as soon as another request waits: with calls in parallel every
    # reply but the last came back without text, retried into the same fate
    computing: list[threading.Event] = []
    lock = threading.Lock()

    def interrupting(body: dict, server: FakeServer) -> Reply:
        mine = threading.Event()
        with lock:
            for other in computing:
                other.set()
            computing.append(mine)
        cut = mine.wait(0.15)
        with lock:
            computing.remove(mine)
        return completion("") if cut else completion(verdict("V"))

    with serve(monkeypatch, interrupting) as server:
        run = cli("llm-expert", study, "--samples", "1", "--concurrency", "4")
    assert run.code == 0, run.err
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"V"}
    empty = len(server.requests) - len(PAIRS)
    assert 0 < empty <= 6  # the calls cut before the switch, each asked again once or twice


def test_a_server_that_ignores_streaming_is_read_whole(cli, study, monkeypatch):
    with serve(
        monkeypatch, lambda body, server: Reply(completion(verdict("A")).body, stream=False)
    ):
        run = cli("llm-expert", study, "--samples", "1")
    assert run.code == 0, run.err
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"A"}


def test_a_narrative_copying_the_prompts_example_says_so_in_one_line_per_section():
    copy = completion(json.dumps({"paragraphs": ["...", "..."]}))
    result, server = narrative.run(lambda body, server: copy)
    assert result.notes == [
        f"{d}: no usable reply (the reply repeats a placeholder ('...') instead of an answer); "
        "template kept"
        for d in ("policy", "technology", "users")
    ] + [NO_PROSE]
    assert not any("leaves out" in line for line in result.notes)
    assert len(server.requests) == 6  # each section asked once to repair


def test_the_assistant_withholds_a_copy_of_its_instructions(llm_study, monkeypatch):
    fragment = "Whether a change in X would by itself change Y."
    with FakeServer(lambda body, server: completion("\n".join([fragment] * 6))) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        out = interview(llm_study, ["help", "quit"])
    assert ECHOED in out and fragment not in out
    (call,) = PanelStore.open(llm_study).llm_calls("E1", "assistant")
    assert call.outcome == "invalid" and "repeats the prompt's own words" in call.detail


INSTRUCTIONS = (
    "Answer V if P1 directly influences P2. Reply with one JSON object only: "
    '{"relation": "V", "rationale": "one or two sentences"}. Describe each factor in its own '
    'sentence (e.g. "Weigh whether a change in one would by itself change the other.").'
)


@pytest.mark.parametrize(
    ("reply", "echoed"),
    [
        ({"rationale": "..."}, True),
        ({"paragraphs": ["…", ""]}, True),
        ({"rationale": "One or two sentences."}, True),
        ("Weigh whether a change in one would by itself change the other.", True),
        ({"rationale": "Privacy law sets limits that open data rules must respect."}, False),
        (
            "Privacy law sets limits on personal data. Open data rules decide releases. Weigh "
            "whether a change in privacy law would by itself change what is released.",
            False,
        ),
        ({"relation": "V"}, False),
        ({"rationale": "P1 directly influences P2."}, False),  # the instructions' words: fine
    ],
)
def test_echoes_of_the_instructions_are_recognised(reply, echoed):
    assert (echo_in(reply, INSTRUCTIONS) is not None) == echoed


P1 = Factor("P1", "Privacy law", "policy", "")
T1 = Factor("T1", "Web platform", "technology", "")


@pytest.mark.parametrize(
    ("text", "directions"),
    [
        ("P1 shapes T1.", {"first → second"}),
        ("Privacy law is what drives the web platform.", {"first → second"}),
        ("T1 is shaped by P1.", {"first → second"}),
        ("T1 depends on privacy law.", {"first → second"}),
        ("T1 influences P1.", {"second → first"}),
        ("P1 does not influence T1.", set()),
        ("P1 and T1 are both about data.", set()),
        ("P1 shapes T1, and T1 in turn affects P1.", {"first → second", "second → first"}),
    ],
)
def test_directions_stated_in_a_rationale(text, directions):
    assert stated_directions(text, P1, T1) == directions


def test_only_the_plain_opposite_is_a_contradiction():
    assert contradiction("V", "T1 influences P1.", P1, T1) is not None
    assert contradiction("A", "P1 shapes T1.", P1, T1) is not None
    assert contradiction("V", "P1 shapes T1.", P1, T1) is None
    assert contradiction("X", "T1 influences P1.", P1, T1) is None
    assert contradiction("O", "P1 shapes T1 only through U1.", P1, T1) is None
    assert contradiction("V", "P1 shapes T1, and T1 in turn affects P1.", P1, T1) is None


def test_a_failed_llm_comparison_never_ends_the_brief(cli, llm_study, tmp_path, monkeypatch):
    from ismpanel.errors import InputError
    from ismpanel.report import results

    store = PanelStore.open(llm_study)
    pairs = store.expert_pairs("E1", 1)
    store.record_many("E1", 1, dict.fromkeys(pairs, "V"), "interview")
    panelist, _ = store.add_expert("model", "llm")
    store.record_many(panelist.id, 1, dict.fromkeys(pairs, "A"), "llm")
    store.close()
    analyses = []

    def pinned(*args, **kwargs):
        analyses.append(args)
        if len(analyses) > 1:  # the humans + LLM structure, as pinned tiers once broke it
            raise InputError("--tiers 1-1,2-2,3-3: needs 3 levels, the structure has 2")
        return analyse(*args, **kwargs)

    analyse = results.analyse_structure
    monkeypatch.setattr(results, "analyse_structure", pinned)
    run = cli("brief", llm_study, "-o", tmp_path / "b.md")
    assert run.code == 0, run.err
    text = (tmp_path / "b.md").read_text()
    assert "The structure with the humans + LLM cannot be analysed: --tiers 1-1,2-2,3-3" in text


def test_a_server_refusing_stream_options_is_asked_without_them(cli, study, monkeypatch):
    def strict(body: dict, server: FakeServer) -> Reply:
        if "stream_options" in body:
            return error(422, "extra fields not permitted: stream_options")
        return completion(verdict("O"))

    with serve(monkeypatch, strict) as server:
        run = cli("llm-expert", study, "--samples", "1", "--concurrency", "1")
    assert run.code == 0, run.err
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"O"}
    assert ["stream_options" in b for b in server.requests] == [True] + [False] * len(PAIRS)
    assert all(b["response_format"]["type"] == "json_schema" for b in server.requests)


def test_a_server_that_gives_no_token_counts_is_not_said_to_have_used_none(cli, study, monkeypatch):
    """llama-cpp-python's server sends no usage in a stream: the summary says the counts
    were not given rather than "0 prompt + 0 completion tokens"."""

    def silent_about_usage(body: dict, server: FakeServer) -> Reply:
        reply = completion(verdict("O"))
        del reply.body["usage"]
        return reply

    with serve(monkeypatch, silent_about_usage):
        run = cli("llm-expert", study, "--samples", "1", "--concurrency", "1")
    assert run.code == 0, run.err
    assert "0 failed; token counts not given by the server;" in run.err
    assert "completion tokens" not in run.err


def test_control_characters_never_reach_the_narrative():
    def hostile(body: dict, server: FakeServer) -> Reply:
        text = narrative.prose(narrative.facts_of(body)).replace(" sits ", " si\x1b\x07\x00\x9bts ")
        return completion(json.dumps({"paragraphs": [text]}))  # escaped as \u001b...

    result, _ = narrative.run(hostile)
    kept = [s.prose for s in result.sections if s.prose]
    assert len(kept) == 3 and all(" sits " in p for p in kept)
    assert not any(c in p for p in kept for c in "\x1b\x07\x00\x9b")


def test_a_failed_repair_request_is_stored_with_the_exchange_it_repaired(cli, study, monkeypatch):
    def broken_repair(body: dict, server: FakeServer) -> Reply:
        return error(503, "overloaded") if is_repair(body) else completion("not JSON at all")

    with serve(monkeypatch, broken_repair):
        run = cli("llm-expert", study, "--samples", "1", "--retries", "0")
    assert run.code == 1
    calls = PanelStore.open(study).llm_calls("L1", "panelist")
    assert {c.outcome for c in calls} == {"failed"}
    assert all(len(c.prompt) == 4 and c.prompt[2]["content"] == "not JSON at all" for c in calls)


def test_an_error_body_with_status_200_counts_as_a_refused_format(cli, study, monkeypatch):
    def proxy(body: dict, server: FakeServer) -> Reply:
        if kind(body) != "prompt":
            return Reply({"error": {"message": "grammar not supported", "code": 400}})
        return completion(verdict("X"))

    with serve(monkeypatch, proxy) as server:
        run = cli("llm-expert", study, "--samples", "1", "--concurrency", "1")
    assert run.code == 0, run.err
    assert [kind(b) for b in server.requests[:4]] == [
        "json_schema",
        "json_object",
        "prompt",
        "prompt",
    ]
    assert set(PanelStore.open(study).round_answers("L1", 1).values()) == {"X"}


def test_a_narrative_in_a_study_you_may_only_read_still_runs(cli, study, tmp_path, monkeypatch):
    from ismpanel.elicitation import store as panel_store
    from ismpanel.errors import InputError

    opened = panel_store.PanelStore.open.__func__

    def read_only_folder(cls, folder, *, read_only=False):
        if not read_only:
            raise InputError(f"{folder}/panel.db: read-only for you")
        return opened(cls, folder, read_only=True)

    store = PanelStore.open(study)
    store.record_many("E1", 1, dict.fromkeys(PAIRS, "V"), "interview")
    store.close()
    monkeypatch.setattr(panel_store.PanelStore, "open", classmethod(read_only_folder))
    with serve(monkeypatch, llama_cpp):
        run = cli("brief", study, "-o", tmp_path / "b.md", "--narrative")
    assert run.code == 0, run.err
    assert "refused a reply format" in run.err  # the narrative was asked for all the same
