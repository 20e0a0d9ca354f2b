"""Exports of a structural model: the stable JSON document and a markdown report with every
table (Mermaid and DOT text are in :mod:`ismpanel.report.structure_text`)."""

from __future__ import annotations

import numpy as np

from ismpanel.analysis.ism import LEVEL_TESTS
from ismpanel.analysis.micmac import EXPECTED_QUADRANT
from ismpanel.analysis.structure import StructuralModel
from ismpanel.cli.jsonout import Labelled


def model_json(model: StructuralModel) -> dict:
    """The ``--json`` document of ``ism`` and ``micmac``; its keys are a stable contract. The
    matrices stay numpy arrays (0/1) and the transitive pairs index pairs into the factor ids,
    for :mod:`ismpanel.cli.jsonout` to write row by row."""
    res, f = model.ism, model.factors
    ind = model.indirect

    def names(idx) -> list[str]:
        return [f[i] for i in idx]

    return {
        "factors": list(f),
        "irm": res.irm.view(np.uint8),
        "frm": res.frm.view(np.uint8),
        "transitive": Labelled(np.argwhere(res.transitive), f),
        "levels": {f[i]: int(v) for i, v in enumerate(res.levels)},
        "level_rule": res.level_rule,
        "tiers": dict(zip(f, res.tiers, strict=True)),
        "tier_levels": {t: list(r) if r else None for t, r in res.tier_ranges.items()},
        "canonical_order": names(res.canonical_order),
        "digraph": {
            "nodes": [names(node) for node in res.digraph_nodes],
            "edges": [
                [f[res.digraph_nodes[a][0]], f[res.digraph_nodes[b][0]]]
                for a, b in res.digraph_edges
            ],
        },
        "driving_power": {f[i]: int(v) for i, v in enumerate(res.driving_power)},
        "dependence": {f[i]: int(v) for i, v in enumerate(res.dependence)},
        "quadrant": dict(zip(f, model.quadrants, strict=True)),
        "threshold": {
            "rule": model.threshold.describe(),
            "driving": model.threshold.driving,
            "dependence": model.threshold.dependence,
        },
        "indirect": {
            "matrix": ind.matrix,
            "horizon": ind.horizon,
            "settled_at": ind.settled_at,
            "driving_rank": names(ind.driving.order),
            "dependence_rank": names(ind.dependence.order),
            "direct_driving_rank": names(ind.direct_driving.order),
            "direct_dependence_rank": names(ind.direct_dependence.order),
            "hidden": names(ind.hidden),
        },
        "tier_check": {
            "expected": EXPECTED_QUADRANT,
            "table": {
                tier: {q: names(idx) for q, idx in row.items()}
                for tier, row in model.check.table.items()
            },
            "breaks": [
                {"factor": f[i], "tier": t, "quadrant": q, "expected": e}
                for i, t, q, e in model.check.breaks
            ],
        },
    }


def to_markdown(model: StructuralModel, ssim: np.ndarray | None = None) -> str:
    """Every ISM and MICMAC table in markdown, with the rules used: the tables the terminal
    shows, rendered from the same data."""
    from ismpanel.report import markdown as md
    from ismpanel.report import structure_tables as tables
    from ismpanel.report.structure_text import indirect_note, tier_rule, to_mermaid

    res = model.ism
    out = ["# ISM and MICMAC results"]
    if ssim is not None:
        out.append(md.table(tables.ssim_table(model, ssim), title_level=2))
    out.append(md.table(tables.irm_table(model), title_level=2))
    out.append(md.table(tables.frm_table(model), title_level=2))
    out.append(f"## Level partition\n\nRule: {res.level_rule} ({LEVEL_TESTS[res.level_rule]}).")
    out += [md.table(t, title_level=3) for t in tables.iteration_tables(model)]
    out.append(
        md.table(tables.levels_table(model), title_level=2) + f"\n\nTiers: {tier_rule(model)}."
    )
    out.append(md.table(tables.canonical_table(model), title_level=2))
    out.append("## Digraph\n\n```mermaid\n" + to_mermaid(model).rstrip() + "\n```")
    out.append(md.table(tables.micmac_table(model), title_level=2))
    out.append(f"Indirect MICMAC: {indirect_note(model)}.")
    out.append(md.table(tables.tier_check_table(model), title_level=2))
    return "\n\n".join(out) + "\n"
