"""Setting the LLM up: one-line refusals without the openai package or without a configured
server, where settings come from, a key the study must not hold, a server that refuses the
key or the model, ``--help`` without openai, and panel databases of schema 1 migrating to 2."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from ismpanel.elicitation.store import PanelStore
from ismpanel.llm.config import KEYLESS, resolve_config
from tests.llm_servers import FakeServer, error

INSTALL = "error: the LLM features need the openai package: pip install 'ismpanel[llm]'\n"
UNSET = "error: no LLM server configured: set ISMPANEL_LLM_MODEL and ISMPANEL_LLM_BASE_URL"


@pytest.fixture
def study(llm_study):
    return llm_study


COMMANDS = [["llm-expert", "{study}"], ["factors", "draft", "Privacy", "-o", "{out}"]]


def _args(command, study, tmp_path):
    return [a.format(study=study, out=tmp_path / "f.csv") for a in command]


@pytest.mark.parametrize("command", COMMANDS)
def test_without_openai_each_llm_command_says_what_to_install(
    cli, study, tmp_path, monkeypatch, command
):
    monkeypatch.setitem(sys.modules, "openai", None)  # import openai now fails
    monkeypatch.setenv("ISMPANEL_LLM_MODEL", "m")
    monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    run = cli(*_args(command, study, tmp_path))
    assert (run.code, run.err) == (2, INSTALL)
    assert PanelStore.open(study).experts("llm") == []
    assert not (tmp_path / "f.csv").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_without_a_server_each_llm_command_says_what_to_set(cli, study, tmp_path, command):
    run = cli(*_args(command, study, tmp_path))
    assert run.code == 2 and run.err.startswith(UNSET) and run.err.count("\n") == 1
    assert PanelStore.open(study).experts("llm") == []


def test_a_model_alone_is_not_a_server(cli, study, monkeypatch):
    monkeypatch.setenv("ISMPANEL_LLM_MODEL", "m")
    run = cli("llm-expert", study)
    assert run.code == 2 and run.err.startswith(UNSET)


def test_settings_come_from_the_command_line_then_the_environment_then_the_study():
    table = {"model": "study-model", "base_url": "http://study/v1", "timeout": 5}
    env = {"ISMPANEL_LLM_MODEL": "env-model", "OPENAI_API_KEY": "sk-openai"}
    config = resolve_config(table, env)
    assert (config.model, config.base_url, config.api_key) == (
        "env-model",
        "http://study/v1",
        KEYLESS,  # a server only the study names gets no key
    )
    assert config.timeout == 5.0 and config.retries == 2 and config.concurrency == 4
    given = resolve_config(table, env, model="cli-model", base_url="http://cli/v1", timeout=1)
    assert (given.model, given.base_url, given.timeout) == ("cli-model", "http://cli/v1", 1.0)
    env["ISMPANEL_LLM_API_KEY"] = "sk-ismpanel"
    env["ISMPANEL_LLM_BASE_URL"] = "http://env/v1"
    assert resolve_config(table, env).api_key == "sk-ismpanel"  # preferred to OPENAI_API_KEY
    keyless = resolve_config({"model": "llama3", "base_url": "http://localhost:11434/v1"}, {})
    assert keyless.api_key == KEYLESS  # a local server needs no key
    openai_default = resolve_config(None, {"ISMPANEL_LLM_MODEL": "gpt", "OPENAI_API_KEY": "k"})
    assert openai_default.base_url is None
    assert openai_default.server == "https://api.openai.com/v1"
    assert resolve_config(None, {"ISMPANEL_LLM_MODEL": "gpt"}) is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('api_key = "sk-secret"', "[llm] must not hold an API key"),
        ('colour = "blue"', "[llm] has unknown key(s) colour"),
        ('timeout = "soon"', "[llm] timeout: 'soon' is not a number"),
    ],
)
def test_bad_llm_tables_in_the_study_are_refused(cli, study, monkeypatch, table, message):
    with (study / "study.toml").open("a") as fh:
        fh.write(f'\n[llm]\nmodel = "m"\nbase_url = "http://127.0.0.1:9/v1"\n{table}\n')
    run = cli("llm-expert", study)
    assert run.code == 2 and message in run.err and run.err.count("\n") == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "refused the key (HTTP 401); set ISMPANEL_LLM_API_KEY (or OPENAI_API_KEY)"),
        (404, "does not know model 'fake-model' or the chat completions endpoint (HTTP 404)"),
    ],
)
def test_a_refused_key_or_unknown_model_stops_with_one_line(
    cli, study, monkeypatch, status, message
):
    with FakeServer(lambda body, server: error(status)) as server:
        monkeypatch.setenv("ISMPANEL_LLM_BASE_URL", server.url)
        monkeypatch.setenv("ISMPANEL_LLM_MODEL", "fake-model")
        run = cli("llm-expert", study, "--samples", "1")
    assert run.code == 2
    assert run.err.strip().splitlines()[-1].startswith("error: the LLM server ")
    assert message in run.err and "Traceback" not in run.err
    assert PanelStore.open(study).round_answers("L1", 1) == {}


def test_help_does_not_import_openai():
    code = (
        "import sys\n"
        "from ismpanel.cli.app import main\n"
        "for args in (['--help'], ['llm-expert', '--help'], ['factors', 'draft', '--help']):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "print('OPENAI', 'openai' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "OPENAI False" in run.stdout, run.stderr


def _as_schema_1(folder) -> None:
    """Turn a fresh panel.db back into what schema 1 was: no LLM tables, schema 1 in meta."""
    conn = sqlite3.connect(folder / "panel.db")
    conn.executescript(
        "DROP INDEX llm_calls_by_pair; DROP TABLE llm_calls; DROP TABLE llm_panelists;"
        "UPDATE meta SET value = '1' WHERE key = 'schema';"
    )
    conn.close()


def test_a_schema_1_panel_opens_and_migrates_to_schema_2(study):
    store = PanelStore.open(study)
    store.record("E1", 1, ("P1", "P2"), "V", "interview")
    store.close()
    _as_schema_1(study)
    store = PanelStore.open(study)
    assert store.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("2",)
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert {"llm_panelists", "llm_calls", "llm_calls_by_pair"} <= tables
    assert store.round_answers("E1", 1) == {("P1", "P2"): "V"}
    assert store.llm_panelists() == {}
    store.close()
    assert PanelStore.open(study).round_answers("E1", 1) == {("P1", "P2"): "V"}  # twice is fine


def test_a_newer_schema_is_refused(cli, study):
    conn = sqlite3.connect(study / "panel.db")
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    run = cli("status", study)
    assert run.code == 2
    assert "panel database schema 3 is not supported (expected 2)" in run.err
