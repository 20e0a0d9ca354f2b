"""Exact minimization against brute force on small problems: the prime implicants are exactly
the implicants that cannot lose a literal, every minimum cover is found (by branch and bound and
by the integer-programming path), models cover every positive row and no forbidden one, and
R's ordering rules hold."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ismpanel.analysis.fsqca import solution as sol
from ismpanel.analysis.fsqca.budget import Deadline
from ismpanel.analysis.fsqca.chart import coverage, dominance_core, row_dominance
from ismpanel.analysis.fsqca.cover import _Chart, _greedy_cover, _milp_minimum, minimum_covers
from ismpanel.analysis.fsqca.fit import problem
from ismpanel.analysis.fsqca.implicants import (
    Implicants,
    _merged_primes,
    _swept_primes,
    check_size,
    codes,
    prime_implicants,
)
from ismpanel.analysis.fsqca.order import ccubes_discovery, r_sort
from ismpanel.analysis.fsqca.terms import Term
from ismpanel.analysis.fsqca.truthtable import truth_table
from ismpanel.errors import AnalysisError, InputError


def brute_force_primes(on: set[int], forbidden: set[int], k: int) -> set[Term]:
    """All 3^k terms: implicants (no forbidden row inside) through an 'on' row, that stop being
    implicants when any literal is dropped."""
    rows = range(1 << k)

    def implicant(mask: int, bits: int) -> bool:
        return not any(r & mask == bits for r in forbidden)

    out = set()
    for mask in range(1 << k):
        for bits in rows:
            if bits & ~mask:
                continue
            if not any(r & mask == bits for r in on) or not implicant(mask, bits):
                continue
            drops = [1 << p for p in range(k) if mask >> p & 1]
            if all(not implicant(mask & ~d, bits & ~d) for d in drops):
                out.add(Term(mask, bits))
    return out


def brute_force_covers(covers: list[int], n: int) -> list[tuple[int, ...]]:
    full = (1 << n) - 1
    for size in range(1, len(covers) + 1):
        found = []
        for combo in itertools.combinations(range(len(covers)), size):
            acc = 0
            for i in combo:
                acc |= covers[i]
            if acc == full:
                found.append(combo)
        if found:
            return found
    return []


@st.composite
def problems(draw, max_k: int = 5):
    """A random partition of the 2^k rows into positive, forbidden and don't-care rows."""
    k = draw(st.integers(1, max_k))
    labels = draw(st.lists(st.sampled_from("+-?"), min_size=1 << k, max_size=1 << k))
    on = {r for r, lab in enumerate(labels) if lab == "+"}
    off = {r for r, lab in enumerate(labels) if lab == "-"}
    assume(on and off)
    return k, on, off


def forbidden_map(off: set[int], k: int) -> np.ndarray:
    out = np.zeros(1 << k, dtype=bool)
    out[list(off)] = True
    return out


@settings(max_examples=150, deadline=None)
@given(problems())
def test_prime_implicants_equal_brute_force(problem):
    k, on, off = problem
    got = prime_implicants(sorted(on), forbidden_map(off, k), k)
    assert set(got) == brute_force_primes(on, off, k)
    assert len(got) == len(set(got))


@settings(max_examples=150, deadline=None)
@given(problems())
def test_both_routes_to_the_prime_implicants_agree(problem):
    """The 2^k sweep per seed row and the merging of allowed cubes (used when few rows are
    allowed) find the same prime implicants, as brute force does."""
    k, on, off = problem
    forbidden = forbidden_map(off, k)
    seeds = np.array(sorted(on))
    swept = _swept_primes(seeds, forbidden, k, None)
    merged = _merged_primes(np.flatnonzero(~forbidden), seeds, k, None)
    assert swept.tolist() == merged.tolist()
    full = (1 << k) - 1
    assert {Term(key >> k, key & full) for key in merged.tolist()} == brute_force_primes(on, off, k)


