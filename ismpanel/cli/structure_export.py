"""Text exports of a structural model: the stable JSON document, Mermaid, Graphviz DOT and a
markdown report with every table."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ismpanel.analysis.ism import LEVEL_TESTS, level_iterations
from ismpanel.analysis.micmac import EXPECTED_QUADRANT, QUADRANTS
from ismpanel.analysis.structure import StructuralModel


def model_json(model: StructuralModel) -> dict:
    """The ``--json`` document of ``ism`` and ``micmac``; its keys are a stable contract."""
    res, f = model.ism, model.factors
    ind = model.indirect

    def names(idx) -> list[str]:
        return [f[i] for i in idx]

    return {
        "factors": list(f),
        "irm": res.irm.astype(int).tolist(),
        "frm": res.frm.astype(int).tolist(),
        "transitive": [[f[i], f[j]] for i, j in np.argwhere(res.transitive)],
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


def node_label(model: StructuralModel, node: tuple[int, ...], names: Mapping[str, str]) -> str:
    """A digraph node's label: its members joined by ⇄ (a cycle), each with its name if known."""
    parts = []
    for i in node:
        fid = model.factors[i]
        parts.append(f"{fid} · {names[fid]}" if fid in names else fid)
    return " ⇄ ".join(parts)


def to_mermaid(model: StructuralModel, names: Mapping[str, str] | None = None) -> str:
    """Mermaid flowchart, deep levels at the bottom, one subgraph per level.

    Node ids are generated (``n1``, ``n2``...) and every label is quoted and escaped, so factor
    ids that are Mermaid keywords (``end``, ``graph``) or hold punctuation still render.
    """
    names = names or {}
    res = model.ism
    lines = ["flowchart BT"]
    for lvl in range(1, res.n_levels + 1):
        lines.append(f'  subgraph L{lvl}["Level {lvl} · {tier_of_level(model, lvl)}"]')
        for k, node in enumerate(res.digraph_nodes):
            if res.levels[node[0]] == lvl:
                lines.append(f'    n{k + 1}["{_mermaid_text(node_label(model, node, names))}"]')
        lines.append("  end")
    lines += [f"  n{a + 1} --> n{b + 1}" for a, b in res.digraph_edges]
    return "\n".join(lines) + "\n"


