"""Rich renderings of a structural model for the terminal: matrices, level iterations, the
hierarchy drawn level by level, the MICMAC table and its driving-dependence map."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from ismpanel.analysis.structure import StructuralModel
from ismpanel.report import structure_tables as tables
from ismpanel.report import terminal
from ismpanel.report.terminal import hierarchy_view

QUADRANT_STYLE = {
    "autonomous": "dim",
    "dependent": "cyan",
    "linkage": "magenta",
    "independent": "green",
}


def ism_views(
    model: StructuralModel, ssim: np.ndarray | None, names: Mapping[str, str] | None = None
) -> Iterator[RenderableType]:
    """The ISM report: the factors' names (when known), SSIM, IRM, FRM with 1*, level
    iterations, canonical matrix, hierarchy; the matrices head their columns with ids."""
    if names:
        yield factor_legend(model, names)
    if ssim is not None:
        yield terminal.table(tables.ssim_table(model, ssim))
    yield terminal.table(tables.irm_table(model))
    yield terminal.table(tables.frm_table(model))
    for t in tables.iteration_tables(model):
        yield terminal.table(t)
    yield terminal.table(tables.canonical_table(model))
    yield hierarchy_view(model)


def factor_legend(model: StructuralModel, names: Mapping[str, str]) -> RenderableType:
    """Each factor's id beside its name, the key to the matrices' id headers."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for fid in model.factors:
        grid.add_row(fid, names.get(fid, ""))
    return Group(Text("Factors", style="italic"), grid)


def micmac_table(model: StructuralModel) -> RenderableType:
    """Driving power, dependence, cluster, level and the direct → indirect ranks per factor."""
    return terminal.table(tables.micmac_table(model), styles=QUADRANT_STYLE)


def micmac_map(model: StructuralModel) -> RenderableType:
    """The driving-dependence map as a character grid: dependence across, driving up, the
    threshold drawn between the weak and the strong values. A cell shows one factor id (``+``
    when it holds more, listed below); where the values do not fit the terminal's width, an
    axis cell spans several."""
    return _MicmacMap(model)


class _MicmacMap:
    """The map laid out at render time, when the console's width is known."""

    def __init__(self, model: StructuralModel) -> None:
        self.model = model

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        model = self.model
        n = len(model.factors)
        cell_w = max(max(len(fid) for fid in model.factors) + 2, len(str(n)) + 1)
        # a row is the axis label (6), the threshold line (1) and one cell per axis cell
        fit = max(1, (options.max_width - 7) // cell_w)
        step = -(-n // fit)
        yield from _map_lines(model, step, cell_w)


def _map_lines(model: StructuralModel, step: int, cell_w: int) -> list[Text]:
    res, f, thr = model.ism, model.factors, model.threshold
    n = len(f)
    bins = -(-n // step)

    cut_x = next((b for b in range(bins) if thr.strong(b * step + 1, thr.dependence)), bins)
    cut_y = next((b for b in range(bins) if thr.strong(b * step + 1, thr.driving)), bins)
    points: dict[tuple[int, int], list[int]] = {}
    for i in range(n):
        key = ((int(res.dependence[i]) - 1) // step, (int(res.driving_power[i]) - 1) // step)
        points.setdefault(key, []).append(i)
    rows = [Text("MICMAC map", style="bold")]
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
    rows.append(Text("      " + axis.rstrip()))
    spans = f" Each axis cell spans {step} values (the number is its top)." if step > 1 else ""
    rows.append(
        Text(
            "Driving power up, dependence across. Quadrants: independent top-left, linkage "
            f"top-right, autonomous bottom-left, dependent bottom-right.{spans}",
            style="dim",
        )
    )
    for axis_name, limit in (("dependence", thr.dependence), ("driving power", thr.driving)):
        first = next((v for v in range(1, n + 1) if thr.strong(v, limit)), None)
        if first is not None and (first - 1) % step:
            low = (first - 1) // step * step + 1
            rows.append(
                Text(
                    f"The {axis_name} threshold falls inside the cell of values {low}-"
                    f"{min(n, low + step - 1)}, drawn on the weak side (the table above gives "
                    "each factor's cluster).",
                    style="dim",
                )
            )
    for members in points.values():
        if len(members) > 1:
            rows.append(Text("  together: " + ", ".join(f[m] for m in members), style="dim"))
    return rows


def tier_check_table(model: StructuralModel) -> RenderableType:
    """Cross-table of ISM tiers against MICMAC clusters, with the factors that break it."""
    return terminal.table(tables.tier_check_table(model))
