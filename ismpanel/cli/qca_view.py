"""The fsQCA analysis in the terminal: each table of ``report.qca_tables`` and
``report.qca_solution_tables`` rendered by rich, in the order R prints them."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import RenderableType
from rich.text import Text

from ismpanel.analysis.fsqca.pipeline import Result
from ismpanel.analysis.fsqca.robustness import Robustness
from ismpanel.report import qca_robustness, qca_tables, terminal
from ismpanel.report import qca_solution_tables as solutions
from ismpanel.report.table import Table
from ismpanel.text import printable

SOLUTION_TITLES = {
    "complex": "Complex (conservative) solution",
    "parsimonious": "Parsimonious solution",
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


def _tables(title: str, tables: list[Table]) -> Iterator[RenderableType]:
    yield Text(title, style="bold underline")
    yield from (terminal.table(t) for t in tables)


def views(
    res: Result, *, complete: bool, show_necessity: bool, robust: Robustness | None
) -> Iterator[RenderableType]:
    """Every section of the report, in order."""
    yield header(res)
    cal = qca_tables.calibration_table(res)
    if cal is not None:
        yield terminal.table(cal)
    yield terminal.table(qca_tables.truth_table(res, complete))
    if show_necessity:
        yield terminal.table(qca_tables.necessity_table(res), styles={"yes": "bold green"})
    for kind in ("complex", "parsimonious"):
        if kind in res.solutions and res.options.solution in (kind, "all"):
            yield from _tables(SOLUTION_TITLES[kind], solutions.solution_tables(res, kind))
    if res.intermediate is not None:
        yield from _tables("Intermediate solution", solutions.intermediate_tables(res))
    yield from (terminal.table(t) for t in qca_tables.configuration_tables(res))
    if robust is not None:
        yield from robustness_views(robust)


def robustness_views(rb: Robustness) -> Iterator[RenderableType]:
    """The robustness analysis: binding choices and verdicts, then its tables and fit."""
    yield Text(f"Robustness of the {rb.solution} solution", style="bold underline")
    yield from (Text(printable(line)) for line in qca_robustness.binding_lines(rb))
    yield terminal.table(qca_robustness.configurations_table(rb))
    yield terminal.table(qca_robustness.alternatives_table(rb))
    yield terminal.table(qca_robustness.ranges_table(rb))
    for line in [*qca_robustness.model_lines(rb), *qca_robustness.fit_lines(rb)]:
        yield Text(printable(line))
    yield Text(f"Robustness run: {qca_robustness.work_line(rb)}", style="dim")
