"""``ismpanel interview``: the interview an expert runs in a terminal (often over SSH with a
forced command), full-screen or in line mode."""

import sys
from enum import StrEnum
from typing import Annotated

import typer

from ismpanel.analysis.errors import InputError
from ismpanel.cli.options import StudyDir


class Order(StrEnum):
    rows = "rows"
    shuffled = "shuffled"


def register(app: typer.Typer) -> None:
    app.command("interview")(interview)


def interview(
    folder: StudyDir,
    expert: Annotated[str, typer.Option("--expert", help="Your pseudonym, e.g. E1.")],
    token: Annotated[
        str | None, typer.Option("--token", help="The token from your invitation.")
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Line mode: one answer per line, may be piped.")
    ] = False,
    order: Annotated[
        Order, typer.Option("--order", help="Pairs row by row, or in your own fixed shuffle.")
    ] = Order.rows,
) -> None:
    """Answer every pair of factors: v, a, x or o, one key each; every answer is saved at once."""
    from ismpanel.elicitation.interview import Session
    from ismpanel.elicitation.store import PanelStore
    from ismpanel.elicitation.wizard import closing_line

    store = PanelStore.open(folder)
    if store.expert(expert).kind != "human":
        raise InputError(f"--expert {expert}: an LLM panelist answers through llm-expert")
    store.check_token(expert, token)
    if not plain and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError(
            "interview needs a terminal on stdin and stdout (piped input would be taken as "
            "answers); use --plain for line mode"
        )
    session = Session(store, expert, order.value, "plain" if plain else "interview")
    try:
        _run(session, plain)
    except KeyboardInterrupt:
        sys.stderr.write("\nInterrupted. " + closing_line(session) + "\n")
        raise typer.Exit(130) from None
    finally:
        store.close()
    message = closing_line(session)
    (sys.stdout if plain else sys.stderr).write(message + "\n")


def _run(session, plain: bool) -> str:
    from ismpanel.elicitation.wizard import run_plain, run_wizard

    if plain:
        return run_plain(session, sys.stdin, sys.stdout)
    from rich.console import Console

    from ismpanel.elicitation.llm.assistant import Assistant
    from ismpanel.elicitation.prompts import note_question, pair_question

    question = pair_question()  # built once and asked again on every screen
    assistant = Assistant(session.store, session.expert.id)  # imports openai on first ? only
    try:
        return run_wizard(
            session,
            Console(highlight=False, markup=False),
            question.unsafe_ask,
            lambda: note_question().unsafe_ask(),
            assistant.explain,
        )
    finally:
        usage = assistant.close()
        if usage:
            sys.stderr.write(usage + "\n")
