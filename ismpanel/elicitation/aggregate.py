"""Majority aggregation of the experts' SSIMs (docs/architecture.md, Method definitions) and Fleiss'
kappa.

Pure functions over answer dictionaries; the store supplies the answers.

* ``direction`` (default): each letter gives two votes, i→j (V or X) and j→i (A or X); an arc is
  kept when strictly more than half of the experts who answered the pair say yes. A pair where
  exactly half say yes on an arc is a tie on that arc (the arc is not kept).
* ``letter``: the most frequent letter wins; when several letters share the most votes the pair
  is a tie and the direction rule decides it.

A pair answered by fewer experts than the quorum has no result. Agreement is the share of the
experts who answered whose letter equals the result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ismpanel.analysis.relations import LETTERS

RULES = ("direction", "letter")

Pair = tuple[str, str]


@dataclass(frozen=True)
class PanelOptions:
    """How a panel's answers become one SSIM: majority rule, quorum, whether LLM panelists
    vote, and whether experts who have not finished may be left out."""

    rule: str = "direction"
    quorum: int = 1
    include_llm: bool = False
    allow_incomplete: bool = False


@dataclass(frozen=True)
class PairResult:
    """The panel's verdict on one pair, with the evidence behind it."""

    pair: Pair
    votes: dict[str, int]
    answered: tuple[str, ...]
    missing: tuple[str, ...]
    result: str | None
    agreement: float | None
    tie: bool
    below_quorum: bool

    @property
    def contested(self) -> bool:
        return self.tie or self.below_quorum

    @property
    def tied_arcs(self) -> tuple[Pair, ...]:
        """The arcs (from, to) of a tied pair that exactly half of the experts who answered
        saw; the majority leaves each out (no arc in that direction). Empty unless a tie."""
        if not self.tie:
            return ()
        a, b = self.pair
        n = sum(self.votes.values())
        forward, backward = (self.votes[c] + self.votes["X"] for c in ("V", "A"))
        return tuple(arc for arc, k in (((a, b), forward), ((b, a), backward)) if 2 * k == n)


@dataclass(frozen=True)
class Aggregate:
    """Per-pair results in study order, the rule and quorum used, and Fleiss' kappa."""

    rule: str
    quorum: int
    experts: tuple[str, ...]
    pairs: list[PairResult]
    kappa: float | None

    def letters(self) -> dict[Pair, str]:
        """The aggregated SSIM as {pair: letter} for the pairs that have a result."""
        return {p.pair: p.result for p in self.pairs if p.result is not None}

    def unresolved(self) -> list[PairResult]:
        return [p for p in self.pairs if p.result is None]

    def contested(self, below: float) -> list[PairResult]:
        """Pairs that are tied, under the quorum, or whose agreement is under ``below``."""
        return [
            p
            for p in self.pairs
            if p.contested or (p.agreement is not None and p.agreement < below)
        ]


def aggregate(
    pairs: Sequence[Pair],
    answers: Mapping[str, Mapping[Pair, str]],
    *,
    rule: str = "direction",
    quorum: int = 1,
) -> Aggregate:
    """Aggregate the experts' answers ({expert: {pair: letter}}) pair by pair."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    if quorum < 1:
        raise ValueError("quorum must be at least 1")
    experts = tuple(answers)
    results = []
    for pair in pairs:
        given = {e: answers[e][pair] for e in experts if pair in answers[e]}
        votes = Counter(given.values())
        missing = tuple(e for e in experts if e not in given)
        if len(given) < quorum:
            results.append(
                PairResult(pair, _counts(votes), tuple(given), missing, None, None, False, True)
            )
            continue
        letter, tie = _decide(votes, rule)
        agreement = votes[letter] / len(given)
        results.append(
            PairResult(pair, _counts(votes), tuple(given), missing, letter, agreement, tie, False)
        )
    kappa = fleiss_kappa([r.votes for r in results], LETTERS)
    return Aggregate(rule, quorum, experts, results, kappa)


def direction_majority(votes: Mapping[str, int]) -> tuple[str, bool]:
    """The direction rule on one pair's letter counts: (letter, tie on either arc)."""
    n = sum(votes.values())
    forward = votes.get("V", 0) + votes.get("X", 0)
    backward = votes.get("A", 0) + votes.get("X", 0)
    keep_f, keep_b = 2 * forward > n, 2 * backward > n
    tie = 2 * forward == n or 2 * backward == n
    letter = {(True, True): "X", (True, False): "V", (False, True): "A", (False, False): "O"}
    return letter[(keep_f, keep_b)], tie


def fleiss_kappa(subjects: Sequence[Mapping[str, int]], categories: Sequence[str]) -> float | None:
    """Fleiss' kappa over subjects rated into categories ({category: raters}); subjects with
    fewer than two ratings are left out, and the number of raters may vary by subject (the
    per-subject agreement uses that subject's own count). None when undefined."""
    rated = [s for s in subjects if sum(s.values()) >= 2]
    if not rated:
        return None
    total = sum(sum(s.values()) for s in rated)
    p_bar = 0.0
    for s in rated:
        n = sum(s.values())
        p_bar += (sum(c * c for c in s.values()) - n) / (n * (n - 1))
    p_bar /= len(rated)
    p_e = sum((sum(s.get(c, 0) for s in rated) / total) ** 2 for c in categories)
    if p_e >= 1:
        return None
    return (p_bar - p_e) / (1 - p_e)


def _decide(votes: Counter, rule: str) -> tuple[str, bool]:
    if rule == "direction":
        return direction_majority(votes)
    top = max(votes.values())
    leaders = [c for c in LETTERS if votes[c] == top]
    if len(leaders) == 1:
        return leaders[0], False
    return direction_majority(votes)[0], True


def _counts(votes: Counter) -> dict[str, int]:
    return {c: votes.get(c, 0) for c in LETTERS}
