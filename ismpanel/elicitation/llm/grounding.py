"""Check a text against the computed results: every factor id, figure, level, tier, MICMAC
cluster, priority, fsQCA role, configuration and "drives" relation it states must be one of
the facts of the factors it is about. Pure: works on any text and any factor profiles.

The rules, sentence by sentence (claims are tied to factors by :meth:`Scan.about`):

* every id-shaped word is a study factor or a configuration of the results;
* every figure is a fact of a factor the sentence names (level, number of levels, driving
  power, dependence, priority score and rank, how many factors it drives, is driven by or
  loops with, how many configurations it is in, its necessity figures), a figure of the study,
  or how many factors the sentence names; a decimal or percentage must round from the fact at
  the decimals written and to at least two decimals of the fraction (0.9 stands for 0.90,
  86 % for 0.86);
* a labelled figure ("level 5", "driving power 15", "rank 2", "consistency 0.86") must be
  that fact of each factor it is about, "level 5 of 6" also the number of levels;
* a cluster word (autonomous, dependent, linkage, independent, driver), a tier word (deep,
  middle, surface), a priority (high, medium, low or top priority), core or peripheral (of
  the configurations named with it, present or absent), necessary (or its absence), a
  feedback loop, and a place in the hierarchy (top, bottom, deepest) must hold for each
  factor it is about (or not hold, when negated);
* a superlative ("the highest driving power", "the weakest dependence") must hold over all
  the study's factors;
* a configuration must be one the factors it is about play a role in;
* "A drives B" needs a path from A to B in the hierarchy ("directly": a link of the digraph),
  "A is driven by B" or "A depends on B" the reverse.

It errs on the side of rejecting: a claim tied to no factor is a mismatch, so is a figure
it cannot place. A false alarm costs the reader the prose; a miss would print a wrong fact.
"""

from __future__ import annotations

from collections.abc import Iterable

from ismpanel.analysis.recommend import FactorProfile
from ismpanel.elicitation.llm.grounding_rules import RULES, Evidence
from ismpanel.elicitation.llm.grounding_text import scan, sentences


def build_evidence(
    profiles: Iterable[FactorProfile], study_figures: Iterable[float] = ()
) -> Evidence:
    """The evidence from every factor's profile (all of the study's factors, not only those
    a text is about) and figures of the study as a whole (number of factors, levels...)."""
    factors = {p.id: p for p in profiles}
    counts: dict[str, int] = {}
    for p in factors.values():
        counts[p.name.lower()] = counts.get(p.name.lower(), 0) + 1
    names = {
        p.name.lower(): p.id
        for p in factors.values()
        if len(p.name) >= 3 and counts[p.name.lower()] == 1 and p.name not in factors
    }
    configs = frozenset(r.configuration for p in factors.values() for r in p.roles)
    reach = {fid: _reach(factors, fid) for fid in factors}
    return Evidence(factors, names, configs, reach, frozenset(float(x) for x in study_figures))


def check_text(text: str, evidence: Evidence) -> list[str]:
    """Every mismatch between ``text`` and the evidence, one line each ("sentence 3 says PL1
    is at level 4; it is at level 5"); an empty list means the text is grounded."""
    found: dict[str, None] = {}
    for k, sentence in enumerate(sentences(text), start=1):
        s = scan(sentence, evidence.factors, evidence.names, evidence.configurations)
        for rule in RULES:
            found.update(dict.fromkeys(f"sentence {k} {problem}" for problem in rule(s, evidence)))
    return list(found)


def named_factors(text: str, evidence: Evidence) -> list[str]:
    """The factors a text names, by id or by full name, in order of first mention."""
    found: dict[str, None] = {}
    for sentence in sentences(text):
        s = scan(sentence, evidence.factors, evidence.names, evidence.configurations)
        found.update(dict.fromkeys(s.named))
    return list(found)


def _reach(factors: dict[str, FactorProfile], start: str) -> frozenset[str]:
    """The factors ``start`` reaches through the digraph's links and its feedback loop."""
    seen, todo = set(), [start]
    while todo:
        p = factors[todo.pop()]
        for nxt in (*p.drives, *p.in_cycle_with):
            if nxt in factors and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen - {start})