@settings(max_examples=120, deadline=None)
@given(problems(max_k=4))
def test_minimum_covers_equal_brute_force(problem):
    """Every minimum cover, no more and no fewer, in lexicographic order (R's M1, M2, ...)."""
    k, on, off = problem
    pis = prime_implicants(sorted(on), forbidden_map(off, k), k)
    chart = coverage(pis, sorted(on))
    expected = brute_force_covers(chart, len(on))
    got = minimum_covers(chart, len(on), max_models=10_000)
    assert got.complete and not got.capped
    assert got.models == sorted(expected)
    assert got.size == len(expected[0])


@settings(max_examples=120, deadline=None)
@given(problems(max_k=4))
def test_dominance_core_keeps_the_minimum(problem):
    """Row and column dominance to a fixed point (the chart the integer program solves):
    every cover of the core's columns by its rows covers every column, and the smallest such
    cover is as small as the chart's minimum."""
    k, on, off = problem
    pis = prime_implicants(sorted(on), forbidden_map(off, k), k)
    chart = coverage(pis, sorted(on))
    full = (1 << len(on)) - 1
    rows, cols = dominance_core(chart, list(range(len(chart))), full, None)
    smallest = len(brute_force_covers(chart, len(on))[0])
    core = [chart[r] & cols for r in rows]
    for size in range(1, len(rows) + 1):
        covers = [
            c for c in itertools.combinations(range(len(rows)), size) if _union(core, c) == cols
        ]
        if covers:
            break
    assert size == smallest
    for c in covers:
        assert _union([chart[rows[i]] for i in range(len(rows))], c) & full == full


def test_implicants_are_arrays_read_as_terms():
    """The prime implicants come back as two arrays, read like a list of terms sorted by
    (mask, bits)."""
    pis = prime_implicants([0b011, 0b111], forbidden_map({0b000, 0b100}, 3), 3)
    assert isinstance(pis, Implicants) and pis.masks.dtype == np.int64
    assert list(pis) == [Term(0b001, 0b001), Term(0b010, 0b010)]
    assert pis == [Term(0b001, 0b001), Term(0b010, 0b010)] and pis[1] == Term(0b010, 0b010)
    assert list(pis[:1]) == [pis[0]] and list(pis.take([1, 0])) == list(pis)[::-1]


def _union(covers: list[int], chosen) -> int:
    out = 0
    for i in chosen:
        out |= covers[i]
    return out


@settings(max_examples=60, deadline=None)
@given(problems(max_k=4))
def test_integer_programming_path_finds_the_same_minimum(problem):
    """With every chart treated as large, the minimum comes from HiGHS (scipy.optimize.milp)
    and the enumeration from it must still give every minimum cover."""
    k, on, off = problem
    pis = prime_implicants(sorted(on), forbidden_map(off, k), k)
    chart = coverage(pis, sorted(on))
    expected = brute_force_covers(chart, len(on))
    old = _Chart.SMALL
    _Chart.SMALL = 0
    try:
        got = minimum_covers(chart, len(on), max_models=10_000)
    finally:
        _Chart.SMALL = old
    assert got.size == len(expected[0])
    assert set(got.models) <= set(expected)
    if got.complete:
        assert got.models == sorted(expected)


