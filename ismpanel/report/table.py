"""A table as data: built once, rendered by every renderer that shows it (terminal, markdown),
so that the copies cannot drift."""

from __future__ import annotations

from dataclasses import dataclass, field

# cell marks a renderer may show: emphasis for a levelled row or a transitive entry, muted text
STRONG, MUTED = "strong", "muted"


@dataclass(frozen=True)
class Table:
    """Header, rows of text cells, an optional title and notes printed under it.

    ``align`` gives ``"l"``, ``"r"`` or ``"c"`` per column; ``marks`` maps (row, column) to
    :data:`STRONG` or :data:`MUTED` (column ``-1`` marks the whole row); ``section`` is the
    index of the first row of a closing section (sums, parameters of fit), if any."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""
    notes: tuple[str, ...] = ()
    align: tuple[str, ...] = ()
    marks: dict[tuple[int, int], str] = field(default_factory=dict)
    section: int | None = None

    def __post_init__(self) -> None:
        width = len(self.header)
        for k, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"table {self.title!r}: row {k} has {len(row)} cells, not {width}")

    def mark(self, row: int, col: int) -> str | None:
        return self.marks.get((row, col)) or self.marks.get((row, -1))
