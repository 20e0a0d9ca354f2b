"""The order in which R QCA lists prime implicants (and so names models M1, M2...): sorted by
R's rule, or, where R's result depends on the order its algorithm discovers them, that
discovery order simulated."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ismpanel.analysis.fsqca.budget import Deadline
from ismpanel.analysis.fsqca.implicants import CHUNK_CELLS, codes, term_arrays
from ismpanel.analysis.fsqca.terms import Term

QMC_SIMULATION_LIMIT = 500_000


def r_sort(
    terms: Sequence[Term],
    k: int,
    initial: Sequence[int] | None = None,
    deadline: Deadline | None = None,
) -> list[int]:
    """The order in which R QCA lists prime implicants (``sort_cols`` / ``sort_matrix`` in its C
    sources): a stable pass per condition from the last to the first, putting ``~X`` before
    ``X`` before terms without X, then a stable sort by number of literals.

    R's pass has a quirk reproduced here: when every term contains the condition, the last term
    with ``~X`` stays after those with ``X`` (so ``A*B*C + A*~B*C`` keeps that order, as R
    prints it). ``initial`` is the order the terms were found in, which only matters for ties
    under that quirk; returns indices into ``terms``. The ``deadline`` is checked per pass."""
    order = np.arange(len(terms)) if initial is None else np.asarray(initial, dtype=np.int64)
    c = codes(terms, k)
    for j in reversed(range(k)):
        if deadline is not None:
            deadline.check("sorting the prime implicants in R's order")
        col = c[order, j]
        ones, twos, zeros = order[col == 1], order[col == 2], order[col == 0]
        if len(zeros):
            order = np.concatenate([ones, twos, zeros])
        elif len(ones) and len(twos):
            order = np.concatenate([ones[:-1], twos, ones[-1:]])
    size = (c > 0).sum(axis=1)
    return order[np.argsort(size[order], kind="stable")].tolist()


def order_depends_on_discovery(
    terms: Sequence[Term], k: int, deadline: Deadline | None = None
) -> bool:
    """Whether :func:`r_sort` needs the order the terms were found in (a tie under the quirk)."""
    masks, bits = term_arrays(terms)
    base = np.lexsort((bits, masks)).tolist()
    return r_sort(terms, k, base, deadline) != r_sort(terms, k, base[::-1], deadline)


def ccubes_discovery(
    terms: Sequence[Term],
    k: int,
    positives: Sequence[int],
    deadline: Deadline | None = None,
) -> list[int]:
    """The order R's CCubes search finds prime implicants: by number of literals, then by the
    set of conditions (lexicographic), then by the first positive row (ascending) they cover.
    Among terms of one size, the lexicographically first set of conditions is the largest
    mask (condition 0 is the highest bit)."""
    pos = np.asarray(sorted(positives), dtype=np.int64)
    masks, bits = term_arrays(terms)
    first = np.zeros(len(terms), dtype=np.int64)
    step = max(1, CHUNK_CELLS // max(1, len(pos)))
    for start in range(0, len(terms), step):
        if deadline is not None:
            deadline.check("sorting the prime implicants in R's order")
        part = slice(start, start + step)
        first[part] = np.argmax((pos[None, :] & masks[part, None]) == bits[part, None], axis=1)
    return np.lexsort((first, -masks, np.bitwise_count(masks))).tolist()


def qmc_discovery(
    terms: Sequence[Term], k: int, onset: Sequence[int], deadline: Deadline | None = None
) -> list[int] | None:
    """The order R's QMC routine (``C_QMC``) leaves prime implicants in before sorting: by number
    of literals, then in the order each was first produced by merging a pair (lowest pair of
    positions in the previous round). ``onset`` is the rows in R's input order. Returns None when
    the simulation would exceed :data:`QMC_SIMULATION_LIMIT` implicants; the ``deadline`` is
    checked per round."""
    full = (1 << k) - 1
    current = [(full, r) for r in dict.fromkeys(onset)]
    rank: dict[tuple[int, int], int] = {t: i for i, t in enumerate(current)}
    total = len(current)
    while current:
        if deadline is not None:
            deadline.check("sorting the prime implicants in R's order")
        index = {t: i for i, t in enumerate(current)}
        found: dict[tuple[int, int], tuple[int, int]] = {}
        for ia, (mask, bits) in enumerate(current):
            m = mask
            while m:
                p = m & -m
                m ^= p
                ib = index.get((mask, bits ^ p))
                if ib is not None and ib > ia:
                    merged = (mask & ~p, bits & ~p)
                    if merged not in found or (ia, ib) < found[merged]:
                        found[merged] = (ia, ib)
        current = sorted(found, key=found.__getitem__)
        total += len(current)
        if total > QMC_SIMULATION_LIMIT:
            return None
        for i, t in enumerate(current):
            rank[t] = i
    pos = [rank.get((t.mask, t.bits)) for t in terms]
    if any(p is None for p in pos):
        return None
    return sorted(range(len(terms)), key=lambda i: (terms[i].size(), pos[i]))