def test_exchanges_give_valid_minimum_covers_when_the_budget_runs_out(monkeypatch):
    """A chart with 3^8 minimum covers (8 columns, 3 interchangeable rows each): with a tiny
    node budget the enumeration stops, the exchange step fills the list, and every model is
    still a minimum cover; the result says the list is incomplete."""
    covers = [1 << (i // 3) for i in range(24)]
    monkeypatch.setattr(_Chart, "NODE_BUDGET", 20)
    got = minimum_covers(covers, 8, max_models=50)
    assert got.size == 8 and len(got.models) == 50 and got.capped
    for m in got.models:
        acc = 0
        for i in m:
            acc |= covers[i]
        assert acc == 255 and len(m) == 8
    monkeypatch.setattr(_Chart, "NODE_BUDGET", 50_000)
    full = minimum_covers(covers, 8, max_models=50)
    assert full.complete and full.found == 3**8 and full.capped
    assert full.models == sorted(full.models) and full.models[0] == (0, 3, 6, 9, 12, 15, 18, 21)


def test_independent_parts_multiply():
    """Two independent columns with two candidates each: 4 models, essential rows in all."""
    covers = [0b001, 0b010, 0b010, 0b100, 0b100]
    got = minimum_covers(covers, 3)
    assert got.models == [(0, 1, 3), (0, 1, 4), (0, 2, 3), (0, 2, 4)]
    assert got.found == 4 and got.complete


def test_r_order_puts_negations_first_then_presence_then_absence():
    """sort_cols/sort_matrix in R's C code: ~X before X before terms without X, by number of
    literals last (LC.parsimonious.txt's chart: DEV*~IND, DEV*STB, URB*STB, IND*STB)."""
    k = 5
    names = ("DEV", "URB", "LIT", "IND", "STB")
    from ismpanel.analysis.fsqca.terms import expression, parse_sop

    terms = parse_sop("IND*STB, URB*STB, DEV*STB, DEV*~IND", names)
    order = r_sort(terms, k)

    assert [expression(terms[i], names) for i in order] == [
        "DEV*~IND",
        "DEV*STB",
        "URB*STB",
        "IND*STB",
    ]


def test_r_order_quirk_when_every_term_has_the_condition():
    """When no term lacks a condition R leaves the last ~X term after the X terms (LF's
    complex solution prints DEV*URB*LIT*IND*STB before DEV*~URB*LIT*~IND*STB)."""
    names = ("A", "B")
    from ismpanel.analysis.fsqca.terms import expression, parse_sop

    terms = parse_sop("A*~B + ~A*B", names)
    order = r_sort(terms, 2)
    assert [expression(terms[i], names) for i in order] == ["A*~B", "~A*B"]
    terms = parse_sop("~A*B + A*~B + ~A*~B", names)
    # column B: no term lacks B, so the last ~B term (~A*~B) goes after ~A*B; then column A
    assert [expression(terms[i], names) for i in r_sort(terms, 2)] == [
        "~A*B",
        "A*~B",
        "~A*~B",
    ]


def c_sort_cols(codes: np.ndarray, order: list[int]) -> list[int]:
    """A line-by-line transcription of ``sort_cols`` in R QCA's C sources (src/sort_cols.c),
    insertion by rotation included, as an oracle for :func:`r_sort`."""
    order = list(order)
    n, k = len(order), codes.shape[1]
    for i in reversed(range(k)):
        for c1 in range(n):
            for c2 in range(c1 + 1, n):
                if codes[order[c1], i] < codes[order[c2], i]:
                    order.insert(c1, order.pop(c2))
        zeroidx, nonzero = 0, True
        while zeroidx < n and nonzero:
            nonzero = codes[order[zeroidx], i] != 0
            zeroidx += 1
        zeroidx -= 1
        for c1 in range(zeroidx):
            for c2 in range(c1 + 1, zeroidx):
                if codes[order[c1], i] > codes[order[c2], i]:
                    order.insert(c1, order.pop(c2))
    ck = (codes > 0).sum(axis=1)
    for c1 in range(n):
        for c2 in range(c1 + 1, n):
            if ck[order[c1]] > ck[order[c2]]:
                order.insert(c1, order.pop(c2))
    return order


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.tuples(st.integers(1, 15), st.integers(0, 15)), min_size=1, max_size=10),
    st.randoms(use_true_random=False),
)
def test_r_order_equals_a_transcription_of_r_c_code(pairs, rnd):
    """Any set of terms in any discovery order, the quirk included."""
    k = 4
    terms = sorted({Term(m, b & m) for m, b in pairs})
    initial = list(range(len(terms)))
    rnd.shuffle(initial)
    assert r_sort(terms, k, initial) == c_sort_cols(codes(terms, k), initial)


@settings(max_examples=100, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 15), st.integers(0, 15)), min_size=1, max_size=12))
def test_r_order_is_a_sort_by_literals_when_every_condition_is_missing_somewhere(pairs):
    k = 4
    terms = sorted({Term(m, b & m) for m, b in pairs} | {Term(0, 0)})
    order = r_sort(terms, k)
    term_codes = codes(terms, k)
    key = {0: 2, 1: 0, 2: 1}
    expected = sorted(
        range(len(terms)), key=lambda i: (terms[i].size(), [key[int(v)] for v in term_codes[i]])
    )
    assert order == expected


