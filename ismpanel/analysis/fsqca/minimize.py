"""Exact Boolean minimization: all prime implicants, R QCA's order of them, and every minimum
cover of the prime implicant chart (docs/architecture.md, Method definitions).

Prime implicants are found per row to be covered, without enumerating the 3^k terms: for a row
``r``, the terms through ``r`` are the subsets S of conditions (fixed at ``r``'s values). Such a
term is *not* an implicant exactly when some forbidden row agrees with ``r`` on all of S, i.e.
when S is a subset of an agreement set. Marking the agreement sets and closing them downwards
(a superset-OR transform over 2^k masks, vectorised over a batch of rows) gives every implicant
through ``r``; a term is prime when dropping any one literal makes it a non-implicant. The work
is O(rows x k x 2^k) bit operations and the memory one 2^k bitmap per row in the batch, so
k = 16 takes seconds and the engine refuses more than :data:`MAX_CONDITIONS` conditions.

The same routine serves R's three solutions: complex (forbidden = every row not positive),
parsimonious (forbidden = negative rows and contradictions; remainders are don't-cares) and
intermediate (forbidden = every row neither positive nor an easy counterfactual).
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from ismpanel.analysis.errors import AnalysisError, InputError
from ismpanel.analysis.fsqca.terms import Term

MAX_CONDITIONS = 20
BATCH_CELLS = 1 << 22
SPARSE_ALLOWED = 1 << 13  # at most this many allowed rows: merge cubes instead of 2^k sweeps
MERGE_CUBES = 1 << 16  # cubes of one size beyond which merging gives way to the sweep
MAX_MODELS = 100
ENUMERATION_LIMIT = 100_000
QMC_SIMULATION_LIMIT = 500_000
CHUNK_CELLS = 1 << 22  # terms x rows per vectorised step of the chart and of the sort
COLUMN_DOMINANCE_LIMIT = 3000


@dataclass(frozen=True)
class Deadline:
    """The wall-clock end (``time.time()``) of a time budget and the budget in seconds, so that
    running out can say what the limit was."""

    end: float
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(time.time() + seconds, seconds)

    def remaining(self) -> float:
        """Seconds left, negative once the deadline has passed."""
        return self.end - time.time()

    def check(self, step: str) -> None:
        """Raise a :class:`TimeLimitError` naming ``step`` once the deadline has passed."""
        if time.time() > self.end:
            raise TimeLimitError(step, self.seconds)


class TimeLimitError(AnalysisError):
    """The time limit ran out during ``step``, before that step had a result to report."""

    def __init__(self, step: str, seconds: float) -> None:
        super().__init__(
            f"the time limit of {seconds:g} s ran out while {step}, before any cover of the "
            "positive rows was found; raise --time-limit or use fewer conditions"
        )
        self.step = step
        self.seconds = seconds


class Implicants(Sequence[Term]):
    """Prime implicants held as two int64 arrays, their masks and bits: a noisy k = 20 problem
    has over 100,000 of them, and a :class:`Term` is made only for the ones read (a model's
    terms, the first ones in the JSON). Read like a list of terms."""

    __slots__ = ("bits", "masks")
    __hash__ = None  # type: ignore[assignment]  (compared by content, like a list)

    def __init__(self, masks: np.ndarray, bits: np.ndarray) -> None:
        self.masks = np.asarray(masks, dtype=np.int64)
        self.bits = np.asarray(bits, dtype=np.int64)

    def take(self, order: Sequence[int] | np.ndarray) -> Implicants:
        """The implicants at the positions ``order``, in that order."""
        index = np.asarray(order, dtype=np.intp)
        return Implicants(self.masks[index], self.bits[index])

    def __len__(self) -> int:
        return len(self.masks)

    @overload
    def __getitem__(self, index: int) -> Term: ...

    @overload
    def __getitem__(self, index: slice) -> Implicants: ...

    def __getitem__(self, index: int | slice) -> Term | Implicants:
        if isinstance(index, slice):
            return Implicants(self.masks[index], self.bits[index])
        return Term(int(self.masks[index]), int(self.bits[index]))

    def __iter__(self) -> Iterator[Term]:
        return map(Term, self.masks.tolist(), self.bits.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            masks, bits = _arrays(other)
            return np.array_equal(self.masks, masks) and np.array_equal(self.bits, bits)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Implicants({list(self)!r})"


def check_size(k: int) -> None:
    """Refuse problems whose 2^k bitmaps this engine cannot sweep in the time limit."""
    if k > MAX_CONDITIONS:
        raise InputError(
            f"{k} conditions: the exact minimization handles at most {MAX_CONDITIONS} "
            "conditions within the time limit; choose fewer with --conditions",
            option="conditions",
        )


def prime_implicants(
    seeds: Sequence[int] | np.ndarray,
    forbidden: np.ndarray,
    k: int,
    deadline: Deadline | None = None,
) -> Implicants:
    """Every prime implicant that covers at least one row of ``seeds`` and no row flagged in
    ``forbidden`` (a boolean array over the 2^k row codes), sorted by (mask, bits); the
    ``deadline`` is checked before each batch of rows and after the last.

    When few rows are allowed (the complex and intermediate solutions: positive rows and easy
    counterfactuals), the implicants are found by merging cubes of allowed rows (Quine and
    McCluskey), which costs nothing per remainder; otherwise, or when the allowed rows form
    more than :data:`MERGE_CUBES` cubes of one size, by the 2^k sweep per seed row."""
    check_size(k)
    seeds = np.unique(np.asarray(seeds, dtype=np.int64))
    if len(seeds) == 0:
        return Implicants(seeds, seeds)
    if forbidden[seeds].any():
        raise ValueError("a seed row is forbidden")
    allowed = len(forbidden) - int(np.count_nonzero(forbidden))
    keys = None
    if allowed <= SPARSE_ALLOWED:
        keys = _merged_primes(np.flatnonzero(~forbidden), seeds, k, deadline)
    if keys is None:
        keys = _swept_primes(seeds, forbidden, k, deadline)
    return Implicants(keys >> k, keys & ((1 << k) - 1))


def _swept_primes(
    seeds: np.ndarray, forbidden: np.ndarray, k: int, deadline: Deadline | None
) -> np.ndarray:
    """Prime implicants through the seed rows as sorted keys ``mask << k | bits``, by marking
    and closing the agreement sets of each seed with the forbidden rows (module docstring)."""
    n = 1 << k
    full = n - 1
    ar = np.arange(n, dtype=np.int64)
    batch = max(1, BATCH_CELLS >> k)
    keys: list[np.ndarray] = []
    for start in range(0, len(seeds), batch):
        if deadline is not None:
            deadline.check("finding the prime implicants")
        rows = seeds[start : start + batch]
        b = len(rows)
        bad = forbidden[ar[None, :] ^ (rows[:, None] ^ full)]
        for p in range(k):
            v = bad.reshape(b, n >> (p + 1), 2, 1 << p)
            v[:, :, 0, :] |= v[:, :, 1, :]
        prime = ~bad
        for p in range(k):
            pv = prime.reshape(b, n >> (p + 1), 2, 1 << p)
            bv = bad.reshape(b, n >> (p + 1), 2, 1 << p)
            pv[:, :, 1, :] &= bv[:, :, 0, :]
        which, masks = np.nonzero(prime)
        keys.append((masks.astype(np.int64) << k) | (rows[which] & masks))
    if deadline is not None:
        deadline.check("finding the prime implicants")
    return np.unique(np.concatenate(keys))


def _merged_primes(
    allowed: np.ndarray, seeds: np.ndarray, k: int, deadline: Deadline | None
) -> np.ndarray | None:
    """Prime implicants through the seed rows as sorted keys ``mask << k | bits``: the cubes
    inside the ``allowed`` rows, grown one condition at a time by merging two cubes that
    differ in it; a cube that merges with none is prime. Vectorised per round and condition.
    None when a round holds more than :data:`MERGE_CUBES` cubes (allowed rows that fill large
    subcubes, where the sweep is cheaper)."""
    full = (1 << k) - 1
    level = np.unique(allowed.astype(np.int64)) | np.int64(full << k)
    primes: list[np.ndarray] = []
    while len(level):
        if deadline is not None:
            deadline.check("finding the prime implicants")
        merged = np.zeros(len(level), dtype=bool)
        grown: list[np.ndarray] = []
        for p in range(k):
            bit = np.int64(1 << p)
            low = level[((level >> k) & bit != 0) & (level & bit == 0)]
            partner = low | bit
            hit = np.isin(partner, level, assume_unique=True)
            if not hit.any():
                continue
            merged |= np.isin(level, low[hit], assume_unique=True)
            merged |= np.isin(level, partner[hit], assume_unique=True)
            grown.append(low[hit] & ~(bit << k))
        primes.append(level[~merged])
        level = np.unique(np.concatenate(grown)) if grown else level[:0]
        if len(level) > MERGE_CUBES:
            return None
    keys = np.unique(np.concatenate(primes))
    masks, bits = keys >> k, keys & full
    through = np.zeros(len(keys), dtype=bool)
    step = max(1, CHUNK_CELLS // len(seeds))
    for start in range(0, len(keys), step):
        part = slice(start, start + step)
        through[part] = ((seeds[None, :] & masks[part, None]) == bits[part, None]).any(axis=1)
    return keys[through]


def codes(terms: Sequence[Term], k: int) -> np.ndarray:
    """Terms x conditions matrix as R codes them: 0 absent from the term, 1 negated, 2 present."""
    masks, bits = _arrays(terms)
    out = np.zeros((len(terms), k), dtype=np.int8)
    for j in range(k):
        shift = k - 1 - j
        out[:, j] = ((masks >> shift) & 1) * (1 + ((bits >> shift) & 1))
    return out


def _arrays(terms: Sequence[Term]) -> tuple[np.ndarray, np.ndarray]:
    """The masks and the bits of the terms as int64 arrays."""
    if isinstance(terms, Implicants):
        return terms.masks, terms.bits
    masks = np.fromiter((t.mask for t in terms), dtype=np.int64, count=len(terms))
    bits = np.fromiter((t.bits for t in terms), dtype=np.int64, count=len(terms))
    return masks, bits


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
    masks, bits = _arrays(terms)
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
    masks, bits = _arrays(terms)
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


def coverage(
    terms: Sequence[Term], rows: Sequence[int], deadline: Deadline | None = None
) -> list[int]:
    """For each term, the set of ``rows`` positions it covers, as an int bitset; the
    ``deadline`` is checked per block of terms."""
    arr = np.asarray(rows, dtype=np.int64)
    masks, bits = _arrays(terms)
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
    cand = _candidates(covers, target)
    same: dict[int, int] = {}
    for i, c in enumerate(covers):
        same[c] = same.get(c, 0) | 1 << i
    keep = []
    for i, c in enumerate(covers):
        inter = -1
        for col in _bits(c):
            inter &= cand[col]
        if inter < 0 or not inter & ~same[c]:
            keep.append(i)
    return keep


@dataclass
class Cover:
    """Solutions of a prime implicant chart: covers with the minimum number of prime
    implicants, each a sorted tuple of chart-row indices, in R's order (lexicographic).
    ``complete`` says every minimum cover was enumerated (``found`` is then their number, else a
    lower bound); ``capped`` says more exist than ``models`` lists; ``proven`` is False when the
    time limit stopped the solver before it proved that no smaller cover exists (``size`` is
    then the best found and ``lower_bound`` what was proven)."""

    models: list[tuple[int, ...]]
    size: int
    capped: bool
    complete: bool
    found: int
    method: str
    seconds: float
    proven: bool = True
    lower_bound: int = 0


def minimum_covers(
    covers: Sequence[int],
    n_columns: int,
    *,
    max_models: int = MAX_MODELS,
    time_limit: float | None = None,
) -> Cover:
    """Every cover of the ``n_columns`` columns with the fewest rows of the chart ``covers``
    (row i covers the columns set in ``covers[i]``).

    Exact: prime implicants that alone cover a column are taken, the rest of the chart splits
    into independent components, and each component's minimum is found by branch and bound (or,
    for large charts, by the HiGHS integer-programming solver in scipy, which proves it). Then
    every cover of that size is enumerated; when a component has too many for the node budget,
    further minimum covers are generated by exchanging one prime implicant at a time and the
    result is flagged incomplete. At most ``max_models`` covers are returned, the first in
    lexicographic order when the enumeration is complete. ``time_limit`` (seconds) bounds the
    search and the integer-programming proof; past it the best cover found (at worst the
    greedy one) is the only model of its part, flagged unproven with its proven lower bound."""
    start = time.perf_counter()
    deadline = None if time_limit is None else time.time() + time_limit
    full = (1 << n_columns) - 1
    union = 0
    for c in covers:
        union |= c
    if union & full != full:
        raise AnalysisError("the prime implicants do not cover every positive row")
    holders: dict[int, list[int]] = {}
    for i, c in enumerate(covers):
        for col in _bits(c & full):
            holders.setdefault(col, []).append(i)
    forced = sorted({h[0] for h in holders.values() if len(h) == 1})
    uncovered = full
    for i in forced:
        uncovered &= ~covers[i]
    parts: list[tuple[list[tuple[int, ...]], bool, int]] = []
    methods = set()
    proven = True
    lower = len(forced)
    for pis, cols in _components(covers, uncovered):
        chart = _Chart([covers[i] & cols for i in pis], cols, deadline)
        try:
            size, best, method, bound = chart.minimum()
        except _OutOfTime:
            best = _greedy_cover(chart.covers, cols)
            size, method = len(best), "greedy"
            bound = min(size, max(1, chart._lower_bound(cols, 0)))
        methods.add(method)
        proven &= bound == size
        lower += bound
        local, complete = [best], False
        if bound == size:
            local, complete = chart.enumerate(size, ENUMERATION_LIMIT)
            if not complete:
                local = _exchange_models(chart, [best, *local], max(max_models, 1))
        parts.append(([tuple(sorted(pis[i] for i in s)) for s in local], complete, len(local)))
    size = len(forced) + sum(len(p[0][0]) for p in parts)
    complete = all(p[1] for p in parts)
    total = 1
    for p in parts:
        total *= p[2]
    models: list[tuple[int, ...]] = []
    combos = itertools.product(*(p[0] for p in parts))
    if total > ENUMERATION_LIMIT:
        combos = itertools.islice(combos, max_models)
    for combo in combos:
        models.append(tuple(sorted(forced + [i for s in combo for i in s])))
    models.sort()
    capped = len(models) > max_models or total > len(models) or (proven and not complete)
    models = models[:max_models]
    method = (
        "MILP (HiGHS)"
        if "milp" in methods
        else "greedy (time limit)"
        if "greedy" in methods
        else "branch and bound"
    )
    seconds = time.perf_counter() - start
    return Cover(models, size, capped, complete, total, method, seconds, proven, lower)


def _components(covers: Sequence[int], uncovered: int) -> list[tuple[list[int], int]]:
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


def _bits(m: int) -> list[int]:
    out = []
    while m:
        low = m & -m
        out.append(low.bit_length() - 1)
        m ^= low
    return out


class _OutOfTime(Exception):
    """The time limit ran out before a part of the chart had a cover."""


def _check(deadline: float | None) -> None:
    """Raise :class:`_OutOfTime` once the wall-clock ``deadline`` has passed."""
    if deadline is not None and time.time() > deadline:
        raise _OutOfTime


class _Chart:
    """Branch and bound over one component of a prime implicant chart stored as int bitsets
    (rows are local indices; columns keep their global bit positions)."""

    NODE_BUDGET = 50_000
    LARGE_BUDGET = 2_000
    SMALL = 64

    def __init__(self, covers: list[int], target: int, deadline: float | None) -> None:
        self.covers = covers
        self.target = target
        self.deadline = deadline
        self.cand = _candidates(covers, target)
        self.by_count = sorted(self.cand, key=lambda c: self.cand[c].bit_count())
        self.nodes = 0

    def _tick(self) -> bool:
        """Count a node; False once the node budget (or the time limit) is spent."""
        self.nodes += 1
        if self.deadline is not None and self.nodes % 1024 == 0 and time.time() > self.deadline:
            self.nodes = self.NODE_BUDGET + 1
        return self.nodes <= self.NODE_BUDGET

    def _lower_bound(self, uncovered: int, banned: int) -> int:
        """Columns whose remaining candidate sets are pairwise disjoint each need their own prime
        implicant; -1 when a column has no candidate left."""
        used = 0
        bound = 0
        for c in self.by_count:
            if uncovered >> c & 1:
                uncovered ^= 1 << c
                allowed = self.cand[c] & ~banned
                if not allowed:
                    return -1
                if not allowed & used:
                    used |= allowed
                    bound += 1
                if not uncovered:
                    break
        return bound

    def _pick(self, uncovered: int, banned: int) -> int:
        best, best_n = -1, -1
        for c in _bits(uncovered):
            k = (self.cand[c] & ~banned).bit_count()
            if best_n < 0 or k < best_n:
                best, best_n = c, k
                if k <= 1:
                    break
        return best

    def _greedy(self) -> tuple[int, ...]:
        uncovered, chosen = self.target, []
        while uncovered:
            i = max(range(len(self.covers)), key=lambda j: (self.covers[j] & uncovered).bit_count())
            uncovered &= ~self.covers[i]
            chosen.append(i)
        return tuple(sorted(chosen))

    def minimum(self) -> tuple[int, tuple[int, ...], str, int]:
        """The minimum number of rows, one cover of that size, the method that found it and the
        proven lower bound (equal to the size unless the time limit stopped the proof; then at
        least the number of columns with pairwise disjoint candidates). Rows dominated by
        another row are left out of this search (never changes the minimum)."""
        kept = _undominated(self.covers, self.target, self.deadline)
        sub = _Chart([self.covers[i] for i in kept], self.target, self.deadline)
        if len(kept) > self.SMALL:
            size, solution, bound = self._by_milp(kept)
            return size, solution, "milp", bound
        best = [sub._greedy()]
        exhausted = [False]

        def search(uncovered: int, chosen: list[int], banned: int) -> None:
            if exhausted[0] or not sub._tick():
                exhausted[0] = True
                return
            if not uncovered:
                if len(chosen) < len(best[0]):
                    best[0] = tuple(sorted(chosen))
                return
            lb = sub._lower_bound(uncovered, banned)
            if lb < 0 or len(chosen) + lb >= len(best[0]):
                return
            c = sub._pick(uncovered, banned)
            choices = _bits(sub.cand[c] & ~banned)
            choices.sort(key=lambda i: -(sub.covers[i] & uncovered).bit_count())
            for i in choices:
                chosen.append(i)
                search(uncovered & ~sub.covers[i], chosen, banned)
                chosen.pop()
                banned |= 1 << i

        search(self.target, [], 0)
        if not exhausted[0]:
            return len(best[0]), tuple(kept[i] for i in best[0]), "bnb", len(best[0])
        size, solution, bound = self._by_milp(kept)
        if len(best[0]) < size:  # the search's best beats an unproven solver's point
            size, solution = len(best[0]), tuple(sorted(kept[i] for i in best[0]))
        return size, solution, "milp", min(size, bound)

    def _by_milp(self, kept: list[int]) -> tuple[int, tuple[int, ...], int]:
        """The minimum by integer programming on the chart's core: the rows ``kept`` and the
        columns left after row and column dominance (same minimum, fewer variables and
        constraints). Returns the size, a cover (indices into this chart) and the proven
        lower bound."""
        rows, cols = _dominance_core(self.covers, kept, self.target, self.deadline)
        covers = [self.covers[i] for i in rows]
        size, solution, bound = _milp_minimum(covers, cols, self.deadline)
        core = _Chart(covers, cols, self.deadline)
        bound = min(size, max(bound, core._lower_bound(cols, 0)))
        return size, tuple(sorted(rows[i] for i in solution)), bound

    def enumerate(self, size: int, limit: int) -> tuple[list[tuple[int, ...]], bool]:
        """Every cover with exactly ``size`` rows (each set once), and whether the search
        finished within the node budget and ``limit``."""
        self.nodes = 0
        if len(self.covers) > self.SMALL:
            self.nodes = self.NODE_BUDGET - self.LARGE_BUDGET
        found: list[tuple[int, ...]] = []
        stopped = [False]

        def search(uncovered: int, chosen: list[int], banned: int) -> None:
            if stopped[0]:
                return
            if not self._tick():
                stopped[0] = True
                return
            if not uncovered:
                found.append(tuple(sorted(chosen)))
                if len(found) >= limit:
                    stopped[0] = True
                return
            lb = self._lower_bound(uncovered, banned)
            if lb < 0 or len(chosen) + lb > size:
                return
            c = self._pick(uncovered, banned)
            for i in _bits(self.cand[c] & ~banned):
                chosen.append(i)
                search(uncovered & ~self.covers[i], chosen, banned)
                chosen.pop()
                if stopped[0]:
                    return
                banned |= 1 << i

        search(self.target, [], 0)
        return found, not stopped[0]


def _milp_minimum(
    covers: list[int], target: int, deadline: float | None
) -> tuple[int, tuple[int, ...], int]:
    """Minimum set cover by integer programming (HiGHS via scipy): the size, one cover and the
    proven lower bound (below the size only when the time limit stopped the proof). When HiGHS
    stops without a point, or the time limit has already passed, the greedy cover is returned
    with HiGHS's bound (or 1)."""
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    if deadline is not None and deadline <= time.time():
        return _unproven(covers, target, None, None)

    columns = _bits(target)
    pos = {c: r for r, c in enumerate(columns)}
    rows, cols = [], []
    for i, cov in enumerate(covers):
        for c in _bits(cov & target):
            rows.append(pos[c])
            cols.append(i)
    a = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(columns), len(covers)))
    # On charts of a few thousand prime implicants HiGHS's primal heuristics cost more than they
    # save (about 30% faster proofs without them on random k = 12 problems); on larger ones
    # they are what finds a good cover before the time limit. scipy passes the option through.
    effort = 0.0 if len(covers) <= 5000 else 0.05
    options: dict[str, float] = {"mip_rel_gap": 0.0, "mip_heuristic_effort": effort}
    if deadline is not None:
        options["time_limit"] = max(0.01, deadline - time.time())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = milp(
            np.ones(len(covers)),
            constraints=LinearConstraint(a, lb=1, ub=np.inf),
            integrality=np.ones(len(covers)),
            bounds=Bounds(0, 1),
            options=options,
        )
    found = None if res.x is None else tuple(int(i) for i in np.flatnonzero(res.x > 0.5))
    if found is not None and res.status == 0:
        return len(found), found, len(found)
    return _unproven(covers, target, found, getattr(res, "mip_dual_bound", None))


