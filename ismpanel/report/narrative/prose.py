"""``brief --narrative``: each dimension's recommendations rewritten as prose by an LLM from
the computed factor profiles, used only when every claim in it checks against the results.

One call per section (concurrently, up to the client's limit), with the facts as JSON and the
template text as the draft to rewrite; the reply is a JSON object of paragraphs (see
:mod:`ismpanel.llm.structured`). The prose is kept when it is plain paragraphs, names every
factor of the section, and :func:`~.grounding.check_text` finds no mismatch against all the
study's profiles; otherwise the section keeps its template text and the reasons are listed.
The kept prose starts with the template's own heading and ends with a line saying that an LLM
wrote it from the profiles, which of its claims were checked and that the rest of its wording
was not. Pure apart from the model calls.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ismpanel.analysis.recommend import FactorProfile
from ismpanel.elicitation.study import Dimension, Study
from ismpanel.llm.client import LlmClient
from ismpanel.llm.config import LlmConfig
from ismpanel.llm.structured import Exchange, ask_json_each
from ismpanel.report.narrative.grounding import (
    Evidence,
    build_evidence,
    check_text,
    named_factors,
)

TEMPERATURE = 0.3
MAX_TOKENS = 1500
MAX_PARAGRAPHS = 6
NO_PROSE = "the model wrote no usable prose for any section; the brief keeps the template text"
NOT_PROSE = re.compile(r"^\s*(?:#|[-*+>|]\s|\d+[.)]\s)|```|<[A-Za-z/!]|\]\(", re.MULTILINE)
NARRATIVE_SCHEMA = {
    "title": "narrative",
    "type": "object",
    "properties": {"paragraphs": {"type": "array", "items": {"type": "string"}}},
    "required": ["paragraphs"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Section:
    """One dimension's recommendations: the dimension, its template-rendered markdown and
    the profiles of its factors."""

    dimension: Dimension
    text: str
    profiles: tuple[FactorProfile, ...]


@dataclass(frozen=True)
class SectionNarrative:
    """The outcome for one section: the markdown to print instead of the template text (its
    heading included), or None to keep the template; the mismatches found and why no prose
    came back (each line starts with the dimension id); and the model's paragraphs as they
    came, checked or not, so that a mismatch's sentence can be found (never for the brief)."""

    dimension: str
    prose: str | None
    mismatches: tuple[str, ...] = ()
    failure: str | None = None
    draft: str | None = None


@dataclass(frozen=True)
class Narrative:
    """The sections in the order given and the LLM usage summary line."""

    sections: tuple[SectionNarrative, ...]
    usage: str

    def text(self, section: Section) -> str:
        """The markdown to print for a section: its checked prose, else its template text."""
        found = next((s for s in self.sections if s.dimension == section.dimension.id), None)
        return found.prose if found is not None and found.prose is not None else section.text

    @property
    def notes(self) -> list[str]:
        """Why sections keep their template text, one line each (a failure, or each
        mismatch), in section order, closed by :data:`NO_PROSE` when no section got prose;
        empty when every section with factors got its prose."""
        lines = []
        for s in self.sections:
            lines += [s.failure] if s.failure else []
            lines += list(s.mismatches)
        if lines and not any(s.prose for s in self.sections):
            lines.append(NO_PROSE)
        return lines


def narrate(
    llm: LlmClient | LlmConfig,
    study: Study,
    sections: list[Section],
    profiles: list[FactorProfile],
) -> Narrative:
    """Ask for each section's prose and keep what checks against ``profiles`` (all of the
    study's factors). A client given is left open; one made from a configuration is closed.
    Raises ``InputError`` only when openai is missing, or the server refuses the key or does
    not know the model; timeouts and bad replies keep the template text."""
    client = llm if isinstance(llm, LlmClient) else LlmClient(llm)
    try:
        results = _narrate(client, study, sections, profiles)
    finally:
        if client is not llm:
            client.close()
    return Narrative(tuple(results), client.usage.summary(client.config))


def _narrate(
    client: LlmClient, study: Study, sections: list[Section], profiles: list[FactorProfile]
) -> list[SectionNarrative]:
    names = {p.id: p.name for p in profiles}
    asked = [s for s in sections if s.profiles]
    exchanges = ask_json_each(
        client,
        asked,
        lambda section: narrative_messages(study, section, profiles),
        NARRATIVE_SCHEMA,
        validate_paragraphs,
        temperature=TEMPERATURE,
        max_tokens=MAX_TOKENS,
    )
    replies = {s.dimension.id: e for s, e in zip(asked, exchanges, strict=True)}
    results = []
    for section in sections:
        exchange = replies.get(section.dimension.id)
        evidence = build_evidence(profiles, len(study.dimensions))
        results.append(_judge(section, exchange, evidence, names, client.config.model))
    return results


