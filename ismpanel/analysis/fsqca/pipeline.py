"""The whole fsQCA analysis of one data set in one call: calibration, the exact-0.5 check,
truth table, necessity, the requested solutions and the configuration table, with timings and
notes for the user. Pure: the caller reads the file and renders the result."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from ismpanel.analysis.fsqca import calibrate as cal
from ismpanel.analysis.fsqca import solution as sol
from ismpanel.analysis.fsqca.budget import Deadline, TimeLimitError
from ismpanel.analysis.fsqca.configuration import Configuration, check_rule, configurations
from ismpanel.analysis.fsqca.cover import MAX_MODELS
from ismpanel.analysis.fsqca.data import Dataset, check_not_constant
from ismpanel.analysis.fsqca.fit import Problem, problem
from ismpanel.analysis.fsqca.implicants import check_size
from ismpanel.analysis.fsqca.intermediate import (
    Intermediate,
    intermediate_solution,
    parse_directional,
)
from ismpanel.analysis.fsqca.necessity import DEFAULT_THRESHOLD, Necessity, necessity
from ismpanel.analysis.fsqca.truthtable import TruthTable, require_positive, truth_table
from ismpanel.errors import AnalysisError, InputError

SOLUTION_CHOICES = ("complex", "parsimonious", "intermediate", "all")
MAX_PAIRS = 16
TIME_LIMIT = 50.0  # seconds for the whole minimization: the run stays within 60 s


@dataclass(frozen=True)
class Options:
    """Everything that shapes one analysis; defaults are R QCA's (incl.cut 1, n.cut 1,
    pri.cut 0) and this tool's (necessity threshold 0.9, exact-0.5 cases kept out of rows)."""

    outcome: str
    calibration: cal.CalibrationSpec = field(default_factory=cal.CalibrationSpec)
    incl_cut: tuple[float, ...] = (1.0,)
    n_cut: int = 1
    pri_cut: float = 0.0
    solution: str = "all"
    dir_exp: str | None = None
    necessity_cut: float = DEFAULT_THRESHOLD
    half: str = "keep"
    row_dom: bool = False
    include_contradictions: bool = False
    max_models: int = MAX_MODELS
    max_pairs: int = MAX_PAIRS
    time_limit: float | None = TIME_LIMIT
    core_rule: str = "all"  # configuration.RULES: core under all or any parsimonious models


@dataclass
class Result:
    """Everything the analysis produced, for rendering and JSON."""

    conditions: tuple[str, ...]
    outcome: str
    negated: bool
    case_ids: list[str]
    calibration: dict[str, cal.Calibrated]
    convention: str
    x: np.ndarray
    y: np.ndarray
    truth_table: TruthTable
    necessity: list[Necessity]
    solutions: dict[str, sol.Solution]
    intermediate: Intermediate | None
    configurations: list[Configuration]
    options: Options
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    pairs_capped: bool = False
    missing: dict[str, str] = field(default_factory=dict)  # solution kind -> why it is absent
    cut: str | None = None  # the step the time limit cut, when it cut one

    @property
    def outcome_label(self) -> str:
        """The outcome as analysed, ``~Y`` for the negation."""
        return ("~" if self.negated else "") + self.outcome


