"""Checks of the figures and counts a sentence states (levels, ranks, powers, how many factors
or configurations), and of the roles and cycles it names, against the evidence."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ismpanel.analysis.recommend import FactorProfile
from ismpanel.report.narrative.grounding_text import (
    CUES,
    ORDINAL_WORDS,
    Figure,
    Scan,
)
from ismpanel.report.narrative.grounding_words import (
    COMES_BEFORE,
    COUNT_AFTER,
    COUNT_NOUNS,
    DIMENSION_SCOPE,
    DIRECT,
    LABEL_BEFORE,
    LEVELS_OF,
    LOOP_WORDS,
    NEGATION,
    NOUNS,
    ORDINAL_LEVEL,
    OWN_INCLUDED,
    RANK_AFTER,
    RANK_OF,
    SHOWN,
    Evidence,
    matches,
)


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
