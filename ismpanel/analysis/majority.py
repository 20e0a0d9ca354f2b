"""Majority aggregation on vote counts, vectorised over pairs (numpy): per direction or per
letter, with the panel's rule or a share a verdict needs (at least 60 %, two thirds), for
the structural sensitivity (:mod:`sensitivity`). With the panel's rule it gives the verdicts
and ties of ``elicitation.aggregate.aggregate`` (tested on random panels); ``analysis`` may
not import that module, and counts let an expert be left out by one subtraction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ismpanel.analysis.relations import LETTERS
from ismpanel.errors import InputError

Pair = tuple[str, str]
V, A, X, NO = range(4)  # codes of LETTERS (NO: the letter O)


@dataclass(frozen=True)
class Majority:
    """An aggregation rule: per arc ``direction`` or per ``letter``, and the share of a pair's
    answers a verdict needs. ``share`` None is the panel's own rule (direction: more than half;
    letter: the most frequent letter, a tie decided per direction); a share means at least that
    share (letter: a letter short of it leaves the pair to the direction rule at that share)."""

    rule: str = "direction"
    share: Fraction | None = None

    def describe(self) -> str:
        if self.share is None:
            if self.rule == "direction":
                return "per direction, more than half"
            return "per letter, the most frequent letter"
        return f"per {self.rule}, at least {_share_words(self.share)}"


MAJORITIES = tuple(
    Majority(rule, share)
    for rule in ("direction", "letter")
    for share in (None, Fraction(3, 5), Fraction(2, 3))
)


def verdicts(
    counts: np.ndarray, majority: Majority = Majority(), quorum: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Letter code per pair (index into LETTERS, -1 under the quorum) and whether it is a tie,
    from letter counts (pairs x 4, in LETTERS order)."""
    if majority.rule not in ("direction", "letter"):
        raise InputError(f"unknown rule {majority.rule!r}", option="rule")
    n = counts.sum(axis=1)
    forward, backward = counts[:, V] + counts[:, X], counts[:, A] + counts[:, X]
    if majority.share is None:
        keep_f, keep_b = 2 * forward > n, 2 * backward > n
        tie = (2 * forward == n) | (2 * backward == n)
    else:
        p, q = majority.share.numerator, majority.share.denominator
        keep_f, keep_b = q * forward >= p * n, q * backward >= p * n
        tie = np.zeros(len(n), dtype=bool)
    code = np.select([keep_f & keep_b, keep_f, keep_b], [X, V, A], NO)
    if majority.rule == "letter":
        top = counts.max(axis=1)
        unique = (counts == top[:, None]).sum(axis=1) == 1
        if majority.share is None:
            won, tie = unique, ~unique
        else:
            won = unique & (q * top >= p * n)
        code = np.where(won, counts.argmax(axis=1), code)
    resolved = n >= quorum
    return np.where(resolved, code, -1), tie & resolved


def vote_codes(
    pairs: Sequence[Pair], answers: Mapping[str, Mapping[Pair, str]]
) -> tuple[tuple[str, ...], np.ndarray]:
    """The experts and their answers as letter codes (experts x pairs, -1 where not answered)."""
    experts = tuple(answers)
    code = {letter: k for k, letter in enumerate(LETTERS)}
    table = np.full((len(experts), len(pairs)), -1, dtype=np.int8)
    for e, expert in enumerate(experts):
        given = answers[expert]
        table[e] = [code[given[p]] if p in given else -1 for p in pairs]
    return experts, table


def _share_words(share: Fraction) -> str:
    return "two thirds" if share == Fraction(2, 3) else f"{float(share):.0%}".replace("%", " %")
