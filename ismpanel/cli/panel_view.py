"""Renderings of a panel aggregation: the per-pair table, the summary, and its JSON."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from ismpanel.elicitation.aggregate import LETTERS, Aggregate
from ismpanel.elicitation.study import Study


def aggregate_json(study: Study, result: Aggregate, below: float) -> dict:
    """The ``aggregate --json`` document."""
    return {
        "rule": result.rule,
        "quorum": result.quorum,
        "experts": list(result.experts),
        "fleiss_kappa": result.kappa,
        "below": below,
        "pairs": [
            {
                "i": p.pair[0],
                "j": p.pair[1],
                "votes": p.votes,
                "answered": len(p.answered),
                "missing": list(p.missing),
                "result": p.result,
                "agreement": p.agreement,
                "tie": p.tie,
                "below_quorum": p.below_quorum,
            }
            for p in result.pairs
        ],
        "contested": [list(p.pair) for p in result.contested(below)],
        "ssim": {
            "factors": list(study.factor_ids),
            "letters": {f"{a}-{b}": letter for (a, b), letter in result.letters().items()},
        },
    }


def aggregate_views(result: Aggregate, below: float) -> Iterator[RenderableType]:
    """Per-pair votes and verdicts, then the panel summary and the contested pairs."""
    table = Table(
        title=f"Aggregation of {len(result.experts)} experts ({result.rule} rule, quorum "
        f"{result.quorum})",
        title_justify="left",
    )
    for col in ("Pair", *LETTERS, "Missing", "Result", "Agreement", "Flag"):
        table.add_column(col, justify="left" if col in ("Pair", "Missing", "Flag") else "right")
    contested = {p.pair for p in result.contested(below)}
    for p in result.pairs:
        flag = "tie" if p.tie else ("below quorum" if p.below_quorum else "")
        if not flag and p.pair in contested:
            flag = f"< {below:.0%}"
        table.add_row(
            f"{p.pair[0]}-{p.pair[1]}",
            *(str(p.votes[c]) for c in LETTERS),
            ", ".join(p.missing),
            p.result or "-",
            f"{p.agreement:.0%}" if p.agreement is not None else "-",
            Text(flag, style="yellow") if flag else "",
        )
    yield table
    kappa = "undefined" if result.kappa is None else f"{result.kappa:.3f}"
    yield Text(f"Fleiss' kappa over {len(result.pairs)} pairs: {kappa}")
    rule_words = {
        "direction": "an arc is kept when more than half of the experts who answered say yes "
        "(V or X for i→j, A or X for j→i)",
        "letter": "the most frequent letter; a tie between letters goes to the direction rule",
    }[result.rule]
    yield Text(f"Rule: {rule_words}.", style="dim")
    names = ", ".join(f"{a}-{b}" for a, b in sorted(contested, key=result_order(result)))
    yield Text(f"Contested pairs ({len(contested)}): {names or 'none'}")


def result_order(result: Aggregate):
    """Sort key putting pairs in study order."""
    position = {p.pair: k for k, p in enumerate(result.pairs)}
    return lambda pair: position[pair]
