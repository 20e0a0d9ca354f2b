"""Calibrating an LLM panelist before it may vote: its letters on the pairs where the human
panel agreed (at least two humans answered and all gave the same letter), the share it gets
right, Cohen's kappa, and the letters it used beside the humans'.

A panelist whose kappa is under ``MIN_KAPPA`` (0.4, the lower bound of "moderate" agreement
in Landis and Koch's reading), or that was compared on fewer than ``MIN_PAIRS`` pairs, does
not pass; ``aggregate --include-llm`` and the analyses then refuse it unless the facilitator
accepted it anyway (``llm-expert --expert L1 --accept``), which is recorded and named in the
brief. A panelist never calibrated votes as before. The record lives in panel.db (table
``meta``), one JSON document per panelist.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, replace

from ismpanel.analysis.relations import LETTERS
from ismpanel.elicitation.agreement import cohen_kappa
from ismpanel.elicitation.panel import counted_answers
from ismpanel.elicitation.store import Pair, PanelStore
from ismpanel.errors import InputError
from ismpanel.text import printable

MIN_KAPPA = 0.4
MIN_PAIRS = 5
KEY = "llm_calibration"


@dataclass(frozen=True)
class Calibration:
    """One panelist against the human panel's agreed pairs; ``accepted`` when the
    facilitator let it vote although it did not pass."""

    expert: str
    pairs: int
    compared: int
    agreed: int
    kappa: float | None
    letters: dict[str, int]
    human_letters: dict[str, int]
    accepted: bool = False

    @property
    def share(self) -> float | None:
        return self.agreed / self.compared if self.compared else None

    @property
    def passed(self) -> bool:
        return self.compared >= MIN_PAIRS and self.kappa is not None and self.kappa >= MIN_KAPPA

    def describe(self) -> str:
        """One line: agreement, kappa, the verdict against the threshold, the letters."""
        if not self.compared:
            return f"not compared: none of the {self.pairs} agreed pair(s) answered"
        kappa = f"{self.kappa:.3f}" if self.kappa is not None else "n/a"
        verdict = "passes" if self.passed else "does not pass"
        if not self.passed and self.accepted:
            verdict += ", accepted by the facilitator"
        return (
            f"agreement {self.share:.0%} ({self.agreed} of {self.compared} pairs the humans "
            f"agreed on), Cohen's kappa {kappa} ({verdict}: kappa >= {MIN_KAPPA} on at least "
            f"{MIN_PAIRS} pairs); letters {letter_counts(self.letters)}, humans "
            f"{letter_counts(self.human_letters)}"
        )


def letter_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{c} {counts.get(c, 0)}" for c in LETTERS)


def agreed_pairs(store: PanelStore) -> dict[Pair, str]:
    """The pairs on which at least two human experts answered and all gave one letter (the
    answers that count: none a withdrawn expert gave from the round they withdrew)."""
    humans = [e.id for e in store.experts("human")]
    latest = counted_answers(store)
    found = {}
    for pair in store.pairs:
        given = [latest[e][pair] for e in humans if pair in latest.get(e, {})]
        if len(given) >= 2 and len(set(given)) == 1:
            found[pair] = given[0]
    return found


def calibrate(store: PanelStore, expert: str) -> Calibration:
    """Compare a panelist's latest letters with the humans' on their agreed pairs and keep
    the result (an earlier acceptance is kept too)."""
    agreed = agreed_pairs(store)
    mine = store.latest_answers().get(expert, {})
    compared = [p for p in agreed if p in mine]
    ours, theirs = [mine[p] for p in compared], [agreed[p] for p in compared]
    earlier = calibrations(store).get(expert)
    found = Calibration(
        expert,
        len(agreed),
        len(compared),
        sum(a == b for a, b in zip(ours, theirs, strict=True)),
        cohen_kappa(ours, theirs),
        dict(Counter(ours)),
        dict(Counter(theirs)),
        accepted=bool(earlier and earlier.accepted),
    )
    _save(store, found)
    return found


def accept(store: PanelStore, expert: str) -> Calibration:
    """Record that the facilitator lets a panelist vote although it did not pass."""
    found = calibrations(store).get(expert)
    if found is None:
        raise InputError(f"{expert} has not been calibrated; run llm-expert DIR --calibrate first")
    accepted = Calibration(**{**asdict(found), "accepted": True})
    _save(store, accepted)
    return accepted


def calibrations(store: PanelStore) -> dict[str, Calibration]:
    """Every stored calibration, by panelist."""
    found = {}
    for expert, value in store.settings(KEY).items():
        try:
            found[expert] = _checked(Calibration(**json.loads(value)))
        except (TypeError, ValueError):
            continue  # a record from another version: the panelist counts as uncalibrated
    return found


def _checked(c: Calibration) -> Calibration:
    """A stored record with the types it must have (anyone in a shared study's group can
    write panel.db): a ValueError otherwise, and the record counts as absent."""
    counts_ok = all(
        isinstance(d, dict) and all(isinstance(k, str) and type(v) is int for k, v in d.items())
        for d in (c.letters, c.human_letters)
    )
    numbers_ok = all(type(x) is int for x in (c.pairs, c.compared, c.agreed)) and (
        c.kappa is None or type(c.kappa) in (int, float)
    )
    if not (isinstance(c.expert, str) and counts_ok and numbers_ok and type(c.accepted) is bool):
        raise ValueError("calibration record of the wrong shape")
    return replace(c, expert=printable(c.expert))


def check_voters(store: PanelStore, voters: list[str]) -> None:
    """Refuse LLM panelists among the voters whose calibration did not pass and that the
    facilitator has not accepted."""
    failing = [
        c for e, c in calibrations(store).items() if e in voters and not (c.passed or c.accepted)
    ]
    if failing:
        first = failing[0]
        raise InputError(
            f"{first.expert} may not vote: its calibration does not pass ({first.describe()}); "
            f"leave out --include-llm, or accept it with llm-expert DIR --expert "
            f"{first.expert} --accept"
        )


def _save(store: PanelStore, found: Calibration) -> None:
    if not store.keep_setting(KEY, found.expert, json.dumps(asdict(found))):
        raise InputError(f"{store.folder}: panel.db cannot be written; the calibration is lost")
