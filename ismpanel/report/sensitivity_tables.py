"""The structural sensitivity as tables (data), for the terminal and the brief: the contested
pairs under each other letter, each factor's verdict, the panels without one expert, the
other aggregation rules and the MICMAC thresholds."""

from __future__ import annotations

from ismpanel.analysis.sensitivity_results import Change, Outcome, Sensitivity
from ismpanel.report.markdown import plural
from ismpanel.report.table import Table

RANK_NOTE = "rank: priority rank"
THRESHOLD_LABELS = {"half (n/2)": "n/2"}


def change_words(c: Change) -> str:
    """One factor's change, e.g. ``US2: level 5→4, independent→autonomous, rank 2→7``."""
    parts = [f"level {c.level[0]}→{c.level[1]}"] if c.level else []
    parts += [f"{pair[0]}→{pair[1]}" for pair in (c.tier, c.cluster) if pair]
    parts += [f"rank {c.rank[0]}→{c.rank[1]}"] if c.rank else []
    return f"{c.factor}: {', '.join(parts)}"


def moves(outcome: Outcome | None) -> str:
    """The factors whose tier or cluster changes, with their changes; or what changed else."""
    if outcome is None:
        return "not analysed (a pair under the quorum)"
    moved = [change_words(c) for c in outcome.changes if c.moved]
    if moved:
        return "; ".join(moved)
    if outcome.changes:
        return f"none (level or rank of {len(outcome.changes)})"
    return "none"


def levels(outcome: Outcome | None) -> str:
    """The hierarchy's levels in a recomputed structure, saying when the study's tier ranges
    did not fit them and the default tier rule placed the factors."""
    if outcome is None:
        return ""
    return f"{outcome.n_levels}{' (default tiers)' if outcome.default_tiers else ''}"


def pairs_table(s: Sensitivity, limit: int | None = None) -> Table:
    """Each contested pair under each other letter an expert gave it, the pair moving the
    most factors first; ``limit`` keeps that many pairs (those moving some factor first)."""
    shown = s.pairs if limit is None else s.pairs[:limit]
    rows = []
    for p in shown:
        votes = ", ".join(f"{k} {v}" for k, v in p.votes.items() if v)
        verdict = f"{p.verdict} ({p.agreement:.0%}{', tie' if p.tie else ''})".replace("%", " %")
        for k, flip in enumerate(p.flips):
            first = k == 0
            rows.append(
                (
                    p.label if first else "",
                    votes if first else "",
                    verdict if first else "",
                    f"{flip.letter} ({flip.votes})",
                    levels(flip.outcome),
                    moves(flip.outcome),
                )
            )
    notes = [
        f"Verdict: the panel's letter (agreement); other letter: the letter with the number of "
        f"experts who gave it; levels: the hierarchy's levels with it ({s.base.n_levels} with "
        f"the panel's verdicts); {RANK_NOTE}.",
    ]
    if limit is not None and len(s.pairs) > limit:
        notes.append(
            f"{len(s.pairs) - limit} more contested pairs; `ismpanel ism --sensitivity` lists all."
        )
    return Table(
        ("Pair", "Votes", "Verdict", "Other letter", "Levels", "Tier or cluster changes"),
        tuple(rows),
        "Contested pairs under each other letter",
        tuple(notes),
        ("l", "l", "l", "l", "r", "l"),
    )


def factors_table(s: Sensitivity, limit: int | None = None) -> Table:
    """Each factor's tier, cluster and verdict (with where each pair it depends on takes it,
    and the thresholds, experts left out and rules that move it), and how many panels without
    one expert keep its tier and cluster; ``limit`` names at most that many pairs per factor."""
    panels = s.stability[0].panels if s.stability else 0
    found = _effects(s)
    rows = []
    for f in s.stability:
        entries = found.get(f.factor, [])
        shown = entries if limit is None else entries[:limit]
        parts = ["depends on " + "; ".join(shown)] if shown else []
        if len(entries) > len(shown):
            parts[0] += f"; and {plural(len(entries) - len(shown), 'more pair')}"
        verdict = "; ".join([*parts, *f.other_moves]) or "stable"
        kept = (f"{f.keeps_tier} of {panels}", f"{f.keeps_cluster} of {panels}")
        rows.append((f.factor, f.tier, f.cluster, verdict, *(kept if panels else ("", ""))))
    return Table(
        ("Factor", "Tier", "Cluster", "Verdict", "Keeps tier", "Keeps cluster"),
        tuple(rows),
        "Stability of each factor",
        (
            "Verdict: stable when nothing varied (a contested pair's other letters, another "
            "MICMAC threshold, one expert left out, another aggregation rule) changes the "
            "factor's ISM tier or MICMAC cluster; otherwise what does: the contested pairs, the "
            "one moving most factors first, each with the other letter and where the factor then "
            "stands (its level of the hierarchy's levels, and its tier and cluster where they "
            "change), then the thresholds, experts left out and rules that change its tier or "
            "cluster. Keeps tier, keeps cluster: of the panels with one expert left out.",
        ),
        ("l", "l", "l", "l", "r", "r"),
    )


