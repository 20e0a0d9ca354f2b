"""The truth table (R QCA's ``truthTable``): a case sits in the row of
its memberships above 0.5; ``n`` counts the cases whose row membership exceeds 0.5, while
``incl`` and ``PRI`` of a row use every case. A case with a membership of exactly 0.5 belongs to
no row (it still counts in the sums). OUT is 1 when incl >= ic1 and PRI >= pri.cut, C when
ic0 <= incl < ic1, 0 otherwise, and rows with n < n.cut are remainders (?).

Comparisons with the cut-offs tolerate float noise of sqrt(machine epsilon), as R's ``agteb``.
One deliberate difference: within that noise band just below ic1 R marks the row C (it first
sets 1, then overwrites rows with incl < ic1); here such a row is 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ismpanel.analysis.fsqca.calibrate import TOLERANCE, half_cases
from ismpanel.errors import AnalysisError, InputError

COMPLETE_UP_TO = 7


def agteb(a: float, b: float) -> bool:
    """a >= b up to float noise (R's ``admisc::agteb``)."""
    return a + TOLERANCE > b


@dataclass(frozen=True)
class Row:
    """One observed configuration: its code (R's row number minus one), the number of cases,
    inclusion, PRI, output value and the ids of the cases in it, in data order."""

    code: int
    n: int
    incl: float
    pri: float
    out: str
    cases: tuple[str, ...]


@dataclass(frozen=True)
class TruthTable:
    """The truth table of one outcome over k conditions; unobserved rows are remainders."""

    conditions: tuple[str, ...]
    outcome: str
    rows: dict[int, Row]
    incl_cut: tuple[float, float]
    n_cut: int
    pri_cut: float
    half: tuple[tuple[str, str], ...]

    @property
    def k(self) -> int:
        """Number of conditions."""
        return len(self.conditions)

    def codes(self, out: str) -> list[int]:
        """Ascending codes of the observed rows whose OUT is ``out`` ('1', '0', 'C' or '?')."""
        return sorted(c for c, r in self.rows.items() if r.out == out)

    @property
    def positive(self) -> list[int]:
        """Codes of the rows with OUT = 1, ascending."""
        return self.codes("1")

    @property
    def remainders(self) -> int:
        """Number of remainder rows: the 2^k - observed rows without cases and the observed
        rows under n.cut."""
        return (1 << self.k) - len(self.rows) + len(self.codes("?"))

    def listing(self, complete: bool | None = None) -> list[tuple[int, Row | None]]:
        """Rows to show, ascending: all 2^k when ``complete`` (default for k <= 7, as R keeps
        them), else the observed ones."""
        if complete is None:
            complete = self.k <= COMPLETE_UP_TO
        if complete:
            return [(c, self.rows.get(c)) for c in range(1 << self.k)]
        return [(c, self.rows[c]) for c in sorted(self.rows)]


def row_codes(x: np.ndarray) -> np.ndarray:
    """The row code of each case from its memberships (> 0.5 is 1), first condition the most
    significant bit."""
    k = x.shape[1]
    weights = 1 << np.arange(k - 1, -1, -1, dtype=np.int64)
    return ((x > 0.5).astype(np.int64) * weights).sum(axis=1)


def row_membership(code: int, x: np.ndarray) -> np.ndarray:
    """Membership of each case in the truth-table row ``code``."""
    k = x.shape[1]
    bits = (code >> np.arange(k - 1, -1, -1)) & 1
    return np.where(bits.astype(bool), x, 1.0 - x).min(axis=1)


def truth_table(
    x: np.ndarray,
    y: np.ndarray,
    conditions: tuple[str, ...],
    outcome: str,
    case_ids: list[str],
    *,
    incl_cut: float | tuple[float, ...] = 1.0,
    n_cut: int = 1,
    pri_cut: float = 0.0,
) -> TruthTable:
    """Build the truth table of outcome ``y`` (memberships, already negated for ``~Y``) over the
    condition memberships ``x`` (cases x conditions)."""
    ic1, ic0 = _cuts(incl_cut)
    if not 0 <= pri_cut <= 1:
        raise InputError(f"{pri_cut:g}: PRI cut-off must lie in [0, 1]", option="pri-cut")
    if n_cut < 1:
        raise InputError(f"{n_cut}: n cut-off must be at least 1", option="n-cut")
    if n_cut > len(y):
        raise InputError(
            f"{n_cut}: n cut-off exceeds the number of cases ({len(y)})", option="n-cut"
        )
    codes = row_codes(x)
    halves = np.zeros(len(y), dtype=bool)
    half = []
    for j, name in enumerate(conditions):
        h = half_cases(x[:, j])
        halves |= h
        half.extend((case_ids[i], name) for i in np.flatnonzero(h))
    rows = {}
    for code in np.unique(codes):
        code = int(code)
        m = row_membership(code, x)
        sum_x = m.sum()
        inter = np.minimum(m, y)
        sum_inter = inter.sum()
        pri_part = np.minimum(inter, 1.0 - y).sum()
        incl = sum_inter / sum_x if sum_x > 0 else float("nan")
        denom = sum_x - pri_part
        pri = (sum_inter - pri_part) / denom if denom > 0 else float("nan")
        n = int((m > 0.5).sum())
        members = np.flatnonzero((codes == code) & ~halves)
        if n < n_cut:
            out = "?"
        elif agteb(incl, ic1):
            out = "1" if agteb(pri, pri_cut) else "0"
        elif agteb(incl, ic0):
            out = "C"
        else:
            out = "0"
        rows[code] = Row(code, n, float(incl), float(pri), out, tuple(case_ids[i] for i in members))
    if all(r.out == "?" for r in rows.values()):
        most = max(r.n for r in rows.values())
        raise InputError(
            f"{n_cut}: no truth-table row has that many cases (the largest has {most}); "
            "lower --n-cut",
            option="n-cut",
        )
    return TruthTable(conditions, outcome, rows, (ic1, ic0), n_cut, pri_cut, tuple(half))


def _cuts(incl_cut: float | tuple[float, ...]) -> tuple[float, float]:
    values = (incl_cut,) if isinstance(incl_cut, int | float) else tuple(incl_cut)
    if not 1 <= len(values) <= 2:
        raise InputError("give one or two inclusion cut-offs (ic1 or ic1,ic0)", option="incl-cut")
    for v in values:
        if not 0 <= v <= 1:
            raise InputError(f"{v:g}: inclusion cut-offs must lie in [0, 1]", option="incl-cut")
    ic1 = float(values[0])
    ic0 = float(values[1]) if len(values) == 2 else 1.0
    if len(values) == 2 and ic0 > ic1:
        raise InputError(
            f"{ic1:g},{ic0:g}: the second cut-off (contradictions from) must not exceed the first",
            option="incl-cut",
        )
    return ic1, ic0


def require_positive(tt: TruthTable) -> None:
    """Minimization needs at least one positive row (R: 'None of the values in OUT is
    explained')."""
    if not tt.positive:
        best = max((r.incl for r in tt.rows.values() if r.out != "?"), default=float("nan"))
        raise AnalysisError(
            f"no truth-table row reaches the inclusion cut-off {tt.incl_cut[0]:g} "
            f"(the highest incl is {best:.3f}); nothing to explain — lower --incl-cut"
        )
