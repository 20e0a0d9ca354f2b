"""``ismpanel init``, ``templates`` and ``status``: create a study folder and watch the panel."""

from pathlib import Path
from typing import Annotated

import typer

from ismpanel.cli.options import JsonOpt, StudyDir
from ismpanel.errors import InputError


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("templates")(templates)
    app.command("status")(status)


def init(
    folder: StudyDir,
    template: Annotated[
        str | None, typer.Option("--template", help="A bundled study (see: ismpanel templates).")
    ] = None,
    factors: Annotated[
        Path | None,
        typer.Option(
            "--factors", help="Factors file: CSV/XLSX/TOML with id, dimension, name, definition."
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Study title.")] = None,
    relation: Annotated[
        str, typer.Option("--relation", help="Contextual relation used in every question.")
    ] = "directly influences",
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="What the structure explains.")
    ] = None,
    dimensions: Annotated[
        str | None,
        typer.Option(
            "--dimensions",
            help="Allowed dimensions, e.g. policy,technology,data,users "
            "(default: those the factors file names).",
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            help="Let this group read and write panel.db (one account per "
            "expert); default: owner only.",
        ),
    ] = None,
) -> None:
    """Create a study folder: study.toml and an empty panel.db."""
    from ismpanel.cli.output import console, warn
    from ismpanel.elicitation.creation import (
        create_from_template,
        create_study,
        study_from_factors_file,
    )
    from ismpanel.elicitation.study import study_toml
    from ismpanel.report.markdown import plural

    if (template is None) == (factors is None):
        raise InputError("init needs exactly one of --template NAME or --factors FILE")
    if template is not None:
        study = create_from_template(folder, template, group)
    else:
        study = study_from_factors_file(
            factors, title or folder.resolve().name, relation, outcome, dimensions
        )
        create_study(folder, study, study_toml(study), group)
    for f in study.factors:
        if not f.definition.strip():
            warn(f"factor {f.id} ({f.name}) has no definition; experts will see only its name")
    console.print(
        f"Created study {study.title} in {folder}: {len(study.factors)} factors, "
        f"{plural(len(study.factors) * (len(study.factors) - 1) // 2, 'pair')} per expert. "
        "Next: ismpanel expert add."
    )


def templates(json: JsonOpt = False) -> None:
    """List the bundled study templates."""
    from ismpanel.cli.output import console, print_json
    from ismpanel.elicitation.study import bundled_templates, load_study

    found = {name: load_study(path) for name, path in bundled_templates().items()}
    if json:
        print_json(
            [
                {
                    "name": name,
                    "title": study.title,
                    "factors": len(study.factors),
                    "dimensions": [d.id for d in study.dimensions],
                }
                for name, study in found.items()
            ]
        )
        return
    for name, study in found.items():
        console.print(
            f"{name}  {study.title} ({len(study.factors)} factors in "
            f"{len(study.dimensions)} dimensions)"
        )


def status(
    folder: StudyDir,
    json: JsonOpt = False,
) -> None:
    """Per expert: answered/total in the current round, last activity and standing; whom the
    round still waits for (not those who withdrew, nobody once the round is closed)."""
    from rich.table import Table

    from ismpanel.cli.experts import standing
    from ismpanel.cli.output import console, local_time, print_json
    from ismpanel.elicitation.panel import awaited, progress
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder, read_only=True)
    rows = progress(store)
    number = store.current_round()
    closed = store.round_closed(number)
    waiting = [p.id for p in awaited(store, include_llm=True)]
    if json:
        print_json(
            {
                "round": number,
                "closed": closed,
                "waiting_for": waiting,
                "experts": [
                    {
                        "id": p.id,
                        "kind": p.kind,
                        "answered": p.answered,
                        "total": p.total,
                        "last_activity": p.last_activity,
                        "withdrawn_from": p.withdrawn.round if p.withdrawn else None,
                    }
                    for p in rows
                ],
            }
        )
        return
    # the title on a line of its own: a table's title would wrap to the table's width
    state = " (closed)" if closed else ""
    console.print(f"{store.study.title}: round {number}{state}", style="bold")
    table = Table()
    for col in ("Expert", "Kind", "Answered", "Last activity", "Standing"):
        table.add_column(col)
    for p in rows:
        table.add_row(
            p.id,
            p.kind,
            f"{p.answered}/{p.total}",
            local_time(p.last_activity),
            standing(p, reason=False),
        )
    console.print(table)
    if closed:
        console.print(f"Round {number} is closed; unanswered pairs count as missing.")
    elif waiting:
        console.print("Not finished: " + ", ".join(waiting))
    else:
        console.print("Every expert has finished.")
