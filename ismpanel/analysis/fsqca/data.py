"""The questionnaire or case table as numbers: header, case ids, the outcome and condition
columns, with input errors that name the column, row (case) or value at fault.

Columns are chosen thus: without an explicit list, every numeric column but
the outcome and the case-id column is a condition. The case-id column is the one named
``--case-id``, else a first column named case, id, name or country (any case), else a first
column that is not numeric; without one, cases are numbered 1, 2, ...
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ismpanel.errors import InputError

MISSING = {"", "na", "n/a", "nan", "null", "none", ".", "-", "?"}
ID_NAMES = {"case", "cases", "id", "name", "country", "unit"}
DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
Cell = str | float  # text as read from a file, or a number computed or given as one


@dataclass(frozen=True)
class Dataset:
    """Numeric columns of a case table; ``rows`` are the rows kept (after ``--dropna``)
    numbered as a spreadsheet shows the file (the header is row 1 when it comes first), so
    that later messages can name the row in the file; ``dropped`` likewise (row, case id)."""

    case_ids: list[str]
    columns: dict[str, np.ndarray]
    rows: list[int]
    dropped: list[tuple[int, str]]


def parse_number(cell: Cell) -> float | None:
    """A cell's number (a decimal comma is read as a point); None when it is not one."""
    if isinstance(cell, float):
        return cell if math.isfinite(cell) else None
    text = cell.strip()
    if DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def is_missing(cell: Cell) -> bool:
    """Is the cell a missing value (empty, NA, n/a, nan, null, none, ., -, ?, or a NaN)?"""
    if isinstance(cell, float):
        return math.isnan(cell)
    return cell.strip().lower() in MISSING


def _text(cell: Cell) -> str:
    """A cell as text, for ids, emptiness checks and messages."""
    return cell.strip() if isinstance(cell, str) else repr(cell)


