"""The brief's figures (matplotlib, imported only here): the MICMAC driving-dependence map and
the ISM hierarchy, in SVG for markdown and HTML and in PNG for Word. Output is deterministic
(fixed hash salt, no date, text drawn as paths), and labels are placed so that no two texts
overlap and no label covers a point: :func:`overlaps` is the check.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ismpanel.analysis.structure import StructuralModel

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

RC = {"svg.hashsalt": "ismpanel", "svg.fonttype": "path", "font.family": "DejaVu Sans"}
# label offsets (points) tried in turn around a MICMAC point: beside, above and below, further
_OFFSETS = [
    (dx * r, dy * r, ha, va)
    for r in (1, 2, 3.5, 5, 7, 9)
    for dx, dy, ha, va in (
        (4, 4, "left", "bottom"),
        (-4, 4, "right", "bottom"),
        (4, -4, "left", "top"),
        (-4, -4, "right", "top"),
        (0, 6, "center", "bottom"),
        (0, -6, "center", "top"),
        (6, 0, "left", "center"),
        (-6, 0, "right", "center"),
    )
]
MARKER = 5  # MICMAC point size (points)
PER_ROW = 12  # boxes on one row of the hierarchy; a wider level continues below
PER_LINE = 4  # ids on one line of a shared MICMAC label


def micmac_svg(model: StructuralModel) -> bytes:
    """The MICMAC map as SVG (the figure of ``brief.micmac.svg``)."""
    return render(micmac_figure(model), "svg")


def render(fig: Figure, fmt: str) -> bytes:
    """The figure's bytes in ``svg`` or ``png``, without a date or software stamp."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context(RC):
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        else:
            fig.savefig(buf, format="png", dpi=200, metadata={"Software": None})
    return buf.getvalue()


def micmac_figure(model: StructuralModel) -> Figure:
    """The driving-dependence map: one point per factor (ids at one point share a label),
    threshold lines, quadrant names in bands above and below the points, each label at the
    first place around its point where it overlaps nothing drawn before it."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    res, f, thr = model.ism, model.factors, model.threshold
    n = len(f)
    points: dict[tuple[int, int], list[str]] = {}
    for i in range(n):
        points.setdefault((int(res.dependence[i]), int(res.driving_power[i])), []).append(f[i])
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(6.5, 6.5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        band = max(1.5, 0.09 * (n + 1))  # about a tenth of the height above and below
        ax.set_xlim(0, n + 1)
        ax.set_ylim(1 - band, n + band)
        ax.axvline(thr.dependence, color="0.5", linewidth=0.8)
        ax.axhline(thr.driving, color="0.5", linewidth=0.8)
        top, bottom = n + band * 0.6, 1 - band * 0.6  # bands free of points (1 to n)
        for name, x, y, ha in (
            ("independent", 0.2, top, "left"),
            ("linkage", n + 0.8, top, "right"),
            ("autonomous", 0.2, bottom, "left"),
            ("dependent", n + 0.8, bottom, "right"),
        ):
            ax.text(x, y, name, ha=ha, va="center", fontsize=9, color="0.4")
        for x, y in sorted(points):
            ax.plot(x, y, "o", color="tab:blue", markersize=MARKER)
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Dependence")
        ax.set_ylabel("Driving power")
        ax.set_title("MICMAC driving-dependence map")
        fig.text(0.01, 0.01, model.threshold.describe(), fontsize=6, color="0.4", parse_math=False)
        renderer = fig.canvas.get_renderer()
        taken = [t.get_window_extent(renderer) for t in ax.texts] + _markers(ax, renderer)
        inside = ax.get_window_extent(renderer)
        for (x, y), ids in sorted(points.items()):
            label = ax.annotate(
                ",\n".join(", ".join(ids[k : k + PER_LINE]) for k in range(0, len(ids), PER_LINE)),
                (x, y),
                xytext=(0, 0),
                textcoords="offset points",
                fontsize=7,
                parse_math=False,  # ids are text: a "$" is a dollar sign, not maths
            )
            best = None
            for dx, dy, ha, va in _OFFSETS:
                label.set_position((dx, dy))
                label.set_ha(ha)
                label.set_va(va)
                box = label.get_window_extent(renderer)
                clash = sum(box.overlaps(other) for other in taken)
                clash += 0 if _within(box, inside) else 1
                if best is None or clash < best[0]:
                    best = (clash, dx, dy, ha, va, box)
                if clash == 0:
                    break
            _, dx, dy, ha, va, box = best
            label.set_position((dx, dy))
            label.set_ha(ha)
            label.set_va(va)
            taken.append(box)
    return fig


def hierarchy_figure(model: StructuralModel) -> Figure:
    """The ISM digraph level by level, level 1 (the outcome side) at the top: one box per
    node of the condensation (the factors of a cycle boxed together, joined by ⇄), arrows of
    the transitive reduction from a factor to those it influences, each row named with its
    level and tier. A level of more than :data:`PER_ROW` boxes continues on further rows, a
    row is as tall as its tallest box, and the figure widens until no two boxes overlap."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    res, f = model.ism, model.factors
    levels: dict[int, list[int]] = {}
    for k, node in enumerate(res.digraph_nodes):
        levels.setdefault(int(res.levels[node[0]]), []).append(k)
    rows = [  # (level, nodes, first row of its level)
        (lvl, nodes[j : j + PER_ROW], j == 0)
        for lvl, nodes in sorted(levels.items())
        for j in range(0, len(nodes), PER_ROW)
    ]
    labels = {k: _cycle_label([f[i] for i in node]) for k, node in enumerate(res.digraph_nodes)}
    heights = [  # inches: 0.16 per line of the tallest box, a gap between rows
        0.45 + 0.16 * max(labels[k].count("\n") + 1 for k in nodes) for _, nodes, _ in rows
    ]
    height = sum(heights) + 0.3
    width = max(6.5, 1.2 + 0.9 * max(len(nodes) for _, nodes, _ in rows))
    for _ in range(6):
        with matplotlib.rc_context(RC):
            fig = Figure(figsize=(width, height))
            FigureCanvasAgg(fig)
            ax = fig.add_axes((0, 0, 1, 1))
            ax.set_xlim(0, 1)
            ax.set_ylim(0, height)
            ax.axis("off")
            boxes = {}
            top = height - 0.15
            for (lvl, nodes, first), h in zip(rows, heights, strict=True):
                y = top - h / 2
                top -= h
                if first:
                    ax.text(0.01, y, f"Level {lvl}\n{model.ism.tier_of(lvl)}", fontsize=8,
                            color="0.35", va="center", ha="left")  # fmt: skip
                for j, k in enumerate(nodes):
                    cycle = len(res.digraph_nodes[k]) > 1
                    boxes[k] = ax.text(
                        0.16 + 0.82 * (j + 0.5) / len(nodes),
                        y,
                        labels[k],
                        ha="center",
                        va="center",
                        fontsize=8,
                        parse_math=False,
                        bbox={
                            "boxstyle": "round,pad=0.35",
                            "facecolor": "#fde9c9" if cycle else "#e8eef7",
                            "edgecolor": "#b07a1a" if cycle else "#4a6fa5",
                            "linewidth": 0.8,
                        },
                    )
            for a, b in res.digraph_edges:
                ax.annotate(
                    "",
                    xy=boxes[b].get_position(),
                    xytext=boxes[a].get_position(),
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": "0.3",
                        "linewidth": 0.7,
                        "patchA": boxes[a].get_bbox_patch(),
                        "patchB": boxes[b].get_bbox_patch(),
                        "shrinkA": 1,
                        "shrinkB": 1,
                    },
                )
            if not overlaps(fig):
                return fig
        width *= 1.3
    return fig


