"""Opt-in: the panelist, factor drafts and the narrative against a real server named by
``ISMPANEL_TEST_LLM_BASE_URL`` (and ``ISMPANEL_TEST_LLM_MODEL``); skipped otherwise. Whatever
the model writes, every command ends in one line, never a traceback, and every call is
stored with a known outcome. ``bench/bench_llm.py`` measures the same path."""

from __future__ import annotations

import os
import re

import pytest

from ismpanel.elicitation.store import PanelStore
from tests.helpers import answered_study, small_study

URL = os.environ.get("ISMPANEL_TEST_LLM_BASE_URL")
MODEL = os.environ.get("ISMPANEL_TEST_LLM_MODEL", "local")
real_llm = pytest.mark.skipif(not URL, reason="set ISMPANEL_TEST_LLM_BASE_URL to run")
SERVER = ["--base-url", URL or "", "--model", MODEL, "--timeout", "300"]


@real_llm
def test_a_real_model_answers_as_a_panelist_without_a_traceback(cli, tmp_path):
    folder = tmp_path / "s"
    small_study(folder, experts=1)
    run = cli("llm-expert", folder, "--samples", "1", *SERVER)
    assert run.code in (0, 1) and "Traceback" not in run.err
    calls = PanelStore.open(folder).llm_calls("L1", "panelist")
    assert calls and {c.outcome for c in calls} <= {
        "V",
        "A",
        "X",
        "O",
        "unsure",
        "invalid",
        "failed",
    }


@real_llm
def test_a_real_model_drafts_factors_without_a_traceback(cli, tmp_path):
    run = cli("factors", "draft", "Privacy in open data", "-o", tmp_path / "f.csv", *SERVER)
    assert run.code in (0, 1) and "Traceback" not in run.err


@real_llm
def test_a_real_model_writes_slot_prose_or_says_why_not(cli, tmp_path):
    folder = answered_study(tmp_path / "s")
    out = tmp_path / "b.md"
    run = cli("brief", folder, "-o", out, "--narrative", "--narrative-style", "slots", *SERVER)
    assert run.code == 0 and "Traceback" not in run.err
    text = out.read_text()
    assert re.search(r"\[\w+ (position|links|priority|fsqca)\]", text) is None  # all filled
    kept = text.count("around clauses the program wrote from the results")
    notes = [line for line in run.err.splitlines() if line.startswith("narrative:")]
    assert kept or notes  # prose, or a line saying why each section kept its template