def _effects(s: Sensitivity) -> dict[str, list[str]]:
    """Per factor, one entry per contested pair that moves it: ``PL2-US2 as O: level 4 of 5,
    autonomous`` (letters with the same effect joined by "or")."""
    level = dict(zip(s.factors, s.base.levels.tolist(), strict=True))
    found: dict[str, list[str]] = {}
    for p in s.pairs:
        groups: dict[str, dict[str, list[str]]] = {}
        for flip in p.flips:
            for c in flip.outcome.changes:
                if not c.moved:
                    continue
                where = [f"level {c.level[1] if c.level else level[c.factor]} of "]
                where[0] += str(flip.outcome.n_levels)
                where += [pair[1] for pair in (c.tier, c.cluster) if pair]
                groups.setdefault(c.factor, {}).setdefault(", ".join(where), []).append(flip.letter)
        for factor, by_place in groups.items():
            found.setdefault(factor, []).append(
                f"{p.label} "
                + ", or ".join(
                    f"as {' or '.join(letters)}: {place}" for place, letters in by_place.items()
                )
            )
    return found


def leave_out_table(s: Sensitivity) -> Table:
    """The structure without each expert in turn."""
    rows = tuple(
        (
            o.expert,
            str(len(o.changed_pairs)),
            levels(o.outcome),
            moves(o.outcome),
        )
        for o in s.leave_one_out
    )
    return Table(
        ("Left out", "Verdicts changed", "Levels", "Tier or cluster changes"),
        rows,
        "The panel without one expert",
        (f"Levels: {s.base.n_levels} with the whole panel; {RANK_NOTE}.",),
        ("l", "r", "r", "l"),
    )


def rules_table(s: Sensitivity) -> Table:
    """The structure under each aggregation rule and threshold."""
    rows = tuple(
        (
            v.majority.describe() + (" (the panel's)" if v.own else ""),
            str(len(v.changed_pairs)),
            levels(v.outcome),
            moves(v.outcome),
        )
        for v in s.majorities
    )
    return Table(
        ("Aggregation", "Verdicts changed", "Levels", "Tier or cluster changes"),
        rows,
        "Aggregation rules and thresholds",
        (
            "Per direction an arc is kept with the share of yes votes stated; per letter a "
            "letter with that share wins, otherwise the direction rule at the same share "
            f"decides; {RANK_NOTE}.",
        ),
        ("l", "r", "r", "l"),
    )


def thresholds_table(s: Sensitivity) -> Table:
    """The clusters under each MICMAC threshold and their agreement with the ISM tiers."""
    rows = tuple(
        (
            THRESHOLD_LABELS.get(t.threshold.rule, t.threshold.rule)
            + (" (the study's)" if t.own else ""),
            f"{t.threshold.driving:g}",
            f"{t.threshold.dependence:g}",
            f"{t.agreeing} of {t.expected}",
            "; ".join(change_words(c) for c in t.changes if c.cluster) or "none",
        )
        for t in s.thresholds
    )
    return Table(
        ("MICMAC threshold", "Driving", "Dependence", "Tiers agree", "Cluster changes"),
        rows,
        "MICMAC thresholds",
        (
            "Tiers agree: surface- and deep-tier factors in the cluster their tier expects "
            f"(dependent, independent); {RANK_NOTE}.",
        ),
        ("l", "r", "r", "r", "l"),
    )
