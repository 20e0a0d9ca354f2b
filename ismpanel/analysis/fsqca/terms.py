"""Conjunctions of literals (terms) over k binary conditions, coded as two bit masks, and their
expressions in R QCA's syntax (``A*~B``, literals in the data's column order).

Condition ``j`` (0-based, in the data's column order) is bit ``k - 1 - j``, so that the code of a
truth-table row read as a binary number is R's row number minus one (the first condition is the
most significant digit, as in R's ``truthTable``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ismpanel.errors import InputError


@dataclass(frozen=True, order=True)
class Term:
    """A conjunction: ``mask`` has the bits of the conditions that appear, ``bits`` their values
    (1 present, 0 absent); bits outside ``mask`` are zero."""

    mask: int
    bits: int

    def literals(self, k: int) -> list[tuple[int, int]]:
        """``(condition index, value)`` for each literal, in column order."""
        return [
            (j, (self.bits >> (k - 1 - j)) & 1) for j in range(k) if self.mask >> (k - 1 - j) & 1
        ]

    def size(self) -> int:
        """Number of literals (R's complexity of the term)."""
        return self.mask.bit_count()

    def covers_row(self, row: int) -> bool:
        """Whether the truth-table row with this code lies inside the term."""
        return row & self.mask == self.bits

    def contains(self, other: Term) -> bool:
        """Whether every literal of ``self`` is a literal of ``other`` (``self`` is a subterm)."""
        return other.mask & self.mask == self.mask and other.bits & self.mask == self.bits


def expression(term: Term, names: tuple[str, ...]) -> str:
    """The term as R prints it: literals in column order joined by ``*``, ``~`` for absence."""
    k = len(names)
    parts = [names[j] if v else "~" + names[j] for j, v in term.literals(k)]
    return "*".join(parts) if parts else "1"


def row_config(row: int, k: int) -> list[int]:
    """The 0/1 values of a truth-table row code, in column order."""
    return [(row >> (k - 1 - j)) & 1 for j in range(k)]


def membership(term: Term, x: np.ndarray) -> np.ndarray:
    """Fuzzy membership of each case in the term: the minimum over its literals (``~A`` is
    ``1 - A``); ``x`` is cases x conditions. The empty term has membership 1."""
    k = x.shape[1]
    out = np.ones(x.shape[0])
    for j, v in term.literals(k):
        col = x[:, j] if v else 1.0 - x[:, j]
        out = np.minimum(out, col)
    return out


def parse_sop(text: str, names: tuple[str, ...], *, option: str | None = None) -> list[Term]:
    """Parse ``A*~B + C`` (``+`` or ``,`` between terms, ``*`` between literals, ``~`` for
    absence) into terms over ``names``; a term with both ``A`` and ``~A`` is refused."""
    k = len(names)
    index = {n: j for j, n in enumerate(names)}
    terms = []
    for raw in re.split(r"[+,]", text):
        part = raw.strip()
        if not part:
            raise InputError(f"{text!r}: empty term", option=option)
        mask = bits = 0
        for lit in part.split("*"):
            lit = lit.strip()
            negated = lit.startswith(("~", "-"))
            name = lit[1:].strip() if negated else lit
            if name not in index:
                known = ", ".join(names)
                raise InputError(
                    f"{text!r}: unknown condition {name!r}; the conditions are {known}",
                    option=option,
                )
            bit = 1 << (k - 1 - index[name])
            value = 0 if negated else bit
            if mask & bit and bits & bit != value:
                raise InputError(
                    f"{text!r}: term {part!r} has both {name} and ~{name}", option=option
                )
            mask |= bit
            bits |= value
        terms.append(Term(mask, bits))
    return terms
