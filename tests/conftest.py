"""Shared test helpers: run the real console entry point and capture what a user would see."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

# rich wraps at 80 columns when output is not a terminal; tests read whole lines
os.environ.setdefault("COLUMNS", "200")

from ismpanel.cli.app import main


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys):
    """Call ``ismpanel`` with arguments, as the console script does; return exit code and output."""

    def run(*args: str) -> Run:
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def llm_study(tmp_path, monkeypatch):
    """A 4-factor study with one expert, no LLM settings in the environment, and local
    connections kept off any proxy (the LLM tests' servers run on 127.0.0.1)."""
    from tests.helpers import small_study

    folder = tmp_path / "s"
    small_study(folder, experts=1)
    for name in (
        "ISMPANEL_LLM_API_KEY",
        "OPENAI_API_KEY",
        "ISMPANEL_LLM_BASE_URL",
        "ISMPANEL_LLM_MODEL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return folder
