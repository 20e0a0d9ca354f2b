"""Necessity of each condition and of its negation for the outcome (R QCA's ``pof(...,
relation = "necessity")``): inclN = Σmin(X,Y)/ΣY, RoN = Σ(1-X)/Σ(1-min(X,Y)) (relevance of
necessity, Schneider & Wagemann 2012), covN = Σmin(X,Y)/ΣX. A condition is flagged necessary
when inclN reaches the threshold (default 0.9), up to float noise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ismpanel.analysis.fsqca.truthtable import agteb
from ismpanel.errors import InputError

DEFAULT_THRESHOLD = 0.9


@dataclass(frozen=True)
class Necessity:
    """Parameters of necessity of one condition or negation (written ``~A``)."""

    condition: str
    inclN: float
    RoN: float
    covN: float
    necessary: bool


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def necessity(
    x: np.ndarray,
    y: np.ndarray,
    conditions: tuple[str, ...],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Necessity]:
    """Each condition in order, then each negation, as R lists them."""
    if not 0 <= threshold <= 1:
        raise InputError(
            f"{threshold:g}: the necessity threshold must lie in [0, 1]", option="necessity-cut"
        )
    out = []
    columns = [(name, x[:, j]) for j, name in enumerate(conditions)]
    columns += [("~" + name, 1.0 - x[:, j]) for j, name in enumerate(conditions)]
    sum_y = y.sum()
    for name, col in columns:
        inter = np.minimum(col, y)
        incl = _ratio(inter.sum(), sum_y)
        ron = _ratio((1.0 - col).sum(), (1.0 - inter).sum())
        cov = _ratio(inter.sum(), col.sum())
        out.append(Necessity(name, incl, ron, cov, bool(incl == incl and agteb(incl, threshold))))
    return out