def test_too_many_conditions_is_an_input_error():
    with pytest.raises(InputError, match="at most 20 conditions") as err:
        check_size(21)
    assert err.value.option == "conditions"


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 5),
    st.integers(5, 40),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.6, 0.7, 0.8]),
)
def test_models_cover_every_positive_row_and_no_negative_one(k, n, seed, cut):
    """On random fuzzy data: each parsimonious and complex model covers every positive row,
    no negative row or contradiction (complex: no row but positives), its terms are prime
    implicants, all models have the same (minimum) number of terms, and every parameter of fit
    lies in [0, 1]."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, k))
    y = np.clip(np.minimum(x[:, 0], 1 - x[:, -1]) + 0.3 * rng.random(n) - 0.1, 0, 1)
    names = tuple(f"C{i}" for i in range(k))
    try:
        tt = truth_table(x, y, names, "Y", [str(i) for i in range(n)], incl_cut=cut)
    except InputError:
        return
    if not tt.positive or len(tt.positive) == 1 << k:
        return  # nothing to explain, or every row positive (R: all conditions minimized away)
    prob = problem(tt, x, y)
    solutions = [sol.complex_solution(prob)]
    if prob.forbidden_parsimonious:
        solutions.append(sol.parsimonious_solution(prob))
    for s in solutions:
        allowed = (
            set(tt.positive)
            if s.kind == "complex"
            else set(range(1 << k)) - set(prob.forbidden_parsimonious)
        )
        sizes = {len(m.terms) for m in s.models}
        assert len(sizes) == 1
        for m in s.models:
            for r in tt.positive:
                assert any(t.term.covers_row(r) for t in m.terms)
            for t in m.terms:
                cube = {r for r in range(1 << k) if t.term.covers_row(r)}
                assert cube <= allowed
                for p in range(k):
                    bit = 1 << p
                    if t.term.mask & bit:
                        bigger = Term(t.term.mask & ~bit, t.term.bits & ~bit)
                        assert not {r for r in range(1 << k) if bigger.covers_row(r)} <= allowed
                for v in (t.inclS, t.PRI, t.covS):
                    assert np.isnan(v) or 0 <= v <= 1 + 1e-12
                assert t.covU is None or -1e-12 <= t.covU <= 1 + 1e-12
            for v in (m.inclS, m.PRI, m.covS):
                assert np.isnan(v) or 0 <= v <= 1 + 1e-12


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 255), min_size=1, max_size=15))
def test_row_dominance_keeps_exactly_the_undominated_rows(covers):
    """R's row.dom (src/row_dominance.c): a row goes when another covers a proper superset."""
    expected = [
        i for i, ci in enumerate(covers) if not any(cj != ci and cj & ci == ci for cj in covers)
    ]
    assert row_dominance(covers) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 2**12 - 1), min_size=1, max_size=30))
def test_greedy_cover_is_an_irredundant_cover(covers):
    target = 0
    for c in covers:
        target |= c
    chosen = _greedy_cover(covers, target)
    acc = 0
    for i in chosen:
        acc |= covers[i]
    assert acc == target
    for i in chosen:
        rest = 0
        for j in chosen:
            if j != i:
                rest |= covers[j]
        assert rest != target


def test_time_limit_keeps_a_valid_cover_and_an_honest_bound():
    """A structureless k = 10 chart solved by integer programming with a one-second budget:
    whether or not the proof finishes, the covers are valid, of the reported size, and the
    proven lower bound never exceeds it (flagged unproven when below)."""
    rng = np.random.default_rng(3)
    k = 10
    labels = rng.choice(3, size=1 << k, p=[0.25, 0.25, 0.5])
    on = sorted(int(r) for r in np.flatnonzero(labels == 0))
    off = {int(r) for r in np.flatnonzero(labels == 1)}
    pis = prime_implicants(on, forbidden_map(off, k), k)
    chart = coverage(pis, on)
    got = minimum_covers(chart, len(on), max_models=5, time_limit=0.0)
    assert got.lower_bound <= got.size
    assert got.proven == (got.lower_bound == got.size)
    for m in got.models:
        acc = 0
        for i in m:
            acc |= chart[i]
        assert acc == (1 << len(on)) - 1 and len(m) == got.size


