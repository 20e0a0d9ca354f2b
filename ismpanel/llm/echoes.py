"""Replies that repeat the prompt's examples instead of answering: a placeholder
(``"..."``), a string the prompt quotes as an example, or a text most of whose words come in
runs of four or more from those examples ("Whether a change in X would by itself change Y."
against "Weigh whether a change in one would by itself change the other."). Small models do
this when asked to repair a reply; such a reply passes a format check, so it is caught here
and reported as unusable.

Only what the instructions (the system message) quote counts: a reply may well use the
instructions' own words ("P1 directly influences P2") or quote the facts it was given.
"""

from __future__ import annotations

import re

RUN = 4  # words in a row shared with the instructions that count as copied
COPIED_SHARE = 0.6  # a text with at least this share of copied words repeats the prompt
QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]{3,200})[\"\u201d]")
WORDS = re.compile(r"\w+")


def echo_in(value: object, instructions: str) -> str | None:
    """Why a reply (a parsed JSON value or a text) repeats the instructions, or None."""
    quoted = QUOTED.findall(instructions)
    examples = {_norm(q) for q in quoted if len(_words(q)) >= 2}
    runs = {run for q in quoted for run in _runs(_words(q))}
    for text in _strings(value):
        shown = " ".join(text.split())
        if shown and not WORDS.search(shown):
            return f"the reply repeats a placeholder ({shown[:20]!r}) instead of an answer"
        if _norm(text) in examples:
            return f"the reply repeats the prompt's example ({shown[:60]!r})"
        if copied_share(text, runs) >= COPIED_SHARE:
            return f"the reply repeats the prompt's own words ({shown[:60]!r})"
    return None


def copied_share(text: str, runs: set[tuple[str, ...]]) -> float:
    """The share of a text's words that lie in a run of ``RUN`` words found in ``runs``."""
    words = _words(text)
    if len(words) < RUN:
        return 0.0
    covered = [False] * len(words)
    for k in range(len(words) - RUN + 1):
        if tuple(words[k : k + RUN]) in runs:
            covered[k : k + RUN] = [True] * RUN
    return sum(covered) / len(words)


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[k : k + RUN]) for k in range(len(words) - RUN + 1)}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _words(text: str) -> list[str]:
    return WORDS.findall(text.casefold())


def _norm(text: str) -> str:
    return " ".join(_words(text))
