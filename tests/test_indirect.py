"""Indirect MICMAC on structures where counts converge: exact integers keep distinct counts
apart, and the float path for large structures never reorders counts on rounding."""

from __future__ import annotations

import numpy as np

from ismpanel.analysis.indirect import indirect


def _converging(n: int = 20) -> np.ndarray:
    """F5 and F6 influence each other (an X pair) and both reach F3; F0 feeds F5, F4 and F7
    feed F6. The counts of F5/F6 and of F0/F4/F7 converge to each other without meeting."""
    irm = np.eye(n, dtype=bool)
    for a, b in [(0, 5), (4, 6), (7, 6), (5, 6), (6, 5), (5, 3), (6, 3)]:
        irm[a, b] = True
    return irm


def test_converging_counts_stay_distinct_and_the_ranking_settles():
    # exact integer powers of I+A (computed in tests/test_ism_properties.py's brute force):
    # at every power F5 = F6 > F0 = F4 = F7, e.g. 2199023255551 vs 2199023255511 at power 40
    ind = indirect(_converging(), horizon=40)
    assert ind.exact
    assert list(ind.driving.order[:5]) == [5, 6, 0, 4, 7]
    assert ind.settled_at == 2


def test_the_float_path_keeps_converging_counts_in_their_order():
    ind = indirect(_converging(), horizon=40, exact=False)
    assert not ind.exact
    assert list(ind.driving.order[:5]) == [5, 6, 0, 4, 7]
    assert ind.settled_at == 2


def test_exact_counts_are_used_while_the_work_is_moderate():
    assert indirect(_converging()).exact
    chain = np.eye(1500, dtype=bool)  # F0 -> F1 -> ... -> F1499
    chain[np.arange(1499), np.arange(1, 1500)] = True
    big = indirect(chain)  # 5998 nonzeros x 3000 powers: beyond the exact budget
    assert not big.exact
    assert list(big.driving.order[:3]) == [0, 1, 2]  # the head of the chain reaches most
    assert list(big.dependence.order[:3]) == [1499, 1498, 1497]


def _rankings(ind):
    return [
        (r.order.tolist(), r.low.tolist(), r.high.tolist())
        for r in (ind.direct_driving, ind.direct_dependence, ind.driving, ind.dependence)
    ]


def test_a_batch_scaled_once_has_the_bits_of_rescaling_at_every_power():
    """On I+A a batch keeps each count's exponent from its start: its log2 counts are the
    very floats that rescaling at every power gives, bit for bit."""
    from ismpanel.analysis.indirect import _FloatSums, _Rows

    rng = np.random.default_rng(7)
    for n, density in [(30, 0.1), (120, 0.03), (60, 0.5)]:
        base = rng.random((n, n)) < density
        np.fill_diagonal(base, True)
        block = _Rows.diagonal(base, base.T)
        fast, slow = _FloatSums(block), _FloatSums(block)
        assert fast.reflexive
        for _ in range(4):
            batch = fast._advance_scaled(64)
            assert batch is not None  # the scaled path was taken
            rows = []
            for _ in range(64):
                slow.step()
                rows.append(slow.values())
            assert np.array_equal(batch, np.array(rows))


def test_batches_scaled_once_give_the_rankings_of_rescaling_at_every_power(monkeypatch):
    """I+A keeps each count's exponent for a batch of powers; forcing the power-by-power
    rescaling (as for A) must give the very same rankings, ties and settling power."""
    from ismpanel.analysis import indirect as module

    rng = np.random.default_rng(11)
    cases = [rng.random((n, n)) < d for n, d in [(30, 0.1), (80, 0.04), (150, 0.02), (60, 0.5)]]
    fast = [indirect(c, horizon=300, exact=False) for c in cases]
    monkeypatch.setattr(module._FloatSums, "_advance_scaled", lambda self, powers: None)
    slow = [indirect(c, horizon=300, exact=False) for c in cases]
    for a, b in zip(fast, slow, strict=True):
        assert _rankings(a) == _rankings(b)
        assert a.settled_at == b.settled_at


def test_a_batch_whose_counts_outgrow_the_limit_is_redone_power_by_power(monkeypatch):
    from ismpanel.analysis import indirect as module

    irm = np.random.default_rng(3).random((40, 40)) < 0.2
    expected = indirect(irm, horizon=200, exact=False)
    calls = []
    original = module._FloatSums._advance_scaled

    def spied(self, powers):
        found = original(self, powers)
        calls.append(found is None)
        return found

    monkeypatch.setattr(module._FloatSums, "_LIMIT", 2.0**20)  # 40 factors pass it in a batch
    monkeypatch.setattr(module._FloatSums, "_advance_scaled", spied)
    again = indirect(irm, horizon=200, exact=False)
    assert any(calls)  # some batch was refused and redone
    assert _rankings(again) == _rankings(expected)
    assert again.settled_at == expected.settled_at
