"""One check per kind of claim, over a sentence taken apart (see :mod:`.grounding` for the
rules they apply), and the evidence they check against."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ismpanel.analysis.recommend import FactorProfile
from ismpanel.elicitation.llm.grounding_text import (
    BACKWARD,
    FORWARD,
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
    + r")\s*(?:of|is|at|was|=|:)?\s*"
    + rf"(?:(?:\d+(?:\.\d+)?(?:st|nd|rd|th)?|{SPELT})\s*%?\s*(?:,|and|or|to|\u2013|-)\s*)*$",
    re.IGNORECASE,
)
LEVELS_OF = re.compile(r"\blevels?\s*\d+\s*(?:of|out of)\s*$", re.IGNORECASE)
ORDINAL_LEVEL = re.compile(r"\s+level\b", re.IGNORECASE)
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
    r"(?:(driving power|driver)|dependence)\b",
    re.IGNORECASE,
)
DIRECTLY_BEFORE = re.compile(r"\bdirectly\s*$", re.IGNORECASE)
DIRECTLY_AFTER = re.compile(r"\s*directly\b", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """The facts a text may state: the profiles by id, names (lowercased) to ids, the
    configurations of the results, what each factor reaches, and the study's own figures."""

    factors: Mapping[str, FactorProfile]
    names: Mapping[str, str]
    configurations: frozenset[str]
    reach: Mapping[str, frozenset[str]]
    study_figures: frozenset[float]


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


def _facts(p: FactorProfile) -> tuple[list[float], list[float]]:
    """A factor's whole-number facts and its fractions."""
    whole = [p.level, p.n_levels, p.driving, p.dependence, p.score, p.rank]
    whole += [len(p.drives), len(p.driven_by)]
    if p.in_cycle_with:
        whole += [len(p.in_cycle_with), len(p.in_cycle_with) + 1]
    if p.roles:
        whole.append(len({r.configuration for r in p.roles}))
    fractions = [x for n in p.necessity for x in (n.incl, n.cov, n.ron)]
    return whole, fractions


def _figures(s: Scan, ev: Evidence) -> Iterator[str]:
    labelled = {f for figs in _claims(s).values() for f in figs}
    named = [ev.factors[f] for f in s.named]
    whole = [*ev.study_figures, *([len(named)] if len(named) > 1 else [])]
    fractions: list[float] = []
    for p in named:
        w, f = _facts(p)
        whole += w
        fractions += f
    for fig in s.figures:
        if fig in labelled:
            continue  # checked, more strictly, as a labelled figure
        if any(matches(fig, x, False) for x in whole) or any(
            matches(fig, x, True) for x in fractions
        ):
            continue
        whose = " or ".join(s.named) + " or of the study" if named else "the study"
        yield f"has the figure {fig.text}, which is not a fact of {whose}"


def _attribute(p: FactorProfile, label: str) -> list[tuple[float, bool]]:
    """The values of one labelled fact of a factor, each with whether it is a fraction."""
    if label in ("incl", "cov", "ron"):
        return [(getattr(n, label), True) for n in p.necessity]
    return [(float(getattr(p, label)), False)]


def _claims(s: Scan) -> dict[tuple[int, str], list[Figure]]:
    """The labelled figures of a sentence, by where their label starts and what it names
    (``n_levels`` for the 6 of "level 5 of 6"); a list ("levels 5 and 6") is one claim."""
    claims: dict[tuple[int, str], list[Figure]] = {}
    for fig in s.figures:
        before = s.masked[: fig.start]
        if LEVELS_OF.search(before):
            claims.setdefault((fig.start, "n_levels"), []).append(fig)
            continue
        if fig.text[-2:].isalpha() and ORDINAL_LEVEL.match(s.masked, fig.end):
            claims.setdefault((fig.start, "level"), []).append(fig)
            continue
        m = LABEL_BEFORE.search(before)
        if m:
            claims.setdefault((m.start(), m.lastgroup), []).append(fig)
    return claims


