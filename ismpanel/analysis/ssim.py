"""Structural self-interaction matrices: read the tables analysts bring and build the IRM.

Three table shapes are accepted, all as a grid of cell strings (the first row is the header):

* an SSIM: first row and first column hold the factor ids, the cells above the diagonal hold
  V, A, X or O (any case), the diagonal is blank or X, the lower triangle is blank or its
  mirror (V and A swapped, X and O the same). Columns may be printed in any order; "above the
  diagonal" is judged by the row order, which is the factor order. A letter marked ``*`` (a
  tie that ``ssim export`` marks) reads as the letter;
* a 0/1 adjacency matrix with the same headers (``1*`` is read as 1, so a printed final
  reachability matrix can be fed back);
* an edge list with ``from`` and ``to`` columns (or ``source`` and ``target``).

The matrix need not start in the first row: a few text rows above it (a title, instructions)
are passed over, and rows below a blank row after it (a legend, a note) are left out. Headers
may be an id followed by a name (``OR1 Leadership support``) and ids may differ in case between
the row and the column headers, or from the study's ids when those are given. Every error names
the cell, spreadsheet style (``F4``, counted in the file as given, first row 1), and the
factors it belongs to.

Matrices are checked and read as numpy arrays of cell strings, not cell by cell: a 1,000-factor
matrix has a million cells. The first offending cell in reading order (row by row) is found
with the same vectorised tests, then described.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from ismpanel.analysis.relations import LETTERS
from ismpanel.errors import InputError

FORMATS = ("auto", "ssim", "adjacency", "edges")
_EDGE_HEADERS = (("from", "to"), ("source", "target"))
_BINARY = {"0": False, "1": True, "1*": True}
TIE_MARK = "*"  # after a letter: a tie the majority resolved, as ssim export marks it
MAX_TEXT_ROWS = 30  # title and instruction rows passed over above a matrix

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
    matrix = _locate(cells, None)
    body = matrix.cells[1:, 1:]
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


def parse_ssim(
    grid: Grid, allow_missing: bool = False, ids: Sequence[str] | None = None
) -> Structure:
    """Parse an SSIM grid; every malformed cell raises an :class:`InputError` naming it.

    With ``allow_missing`` a blank upper cell is an unanswered pair (its letter stays ``""``),
    for an expert's partly filled form; the IRM then has no arc for it. With the study's
    ``ids`` the headers are matched to them (any case, a name after the id allowed), and a
    missing row for the last factor (whose row holds nothing above the diagonal) is allowed."""
    cells, factors, col_pos, top = _square_headers(grid, ids)
    n = len(factors)
    raw = cells[1:, 1:]
    upper = np.strings.upper(raw)
    marked = (np.strings.str_len(upper) == 2) & np.strings.endswith(upper, TIE_MARK)
    body = np.where(marked, np.strings.rstrip(upper, TIE_MARK), upper)  # V* reads as V
    i = np.arange(n)[:, None]
    j = col_pos[None, :]
    blank = body == ""
    above = j > i
    mirror = body[col_pos[None, :], np.argsort(col_pos)[:, None]]  # cell (j, i) for (i, j)
    bad = ((i == j) & ~blank & (body != "X")) | (above & ~blank & ~np.isin(body, LETTERS))
    bad |= (j < i) & ~blank & ((mirror == "") | (body != _swapped(mirror)))
    if not allow_missing:
        bad |= above & blank
    if bad.any():
        r, c = (int(v) for v in np.argwhere(bad)[0])
        where = _Where(top, factors, col_pos)
        raise InputError(_ssim_cell_error(str(raw[r, c]), r, c, str(mirror[r, c]), where))
    letters = np.full((n, n), "", dtype="<U1")
    keep = above & ~blank
    letters[np.broadcast_to(i, keep.shape)[keep], np.broadcast_to(j, keep.shape)[keep]] = body[keep]
    return Structure(tuple(factors), irm_from_letters(letters), letters)


def _swapped(letters: np.ndarray) -> np.ndarray:
    """The letters for the same relations written the other way round (V and A swapped)."""
    return np.where(letters == "V", "A", np.where(letters == "A", "V", letters))


@dataclass(frozen=True)
class _Where:
    """Where a matrix lies in its grid, to name a body cell spreadsheet style: ``top`` is the
    grid row of its header row, ``factors`` the row ids, ``col_pos`` each column's factor."""

    top: int
    factors: list[str]
    col_pos: np.ndarray

    def cell(self, r: int, c: int) -> str:
        """Body cell (row r, column c, both 0-based after the headers) with its factors."""
        name = cell_name(self.top + 1 + r, c + 1)
        return f"cell {name} (row {self.factors[r]}, column {self.factors[self.col_pos[c]]})"


