"""Indirect MICMAC (Godet): rank factors by the row and column sums of powers of the direct
matrix, find the power from which the ranking no longer changes, and name the factors whose
rank the direct count hides (docs/architecture.md, Method definitions).

Counts grow exponentially. Where the work is moderate (the usual study, up to some hundred
factors) they are exact Python integers, and equal counts tie exactly. On large structures they
are floats carried with a per-factor binary exponent (53 bits of precision at any power, no
overflow, no underflow); two counts within a relative 1e-12 of each other then keep the order
they had at the previous power, so rounding never reorders them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import block_diag, csr_matrix

from ismpanel.errors import InputError

MATRICES = ("I+A", "A")
EXACT_BUDGET = 2_000_000  # integer additions (nonzeros x powers) done exactly
MAX_HORIZON = 10_000  # powers; 200 factors take about 3 s at this horizon
_LOG2_TIE = 1.5e-12  # about log2(1 + 1e-12): a relative difference of 1e-12


@dataclass(frozen=True)
class Ranking:
    """Factor order (indices, strongest first) and each factor's tie group as a range of ranks."""

    order: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def rank(self) -> np.ndarray:
        """Rank of each factor, 1 for the strongest, ties in input order."""
        rank = np.empty(len(self.order), dtype=np.intp)
        rank[self.order] = np.arange(1, len(self.order) + 1)
        return rank

    def moved(self, other: Ranking) -> np.ndarray:
        """Per factor: do its tie-group rank ranges in the two rankings not overlap?"""
        return (other.low > self.high) | (other.high < self.low)


@dataclass(frozen=True)
class Indirect:
    """Indirect MICMAC over a horizon of matrix powers.

    ``direct_*`` are the rankings at power 1 and ``driving``/``dependence`` those at
    ``settled_at`` or, when the ranking never settles, at the horizon; ``exact`` says whether
    the counts were exact integers.
    """

    matrix: str
    horizon: int
    settled_at: int | None
    exact: bool
    direct_driving: Ranking
    direct_dependence: Ranking
    driving: Ranking
    dependence: Ranking

    @property
    def hidden(self) -> list[int]:
        """Factors whose ranks in the indirect ranking (the range they share with their ties)
        do not overlap their ranks in the direct ranking, on either axis."""
        moved = self.direct_driving.moved(self.driving)
        moved |= self.direct_dependence.moved(self.dependence)
        return [int(i) for i in np.flatnonzero(moved)]


def indirect(
    irm: np.ndarray, *, matrix: str = "I+A", horizon: int | None = None, exact: bool | None = None
) -> Indirect:
    """Rank factors by the row and column sums of powers of the direct matrix.

    ``matrix`` is ``"I+A"`` (the IRM, diagonal 1; its rankings converge) or ``"A"`` (zero
    diagonal, Godet's original; cycles can make its rankings oscillate for ever). The horizon
    defaults to max(2n, 20) powers. The ranking has settled at power k when both orders are the
    same at every power from k to the horizon and k lies in the first half of the horizon;
    otherwise ``settled_at`` is None. ``exact`` forces or forbids integer counts (default: exact
    when nonzeros x horizon is within :data:`EXACT_BUDGET`).
    """
    n = len(irm)
    if matrix not in MATRICES:
        raise InputError(f"{matrix!r}: expected I+A or A", option="indirect-matrix")
    horizon = max(2 * n, 20) if horizon is None else horizon
    check_horizon(horizon)
    base = np.asarray(irm, dtype=bool).copy()
    np.fill_diagonal(base, matrix == "I+A")
    # driving (rows of M) and dependence (rows of M transposed) advance together as one block
    # matrix, which halves the per-power overhead
    block = block_diag((csr_matrix(base), csr_matrix(base.T)), format="csr")
    if exact is None:
        exact = block.nnz * horizon <= EXACT_BUDGET
    sums: _ExactSums | _FloatSums = _ExactSums(block) if exact else _FloatSums(block)
    rank, keeps = (_exact_ranking, _keeps_exact) if exact else (_float_ranking, _keeps_float)
    values = sums.values()
    first = [rank(values[:n], None), rank(values[n:], None)]
    current, last_change = list(first), 1
    for k in range(2, horizon + 1):
        sums.step()
        values = sums.values()
        for axis, part in enumerate((values[:n], values[n:])):
            if keeps(part, current[axis].order):
                continue
            ranking = rank(part, current[axis])
            if not np.array_equal(ranking.order, current[axis].order):
                last_change = k
            current[axis] = ranking
    final = [rank(values[:n], current[0]), rank(values[n:], current[1])]  # tie groups now
    settled = last_change if last_change <= horizon // 2 else None
    return Indirect(matrix, horizon, settled, exact, *first, *final)


def check_horizon(horizon: int) -> None:
    """Refuse a horizon outside 2 to :data:`MAX_HORIZON` powers: each power costs a sparse
    product, and a horizon in the millions would run for hours on three factors."""
    if not 2 <= horizon <= MAX_HORIZON:
        raise InputError(f"{horizon}: expected 2 to {MAX_HORIZON:,} powers", option="horizon")