def _cycle_label(ids: list[str]) -> str:
    """Ids of a cycle joined by ⇄, three to a line."""
    lines = [" ⇄ ".join(ids[k : k + 3]) for k in range(0, len(ids), 3)]
    return " ⇄\n".join(lines)


def overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Every pair of texts of the figure whose boxes (with their frames) overlap, and every
    text that covers a plotted point or runs over the figure's edge, as (text, other) pairs
    ("point", "edge" for those); empty when the figure is clean."""
    fig.draw_without_rendering()  # frames around texts take their places at drawing
    renderer = fig.canvas.get_renderer()
    texts = [t for t in _drawn_texts(fig) if t.get_text().strip() and t.get_visible()]
    boxes = [(t.get_text(), _extent(t, renderer)) for t in texts]
    found = [
        (a, b)
        for k, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[k + 1 :]
        if box_a.overlaps(box_b)
    ]
    for ax in fig.axes:
        for marker in _markers(ax, renderer):
            found += [(name, "point") for name, box in boxes if box.overlaps(marker)]
    found += [(name, "edge") for name, box in boxes if not _within(box, fig.bbox)]
    return found


def _drawn_texts(fig: Figure) -> list:
    """The texts a drawing shows: the figure's, each axes' texts, title and axis labels, and
    the tick labels inside the axis limits (matplotlib keeps others it does not draw)."""
    found = list(fig.texts)
    for ax in fig.axes:
        found += [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            found += [
                tick.label1 for tick in axis.get_major_ticks() if low <= tick.get_loc() <= high
            ]
    return found


def _extent(text, renderer) -> Bbox:
    patch = text.get_bbox_patch()
    return patch.get_window_extent(renderer) if patch else text.get_window_extent(renderer)


def _markers(ax, renderer) -> list[Bbox]:
    """The display boxes of the points plotted on the axes (line markers)."""
    from matplotlib.transforms import Bbox

    out = []
    for line in ax.get_lines():
        if line.get_marker() in (None, "None", ""):
            continue
        radius = line.get_markersize() / 72 * ax.figure.dpi / 2
        for x, y in ax.transData.transform(line.get_xydata()):
            out.append(Bbox.from_extents(x - radius, y - radius, x + radius, y + radius))
    return out


def _within(box: Bbox, outer: Bbox) -> bool:
    return box.x0 >= outer.x0 and box.x1 <= outer.x1 and box.y0 >= outer.y0 and box.y1 <= outer.y1
