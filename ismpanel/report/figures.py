"""Figures written to files (matplotlib, imported only here). SVG output is deterministic:
fixed hash salt, no date, text drawn as paths, so the same model always gives the same file."""

from __future__ import annotations

import io

from ismpanel.analysis.structure import StructuralModel

_QUADRANT_LABELS = (
    ("independent", 0.02, 0.98, "left", "top"),
    ("linkage", 0.98, 0.98, "right", "top"),
    ("autonomous", 0.02, 0.02, "left", "bottom"),
    ("dependent", 0.98, 0.02, "right", "bottom"),
)


def micmac_svg(model: StructuralModel) -> bytes:
    """The driving-dependence map as SVG: one point per factor, labelled with its id (several
    ids at one point share a label), threshold lines and quadrant names."""
    import matplotlib
    from matplotlib.figure import Figure

    res, f, thr = model.ism, model.factors, model.threshold
    n = len(f)
    points: dict[tuple[int, int], list[str]] = {}
    for i in range(n):
        points.setdefault((int(res.dependence[i]), int(res.driving_power[i])), []).append(f[i])
    with matplotlib.rc_context({"svg.hashsalt": "ismpanel", "svg.fonttype": "path"}):
        fig = Figure(figsize=(6.5, 6.0))
        ax = fig.add_subplot()
        ax.set_xlim(0, n + 0.5)
        ax.set_ylim(0, n + 0.5)
        ax.axvline(thr.dependence, color="0.5", linewidth=0.8)
        ax.axhline(thr.driving, color="0.5", linewidth=0.8)
        for (x, y), ids in sorted(points.items()):
            ax.plot(x, y, "o", color="tab:blue", markersize=5)
            ax.annotate(
                ", ".join(ids),
                (x, y),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=7,
                parse_math=False,  # ids are text: a "$" is a dollar sign, not maths
            )
        for name, x, y, ha, va in _QUADRANT_LABELS:
            ax.text(x, y, name, transform=ax.transAxes, ha=ha, va=va, fontsize=9, color="0.4")
        ax.set_xlabel("Dependence")
        ax.set_ylabel("Driving power")
        ax.set_title("MICMAC driving-dependence map")
        fig.text(0.01, 0.01, model.threshold.describe(), fontsize=6, color="0.4", parse_math=False)
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()
