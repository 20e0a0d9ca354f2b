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

from ismpanel.errors import InputError

MATRICES = ("I+A", "A")
EXACT_BUDGET = 2_000_000  # integer additions (nonzeros x powers) done exactly
MAX_HORIZON = 10_000  # powers; 200 factors take about 3 s at this horizon
BATCH = 64  # powers computed before their rankings are checked together
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
    # diagonal matrix, which halves the per-power overhead
    block = _Rows.diagonal(base, base.T)
    if exact is None:
        exact = len(block.indices) * horizon <= EXACT_BUDGET
    sums: _ExactSums | _FloatSums = _ExactSums(block) if exact else _FloatSums(block)
    rank, keeps = (_exact_ranking, _keeps_exact) if exact else (_float_ranking, _keeps_float)
    values = sums.values()
    first = [rank(values[:n], None), rank(values[n:], None)]
    current, last_change = list(first), 1
    k = 1
    while k < horizon:
        batch = sums.advance(min(BATCH, horizon - k))  # powers k + 1 ... k + len(batch)
        for axis, part in enumerate((batch[:, :n], batch[:, n:])):
            moved = np.flatnonzero(~keeps(part, current[axis].order))
            # powers from the first that moves the order are ranked one by one
            for p in range(moved[0] if len(moved) else len(part), len(part)):
                if keeps(part[p : p + 1], current[axis].order)[0]:
                    continue
                ranking = rank(part[p], current[axis])
                if not np.array_equal(ranking.order, current[axis].order):
                    last_change = max(last_change, k + 1 + p)
                current[axis] = ranking
        k += len(batch)
        values = batch[-1]
    final = [rank(values[:n], current[0]), rank(values[n:], current[1])]  # tie groups now
    settled = last_change if last_change <= horizon // 2 else None
    return Indirect(matrix, horizon, settled, exact, *first, *final)


def check_horizon(horizon: int) -> None:
    """Refuse a horizon outside 2 to :data:`MAX_HORIZON` powers: each power costs a sparse
    product, and a horizon in the millions would run for hours on three factors."""
    if not 2 <= horizon <= MAX_HORIZON:
        raise InputError(f"{horizon}: expected 2 to {MAX_HORIZON:,} powers", option="horizon")


@dataclass(frozen=True)
class _Rows:
    """A 0/1 matrix by rows (compressed sparse rows): the columns of row i's nonzeros are
    ``indices[indptr[i]:indptr[i + 1]]``."""

    indices: np.ndarray
    indptr: np.ndarray

    @classmethod
    def diagonal(cls, *blocks: np.ndarray) -> _Rows:
        """The block diagonal matrix of square 0/1 blocks, without building it."""
        rows, cols, offset = [], [], 0
        for b in blocks:
            r, c = np.nonzero(b)
            rows.append(r + offset)
            cols.append(c + offset)
            offset += len(b)
        indices = np.concatenate(cols).astype(np.intp)
        return cls(indices, np.searchsorted(np.concatenate(rows), np.arange(offset + 1)))

    @property
    def size(self) -> int:
        return len(self.indptr) - 1


class _ExactSums:
    """Row sums of successive powers of a 0/1 matrix, M^k 1, as exact Python integers."""

    def __init__(self, m: _Rows) -> None:
        # a trailing 0 keeps every row start a valid index for reduceat, empty rows included
        self.indices = np.append(m.indices, m.size)
        self.starts = m.indptr[:-1]
        self.empty = np.diff(m.indptr) == 0
        self.vec = np.ones(m.size + 1, dtype=object)
        self.vec[-1] = 0
        self.step()

    def step(self) -> None:
        """Advance one power: new[i] = sum of old[j] over the row's nonzero columns j."""
        new = np.add.reduceat(self.vec[self.indices], self.starts)
        new[self.empty] = 0
        self.vec[:-1] = new

    def values(self) -> np.ndarray:
        return self.vec[:-1]

    def advance(self, powers: int) -> np.ndarray:
        """The counts of the next ``powers`` powers, one row each."""
        out = np.empty((powers, len(self.vec) - 1), dtype=object)
        for p in range(powers):
            self.step()
            out[p] = self.vec[:-1]
        return out


