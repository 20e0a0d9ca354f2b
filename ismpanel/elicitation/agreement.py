"""How far each LLM panelist agrees with the human panel: per pair, the share of pairs, and
Cohen's kappa between its letters and the human majority's.

The human majority is the aggregation of the human experts alone (same rule and quorum as
the report it goes with), whether or not LLM panelists vote there. A pair is compared when
the humans have a majority on it (a result, no tie, quorum met) and the panelist answered
it; the other pairs are listed with no verdict on agreement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ismpanel.analysis.relations import LETTERS
from ismpanel.elicitation.aggregate import aggregate
from ismpanel.elicitation.panel import counted_answers, panel_answers
from ismpanel.elicitation.store import Pair, PanelStore


@dataclass(frozen=True)
class PairAgreement:
    """One pair: the panelist's letter, the human majority's, and whether they agree (None
    when either is missing)."""

    pair: Pair
    llm: str | None
    human: str | None

    @property
    def agree(self) -> bool | None:
        if self.llm is None or self.human is None:
            return None
        return self.llm == self.human


@dataclass(frozen=True)
class LlmAgreement:
    """One LLM panelist against the human majority over the study's pairs."""

    expert: str
    model: str | None
    pairs: list[PairAgreement]
    kappa: float | None

    @property
    def compared(self) -> int:
        return sum(p.agree is not None for p in self.pairs)

    @property
    def agreed(self) -> int:
        return sum(p.agree is True for p in self.pairs)

    @property
    def share(self) -> float | None:
        return self.agreed / self.compared if self.compared else None


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters over the same items (V, A, X, O): (po - pe) / (1 - pe),
    with pe from each rater's own marginal shares; None with no items or when pe is 1."""
    if len(first) != len(second):
        raise ValueError("both raters must rate the same items")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    a_counts, b_counts = Counter(first), Counter(second)
    expected = sum(a_counts[c] * b_counts[c] for c in LETTERS) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def compare(
    expert: str,
    model: str | None,
    pairs: Sequence[Pair],
    letters: Mapping[Pair, str],
    majority: Mapping[Pair, str | None],
) -> LlmAgreement:
    """A panelist's letters against the human majority, pair by pair, with Cohen's kappa
    over the compared pairs."""
    rows = [PairAgreement(p, letters.get(p), majority.get(p)) for p in pairs]
    compared = [r for r in rows if r.agree is not None]
    kappa = cohen_kappa([r.llm for r in compared], [r.human for r in compared])
    return LlmAgreement(expert, model, rows, kappa)


def human_majority(store: PanelStore, rule: str, quorum: int) -> dict[Pair, str | None]:
    """The human experts' majority letter per pair; None where they tie, fall under the
    quorum, or have not answered."""
    humans = panel_answers(store, include_llm=False)
    if not any(humans.values()):
        return dict.fromkeys(store.pairs)
    result = aggregate(store.pairs, humans, rule=rule, quorum=quorum)
    return {p.pair: None if p.tie or p.below_quorum else p.result for p in result.pairs}


def llm_agreement(store: PanelStore, *, rule: str, quorum: int) -> list[LlmAgreement]:
    """Every LLM panelist's agreement with the human majority (empty without panelists); a
    panelist who withdrew from round 1 has no answer that counts and is left out."""
    gone = {e for e, w in store.withdrawals().items() if w.round == 1}
    panelists = [e for e in store.experts("llm") if e.id not in gone]
    if not panelists:
        return []
    majority = human_majority(store, rule, quorum)
    latest = counted_answers(store)
    settings = store.llm_panelists()
    return [
        compare(
            e.id,
            settings[e.id].model if e.id in settings else None,
            store.pairs,
            latest.get(e.id, {}),
            majority,
        )
        for e in panelists
    ]
