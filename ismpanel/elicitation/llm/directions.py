"""The direction a panelist's rationale states between the two factors of its pair, to catch a
letter that says the opposite ("V" with "T1 drives P1"): such a sample is unusable.

A sentence states a direction when it names one factor (by id or name), then an influence
verb, then the other, with no negation between them; a passive form ("is shaped by", "depends
on", "results from") turns the direction round. The words are those of
:mod:`ismpanel.llm.vocabulary`, past tenses included ("P1 shaped T1"). Only the plain opposite
is a contradiction: V against a rationale that states only second → first, A against only
first → second. O and X are left alone (an O may well mention an indirect path).
"""

from __future__ import annotations

import itertools
import re

from ismpanel.elicitation.study import Factor
from ismpanel.llm.vocabulary import BACKWARD, FORWARD, PAST_FORWARD

NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|without|cannot)\b|n't", re.IGNORECASE)
SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
OPPOSITE = {"V": "second → first", "A": "first → second"}


def contradiction(letter: str, rationale: str, first: Factor, second: Factor) -> str | None:
    """Why ``rationale`` contradicts ``letter`` for the pair (first, second), or None."""
    if letter not in OPPOSITE:
        return None
    stated = stated_directions(rationale, first, second)
    if stated == {OPPOSITE[letter]}:
        a, b = (second, first) if letter == "V" else (first, second)
        return f"the rationale says {a.id} influences {b.id}, the opposite of the answer {letter}"
    return None


def stated_directions(text: str, first: Factor, second: Factor) -> set[str]:
    """Directions the text states: "first → second", "second → first", or both."""
    found = set()
    for sentence in SENTENCES.split(text):
        mentions = sorted(
            [(s, e, 1) for s, e in _mentions(sentence, first)]
            + [(s, e, 2) for s, e in _mentions(sentence, second)]
        )
        for (_, end, one), (start, _, two) in itertools.pairwise(mentions):
            if one == two or end > start:
                continue
            gap = sentence[end:start]
            backward = BACKWARD.search(gap)
            linked = backward or FORWARD.search(gap) or PAST_FORWARD.search(gap)
            if NEGATION.search(gap) or not linked:
                continue
            forward = (one == 1) != bool(backward)
            found.add("first → second" if forward else "second → first")
    return found


def _mentions(sentence: str, factor: Factor) -> list[tuple[int, int]]:
    spans = []
    for name in {factor.id, factor.name}:
        if name:
            pattern = rf"(?<!\w){re.escape(name)}(?!\w)"
            spans += [m.span() for m in re.finditer(pattern, sentence, re.IGNORECASE)]
    return spans
