"""The ``ismpanel`` command: the typer app, its command groups, and the error boundary that
turns engine errors into one line on stderr and an exit code (DESIGN.md section 7).

The command modules import nothing heavy at module level, and they do without ``from
__future__ import annotations``: typer reads every command's signature at each start, and
string annotations would cost an ``eval`` each (bench/bench_startup.py measures it).
"""

import sys

import typer

from ismpanel import __version__
from ismpanel.analysis.errors import AnalysisError, InputError
from ismpanel.cli import (
    brief,
    demo,
    experts,
    factors,
    interview,
    llm_expert,
    panel,
    qca,
    report,
    rounds,
    structure,
    study,
)

app = typer.Typer(
    name="ismpanel",
    help="Run an expert panel from the terminal and turn its judgments into ISM, MICMAC and "
    "fsQCA results and a policy brief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
demo.register(app)
study.register(app)
experts.register(app)
interview.register(app)
panel.register(app)
rounds.register(app)
structure.register(app)
brief.register(app)
report.register(app)
llm_expert.register(app)
factors.register(app)
qca.register(app)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"ismpanel {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Run an expert panel from the terminal and turn its judgments into ISM, MICMAC and fsQCA
    results and a policy brief."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point. Bad input exits 2 and analysis failures exit 1, each with one line
    on stderr and no traceback; so do database and file-system errors (a locked or read-only
    panel.db, a missing folder, a full disk), which exit 2. Usage errors exit 2 and interrupts
    130 (typer's own)."""
    try:
        app(args=argv, prog_name="ismpanel")
    except InputError as err:
        _fail(err, 2)
    except AnalysisError as err:
        _fail(err, 1)
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        _fail(f"{where}{err.strerror or err}", 2)
    except Exception as err:
        import sqlite3  # imported here: --help need not pay for it

        if not isinstance(err, sqlite3.Error):
            raise
        _fail(f"panel database: {err}", 2)


def _fail(err: Exception | str, code: int) -> None:
    """One line on stderr, without control characters (messages quote files and values)."""
    from ismpanel.text import printable

    message = " ".join(printable(str(err)).split())
    sys.stderr.write(f"error: {message}\n")
    sys.exit(code)
