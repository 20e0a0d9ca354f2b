"""The time budget of an fsQCA run: a wall-clock deadline shared by its steps, and the
errors that say which step ran out."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ismpanel.errors import AnalysisError


@dataclass(frozen=True)
class Deadline:
    """The wall-clock end (``time.time()``) of a time budget and the budget in seconds, so that
    running out can say what the limit was."""

    end: float
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(time.time() + seconds, seconds)

    def remaining(self) -> float:
        """Seconds left, negative once the deadline has passed."""
        return self.end - time.time()

    def check(self, step: str) -> None:
        """Raise a :class:`TimeLimitError` naming ``step`` once the deadline has passed."""
        if time.time() > self.end:
            raise TimeLimitError(step, self.seconds)


class TimeLimitError(AnalysisError):
    """The time limit ran out during ``step``, before that step had a result to report."""

    def __init__(self, step: str, seconds: float) -> None:
        super().__init__(
            f"the time limit of {seconds:g} s ran out while {step}, before any cover of the "
            "positive rows was found; raise --time-limit or use fewer conditions"
        )
        self.step = step
        self.seconds = seconds


class OutOfTime(Exception):
    """The time limit ran out before a part of the chart had a cover."""


def check_deadline(deadline: float | None) -> None:
    """Raise :class:`OutOfTime` once the wall-clock ``deadline`` has passed."""
    if deadline is not None and time.time() > deadline:
        raise OutOfTime
