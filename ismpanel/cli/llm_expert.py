"""``ismpanel llm-expert DIR``: an LLM answers every pair as a labelled panelist (L1, L2...),
K samples per pair voted, every call stored; rerunning the same command resumes it."""

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from ismpanel.cli.options import (
    BaseUrlOpt,
    ConcurrencyOpt,
    ModelOpt,
    RetriesOpt,
    StudyDir,
    TimeoutOpt,
)
from ismpanel.errors import AnalysisError, InputError


def register(app: typer.Typer) -> None:
    app.command("llm-expert")(llm_expert)


def llm_expert(
    folder: StudyDir,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    samples: Annotated[
        int, typer.Option("--samples", min=1, help="Samples per pair, voted (majority of K).")
    ] = 3,
    temperature: Annotated[
        float, typer.Option("--temperature", min=0.0, max=2.0, help="Sampling temperature.")
    ] = 0.7,
    persona: Annotated[
        str | None, typer.Option("--persona", help="Who the panelist answers as.")
    ] = None,
    expert: Annotated[
        str | None, typer.Option("--expert", help="Run or resume this LLM panelist, e.g. L1.")
    ] = None,
    new: Annotated[
        bool, typer.Option("--new", help="Register another panelist even if one matches.")
    ] = False,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="Answer only the pairs the human experts agreed on, then report agreement "
            "and Cohen's kappa; a panelist under kappa 0.4 may not vote until accepted.",
        ),
    ] = False,
    accept: Annotated[
        bool,
        typer.Option(
            "--accept",
            help="Let the panelist given by --expert vote although its calibration did not "
            "pass (recorded and named in the brief); asks the model nothing.",
        ),
    ] = False,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    concurrency: ConcurrencyOpt = None,
) -> None:
    """Let an LLM answer every pair of the current round as a labelled panelist. Each pair
    gets K samples; a letter given by more than half of them is recorded, anything else
    (unsure, split votes, failed calls) stays missing, never O. It votes only with
    aggregate --include-llm, and only if its calibration passed or was accepted."""
    from ismpanel.cli.output import console, notes
    from ismpanel.elicitation.llm import calibration
    from ismpanel.elicitation.llm.panelist import choose_panelist, run_panelist
    from ismpanel.elicitation.store import LlmPanelist, PanelStore
    from ismpanel.llm import formats
    from ismpanel.llm.client import LlmClient
    from ismpanel.llm.config import require_config

    store = PanelStore.open(folder)
    if accept:
        if not expert:
            raise InputError("--accept needs --expert, the panelist to accept (e.g. L1)")
        found = calibration.accept(store, expert)
        console.print(f"{expert} may vote with --include-llm: {found.describe()}")
        return
    only = None
    if calibrate:
        only = set(calibration.agreed_pairs(store)) & set(store.round_pairs(store.current_round()))
        if not only:
            raise InputError(
                "no pair of the current round on which at least two human experts gave the "
                "same letter; calibrate once the human panel has answered"
            )
    store.check_open(expert)
    config = require_config(
        store.study.extra.get("llm"),
        confirm=confirm_key,
        model=model,
        base_url=base_url,
        timeout=timeout,
        retries=retries,
        concurrency=concurrency,
    )
    key_note(config)
    wanted = LlmPanelist("", config.model, config.public_url, temperature, samples, persona)
    panelist, is_new = choose_panelist(store, wanted, expert, new)
    store.check_open(panelist.expert)
    client = LlmClient(config, formats.remembered(store, config.server, config.model))
    verb = "registered" if is_new else "resuming"
    notes.print(
        f"{panelist.expert} ({verb}): {panelist.model}, temperature {panelist.temperature:g}, "
        f"{panelist.samples} sample(s) per pair, round {store.current_round()}"
    )
    try:
        with _progress_bar(notes) as advance:
            report = run_panelist(store, client, panelist, advance, only)
    except KeyboardInterrupt:
        notes.print(client.usage.summary(config))
        notes.print("Interrupted; every sample received is kept. Run the same command to resume.")
        raise typer.Exit(130) from None
    finally:
        client.close()
        formats.remember(store, config.server, config.model, client.formats.current)
    notes.print(client.usage.summary(config))
    console.print(_summary(panelist, report))
    console.print(_letters(store, panelist.expert))
    if calibrate:
        found = calibration.calibrate(store, panelist.expert)
        console.print(f"{panelist.expert} calibration: {found.describe()}")
    if report.stopped or report.open:
        why = f"stopped: {report.stopped}; " if report.stopped else ""
        raise AnalysisError(
            f"{why}{len(report.open)} pair(s) still open after failed calls; answers so far "
            "are kept; run the same command to ask only what is missing"
        )


def confirm_key(server: str) -> bool:
    """Ask the facilitator, at a terminal only, before the API key goes to a server that only
    study.toml names (a group member may have written it); no terminal means no."""
    import sys

    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    return typer.confirm(
        f"study.toml names the LLM server {server}, which you have not named yourself; send "
        "your API key there?",
        default=False,
        err=True,
    )


def key_note(config) -> None:
    """Say in one line when the facilitator's key was kept from the server, and why."""
    from ismpanel.cli.output import notes

    if config.key_withheld:
        notes.print(f"note: {config.key_withheld}", style="yellow")


def _letters(store, expert: str) -> str:
    """The panelist's letters beside the human majority's on the same pairs."""
    from ismpanel.elicitation.agreement import human_majority
    from ismpanel.elicitation.llm.calibration import letter_counts

    mine = store.latest_answers().get(expert, {})
    humans = human_majority(store, "direction", 1)
    theirs = Counter(humans[p] for p in mine if humans.get(p))
    return (
        f"{expert} letters: {letter_counts(Counter(mine.values()))}; the human majority on "
        f"the same pairs: {letter_counts(theirs)}"
    )


def _summary(panelist, report) -> str:
    letters = ", ".join(f"{c} {report.recorded[c]}" for c in ("V", "A", "X", "O"))
    lines = [
        f"{panelist.expert}: {report.total} pair(s) in this round, {report.settled_before} "
        f"settled before this run; {sum(report.recorded.values())} answer(s) recorded now "
        f"({letters})."
    ]
    if report.missing:
        lines.append(
            f"Missing (unsure or no majority of {panelist.samples} samples; not counted as O): "
            + _pairs(report.missing)
        )
    if report.open:
        lines.append("Still open (failed or unusable replies): " + _pairs(report.open))
    return "\n".join(lines)


def _pairs(pairs) -> str:
    shown = ", ".join(f"{a}-{b}" for a, b in pairs[:12])
    return shown + (f" and {len(pairs) - 12} more" if len(pairs) > 12 else "")


@contextmanager
def _progress_bar(console) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar over the round's pairs with the time left, on stderr; yields the
    callback ``advance(settled, total)``."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("pairs settled"), BarColumn(), MofNCompleteColumn())
    timing = (TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    with Progress(*columns, *timing, console=console) as progress:
        task = None

        def advance(done: int, total: int) -> None:
            nonlocal task
            if task is None:
                task = progress.add_task("pairs", total=total, completed=done)
            progress.update(task, completed=done)

        yield advance
