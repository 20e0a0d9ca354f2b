"""``ismpanel ssim form|import|export``, ``aggregate`` and ``notes``: the panel's SSIMs in and out,
majority aggregation, and the experts' notes."""

from pathlib import Path
from typing import Annotated

import typer

from ismpanel.cli.options import (
    BelowOpt,
    LlmOpt,
    QuorumOpt,
    Rule,
    RuleOpt,
    StudyDir,
)
from ismpanel.cli.ssim_form import form_command
from ismpanel.errors import InputError
from ismpanel.text import printable

ssim_app = typer.Typer(
    help="Write an expert's SSIM form, import a filled SSIM, or export SSIMs.", no_args_is_help=True
)
ssim_app.command("form")(form_command)


def register(app: typer.Typer) -> None:
    app.add_typer(ssim_app, name="ssim")
    app.command("aggregate")(aggregate)
    app.command("notes")(notes_command)


@ssim_app.command("import")
def import_ssim(
    folder: StudyDir,
    file: Annotated[Path, typer.Argument(help="The expert's SSIM (CSV or XLSX).")],
    expert: Annotated[str, typer.Option("--expert", help="Whose answers these are, e.g. E1.")],
    sheet: Annotated[str | None, typer.Option("--sheet", help="Workbook sheet.")] = None,
    allow_blank: Annotated[
        bool,
        typer.Option("--allow-blank", help="Blank cells are pairs the expert left unanswered."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Import a form written for another expert or another round."),
    ] = False,
) -> None:
    """Record an SSIM an expert filled in a spreadsheet as that expert's answers.

    The sheet may be the one ssim form wrote or the expert's own: title or instruction rows
    above the matrix, a legend below it after a blank row, headers such as "OR1 Leadership
    support", ids and letters in any case, and the lower triangle blank or the mirror of the
    upper one (V and A swapped). Without --sheet, the first sheet whose headers are the
    study's factor ids is read."""
    from ismpanel.analysis.ssim import parse_ssim
    from ismpanel.cli.output import console, notes, warn
    from ismpanel.elicitation.panel import record_ssim
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder)
    store.expert(expert)
    ids = store.study.factor_ids
    grid, found, sheets = _ssim_sheet(file, sheet, ids)  # read errors name the file already
    if not force:
        _check_stamp(file, grid, expert, store.current_round())
    try:
        structure = parse_ssim(grid, allow_missing=allow_blank, ids=ids)
        done = record_ssim(store, expert, structure.factors, structure.ssim)
    except InputError as err:
        hint = (
            "; --allow-blank takes blank cells as pairs the expert left unanswered"
            if "missing relation" in str(err) and not allow_blank
            else ""
        )
        raise InputError(f"{file}: {err}{hint}{sheets}") from None
    if found:
        notes.print(f"read sheet {printable(found)!r}", style="dim")
    console.print(
        f"Imported {done.recorded} answers for {expert} (round {done.round})"
        + (f", {done.blank} pair(s) left blank" if done.blank else "")
        + f"; {done.changed} changed an earlier answer (kept in the history)."
    )
    if done.kept:
        warn(
            f"{len(done.kept)} blank pair(s) keep {expert}'s earlier answer "
            f"({_pairs(done.kept)}): an answer is never deleted; write a letter to change it"
        )
    if done.ignored:
        warn(
            f"{len(done.ignored)} pair(s) with a new letter were not reopened in round "
            f"{done.round} and were not recorded ({_pairs(done.ignored)}); round start can "
            "reopen them"
        )


def _ssim_sheet(
    file: Path, sheet: str | None, ids: tuple[str, ...]
) -> tuple[list[list[str]], str | None, str]:
    """The grid an SSIM is on: the sheet named, a CSV file's rows, or else the first sheet
    of the workbook whose headers name the study's factors. Returns the grid, the name of the
    sheet found when it is not the first, and, when no sheet held such a matrix, a hint naming
    the sheets for the error the first sheet then gives."""
    from ismpanel.analysis.ssim import holds_matrix
    from ismpanel.readers import EXCEL_SUFFIXES, read_grid, read_sheets

    if sheet is not None or file.suffix.lower() not in EXCEL_SUFFIXES:
        return read_grid(file, sheet), None, ""
    sheets = read_sheets(file)
    names = list(sheets)
    for name, grid in sheets.items():
        if holds_matrix(grid, ids):
            return grid, (name if name != names[0] else None), ""
    filled = [name for name in names if sheets[name]]
    if not filled:
        raise InputError(f"{file}: every sheet is empty")
    # the error to show is the first table's: a sheet with a cell right of column A
    tables = [n for n in filled if any(any(row[1:]) for row in sheets[n])] or filled
    hint = f"; the workbook's sheets: {', '.join(names)} (--sheet names one)"
    return sheets[tables[0]], None, hint if len(names) > 1 else ""


def _check_stamp(file: Path, grid, expert: str, number: int) -> None:
    """Refuse a form ssim form wrote for another expert or round (its answers would be
    recorded as someone else's, or as answers to a round whose feedback the expert never
    saw); a sheet without the form's line is the expert's own and passes."""
    from ismpanel.report.ssim_form import stamp

    found = stamp(grid)
    if found is None or found == (expert, number):
        return
    raise InputError(
        f"{file}: a form written for {found[0]}, round {found[1]}, imported as {expert}'s "
        f"answers to round {number}; write a new form with ssim form",
        remedy="force",
    )


