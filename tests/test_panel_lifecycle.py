"""A panel over its lifetime: experts who withdraw, tokens reissued, rounds closed and opened,
as a facilitator runs them from the command line."""

from __future__ import annotations

import json

import pytest

from ismpanel.elicitation.panel import counted_answers, panel_answers, require_complete
from ismpanel.elicitation.store import PanelStore
from ismpanel.errors import AnalysisError, InputError
from tests.helpers import SMALL_PAIRS, SMALL_PANEL, small_study, write_csv


@pytest.fixture
def four(tmp_path):
    """The small study: E1-E3 answered every pair (SMALL_PANEL), E4 only the first two."""
    folder = tmp_path / "s"
    tokens = small_study(folder, experts=4)
    store = PanelStore.open(folder)
    for expert, letters in SMALL_PANEL.items():
        store.record_many(expert, 1, dict(zip(SMALL_PAIRS, letters, strict=True)), "interview")
    store.record_many("E4", 1, {SMALL_PAIRS[0]: "A", SMALL_PAIRS[1]: "A"}, "interview")
    store.close()
    return folder, tokens


def e4_sheet(folder, tmp_path):
    """E4's whole SSIM as a CSV an expert would send (every pair O)."""
    ids = ["P1", "P2", "T1", "U1"]
    rows = [["", *ids]]
    for k, a in enumerate(ids):
        rows.append([a, *("X" if m == k else ("O" if m > k else "") for m in range(len(ids)))])
    return write_csv(tmp_path / "e4.csv", rows)


def test_withdrawn_expert_leaves_aggregation_and_completeness_keeps_history(cli, four, tmp_path):
    folder, _ = four
    refused = cli("ism", folder)
    assert refused.code == 1
    assert "E4 (2 of 6)" in refused.err and "expert withdraw" in refused.err

    done = cli("expert", "withdraw", folder, "E4", "--reason", "moved abroad")
    assert done.code == 0, done.err
    assert "E4 withdrawn from round 1 on; none of their answers count" in done.out

    assert cli("ism", folder, "--json").code == 0
    store = PanelStore.open(folder, read_only=True)
    assert set(panel_answers(store)) == {"E1", "E2", "E3"}
    assert [a.relation for a in store.history("E4")] == ["A", "A"]  # nothing deleted
    require_complete(store)  # no longer waits for E4

    listed = json.loads(cli("expert", "list", folder, "--json").out)
    e4 = next(e for e in listed if e["id"] == "E4")
    assert e4["withdrawn"]["round"] == 1 and e4["withdrawn"]["reason"] == "moved abroad"
    assert next(e for e in listed if e["id"] == "E1")["withdrawn"] is None

    sheet = e4_sheet(folder, tmp_path)
    blocked = cli("ssim", "import", folder, sheet, "--expert", "E4")
    assert blocked.code == 2 and "E4 has withdrawn" in blocked.err

    brief = tmp_path / "b.md"
    assert cli("brief", folder, "-o", brief).code == 0
    text = brief.read_text()
    assert "1 expert withdrew from the panel: E4 from round 1 (none of their answers count)" in text
    assert "| E4 |" not in text  # the experts table lists those whose answers count

    assert cli("expert", "withdraw", folder, "E4", "--undo").code == 0
    assert "E4" in panel_answers(PanelStore.open(folder, read_only=True))
    assert cli("ism", folder).code == 1  # waiting for E4 again


def test_withdrawal_from_a_later_round_keeps_the_answers_given_before(cli, four):
    folder, _ = four
    assert cli("expert", "withdraw", folder, "E4").code == 0
    assert cli("round", "start", folder, "--pairs", "P1-P2").code == 0
    store = PanelStore.open(folder)
    store.record("E3", 2, ("P1", "P2"), "V", "interview")  # was A in round 1
    assert cli("expert", "withdraw", folder, "E3", "--from-round", "2").code == 0
    counted = counted_answers(store)
    assert counted["E3"][("P1", "P2")] == "A"  # the round-2 answer stops counting
    assert len(counted["E3"]) == 6
    assert store.history("E3")[-1].relation == "V"  # and stays in the history
    assert "E4" not in panel_answers(store)
    assert set(panel_answers(store)) == {"E1", "E2", "E3"}
    bad = cli("expert", "withdraw", folder, "E2", "--from-round", "3")
    assert bad.code == 2 and "--from-round: round 3 does not exist" in bad.err


def test_closed_round_runs_the_analysis_and_the_brief_names_who_had_not_finished(
    cli, four, tmp_path
):
    folder, _ = four
    closed = cli("round", "close", folder)
    assert closed.code == 0, closed.err
    assert "Round 1 closed; the pairs left unanswered count as missing (E4 4 of 6)." in closed.out
    assert cli("ism", folder).code == 0
    assert cli("micmac", folder).code == 0
    brief = tmp_path / "b.md"
    assert cli("brief", folder, "-o", brief).code == 0
    assert (
        "Round 1 was closed with E4 (2 of 6 pairs) not finished; their unanswered pairs count "
        "as missing answers." in brief.read_text()
    )
    sheet = e4_sheet(folder, tmp_path)
    blocked = cli("ssim", "import", folder, sheet, "--expert", "E4")
    assert blocked.code == 2 and "round 1 is closed" in blocked.err
    assert cli("round", "close", folder).code == 2  # already closed
    assert cli("round", "close", folder, "--reopen").code == 0
    assert cli("ssim", "import", folder, sheet, "--expert", "E4").code == 0


