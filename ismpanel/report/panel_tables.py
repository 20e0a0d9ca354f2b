"""The panel's composition as a table: for each attribute the facilitator recorded (sector,
role, years of experience...), how the voting experts spread over its values. Shown per
attribute, never per expert, and never with a name, so that the brief does not identify
anyone."""

from __future__ import annotations

import statistics

from ismpanel.report.table import Table


def composition_table(profiles: dict[str, dict[str, str]], experts: list[str]) -> Table | None:
    """Per attribute: how many experts have it recorded and its distribution (counts of each
    value, or median and range when every value is a number); None when nothing is recorded."""
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
    """``median 12 (range 5-25)`` for numbers, else ``health 2, government 1`` (most common
    first, then alphabetical)."""
    numbers = [_number(v) for v in values]
    if all(n is not None for n in numbers):
        nums = [n for n in numbers if n is not None]
        return f"median {statistics.median(nums):g} (range {min(nums):g}-{max(nums):g})"
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))
    return ", ".join(f"{v} {n}" for v, n in ordered)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None
