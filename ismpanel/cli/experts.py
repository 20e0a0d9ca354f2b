"""``ismpanel expert add|profile|list``: invite experts (a token and an SSH forced-command line
each) and record their non-identifying profiles."""

import shlex
import sys
import unicodedata
from pathlib import Path
from typing import Annotated

import typer

from ismpanel.analysis.errors import InputError
from ismpanel.cli.options import StudyDir
from ismpanel.text import printable

LINE_BREAKS = "\u2028\u2029"
AttrOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--attr",
        help="A non-identifying attribute KEY=VALUE (sector, role, years...); repeatable.",
    ),
]
expert_app = typer.Typer(
    help="Invite experts, record their profiles, list them.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(expert_app, name="expert")


@expert_app.command("add")
def add(
    folder: StudyDir,
    name: Annotated[str, typer.Argument(help="The expert's name (shown to you only).")],
    llm: Annotated[
        bool, typer.Option("--llm", help="Register an LLM panelist (L1, L2...).")
    ] = False,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="The expert's SSH public key, or a file holding it, for the authorized_keys line.",
        ),
    ] = None,
    attr: AttrOpt = None,
) -> None:
    """Give an expert a pseudonym (E1, E2...), a one-time token and an SSH forced-command line."""
    from ismpanel.cli.output import console
    from ismpanel.elicitation.store import PanelStore, check_profile_entry

    store = PanelStore.open(folder)
    public_key = _public_key(key) if key else "<the expert's SSH public key>"
    attributes = parse_attributes(attr or [])
    for k, v in attributes.items():  # before the expert exists: a bad one adds nobody
        check_profile_entry(k, v)
    if not llm:
        _check_command_path(folder.resolve(), "the study folder's path")
        _check_command_path(Path(sys.executable), "the Python interpreter's path")
    expert, token = store.add_expert(name, "llm" if llm else "human")
    console.print(f"Expert {expert.id} added ({expert.kind}).")
    if attributes:
        store.set_profile(expert.id, attributes)
        console.print(f"Profile: {_profile_text(attributes)}")
    if token is None:
        return
    command = forced_command(folder.resolve(), expert.id, token)
    console.print(f"Token (shown once, stored only as a hash): {token}")
    console.print(f"Run: {command}", soft_wrap=True)
    console.print("authorized_keys line (the key can run nothing but this interview):")
    line = f'command="{command.replace(chr(34), chr(92) + chr(34))}",restrict,pty {public_key}'
    sys.stdout.write(line + "\n")


@expert_app.command("profile")
def profile(
    folder: StudyDir,
    expert: Annotated[str, typer.Argument(help="Pseudonym (E1, L1...).", show_default=False)],
    attr: AttrOpt = None,
) -> None:
    """Show or set an expert's profile: non-identifying attributes such as sector, role or
    years of experience (free keys; KEY= removes one). The brief shows the panel's composition
    from them, attribute by attribute, never per expert and never a name."""
    from ismpanel.cli.output import console
    from ismpanel.elicitation.store import PanelStore

    attributes = parse_attributes(attr or [])
    store = PanelStore.open(folder, read_only=not attributes)
    try:
        if attributes:
            found = store.set_profile(expert, attributes)
        else:
            store.expert(expert)
            found = store.profiles().get(expert, {})
    finally:
        store.close()
    console.print(f"{expert}: {_profile_text(found) or 'no profile recorded'}")


def parse_attributes(items: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict (a later KEY wins); a missing ``=`` is named."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise InputError(
                f"--attr {item!r}: expected KEY=VALUE, e.g. sector=health", option="attr"
            )
        out[key.strip()] = value.strip()
    return out


def _profile_text(attributes: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in attributes.items())


@expert_app.command("list")
def list_experts(folder: StudyDir) -> None:
    """Pseudonym, name, kind and progress of every expert (facilitator's view)."""
    from rich.table import Table

    from ismpanel.cli.output import console
    from ismpanel.elicitation.panel import progress
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder, read_only=True)
    table = Table(title=f"Experts of {store.study.title}", title_justify="left")
    for col in ("Pseudonym", "Name", "Kind", "Answered", "Last activity"):
        table.add_column(col)
    for p in progress(store):
        table.add_row(p.id, p.name, p.kind, f"{p.answered}/{p.total}", p.last_activity or "never")
    console.print(table)


def _public_key(value: str) -> str:
    """Exactly one public key (type, base64 body, optional comment) on one line: a second line
    in authorized_keys would be a key without the forced command."""
    import base64
    import binascii

    from ismpanel.readers import TEXT_BYTES, read_bytes

    path = Path(value).expanduser()
    if path.is_file():
        try:
            text = read_bytes(path, TEXT_BYTES).decode("utf-8").strip()
        except UnicodeDecodeError:
            raise InputError(f"--key: {value!r} is not a text file") from None
    else:
        text = value.strip()
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise InputError(f"--key: {value!r} holds {len(lines)} keys; give exactly one")
    if printable(lines[0]) != lines[0]:
        raise InputError(f"--key: {value!r} holds control characters; give the key as written")
    parts = lines[0].split()
    if len(parts) < 2 or not parts[0].startswith(("ssh-", "ecdsa-", "sk-")):
        raise InputError(f"--key: {value!r} is not an SSH public key (ssh-ed25519 AAAA...)")
    try:
        base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise InputError(f"--key: {value!r}: the key body is not base64") from None
    return " ".join(parts)


def forced_command(folder: Path, expert: str, token: str) -> str:
    """The interview as a shell command for sshd's ``command=``: this installation's Python
    run isolated (``-I``: no PYTHON* variable such as PYTHONINSPECT or PYTHONPATH, no user
    site-packages, not the current folder on the path), so that no environment an sshd
    passes on changes what runs; every word quoted for the shell."""
    words = [sys.executable, "-I", "-m", "ismpanel", "interview", str(folder)]
    return " ".join(shlex.quote(w) for w in [*words, "--expert", expert, "--token", token])


def _check_command_path(path: Path, what: str) -> None:
    """Refuse a path that would break the authorized_keys line: a line break would end it and
    start a line of the path's choosing (a key without the forced command); other control
    characters and bytes that are not UTF-8 have no place in it either."""
    text = str(path)
    bad = next(
        (c for c in text if c in LINE_BREAKS or unicodedata.category(c) in ("Cc", "Cs")), None
    )
    if bad is not None:
        raise InputError(
            f"{what} holds the character {bad!r}, which cannot go into an authorized_keys "
            "line; move or rename the folder"
        )
