"""Paths and small builders shared by the tests."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write rows as a comma-separated file (no quoting needed for the ids used in tests)."""
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path
