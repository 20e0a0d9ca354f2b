"""``ismpanel round start|close``: Delphi rounds on the pairs the panel contests, and closing a
round so that the analysis stops waiting for it."""

from typing import Annotated

import typer

from ismpanel.cli.options import BelowOpt, QuorumOpt, Rule, RuleOpt, StudyDir
from ismpanel.errors import InputError

round_app = typer.Typer(help="Delphi rounds: open one, close one.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(round_app, name="round")


@round_app.command("start")
def start_round(
    folder: StudyDir,
    below: BelowOpt = 0.75,
    rule: RuleOpt = Rule.direction,
    quorum: QuorumOpt = 1,
    pairs: Annotated[
        str | None,
        typer.Option(
            "--pairs",
            help="Comma list of pairs to reopen, e.g. F1-F2,F3-F5 (default: the contested ones).",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Open the round although the current one has no answer."),
    ] = False,
) -> None:
    """Open the next round on the pairs whose agreement is under --below (ties and pairs
    under the quorum too), or on the pairs named; each expert then sees their previous answer,
    the previous round's anonymous distribution and the panel's notes on each pair."""
    from ismpanel.cli.output import console
    from ismpanel.elicitation.panel import aggregate_panel
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder)
    if pairs is not None:
        chosen = parse_pairs(pairs, store.pairs)
        number = store.start_round(chosen, None, force=force)
    else:
        result = aggregate_panel(store, rule=rule.value, quorum=quorum)
        chosen = [p.pair for p in result.contested(below)]
        if not chosen:
            console.print(f"No pair is under {below:.0%} agreement; no round opened.")
            return
        number = store.start_round(chosen, below, force=force)
    console.print(
        f"Round {number} opened on {len(chosen)} pair(s): "
        + ", ".join(f"{a}-{b}" for a, b in chosen)
    )


@round_app.command("close")
def close_round(
    folder: StudyDir,
    reopen: Annotated[
        bool, typer.Option("--reopen", help="Undo the closure: experts may answer again.")
    ] = False,
) -> None:
    """Close the current round: the pairs an expert left unanswered count as missing answers,
    and ism, micmac and brief run without --allow-incomplete; the brief names who had not
    finished."""
    from ismpanel.cli.output import console
    from ismpanel.elicitation.panel import awaited
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder)
    if reopen:
        number = store.reopen_round()
        console.print(f"Round {number} is open again.")
        return
    behind = awaited(store)
    number = store.close_round()
    who = ", ".join(f"{p.id} {p.total - p.answered} of {p.total}" for p in behind)
    console.print(
        f"Round {number} closed"
        + (
            f"; the pairs left unanswered count as missing ({who})."
            if behind
            else "; every expert had finished."
        )
    )


def parse_pairs(text: str, study_pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``A-B,C-D`` as study pairs, in study order; a pair written the other way round is the
    same pair; an unknown factor or pair is named."""
    known = set(study_pairs)
    wanted = set()
    for item in (x.strip() for x in text.split(",")):
        if not item:
            continue
        a, sep, b = item.partition("-")
        a, b = a.strip(), b.strip()
        if not sep or not a or not b:
            raise InputError(f"--pairs {item!r}: expected two factor ids as A-B", option="pairs")
        pair = (a, b) if (a, b) in known else (b, a)
        if pair not in known:
            raise InputError(f"--pairs {item!r}: not a pair of the study's factors", option="pairs")
        wanted.add(pair)
    if not wanted:
        raise InputError("--pairs: no pair given", option="pairs")
    return [p for p in study_pairs if p in wanted]
