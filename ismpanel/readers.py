"""Read input files (CSV and XLSX tables, TOML) with errors that name the file.

Every file is untrusted: only regular files are read (a FIFO or a device such as /dev/zero
would hang or never end), each kind up to a size limit (see :data:`LIMITS`), and every cell
of a table loses its control characters, so that no file can drive the terminal it is shown on.
A CSV file's delimiter is the first of comma, semicolon and tab found on its first line, so
that exports from spreadsheets set to European locales read as they are.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
import tomllib
from pathlib import Path

from ismpanel.errors import InputError
from ismpanel.text import printable

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
MB = 2**20
TABLE_BYTES = 10 * MB  # a CSV or XLSX file; an SSIM of 100 factors is 30 KB
UNZIPPED_BYTES = 20 * MB  # an XLSX file's parts once unpacked: about 500,000 cells
TEXT_BYTES = 1 * MB  # study.toml, a factors or calibration TOML, a template, a public key
LIMITS = (
    f"ismpanel reads tables (CSV, XLSX) up to {TABLE_BYTES // MB} MB, {UNZIPPED_BYTES // MB} MB "
    f"once unpacked, and TOML files, templates and key files up to {TEXT_BYTES // MB} MB"
)


def read_bytes(path: Path, limit: int) -> bytes:
    """A regular file's contents, refused (one line naming the file) when it is missing, a
    folder, a FIFO or device, or larger than ``limit`` bytes; it is opened without blocking,
    so that a FIFO cannot hang the command."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    mode = os.fstat(fd).st_mode  # before fdopen, which refuses a folder with a bare errno
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            hint = (
                " (a study folder: ismpanel report or brief analyse its questionnaire)"
                if (path / "study.toml").is_file()
                else ""
            )
            raise InputError(f"{path}: is a folder, not a file{hint}")
        raise InputError(f"{path}: not a regular file (a device, FIFO or socket)")
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{path}: too large; {LIMITS}")
    return data


def read_toml(path: Path) -> dict:
    """A TOML file's contents (UTF-8, a BOM allowed); a missing, oversized or invalid file,
    nesting too deep to parse included, is one line naming the file."""
    try:
        text = read_bytes(path, TEXT_BYTES).decode("utf-8-sig")
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not valid TOML ({err})") from None
    except RecursionError:
        raise InputError(f"{path}: not valid TOML (arrays or tables nested too deeply)") from None


def read_grid(path: Path, sheet: str | None = None) -> list[list[str]]:
    """The cells of a CSV file or of one sheet of a workbook (the first unless named), as
    stripped strings without control characters; numbers that are whole print without a
    decimal point. Grid row k is row k + 1 as a spreadsheet shows the file (a CSV record
    with a line break inside a quoted cell is one row), so that every reader's errors count
    rows alike."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        read_bytes(path, TABLE_BYTES)  # the same refusals as for CSV, before unzipping
        return _read_xlsx(path, sheet)
    if sheet is not None:
        raise InputError(f"{path}: a sheet applies to Excel workbooks only", option="sheet")
    return _read_csv(path)


def _read_csv(path: Path) -> list[list[str]]:
    raw = read_bytes(path, TABLE_BYTES)
    if not raw.strip():
        raise InputError(f"{path}: empty file")
    text = printable(_decode(path, raw))
    first = text.lstrip().partition("\n")[0]
    delimiter = next((d for d in ",;\t" if d in first), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        if not _may_pad(text):
            return list(reader)
        return [list(map(str.strip, row)) for row in reader]  # map: 1.3x a comprehension
    except csv.Error as err:
        detail = str(err)
        if detail.startswith("field larger than field limit"):
            detail = f"a cell longer than {csv.field_size_limit():,} characters"
        raise InputError(f"{path}: line {reader.line_num}: {detail}") from None


def _may_pad(text: str) -> bool:
    """Whether a cell of this (printable) text can start or end with whitespace: any space,
    tab or quote (a quoted cell may hold a line break), or any character beyond ASCII (where
    Unicode spaces are). On a 1,000-factor matrix these tests take 0.1 ms and stripping every
    cell 19 ms."""
    return not text.isascii() or " " in text or "\t" in text or '"' in text


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


def read_sheets(path: Path) -> dict[str, list[list[str]]]:
    """Every sheet of a workbook by name, in the workbook's order, read as :func:`read_grid`
    reads one (an empty sheet has no rows), so that a caller can look for its table; a CSV
    file is one sheet named ``""``."""
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return {"": _read_csv(path)}
    read_bytes(path, TABLE_BYTES)
    book = _load_workbook(path)
    try:
        return {ws.title: _sheet_grid(ws) for ws in book.worksheets}
    finally:
        book.close()


def _read_xlsx(path: Path, sheet: str | None) -> list[list[str]]:
    book = _load_workbook(path)
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise InputError(
                f"{path}: no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}"
            )
        grid = _sheet_grid(ws)
    finally:
        book.close()
    if not grid:
        raise InputError(f"{path}: empty sheet")
    return grid


def _load_workbook(path: Path):
    """The workbook, read-only, refused in one line when it is not one or unpacks too large."""
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked <= UNZIPPED_BYTES:
            return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
        raise InputError(f"{path}: not a readable Excel workbook ({err})") from None
    raise InputError(f"{path}: too large once unpacked; {LIMITS}")


def _sheet_grid(ws) -> list[list[str]]:
    """A sheet's cells, row 1 first (so that grid row k is the sheet's row k + 1); no rows
    when it holds nothing."""
    grid = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    return grid if any(any(row) for row in grid) else []


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return printable(str(value)).strip()


def short_digest(path: Path) -> str:
    """The first 16 hex digits of a file's SHA-256, to name the exact file a report used."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
