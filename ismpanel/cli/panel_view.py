"""Renderings of a panel aggregation: the per-pair table, the summary, and its JSON."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from ismpanel.analysis.relations import LETTERS
from ismpanel.elicitation.aggregate import Aggregate
from ismpanel.elicitation.agreement import LlmAgreement, PairAgreement
from ismpanel.elicitation.study import Study


def aggregate_json(
    study: Study, result: Aggregate, below: float, agreement: list[LlmAgreement] | None = None
) -> dict:
    """The ``aggregate --json`` document; with ``agreement``, also ``llm_agreement``: each
    LLM panelist against the human majority."""
    document = {
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
    if agreement is not None:
        document["llm_agreement"] = [agreement_json(a) for a in agreement]
    return document


def agreement_json(found: LlmAgreement) -> dict:
    """One LLM panelist's agreement with the human majority, for ``aggregate --json``."""
    return {
        "expert": found.expert,
        "model": found.model,
        "compared": found.compared,
        "agreed": found.agreed,
        "share": found.share,
        "cohen_kappa": found.kappa,
        "pairs": [
            {"i": p.pair[0], "j": p.pair[1], "llm": p.llm, "human": p.human, "agree": p.agree}
            for p in found.pairs
        ],
    }


def aggregate_views(
    result: Aggregate, below: float, agreement: list[LlmAgreement] | None = None
) -> Iterator[RenderableType]:
    """Per-pair votes and verdicts, then the panel summary and the contested pairs, and each
    LLM panelist's agreement with the human majority when there are panelists."""
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
    if agreement:
        voting = any(found.expert in result.experts for found in agreement)
        yield from agreement_views(agreement, voting)


def agreement_views(agreement: list[LlmAgreement], voting: bool) -> Iterator[RenderableType]:
    """Per pair, the human majority and each LLM panelist's letter (✓ agrees, ✗ differs),
    then per panelist the share of agreement and Cohen's kappa."""
    yield Text("LLM panelists against the human majority", style="bold")
    table = Table()
    table.add_column("Pair")
    table.add_column("Humans", justify="right")
    for found in agreement:
        table.add_column(found.expert, justify="right")
    for k, first in enumerate(agreement[0].pairs):
        cells = [_agreement_cell(found.pairs[k]) for found in agreement]
        table.add_row(f"{first.pair[0]}-{first.pair[1]}", first.human or "-", *cells)
    yield table
    for found in agreement:
        share = "-" if found.share is None else f"{found.share:.0%}"
        kappa = "undefined" if found.kappa is None else f"{found.kappa:.3f}"
        yield Text(
            f"{found.expert} ({found.model or 'model not recorded'}): agrees on {found.agreed} "
            f"of {found.compared} pairs compared ({share}); Cohen's kappa {kappa}"
        )
    role = (
        "vote in the majority above (--include-llm)"
        if voting
        else "do not vote in the majority above (add --include-llm to let them)"
    )
    yield Text(
        f"LLM panelists {role}. Compared: pairs where the human experts alone have a "
        "majority (a result, no tie, quorum met) and the panelist answered.",
        style="dim",
    )


def _agreement_cell(row: PairAgreement) -> Text:
    if row.llm is None:
        return Text("-")
    if row.agree is None:
        return Text(row.llm)
    return Text(f"{row.llm} {'✓' if row.agree else '✗'}", style="green" if row.agree else "red")


def result_order(result: Aggregate):
    """Sort key putting pairs in study order."""
    position = {p.pair: k for k, p in enumerate(result.pairs)}
    return lambda pair: position[pair]
