"""The appendix as one XLSX workbook: a README sheet naming the study, the date and the tool,
then every table on its own sheet, header in the first row, numbers stored as numbers (as
printed: three decimals for parameters of fit; an undefined one left empty), notes under the
table."""

from __future__ import annotations

import io
import re
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

from ismpanel import __version__
from ismpanel.report.appendix import Section
from ismpanel.report.table import Table

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# columns of ids, names and lists that stay text even when they look like numbers ("001")
TEXT_COLUMNS = {"Cases", "Factor", "Name", "Condition", "Item", "Column", "Attribute", "Term"}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31  # Excel's limit


def workbook(title: str, found: list[Section], today: date | None = None) -> bytes:
    """The workbook's bytes: README first, then one sheet per table, in section order."""
    book = Workbook()
    readme = book.active
    readme.title = "README"
    bold = Font(bold=True)
    readme.append(["Study", title])
    readme.append(["Written", (today or date.today()).isoformat()])
    readme.append(["Tool", f"ismpanel {__version__}"])
    readme.append([])
    readme.append(["Sheet", "Table"])
    for cell in readme[5]:
        cell.font = bold
    used: set[str] = {"README"}
    for section in found:
        for table in section.tables:
            name = sheet_name(_label(section, table), used)
            readme.append([name, table.title or section.title])
            _write(book.create_sheet(name), table, bold)
    readme.column_dimensions["A"].width = 32
    readme.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name: forbidden characters dropped, cut to 31 characters, a
    number added when it is taken."""
    base = _SHEET_FORBIDDEN.sub("", title).strip()
    if len(base) > MAX_SHEET_NAME:  # cut at a word where there is one
        cut = base[: MAX_SHEET_NAME + 1].rsplit(" ", 1)[0]
        base = cut if len(cut) > MAX_SHEET_NAME // 2 else base[:MAX_SHEET_NAME]
    base = base or "Table"
    name, k = base, 2
    while name.lower() in {u.lower() for u in used}:
        tail = f" ({k})"
        name = base[: MAX_SHEET_NAME - len(tail)] + tail
        k += 1
    used.add(name)
    return name


def _label(section: Section, table: Table) -> str:
    """A sheet's name: the section's title, or for a section of several tables the table's
    title up to its colon (a model's expression is left out), marked when it belongs to the
    negated outcome."""
    if len(section.tables) == 1:
        return section.title
    label = table.title.split(":")[0].replace(" (conservative)", "")
    if section.key == "negated" and "~" not in label:
        label += " (negated)"
    return label


def cell_value(text: str) -> str | int | float | None:
    """A table cell as Excel should hold it: whole numbers as int, decimals as float, an
    undefined value ('-') as an empty cell, the rest (``1*``, ids, expressions) as text."""
    if text == "-":
        return None
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return text


def _write(sheet, table: Table, bold: Font) -> None:
    sheet.append(list(table.header))
    for cell in sheet[1]:
        cell.font = bold
    text = [h in TEXT_COLUMNS or h == "" for h in table.header]  # "": a matrix's row ids
    for r, row in enumerate(table.rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(r, c)
            cell.value = value if text[c - 1] and value != "-" else cell_value(value)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text is text: "=..." from a study file is no formula
    if table.notes:
        sheet.append([])
        for note in table.notes:
            sheet.append([note])
    sheet.freeze_panes = "B2"
