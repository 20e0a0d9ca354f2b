"""Calibrating an LLM panelist: ``llm-expert --calibrate`` asks only the
pairs the human experts agreed on and reports agreement, Cohen's kappa and the letters beside
the humans'; a panelist under the threshold may not vote with ``--include-llm`` until the
facilitator accepts it, and the brief names each panelist's calibration."""

from __future__ import annotations

import pytest

from ismpanel.elicitation.llm.calibration import agreed_pairs
from ismpanel.elicitation.store import PanelStore
from tests.helpers import small_study
from tests.llm_servers import FakeServer, asked_pair, completion, judgement

PAIRS = [("P1", "P2"), ("P1", "T1"), ("P1", "U1"), ("P2", "T1"), ("P2", "U1"), ("T1", "U1")]
E1 = dict(zip(PAIRS, "VAOXVO", strict=True))
E2 = dict(zip(PAIRS, "VAOXVA", strict=True))  # disagrees with E1 on T1-U1 only


@pytest.fixture
def study(tmp_path, monkeypatch):
    folder = tmp_path / "s"
    small_study(folder, experts=2)
    store = PanelStore.open(folder)
    store.record_many("E1", 1, E1, "interview")
    store.record_many("E2", 1, E2, "interview")
    store.close()
    for name in ("ISMPANEL_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return folder


def calibrated(cli, study, monkeypatch, answer):
    with FakeServer(lambda body, server: completion(judgement(answer(body)))) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        run = cli("llm-expert", study, "--samples", "1", "--calibrate")
    return run, server


def test_the_agreed_pairs_are_those_every_human_answered_alike(study):
    assert agreed_pairs(PanelStore.open(study)) == {p: E1[p] for p in PAIRS[:5]}


def test_a_good_panelist_passes_and_may_vote(cli, study, monkeypatch):
    run, server = calibrated(cli, study, monkeypatch, lambda body: E1[asked_pair(body)])
    assert run.code == 0, run.err
    assert sorted(asked_pair(b) for b in server.requests) == sorted(PAIRS[:5])
    assert (
        "L1 calibration: agreement 100% (5 of 5 pairs the humans agreed on), Cohen's kappa "
        "1.000 (passes: kappa >= 0.4 on at least 5 pairs)"
    ) in run.out
    assert cli("aggregate", study, "--include-llm").code == 0


def test_a_panelist_under_the_threshold_may_not_vote_until_accepted(
    cli, study, monkeypatch, tmp_path
):
    run, _ = calibrated(cli, study, monkeypatch, lambda body: "O")
    assert run.code == 0, run.err
    assert "L1 letters: V 0, A 0, X 0, O 5; the human majority on the same pairs: V 2" in run.out
    assert "agreement 20% (1 of 5 pairs the humans agreed on), Cohen's kappa 0.000" in run.out
    assert "(does not pass: kappa >= 0.4 on at least 5 pairs)" in run.out
    refused = cli("aggregate", study, "--include-llm")
    assert refused.code == 2 and refused.err.count("\n") == 1
    assert refused.err.startswith("error: L1 may not vote: its calibration does not pass")
    assert "llm-expert DIR --expert L1 --accept" in refused.err
    assert cli("aggregate", study).code == 0  # the humans alone are not affected
    accepted = cli("llm-expert", study, "--expert", "L1", "--accept")
    assert accepted.code == 0, accepted.err
    assert cli("aggregate", study, "--include-llm").code == 0
    brief = cli("brief", study, "-o", tmp_path / "b.md", "--allow-incomplete")
    assert brief.code == 0, brief.err
    assert "does not pass, accepted by the facilitator" in (tmp_path / "b.md").read_text()


def test_the_brief_names_an_uncalibrated_panelist(cli, study, monkeypatch, tmp_path):
    with FakeServer(lambda body, server: completion(judgement("V"))) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        assert cli("llm-expert", study, "--samples", "1").code == 0
    assert cli("brief", study, "-o", tmp_path / "b.md").code == 0
    row = next(r for r in (tmp_path / "b.md").read_text().splitlines() if r.startswith("| L1 "))
    assert row.rstrip(" |").endswith("not calibrated")


def test_calibration_needs_agreed_pairs_and_accept_needs_a_calibration(cli, tmp_path):
    folder = tmp_path / "empty"
    small_study(folder, experts=1)
    run = cli("llm-expert", folder, "--calibrate")
    assert run.code == 2 and "no pair of the current round on which at least two" in run.err
    store = PanelStore.open(folder)
    store.add_expert("model", "llm")
    store.close()
    run = cli("llm-expert", folder, "--expert", "L1", "--accept")
    assert run.code == 2 and "L1 has not been calibrated" in run.err
