"""The interview as real processes: the wizard in a pseudo-terminal (answers, Ctrl-C, restart,
resume), SIGKILL in the middle of writing, several experts answering at once, and the wizard
through an SSH forced command on a private sshd."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pexpect
import pytest

from ismpanel.elicitation.store import PanelStore
from tests.helpers import plain_interview, privacy_study, small_study

ENV = {**os.environ, "TERM": "xterm", "COLUMNS": "120", "LINES": "40"}


def _spawn(folder, expert, token, *extra):
    return pexpect.spawn(
        sys.executable,
        ["-m", "ismpanel", "interview", str(folder), "--expert", expert, "--token", token, *extra],
        env=ENV,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )


def test_wizard_in_a_terminal_survives_ctrl_c_and_resumes(tmp_path):
    tokens = small_study(tmp_path / "s", experts=1)
    child = _spawn(tmp_path / "s", "E1", tokens["E1"])
    child.expect("6 pairs to answer")
    for k, key in enumerate("vax", start=1):
        child.expect(f"Pair {k} of 6")
        child.expect("Your answer")
        child.send(key)
    child.expect("Pair 4 of 6")
    child.expect("Your answer")
    child.sendintr()
    child.expect("Interrupted. Saved: 3 of 6 pairs answered")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    child = _spawn(tmp_path / "s", "E1", tokens["E1"])
    child.expect("3 of 6 pairs answered; resuming at pair 4")
    child.expect("Pair 4 of 6")
    child.expect("Your answer")
    child.send("b")  # back to pair 3: its answer is shown
    child.expect("Pair 3 of 6")
    child.expect(r"Your current answer: (\x1b\[[0-9;]*m)*X")
    child.expect("Your answer")
    child.send("\r")  # Enter answers nothing
    child.send("q")
    child.expect("Saved: 3 of 6 pairs answered")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    answers = PanelStore.open(tmp_path / "s").round_answers("E1", 1)
    assert answers == {("P1", "P2"): "V", ("P1", "T1"): "A", ("P1", "U1"): "X"}


def test_sigkill_mid_interview_loses_nothing_committed(tmp_path):
    """Kill a plain-mode writer at random moments while it writes as fast as it can (answer,
    back, answer again: a writer that never finishes); every answer it acknowledged is stored,
    the database is intact, and no row is half-written. Each kill comes at a random delay
    after the first saved answer, so a slow start on a loaded machine is not counted."""
    folder = tmp_path / "s"
    token = privacy_study(folder, experts=1)["E1"]
    rng = random.Random(7)
    acknowledged = 0
    for attempt in range(5):
        proc = plain_interview(folder, "E1", token, stdout=subprocess.PIPE, bufsize=1)
        feeder = threading.Thread(target=_feed, args=(proc,), daemon=True)
        feeder.start()
        acks = []
        started = threading.Event()
        reader = threading.Thread(target=_collect, args=(proc, acks, started), daemon=True)
        reader.start()
        assert started.wait(timeout=60), f"attempt {attempt}: no answer saved within 60 s"
        time.sleep(rng.random())
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join(timeout=5)
        assert proc.returncode == -signal.SIGKILL, f"attempt {attempt} ended before the kill"
        acknowledged += len(acks)
        rows = _rows(folder)
        assert len(rows) >= acknowledged, "an acknowledged answer was lost"
        assert all(rel in ("V", "A", "X", "O") and i and j for i, j, rel in rows)
        acknowledged = len(rows)
    assert acknowledged > 10, "the writer should have answered before each kill"
    conn = sqlite3.connect(folder / "panel.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    answered = PanelStore.open(folder).round_answers("E1", 1)
    assert 0 < len(answered) <= 136


def _feed(proc):
    try:
        while True:
            proc.stdin.write(random.choice("vaxo") + "\nback\n")
            proc.stdin.flush()
            time.sleep(0.001)
    except (BrokenPipeError, ValueError, OSError):
        pass


def _collect(proc, acks, started):
    for line in proc.stdout:
        if line.startswith("saved ") or "answer> saved " in line:
            acks.append(line)
            started.set()


def _rows(folder):
    conn = sqlite3.connect(folder / "panel.db")
    try:
        return conn.execute("SELECT i, j, relation FROM answers").fetchall()
    finally:
        conn.close()


def test_several_experts_answer_at_once_without_lock_errors(tmp_path):
    """Five plain-mode interviews, 136 answers each, into one study at the same time (the full
    figure, 20 processes, is in bench/bench_interview.py)."""
    folder = tmp_path / "s"
    tokens = privacy_study(folder, experts=5)
    procs = [
        plain_interview(folder, eid, token, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for eid, token in tokens.items()
    ]
    answers = "".join(random.Random(1).choice("vaxo") + "\n" for _ in range(136))
    errors = [p.communicate(answers, timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, errors
    assert not any("locked" in e for e in errors)
    store = PanelStore.open(folder)
    assert len(store.history()) == 5 * 136
    assert all(len(store.round_answers(eid, 1)) == 136 for eid in tokens)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sshd(tmp_path):
    """A private sshd on 127.0.0.1 whose authorized_keys file the test writes."""
    binary = shutil.which("sshd") or (
        "/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None
    )
    if binary is None or os.geteuid() != 0:
        pytest.skip("needs sshd (openssh-server) and root to run a private sshd")
    ssh_dir = tmp_path / "ssh"
    ssh_dir.mkdir()
    for name in ("host_key", "user_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh_dir / name], check=True
        )
    Path("/run/sshd").mkdir(exist_ok=True)
    port = _free_port()
    config = ssh_dir / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {ssh_dir / 'host_key'}\n"
        f"AuthorizedKeysFile {ssh_dir / 'authorized_keys'}\nPidFile {ssh_dir / 'sshd.pid'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
        "PermitRootLogin prohibit-password\n"
        "AcceptEnv LANG LC_* PYTHON*\n"  # an administrator's sshd that accepts PYTHON*
    )
    (ssh_dir / "authorized_keys").write_text("")
    server = subprocess.Popen(
        [binary, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 10
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("sshd did not start: " + server.stderr.read())
    yield ssh_dir, port
    server.terminate()
    server.wait(timeout=10)


def _ssh(ssh_dir, port, *options, env=ENV):
    return pexpect.spawn(
        "ssh",
        [
            *options,
            "-tt",
            "-i",
            str(ssh_dir / "user_key"),
            "-p",
            str(port),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            f"{os.environ.get('USER', 'root')}@127.0.0.1",
            "any command",
        ],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )


def _add_remote_expert(folder, ssh_dir) -> str:
    """Register an expert with the test key; the authorized_keys line ``expert add`` prints."""
    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "ismpanel",
            "expert",
            "add",
            str(folder),
            "Remote expert",
            "--key",
            str(ssh_dir / "user_key.pub"),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**ENV, "COLUMNS": "400"},
    )
    return added.stdout.strip().splitlines()[-1]


def test_python_variables_sent_over_ssh_open_no_python_prompt(tmp_path, sshd):
    """With an sshd that accepts PYTHON*, the client's PYTHONINSPECT=1 reaches the forced
    command; the interview ignores it, so quitting ends the session instead of leaving the
    expert at a Python prompt running as the facilitator."""
    ssh_dir, port = sshd
    small_study(tmp_path / "s")
    (ssh_dir / "authorized_keys").write_text(_add_remote_expert(tmp_path / "s", ssh_dir) + "\n")
    hostile = {**ENV, "PYTHONINSPECT": "1", "PYTHONSTARTUP": "/nonexistent"}
    child = _ssh(ssh_dir, port, "-o", "SendEnv=PYTHON*", env=hostile)
    child.expect("Your answer")
    child.send("q")
    child.expect("Saved: 0 of 6 pairs answered")
    assert child.expect([pexpect.EOF, ">>> "]) == 0, "a Python prompt opened"


def test_interview_over_ssh_through_the_forced_command(tmp_path, sshd):
    ssh_dir, port = sshd
    small_study(tmp_path / "s")
    line = _add_remote_expert(tmp_path / "s", ssh_dir)
    assert line.startswith('command="') and ",restrict,pty ssh-ed25519 " in line
    (ssh_dir / "authorized_keys").write_text(line + "\n")

    child = _ssh(ssh_dir, port)  # the requested command is ignored: the key runs the interview
    child.expect("6 pairs to answer")
    child.expect("Pair 1 of 6")
    child.expect("Your answer")
    child.send("o")
    child.expect("Pair 2 of 6")
    child.expect("Your answer")
    child.send("v")
    child.expect("Pair 3 of 6")
    child.expect("Your answer")
    child.kill(signal.SIGKILL)  # the connection drops mid-interview
    child.close()
    deadline = time.time() + 10
    while time.time() < deadline and len(PanelStore.open(tmp_path / "s").history()) < 2:
        time.sleep(0.1)
    assert PanelStore.open(tmp_path / "s").round_answers("E1", 1) == {
        ("P1", "P2"): "O",
        ("P1", "T1"): "V",
    }

    child = _ssh(ssh_dir, port)
    child.expect("2 of 6 pairs answered; resuming at pair 3")
    child.expect("Your answer")
    child.send("q")
    child.expect("Saved: 2 of 6 pairs answered")
    child.expect(pexpect.EOF)
