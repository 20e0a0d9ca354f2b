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

Grid = Sequence[Sequence[str]]


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
    rows = _trim(grid)
    if not rows:
        raise InputError("empty file: no rows")
    header = tuple(c.strip().lower() for c in rows[0])
    if any(set(pair) <= set(header) for pair in _EDGE_HEADERS):
        return "edges"
    body = [c.strip() for r in rows[1:] for c in r[1:]]
    if body and all(c in _BINARY or c == "" for c in body) and any(c in _BINARY for c in body):
        return "adjacency"
    return "ssim"


def parse_structure(grid: Grid, fmt: str = "auto") -> Structure:
    """Parse a grid in the given format (or the detected one) into a :class:`Structure`."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "auto":
        fmt = detect_format(grid)
    return {"ssim": parse_ssim, "adjacency": parse_adjacency, "edges": parse_edges}[fmt](grid)


def parse_ssim(grid: Grid, allow_missing: bool = False) -> Structure:
    """Parse an SSIM grid; every malformed cell raises an :class:`InputError` naming it.

    With ``allow_missing`` a blank upper cell is an unanswered pair (its letter stays ``""``),
    for an expert's partly filled form; the IRM then has no arc for it."""
    rows, factors, col_pos = _square_headers(grid)
    n = len(factors)
    letters = np.full((n, n), "", dtype="<U1")
    for i in range(n):
        for c in range(1, len(rows[0])):
            raw = rows[i + 1][c]
            j = col_pos[c]
            where = f"cell {cell_name(i + 1, c)} (row {factors[i]}, column {factors[j]})"
            value = raw.upper()
            if i == j:
                if value not in ("", "X"):
                    raise InputError(f"{where}: diagonal holds {raw!r}; leave it blank or write X")
            elif j < i:
                if value:
                    raise InputError(
                        f"{where}: lower-triangle cell holds {raw!r}; the lower triangle must "
                        "be blank (write the relation once, above the diagonal)"
                    )
            elif not value:
                if not allow_missing:
                    raise InputError(f"{where}: missing relation; expected V, A, X or O")
            elif value not in LETTERS:
                raise InputError(f"{where}: unknown letter {raw!r}; expected V, A, X or O")
            else:
                letters[i, j] = value
    return Structure(tuple(factors), irm_from_letters(letters), letters)


def parse_adjacency(grid: Grid) -> Structure:
    """Parse a 0/1 matrix (row i, column j = 1 when i reaches j); the diagonal is set to 1.
    Cells marked ``1*`` make it a declared final reachability matrix (see :class:`Structure`)."""
    rows, factors, col_pos = _square_headers(grid)
    n = len(factors)
    irm = np.eye(n, dtype=bool)
    declared = np.eye(n, dtype=bool)
    for i in range(n):
        for c in range(1, len(rows[0])):
            raw = rows[i + 1][c]
            j = col_pos[c]
            if raw == "" and i == j:
                continue
            if raw not in _BINARY:
                where = f"cell {cell_name(i + 1, c)} (row {factors[i]}, column {factors[j]})"
                what = "missing value" if raw == "" else f"value {raw!r}"
                raise InputError(f"{where}: {what}; an adjacency matrix holds 0 or 1")
            irm[i, j] |= raw == "1"
            declared[i, j] |= _BINARY[raw]
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
    rows = [[("" if c is None else str(c)).strip() for c in r] for r in grid]
    while rows and not any(rows[-1]):
        rows.pop()
    width = max((max((k + 1 for k, c in enumerate(r) if c), default=0) for r in rows), default=0)
    return [r[:width] + [""] * (width - len(r)) for r in rows]


def _square_headers(grid: Grid) -> tuple[list[list[str]], list[str], dict[int, int]]:
    """Check the header row and column of a square table.

    Returns the trimmed rows, the factor ids in row order, and for each grid column the index
    of its factor in row order.
    """
    rows = _trim(grid)
    if not rows:
        raise InputError("empty file: no rows")
    if len(rows) < 2 or len(rows[0]) < 2:
        raise InputError("table too small: expected factor ids in the first row and column")
    col_ids = rows[0][1:]
    row_ids = [r[0] for r in rows[1:]]
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
    return rows, row_ids, {k + 1: row_pos[f] for k, f in enumerate(col_ids)}


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
