"""The text side of the grounding check: sentences, the factors a sentence names, the
id-shaped words that name nothing known, the figures it states, and which factors a claim
at a given place in the sentence is about.

Decisions: a factor is named by its id (exactly as in the study) or by its full name (any
case). Any other word shaped like an id (letters, then digits: ``DA9``, ``pl1``, ``C7``) is a
stranger. Figures are digits (``15``, ``0.86``, ``86 %``, ``5th``) and the number words two
to twenty; "one" and ordinal words are too common as ordinary words to count, except next to
a label ("level one", "ranked first", "comes first", "the fourth level", "the first
priority", "the second of the users dimension").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ismpanel.llm.vocabulary import BACKWARD, CLAUSE_BREAK, FORWARD

# Markup where plain paragraphs were asked for: headings, list items, quotes, tables, code,
# HTML and links.
NOT_PROSE = re.compile(r"^\s*(?:#|[-*+>|]\s|\d+[.)]\s)|```|<[A-Za-z/!]|\]\(", re.MULTILINE)
WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9_]*")
ID_SHAPED = re.compile(r"[A-Za-z]+_?\d[A-Za-z0-9_]*\Z")
NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)(?:st|nd|rd|th)?(?:\s*(%|per ?cent\b))?(?![\w])", re.IGNORECASE
)
WORDS = "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
WORDS += "sixteen seventeen eighteen nineteen twenty"
NUMBER_WORDS = {w: k for k, w in enumerate(WORDS.split(), start=2)}
NUMBER_WORD = re.compile(rf"\b({'|'.join(NUMBER_WORDS)})\b", re.IGNORECASE)
ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
ORDINALS += "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
ORDINAL_WORDS = {w: k for k, w in enumerate(ORDINALS.split(), start=1)}
AFTER_LABEL = re.compile(
    rf"\b(?:levels?|rank(?:s|ed)?|score|power|dependence|comes?|goes?|placed|listed)\s+"
    rf"(?:of\s+|is\s+|at\s+)?(one|{'|'.join(ORDINAL_WORDS)})\b",
    re.IGNORECASE,
)
ORDINAL_BEFORE_LEVEL = re.compile(rf"\b({'|'.join(ORDINAL_WORDS)})(?=\s+level\b)", re.IGNORECASE)
RANK_NOUN = r"(?:priority|priorities|rank|ranking|ranked|place|position|dimension)\b"
ORDINAL_BEFORE_RANK = re.compile(
    rf"\b({'|'.join(ORDINAL_WORDS)})(?=(?:[\s-]+[\w']+){{0,4}}?[\s-]+{RANK_NOUN})",
    re.IGNORECASE,
)
# Words and arrows that link two factors, by what they claim: a path from the factor before
# them to the one after (forward), the reverse (backward; a form of "is ... by" too), both
# shared with the verdict filter (ismpanel.llm.vocabulary), a path either way (linked), none
# either way (unrelated), or both ways (mutual).
LINKED = re.compile(
    r"\b(?:(?:is|are)\s+(?:\w+ly\s+)?(?:linked|connected|related|tied|coupled|associated|"
    r"interdependent)(?:\s+(?:to|with))?|interacts?(?:\s+with)?|correlates?(?:\s+with)?|"
    r"goes hand in hand with|go hand in hand)\b",
    re.IGNORECASE,
)
MUTUAL = re.compile(r"\u2194|\u21c4|<->")
UNRELATED = re.compile(
    r"\b(?:(?:is|are)\s+(?:unrelated|unconnected|disconnected|independent)\s+(?:to|of|from|"
    r"with)|(?:is|are)\s+(?:unrelated|unconnected|disconnected)|(?:has|have)\s+no\s+"
    r"(?:\w+\s+)?(?:effect|influence|impact|bearing|link|connection)\s+on|nothing to do with)\b",
    re.IGNORECASE,
)
CUES = (
    ("forward", FORWARD),
    ("backward", BACKWARD),
    ("linked", LINKED),
    ("unrelated", UNRELATED),
    ("mutual", MUTUAL),
)
LIST_GAP = re.compile(r"[\s,()*_]*(?:(?:and|or|nor|as well as)\b[\s,()*_]*)?\Z", re.IGNORECASE)
LEAD_GAP = re.compile(r"[\s*_]*\Z")
MASK = "F"


@dataclass(frozen=True)
class Mention:
    """A factor named at ``start:end`` of a sentence."""

    start: int
    end: int
    factor: str


@dataclass(frozen=True)
class Word:
    """An id-shaped word at ``start:end`` (a configuration name or a stranger)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Figure:
    """A figure as written: its value, decimals written and whether it is a percentage."""

    start: int
    end: int
    text: str
    value: float
    decimals: int
    percent: bool