def run(
    data: Dataset,
    conditions: list[str],
    outcome: str,
    options: Options,
    deadline: Deadline | None = None,
) -> Result:
    """Run the analysis of ``outcome`` (a column name; ``options.outcome`` may carry ``~``)
    on the named condition columns, within ``deadline`` (default: ``options.time_limit``
    seconds from now; reruns share one)."""
    t0 = time.perf_counter()
    if deadline is None and options.time_limit is not None:
        deadline = Deadline.after(options.time_limit)
    if options.solution not in SOLUTION_CHOICES:
        raise InputError(
            f"{options.solution!r}: expected one of {', '.join(SOLUTION_CHOICES)}",
            option="solution",
        )
    if options.half not in cal.HALF_REMEDIES:
        raise InputError(
            f"{options.half!r}: expected one of {', '.join(cal.HALF_REMEDIES)}", option="half"
        )
    check_rule(options.core_rule)
    if options.max_models < 1:
        raise InputError("must be at least 1", option="max-models")
    check_size(len(conditions))
    negated = options.outcome.strip().startswith("~")
    spec = options.calibration
    unknown = [c for c in spec.columns if c not in data.columns]
    if unknown:
        raise InputError(
            f"the calibration names {', '.join(unknown)}, which is not a condition or the outcome "
            f"of this analysis ({', '.join([*conditions, outcome])})",
            option="calibrate",
        )
    notes: list[str] = []
    calibrated: dict[str, cal.Calibrated] = {}
    for name in [*conditions, outcome]:
        raw = data.columns[name]
        calibrated[name] = cal.calibrate_column(
            name, raw, spec.columns.get(name), spec.convention, data.case_ids
        )
    for name in conditions:
        check_not_constant(name, calibrated[name].values, "condition")
    check_not_constant(outcome, calibrated[outcome].values, "outcome")
    x = np.column_stack([calibrated[c].values for c in conditions])
    halves = [
        (data.case_ids[i], c)
        for j, c in enumerate(conditions)
        for i in np.flatnonzero(cal.half_cases(x[:, j]))
    ]
    if halves:
        shown = ", ".join(f"{case} in {cond}" for case, cond in halves[:8])
        more = f" and {len(halves) - 8} more" if len(halves) > 8 else ""
        if options.half == "keep":
            notes.append(
                f"warning: membership of exactly 0.5 ({shown}{more}): such a case belongs to no "
                "truth-table row (it still counts in every sum); --half up or --half down "
                "shifts it to 0.501 or 0.499"
            )
        else:
            value = "0.501" if options.half == "up" else "0.499"
            notes.append(f"membership of exactly 0.5 shifted to {value} ({shown}{more})")
        for j in range(x.shape[1]):
            x[:, j] = cal.apply_half_remedy(x[:, j], options.half)
    y = calibrated[outcome].values.copy()
    if negated:
        y = 1.0 - y
    label = ("~" if negated else "") + outcome
    names = tuple(conditions)
    t1 = time.perf_counter()
    tt = truth_table(
        x,
        y,
        names,
        label,
        data.case_ids,
        incl_cut=options.incl_cut,
        n_cut=options.n_cut,
        pri_cut=options.pri_cut,
    )
    t2 = time.perf_counter()
    nec = necessity(x, y, names, options.necessity_cut)
    result = Result(
        names,
        outcome,
        negated,
        data.case_ids,
        calibrated,
        spec.convention,
        x,
        y,
        tt,
        nec,
        {},
        None,
        [],
        options,
        notes,
        {"calibration": t1 - t0, "truth_table": t2 - t1},
    )
    _solve(result, options, deadline)
    result.timings["total"] = time.perf_counter() - t0
    return result


def _solve(result: Result, options: Options, deadline: Deadline | None) -> None:
    """Every requested solution, all within one time budget (``deadline``): a chart still
    unproven when it runs out reports its best cover and lower bound, and a step cut before it
    had a result leaves its solution out with a note saying which step the limit cut (an
    error only when no solution at all was found). With ``--solution all``, a parsimonious or
    intermediate solution that cannot be found is noted, not an error."""
    wanted = options.solution
    directional = None
    if options.dir_exp is not None and options.dir_exp.strip():
        directional = parse_directional(options.dir_exp, result.conditions)
    if wanted == "intermediate" and directional is None:
        raise InputError(
            "the intermediate solution needs directional expectations, e.g. "
            '--dir-exp "DEV=1,URB=1" or --dir-exp "DEV, URB, ~LIT*IND"',
            option="dir-exp",
        )
    require_positive(result.truth_table)
    prob = problem(result.truth_table, result.x, result.y, options.include_contradictions)
    kw = {
        "row_dom": options.row_dom,
        "max_models": options.max_models,
        "deadline": deadline,
    }
    need_inter = directional is not None and wanted in ("intermediate", "all")
    need_complex = wanted in ("complex", "all") or need_inter
    need_pars = wanted in ("parsimonious", "all") or need_inter
    try:
        if need_complex:  # each solution's cover may use its share of the time left
            share = 1 / (1 + need_pars + need_inter)
            result.solutions["complex"] = sol.complex_solution(prob, cover_share=share, **kw)
        if need_pars:
            try:
                share = 1 / (1 + need_inter)
                result.solutions["parsimonious"] = sol.parsimonious_solution(
                    prob, cover_share=share, **kw
                )
            except TimeLimitError:
                raise
            except AnalysisError as err:
                if wanted != "all":
                    raise
                result.notes.append(f"no parsimonious or intermediate solution: {err}")
                result.missing["parsimonious"] = str(err)
                if need_inter:
                    result.missing["intermediate"] = f"no parsimonious solution: {err}"
                need_inter = False
        if need_inter:
            try:
                _intermediate(result, prob, directional, options, kw)
            except TimeLimitError:
                raise
            except AnalysisError as err:
                if wanted != "all":
                    raise
                result.notes.append(f"no intermediate solution: {err}")
                result.missing["intermediate"] = str(err)
        elif wanted == "all" and directional is None:
            result.notes.append(
                "no intermediate solution: give directional expectations with --dir-exp"
            )
    except TimeLimitError as err:
        _cut(result, err, need_complex, need_pars, need_inter)
    _solution_notes(result, options, deadline)


