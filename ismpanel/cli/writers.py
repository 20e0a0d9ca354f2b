"""Write grids of cells as CSV or XLSX, chosen by the file's suffix, atomically."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ismpanel.cli.output import write_file
from ismpanel.errors import InputError
from ismpanel.text import spreadsheet_text


def write_grid(path: Path, grid: list[list[str]]) -> None:
    """Write a table of strings to ``.csv`` (UTF-8) or ``.xlsx`` (first sheet); a cell a
    spreadsheet would take for a formula (an LLM's draft, a factor's name) stays text."""
    grid = [[spreadsheet_text(cell) for cell in row] for row in grid]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(grid)
        write_file(path, buffer.getvalue())
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        for row in grid:
            book.active.append([cell if cell != "" else None for cell in row])
        buffer = io.BytesIO()
        book.save(buffer)
        write_file(path, buffer.getvalue())
    else:
        raise InputError(f"{path}: unknown output type {suffix or '(none)'}; use .csv or .xlsx")
