"""The panel as a whole: progress per expert, the answers that count, the aggregated SSIM, and
mapping an expert's spreadsheet SSIM onto the study's pairs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ismpanel.analysis.relations import LETTERS, SWAPPED
from ismpanel.analysis.ssim import Structure, irm_from_letters
from ismpanel.elicitation.aggregate import Aggregate, PairResult, PanelOptions, aggregate
from ismpanel.elicitation.store import Pair, PanelStore, Withdrawal, study_pairs
from ismpanel.elicitation.study import Study
from ismpanel.errors import AnalysisError, InputError


@dataclass(frozen=True)
class Progress:
    """An expert's progress in the current round (for the facilitator's eyes); ``withdrawn``
    when they left the panel."""

    id: str
    name: str
    kind: str
    answered: int
    total: int
    last_activity: str | None
    withdrawn: Withdrawal | None = None

    @property
    def finished(self) -> bool:
        return self.answered >= self.total


def progress(store: PanelStore) -> list[Progress]:
    """Answered/total in the current round and last activity, per expert."""
    number = store.current_round()
    withdrawn = store.withdrawals()
    found = []
    for e in store.experts():
        pairs = set(store.expert_pairs(e.id, number))
        answered = len(pairs & set(store.round_answers(e.id, number)))
        found.append(
            Progress(
                e.id,
                e.name,
                e.kind,
                answered,
                len(pairs),
                store.last_activity(e.id),
                withdrawn.get(e.id),
            )
        )
    return found


def awaited(store: PanelStore, include_llm: bool = False) -> list[Progress]:
    """The voting experts the current round still waits for: not finished, not withdrawn,
    and the round not closed by the facilitator."""
    if store.round_closed(store.current_round()):
        return []
    return [
        p
        for p in progress(store)
        if (p.kind == "human" or include_llm) and p.withdrawn is None and not p.finished
    ]


def counted_answers(
    store: PanelStore, up_to_round: int | None = None
) -> dict[str, dict[Pair, str]]:
    """Each expert's latest answer per pair up to a round (default: all rounds); an expert
    who withdrew counts only with the answers given before the round they withdrew from."""
    limit = store.current_round() if up_to_round is None else up_to_round
    latest = store.latest_answers(up_to_round=limit)
    earlier: dict[int, dict[str, dict[Pair, str]]] = {0: {}}  # by round, read once each
    for eid, left in store.withdrawals().items():
        if left.round <= limit:
            if left.round - 1 not in earlier:
                earlier[left.round - 1] = store.latest_answers(up_to_round=left.round - 1)
            latest[eid] = earlier[left.round - 1].get(eid, {})
    return latest


def round_feedback(
    store: PanelStore, expert: str, pairs: list[Pair], number: int
) -> tuple[dict[Pair, str], dict[Pair, dict[str, int]]]:
    """What round ``number`` shows an expert on each pair: their previous answer and the
    human panel's anonymous distribution of answers up to the previous round, counted as
    aggregation counts them (an expert who withdrew only with the answers given before).
    Nothing in round 1."""
    if number == 1:
        return {}, {}
    earlier = counted_answers(store, up_to_round=number - 1)
    humans = {e.id for e in store.experts("human")}
    mine = earlier.get(expert, {})
    distribution = {}
    for pair in pairs:
        counts = Counter(a[pair] for e, a in earlier.items() if e in humans and pair in a)
        distribution[pair] = {c: counts.get(c, 0) for c in LETTERS}
    return {p: mine[p] for p in pairs if p in mine}, distribution


@dataclass(frozen=True)
class ExpertSummary:
    """A voting expert as a report states them: pairs answered over the whole study (the
    latest answer per pair, whatever the round), so a later round does not shrink the count,
    and whether they finished the current round."""

    id: str
    kind: str
    answered: int
    total: int
    finished: bool
    round_answered: int
    round_total: int
    withdrawn_from: int | None = None


class VerdictChange(NamedTuple):
    """A pair whose aggregated letter a round changed (None: no verdict); a named tuple, so a
    report may unpack it as ``pair, before, after``."""

    pair: Pair
    before: str | None
    after: str | None


@dataclass(frozen=True)
class RoundRecord:
    """What one round asked and changed: the pairs it reopened, the voting experts' answers
    given in it (one per expert and pair), the reopened pairs on which a voting expert changed
    letter from their previous answer, and the verdicts that moved."""

    number: int
    reopened: list[Pair]
    answers: int
    changed_answers: list[Pair]
    changed_verdicts: list[VerdictChange]


@dataclass(frozen=True)
class PanelSummary:
    """The voting experts' answers over all study pairs and the panel's agreement and rounds,
    as a report states them; ``completion`` is the share of all study pairs answered."""

    experts: list[ExpertSummary]
    round: int
    completion: float
    mean_agreement: float | None
    contested: list[PairResult]
    ties: list[PairResult]
    rounds: list[RoundRecord]
    withdrawn: list[Withdrawal] = field(default_factory=list)
    closed: bool = False

    @property
    def unfinished(self) -> list[str]:
        """The voting experts still in the panel who have not finished the current round."""
        return [e.id for e in self.experts if not e.finished and e.withdrawn_from is None]


def panel_summary(
    store: PanelStore, result: Aggregate, include_llm: bool, below: float
) -> PanelSummary:
    """Each voting expert's pairs answered over the whole study (not just the current round,
    which after a Delphi round holds only the reopened pairs), the share answered, mean
    agreement with the verdicts, the contested and tied pairs, and the rounds' history."""
    latest = counted_answers(store)
    total = len(store.pairs)
    voters = set(_voters(store, include_llm))
    rows = [
        ExpertSummary(
            p.id,
            p.kind,
            sum(1 for pair in store.pairs if pair in latest.get(p.id, {})),
            total,
            p.finished,
            p.answered,
            p.total,
            p.withdrawn.round if p.withdrawn else None,
        )
        for p in progress(store)
        if p.id in voters
    ]
    kinds = {e.id: e.kind for e in store.experts()}
    asked = total * len(rows)
    agreements = [p.agreement for p in result.pairs if p.agreement is not None]
    return PanelSummary(
        experts=rows,
        round=store.current_round(),
        completion=sum(e.answered for e in rows) / asked if asked else 0.0,
        mean_agreement=sum(agreements) / len(agreements) if agreements else None,
        contested=result.contested(below),
        ties=[p for p in result.pairs if p.tie],
        rounds=round_history(
            store, rule=result.rule, quorum=result.quorum, include_llm=include_llm
        ),
        withdrawn=[
            w for w in store.withdrawals().values() if kinds.get(w.expert) == "human" or include_llm
        ],
        closed=store.round_closed(store.current_round()),
    )


