"""Robustness of the configurations (Oana and Schneider's protocol, R SetMethods and qcaERT):
the sensitivity range of each threshold and calibration anchor (:mod:`ranges`), alternative
analyses under the neighbouring choices that bind in practice (consistency, PRI and frequency
cut, the exact-0.5 rule, the log-odds convention, shifted crossovers), the robust core they
share with the initial solution, set coincidence and the robustness fit parameters
(:mod:`robust_fit`), typical and deviant cases, leave-one-case-out stability, and a verdict per
configuration naming the choices it depends on. Reruns share one time budget and one memo of
truth tables (:mod:`reruns`): a rerun whose table is coded as one seen before costs no
minimization."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from ismpanel.analysis.fsqca import calibrate as cal
from ismpanel.analysis.fsqca import pipeline
from ismpanel.analysis.fsqca import robust_fit as rf
from ismpanel.analysis.fsqca.budget import Deadline
from ismpanel.analysis.fsqca.data import Dataset
from ismpanel.analysis.fsqca.ranges import Range, anchor_ranges, same, threshold_ranges
from ismpanel.analysis.fsqca.reruns import (
    NOT_RUN,
    Formula,
    Reruns,
    formula_of,
    leave_one_out,
    primary_kind,
)
from ismpanel.analysis.fsqca.terms import Term, expression

STEP = 0.05  # the consistency and PRI cut alternatives: the cut-off 0.05 lower and higher
CROSSOVER_SHIFT = 0.05  # of each condition's observed range, for the crossover alternatives
HALF_NAMES = {"keep": "keep (in no row)", "up": "up (0.501)", "down": "down (0.499)"}
HALF_PHRASES = {
    "keep": "with exact-0.5 memberships in no row",
    "up": "with exact-0.5 memberships shifted up (0.501)",
    "down": "with exact-0.5 memberships shifted down (0.499)",
}
CHOICES = {
    "incl_cut": "the consistency cut",
    "pri_cut": "the PRI cut",
    "n_cut": "the frequency cut",
    "half": "the 0.5 rule",
    "convention": "the log-odds convention",
    "crossover": "the crossover position",
}


@dataclass(frozen=True)
class Alternative:
    """One alternative analysis: the choice it changes, how (``label``, and ``phrase`` for a
    sentence: "at PRI cut 0.75"), the models of its solution or why it has none, whether
    its formula differs from the initial one (None when not established), why either lists
    only some of its models (``unsettled``: then a term missing from this alternative's list
    is not established as missing), and its set coincidence with the initial solution (first
    models; None without a solution)."""

    choice: str
    label: str
    phrase: str
    models: list[str]
    terms: list[str]
    error: str | None
    changed: bool | None
    coincidence: float | None
    unsettled: str | None = None

    @property
    def ran(self) -> bool:
        """Whether the alternative was run (not left out by the time limit)."""
        return self.error != NOT_RUN


@dataclass(frozen=True)
class ConfigurationRobustness:
    """One configuration (a term of the initial solution; ``label`` its columns in the
    configuration table): the alternatives without an identical term, its share of the
    leave-one-out runs that keep it (of ``loo_runs``), and its typical and deviant cases.
    ``unsettled`` are the alternatives whose listed models lack the term but which may have
    more models, and ``undecided`` why no comparison is established at all (the initial
    solution's models are not all listed)."""

    label: str
    expression: str
    lost: list[Alternative]
    loo_share: float | None
    typical: list[str]
    deviant: list[str]
    tested: int = 0  # alternative analyses that ran
    unsettled: list[Alternative] = field(default_factory=list)
    undecided: str | None = None
    loo_runs: int = 0  # leave-one-out runs that finished and establish whether it is kept

    @property
    def robust(self) -> bool:
        """Whether every alternative analysis that ran (one at least) has this term, as
        established from complete model lists."""
        return self.tested > 0 and not self.lost and not self.unsettled and not self.undecided

    def reasons(self) -> list[str]:
        """The choices the configuration depends on, in words: "disappears at PRI cut 0.75",
        "depends on the 0.5 rule: disappears with exact-0.5 memberships shifted down (0.499)"."""
        out = []
        for choice in CHOICES:
            gone = [a for a in self.lost if a.choice == choice]
            if not gone:
                continue
            if choice in ("half", "convention"):
                phrases = join_words(a.phrase for a in gone)
                out.append(f"depends on {CHOICES[choice]}: disappears {phrases}")
            else:
                out.append(f"disappears {join_words(a.phrase for a in gone)}")
        return out

    def left_out(self) -> list[str]:
        """The alternatives left out of the verdict, with why: "at PRI cut 0.75 (the
        parsimonious solution has more than 100 models)"."""
        return [f"{a.phrase} ({a.unsettled})" for a in self.unsettled]

    def verdict(self) -> str:
        """``robust``, ``not robust`` or ``not established as robust``, with the reasons."""
        if not self.tested:
            return "not tested: no alternative analysis ran"
        if self.undecided:
            return f"not established as robust: {self.undecided}"
        left = self.left_out()
        if self.robust:
            return "robust: in every alternative analysis that ran"
        if not self.lost:
            return (
                "not established as robust: in every other alternative analysis that ran, "
                f"but not among the models listed {join_words(left)}"
            )
        text = "not robust: " + "; ".join(self.reasons())
        return text + (f"; not established {join_words(left)}" if left else "")


@dataclass(frozen=True)
class Robustness:
    """The whole robustness analysis of one fsQCA result (see the module docstring)."""

    solution: str
    base_models: list[str]
    base_terms: list[str]
    ranges: list[Range]
    alternatives: list[Alternative]
    core: list[str]
    core_whole: bool
    fit: rf.RobustFit | None
    case_types: dict[str, list[str]]
    configurations: list[ConfigurationRobustness]
    loo_runs: int
    loo_cases: int
    reruns: int
    minimizations: int
    seconds: float
    cut: str | None

    def binding(self) -> list[str]:
        """The choices some alternative of which changes the formula, in :data:`CHOICES`
        order."""
        return [c for c in CHOICES if any(a.changed and a.choice == c for a in self.alternatives)]


def join_words(items) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _alternatives(
    options: pipeline.Options, result: pipeline.Result, data: Dataset
) -> list[tuple[str, str, str, pipeline.Options]]:
    """(choice, label, phrase, options) of each alternative analysis."""
    out = []
    ic = options.incl_cut
    for delta in (-STEP, STEP):
        v = round(ic[0] + delta, 10)
        if 0 < v <= 1:
            opts = replace(options, incl_cut=(v, *[min(c, v) for c in ic[1:]]))
            out.append(("incl_cut", f"consistency cut {v:g}", f"at consistency cut {v:g}", opts))
    for delta in (-STEP, STEP):
        v = round(options.pri_cut + delta, 10)
        if 0 <= v <= 1:
            opts = replace(options, pri_cut=v)
            out.append(("pri_cut", f"PRI cut {v:g}", f"at PRI cut {v:g}", opts))
    for n in (options.n_cut - 1, options.n_cut + 1):
        if 1 <= n <= len(data.case_ids):
            opts = replace(options, n_cut=n)
            out.append(("n_cut", f"frequency cut {n}", f"at frequency cut {n}", opts))
    if any(cal.half_cases(result.calibration[c].values).any() for c in result.conditions):
        for half in HALF_NAMES:
            if half != options.half:
                name = HALF_NAMES[half]
                opts = replace(options, half=half)
                out.append(("half", f"0.5 rule {name}", HALF_PHRASES[half], opts))
    if any(c.method == "direct" for c in result.calibration.values()):
        other = "fsqca" if options.calibration.convention == "r" else "r"
        spec = cal.CalibrationSpec(options.calibration.columns, other)
        opts = replace(options, calibration=spec)
        label = f"convention {other}"
        out.append(("convention", label, f"with the {other} convention", opts))
    for sign, word in ((-1, "lower"), (1, "higher")):
        columns = dict(options.calibration.columns)
        for name in result.conditions:
            c = result.calibration[name]
            span = float(data.columns[name].max() - data.columns[name].min())
            if c.method != "direct" or span <= 0:
                continue
            e, m, i = c.anchors
            m2 = m + sign * CROSSOVER_SHIFT * span
            if e < m2 < i or e > m2 > i:
                columns[name] = cal.Anchor("direct", (e, m2, i))
        if columns != options.calibration.columns:
            spec = cal.CalibrationSpec(columns, options.calibration.convention)
            share = f"{CROSSOVER_SHIFT:.0%}"
            label = f"crossovers {share} {word}"
            phrase = f"with every crossover {share} of its range {word}"
            out.append(("crossover", label, phrase, replace(options, calibration=spec)))
    return out


def _first(f: Formula) -> tuple[Term, ...]:
    """The first model's terms (SetMethods reads a solution's first model), none for none."""
    return f.models[0] if f.models else ()


def _labels(result: pipeline.Result, kind: str, terms: list[str]) -> dict[str, str]:
    """The configuration-table columns (C1, C2, ...) of each term of the intermediate
    solution; the term itself for the other solutions."""
    if kind != "intermediate":
        return {t: t for t in terms}
    cols: dict[str, list[str]] = {}
    for i, c in enumerate(result.configurations, start=1):
        cols.setdefault(c.expression, []).append(f"C{i}")
    return {t: ", ".join(cols.get(t, [t])) for t in terms}


def _without(data: Dataset, i: int) -> Dataset:
    """The data without case ``i``."""
    keep = np.ones(len(data.case_ids), dtype=bool)
    keep[i] = False
    return Dataset(
        [c for j, c in enumerate(data.case_ids) if j != i],
        {k: v[keep] for k, v in data.columns.items()},
        [r for j, r in enumerate(data.rows) if j != i],
        data.dropped,
    )


def robustness(
    data: Dataset,
    conditions: list[str],
    outcome: str,
    options: pipeline.Options,
    base: pipeline.Result,
    deadline: Deadline | None = None,
    loo: bool = True,
) -> Robustness:
    """The robustness analysis of ``base`` (the result of ``options`` on ``data``), within
    ``deadline`` (default: ``options.time_limit`` seconds from now): alternatives first, then
    the sensitivity ranges, then (``loo``) leave-one-case-out runs; what the time limit left
    out is named in ``cut``."""
    t0 = time.perf_counter()
    if deadline is None and options.time_limit is not None:
        deadline = Deadline.after(options.time_limit)
    kind = primary_kind(base)
    names = base.conditions
    initial = formula_of(base, kind)
    reruns = Reruns(data, list(conditions), outcome, kind, deadline)
    reruns.remember(base.truth_table, initial)

    def text(f: Formula) -> str:
        if f.error:
            return f.error
        return " | ".join(" + ".join(expression(t, names) for t in m) for m in f.models)

    x0, y0 = base.x, base.y
    is_m = rf.solution_membership(_first(initial), x0)
    alternatives, tests, test_terms = [], [], []
    for choice, label, phrase, opts in _alternatives(options, base, data):
        found, tab = reruns.run(data, opts)
        kept = same(found, initial)
        sc = None
        if not found.error and tab is not None:
            ts_m = rf.solution_membership(_first(found), tab.x)
            sc = rf.set_coincidence(is_m, ts_m)
            tests.append(ts_m)
            test_terms.append(list(_first(found)))
        alternatives.append(
            Alternative(
                choice,
                label,
                phrase,
                [] if found.error else text(found).split(" | "),
                [expression(t, names) for t in found.terms],
                found.error,
                None if found.ran and kept is None else found.ran and not kept,
                sc,
                (initial.partial or found.partial) if found.ran else None,
            )
        )
    core, whole = rf.robust_core([list(_first(initial)), *test_terms])
    fit = rf.robustness_fit(is_m, tests, y0) if tests else None
    types = rf.case_types(is_m, tests, y0, base.case_ids) if tests else {}
    ranges = threshold_ranges(data, options, initial, reruns, text)
    conds = list(conditions)
    ranges += anchor_ranges(data, options, base.calibration, conds, initial, reruns, text)
    base_terms = [expression(t, names) for t in initial.terms]
    kept, judged_runs = dict.fromkeys(base_terms, 0), dict.fromkeys(base_terms, 0)
    loo_runs = 0
    if loo:
        calibrated = Dataset(
            base.case_ids,
            {name: base.calibration[name].values for name in [*conditions, outcome]},
            data.rows,
            data.dropped,
        )
        as_is = cal.CalibrationSpec(
            dict.fromkeys([*conditions, outcome], cal.Anchor("calibrated")),
            options.calibration.convention,
        )
        loo_options = replace(options, calibration=as_is)
        for i, tab in leave_one_out(x0, y0):
            if reruns.out_of_time():
                break
            found, _ = reruns.run(_without(calibrated, i), loo_options, tab)
            if not found.ran:  # only the runs that finished count
                continue
            loo_runs += 1
            present = {expression(t, names) for t in found.terms}
            for t in kept:  # missing from a partial list: not established, not counted
                kept[t] += t in present
                judged_runs[t] += t in present or not found.partial
    labels = _labels(base, kind, base_terms)
    configs = []
    for term, t in zip(base_terms, initial.terms, strict=True):
        member = rf.solution_membership([t], x0)
        missing = [a for a in alternatives if a.ran and term not in a.terms]
        judged = [] if initial.partial else missing
        configs.append(
            ConfigurationRobustness(
                labels[term],
                term,
                [a for a in judged if not a.unsettled],
                kept[term] / judged_runs[term] if judged_runs[term] else None,
                rf.typical_cases(member, y0, base.case_ids),
                rf.deviant_cases(member, y0, base.case_ids),
                sum(a.ran for a in alternatives),
                [a for a in judged if a.unsettled],
                initial.partial,
                judged_runs[term],
            )
        )
    cut = _cut(alternatives, ranges, loo_runs if loo else None, len(data.case_ids))
    return Robustness(
        kind,
        text(initial).split(" | ") if not initial.error else [],
        base_terms,
        ranges,
        alternatives,
        [expression(t, names) for t in core],
        whole,
        fit,
        types,
        configs,
        loo_runs,
        len(data.case_ids) if loo else 0,
        reruns.reruns,
        reruns.minimizations,
        time.perf_counter() - t0,
        cut,
    )


def _cut(
    alternatives: list[Alternative], ranges: list[Range], loo_runs: int | None, cases: int
) -> str | None:
    """What the time limit left undone, in words; None when it left nothing."""
    parts = []
    left = [a.label for a in alternatives if not a.ran]
    if left:
        parts.append(f"alternatives not run: {', '.join(left)}")
    unfinished = [r.label for r in ranges if "time" in (r.low.stop, r.high.stop)]
    if unfinished:
        parts.append(f"ranges not finished: {', '.join(unfinished)}")
    if loo_runs is not None and loo_runs < cases:
        parts.append(f"{loo_runs} of {cases} leave-one-out runs done")
    return "the time limit ran out: " + "; ".join(parts) if parts else None
