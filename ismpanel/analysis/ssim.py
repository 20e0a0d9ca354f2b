"""Structural self-interaction matrices: read the tables analysts bring and build the IRM.

Three table shapes are accepted, all as a grid of cell strings (the first row is the header):

* an SSIM: first row and first column hold the factor ids, the cells above the diagonal hold
  V, A, X or O (any case), the diagonal is blank or X, the lower triangle is blank. Columns
  may be printed in any order; "above the diagonal" is judged by the row order, which is the
  factor order;
* a 0/1 adjacency matrix with the same headers (``1*`` is read as 1, so a printed final
  reachability matrix can be fed back);
* an edge list with ``from`` and ``to`` columns (or ``source`` and ``target``).

Every error names the cell, spreadsheet style (``F4``), and the factors it belongs to.

Matrices are checked and read as numpy arrays of cell strings, not cell by cell: a 1,000-factor
matrix has a million cells. The first offending cell in reading order (row by row) is found
with the same vectorised tests, then described.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ismpanel.analysis.errors import InputError
from ismpanel.analysis.relations import LETTERS

FORMATS = ("auto", "ssim", "adjacency", "edges")
_EDGE_HEADERS = (("from", "to"), ("source", "target"))
_BINARY = {"0": False, "1": True, "1*": True}

Grid = Sequence[Sequence[str]] | np.ndarray  # cell strings, or the array _cells made of them


@dataclass(frozen=True)
class Structure:
    """Factors in input order and their initial reachability matrix (reflexive, boolean).

    ``ssim`` keeps the letters (upper triangle in factor order, ``""`` elsewhere) when the
    structure came from an SSIM, so that reports can print the SSIM the analysis used.
    ``declared_frm`` is the matrix as given when a 0/1 file marks entries ``1*``: a printed
    final reachability matrix, whose plain 1s are the IRM and whose 1* entries are claimed to
    follow by transitivity; the caller checks that claim against the closure.
    """

    factors: tuple[str, ...]
    irm: np.ndarray
    ssim: np.ndarray | None = None
    declared_frm: np.ndarray | None = None


def cell_name(row: int, col: int) -> str:
    """Spreadsheet name of a 0-based grid position: (0, 0) -> 'A1', (3, 27) -> 'AB4'."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return f"{letters}{row + 1}"


def irm_from_letters(letters: np.ndarray) -> np.ndarray:
    """IRM from an SSIM's letters: V -> (i,j)=1, A -> (j,i)=1, X -> both, O -> none, diagonal 1."""
    upper = np.triu(np.ones(letters.shape, dtype=bool), 1)
    forward = upper & np.isin(letters, ("V", "X"))
    backward = upper & np.isin(letters, ("A", "X"))
    return forward | backward.T | np.eye(len(letters), dtype=bool)


def ssim_from_irm(irm: np.ndarray) -> np.ndarray:
    """The SSIM letters that produce a given IRM (the inverse of :func:`irm_from_letters`)."""
    n = len(irm)
    letters = np.full((n, n), "", dtype="<U1")
    forward, backward = irm.astype(bool), irm.T.astype(bool)
    codes = np.select([forward & backward, forward, backward], ["X", "V", "A"], default="O")
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    letters[upper] = codes[upper]
    return letters


def detect_format(grid: Grid) -> str:
    """Guess the table shape: edge list by its header, 0/1 matrix by its cells, else SSIM."""
    cells = _cells(grid)
    if not cells.size:
        raise InputError("empty file: no rows")
    header = tuple(c.lower() for c in cells[0].tolist())
    if any(set(pair) <= set(header) for pair in _EDGE_HEADERS):
        return "edges"
    body = cells[1:, 1:]
    binary = _binary(body)
    if body.size and (binary | (body == "")).all() and binary.any():
        return "adjacency"
    return "ssim"


