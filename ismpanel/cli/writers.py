"""Write grids of cells as CSV or XLSX, chosen by the file's suffix, atomically."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ismpanel.cli.output import write_file
from ismpanel.errors import InputError


def write_grid(path: Path, grid: list[list[str]]) -> None:
    """Write a table of strings to ``.csv`` (UTF-8) or ``.xlsx`` (first sheet)."""
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
