"""The panel's composition as a table: for each attribute the facilitator recorded (sector,
role, years of experience...), how the voting experts spread over its values. Shown per
attribute, never per expert and never with a name; a value only one expert gave is counted
under "other" and ranges need five values, so that no single expert stands out."""

from __future__ import annotations

import re
import statistics

from ismpanel.report.table import Table

_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
MIN_FOR_RANGE = 5  # below it the extremes could single out an expert


def composition_table(profiles: dict[str, dict[str, str]], experts: list[str]) -> Table | None:
    """Per attribute: how many experts have it recorded and its distribution (counts of the
    values several experts share, or the median when every value is a number); None when
    nothing is recorded."""
    keys = list(dict.fromkeys(k for e in experts for k in profiles.get(e, {})))
    if not keys:
        return None
    rows = []
    for key in keys:
        values = [profiles[e][key] for e in experts if key in profiles.get(e, {})]
        rows.append((key, f"{len(values)} of {len(experts)}", distribution(values)))
    return Table(
        ("Attribute", "Recorded for", "Distribution"),
        tuple(rows),
        "Panel composition",
        (
            "From the attributes recorded for each voting expert (expert profile), shown per "
            "attribute, never per expert.",
        ),
        ("l", "r", "l"),
    )


def distribution(values: list[str]) -> str:
    """``median 12`` for numbers (with the range from five values on), else value counts
    (``health (2), government (2)``, most common first); a value only one expert gave is
    counted under ``other``, so that no single expert stands out."""
    numbers = [_number(v) for v in values]
    if all(n is not None for n in numbers):
        nums = [n for n in numbers if n is not None]
        text = f"median {statistics.median(nums):g}"
        if len(nums) >= MIN_FOR_RANGE:
            text += f" (range {min(nums):g} to {max(nums):g})"
        return text
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    shared = sorted(
        ((v, n) for v, n in counts.items() if n > 1), key=lambda kv: (-kv[1], kv[0].lower())
    )
    alone = sum(1 for n in counts.values() if n == 1)
    parts = [f"{v} ({n})" for v, n in shared]
    if alone:
        parts.append(f"other ({alone})")
    return ", ".join(parts)


def _number(text: str) -> float | None:
    """A plain decimal number (``12``, ``3.5``); anything else (``1,000``, ``nan``) is text."""
    return float(text) if _DECIMAL.fullmatch(text.strip()) else None
