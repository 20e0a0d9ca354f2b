"""The structure's sensitivity to the panel's judgments for a study: the engine run on the
answers that count, and the sentences the brief states about it, each built from the results
it states (analysis/sensitivity.py computes; report/sensitivity_tables.py tabulates)."""

from __future__ import annotations

from collections.abc import Mapping

from ismpanel.analysis import recommend
from ismpanel.analysis.majority import Pair
from ismpanel.analysis.recommend import FactorProfile
from ismpanel.analysis.sensitivity import sensitivity
from ismpanel.analysis.sensitivity_results import Sensitivity, ThresholdVariant
from ismpanel.analysis.structure import Options
from ismpanel.elicitation.aggregate import PanelOptions
from ismpanel.elicitation.store import PanelStore
from ismpanel.report.markdown import join_ids, plural

TOP_PAIRS = 3
METHOD = (
    "each contested pair set in turn to each other letter an expert gave it; each expert left "
    "out in turn; aggregation per direction and per letter with the panel's rule, at least "
    "60 % and at least two thirds; MICMAC thresholds n/2, mean and median; a factor depends "
    "on a pair when another letter of it changes the factor's ISM tier or MICMAC cluster, and "
    "is stable when none of these variations changes either"
)
THRESHOLD_WORDS = {"half (n/2)": "n/2", "mean": "the mean", "median": "the median"}


def of_panel(
    store: PanelStore,
    panel: PanelOptions,
    below: float,
    options: Options,
    other_points: Mapping[str, tuple[tuple[str, int, int], ...]] | None = None,
) -> Sensitivity:
    """The sensitivity of a study's structure: the voting experts' latest answers aggregated
    as ``panel`` says, the structure analysed with ``options`` (those of the panel's model)."""
    from ismpanel.elicitation.panel import panel_answers

    answers = panel_answers(store, panel.include_llm)
    return run(store.study.factor_ids, store.pairs, answers, panel, below, options, other_points)


def run(
    factors: tuple[str, ...],
    pairs: list[Pair],
    answers: Mapping[str, Mapping[Pair, str]],
    panel: PanelOptions,
    below: float,
    options: Options,
    other_points: Mapping[str, tuple[tuple[str, int, int], ...]] | None = None,
) -> Sensitivity:
    """The engine on given answers, with the panel's rule and quorum."""
    return sensitivity(
        factors,
        pairs,
        answers,
        rule=panel.rule,
        quorum=panel.quorum,
        below=below,
        options=options,
        other_points=other_points,
    )


def other_points(profiles: list[FactorProfile]) -> dict[str, tuple[tuple[str, int, int], ...]]:
    """Each factor's priority points from sources other than the structure (fsQCA), which the
    sensitivity leaves as they are so that its ranks are the brief's."""
    return {
        p.id: tuple(x for x in p.points if x[0] != recommend.SOURCE_STRUCTURE) for p in profiles
    }


def paragraphs(s: Sensitivity) -> list[list[str]]:
    """What the sensitivity shows, one sentence per fact, in two paragraphs: the contested
    pairs varied, the factors that keep their tier and cluster and the pairs to reopen first;
    then the panels without one expert, the other aggregation rules, the MICMAC thresholds and
    the factors that keep their tier and cluster under every variation."""
    return [_contested(s), [*_leave_one_out(s), *_rules(s), *_thresholds(s), _overall(s)]]


def _contested(s: Sensitivity) -> list[str]:
    cut = f"agreement under {s.below:.0%}".replace("%", " %")
    if not s.pairs:
        return [f"No pair is contested ({cut} or a tie), so no verdict was varied."]
    flips = sum(len(p.flips) for p in s.pairs)
    found = [
        f"Each of the {plural(len(s.pairs), 'contested pair')} ({cut} or a tie) was set in "
        f"turn to each other letter an expert gave it ({plural(flips, 'alternative')}) and "
        "the structure recomputed."
    ]
    stable = [f.factor for f in s.stability if not f.depends_on]
    if len(stable) == len(s.stability):
        found.append("Every factor keeps its ISM tier and MICMAC cluster under each of them.")
    elif stable:
        found.append(
            f"{join_ids(stable)} {_keep(stable)} ISM tier and MICMAC cluster under each of "
            f"them; the tier or cluster of the other "
            f"{plural(len(s.stability) - len(stable), 'factor')} changes under at least one."
        )
    else:
        found.append("Every factor's tier or cluster changes under at least one of them.")
    moving = [p for p in s.pairs if p.moved][:TOP_PAIRS]
    if moving:
        listed = ", ".join(f"{p.label} ({plural(len(p.moved), 'factor')})" for p in moving)
        found.append(
            "The pairs whose other letters change the tier or cluster of the most factors, "
            f"and so the first to reopen in a further Delphi round: {listed}."
        )
    return found


