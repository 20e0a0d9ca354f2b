"""Benchmark: the structural sensitivity (every other letter of every contested pair, each
expert left out, six aggregation rules, three MICMAC thresholds) against one plain structure
analysis (``analyse_structure``: ISM, MICMAC, indirect MICMAC) measured in the same run, on
the bundled study's panel and on a random 60-factor panel of five experts who each give the
letter of a random structure (``bench_structure.random_structure``) with probability 0.8 and
another letter otherwise.

Run: python bench/bench_sensitivity.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_structure import random_structure

from ismpanel.analysis.majority import verdicts
from ismpanel.analysis.relations import LETTERS
from ismpanel.analysis.sensitivity import sensitivity
from ismpanel.analysis.ssim import irm_from_letters, ssim_from_irm
from ismpanel.analysis.structure import analyse_structure
from ismpanel.elicitation.store import study_pairs

RUNS = 5


def demo_panel():
    """The bundled study's factors, pairs and the five synthetic experts' answers, read from
    the template as ``ismpanel demo`` imports them."""
    from ismpanel.analysis.ssim import parse_ssim
    from ismpanel.elicitation.panel import study_pair_letters
    from ismpanel.elicitation.study import bundled_templates, load_study
    from ismpanel.readers import read_grid

    source = bundled_templates()["open-gov-privacy"]
    study = load_study(source)
    answers = {}
    for path in sorted((source / "panel").glob("E*.csv")):
        parsed = parse_ssim(read_grid(path), allow_missing=True)
        answers[path.stem] = study_pair_letters(study, parsed.factors, parsed.ssim)
    return study.factor_ids, study_pairs(study), answers


def random_panel(n: int, experts: int, agree: float, seed: int):
    """A random structure's letters, each expert giving the true letter with probability
    ``agree`` and one of the other three otherwise."""
    rng = np.random.default_rng(seed)
    truth = ssim_from_irm(random_structure(n, 1.5, seed))
    factors = tuple(f"F{k}" for k in range(n))
    pairs = [(factors[i], factors[j]) for i in range(n) for j in range(i + 1, n)]
    answers = {}
    for e in range(experts):
        given = {}
        for a, b in pairs:
            letter = truth[int(a[1:]), int(b[1:])]
            if rng.random() >= agree:
                letter = str(rng.choice([x for x in LETTERS if x != letter]))
            given[(a, b)] = letter
        answers[f"E{e + 1}"] = given
    return factors, pairs, answers


def panel_irm(factors, pairs, answers) -> np.ndarray:
    """The IRM of the panel's verdicts (direction rule), for the plain analysis."""
    counts = np.zeros((len(pairs), 4), dtype=np.int64)
    for given in answers.values():
        for k, pair in enumerate(pairs):
            if pair in given:
                counts[k, LETTERS.index(given[pair])] += 1
    code, _ = verdicts(counts)
    letters = np.full((len(factors), len(factors)), "", dtype="<U1")
    index = {f: k for k, f in enumerate(factors)}
    for (a, b), c in zip(pairs, code, strict=True):
        letters[index[a], index[b]] = LETTERS[c]
    return irm_from_letters(letters)


def median_time(fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def report(name: str, factors, pairs, answers) -> None:
    irm = panel_irm(factors, pairs, answers)
    t_plain, _ = median_time(lambda: analyse_structure(tuple(factors), irm))
    t_sens, found = median_time(lambda: sensitivity(factors, pairs, answers))
    flips = sum(len(p.flips) for p in found.pairs)
    recomputes = flips + len(found.leave_one_out) + len(found.majorities)
    print(
        f"{name:<22} {len(factors):>3} {len(pairs):>5} {len(found.pairs):>9} {recomputes:>10} "
        f"{t_plain * 1e3:>9.1f}ms {t_sens * 1e3:>9.1f}ms {t_sens / t_plain:>7.1f}x "
        f"{t_sens / recomputes * 1e3:>12.2f}ms"
    )


def main() -> None:
    print(
        f"{'panel':<22} {'n':>3} {'pairs':>5} {'contested':>9} {'recomputes':>10} "
        f"{'plain':>11} {'sensitivity':>11} {'ratio':>8} {'per recompute':>14}"
    )
    report("bundled study (demo)", *demo_panel())
    report("random, 5 experts", *random_panel(60, 5, 0.8, seed=60))
    print(
        "plain: one analyse_structure on the panel's IRM; recomputes: structures the "
        f"sensitivity analysed (other letters, experts left out, rules); medians of {RUNS} runs"
    )


if __name__ == "__main__":
    main()
