"""Spot a verdict in an explanation meant to have none, so that it is never shown to an expert.

The assistant is asked to explain a pair without judging it; a reply that judges anyway is
withheld. A reply counts as a verdict when it

* names an answer letter: a quoted v, a, x or o, a bracketed V, A, X or O (lowercase "(a)"
  is left alone: lists are numbered so), an uppercase V, X or O standing alone, an A closing
  a clause, or a letter after "answer", "choose"...;
* recommends an answer ("the answer is", "I would choose", "you should select"...);
* states a relation outside a hedge: names both factors (by id, name or "the first/second
  factor") with an influence verb, a relation word ("requires", "upstream of", "a
  precondition for"...) or an arrow between them, or, within one clause, with anything but
  "and", "or", "both" and the like between them ("PL1 requires TE1", "runs from PL1 to
  TE1"); or states a direction ("upstream", "runs from", an arrow) or the kind of relation
  or its absence ("both ways", "mutual", "interact", "unconnected", "no direct influence",
  "independent"...). A hedge excuses only the clause it governs: a clause of a question
  that opens with a question word ("Does PL1 shape TE1, or ...?"), or the rest of a clause
  from "whether" or "if" ("consider whether PL1 shapes TE1"); "consider", "weigh" or "might"
  elsewhere in the sentence excuse nothing, and "likely", "clearly" and the like undo any
  hedge in their sentence.

It errs on the side of withholding: a false alarm costs the expert an explanation, a miss
could put words in the panel's mouth.
"""

from __future__ import annotations

import itertools
import re

from ismpanel.elicitation.study import Factor
from ismpanel.llm.vocabulary import ARROWS, CLAUSE_BREAK, RELATION_STEMS

LETTER_RULES = (
    re.compile(
        r"(?<![\w'\u2019])['\"\u2018\u201c*]{1,2}\s*[VAXOvaxo]\s*"
        r"['\"\u2019\u201d*]{1,2}(?![\w'\u2019])"
    ),
    re.compile(r"[(\[]\s*[VAXO]\s*[)\]]"),
    re.compile(r"(?<![\w'\u2019.-])[VXO](?![\w'\u2019-])"),
    re.compile(r"(?<![\w'\u2019-])A(?=\s*(?:[.,;:!?)]|$))", re.MULTILINE),
    re.compile(
        r"\b(?:answer|choose|chose|select|pick|press|type|key|option|letter|rating|code)"
        r"(?:\s+(?:is|would be|should be|of))?\s*:?\s*['\"]?[vaxoVAXO]['\"]?"
        r"(?=\s*(?:[.,;:!?)]|$))",
        re.IGNORECASE | re.MULTILINE,
    ),
)
RECOMMENDATION = re.compile(
    r"\b(?:i would (?:say|choose|answer|pick|select|rate|go with)|i'?d (?:say|choose|answer|"
    r"pick|select|go with)|i (?:recommend|suggest) (?:choosing|answering|selecting|picking)|"
    r"you should (?:answer|choose|pick|select|rate|say|mark)|(?:correct|right|best|"
    r"appropriate|likely|expected) (?:answer|choice|option|rating|relation)|the answer "
    r"(?:is|would be|should be)|my (?:verdict|answer|judge?ment|rating))\b",
    re.IGNORECASE,
)
KIND_WORDS = re.compile(
    r"\b(?:both ways|in both directions|bi-?directional|two-way|one[- ]way|unidirectional|"
    r"in one direction|mutual(?:ly)?|reciprocal(?:ly)?|each other|one another|hand in hand|"
    r"interact\w*|interdependen\w*|neither (?:factor )?\w+s (?:the other|it)|no (?:direct )?"
    r"(?:relation|relationship|influence|link|effect|connection|causal|bearing)|nothing to do "
    r"with|(?:are|is) (?:\w+ly )?(?:unrelated|unconnected|disconnected|unlinked|independent|"
    r"linked|connected|related|coupled|tied|intertwined|associated|correlated)|(?:not|n't) "
    r"(?:\w+ly )?(?:connected|linked|related)|(?:does|do) not (?:directly )?(?:influence|affect|"
    r"drive|shape|cause|determine|impact|depend))\b",
    re.IGNORECASE,
)
NEUTRAL_GAP = re.compile(
    r"(?:[\s'\"\u2018\u2019\u201c\u201d*_/&+]|\b(?:and|or|nor|both|either|neither|as well as|"
    r"versus|vs|plus|along with|together with|between|the|then)\b)*\Z",
    re.IGNORECASE,
)
QUESTION_OPENER = re.compile(
    r"\s*(?:(?:or|and|but|so|then)\s+)?(?:does|do|did|is|are|was|were|can|could|would|should|"
    r"will|might|may|has|have|had|how|what|which|why|where|when|who|whose|to what extent|in "
    r"what way)\b",
    re.IGNORECASE,
)
OR = re.compile(r"\s*or\b", re.IGNORECASE)
WHETHER = re.compile(r"\b(?<!even )(?<!as )(?<!only )(?:whether|if)\b", re.IGNORECASE)
LEANING = re.compile(
    r"\b(?:likely|probably|clearly|certainly|obviously|undoubtedly|definitely|surely|"
    r"plausibly|evidently|presumably)\b",
    re.IGNORECASE,
)
DIRECTION_WORDS = re.compile(
    rf"{ARROWS}|\b(?:upstream|downstream|(?:runs|run|flows|flow|goes|go|points|point|travels|"
    r"passes|leads) from)\b",
    re.IGNORECASE,
)
SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
Span = tuple[int, int]


