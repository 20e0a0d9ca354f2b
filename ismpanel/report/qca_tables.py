"""The fsQCA tables as data: necessity, the truth table's positive rows, the models of each
solution named plainly, and the configuration table with its legend, core rule and the model
ambiguity behind it. ``qca``, its markdown export and the brief all render these."""

from __future__ import annotations

import math
from dataclasses import replace

from ismpanel.analysis.fsqca.calibrate import CONVENTION_NAMES
from ismpanel.analysis.fsqca.configuration import RULES, core_literals, model_label
from ismpanel.analysis.fsqca.pipeline import Result
from ismpanel.analysis.fsqca.solution import Model
from ismpanel.analysis.fsqca.terms import row_config
from ismpanel.analysis.fsqca.truthtable import COMPLETE_UP_TO, agteb
from ismpanel.report.markdown import capital, join_ids, plural
from ismpanel.report.table import MUTED, STRONG, Table

# Fiss draws a peripheral absence as a small ⊗; markdown and Word cannot set the size, so the
# table uses the multiplication sign for it (deliberately: hence the noqa on that sign)
SYMBOLS = {
    "core_present": "●",
    "peripheral_present": "•",
    "core_absent": "⊗",
    "peripheral_absent": "×",  # noqa: RUF001
    None: "",
}
LEGEND = (
    "● core condition present, • peripheral condition present, ⊗ core condition absent, "
    "× peripheral condition absent, blank: the condition does not matter in that configuration"  # noqa: RUF001
)
MAX_COMPLETE = 1024  # as R, which refuses to print larger truth tables
SOLUTION_NAMES = {
    "complex": "Complex (conservative)",
    "parsimonious": "Parsimonious",
    "intermediate": "Intermediate",
}