def _unproven(
    covers: list[int], target: int, found: tuple[int, ...] | None, bound: float | None
) -> tuple[int, tuple[int, ...], int]:
    """The better of the greedy cover and the solver's point ``found``, with the solver's dual
    ``bound`` rounded up as the lower bound (1 without one)."""
    chosen = _greedy_cover(covers, target)
    if found is not None and len(found) < len(chosen):
        chosen = found
    lower = math.ceil(bound - 1e-6) if bound is not None and math.isfinite(bound) else 1
    return len(chosen), chosen, min(max(lower, 1), len(chosen))


def _greedy_cover(covers: list[int], target: int) -> tuple[int, ...]:
    """A cover by the classic greedy rule (most uncovered columns first), then without the rows
    the others make redundant."""
    sizes = np.array([c.bit_count() for c in covers])
    uncovered, chosen = target, []
    while uncovered:
        best, best_n = -1, 0
        for i in np.argsort(-sizes, kind="stable"):
            if sizes[i] <= best_n:
                break
            n = (covers[i] & uncovered).bit_count()
            sizes[i] = n
            if n > best_n:
                best, best_n = int(i), n
        chosen.append(best)
        uncovered &= ~covers[best]
    for i in list(chosen):
        rest = 0
        for j in chosen:
            if j != i:
                rest |= covers[j]
        if rest & target == target:
            chosen.remove(i)
    return tuple(sorted(chosen))