def find_verdict(text: str, first: Factor, second: Factor, relation: str) -> str | None:
    """Why ``text`` reads as a verdict on the pair (first, second), or None."""
    for rule in LETTER_RULES:
        found = rule.search(text)
        if found:
            return f"names an answer letter ({found.group(0).strip()!r})"
    found = RECOMMENDATION.search(text)
    if found:
        return f"recommends an answer ({found.group(0)!r})"
    verbs = re.compile(
        rf"\b(?:{RELATION_STEMS}|{_relation_verb(relation)})|{ARROWS}", re.IGNORECASE
    )
    for sentence in SENTENCES.split(text):
        regions = [] if LEANING.search(sentence) else _hedged(sentence)
        for rule, what in ((KIND_WORDS, "the kind of relation"), (DIRECTION_WORDS, "a direction")):
            for m in rule.finditer(sentence):
                if not _inside(m.span(), regions):
                    return f"states {what} ({m.group(0)!r})"
        for span in _claims(sentence, first, second, verbs):
            if not _inside(span, regions):
                return f"states a direction ({sentence[span[0] : span[1]]!r})"
    return None


def _hedged(sentence: str) -> list[Span]:
    """The stretches a hedge governs: a clause of a question that opens with a question word
    ("does", "is", "how"...), the rest of a clause from "whether" or "if" (not "even if", "as
    if", "only if"), and an "or" clause right after one of those (the other alternative). A
    clause ends at a comma, semicolon, colon, bracket, dash, "while", "whereas" or "but"
    (:data:`ismpanel.llm.vocabulary.CLAUSE_BREAK`)."""
    question = sentence.rstrip().endswith("?")
    cuts = [0, *(k for m in CLAUSE_BREAK.finditer(sentence) for k in m.span()), len(sentence)]
    regions: list[Span] = []
    hedged = False
    for start, end in zip(cuts[::2], cuts[1::2], strict=True):
        clause = sentence[start:end]
        m = WHETHER.search(clause)
        if (question and QUESTION_OPENER.match(clause)) or (hedged and OR.match(clause)):
            regions.append((start, end))
        elif m:
            regions.append((start + m.start(), end))
        hedged = bool(regions) and regions[-1][1] == end
    return regions


def _inside(span: Span, regions: list[Span]) -> bool:
    return any(lo <= span[0] and span[1] <= hi for lo, hi in regions)


def _claims(sentence: str, first: Factor, second: Factor, verbs: re.Pattern) -> list[Span]:
    """Each stretch from one factor to the other (no mention of either between) that links
    them: an influence verb, relation word or arrow between them, or, in the clause of the
    second (after the last comma, "and", "while"...), any word but "both", "the" and the
    like before it."""
    a, b = _mentions(sentence, first, 1), _mentions(sentence, second, 2)
    spans = sorted(a + b)
    found = []
    for one, two in itertools.pairwise(spans):
        if (one in a) == (two in a):
            continue
        lo, hi = one[1], two[0]
        if lo > hi:
            continue
        gap = sentence[lo:hi]
        tail = re.split(rf"{CLAUSE_BREAK.pattern}|\b(?:and|or)\b", gap)[-1]
        if verbs.search(gap) or not NEUTRAL_GAP.match(tail):
            found.append((one[0], two[1]))
    return found


def _mentions(sentence: str, factor: Factor, position: int) -> list[tuple[int, int]]:
    ordinal = "first" if position == 1 else "second"
    latter = "former" if position == 1 else "latter"
    names = [factor.id, factor.name, f"the {ordinal}", f"the {latter}"]
    spans = []
    for name in names:
        if name:
            pattern = rf"(?<!\w){re.escape(name)}(?!\w)"
            spans += [m.span() for m in re.finditer(pattern, sentence, re.IGNORECASE)]
    return spans


def _relation_verb(relation: str) -> str:
    """The study's own relation words as a pattern (e.g. "enables", "is a precondition of")."""
    return re.escape(relation.strip()) if relation.strip() else "(?!)"
