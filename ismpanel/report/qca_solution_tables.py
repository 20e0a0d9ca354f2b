"""The fsQCA solutions as tables: each model with its terms and parameters of fit as R prints
them, and the remainders a model rests on (simplifying assumptions, counterfactuals). ``qca``
renders them in the terminal, the appendix in markdown."""

from __future__ import annotations

from dataclasses import replace

from ismpanel.analysis.fsqca.pipeline import Result
from ismpanel.analysis.fsqca.solution import Model, Solution, sufficient_and_necessary
from ismpanel.analysis.fsqca.terms import row_config
from ismpanel.report.markdown import plural
from ismpanel.report.qca_tables import SOLUTION_NAMES, f3, intermediate_title
from ismpanel.report.table import STRONG, Table

MAX_LISTED_ROWS = 32


def model_table(m: Model, outcome: str, title: str) -> Table:
    """One model: its line as R prints it (essential terms first, ``<->`` when the model is
    also necessary) as the title, each term's parameters and cases, the model's fit last."""
    arrow = "<->" if sufficient_and_necessary(m) else "->"
    rows = [
        (
            str(i),
            t.expression,
            f3(t.inclS),
            f3(t.PRI),
            f3(t.covS),
            f3(t.covU),
            "; ".join(",".join(g) for g in t.case_groups),
        )
        for i, t in enumerate(m.terms, start=1)
    ]
    section = len(rows)
    rows.append(("", "model", f3(m.inclS), f3(m.PRI), f3(m.covS), "", ""))
    return Table(
        ("", "Term", "inclS", "PRI", "covS", "covU", "Cases"),
        tuple(rows),
        f"{title}: {m.display()} {arrow} {outcome}",
        align=("r", "l", "r", "r", "r", "r", "l"),
        marks={(section, 1): STRONG},
        section=section,
    )


def rows_table(title: str, codes: list[int], names: tuple[str, ...]) -> Table:
    """Truth-table rows (simplifying assumptions, counterfactuals) with their values, the first
    :data:`MAX_LISTED_ROWS` listed and the rest counted in a note."""
    k = len(names)
    rows = tuple((str(c + 1), *(str(b) for b in row_config(c, k))) for c in codes[:MAX_LISTED_ROWS])
    more = len(codes) - MAX_LISTED_ROWS
    notes = (f"... and {more} more (see --json)",) if more > 0 else ()
    if not codes:
        notes = ("none",)
    return Table(
        ("Row", *names),
        rows,
        f"{title} ({len(codes)})",
        notes,
        ("r", *("c" for _ in names)),
    )


def found_note(s: Solution) -> str:
    """How the models were found: prime implicants, minimal models, whether proven minimal."""
    text = f"{plural(len(s.prime_implicants), 'prime implicant')}; "
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
    return text + "."


def solution_tables(res: Result, kind: str) -> list[Table]:
    """The models of the complex or parsimonious solution, each parsimonious model followed
    by its simplifying assumptions; the last table carries how the models were found."""
    s = res.solutions[kind]
    tables: list[Table] = []
    for m in s.models:
        tables.append(model_table(m, res.outcome_label, f"{SOLUTION_NAMES[kind]} {m.name}"))
        if kind == "parsimonious":
            tables.append(
                rows_table(
                    f"Simplifying assumptions of {m.name}",
                    m.simplifying_assumptions,
                    res.conditions,
                )
            )
    return _with_note(tables, found_note(s))


def intermediate_tables(res: Result) -> list[Table]:
    """Each group of intermediate models (one per complex-parsimonious pair that produced
    them) with the easy and difficult counterfactuals of its first pair."""
    inter = res.intermediate
    if inter is None:
        return []
    tables: list[Table] = []
    for g in inter.groups:
        group: list[Table] = [
            model_table(m, res.outcome_label, intermediate_title(res, m, pairs=True))
            for m in g.models
        ]
        if g.models:
            first = g.models[0]
            label = first.isols[0]
            group.append(
                rows_table(
                    f"Easy counterfactuals of {label}", first.easy_counterfactuals, res.conditions
                )
            )
            group.append(
                rows_table(
                    f"Difficult counterfactuals of {label} (not used)",
                    first.difficult_counterfactuals,
                    res.conditions,
                )
            )
            others = tuple(
                f"{isol}: easy counterfactuals rows {rows_text([c + 1 for c in ec])}; "
                f"difficult rows {rows_text([c + 1 for c in dc])}"
                for isol, (ec, dc) in list(first.counterfactuals.items())[1:]
            )
            group[-1] = _notes(group[-1], others)
        tables.extend(_with_note(group, found_note(g)) if group else [])
    return tables


def rows_text(numbers: list[int]) -> str:
    """Row numbers as a comma-separated list, ``none`` when there are none."""
    return ", ".join(str(r) for r in numbers) or "none"


def _notes(t: Table, extra: tuple[str, ...]) -> Table:
    return replace(t, notes=(*t.notes, *extra)) if extra else t


def _with_note(tables: list[Table], note: str) -> list[Table]:
    if not tables:
        return tables
    return [*tables[:-1], _notes(tables[-1], (note,))]
