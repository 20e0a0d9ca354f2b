"""Benchmark the interview: start-up, keypress-to-next-screen latency with the answer durable,
and many experts answering at once.

* start-up: ``ismpanel interview --plain`` on empty input, as a fresh process (target < 0.5 s),
  against ``python -c "import typer"``;
* latency: the real wizard in a pseudo-terminal, 136 pairs, from the key sent to the next
  screen's prompt, answer committed (target < 50 ms), against a minimal echo loop driven the
  same way (the harness's own round trip);
* concurrency: 20 processes x 136 plain-mode answers into one study at once (every answer
  stored, no lock error), against one process alone.

Run: python bench/bench_interview.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

from ismpanel.elicitation.creation import create_from_template
from ismpanel.elicitation.store import PanelStore

ENV = {**os.environ, "TERM": "xterm", "COLUMNS": "120", "LINES": "40"}
ECHO = (
    "import sys, termios, tty\n"
    "tty.setraw(0)\n"
    "for k in range(1, 138):\n"
    "    sys.stdout.write(f'Pair {k} of 136\\r\\nYour answer: ')\n"
    "    sys.stdout.flush()\n"
    "    sys.stdin.read(1)\n"
)


def new_study(root: Path, experts: int, name: str) -> tuple[Path, dict[str, str]]:
    """The bundled 17-factor study (136 pairs) with some experts; returns tokens by pseudonym."""
    folder = root / name
    create_from_template(folder, "open-gov-privacy")
    store = PanelStore.open(folder)
    tokens = {e.id: t for e, t in (store.add_expert(f"Expert {k}") for k in range(experts))}
    store.close()
    return folder, tokens


def percentiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return (
        f"p50 {q[49] * 1e3:6.1f} ms  p95 {q[94] * 1e3:6.1f} ms  p99 {q[98] * 1e3:6.1f} ms  "
        f"max {max(values) * 1e3:6.1f} ms"
    )


def plain_command(folder: Path, expert: str, token: str) -> list[str]:
    """The command line of a plain-mode interview."""
    return [
        sys.executable,
        "-m",
        "ismpanel",
        "interview",
        str(folder),
        "--expert",
        expert,
        "--token",
        token,
        "--plain",
    ]


def startup(folder: Path, token: str) -> None:
    cmd = plain_command(folder, "E1", token)
    base = [sys.executable, "-c", "import typer"]

    def median(c: list[str]) -> float:
        times = []
        for _ in range(11):
            start = time.perf_counter()
            subprocess.run(c, input="", capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    t_cmd, t_base = median(cmd), median(base)
    print(
        f"start-up  interview {t_cmd * 1e3:6.1f} ms   import typer {t_base * 1e3:6.1f} ms   "
        f"ratio {t_cmd / t_base:4.2f}x   (target < 500 ms)"
    )


def drive(child: pexpect.spawn, keys: str) -> list[float]:
    """Send one key per screen and time the arrival of the next prompt."""
    child.delaybeforesend = None  # pexpect sleeps 50 ms before each send by default
    child.expect("Your answer")
    latencies = []
    for k, key in enumerate(keys, start=2):
        start = time.perf_counter()
        child.send(key)
        child.expect(f"Pair {k} of 136|all 136 pairs answered")  # the last: the review list
        child.expect("Your answer|Pair number")
        latencies.append(time.perf_counter() - start)
    return latencies


def latency(folder: Path, token: str) -> None:
    keys = ("vaxo" * 34)[:136]
    child = pexpect.spawn(
        sys.executable,
        ["-m", "ismpanel", "interview", str(folder), "--expert", "E1", "--token", token],
        env=ENV,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    wizard = drive(child, keys)
    child.send("q\r")  # leave the review list
    child.expect(pexpect.EOF)
    echo = pexpect.spawn(sys.executable, ["-c", ECHO], env=ENV, encoding="utf-8", timeout=30)
    baseline = drive(echo, keys[:-1])
    echo.close()
    stored = len(PanelStore.open(folder).round_answers("E1", 1))
    print(f"latency   wizard  {percentiles(wizard)}   ({stored} answers stored)")
    print(f"          echo    {percentiles(baseline)}   (pty round trip, baseline)")
    print(
        f"          median ratio {statistics.median(wizard) / statistics.median(baseline):.1f}x"
        "   (target: wizard p95 < 50 ms)"
    )


def concurrent(folder: Path, tokens: dict[str, str]) -> float:
    answers = "".join("vaxo"[k % 4] + "\n" for k in range(136))
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            plain_command(folder, eid, token),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for eid, token in tokens.items()
    ]
    errors = [p.communicate(answers)[1] for p in procs]
    elapsed = time.perf_counter() - start
    store = PanelStore.open(folder)
    stored = len(store.history())
    failed = sum(1 for p in procs if p.returncode != 0)
    locked = sum("locked" in e for e in errors)
    print(
        f"panel     {len(procs):2d} processes x 136 answers: {stored} stored of "
        f"{136 * len(procs)}, {failed} failed, {locked} lock errors, {elapsed:5.2f} s, "
        f"{stored / elapsed:6.0f} answers/s"
    )
    return stored / elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder, tokens = new_study(root, 1, "wizard")
        startup(folder, tokens["E1"])
        latency(folder, tokens["E1"])
        one = concurrent(*new_study(root, 1, "alone"))
        many = concurrent(*new_study(root, 20, "panel"))
        print(f"          throughput ratio 20 vs 1 process: {many / one:.1f}x")


if __name__ == "__main__":
    main()