def _describe_rows(rows: list[tuple[int, str]], limit: int = 8) -> str:
    """Sheet rows with their case ids: ``3 (c2), 6 (c5)``."""
    shown = ", ".join(f"{r} ({case})" for r, case in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def prepare(
    grid: Sequence[Sequence[Cell]],
    outcome: str,
    conditions: list[str] | None = None,
    *,
    case_id: str | None = None,
    dropna: bool = False,
) -> tuple[Dataset, list[str], str, list[str]]:
    """Read the grid (first filled row the header, blank rows passed over) into a
    :class:`Dataset`; returns it with the condition names, the outcome column name (without
    ``~``) and notes for the user. Rows are named as a spreadsheet numbers them (grid row k
    is row k + 1), with the case id, whatever blank rows the file holds. Cells are text as a
    file gives them, or numbers (scores computed from a questionnaire, a DataFrame's values)."""
    notes: list[str] = []
    filled = [k for k, r in enumerate(grid) if any(_text(c) for c in r)]
    if len(filled) < 2:
        raise InputError("the table needs a header row and at least one case")
    rows = [grid[k] for k in filled]
    sheet_rows = [k + 1 for k in filled[1:]]  # each case's row in the file
    header = [_text(h) for h in rows[0]]
    body = [list(r) + [""] * (len(header) - len(r)) for r in rows[1:]]
    for i, r in zip(sheet_rows, body, strict=True):
        if len(r) > len(header) and any(_text(c) for c in r[len(header) :]):
            raise InputError(f"row {i} has more cells than the header has columns")
    body = [r[: len(header)] for r in body]
    seen: set[str] = set()
    for h in header:
        if not h:
            raise InputError("the header has an empty column name")
        if h in seen:
            raise InputError(f"column {h!r} appears twice in the header")
        seen.add(h)
    index = {h: j for j, h in enumerate(header)}

    id_col = _case_id_column(header, body, case_id)
    ids = [_text(r[id_col]) for r in body] if id_col is not None else []
    ids = [x or str(i) for i, x in enumerate(ids, start=1)] or [
        str(i) for i in range(1, len(body) + 1)
    ]
    if len(set(ids)) != len(ids):
        dup = next(x for x in ids if ids.count(x) > 1)
        raise InputError(f"case id {dup!r} appears twice in column {header[id_col]}")

    out_name = outcome.strip()
    if out_name.startswith("~"):
        out_name = out_name[1:].strip()
    if out_name not in index:
        raise InputError(
            f"unknown outcome column {out_name!r}; the columns are {', '.join(header)}",
            option="outcome",
        )
    if conditions:
        unknown = [c for c in conditions if c not in index]
        if unknown:
            raise InputError(
                f"unknown condition column{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(repr(c) for c in unknown)}; the columns are {', '.join(header)}",
                option="conditions",
            )
        if len(set(conditions)) != len(conditions):
            dup = next(c for c in conditions if conditions.count(c) > 1)
            raise InputError(f"condition {dup!r} is listed twice", option="conditions")
        if out_name in conditions:
            raise InputError(
                f"{out_name} cannot be both the outcome and a condition", option="conditions"
            )
        chosen = list(conditions)
    else:
        chosen = []
        for h in header:
            j = index[h]
            if h == out_name or j == id_col:
                continue
            cells = [r[j] for r in body if not is_missing(r[j])]
            numeric = [c for c in cells if parse_number(c) is not None]
            if not numeric:
                notes.append(f"column {h} is not numeric and is not used as a condition")
                continue
            chosen.append(h)
        if not chosen:
            raise InputError(
                "no numeric condition columns besides the outcome", option="conditions"
            )

    columns: dict[str, np.ndarray] = {}
    missing_rows: dict[int, list[str]] = {}
    for name in [*chosen, out_name]:
        j = index[name]
        values = np.full(len(body), np.nan)
        for i, r in enumerate(body):
            cell = r[j]
            if is_missing(cell):
                missing_rows.setdefault(i + 1, []).append(name)
                continue
            v = parse_number(cell)
            if v is None:
                raise InputError(
                    f"column {name}, row {sheet_rows[i]} ({ids[i]}): {_text(cell)!r} is not "
                    "a number"
                )
            values[i] = v
        columns[name] = values

    kept = list(sheet_rows)
    dropped: list[tuple[int, str]] = []
    if missing_rows:
        bad = sorted(missing_rows)
        cols = sorted({c for cs in missing_rows.values() for c in cs}, key=list(index).index)
        dropped = [(sheet_rows[i - 1], ids[i - 1]) for i in bad]
        if not dropna:
            raise InputError(
                f"{len(bad)} case{'s' if len(bad) > 1 else ''} with missing values "
                f"(in {', '.join(cols)}): rows {_describe_rows(dropped)}; "
                "fill them in or drop those cases",
                remedy="dropna",
            )
        keep = np.array([i + 1 not in missing_rows for i in range(len(body))])
        notes.append(
            f"dropped {len(bad)} case(s) with missing values: rows {_describe_rows(dropped)}"
        )
        columns = {k: v[keep] for k, v in columns.items()}
        ids = [x for x, k in zip(ids, keep, strict=True) if k]
        kept = [r for r, k in zip(kept, keep, strict=True) if k]
        if not ids:
            raise InputError("every case has a missing value", option="dropna")
    return Dataset(ids, columns, kept, dropped), chosen, out_name, notes


def _case_id_column(header: list[str], body: list[list[Cell]], case_id: str | None) -> int | None:
    if case_id is not None:
        if case_id not in header:
            raise InputError(
                f"unknown case-id column {case_id!r}; the columns are {', '.join(header)}",
                option="case-id",
            )
        return header.index(case_id)
    if header[0].lower() in ID_NAMES:
        return 0
    cells = [r[0] for r in body if not is_missing(r[0])]
    if cells and all(parse_number(c) is None for c in cells):
        return 0
    return None


def check_not_constant(name: str, values: np.ndarray, role: str) -> None:
    """A condition or outcome that takes a single value cannot discriminate cases."""
    if len(values) and np.all(values == values[0]):
        raise InputError(
            f"{role} {name} is constant ({values[0]:g} for every case) and cannot be analysed",
            option="outcome" if role == "outcome" else "conditions",
        )