def _pairs(pairs) -> str:
    shown = ", ".join(f"{a}-{b}" for a, b in pairs[:8])
    return shown + (f" and {len(pairs) - 8} more" if len(pairs) > 8 else "")


@ssim_app.command("export")
def export_ssim(
    folder: StudyDir,
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV or XLSX file to write.")],
    expert: Annotated[
        str | None, typer.Option("--expert", help="One expert's SSIM (default: aggregated).")
    ] = None,
    rule: RuleOpt = Rule.direction,
    quorum: QuorumOpt = 1,
    include_llm: LlmOpt = False,
    descending: Annotated[
        bool, typer.Option("--descending", help="Columns last factor first, as papers print.")
    ] = False,
) -> None:
    """Write an expert's or the aggregated SSIM in the layout papers print; unanswered pairs
    are left blank and counted. In the aggregated SSIM a tied pair's letter is marked * and a
    note under the matrix (after a blank row) says how the tie was resolved; ism FILE reads
    the file as it is, a marked letter as the letter."""
    from ismpanel.analysis.ssim import TIE_MARK
    from ismpanel.cli.output import notes
    from ismpanel.cli.writers import write_grid
    from ismpanel.elicitation.panel import aggregate_panel, letters_grid
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder, read_only=True)
    tied = []
    if expert:
        store.expert(expert)
        letters = store.latest_answers().get(expert, {})
    else:
        result = aggregate_panel(store, rule=rule.value, quorum=quorum, include_llm=include_llm)
        letters = result.letters()
        tied = [p.pair for p in result.pairs if p.tie and p.result is not None]
    shown = {p: v + TIE_MARK if p in tied else v for p, v in letters.items()}
    grid = letters_grid(store.study.factor_ids, shown, descending)
    if tied:
        grid += [[], [f"{TIE_MARK} {TIE_NOTES[rule]}"]]
    write_grid(output, grid)
    blank = len(store.pairs) - len(letters)
    if blank:
        notes.print(f"{blank} pair(s) have no answer or no majority; left blank", style="yellow")
    if tied:
        notes.print(f"{len(tied)} tied pair(s) marked {TIE_MARK}: {_pairs(tied)}", style="yellow")


def tie_note(result) -> str | None:
    """One line on the arcs a tie left out of the aggregated SSIM (None when none was), for
    ism and micmac on a study folder."""
    arcs = [arc for p in result.pairs if p.result is not None for arc in p.tied_arcs]
    if not arcs:
        return None
    return (
        f"{len(arcs)} tied arc(s), seen by exactly half of the experts who answered, resolved "
        f"as no arc: {', '.join(f'{a}->{b}' for a, b in arcs[:8])}"
        + (f" and {len(arcs) - 8} more" if len(arcs) > 8 else "")
        + "; aggregate lists the votes, ssim export marks the pairs *"
    )


TIE_NOTES = {
    Rule.direction: "tie: exactly half of the experts who answered the pair saw an arc; the "
    "majority leaves that arc out, as the letter shows.",
    Rule.letter: "tie: two or more letters had the most votes; the direction rule decided the "
    "letter shown (an arc exactly half of the experts saw is left out).",
}


def aggregate(
    folder: StudyDir,
    rule: RuleOpt = Rule.direction,
    quorum: QuorumOpt = 1,
    include_llm: LlmOpt = False,
    below: BelowOpt = 0.75,
    json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Majority per pair with the votes, agreement, ties and missing answers; Fleiss' kappa;
    the contested pairs; each LLM panelist's agreement with the human majority. The
    aggregated SSIM is what ism DIR and micmac DIR analyse."""
    from ismpanel.cli.output import console, print_json
    from ismpanel.cli.panel_view import aggregate_json, aggregate_views
    from ismpanel.elicitation.agreement import llm_agreement
    from ismpanel.elicitation.panel import aggregate_panel
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder, read_only=True)
    result = aggregate_panel(store, rule=rule.value, quorum=quorum, include_llm=include_llm)
    agreement = llm_agreement(store, rule=rule.value, quorum=quorum)
    if json:
        print_json(aggregate_json(store.study, result, below, agreement))
        return
    for view in aggregate_views(result, below, agreement):
        console.print(view)


def notes_command(
    folder: StudyDir,
    expert: Annotated[str | None, typer.Option("--expert", help="One expert's notes.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The notes experts added to pairs during the interview (key n), oldest first."""
    from rich.table import Table

    from ismpanel.cli.output import console, local_time, print_json
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder, read_only=True)
    if expert:
        store.expert(expert)
    found = store.notes(expert)
    if json:
        print_json(
            [
                {"expert": e, "round": r, "i": i, "j": j, "text": text, "at": at}
                for e, r, (i, j), text, at in found
            ]
        )
        return
    table = Table(title=f"Notes ({len(found)})", title_justify="left")
    for col in ("Expert", "Round", "Pair", "Note", "At"):
        table.add_column(col)
    for e, r, (i, j), text, at in found:
        table.add_row(e, str(r), f"{i}-{j}", text, local_time(at))
    console.print(table)
