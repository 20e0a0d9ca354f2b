"""Terminal rendering of :class:`~ismpanel.report.table.Table` with rich; text from files and
experts is printed as it is (the consoles have markup off)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from ismpanel.report.table import MUTED, STRONG, Table

STYLES = {STRONG: "bold yellow", MUTED: "dim"}
JUSTIFY = {"l": "left", "r": "right", "c": "center"}


def table(t: Table, *, styles: dict[str, str] | None = None) -> RenderableType:
    """A rich table with the title above and the notes below; ``styles`` maps cell text to a
    style (e.g. MICMAC clusters in colour)."""
    out = RichTable(title=t.title or None, title_justify="left", pad_edge=False)
    aligns = t.align or ("l",) * len(t.header)
    for name, a in zip(t.header, aligns, strict=True):
        out.add_column(name, justify=JUSTIFY[a])  # type: ignore[arg-type]
    for k, row in enumerate(t.rows):
        if t.section is not None and k == t.section:
            out.add_section()
        cells = []
        for j, cell in enumerate(row):
            mark = t.mark(k, j)
            style = STYLES.get(mark, "") if mark else (styles or {}).get(cell, "")
            cells.append(Text(cell, style=style))
        out.add_row(*cells)
    if not t.notes:
        return out
    return Group(out, *(Text(note, style="dim") for note in t.notes))
