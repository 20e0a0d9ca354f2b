"""The panel as a whole: progress per expert, the answers that count, the aggregated SSIM, and
mapping an expert's spreadsheet SSIM onto the study's pairs."""

from __future__ import annotations

from dataclasses import dataclass

from ismpanel.analysis.errors import AnalysisError, InputError
from ismpanel.elicitation.aggregate import Aggregate, aggregate
from ismpanel.elicitation.store import Pair, PanelStore, study_pairs
from ismpanel.elicitation.study import Study

SWAP = {"V": "A", "A": "V", "X": "X", "O": "O"}


@dataclass(frozen=True)
class Progress:
    """An expert's progress in the current round (for the facilitator's eyes)."""

    id: str
    name: str
    kind: str
    answered: int
    total: int
    last_activity: str | None

    @property
    def finished(self) -> bool:
        return self.answered >= self.total


def progress(store: PanelStore) -> list[Progress]:
    """Answered/total in the current round and last activity, per expert."""
    number = store.current_round()
    pairs = set(store.round_pairs(number))
    found = []
    for e in store.experts():
        answered = len(pairs & set(store.round_answers(e.id, number)))
        found.append(
            Progress(e.id, e.name, e.kind, answered, len(pairs), store.last_activity(e.id))
        )
    return found


def panel_answers(store: PanelStore, include_llm: bool = False) -> dict[str, dict[Pair, str]]:
    """Each voting expert's latest answer per pair; every registered voter appears, so that
    the ones who have not answered a pair are reported missing."""
    latest = store.latest_answers()
    return {e.id: latest.get(e.id, {}) for e in store.experts() if e.kind == "human" or include_llm}


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
    """Refuse to analyse while a voting expert has not finished the current round."""
    behind = [p for p in progress(store) if (p.kind == "human" or include_llm) and not p.finished]
    if behind:
        who = ", ".join(f"{p.id} ({p.answered} of {p.total})" for p in behind)
        raise AnalysisError(
            f"{store.folder}: panel incomplete: {who} not finished; --allow-incomplete "
            "analyses the answers given"
        )


def panel_ssim(study: Study, result: Aggregate) -> list[list[str]]:
    """The aggregated SSIM as a grid (header row and column of ids, upper triangle letters),
    the layout the SSIM reader takes; pairs without a result are refused, named."""
    open_pairs = result.unresolved()
    if open_pairs:
        names = ", ".join(f"{p.pair[0]}-{p.pair[1]}" for p in open_pairs[:8])
        more = f" and {len(open_pairs) - 8} more" if len(open_pairs) > 8 else ""
        raise AnalysisError(
            f"no majority for {len(open_pairs)} pair(s) (unanswered or below the quorum): "
            f"{names}{more}"
        )
    return letters_grid(study.factor_ids, result.letters())


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
        letter = ssim[i, j] if i < j else SWAP.get(ssim[j, i], "")
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


def record_ssim(store: PanelStore, expert: str, factors: tuple[str, ...], ssim) -> Imported:
    """Record a parsed SSIM (factor order and letters) as an expert's answers to the current
    round's pairs, in one transaction; blank pairs stay unanswered."""
    letters = study_pair_letters(store.study, factors, ssim)
    number = store.current_round()
    wanted = store.round_pairs(number)
    earlier = store.round_answers(expert, number)
    given = {p: letters[p] for p in wanted if p in letters}
    store.record_many(expert, number, given, "import")
    changed = sum(1 for p in given if p in earlier and earlier[p] != given[p])
    return Imported(len(given), len(wanted) - len(given), changed, number)