def f3(value: float | None) -> str:
    """Three decimals as R prints parameters; '-' for undefined (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.3f}"


def necessity_table(res: Result) -> Table:
    """inclN, RoN and covN of each condition and its negation, flagged at the threshold."""
    thr = res.options.necessity_cut
    rows = tuple(
        (
            n.condition,
            f3(n.inclN),
            f3(n.RoN),
            f3(n.covN),
            "yes" if n.necessary else "",
        )
        for n in res.necessity
    )
    return Table(
        ("Condition", "Consistency (inclN)", "Relevance (RoN)", "Coverage (covN)", "Necessary"),
        rows,
        f"Necessity for {res.outcome_label}",
        (f"A condition is necessary when its consistency is at least {thr:g}.",),
        ("l", "r", "r", "r", "l"),
    )


def calibration_table(res: Result) -> Table | None:
    """The calibrated columns with their method and anchors, the log-odds convention in a
    note; None when every column came calibrated."""
    rows = tuple(
        (name, c.method, _anchors(res, name, c.anchors))
        for name, c in res.calibration.items()
        if c.method != "calibrated"
    )
    if not rows:
        return None
    note = f"Direct method: {CONVENTION_NAMES[res.convention]}."
    return Table(("Column", "Method", "Anchors"), rows, "Calibration", (note,))


def _anchors(res: Result, name: str, values: tuple[float, ...]) -> str:
    """The anchors used, each percentile anchor with the sample percentile it names."""
    spec = res.options.calibration.columns.get(name)
    given = spec.anchors if spec is not None and len(spec.anchors) == len(values) else ()
    return ", ".join(
        f"{v:g} ({g})" if isinstance(g, str) else f"{v:g}"
        for v, g in zip(values, given or (None,) * len(values), strict=True)
    )


def percentile_columns(res: Result) -> list[str]:
    """The columns calibrated with at least one anchor set at a sample percentile."""
    return [
        name
        for name, spec in res.options.calibration.columns.items()
        if any(isinstance(a, str) for a in spec.anchors)
    ]


def truth_table(res: Result, complete: bool | None = None) -> Table:
    """R's truth table: row number, configuration, OUT, n, incl, PRI and cases; every
    2^k row when ``complete`` (up to :data:`MAX_COMPLETE`; None: as R, up to 7 conditions),
    else the observed ones. The notes
    count the rows by OUT, the cases kept by the frequency cut and the rows the PRI cut sent
    to 0."""
    tt = res.truth_table
    if complete is None:
        complete = tt.k <= COMPLETE_UP_TO
    complete = complete and (1 << tt.k) <= MAX_COMPLETE
    rows: list[tuple[str, ...]] = []
    marks = {}
    for code, row in tt.listing(complete):
        bits = tuple(str(b) for b in row_config(code, tt.k))
        if row is None:
            marks[(len(rows), -1)] = MUTED
            rows.append((str(code + 1), *bits, "?", "0", "-", "-", ""))
            continue
        if row.out == "?":
            marks[(len(rows), -1)] = MUTED
        elif row.out in ("1", "C"):
            marks[(len(rows), tt.k + 1)] = STRONG
        rows.append(
            (
                str(code + 1),
                *bits,
                row.out,
                str(row.n),
                f3(row.incl),
                f3(row.pri),
                ",".join(row.cases),
            )
        )
    header = ("Row", *res.conditions, "OUT", "n", "incl", "PRI", "Cases")
    align = ("r", *("c" for _ in res.conditions), "c", "r", "r", "r", "l")
    return Table(
        header,
        tuple(rows),
        f"Truth table ({res.outcome_label})",
        truth_table_notes(res, complete),
        align,
        marks,
    )


def truth_table_notes(res: Result, complete: bool) -> tuple[str, ...]:
    """What the truth table's cut-offs did: rows by OUT, the share of cases in rows kept by the
    frequency cut, cases in no row (a membership of exactly 0.5), rows coded 0 by the PRI cut,
    and the unobserved remainders not listed."""
    tt = res.truth_table
    counts = {o: len(tt.codes(o)) for o in ("1", "0", "C")}
    notes = [
        f"Rows by OUT: 1 (positive) {counts['1']}, 0 (negative) {counts['0']}, "
        f"C (contradiction) {counts['C']}, ? (remainder) {tt.remainders}.",
        f"Cut-offs: consistency {_consistency_cut(tt.incl_cut)}, frequency {tt.n_cut}, "
        f"PRI {tt.pri_cut:g}.",
    ]
    cases = len(res.case_ids)
    kept = sum(r.n for r in tt.rows.values() if r.out != "?")
    if cases:
        notes.append(
            f"{kept} of {plural(cases, 'case')} ({100 * kept / cases:.0f} %) are in rows kept by "
            f"the frequency cut."
        )
    halved = len({case for case, _ in tt.half})
    if halved:
        notes.append(
            f"{plural(halved, 'case')} with a membership of exactly 0.5 in some condition "
            f"belong to no row."
        )
    pri_zero = pri_coded_zero(res)
    if pri_zero:
        notes.append(
            f"Coded 0 by the PRI cut (inclusion passes its cut, PRI is under {tt.pri_cut:g}): "
            f"{'row' if len(pri_zero) == 1 else 'rows'} {', '.join(map(str, pri_zero))}."
        )
    hidden = (1 << tt.k) - len(tt.rows) if not complete else 0
    if hidden:
        how = (
            "ismpanel qca --complete lists them"
            if (1 << tt.k) <= MAX_COMPLETE
            else "too many to list"
        )
        notes.append(f"{hidden} unobserved remainders not listed ({how}).")
    return tuple(notes)


def pri_coded_zero(res: Result) -> list[int]:
    """Row numbers (R's, from 1) of the rows that pass the frequency and consistency cuts but
    were coded 0 because their PRI is under the PRI cut."""
    tt = res.truth_table
    return [
        c + 1
        for c, r in sorted(tt.rows.items())
        if r.out == "0" and r.n >= tt.n_cut and agteb(r.incl, tt.incl_cut[0])
    ]


def _consistency_cut(cuts: tuple[float, float]) -> str:
    """The consistency cut, and the lower one for contradictions when it differs."""
    high, low = cuts
    return f"{high:g}" if low >= high else f"{high:g} (from {low:g}: contradiction)"


def truth_table_counts(res: Result) -> str:
    """The truth table in one sentence: rows, positive, negative, contradictions, remainders."""
    tt = res.truth_table
    counts = {out: len(tt.codes(out)) for out in ("1", "0", "C")}
    return (
        f"{plural(1 << tt.k, 'row')}, {len(tt.rows)} with cases: {counts['1']} positive, "
        f"{counts['0']} negative, {plural(counts['C'], 'contradiction')}; "
        f"{plural(tt.remainders, 'remainder')} (rows without cases or under the frequency cut)."
    )


def positive_rows_table(res: Result) -> Table:
    """The positive rows of the truth table with n, consistency and PRI."""
    tt = res.truth_table
    rows = tuple(
        (
            *(str(v) for v in row_config(code, tt.k)),
            str(tt.rows[code].n),
            f3(tt.rows[code].incl),
            f3(tt.rows[code].pri),
        )
        for code in tt.positive
    )
    header = (*res.conditions, "n", "incl", "PRI")
    align = (*("c" for _ in res.conditions), "r", "r", "r")
    note = (
        "Only the rows coded 1 (the outcome's sufficient rows); every row, with the cut-offs' "
        "effects, is in the appendix's truth table.",
    )
    return Table(
        header, rows, f"Positive truth-table rows ({res.outcome_label})", note, align=align
    )


def intermediate_names(res: Result) -> dict[str, str]:
    """Plain names of the intermediate models ("intermediate model 1", ...; "intermediate"
    when there is one) by their internal label (``C1P1 M1``)."""
    if res.intermediate is None:
        return {}
    models = res.intermediate.models
    return {
        model_label(m): f"intermediate model {k}" if len(models) > 1 else "intermediate"
        for k, m in enumerate(models, start=1)
    }


def intermediate_title(res: Result, m: Model, pairs: bool = False) -> str:
    """A heading for one intermediate model, unique across its groups (which number their
    models from M1 each): ``Intermediate M1`` when there is one model, else its plain name and
    internal label, ``Intermediate model 2 (C1P2 M1)``; ``pairs`` adds the complex-parsimonious
    pairs it comes from."""
    origin = [f"from {', '.join(m.isols)}"] if pairs else []
    if len(res.intermediate.models) < 2:
        return f"Intermediate {m.name}" + (f" ({origin[0]})" if origin else "")
    label = model_label(m)
    return f"{capital(intermediate_names(res)[label])} ({'; '.join([label, *origin])})"


def models_table(res: Result) -> Table:
    """Every model of each solution type, named plainly, with consistency and coverage."""
    rows = []
    for kind in ("complex", "parsimonious"):
        s = res.solutions.get(kind)
        for k, m in enumerate(s.models if s else [], start=1):
            rows.append((SOLUTION_NAMES[kind], str(k), m.expression, f3(m.inclS), f3(m.covS)))
    if res.intermediate is not None:
        for k, m in enumerate(res.intermediate.models, start=1):
            rows.append(
                (SOLUTION_NAMES["intermediate"], str(k), m.expression, f3(m.inclS), f3(m.covS))
            )
    return Table(
        ("Solution", "Model", "Expression", "Consistency", "Coverage"),
        tuple(rows),
        f"Solutions for {res.outcome_label}",
        align=("l", "r", "l", "r", "r"),
    )


def configuration_table(res: Result, model: str | None = None) -> Table | None:
    """The Fiss configuration table: one column per term of each intermediate model (C1, C2,
    ...), parameters of fit under a section line, the legend, the core rule and the model
    ambiguity in the notes; None without an intermediate solution. ``model`` keeps the
    columns of one intermediate model (numbered as in the whole table), without notes."""
    configs = list(enumerate(res.configurations, start=1))
    if not configs:
        return None
    names = intermediate_names(res)
    title = f"Configurations for {res.outcome_label}"
    if model is not None:
        configs = [(i, c) for i, c in configs if c.model == model]
        title += f", {names[model]}"
    header = ("Condition", *(f"C{i}" for i, _ in configs))
    rows: list[tuple[str, ...]] = []
    if model is None and len(names) > 1:
        rows.append(("Model", *(names[c.model] for _, c in configs)))
    marks = {}
    for name in res.conditions:
        row = [name]
        for j, (_, c) in enumerate(configs, start=1):
            status = c.conditions[name]
            row.append(SYMBOLS[status])
            if status == "peripheral_absent":
                marks[(len(rows), j)] = MUTED
        rows.append(tuple(row))
    section = len(rows)
    pri = configuration_pri(res)
    rows.append(("Consistency", *(f3(c.inclS) for _, c in configs)))
    rows.append(("PRI", *(f3(pri[i - 1]) for i, _ in configs)))
    rows.append(("Raw coverage", *(f3(c.covS) for _, c in configs)))
    rows.append(("Unique coverage", *(f3(c.covU) for _, c in configs)))
    notes = () if model is not None else configuration_notes(res)
    return Table(header, tuple(rows), title, notes, ("l", *("c" for _ in configs)), marks, section)


def configuration_pri(res: Result) -> list[float]:
    """PRI of each configuration, from the intermediate term it is (configurations list the
    terms of the intermediate models in order)."""
    models = res.intermediate.models if res.intermediate is not None else []
    return [t.PRI for m in models for t in m.terms]


def configuration_tables(res: Result) -> list[Table]:
    """The configuration table as the terminal shows it: one table per intermediate model
    when there are several (each titled with its model), the notes under the last."""
    names = intermediate_names(res)
    if len(names) < 2:
        table = configuration_table(res)
        return [table] if table else []
    tables = [configuration_table(res, label) for label in names]
    last = tables[-1]
    return [*tables[:-1], replace(last, notes=configuration_notes(res))]


def configuration_notes(res: Result) -> tuple[str, ...]:
    """Under the configuration table: each intermediate model's fit, the legend, the core
    rule and what model ambiguity did to the core conditions."""
    names = intermediate_names(res)
    fits = [
        f"{capital(names[model_label(m)])} solution ({m.expression}): consistency "
        f"{f3(m.inclS)}, coverage {f3(m.covS)}."
        for m in (res.intermediate.models if res.intermediate else [])
    ]
    rule = f"Core rule: {RULES[res.options.core_rule]}."
    return (*fits, LEGEND + ".", rule, *ambiguity(res), *reported_models(res))


def reported_models(res: Result) -> list[str]:
    """Which intermediate models the table reports and why, when more than one pair of a
    complex and a parsimonious model was solved."""
    models = res.intermediate.models if res.intermediate is not None else []
    pairs = list(dict.fromkeys(isol for m in models for isol in m.isols))
    if len(pairs) < 2:
        return []
    if len(models) == 1:
        return [
            "The configurations are those of the one intermediate model, which each pair of a "
            f"complex and a parsimonious model solved gave ({', '.join(pairs)})."
        ]
    return [
        f"The intermediate solution has {len(models)} models (from the pairs "
        f"{', '.join(pairs)}); the table shows every model's configurations and picks none, "
        "since each follows from an equally short complex or parsimonious model."
    ]


def ambiguity(res: Result) -> list[str]:
    """How many parsimonious models there are, and what the core rule does with them: the
    configurations left without a core condition and the conditions core under only some
    models."""
    pars = res.solutions.get("parsimonious")
    if res.intermediate is None or pars is None or len(pars.models) < 2:
        return []
    k = len(res.conditions)
    strict = res.options.core_rule == "all"
    keeps = "only what is core under every" if strict else "what is core under any"
    lines = [
        f"Model ambiguity: the parsimonious solution has {len(pars.models)} equally short "
        f"models; the configuration table keeps as core {keeps} model that produced the "
        "intermediate solution."
    ]
    partial, coreless = [], []
    terms = [(m, t) for m in res.intermediate.models for t in m.terms]
    for i, (c, (m, t)) in enumerate(zip(res.configurations, terms, strict=True), start=1):
        if not any(s and s.startswith("core") for s in c.conditions.values()):
            coreless.append(f"C{i}")
        counts: dict[str, int] = {}
        for pm in m.parsimonious:
            bits = core_literals(t.term, [pm])
            for j, name in enumerate(res.conditions):
                if bits >> (k - 1 - j) & 1:
                    counts[name] = counts.get(name, 0) + 1
        some = [
            f"{name} ({n} of {len(m.parsimonious)})"
            for name, n in counts.items()
            if n < len(m.parsimonious)
        ]
        if some:
            partial.append(f"C{i}: {', '.join(some)}")
    if coreless:
        lines.append(
            f"Configurations without a core condition under this rule: {join_ids(coreless)}."
        )
    if partial:
        lines.append(
            "Conditions core under some parsimonious models only (shown as "
            + ("peripheral" if strict else "core")
            + "): "
            + "; ".join(partial)
            + "."
        )
    return lines
