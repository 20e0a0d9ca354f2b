"""Rich renderings of a structural model for the terminal: matrices, level iterations, the
hierarchy drawn level by level, the MICMAC table and its driving-dependence map."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ismpanel.analysis.ism import level_iterations
from ismpanel.analysis.micmac import QUADRANTS
from ismpanel.analysis.structure import StructuralModel
from ismpanel.cli import structure_export as export

QUADRANT_STYLE = {
    "autonomous": "dim",
    "dependent": "cyan",
    "linkage": "magenta",
    "independent": "green",
}


def matrix_table(
    title: str,
    factors: list[str],
    cells: list[list[str]],
    *,
    sums: np.ndarray | None = None,
    extra: tuple[str, list[str]] | None = None,
) -> Table:
    """A square matrix with factor headers; ``1*`` cells stand out; optional power sums."""
    table = Table(title=title, title_justify="left", show_lines=False, pad_edge=False)
    table.add_column("", style="bold")
    for fid in factors:
        table.add_column(fid, justify="center")
    if extra:
        table.add_column(extra[0], justify="right")
    if sums is not None:
        table.add_column("Driving", justify="right", style="bold")
    for i, fid in enumerate(factors):
        row = [Text(c, style="bold yellow") if c == "1*" else Text(c) for c in cells[i]]
        tail = [extra[1][i]] if extra else []
        if sums is not None:
            tail.append(str(sums.sum(axis=1)[i]))
        table.add_row(fid, *row, *tail)
    if sums is not None:
        table.add_row(
            "Dependence",
            *(str(v) for v in sums.sum(axis=0)),
            *([""] if extra else []),
            "",
            style="bold",
        )
    return table


def ism_views(model: StructuralModel, ssim: np.ndarray | None) -> Iterator[RenderableType]:
    """The ISM report: SSIM, IRM, FRM with 1*, level iterations, canonical matrix, hierarchy."""
    res, f = model.ism, list(model.factors)
    if ssim is not None:
        yield matrix_table("SSIM", f, export.ssim_cells(ssim))
    yield matrix_table(
        "Initial reachability matrix", f, res.irm.astype(int).astype(str).tolist(), sums=res.irm
    )
    marked = res.marked_frm
    yield matrix_table(
        "Final reachability matrix (1* = transitive)", f, marked.tolist(), sums=res.frm
    )
    yield from level_views(model)
    order = res.canonical_order
    yield matrix_table(
        "Canonical matrix (ordered by level)",
        [f[i] for i in order],
        marked[np.ix_(order, order)].tolist(),
        extra=("Level", [str(res.levels[i]) for i in order]),
    )
    yield hierarchy_view(model)


def level_views(model: StructuralModel) -> Iterator[Table]:
    """One table per level-partition iteration, as papers print them."""
    res, f = model.ism, model.factors
    for it, (lvl, rows) in enumerate(level_iterations(res), start=1):
        table = Table(title=f"Level partition, iteration {it}", title_justify="left")
        for col in ("Factor", "Reachability set", "Antecedent set", "Intersection", "Level"):
            table.add_column(col)
        for r in rows:
            table.add_row(
                f[r.factor],
                ", ".join(f[i] for i in r.reachability),
                ", ".join(f[i] for i in r.antecedent),
                ", ".join(f[i] for i in r.intersection),
                str(lvl) if r.levelled else "",
                style="bold" if r.levelled else None,
            )
        yield table


def hierarchy_view(model: StructuralModel) -> RenderableType:
    """The digraph drawn level by level, top (outcome side) first; each node lists the nodes
    whose arrows reach it directly (transitive reduction, cycles condensed)."""
    res, f = model.ism, model.factors
    incoming: dict[int, list[int]] = {}
    for a, b in res.digraph_edges:
        incoming.setdefault(b, []).append(a)
    lines = [
        Text("ISM hierarchy (arrows point up, towards the outcome)", style="bold"),
        Text(export.tier_rule(model), style="dim"),
    ]
    for lvl in range(1, res.n_levels + 1):
        tier = export.tier_of_level(model, lvl)
        line = Text(f"Level {lvl:<2} {tier:<8} ", style="bold")
        for k, node in enumerate(res.digraph_nodes):
            if res.levels[node[0]] != lvl:
                continue
            line.append(f"[{' ⇄ '.join(f[i] for i in node)}]", style="reverse")
            sources = incoming.get(k, [])
            if sources:
                line.append(
                    " ◀ " + ", ".join(f[res.digraph_nodes[s][0]] for s in sources), style="dim"
                )
            line.append("  ")
        lines.append(line)
    return Group(*lines)


def micmac_table(model: StructuralModel) -> Table:
    """Driving power, dependence, cluster, level and the direct → indirect ranks per factor."""
    res, ind, f = model.ism, model.indirect, model.factors
    table = Table(
        title="MICMAC",
        title_justify="left",
        caption=f"{model.threshold.describe()}. * hidden factor: its indirect ranks (shared "
        "with its ties) do not overlap its direct ones.",
        caption_justify="left",
    )
    for col in ("Factor", "Drive", "Dep.", "Cluster", "Level", "Tier", "Drive rank", "Dep. rank"):
        table.add_column(
            col,
            justify="left" if col in ("Factor", "Cluster", "Tier") else "right",
            no_wrap=col in ("Cluster", "Tier"),
        )
    hidden = set(ind.hidden)
    for i in export.by_driving_power(model):
        q = model.quadrants[i]
        table.add_row(
            f[i] + (" *" if i in hidden else ""),
            str(res.driving_power[i]),
            str(res.dependence[i]),
            Text(q, style=QUADRANT_STYLE[q]),
            str(res.levels[i]),
            res.tiers[i],
            f"{ind.direct_driving.rank[i]}→{ind.driving.rank[i]}",
            f"{ind.direct_dependence.rank[i]}→{ind.dependence.rank[i]}",
        )
    return table


def micmac_map(model: StructuralModel, width: int = 30) -> RenderableType:
    """The driving-dependence map as a character grid: dependence across, driving up, the
    threshold drawn between the weak and the strong values. A cell shows one factor id (``+``
    when it holds more, listed below); above ``width`` values an axis cell spans several."""
    res, f, thr = model.ism, model.factors, model.threshold
    n = len(f)
    step = -(-n // width)
    bins = -(-n // step)

    def strong(value: int, limit: float) -> bool:
        return value >= limit if thr.equal_is_strong else value > limit

    cut_x = next((b for b in range(bins) if strong(b * step + 1, thr.dependence)), bins)
    cut_y = next((b for b in range(bins) if strong(b * step + 1, thr.driving)), bins)
    points: dict[tuple[int, int], list[int]] = {}
    for i in range(n):
        key = ((int(res.dependence[i]) - 1) // step, (int(res.driving_power[i]) - 1) // step)
        points.setdefault(key, []).append(i)
    cell_w = max(len(fid) for fid in f) + 2
    rows = []
    for y in range(bins - 1, -1, -1):
        line = Text(f"{min(n, (y + 1) * step):>4} ┤")
        for x in range(bins):
            if x == cut_x:
                line.append("│", style="dim")
            members = points.get((x, y))
            if members:
                label = f[members[0]] + ("+" if len(members) > 1 else "")
                line.append(
                    f" {label}".ljust(cell_w), style=QUADRANT_STYLE[model.quadrants[members[0]]]
                )
            else:
                line.append(" " * cell_w)
        rows.append(line)
        if y == cut_y and y > 0:
            rule = "─" * (cut_x * cell_w) + "┼" + "─" * ((bins - cut_x) * cell_w)
            rows.append(Text("     ┤" + rule, style="dim"))
    axis = "".join(
        (" " if x == cut_x else "") + f" {min(n, (x + 1) * step)}".ljust(cell_w)
        for x in range(bins)
    )
    rows.append(Text("     └" + "─" * (bins * cell_w + 1)))
    rows.append(Text("      " + axis))
    legend = [
        Text(
            "Driving power up, dependence across. Quadrants: independent top-left, linkage "
            "top-right, autonomous bottom-left, dependent bottom-right.",
            style="dim",
        )
    ]
    for members in points.values():
        if len(members) > 1:
            legend.append(Text("  together: " + ", ".join(f[m] for m in members), style="dim"))
    return Group(Text("MICMAC map", style="bold"), *rows, *legend)


def tier_check_table(model: StructuralModel) -> RenderableType:
    """Cross-table of ISM tiers against MICMAC clusters, with the factors that break it."""
    f = model.factors
    table = Table(
        title="ISM tiers against MICMAC clusters",
        title_justify="left",
        caption=export.check_rule(),
        caption_justify="left",
    )
    table.add_column("Tier")
    for q in QUADRANTS:
        table.add_column(q, style=QUADRANT_STYLE[q])
    for tier, row in model.check.table.items():
        table.add_row(tier, *(", ".join(f[i] for i in row[q]) for q in QUADRANTS))
    return Group(table, Text(export.breaks_sentence(model)))
