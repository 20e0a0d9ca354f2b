"""``ismpanel expert add|token|withdraw|profile|list``: invite experts (a token and an SSH
forced-command line each), reissue a token, take an expert out of the panel, and record their
non-identifying profiles."""

import shlex
import sys
import unicodedata
from pathlib import Path
from typing import Annotated

import typer

from ismpanel.cli.options import JsonOpt, StudyDir
from ismpanel.errors import InputError
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
    again: Annotated[
        bool,
        typer.Option("--again", help="Add the expert although one of that name exists already."),
    ] = False,
) -> None:
    """Give an expert a pseudonym (E1, E2...), a one-time token and an SSH forced-command line."""
    from ismpanel.cli.output import console
    from ismpanel.elicitation.store import PanelStore, check_profile_entry

    store = PanelStore.open(folder)
    public_key = _public_key(key) if key else None
    attributes = parse_attributes(attr or [])
    for k, v in attributes.items():  # before the expert exists: a bad one adds nobody
        check_profile_entry(k, v)
    if not llm:
        _check_command_path(folder.resolve(), "the study folder's path")
        _check_command_path(Path(sys.executable), "the Python interpreter's path")
    if not again:
        _confirm_new_name(store, name)
    expert, token = store.add_expert(name, "llm" if llm else "human")
    console.print(f"Expert {expert.id} added ({expert.kind}).")
    if attributes:
        store.set_profile(expert.id, attributes)
        console.print(f"Profile: {_profile_text(attributes)}")
    if token is not None:
        _print_invitation(folder, expert.id, token, public_key)


@expert_app.command("token")
def new_token(
    folder: StudyDir,
    expert: Annotated[str, typer.Argument(help="Pseudonym (E1, E2...).", show_default=False)],
    key: Annotated[
        str | None,
        typer.Option("--key", help="The expert's SSH public key, or a file holding it."),
    ] = None,
) -> None:
    """Issue a new token to an expert (a lost invitation, a leaked token): the old one stops
    working at once; the new SSH forced-command line is printed."""
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder)
    public_key = _public_key(key) if key else None
    store.expert(expert)
    _check_command_path(folder.resolve(), "the study folder's path")
    _check_command_path(Path(sys.executable), "the Python interpreter's path")
    fresh = store.reissue_token(expert)
    _print_invitation(folder, expert, fresh, public_key, "New token")


@expert_app.command("withdraw")
def withdraw(
    folder: StudyDir,
    expert: Annotated[str, typer.Argument(help="Pseudonym (E1, L1...).", show_default=False)],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why, for the facilitator's records.")
    ] = None,
    from_round: Annotated[
        int | None,
        typer.Option(
            "--from-round",
            min=1,
            help="First round whose answers stop counting (default: the current round).",
        ),
    ] = None,
    undo: Annotated[bool, typer.Option("--undo", help="Reinstate an expert who withdrew.")] = False,
) -> None:
    """Take an expert out of the panel: their answers stay in the history, those from the
    round they withdrew from on stop counting, and the panel no longer waits for them."""
    from ismpanel.cli.output import console
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder)
    if undo:
        store.reinstate(expert)
        console.print(f"{expert} reinstated: their answers count and they are asked again.")
        return
    left = store.withdraw(expert, from_round, reason)
    kept = (
        "none of their answers count"
        if left.round == 1
        else f"their answers before round {left.round} still count"
    )
    console.print(f"{expert} withdrawn from round {left.round} on; {kept} (kept in the history).")


def _confirm_new_name(store, name: str) -> None:
    """Ask before a second expert of the same name is created (a command run twice); refuse
    when nobody can be asked."""
    from ismpanel.text import printable

    wanted = " ".join(printable(name).split()).casefold()
    same = [e.id for e in store.experts() if " ".join(e.name.split()).casefold() == wanted]
    if not same:
        return
    question = f"{', '.join(same)} already has the name {printable(name)!r}; add another expert?"
    if not sys.stdin.isatty():
        raise InputError(question.replace("; add another expert?", "; --again adds another"))
    import questionary

    if not questionary.confirm(question, default=False).unsafe_ask():
        raise typer.Exit(1)


def _print_invitation(
    folder: Path, expert: str, token: str, public_key: str | None, label: str = "Token"
) -> None:
    """The token once, the interview command and the authorized_keys line for it."""
    from ismpanel.cli.output import console

    command = forced_command(folder.resolve(), expert, token)
    console.print(f"{label} (shown once, stored only as a hash): {token}")
    bare = command[: command.rindex(" --token ")]  # a token on a command line shows in ps
    console.print(
        f"Run: {bare} (asks for the token, or reads ISMPANEL_TOKEN or --token-file FILE)",
        soft_wrap=True,
    )
    console.print("authorized_keys line (the key can run nothing but this interview):")
    key = public_key or "<the expert's SSH public key>"
    line = f'command="{command.replace(chr(34), chr(92) + chr(34))}",restrict,pty {key}'
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
def list_experts(folder: StudyDir, json: JsonOpt = False) -> None:
    """Pseudonym, name, kind, progress in the current round and standing of every expert
    (facilitator's view)."""
    from rich.table import Table

    from ismpanel.cli.output import console, local_time, print_json
    from ismpanel.elicitation.panel import progress
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder, read_only=True)
    rows = progress(store)
    if json:
        print_json([_expert_json(p) for p in rows])
        return
    table = Table(title=f"Experts of {store.study.title}", title_justify="left")
    for col in ("Pseudonym", "Name", "Kind", "Answered", "Last activity", "Standing"):
        table.add_column(col)
    for p in rows:
        table.add_row(
            p.id,
            p.name,
            p.kind,
            f"{p.answered}/{p.total}",
            local_time(p.last_activity),
            standing(p),
        )
    console.print(table)


def standing(p, reason: bool = True) -> str:
    """In the panel, or withdrawn from which round (and why, for ``expert list`` only)."""
    if p.withdrawn is None:
        return "in the panel"
    why = f": {p.withdrawn.reason}" if p.withdrawn.reason and reason else ""
    return f"withdrawn from round {p.withdrawn.round}{why}"


def _expert_json(p) -> dict:
    w = p.withdrawn
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind,
        "answered": p.answered,
        "total": p.total,
        "last_activity": p.last_activity,
        "withdrawn": None if w is None else {"round": w.round, "reason": w.reason, "at": w.at},
    }


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
    elif _looks_like_path(value):
        raise InputError(f"--key: no such file {value!r}; give the expert's .pub file or key")
    else:
        text = value.strip()
    if "PRIVATE KEY" in text:
        raise InputError(
            f"--key: {value!r} is a private key; give the public one (the .pub file beside "
            "it), and have the expert keep the private key to themselves"
        )
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


def _looks_like_path(value: str) -> bool:
    """A ``--key`` value meant as a file: a path separator, ``~`` or a key file's suffix, and
    no key type in front (a key's base64 body may hold ``/`` too)."""
    text = value.strip()
    if text.startswith(("ssh-", "ecdsa-", "sk-")):
        return False
    return "/" in text or text.startswith("~") or text.endswith(".pub") or "id_" in text


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