def _leave_one_out(s: Sensitivity) -> list[str]:
    if not s.leave_one_out:
        return ["With a single expert, none can be left out."]
    open_panels = [o.expert for o in s.leave_one_out if o.outcome is None]
    found = []
    panels = len(s.leave_one_out) - len(open_panels)
    if panels:
        kept = [f.factor for f in s.stability if f.keeps_tier == f.keeps_cluster == panels]
        who = (
            f"{join_ids(kept)} {_keep(kept)} tier and cluster in every one"
            if kept
            else "no factor keeps its tier and cluster in every one"
        )
        found.append(
            f"Leaving out one expert at a time ({plural(panels, 'panel')} analysed), {who}."
        )
    if open_panels:
        found.append(
            f"Without {join_ids(open_panels)}, some pair falls under the quorum, so "
            f"{'that panel was' if len(open_panels) == 1 else 'those panels were'} not analysed."
        )
    return found


def _rules(s: Sensitivity) -> list[str]:
    others = [v for v in s.majorities if not v.own]
    same = [v.majority.describe() for v in others if v.outcome and not v.outcome.changes]
    found = []
    if same:
        found.append(
            f"Aggregated {'; or '.join(same)}, every factor keeps its level, tier, cluster "
            "and priority rank."
        )
    for v in others:
        rule = v.majority.describe()
        if v.outcome is None:
            found.append(f"Aggregated {rule}, some pair has no verdict (under the quorum).")
            continue
        k = len(v.changed_pairs)
        changed = f"{plural(k, 'verdict')} {'changes' if k == 1 else 'change'}"
        if v.outcome.moved:
            found.append(
                f"Aggregated {rule}, {changed}, and with {'it' if k == 1 else 'them'} the tier "
                f"or cluster of {join_ids(v.outcome.moved)}."
            )
        elif v.outcome.changes:
            found.append(f"Aggregated {rule}, {changed}: levels or ranks move, no tier or cluster.")
    return found


def _thresholds(s: Sensitivity) -> list[str]:
    found = []
    expected = s.thresholds[0].expected
    if not expected:
        found.append(
            "No factor is in the surface or deep tier, so tiers and clusters are not compared."
        )
    else:
        parts = [f"{t.agreeing} under {_threshold_words(t)}" for t in s.thresholds]
        found.append(
            "ISM tiers and MICMAC clusters agree (a surface-tier factor dependent, a deep-tier "
            f"factor independent) for {', '.join(parts[:-1])} and {parts[-1]} of the "
            f"{plural(expected, 'surface- and deep-tier factor')}."
        )
    others = [t for t in s.thresholds if not t.own]
    moving = [(t, [c for c in t.changes if c.cluster]) for t in others]
    moving = [(t, changes) for t, changes in moving if changes]
    if not moving:
        names = " or ".join(_threshold_words(t) for t in others)
        found.append(f"No factor changes MICMAC cluster under {names}.")
    for t, changes in moving:
        ids = [c.factor for c in changes]
        verb = "changes" if len(ids) == 1 else "change"
        moves = ", ".join(f"{c.factor} {c.cluster[0]}→{c.cluster[1]}" for c in changes)
        found.append(f"Under {_threshold_words(t)}, {join_ids(ids)} {verb} cluster ({moves}).")
    return found


def _overall(s: Sensitivity) -> str:
    stable = [f.factor for f in s.stability if f.stable]
    if len(stable) == len(s.stability):
        return "Under every variation analysed, every factor keeps its ISM tier and MICMAC cluster."
    if not stable:
        return (
            "Every factor's tier or cluster changes under some variation; the verdicts below "
            "name which."
        )
    return (
        f"Under every variation analysed, {join_ids(stable)} {_keep(stable)} ISM tier and "
        "MICMAC cluster; the verdicts below name what changes the others'."
    )


def _keep(ids: list[str]) -> str:
    return "keeps its" if len(ids) == 1 else "keep their"


def _threshold_words(t: ThresholdVariant) -> str:
    words = THRESHOLD_WORDS.get(t.threshold.rule, f"the {t.threshold.rule} threshold")
    return f"{words} (the study's threshold)" if t.own else words
