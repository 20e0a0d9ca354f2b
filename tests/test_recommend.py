"""Factor profiles: links, the one role per factor, and priority as the stronger share of the
sources of evidence (the rules in ismpanel/analysis/recommend.py; expected values worked out by
hand below)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ismpanel.analysis import recommend
from ismpanel.analysis.recommend import NecessityFact, QcaEvidence, QcaRole
from ismpanel.analysis.structure import analyse_structure

IDS = ("A", "B", "C")  # A -> B -> C: A deep, B middle, C surface


def _model():
    irm = np.eye(3, dtype=bool)
    irm[0, 1] = irm[1, 2] = True
    return analyse_structure(IDS, irm)


def _profiles(roles=None, necessity=None, conditions=IDS):
    evidence = QcaEvidence(conditions, roles or {}, necessity or {})
    found = recommend.profiles(_model(), {}, dict.fromkeys(IDS, "policy"), evidence)
    return {p.id: p for p in found}


def test_structure_points_follow_tier_and_driver_weights():
    # A: deep (2) + independent driver (2); B: middle (1) + linkage driver (2), its driving
    # power and dependence (2 each) above n/2 = 1.5; C: surface (0), dependent (0)
    model = _model()
    assert model.quadrants == ["independent", "linkage", "dependent"]
    found = recommend.profiles(model, {}, dict.fromkeys(IDS, "policy"))
    assert {p.id: (p.score, p.max_score) for p in found} == {"A": (4, 4), "B": (3, 4), "C": (0, 4)}
    # without questionnaire data a deep driver reaches the top of the scale: high priority
    assert [p.priority for p in found] == ["high", "high", "low"]
    assert all(p.sources == ("ISM/MICMAC",) for p in found)


def test_a_deep_factor_without_driving_power_is_not_high_on_depth_alone():
    # A -> B, C and D isolated: A is deep (level 2) and its driving power 2 is not above
    # n/2 = 2, so A is autonomous: 2 of 4 points, medium
    irm = np.eye(4, dtype=bool)
    irm[0, 1] = True
    model = analyse_structure(("A", "B", "C", "D"), irm)
    found = {p.id: p for p in recommend.profiles(model, {}, {})}
    assert (found["A"].tier, found["A"].cluster) == ("deep", "autonomous")
    assert found["A"].share == Fraction(2, 4) and found["A"].priority == "medium"


def test_only_a_present_condition_earns_fsqca_points():
    core_present = {"C": (QcaRole("C1", "core_present"),)}
    peripheral = {"C": (QcaRole("C1", "peripheral_present"),)}
    core_absent = {"C": (QcaRole("C1", "core_absent"),)}
    assert _profiles(core_present)["C"].points[1] == ("fsQCA", recommend.CORE_BONUS, 3)
    assert _profiles(peripheral)["C"].points[1] == ("fsQCA", recommend.PERIPHERAL_BONUS, 3)
    assert _profiles(core_absent)["C"].points[1] == ("fsQCA", 0, 3)  # an absence is no lever


def test_a_necessary_absence_adds_nothing_and_a_necessary_presence_adds_its_bonus():
    present = {"B": (NecessityFact("B", 0.95, 0.6, 0.7, True),)}
    absent = {"B": (NecessityFact("~B", 0.95, 0.6, 0.7, True),)}
    assert _profiles(necessity=present)["B"].points[1] == ("fsQCA", recommend.NECESSARY_BONUS, 3)
    assert _profiles(necessity=absent)["B"].points[1] == ("fsQCA", 0, 3)
    assert _profiles(necessity=present)["B"].role == "required"
    assert _profiles(necessity=absent)["B"].role == "linkage"  # ~B necessary: B not required


def test_the_stronger_source_decides_and_measuring_never_ranks_a_factor_down():
    # only C is an fsQCA condition: its structure share is 0 of 4, its fsQCA share 2 of 3
    found = _profiles({"C": (QcaRole("C1", "core_present"),)}, conditions=("C",))
    assert (found["A"].share, found["B"].share) == (Fraction(1), Fraction(3, 4))
    assert found["C"].share == Fraction(2, 3) and found["C"].priority == "high"
    assert [found[f].rank for f in IDS] == [1, 2, 3]
    # B measured with a peripheral presence only keeps its structure share of 3/4
    found = _profiles({"B": (QcaRole("C1", "peripheral_present"),)}, conditions=("B",))
    assert found["B"].share == Fraction(3, 4)


def test_one_role_by_the_first_rule_that_holds():
    path = {"C": (QcaRole("C1", "peripheral_present"), QcaRole("C2", "core_absent"))}
    found = _profiles(path)
    # C: dependent, but its presence is part of C1, and "path" comes before "indicator"
    assert (found["A"].role, found["B"].role, found["C"].role) == ("lever", "linkage", "path")
    assert found["C"].present_in == ("C1",) and found["C"].absent_in == ("C2",)
    assert not found["C"].required
    assert _profiles()["C"].role == "indicator"


def test_direct_links_reach_and_the_diagram_are_kept_apart():
    # A -> B -> C and A -> C given directly: the diagram (transitive reduction) drops A -> C,
    # the direct links keep it; reach = closure
    irm = np.eye(3, dtype=bool)
    irm[0, 1] = irm[1, 2] = irm[0, 2] = True
    found = {p.id: p for p in recommend.profiles(analyse_structure(IDS, irm), {}, {})}
    assert found["A"].drives == ("B", "C")
    assert found["A"].above == ("B",)
    assert found["A"].reaches == ("B", "C") and found["A"].through_others == ()
    # without the direct A -> C, A reaches C only through B (1* in the final matrix)
    found = {p.id: p for p in recommend.profiles(_model(), {}, {})}
    assert found["A"].drives == ("B",) and found["A"].through_others == ("C",)
    assert found["C"].driven_by == ("B",) and found["C"].reached_by == ("A", "B")


def test_the_rules_in_words_use_the_weights():
    text = recommend.describe_priority(with_qca=True)
    # exact shares: a factor with 2 of 3 points is high priority, which "67%" would deny
    assert "high priority from 2/3 of the points, medium from 1/3" in text
    assert "deep 2, middle 1, surface 0" in text and "an absence earns nothing" in text
    assert "the stronger share decides" in text
    assert "fsQCA" not in recommend.describe_priority(with_qca=False)
    roles = recommend.describe_roles()
    named = [r for r in recommend.ROLES if f". {recommend.ROLE_NAMES[r]}:" in roles]
    assert named == list(recommend.ROLES)


def test_equal_factors_share_a_rank_and_a_top_list_never_cuts_inside_it():
    """Three isolated factors and a chain A -> B: A (driving 2) ranks first; B, C, D are
    equal (surface or middle, no driver) where their points and driving power match, and a
    top-two list keeps every factor tied with the second."""
    irm = np.eye(4, dtype=bool)
    irm[0, 1] = True  # A -> B; C and D linked to nothing
    found = recommend.profiles(analyse_structure(("A", "B", "C", "D"), irm), {}, {})
    ranks = {p.id: p.rank for p in found}
    key = {p.id: (p.score, p.driving) for p in found}
    for a in ranks:
        for b in ranks:
            assert (ranks[a] == ranks[b]) == (key[a] == key[b])
    second = sorted(ranks.values())[1]
    top = recommend.top_ranked(found, 2)
    assert {p.id for p in top} == {f for f, r in ranks.items() if r <= second}
    assert len(top) >= 2
