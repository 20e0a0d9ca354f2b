"""Output shared by every command: the rich console, JSON on stdout, files written whole.

Results go to stdout; notes such as "wrote FILE" go to stderr, so that ``--json`` output stays
a clean document."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from rich.console import Console

from ismpanel.errors import InputError
from ismpanel.files import atomic_write
from ismpanel.text import printable

# markup is off: ids, names and titles come from users and must print as they are; written to
# a file or a pipe, tables get room (rich would cut them at 80 columns) unless COLUMNS says
PIPED_WIDTH = 200
console = Console(
    highlight=False,
    markup=False,
    width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else PIPED_WIDTH,
)
notes = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)


def warn(message: str) -> None:
    """Print one warning line on stderr, so that results on stdout stay clean; a warning may
    quote a study file, so control characters are dropped."""
    notes.print(f"warning: {printable(message)}", style="yellow")


def print_json(document: object) -> None:
    """Write a JSON document to stdout, unwrapped and uncoloured, for scripts."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def local_time(iso: str | None) -> str:
    """A stored timestamp (UTC ISO 8601, with milliseconds) as the terminal shows it: local
    time to the minute, ``YYYY-MM-DD HH:MM``; "never" for None, and text that is no timestamp
    as it is (without control characters)."""
    from datetime import UTC, datetime

    if not iso:
        return "never"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return printable(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def check_writable(path: Path) -> None:
    """Refuse, in one line, a destination that is a folder or lies in no existing folder, so
    that a command can check before any work."""
    if not path.parent.is_dir():
        raise InputError(f"{path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name")


def write_file(path: Path, content: str | bytes) -> None:
    """Write a file atomically (see :func:`ismpanel.files.atomic_write`) and say so."""
    check_writable(path)
    atomic_write(path, content.encode("utf-8") if isinstance(content, str) else content)
    notes.print(f"wrote {path}", style="dim")
