"""Benchmark: whole commands, not engines. Each command runs in its own process under
an 8 GB address-space cap; wall time, that process's peak resident memory (``os.wait4``) and
the size of what it writes to stdout are printed beside a baseline measured in the same run.

fsQCA, the synthetic suite: ``ismpanel qca FILE --json`` with every solution on structureless
data (memberships and outcome uniform on [0, 1], independent; incl.cut at the median row
inclusion, so about half the observed rows are positive at random; every condition expected
present), k = 8, 10, 12, 16, 20 with 200 cases and k = 12 with 3,000 cases: R QCA's hard cases.
Baseline: the same analysis through ``pipeline.run`` in a bare process (no CLI, no output), the
engine's own cost. ``--before REV`` also runs the command of a git revision (say one before a
change) on each problem, stopped after 300 s.

ISM: ``ismpanel ism FILE --json`` on a 0/1 matrix of 1,000 and 2,000 factors (sparse, with
planted cycles), the median of three runs. Baseline: a bare numpy closure of the same matrix
(boolean squaring with matrix products until it stops changing), in this process, the median
of three. Beside it, the same command on a 3-factor file: the start-up (interpreter, imports,
argument parsing) that every run pays whatever the size.

The package's bytecode is compiled first, as an install does, so that no run pays for
compiling it (an environment with PYTHONDONTWRITEBYTECODE set would otherwise recompile the
changed modules at every start).

Targets: every qca problem within 60 s and 4 GB with all three solutions (or the step the
limit cut named), JSON under ~10 MB; ism --json at n = 1,000 within 10x the bare closure.
Run: python bench/bench_commands.py [--quick] [--before REV]
"""

from __future__ import annotations

import compileall
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_structure import random_structure  # bench/ is on the path of a bench script

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CAP = 8_000_000_000  # bytes of address space per process: a runaway stops, the machine is shared
SUITE = [(8, 200), (10, 200), (12, 200), (16, 200), (20, 200), (12, 3000)]
ENGINE = """
import sys
from pathlib import Path
from ismpanel.readers import read_grid
from ismpanel.analysis.fsqca.data import prepare
from ismpanel.analysis.fsqca.pipeline import Options, run
path, cut, direxp = sys.argv[1], float(sys.argv[2]), sys.argv[3]
data, names, out, _ = prepare(read_grid(Path(path)), "Y")
run(data, names, out, Options(outcome="Y", incl_cut=(cut,), dir_exp=direxp))
"""


def synthetic(folder: Path, k: int, cases: int, seed: int = 1) -> tuple[Path, float, str]:
    """Write a structureless problem; return the file, its incl.cut and its --dir-exp."""
    from ismpanel.analysis.fsqca.truthtable import truth_table

    rng = np.random.default_rng(seed)
    x = np.round(rng.random((cases, k)), 4)
    y = np.round(rng.random(cases), 4)
    names = tuple(f"C{i}" for i in range(k))
    ids = [f"c{i + 1}" for i in range(cases)]
    tt = truth_table(x, y, names, "Y", ids, incl_cut=1.0)
    cut = float(np.median([r.incl for r in tt.rows.values()]))
    path = folder / f"k{k}_{cases}.csv"
    with path.open("w") as fh:
        fh.write("case," + ",".join(names) + ",Y\n")
        for i in range(cases):
            fh.write(f"{ids[i]}," + ",".join(f"{v:.4f}" for v in x[i]) + f",{y[i]:.4f}\n")
    return path, cut, ",".join(f"{n}=1" for n in names)


