"""One check per kind of claim, over a sentence taken apart (see :mod:`.grounding` for the
rules they apply), and the evidence they check against."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ismpanel.analysis.recommend import FactorProfile
from ismpanel.llm.vocabulary import CLAUSE_BREAK
from ismpanel.report.narrative.grounding_text import (
    CUES,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    Figure,
    Scan,
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


def _strangers(s: Scan, ev: Evidence) -> Iterator[str]:
    upper = {fid.upper(): fid for fid in ev.factors}
    prefixes = {re.sub(r"\d.*", "", c) for c in ev.configurations} or {"C"}
    for w in s.strangers:
        if w.text.upper() in upper:
            yield f"writes {w.text}; the study's id is {upper[w.text.upper()]}"
        elif re.fullmatch(rf"(?:{'|'.join(map(re.escape, prefixes))})\d+", w.text):
            yield f"names configuration {w.text}, which is not in the results"
        else:
            yield f"names factor {w.text}, which is not in the study"


def _facts(s: Scan, ev: Evidence) -> tuple[list[float], list[float]]:
    """The whole-number facts and the fractions of the factors a sentence names and of the
    study, only to word a mismatch: a figure must be tied to its fact by a label."""
    whole = [len(ev.factors), ev.levels, len(ev.configurations)]
    whole += [ev.dimensions] if ev.dimensions is not None else []
    fractions: list[float] = []
    for fid in s.named:
        p = ev.factors[fid]
        whole += [p.level, p.n_levels, p.driving, p.dependence, p.score, p.rank]
        whole += [len(p.drives), len(p.driven_by), len(ev.reach[fid]), len(p.roles)]
        fractions += [x for n in p.necessity for x in (n.incl, n.cov, n.ron)]
    return whole, fractions


def _figures(s: Scan, ev: Evidence) -> Iterator[str]:
    """A figure no label ties to a fact is a mismatch, even when it happens to equal one:
    "PL1 (level 5 of 6) drives 6 factors" must not pass on the strength of its 6 levels."""
    labelled = {f for figs in _claims(s).values() for f in figs}
    whole, fractions = _facts(s, ev)
    for fig in s.figures:
        if fig in labelled:
            continue
        if any(matches(fig, x, False) for x in whole) or any(
            matches(fig, x, True) for x in fractions
        ):
            yield (
                f"has the figure {fig.text} without saying which fact it is (a label such as "
                "level, rank, driving power, consistency or factors)"
            )
        else:
            whose = " or ".join(s.named) + " or of the study" if s.named else "the study"
            yield f"has the figure {fig.text}, which is not a fact of {whose}"


def _attribute(
    p: FactorProfile, label: str, ev: Evidence, scoped: bool = False
) -> list[tuple[float, bool]]:
    """The values of one labelled fact of a factor, each with whether it is a fraction; a
    rank ``scoped`` to a dimension is the rank among that dimension's factors."""
    if label in ("incl", "cov", "ron"):
        return [(getattr(n, label), True) for n in p.necessity]
    if label == "rank" and scoped:
        return [(float(ev.dimension_rank(p)), False)]
    return [(float(getattr(p, label)), False)]


def _ordinal(fig: Figure) -> bool:
    return (
        fig.text.lower() in ORDINAL_WORDS
        or re.fullmatch(r"\d+(?:st|nd|rd|th)", fig.text) is not None
    )


def _claims(s: Scan) -> dict[tuple[int, str], list[Figure]]:
    """The labelled figures of a sentence, by where their label starts and what it names:
    a label before ("level 5", "driving power 13", "ranks first"), "of N" after a level or
    rank ("level 5 of 6"), an ordinal before "level" or a rank word ("the first priority"), or
    a noun counted after ("6 factors", "4 levels", "5 configurations"); a list ("levels 5 and
    6") is one claim."""
    claims: dict[tuple[int, str], list[Figure]] = {}
    for fig in s.figures:
        before = s.masked[: fig.start]
        key = None
        if LEVELS_OF.search(before):
            key = (fig.start, "n_levels")
        elif RANK_OF.search(before):
            key = (fig.start, "n_ranked")
        elif _ordinal(fig) and ORDINAL_LEVEL.match(s.masked, fig.end):
            key = (fig.start, "level")
        elif _ordinal(fig) and (RANK_AFTER.match(s.masked, fig.end) or COMES_BEFORE.search(before)):
            key = (fig.start, "rank")
        elif m := LABEL_BEFORE.search(before):
            key = (m.start(), m.lastgroup or "")
        elif m := COUNT_AFTER.match(s.masked, fig.end):
            key = (fig.start, COUNT_NOUNS.get(m.group(2).lower().rstrip("s"), "n_factors"))
        if key is not None:
            claims.setdefault(key, []).append(fig)
    return claims