def parse_structure(grid: Grid, fmt: str = "auto") -> Structure:
    """Parse a grid in the given format (or the detected one) into a :class:`Structure`."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    cells = _cells(grid)
    if fmt == "auto":
        fmt = detect_format(cells)
    return {"ssim": parse_ssim, "adjacency": parse_adjacency, "edges": parse_edges}[fmt](cells)


def parse_ssim(grid: Grid, allow_missing: bool = False) -> Structure:
    """Parse an SSIM grid; every malformed cell raises an :class:`InputError` naming it.

    With ``allow_missing`` a blank upper cell is an unanswered pair (its letter stays ``""``),
    for an expert's partly filled form; the IRM then has no arc for it."""
    cells, factors, col_pos = _square_headers(grid)
    n = len(factors)
    body = cells[1:, 1:]
    upper_case = np.strings.upper(body)
    i = np.arange(n)[:, None]
    j = col_pos[None, :]
    blank = upper_case == ""
    bad = ((i == j) & ~blank & (upper_case != "X")) | ((j < i) & ~blank)
    above = j > i
    bad |= above & ~blank & ~np.isin(upper_case, LETTERS)
    if not allow_missing:
        bad |= above & blank
    if bad.any():
        r, c = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(_ssim_cell_error(str(body[r, c]), r, c + 1, int(col_pos[c]), factors))
    letters = np.full((n, n), "", dtype="<U1")
    keep = above & ~blank
    letters[np.broadcast_to(i, keep.shape)[keep], np.broadcast_to(j, keep.shape)[keep]] = (
        upper_case[keep]
    )
    return Structure(tuple(factors), irm_from_letters(letters), letters)


def _ssim_cell_error(raw: str, i: int, c: int, j: int, factors: list[str]) -> str:
    """What is wrong with the SSIM cell in row ``i`` (0-based factor) and grid column ``c``,
    which holds factor ``j``; the cell is known to be wrong."""
    where = f"cell {cell_name(i + 1, c)} (row {factors[i]}, column {factors[j]})"
    if i == j:
        return f"{where}: diagonal holds {raw!r}; leave it blank or write X"
    if j < i:
        return (
            f"{where}: lower-triangle cell holds {raw!r}; the lower triangle must be blank "
            "(write the relation once, above the diagonal)"
        )
    if not raw:
        return f"{where}: missing relation; expected V, A, X or O"
    return f"{where}: unknown letter {raw!r}; expected V, A, X or O"


def parse_adjacency(grid: Grid) -> Structure:
    """Parse a 0/1 matrix (row i, column j = 1 when i reaches j); the diagonal is set to 1.
    Cells marked ``1*`` make it a declared final reachability matrix (see :class:`Structure`)."""
    cells, factors, col_pos = _square_headers(grid)
    n = len(factors)
    body = cells[1:, 1:]
    diagonal = np.arange(n)[:, None] == col_pos[None, :]
    bad = ~_binary(body) & ~((body == "") & diagonal)
    if bad.any():
        i, c = (int(v) for v in np.argwhere(bad)[0])
        raw = str(body[i, c])
        where = f"cell {cell_name(i + 1, c + 1)} (row {factors[i]}, column {factors[col_pos[c]]})"
        what = "missing value" if raw == "" else f"value {raw!r}"
        raise InputError(f"{where}: {what}; an adjacency matrix holds 0 or 1")
    irm = np.eye(n, dtype=bool)
    declared = np.eye(n, dtype=bool)
    irm[:, col_pos] |= body == "1"
    declared[:, col_pos] |= (body == "1") | (body == "1*")
    marked = bool((declared & ~irm).any())
    return Structure(tuple(factors), irm, declared_frm=declared if marked else None)


