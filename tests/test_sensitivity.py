"""The structural sensitivity engine (analysis/sensitivity.py): its aggregation against the
panel's, hand-worked small panels, its priority ranks against recommend.profiles, and the
bundled study's contested pair PL2-US2."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from ismpanel.analysis import recommend
from ismpanel.analysis.majority import Majority, verdicts
from ismpanel.analysis.relations import LETTERS
from ismpanel.analysis.sensitivity import priority_ranks, sensitivity
from ismpanel.analysis.structure import Options, analyse_structure
from ismpanel.elicitation.aggregate import aggregate

CHAIN = ("A", "B", "C")
CHAIN_PAIRS = [("A", "B"), ("A", "C"), ("B", "C")]
# A-B: V by all; A-C: O by all; B-C: V, V, O (agreement 2/3, contested under 75 %)
CHAIN_PANEL = {
    "E1": {("A", "B"): "V", ("A", "C"): "O", ("B", "C"): "V"},
    "E2": {("A", "B"): "V", ("A", "C"): "O", ("B", "C"): "V"},
    "E3": {("A", "B"): "V", ("A", "C"): "O", ("B", "C"): "O"},
}


def random_panel(rng, n_factors: int, n_experts: int, blank: float):
    factors = tuple(f"F{k}" for k in range(n_factors))
    pairs = [(a, b) for k, a in enumerate(factors) for b in factors[k + 1 :]]
    answers = {
        f"E{e}": {p: str(rng.choice(list(LETTERS))) for p in pairs if rng.random() >= blank}
        for e in range(n_experts)
    }
    return factors, pairs, answers


def counts_of(pairs, answers) -> np.ndarray:
    table = np.zeros((len(pairs), 4), dtype=np.int64)
    for given in answers.values():
        for k, p in enumerate(pairs):
            if p in given:
                table[k, LETTERS.index(given[p])] += 1
    return table


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("rule", ["direction", "letter"])
def test_the_default_majorities_give_the_panels_verdicts_ties_and_contested_pairs(seed, rule):
    rng = np.random.default_rng(seed)
    factors, pairs, answers = random_panel(rng, 7, 2 + seed % 5, blank=0.2)
    quorum = 1 + seed % 3
    panel = aggregate(pairs, answers, rule=rule, quorum=quorum)
    code, tie = verdicts(counts_of(pairs, answers), Majority(rule), quorum)
    assert [LETTERS[c] if c >= 0 else None for c in code] == [p.result for p in panel.pairs]
    assert tie.tolist() == [p.tie for p in panel.pairs]
    resolved = all(p.result is not None for p in panel.pairs)
    if resolved:
        found = sensitivity(factors, pairs, answers, rule=rule, quorum=quorum)
        assert {p.pair for p in found.pairs} == {p.pair for p in panel.contested(0.75)}


def test_the_other_thresholds_on_five_answers_worked_by_hand():
    # one pair answered V, V, V, O, O: forward 3 of 5, backward 0
    counts = np.array([[3, 0, 0, 2]])

    def letter(majority: Majority) -> str:
        return LETTERS[verdicts(counts, majority)[0][0]]

    assert letter(Majority("direction")) == "V"  # 3/5 > 1/2
    assert letter(Majority("direction", Fraction(3, 5))) == "V"  # 3/5 >= 60 %
    assert letter(Majority("direction", Fraction(2, 3))) == "O"  # 3/5 < 2/3: arc not kept
    assert letter(Majority("letter")) == "V"  # V the most frequent
    assert letter(Majority("letter", Fraction(2, 3))) == "O"  # V short of 2/3, so direction
    # a letter tie (2 V, 2 A) goes to the direction rule at the same share
    assert LETTERS[verdicts(np.array([[2, 2, 0, 0]]), Majority("letter"))[0][0]] == "O"


def test_a_contested_pair_in_a_chain_worked_by_hand():
    """A→B→C, with B→C contested (V, V, O). By hand: the panel's structure has C at level 1
    (surface), B at 2 (middle), A at 3 (deep); driving 3, 2, 1 and dependence 1, 2, 3 against
    n/2 = 1.5 make A independent, B linkage, C dependent. With B-C as O only A→B is left:
    B and C at level 1, A at 2, two levels (surface 1, deep 2); B drives 1 and depends 2
    (dependent), C drives 1 and depends 1 (autonomous), A stays independent. Points (deep 2,
    middle 1, + 2 for a driver) rank A 4, B 3, C 0 before and A 4, B 0, C 0 after; B and C
    then tie on points and on driving power (1 each), so they share rank 2: ranks 1, 2, 3
    become 1, 2, 2."""
    found = sensitivity(CHAIN, CHAIN_PAIRS, CHAIN_PANEL)
    assert found.base.n_levels == 3
    assert found.base.tiers == ("deep", "middle", "surface")
    assert found.base.clusters == ("independent", "linkage", "dependent")
    assert found.base.ranks.tolist() == [1, 2, 3]
    (pair,) = found.pairs
    assert pair.pair == ("B", "C") and pair.verdict == "V" and not pair.tie
    assert pair.agreement == pytest.approx(2 / 3)
    (flip,) = pair.flips
    assert flip.letter == "O" and flip.votes == 1 and flip.outcome.n_levels == 2
    changes = {c.factor: c for c in flip.outcome.changes}
    assert set(changes) == {"A", "B", "C"}
    assert changes["A"].level == (3, 2) and not changes["A"].moved
    assert changes["B"].level == (2, 1) and changes["B"].tier == ("middle", "surface")
    assert changes["B"].cluster == ("linkage", "dependent")
    assert changes["C"].level is None and changes["C"].cluster == ("dependent", "autonomous")
    assert changes["A"].rank is None and changes["B"].rank is None
    assert changes["C"].rank == (3, 2)
    assert {s.factor: s.depends_on for s in found.stability} == {
        "A": (),
        "B": (("B", "C"),),
        "C": (("B", "C"),),
    }
    assert found.reopen == (("B", "C"),)


def test_the_factor_verdict_names_every_variation_that_moves_it():
    """On the chain (worked by hand in the tests around): B-C's O moves B and C; without E1 or
    E2 the pair becomes a tie and moves them as O does (B's tier and cluster, C's cluster);
    under the mean or median threshold B turns autonomous; no rule changes a verdict. A is
    moved by nothing."""
    found = sensitivity(CHAIN, CHAIN_PAIRS, CHAIN_PANEL)
    verdict = {s.factor: s.verdict for s in found.stability}
    assert verdict == {
        "A": "stable",
        "B": "depends on B-C; cluster changes under the mean or median threshold; "
        "tier and cluster change without E1 or E2",
        "C": "depends on B-C; cluster changes without E1 or E2",
    }
    b = found.stability[1]
    assert b.thresholds == (("mean", "cluster"), ("median", "cluster")) and b.rules == ()


def test_a_factor_moved_only_by_another_micmac_threshold_is_not_stable():
    """A unanimous chain has no contested pair and no expert whose absence changes a verdict,
    yet B turns autonomous under the mean and median thresholds, so only B is not stable."""
    unanimous = {e: {("A", "B"): "V", ("A", "C"): "O", ("B", "C"): "V"} for e in CHAIN_PANEL}
    found = sensitivity(CHAIN, CHAIN_PAIRS, unanimous)
    assert found.pairs == ()
    verdict = {s.factor: s.verdict for s in found.stability}
    assert verdict == {
        "A": "stable",
        "B": "cluster changes under the mean or median threshold",
        "C": "stable",
    }


def test_leaving_out_each_expert_worked_by_hand():
    """Without E1 or E2, B-C has V and O: one forward vote of two is a tie, the arc is not
    kept, and B and C move as above; without E3 the verdicts stay. So of three panels A keeps
    tier and cluster in 3, B in 1, C its tier (surface) in 3 and its cluster in 1."""
    found = sensitivity(CHAIN, CHAIN_PAIRS, CHAIN_PANEL)
    loo = {o.expert: o for o in found.leave_one_out}
    assert loo["E1"].changed_pairs == (("B", "C"),) and loo["E3"].changed_pairs == ()
    assert loo["E3"].outcome.changes == ()
    keeps = {s.factor: (s.keeps_tier, s.keeps_cluster, s.panels) for s in found.stability}
    assert keeps == {"A": (3, 3, 3), "B": (1, 1, 3), "C": (3, 1, 3)}


def test_rules_thresholds_and_micmac_thresholds_on_the_chain_worked_by_hand():
    """B-C's V has 2 of 3 answers: at least 60 % and at least two thirds keep it, and V is the
    most frequent letter, so no rule changes a verdict. Driving 3, 2, 1 and dependence 1, 2, 3
    have mean and median 2: B (2, 2) is weak on both axes, autonomous; A and C keep the
    clusters their tiers expect (deep independent, surface dependent): 2 of 2 agree."""
    found = sensitivity(CHAIN, CHAIN_PAIRS, CHAIN_PANEL)
    assert len(found.majorities) == 6 and sum(v.own for v in found.majorities) == 1
    assert all(v.changed_pairs == () and v.outcome.changes == () for v in found.majorities)
    by_rule = {t.threshold.rule: t for t in found.thresholds}
    assert set(by_rule) == {"half (n/2)", "mean", "median"} and by_rule["half (n/2)"].own
    for rule in ("mean", "median"):
        (change,) = by_rule[rule].changes
        assert change.factor == "B" and change.cluster == ("linkage", "autonomous")
        assert change.rank is None  # B: middle 1 point, still second
    assert all((t.agreeing, t.expected) == (2, 2) for t in found.thresholds)


def test_tier_ranges_that_do_not_fit_a_recomputed_structure_give_way_to_the_default_rule():
    """The chain's three levels pinned as one tier each; with B-C as O the structure has two
    levels, the ranges no longer fit, and the default rule (surface 1, deep 2) places B."""
    found = sensitivity(CHAIN, CHAIN_PAIRS, CHAIN_PANEL, options=Options(tiers="1,2,3"))
    assert not found.base.default_tiers
    (flip,) = found.pairs[0].flips
    assert flip.outcome.default_tiers and flip.outcome.n_levels == 2
    changes = {c.factor: c for c in flip.outcome.changes}
    assert changes["B"].tier == ("middle", "surface")


def test_a_leave_one_out_panel_under_the_quorum_is_not_analysed():
    found = sensitivity(CHAIN, CHAIN_PAIRS, CHAIN_PANEL, quorum=3)
    assert all(o.outcome is None and len(o.unresolved) == 3 for o in found.leave_one_out)
    assert all(s.panels == 0 for s in found.stability)


@pytest.mark.parametrize("seed", range(8))
def test_priority_ranks_are_those_of_recommend_profiles(seed):
    rng = np.random.default_rng(seed)
    n = 6 + seed
    irm = rng.random((n, n)) < 0.25
    factors = tuple(f"F{k}" for k in range(n))
    model = analyse_structure(factors, irm)
    conditions = factors[: n // 2]
    roles = {
        c: tuple(
            recommend.QcaRole(f"C{k}", str(rng.choice(recommend.CONFIG_ROLES)))
            for k in range(int(rng.integers(0, 3)))
        )
        for c in conditions
    }
    necessity = {
        c: (recommend.NecessityFact(c, 0.9, 0.5, 0.6, bool(rng.random() < 0.3)),)
        for c in conditions
    }
    for qca in (None, recommend.QcaEvidence(conditions, roles, necessity)):
        profiles = recommend.profiles(model, {}, {}, qca)
        other = [tuple(x for x in p.points if x[0] != recommend.SOURCE_STRUCTURE) for p in profiles]
        res = model.ism
        ranks = priority_ranks(res.tiers, model.quadrants, res.driving_power, other)
        assert ranks.tolist() == [p.rank for p in profiles]


def test_factors_equal_on_points_and_driving_power_share_a_rank():
    """Competition ranking (1, 2, 2, 4): a strict order among equal factors would be their
    input order, which says nothing about priority. Tiers and clusters give the structure's
    points: deep independent 4, middle autonomous 1, surface dependent 0; driving powers
    break the tie between the two middle factors only when they differ."""
    tiers = ("deep", "middle", "middle", "surface", "surface")
    clusters = ("independent", "autonomous", "autonomous", "dependent", "dependent")
    other = [()] * 5
    ranks = priority_ranks(tiers, clusters, np.array([5, 3, 3, 1, 1]), other)
    assert ranks.tolist() == [1, 2, 2, 4, 4]
    ranks = priority_ranks(tiers, clusters, np.array([5, 2, 3, 1, 1]), other)
    assert ranks.tolist() == [1, 3, 2, 4, 4]


@pytest.mark.parametrize("seed", range(10))
def test_each_alternative_is_the_structure_recomputed_from_scratch(seed):
    """The engine skips the closure when an alternative surely keeps the final reachability
    matrix; every alternative's levels, tiers and clusters must still be those of
    analyse_structure on the changed verdicts (panels on a random order, whose transitive arcs
    are bypassed when an expert's O removes them)."""
    rng = np.random.default_rng(seed)
    factors = tuple(f"F{k}" for k in range(9))
    pairs = [(a, b) for k, a in enumerate(factors) for b in factors[k + 1 :]]
    truth = {p: "V" if rng.random() < 0.5 else "O" for p in pairs}  # an order: arcs bypassed
    answers = {
        f"E{e}": {
            p: truth[p] if rng.random() < 0.75 else str(rng.choice(list(LETTERS))) for p in pairs
        }
        for e in range(5)
    }
    found = sensitivity(factors, pairs, answers)
    verdict = aggregate(pairs, answers).letters()
    position = {f: k for k, f in enumerate(factors)}
    base = analyse_structure(factors, _irm(verdict, position))
    for p in found.pairs:
        for flip in p.flips:
            other = analyse_structure(factors, _irm({**verdict, p.pair: flip.letter}, position))
            changes = {c.factor: c for c in flip.outcome.changes}
            assert flip.outcome.n_levels == other.ism.n_levels
            for i, f in enumerate(factors):
                c = changes.get(f)
                level = c.level[1] if c and c.level else int(base.ism.levels[i])
                tier = c.tier[1] if c and c.tier else base.ism.tiers[i]
                cluster = c.cluster[1] if c and c.cluster else base.quadrants[i]
                assert (level, tier, cluster) == (
                    int(other.ism.levels[i]),
                    other.ism.tiers[i],
                    other.quadrants[i],
                ), (p.pair, flip.letter, f)


def _irm(letters: dict, position: dict) -> np.ndarray:
    irm = np.eye(len(position), dtype=bool)
    for (a, b), letter in letters.items():
        irm[position[a], position[b]] |= letter in "VX"
        irm[position[b], position[a]] |= letter in "AX"
    return irm