def round_history(
    store: PanelStore, *, rule: str = "direction", quorum: int = 1, include_llm: bool = False
) -> list[RoundRecord]:
    """One record per round, oldest first, so a report can say what each Delphi round reopened
    and changed; verdicts compare the answers latest up to the end of the round with those up
    to the end of the previous one (round 1 has no earlier verdict, so none changed)."""
    voters = _voters(store, include_llm)
    left = {e: w.round for e, w in store.withdrawals().items()}
    rounds = store.current_round()
    before: dict[str, dict[Pair, str]] = {}
    verdicts: dict[Pair, str | None] | None = None
    records: list[RoundRecord] = []
    for number in range(1, rounds + 1):
        reopened = store.round_pairs(number)
        given = {
            e: store.round_answers(e, number) if number < left.get(e, number + 1) else {}
            for e in voters
        }
        changed = [
            p
            for p in reopened
            if any(_changed_letter(before.get(e, {}), given[e], p) for e in voters)
        ]
        latest = counted_answers(store, up_to_round=number)
        # verdicts are compared between rounds: a single round needs no aggregation here
        current = _verdicts(store.pairs, latest, voters, rule, quorum) if rounds > 1 else None
        moved = [
            VerdictChange(p, verdicts[p], current[p])
            for p in store.pairs
            if verdicts is not None and current is not None and verdicts[p] != current[p]
        ]
        answers = sum(len(a) for a in given.values())
        records.append(RoundRecord(number, reopened, answers, changed, moved))
        before, verdicts = latest, current
    return records


def _changed_letter(before: dict[Pair, str], given: dict[Pair, str], pair: Pair) -> bool:
    """Whether an expert's answer in a round differs from their answer before the round."""
    return pair in before and pair in given and before[pair] != given[pair]


def _voters(store: PanelStore, include_llm: bool) -> list[str]:
    """The ids of the experts whose answers count: humans, and LLM panelists if included
    (refused for a panelist whose calibration did not pass, unless it was accepted); not
    those who withdrew before giving any answer that counts."""
    withdrawn = store.withdrawals()
    counted = counted_answers(store) if withdrawn else {}
    gone = {e for e in withdrawn if not counted.get(e)}
    voters = [
        e.id for e in store.experts() if (e.kind == "human" or include_llm) and e.id not in gone
    ]
    if include_llm:
        from ismpanel.elicitation.llm.calibration import check_voters

        check_voters(store, voters)
    return voters


def _verdicts(
    pairs: list[Pair],
    latest: dict[str, dict[Pair, str]],
    voters: list[str],
    rule: str,
    quorum: int,
) -> dict[Pair, str | None]:
    """The aggregated letter per pair (None: no verdict) from the voters' given answers."""
    answers = {e: latest.get(e, {}) for e in voters}
    return {r.pair: r.result for r in aggregate(pairs, answers, rule=rule, quorum=quorum).pairs}


def panel_answers(store: PanelStore, include_llm: bool = False) -> dict[str, dict[Pair, str]]:
    """Each voting expert's latest answer per pair; every registered voter appears, so that
    the ones who have not answered a pair are reported missing."""
    latest = counted_answers(store)
    return {e: latest.get(e, {}) for e in _voters(store, include_llm)}


