"""The brief as one self-contained HTML file: the markdown converted by markdown-it (raw HTML
in it is escaped, never passed through: the brief quotes study files), the figures inlined as
data URIs, a stylesheet that prints well; no reference leaves the file."""

from __future__ import annotations

import base64
from html import escape

from markdown_it import MarkdownIt

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 62em; margin: 2em auto;
       padding: 0 1em; line-height: 1.45; color: #222; }
h1, h2, h3, h4 { line-height: 1.2; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .85em; }
th, td { border: 1px solid #bbb; padding: .25em .5em; vertical-align: top; }
th { background: #f0f3f7; }
code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: .85em; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; }
img { max-width: 100%; height: auto; }
blockquote { border-left: 4px solid #d9a441; margin: 1em 0; padding: .2em 1em;
             background: #fdf6e9; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  h2, h3 { page-break-after: avoid; }
  table, img, pre { page-break-inside: avoid; }
}
"""


def to_html(markdown: str, svgs: dict[str, bytes], title: str) -> str:
    """The HTML page of a markdown brief whose images name the given SVG figures."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(markdown)
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                if src in svgs:
                    data = base64.b64encode(svgs[src]).decode("ascii")
                    child.attrSet("src", f"data:image/svg+xml;base64,{data}")
                else:  # an image outside the brief's own figures is not fetched
                    child.attrSet("src", "")
            if child.type == "link_open":
                child.attrSet("href", _local(str(child.attrGet("href") or "")))
    body = md.renderer.render(tokens, md.options, {})
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{body}</body>\n</html>\n"
    )


def _local(href: str) -> str:
    """A link target that stays in the page: anchors are kept, anything else is dropped."""
    return href if href.startswith("#") else ""
