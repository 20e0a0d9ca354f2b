"""``ism --sensitivity`` and ``micmac --sensitivity``: the structure's sensitivity to the
panel's contested judgments, computed for a study folder, printed as tables and added to the
``--json`` document under ``sensitivity``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ismpanel.errors import InputError

if TYPE_CHECKING:
    from ismpanel.analysis.sensitivity_results import Change, Outcome, Sensitivity
    from ismpanel.analysis.structure import StructuralModel
    from ismpanel.elicitation.aggregate import PanelOptions

SensitivityOpt = Annotated[
    bool,
    typer.Option(
        "--sensitivity",
        help="Study folder: recompute the structure with each contested pair's other letters, "
        "without each expert, under other aggregation rules and MICMAC thresholds.",
    ),
]
FACTOR_PAIRS = 5  # pairs named per factor in the terminal table (--json has all)


def compute(source: Path, panel: PanelOptions, below: float, model: StructuralModel) -> Sensitivity:
    """The sensitivity of the study folder's structure (its model's options); a file has no
    experts' answers, so it is refused in one line."""
    from ismpanel.elicitation.store import PanelStore
    from ismpanel.report.sensitivity import of_panel

    if not source.is_dir():
        raise InputError(
            f"{source}: --sensitivity needs a study folder (the experts' answers), not a file"
        )
    store = PanelStore.open(source, read_only=True)
    try:
        return of_panel(store, panel, below, model.options)
    finally:
        store.close()


def show(found: Sensitivity | None) -> None:
    """Print the sensitivity tables and what they show (nothing without --sensitivity)."""
    if found is None:
        return
    from ismpanel.cli.output import console
    from ismpanel.report import sensitivity_tables as tables
    from ismpanel.report.sensitivity import paragraphs
    from ismpanel.report.terminal import table

    console.print("Sensitivity of the structure", style="bold")
    for line in (line for lines in paragraphs(found) for line in lines):
        console.print(line)
    console.print()
    for t in (
        tables.pairs_table(found),
        tables.leave_out_table(found),
        tables.rules_table(found),
        tables.thresholds_table(found),
        tables.factors_table(found, FACTOR_PAIRS),
    ):
        console.print(table(t))
        console.print()
    if found.reopen:
        pairs = ",".join(f"{a}-{b}" for a, b in found.reopen)
        console.print(
            f"To reopen these pairs, most moving first: ismpanel round start DIR --pairs {pairs}"
        )
    console.print(
        "Priority ranks here rest on the structure alone (ISM/MICMAC points); the brief "
        "adds the fsQCA points of measured conditions.",
        style="dim",
    )


def with_json(document: dict, found: Sensitivity | None) -> dict:
    """The ``--json`` document with a ``sensitivity`` key when it was asked for."""
    if found is not None:
        document["sensitivity"] = to_json(found)
    return document


def to_json(s: Sensitivity) -> dict:
    """The sensitivity as plain JSON values; pairs as [a, b], changes as [before, after]."""
    return {
        "rule": s.majority.describe(),
        "quorum": s.quorum,
        "below": s.below,
        "levels": s.base.n_levels,
        "reopen": [list(p) for p in s.reopen],
        "factors": {
            f.factor: {
                "tier": f.tier,
                "cluster": f.cluster,
                "verdict": f.verdict,
                "depends_on": [list(p) for p in f.depends_on],
                "moved_by": {
                    "micmac_thresholds": [{"rule": r, "moves": a} for r, a in f.thresholds],
                    "left_out": [{"expert": e, "moves": a} for e, a in f.without],
                    "aggregation": [{"rule": m.describe(), "moves": a} for m, a in f.rules],
                },
                "leave_one_out": {
                    "panels": f.panels,
                    "keeps_tier": f.keeps_tier,
                    "keeps_cluster": f.keeps_cluster,
                },
            }
            for f in s.stability
        },
        "pairs": [
            {
                "pair": list(p.pair),
                "verdict": p.verdict,
                "agreement": round(p.agreement, 4),
                "tie": p.tie,
                "votes": p.votes,
                "alternatives": [
                    {"letter": flip.letter, "votes": flip.votes, **_outcome(flip.outcome)}
                    for flip in p.flips
                ],
            }
            for p in s.pairs
        ],
        "leave_one_out": [
            {
                "expert": o.expert,
                "changed_pairs": [list(p) for p in o.changed_pairs],
                "unresolved": [list(p) for p in o.unresolved],
                **_outcome(o.outcome),
            }
            for o in s.leave_one_out
        ],
        "aggregation": [
            {
                "rule": v.majority.rule,
                "share": None if v.majority.share is None else float(v.majority.share),
                "describe": v.majority.describe(),
                "own": v.own,
                "changed_pairs": [list(p) for p in v.changed_pairs],
                "unresolved": [list(p) for p in v.unresolved],
                **_outcome(v.outcome),
            }
            for v in s.majorities
        ],
        "micmac_thresholds": [
            {
                "rule": t.threshold.rule,
                "driving": t.threshold.driving,
                "dependence": t.threshold.dependence,
                "own": t.own,
                "tiers_agree": t.agreeing,
                "surface_and_deep": t.expected,
                "changes": [_change(c) for c in t.changes],
            }
            for t in s.thresholds
        ],
    }


def _outcome(outcome: Outcome | None) -> dict:
    if outcome is None:
        return {"levels": None, "default_tiers": None, "changes": None}
    return {
        "levels": outcome.n_levels,
        "default_tiers": outcome.default_tiers,
        "changes": [_change(c) for c in outcome.changes],
    }


def _change(c: Change) -> dict:
    return {
        "factor": c.factor,
        "level": list(c.level) if c.level else None,
        "tier": list(c.tier) if c.tier else None,
        "cluster": list(c.cluster) if c.cluster else None,
        "rank": list(c.rank) if c.rank else None,
    }