def measured(args: list[str], env: dict | None = None, timeout: float | None = None) -> dict:
    """Run one process under the memory cap; wall seconds, peak RSS (MB), stdout bytes and
    text, exit code (None when stopped at the timeout)."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # run outside the repository, so that PYTHONPATH (--before) decides which package runs
        cwd = tempfile.gettempdir()
        proc = subprocess.Popen(args, stdout=out, stderr=err, preexec_fn=cap, env=env, cwd=cwd)
        code: int | None
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                code = None
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        proc.returncode = code if code is not None else -9
        out.seek(0)
        err.seek(0)
        text = out.read()
        return {
            "seconds": seconds,
            "rss_mb": usage.ru_maxrss / 1024,
            "bytes": len(text),
            "stdout": text,
            "stderr": err.read().decode("utf-8", "replace"),
            "code": code,
        }


def summary(run: dict) -> str:
    """What the qca document holds: solutions, proven or not, the step the limit cut."""
    if run["code"] is None:
        return "stopped at the timeout"
    if run["code"] != 0:
        last = run["stderr"].strip().splitlines()[-1:] or ["?"]
        return f"exit {run['code']}: {last[0][:70]}"
    doc = json.loads(run["stdout"])
    info = doc["solution_info"]
    parts = []
    for kind in ("complex", "parsimonious", "intermediate"):
        if kind not in info:
            parts.append(f"{kind[0].upper()}: missing")
            continue
        groups = info[kind] if isinstance(info[kind], list) else [info[kind]]
        proven = all(g["proven_minimal"] for g in groups)
        found = sum(g["prime_implicants_count"] for g in groups)
        parts.append(f"{kind[0].upper()}{'' if proven else '!'} {found} PI")
    if doc["time_limit"]["cut"]:
        parts.append(f"cut: {doc['time_limit']['cut']}")
    return ", ".join(parts)


def before_tree(rev: str, folder: Path) -> Path:
    """The package as it was at ``rev``, unpacked into ``folder``."""
    archive = subprocess.run(
        ["git", "archive", rev, "ismpanel"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    folder.mkdir()
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def qca_suite(folder: Path, quick: bool, before: str | None) -> None:
    print("fsQCA: ismpanel qca FILE --json, all three solutions, default --time-limit 50")
    print(
        f"{'problem':<13} {'command':>9} {'peak MB':>8} {'JSON MB':>8} | {'engine':>8} "
        f"{'peak MB':>8}"
        + (f" | {'before':>9} {'peak MB':>8} {'JSON MB':>8}" if before else "")
        + "  holds ('!': best cover, not proven minimal)"
    )
    old = before_tree(before, folder / "before") if before else None
    for k, cases in SUITE[:3] if quick else SUITE:
        path, cut, direxp = synthetic(folder, k, cases)
        cmd = [PYTHON, "-m", "ismpanel", "qca", str(path), "--outcome", "Y"]
        cmd += ["--incl-cut", repr(cut), "--dir-exp", direxp, "--json"]
        run = measured(cmd)
        base = measured([PYTHON, "-c", ENGINE, str(path), repr(cut), direxp])
        line = (
            f"k={k:<2} n={cases:<5} {run['seconds']:>8.1f}s {run['rss_mb']:>8.0f} "
            f"{run['bytes'] / 1e6:>8.2f} | {base['seconds']:>7.1f}s {base['rss_mb']:>8.0f}"
        )
        if old is not None:
            env = dict(os.environ, PYTHONPATH=str(old))
            prev = measured(cmd, env=env, timeout=300)
            shown = "stopped" if prev["code"] is None else f"{prev['seconds']:.1f}s"
            if prev["code"] not in (0, None):
                shown = f"failed {prev['seconds']:.0f}s"
            line += f" | {shown:>9} {prev['rss_mb']:>8.0f} {prev['bytes'] / 1e6:>8.2f}"
        print(line + "  " + summary(run), flush=True)


def bare_closure(irm: np.ndarray) -> np.ndarray:
    """Baseline: reflexive-transitive closure by squaring (I + A) with numpy matrix products
    until it stops changing."""
    r = irm.astype(np.float32)
    while True:
        nxt = ((r @ r) > 0).astype(np.float32)
        if np.array_equal(nxt, r):
            return r > 0
        r = nxt


def ism_suite(folder: Path, quick: bool) -> None:
    print()
    print("ISM: ismpanel ism FILE --json on a 0/1 matrix with cycles, against a bare numpy closure")
    tiny = folder / "ism3.csv"
    tiny.write_text("id,A,B,C\nA,1,1,0\nB,0,1,1\nC,1,0,1\n")
    startup = sorted(
        measured([PYTHON, "-m", "ismpanel", "ism", str(tiny), "--json"])["seconds"]
        for _ in range(3)
    )[1]
    print(f"start-up: the same command on 3 factors takes {startup:.2f}s (median of three)")
    print(
        f"{'n':>5} {'command':>9} {'peak MB':>8} {'JSON MB':>8} | {'closure':>8} "
        f"{'ratio':>7} (target <= 10x)"
    )
    for n in (1000,) if quick else (1000, 2000):
        irm = random_structure(n, 1.5, seed=n)
        path = folder / f"ism{n}.csv"
        with path.open("w") as fh:
            fh.write("id," + ",".join(f"F{i}" for i in range(n)) + "\n")
            for i in range(n):
                fh.write(f"F{i}," + ",".join("1" if v else "0" for v in irm[i]) + "\n")
        runs = [measured([PYTHON, "-m", "ismpanel", "ism", str(path), "--json"]) for _ in range(3)]
        assert all(r["code"] == 0 for r in runs), runs[0]["stderr"]
        run = sorted(runs, key=lambda r: r["seconds"])[1]  # the median run
        frm = np.array(json.loads(run["stdout"])["frm"], dtype=bool)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            closed = bare_closure(irm)
            times.append(time.perf_counter() - start)
        assert np.array_equal(closed, frm)
        base = sorted(times)[1]
        print(
            f"{n:>5} {run['seconds']:>8.2f}s {run['rss_mb']:>8.0f} {run['bytes'] / 1e6:>8.2f} | "
            f"{base:>7.3f}s {run['seconds'] / base:>6.1f}x",
            flush=True,
        )


def main() -> None:
    quick = "--quick" in sys.argv
    before = sys.argv[sys.argv.index("--before") + 1] if "--before" in sys.argv else None
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    compileall.compile_dir(ROOT / "ismpanel", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        qca_suite(Path(tmp), quick, before)
        ism_suite(Path(tmp), quick)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
