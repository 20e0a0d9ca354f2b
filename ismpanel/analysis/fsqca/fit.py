"""Parameters of fit, as R QCA's ``pof`` computes them for sufficiency: inclS, PRI, covS and
covU of each term and model, the cases each term covers, and the truth-table rows as the
bitmaps the solutions are computed on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ismpanel.analysis.fsqca.implicants import check_size
from ismpanel.analysis.fsqca.terms import Term, membership
from ismpanel.analysis.fsqca.truthtable import TruthTable


@dataclass(frozen=True)
class TermFit:
    """A term of a model with its parameters of fit and the cases of the positive rows it
    covers (grouped by row, rows ascending, cases in data order)."""

    term: Term
    expression: str
    inclS: float
    PRI: float
    covS: float
    covU: float | None
    case_groups: tuple[tuple[str, ...], ...]

    @property
    def cases(self) -> list[str]:
        """The covered cases, flat, rows ascending."""
        return [c for g in self.case_groups for c in g]


@dataclass(frozen=True)
class Problem:
    """What minimization needs: the row codes by output value and the data for the fit."""

    names: tuple[str, ...]
    positive: tuple[int, ...]
    forbidden_parsimonious: tuple[int, ...]
    x: np.ndarray
    y: np.ndarray
    row_cases: dict[int, tuple[str, ...]]
    included: tuple[int, ...] = ()

    @property
    def k(self) -> int:
        """Number of conditions."""
        return len(self.names)


def problem(
    tt: TruthTable, x: np.ndarray, y: np.ndarray, include_contradictions: bool = False
) -> Problem:
    """The minimization problem of a truth table; ``x`` and ``y`` are the memberships the
    table was built from (``y`` already negated for ``~Y``)."""
    check_size(tt.k)
    forbidden = tt.codes("0") + ([] if include_contradictions else tt.codes("C"))
    included = tuple(tt.codes("C")) if include_contradictions else ()
    cases = {c: r.cases for c, r in tt.rows.items()}
    return Problem(
        tt.conditions, tuple(tt.positive), tuple(sorted(forbidden)), x, y, cases, included
    )


def fit(
    terms: list[Term], prob: Problem, cache: dict[Term, np.ndarray] | None = None
) -> tuple[list[tuple[float, float, float, float | None]], tuple[float, float, float]]:
    """Per term (inclS, PRI, covS, covU) and for their disjunction (inclS, PRI, covS), as R's
    ``pof``: a term's membership is the minimum over its literals, a model's the maximum over
    its terms; covU of a term is the model's coverage minus the coverage without the term (none
    for a one-term model, as R prints '-'). ``cache`` keeps term memberships across models."""
    y = prob.y
    if cache is None:
        cache = {}
    for t in terms:
        if t not in cache:
            cache[t] = membership(t, prob.x)
    mem = np.column_stack([cache[t] for t in terms])
    sum_y = y.sum()

    def params(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        inter = np.minimum(m, y[:, None])
        sx = m.sum(axis=0)
        si = inter.sum(axis=0)
        pp = np.minimum(inter, (1.0 - y)[:, None]).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return inter, si / sx, (si - pp) / (sx - pp), si / sum_y

    inter, incl, pri, cov = params(mem)
    model = mem.max(axis=1)[:, None]
    _, m_incl, m_pri, m_cov = params(model)
    n = len(terms)
    cov_u: list[float | None] = [None] * n
    if n > 1:
        top = np.argmax(inter, axis=1)
        ranked = np.sort(inter, axis=1)
        first, second = ranked[:, -1], ranked[:, -2]
        for t in range(n):
            others = np.where(top == t, second, first)
            cov_u[t] = float(cov[t] - np.minimum(inter[:, t], others).sum() / sum_y)
    out = [(float(incl[t]), float(pri[t]), float(cov[t]), cov_u[t]) for t in range(n)]
    return out, (float(m_incl[0]), float(m_pri[0]), float(m_cov[0]))


def case_groups(term: Term, prob: Problem) -> tuple[tuple[str, ...], ...]:
    """Cases of the positive rows the term covers, grouped by row (R's 'FI,IE; FR,SE')."""
    return tuple(prob.row_cases[r] for r in prob.positive if term.covers_row(r))


def row_bitmap(rows, k: int) -> np.ndarray:
    out = np.zeros(1 << k, dtype=bool)
    out[np.asarray(list(rows), dtype=np.int64)] = True
    return out


def cube_rows(terms: list[Term], k: int) -> np.ndarray:
    """Boolean map of the rows inside any of the terms."""
    ar = np.arange(1 << k, dtype=np.int64)
    out = np.zeros(1 << k, dtype=bool)
    for t in terms:
        out |= (ar & t.mask) == t.bits
    return out