def _labelled(s: Scan, ev: Evidence) -> Iterator[str]:
    for (start, label), figs in _claims(s).items():
        about = s.about(start)
        written = " and ".join(f.text for f in figs)
        if label.startswith("n_"):
            yield from _counts(s, ev, start, label, figs[0], about)
            continue
        if not about:
            yield f"gives {NOUNS[label]} ({written}) without naming the factor"
            continue
        clause = s.masked[slice(*s.clause(start))]
        scoped = label == "rank" and DIMENSION_SCOPE.search(clause) is not None
        where = " in its dimension" if scoped else ""
        for fid in about:
            p = ev.factors[fid]
            values = _attribute(p, label, ev, scoped)
            if not any(matches(f, v, frac) for f in figs for v, frac in values):
                actual = " or ".join(f"{v:g}" for v, _ in values)
                fact = f"it {SHOWN[label]} {actual}{where}" if actual else "it has no such figure"
                yield f"says {fid} {SHOWN[label]} {written}{where}; {fact}"
        owners = [ev.factors[x] for x in about]
        for f in figs if len(figs) > 1 else ():
            if not any(
                matches(f, v, frac) for p in owners for v, frac in _attribute(p, label, ev, scoped)
            ):
                yield f"gives {NOUNS[label]} {f.text}, which none of {', '.join(about)} has"


def _counts(
    s: Scan, ev: Evidence, start: int, label: str, fig: Figure, about: tuple[str, ...]
) -> Iterator[str]:
    """A count: of levels, dimensions or configurations of the study, of the configurations
    a factor is in (with the role its clause names), of the factors a factor drives or is
    driven by, or of the study's factors (with the qualities written before "factors")."""
    clause = s.masked[slice(*s.clause(start))]
    if label == "n_levels":
        levels = {ev.factors[f].n_levels for f in about} or {ev.levels}
        for n in sorted(levels):
            if not matches(fig, n, False):
                yield f"says there are {fig.text} levels; there are {n}"
    elif label == "n_dims":
        if ev.dimensions is None:
            yield f"gives a number of dimensions ({fig.text}), which is not known here"
        elif not matches(fig, ev.dimensions, False):
            yield f"says there are {fig.text} dimensions; there are {ev.dimensions}"
    elif label == "n_ranked":
        scoped = DIMENSION_SCOPE.search(clause) is not None
        for fid in about or ("",):
            dim = ev.factors[fid].dimension if fid and scoped else None
            n = sum(dim is None or q.dimension == dim for q in ev.factors.values())
            if not matches(fig, n, False):
                where = f" in the {dim} dimension" if dim else ""
                yield f"ranks {fid or 'a factor'} among {fig.text} factors; there are {n}{where}"
    elif label == "n_configs":
        n = len(ev.configurations)
        if not about and not matches(fig, n, False):
            yield f"says there are {fig.text} configurations; there are {n}"
        for fid in about:
            p = ev.factors[fid]
            held = _role_configs(p, clause)
            if not matches(fig, len(held), False):
                what = " ".join((_role_words(clause), "in")).strip()
                yield f"says {fid} is {what} {fig.text} configurations; {_roles(p)}"
    else:
        yield from _factor_counts(s, ev, start, fig, about, clause)