class _FloatSums:
    """Row sums of successive powers of a 0/1 matrix as mantissa * 2**exponent: one float64
    per factor would overflow, and one shared scale would flush the small counts to zero.

    With a 1 on every diagonal cell (I+A) no count ever shrinks, so for a batch of powers each
    count can keep the exponent it had at the batch's start: a power is then one weighted sum
    per row (weights 2**(e_j - e_i), exact), three numpy calls instead of ten, with the same
    roundings as rescaling at every power.
    """

    _ZERO = -(2**30)
    _LIMIT = 2.0**1000  # growth within a batch beyond which it is redone power by power

    def __init__(self, m: _Rows) -> None:
        size = m.size
        self.indices = m.indices  # intp indices gather three times faster than int32
        self.rows = np.repeat(np.arange(size), np.diff(m.indptr))
        self.empty = np.diff(m.indptr) == 0
        loops = np.zeros(size, dtype=bool)
        loops[self.rows[self.indices == self.rows]] = True
        self.reflexive = size > 0 and bool(loops.all())
        self.mant = np.ones(size)
        self.exp = np.zeros(size, dtype=np.int32)
        self.step()

    def step(self) -> None:
        """Advance one power: new[i] = sum of old[j] over the row's nonzero columns j, each
        term scaled to the row's largest exponent (ufunc.at and bincount: several times
        faster than reduceat over thousands of short rows)."""
        size = len(self.mant)
        e = self.exp.take(self.indices)
        top = np.full(size, self._ZERO, dtype=np.int32)
        np.maximum.at(top, self.rows, e)
        shift = np.maximum(e - top.take(self.rows), -1100)
        terms = np.ldexp(self.mant.take(self.indices), shift)
        total = np.bincount(self.rows, weights=terms, minlength=size)
        self.mant, extra = np.frexp(total)
        self.exp = top + extra
        self.exp[(total <= 0) | self.empty] = self._ZERO

    def values(self) -> np.ndarray:
        return self._logs(self.mant, self.exp)

    def advance(self, powers: int) -> np.ndarray:
        """The log2 counts of the next ``powers`` powers, one row each."""
        if self.reflexive:
            found = self._advance_scaled(powers)
            if found is not None:
                return found
        size = len(self.mant)
        mant, exp = np.empty((powers, size)), np.empty((powers, size), dtype=np.int32)
        for p in range(powers):
            self.step()
            mant[p], exp[p] = self.mant, self.exp
        return self._logs(mant, exp)

    def _advance_scaled(self, powers: int) -> np.ndarray | None:
        """The batch with each count scaled by its exponent at the start (counts of I+A are
        at least 1 and never shrink, so no row sum underflows); None, with the state left as
        it was, when a count grows past :attr:`_LIMIT` within the batch."""
        start = self.exp
        weights = np.ldexp(1.0, np.maximum(start.take(self.indices) - start.take(self.rows), -1100))
        scaled = np.empty((powers, len(start)))
        v = self.mant
        for p in range(powers):
            v = np.bincount(self.rows, weights=weights * v.take(self.indices), minlength=len(v))
            scaled[p] = v
        if not scaled[-1].max() < self._LIMIT:  # also catches inf and nan
            return None
        mant, extra = np.frexp(scaled)
        exp = start + extra
        self.mant, self.exp = mant[-1], exp[-1]
        return self._logs(mant, exp)

    @classmethod
    def _logs(cls, mant: np.ndarray, exp: np.ndarray) -> np.ndarray:
        """log2 of each count (a large negative number for zero), precise to about 1e-12."""
        with np.errstate(divide="ignore"):
            logs = exp + np.log2(mant)
        logs[mant <= 0] = cls._ZERO
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


def _keeps_exact(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per row of counts (one power each): does the order still sort them (equal counts in
    input order)? An O(n) test that spares the sort while nothing moves."""
    ordered = values[:, order]
    ahead = (ordered[:, :-1] > ordered[:, 1:]).astype(bool)
    level = (ordered[:, :-1] == ordered[:, 1:]).astype(bool) & (order[:-1] < order[1:])
    return np.all(ahead | level, axis=1)


def _keeps_float(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per row of log2 counts: does :func:`_float_ranking` keep the previous order? It does
    when no factor is more than the tolerance above the one before it: any two factors out of
    order are then joined by a chain of near-equal values, so they share a tie group, which
    keeps the old order."""
    return np.all(np.diff(values[:, order], axis=1) <= _LOG2_TIE, axis=1)


def _with_groups(order: np.ndarray, starts: np.ndarray) -> Ranking:
    """A ranking from the order and the flags marking where each tie group starts in it."""
    n = len(order)
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts) + 1
    last = np.append(first[1:] - 1, n)
    low, high = np.empty(n, dtype=np.intp), np.empty(n, dtype=np.intp)
    low[order], high[order] = first[group], last[group]
    return Ranking(order, low, high)
