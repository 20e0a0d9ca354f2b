"""MICMAC: driving power against dependence, the four clusters, indirect (matrix-power) rankings
and the check of MICMAC clusters against the ISM tiers (DESIGN.md section 4)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import block_diag, csr_matrix

from ismpanel.analysis.errors import InputError

QUADRANTS = ("autonomous", "dependent", "linkage", "independent")
THRESHOLD_RULES = ("half", "mean", "median")
EXPECTED_QUADRANT = {"surface": "dependent", "middle": None, "deep": "independent"}
_LOG2_TIE = 1.5e-9  # log2(1 + 1e-9): a relative difference of 1e-9


@dataclass(frozen=True)
class Threshold:
    """Where an axis turns from weak to strong; a power equal to the threshold is weak unless
    ``equal_is_strong``."""

    rule: str
    driving: float
    dependence: float
    equal_is_strong: bool = False

    def describe(self) -> str:
        side = "strong" if self.equal_is_strong else "weak"
        return (
            f"threshold {self.rule}: driving {self.driving:g}, dependence {self.dependence:g}; "
            f"a power above it is strong, a power equal to it is {side}"
        )


def threshold(
    rule: str, driving: np.ndarray, dependence: np.ndarray, *, equal_is_strong: bool = False
) -> Threshold:
    """Threshold by rule: ``half`` (n/2 on both axes), ``mean``, ``median`` (per axis), a number."""
    n = len(driving)
    if rule == "half":
        return Threshold("half (n/2)", n / 2, n / 2, equal_is_strong)
    if rule == "mean":
        return Threshold(
            "mean", float(np.mean(driving)), float(np.mean(dependence)), equal_is_strong
        )
    if rule == "median":
        return Threshold(
            "median", float(np.median(driving)), float(np.median(dependence)), equal_is_strong
        )
    try:
        value = float(rule)
    except ValueError:
        raise InputError(
            f"{rule!r}: expected half, mean, median or a number", option="threshold"
        ) from None
    if not np.isfinite(value) or value < 0:
        raise InputError(f"{rule!r}: expected a non-negative number", option="threshold")
    return Threshold(f"fixed {value:g}", value, value, equal_is_strong)


def quadrants(driving: np.ndarray, dependence: np.ndarray, thr: Threshold) -> list[str]:
    """MICMAC cluster of each factor: autonomous, dependent, linkage or independent."""
    if thr.equal_is_strong:
        strong_drive, strong_dep = driving >= thr.driving, dependence >= thr.dependence
    else:
        strong_drive, strong_dep = driving > thr.driving, dependence > thr.dependence
    index = strong_drive.astype(int) * 2 + strong_dep.astype(int)
    by_index = ("autonomous", "dependent", "independent", "linkage")
    return [by_index[k] for k in index]


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

    A ranking orders the factors by value, strongest first; equal values (within a relative
    1e-9) keep input order and form a tie group. ``direct_*`` are the rankings at power 1 and
    ``driving``/``dependence`` those at ``settled_at`` or, when the ranking never settles, at
    the horizon.
    """

    matrix: str
    horizon: int
    settled_at: int | None
    direct_driving: Ranking
    direct_dependence: Ranking
    driving: Ranking
    dependence: Ranking

    @property
    def hidden(self) -> list[int]:
        """Factors whose indirect rank lies outside the ranks they share with their ties in the
        direct ranking, on either axis: the ones the direct count hides."""
        moved = self.direct_driving.moved(self.driving)
        moved |= self.direct_dependence.moved(self.dependence)
        return [int(i) for i in np.flatnonzero(moved)]


