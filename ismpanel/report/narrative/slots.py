"""Slot prose for ``brief --narrative``: the model writes a few sentences of advice per
factor, referring to its results by tags (``[PL4]``, ``[PL4 position]``, ``[PL4 links]``,
``[PL4 priority]``, ``[PL4 fsqca]``) in whose place the program puts clauses it writes from
the results, so that every figure, level, tier, cluster, rank, role and link they state is
right by construction. Small local models that cannot restate facts faithfully can still
write the advice: asked per factor, with the facts as tags, a 1.5B model writes texts that
are mostly advice, where asked for a whole section it restated (and got wrong) the facts.
Each factor's paragraph opens with the program's sentence of its name, priority and rank
unless the model put its priority tag in.

Each tag's clause names its factor by id and keeps its figures in brackets after the id, the
forms the grounding checker reads; the filled text still goes through the whole check, which
then only has the model's own words and their order left to find fault with (a figure or a
link it adds, a clause it joins to the wrong factor). A tag the study does not have is a
reply the model made up, reported as unusable rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import groupby
from typing import TypeVar

from ismpanel.analysis.recommend import FactorProfile
from ismpanel.elicitation.study import Dimension, Study
from ismpanel.report.narrative.grounding_text import NOT_PROSE

# words that would make a filled clause say something else than the clause: a negation, a
# condition, a report of someone's claim
HEDGE = re.compile(
    r"\b(?:not|no|never|nobody|false|untrue|wrong|claim\w*|if|unless|whether|contrary|"
    r"doubt\w*|neither|nor)\b|n't\b",
    re.IGNORECASE,
)
TAG = re.compile(r"\[\s*([A-Za-z][\w.-]*)(?:\s+([A-Za-z]+))?\s*\]")
SENTENCE_END = re.compile(r"[.!?](?=\s)")
T = TypeVar("T")


def slot_values(profile: FactorProfile, factors: int) -> dict[str, str]:
    """The clauses of one factor's tags, keyed by the tag as written (``"[PL4 links]"``);
    ``factors`` is the study's count, for the rank. The fsQCA tag is offered only for a
    condition of the fsQCA."""
    p = profile
    values = {
        f"[{p.id}]": f"{p.name} ({p.id})",
        f"[{p.id} position]": (
            f"{p.id} is at level {p.level} of {p.n_levels} ({p.tier} tier) and in the "
            f"{p.cluster} cluster of MICMAC (driving power {p.driving}, dependence "
            f"{p.dependence})"
        ),
        f"[{p.id} links]": _links(p),
        f"[{p.id} priority]": f"{p.id} is a {p.priority} priority (rank {p.rank} of {factors})",
    }
    if p.is_condition:
        values[f"[{p.id} fsqca]"] = _fsqca(p)
    return values


def _series(ids: Iterable[str]) -> str:
    items = list(ids)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _links(p: FactorProfile) -> str:
    parts = []
    if p.drives:
        parts.append(f"{p.id} drives {_series(p.drives)} directly")
    if p.driven_by:
        parts.append(f"{p.id} is driven directly by {_series(p.driven_by)}")
    if p.in_cycle_with:
        parts.append(f"{p.id} and {_series(p.in_cycle_with)} are in a feedback loop")
    return "; ".join(parts) or f"{p.id} is not linked directly to any other factor"


def _fsqca(p: FactorProfile) -> str:
    parts = []
    for present in (True, False):
        who = p.id if present else f"the absence of {p.id}"
        for kind in ("core", "peripheral"):
            configs = [
                r.configuration
                for r in p.roles
                if r.present == present and ("core" if r.core else "peripheral") == kind
            ]
            if configs:
                parts.append(f"{who} is a {kind} condition of {_series(configs)}")
    for n in p.necessity:
        if n.necessary:
            who = f"the absence of {p.id}" if n.absent else p.id
            parts.append(f"{who} is necessary for the outcome (consistency {n.incl:.2f})")
    return "; ".join(parts) or f"{p.id} is in none of the configurations of the fsQCA"


def fill(text: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """``text`` with each tag replaced by its clause (spacing inside the brackets and the case
    of the kind do not matter; the id's case only when no other id differs from it by case
    alone), and the tags it uses that name nothing known. Within a sentence, links clauses
    are put after the sentence's other clauses: the factors a links clause names would
    otherwise stand before, and be read as the subject of, the figures of the next clause."""
    lookup = _lookup(values)
    found = [(m, lookup(m.group(0))) for m in TAG.finditer(text)]
    placed: dict[int, str] = {}
    sentences = groupby(found, key=lambda f: len(SENTENCE_END.findall(text, 0, f[0].start())))
    for _, here in sentences:
        known = [(m, v) for m, v in here if v is not None]
        order = sorted(known, key=lambda f: _is_links(f[0]))  # stable: links last
        placed.update({m.start(): v for (m, _), (_, v) in zip(known, order, strict=True)})
    unknown: dict[str, None] = {}

    def put(m: re.Match) -> str:
        value = placed.get(m.start())
        if value is None:
            unknown[" ".join(m.group(0).split())] = None
            return m.group(0)
        starts = re.search(r"(?:^|[.!?]\s+)\Z", m.string[: m.start()]) is not None
        return "The" + value[3:] if starts and value.startswith("the ") else value

    filled = TAG.sub(put, text)
    for m in TAG.finditer(text):
        before = re.split(r"[.!?;:]\s", text[: m.start()])[-1]
        hedge = HEDGE.search(before)
        if hedge and m.group(0) not in unknown:
            unknown[f"{m.group(0)} under {hedge.group(0)!r}"] = None
    if re.search(r"[\[\]]", TAG.sub("", text)):
        unknown["a bracket outside a tag"] = None
    return filled, list(unknown)


def _is_links(m: re.Match) -> bool:
    return (m.group(2) or "").casefold() == "links"


def uses_tag(text: str, tag: str, values: dict[str, str]) -> bool:
    """Whether ``text`` has ``tag``, read as :func:`fill` reads it against ``values``."""
    lookup = _lookup(values)
    return any(lookup(m.group(0)) == values[tag] for m in TAG.finditer(text))


def _lookup(values: dict[str, str]):
    """The clause a tag as written stands for: its exact id first, else its id in any case
    when no other id folds to the same; None when neither."""
    exact = {_spaced(tag): value for tag, value in values.items()}
    folded = _unique_folds(exact)
    return lambda tag: exact.get(_spaced(tag)) or folded.get(_key(tag))


def _key(tag: str) -> str:
    """A tag's id and kind, both casefolded."""
    return _spaced(tag).casefold()