class _ExactSums:
    """Row sums of successive powers of a 0/1 matrix, M^k 1, as exact Python integers."""

    def __init__(self, m: csr_matrix) -> None:
        # a trailing 0 keeps every row start a valid index for reduceat, empty rows included
        self.indices = np.append(m.indices.astype(np.intp), m.shape[0])
        self.starts = m.indptr[:-1]
        self.empty = np.diff(m.indptr) == 0
        self.vec = np.ones(m.shape[0] + 1, dtype=object)
        self.vec[-1] = 0
        self.step()

    def step(self) -> None:
        """Advance one power: new[i] = sum of old[j] over the row's nonzero columns j."""
        new = np.add.reduceat(self.vec[self.indices], self.starts)
        new[self.empty] = 0
        self.vec[:-1] = new

    def values(self) -> np.ndarray:
        return self.vec[:-1]


class _FloatSums:
    """Row sums of successive powers of a 0/1 matrix as mantissa * 2**exponent: one float64
    per factor would overflow, and one shared scale would flush the small counts to zero."""

    _ZERO = -(2**30)

    def __init__(self, m: csr_matrix) -> None:
        self.indices = m.indices.astype(np.intp)  # intp indices gather three times faster
        self.rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
        self.empty = np.diff(m.indptr) == 0
        self.mant = np.ones(m.shape[0])
        self.exp = np.zeros(m.shape[0], dtype=np.int32)
        self.step()

    def step(self) -> None:
        """Advance one power: new[i] = sum of old[j] over the row's nonzero columns j."""
        n = len(self.mant)
        e = self.exp.take(self.indices)
        top = np.full(n, self._ZERO, dtype=np.int32)
        np.maximum.at(top, self.rows, e)
        shift = np.maximum(e - top[self.rows], -1100)
        terms = np.ldexp(self.mant.take(self.indices), shift)
        total = np.bincount(self.rows, weights=terms, minlength=n)
        self.mant, extra = np.frexp(total)
        self.exp = top + extra
        self.exp[(total <= 0) | self.empty] = self._ZERO

    def values(self) -> np.ndarray:
        """log2 of each count (a large negative number for zero), precise to about 1e-12."""
        with np.errstate(divide="ignore"):
            logs = self.exp + np.log2(self.mant)
        logs[self.mant <= 0] = self._ZERO
        return logs


def _exact_ranking(values: np.ndarray, previous: Ranking | None) -> Ranking:
    """Order by exact count, strongest first; equal counts tie and keep input order."""
    n = len(values)
    order = np.array(sorted(range(n), key=lambda i: (-values[i], i)), dtype=np.intp)
    starts = np.ones(n, dtype=bool)
    ordered = values[order]
    starts[1:] = ordered[1:] != ordered[:-1]
    return _with_groups(order, starts)


def _float_ranking(values: np.ndarray, previous: Ranking | None) -> Ranking:
    """Order by log2 count, strongest first. Neighbours in sorted order closer than the
    tolerance form a tie group, ordered as at the previous power (input order at first), so
    that counts converging to each other never swap on rounding."""
    n = len(values)
    by_value = np.argsort(-values, kind="stable")
    ordered = values[by_value]
    starts = np.ones(n, dtype=bool)
    np.greater(ordered[:-1] - ordered[1:], _LOG2_TIE, out=starts[1:])
    group = np.empty(n, dtype=np.intp)
    group[by_value] = np.cumsum(starts)
    before = previous.rank if previous is not None else np.arange(n)
    order = np.lexsort((before, group))
    return _with_groups(order, starts)


def _keeps_exact(values: np.ndarray, order: np.ndarray) -> bool:
    """Does the order still sort the exact counts (equal counts in input order)? An O(n) test
    that spares the sort while nothing moves."""
    ordered = values[order]
    ahead = ordered[:-1] > ordered[1:]
    level = (ordered[:-1] == ordered[1:]) & (order[:-1] < order[1:])
    return bool(np.all(ahead | level))


def _keeps_float(values: np.ndarray, order: np.ndarray) -> bool:
    """Does :func:`_float_ranking` keep the previous order? It does when no factor is more
    than the tolerance above the one before it: any two factors out of order are then joined
    by a chain of near-equal values, so they share a tie group, which keeps the old order."""
    return bool(np.all(np.diff(values[order]) <= _LOG2_TIE))


def _with_groups(order: np.ndarray, starts: np.ndarray) -> Ranking:
    """A ranking from the order and the flags marking where each tie group starts in it."""
    n = len(order)
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts) + 1
    last = np.append(first[1:] - 1, n)
    low, high = np.empty(n, dtype=np.intp), np.empty(n, dtype=np.intp)
    low[order], high[order] = first[group], last[group]
    return Ranking(order, low, high)