def _judge(
    section: Section,
    exchange: Exchange | None,
    evidence: Evidence,
    names: dict[str, str],
    model: str,
) -> SectionNarrative:
    """Keep the reply's prose when it is usable, complete and grounded."""
    dim = section.dimension.id
    if exchange is None:
        return SectionNarrative(dim, None)
    if exchange.value is None:
        what = "no reply" if exchange.failed else "no usable reply"
        reason = exchange.problem or "empty"
        return SectionNarrative(dim, None, failure=f"{dim}: {what} ({reason}); template kept")
    prose = "\n\n".join(exchange.value)
    mismatches = [f"{dim}: {line}" for line in check_text(prose, evidence)]
    named = set(named_factors(prose, evidence))
    mismatches += [
        f"{dim}: leaves out {p.id} ({names[p.id]})" for p in section.profiles if p.id not in named
    ]
    if mismatches:
        return SectionNarrative(dim, None, tuple(mismatches), draft=prose)
    lines = section.text.strip().splitlines()
    heading = lines[0] if lines and lines[0].startswith("#") else f"### {section.dimension.name}"
    note = (
        f"*Written by the LLM {model} from the factor profiles. Its factor ids, figures, "
        "levels, tiers, MICMAC clusters, priorities and ranks, fsQCA roles, necessity and the "
        "links it states between factors were checked against the results; the rest of its "
        "wording (the measures and their reasons) was not.*"
    )
    return SectionNarrative(dim, f"{heading}\n\n{prose}\n\n{note}", draft=prose)


def validate_paragraphs(obj: object) -> tuple[list[str] | None, str | None]:
    """The reply's paragraphs, whitespace tidied, or what is wrong with them."""
    items = obj.get("paragraphs") if isinstance(obj, dict) else None
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        return None, 'expected an object with a "paragraphs" list of strings'
    paragraphs = [" ".join(x.split()) for x in items if x.strip()]
    if not paragraphs or len(paragraphs) > MAX_PARAGRAPHS:
        return None, f"expected 1 to {MAX_PARAGRAPHS} non-empty paragraphs"
    for x in items:
        if NOT_PROSE.search(x):
            return None, "paragraphs must be plain prose: no headings, lists, tables, code or links"
    return paragraphs, None


def narrative_messages(study: Study, section: Section, profiles: list[FactorProfile]) -> list[dict]:
    """The prompt for one section: the rules, the facts as JSON and the template text."""
    system = (
        "You write one section of the recommendations of a policy brief based on an expert "
        "panel study (Interpretive Structural Modelling, MICMAC, fsQCA). Rewrite the "
        "template text of one dimension as clear prose for policy makers, using only the "
        "facts given as JSON. Rules:\n"
        "- Name factors only by the ids in the facts (you may add the name, as in "
        '"Leadership commitment (PL4)"); never another factor, id or configuration.\n'
        "- Every figure you write must be one of the facts of a factor named in the same "
        "sentence (or a study figure); write figures in digits; no other numbers, dates "
        "or percentages.\n"
        "- A sentence that states a level, tier, MICMAC cluster, priority, fsQCA role or "
        "figure must name the factor it is about and no factor it does not hold for; put one "
        "factor's facts in brackets right after its id, e.g. \"PL4 (level 6 of 6, "
        'independent) drives TE4".\n'
        "- Use the words autonomous, dependent, linkage, independent, driver, deep, middle, "
        "surface, core, peripheral, necessary and loop only for those facts.\n"
        "- Say that a factor drives another only along drives_directly (or a chain of them); "
        "link two factors only with drives, is driven by or influences, never with other verbs, "
        "comparisons or orderings.\n"
        "- Write every figure with its label (level 5 of 6, driving power 13, dependence 1, "
        "rank 2, consistency 0.71); never a bare number.\n"
        "- Do not call a factor essential, indispensable, a root, foundational or the most "
        "important, and do not say all, every, each or only about configurations; state the "
        "facts instead (necessary, level, rank, the configurations by name).\n"
        "- Cover every factor of the dimension, highest priority first, and keep the "
        "measures the template recommends.\n"
        "- Plain paragraphs only: no headings, lists, tables, links or markup.\n"
        'Reply with one JSON object only: {"paragraphs": ["...", "..."]}.'
    )
    user = (
        "Facts:\n"
        + json.dumps(section_facts(study, section, profiles), indent=1, ensure_ascii=False)
        + "\n\nTemplate text to rewrite:\n"
        + section.text.strip()
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def section_facts(study: Study, section: Section, profiles: list[FactorProfile]) -> dict:
    """The facts of one section as JSON-ready data: the study's figures, the dimension, its
    factors' profiles and the names of the other factors they are linked to."""
    ids = {p.id for p in section.profiles}
    linked = {
        f for p in section.profiles for f in (*p.drives, *p.driven_by, *p.in_cycle_with)
    } - ids
    return {
        "study": {
            "title": study.title,
            "outcome": study.outcome,
            "relation": study.relation,
            "factors": len(profiles),
            "levels": max((p.n_levels for p in profiles), default=0),
            "dimensions": len(study.dimensions),
        },
        "dimension": {"id": section.dimension.id, "name": section.dimension.name},
        "factors": [_profile_facts(p) for p in section.profiles],
        "other_factors": {p.id: p.name for p in profiles if p.id in linked},
    }


def _profile_facts(p: FactorProfile) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "level": p.level,
        "levels_in_hierarchy": p.n_levels,
        "tier": p.tier,
        "micmac_cluster": p.cluster,
        "micmac_driver": p.driver,
        "driving_power": p.driving,
        "dependence": p.dependence,
        "drives_directly": list(p.drives),
        "driven_directly_by": list(p.driven_by),
        "feedback_loop_with": list(p.in_cycle_with),
        "priority": p.priority,
        "priority_score": p.score,
        "priority_rank": p.rank,
        "fsqca_condition": p.is_condition,
        "configurations": [{"configuration": r.configuration, "role": r.role} for r in p.roles],
        "necessity": [
            {
                "condition": n.condition,
                "consistency": round(n.incl, 3),
                "coverage": round(n.cov, 3),
                "relevance": round(n.ron, 3),
                "necessary": n.necessary,
            }
            for n in p.necessity
        ],
    }
