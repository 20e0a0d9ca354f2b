"""Complex, parsimonious and intermediate solutions with their parameters of fit, simplifying
assumptions, easy and difficult counterfactuals, and core/peripheral conditions
(docs/architecture.md, Method definitions), following R QCA's ``minimize`` wherever those are
silent.

- Complex: prime implicants of the positive rows alone (every other row is forbidden).
- Parsimonious: remainders are don't-cares; negative rows and contradictions are forbidden
  (contradictions become don't-cares with ``include_contradictions``, R's ``include = "C"``).
  A model's simplifying assumptions are the remainders inside its prime implicants.
- Intermediate, for each pair of a complex model Ci and a parsimonious model Pj: a complex term
  c containing a parsimonious term p drops the literals of c not in p that contradict the
  directional expectations; easy counterfactuals are the simplifying assumptions of Pj inside
  a reduced term, the others are difficult; the positive rows and the easy counterfactuals are
  minimized, the chart covering the positive rows only (R's ``C_getEC``).
- Models: every cover with the minimum number of prime implicants, in R's order (prime
  implicants sorted as R sorts them, models lexicographic, M1, M2, ...).
- Core and peripheral (Fiss 2011): in an intermediate term the literals of the parsimonious
  terms contained in it are core. Fiss does not treat several parsimonious models; here, when
  several produced an intermediate model, a literal is core only if it is core for each of them.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np

from ismpanel.analysis.errors import AnalysisError, InputError
from ismpanel.analysis.fsqca import minimize as mz
from ismpanel.analysis.fsqca.rows import Rows
from ismpanel.analysis.fsqca.terms import Term, expression, membership, parse_sop
from ismpanel.analysis.fsqca.truthtable import TruthTable, agteb


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
    prime_implicants: mz.Implicants
    chart: list[int]
    capped: bool = False
    found: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    isol: str | None = None
    complete: bool = True
    method: str = ""
    proven: bool = True
    lower_bound: int = 0


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
    mz.check_size(tt.k)
    forbidden = tt.codes("0") + ([] if include_contradictions else tt.codes("C"))
    included = tuple(tt.codes("C")) if include_contradictions else ()
    cases = {c: r.cases for c, r in tt.rows.items()}
    return Problem(
        tt.conditions, tuple(tt.positive), tuple(sorted(forbidden)), x, y, cases, included
    )


# ---------------------------------------------------------------------------------------------
# parameters of fit


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


def _case_groups(term: Term, prob: Problem) -> tuple[tuple[str, ...], ...]:
    """Cases of the positive rows the term covers, grouped by row (R's 'FI,IE; FR,SE')."""
    return tuple(prob.row_cases[r] for r in prob.positive if term.covers_row(r))


# ---------------------------------------------------------------------------------------------
# minimization


def _bitmap(rows, k: int) -> np.ndarray:
    out = np.zeros(1 << k, dtype=bool)
    out[np.asarray(list(rows), dtype=np.int64)] = True
    return out


def _cube_rows(terms: list[Term], k: int) -> np.ndarray:
    """Boolean map of the rows inside any of the terms."""
    ar = np.arange(1 << k, dtype=np.int64)
    out = np.zeros(1 << k, dtype=bool)
    for t in terms:
        out |= (ar & t.mask) == t.bits
    return out


def _minimize(
    prob: Problem,
    forbidden: np.ndarray,
    *,
    kind: str,
    route: str,
    extra_onset: list[int] | None = None,
    row_dom: bool = False,
    max_models: int = mz.MAX_MODELS,
    deadline: mz.Deadline | None = None,
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
    pis = mz.prime_implicants(seeds, forbidden, k, deadline)
    if (pis.masks == 0).any():
        raise AnalysisError(
            "every truth-table configuration is positive or a remainder, so every condition "
            "is minimized away; check the truth table (R: 'All truth table configurations are "
            "used')"
        )
    chart = mz.coverage(pis, seeds, deadline)
    t1 = time.perf_counter()
    if route == "ccubes":
        if row_dom:
            keep = mz.row_dominance(chart)
            pis, chart = pis.take(keep), [chart[i] for i in keep]
        initial = mz.ccubes_discovery(pis, k, seeds, deadline)
        order = mz.r_sort(pis, k, initial, deadline)
    else:
        basis = list(pis)
        if extra_onset and _quirk_possible(basis, k):
            onset_only = mz.prime_implicants(extra_onset, forbidden, k, deadline)
            known = set(basis)
            basis += [t for t in onset_only if t not in known]
        onset = seeds + sorted(extra_onset or [])
        if kind == "complex":
            onset = sorted(onset)  # R's pos.matrix: positive and included rows by row number
        order = _qmc_order(basis, k, onset, deadline)
        index = {t: i for i, t in enumerate(pis)}
        order = [index[basis[i]] for i in order if basis[i] in index]
        if row_dom:
            keep = set(mz.row_dominance(chart))
            order = [i for i in order if i in keep]
    pis = pis.take(order)
    chart = [chart[i] for i in order]
    t2 = time.perf_counter()
    time_limit = None if deadline is None else max(0.0, deadline.remaining() * cover_share)
    cover = mz.minimum_covers(chart, len(seeds), max_models=max_models, time_limit=time_limit)
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


def _qmc_order(
    terms: list[Term], k: int, onset: list[int], deadline: mz.Deadline | None
) -> list[int]:
    initial = None
    if mz.order_depends_on_discovery(terms, k, deadline):
        initial = mz.qmc_discovery(terms, k, onset, deadline)
    if initial is None:
        initial = sorted(range(len(terms)), key=lambda i: (terms[i].size(), terms[i]))
    return mz.r_sort(terms, k, initial, deadline)


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
            cache.groups[t] = _case_groups(t, prob)
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
    forbidden = ~_bitmap(prob.positive + prob.included, prob.k)
    return _minimize(
        prob, forbidden, kind="complex", route="qmc", extra_onset=list(prob.included), **kw
    )


def parsimonious_solution(prob: Problem, **kw) -> Solution:
    """Remainders as don't-cares; each model lists its simplifying assumptions."""
    if not prob.forbidden_parsimonious:
        raise AnalysisError(
            "no negative truth-table rows: with the remainders included every condition is "
            "minimized away (R: 'All truth table configurations are used')"
        )
    forbidden = _bitmap(prob.forbidden_parsimonious, prob.k)
    sol = _minimize(prob, forbidden, kind="parsimonious", route="ccubes", **kw)
    positive = _bitmap(prob.positive, prob.k)
    for m in sol.models:
        inside = _cube_rows([t.term for t in m.terms], prob.k) & ~positive
        m.simplifying_assumptions = Rows(np.flatnonzero(inside))
    return sol


# ---------------------------------------------------------------------------------------------
# directional expectations and the intermediate solution


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
    on = np.flatnonzero(_cube_rows(sub, kk))
    if len(on) == 1 << kk:
        raise InputError(
            f"{text!r}: the directional expectations cancel each other out", option="dir-exp"
        )
    pis = mz.prime_implicants(on, ~_bitmap(on, kk), kk)
    chart = mz.coverage(pis, on)
    cover = mz.minimum_covers(chart, len(on), max_models=2)
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
    max_models: int = mz.MAX_MODELS,
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
                allowed = _bitmap(list(prob.positive) + list(ec), k)
                try:
                    cache[key] = _minimize(
                        prob,
                        ~allowed,
                        kind="intermediate",
                        route="qmc",
                        extra_onset=list(ec),
                        cover_share=1 / (pairs - done),
                        max_models=per_pair,
                        **kw,
                    )
                except mz.TimeLimitError as err:
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


# ---------------------------------------------------------------------------------------------
# core and peripheral conditions, the configuration table


CORE_RULE = (
    "core = the conditions of a parsimonious term contained in the intermediate term, "
    "peripheral = its other conditions (Fiss 2011); when several parsimonious models produced "
    "the intermediate model, a condition counts as core only if it is core under every one of "
    "them (ismpanel's rule for model ambiguity, which can leave a configuration without a core "
    "condition)"
)


@dataclass(frozen=True)
class Configuration:
    """One column of the Fiss configuration table: a term of one intermediate model
    (``model``, e.g. ``C1P1 M2``), the status of each condition (``core_present``,
    ``peripheral_present``, ``core_absent``, ``peripheral_absent`` or None) and its parameters
    in that model; ``models`` lists every intermediate model that has the term."""

    expression: str
    conditions: dict[str, str | None]
    inclS: float
    covS: float
    covU: float | None
    models: list[str]
    model: str


def core_literals(term: Term, parsimonious_models: list[Model]) -> int:
    """Bits of the term's literals that are core: inside a parsimonious term contained in it,
    for every parsimonious model given."""
    core = term.mask
    for pm in parsimonious_models:
        inside = 0
        for p in pm.terms:
            if p.term.contains(term):
                inside |= p.term.mask
        core &= inside
    return core


def model_label(model: Model) -> str:
    """An intermediate model's name, unique across its groups: first pair and name
    (``C1P1 M2``)."""
    return f"{model.isols[0]} {model.name}"


def configurations(inter: Intermediate, names: tuple[str, ...]) -> list[Configuration]:
    """One configuration per term of each intermediate model, model after model (the table's
    columns C1, C2, ...), with that model's parameters and core conditions."""
    k = len(names)
    having: dict[str, list[str]] = {}
    for m in inter.models:
        for t in m.terms:
            having.setdefault(t.expression, []).append(model_label(m))
    out = []
    for m in inter.models:
        for t in m.terms:
            core = core_literals(t.term, m.parsimonious)
            status: dict[str, str | None] = {}
            for j, name in enumerate(names):
                bit = 1 << (k - 1 - j)
                if not t.term.mask & bit:
                    status[name] = None
                    continue
                level = "core" if core & bit else "peripheral"
                status[name] = f"{level}_{'present' if t.term.bits & bit else 'absent'}"
            out.append(
                Configuration(
                    t.expression,
                    status,
                    t.inclS,
                    t.covS,
                    t.covU,
                    list(having[t.expression]),
                    model_label(m),
                )
            )
    return out


def sufficient_and_necessary(model: Model) -> bool:
    """R prints ``<->`` instead of ``->`` when the model's coverage reaches 1 (sol.cov)."""
    return agteb(model.covS, 1.0)
