"""The set-theoretic quantities of Oana and Schneider's robustness test protocol (2021, "A
Robustness Test Protocol for Applied QCA", Sociological Methods & Research; R SetMethods'
``rob.fit``, ``rob.corefit``, ``rob.singletest``, ``rob.cases``, ``cases.suf.typ`` and
``cases.suf.dcv``), on memberships: the initial solution IS, the test solutions TS1..TSn, the
minimal and maximal test sets (their intersection and union), the robust core RC = IS * TS1 *
... * TSn (also as a Boolean expression), set coincidence and the robustness fit parameters.

One deliberate difference: SetMethods' ``rob.fit`` builds the minimal and maximal test sets
from the first and the last test solution only (its loops run over ``length(test_sol)``, a
single index); here every test solution enters them, as the protocol defines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ismpanel.analysis.fsqca.terms import Term, membership

MAX_PRODUCTS = 5000  # conjunctions in one step of the robust core's expansion


def solution_membership(terms: Sequence[Term], x: np.ndarray) -> np.ndarray:
    """Membership of each case in a sum of terms: the maximum over its terms (0 for none)."""
    out = np.zeros(x.shape[0])
    for t in terms:
        out = np.maximum(out, membership(t, x))
    return out


def set_coincidence(a: np.ndarray, b: np.ndarray) -> float:
    """Set coincidence of two sets, sum(min(a, b)) / sum(max(a, b)) (1 when both are empty)."""
    top = float(np.maximum(a, b).sum())
    return float(np.minimum(a, b).sum()) / top if top > 0 else 1.0


def consistency(s: np.ndarray, y: np.ndarray) -> float:
    """Sufficiency consistency of S for Y, sum(min(S, Y)) / sum(S) (NaN for an empty S)."""
    total = float(s.sum())
    return float(np.minimum(s, y).sum()) / total if total > 0 else float("nan")


def coverage(s: np.ndarray, y: np.ndarray) -> float:
    """Sufficiency coverage of S for Y, sum(min(S, Y)) / sum(Y)."""
    total = float(y.sum())
    return float(np.minimum(s, y).sum()) / total if total > 0 else float("nan")


@dataclass(frozen=True)
class RobustFit:
    """SetMethods' ``rob.fit``: RF_cov = cov(RC) / cov(IS), RF_cons = cons(IS) / cons(RC),
    RF_SC_minTS = SC(IS, TSmin), RF_SC_maxTS = SC(IS, TSmax)."""

    rf_cov: float
    rf_cons: float
    rf_sc_min: float
    rf_sc_max: float


def robustness_fit(initial: np.ndarray, tests: Sequence[np.ndarray], y: np.ndarray) -> RobustFit:
    """The robustness fit parameters of the initial solution's memberships against those of
    the test solutions (at least one), for the outcome memberships ``y``."""
    ts_min = np.minimum.reduce([*tests])
    ts_max = np.maximum.reduce([*tests])
    core = np.minimum(initial, ts_min)
    return RobustFit(
        coverage(core, y) / coverage(initial, y),
        consistency(initial, y) / consistency(core, y),
        set_coincidence(initial, ts_min),
        set_coincidence(initial, ts_max),
    )


def conjoin(a: Term, b: Term) -> Term | None:
    """The conjunction of two terms, None when it is contradictory (``A*~A``)."""
    common = a.mask & b.mask
    if (a.bits ^ b.bits) & common:
        return None
    return Term(a.mask | b.mask, a.bits | b.bits)


def absorb(terms: Sequence[Term]) -> list[Term]:
    """The terms no other term contains (``A + A*B`` is ``A``), shortest first, then in
    order."""
    unique = sorted(set(terms), key=lambda t: (t.size(), -t.mask, -t.bits))
    kept: list[Term] = []
    for t in unique:
        if not any(k.contains(t) for k in kept):
            kept.append(t)
    return kept


def intersect(a: Sequence[Term], b: Sequence[Term]) -> list[Term]:
    """The intersection of two sums of terms as a sum of terms (distributed, absorbed)."""
    found = [c for s in a for t in b if (c := conjoin(s, t)) is not None]
    return absorb(found)


def robust_core(solutions: Sequence[Sequence[Term]]) -> tuple[list[Term], bool]:
    """The intersection of every solution given (the initial one first) as a sum of terms,
    and whether it could be written: an expansion of more than :data:`MAX_PRODUCTS`
    conjunctions in one step gives ``([], False)`` and the caller has only the
    memberships."""
    core = absorb(solutions[0])
    for s in solutions[1:]:
        if len(core) * len(s) > MAX_PRODUCTS:
            return [], False
        core = intersect(core, s)
    return core, True


CASE_TYPES = {
    "robust_typical": "in IS and in every test solution (IS*TSmin > 0.5), Y > 0.5",
    "robust_deviant": "in IS and in every test solution (IS*TSmin > 0.5), Y < 0.5",
    "shaky_typical": "in IS but not in every test solution (IS*~TSmin > 0.5), Y > 0.5",
    "shaky_deviant": "in IS but not in every test solution (IS*~TSmin > 0.5), Y < 0.5",
    "possible_typical": "not in IS but in some test solution (~IS*TSmax > 0.5), Y > 0.5",
    "possible_deviant": "not in IS but in some test solution (~IS*TSmax > 0.5), Y < 0.5",
}


def case_types(
    initial: np.ndarray, tests: Sequence[np.ndarray], y: np.ndarray, ids: Sequence[str]
) -> dict[str, list[str]]:
    """SetMethods' ``rob.cases``: the cases of each robustness case type (:data:`CASE_TYPES`)."""
    ts_min = np.minimum.reduce([*tests])
    ts_max = np.maximum.reduce([*tests])
    sets = {
        "robust": np.minimum(initial, ts_min),
        "shaky": np.minimum(initial, 1 - ts_min),
        "possible": np.minimum(1 - initial, ts_max),
    }
    out: dict[str, list[str]] = {}
    for name, s in sets.items():
        out[f"{name}_typical"] = [ids[i] for i in np.flatnonzero((s > 0.5) & (y > 0.5))]
        out[f"{name}_deviant"] = [ids[i] for i in np.flatnonzero((s > 0.5) & (y < 0.5))]
    return {k: out[k] for k in CASE_TYPES}


def typical_cases(term: np.ndarray, y: np.ndarray, ids: Sequence[str]) -> list[str]:
    """SetMethods' ``cases.suf.typ``: X > 0.5, Y > 0.5 and X <= Y, the most typical first
    (smallest (Y - X) + (1 - X))."""
    hit = np.flatnonzero((term > 0.5) & (y > 0.5) & (term <= y))
    order = sorted(hit, key=lambda i: ((y[i] - term[i]) + (1 - term[i]), i))
    return [ids[i] for i in order]


def deviant_cases(term: np.ndarray, y: np.ndarray, ids: Sequence[str]) -> list[str]:
    """SetMethods' ``cases.suf.dcv`` (deviant in consistency in kind): X > 0.5 and Y < 0.5,
    the most deviant (highest X) first."""
    hit = np.flatnonzero((term > 0.5) & (y < 0.5))
    return [ids[i] for i in sorted(hit, key=lambda i: (-term[i], i))]
