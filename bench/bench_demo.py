"""Benchmark: ``ismpanel demo`` end to end as a fresh process (target: under 10 s), and the
brief of the demo study in all three formats (markdown with its figures, HTML, Word), each
against a process that only imports the libraries the demo needs, measured in the same run;
wall time (median), peak RSS per process and output size.

Run: python bench/bench_demo.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
IMPORTS = [sys.executable, "-c", "import numpy, pandas, scipy.sparse, matplotlib.figure, jinja2"]


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)}: exit {proc.returncode}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    demo, brief, base = [], [], []
    size = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(RUNS):
            out = Path(tmp) / f"run{k}"
            demo.append(measure([sys.executable, "-m", "ismpanel", "demo", "--out", str(out)]))
            target = out / "all.md"
            brief.append(
                measure(
                    [
                        sys.executable,
                        "-m",
                        "ismpanel",
                        "brief",
                        str(out),
                        "-o",
                        str(target),
                        "--format",
                        "md,html,docx",
                        "--allow-incomplete",
                    ]
                )
            )
            base.append(measure(IMPORTS))
            size = sum(p.stat().st_size for p in out.glob("all.*"))
    b = statistics.median(t for t, _ in base)
    for label, runs in (("ismpanel demo", demo), ("brief md,html,docx", brief)):
        wall = statistics.median(t for t, _ in runs)
        rss = max(m for _, m in runs)
        print(f"{label:20} {wall:6.2f} s (median of {RUNS}), peak RSS {rss:5.0f} MB, "
              f"{wall / b:5.2f}x the imports")  # fmt: skip
    print(f"{'imports only':20} {b:6.2f} s, peak RSS {max(m for _, m in base):5.0f} MB")
    print(f"brief files          {size / 1e6:6.2f} MB (md, figures, html, docx)")


if __name__ == "__main__":
    main()
