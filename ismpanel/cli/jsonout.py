"""JSON documents written fast and compact enough to read: objects and lists of containers
indented by two spaces, lists of scalars on one line, 0/1 matrices (numpy arrays) one row per
line built from bytes.

``json.dumps(indent=2)`` puts every number of a matrix on its own line: a 1,000-factor ISM
document ran to 40 MB and took seconds in the encoder's Python loops. Here a million-cell
matrix is a few numpy operations, and the output is the same JSON value.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Labelled:
    """A 2-D array of indices into ``labels``, written as the labels (e.g. pairs of factor
    ids), without building a string per cell."""

    codes: np.ndarray
    labels: Sequence[str]


DEPTH = 4  # levels of nesting written one item per line (a model's terms, a truth-table row)


def _plain(value: object) -> object:
    """numpy values inside compact parts, as lists and numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), default=_plain)


def write(document: object) -> None:
    """Write ``document`` to stdout, followed by a newline."""
    sys.stdout.write(dumps(document))
    sys.stdout.write("\n")


def dumps(value: object, indent: str = "") -> str:
    """``value`` as JSON; nested containers start on their own lines under ``indent`` down to
    :data:`DEPTH` levels, deeper ones are written on one line by the json module's C encoder
    (which it uses only without indentation)."""
    if isinstance(value, Labelled):
        return _labelled(value, indent)
    if isinstance(value, np.ndarray):
        return _array(value, indent)
    if len(indent) >= 2 * DEPTH:
        return _compact.encode(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        items = ",\n".join(
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, inner)}"
            for k, v in value.items()
        )
        return "{\n" + items + "\n" + indent + "}"
    if isinstance(value, list | tuple) and any(
        isinstance(v, dict | list | tuple | np.ndarray) for v in value
    ):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return _compact.encode(value)


def _labelled(value: Labelled, indent: str) -> str:
    """The rows of label indices, one per line, assembled as a byte matrix: each label is
    encoded once and padded with spaces after its comma (whitespace between JSON tokens), so
    that every row has the same width and no per-cell string is built."""
    codes = np.asarray(value.codes, dtype=np.intp)
    if not codes.size:
        return "[]"
    encoded = [json.dumps(str(u), ensure_ascii=False).encode() for u in value.labels]
    width = max(len(e) for e in encoded) + 2
    cells = np.full((len(encoded), width), ord(" "), dtype=np.uint8)
    for i, e in enumerate(encoded):
        cells[i, : len(e)] = np.frombuffer(e, dtype=np.uint8)
        cells[i, len(e)] = ord(",")
    n, m = codes.shape
    inner = (indent + "  ").encode()
    start = len(inner) + 1
    out = np.full((n, start + m * width + 3), ord(" "), dtype=np.uint8)
    out[:, : len(inner)] = np.frombuffer(inner, dtype=np.uint8)
    out[:, len(inner)] = ord("[")
    out[:, start : start + m * width].reshape(n, m, width)[:] = cells[codes]
    last = np.array([len(e) for e in encoded])[codes[:, -1]]
    out[np.arange(n), start + (m - 1) * width + last] = ord(" ")  # no comma after the last
    out[:, -3:] = np.frombuffer(b"],\n", dtype=np.uint8)
    out[-1, -2] = ord(" ")
    return "[\n" + out.tobytes().decode("utf-8") + indent + "]"


def _array(value: np.ndarray, indent: str) -> str:
    """A 1-D array on one line; a 2-D array of small non-negative integers (0/1 matrices) one
    row per line, built as bytes; anything else through lists."""
    small = value.ndim == 2 and value.size and value.dtype.kind in "bui"
    if small and value.min() >= 0 and value.max() <= 9:
        n, m = value.shape
        out = np.full((n, 2 * m + 1), ord(","), dtype=np.uint8)
        out[:, 0] = ord("[")
        out[:, 1::2] = value.astype(np.uint8) + ord("0")
        out[:, -1] = ord("]")
        inner = indent + "  "
        lines = (inner + row.tobytes().decode("ascii") for row in out)
        return "[\n" + ",\n".join(lines) + "\n" + indent + "]"
    if value.ndim <= 1:
        return json.dumps(value.tolist(), separators=(", ", ": "))
    return dumps(value.tolist(), indent)
