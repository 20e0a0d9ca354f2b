"""``brief --narrative``: each dimension's recommendations rewritten as prose by an LLM from
the computed factor profiles, used only when every claim in it checks against the results.

One call per section (concurrently, up to the client's limit), and in the slot style one more
per factor a section's reply left without usable advice. In the free style the facts go
as JSON with the template text as the draft to rewrite; in the slot style (:mod:`.slots`) the
model refers to each fact by a tag the program fills from the results, which small local
models manage where restating the facts fails; ``auto`` asks in the free style and, for the
sections whose prose was not kept, once more in the slot style. The reply is a JSON object of
paragraphs (see :mod:`ismpanel.llm.structured`). The prose is kept when it is plain
paragraphs, names every factor of the section, and :func:`~.grounding.check_text` finds no
mismatch against all the study's profiles; otherwise the section keeps its template text and
the reasons are listed. The kept prose starts with the template's own heading and ends with a
line saying that an LLM wrote it, which of its claims were checked (or put in by the program)
and that the rest of its wording was not. Pure apart from the model calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from ismpanel.analysis.recommend import FactorProfile
from ismpanel.elicitation.study import Dimension, Study
from ismpanel.llm.client import LlmClient
from ismpanel.llm.config import LlmConfig
from ismpanel.llm.structured import Exchange, ask_json_each
from ismpanel.report import markdown
from ismpanel.report.narrative.grounding import (
    Evidence,
    build_evidence,
    check_text,
    named_factors,
)
from ismpanel.report.narrative.grounding_text import NOT_PROSE
from ismpanel.report.narrative.slots import (
    fill,
    lead,
    slot_messages,
    slot_schema,
    slot_validator,
    slot_values,
    uses_tag,
)

TEMPERATURE = 0.3
MAX_TOKENS = 1500
MAX_PARAGRAPHS = 6
STYLES = ("auto", "free", "slots")
NO_PROSE = "the model wrote no usable prose for any section; the brief keeps the template text"
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
    came, checked or not, so that a mismatch's sentence can be found (never for the brief);
    ``earlier``, the lines of an earlier style's attempt when this one failed too."""

    dimension: str
    prose: str | None
    mismatches: tuple[str, ...] = ()
    failure: str | None = None
    draft: str | None = None
    style: str = "free"
    earlier: tuple[str, ...] = ()

    @property
    def lines(self) -> tuple[str, ...]:
        """Why the section keeps its template text: each attempt's failure and mismatches."""
        return self.earlier + ((self.failure,) if self.failure else ()) + self.mismatches


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
            lines += list(s.lines)
        if lines and not any(s.prose for s in self.sections):
            lines.append(NO_PROSE)
        return lines


def narrate(
    llm: LlmClient | LlmConfig,
    study: Study,
    sections: list[Section],
    profiles: list[FactorProfile],
    style: str = "auto",
) -> Narrative:
    """Ask for each section's prose in ``style`` (one of :data:`STYLES`) and keep what checks
    against ``profiles`` (all of the study's factors). A client given is left open; one made
    from a configuration is closed. Raises ``InputError`` only when openai is missing, or the
    server refuses the key or does not know the model; timeouts and bad replies keep the
    template text."""
    if style not in STYLES:
        raise ValueError(f"unknown narrative style {style!r}")
    client = llm if isinstance(llm, LlmClient) else LlmClient(llm)
    try:
        styles = (
            ("slots",) if style == "slots" else ("free", "slots") if style == "auto" else ("free",)
        )
        results = _narrate(client, study, sections, profiles, styles[0])
        for later in styles[1:]:
            again = [
                s for s, r in zip(sections, results, strict=True) if s.profiles and r.prose is None
            ]
            if not again:
                break
            redone = {r.dimension: r for r in _narrate(client, study, again, profiles, later)}
            results = [_after(r, redone.get(r.dimension)) for r in results]
    finally:
        if client is not llm:
            client.close()
    return Narrative(tuple(results), client.usage.summary(client.config))


def _after(first: SectionNarrative, then: SectionNarrative | None) -> SectionNarrative:
    """A section's outcome once a later style was tried: the later one, with the first
    attempt's lines kept when the later one failed too, so that no cause goes unreported."""
    if then is None:
        return first
    return then if then.prose is not None else replace(then, earlier=first.lines)


def _narrate(
    client: LlmClient,
    study: Study,
    sections: list[Section],
    profiles: list[FactorProfile],
    style: str,
) -> list[SectionNarrative]:
    names = {p.id: p.name for p in profiles}
    asked = [s for s in sections if s.profiles]
    if style == "slots":
        exchanges = _slot_exchanges(client, study, asked)
    else:
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
        results.append(
            _judge(section, exchange, evidence, names, client.config.model, style, len(profiles))
        )
    return results