def _labelled(s: Scan, ev: Evidence) -> Iterator[str]:
    for (start, label), figs in _claims(s).items():
        about = s.about(start)
        written = " and ".join(f.text for f in figs)
        if not about:
            yield f"gives {NOUNS[label]} ({written}) without naming the factor"
            continue
        for fid in about:
            p = ev.factors[fid]
            if label == "n_levels":
                if not matches(figs[0], p.n_levels, False):
                    yield f"says there are {written} levels; there are {p.n_levels}"
                continue
            values = _attribute(p, label)
            if not any(matches(f, v, frac) for f in figs for v, frac in values):
                actual = " or ".join(f"{v:g}" for v, _ in values)
                fact = f"it {SHOWN[label]} {actual}" if actual else "it has no such figure"
                yield f"says {fid} {SHOWN[label]} {written}; {fact}"
        owners = [ev.factors[x] for x in about]
        for f in figs if len(figs) > 1 else ():
            if not any(matches(f, v, frac) for p in owners for v, frac in _attribute(p, label)):
                yield f"gives {NOUNS[label]} {f.text}, which none of {', '.join(about)} has"


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


def _relations(s: Scan, ev: Evidence) -> Iterator[str]:
    verbs = [(m, False) for m in FORWARD.finditer(s.masked)]
    verbs += [(m, True) for m in BACKWARD.finditer(s.masked)]
    for m, backward in verbs:
        before = [g for g in s.groups if g[-1].end <= m.start()]
        after = [g for g in s.groups if g[0].start >= m.end()]
        if not after or re.search(r"[;:.]", s.masked[m.end() : after[0][0].start]):
            continue
        if not before:
            yield f"says {m.group(0)!r} without naming the factor it is about"
            continue
        if re.search(r"[;:]", s.masked[before[-1][-1].end : m.start()]):
            yield f"says {m.group(0)!r} without naming the factor it is about"
            continue
        subjects = {x.factor for x in before[-1]}
        if re.search(r"\band\s+(?:\w+\s+)?$", s.masked[: m.start()]):
            subjects |= {x.factor for x in before[0]}
        direct = bool(
            DIRECTLY_BEFORE.search(s.masked[: m.start()]) or DIRECTLY_AFTER.match(s.masked, m.end())
        )
        negated = bool(NEGATION.search(s.masked[: m.start()]))
        for a in sorted(subjects):
            for b in dict.fromkeys(x.factor for x in after[0]):
                src, dst = (b, a) if backward else (a, b)
                if src != dst and _drives(ev, src, dst, direct) == negated:
                    how = ("directly " if direct else "") + ("drive" if negated else "drives")
                    links = ", ".join(ev.factors[src].drives) or "none"
                    fact = f"its direct links go to {links}" if direct else "it does"
                    if not negated and not direct:
                        fact = f"there is no path from {src} to {dst} in the hierarchy"
                    yield f"says {src} {'does not ' if negated else ''}{how} {dst}; {fact}"


def _superlatives(s: Scan, ev: Evidence) -> Iterator[str]:
    """Superlatives hold over all the study's factors: "the highest driving power", "the
    weakest dependence", "the strongest driver"."""
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
                yield f"says {fid} has the {said} ({value}); the {said.split()[0]} is {best}"


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
    _word_rule(r"\bnecessary\b", _necessary_holds, "necessary", _necessity),
    _word_rule(
        r"\b(?:feedback loop|loop|cycle|cyclic|mutual(?:ly)?|reciproc\w*)\b",
        _cycle_holds,
        "in a {word} with the others named",
        _loop,
    ),
    _word_rule(
        r"\b(?:top|topmost|bottom|deepest)\b(?!\s+priority)",
        lambda p, m, s: p.level == (1 if m.group(0).lower().startswith("top") else p.n_levels),
        "at the {word} of the hierarchy",
        lambda p: f"it is at level {p.level} of {p.n_levels}",
    ),
    _superlatives,
    _configurations,
    _relations,
)