def _spaced(tag: str) -> str:
    """A tag's id as written and its kind casefolded, spacing aside."""
    m = TAG.fullmatch(tag.strip())
    return f"{m.group(1)} {(m.group(2) or '').casefold()}".strip() if m else tag


def slot_schema(ids: list[str]) -> dict:
    """The reply asked for: one text per factor id."""
    return {
        "title": "factor_texts",
        "type": "object",
        "properties": {fid: {"type": "string"} for fid in ids},
        "required": list(ids),
        "additionalProperties": False,
    }


MISSING = "expected a text of advice (more than the factor's name)"
MARKUP = "expected plain prose (no headings, lists, tables, code or links)"


def slot_validator(profiles: tuple[FactorProfile, ...]):
    """A validator of the reply (see :mod:`ismpanel.llm.structured`): the plain texts it
    holds, keyed by factor id (given by its id or its name, in any case unless two of the
    section's factors differ by case alone), whitespace tidied, in the section's order. A
    factor whose text is missing, no more than its name, or not plain prose is left out (the
    caller asks for it alone); a reply with no usable text at all is the problem."""

    def validate(obj: object) -> tuple[dict[str, str] | None, str | None]:
        if not isinstance(obj, dict):
            return None, "expected an object with one text per factor id"
        given = {" ".join(str(k).split()): v for k, v in obj.items()}
        folded = _unique_folds(given)
        for key in _shared_folds(profiles):
            folded.pop(key, None)
        texts, missing, markup = {}, [], []
        for p in profiles:
            value = next(
                (v for k in (p.id, p.name) for v in (given.get(k), folded.get(k.casefold())) if v),
                None,
            )
            if not _says_more_than_its_name(value, p):
                missing.append(p.id)
            elif NOT_PROSE.search(value):
                markup.append(p.id)
            else:
                texts[p.id] = " ".join(value.split())
        if texts:
            return texts, None
        problems = [f"{MISSING} for {', '.join(missing)}"] if missing else []
        problems += [f"{MARKUP} for {', '.join(markup)}"] if markup else []
        return None, "; ".join(problems)

    return validate


