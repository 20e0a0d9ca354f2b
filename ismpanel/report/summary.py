"""The terminal summary of a study's results (``ismpanel demo``): the hierarchy, the MICMAC
clusters, the fsQCA configurations and the top priorities, with the brief's interpretation."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import RenderableType
from rich.text import Text

from ismpanel.analysis import recommend
from ismpanel.analysis.micmac import QUADRANTS
from ismpanel.report import context, terminal
from ismpanel.report.results import StudyResults
from ismpanel.report.table import Table

TOP = context.TOP_FACTORS


def views(results: StudyResults) -> Iterator[RenderableType]:
    """Hierarchy, clusters, configurations and the top priorities, in that order."""
    model = results.model
    yield terminal.hierarchy_view(model)
    clusters = tuple(
        (q, ", ".join(f for f, c in zip(model.factors, model.quadrants, strict=True) if c == q))
        for q in QUADRANTS
    )
    yield terminal.table(Table(("Cluster", "Factors"), clusters, "MICMAC clusters"))
    if results.qca is None:
        yield Text(f"fsQCA: {results.qca_absent}", style="dim")
    else:
        res = results.qca.result
        lines = [f"fsQCA: {len(res.configurations)} configuration(s) for {res.outcome_label}"]
        lines += [
            f"  C{k}: {c.expression} (consistency {c.inclS:.3f}, raw coverage {c.covS:.3f})"
            for k, c in enumerate(res.configurations, start=1)
        ]
        yield Text("\n".join(lines))
    top = recommend.top_ranked(results.profiles, TOP)
    rows = tuple(
        (
            str(p.rank),
            f"{p.id} {p.name}",
            p.dimension,
            p.priority,
            recommend.ROLE_NAMES[p.role],
            f"level {p.level}/{p.n_levels} {p.tier}, {p.cluster}"
            + (f"; presence in {', '.join(p.present_in)}" if p.present_in else ""),
        )
        for p in top
    )
    yield terminal.table(
        Table(
            ("#", "Factor", "Dimension", "Priority", "Role", "Evidence"),
            rows,
            "Top priorities",
            (
                context.top_note(results.profiles, len(top)).rstrip(":") + ".",
                context.priority_sources(results),
            ),
        )
    )
