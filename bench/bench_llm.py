"""Benchmark: the whole LLM path against a real OpenAI-compatible server (not for CI): the
panelist calibrated on the demo study's agreed pairs, factor drafts and the brief's narrative.
Prints calls, the usable share of the panelist's samples, its agreement and kappa, the reply
format the server ended on, and the time per call.

Run: ISMPANEL_TEST_LLM_BASE_URL=http://127.0.0.1:8000/v1 ISMPANEL_TEST_LLM_MODEL=qwen \\
     python bench/bench_llm.py [--timeout 120]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from ismpanel.elicitation.llm import calibration
from ismpanel.elicitation.store import PanelStore
from ismpanel.llm import formats
from ismpanel.llm.config import public_url

USABLE = {"V", "A", "X", "O", "unsure"}


def ismpanel(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    """Run the CLI as a fresh process; the seconds it took and what it printed."""
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "ismpanel", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "1000"},  # one line per message
    )
    return time.perf_counter() - start, run


def last_line(run: subprocess.CompletedProcess) -> str:
    """The command's closing line: its error, else the last line of its results."""
    lines = (run.stderr if run.returncode else run.stdout).strip().splitlines()
    return lines[-1] if lines else ""


def main() -> None:
    url, model = (
        os.environ.get("ISMPANEL_TEST_LLM_BASE_URL"),
        os.environ.get("ISMPANEL_TEST_LLM_MODEL", "local"),
    )
    if not url:
        sys.exit("set ISMPANEL_TEST_LLM_BASE_URL (and ISMPANEL_TEST_LLM_MODEL)")
    server = ["--base-url", url, "--model", model, *sys.argv[1:]]
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "demo"
        ismpanel("demo", "--out", str(study))
        ismpanel("round", "close", str(study), "--reopen")  # the demo closes its round
        seconds, run = ismpanel("llm-expert", str(study), "--samples", "1", "--calibrate", *server)
        store = PanelStore.open(study)
        calls = store.llm_calls("L1", "panelist")
        outcomes = Counter(c.outcome for c in calls)
        usable = sum(n for o, n in outcomes.items() if o in USABLE)
        found = calibration.calibrations(store).get("L1")
        reply_format = formats.remembered(store, public_url(url), model)
        per_call = seconds / max(len(calls), 1)
        print(f"panelist   {len(calls)} call(s) in {seconds:.0f} s ({per_call:.1f} s/call)")
        print(f"           usable {usable} of {len(calls)}; outcomes {dict(outcomes)}")
        closing = f": {last_line(run)}" if run.returncode else ""
        print(f"           reply format {reply_format}; exit {run.returncode}{closing}")
        print(f"           {found.describe() if found else 'no calibration'}")
        seconds, run = ismpanel(
            "factors", "draft", "Privacy in open government data", "-o", f"{tmp}/f.csv", *server
        )
        print(f"factors    {seconds:.0f} s, exit {run.returncode}: {last_line(run)}")
        seconds, run = ismpanel(
            "brief", str(study), "-o", f"{tmp}/b.md", "--narrative", "--allow-incomplete", *server
        )
        kept = [line for line in run.stderr.splitlines() if line.startswith("narrative:")]
        print(f"narrative  {seconds:.0f} s, exit {run.returncode}, {len(kept)} note(s)")
        for line in kept[:8]:
            print(f"           {line}")


if __name__ == "__main__":
    main()
