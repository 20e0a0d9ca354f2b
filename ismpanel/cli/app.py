"""The ``ismpanel`` command: the typer app, its command groups, and the error boundary that
turns engine errors into one line on stderr and an exit code (docs/architecture.md, Method
definitions).

The command modules import nothing heavy at module level, and they do without ``from
__future__ import annotations``: typer reads every command's signature at each start, and
string annotations would cost an ``eval`` each (bench/bench_startup.py measures it).
"""

import sys

import typer

from ismpanel import __version__
from ismpanel.cli import (
    brief,
    demo,
    examples,
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
from ismpanel.errors import AnalysisError, InputError

try:  # recent typer releases vendor click; older ones use click itself
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

# click 8.2 on: a group run without a command raises this to show its help
NO_ARGS_IS_HELP = getattr(click_errors, "NoArgsIsHelpError", ())

app = typer.Typer(
    name="ismpanel",
    help="Run an expert panel from the terminal and turn its judgments into ISM, MICMAC and "
    "fsQCA results and a policy brief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
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
examples.apply(app)


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
    panel.db, a missing folder, a full disk), which exit 2, and usage errors (a missing or
    unknown option, a bad value), which exit 2 as well. Interrupts exit 130."""
    try:
        code = app(args=argv, prog_name="ismpanel", standalone_mode=False)
    except InputError as err:
        _fail(flagged(err, sys.argv[1:] if argv is None else argv), 2)
    except AnalysisError as err:
        _fail(err, 1)
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        _fail(f"{where}{err.strerror or err}", 2)
    except NO_ARGS_IS_HELP as err:
        err.show()  # the command's help, as for --help, on stderr
        sys.exit(err.exit_code)
    except click_errors.ClickException as err:
        _fail(_usage_message(err), err.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    except Exception as err:
        import sqlite3  # imported here: --help need not pay for it

        if not isinstance(err, sqlite3.Error):
            raise
        _fail(f"panel database: {err}", 2)
    if isinstance(code, int) and code:
        sys.exit(code)


def flagged(err: InputError, argv: list[str]) -> str:
    """The message of an input error in the words of the command that was run: led by the
    flag at fault (``--tiers '9-9': ...``, ``--reason: ...``) when the command has that flag
    and the message does not name it already, and ending with the flag that would get past
    it (``(--dropna)``) when the command has one."""
    text = str(err)
    flags = _command_flags(argv) if err.option or err.remedy else set()
    flag = f"--{err.option}"
    if err.option and flag in flags and not text.startswith(flag):
        quoted = text.startswith("'")  # "'9-9': expected ...": the value given, then why
        text = f"{flag}{' ' if quoted else ': '}{text}"
    if err.remedy and f"--{err.remedy}" in flags:
        text = f"{text} (--{err.remedy})"
    return text


def _command_flags(argv: list[str]) -> set[str]:
    """The long flags of the (sub)command the arguments name (a group holds ``commands``)."""
    command = typer.main.get_command(app)
    for word in argv:
        sub = getattr(command, "commands", {}).get(word)
        if sub is None:
            break
        command = sub
    return {o for p in command.params for o in getattr(p, "opts", ()) if o.startswith("--")}


def _usage_message(err: Exception) -> str:
    """A usage error as one line: click's message without the type checker's prefix, and the
    command whose --help lists what it accepts."""
    message = err.format_message().replace("Value error, ", "")  # type: ignore[attr-defined]
    ctx = getattr(err, "ctx", None)
    if ctx is not None:
        message = f"{message.rstrip('.')} (see {ctx.command_path} --help)"
    return message


def _fail(err: Exception | str, code: int) -> None:
    """One line on stderr, without control characters (messages quote files and values)."""
    from ismpanel.text import printable

    message = " ".join(printable(str(err)).split())
    sys.stderr.write(f"error: {message}\n")
    sys.exit(code)
