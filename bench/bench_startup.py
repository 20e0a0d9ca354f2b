"""Benchmark: start-up of ``ismpanel --help`` against ``python -c "import typer"``, both run as
fresh processes in the same session (target: at most 1.5x), and the heavy modules it loads.

Run: python bench/bench_startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 21
HELP = [sys.executable, "-m", "ismpanel", "--help"]
TYPER = [sys.executable, "-c", "import typer"]
PROBE = (
    "import sys\nfrom ismpanel.cli.app import main\n"
    "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    "print(','.join(m for m in ('numpy', 'pandas', 'scipy', 'matplotlib', 'rich')"
    " if m in sys.modules) or 'none')\n"
)


def median_seconds(cmd: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    median_seconds(HELP)  # warm the file cache and the bytecode
    t_typer, t_help = median_seconds(TYPER), median_seconds(HELP)
    loaded = (
        subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    print(f"import typer     {t_typer * 1e3:7.1f} ms (median of {RUNS})")
    print(f"ismpanel --help  {t_help * 1e3:7.1f} ms (median of {RUNS})")
    print(f"ratio            {t_help / t_typer:7.2f}x (target <= 1.5x)")
    print(f"heavy modules loaded by --help: {loaded}")


if __name__ == "__main__":
    main()