def aggregate_panel(
    store: PanelStore, *, rule: str = "direction", quorum: int = 1, include_llm: bool = False
) -> Aggregate:
    """Majority aggregation of the panel's current answers over all study pairs."""
    answers = panel_answers(store, include_llm)
    if not answers:
        raise AnalysisError(f"{store.folder}: no experts yet; add some with expert add")
    if not any(answers.values()):
        raise AnalysisError(f"{store.folder}: no answers yet")
    return aggregate(store.pairs, answers, rule=rule, quorum=quorum)


def require_complete(store: PanelStore, include_llm: bool = False) -> None:
    """Refuse to analyse while the current round waits for a voting expert."""
    behind = awaited(store, include_llm)
    if behind:
        who = ", ".join(f"{p.id} ({p.answered} of {p.total})" for p in behind)
        raise AnalysisError(
            f"{store.folder}: panel incomplete: {who} not finished; round close takes their "
            "unanswered pairs as missing, expert withdraw takes an expert out, "
            "--allow-incomplete analyses the answers given"
        )


@dataclass(frozen=True)
class PanelStructure:
    """The panel's aggregation and the structure (factors, IRM, letters) it yields."""

    aggregate: Aggregate
    structure: Structure


def panel_structure(store: PanelStore, options: PanelOptions) -> PanelStructure:
    """Aggregate the panel and build the SSIM the analysis takes; an unfinished panel (unless
    allowed) and pairs without a majority are refused, named."""
    if not options.allow_incomplete:
        require_complete(store, options.include_llm)
    result = aggregate_panel(
        store, rule=options.rule, quorum=options.quorum, include_llm=options.include_llm
    )
    open_pairs = result.unresolved()
    if open_pairs:
        names = ", ".join(f"{p.pair[0]}-{p.pair[1]}" for p in open_pairs[:8])
        more = f" and {len(open_pairs) - 8} more" if len(open_pairs) > 8 else ""
        raise AnalysisError(
            f"no majority for {len(open_pairs)} pair(s) (unanswered or below the quorum): "
            f"{names}{more}"
        )
    ids = store.study.factor_ids
    position = {f: k for k, f in enumerate(ids)}
    letters = np.full((len(ids), len(ids)), "", dtype="<U1")
    for (a, b), letter in result.letters().items():
        letters[position[a], position[b]] = letter
    return PanelStructure(result, Structure(ids, irm_from_letters(letters), letters))


def letters_grid(
    ids: tuple[str, ...], letters: dict[Pair, str], descending: bool = False
) -> list[list[str]]:
    """An SSIM grid of letters for the given pairs (missing pairs blank); ``descending``
    prints the columns last factor first, as many papers do."""
    columns = list(reversed(ids)) if descending else list(ids)
    position = {f: k for k, f in enumerate(ids)}
    grid = [["", *columns]]
    for a in ids:
        row = [a]
        for b in columns:
            if position[b] > position[a]:
                row.append(letters.get((a, b), ""))
            else:
                row.append("X" if a == b else "")
        grid.append(row)
    return grid


def study_pair_letters(study: Study, factors: tuple[str, ...], ssim) -> dict[Pair, str]:
    """Map a parsed SSIM file (its factor order and letters) onto the study's pairs: the same
    ids are required; a pair written in the other order has V and A swapped; blank pairs (a
    partly filled form) are left out."""
    given, wanted = set(factors), set(study.factor_ids)
    if given != wanted:
        missing = ", ".join(sorted(wanted - given)) or "none"
        extra = ", ".join(sorted(given - wanted)) or "none"
        raise InputError(f"factor ids differ from the study's: missing {missing}; unknown {extra}")
    pos = {f: k for k, f in enumerate(factors)}
    found = {}
    for a, b in study_pairs(study):
        i, j = pos[a], pos[b]
        letter = ssim[i, j] if i < j else SWAPPED.get(ssim[j, i], "")
        if letter:
            found[(a, b)] = letter
    return found


@dataclass(frozen=True)
class Imported:
    """What recording an expert's SSIM did."""

    recorded: int
    blank: int
    changed: int
    round: int
    kept: tuple[Pair, ...] = ()  # blank in the file, answered before: the answer stands
    ignored: tuple[Pair, ...] = ()  # a new letter for a pair this round did not reopen


def record_ssim(store: PanelStore, expert: str, factors: tuple[str, ...], ssim) -> Imported:
    """Record a parsed SSIM (factor order and letters) as an expert's answers to the current
    round's pairs, in one transaction; blank pairs stay unanswered. Says which blank pairs
    keep an earlier answer and which changed letters fall outside the round's pairs, so that
    neither goes unnoticed."""
    store.check_open(expert)
    letters = study_pair_letters(store.study, factors, ssim)
    number = store.current_round()
    wanted = store.expert_pairs(expert, number)
    earlier = store.latest_answers().get(expert, {})
    given = {p: letters[p] for p in wanted if p in letters}
    store.record_many(expert, number, given, "import")
    changed = sum(1 for p in given if p in earlier and earlier[p] != given[p])
    kept = tuple(p for p in wanted if p not in letters and p in earlier)
    asked = set(wanted)
    ignored = tuple(
        p for p, v in letters.items() if p not in asked and p in earlier and earlier[p] != v
    )
    return Imported(len(given), len(wanted) - len(given), changed, number, kept, ignored)