@dataclass(frozen=True)
class Scan:
    """One sentence taken apart; ``masked`` is the sentence with every factor, configuration
    and stranger replaced by ``F``s (same length), so that rules never read digits in ids."""

    text: str
    masked: str
    mentions: tuple[Mention, ...]
    groups: tuple[tuple[Mention, ...], ...]
    configurations: tuple[Word, ...]
    strangers: tuple[Word, ...]
    figures: tuple[Figure, ...]

    @property
    def named(self) -> tuple[str, ...]:
        """The factors the sentence names, in order, each once."""
        return tuple(dict.fromkeys(m.factor for m in self.mentions))

    def clause(self, pos: int) -> tuple[int, int]:
        """The stretch around ``pos`` between clause breaks (commas, semicolons, brackets...)."""
        start = max((m.end() for m in CLAUSE_BREAK.finditer(self.masked, 0, pos)), default=0)
        after = CLAUSE_BREAK.search(self.masked, pos)
        return start, after.start() if after else len(self.masked)

    def about(self, pos: int) -> tuple[str, ...]:
        """The factors a claim at ``pos`` is about: those named in its clause (whole lists
        joined by "and" or commas count) but not the objects of a verb such as "drives" after
        the claim; else, for a claim in brackets naming no factor, those named right before
        the bracket; else every factor named before the claim in the sentence; else none
        (the claim is about "it", or about nothing)."""
        start, end = self.clause(pos)
        inside = [
            g
            for g in self.groups
            if g[0].start < end and g[-1].end > start and not self._object_after(pos, g)
        ]
        if inside:
            return tuple(dict.fromkeys(m.factor for g in inside for m in g))
        bracket = _open_paren(self.masked, pos, self.mentions)
        if bracket is not None:
            before = [g for g in self.groups if g[-1].end <= bracket]
            if before and LEAD_GAP.match(self.text[before[-1][-1].end : bracket]):
                return tuple(dict.fromkeys(m.factor for m in before[-1]))
        return tuple(dict.fromkeys(m.factor for m in self.mentions if m.end <= pos))

    def _object_after(self, pos: int, group: tuple[Mention, ...]) -> bool:
        """Whether ``group`` follows ``pos`` with a relation verb in between."""
        gap = self.masked[pos : group[0].start]
        return group[0].start > pos and any(cue.search(gap) for _, cue in CUES)


def sentences(text: str) -> list[str]:
    """The sentences of a text: paragraphs and lines apart, then at . ! ? followed by a space
    and anything but a lowercase letter (so "0.86" and "e.g. the" stay whole)."""
    found = []
    for line in text.splitlines():
        start = 0
        for m in re.finditer(r"(?<=[.!?])[\"')\]*_]*\s+(?=[^a-z\s])", line):
            found.append(line[start : m.end()].strip())
            start = m.end()
        found.append(line[start:].strip())
    return [s for s in found if s]


def scan(
    sentence: str, ids: Collection[str], names: Mapping[str, str], configurations: Collection[str]
) -> Scan:
    """Take a sentence apart against the study's ids, its factor names (lowercased name → id)
    and the configuration names of the results."""
    masked = list(sentence)
    mentions: list[Mention] = []
    if names:
        pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        for m in re.finditer(rf"(?<!\w)(?:{pattern})(?!\w)", sentence, re.IGNORECASE):
            mentions.append(Mention(m.start(), m.end(), names[m.group(0).lower()]))
            masked[m.start() : m.end()] = MASK * (m.end() - m.start())
    configs, strangers = [], []
    for m in WORD.finditer("".join(masked)):
        word = m.group(0)
        if word in ids:
            mentions.append(Mention(m.start(), m.end(), word))
        elif word in configurations:
            configs.append(Word(m.start(), m.end(), word))
        elif ID_SHAPED.match(word):
            strangers.append(Word(m.start(), m.end(), word))
        else:
            continue
        masked[m.start() : m.end()] = MASK * (m.end() - m.start())
    mentions.sort(key=lambda m: m.start)
    text = "".join(masked)
    return Scan(
        sentence,
        text,
        tuple(mentions),
        _groups(sentence, mentions),
        tuple(configs),
        tuple(strangers),
        _figures(text),
    )


def _figures(masked: str) -> tuple[Figure, ...]:
    """Every figure of a masked sentence, left to right."""
    found = []
    for m in NUMBER.finditer(masked):
        digits = m.group(1)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        found.append(
            Figure(m.start(), m.end(), m.group(0), float(digits), decimals, bool(m.group(2)))
        )
    for m in NUMBER_WORD.finditer(masked):
        value = NUMBER_WORDS[m.group(1).lower()]
        found.append(Figure(m.start(), m.end(), m.group(0), value, 0, False))
    spelt = (AFTER_LABEL, ORDINAL_BEFORE_LEVEL, ORDINAL_BEFORE_RANK)
    for m in (m for rule in spelt for m in rule.finditer(masked)):
        word = m.group(1).lower()
        value = 1 if word == "one" else ORDINAL_WORDS[word]
        found.append(Figure(m.start(1), m.end(1), m.group(1), value, 0, False))
    unique = {f.start: f for f in found}
    return tuple(sorted(unique.values(), key=lambda f: f.start))


def _groups(sentence: str, mentions: list[Mention]) -> tuple[tuple[Mention, ...], ...]:
    """Runs of mentions with nothing but list separators between them ("PL1, PL2 and PL3",
    "Privacy law (PL1)")."""
    groups: list[list[Mention]] = []
    for m in mentions:
        if groups and LIST_GAP.match(sentence[groups[-1][-1].end : m.start]):
            groups[-1].append(m)
        else:
            groups.append([m])
    return tuple(tuple(g) for g in groups)


def _open_paren(masked: str, pos: int, mentions: tuple[Mention, ...]) -> int | None:
    """Where the parenthesis holding ``pos`` opens, when it names no factor itself."""
    depth, k = 0, pos - 1
    while k >= 0:
        if masked[k] == ")":
            depth += 1
        elif masked[k] == "(":
            if depth == 0:
                break
            depth -= 1
        k -= 1
    if k < 0:
        return None
    close = masked.find(")", pos)
    close = len(masked) if close == -1 else close
    if any(k < m.start < close for m in mentions):
        return None
    return k