def _exchange_models(
    chart: _Chart, seeds: list[tuple[int, ...]], limit: int
) -> list[tuple[int, ...]]:
    """More minimum covers from known ones by exchanging one row for another that covers what
    it alone covered (each result is a cover of the same, minimum, size)."""
    seen = {tuple(sorted(s)) for s in seeds}
    queue = sorted(seen)
    out = sorted(seen)
    while queue and len(out) < limit:
        current = queue.pop(0)
        members = set(current)
        for p in current:
            others = 0
            for q in current:
                if q != p:
                    others |= chart.covers[q]
            needed = chart.target & ~others
            cands = -1
            for c in _bits(needed):
                cands &= chart.cand[c]
            for r in _bits(cands if cands > 0 else 0):
                if r in members:
                    continue
                new = tuple(sorted([*(q for q in current if q != p), r]))
                if new not in seen:
                    seen.add(new)
                    out.append(new)
                    queue.append(new)
                    if len(out) >= limit:
                        return out
    return out


def _candidates(covers: Sequence[int], target: int) -> dict[int, int]:
    """For each column of ``target``, the bitset of the rows that cover it."""
    columns = _bits(target)
    pos = {c: j for j, c in enumerate(columns)}
    lists: list[list[int]] = [[] for _ in columns]
    for i, cov in enumerate(covers):
        for c in _bits(cov & target):
            lists[pos[c]].append(i)
    out = {}
    flags = np.zeros(max(1, len(covers)), dtype=bool)
    for c, rows in zip(columns, lists, strict=True):
        flags[:] = False
        flags[rows] = True
        out[c] = int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")
    return out


