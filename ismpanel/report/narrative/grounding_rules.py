"""One check per kind of claim, over a sentence taken apart (see :mod:`.grounding` for the
rules they apply): figures and counts (:mod:`.grounding_counts`), links and relations,
ranks, configurations, and the table of rules (:data:`RULES`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ismpanel.llm.vocabulary import CLAUSE_BREAK
from ismpanel.report.narrative.grounding_counts import (
    _cycle_holds,
    _figures,
    _labelled,
    _loop,
    _necessary_holds,
    _necessity,
    _role_configs,
    _role_words,
    _roles,
    _roles_hold,
    _strangers,
    _word_rule,
)
from ismpanel.report.narrative.grounding_text import (
    CUES,
    Scan,
)
from ismpanel.report.narrative.grounding_words import (
    ALL_CONFIGURATIONS,
    CHAIN,
    CONNECTOR,
    DIMENSION_SCOPE,
    DIRECTLY_AFTER,
    DIRECTLY_BEFORE,
    NECESSITY_WORDS,
    NEGATION,
    NEUTRAL,
    OBJECT_BLOCK,
    ONLY,
    ONLY_IN,
    ORDINAL_BEFORE,
    POSITION_WORDS,
    RANK_WORDS,
    ROLE_WORD,
    SUFFICIENT,
    SUPERLATIVE,
    VIA,
    Evidence,
)


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
        if {x.factor for x in groups[k]} == {x.factor for x in groups[k + 1]}:
            continue  # a factor named twice ("PL4 ... because PL4 is ..."): no link stated
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
