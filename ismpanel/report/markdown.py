"""Markdown rendering of :class:`~ismpanel.report.table.Table` and the text helpers the brief
uses: plain pipes tables (no HTML, so that converters keep every mark) and plurals."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ismpanel.report.table import Table

# pipes end a cell; * _ ~ read as emphasis; [ ] ! < > ` make links, images, raw HTML and code
CELL_MARKS = "|*_~[]!<>`"


def escape(text: str) -> str:
    """A cell for a markdown table: line breaks flattened; pipes and the marks that
    converters read as emphasis, strikethrough or subscript (``*``, ``_``, ``~``) escaped, so
    that ``A*~B`` and ``1*`` survive a conversion to HTML or Word, and those of links, images,
    raw HTML and code, so that a cell from a study file cannot fetch anything."""
    flat = " ".join(str(text).split())
    return "".join("\\" + c if c in CELL_MARKS else c for c in flat)


def text(value: str) -> str:
    """Running text from a study file (a title, a name, a measure) made inert in markdown: the
    marks of images, raw HTML, autolinks and code (``! < > ```) are escaped, so that such text
    is shown, never fetched or run; other marks are left as written."""
    return "".join("\\" + c if c in "!<>`" else c for c in str(value))


def table(t: Table, *, title_level: int = 0) -> str:
    """The table in pipes markdown; its title as a heading of ``title_level`` (0: none) and its
    notes as paragraphs under it."""
    align = {"l": "---", "r": "--:", "c": ":-:"}
    lines = []
    if t.title and title_level:
        lines += ["#" * title_level + " " + inline(t.title), ""]
    lines.append("| " + " | ".join(map(escape, t.header)) + " |")
    lines.append("|" + "|".join(align[a] for a in _aligns(t)) + "|")
    lines += ["| " + " | ".join(map(escape, row)) + " |" for row in t.rows]
    for note in t.notes:
        lines += ["", inline(note)]
    return "\n".join(lines)


def inline(text: str) -> str:
    """Running text with the fsQCA expressions in it (``A*~B + C``) set as code, and a
    leading ``*``, ``-``, ``+`` or ``#`` escaped so that it does not start a list or heading."""
    text = _EXPRESSION.sub(lambda m: f"`{m.group(0)}`", text)
    return "\\" + text if text[:1] in "*-+#" and text else text


_EXPRESSION = re.compile(
    r"~?[A-Za-z][\w]*(?:\*~?[A-Za-z][\w]*)+(?: \+ ~?[A-Za-z][\w]*(?:\*~?[A-Za-z][\w]*)*)*"
)


def _aligns(t: Table) -> Sequence[str]:
    return t.align or ("l",) * len(t.header)


def plural(count: int, singular: str) -> str:
    """``1 expert``, ``2 experts``: a count with its noun in the right number."""
    return f"{count} {singular if count == 1 else singular + 's'}"


def join_ids(items: Sequence[str]) -> str:
    """Ids as a comma-separated list, ``none`` when there are none."""
    return ", ".join(items) if items else "none"


def capital(text: str) -> str:
    """The text with a capital first letter."""
    return text[:1].upper() + text[1:]


def sentence(text: str) -> str:
    """A note as a sentence: capital first letter, final full stop."""
    text = capital(text.strip())
    return text if text.endswith(".") else text + "."
