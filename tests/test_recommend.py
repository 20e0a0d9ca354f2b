"""Factor profiles: links, the one role per factor, and priority points scaled to the evidence
(the rules in ismpanel/analysis/recommend.py; expected values worked out by hand below)."""

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
    # A: deep (3) + independent driver (1); B: middle (2) + linkage driver (1), its driving
    # power and dependence (2 each) above n/2 = 1.5; C: surface (1), dependent (0)
    model = _model()
    assert model.quadrants == ["independent", "linkage", "dependent"]
    found = recommend.profiles(model, {}, dict.fromkeys(IDS, "policy"))
    assert {p.id: (p.score, p.max_score) for p in found} == {"A": (4, 4), "B": (3, 4), "C": (1, 4)}
    # without questionnaire data a deep driver reaches the top of the scale: high priority
    assert [p.priority for p in found] == ["high", "high", "low"]
    assert all(p.sources == ("ISM/MICMAC",) for p in found)


def test_only_a_present_condition_earns_fsqca_points():
    core_present = {"C": (QcaRole("C1", "core_present"),)}
    peripheral = {"C": (QcaRole("C1", "peripheral_present"),)}
    core_absent = {"C": (QcaRole("C1", "core_absent"),)}
    assert _profiles(core_present)["C"].score == 1 + recommend.CORE_BONUS
    assert _profiles(peripheral)["C"].score == 1 + recommend.PERIPHERAL_BONUS
    assert _profiles(core_absent)["C"].score == 1  # an absence is no lever to act on
    assert _profiles(core_absent)["C"].max_score == 4 + 3


def test_a_necessary_absence_adds_nothing_and_a_necessary_presence_adds_its_bonus():
    present = {"B": (NecessityFact("B", 0.95, 0.6, 0.7, True),)}
    absent = {"B": (NecessityFact("~B", 0.95, 0.6, 0.7, True),)}
    assert _profiles(necessity=present)["B"].score == 3 + recommend.NECESSARY_BONUS
    assert _profiles(necessity=absent)["B"].score == 3
    assert _profiles(necessity=present)["B"].role == "required"
    assert _profiles(necessity=absent)["B"].role == "linkage"  # ~B necessary: B not required


def test_points_are_a_share_of_the_evidence_on_the_factor():
    # only C is an fsQCA condition: A and B are scored out of 4, C out of 7
    found = _profiles({"C": (QcaRole("C1", "core_present"),)}, conditions=("C",))
    assert (found["A"].share, found["B"].share) == (Fraction(1), Fraction(3, 4))
    assert found["C"].share == Fraction(1 + 2, 7)  # surface 1 + core 2, of 4 + 3
    assert found["C"].priority == "medium"  # 3/7 lies between 1/3 and 2/3
    assert [found[f].rank for f in IDS] == [1, 2, 3]


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
    assert "high priority from 67% of the points, medium from 33%" in text
    assert "deep 3, middle 2, surface 1" in text and "an absence earns nothing" in text
    assert "fsQCA" not in recommend.describe_priority(with_qca=False)
    roles = recommend.describe_roles()
    named = [r for r in recommend.ROLES if f". {recommend.ROLE_NAMES[r]}:" in roles]
    assert named == list(recommend.ROLES)
