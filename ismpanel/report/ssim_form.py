"""An expert's SSIM form, to fill in a spreadsheet and bring back with ``ssim import``.

The workbook has one sheet: the study's title and relation sentence, short instructions, the
matrix (the pairs open in this round unlocked, each with a V/A/X/O drop-down; the diagonal,
the lower triangle and the pairs not asked again locked and shaded, the latter showing the
expert's earlier answer) and, after a blank row, the factors' ids, names and definitions. The
sheet is protected without a password, so that the layout stays as ``ssim import`` reads it.
The CSV form is the same matrix, header row first, with the legend after a blank row.

Every text from the study (title, relation, names, definitions) is stored as text and, when it
would start with ``=``, ``+``, ``-`` or ``@``, gets a leading apostrophe, so that no
spreadsheet takes it for a formula (in a CSV file too, where a cell has no type).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ismpanel.analysis.relations import LETTERS
from ismpanel.elicitation.study import Factor
from ismpanel.text import spreadsheet_text

Pair = tuple[str, str]
STAMP = "Expert {expert}, round {round}"  # whose form, for which round: read back on import
STAMP_PATTERN = re.compile(r"Expert ([A-Za-z]\w*), round (\d+)\Z")
OPEN_FILL, LOCKED_FILL, SHADED_FILL = "FFFFFF", "EDEDED", "BFBFBF"


@dataclass(frozen=True)
class FormContent:
    """What one expert's form shows: the study's texts, the pairs open in this round, the
    letters shown in the cells (this round's answers in open cells, the latest earlier answer
    in locked ones) and, for open pairs in a later round, the expert's answer before the round
    and the panel's anonymous counts before it."""

    title: str
    relation: str
    expert: str
    round: int
    factors: tuple[Factor, ...]
    open_pairs: frozenset[Pair]
    shown: Mapping[Pair, str]
    before: Mapping[Pair, str] = field(default_factory=dict)
    panel: Mapping[Pair, Mapping[str, int]] = field(default_factory=dict)


def stamp(grid: Sequence[Sequence[str]]) -> tuple[str, int] | None:
    """The expert and round a form was written for, read back from its :data:`STAMP` line
    (first cell of a row), or None for a sheet that is not a form."""
    for row in grid:
        found = STAMP_PATTERN.match(str(row[0]).strip()) if row else None
        if found:
            return found.group(1), int(found.group(2))
    return None


def instructions(form: FormContent, locked: bool = True) -> list[str]:
    """The lines above the matrix (below it in CSV): title, who and which round, the relation,
    the letters, and which cells to fill; ``locked`` for the workbook, whose open cells are
    white and the others grey, where a CSV file has to name the pairs asked again."""
    rel = form.relation
    cells = "white cell" if locked else "blank cell above the diagonal"
    lines = [
        f"SSIM form: {form.title}",
        STAMP.format(expert=form.expert, round=form.round),
        f"For each {cells}, decide whether the row factor {rel} the column factor, the "
        "reverse, both or neither. Judge the direct relation only.",
        f"V: the row factor {rel} the column factor. A: the column factor {rel} the row "
        "factor. X: both. O: neither.",
        "Pick a letter from each white cell's list; grey cells are locked. Send the file back "
        "with its layout unchanged."
        if locked
        else "Write V, A, X or O in each such cell. Send the file back with its layout unchanged.",
    ]
    if any(p in form.shown for p in form.open_pairs):
        lines.append("A letter already in a cell asked in this round is your answer so far.")
    if form.round > 1 and locked:
        lines.append(
            f"Round {form.round} asks the white cells again; a grey cell with a letter shows "
            "your earlier answer, and a white cell's comment shows your answer before this "
            "round and the panel's."
        )
    elif form.round > 1:
        asked = [f"{a}-{b}" for a, b in _study_order(form) if (a, b) in form.open_pairs]
        lines.append(
            f"Round {form.round} asks again: {', '.join(asked)}. The other letters are your "
            "earlier answers; a change to one of them is not recorded."
        )
    return lines


def _study_order(form: FormContent) -> list[Pair]:
    """The study's pairs, row by row as in the matrix."""
    ids = [f.id for f in form.factors]
    return [(a, b) for k, a in enumerate(ids) for b in ids[k + 1 :]]


