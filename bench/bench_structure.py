"""Benchmark: the whole structural pipeline (closure, levels, canonical matrix, digraph, MICMAC
direct and indirect) on random sparse structures with cycles, against a plain numpy Warshall
closure run in the same process.

Targets: under 10 ms for n = 17, under 2 s for n = 2000, under 1 GB. The pipeline
includes indirect MICMAC over max(2n, 20) matrix powers (4000 for n = 2000), which is most of
its time; "speed-up" compares the closure alone with the Warshall baseline.
Run: python bench/bench_structure.py
"""

from __future__ import annotations

import resource
import statistics
import time
import tracemalloc

import numpy as np

from ismpanel.analysis.graph import closure
from ismpanel.analysis.structure import analyse_structure


def random_structure(n: int, degree: float, seed: int) -> np.ndarray:
    """Sparse random IRM with about ``degree`` arcs per factor and a planted cycle per 50."""
    rng = np.random.default_rng(seed)
    irm = rng.random((n, n)) < degree / n
    for _ in range(max(1, n // 50)):
        ring = rng.choice(n, size=min(n, 5), replace=False)
        irm[ring, np.roll(ring, -1)] = True
    np.fill_diagonal(irm, True)
    return irm


def pipeline(irm: np.ndarray) -> None:
    model = analyse_structure(tuple(f"F{i}" for i in range(len(irm))), irm)
    model.ism.canonical_matrix  # noqa: B018  (the canonical matrix is part of the pipeline)


def warshall(irm: np.ndarray) -> np.ndarray:
    """Baseline: the textbook closure, vectorised over rows and columns, looped over k."""
    r = irm.copy()
    for k in range(len(r)):
        r |= np.outer(r[:, k], r[k, :])
    return r


def timed(fn, *args, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(
        f"{'n':>5} {'degree':>6} {'warshall':>11} {'closure':>11} {'speed-up':>9} "
        f"{'pipeline':>11} {'vs warshall':>11} {'peak MB':>8}"
    )
    for n, degree, repeat in ((17, 1.5, 50), (17, 3.0, 50), (2000, 1.5, 3), (2000, 3.0, 3)):
        irm = random_structure(n, degree, seed=n)
        t_base = timed(warshall, irm, repeat=1 if n > 500 else repeat)
        t_close = timed(closure, irm, repeat=repeat)
        t_pipe = timed(pipeline, irm, repeat=repeat)
        assert np.array_equal(closure(irm)[0], warshall(irm))
        tracemalloc.start()
        pipeline(irm)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(
            f"{n:>5} {degree:>6} {t_base * 1e3:>9.2f}ms {t_close * 1e3:>9.2f}ms "
            f"{t_base / t_close:>8.1f}x {t_pipe * 1e3:>9.2f}ms {t_pipe / t_base:>10.2f}x "
            f"{peak:>8.1f}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MB (targets: n=17 < 10 ms, n=2000 < 2 s, < 1024 MB)")


if __name__ == "__main__":
    main()
