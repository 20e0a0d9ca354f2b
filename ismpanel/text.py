"""Text from files, experts and servers made safe to print or to write into a report: control
characters (ESC, NUL, BEL, C1 codes, DEL) could drive a terminal, so they are dropped; line
breaks and tabs are kept."""

from __future__ import annotations

import unicodedata

KEPT = "\n\t"


def printable(text: str) -> str:
    """The text without control characters other than line breaks and tabs."""
    return "".join(c for c in text if c in KEPT or unicodedata.category(c) != "Cc")
