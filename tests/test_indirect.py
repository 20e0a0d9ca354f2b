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