def _ssim_cell_error(raw: str, r: int, c: int, mirror: str, where: _Where) -> str:
    """What is wrong with the SSIM body cell in row ``r`` and column ``c`` (0-based after the
    headers), which the caller found wrong; ``mirror`` is the letter across the diagonal."""
    j = int(where.col_pos[c])
    here = where.cell(r, c)
    if r == j:
        return f"{here}: diagonal holds {raw!r}; leave it blank or write X"
    if j < r:
        across = where.cell(j, int(np.flatnonzero(where.col_pos == r)[0]))
        if not mirror:
            return (
                f"{here}: lower-triangle cell holds {raw!r} but {across} above the diagonal is "
                "blank; write the relation above the diagonal (the lower triangle may be blank)"
            )
        expected = {"V": "A", "A": "V"}.get(mirror, mirror)
        return (
            f"{here}: lower-triangle cell holds {raw!r}, which contradicts {mirror!r} in "
            f"{across}; the lower triangle mirrors the upper (V and A swapped), so write "
            f"{expected} or leave it blank"
        )
    if not raw:
        return f"{here}: missing relation; expected V, A, X or O"
    return f"{here}: unknown letter {raw!r}; expected V, A, X or O"


def parse_adjacency(grid: Grid) -> Structure:
    """Parse a 0/1 matrix (row i, column j = 1 when i reaches j); the diagonal is set to 1.
    Cells marked ``1*`` make it a declared final reachability matrix (see :class:`Structure`)."""
    cells, factors, col_pos, top = _square_headers(grid)
    n = len(factors)
    body = cells[1:, 1:]
    diagonal = np.arange(n)[:, None] == col_pos[None, :]
    one, star = body == "1", body == "1*"
    bad = ~(one | star | (body == "0")) & ~((body == "") & diagonal)
    if bad.any():
        i, c = (int(v) for v in np.argwhere(bad)[0])
        raw = str(body[i, c])
        what = "missing value" if raw == "" else f"value {raw!r}"
        where = _Where(top, factors, col_pos).cell(i, c)
        raise InputError(f"{where}: {what}; an adjacency matrix holds 0 or 1")
    irm = np.eye(n, dtype=bool)
    declared = np.eye(n, dtype=bool)
    irm[:, col_pos] |= one
    declared[:, col_pos] |= one | star
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

    def padded() -> list[list[str]]:
        return [[("" if c is None else c) for c in r] + [""] * (width - len(r)) for r in grid]

    ragged = any(len(r) != width for r in grid)
    cells = None if ragged else _letter_body(grid, width)
    if cells is None:
        cells = np.array(padded() if ragged else grid, dtype=str)
        # None (an empty workbook cell) reads as "None": look for it only where that text is
        if not ragged and (cells == "None").any() and any(None in r for r in grid):
            cells = np.array(padded(), dtype=str)
        cells = np.strings.strip(cells)
    filled = cells != ""
    used_rows = np.flatnonzero(filled.any(axis=1))
    used_cols = np.flatnonzero(filled.any(axis=0))
    if not len(used_rows):
        return np.zeros((0, 0), dtype=str)
    return cells[: used_rows[-1] + 1, : used_cols[-1] + 1]


def _letter_body(grid: Grid, width: int) -> np.ndarray | None:
    """The stripped cell array of a grid whose cells below the first row and right of the first
    column hold one character each (an SSIM's letters, a 0/1 matrix), built from one joined
    string as code points instead of cell by cell: on a million cells 25 ms instead of 80.
    None for any other grid, which the general conversion then reads."""
    rows = len(grid)
    if rows < 2 or width < 2:
        return None
    try:
        joined = "\x00".join(chain.from_iterable(r[1:] for r in grid[1:]))
        points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    except (TypeError, UnicodeEncodeError):  # a None cell, a lone surrogate
        return None
    count = (rows - 1) * (width - 1)
    # one character per cell exactly when every second code point is the NUL joining them
    if len(points) != 2 * count - 1 or points[1::2].any() or not points[::2].all():
        return None
    edges = [*grid[0], *(r[0] for r in grid[1:])]
    if None in edges:
        return None
    edge = np.strings.strip(np.array(edges, dtype=str))
    cells = np.zeros((rows, width), dtype=np.promote_types(edge.dtype, "<U1"))
    cells[0], cells[1:, 0] = edge[:width], edge[width:]
    letters = points[::2]
    cells.view(np.uint32).reshape(rows, width, -1)[1:, 1:, 0] = letters.reshape(rows - 1, -1)
    if ((letters <= ord(" ")) | (letters > ord("~"))).any():  # a cell may be whitespace
        cells[1:, 1:] = np.strings.strip(cells[1:, 1:])
    return cells


@dataclass(frozen=True)
class _Matrix:
    """A square table found in a grid: ``cells`` are its header row and its rows, ``top`` the
    grid row of the header row; ``row_ids`` and ``col_ids`` are the headers as ids (a
    missing last row, added blank, is among the row ids)."""

    top: int
    cells: np.ndarray
    row_ids: list[str]
    col_ids: list[str]


def _first_token(text: str) -> str:
    """A header's id when a name follows it: ``OR1 Leadership support`` or ``OR1: ...``."""
    return text.split(maxsplit=1)[0].rstrip(":.") if text.strip() else text