def to_dot(model: StructuralModel, names: Mapping[str, str] | None = None) -> str:
    """Graphviz DOT digraph, deep levels at the bottom, each level on one rank."""
    names = names or {}
    res = model.ism
    lines = ["digraph ISM {", "  rankdir=BT;", "  node [shape=box];"]
    for lvl in range(1, res.n_levels + 1):
        members = [
            f'n{k + 1} [label="{_dot_text(node_label(model, node, names))}"];'
            for k, node in enumerate(res.digraph_nodes)
            if res.levels[node[0]] == lvl
        ]
        lines.append(f"  {{ rank=same; {' '.join(members)} }}  // level {lvl}")
    lines += [f"  n{a + 1} -> n{b + 1};" for a, b in res.digraph_edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_markdown(model: StructuralModel, ssim: np.ndarray | None = None) -> str:
    """Every ISM and MICMAC table in markdown, with the rules used."""
    res, f = model.ism, model.factors
    out = ["# ISM and MICMAC results", ""]
    if ssim is not None:
        out += ["## Structural self-interaction matrix (SSIM)", ""]
        out += _md_matrix(f, ssim_cells(ssim))
    out += ["## Initial reachability matrix", ""]
    out += _md_matrix(f, res.irm.astype(int).astype(str).tolist(), sums=res.irm)
    frm_cells = res.marked_frm.tolist()
    out += ["## Final reachability matrix", "", "1* marks an entry added by transitivity.", ""]
    out += _md_matrix(f, frm_cells, sums=res.frm)
    rule = f"Rule: {res.level_rule} ({LEVEL_TESTS[res.level_rule]})."
    out += ["## Level partition", "", rule, ""]
    for it, (lvl, rows) in enumerate(level_iterations(res), start=1):
        out += [f"### Iteration {it}", ""]
        out += md_table(
            ["Factor", "Reachability set", "Antecedent set", "Intersection", "Level"],
            [
                [
                    f[r.factor],
                    _ids(f, r.reachability),
                    _ids(f, r.antecedent),
                    _ids(f, r.intersection),
                    str(lvl) if r.levelled else "",
                ]
                for r in rows
            ],
        )
    out += ["## Levels and tiers", "", tier_rule(model), ""]
    out += levels_md(model)
    order = res.canonical_order
    out += ["## Canonical matrix", "", "Factors ordered by level, level 1 first.", ""]
    canon = res.marked_frm[np.ix_(order, order)]
    out += _md_matrix(
        [f[i] for i in order], canon.tolist(), extra=("Level", [str(res.levels[i]) for i in order])
    )
    out += ["## Digraph", "", "```mermaid", to_mermaid(model).rstrip(), "```", ""]
    out += ["## MICMAC", "", model.threshold.describe() + ".", ""]
    out += micmac_md(model)
    out += [indirect_note(model), ""]
    out += ["## ISM tiers against MICMAC clusters", "", check_rule(), ""]
    out += md_table(
        ["Tier", *QUADRANTS],
        [
            [tier, *(", ".join(f[i] for i in row[q]) for q in QUADRANTS)]
            for tier, row in model.check.table.items()
        ],
    )
    out.append(breaks_sentence(model))
    return "\n".join(out).rstrip() + "\n"


def ssim_cells(ssim: np.ndarray) -> list[list[str]]:
    """An SSIM's letters as printed: upper triangle, ``X`` on the diagonal, blank below."""
    n = len(ssim)
    return [[ssim[i, j] or ("X" if i == j else "") for j in range(n)] for i in range(n)]


def levels_md(model: StructuralModel, names: Mapping[str, str] | None = None) -> list[str]:
    """The level table with tiers as markdown lines (factors in canonical order, with their
    names when given)."""
    res, f, names = model.ism, model.factors, names or {}
    rows = []
    for lvl in range(1, res.n_levels + 1):
        members = [i for i in res.canonical_order if res.levels[i] == lvl]
        label = "; ".join(f"{f[i]} {names.get(f[i], '')}".strip() for i in members)
        rows.append([str(lvl), tier_of_level(model, lvl), label])
    return md_table(["Level", "Tier", "Factors"], rows)


def micmac_md(model: StructuralModel, names: Mapping[str, str] | None = None) -> list[str]:
    """The MICMAC table as markdown lines, strongest driver first; * marks hidden factors."""
    res, f, ind = model.ism, model.factors, model.indirect
    hidden = set(ind.hidden)
    order = by_driving_power(model)
    header = [
        "Factor",
        *(["Name"] if names else []),
        "Driving power",
        "Dependence",
        "Cluster",
        "Level",
        "Tier",
        "Indirect rank (driving / dependence)",
    ]
    rows = [
        [
            f[i] + (" *" if i in hidden else ""),
            *([names.get(f[i], "")] if names else []),
            str(res.driving_power[i]),
            str(res.dependence[i]),
            model.quadrants[i],
            str(res.levels[i]),
            res.tiers[i],
            f"{ind.driving.rank[i]} / {ind.dependence.rank[i]}",
        ]
        for i in order
    ]
    return md_table(header, rows)


def by_driving_power(model: StructuralModel) -> list[int]:
    """Factor indices, strongest driver first, ties in input order (the MICMAC tables' order)."""
    power = model.ism.driving_power
    return sorted(range(len(power)), key=lambda i: (-int(power[i]), i))


def tier_rule(model: StructuralModel) -> str:
    """The tier rule in words, printed wherever tiers are used."""
    parts = []
    for tier, rng in model.ism.tier_ranges.items():
        if rng:
            span = f"level {rng[0]}" if rng[0] == rng[1] else f"levels {rng[0]}-{rng[1]}"
            parts.append(f"{tier} = {span}")
    source = f"ranges {model.options.tiers}" if model.options.tiers else "default rule"
    return f"Tiers ({source}): " + "; ".join(parts) + "."


def indirect_note(model: StructuralModel) -> str:
    """How the indirect ranking was computed and whether it settled."""
    ind = model.indirect
    settled = (
        f"the ranking settles at power {ind.settled_at}"
        if ind.settled_at is not None
        else "the ranking never settles within the horizon (cycles make it oscillate); the "
        "ranks shown are those at the horizon"
    )
    hidden = ", ".join(model.factors[i] for i in ind.hidden) or "none"
    return (
        f"Indirect MICMAC: row and column sums of powers of {ind.matrix} up to power "
        f"{ind.horizon}; {settled}. Factors whose rank moves from the direct ranking "
        f"(hidden factors): {hidden}."
    )


def check_rule() -> str:
    """The expected tier-to-cluster pattern in words."""
    return (
        "Expected pattern: surface tier ≈ dependent, deep tier ≈ independent; the middle tier "
        "carries no expectation."
    )


def breaks_sentence(model: StructuralModel) -> str:
    """The factors that break the expected pattern, in one sentence."""
    if not model.check.breaks:
        return "Every factor follows the expected pattern."
    items = [
        f"{model.factors[i]} ({tier}, {quad}; expected {exp})"
        for i, tier, quad, exp in model.check.breaks
    ]
    return "Factors that break the expected pattern: " + "; ".join(items) + "."


def tier_of_level(model: StructuralModel, level: int) -> str:
    """The tier a level belongs to."""
    for tier, rng in model.ism.tier_ranges.items():
        if rng and rng[0] <= level <= rng[1]:
            return tier
    raise ValueError(f"level {level} has no tier")


def _ids(factors: tuple[str, ...], idx: tuple[int, ...]) -> str:
    return ", ".join(factors[i] for i in idx)


def md_escape(text: str) -> str:
    """A cell for a markdown table: pipes escaped, line breaks flattened."""
    return " ".join(str(text).split()).replace("|", "\\|")


def md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table as lines, followed by a blank line."""
    lines = ["| " + " | ".join(map(md_escape, header)) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(map(md_escape, row)) + " |" for row in rows]
    return [*lines, ""]


def _md_matrix(factors, cells, sums=None, extra=None) -> list[str]:
    header = ["", *factors]
    rows = [[factors[i], *cells[i]] for i in range(len(factors))]
    if extra is not None:
        header.append(extra[0])
        for row, value in zip(rows, extra[1], strict=True):
            row.append(value)
    if sums is not None:
        header.append("Driving power")
        for row, value in zip(rows, sums.sum(axis=1), strict=True):
            row.append(str(value))
        rows.append(["Dependence", *(str(v) for v in sums.sum(axis=0)), ""])
    return md_table(header, rows)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
