"""Intermediate solutions from directional expectations (docs/architecture.md, Method
definitions), as R QCA computes them: for each pair of a complex model Ci and a parsimonious
model Pj, a complex term c containing a parsimonious term p drops the literals of c not in p
that contradict the directional expectations; easy counterfactuals are the simplifying
assumptions of Pj inside a reduced term, the others are difficult; the positive rows and the
easy counterfactuals are minimized, the chart covering the positive rows only (R's
``C_getEC``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ismpanel.analysis.fsqca.budget import TimeLimitError
from ismpanel.analysis.fsqca.chart import coverage
from ismpanel.analysis.fsqca.cover import MAX_MODELS, minimum_covers
from ismpanel.analysis.fsqca.fit import Problem, cube_rows, row_bitmap
from ismpanel.analysis.fsqca.implicants import prime_implicants
from ismpanel.analysis.fsqca.rows import Rows
from ismpanel.analysis.fsqca.solution import Model, Solution, minimize
from ismpanel.analysis.fsqca.terms import Term, parse_sop
from ismpanel.errors import InputError


@dataclass
class Intermediate:
    """Intermediate solutions: one :class:`Solution` per distinct result, with the CiPj pairs
    that gave it (R prints "From C1P1, C2P1:"). ``cut`` says which pairs the time limit left
    unsolved, and in which step (None when every pair was solved)."""

    groups: list[Solution]
    directional: list[Term]
    cut: str | None = None

    @property
    def models(self) -> list[Model]:
        """Every intermediate model, group after group."""
        return [m for g in self.groups for m in g.models]


def parse_directional(text: str, names: tuple[str, ...]) -> list[Term]:
    """Directional expectations as a list of terms (rows of R's ``dir.exp`` matrix): one
    literal per expected condition, conjunctions for conjunctural expectations. Accepts
    ``DEV=1,URB=0,LIT=-`` (named; ``0;1`` means either), ``1,1,-,0,1`` (one per condition, in
    column order) or an expression ``DEV, URB, ~LIT*IND`` (``+`` or ``,`` between terms), which
    is simplified as R does; an empty result or an ambiguous one is an error."""
    raw = text.strip()
    if not raw:
        return []
    if "=" in raw:
        return _named_directional(raw, names)
    tokens = [t.strip() for t in raw.split(",")]
    if all(t and set(t) <= set("01-;") for t in tokens):
        if len(tokens) != len(names):
            raise InputError(
                f"{text!r}: {len(tokens)} expectations for {len(names)} conditions "
                f"({', '.join(names)})",
                option="dir-exp",
            )
        return _values_directional(dict(zip(names, tokens, strict=True)), names, text)
    terms = parse_sop(raw, names, option="dir-exp")
    return _simplify_directional(terms, names, text)


def _named_directional(raw: str, names: tuple[str, ...]) -> list[Term]:
    values: dict[str, str] = {}
    for part in raw.split(","):
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise InputError(
                f"{part.strip()!r}: expected NAME=1, NAME=0 or NAME=-", option="dir-exp"
            )
        if name not in names:
            raise InputError(
                f"{name!r} is not a condition; the conditions are {', '.join(names)}",
                option="dir-exp",
            )
        if name in values:
            raise InputError(f"{name} has two expectations", option="dir-exp")
        values[name] = value
    return _values_directional(values, names, raw)


def _values_directional(values: dict[str, str], names: tuple[str, ...], text: str) -> list[Term]:
    k = len(names)
    out = []
    for name, value in values.items():
        parts = {p.strip() for p in value.split(";")} - {"-", ""}
        if not parts <= {"0", "1"}:
            raise InputError(
                f"{name}={value}: expected 1 (present), 0 (absent), - (none) or 0;1",
                option="dir-exp",
            )
        bit = 1 << (k - 1 - names.index(name))
        for v in sorted(parts):
            out.append(Term(bit, bit if v == "1" else 0))
    out.sort(key=lambda t: (-t.mask, t.bits))
    return out


def _simplify_directional(terms: list[Term], names: tuple[str, ...], text: str) -> list[Term]:
    """R simplifies expression-form expectations (``admisc::simplify``): the minimal
    disjunction of the same set of rows, computed here over the conditions it mentions."""
    singles = all(t.size() == 1 for t in terms)
    masks = [t.mask for t in terms]
    if singles and len(set(masks)) == len(masks):
        return sorted(set(terms), key=lambda t: (-t.mask, t.bits))
    used = 0
    for t in terms:
        used |= t.mask
    k = len(names)
    cols = [j for j in range(k) if used >> (k - 1 - j) & 1]
    kk = len(cols)

    def project(v: int) -> int:
        return sum(((v >> (k - 1 - j)) & 1) << (kk - 1 - i) for i, j in enumerate(cols))

    sub = [Term(project(t.mask), project(t.bits)) for t in terms]
    on = np.flatnonzero(cube_rows(sub, kk))
    if len(on) == 1 << kk:
        raise InputError(
            f"{text!r}: the directional expectations cancel each other out", option="dir-exp"
        )
    pis = prime_implicants(on, ~row_bitmap(on, kk), kk)
    chart = coverage(pis, on)
    cover = minimum_covers(chart, len(on), max_models=2)
    if len(cover.models) > 1:
        raise InputError(f"{text!r}: ambiguous directional expectations", option="dir-exp")
    out = []
    for i in cover.models[0]:
        t = pis[i]
        mask = bits = 0
        for ii, j in enumerate(cols):
            b = 1 << (kk - 1 - ii)
            if t.mask & b:
                mask |= 1 << (k - 1 - j)
                if t.bits & b:
                    bits |= 1 << (k - 1 - j)
        out.append(Term(mask, bits))
    return out


def reduce_term(comp: Term, pars: Term, directional: list[Term], k: int) -> Term:
    """The complex term ``comp`` with the literals it has beyond the parsimonious term ``pars``
    dropped where they contradict the expectations. An expectation (a literal or a
    conjunction) matches when ``comp`` agrees with it on every condition it shares with those
    extra literals; an extra literal on a condition that some expectation names is kept when
    at least one of them matches, else dropped; a condition with no expectation is never
    dropped. Single and conjunctural expectations thus follow one rule.

    R QCA 3.25 (``C_getEC``) resets the term before each conjunctural expectation, so that only
    the last conjunction decides; here every expectation counts (README, "Where this differs
    from R's QCA")."""
    extra = comp.mask & ~pars.mask
    matched = named = 0
    for d in directional:
        shared = extra & d.mask
        named |= shared
        if comp.bits & shared == d.bits & shared:
            matched |= shared
    drop = named & ~matched
    return Term(comp.mask & ~drop, comp.bits & ~drop)


def intermediate_solution(
    prob: Problem,
    complex_sol: Solution,
    pars_sol: Solution,
    directional: list[Term],
    *,
    max_models: int = MAX_MODELS,
    **kw,
) -> Intermediate:
    """The intermediate solution of every (complex model, parsimonious model) pair; identical
    results are grouped as R prints them. Without any expectation (all ``-``) it is the complex
    solution and, as in R, no counterfactual is listed. The pairs still to solve share the time
    left equally, and ``max_models`` models in all (at least one per pair); when the time
    limit stops a pair, the pairs solved so far are kept and ``cut`` names the rest."""
    k = prob.k
    cache: dict[bytes, Solution] = {}
    groups: list[Solution] = []
    by_result: dict[tuple, Solution] = {}
    pairs = len(complex_sol.models) * len(pars_sol.models)
    per_pair = max(1, max_models // pairs)
    for ci, cm in enumerate(complex_sol.models, start=1):
        for pj, pm in enumerate(pars_sol.models, start=1):
            isol = f"C{ci}P{pj}"
            done = (ci - 1) * len(pars_sol.models) + pj - 1
            ec, dc = _counterfactuals(cm, pm, directional, k)
            key = hashlib.blake2b(ec.codes.tobytes(), digest_size=16).digest()
            if key not in cache:
                allowed = row_bitmap(list(prob.positive) + list(ec), k)
                try:
                    cache[key] = minimize(
                        prob,
                        ~allowed,
                        kind="intermediate",
                        route="qmc",
                        extra_onset=list(ec),
                        cover_share=1 / (pairs - done),
                        max_models=per_pair,
                        **kw,
                    )
                except TimeLimitError as err:
                    cut = f"{pairs - done} of {pairs} pairs unsolved from {isol} on ({err.step})"
                    return Intermediate(groups, directional, cut)
            _add_pair(cache[key], isol, pm, ec, dc, by_result, groups)
    return Intermediate(groups, directional)


def _counterfactuals(cm: Model, pm: Model, directional: list[Term], k: int) -> tuple[Rows, Rows]:
    """The easy and the difficult counterfactuals of a (complex model, parsimonious model)
    pair: the parsimonious model's simplifying assumptions inside a reduced complex term, and
    the others."""
    reduced = [
        reduce_term(c.term, p.term, directional, k)
        for c in cm.terms
        for p in pm.terms
        if p.term.contains(c.term)
    ]
    sa = pm.simplifying_assumptions.codes if directional else np.zeros(0, dtype=np.int64)
    easy = np.zeros(len(sa), dtype=bool)
    for t in reduced:
        easy |= (sa & t.mask) == t.bits
    return Rows(sa[easy]), Rows(sa[~easy])


def _add_pair(
    base: Solution,
    isol: str,
    pm: Model,
    ec: Rows,
    dc: Rows,
    by_result: dict[tuple, Solution],
    groups: list[Solution],
) -> None:
    """Record the pair ``isol``'s models: with the group that has the same models, or as a new
    group (its models copied, since each group keeps its own pairs and counterfactuals)."""
    result = tuple(m.expression for m in base.models)
    if result in by_result:
        for m in by_result[result].models:
            m.isols.append(isol)
            m.parsimonious.append(pm)
            m.counterfactuals[isol] = (ec, dc)
        return
    models = []
    for m in base.models:
        copy = Model(m.name, list(m.terms), m.inclS, m.PRI, m.covS, list(m.essential))
        copy.easy_counterfactuals = ec
        copy.difficult_counterfactuals = dc
        copy.isols = [isol]
        copy.parsimonious = [pm]
        copy.counterfactuals[isol] = (ec, dc)
        models.append(copy)
    group = Solution(
        "intermediate",
        models,
        base.prime_implicants,
        base.chart,
        base.capped,
        base.found,
        dict(base.timings),
        isol,
        base.complete,
        base.method,
        base.proven,
        base.lower_bound,
    )
    by_result[result] = group
    groups.append(group)
