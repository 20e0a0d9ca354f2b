"""Terminal rendering with rich: any :class:`~ismpanel.report.table.Table`, split into column
blocks when it is wider than the terminal, and the ISM hierarchy drawn level by level; text
from files and experts is printed as it is (the consoles have markup off)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table as RichTable
from rich.text import Text

from ismpanel.analysis.structure import StructuralModel
from ismpanel.report.structure_text import tier_rule
from ismpanel.report.table import MUTED, STRONG, Table

STYLES = {STRONG: "bold yellow", MUTED: "dim"}
JUSTIFY = {"l": "left", "r": "right", "c": "center"}
# a cell longer than this may wrap inside its column rather than claim the whole width
WRAP_AT = 40
# a text column narrowed to fit the last room of a block keeps at least this width
MIN_WRAPPED = 12
# per column: a border and one space of padding either side (the outer edges have none)
COLUMN_FRAME = 3


def table(t: Table, *, styles: dict[str, str] | None = None) -> RenderableType:
    """A rich table with the title above and the notes below; ``styles`` maps cell text to a
    style (e.g. MICMAC clusters in colour). Wider than the terminal, it prints as blocks of
    columns, each repeating the first column (the row labels), so no cell is cut short."""
    return _BlockTable(t, styles or {})


class _BlockTable:
    """A :class:`Table` laid out at render time, when the console's width is known."""

    def __init__(self, t: Table, styles: dict[str, str]) -> None:
        self.t = t
        self.styles = styles

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t = self.t
        # the title is a line of its own, so that a long one (a model's expression) is not
        # wrapped to the table's width
        if t.title:
            yield Text(t.title, style="italic")
        wide = [self._need(j, whole_header=True) for j in range(len(t.header))]
        if _table_width(wide) <= options.max_width:
            yield self._rich(list(range(len(t.header))), None)
        else:
            needs = [self._need(j) for j in range(len(t.header))]
            words = [self._need(j, words=True) for j in range(len(t.header))]
            for k, (columns, widths) in enumerate(column_blocks(needs, words, options.max_width)):
                if k:
                    first, last = t.header[columns[1]], t.header[columns[-1]]
                    span = first if first == last else f"{first} to {last}"
                    yield Text(f"(continued: {span})", style="dim")
                yield self._rich(columns, widths)
        for note in t.notes:
            yield Text(note, style="dim")

    def _need(self, j: int, *, whole_header: bool = False, words: bool = False) -> int:
        """The width column ``j`` needs: its longest cell (up to :data:`WRAP_AT`) and its
        header, whole or by its longest word (a header may wrap onto more lines); with
        ``words``, the longest word of any cell or of the header (the least it can wrap to)."""
        header = self.t.header[j]
        if words:
            texts = [*(row[j] for row in self.t.rows), header]
            return max([cell_len(w) for text in texts for w in text.split()] or [0])
        cells = [min(cell_len(row[j]), WRAP_AT) for row in self.t.rows]
        heads = [cell_len(header)] if whole_header else [cell_len(w) for w in header.split()]
        return max([*cells, *heads, 0])

    def _rich(self, columns: list[int], widths: dict[int, int] | None) -> RichTable:
        """The columns as one rich table; ``widths`` fixes each column's width (so that rich
        neither shrinks nor crops a cell), None lets rich size them."""
        t = self.t
        out = RichTable(pad_edge=False)
        aligns = t.align or ("l",) * len(t.header)
        for j in columns:
            width = None if widths is None else widths[j]
            # a word longer than its column folds onto the next line rather than being cut
            out.add_column(
                t.header[j],
                justify=JUSTIFY[aligns[j]],  # type: ignore[arg-type]
                width=width,
                overflow="fold",
            )
        for k, row in enumerate(t.rows):
            if t.section is not None and k == t.section:
                out.add_section()
            cells = []
            for j in columns:
                mark = t.mark(k, j)
                style = STYLES.get(mark, "") if mark else self.styles.get(row[j], "")
                cells.append(Text(row[j], style=style))
            out.add_row(*cells)
        return out


def _table_width(needs: list[int]) -> int:
    """A table's width in cells from its columns' content widths (borders and padding)."""
    return sum(needs) + COLUMN_FRAME * len(needs) - 1


def column_blocks(
    needs: list[int], words: list[int], width: int
) -> list[tuple[list[int], dict[int, int]]]:
    """Column indices and widths per block: each block starts with column 0 and takes the
    next columns while the table stays within ``width``; a column that does not fit whole
    closes the block narrowed to the room left, when its longest word (``words``) still fits,
    so that its text wraps and no word, and so no id, is cut. Every block holds at least one
    more column than the row labels."""
    if len(needs) <= 1:
        return [(list(range(len(needs))), dict(enumerate(needs)))]
    base = needs[0] + COLUMN_FRAME - 1  # the outer border, no padding at the left edge
    blocks: list[tuple[list[int], dict[int, int]]] = []
    current: dict[int, int] = {0: needs[0]}
    used = base
    for j in range(1, len(needs)):
        room = width - used - COLUMN_FRAME
        if needs[j] > room and len(current) > 1 and (words[j] > room or room < MIN_WRAPPED):
            blocks.append((list(current), current))  # no room left: start the next block
            current, used = {0: needs[0]}, base
            room = width - used - COLUMN_FRAME
        if needs[j] <= room or words[j] > room:
            current[j] = needs[j]  # whole (or wider than any block: rich wraps it)
            used += needs[j] + COLUMN_FRAME
        else:
            current[j] = room  # narrowed: its text wraps, every word whole; the block is full
            blocks.append((list(current), current))
            current, used = {0: needs[0]}, base
    if len(current) > 1:
        blocks.append((list(current), current))
    return blocks


def hierarchy_view(model: StructuralModel) -> RenderableType:
    """The digraph drawn level by level, level 1 (outcome side) first, one box per line; after
    ◀, the factors whose arrows reach the box directly (transitive reduction, cycles boxed):
    a link out of a cycle names the member that holds it."""
    res, f = model.ism, model.factors
    incoming: dict[int, list[int]] = {}
    for a, b in res.digraph_edges:
        incoming.setdefault(b, []).append(a)
    grid = RichTable.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column()
    grid.add_column(ratio=1)
    for lvl in range(1, res.n_levels + 1):
        label = [f"Level {lvl}", model.ism.tier_of(lvl)]
        for k, node in enumerate(res.digraph_nodes):
            if res.levels[node[0]] != lvl:
                continue
            box = Text(f"[{' ⇄ '.join(f[i] for i in node)}]", style="reverse")
            sources = [s for a in incoming.get(k, []) for s in edge_sources(model, a, k)]
            reached = Text("◀ " + ", ".join(f[s] for s in sources), style="dim") if sources else ""
            grid.add_row(*label, box, reached)
            label = ["", ""]
    return Group(
        Text("ISM hierarchy (level 1 first)", style="bold"),
        Text(
            "[X] ◀ A, B: arrows run from A and B to X directly (links implied by others left "
            "out); factors in one box reach each other (a cycle).",
            style="dim",
        ),
        Text(f"Tiers: {tier_rule(model)}", style="dim"),
        grid,
    )


def edge_sources(model: StructuralModel, a: int, b: int) -> list[int]:
    """The members of digraph node ``a`` with a direct link (initial reachability) to a member
    of node ``b``; every member when none has one (a link given only through closure)."""
    res = model.ism
    source, target = res.digraph_nodes[a], res.digraph_nodes[b]
    direct = [i for i in source if any(res.irm[i, j] for j in target)]
    return direct or list(source)