def _factor_counts(
    s: Scan, ev: Evidence, start: int, fig: Figure, about: tuple[str, ...], clause: str
) -> Iterator[str]:
    """A count of factors: after "drives" (or "reaches"...), those the factor reaches, all of
    them or, with "directly", its digraph links ("its own included" adds itself, as driving
    power does); after "driven by" the reverse; in a loop, the loop's size; else the study's
    factors with the qualities written before "factors" (cluster, tier, priority, driver,
    dimension), or without any, the study's, the sentence's or a dimension's count."""
    clause_start = s.clause(start)[0]
    before = s.masked[clause_start : fig.start]
    kind = next(
        (
            kind
            for kind, cue in CUES[:2]
            for m in cue.finditer(before)
            if re.fullmatch(r"\s*(?:directly\s+)?(?:a total of\s+|in all\s+)?", before[m.end() :])
        ),
        None,
    )
    if kind is not None or (about and LOOP_WORDS.search(clause)):
        if not about:
            yield f"gives {NOUNS['n_factors']} ({fig.text}) without naming the factor"
        direct = DIRECT.search(clause) is not None
        own = OWN_INCLUDED.search(s.masked) is not None
        for fid in about:
            p = ev.factors[fid]
            if kind is None:
                values, said = [len(p.in_cycle_with), len(p.in_cycle_with) + 1], "loops with"
                fact = _loop(p)
            elif kind == "forward":
                reach = len(ev.reach[fid])
                values = [len(p.drives)] if direct else [reach] + ([p.driving] if own else [])
                said, fact = "drives", f"it drives {reach} in all, {len(p.drives)} directly"
            else:
                reach = len(ev.reached_by(fid))
                values = [len(p.driven_by)] if direct else [reach] + ([p.dependence] if own else [])
                said = "is driven by"
                fact = f"it is driven by {reach} in all, {len(p.driven_by)} directly"
            if not any(matches(fig, v, False) for v in values):
                how = "directly " if direct and kind else ""
                yield f"says {fid} {how}{said} {fig.text} factors; {fact}"
        return
    qualities = COUNT_AFTER.match(s.masked, fig.end).group(1).split()
    tests = [_quality(q, ev) for q in qualities]
    if any(t is None for t in tests):
        words = " ".join(qualities)
        yield f"counts {fig.text} {words} factors, which the checker cannot verify"
        return
    if tests:
        n = sum(all(t(p) for t in tests) for p in ev.factors.values())
        if not matches(fig, n, False):
            yield f"says there are {fig.text} {' '.join(qualities)} factors; there are {n}"
        return
    allowed = [len(ev.factors)] + ([len(s.named)] if len(s.named) > 1 else [])
    if DIMENSION_SCOPE.search(clause):
        dims = {ev.factors[f].dimension for f in s.named}
        dims |= {d for d in {p.dimension for p in ev.factors.values()} if _word_in(d, s.masked)}
        allowed += [sum(p.dimension == d for p in ev.factors.values()) for d in dims]
    if not any(matches(fig, n, False) for n in allowed):
        yield f"says {fig.text} factors; the study has {len(ev.factors)}" + (
            f" and the sentence names {len(s.named)}" if len(s.named) > 1 else ""
        )


def _quality(word: str, ev: Evidence) -> Callable[[FactorProfile], bool] | None:
    """What a word written between a count and "factors" asks of each factor counted
    ("independent", "deep", "high-priority", "policy"...), or None when it cannot be checked."""
    w = word.lower().strip("-")
    if w in ("autonomous", "dependent", "linkage", "independent"):
        return lambda p: p.cluster == w
    if w in ("deep", "middle", "surface", "deep-tier", "middle-tier", "surface-tier"):
        return lambda p: p.tier == w.split("-")[0]
    if w in ("driver", "driving", "drivers"):
        return lambda p: p.driver
    m = re.fullmatch(r"(high|medium|low)-priority", w)
    if m:
        return lambda p: p.priority == m.group(1)
    dims = {p.dimension.lower() for p in ev.factors.values()}
    if w in dims:
        return lambda p: p.dimension.lower() == w
    return None


