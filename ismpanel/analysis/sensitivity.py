"""Structural sensitivity: how much of the ISM/MICMAC structure rests on contested judgments.

From the experts' answers per pair this recomputes the structure (ISM levels and tiers, MICMAC
clusters, the priority rank) with each contested pair given each other letter an expert chose,
without each expert in turn, under other aggregation rules and thresholds, and under the other
MICMAC thresholds, and says per factor whether its tier and cluster hold. The panel's
aggregation is redone on vote counts (:mod:`ismpanel.analysis.majority`), so that leaving an
expert out is one subtraction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from math import lcm

import numpy as np

from ismpanel.analysis import ism, micmac, recommend
from ismpanel.analysis.majority import MAJORITIES, A, Majority, Pair, V, X, verdicts, vote_codes
from ismpanel.analysis.relations import LETTERS
from ismpanel.analysis.structure import Options
from ismpanel.errors import AnalysisError, InputError

MICMAC_RULES = micmac.THRESHOLD_RULES


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


def priority_ranks(
    tiers: Sequence[str],
    clusters: Sequence[str],
    driving: np.ndarray,
    other: Sequence[tuple[tuple[str, int, int], ...]],
) -> np.ndarray:
    """Each factor's priority rank (1 first) by the rule of ``recommend.profiles``: the
    structure's share of its points, ``other`` sources' (got, top) points left as they are."""
    n = len(tiers)
    structure = np.array(
        [
            recommend.TIER_WEIGHT[t] + recommend.DRIVER_BONUS * (c in recommend.DRIVER_CLUSTERS)
            for t, c in zip(tiers, clusters, strict=True)
        ],
        dtype=np.int64,
    )
    tops = {recommend.STRUCTURE_POINTS, *(top for pts in other for _, _, top in pts)}
    scale = lcm(*tops)
    shares = structure * (scale // recommend.STRUCTURE_POINTS)
    extra = [[got * (scale // top) for _, got, top in pts] for pts in other]
    other_best = np.array([max(e, default=-1) for e in extra], dtype=np.int64)
    other_sum = np.array([sum(e) for e in extra], dtype=np.int64)
    best = np.maximum(shares, other_best)
    rest = shares + other_sum - best
    order = np.lexsort((np.arange(n), -np.asarray(driving), -rest, -best))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(1, n + 1)
    return ranks


def sensitivity(
    factors: Sequence[str],
    pairs: Sequence[Pair],
    answers: Mapping[str, Mapping[Pair, str]],
    *,
    rule: str = "direction",
    quorum: int = 1,
    below: float = 0.75,
    options: Options | None = None,
    other_points: Mapping[str, tuple[tuple[str, int, int], ...]] | None = None,
) -> Sensitivity:
    """The structure's sensitivity to the panel's contested pairs, to each expert, to the
    aggregation rule and threshold, and to the MICMAC threshold.

    ``answers`` is {expert: {pair: letter}} for the voting experts, ``pairs`` the study's pairs
    (a pair (a, b) with V means a influences b); ``options`` the structure's (tiers, level rule,
    MICMAC threshold); ``other_points`` per factor the priority points of sources other than
    the structure (fsQCA), which a structural change leaves as they are.
    """
    engine = _Engine(tuple(factors), list(pairs), answers, quorum, options or Options())
    own = Majority(rule)
    engine.set_base(own, other_points or {})
    contested = engine.contested(below)
    ranked = sorted(contested, key=lambda p: (-len(p.moved), -len(p.changed)))
    loo = engine.leave_one_out(own)
    rules, thresholds = engine.majorities(own), engine.thresholds()
    stability = _stability(engine, ranked, loo, rules, thresholds)
    return Sensitivity(
        engine.factors,
        engine.experts,
        own,
        quorum,
        below,
        engine.base,
        tuple(ranked),
        loo,
        rules,
        thresholds,
        stability,
    )


class _Engine:
    """The shared state of one run: vote counts, pair indices, the panel's verdicts and layout."""

    def __init__(self, factors, pairs, answers, quorum, options) -> None:
        if not answers:
            raise AnalysisError("no experts: nothing to aggregate")
        self.factors, self.pairs, self.quorum, self.options = factors, pairs, quorum, options
        self.experts, self.codes = vote_codes(pairs, answers)
        self.counts = np.zeros((len(pairs), 4), dtype=np.int64)
        for row in self.codes:
            given = row >= 0
            self.counts[np.flatnonzero(given), row[given]] += 1
        position = {f: k for k, f in enumerate(factors)}
        self.src = np.array([position[a] for a, _ in pairs], dtype=np.intp)
        self.dst = np.array([position[b] for _, b in pairs], dtype=np.intp)

    def set_base(self, own: Majority, other_points) -> None:
        self.verdict, self.tie = verdicts(self.counts, own, self.quorum)
        open_pairs = [self.pairs[k] for k in np.flatnonzero(self.verdict < 0)]
        if open_pairs:
            names = ", ".join(f"{a}-{b}" for a, b in open_pairs[:8])
            raise AnalysisError(f"no verdict for {len(open_pairs)} pair(s): {names}")
        self.other = [tuple(other_points.get(f, ())) for f in self.factors]
        self.base_irm = self.irm(self.verdict)
        self.base, self.base_frm = self.layout(self.base_irm)

    def irm(self, code: np.ndarray) -> np.ndarray:
        """The IRM of a verdict per pair (diagonal set)."""
        n = len(self.factors)
        irm = np.eye(n, dtype=bool)
        forward, backward = (code == V) | (code == X), (code == A) | (code == X)
        irm[self.src[forward], self.dst[forward]] = True
        irm[self.dst[backward], self.src[backward]] = True
        return irm

    def layout(self, irm: np.ndarray) -> tuple[Layout, np.ndarray]:
        """Levels, tiers, clusters and ranks of one IRM by the ISM and MICMAC engines."""
        opts, fallback = self.options, False
        try:
            res = ism.analyse(self.factors, irm, tiers=opts.tiers, level_rule=opts.level_rule)
        except InputError as err:
            if err.option != "tiers":
                raise
            res = ism.analyse(self.factors, irm, level_rule=opts.level_rule)
            fallback = True
        clusters = self.clusters(res, opts.threshold)[1]
        ranks = priority_ranks(res.tiers, clusters, res.driving_power, self.other)
        layout = Layout(res.levels, tuple(res.tiers), tuple(clusters), ranks, fallback)
        return layout, res.frm

    def clusters(self, res: ism.IsmResult, rule: str) -> tuple[micmac.Threshold, list[str]]:
        drive, dep = res.driving_power, res.dependence
        thr = micmac.threshold(rule, drive, dep, equal_is_strong=self.options.equal_is_strong)
        return thr, micmac.quadrants(drive, dep, thr)

    def outcome(self, code: np.ndarray) -> Outcome:
        """The structure of a verdict per pair against the panel's."""
        irm = self.irm(code)
        if self.same_closure(irm):
            return Outcome(self.base.n_levels, ())  # levels, tiers, clusters, ranks: the FRM's
        layout, _ = self.layout(irm)
        changes = _changes(self.factors, self.base, layout)
        return Outcome(layout.n_levels, changes, layout.default_tiers)

    def same_closure(self, irm: np.ndarray) -> bool:
        """Whether an IRM surely has the panel's final reachability matrix, told without a
        closure: every added arc is already reached, and the arcs removed (between one pair
        only) are each bypassed: i keeps a direct successor k outside its cycle (k does not
        reach i, so no path from k uses i) that reaches j. False when unsure."""
        frm, base = self.base_frm, self.base_irm
        if (irm & ~frm).any():
            return False
        removed = np.argwhere(base & ~irm)
        if len(removed) > 2 or len({int(x) for x in removed.ravel()}) > 2:
            return False
        for i, j in removed:
            bypass = base[i] & irm[i] & frm[:, j] & ~frm[:, i]
            bypass[j] = False
            if not bypass.any():
                return False
        return True

    def contested(self, below: float) -> list[PairSensitivity]:
        n = self.counts.sum(axis=1)
        agreement = self.counts[np.arange(len(n)), self.verdict] / n
        found = []
        for k in np.flatnonzero(self.tie | (agreement < below)):
            others = [c for c in np.argsort(-self.counts[k], kind="stable") if self.counts[k, c]]
            flips = []
            for c in others:
                if c == self.verdict[k]:
                    continue
                code = self.verdict.copy()
                code[k] = c
                flips.append(Flip(LETTERS[c], int(self.counts[k, c]), self.outcome(code)))
            votes = dict(zip(LETTERS, (int(v) for v in self.counts[k]), strict=True))
            verdict = LETTERS[self.verdict[k]]
            found.append(
                PairSensitivity(
                    self.pairs[k],
                    verdict,
                    bool(self.tie[k]),
                    float(agreement[k]),
                    votes,
                    tuple(flips),
                )
            )
        return found

    def variant(self, counts: np.ndarray, majority: Majority):
        """(changed pairs, outcome or None, unresolved pairs) for other counts or rule."""
        code, _ = verdicts(counts, majority, self.quorum)
        unresolved = tuple(self.pairs[k] for k in np.flatnonzero(code < 0))
        changed = tuple(self.pairs[k] for k in np.flatnonzero(code != self.verdict))
        return changed, None if unresolved else self.outcome(code), unresolved

    def leave_one_out(self, own: Majority) -> tuple[LeaveOut, ...]:
        if len(self.experts) < 2:
            return ()
        found = []
        for e, expert in enumerate(self.experts):
            counts = self.counts.copy()
            given = self.codes[e] >= 0
            counts[np.flatnonzero(given), self.codes[e][given]] -= 1
            found.append(LeaveOut(expert, *self.variant(counts, own)))
        return tuple(found)

    def majorities(self, own: Majority) -> tuple[RuleVariant, ...]:
        return tuple(RuleVariant(m, m == own, *self.variant(self.counts, m)) for m in MAJORITIES)

    def thresholds(self) -> tuple[ThresholdVariant, ...]:
        res = ism.analyse(
            self.factors,
            self.base_irm,
            tiers=None if self.base.default_tiers else self.options.tiers,
            level_rule=self.options.level_rule,
        )
        own_rule = self.options.threshold
        rules = (*MICMAC_RULES, *(() if own_rule in MICMAC_RULES else (own_rule,)))
        expected = sum(1 for t in res.tiers if micmac.EXPECTED_QUADRANT[t] is not None)
        found = []
        for rule in rules:
            thr, clusters = self.clusters(res, rule)
            ranks = priority_ranks(res.tiers, clusters, res.driving_power, self.other)
            layout = Layout(res.levels, tuple(res.tiers), tuple(clusters), ranks)
            breaks = len(micmac.check_tiers(res.tiers, clusters).breaks)
            changes = _changes(self.factors, self.base, layout)
            found.append(
                ThresholdVariant(thr, rule == own_rule, changes, expected - breaks, expected)
            )
        return tuple(found)


