"""The interview as a state machine, independent of any terminal: which pair comes next, what
an answer, a skip or a step back does, progress and the time left at the expert's own pace.

Order is row by row as in an SSIM form, or a per-expert seeded shuffle; both are the same on
every start, and a start resumes at the first unanswered pair. An expert who has answered
every pair may go to any of them again (review); the store keeps both answers.
"""

from __future__ import annotations

import itertools
import random
import statistics
from dataclasses import dataclass
from datetime import datetime

from ismpanel.analysis.relations import LETTERS
from ismpanel.elicitation.store import Pair, PanelStore
from ismpanel.elicitation.study import Factor
from ismpanel.text import printable

ORDERS = ("rows", "shuffled")
BREAK_SECONDS = 600  # a gap longer than this is a pause, not the expert's pace


@dataclass(frozen=True)
class PairNote:
    """A note shown with a pair: its text on one line, and whether the expert wrote it (other
    experts' notes are anonymous: no id, no name)."""

    text: str
    mine: bool


@dataclass(frozen=True)
class Screen:
    """What one question screen shows; ``distribution`` is the panel's anonymous count of
    letters at the end of round ``feedback_round`` (the round before this one)."""

    position: int
    total: int
    answered: int
    pair: Pair
    first: Factor
    second: Factor
    relation: str
    current: str | None
    previous: str | None
    distribution: dict[str, int] | None
    feedback_round: int | None
    notes: tuple[PairNote, ...]
    seconds_left: float | None


class Session:
    """One expert's interview in the store's current round."""

    def __init__(
        self, store: PanelStore, expert: str, order: str = "rows", source: str = "interview"
    ) -> None:
        if order not in ORDERS:
            raise ValueError(f"unknown order {order!r}")
        self.store = store
        self.source = source
        self.expert = store.expert(expert)
        self.round = store.current_round()
        self.order = store.expert_pairs(expert, self.round)
        if order == "shuffled":
            random.Random(self.expert.seed * 1009 + self.round).shuffle(self.order)
        self.answers = store.round_answers(expert, self.round)
        self.position = self._next_unanswered(-1)
        self._previous, self._distribution = self._earlier_rounds()
        self._notes = self._pair_notes()

    @property
    def total(self) -> int:
        return len(self.order)

    @property
    def answered(self) -> int:
        return sum(1 for p in self.order if p in self.answers)

    @property
    def done(self) -> bool:
        return self.position is None

    def screen(self) -> Screen:
        pair = self.order[self.position]
        study = self.store.study
        return Screen(
            position=self.position + 1,
            total=self.total,
            answered=self.answered,
            pair=pair,
            first=study.factor(pair[0]),
            second=study.factor(pair[1]),
            relation=study.relation,
            current=self.answers.get(pair),
            previous=self._previous.get(pair),
            distribution=self._distribution.get(pair),
            feedback_round=self.round - 1 if self.round > 1 else None,
            notes=tuple(self._notes.get(pair, ())),
            seconds_left=self.seconds_left(),
        )

    def answer(self, letter: str) -> None:
        """Record the answer for the current pair (durable on return), then move to the next
        unanswered pair after it."""
        pair = self.order[self.position]
        letter = letter.upper()
        if letter not in LETTERS:
            raise ValueError(f"not a relation: {letter!r}")
        self.store.record(self.expert.id, self.round, pair, letter, self.source)
        self.answers[pair] = letter
        self.position = self._next_unanswered(self.position)

    def skip(self) -> None:
        """Leave the current pair unanswered and go to the next unanswered one; the interview
        ends when every other pair is answered."""
        self.position = self._next_unanswered(self.position, exclude_current=True)

    def back(self) -> bool:
        """Go to the pair before the current one (answered or not); False on the first pair,
        where there is nothing before."""
        if self.position is None or self.position == 0:
            return False
        self.position -= 1
        return True

    def go_to(self, index: int) -> None:
        """Open the pair at ``index`` (0-based, in interview order) to answer it again: a
        finished expert reviewing their answers."""
        if not 0 <= index < self.total:
            raise ValueError(f"no pair {index + 1} of {self.total}")
        self.position = index

    def note(self, text: str) -> None:
        """Save a note on the current pair (refused with InputError when empty or too long);
        it shows on this pair's screen from then on, marked as the expert's own."""
        pair = self.order[self.position]
        self.store.add_note(self.expert.id, self.round, pair, text)
        self._notes.setdefault(pair, []).append(PairNote(one_line(text), mine=True))

    def seconds_left(self) -> float | None:
        """Median gap between this expert's interview answers (pauses left out) times the
        pairs still open; None until there are two gaps to go on, or when none is open."""
        if self.answered == self.total:
            return None
        stamps = [datetime.fromisoformat(t) for t in self.store.answer_times(self.expert.id)]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]
        gaps = [g for g in gaps if g < BREAK_SECONDS]
        if len(gaps) < 2:
            return None
        return statistics.median(gaps) * (self.total - self.answered)

    def _next_unanswered(self, after: int, exclude_current: bool = False) -> int | None:
        n = len(self.order)
        for step in range(1, n + 1):
            k = (after + step) % n
            if exclude_current and k == after:
                continue
            if self.order[k] not in self.answers:
                return k
        return None

    def _earlier_rounds(self) -> tuple[dict[Pair, str], dict[Pair, dict[str, int]]]:
        """In a later round: this expert's previous answer per pair and the panel's anonymous
        distribution of answers (human experts, latest answers up to the previous round, as
        aggregation counts them: an expert who withdrew only with the answers given before)."""
        if self.round == 1:
            return {}, {}
        from ismpanel.elicitation.panel import round_feedback  # numpy: in later rounds only

        return round_feedback(self.store, self.expert.id, list(self.order), self.round)

    def _pair_notes(self) -> dict[Pair, list[PairNote]]:
        """The notes shown with each pair: the expert's own (any round) and, as round
        feedback, other experts' notes from the rounds before this one, without their ids."""
        found: dict[Pair, list[PairNote]] = {}
        for author, round_, pair, text, _at in self.store.notes():
            mine = author == self.expert.id
            if mine or round_ < self.round:
                found.setdefault(pair, []).append(PairNote(one_line(text), mine))
        return found


def one_line(text: str) -> str:
    """Untrusted text on one line without control characters: a line break in a note or a
    definition cannot draw a line that looks like part of the screen."""
    return " ".join(printable(text).split())
