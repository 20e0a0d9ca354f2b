"""The code base stays ruff clean (lint and format), and CI runs exactly the README's command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]])
def test_ruff(args):
    run = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "ismpanel", "tests", "bench", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text().splitlines()
    commands = readme[readme.index("```sh") + 1 : readme.index("```sh") + 3]
    assert commands[0].endswith("ismpanel demo")
    assert "pip install '.[test]'" in commands[1] and "pytest" in commands[1]
    assert "pip install '.[test]'" in (ROOT / ".ci" / "run").read_text()