def structureless_chart(k: int = 10, seed: int = 3) -> tuple[list[Term], list[int], np.ndarray]:
    """Prime implicants, positive rows and forbidden map of a random labelling of the rows."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(3, size=1 << k, p=[0.25, 0.25, 0.5])
    on = sorted(int(r) for r in np.flatnonzero(labels == 0))
    forbidden = forbidden_map({int(r) for r in np.flatnonzero(labels == 1)}, k)
    return prime_implicants(on, forbidden, k), on, forbidden


def test_solver_without_a_point_gives_the_greedy_cover_unproven(monkeypatch):
    """HiGHS stopped by the time limit before any feasible point (x is None): the chart still
    gets the greedy cover, flagged unproven, with the solver's dual bound rounded up (2.3 -> 3)
    as its lower bound; without a bound, at least 1."""
    from scipy import optimize

    pis, on, _ = structureless_chart()
    chart = coverage(pis, on)
    full = (1 << len(on)) - 1
    for bound, lowest in ((2.3, 3), (None, 1)):
        result = optimize.OptimizeResult(x=None, status=1, message="time limit")
        if bound is not None:
            result["mip_dual_bound"] = bound
        monkeypatch.setattr(optimize, "milp", lambda *a, result=result, **kw: result)
        size, chosen, lower = _milp_minimum(chart, full, None)
        assert chosen == _greedy_cover(chart, full) and size == len(chosen)
        assert lower == lowest
    monkeypatch.setattr(_Chart, "SMALL", 0)
    got = minimum_covers(chart, len(on), max_models=5)
    assert not got.proven and 1 <= got.lower_bound < got.size
    assert got.models == [tuple(sorted(got.models[0]))] and len(got.models) == 1
    acc = 0
    for i in got.models[0]:
        acc |= chart[i]
    assert acc == full and not got.capped


def test_every_step_before_the_cover_checks_the_deadline():
    """A spent budget stops the prime implicants, the chart and R's sort with one line that
    names the step and the limit."""
    pis, on, forbidden = structureless_chart(k=6)
    spent = Deadline(time.time() - 1, 7.0)
    steps = [
        ("finding the prime implicants", lambda: prime_implicants(on, forbidden, 6, spent)),
        ("building the prime implicant chart", lambda: coverage(pis, on, spent)),
        ("sorting the prime implicants", lambda: r_sort(pis, 6, None, spent)),
        ("sorting the prime implicants", lambda: ccubes_discovery(pis, 6, on, spent)),
    ]
    for step, call in steps:
        with pytest.raises(AnalysisError, match=f"time limit of 7 s ran out while {step}") as err:
            call()
        assert "\n" not in str(err.value)
    live = Deadline.after(60)
    assert prime_implicants(on, forbidden, 6, live) == pis
    assert coverage(pis, on, live) == coverage(pis, on)


def test_vectorised_chart_and_discovery_order_match_their_definitions():
    """The chart has bit i of term t set exactly when t covers row i; CCubes' discovery order
    is (number of literals, conditions in lexicographic order, first positive row covered)."""
    k = 6
    pis, on, _ = structureless_chart(k=k, seed=5)
    chart = coverage(pis, on)
    for t, cov in zip(pis, chart, strict=True):
        assert cov == sum(1 << i for i, r in enumerate(on) if t.covers_row(r))

    def key(i: int) -> tuple:
        t = pis[i]
        cols = tuple(j for j in range(k) if t.mask >> (k - 1 - j) & 1)
        return (len(cols), cols, next(n for n, r in enumerate(on) if t.covers_row(r)))

    assert ccubes_discovery(pis, k, on) == sorted(range(len(pis)), key=key)