def _changes(factors: tuple[str, ...], base: Layout, other: Layout) -> tuple[Change, ...]:
    """Per factor that differs, its level, tier, cluster and rank before and after."""
    differ = (base.levels != other.levels) | (base.ranks != other.ranks)
    differ |= np.array(base.tiers) != np.array(other.tiers)
    differ |= np.array(base.clusters) != np.array(other.clusters)
    found = []
    for i in np.flatnonzero(differ):
        level = (int(base.levels[i]), int(other.levels[i]))
        tier = (base.tiers[i], other.tiers[i])
        cluster = (base.clusters[i], other.clusters[i])
        rank = (int(base.ranks[i]), int(other.ranks[i]))
        diff = [pair if pair[0] != pair[1] else None for pair in (level, tier, cluster, rank)]
        found.append(Change(factors[i], *diff))
    return tuple(found)


def _stability(
    engine: _Engine,
    ranked: list[PairSensitivity],
    loo: tuple[LeaveOut, ...],
    rules: tuple[RuleVariant, ...],
    thresholds: tuple[ThresholdVariant, ...],
) -> tuple[FactorStability, ...]:
    """Per factor: the contested pairs, experts left out, aggregation rules and MICMAC
    thresholds that move it, and the leave-one-out panels keeping it."""
    outcomes = [o.outcome for o in loo if o.outcome is not None]
    tier_moves = Counter(c.factor for o in outcomes for c in o.changes if c.tier is not None)
    cluster_moves = Counter(c.factor for o in outcomes for c in o.changes if c.cluster)
    depends: dict[str, list[Pair]] = {}
    for p in ranked:
        for f in p.moved:
            depends.setdefault(f, []).append(p.pair)
    without = _movers((o.expert, o.outcome.changes) for o in loo if o.outcome is not None)
    by_rule = _movers((v.majority, v.outcome.changes) for v in rules if v.outcome and not v.own)
    by_thr = _movers((t.threshold.rule, t.changes) for t in thresholds if not t.own)
    return tuple(
        FactorStability(
            f,
            engine.base.tiers[i],
            engine.base.clusters[i],
            tuple(depends.get(f, ())),
            len(outcomes) - tier_moves[f],
            len(outcomes) - cluster_moves[f],
            len(outcomes),
            tuple(without.get(f, ())),
            tuple(by_rule.get(f, ())),
            tuple(by_thr.get(f, ())),
        )
        for i, f in enumerate(engine.factors)
    )


def _movers(variants) -> dict[str, list[tuple]]:
    """Per factor, (variant, aspect) for each variant whose changes move its tier or cluster."""
    found: dict[str, list[tuple]] = {}
    for name, changes in variants:
        for c in changes:
            if c.moved:
                aspect = " and ".join(a for a, d in (("tier", c.tier), ("cluster", c.cluster)) if d)
                found.setdefault(c.factor, []).append((name, aspect))
    return found
