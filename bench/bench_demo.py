"""Benchmark: ``ismpanel demo`` end to end as a fresh process (target: under 10 s), against a
process that only imports the libraries the demo needs, measured in the same run.

Run: python bench/bench_demo.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
IMPORTS = [sys.executable, "-c", "import numpy, pandas, scipy.sparse, matplotlib.figure, jinja2"]


def seconds(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    demo, base = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(RUNS):
            out = Path(tmp) / f"run{k}"
            demo.append(seconds([sys.executable, "-m", "ismpanel", "demo", "--out", str(out)]))
            base.append(seconds(IMPORTS))
    d, b = statistics.median(demo), statistics.median(base)
    print(f"ismpanel demo       {d:6.2f} s (median of {RUNS}; target < 10 s)")
    print(f"imports only        {b:6.2f} s")
    print(f"ratio               {d / b:6.2f}x")


if __name__ == "__main__":
    main()
