"""``ismpanel interview``: the interview an expert runs in a terminal (often over SSH with a
forced command), full-screen or in line mode.

The token may come from ``--token`` (the forced-command line), a file, the ``ISMPANEL_TOKEN``
variable or a hidden prompt, so that an expert who runs the command by hand need not leave it
in ``ps`` or the shell's history."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ismpanel.cli.options import StudyDir
from ismpanel.errors import InputError

if TYPE_CHECKING:  # loaded when the command runs, so that --help stays fast
    from ismpanel.elicitation.interview import Session
    from ismpanel.elicitation.store import PanelStore

TOKEN_VARIABLE = "ISMPANEL_TOKEN"
TOKEN_BYTES = 1024  # a token file holds one token (16 characters) and perhaps a line break


class Order(StrEnum):
    rows = "rows"
    shuffled = "shuffled"


def register(app: typer.Typer) -> None:
    app.command("interview")(interview)


def interview(
    folder: StudyDir,
    expert: Annotated[str, typer.Option("--expert", help="Your pseudonym, e.g. E1.")],
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help=f"The token from your invitation (or --token-file, or ${TOKEN_VARIABLE}; "
            "without any, it is asked for, hidden).",
        ),
    ] = None,
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="A file holding the token from your invitation."),
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Line mode: one answer per line, may be piped.")
    ] = False,
    order: Annotated[
        Order, typer.Option("--order", help="Pairs row by row, or in your own fixed shuffle.")
    ] = Order.rows,
) -> None:
    """Answer every pair of factors: v, a, x or o, one key each; every answer is saved at once.
    Once all are answered, the same command lists your pairs so that you can change one."""
    from ismpanel.elicitation.interview import Session
    from ismpanel.elicitation.store import PanelStore
    from ismpanel.elicitation.wizard import closing_line

    store = PanelStore.open(folder)
    if store.expert(expert).kind != "human":
        raise InputError(f"--expert {expert}: an LLM panelist answers through llm-expert")
    if not plain and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError(
            "interview needs a terminal on stdin and stdout (piped input would be taken as "
            "answers); use --plain for line mode"
        )
    check_token(store, expert, token, token_file)
    store.check_open(expert)  # not a withdrawn expert, not a closed round
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


def check_token(store: PanelStore, expert: str, token: str | None, token_file: Path | None) -> None:
    """Find the token (``--token``, ``--token-file``, ``$ISMPANEL_TOKEN``, else a hidden
    prompt when stdin is a terminal and the expert has one) and have the store check it; a
    refusal is one line naming where the token came from."""
    if token is not None and token_file is not None:
        raise InputError("--token and --token-file: give one of them, not both")
    source = "--token"
    if token_file is not None:
        token, source = read_token_file(token_file), f"--token-file {token_file}"
    elif token is None and os.environ.get(TOKEN_VARIABLE, "").strip():
        token, source = os.environ[TOKEN_VARIABLE].strip(), TOKEN_VARIABLE
    elif token is None and sys.stdin.isatty() and _needs_token(store, expert):
        token, source = _ask_token(expert), "the token typed"
    try:
        store.check_token(expert, token)
    except InputError as err:
        if err.option != "token":
            raise
        if not token:
            raise InputError(
                f"{err}: give it with --token-file PATH, ${TOKEN_VARIABLE} or --token"
            ) from None
        raise InputError(f"{source}: {err}") from None


def read_token_file(path: Path) -> str:
    """The token in a small text file (surrounding blanks and the line break dropped)."""
    from ismpanel.readers import TEXT_BYTES, read_bytes

    try:
        data = read_bytes(path, TEXT_BYTES)
    except InputError as err:  # missing, a folder, a FIFO or device
        raise InputError(f"--token-file {err}") from None
    if len(data) > TOKEN_BYTES:
        raise InputError(
            f"--token-file {path}: over {TOKEN_BYTES} bytes; the file should hold only the "
            "token from your invitation"
        )
    try:
        token = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InputError(f"--token-file {path}: not a text file") from None
    if not token:
        raise InputError(f"--token-file {path}: empty; it should hold the token")
    return token


def _needs_token(store: PanelStore, expert: str) -> bool:
    """Whether the store refuses this expert without a token."""
    try:
        store.check_token(expert, None)
    except InputError:
        return True
    return False


def _ask_token(expert: str) -> str | None:
    """The token typed at a hidden prompt (on the terminal); None on end of input."""
    import getpass

    try:
        return getpass.getpass(f"Token for expert {expert} (not shown as you type): ").strip()
    except EOFError:
        return None
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        raise typer.Exit(130) from None


def _run(session: Session, plain: bool) -> str:
    from ismpanel.elicitation.wizard import run_plain, run_wizard

    if plain:
        return run_plain(session, sys.stdin, sys.stdout)
    from rich.console import Console

    from ismpanel.elicitation.llm.assistant import Assistant
    from ismpanel.elicitation.prompts import note_question, pair_question, pick_question

    question = pair_question()  # built once and asked again on every screen
    assistant = Assistant(session.store, session.expert.id)  # imports openai on first ? only
    try:
        return run_wizard(
            session,
            Console(highlight=False, markup=False),
            question.unsafe_ask,
            lambda: note_question().unsafe_ask(),
            assistant.explain,
            lambda: pick_question("Pair number:").unsafe_ask(),
        )
    finally:
        usage = assistant.close()
        if usage:
            sys.stderr.write(usage + "\n")
