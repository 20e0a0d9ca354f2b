"""Read CSV and XLSX tables into grids of cell strings, with errors that name the file.

A CSV file's delimiter is the first of comma, semicolon and tab found on its first line, so
that exports from spreadsheets set to European locales read as they are.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from ismpanel.analysis.errors import InputError

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def read_grid(path: Path, sheet: str | None = None) -> list[list[str]]:
    """The cells of a CSV file or of one sheet of a workbook (the first unless named), as
    stripped strings; numbers that are whole print without a decimal point."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a table file")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _read_xlsx(path, sheet)
    if sheet is not None:
        raise InputError(f"{path}: --sheet applies to Excel workbooks only")
    return _read_csv(path)


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path}: empty file")
    text = _decode(path, raw)
    first = text.lstrip().partition("\n")[0]
    delimiter = next((d for d in ",;\t" if d in first), ",")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _decode(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is refused, naming the
    first byte that is not UTF-8, rather than guessed."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as err:
            raise InputError(
                f"{path}: not valid UTF-16 text ({err.reason}); save it again"
            ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"{path}: line {line}: byte 0x{raw[err.start]:02x} is not UTF-8 text; "
            "save the file as UTF-8 CSV"
        ) from None


def _read_xlsx(path: Path, sheet: str | None) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
        raise InputError(f"{path}: not a readable Excel workbook ({err})") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise InputError(
                f"{path}: no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}"
            )
        grid = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()
    if not any(any(row) for row in grid):
        raise InputError(f"{path}: empty sheet")
    return grid


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def short_digest(path: Path) -> str:
    """The first 16 hex digits of a file's SHA-256, to name the exact file a report used."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
