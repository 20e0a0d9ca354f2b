"""Spot a verdict in an explanation meant to have none, so that it is never shown to an expert.

The assistant is asked to explain a pair without judging it; a reply that judges anyway is
withheld. A reply counts as a verdict when it

* names an answer letter: a quoted v, a, x or o, a bracketed V, A, X or O (lowercase "(a)"
  is left alone: lists are numbered so), an uppercase V, X or O standing alone, an A closing
  a clause, or a letter after "answer", "choose"...;
* recommends an answer ("the answer is", "I would choose", "you should select"...);
* states a relation as fact in a sentence that does not ask or weigh ("whether", "could",
  "consider"... or a question mark): one factor acting on the other (both factors named, by
  id, name or "the first/second factor", with an influence verb between them), "both ways",
  "mutual", "no direct influence", "independent"...; or leans with "likely", "clearly" and
  the like on such a sentence even when it is hedged.

It errs on the side of withholding: a false alarm costs the expert an explanation, a miss
could put words in the panel's mouth.
"""

from __future__ import annotations

import re

from ismpanel.elicitation.study import Factor

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
    r"\b(?:both ways|in both directions|bi-?directional|two-way|one-way|unidirectional|"
    r"mutual(?:ly)?|reciprocal(?:ly)?|neither (?:factor )?\w+s (?:the other|it)|no (?:direct )?"
    r"(?:relation|relationship|influence|link|effect|connection|causal)|(?:are|is) "
    r"(?:unrelated|independent)|(?:does|do) not (?:directly )?(?:influence|affect|drive|shape|"
    r"cause|determine|impact|depend))\b",
    re.IGNORECASE,
)
INFLUENCE_VERBS = (
    r"influenc\w*|affect\w*|driv\w*|drove|shap\w*|determin\w*|caus\w*|lead\w* to|led to|"
    r"enabl\w*|impact\w*|depend\w* on|result\w* in|constrain\w*|contribut\w* to|hinder\w*|"
    r"support\w*|govern\w*|trigger\w*|foster\w*|promot\w*|undermin\w*|strengthen\w*|"
    r"weaken\w*|increas\w*|reduc\w*"
)
HEDGES = re.compile(
    r"\?|\b(?:whether|if|how|to what extent|could|might|may|consider\w*|ask yourself|think "
    r"about|weigh\w*|depends on whether|question)\b",
    re.IGNORECASE,
)
LEANING = re.compile(
    r"\b(?:likely|probably|clearly|certainly|obviously|undoubtedly|definitely|surely|"
    r"plausibly|evidently|presumably)\b",
    re.IGNORECASE,
)
SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def find_verdict(text: str, first: Factor, second: Factor, relation: str) -> str | None:
    """Why ``text`` reads as a verdict on the pair (first, second), or None."""
    for rule in LETTER_RULES:
        found = rule.search(text)
        if found:
            return f"names an answer letter ({found.group(0).strip()!r})"
    found = RECOMMENDATION.search(text)
    if found:
        return f"recommends an answer ({found.group(0)!r})"
    verbs = re.compile(rf"\b(?:{INFLUENCE_VERBS}|{_relation_verb(relation)})", re.IGNORECASE)
    for sentence in SENTENCES.split(text):
        hedged = HEDGES.search(sentence) is not None
        kind = KIND_WORDS.search(sentence)
        if kind and not hedged:
            return f"states the kind of relation ({kind.group(0)!r})"
        claim = _direction_claim(sentence, first, second, verbs)
        if claim and (not hedged or LEANING.search(sentence)):
            return f"states a direction ({claim!r})"
    return None


def _direction_claim(sentence: str, first: Factor, second: Factor, verbs: re.Pattern) -> str:
    """The stretch from one factor to the other when an influence verb lies between them."""
    a, b = _mentions(sentence, first, 1), _mentions(sentence, second, 2)
    for start_a, end_a in a:
        for start_b, end_b in b:
            lo, hi = (end_a, start_b) if end_a <= start_b else (end_b, start_a)
            if lo <= hi and verbs.search(sentence, lo, hi):
                return sentence[min(start_a, start_b) : max(end_a, end_b)]
    return ""


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
