"""Factor profiles and their priority score (the rule in ismpanel/analysis/recommend.py)."""

from __future__ import annotations

import numpy as np

from ismpanel.analysis import recommend
from ismpanel.analysis.recommend import NecessityFact, QcaEvidence, QcaRole
from ismpanel.analysis.structure import analyse_structure

IDS = ("A", "B", "C")  # A -> B -> C: A deep, B middle, C surface


def _model():
    irm = np.eye(3, dtype=bool)
    irm[0, 1] = irm[1, 2] = True
    return analyse_structure(IDS, irm)


def _scores(roles=None, necessity=None):
    evidence = QcaEvidence(IDS, roles or {}, necessity or {})
    found = recommend.profiles(_model(), {}, dict.fromkeys(IDS, "policy"), evidence)
    return {p.id: p.score for p in found}


def test_scores_follow_tier_and_driver_weights():
    # A: deep (3) + independent driver (1); B: middle (2) + linkage driver (1), its driving
    # power and dependence (2 each) above n/2 = 1.5; C: surface (1), dependent (0)
    model = _model()
    assert model.quadrants == ["independent", "linkage", "dependent"]
    assert _scores() == {"A": 4, "B": 3, "C": 1}


def test_only_a_present_condition_raises_priority():
    core_present = {"C": (QcaRole("C1", "core_present"),)}
    peripheral = {"C": (QcaRole("C1", "peripheral_present"),)}
    core_absent = {"C": (QcaRole("C1", "core_absent"),)}
    assert _scores(core_present)["C"] == 1 + recommend.CORE_BONUS
    assert _scores(peripheral)["C"] == 1 + recommend.PERIPHERAL_BONUS
    assert _scores(core_absent)["C"] == 1  # an absence is no lever to act on


def test_a_necessary_condition_adds_its_bonus_and_ranks_first_on_ties():
    facts = {"B": (NecessityFact("B", 0.95, 0.6, 0.7, True),)}
    assert _scores(necessity=facts)["B"] == 3 + recommend.NECESSARY_BONUS
    found = recommend.profiles(
        _model(), {}, dict.fromkeys(IDS, "policy"), QcaEvidence(IDS, {}, facts)
    )
    ranks = {p.id: p.rank for p in found}
    assert ranks == {"A": 1, "B": 2, "C": 3}  # A 4 (driving 3) before B 4 (driving 2)


def test_the_rule_in_words_uses_the_weights():
    text = recommend.describe_rule()
    assert f"high priority from {recommend.HIGH}" in text
    assert "deep 3, middle 2, surface 1" in text
