"""The brief as a Word document (python-docx): headings, paragraphs with bold, italic and code,
bullet lists, real Word tables with a bold header row, the figures as pictures, code blocks
in a monospaced font; built from the markdown's tokens (markdown-it), so the three formats say
the same thing."""

from __future__ import annotations

import io

from markdown_it import MarkdownIt
from markdown_it.token import Token

PICTURE_WIDTH_INCHES = 6.0


def to_docx(markdown: str, pngs: dict[str, bytes], title: str) -> bytes:
    """The Word document of a markdown brief whose images name the given PNG figures."""
    from docx import Document

    doc = Document()
    doc.core_properties.title = title
    tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(markdown)
    _Writer(doc, pngs).blocks(tokens)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


class _Writer:
    """Walks the block tokens and adds each block to the document."""

    def __init__(self, doc, pngs: dict[str, bytes]) -> None:
        self.doc = doc
        self.pngs = pngs
        self.lists: list[str] = []
        self.quote = 0

    def blocks(self, tokens: list[Token]) -> None:
        k = 0
        while k < len(tokens):
            t = tokens[k]
            if t.type == "heading_open":
                heading = self.doc.add_heading(level=min(int(t.tag[1]) - 1, 9))
                self.runs(heading, tokens[k + 1].children or [])
                k += 3
                continue
            if t.type == "table_open":
                end = next(j for j in range(k, len(tokens)) if tokens[j].type == "table_close")
                self.table(tokens[k:end])
                k = end + 1
                continue
            if t.type in ("bullet_list_open", "ordered_list_open"):
                self.lists.append("List Bullet" if t.type == "bullet_list_open" else "List Number")
            elif t.type in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif t.type == "blockquote_open":
                self.quote += 1
            elif t.type == "blockquote_close":
                self.quote -= 1
            elif t.type == "inline":
                self.paragraph(t)
            elif t.type in ("fence", "code_block"):
                self.code(t.content)
            k += 1

    def paragraph(self, inline: Token) -> None:
        children = inline.children or []
        images = [c for c in children if c.type == "image"]
        if images and all(c.type == "image" or not c.content.strip() for c in children):
            for image in images:
                self.picture(image)
            return
        style = self.lists[-1] if self.lists else ("Quote" if self.quote else None)
        para = self.doc.add_paragraph(style=style)
        self.runs(para, children)

    def runs(self, para, children: list[Token]) -> None:
        bold = italic = False
        for c in children:
            if c.type == "strong_open":
                bold = True
            elif c.type == "strong_close":
                bold = False
            elif c.type == "em_open":
                italic = True
            elif c.type == "em_close":
                italic = False
            elif c.type in ("softbreak", "hardbreak"):
                para.add_run(" " if c.type == "softbreak" else "\n")
            elif c.type == "code_inline":
                run = para.add_run(c.content)
                run.font.name = "Courier New"
            elif c.type == "text":
                run = para.add_run(c.content)
                run.bold, run.italic = bold or None, italic or None
            elif c.type == "image":
                para.add_run(c.content)

    def picture(self, image: Token) -> None:
        from docx.shared import Inches

        name = str(image.attrGet("src") or "")
        if name in self.pngs:
            self.doc.add_picture(io.BytesIO(self.pngs[name]), width=Inches(PICTURE_WIDTH_INCHES))
            caption = self.doc.add_paragraph(image.content, style="Caption")
            caption.paragraph_format.keep_with_next = False

    def table(self, tokens: list[Token]) -> None:
        rows: list[list[Token]] = []
        header = 0
        for t in tokens:
            if t.type == "tr_open":
                rows.append([])
            elif t.type == "inline" and rows:
                rows[-1].append(t)
            elif t.type == "thead_close":
                header = len(rows)
        if not rows:
            return
        width = max(len(r) for r in rows)
        table = self.doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for i, (row, word_row) in enumerate(zip(rows, table.rows, strict=True)):
            cells = word_row.cells  # per row: table.cell(i, j) walks the whole table each time
            for j, cell in enumerate(row):
                para = cells[j].paragraphs[0]
                self.runs(para, cell.children or [])
                if i < header:
                    for run in para.runs:
                        run.bold = True

    def code(self, text: str) -> None:
        from docx.shared import Pt

        para = self.doc.add_paragraph()
        run = para.add_run(text.rstrip("\n"))
        run.font.name = "Courier New"
        run.font.size = Pt(8)
