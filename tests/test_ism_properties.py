"""Properties of the ISM and MICMAC engines on random structures with cycles (hypothesis), checked
against brute-force reimplementations of the textbook definitions (docs/architecture.md, Method
definitions)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ismpanel.analysis import indirect, ism, micmac
from ismpanel.analysis.ssim import irm_from_letters, ssim_from_irm


@st.composite
def structures(draw, max_n: int = 11):
    """A random IRM (reflexive) of 1..max_n factors; a planted cycle makes strongly connected
    components common."""
    n = draw(st.integers(1, max_n))
    density = draw(st.sampled_from([0.05, 0.15, 0.3, 0.6]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    irm = rng.random((n, n)) < density
    if n > 2 and draw(st.booleans()):
        ring = rng.permutation(n)[: draw(st.integers(2, n))]
        irm[ring, np.roll(ring, -1)] = True
    np.fill_diagonal(irm, True)
    return irm


def warshall(adj: np.ndarray) -> np.ndarray:
    """Reflexive-transitive closure by the textbook triple loop."""
    r = adj.copy()
    n = len(r)
    for k in range(n):
        for i in range(n):
            if r[i, k]:
                for j in range(n):
                    r[i, j] = r[i, j] or r[k, j]
    return r


def naive_levels(frm: np.ndarray, bottom_up: bool = False) -> list[int]:
    """The level partition as papers compute it, by sets: top-down takes R(i) ∩ A(i) = R(i),
    bottom-up takes R(i) ∩ A(i) = A(i), on the remaining factors each iteration."""
    n = len(frm)
    remaining = set(range(n))
    found: list[set[int]] = []
    while remaining:
        take = set()
        for i in remaining:
            reach = {j for j in remaining if frm[i, j]}
            ante = {j for j in remaining if frm[j, i]}
            if (reach & ante) == (ante if bottom_up else reach):
                take.add(i)
        assert take, "an iteration must level someone"
        found.append(take)
        remaining -= take
    if bottom_up:
        found.reverse()
    levels = [0] * n
    for lvl, members in enumerate(found, start=1):
        for i in members:
            levels[i] = lvl
    return levels


def _factors(n):
    return tuple(f"F{i}" for i in range(n))


@settings(max_examples=150, deadline=None)
@given(structures())
def test_frm_is_the_reflexive_transitive_closure(irm):
    frm = ism.analyse(_factors(len(irm)), irm).frm
    assert frm.diagonal().all()
    assert (frm | irm).tolist() == frm.tolist()
    assert not ((frm.astype(int) @ frm.astype(int) > 0) & ~frm).any()
    assert frm.tolist() == warshall(irm).tolist()


@settings(max_examples=150, deadline=None)
@given(structures(), st.booleans())
def test_levels_follow_the_iterative_partition(irm, bottom_up):
    rule = "bottom-up" if bottom_up else "top-down"
    res = ism.analyse(_factors(len(irm)), irm, level_rule=rule)
    assert res.levels.tolist() == naive_levels(res.frm, bottom_up)
    assert set(res.levels.tolist()) == set(range(1, res.n_levels + 1))
    mutual = res.frm & res.frm.T
    i, j = np.nonzero(mutual)
    assert (res.levels[i] == res.levels[j]).all()


@settings(max_examples=150, deadline=None)
@given(structures())
def test_level_iteration_tables_agree_with_the_levels(irm):
    res = ism.analyse(_factors(len(irm)), irm)
    for lvl, rows in ism.level_iterations(res):
        for row in rows:
            assert row.levelled == (set(row.intersection) == set(row.reachability))
            assert row.levelled == (res.levels[row.factor] == lvl)


@settings(max_examples=150, deadline=None)
@given(structures())
def test_canonical_matrix_is_block_lower_triangular(irm):
    res = ism.analyse(_factors(len(irm)), irm)
    canon = res.canonical_matrix
    lv = res.levels[res.canonical_order]
    assert (np.diff(lv) >= 0).all()
    above = lv[:, None] < lv[None, :]
    assert not (canon & above).any()


@settings(max_examples=150, deadline=None)
@given(structures())
def test_digraph_has_the_frm_reachability_and_no_redundant_edge(irm):
    res = ism.analyse(_factors(len(irm)), irm)
    k = len(res.digraph_nodes)
    member_of = np.empty(len(irm), dtype=int)
    for node, members in enumerate(res.digraph_nodes):
        member_of[list(members)] = node

    def node_reach(edges):
        adj = np.eye(k, dtype=bool)
        for a, b in edges:
            adj[a, b] = True
        return warshall(adj)

    reach = node_reach(res.digraph_edges)
    assert reach[np.ix_(member_of, member_of)].tolist() == res.frm.tolist()
    for e in res.digraph_edges:
        others = [x for x in res.digraph_edges if x != e]
        assert not node_reach(others)[e], f"edge {e} is redundant"
    for node in res.digraph_nodes:
        assert list(node) == sorted(node)


@settings(max_examples=100, deadline=None)
@given(structures(), st.sampled_from(["half", "mean", "median", "3", "4.5"]), st.booleans())
def test_quadrants_obey_the_threshold_rule(irm, rule, equal_is_strong):
    res = ism.analyse(_factors(len(irm)), irm)
    drive, dep = res.driving_power, res.dependence
    thr = micmac.threshold(rule, drive, dep, equal_is_strong=equal_is_strong)
    n = len(irm)
    if rule == "half":
        expected_value = (n / 2, n / 2)
    elif rule == "mean":
        expected_value = (drive.mean(), dep.mean())
    elif rule == "median":
        expected_value = (np.median(drive), np.median(dep))
    else:
        expected_value = (float(rule), float(rule))
    assert (thr.driving, thr.dependence) == expected_value
    for i, q in enumerate(micmac.quadrants(drive, dep, thr)):
        strong_d = drive[i] >= thr.driving if equal_is_strong else drive[i] > thr.driving
        strong_p = dep[i] >= thr.dependence if equal_is_strong else dep[i] > thr.dependence
        expected = {
            (False, False): "autonomous",
            (False, True): "dependent",
            (True, True): "linkage",
            (True, False): "independent",
        }[(strong_d, strong_p)]
        assert q == expected


def exact_power_rankings(irm: np.ndarray, matrix: str, horizon: int):
    """Brute force: for each power, the driving and dependence orders by exact integer row and
    column sums of the matrix power, ties in input order."""
    base = irm.astype(object)
    np.fill_diagonal(base, 1 if matrix == "I+A" else 0)
    power = np.identity(len(irm), dtype=object)
    n = len(irm)
    rankings = []
    for _ in range(horizon):
        power = power.dot(base)
        rows, cols = power.sum(axis=1), power.sum(axis=0)
        rankings.append(
            (
                sorted(range(n), key=lambda i: (-rows[i], i)),
                sorted(range(n), key=lambda i: (-cols[i], i)),
                rows,
                cols,
            )
        )
    return rankings


@settings(max_examples=120, deadline=None)
@given(structures(max_n=12), st.sampled_from(["I+A", "A"]))
def test_indirect_micmac_equals_exact_integer_powers(irm, matrix):
    horizon = 2 * len(irm) + 6
    ind = indirect.indirect(irm, matrix=matrix, horizon=horizon)
    assert ind.exact
    exact = exact_power_rankings(irm, matrix, horizon)
    changes = [k for k in range(2, horizon + 1) if exact[k - 1][:2] != exact[k - 2][:2]]
    last_change = max(changes, default=1)
    expected = last_change if last_change <= horizon // 2 else None
    assert ind.settled_at == expected
    # the reported ranking is the one at the horizon (unchanged since settled_at, if settled)
    assert list(ind.driving.order) == exact[-1][0]
    assert list(ind.dependence.order) == exact[-1][1]
    assert list(ind.direct_driving.order) == exact[0][0]


@settings(max_examples=40, deadline=None)
@given(
    structures(max_n=7),
    st.sampled_from(["I+A", "A"]),
    st.sampled_from([63, 64, 65, 129, 130]),
)
def test_indirect_micmac_across_batches_of_powers_equals_exact_powers(irm, matrix, horizon):
    """Powers are computed 64 at a time: horizons around a batch's end and spanning several
    batches give the brute force's settling power and final orders (exact path)."""
    ind = indirect.indirect(irm, matrix=matrix, horizon=horizon, exact=True)
    exact = exact_power_rankings(irm, matrix, horizon)
    changes = [k for k in range(2, horizon + 1) if exact[k - 1][:2] != exact[k - 2][:2]]
    last_change = max(changes, default=1)
    assert ind.settled_at == (last_change if last_change <= horizon // 2 else None)
    assert list(ind.driving.order) == exact[-1][0]
    assert list(ind.dependence.order) == exact[-1][1]


@settings(max_examples=80, deadline=None)
@given(structures(max_n=12), st.sampled_from(["I+A", "A"]))
def test_float_counts_never_order_a_clearly_smaller_count_first(irm, matrix):
    """The large-structure path (floats with a per-factor exponent) against exact integers:
    a factor ranked before another never has a count smaller by more than a relative 1e-11."""
    horizon = 2 * len(irm) + 6
    ind = indirect.indirect(irm, matrix=matrix, horizon=horizon, exact=False)
    assert not ind.exact
    _, _, rows, cols = exact_power_rankings(irm, matrix, horizon)[-1]
    for sums, ranking in ((rows, ind.driving), (cols, ind.dependence)):
        for a, b in itertools.pairwise(ranking.order):
            assert sums[a] * (1 + 10**-11) >= sums[b]


@settings(max_examples=100, deadline=None)
@given(structures())
def test_ssim_letters_round_trip_the_irm(irm):
    assert irm_from_letters(ssim_from_irm(irm)).tolist() == irm.tolist()
