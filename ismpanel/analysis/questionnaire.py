"""Questionnaire items to condition scores: each condition (and the outcome) is the mean of its
items for each respondent, as a study's ``[qca.items]`` table maps them. Cells are read as the
fsQCA reader reads them (missing values, decimal commas); cases are numbered as it numbers them
(the first respondent is case 1), and cells named as a spreadsheet names them (blank rows
counted, as the sheet shows them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ismpanel.analysis.fsqca.data import Cell, is_missing, parse_number
from ismpanel.analysis.ssim import cell_name
from ismpanel.errors import InputError


def item_scores(
    grid: Sequence[Sequence[str]], items: Mapping[str, Sequence[str]], case_id: str | None
) -> list[list[Cell]]:
    """A case table with the case id (if named) and one column per mapped name holding the
    mean of its items for each respondent, as a number; a case with a missing item gets a
    blank score (the fsQCA reader reports it, and ``dropna`` drops it). A missing column or a
    non-numeric item names its cell. Blank rows stay blank, so that the table's rows are the
    questionnaire's and the fsQCA reader's row numbers name rows of the questionnaire file."""
    filled = [k for k, r in enumerate(grid) if any(str(c).strip() for c in r)]
    if len(filled) < 2:
        raise InputError("the questionnaire needs a header row and at least one respondent")
    top, answered = filled[0], set(filled)
    header = [str(h).strip() for h in grid[top]]
    wanted = [case_id] if case_id else []
    wanted += [column for columns in items.values() for column in columns]
    missing = [c for c in dict.fromkeys(wanted) if c not in header]
    if missing:
        raise InputError(
            f"column(s) {', '.join(missing)} named in [qca] are not in the questionnaire "
            f"(its columns: {', '.join(header)})"
        )
    position = {h: k for k, h in enumerate(header)}
    out: list[list[Cell]] = [[] for _ in range(top)]
    out.append(([case_id] if case_id else []) + list(items))
    case = 0
    for k in range(top + 1, len(grid)):
        if k not in answered:
            out.append([])
            continue
        case += 1
        cells = list(grid[k]) + [""] * (len(header) - len(grid[k]))
        line = [cells[position[case_id]].strip()] if case_id else []
        for columns in items.values():
            values = [_number(cells[position[c]], k, case, position[c], c) for c in columns]
            line.append("" if None in values else math.fsum(values) / len(values))
        out.append(line)
    return out


def _number(cell: str, row: int, case: int, col: int, name: str) -> float | None:
    """An item's number; ``row`` is the grid row (0-based) of respondent number ``case``."""
    if is_missing(str(cell)):
        return None
    value = parse_number(str(cell))
    if value is None:
        raise InputError(
            f"cell {cell_name(row, col)} (case {case}, column {name}): {str(cell).strip()!r} "
            "is not a number"
        )
    return value
