"""Benchmark: the exact fsQCA minimization (truth table, prime implicants, minimum covers) on
random fuzzy data with 2,000 cases and k = 8, 12 and 16 conditions, parsimonious and
intermediate solutions, against a naive baseline run in the same process.

Two kinds of random data:

- ``planted``: memberships uniform on [0, 1]; the outcome is C0*C1 + ~C2*C3 (fuzzy) plus
  normal noise (sd 0.1), incl.cut at the quantile of the row inclusions that leaves 7/16 of
  the observed rows positive (the share of rows the planted expression covers), directional
  expectations as planted.
- ``noise``: an outcome independent of the conditions and incl.cut at the median row
  inclusion, so about half of the observed rows are positive at random: the structureless
  problems on which R's QCA runs out of memory at k = 12.

Each problem runs in its own process (peak memory is that process's maximum resident size).
Targets: every k = 12 problem within 60 s and 4 GB. The minimization as a whole gets
50 s (the command's default --time-limit), so that the run stays within 60 s; a chart still
unproven then reports the best cover found (alone) with its proven lower bound, marked "not
proven".
The model lists are capped (--max-models 100 per solution, intermediate solutions for at
most 16 pairs of models); the output says when a cap applied. Baseline: prime implicants by
naive enumeration of all 3^k terms (k <= 10; k = 12 would take minutes), on the same truth
table, and the speed-up of the engine's prime-implicant step over it.
Run: python bench/bench_qca.py [--quick]
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time

import numpy as np

CASES = 2000
TIME_LIMIT = 50.0


def make_data(kind: str, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((CASES, k))
    if kind == "planted":
        dgs = np.maximum(np.minimum(x[:, 0], x[:, 1]), np.minimum(1 - x[:, 2], x[:, 3]))
        y = np.clip(dgs + rng.normal(0, 0.1, CASES), 0, 1)
    else:
        y = rng.random(CASES)
    return x, y


def naive_prime_implicants(on: list[int], forbidden: np.ndarray, k: int) -> int:
    """Baseline: every one of the 3^k terms is tested for being an implicant that covers a
    positive row, then for primality (no literal can be dropped)."""
    n = 1 << k
    rows = np.arange(n)
    on_map = np.zeros(n, dtype=bool)
    on_map[on] = True
    implicant: dict[tuple[int, int], bool] = {}

    def is_implicant(mask: int, bits: int) -> bool:
        key = (mask, bits)
        if key not in implicant:
            cube = (rows & mask) == bits
            implicant[key] = not forbidden[cube].any()
        return implicant[key]

    count = 0
    for mask in range(n):
        sub = mask
        while True:
            bits = sub
            cube = (rows & mask) == bits
            if on_map[cube].any() and is_implicant(mask, bits):
                prime = True
                m = mask
                while m and prime:
                    low = m & -m
                    m ^= low
                    if is_implicant(mask & ~low, bits & ~low):
                        prime = False
                count += prime
            if sub == 0:
                break
            sub = (sub - 1) & mask
    return count


def problem(kind: str, k: int, seed: int, baseline: bool, queue: mp.Queue) -> None:
    from ismpanel.analysis.fsqca.data import Dataset
    from ismpanel.analysis.fsqca.fit import problem
    from ismpanel.analysis.fsqca.implicants import prime_implicants
    from ismpanel.analysis.fsqca.pipeline import Options, run
    from ismpanel.analysis.fsqca.truthtable import truth_table
    from ismpanel.errors import AnalysisError

    x, y = make_data(kind, k, seed)
    names = [f"C{i}" for i in range(k)]
    ids = [str(i + 1) for i in range(CASES)]
    columns = {n: x[:, j] for j, n in enumerate(names)}
    columns["Y"] = y
    data = Dataset(ids, columns, list(range(1, CASES + 1)), [])
    tt = truth_table(x, y, tuple(names), "Y", ids, incl_cut=1.0)
    incl = [r.incl for r in tt.rows.values()]
    if kind == "planted":
        cut = float(np.quantile(incl, 1 - 7 / 16))
        direxp = "C0=1,C1=1,C2=0,C3=1"
    else:
        cut = float(np.median(incl))
        direxp = ",".join(f"C{i}=1" for i in range(k))
    out: dict = {"kind": kind, "k": k}
    start = time.perf_counter()
    try:
        res = run(
            data,
            names,
            "Y",
            Options(outcome="Y", incl_cut=(cut,), dir_exp=direxp, time_limit=TIME_LIMIT),
        )
    except AnalysisError as err:
        out["error"] = str(err)
        out["seconds"] = time.perf_counter() - start
        out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queue.put(out)
        return
    out["seconds"] = time.perf_counter() - start
    tt = res.truth_table
    out["rows"] = (len(tt.codes("1")), len(tt.codes("0")) + len(tt.codes("C")), len(tt.rows))
    out["tt"] = res.timings["truth_table"]
    ps = res.solutions["parsimonious"]
    out["pars"] = {
        "pi": ps.timings["prime_implicants"] + ps.timings["sort"],
        "n_pi": len(ps.prime_implicants),
        "cover": ps.timings["cover"],
        "terms": len(ps.models[0].terms),
        "found": ps.found,
        "complete": ps.complete,
        "reported": len(ps.models),
        "milp": ps.method == "MILP (HiGHS)",
        "proven": ps.proven,
        "lower": ps.lower_bound,
    }
    cs = res.solutions["complex"]
    out["complex"] = cs.timings["prime_implicants"] + cs.timings["sort"] + cs.timings["cover"]
    groups = res.intermediate.groups if res.intermediate else []
    out["inter"] = {
        "pi": sum(g.timings["prime_implicants"] + g.timings["sort"] for g in groups),
        "cover": sum(g.timings["cover"] for g in groups),
        "pairs": sum(len(g.models[0].isols) for g in groups if g.models),
        "capped": res.pairs_capped,
        "proven": all(g.proven for g in groups),
        "terms": len(groups[0].models[0].terms) if groups else 0,
    }
    if baseline:
        prob = problem(tt, res.x, res.y)
        forbidden = np.zeros(1 << k, dtype=bool)
        forbidden[list(prob.forbidden_parsimonious)] = True
        t0 = time.perf_counter()
        n_naive = naive_prime_implicants(list(prob.positive), forbidden, k)
        t1 = time.perf_counter()
        n_fast = len(prime_implicants(list(prob.positive), forbidden, k))
        t2 = time.perf_counter()
        out["baseline"] = (t1 - t0, t2 - t1, n_naive == n_fast)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(out)


def main() -> None:
    quick = "--quick" in sys.argv
    plan = [("planted", 8, 1), ("planted", 12, 1), ("planted", 16, 1)]
    plan += [("noise", 8, 1), ("noise", 10, 1)]
    plan += [("noise", 12, seed) for seed in (1, 2, 3, 4, 5)[: 1 if quick else 5]]
    if not quick:
        plan.append(("noise", 16, 1))
    ctx = mp.get_context("fork")
    print(
        f"{CASES} cases; parsimonious (P), complex (C) and intermediate (I) solutions; seconds; "
        f"the whole minimization limited to {TIME_LIMIT:g} s"
    )
    print(
        f"{'data':<10}{'k':>3} {'+/-/obs rows':>14} {'tt':>6} | {'P: PIs':>7} {'#PI':>7} "
        f"{'cover':>7} {'terms':>6} {'models':>10} | {'C':>6} | {'I: PIs':>7} {'cover':>7} "
        f"{'pairs':>6} | {'total':>6} {'peak MB':>8}"
    )
    baselines = []
    notes = []
    for kind, k, seed in plan:
        queue: mp.Queue = ctx.Queue()
        proc = ctx.Process(target=problem, args=(kind, k, seed, k <= 10, queue))
        proc.start()
        out = queue.get()
        proc.join()
        if "error" in out:
            print(
                f"{kind + str(seed):<10}{k:>3} failed after {out['seconds']:.1f} s: {out['error']}"
            )
            continue
        pos, neg, obs = out["rows"]
        p, i = out["pars"], out["inter"]
        models = f"{p['found']}{'' if p['complete'] else '+'}"
        if p["reported"] < p["found"] or not p["complete"]:
            models += f"({p['reported']})"
        if not p["proven"]:
            models = "best"
        terms = f"{p['terms']}" if p["proven"] else f"{p['terms']}!"
        pairs = f"{i['pairs']}{'*' if i['capped'] else ''}{'' if i['proven'] else '!'}"
        label = f"{kind}{seed}"
        print(
            f"{label:<10}{k:>3} {f'{pos}/{neg}/{obs}':>14} {out['tt']:>6.2f} | {p['pi']:>7.2f} "
            f"{p['n_pi']:>7} {p['cover']:>7.2f} {terms:>6} {models:>10} | "
            f"{out['complex']:>6.2f} | {i['pi']:>7.2f} {i['cover']:>7.2f} {pairs:>6} | "
            f"{out['seconds']:>6.1f} {out['peak_mb']:>8.0f}"
        )
        if p["milp"]:
            notes.append(f"{kind}{seed} k={k}: parsimonious cover solved by MILP (HiGHS)")
        if not p["proven"]:
            notes.append(
                f"{kind}{seed} k={k}: parsimonious minimum not proven within {TIME_LIMIT:g} s: "
                f"best cover {p['terms']} terms, proven lower bound {p['lower']}"
            )
        if "baseline" in out:
            baselines.append((f"{kind}{seed}", k, *out["baseline"]))
    print()
    print(
        "models: minimum covers found ('+': not all enumerated; (n): reported, cap 100; best: "
        "only the best cover found, unproven);"
    )
    print("pairs: complex x parsimonious model pairs solved ('*': capped at 16);")
    print("'!': minimum not proven within the time limit (see notes). C: complex solution, total.")
    for line in notes:
        print("  " + line)
    print()
    print("Baseline: prime implicants by enumerating all 3^k terms, same truth table")
    print(f"{'data':<10}{'k':>3} {'naive 3^k':>10} {'engine':>9} {'speed-up':>9} {'same PIs':>9}")
    for kind, k, naive, fast, same in baselines:
        print(f"{kind:<10}{k:>3} {naive:>10.3f} {fast:>9.4f} {naive / fast:>8.0f}x {same!s:>9}")


if __name__ == "__main__":
    main()