def _word_in(word: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


def _role_words(clause: str) -> str:
    """The role a clause names ("core", "peripheral", "absent"...), as written in messages."""
    words = [w for w in ("core", "peripheral") if re.search(rf"\b{w}\b", clause, re.I)]
    if re.search(r"\babsen", clause, re.IGNORECASE):
        words.append("absent")
    return " ".join(words)


def _role_configs(p: FactorProfile, clause: str) -> frozenset[str]:
    """The configurations in which a factor plays the role its clause names (core or
    peripheral, absent), or any role when the clause names none."""
    core = re.search(r"\bcore\b", clause, re.IGNORECASE) is not None
    peripheral = re.search(r"\bperipheral\b", clause, re.IGNORECASE) is not None
    absent = re.search(r"\babsen", clause, re.IGNORECASE) is not None
    return frozenset(
        r.configuration
        for r in p.roles
        if (not core or r.core) and (not peripheral or not r.core) and (not absent or not r.present)
    )


def _word_rule(
    pattern: str,
    holds: Callable[[FactorProfile, re.Match, Scan], bool],
    said: str,
    real: Callable[[FactorProfile], str],
) -> Callable[[Scan, Evidence], Iterator[str]]:
    """A rule for a claim made by a word: ``holds`` must be true for each factor the word is
    about (false when negated); ``said`` (with ``{word}``) describes the claim, ``real`` the
    fact."""
    regex = re.compile(pattern, re.IGNORECASE)

    def rule(s: Scan, ev: Evidence) -> Iterator[str]:
        for m in regex.finditer(s.masked):
            word = m.group(0)
            about = s.about(m.start())
            if not about:
                yield f"says {word!r} without naming the factor it is about"
                continue
            negated = bool(NEGATION.search(s.masked[: m.start()]))
            for fid in about:
                p = ev.factors[fid]
                if holds(p, m, s) == negated:
                    claim = ("not " if negated else "") + said.format(word=word.lower())
                    yield f"says {fid} is {claim}; {real(p)}"

    return rule


def _roles_hold(p: FactorProfile, m: re.Match, s: Scan) -> bool:
    start, end = s.clause(m.start())
    absent = re.search(r"\babsen", s.masked[start:end], re.IGNORECASE) is not None
    configs = {c.text for c in s.configurations if start <= c.start < end}
    return any(
        r.core == (m.group(0).lower() == "core")
        and (not absent or not r.present)
        and (not configs or r.configuration in configs)
        for r in p.roles
    )


def _necessary_holds(p: FactorProfile, m: re.Match, s: Scan) -> bool:
    start, end = s.clause(m.start())
    clause = s.text[start:end]
    absent = re.search(r"\babsen|~|\black", clause, re.IGNORECASE) is not None
    return any(n.necessary and n.condition.startswith("~") == absent for n in p.necessary)


def _cycle_holds(p: FactorProfile, m: re.Match, s: Scan) -> bool:
    others = [f for f in s.about(m.start()) if f != p.id]
    return bool(p.in_cycle_with) and all(f in p.in_cycle_with for f in others)


def _roles(p: FactorProfile) -> str:
    shown = ", ".join(f"{r.role.replace('_', ' ')} in {r.configuration}" for r in p.roles)
    return f"its roles: {shown}" if shown else "it is in no configuration"


def _necessity(p: FactorProfile) -> str:
    shown = ", ".join(n.condition for n in p.necessary)
    return f"necessary: {shown}" if shown else "it is not necessary"


def _loop(p: FactorProfile) -> str:
    shown = ", ".join(p.in_cycle_with)
    return f"it loops with {shown}" if shown else "it is in no feedback loop"


def _configurations(s: Scan, ev: Evidence) -> Iterator[str]:
    for c in s.configurations:
        for fid in s.about(c.start):
            if all(r.configuration != c.text for r in ev.factors[fid].roles):
                yield f"links {fid} to configuration {c.text}, in which it plays no role"


def _cues(s: Scan) -> list[tuple[re.Match, str]]:
    """The linking words and arrows of a sentence, left to right, none overlapping another
    (the one starting first, then the longest, wins)."""
    found = sorted(
        ((m, kind) for kind, cue in CUES for m in cue.finditer(s.masked)),
        key=lambda c: (c[0].start(), -c[0].end()),
    )
    kept: list[tuple[re.Match, str]] = []
    for m, kind in found:
        if not kept or m.start() >= kept[-1][0].end():
            kept.append((m, kind))
    return kept


def _relations(s: Scan, ev: Evidence) -> Iterator[str]:
    """Every link a sentence states between factors must be in the hierarchy: a word or arrow
    that links them (see ``CUES``), "through" a factor on the way; two factors in a clause
    with anything else between them than "and", "or", "such as" and the like (a comparison,
    an order, an unknown verb) are a link the checker cannot verify, so a mismatch."""
    groups = s.groups
    checked: set[int] = set()  # k: the link between groups k and k + 1 was checked
    for m, kind in _cues(s):
        word = m.group(0)
        before = [k for k, g in enumerate(groups) if g[-1].end <= m.start()]
        after = [k for k, g in enumerate(groups) if g[0].start >= m.end()]
        obj = after[0] if after else None
        if obj is not None and OBJECT_BLOCK.search(s.masked[m.end() : groups[obj][0].start]):
            obj = None
        negated = bool(NEGATION.search(s.masked[: m.start()]))
        direct = bool(
            DIRECTLY_BEFORE.search(s.masked[: m.start()]) or DIRECTLY_AFTER.match(s.masked, m.end())
        )
        if obj is None:
            group = groups[before[-1]] if before else ()
            gap = s.masked[group[-1].end : m.start()] if group else ""
            if kind in ("linked", "unrelated") and len(group) > 1 and not CLAUSE_BREAK.search(gap):
                names = list(dict.fromkeys(x.factor for x in group))
                for i, a in enumerate(names):
                    for b in names[i + 1 :]:
                        yield from _link(ev, kind, a, b, direct, negated, word)
            continue
        if not before or re.search(r"[;:]", s.masked[groups[before[-1]][-1].end : m.start()]):
            yield f"says {word!r} without naming the factor it is about"
            continue
        subjects = {x.factor for x in groups[before[-1]]}
        if re.search(r"\band\s+(?:\w+\s+)?$", s.masked[: m.start()]):
            subjects |= {x.factor for x in groups[before[0]]}
        objects = list(dict.fromkeys(x.factor for x in groups[obj]))
        checked.add(obj - 1)
        for a in sorted(subjects):
            for b in objects:
                yield from _link(ev, kind, a, b, direct, negated, word)
        if kind in ("forward", "backward") and obj + 1 < len(groups):
            gap = s.masked[groups[obj][-1].end : groups[obj + 1][0].start]
            if VIA.match(gap):
                checked.add(obj)
                for a in sorted(subjects):
                    for b in objects:
                        src, dst = (b, a) if kind == "backward" else (a, b)
                        for mid in dict.fromkeys(x.factor for x in groups[obj + 1]):
                            if mid not in ev.reach[src] or dst not in ev.reach[mid]:
                                yield (
                                    f"says {src} drives {dst} through {mid}; {mid} is not on "
                                    f"a path from {src} to {dst}"
                                )
    for k in range(len(groups) - 1):
        gap = s.masked[groups[k][-1].end : groups[k + 1][0].start]
        if k in checked or re.search(r"[;:]", gap):
            continue
        tail = re.split(rf"{CLAUSE_BREAK.pattern}|{CONNECTOR.pattern}", gap, flags=re.I)[-1]
        chain = CHAIN.search(gap)
        if chain:  # "drives TE1 and, through it, PL4": a link of TE1 to PL4 nobody checked
            tail = gap[chain.start() :]
        if chain or not NEUTRAL.match(tail):
            a = ", ".join(dict.fromkeys(x.factor for x in groups[k]))
            b = ", ".join(dict.fromkeys(x.factor for x in groups[k + 1]))
            lo = groups[k + 1][0].start - len(tail)
            words = " ".join(s.text[lo : groups[k + 1][0].start].split()).strip(" ,")
            yield f"relates {a} to {b} by {words!r}, which the checker cannot verify"


def _link(
    ev: Evidence, kind: str, a: str, b: str, direct: bool, negated: bool, word: str
) -> Iterator[str]:
    """A mismatch when the link ``word`` states between ``a`` (before it) and ``b`` (after
    it) is not in the hierarchy (or is, when negated)."""
    if a == b:
        return
    if kind == "mutual":
        both = _drives(ev, a, b, direct) and _drives(ev, b, a, direct)
        if both == negated:
            fact = "they are" if both else f"{a} and {b} are not in a feedback loop"
            said = f"{'do not ' if negated else ''}drive each other ({word!r})"
            yield f"says {a} and {b} {said}; {fact}"
        return
    if kind in ("forward", "backward"):
        src, dst = (b, a) if kind == "backward" else (a, b)
        if _drives(ev, src, dst, direct) != negated:
            return
        how = ("directly " if direct else "") + ("drive" if negated else "drives")
        links = ", ".join(ev.factors[src].drives) or "none"
        fact = f"its direct links go to {links}" if direct else "it does"
        if not negated and not direct:
            fact = f"there is no path from {src} to {dst} in the hierarchy"
        said = "" if re.search(r"\b(?:driv|drove)", word, re.I) else f" ({word!r})"
        yield f"says {src} {'does not ' if negated else ''}{how} {dst}{said}; {fact}"
        return
    linked = _drives(ev, a, b, direct) or _drives(ev, b, a, direct)
    claims_link = (kind == "linked") != negated
    if linked == claims_link:
        return
    if claims_link:
        yield f"says {a} and {b} are linked ({word!r}); there is no path between them"
    else:
        src, dst = (a, b) if _drives(ev, a, b, direct) else (b, a)
        yield f"says {a} and {b} are unrelated ({word!r}); there is a path from {src} to {dst}"


def _rank_words(s: Scan, ev: Evidence) -> Iterator[str]:
    """Rank words ("the top priority", "number one", "most important", "the lowest
    priority") state rank 1 or the last rank: overall, or in the factor's dimension when
    the clause speaks of a dimension."""
    for m in RANK_WORDS.finditer(s.masked):
        if ORDINAL_BEFORE.search(s.masked[: m.start()]):
            continue  # "the second most important": the ordinal is the rank claimed
        first = any(m.group(k) for k in range(1, 6))
        about = s.about(m.start())
        if not about:
            yield f"says {m.group(0)!r} without naming the factor it is about"
            continue
        scoped = DIMENSION_SCOPE.search(s.masked[slice(*s.clause(m.start()))]) is not None
        negated = bool(NEGATION.search(s.masked[: m.start()]))
        for fid in about:
            p = ev.factors[fid]
            if scoped:
                rank = ev.dimension_rank(p)
                total = sum(q.dimension == p.dimension for q in ev.factors.values())
            else:
                rank, total = p.rank, len(ev.factors)
            if (rank == (1 if first else total)) == negated:
                where = " in its dimension" if scoped else ""
                said = ("not " if negated else "") + repr(m.group(0).lower())
                yield f"says {fid} is {said}; it ranks {rank} of {total}{where}"


def _all_configurations(s: Scan, ev: Evidence) -> Iterator[str]:
    """ "All", "every", "each" or "both" configurations: the role the clause names must be
    the factor's in every configuration of the results."""
    for m in ALL_CONFIGURATIONS.finditer(s.masked):
        about = s.about(m.start())
        if not about:
            yield f"says {m.group(0)!r} without naming the factor it is about"
            continue
        clause = s.masked[slice(*s.clause(m.start()))]
        negated = bool(NEGATION.search(s.masked[: m.start()]))
        for fid in about:
            p = ev.factors[fid]
            if (_role_configs(p, clause) == ev.configurations) == negated:
                what = " ".join((_role_words(clause), "in")).strip()
                said = ("not " if negated else "") + f"{what} {m.group(0).lower()}"
                yield f"says {fid} is {said}; {_roles(p)}"


def _only(s: Scan, ev: Evidence) -> Iterator[str]:
    """ "Only", "solely", "alone"... about a role in configurations: "PL1 is core only in C1"
    (no other configuration) or "the only core condition of C1" (no other factor); about
    anything else the checker cannot verify it."""
    for m in ONLY.finditer(s.masked):
        about = s.about(m.start())
        if not about:
            continue
        lo, hi = s.clause(m.start())
        clause = s.masked[lo:hi]
        named = frozenset(c.text for c in s.configurations if lo <= c.start < hi)
        what = _role_words(clause) or "in"
        if not ROLE_WORD.search(clause) and not named:
            yield f"says {m.group(0)!r} of {', '.join(about)}, which the checker cannot verify"
        elif ONLY_IN.match(s.masked, m.end()) or any(
            0 <= m.start() - c.end <= 1 for c in s.configurations
        ):
            for fid in about:
                p = ev.factors[fid]
                if _role_configs(p, clause) != named:
                    yield f"says {fid} is {what} only in {', '.join(sorted(named))}; {_roles(p)}"
        else:
            others = [
                q.id
                for q in ev.factors.values()
                if q.id not in about
                and (_role_configs(q, clause) & named if named else _role_configs(q, clause))
            ]
            if others:
                where = f" in {', '.join(sorted(named))}" if named else ""
                be = "is" if len(about) == 1 else "are"
                also = "is" if len(others) == 1 else "are"
                yield (
                    f"says only {', '.join(about)} {be} {what}{where}; so {also} "
                    f"{', '.join(others)}"
                )


def _sufficient(s: Scan, ev: Evidence) -> Iterator[str]:
    """The profiles hold no sufficiency of single factors (configurations are sufficient),
    so a factor said to be sufficient cannot be checked."""
    for m in SUFFICIENT.finditer(s.masked):
        about = s.about(m.start())
        if about:
            yield (
                f"calls {', '.join(about)} {m.group(0).lower()!r}, which the results do not "
                "state (configurations are sufficient, single factors are not assessed)"
            )


def _superlatives(s: Scan, ev: Evidence) -> Iterator[str]:
    """Superlatives hold over all the study's factors: "the highest driving power", "the
    weakest dependence", "the strongest driver", "the most influential"."""
    for m in SUPERLATIVE.finditer(s.masked):
        label = "driving" if m.group(2) else "dependence"
        pick = max if m.group(1) else min
        best = pick(getattr(p, label) for p in ev.factors.values())
        about = s.about(m.start())
        if not about:
            yield f"says {m.group(0)!r} without naming the factor it is about"
        for fid in about:
            value = getattr(ev.factors[fid], label)
            if value != best:
                said = m.group(0).lower()
                top = said.split()[0]
                if said.endswith(("influential", "powerful", "dependent")):
                    name = "driving power" if label == "driving" else "dependence"
                    top = "highest" if pick is max else "lowest"
                    yield f"says {fid} is the {said} (its {name} is {value}; the {top} is {best})"
                else:
                    yield f"says {fid} has the {said} ({value}); the {top} is {best}"


def _drives(ev: Evidence, src: str, dst: str, direct: bool) -> bool:
    """A path from ``src`` to ``dst``; with ``direct``, a link of the digraph (or a two-factor
    loop, which only mutual direct links make)."""
    p = ev.factors[src]
    if direct:
        return dst in p.drives or p.in_cycle_with == (dst,)
    return dst in ev.reach[src]


RULES: tuple[Callable[[Scan, Evidence], Iterator[str]], ...] = (
    _strangers,
    _figures,
    _labelled,
    _word_rule(
        r"\b(?:autonomous|dependent|linkage|independent)\b",
        lambda p, m, s: p.cluster == m.group(0).lower(),
        "{word}",
        lambda p: f"it is {p.cluster}",
    ),
    _word_rule(
        r"\bdrivers?\b",
        lambda p, m, s: p.driver,
        "a MICMAC driver",
        lambda p: f"it is {p.cluster}",
    ),
    _word_rule(
        r"\b(?:deep|middle|surface)\b",
        lambda p, m, s: p.tier == m.group(0).lower(),
        "in the {word} tier",
        lambda p: f"it is in the {p.tier} tier",
    ),
    _word_rule(
        r"\b(?:high|medium|low|top)(?=(?:est|er)?[- ]priority\b)|"
        r"(?<=\bpriority )(?:high|medium|low)\b",
        lambda p, m, s: p.priority == m.group(0).lower().replace("top", "high"),
        "{word} priority",
        lambda p: f"it is {p.priority} priority",
    ),
    _word_rule(r"\b(?:core|peripheral)\b", _roles_hold, "a {word} condition", _roles),
    _word_rule(NECESSITY_WORDS, _necessary_holds, "{word}", _necessity),
    _word_rule(
        r"\b(?:feedback loop|loop|cycle|cyclic|mutual(?:ly)?|reciproc\w*|each other|one another|"
        r"both ways|in both directions|two-way|bi-?directional(?:ly)?)\b",
        _cycle_holds,
        "in a feedback loop with the others named",
        _loop,
    ),
    _word_rule(
        POSITION_WORDS,
        lambda p, m, s: p.level == (1 if m.group(0).lower().startswith("top") else p.n_levels),
        "at the {word} of the hierarchy",
        lambda p: f"it is at level {p.level} of {p.n_levels}",
    ),
    _superlatives,
    _rank_words,
    _all_configurations,
    _only,
    _sufficient,
    _configurations,
    _relations,
)
