"""Descriptive statistics of questionnaire items and the internal consistency of the scales
that average them (Cronbach's alpha), as papers report them beside an fsQCA: pure functions
over a pandas frame of item scores (missing answers as NaN)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ismpanel.analysis.fsqca.data import is_missing, parse_number
from ismpanel.analysis.ssim import cell_name
from ismpanel.errors import InputError


def item_frame(grid: Sequence[Sequence[str]], columns: Sequence[str]) -> pd.DataFrame:
    """The named item columns of a questionnaire grid (header row first) as floats, NaN for a
    missing answer; a column that is absent or a cell that is not a number is named."""
    rows = [list(r) for r in grid if any(str(c).strip() for c in r)]
    if len(rows) < 2:
        raise InputError("the questionnaire needs a header row and at least one respondent")
    header = [str(h).strip() for h in rows[0]]
    position = {h: k for k, h in enumerate(header)}
    absent = [c for c in columns if c not in position]
    if absent:
        raise InputError(f"column(s) {', '.join(absent)} are not in the questionnaire")
    data = {}
    for name in columns:
        col = position[name]
        values = []
        for r, row in enumerate(rows[1:], start=1):
            cell = str(row[col]) if col < len(row) else ""
            if is_missing(cell):
                values.append(np.nan)
                continue
            value = parse_number(cell)
            if value is None:
                raise InputError(
                    f"cell {cell_name(r, col)} (case {r}, column {name}): {cell.strip()!r} "
                    "is not a number"
                )
            values.append(value)
        data[name] = values
    return pd.DataFrame(data, dtype=float)


def describe(items: pd.DataFrame) -> pd.DataFrame:
    """Per item: answers (n), mean, sample standard deviation, minimum and maximum."""
    return pd.DataFrame(
        {
            "n": items.count(),
            "mean": items.mean(),
            "sd": items.std(ddof=1),
            "min": items.min(),
            "max": items.max(),
        }
    )


def cronbach_alpha(items: pd.DataFrame) -> tuple[float, int]:
    """Cronbach's alpha of a scale, k/(k-1) * (1 - sum of item variances / variance of the
    sum), over the respondents who answered every item (listwise, as R's psych::alpha with
    complete cases); returns alpha and that number of respondents. NaN when it is undefined
    (fewer than two items or two respondents, or a constant sum)."""
    complete = items.dropna()
    k, n = complete.shape[1], complete.shape[0]
    if k < 2 or n < 2:
        return float("nan"), n
    total = complete.sum(axis=1).var(ddof=1)
    if total == 0:
        return float("nan"), n
    return float(k / (k - 1) * (1 - complete.var(ddof=1).sum() / total)), n


def scale_reliability(
    items: pd.DataFrame, scales: Mapping[str, Sequence[str]]
) -> dict[str, tuple[float, int, int]]:
    """For each scale of several items: alpha, the number of items and of complete
    respondents."""
    out = {}
    for name, columns in scales.items():
        if len(columns) >= 2:
            alpha, n = cronbach_alpha(items[list(columns)])
            out[name] = (alpha, len(columns), n)
    return out
