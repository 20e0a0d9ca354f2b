"""``factors draft``: a first list of factors for a topic, per dimension, for the facilitator
to edit, in the columns ``init --factors`` reads (id, dimension, name, definition).

One call per dimension (the other dimensions named, to keep them apart). Ids are made here,
not by the model: each dimension's shortest distinctive prefix and a number (P1, T1, D1...).
Entries without a name or a definition, and duplicates (same name or same definition once
case, punctuation, a leading article and plural endings are set aside, across dimensions too)
are removed, and every removal is reported; the first occurrence is kept. Near-duplicates,
whose names nest ("Encryption", "Data encryption"), are merged when their definitions share
at least half of their words, and otherwise flagged for the facilitator to decide.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from ismpanel.elicitation.study import ID_PATTERN
from ismpanel.errors import InputError
from ismpanel.llm.client import LlmClient
from ismpanel.llm.structured import ask_json_each

TEMPERATURE = 0.4
SIMILAR_DEFINITIONS = 0.5  # share of content words two definitions hold in common
MINOR_WORDS = frozenset({"a", "an", "the", "of", "and", "or", "for", "in", "on", "to", "with"})
MAX_TOKENS = 1500
FACTOR_LIST_SCHEMA = {
    "title": "factor_list",
    "type": "object",
    "properties": {
        "factors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "definition": {"type": "string"}},
                "required": ["name", "definition"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["factors"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class DraftFactor:
    """One drafted factor, as a row of a factors file."""

    id: str
    dimension: str
    name: str
    definition: str


@dataclass
class Draft:
    """The factors kept, what was removed and why, what the facilitator should check, and
    the dimensions that got no usable reply."""

    factors: list[DraftFactor] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def parse_dimensions(text: str) -> list[str]:
    """Dimension ids from ``policy,technology,...``: each a valid id, each once."""
    dims = [d.strip() for d in text.split(",") if d.strip()]
    if not dims:
        raise InputError("give at least one dimension, e.g. policy,technology", option="dimensions")
    for d in dims:
        if not ID_PATTERN.match(d):
            raise InputError(
                f"{d!r} must start with a letter and hold only letters, digits and _",
                option="dimensions",
            )
    repeated = sorted({d for d in dims if dims.count(d) > 1})
    if repeated:
        raise InputError(f"{', '.join(repeated)} given twice", option="dimensions")
    return dims


def draft_messages(topic: str, dimension: str, others: list[str], count: int) -> list[dict]:
    """The prompt for one dimension's factors."""
    rest = ", ".join(others) or "none"
    system = (
        "You help a facilitator prepare an expert panel (Interpretive Structural Modelling). "
        "Propose distinct, concrete factors for one dimension of the topic; each has a short "
        "name (a noun phrase of at most six words) and a one-sentence definition that an "
        "expert can judge. Do not repeat factors that belong to the other dimensions. Reply "
        'with one JSON object only: {"factors": [{"name": "...", "definition": "..."}]}.'
    )
    user = (
        f"Topic: {topic}\nDimension: {dimension}\nOther dimensions: {rest}\n"
        f"Propose {count} factors for the dimension {dimension}."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def validate_factor_list(obj: object) -> tuple[list | None, str | None]:
    """The reply's list of entries (checked one by one later), or what is wrong."""
    if not isinstance(obj, dict) or not isinstance(obj.get("factors"), list):
        return None, 'expected an object with a "factors" list'
    return obj["factors"], None


def draft_factors(client: LlmClient, topic: str, dimensions: list[str], count: int) -> Draft:
    """Ask for ``count`` factors per dimension and clean the answers into a factors list."""
    exchanges = ask_json_each(
        client,
        dimensions,
        lambda d: draft_messages(topic, d, [x for x in dimensions if x != d], count),
        FACTOR_LIST_SCHEMA,
        validate_factor_list,
        temperature=TEMPERATURE,
        max_tokens=MAX_TOKENS,
    )
    replies = dict(zip(dimensions, exchanges, strict=True))
    draft = Draft()
    entries = []
    for dimension in dimensions:
        exchange = replies[dimension]
        if exchange.value is None:
            draft.failed[dimension] = exchange.problem or "no usable reply"
            continue
        entries += [(dimension, item) for item in exchange.value]
    draft.factors, draft.removed, draft.flagged = clean_entries(entries, id_prefixes(dimensions))
    return draft


def clean_entries(
    entries: list[tuple[str, object]], prefixes: dict[str, str]
) -> tuple[list[DraftFactor], list[str], list[str]]:
    """Drop empty entries, duplicates and near-duplicates with alike definitions (reported),
    flag near-duplicates whose definitions differ, and number the rest per dimension."""
    kept: list[DraftFactor] = []
    removed: list[str] = []
    flagged: list[str] = []
    seen: dict[str, DraftFactor] = {}
    numbers = dict.fromkeys(prefixes, 0)
    for dimension, item in entries:
        name = _text(item, "name")
        definition = _text(item, "definition")
        if not _key(name) or not _key(definition):
            what = "name" if not _key(name) else "definition"
            label = f" {name!r}" if _key(name) else ""
            removed.append(f"{dimension}: entry{label} without a {what}")
            continue
        keys = (f"name:{_key(name)}", f"definition:{_key(definition)}")
        twin = next((seen[k] for k in keys if k in seen), None)
        if twin is not None:
            removed.append(
                f"{dimension}: {name!r} duplicates {twin.id} {twin.name!r} ({twin.dimension})"
            )
            continue
        near = [f for f in kept if _nested(name, f.name)]
        alike = next((f for f in near if _alike(definition, f.definition)), None)
        if alike is not None:
            removed.append(
                f"{dimension}: {name!r} merged into {alike.id} {alike.name!r} "
                f"({alike.dimension}): a name within the other and a definition alike"
            )
            continue
        numbers[dimension] += 1
        factor = DraftFactor(
            f"{prefixes[dimension]}{numbers[dimension]}", dimension, name, definition
        )
        flagged += [
            f"{factor.id} {name!r} may duplicate {f.id} {f.name!r}: one name holds the other, "
            "the definitions differ"
            for f in near
        ]
        kept.append(factor)
        for k in keys:
            seen[k] = factor
    return kept, removed, flagged


def id_prefixes(dimensions: list[str]) -> dict[str, str]:
    """Each dimension's shortest leading part that no other dimension starts with, first
    letter capitalised (policy → P, privacy → Pr when both); a ``_`` follows a prefix that
    ends in a digit or is a whole dimension id that starts another. Prefixes never end in a
    digit and differ whatever the case (a clash takes a longer part, else a number: data →
    Data_, data_quality → Data_q; policy → Policy_, Policy → Policy2_), so ids stay unique."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    for d in dimensions:
        others = [o.lower() for o in dimensions if o != d]
        first = next(
            (k for k in range(1, len(d) + 1) if all(o[:k] != d[:k].lower() for o in others)),
            len(d),
        )
        longer = (_prefix(d, k, others) for k in range(first, len(d) + 1))
        whole = _prefix(d, len(d), others).rstrip("_")
        numbered = (f"{whole}{n}_" for n in itertools.count(2))
        prefix = next(c for c in itertools.chain(longer, numbered) if c.lower() not in taken)
        taken.add(prefix.lower())
        found[d] = prefix
    return found


def _prefix(dimension: str, k: int, others: list[str]) -> str:
    """The first ``k`` characters of a dimension id, capitalised, with a ``_`` after a digit
    or when another dimension starts the same way."""
    prefix = dimension[0].upper() + dimension[1:k]
    if prefix[-1].isdigit() or any(o[:k] == dimension[:k].lower() for o in others):
        prefix += "_"
    return prefix


def _text(item: object, key: str) -> str:
    value = item.get(key) if isinstance(item, dict) else None
    return " ".join(value.split()) if isinstance(value, str) else ""


def _key(text: str) -> str:
    """A text without case, punctuation, a leading article or plural endings."""
    words = re.sub(r"[^\w\s]", " ", text.casefold()).split()
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(_singular(w) for w in words)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return word


def _content(text: str) -> frozenset[str]:
    return frozenset(_key(text).split()) - MINOR_WORDS


def _nested(a: str, b: str) -> bool:
    """One name's words (minor ones aside) lie within the other's."""
    x, y = _content(a), _content(b)
    return bool(x and y) and (x <= y or y <= x)


def _alike(a: str, b: str) -> bool:
    """Two definitions share at least ``SIMILAR_DEFINITIONS`` of their content words."""
    x, y = _content(a), _content(b)
    return bool(x and y) and len(x & y) / len(x | y) >= SIMILAR_DEFINITIONS