def _slot_exchanges(client: LlmClient, study: Study, sections: list[Section]) -> list[Exchange]:
    """Each section's texts in the slot style: asked for the whole section, then once more
    for each factor its reply left without a usable text, that factor alone (a small model
    that writes some of a section's texts often writes the others when asked one at a time).
    A section's exchange holds its texts only when every factor has one; otherwise no value,
    and a problem naming the factors still without one and why."""

    def ask(items: list, dimension_and_profiles) -> list[Exchange]:
        def contract(item):
            profiles = dimension_and_profiles(item)[1]
            return slot_schema([p.id for p in profiles]), slot_validator(profiles)

        return ask_json_each(
            client,
            items,
            lambda item: slot_messages(study, *dimension_and_profiles(item)),
            {},
            validate_paragraphs,
            temperature=TEMPERATURE,
            max_tokens=MAX_TOKENS,
            contract_for=contract,
        )

    whole = ask(sections, lambda s: (s.dimension, s.profiles))
    # a section whose call failed (the server unreachable, silent or refusing) is not asked
    # again factor by factor: each call would fail the same way, with its own retries
    alone = [
        (k, s, p)
        for k, (s, e) in enumerate(zip(sections, whole, strict=True))
        if not e.failed
        for p in s.profiles
        if p.id not in (e.value or {})
    ]
    asked = ask(alone, lambda a: (a[1].dimension, (a[2],)))
    singles = {(k, p.id): e for (k, _, p), e in zip(alone, asked, strict=True)}
    found = []
    for k, (s, e) in enumerate(zip(sections, whole, strict=True)):
        if e.failed:
            found.append(e)
            continue
        texts = dict(e.value or {})
        whys: dict[str, list[str]] = {}  # why a factor has no text -> those factors
        for p in s.profiles:
            single = singles.get((k, p.id))
            if single is not None and single.value:
                texts[p.id] = single.value[p.id]
            elif single is not None:
                why = (single.problem or "empty").removesuffix(f" for {p.id}")
                whys.setdefault(why, []).append(p.id)
        if not whys:
            found.append(replace(e, value=texts, problem=None))
            continue
        ids = [p.id for p in s.profiles if p.id not in texts]
        said = [why if len(whys) == 1 else f"{', '.join(g)}: {why}" for why, g in whys.items()]
        problem = (
            f"no usable text for {', '.join(ids)}, asked with the section and then alone: "
            + "; ".join(said)
        )
        found.append(replace(e, value=None, problem=problem))
    return found


def _judge(
    section: Section,
    exchange: Exchange | None,
    evidence: Evidence,
    names: dict[str, str],
    model: str,
    style: str,
    factors: int,
) -> SectionNarrative:
    """Keep the reply's prose (its tags filled in the slot style) when it is usable, complete
    and grounded."""
    dim = section.dimension.id
    tag = " (slot style)" if style == "slots" else ""
    if exchange is None:
        return SectionNarrative(dim, None, style=style)
    if exchange.value is None:
        what = "no reply" if exchange.failed else "no usable reply"
        reason = exchange.problem or "empty"
        failure = f"{dim}: {what}{tag} ({reason}); template kept"
        return SectionNarrative(dim, None, failure=failure, style=style)
    if style == "slots":
        prose, unknown = _filled(exchange.value, section, evidence, factors)
        if unknown:
            failure = (
                f"{dim}: no usable reply{tag} (tags it uses that the program cannot fill as "
                "written: "
                f"{', '.join(unknown[:5])}); template kept"
            )
            return SectionNarrative(dim, None, failure=failure, draft=prose, style=style)
    else:
        prose = "\n\n".join(exchange.value)
    mismatches = [f"{dim}: {line}{tag}" for line in check_text(prose, evidence)]
    named = set(named_factors(prose, evidence))
    mismatches += [
        f"{dim}: leaves out {p.id} ({names[p.id]}){tag}"
        for p in section.profiles
        if p.id not in named
    ]
    if mismatches:
        return SectionNarrative(dim, None, tuple(mismatches), draft=prose, style=style)
    lines = section.text.strip().splitlines()
    heading = lines[0] if lines and lines[0].startswith("#") else f"### {section.dimension.name}"
    if style == "slots":
        note = (
            f"*Written by the LLM {model} around clauses the program wrote from the results "
            "(the factors' levels, tiers, MICMAC clusters, figures, priorities and ranks, "
            "fsQCA roles, necessity, direct links and feedback loops). The whole text was "
            "checked against the results like any prose; the rest of its wording (the measures "
            "and their reasons) was not.*"
        )
    else:
        note = (
            f"*Written by the LLM {model} from the factor profiles. Its factor ids, figures, "
            "levels, tiers, MICMAC clusters, priorities and ranks, fsQCA roles, necessity and "
            "the links it states between factors were checked against the results; the rest "
            "of its wording (the measures and their reasons) was not.*"
        )
    # factor names come from the study file and the words from the model: neither may fetch
    # or run anything where the brief is shown (images, raw HTML, code)
    shown = f"{heading}\n\n{markdown.text(prose)}\n\n{note}"
    return SectionNarrative(dim, shown, draft=prose, style=style)


def _filled(
    texts: dict[str, str], section: Section, evidence: Evidence, factors: int
) -> tuple[str, list[str]]:
    """The slot-style reply as paragraphs, one per factor in the section's order, each with
    its tags filled and opened by the program's sentence of the factor's priority unless the
    text has that tag; and the tags that name nothing known."""
    values = {k: v for p in evidence.factors.values() for k, v in slot_values(p, factors).items()}
    paragraphs, unknown = [], []
    for p in section.profiles:
        has_priority = uses_tag(texts[p.id], f"[{p.id} priority]", values)
        text, strangers = fill(texts[p.id], values)
        unknown += [t for t in strangers if t not in unknown]
        paragraphs.append(text if has_priority else f"{lead(p, factors)} {text}")
    return "\n\n".join(paragraphs), unknown


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
