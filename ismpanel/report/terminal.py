"""Terminal rendering with rich: any :class:`~ismpanel.report.table.Table`, and the ISM
hierarchy drawn level by level; text from files and experts is printed as it is (the consoles
have markup off)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from ismpanel.analysis.recommend import node_label
from ismpanel.analysis.structure import StructuralModel
from ismpanel.report.structure_tables import tier_of_level
from ismpanel.report.structure_text import tier_rule
from ismpanel.report.table import MUTED, STRONG, Table

STYLES = {STRONG: "bold yellow", MUTED: "dim"}
JUSTIFY = {"l": "left", "r": "right", "c": "center"}


def table(t: Table, *, styles: dict[str, str] | None = None) -> RenderableType:
    """A rich table with the title above and the notes below; ``styles`` maps cell text to a
    style (e.g. MICMAC clusters in colour)."""
    out = RichTable(pad_edge=False)
    aligns = t.align or ("l",) * len(t.header)
    for name, a in zip(t.header, aligns, strict=True):
        out.add_column(name, justify=JUSTIFY[a])  # type: ignore[arg-type]
    for k, row in enumerate(t.rows):
        if t.section is not None and k == t.section:
            out.add_section()
        cells = []
        for j, cell in enumerate(row):
            mark = t.mark(k, j)
            style = STYLES.get(mark, "") if mark else (styles or {}).get(cell, "")
            cells.append(Text(cell, style=style))
        out.add_row(*cells)
    # the title is a line of its own, so that a long one (a model's expression) is not
    # wrapped to the table's width
    title = [Text(t.title, style="italic")] if t.title else []
    return Group(*title, out, *(Text(note, style="dim") for note in t.notes))


def hierarchy_view(model: StructuralModel) -> RenderableType:
    """The digraph drawn level by level, top (outcome side) first; each node lists the nodes
    whose arrows reach it directly (transitive reduction, cycles condensed)."""
    res, f = model.ism, model.factors
    incoming: dict[int, list[int]] = {}
    for a, b in res.digraph_edges:
        incoming.setdefault(b, []).append(a)
    lines = [
        Text("ISM hierarchy (arrows point up, towards the outcome)", style="bold"),
        Text(f"Tiers: {tier_rule(model)}", style="dim"),
    ]
    for lvl in range(1, res.n_levels + 1):
        tier = tier_of_level(model, lvl)
        line = Text(f"Level {lvl:<2} {tier:<8} ", style="bold")
        for k, node in enumerate(res.digraph_nodes):
            if res.levels[node[0]] != lvl:
                continue
            line.append(f"[{' ⇄ '.join(f[i] for i in node)}]", style="reverse")
            sources = incoming.get(k, [])
            if sources:
                line.append(
                    " ◀ " + ", ".join(node_label(f, res.digraph_nodes[s]) for s in sources),
                    style="dim",
                )
            line.append("  ")
        lines.append(line)
    return Group(*lines)
