"""The structure in words and diagram text: the tier and indirect-MICMAC rules as the reports
state them, and the hierarchy as Mermaid and Graphviz DOT."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ismpanel.analysis.graph import connected_parts
from ismpanel.analysis.structure import StructuralModel

DEFAULT_TIER_RULE = "the levels split into three contiguous groups as evenly as possible"


def tier_rule(model: StructuralModel) -> str:
    """The tier ranges and where they come from, e.g. ``surface = levels 1-2; ...; default
    rule: ...`` (no leading label, so that a methods row does not repeat its own)."""
    parts = []
    for tier, rng in model.ism.tier_ranges.items():
        if rng:
            span = f"level {rng[0]}" if rng[0] == rng[1] else f"levels {rng[0]}-{rng[1]}"
            parts.append(f"{tier} = {span}")
    source = (
        f"ranges {model.options.tiers} as given"
        if model.options.tiers
        else f"default rule: {DEFAULT_TIER_RULE}"
    )
    return "; ".join(parts) + f" ({source})"


def detached_note(model: StructuralModel) -> str:
    """The factors that no link joins to the largest connected part of the structure, in a
    sentence ("" when the structure is connected): their level, tier and cluster come from
    their own links alone, which a reader of the hierarchy would not guess."""
    parts = connected_parts(model.ism.irm)
    if not len(parts) or parts.max() == 0:
        return ""
    sizes = np.bincount(parts)
    # with one largest part, the others are detached from it; with several, none is the rest
    main = int(np.argmax(sizes)) if (sizes == sizes.max()).sum() == 1 else None
    said = []
    for part in sorted(set(parts.tolist()) - {main}):
        ids = [model.factors[i] for i in np.flatnonzero(parts == part)]
        if len(ids) == 1:
            said.append(f"{ids[0]} (linked to no other factor)")
        else:
            among = "each other" if len(ids) == 2 else "one another"
            said.append(f"{', '.join(ids)} (linked only to {among})")
    lead = (
        "Not connected to the rest of the structure"
        if main is not None
        else f"The structure falls into {len(sizes)} unconnected parts"
    )
    return (
        f"{lead}: {'; '.join(said)}. Their levels, tiers "
        "and MICMAC clusters come from their own links alone and say nothing of their place "
        "among the other factors."
    )


def indirect_note(model: StructuralModel) -> str:
    """How the indirect ranking was computed, whether it settled, and the hidden factors."""
    ind = model.indirect
    settled = (
        f"the ranking settles at power {ind.settled_at}"
        if ind.settled_at is not None
        else "the ranking never settles within the horizon (cycles make it oscillate); the "
        "ranks shown are those at the horizon"
    )
    hidden = ", ".join(model.factors[i] for i in ind.hidden) or "none"
    return (
        f"row and column sums of powers of {ind.matrix} up to power {ind.horizon}; {settled}; "
        "hidden factors (whose range of ranks shared with their ties in the indirect ranking "
        f"does not overlap that in the direct ranking, on either axis): {hidden}"
    )


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
        lines.append(f'  subgraph L{lvl}["Level {lvl} · {model.ism.tier_of(lvl)}"]')
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


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
