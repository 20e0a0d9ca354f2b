"""Check a text against the computed results: every factor id, figure, level, tier, MICMAC
cluster, priority and rank, fsQCA role, configuration and link between factors it states
must be one of the facts of the factors it is about. Pure: works on any text and any factor
profiles.

The rules, sentence by sentence (claims are tied to factors by :meth:`Scan.about`):

* every id-shaped word is a study factor or a configuration of the results;
* every figure is tied to its fact by a label: before it ("level 5", "driving power 13",
  "rank 2", "ranks first", "consistency 0.86", "consistency of PL1 is 0.86"), "of N" after
  a level ("level 5 of 6"), an ordinal before "level" or a rank word ("the fourth level",
  "the first priority"), or the noun it counts ("6 factors", "4 levels", "2 dimensions",
  "5 configurations"); a figure tied to nothing is a mismatch even when it equals some fact.
  A labelled figure must be that fact of each factor it is about; a decimal or percentage
  must round from the fact at the decimals written and to at least two decimals of the
  fraction (0.9 stands for 0.90, 86 % for 0.86). Counts: "drives N factors" is the number
  it reaches (its digraph links with "directly"; its driving power with "its own
  included"), "driven by N factors" the reverse, "in N configurations" those where it
  plays the role its clause names, "N independent factors" the study's factors with that
  quality (cluster, tier, priority, driver, dimension), "N factors" the study's, the
  sentence's or a dimension's count; a rank in a clause about a dimension is the rank
  within the factor's dimension;
* a cluster word (autonomous, dependent, linkage, independent), driver, a tier word (deep,
  middle, surface), a priority (high, medium, low or top priority), core or peripheral (of
  the configurations named with it, present or absent), necessary and its vague kin
  (indispensable, essential, required, a precondition...), a feedback loop ("each other",
  "mutually", "both ways"), and a place in the hierarchy (top; bottom, deepest, root,
  foundation... for the deepest level) must hold for each factor it is about (or not hold,
  when negated);
* rank words ("the top priority", "number one", "most important"; "the lowest priority")
  state rank 1 or the last rank; superlatives ("the highest driving power", "the most
  influential", "the weakest dependence") must hold over all the study's factors;
* quantifiers are claims about configurations: "all", "every", "each" or "both"
  configurations means every configuration of the results, "only in C1" no other
  configuration, "the only core condition of C1" no other factor; "only" about anything
  else, and "sufficient" about a factor, cannot be checked and are mismatches;
* a configuration must be one the factors it is about play a role in;
* a word or arrow linking two factors must follow the hierarchy: "A drives B" (enables,
  determines, underpins, leads to, results in, is upstream of, →...) needs a path from A to
  B ("directly": a link of the digraph), "A is driven by B" (depends on, requires, rests
  on, is enabled by, ←...) the reverse, "linked" or "interacts" a path either way, "↔" a
  path both ways, "unrelated" none; "A drives B through C" puts C on the way. Two factors
  in one clause with anything else between them than "and", "or", "as well as", "such as"
  and the like (a comparison, an order, a verb it does not know) are a mismatch.

It errs on the side of rejecting: a claim tied to no factor is a mismatch, so is a figure
it cannot place and a link it cannot read. A false alarm costs the reader the prose; a miss
would print a wrong fact.
"""

from __future__ import annotations

from collections.abc import Iterable

from ismpanel.analysis.recommend import FactorProfile
from ismpanel.report.narrative.grounding_rules import RULES
from ismpanel.report.narrative.grounding_text import scan, sentences
from ismpanel.report.narrative.grounding_words import Evidence


def build_evidence(profiles: Iterable[FactorProfile], dimensions: int | None = None) -> Evidence:
    """The evidence from every factor's profile (all of the study's factors, not only those
    a text is about) and the study's number of dimensions (unknown when None); the study's
    other counts (factors, levels, configurations) come from the profiles."""
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
    return Evidence(factors, names, configs, reach, dimensions)


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