def matrix(form: FormContent) -> list[list[str]]:
    """The SSIM as cells: header row of ids, each row its id and the letters shown above the
    diagonal (blank where the pair waits for an answer), the diagonal and lower triangle blank."""
    ids = [f.id for f in form.factors]
    rows = [["", *ids]]
    for k, a in enumerate(ids):
        rows.append([a, *(form.shown.get((a, b), "") if m > k else "" for m, b in enumerate(ids))])
    return rows


def legend(form: FormContent) -> list[list[str]]:
    """The factors' ids, names and definitions, header row first."""
    rows = [["Id", "Name", "Definition"]]
    return rows + [[f.id, f.name, f.definition] for f in form.factors]


def form_csv(form: FormContent) -> str:
    """The CSV form: the matrix, a blank row, the legend and the instructions."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(matrix(form))
    writer.writerow([])
    writer.writerows([[spreadsheet_text(c) for c in row] for row in legend(form)])
    writer.writerow([])
    writer.writerows([[spreadsheet_text(line)] for line in instructions(form, False)])
    return out.getvalue()


def form_xlsx(form: FormContent) -> bytes:
    """The XLSX form (see the module's docstring)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    ws.title = "SSIM"
    lines = instructions(form)
    for r, line in enumerate(lines, start=1):
        _text(ws.cell(r, 1), line)
    ws.cell(1, 1).font = Font(bold=True, size=13)
    top = len(lines) + 2  # the matrix's header row, after a blank row
    ids = [f.id for f in form.factors]
    n = len(ids)
    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    choice = DataValidation(
        type="list",
        formula1='"' + ",".join(LETTERS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="V, A, X or O",
        error="Write V, A, X or O, or pick one from the list.",
    )
    ws.add_data_validation(choice)
    _text(ws.cell(top, 1), "Row factor \\ column factor").font = Font(italic=True)
    for m, fid in enumerate(ids, start=2):
        head = _text(ws.cell(top, m), fid)
        head.font = Font(bold=True)
        head.alignment = Alignment(horizontal="center")
        ws.column_dimensions[head.column_letter].width = 6
    for k, factor in enumerate(form.factors):
        row = top + 1 + k
        _text(ws.cell(row, 1), f"{factor.id} {factor.name}").font = Font(bold=True)
        for m, b in enumerate(ids):
            cell = ws.cell(row, m + 2)
            cell.border = border
            cell.alignment = Alignment(horizontal="center")
            pair = (factor.id, b)
            if m <= k:
                cell.fill = PatternFill("solid", fgColor=SHADED_FILL)
                continue
            cell.value = form.shown.get(pair)
            if pair not in form.open_pairs:
                cell.fill = PatternFill("solid", fgColor=LOCKED_FILL)
                continue
            cell.protection = Protection(locked=False)
            choice.add(cell)
            note = _earlier_note(form, pair)
            if note:
                cell.comment = Comment(note, "ismpanel", width=260, height=90)
    below = top + n + 2  # the legend, after a blank row: id and name, then the definition
    for r, factor in enumerate(form.factors, start=below + 1):
        _text(ws.cell(r, 1), f"{factor.id} {factor.name}")
        _text(ws.cell(r, 2), factor.definition)  # runs on over the empty cells to its right
    for c, head in enumerate(("Factor", "Definition"), start=1):
        _text(ws.cell(below, c), head).font = Font(bold=True)
    ws.column_dimensions["A"].width = 34
    ws.freeze_panes = "B1"
    ws.page_setup.orientation = "landscape"
    ws.protection.sheet = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _earlier_note(form: FormContent, pair: Pair) -> str:
    """An open cell's comment in a later round: the expert's answer and the panel's counts
    before this round (empty when there is neither)."""
    lines = []
    if pair in form.before:
        lines.append(f"Your answer before round {form.round}: {form.before[pair]}")
    counts = form.panel.get(pair)
    if counts and sum(counts.values()):
        shown = ", ".join(f"{c} {counts.get(c, 0)}" for c in LETTERS)
        lines.append(f"The panel's answers before round {form.round}: {shown}")
    return "\n".join(lines)


def _text(cell, value: str):
    """Store a study text in a cell as text, never as a formula; returns the cell."""
    cell.value = spreadsheet_text(value)
    cell.data_type = "s"
    return cell