def _dominance_core(
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
        rows = [rows[i] for i in _undominated([covers[r] for r in rows], cols, deadline)]


def _undominated_columns(covers: Sequence[int], target: int, deadline: float | None) -> int:
    """The columns of ``target`` whose candidate rows include no other column's candidates
    (of equal candidate sets, the lowest column); all of them above
    :data:`COLUMN_DOMINANCE_LIMIT` columns, where the pairwise test would cost seconds."""
    cand = _candidates(covers, target)
    if len(cand) > COLUMN_DOMINANCE_LIMIT:
        return target
    order = sorted(cand, key=lambda c: (cand[c].bit_count(), c))
    kept: list[int] = []
    for n, c in enumerate(order):
        if n % 256 == 0:
            _check(deadline)
        mine = cand[c]
        if not any(cand[a] & ~mine == 0 for a in kept):
            kept.append(c)
    out = 0
    for c in kept:
        out |= 1 << c
    return out


def _undominated(covers: Sequence[int], target: int, deadline: float | None = None) -> list[int]:
    """Rows that matter for the minimum: one per distinct coverage (the first), dropping those
    whose coverage is a proper subset of another row's (checks ``deadline`` as it goes)."""
    first: dict[int, int] = {}
    for i, cov in enumerate(covers):
        first.setdefault(cov & target, i)
    unique = list(first)
    cand = _candidates(unique, target)
    kept = []
    for j, cov in enumerate(unique):
        if j % 4096 == 0:
            _check(deadline)
        inter = -1
        for c in _bits(cov):
            inter &= cand[c]
        inter &= ~(1 << j)
        if inter <= 0:
            kept.append(first[cov])
    return sorted(kept)