def _unique_folds(given: dict[str, T]) -> dict[str, T]:
    """``given`` keyed by casefolded key, without the keys two entries share once casefolded
    (ids "p1" and "P1" are two factors, never one)."""
    folds: dict[str, T] = {}
    clashes = set()
    for key, value in given.items():
        if key.casefold() in folds:
            clashes.add(key.casefold())
        folds[key.casefold()] = value
    return {k: v for k, v in folds.items() if k not in clashes}


def _shared_folds(profiles: tuple[FactorProfile, ...]) -> set[str]:
    """The casefolded ids and names that two factors share: keys only their exact case may
    assign."""
    seen: dict[str, str] = {}
    shared = set()
    for p in profiles:
        for key in {p.id.casefold(), p.name.casefold()}:
            if seen.setdefault(key, p.id) != p.id:
                shared.add(key)
    return shared


MIN_WORDS = 5  # of advice besides the factor's name and id


def _says_more_than_its_name(value: object, p: FactorProfile) -> bool:
    """Whether a text has at least ``MIN_WORDS`` words besides the factor's name and id (a
    small model may answer with the name alone)."""
    if not isinstance(value, str):
        return False
    rest = TAG.sub(" ", value)
    rest = re.sub(re.escape(p.name), " ", rest, flags=re.IGNORECASE)
    rest = re.sub(rf"(?<!\w){re.escape(p.id)}(?!\w)", " ", rest, flags=re.IGNORECASE)
    words = re.findall(r"[^\W\d_]+", rest)
    return len(words) >= MIN_WORDS


def slot_messages(
    study: Study, dimension: Dimension, profiles: tuple[FactorProfile, ...]
) -> list[dict]:
    """The prompt for one section in slot style: the rules, the study and dimension in words,
    and each factor's name, tags (what each stands for, not its values) and the measure the
    study gives for it. No result reaches the model, so none is there to garble."""
    system = (
        "You write advice for policy makers from an expert panel study. For each factor "
        "listed, write 2 or 3 sentences that recommend its measure (or one that fits the "
        "dimension) and say why it matters. The program knows the results and writes them "
        "in place of tags: you may use a factor's tags, copied exactly with their square "
        "brackets, where its results explain why; a tag stands for a whole clause. Never "
        "write numbers yourself, do not write about the other factors, and do not call a "
        "factor essential, necessary, indispensable, critical or the most important (its "
        "tags say how much it matters). Reply with one JSON object whose keys are the factor "
        'ids and whose values are the texts, e.g. {"ID": "..."}.'
    )
    measures = {f.id: f.action for f in study.factors}
    blocks = []
    for p in profiles:
        lines = [f"Factor {p.id}: {p.name}"]
        lines += [f"[{p.id}{' ' + kind if kind else ''}] = {what}" for kind, what in _meanings(p)]
        if measures.get(p.id):
            lines.append(f"Measure: {' '.join(measures[p.id].split())}")
        blocks.append("\n".join(lines))
    about = [f"Study: {study.title}. Outcome: {study.outcome}.", f"Dimension: {dimension.name}."]
    about += [dimension.description] if dimension.description else []
    if dimension.instruments:
        about.append(f"Instruments that fit this dimension: {dimension.instruments}")
    user = "\n".join(about) + "\n\n" + "\n\n".join(blocks)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _meanings(p: FactorProfile) -> list[tuple[str, str]]:
    """What each of a factor's tags stands for, in words without its results (a model shown
    the figures copies and garbles them)."""
    found = [
        ("", "its name and id"),
        ("position", "its level in the hierarchy, its tier and its MICMAC cluster"),
        ("links", "the factors it drives directly and those that drive it"),
        ("priority", "its priority and rank among the factors"),
    ]
    return found + ([("fsqca", "its roles in the fsQCA configurations")] if p.is_condition else [])


def lead(profile: FactorProfile, factors: int) -> str:
    """The sentence that opens a factor's paragraph unless its text has the priority tag: its
    name, id, priority and rank."""
    p = profile
    return f"{p.name} ({p.id}) is a {p.priority} priority (rank {p.rank} of {factors})."
