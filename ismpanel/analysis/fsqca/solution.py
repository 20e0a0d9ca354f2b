"""Complex and parsimonious solutions (R QCA's ``minimize``) with their models and fit
(docs/architecture.md, Method definitions), following R wherever the method is silent.

- Complex: prime implicants of the positive rows alone (every other row is forbidden).
- Parsimonious: remainders are don't-cares; negative rows and contradictions are forbidden
  (contradictions become don't-cares with ``include_contradictions``, R's ``include = "C"``).
  A model's simplifying assumptions are the remainders inside its prime implicants.
- Models: every cover with the minimum number of prime implicants, in R's order (prime
  implicants sorted as R sorts them, models lexicographic, M1, M2, ...).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ismpanel.analysis.fsqca.budget import Deadline
from ismpanel.analysis.fsqca.chart import coverage, row_dominance
from ismpanel.analysis.fsqca.cover import MAX_MODELS, minimum_covers
from ismpanel.analysis.fsqca.fit import Problem, TermFit, case_groups, cube_rows, fit, row_bitmap
from ismpanel.analysis.fsqca.implicants import Implicants, prime_implicants
from ismpanel.analysis.fsqca.order import (
    ccubes_discovery,
    order_depends_on_discovery,
    qmc_discovery,
    r_sort,
)
from ismpanel.analysis.fsqca.rows import Rows
from ismpanel.analysis.fsqca.terms import Term, expression
from ismpanel.analysis.fsqca.truthtable import agteb
from ismpanel.errors import AnalysisError


@dataclass
class Model:
    """One minimal model: its terms (essential ones first when a solution has several models,
    as R prints them), parameters of fit, and the remainders it relies on. An intermediate
    model lists the CiPj pairs that produced it, with each pair's easy and difficult
    counterfactuals (``easy_counterfactuals`` are the first pair's). The row lists are
    :class:`Rows`, shared by the models that rest on the same rows."""

    name: str
    terms: list[TermFit]
    inclS: float
    PRI: float
    covS: float
    essential: list[bool]
    simplifying_assumptions: Rows = field(default_factory=Rows)
    easy_counterfactuals: Rows = field(default_factory=Rows)
    difficult_counterfactuals: Rows = field(default_factory=Rows)
    isols: list[str] = field(default_factory=list)
    parsimonious: list[Model] = field(default_factory=list, repr=False)
    counterfactuals: dict[str, tuple[Rows, Rows]] = field(default_factory=dict)

    @property
    def expression(self) -> str:
        """The model as ``A*~B + C``, terms in the order listed."""
        return " + ".join(t.expression for t in self.terms)

    def display(self) -> str:
        """R's printed form: essential terms, then the others in parentheses."""
        if all(self.essential) or not any(self.essential):
            return self.expression
        ess = [t.expression for t, e in zip(self.terms, self.essential, strict=True) if e]
        rest = [t.expression for t, e in zip(self.terms, self.essential, strict=True) if not e]
        return " + ".join(ess) + " + (" + " + ".join(rest) + ")"


@dataclass
class Solution:
    """The models of one kind of solution and how they were found."""

    kind: str
    models: list[Model]
    prime_implicants: Implicants
    chart: list[int]
    capped: bool = False
    found: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    isol: str | None = None
    complete: bool = True
    method: str = ""
    proven: bool = True
    lower_bound: int = 0


def minimize(
    prob: Problem,
    forbidden: np.ndarray,
    *,
    kind: str,
    route: str,
    extra_onset: list[int] | None = None,
    row_dom: bool = False,
    max_models: int = MAX_MODELS,
    deadline: Deadline | None = None,
    cover_share: float = 1.0,
) -> Solution:
    """Prime implicants through the positive rows, R's order of them, and every minimum cover.
    ``route`` is ``qmc`` (R's complex and intermediate path: sorted before row dominance, the
    sort basis including prime implicants that cover only don't-care rows) or ``ccubes`` (R's
    parsimonious path). Past the ``deadline`` before the cover step it raises an
    :class:`AnalysisError`; the cover step may use ``cover_share`` of the time left (the rest
    is for the solutions still to come) and then reports its best cover, unproven."""
    k = prob.k
    t0 = time.perf_counter()
    seeds = list(prob.positive)
    pis = prime_implicants(seeds, forbidden, k, deadline)
    if (pis.masks == 0).any():
        raise AnalysisError(
            "every truth-table configuration is positive or a remainder, so every condition "
            "is minimized away; check the truth table (R: 'All truth table configurations are "
            "used')"
        )
    chart = coverage(pis, seeds, deadline)
    t1 = time.perf_counter()
    if route == "ccubes":
        if row_dom:
            keep = row_dominance(chart)
            pis, chart = pis.take(keep), [chart[i] for i in keep]
        initial = ccubes_discovery(pis, k, seeds, deadline)
        order = r_sort(pis, k, initial, deadline)
    else:
        basis = list(pis)
        if extra_onset and _quirk_possible(basis, k):
            onset_only = prime_implicants(extra_onset, forbidden, k, deadline)
            known = set(basis)
            basis += [t for t in onset_only if t not in known]
        onset = seeds + sorted(extra_onset or [])
        if kind == "complex":
            onset = sorted(onset)  # R's pos.matrix: positive and included rows by row number
        order = _qmc_order(basis, k, onset, deadline)
        index = {t: i for i, t in enumerate(pis)}
        order = [index[basis[i]] for i in order if basis[i] in index]
        if row_dom:
            keep = set(row_dominance(chart))
            order = [i for i in order if i in keep]
    pis = pis.take(order)
    chart = [chart[i] for i in order]
    t2 = time.perf_counter()
    time_limit = None if deadline is None else max(0.0, deadline.remaining() * cover_share)
    cover = minimum_covers(chart, len(seeds), max_models=max_models, time_limit=time_limit)
    t3 = time.perf_counter()
    cache = _FitCache()
    models = [
        _model(f"M{i + 1}", [pis[j] for j in m], prob, cache) for i, m in enumerate(cover.models)
    ]
    _mark_essential(models)
    timings = {"prime_implicants": t1 - t0, "sort": t2 - t1, "cover": t3 - t2}
    return Solution(
        kind,
        models,
        pis,
        chart,
        cover.capped,
        cover.found,
        timings,
        complete=cover.complete,
        method=cover.method,
        proven=cover.proven,
        lower_bound=cover.lower_bound,
    )


def _quirk_possible(terms: list[Term], k: int) -> bool:
    """Whether some condition is in every term, the only case where R's sort depends on terms
    that cover don't-care rows only."""
    common = (1 << k) - 1
    for t in terms:
        common &= t.mask
    return common != 0


def _qmc_order(terms: list[Term], k: int, onset: list[int], deadline: Deadline | None) -> list[int]:
    initial = None
    if order_depends_on_discovery(terms, k, deadline):
        initial = qmc_discovery(terms, k, onset, deadline)
    if initial is None:
        initial = sorted(range(len(terms)), key=lambda i: (terms[i].size(), terms[i]))
    return r_sort(terms, k, initial, deadline)


@dataclass
class _FitCache:
    """Term memberships and covered cases, shared by the models of one solution."""

    members: dict[Term, np.ndarray] = field(default_factory=dict)
    groups: dict[Term, tuple[tuple[str, ...], ...]] = field(default_factory=dict)


def _model(name: str, terms: list[Term], prob: Problem, cache: _FitCache) -> Model:
    per_term, (incl, pri, cov) = fit(terms, prob, cache.members)
    fits = []
    for t, (a, b, c, d) in zip(terms, per_term, strict=True):
        if t not in cache.groups:
            cache.groups[t] = case_groups(t, prob)
        fits.append(TermFit(t, expression(t, prob.names), a, b, c, d, cache.groups[t]))
    return Model(name, fits, incl, pri, cov, [False] * len(fits))


def _mark_essential(models: list[Model]) -> None:
    """Flag the terms present in every model and, with several models, list them first."""
    if not models:
        return
    common = set.intersection(*({t.term for t in m.terms} for m in models))
    for m in models:
        flags = [t.term in common for t in m.terms]
        if len(models) > 1:
            pairs = sorted(zip(flags, m.terms, strict=True), key=lambda p: not p[0])
            m.terms = [t for _, t in pairs]
            flags = [f for f, _ in pairs]
        m.essential = flags


def complex_solution(prob: Problem, **kw) -> Solution:
    """The conservative solution: the positive rows only (and, as in R, included
    contradictions as don't-cares)."""
    forbidden = ~row_bitmap(prob.positive + prob.included, prob.k)
    return minimize(
        prob, forbidden, kind="complex", route="qmc", extra_onset=list(prob.included), **kw
    )


def parsimonious_solution(prob: Problem, **kw) -> Solution:
    """Remainders as don't-cares; each model lists its simplifying assumptions."""
    if not prob.forbidden_parsimonious:
        raise AnalysisError(
            "no negative truth-table rows: with the remainders included every condition is "
            "minimized away (R: 'All truth table configurations are used')"
        )
    forbidden = row_bitmap(prob.forbidden_parsimonious, prob.k)
    sol = minimize(prob, forbidden, kind="parsimonious", route="ccubes", **kw)
    positive = row_bitmap(prob.positive, prob.k)
    for m in sol.models:
        inside = cube_rows([t.term for t in m.terms], prob.k) & ~positive
        m.simplifying_assumptions = Rows(np.flatnonzero(inside))
    return sol


def sufficient_and_necessary(model: Model) -> bool:
    """R prints ``<->`` instead of ``->`` when the model's coverage reaches 1 (sol.cov)."""
    return agteb(model.covS, 1.0)