def test_round_start_refuses_a_round_after_one_without_answers(cli, four):
    folder, _ = four
    first = cli("round", "start", folder, "--pairs", "P2-P1,T1-U1")
    assert first.code == 0 and "Round 2 opened on 2 pair(s): P1-P2, T1-U1" in first.out
    again = cli("round", "start", folder, "--pairs", "P1-P2")
    assert again.code == 2 and "round 2 has no answer yet; --force" in again.err
    forced = cli("round", "start", folder, "--pairs", "P1-P2", "--force")
    assert forced.code == 0 and "Round 3 opened" in forced.out
    for bad, says in (("P1-ZZ", "not a pair"), ("P1", "expected two factor ids"), (",", "no pair")):
        run = cli("round", "start", folder, "--pairs", bad, "--force")
        assert run.code == 2 and says in run.err


def test_reissued_token_replaces_the_old_one_at_once(cli, four):
    folder, tokens = four
    run = cli("expert", "token", folder, "E1")
    assert run.code == 0, run.err
    line = next(x for x in run.out.splitlines() if x.startswith("New token"))
    fresh = line.rsplit(": ", 1)[1].strip()
    assert fresh != tokens["E1"]
    assert f"--token {fresh}" in run.out and 'command="' in run.out
    store = PanelStore.open(folder, read_only=True)
    store.check_token("E1", fresh)
    with pytest.raises(InputError, match="wrong token"):
        store.check_token("E1", tokens["E1"])
    store.check_token("E2", tokens["E2"])  # the others keep theirs
    assert cli("expert", "token", folder, "E9").code == 2


def test_adding_a_name_twice_asks_first(cli, four):
    folder, _ = four
    twice = cli("expert", "add", folder, "expert  number 1")
    assert twice.code == 2
    assert "E1 already has the name" in twice.err and "--again" in twice.err
    assert len(PanelStore.open(folder, read_only=True).experts()) == 4
    assert cli("expert", "add", folder, "Expert number 1", "--again").code == 0
    assert len(PanelStore.open(folder, read_only=True).experts()) == 5


def test_key_option_names_the_real_problem(cli, four, tmp_path):
    folder, _ = four
    private = tmp_path / "id_ed25519"
    private.write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    run = cli("expert", "add", folder, "New one", "--key", private)
    assert run.code == 2 and "is a private key; give the public one" in run.err
    missing = cli("expert", "add", folder, "New one", "--key", tmp_path / "nope.pub")
    assert missing.code == 2 and "no such file" in missing.err
    assert len(PanelStore.open(folder, read_only=True).experts()) == 4


def test_a_withdrawn_llm_panelist_is_not_awaited(cli, four):
    folder, _ = four
    assert cli("expert", "withdraw", folder, "E4").code == 0
    store = PanelStore.open(folder)
    store.add_expert("unreachable model", "llm")
    require_complete(store)  # humans only: nobody awaited
    with pytest.raises(AnalysisError, match=r"L1 \(0 of 6\)"):
        require_complete(store, include_llm=True)
    assert cli("expert", "withdraw", folder, "L1", "--reason", "server unreachable").code == 0
    require_complete(store, include_llm=True)


def test_a_session_opened_before_a_round_closed_cannot_write_into_it(four):
    """An interview that started before the facilitator closed the round (or opened the next,
    or withdrew the expert) is told so at its next answer, and an answer it would have written
    cannot pass for newer than the next round's."""
    folder, _ = four
    store = PanelStore.open(folder)
    late = PanelStore.open(folder)  # the expert's session, opened before the close
    store.close_round()
    with pytest.raises(InputError, match="round 1 was closed by the facilitator"):
        late.record("E4", 1, SMALL_PAIRS[2], "V", "interview")
    store.start_round([SMALL_PAIRS[0]], 0.75)
    store.record("E1", 2, SMALL_PAIRS[0], "X", "interview")
    with pytest.raises(InputError, match="round 1 is over"):
        late.record("E1", 1, SMALL_PAIRS[0], "O", "interview")
    assert counted_answers(store)["E1"][SMALL_PAIRS[0]] == "X"
    store.withdraw("E2")
    with pytest.raises(InputError, match="E2 has withdrawn"):
        late.record("E2", 2, SMALL_PAIRS[0], "A", "interview")
    assert [a.relation for a in store.history("E2")] == list(SMALL_PANEL["E2"])


def test_a_panelist_withdrawn_from_round_1_is_neither_compared_nor_counted(cli, four, tmp_path):
    from ismpanel.elicitation.agreement import llm_agreement

    folder, _ = four
    assert cli("expert", "withdraw", folder, "E4").code == 0
    store = PanelStore.open(folder)
    store.add_expert("a model", "llm")
    store.record_many("L1", 1, dict(zip(SMALL_PAIRS, "VVVVVV", strict=True)), "llm")
    assert [a.expert for a in llm_agreement(store, rule="direction", quorum=1)] == ["L1"]
    assert cli("expert", "withdraw", folder, "L1").code == 0
    assert llm_agreement(store, rule="direction", quorum=1) == []
    brief = tmp_path / "b.md"
    assert cli("brief", folder, "-o", brief, "--include-llm").code == 0
    text = brief.read_text()
    assert "L1 from round 1 (none of their answers count)" in text
    assert "their votes count in the results" not in text