def parse_edges(grid: Grid) -> Structure:
    """Parse an edge list (``from``/``to`` or ``source``/``target`` columns), factors in order
    of first appearance; a self-loop is allowed and adds nothing."""
    rows = _trim(grid)
    if not rows:
        raise InputError("empty file: no rows")
    header = [c.strip().lower() for c in rows[0]]
    for a, b in _EDGE_HEADERS:
        if a in header and b in header:
            src, dst = header.index(a), header.index(b)
            break
    else:
        raise InputError("row 1: an edge list needs 'from' and 'to' columns")
    factors: dict[str, int] = {}
    edges: list[tuple[int, int]] = []
    for r in range(1, len(rows)):
        ends = []
        for c, name in ((src, header[src]), (dst, header[dst])):
            value = rows[r][c]
            if not value:
                raise InputError(f"cell {cell_name(r, c)} (row {r + 1}): empty {name!r} cell")
            ends.append(factors.setdefault(value, len(factors)))
        edges.append((ends[0], ends[1]))
    if not factors:
        raise InputError("edge list has a header but no edges")
    irm = np.eye(len(factors), dtype=bool)
    for a, b in edges:
        irm[a, b] = True
    return Structure(tuple(factors), irm)


def _trim(grid: Grid) -> list[list[str]]:
    """Cells as stripped strings, trailing blank rows and trailing blank columns removed."""
    return _cells(grid).tolist()


def _binary(cells: np.ndarray) -> np.ndarray:
    """Which cells hold 0, 1 or 1*."""
    return (cells == "0") | (cells == "1") | (cells == "1*")


def _cells(grid: Grid) -> np.ndarray:
    """The grid as a 2-D array of stripped cell strings (None read as blank), trailing blank
    rows and trailing blank columns removed; an array already made by this function is
    returned as it is."""
    if isinstance(grid, np.ndarray):
        return grid
    width = max((len(r) for r in grid), default=0)
    if not width:
        return np.zeros((0, 0), dtype=str)
    rows = grid
    if any(len(r) != width or None in r for r in grid):  # ragged or with empty cells: pad
        rows = [[("" if c is None else c) for c in r] + [""] * (width - len(r)) for r in grid]
    cells = np.strings.strip(np.array(rows, dtype=str))
    filled = cells != ""
    used_rows = np.flatnonzero(filled.any(axis=1))
    used_cols = np.flatnonzero(filled.any(axis=0))
    if not len(used_rows):
        return np.zeros((0, 0), dtype=str)
    return cells[: used_rows[-1] + 1, : used_cols[-1] + 1]


def _square_headers(grid: Grid) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Check the header row and column of a square table.

    Returns the trimmed cells, the factor ids in row order, and for each column after the
    first the index of its factor in row order.
    """
    cells = _cells(grid)
    if not cells.size:
        raise InputError("empty file: no rows")
    if cells.shape[0] < 2 or cells.shape[1] < 2:
        raise InputError("table too small: expected factor ids in the first row and column")
    col_ids = cells[0, 1:].tolist()
    row_ids = cells[1:, 0].tolist()
    _check_ids(col_ids, lambda k: cell_name(0, k + 1), "column")
    _check_ids(row_ids, lambda k: cell_name(k + 1, 0), "row")
    if len(row_ids) != len(col_ids):
        raise InputError(
            f"not square: {len(row_ids)} row ids (column A) but {len(col_ids)} column ids (row 1)"
        )
    row_pos = {f: k for k, f in enumerate(row_ids)}
    for k, f in enumerate(col_ids):
        if f not in row_pos:
            missing = sorted(set(row_ids) - set(col_ids))
            hint = f"; row ids without a column: {', '.join(missing)}" if missing else ""
            raise InputError(
                f"cell {cell_name(0, k + 1)}: column id {f!r} is not among the row ids{hint}"
            )
    return cells, row_ids, np.array([row_pos[f] for f in col_ids], dtype=np.intp)


def _check_ids(ids: list[str], where, axis: str) -> None:
    seen: dict[str, int] = {}
    for k, f in enumerate(ids):
        if not f:
            raise InputError(f"cell {where(k)}: empty {axis} id")
        if f in seen:
            raise InputError(
                f"cell {where(k)}: duplicate {axis} id {f!r} (also in cell {where(seen[f])})"
            )
        seen[f] = k
