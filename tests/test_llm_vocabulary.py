"""One vocabulary for the three readers of a model's text (ismpanel.llm.vocabulary): phrases
that the panelist's direction check, the assistant's verdict filter and the brief's grounding
check used to read differently are now read alike. The hierarchy is that of
tests/test_llm_grounding.py (P1 → P2 → T1 → {U1 ⇄ U2})."""

from __future__ import annotations

import pytest

from ismpanel.elicitation.llm.directions import stated_directions
from ismpanel.elicitation.llm.verdicts import find_verdict
from ismpanel.elicitation.study import Factor
from ismpanel.report.narrative.grounding import check_text
from ismpanel.report.narrative.grounding_text import scan
from tests.test_llm_grounding import EVIDENCE

P1 = Factor("P1", "Privacy law", "policy", "")
P2 = Factor("P2", "Open data rules", "policy", "")


@pytest.mark.parametrize(
    "words",
    [
        "impacts",  # the grounding check could not verify it: a mismatch whatever the facts
        "feeds into",  # the direction check saw no direction in it
        "sets the stage for",  # the direction check saw no direction in it
        "requires",  # read backward by the grounding check, not at all by the direction check
    ],
)
def test_a_link_word_reads_in_the_same_direction_to_the_direction_and_grounding_checks(words):
    backward = words == "requires"
    true = f"P2 {words} P1." if backward else f"P1 {words} P2."
    false = f"P1 {words} P2." if backward else f"P2 {words} P1."
    assert stated_directions(true, P1, P2) == {"first → second"}
    assert check_text(true, EVIDENCE) == []  # P1 drives P2
    assert stated_directions(false, P1, P2) == {"second → first"}
    (mismatch,) = check_text(false, EVIDENCE)
    assert mismatch.startswith("sentence 1 says ")
    assert "cannot verify" not in mismatch


def test_but_ends_a_clause_for_the_verdict_filter_as_for_the_grounding_check():
    """Before, "whether" excused the rest of the sentence, so the assistant could show a plain
    claim after "but"; the grounding check already took "but" as the end of a clause."""
    text = "Consider whether Privacy law shapes Open data rules but Open data rules drives P1."
    assert find_verdict(text, P1, P2, "influences") == (
        "states a direction ('Open data rules drives P1')"
    )
    hedged = "Consider whether Privacy law shapes Open data rules or the reverse."
    assert find_verdict(hedged, P1, P2, "influences") is None
    s = scan(text, EVIDENCE.factors, EVIDENCE.names, EVIDENCE.configurations)
    after_but = text.index(" Open data rules drives")
    assert s.clause(after_but + 1) == (after_but, len(text))


def test_a_measure_named_after_a_verb_is_no_link():
    """ "driving power" names a MICMAC measure: the direction check read it as "drives" (P1
    → P2 here), the grounding check as an unverifiable comparison; now both see no link."""
    text = "P1 has more driving power than P2."
    assert stated_directions(text, P1, P2) == set()
    assert check_text(text, EVIDENCE) == [
        "sentence 1 relates P1 to P2 by 'has more driving power than', which the checker "
        "cannot verify"
    ]
