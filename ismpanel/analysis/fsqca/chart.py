"""The prime implicant chart (R QCA's ``makeChart``): which rows each implicant covers, and the
reductions that keep every minimum cover (row dominance, the rows and columns no minimum
cover needs, independent components)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ismpanel.analysis.fsqca.budget import Deadline, check_deadline
from ismpanel.analysis.fsqca.implicants import CHUNK_CELLS, term_arrays
from ismpanel.analysis.fsqca.terms import Term

COLUMN_DOMINANCE_LIMIT = 3000


def coverage(
    terms: Sequence[Term], rows: Sequence[int], deadline: Deadline | None = None
) -> list[int]:
    """For each term, the set of ``rows`` positions it covers, as an int bitset; the
    ``deadline`` is checked per block of terms."""
    arr = np.asarray(rows, dtype=np.int64)
    masks, bits = term_arrays(terms)
    out: list[int] = []
    step = max(1, CHUNK_CELLS // max(1, len(arr)))
    for start in range(0, len(terms), step):
        if deadline is not None:
            deadline.check("building the prime implicant chart")
        hit = (arr[None, :] & masks[start : start + step, None]) == bits[start : start + step, None]
        packed = np.packbits(hit, axis=1, bitorder="little")
        width = packed.shape[1]
        raw = packed.tobytes()
        out.extend(
            int.from_bytes(raw[i * width : (i + 1) * width], "little") for i in range(len(packed))
        )
    return out


def row_dominance(covers: Sequence[int]) -> list[int]:
    """Indices of the prime implicants that survive R's ``row.dom``: those not covering a proper
    subset of what another prime implicant covers (equal coverage keeps both)."""
    target = 0
    for c in covers:
        target |= c
    cand = column_rows(covers, target)
    same: dict[int, int] = {}
    for i, c in enumerate(covers):
        same[c] = same.get(c, 0) | 1 << i
    keep = []
    for i, c in enumerate(covers):
        inter = -1
        for col in bit_indices(c):
            inter &= cand[col]
        if inter < 0 or not inter & ~same[c]:
            keep.append(i)
    return keep


def components(covers: Sequence[int], uncovered: int) -> list[tuple[list[int], int]]:
    """Independent parts of the chart restricted to the uncovered columns: (prime implicant
    indices, column bitset) per part, ordered by lowest column."""
    parent: dict[int, int] = {}

    def find(a: int) -> int:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    relevant = [i for i, c in enumerate(covers) if c & uncovered]
    for i in relevant:
        m = covers[i] & uncovered
        first = (m & -m).bit_length() - 1
        m &= m - 1
        while m:
            low = m & -m
            m ^= low
            ra, rb = find(first), find(low.bit_length() - 1)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, tuple[list[int], int]] = {}
    for i in relevant:
        m = covers[i] & uncovered
        root = find((m & -m).bit_length() - 1)
        pis, cols = groups.get(root, ([], 0))
        pis.append(i)
        groups[root] = (pis, cols | m)
    return [groups[r] for r in sorted(groups)]


def bit_indices(m: int) -> list[int]:
    out = []
    while m:
        low = m & -m
        out.append(low.bit_length() - 1)
        m ^= low
    return out


def column_rows(covers: Sequence[int], target: int) -> dict[int, int]:
    """For each column of ``target``, the bitset of the rows that cover it."""
    columns = bit_indices(target)
    pos = {c: j for j, c in enumerate(columns)}
    lists: list[list[int]] = [[] for _ in columns]
    for i, cov in enumerate(covers):
        for c in bit_indices(cov & target):
            lists[pos[c]].append(i)
    out = {}
    flags = np.zeros(max(1, len(covers)), dtype=bool)
    for c, rows in zip(columns, lists, strict=True):
        flags[:] = False
        flags[rows] = True
        out[c] = int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")
    return out


def dominance_core(
    covers: Sequence[int], kept: list[int], target: int, deadline: float | None
) -> tuple[list[int], int]:
    """Row and column dominance to a fixed point: a column whose candidate rows include all
    the candidates of another column is covered whenever that one is, so it is dropped; then
    rows whose coverage became a proper subset of another's go too. Returns the rows left
    (indices into ``covers``, starting from ``kept``) and the columns left; every cover of
    those columns by those rows covers ``target``, and the minimum is unchanged."""
    rows, cols = list(kept), target
    while True:
        fewer = _undominated_columns([covers[r] for r in rows], cols, deadline)
        if fewer == cols:
            return rows, cols
        cols = fewer
        rows = [rows[i] for i in undominated([covers[r] for r in rows], cols, deadline)]


def _undominated_columns(covers: Sequence[int], target: int, deadline: float | None) -> int:
    """The columns of ``target`` whose candidate rows include no other column's candidates
    (of equal candidate sets, the lowest column); all of them above
    :data:`COLUMN_DOMINANCE_LIMIT` columns, where the pairwise test would cost seconds."""
    cand = column_rows(covers, target)
    if len(cand) > COLUMN_DOMINANCE_LIMIT:
        return target
    order = sorted(cand, key=lambda c: (cand[c].bit_count(), c))
    kept: list[int] = []
    for n, c in enumerate(order):
        if n % 256 == 0:
            check_deadline(deadline)
        mine = cand[c]
        if not any(cand[a] & ~mine == 0 for a in kept):
            kept.append(c)
    out = 0
    for c in kept:
        out |= 1 << c
    return out


def undominated(covers: Sequence[int], target: int, deadline: float | None = None) -> list[int]:
    """Rows that matter for the minimum: one per distinct coverage (the first), dropping those
    whose coverage is a proper subset of another row's (checks ``deadline`` as it goes)."""
    first: dict[int, int] = {}
    for i, cov in enumerate(covers):
        first.setdefault(cov & target, i)
    unique = list(first)
    cand = column_rows(unique, target)
    kept = []
    for j, cov in enumerate(unique):
        if j % 4096 == 0:
            check_deadline(deadline)
        inter = -1
        for c in bit_indices(cov):
            inter &= cand[c]
        inter &= ~(1 << j)
        if inter <= 0:
            kept.append(first[cov])
    return sorted(kept)
