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
from collections.abc import Mapping, Sequence
from math import lcm

import numpy as np

from ismpanel.analysis import ism, micmac, recommend
from ismpanel.analysis.majority import MAJORITIES, A, Majority, Pair, V, X, verdicts, vote_codes
from ismpanel.analysis.relations import LETTERS
from ismpanel.analysis.sensitivity_results import (
    Change,
    FactorStability,
    Flip,
    Layout,
    LeaveOut,
    Outcome,
    PairSensitivity,
    RuleVariant,
    Sensitivity,
    ThresholdVariant,
)
from ismpanel.analysis.structure import Options
from ismpanel.errors import AnalysisError, InputError

MICMAC_RULES = micmac.THRESHOLD_RULES


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
    drive = np.asarray(driving)
    order = np.lexsort((np.arange(n), -drive, -rest, -best))
    keys = np.stack([best, rest, drive], axis=1)[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = (keys[1:] != keys[:-1]).any(axis=1)  # equal factors share a rank
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.maximum.accumulate(np.where(starts, np.arange(1, n + 1), 0))
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
