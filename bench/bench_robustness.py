"""Benchmark: the whole fsQCA robustness analysis (sensitivity ranges, alternative analyses,
robust core and fit, leave-one-case-out) against one plain analysis of the same data measured
in the same run, on

- the bundled study (240 respondents, 6 conditions, percentile anchors, ``[qca]`` as in its
  study.toml), and
- a 10-condition synthetic problem: bench_qca's ``planted`` outcome (C0*C1 + ~C2*C3 plus
  normal noise, sd 0.05) over 200 cases whose memberships are uniform values pushed towards
  0 and 1 (a logistic of slope 10 around 0.5, as calibrated survey data look), incl.cut at
  the quantile that leaves a quarter of the observed rows positive, no directional
  expectations (the parsimonious solution is reported): most of its rows hold one case, so
  nearly every leave-one-out rerun codes a new truth table and needs its own minimization;

each in-process (wall time, reruns, minimizations: reruns whose truth table was coded as an
earlier one cost none) and as the whole command, ``ismpanel qca --robustness --json`` in a
fresh process with ``--time-limit`` 50 and 10 s, to show that the limit bounds all of it.

Run: python bench/bench_robustness.py
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMO = ROOT / "ismpanel" / "templates" / "studies" / "open-gov-privacy"
CASES = 200
K = 10
SHARPNESS, NOISE, POSITIVE = 10.0, 0.05, 0.25


def bundled(folder: Path) -> tuple[Path, list[str]]:
    """The bundled questionnaire as a case table (items averaged) and its qca options."""
    from ismpanel.analysis.questionnaire import item_scores
    from ismpanel.readers import read_grid, read_toml

    table = read_toml(DEMO / "study.toml")["qca"]
    items = {n: list(c) for n, c in table["items"].items()}
    grid = item_scores(read_grid(DEMO / table["data"]), items, table["case_id"])
    path = folder / "bundled.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(grid)
    cal = folder / "bundled.toml"
    cal.write_text(
        '[calibration]\nconvention = "fsqca"\n[calibration.conditions]\n'
        + "".join(f'{n} = ["p5", "p50", "p95"]\n' for n in items)
    )
    args = ["--outcome", table["outcome"], "--calibrate-file", str(cal),
            "--incl-cut", str(table["incl_cut"]), "--n-cut", str(table["n_cut"]),
            "--pri-cut", str(table["pri_cut"]), "--dir-exp", table["dir_exp"],
            "--half", table["half"]]  # fmt: skip
    return path, args


def synthetic(folder: Path) -> tuple[Path, list[str]]:
    """bench_qca's planted data at k = 10 with :data:`CASES` cases, written as a case table."""
    from ismpanel.analysis.fsqca.truthtable import truth_table

    rng = np.random.default_rng(1)
    x = 1 / (1 + np.exp(-SHARPNESS * (rng.random((CASES, K)) - 0.5)))
    dgs = np.maximum(np.minimum(x[:, 0], x[:, 1]), np.minimum(1 - x[:, 2], x[:, 3]))
    y = np.clip(dgs + rng.normal(0, NOISE, CASES), 0, 1)
    names = [f"C{i}" for i in range(K)]
    ids = [f"c{i + 1}" for i in range(CASES)]
    tt = truth_table(x, y, tuple(names), "Y", ids, incl_cut=1.0)
    cut = float(np.quantile([r.incl for r in tt.rows.values()], 1 - POSITIVE))
    path = folder / "k10.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["case", *names, "Y"])
        for i in range(CASES):
            w.writerow([ids[i], *(f"{v:.4f}" for v in x[i]), f"{y[i]:.4f}"])
    args = ["--outcome", "Y", "--incl-cut", f"{cut:.4f}"]
    return path, args


def in_process(path: Path, args: list[str]) -> dict:
    """One plain analysis and the robustness analysis, in this process, without a limit."""
    from ismpanel.analysis.fsqca.data import prepare
    from ismpanel.analysis.fsqca.pipeline import Options, run
    from ismpanel.analysis.fsqca.robustness import robustness
    from ismpanel.cli.qca import _calibration, _incl_cut
    from ismpanel.readers import read_grid

    opt = dict(zip(args[::2], args[1::2], strict=True))
    spec = _calibration(
        None, Path(opt["--calibrate-file"]) if "--calibrate-file" in opt else None, None
    )
    options = Options(
        outcome=opt["--outcome"],
        calibration=spec,
        incl_cut=_incl_cut(opt["--incl-cut"]),
        n_cut=int(opt.get("--n-cut", 1)),
        pri_cut=float(opt.get("--pri-cut", 0)),
        dir_exp=opt.get("--dir-exp"),
        half=opt.get("--half", "keep"),
        time_limit=None,
    )
    data, names, out, _ = prepare(read_grid(path), opt["--outcome"])
    t0 = time.perf_counter()
    base = run(data, names, out, options)
    t1 = time.perf_counter()
    rb = robustness(data, names, out, options, base)
    t2 = time.perf_counter()
    return {
        "plain": t1 - t0,
        "robust": t2 - t1,
        "reruns": rb.reruns,
        "minimizations": rb.minimizations,
        "loo": f"{rb.loo_runs}/{rb.loo_cases}",
        "binding": ", ".join(rb.binding()) or "none",
        "robust_configs": f"{sum(c.robust for c in rb.configurations)}/{len(rb.configurations)}",
    }


def command(path: Path, args: list[str], limit: float, robust: bool) -> tuple[float, str]:
    """Wall seconds of the whole ``qca`` command in a fresh process, and what it cut."""
    import json

    cmd = [sys.executable, "-m", "ismpanel", "qca", str(path), *args, "--json",
           "--time-limit", str(limit)] + (["--robustness"] if robust else [])  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode:
        return wall, f"exit {proc.returncode}: {proc.stderr.strip()[:80]}"
    doc = json.loads(proc.stdout)
    rb = doc.get("robustness")
    if rb is None:
        return wall, "-"
    return wall, f"{rb['minimizations']} min., LOO {rb['leave_one_out_runs']}, cut: {rb['cut']}"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        problems = [("bundled study", *bundled(folder)), (f"k={K} planted", *synthetic(folder))]
        print("in process, no time limit (seconds):")
        print(
            f"{'problem':<16}{'plain':>7}{'robust.':>9}{'ratio':>7}{'reruns':>8}{'minim.':>8}"
            f"{'LOO':>9}  {'robust configs':<15}binding"
        )
        for name, path, args in problems:
            r = in_process(path, args)
            print(
                f"{name:<16}{r['plain']:>7.2f}{r['robust']:>9.2f}{r['robust'] / r['plain']:>7.0f}"
                f"{r['reruns']:>8}{r['minimizations']:>8}{r['loo']:>9}  "
                f"{r['robust_configs']:<15}{r['binding']}"
            )
        print("\nthe whole command in a fresh process (wall seconds):")
        for name, path, args in problems:
            plain, _ = command(path, args, 50, False)
            for limit in (50.0, 10.0):
                wall, what = command(path, args, limit, True)
                print(
                    f"{name:<16} plain qca {plain:5.2f}  qca --robustness --time-limit "
                    f"{limit:g}: {wall:5.2f}  ({what})"
                )


if __name__ == "__main__":
    main()
