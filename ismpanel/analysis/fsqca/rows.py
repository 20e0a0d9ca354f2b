"""Lists of truth-table row codes (simplifying assumptions, easy and difficult
counterfactuals) held as one numpy array each.

At k = 20 a parsimonious model can rest on hundreds of thousands of remainders, and every
intermediate model of a complex-parsimonious pair shares the same counterfactuals: as Python
lists copied per model they took gigabytes. A :class:`Rows` is read like a list of ints and is
shared, never copied, by the models that rest on the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np


class Rows(Sequence[int]):
    """Ascending truth-table row codes (R's row number minus one), read-only."""

    __slots__ = ("codes",)
    __hash__ = None  # type: ignore[assignment]  (compared by content, like a list)

    def __init__(self, codes: Sequence[int] | np.ndarray = ()) -> None:
        array = np.asarray(codes, dtype=np.int64).reshape(-1)
        array.flags.writeable = False
        self.codes = array

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return self.codes[index].tolist()
        return int(self.codes[index])

    def __iter__(self) -> Iterator[int]:
        return iter(self.codes.tolist())

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | np.integer) and bool((self.codes == value).any())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            return np.array_equal(self.codes, other.codes)
        if isinstance(other, Sequence):
            return len(other) == len(self.codes) and list(other) == self.codes.tolist()
        return NotImplemented

    def __repr__(self) -> str:
        return f"Rows({self.codes.tolist()!r})"