def _cut(
    result: Result, err: TimeLimitError, need_complex: bool, need_pars: bool, need_inter: bool
) -> None:
    """Record that the time limit cut a step before its solution had a cover: the solutions
    not found are missing, and a note says which step was cut and what the output holds.
    Without any solution this is the error itself."""
    wanted = [
        kind
        for kind, need in (
            ("complex", need_complex),
            ("parsimonious", need_pars),
            ("intermediate", need_inter),
        )
        if need
    ]
    lost = [k for k in wanted if k not in result.solutions and k != "intermediate"]
    if need_inter and result.intermediate is None:
        lost.append("intermediate")
    if not result.solutions:
        raise err
    step = f"{err.step} of the {lost[0]} solution"
    result.cut = step
    for kind in lost:
        result.missing[kind] = f"the time limit of {err.seconds:g} s ran out while {step}"
    held = ", ".join(result.solutions)
    result.notes.append(
        f"warning: the time limit of {err.seconds:g} s ran out while {step}: no "
        f"{' or '.join(lost)} solution; the output holds the truth table, necessity and the "
        f"{held} solution{'s' if len(result.solutions) > 1 else ''} (raise --time-limit)"
    )


def _solution_notes(result: Result, options: Options, deadline: Deadline | None) -> None:
    """Notes on the solutions found: unproven minimum, capped model lists, pairs cut."""
    inter = result.intermediate
    if inter is not None and inter.cut is not None:
        result.cut = f"intermediate solution: {inter.cut}"
        result.notes.append(
            f"warning: the time limit ran out in the intermediate solution: {inter.cut}; "
            "the models of the pairs solved are reported (raise --time-limit)"
        )
    solved = list(result.solutions.items())
    if inter is not None:
        solved += [(f"intermediate ({g.isol})", g) for g in inter.groups]
    for kind, s in solved:
        if not s.proven:
            budget = deadline.seconds if deadline is not None else options.time_limit
            result.notes.append(
                f"warning: {kind} solution not proven minimal within the time limit "
                f"({budget:g} s for the whole analysis): the models have "
                f"{len(s.models[0].terms)} terms, "
                f"and no model has fewer than {s.lower_bound} (raise --time-limit)"
            )
        if s.capped:
            result.notes.append(_capped_note(kind, s))


def _intermediate(
    result: Result, prob: Problem, directional: list, options: Options, kw: dict
) -> None:
    """The intermediate solution for at most ``--max-pairs`` pairs of complex and
    parsimonious models, and its configuration table."""
    cs, ps = result.solutions["complex"], result.solutions["parsimonious"]
    pairs = len(cs.models) * len(ps.models)
    if pairs > options.max_pairs:
        keep_c = max(1, min(len(cs.models), options.max_pairs))
        keep_p = max(1, options.max_pairs // keep_c)
        cs = replace(cs, models=cs.models[:keep_c])
        ps = replace(ps, models=ps.models[:keep_p])
    result.intermediate = intermediate_solution(prob, cs, ps, directional, **kw)
    result.configurations = configurations(
        result.intermediate, result.conditions, options.core_rule
    )
    if pairs > options.max_pairs:
        result.pairs_capped = True
        result.notes.append(
            f"intermediate solutions computed for {len(cs.models) * len(ps.models)} of {pairs} "
            "pairs of complex and parsimonious models (--max-pairs)"
        )


def _capped_note(kind: str, s: sol.Solution) -> str:
    count = f"{s.found}" if s.complete else f"at least {s.found}"
    size = "minimal" if s.proven else "equally small"
    return (
        f"{kind} solution: {count} {size} models; only the first {len(s.models)} are "
        "reported (--max-models)"
        + (
            ""
            if s.complete
            else "; the list is not R's first models, since not all were enumerated"
        )
    )
