"""Rich renderings of an fsQCA analysis for the terminal: calibration, truth table, necessity,
solutions with their parameters of fit, counterfactuals, and the Fiss configuration table."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ismpanel.analysis.fsqca.calibrate import CONVENTION_NAMES
from ismpanel.analysis.fsqca.pipeline import Result
from ismpanel.analysis.fsqca.robustness import Robustness
from ismpanel.analysis.fsqca.solution import (
    Model,
    Solution,
    sufficient_and_necessary,
)
from ismpanel.analysis.fsqca.terms import row_config
from ismpanel.report import qca_tables, terminal
from ismpanel.report.qca_tables import f3

OUT_STYLE = {"1": "bold green", "0": "", "C": "bold yellow", "?": "dim"}
MAX_LISTED_ROWS = 32
MAX_COMPLETE = 1024  # as R, which refuses to print larger truth tables
CONFIG_STYLE = {
    "core_present": ("●", "bold"),
    "peripheral_present": ("•", ""),
    "core_absent": ("⊗", "bold"),
    "peripheral_absent": ("⊗", "dim"),
}


def header(res: Result) -> Text:
    """One line: outcome, conditions, cases and cut-offs."""
    tt = res.truth_table
    cut = ",".join(f"{v:g}" for v in res.options.incl_cut)
    return Text.assemble(
        ("fsQCA ", "bold"),
        f"outcome {res.outcome_label}, {len(res.conditions)} conditions, "
        f"{len(res.case_ids)} cases; incl.cut {cut}, n.cut {tt.n_cut}, pri.cut {tt.pri_cut:g}",
    )


def calibration_table(res: Result) -> RenderableType | None:
    """The calibrated columns with their anchors and the convention; None when none."""
    rows = [(n, c) for n, c in res.calibration.items() if c.method != "calibrated"]
    if not rows:
        return None
    table = Table(title="Calibration", title_justify="left")
    for col in ("column", "method", "anchors"):
        table.add_column(col)
    for name, c in rows:
        table.add_row(name, c.method, ", ".join(f"{a:g}" for a in c.anchors))
    note = Text(f"direct method: {CONVENTION_NAMES[res.convention]}", style="dim")
    return Group(table, note)


def truth_table_view(res: Result, complete: bool) -> RenderableType:
    """R's truth table: row number, configuration, OUT, n, incl, PRI, cases."""
    tt = res.truth_table
    k = len(res.conditions)
    table = Table(title=f"Truth table ({res.outcome_label})", title_justify="left")
    table.add_column("row", justify="right")
    for name in res.conditions:
        table.add_column(name, justify="center")
    for col in ("OUT", "n", "incl", "PRI"):
        table.add_column(col, justify="right")
    table.add_column("cases")
    complete = complete and (1 << k) <= MAX_COMPLETE
    listing = tt.listing(complete)
    hidden = (1 << k) - len(tt.rows) if not complete else 0
    for code, row in listing:
        bits = [str(b) for b in row_config(code, k)]
        if row is None:
            table.add_row(str(code + 1), *bits, Text("?", style="dim"), "0", "-", "-", "")
        else:
            table.add_row(
                str(code + 1),
                *bits,
                Text(row.out, style=OUT_STYLE[row.out]),
                str(row.n),
                f3(row.incl),
                f3(row.pri),
                ",".join(row.cases),
            )
    counts = {o: len(tt.codes(o)) for o in ("1", "0", "C")}
    note = Text(
        f"OUT = 1: {counts['1']} rows, 0: {counts['0']}, C (contradiction): {counts['C']}, "
        f"? (remainder): {tt.remainders}",
        style="dim",
    )
    if hidden:
        how = "--complete lists them" if (1 << k) <= MAX_COMPLETE else "too many to list"
        note.append(f"; {hidden} unobserved remainders not listed ({how})")
    return Group(table, note)


def necessity_table(res: Result) -> RenderableType:
    """inclN, RoN, covN of each condition and negation, flagged at the threshold."""
    return terminal.table(qca_tables.necessity_table(res), styles={"yes": "bold green"})


def model_table(m: Model, outcome: str, title: str) -> RenderableType:
    """One model: its line as R prints it, then each term's parameters and cases."""
    arrow = "<->" if sufficient_and_necessary(m) else "->"
    line = Text.assemble((f"{title}: ", "bold"), f"{m.display()} {arrow} {outcome}")
    table = Table(show_header=True, pad_edge=False, box=None)
    table.add_column("", justify="right")
    table.add_column("term")
    for col in ("inclS", "PRI", "covS", "covU"):
        table.add_column(col, justify="right")
    table.add_column("cases")
    for i, t in enumerate(m.terms, start=1):
        table.add_row(
            str(i),
            t.expression,
            f3(t.inclS),
            f3(t.PRI),
            f3(t.covS),
            f3(t.covU),
            "; ".join(",".join(g) for g in t.case_groups),
        )
    table.add_row("", Text(m.name, style="bold"), f3(m.inclS), f3(m.PRI), f3(m.covS), "", "")
    return Group(line, table)


