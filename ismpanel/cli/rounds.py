"""``ismpanel round``: Delphi rounds on the pairs the panel contests."""

import typer

from ismpanel.cli.options import BelowOpt, QuorumOpt, Rule, RuleOpt, StudyDir

round_app = typer.Typer(help="Delphi rounds.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(round_app, name="round")


@round_app.command("start")
def start_round(
    folder: StudyDir,
    below: BelowOpt = 0.75,
    rule: RuleOpt = Rule.direction,
    quorum: QuorumOpt = 1,
) -> None:
    """Open the next round on the pairs whose agreement is under --below (ties and pairs
    under the quorum too); each expert then sees their previous answer and the panel's
    anonymous distribution."""
    from ismpanel.cli.output import console
    from ismpanel.elicitation.panel import aggregate_panel
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder)
    result = aggregate_panel(store, rule=rule.value, quorum=quorum)
    contested = [p.pair for p in result.contested(below)]
    if not contested:
        console.print(f"No pair is under {below:.0%} agreement; no round opened.")
        return
    number = store.start_round(contested, below)
    console.print(
        f"Round {number} opened on {len(contested)} pair(s): "
        + ", ".join(f"{a}-{b}" for a, b in contested)
    )
