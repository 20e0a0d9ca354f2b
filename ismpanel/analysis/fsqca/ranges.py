"""Sensitivity ranges (R SetMethods' ``rob.inclrange``, ``rob.ncutrange``, ``rob.calibrange``;
Oana and Schneider 2021): for one analytic choice, the range of values within which the
solution's formula does not change, found by stepping the value down and then up by a fixed
step, at most :data:`MAX_RUNS` steps each way. As in SetMethods, a bound is the last value
tested at which the formula held; the value at which it changed is kept too, and a side that
did not change within its steps, or reached the end of the choice's domain (a PRI cut of 0,
an anchor meeting its neighbour or leaving the condition's observed values: a Likert item's
anchor is not stepped past the answers given), says so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ismpanel.analysis.fsqca import calibrate as cal
from ismpanel.analysis.fsqca import pipeline
from ismpanel.analysis.fsqca.data import Dataset
from ismpanel.analysis.fsqca.reruns import Formula, Reruns

MAX_RUNS = 20
STEPS = {"incl_cut": 0.01, "pri_cut": 0.01, "n_cut": 1}
ANCHOR_STEP = 0.025  # of the condition's observed range (max - min)
ANCHOR_NAMES = ("exclusion", "crossover", "inclusion")
CHOICE_NAMES = {"incl_cut": "consistency cut", "pri_cut": "PRI cut", "n_cut": "frequency cut"}


@dataclass(frozen=True)
class Side:
    """One direction of the search: the last value at which the formula held, the value at
    which it changed (None when it did not), and why the search stopped: ``changed``,
    ``steps`` (no change within :data:`MAX_RUNS` steps), ``domain`` (the next value is not
    a valid choice), ``time`` (the time limit ran out before the next value's rerun finished)
    or ``unsettled`` (a formula lists only some of its models, so whether it changed is not
    established; ``change`` says why)."""

    held: float
    changed_at: float | None
    stop: str
    change: str = ""  # what the formula became, or why there was none


@dataclass(frozen=True)
class Range:
    """The sensitivity range of one choice: its name, value, step and both sides."""

    choice: str
    label: str
    value: float
    step: float
    low: Side
    high: Side

    @property
    def binding(self) -> bool:
        """Whether the formula changes within the steps tested on either side."""
        return self.low.changed_at is not None or self.high.changed_at is not None


def same(a: Formula, b: Formula) -> bool | None:
    """Whether two formulas have the same models (each a set of terms); None when that is not
    established, because one lists only some of its models and they are among the other's
    (or both list only some)."""
    if a.error or b.error:
        return False
    ma, mb = {frozenset(m) for m in a.models}, {frozenset(m) for m in b.models}
    if a.partial and b.partial:
        return None
    if a.partial or b.partial:
        listed, full = (ma, mb) if a.partial else (mb, ma)
        return False if not listed <= full else None
    return ma == mb


def _walk(
    value: float,
    step: float,
    sign: int,
    rerun: Callable[[float], tuple[Formula, bool]],
    base: Formula,
    describe: Callable[[Formula], str],
) -> Side:
    """Step from ``value`` by ``sign * step`` until the formula changes, the steps run out
    or the value leaves the choice's domain (``rerun`` gives the formula and whether the
    value was valid)."""
    held = value
    for n in range(1, MAX_RUNS + 1):
        v = round(value + sign * n * step, 10)
        found, valid = rerun(v)
        if not found.ran:
            return Side(held, None, "time")
        if not valid:
            return Side(held, None, "domain")
        kept = same(found, base)
        if kept is None:
            return Side(held, None, "unsettled", found.partial or base.partial or "")
        if not kept:
            return Side(held, v, "changed", describe(found))
        held = v
    return Side(held, None, "steps")


def threshold_ranges(
    data: Dataset,
    options: pipeline.Options,
    base: Formula,
    reruns: Reruns,
    describe: Callable[[Formula], str],
) -> list[Range]:
    """The ranges of the consistency cut (ic1; ic0 follows it down), the PRI cut and the
    frequency cut; the memberships do not change, so each step only recodes the table."""
    cases = len(data.case_ids)
    tab = reruns.table(data, options)

    def options_for(choice: str, v: float) -> pipeline.Options | None:
        if choice == "incl_cut":
            if not 0 < v <= 1:
                return None
            return replace(options, incl_cut=(v, *[min(c, v) for c in options.incl_cut[1:]]))
        if choice == "pri_cut":
            return replace(options, pri_cut=v) if 0 <= v <= 1 else None
        return replace(options, n_cut=int(v)) if 1 <= v <= cases else None

    out = []
    for choice, value in (
        ("incl_cut", options.incl_cut[0]),
        ("pri_cut", options.pri_cut),
        ("n_cut", float(options.n_cut)),
    ):

        def rerun(v: float, choice: str = choice) -> tuple[Formula, bool]:
            opts = options_for(choice, v)
            if opts is None:
                return Formula(error="outside the domain"), False
            found, used = reruns.run(data, opts, tab)
            return found, used is not None

        step = STEPS[choice]
        low = _walk(value, step, -1, rerun, base, describe)
        high = _walk(value, step, 1, rerun, base, describe)
        out.append(Range(choice, CHOICE_NAMES[choice], value, step, low, high))
    return out


def anchor_ranges(
    data: Dataset,
    options: pipeline.Options,
    calibration: dict[str, cal.Calibrated],
    conditions: list[str],
    base: Formula,
    reruns: Reruns,
    describe: Callable[[Formula], str],
) -> list[Range]:
    """The ranges of each calibration anchor of each condition calibrated by the direct or
    crisp method (percentile anchors as the values they resolved to), stepped by
    :data:`ANCHOR_STEP` of the condition's observed range; the other anchors stay put."""
    out = []
    for name in conditions:
        c = calibration[name]
        if c.method not in ("direct", "crisp"):
            continue
        raw = data.columns[name]
        lowest, highest = float(raw.min()), float(raw.max())
        span = highest - lowest
        if span <= 0:
            continue
        step = round(span * ANCHOR_STEP, 10)
        names = ANCHOR_NAMES if c.method == "direct" else ("threshold",)
        for j, anchor_name in enumerate(names):

            def rerun(
                v: float,
                j: int = j,
                c: cal.Calibrated = c,
                name: str = name,
                bounds: tuple[float, float] = (lowest, highest),
            ) -> tuple[Formula, bool]:
                if not bounds[0] <= v <= bounds[1]:
                    return Formula(error="outside the observed values"), False
                anchors = list(c.anchors)
                anchors[j] = v
                if c.method == "direct":
                    e, m, i = anchors
                    if not (e < m < i or e > m > i):
                        return Formula(error="anchors out of order"), False
                spec = cal.CalibrationSpec(
                    {**options.calibration.columns, name: cal.Anchor(c.method, tuple(anchors))},
                    options.calibration.convention,
                )
                found, tab = reruns.run(data, replace(options, calibration=spec))
                return found, tab is not None

            value = c.anchors[j]
            low = _walk(value, step, -1, rerun, base, describe)
            high = _walk(value, step, 1, rerun, base, describe)
            out.append(Range("anchor", f"{name} {anchor_name}", value, step, low, high))
    return out