def rows_table(title: str, codes: list[int], names: tuple[str, ...]) -> RenderableType:
    """Truth-table rows (simplifying assumptions, counterfactuals) with their values."""
    if not codes:
        return Text(f"{title}: none", style="dim")
    k = len(names)
    table = Table(title=f"{title} ({len(codes)})", title_justify="left", pad_edge=False)
    table.add_column("row", justify="right")
    for n in names:
        table.add_column(n, justify="center")
    for c in codes[:MAX_LISTED_ROWS]:
        table.add_row(str(c + 1), *(str(b) for b in row_config(c, k)))
    if len(codes) <= MAX_LISTED_ROWS:
        return table
    more = Text(f"... and {len(codes) - MAX_LISTED_ROWS} more (see --json)", style="dim")
    return Group(table, more)


def solution_views(res: Result, kind: str, s: Solution) -> Iterator[RenderableType]:
    """The models of a complex or parsimonious solution."""
    title = {"complex": "Complex (conservative)", "parsimonious": "Parsimonious"}[kind]
    yield Text(f"{title} solution", style="bold underline")
    for m in s.models:
        yield model_table(m, res.outcome_label, m.name)
        if kind == "parsimonious":
            yield rows_table(
                f"Simplifying assumptions of {m.name}", m.simplifying_assumptions, res.conditions
            )
    yield _found_note(s)


def _found_note(s: Solution) -> Text:
    text = f"{len(s.prime_implicants)} prime implicants; "
    if s.proven:
        count = str(s.found) if s.complete else f"at least {s.found}"
        text += f"{count} minimal model(s)"
    else:
        text += (
            f"best cover found ({s.method}), NOT proven minimal: no model has fewer than "
            f"{s.lower_bound} terms"
        )
    if s.capped:
        text += f", {len(s.models)} reported"
    return Text(text, style="dim")


def intermediate_views(res: Result) -> Iterator[RenderableType]:
    """Each group of intermediate models with its CiPj pairs and counterfactuals."""
    inter = res.intermediate
    if inter is None:
        return
    yield Text("Intermediate solution", style="bold underline")
    for g in inter.groups:
        isols = g.models[0].isols if g.models else [g.isol]
        yield Text(f"From {', '.join(isols)}:", style="bold")
        for m in g.models:
            yield model_table(m, res.outcome_label, m.name)
        first = g.models[0] if g.models else None
        if first is not None:
            label = first.isols[0]
            yield rows_table(
                f"Easy counterfactuals of {label}", first.easy_counterfactuals, res.conditions
            )
            yield rows_table(
                f"Difficult counterfactuals of {label} (not used)",
                first.difficult_counterfactuals,
                res.conditions,
            )
            for isol in first.isols[1:]:
                ec, dc = first.counterfactuals[isol]
                yield Text(
                    f"{isol}: easy counterfactuals rows {_rows(ec)}; difficult rows {_rows(dc)}",
                    style="dim",
                )
        yield _found_note(g)


def _rows(codes: list[int]) -> str:
    return ", ".join(str(c + 1) for c in codes) or "none"


def configuration_table(res: Result) -> RenderableType | None:
    """Fiss (2011) configuration table: one column per term of each intermediate model."""
    tables = qca_tables.configuration_tables(res)
    return Group(*(terminal.table(t) for t in tables)) if tables else None


def robustness_table(robust: Robustness) -> RenderableType:
    """Which configurations survive each variant; a variant without a solution says why."""
    table = Table(title=f"Robustness of the {robust.solution} configurations", title_justify="left")
    table.add_column("configuration")
    for v in robust.variants:
        table.add_column(v.label, justify="center")
    for term in robust.base_terms:
        survives = robust.survives(term)
        cells = []
        for v in robust.variants:
            if v.error:
                cells.append(Text("no solution", style="yellow"))
            else:
                ok = survives[v.label]
                cells.append(Text("yes" if ok else "no", style="green" if ok else "red"))
        table.add_row(term, *cells)
    notes = [f"{v.label}: {v.error}" for v in robust.variants if v.error]
    notes += [f"{v.label}: {' | '.join(v.models) or '-'}" for v in robust.variants if not v.error]
    return Group(table, Text("\n".join(notes), style="dim"))


def views(
    res: Result, *, complete: bool, show_necessity: bool, robust: Robustness | None
) -> Iterator[RenderableType]:
    """Every section of the report, in order."""
    yield header(res)
    cal = calibration_table(res)
    if cal is not None:
        yield cal
    yield truth_table_view(res, complete)
    if show_necessity:
        yield necessity_table(res)
    for kind in ("complex", "parsimonious"):
        if kind in res.solutions and res.options.solution in (kind, "all"):
            yield from solution_views(res, kind, res.solutions[kind])
    yield from intermediate_views(res)
    config = configuration_table(res)
    if config is not None:
        yield config
    if robust is not None:
        yield robustness_table(robust)