def _readings(ids: Sequence[str] | None):
    """Ways to read a header as (key to match rows and columns by, id to show), tried in turn:
    as written, first word, first word in any case; with the study's ids, the id it names."""
    if ids is not None:
        known = {f.casefold(): f for f in ids}

        def study(text: str) -> tuple[str, str]:
            found = known.get(text.casefold()) or known.get(_first_token(text).casefold())
            return (found, found) if found else (text, text)

        return (study,)
    return (
        lambda t: (t, t),
        lambda t: (_first_token(t), _first_token(t)),
        lambda t: (_first_token(t).casefold(), _first_token(t)),
    )


def holds_matrix(grid: Grid, ids: Sequence[str] | None = None) -> bool:
    """Whether a grid holds a square table whose row and column headers name the same
    factors (the study's, when ``ids`` are given), for finding the sheet an SSIM is on."""
    cells = _cells(grid)
    return cells.shape[0] >= 2 and cells.shape[1] >= 2 and _find(cells, ids) is not None


def _locate(cells: np.ndarray, ids: Sequence[str] | None) -> _Matrix:
    """The matrix :func:`_find` finds; failing that, the first row with headers after column A
    and every row below it, as written, so that the checks name what is wrong."""
    found = _find(cells, ids)
    if found is not None:
        return found
    filled = cells != ""
    top = next((r for r in range(len(cells)) if filled[r, 1:].any()), 0)
    return _Matrix(top, cells[top:], cells[top + 1 :, 0].tolist(), cells[top, 1:].tolist())


def _find(cells: np.ndarray, ids: Sequence[str] | None) -> _Matrix | None:
    """The first of the top rows whose header cells, read one of the ways of :func:`_readings`,
    are the ids of the rows below it up to a blank row (with the study's ids, the last
    factor's row may be missing), with those rows; None when no row is."""
    filled = cells != ""
    blank_rows = np.append(np.flatnonzero(~filled.any(axis=1)), len(cells))
    for top in range(min(len(cells), MAX_TEXT_ROWS + 1)):
        used = np.flatnonzero(filled[top, 1:])
        if not len(used) or len(used) != used[-1] + 1:
            continue  # a text row, or headers with a gap
        end = int(blank_rows[np.searchsorted(blank_rows, top)])
        heads, rows = cells[top, 1 : len(used) + 1].tolist(), cells[top + 1 : end, 0].tolist()
        if "" in rows or filled[top:end, len(heads) + 1 :].any():
            continue  # a row without an id, or cells right of the last column's
        for read in _readings(ids):
            col_keys, row_keys = [read(h) for h in heads], [read(h) for h in rows]
            cols, found = [k for k, _ in col_keys], [k for k, _ in row_keys]
            if len(set(cols)) < len(cols) or len(set(found)) < len(found):
                continue
            block = cells[top:end, : len(heads) + 1]
            if set(cols) == set(found):
                return _Matrix(top, block, [s for _, s in row_keys], cols)
            missing = set(cols) - set(found)
            if ids is not None and len(missing) == 1 and not set(found) - set(cols):
                last = missing.pop()
                if last in (cols[0], cols[-1]):  # the empty last row of either column order
                    row = np.array([[last] + [""] * len(heads)], dtype=block.dtype)
                    names = [s for _, s in row_keys] + [last]
                    return _Matrix(top, np.vstack([block, row]), names, cols)
    return None


def _square_headers(
    grid: Grid, ids: Sequence[str] | None = None
) -> tuple[np.ndarray, list[str], np.ndarray, int]:
    """Find the square table in a grid and check its header row and column.

    Returns its cells (header row first), the factor ids in row order, for each column after
    the first the index of its factor in row order, and the grid row of the header row.
    """
    cells = _cells(grid)
    if not cells.size:
        raise InputError("empty file: no rows")
    if cells.shape[0] < 2 or cells.shape[1] < 2:
        raise InputError("table too small: expected factor ids in the first row and column")
    matrix = _locate(cells, ids)
    top, col_ids, row_ids = matrix.top, matrix.col_ids, matrix.row_ids
    _check_ids(col_ids, lambda k: cell_name(top, k + 1), "column")
    _check_ids(row_ids, lambda k: cell_name(top + k + 1, 0), "row")
    if len(row_ids) != len(col_ids):
        raise InputError(
            f"not square: {len(row_ids)} row ids (column A) but {len(col_ids)} column ids "
            f"(row {top + 1})"
        )
    row_pos = {f: k for k, f in enumerate(row_ids)}
    for k, f in enumerate(col_ids):
        if f not in row_pos:
            missing = sorted(set(row_ids) - set(col_ids))
            hint = f"; row ids without a column: {', '.join(missing)}" if missing else ""
            raise InputError(
                f"cell {cell_name(top, k + 1)}: column id {f!r} is not among the row ids{hint}"
            )
    return matrix.cells, row_ids, np.array([row_pos[f] for f in col_ids], dtype=np.intp), top


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
