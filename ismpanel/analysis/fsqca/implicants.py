"""All prime implicants of a truth table's rows (docs/architecture.md, Method definitions).

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
intermediate (forbidden = every row neither positive nor an easy counterfactual)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np

from ismpanel.analysis.fsqca.budget import Deadline
from ismpanel.analysis.fsqca.terms import Term
from ismpanel.errors import InputError

MAX_CONDITIONS = 20
BATCH_CELLS = 1 << 22
SPARSE_ALLOWED = 1 << 13  # at most this many allowed rows: merge cubes instead of 2^k sweeps
MERGE_CUBES = 1 << 16  # cubes of one size beyond which merging gives way to the sweep
CHUNK_CELLS = 1 << 22  # terms x rows per vectorised step of the chart and of the sort


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
            masks, bits = term_arrays(other)
            return np.array_equal(self.masks, masks) and np.array_equal(self.bits, bits)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Implicants({list(self)!r})"


def check_size(k: int) -> None:
    """Refuse problems whose 2^k bitmaps this engine cannot sweep in the time limit."""
    if k > MAX_CONDITIONS:
        raise InputError(
            f"{k} conditions: the exact minimization handles at most {MAX_CONDITIONS} "
            "conditions within the time limit; choose fewer",
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
    masks, bits = term_arrays(terms)
    out = np.zeros((len(terms), k), dtype=np.int8)
    for j in range(k):
        shift = k - 1 - j
        out[:, j] = ((masks >> shift) & 1) * (1 + ((bits >> shift) & 1))
    return out


def term_arrays(terms: Sequence[Term]) -> tuple[np.ndarray, np.ndarray]:
    """The masks and the bits of the terms as int64 arrays."""
    if isinstance(terms, Implicants):
        return terms.masks, terms.bits
    masks = np.fromiter((t.mask for t in terms), dtype=np.int64, count=len(terms))
    bits = np.fromiter((t.bits for t in terms), dtype=np.int64, count=len(terms))
    return masks, bits