def indirect(irm: np.ndarray, *, matrix: str = "I+A", horizon: int | None = None) -> Indirect:
    """Rank factors by the row and column sums of powers of the direct matrix.

    ``matrix`` is ``"I+A"`` (the IRM, diagonal 1; its rankings converge) or ``"A"`` (zero
    diagonal, Godet's original; cycles can make its rankings oscillate for ever). The horizon
    defaults to max(2n, 20) powers. The ranking has settled at power k when both orders are the
    same at every power from k to the horizon and k lies in the first half of the horizon;
    otherwise ``settled_at`` is None.

    Counts grow exponentially and differ by hundreds of orders of magnitude between factors, so
    each count is carried as a mantissa and its own binary exponent (:class:`_PowerSums`).
    """
    n = len(irm)
    if matrix not in ("I+A", "A"):
        raise InputError(f"{matrix!r}: expected I+A or A", option="indirect-matrix")
    horizon = max(2 * n, 20) if horizon is None else horizon
    if horizon < 2:
        raise InputError(f"{horizon}: expected at least 2 powers", option="horizon")
    base = np.asarray(irm, dtype=bool).copy()
    np.fill_diagonal(base, matrix == "I+A")
    # driving (rows of M) and dependence (rows of M transposed) advance together as one block
    # matrix, which halves the per-power overhead
    sums = _PowerSums(block_diag((csr_matrix(base), csr_matrix(base.T)), format="csr"))
    values = sums.log2()
    first = [_ranking(values[:n]), _ranking(values[n:])]
    current, last_change = list(first), 1
    for k in range(2, horizon + 1):
        sums.step()
        values = sums.log2()
        for axis, part in enumerate((values[:n], values[n:])):
            if not _keeps_ranking(part, current[axis]):
                ranking = _ranking(part)
                if not np.array_equal(ranking.order, current[axis].order):
                    last_change = k
                current[axis] = ranking
    settled = last_change if last_change <= horizon // 2 else None
    return Indirect(matrix, horizon, settled, first[0], first[1], current[0], current[1])


class _PowerSums:
    """Row sums of successive powers of a 0/1 matrix, M^k 1, as mantissa * 2**exponent.

    One float64 per factor would overflow, and one shared scale would flush the small counts
    to zero; a per-factor exponent keeps every count to 53 bits of precision at any power.
    """

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

    def log2(self) -> np.ndarray:
        """log2 of each count (a large negative number for zero), precise to about 1e-12."""
        with np.errstate(divide="ignore"):
            values = self.exp + np.log2(self.mant)
        values[self.mant <= 0] = self._ZERO
        return values


def _ranking(values: np.ndarray) -> Ranking:
    """Order by value (log2), strongest first; neighbours in sorted order closer than the
    tolerance tie, so a tie group is a chain of near-equal values, kept in input order."""
    n = len(values)
    by_value = np.argsort(-values)
    ordered = values[by_value]
    starts = np.empty(n, dtype=bool)
    starts[:1] = True
    np.greater(ordered[:-1] - ordered[1:], _LOG2_TIE, out=starts[1:])
    group = np.empty(n, dtype=np.intp)
    group[by_value] = np.cumsum(starts)
    order = np.lexsort((np.arange(n), group))
    first = np.flatnonzero(starts) + 1
    last = np.append(first[1:] - 1, n)
    return Ranking(order, first[group - 1], last[group - 1])


def _keeps_ranking(values: np.ndarray, ranking: Ranking) -> bool:
    """A cheap sufficient test that ``values`` rank exactly as ``ranking``: inside each tie group
    the values step by at most the tolerance in the current order (so they chain), and every
    group lies more than the tolerance above the next. When it fails, the caller re-sorts."""
    ordered = values[ranking.order]
    gap = ordered[:-1] - ordered[1:]
    group_low = ranking.low[ranking.order]
    boundary = group_low[1:] != group_low[:-1]
    if not np.all(np.abs(gap[~boundary]) <= _LOG2_TIE):
        return False
    if boundary.all():
        return bool(np.all(gap > _LOG2_TIE))
    starts = np.concatenate(([0], np.flatnonzero(boundary) + 1))
    low = np.minimum.reduceat(ordered, starts)
    high = np.maximum.reduceat(ordered, starts)
    return bool(np.all(low[:-1] - high[1:] > _LOG2_TIE))


@dataclass(frozen=True)
class TierCheck:
    """Cross-table of ISM tiers against MICMAC clusters.

    ``table[tier][quadrant]`` lists factor indices; ``breaks`` lists (factor, tier, quadrant,
    expected) for factors outside the expected pattern: surface tier ≈ dependent, deep tier ≈
    independent. The middle tier carries no expectation: it transmits influence, and any
    cluster there is consistent with the hierarchy.
    """

    table: dict[str, dict[str, list[int]]]
    breaks: list[tuple[int, str, str, str]]


def check_tiers(tiers: list[str], clusters: list[str]) -> TierCheck:
    """Compare each factor's ISM tier with its MICMAC cluster."""
    table = {t: {q: [] for q in QUADRANTS} for t in EXPECTED_QUADRANT}
    breaks = []
    for i, (tier, quad) in enumerate(zip(tiers, clusters, strict=True)):
        table[tier][quad].append(i)
        expected = EXPECTED_QUADRANT[tier]
        if expected is not None and quad != expected:
            breaks.append((i, tier, quad, expected))
    return TierCheck(table, breaks)
