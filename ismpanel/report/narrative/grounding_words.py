"""The words and patterns the narrative's checks read claims by, and the evidence (the study's
factor profiles and figures) they check them against."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ismpanel.analysis.recommend import FactorProfile
from ismpanel.report.narrative.grounding_text import (
    NUMBER_WORDS,
    ORDINAL_WORDS,
    Figure,
)

NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|without|none|isn't|aren't|doesn't|don't|cannot)\b"
    r"(?:\s+\w+){0,2}\s*$",
    re.IGNORECASE,
)


SPELT = "|".join(["one", *NUMBER_WORDS, *ORDINAL_WORDS])
LABELS = {
    "level": r"levels?",
    "rank": r"rank(?:s|ed)?(?:\s+(?:as|number|no\.|#))?",
    "driving": r"driving power",
    "dependence": r"dependence(?: power)?",
    "score": r"(?:priority )?score",
    "incl": r"(?:necessity )?(?:consistency|inclusion|incl(?:N)?)",
    "cov": r"(?:necessity )?(?:coverage|cov(?:N)?)",
    "ron": r"relevance(?: of necessity)?|RoN",
}


LABEL_BEFORE = re.compile(
    r"\b(?:"
    + "|".join(f"(?P<{k}>{v})" for k, v in LABELS.items())
    + r")\s*(?:of\s+(?:the\s+absence\s+of\s+)?F+(?:\s*\(F+\))?\s*)?"
    + r"(?:of|is|at|was|=|:|stands at|reaches)?\s*"
    + rf"(?:(?:\d+(?:\.\d+)?(?:st|nd|rd|th)?|{SPELT})\s*%?\s*(?:,|and|or|to|\u2013|-)\s*)*$",
    re.IGNORECASE,
)


LEVELS_OF = re.compile(r"\blevels?\s*\d+\s*(?:of|out of)\s*$", re.IGNORECASE)
RANK_OF = re.compile(
    rf"\brank(?:s|ed)?\s*(?:\d+(?:st|nd|rd|th)?|{SPELT})\s*(?:of|out of)\s*$", re.IGNORECASE
)


ORDINAL_LEVEL = re.compile(r"\s+level\b", re.IGNORECASE)
RANK_AFTER = re.compile(
    r"(?:[\s-]+[\w']+){0,4}?[\s-]+(?:priority|priorities|rank|ranking|ranked|place|position|"
    r"dimension)\b",
    re.IGNORECASE,
)


COMES_BEFORE = re.compile(r"\b(?:comes?|goes?|placed|listed)\s+$", re.IGNORECASE)
COUNT_AFTER = re.compile(
    r"\s+(?:of\s+(?:the|its|all|these)\s+)?((?:[\w-]+\s+){0,3}?)(levels?|factors?|elements?|"
    r"configurations?|solutions?|recipes?|dimensions?)\b",
    re.IGNORECASE,
)


COUNT_NOUNS = {"level": "n_levels", "configuration": "n_configs", "solution": "n_configs"}
COUNT_NOUNS |= {"recipe": "n_configs", "dimension": "n_dims"}
DIMENSION_SCOPE = re.compile(r"\b(?:dimension|section)\b", re.IGNORECASE)
OWN_INCLUDED = re.compile(
    r"\b(?:its own included|including itself|itself included|counting itself)\b", re.IGNORECASE
)


LOOP_WORDS = re.compile(r"\b(?:loops?|cycles?|cyclic)\b", re.IGNORECASE)
DIRECT = re.compile(r"\bdirect(?:ly)?\b", re.IGNORECASE)
SHOWN = {  # how a labelled claim and the fact read: "says PL1 is at level 4; it is at level 5"
    "level": "is at level",
    "rank": "ranks",
    "driving": "has driving power",
    "dependence": "has dependence",
    "score": "has priority score",
    "incl": "has necessity consistency",
    "cov": "has necessity coverage",
    "ron": "has relevance of necessity",
}


NOUNS = {
    "n_ranked": "a number of ranked factors",
    "n_factors": "a number of factors",
    "n_configs": "a number of configurations",
    "n_dims": "a number of dimensions",
    "level": "a level",
    "n_levels": "a number of levels",
    "rank": "a rank",
    "driving": "a driving power",
    "dependence": "a dependence",
    "score": "a priority score",
    "incl": "a necessity consistency",
    "cov": "a necessity coverage",
    "ron": "a relevance of necessity",
}


SUPERLATIVE = re.compile(
    r"\b(?:(highest|strongest|greatest|largest|most)|lowest|weakest|least|smallest)\s+"
    r"(?:(driving power|driver|influential|powerful)|dependence|dependent)\b",
    re.IGNORECASE,
)


RANK_WORDS = re.compile(  # the rank they state: 1, or the last ("lowest")
    r"\bthe\s+(?:very\s+)?(?:(top|highest|foremost)|lowest)(?:[- ]ranked)?\s+priority\b|"
    r"\b(?:(top|highest)|last|bottom|lowest)[- ]ranked\b|\b(number one|no\.\s*1)\b|"
    r"\brank(?:s|ed)?\s+(?:at\s+the\s+)?(?:(top)|bottom|last)\b|"
    r"\b(most (?:important|critical|crucial|significant|urgent|pressing)|paramount|foremost|"
    r"pre-?eminent)\b",
    re.IGNORECASE,
)


ORDINAL_BEFORE = re.compile(
    rf"\b(?:{'|'.join(ORDINAL_WORDS)}|\d+(?:st|nd|rd|th))[\s-]+$", re.IGNORECASE
)


ALL_CONFIGURATIONS = re.compile(
    r"\b(?:all|every|each|both)\s+(?:of\s+)?(?:the\s+)?(?:[\w-]+\s+)?"
    r"(?:configurations?|solutions?|recipes?|paths?)\b|\bacross\s+(?:all\s+)?(?:the\s+)?"
    r"configurations\b|\bin\s+(?:all|every)\s+(?:of\s+)?(?:them|cases?)\b",
    re.IGNORECASE,
)


ONLY = re.compile(  # "not only ... but also" claims no exclusivity
    r"(?<!not )\b(?:only|solely|sole|exclusively|alone)\b(?!\s+(?:one|once)\b)", re.IGNORECASE
)


ONLY_IN = re.compile(r"\s+(?:in|of|for)\s+(?:the\s+)?(?:configurations?\s+)?F+", re.IGNORECASE)
ROLE_WORD = re.compile(r"\b(?:core|peripheral)\b", re.IGNORECASE)
CONNECTOR = re.compile(r"\b(?:and|or|nor|but|while|whereas)\b", re.IGNORECASE)
NEUTRAL = re.compile(
    r"(?:[\s'\"*_/&.]|\b(?:and|or|nor|but|while|whereas|also|both|either|neither|as well as|"
    r"along with|together with|e\.g|i\.e|such as|including|like|the)\b)*\Z",
    re.IGNORECASE,
)


OBJECT_BLOCK = re.compile(r"[;:.]|\b(?:and|or|nor|but|while|whereas)\b", re.IGNORECASE)
CHAIN = re.compile(
    r"\b(?:through|via|thereby|thus|hence|therefore|in turn|consequently|as a result)\b",
    re.IGNORECASE,
)


VIA = re.compile(r"\s*,?\s*(?:through|via|by way of)\s+(?:the\s+)?\Z", re.IGNORECASE)
NECESSITY_WORDS = (
    r"\b(?:necessary|indispensable|essential|requisite|required|prerequisite|precondition|vital|"
    r"sine qua non|a must)\b"
)


POSITION_WORDS = (  # top: level 1; the others: the deepest level
    r"(?<!rank )(?<!ranks )(?<!ranked )(?<!rank at the )(?<!ranks at the )(?<!ranked at the )"
    r"\b(?:top|topmost|bottom|deepest|roots?|foundation(?:al)?|bedrock|cornerstone|"
    r"prime mover|starting point|base of the \w+|heart of the \w+)\b(?!\s+priority)"
    r"(?![- ]ranked)"
)


SUFFICIENT = re.compile(r"\b(?:sufficient|sufficiency|suffices|suffice)\b", re.IGNORECASE)
DIRECTLY_BEFORE = re.compile(r"\bdirectly\s*$", re.IGNORECASE)
DIRECTLY_AFTER = re.compile(r"\s*directly\b", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """The facts a text may state: the profiles by id, names (lowercased) to ids, the
    configurations of the results, what each factor reaches, and the number of dimensions
    of the study (None when not known: a text may then not state it)."""

    factors: Mapping[str, FactorProfile]
    names: Mapping[str, str]
    configurations: frozenset[str]
    reach: Mapping[str, frozenset[str]]
    dimensions: int | None = None

    def reached_by(self, fid: str) -> frozenset[str]:
        """The factors with a path to ``fid``."""
        return frozenset(q for q, r in self.reach.items() if fid in r)

    def dimension_rank(self, p: FactorProfile) -> int:
        """A factor's priority rank among the factors of its own dimension."""
        return 1 + sum(
            q.dimension == p.dimension and q.rank < p.rank for q in self.factors.values()
        )

    @property
    def levels(self) -> int:
        """The number of levels of the hierarchy."""
        return max((p.n_levels for p in self.factors.values()), default=0)


def matches(figure: Figure, fact: float, fraction: bool) -> bool:
    """Whether a written figure states ``fact``: integers exactly, decimals and percentages
    (of fractions only) rounded at the decimals written, two at least."""
    if figure.percent:
        if not fraction:
            return False
        value, decimals = figure.value / 100, figure.decimals + 2
    elif figure.decimals == 0:
        return abs(fact - figure.value) < 1e-9
    else:
        value, decimals = figure.value, figure.decimals
    return abs(fact - value) <= 0.5 * 10 ** -max(decimals, 2) + 1e-9
