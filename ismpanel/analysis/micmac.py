"""MICMAC: driving power against dependence, the four clusters, and the check of MICMAC clusters
against the ISM tiers (docs/architecture.md, Method definitions); the indirect rankings are in
:mod:`indirect`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ismpanel.errors import InputError

QUADRANTS = ("autonomous", "dependent", "linkage", "independent")
THRESHOLD_RULES = ("half", "mean", "median")
EXPECTED_QUADRANT = {"surface": "dependent", "middle": None, "deep": "independent"}


@dataclass(frozen=True)
class Threshold:
    """Where an axis turns from weak to strong; a power equal to the threshold is weak unless
    ``equal_is_strong``."""

    rule: str
    driving: float
    dependence: float
    equal_is_strong: bool = False

    def strong(self, values: np.ndarray | float, limit: float) -> np.ndarray | bool:
        """Whether powers are strong against an axis's threshold ``limit``: above it, or equal
        to it when ``equal_is_strong``. The one place the rule is written."""
        return (
            np.greater_equal(values, limit) if self.equal_is_strong else np.greater(values, limit)
        )

    def describe(self) -> str:
        side = "strong" if self.equal_is_strong else "weak"
        return (
            f"threshold {self.rule}: driving {self.driving:g}, dependence {self.dependence:g}; "
            f"a power above it is strong, a power equal to it is {side}"
        )


def threshold(
    rule: str, driving: np.ndarray, dependence: np.ndarray, *, equal_is_strong: bool = False
) -> Threshold:
    """Threshold by rule: ``half`` (n/2 on both axes), ``mean``, ``median`` (per axis), a number."""
    n = len(driving)
    if rule == "half":
        return Threshold("half (n/2)", n / 2, n / 2, equal_is_strong)
    if rule == "mean":
        return Threshold(
            "mean", float(np.mean(driving)), float(np.mean(dependence)), equal_is_strong
        )
    if rule == "median":
        return Threshold(
            "median", float(np.median(driving)), float(np.median(dependence)), equal_is_strong
        )
    try:
        value = float(rule)
    except ValueError:
        raise InputError(
            f"{rule!r}: expected half, mean, median or a number", option="threshold"
        ) from None
    if not np.isfinite(value) or value < 0:
        raise InputError(f"{rule!r}: expected a non-negative number", option="threshold")
    return Threshold(f"fixed {value:g}", value, value, equal_is_strong)


def quadrants(driving: np.ndarray, dependence: np.ndarray, thr: Threshold) -> list[str]:
    """MICMAC cluster of each factor: autonomous, dependent, linkage or independent."""
    strong_drive, strong_dep = (
        thr.strong(driving, thr.driving),
        thr.strong(dependence, thr.dependence),
    )
    index = np.asarray(strong_drive).astype(int) * 2 + np.asarray(strong_dep).astype(int)
    by_index = ("autonomous", "dependent", "independent", "linkage")
    return [by_index[k] for k in index]


@dataclass(frozen=True)
class TierCheck:
    """Cross-table of ISM tiers against MICMAC clusters.

    ``table[tier][quadrant]`` lists factor indices; ``breaks`` lists (factor, tier, quadrant,
    expected) for factors outside the expected pattern: surface tier ≈ dependent, deep tier ≈
    independent. The middle tier carries no expectation: it transmits influence, and any
    cluster there is consistent with the hierarchy.
    """

    table: dict[str, dict[str, list[int]]]
    breaks: list[tuple[int, str, str, str]]


def check_tiers(tiers: list[str], clusters: list[str]) -> TierCheck:
    """Compare each factor's ISM tier with its MICMAC cluster."""
    table = {t: {q: [] for q in QUADRANTS} for t in EXPECTED_QUADRANT}
    breaks = []
    for i, (tier, quad) in enumerate(zip(tiers, clusters, strict=True)):
        table[tier][quad].append(i)
        expected = EXPECTED_QUADRANT[tier]
        if expected is not None and quad != expected:
            breaks.append((i, tier, quad, expected))
    return TierCheck(table, breaks)
