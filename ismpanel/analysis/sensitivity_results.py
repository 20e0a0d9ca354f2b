"""What the structural sensitivity analysis finds, as data: each contested pair under its other
letters, each expert left out, each aggregation rule and MICMAC threshold, and per factor
what moves its tier or cluster (its stability verdict)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ismpanel.analysis import micmac
from ismpanel.analysis.majority import Majority, Pair


@dataclass(frozen=True)
class Layout:
    """Where each factor stands in one structure (arrays in factor order); ``default_tiers``
    when the options' tier spec did not fit its levels and the default rule was used."""

    levels: np.ndarray
    tiers: tuple[str, ...]
    clusters: tuple[str, ...]
    ranks: np.ndarray
    default_tiers: bool = False

    @property
    def n_levels(self) -> int:
        return int(self.levels.max())


@dataclass(frozen=True)
class Change:
    """What changed for one factor against the panel's structure: (before, after) per aspect,
    None where it did not change."""

    factor: str
    level: tuple[int, int] | None
    tier: tuple[str, str] | None
    cluster: tuple[str, str] | None
    rank: tuple[int, int] | None

    @property
    def moved(self) -> bool:
        """Its tier or MICMAC cluster changed: the position its role and priority points rest on."""
        return self.tier is not None or self.cluster is not None


@dataclass(frozen=True)
class Outcome:
    """A recomputed structure against the panel's: its number of levels and the changes."""

    n_levels: int
    changes: tuple[Change, ...]
    default_tiers: bool = False

    @property
    def moved(self) -> tuple[str, ...]:
        return tuple(c.factor for c in self.changes if c.moved)


@dataclass(frozen=True)
class Flip:
    """A contested pair given another letter that ``votes`` experts chose."""

    letter: str
    votes: int
    outcome: Outcome


@dataclass(frozen=True)
class PairSensitivity:
    """One contested pair: the panel's verdict, whether it is a tie, its agreement (the share
    of answers with the verdict's letter), the letter counts, and the structure under each
    other letter given."""

    pair: Pair
    verdict: str
    tie: bool
    agreement: float
    votes: dict[str, int]
    flips: tuple[Flip, ...]

    @property
    def label(self) -> str:
        return f"{self.pair[0]}-{self.pair[1]}"

    @property
    def moved(self) -> tuple[str, ...]:
        """Factors whose tier or cluster some other letter changes (in order of first change)."""
        return tuple(dict.fromkeys(f for flip in self.flips for f in flip.outcome.moved))

    @property
    def changed(self) -> tuple[str, ...]:
        """Factors with any change (level, tier, cluster or rank) under some other letter."""
        return tuple(dict.fromkeys(c.factor for fl in self.flips for c in fl.outcome.changes))


@dataclass(frozen=True)
class LeaveOut:
    """The panel without one expert: the verdicts that change, and the structure (None with
    ``unresolved`` naming the pairs the quorum then leaves without a verdict)."""

    expert: str
    changed_pairs: tuple[Pair, ...]
    outcome: Outcome | None
    unresolved: tuple[Pair, ...] = ()


@dataclass(frozen=True)
class RuleVariant:
    """The panel under another aggregation rule or threshold (``own``: the panel's rule)."""

    majority: Majority
    own: bool
    changed_pairs: tuple[Pair, ...]
    outcome: Outcome | None
    unresolved: tuple[Pair, ...] = ()


@dataclass(frozen=True)
class ThresholdVariant:
    """The panel's structure under one MICMAC threshold: the clusters that differ from those
    under the study's threshold, and how many surface- and deep-tier factors sit in the
    cluster their tier expects (dependent, independent) out of how many there are."""

    threshold: micmac.Threshold
    own: bool
    changes: tuple[Change, ...]
    agreeing: int
    expected: int


@dataclass(frozen=True)
class FactorStability:
    """One factor: its tier and cluster; the contested pairs whose other letters move either
    (the most moving pair first); what moves under each other variation the analysis runs, as
    (expert left out, aspect), (aggregation rule, aspect) and (MICMAC threshold, aspect) with
    aspect "tier", "cluster" or "tier and cluster"; and how many leave-one-out panels keep
    each of the total."""

    factor: str
    tier: str
    cluster: str
    depends_on: tuple[Pair, ...]
    keeps_tier: int
    keeps_cluster: int
    panels: int
    without: tuple[tuple[str, str], ...] = ()
    rules: tuple[tuple[Majority, str], ...] = ()
    thresholds: tuple[tuple[str, str], ...] = ()

    @property
    def stable(self) -> bool:
        """Nothing the analysis varies changes its tier or cluster."""
        return not (self.depends_on or self.without or self.rules or self.thresholds)

    @property
    def other_moves(self) -> tuple[str, ...]:
        """What besides contested pairs changes its tier or cluster, in words, e.g.
        ``cluster changes under the median threshold``, ``tier changes without E3``."""
        names = [(THRESHOLD_NAMES.get(r, r), a) for r, a in self.thresholds]
        rules = [(m.describe(), a) for m, a in self.rules]
        return (
            *_grouped(names, "under the {} threshold", _or),
            *_grouped(self.without, "without {}", _or),
            *_grouped(rules, "aggregated {}", ", or ".join),
        )

    @property
    def verdict(self) -> str:
        if self.stable:
            return "stable"
        pairs = ["depends on " + ", ".join(f"{a}-{b}" for a, b in self.depends_on)]
        return "; ".join([*(pairs if self.depends_on else []), *self.other_moves])


THRESHOLD_NAMES = {"half (n/2)": "n/2"}


def _grouped(
    items: Sequence[tuple[str, str]], frame: str, join: Callable[[list[str]], str]
) -> list[str]:
    """``cluster changes without E1 or E2``: the names per aspect, aspects in first order."""
    by_aspect: dict[str, list[str]] = {}
    for name, aspect in items:
        by_aspect.setdefault(aspect, []).append(name)
    found = []
    for aspect, names in by_aspect.items():
        verb = "change" if " and " in aspect else "changes"
        found.append(f"{aspect} {verb} " + frame.format(join(names)))
    return found


def _or(names: list[str]) -> str:
    """``E1``, ``E1 or E2``, ``E1, E2 or E3``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


@dataclass(frozen=True)
class Sensitivity:
    """The whole analysis; ``pairs`` are the contested pairs, the one moving most factors first."""

    factors: tuple[str, ...]
    experts: tuple[str, ...]
    majority: Majority
    quorum: int
    below: float
    base: Layout
    pairs: tuple[PairSensitivity, ...]
    leave_one_out: tuple[LeaveOut, ...]
    majorities: tuple[RuleVariant, ...]
    thresholds: tuple[ThresholdVariant, ...]
    stability: tuple[FactorStability, ...]

    @property
    def reopen(self) -> tuple[Pair, ...]:
        """Contested pairs whose other letters move some factor, the most moving first: the
        pairs a Delphi round should reopen."""
        return tuple(p.pair for p in self.pairs if p.moved)
