"""JSON documents written fast and compact enough to read: objects and lists of containers
indented by two spaces, lists of scalars on one line, 0/1 matrices (numpy arrays) one row per
line built from bytes.

``json.dumps(indent=2)`` puts every number of a matrix on its own line: a 1,000-factor ISM
document ran to 40 MB and took seconds in the encoder's Python loops. Here a million-cell
matrix is a few numpy operations, and the output is the same JSON value.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
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
    """numpy values and labelled tables inside compact parts, as lists and numbers."""
    if isinstance(value, Labelled):
        return [[value.labels[i] for i in row] for row in np.asarray(value.codes).tolist()]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), default=_plain)
_SCALARS = (str, int, float, bool, type(None))


def write(document: object) -> None:
    """Write ``document`` to stdout, followed by a newline; nothing is written unless the
    whole document could be built. On a UTF-8 stream without newline translation the
    matrices, built as bytes, go to the byte buffer as they are, never decoded and encoded
    again; any other stream gets the text."""
    out = sys.stdout
    parts = list(_parts(document, ""))
    if not _takes_utf8_bytes(out):
        out.write(_joined(parts) + "\n")
        return
    errors = getattr(out, "errors", None) or "strict"
    out.flush()
    for part in parts:
        out.buffer.write(part if isinstance(part, bytes) else part.encode("utf-8", errors))
    out.buffer.write(b"\n")
    out.buffer.flush()


def _takes_utf8_bytes(stream: object) -> bool:
    """Whether bytes written to the stream's buffer read as what its text layer would write:
    a UTF-8 encoding and line ends left as they are."""
    encoding = getattr(stream, "encoding", None)
    if getattr(stream, "buffer", None) is None or not encoding or os.linesep != "\n":
        return False
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def dumps(value: object, indent: str = "") -> str:
    """``value`` as JSON; nested containers start on their own lines under ``indent`` down to
    :data:`DEPTH` levels, deeper ones are written on one line by the json module's C encoder
    (which it uses only without indentation)."""
    return _joined(_parts(value, indent))


def _joined(parts: Iterable[str | bytes]) -> str:
    """The pieces of :func:`_parts` as one string."""
    return "".join(p if isinstance(p, str) else p.decode("utf-8") for p in parts)


def _parts(value: object, indent: str) -> Iterator[str | bytes]:
    """The JSON text of ``value`` in pieces: an object's members one by one, a matrix or a
    labelled table as one bytes piece, anything else as one string."""
    if isinstance(value, dict) and value and len(indent) < 2 * DEPTH:
        inner = indent + "  "
        lead = "{\n"
        for k, v in value.items():
            yield f"{lead}{inner}{_compact.encode(str(k))}: "
            yield from _parts(v, inner)
            lead = ",\n"
        yield "\n" + indent + "}"
    elif isinstance(value, Labelled):
        yield _labelled(value, indent)
    elif isinstance(value, np.ndarray):
        yield _array(value, indent)
    else:
        yield _text(value, indent)


def _text(value: object, indent: str) -> str:
    """``value`` (neither a matrix nor a labelled table at its top) as a JSON string."""
    if isinstance(value, _SCALARS) or len(indent) >= 2 * DEPTH:
        return _compact.encode(value)
    if isinstance(value, list | tuple) and any(
        isinstance(v, dict | list | tuple | np.ndarray) for v in value
    ):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return _compact.encode(value)


def _labelled(value: Labelled, indent: str) -> bytes:
    """The rows of label indices, one per line, assembled as a byte matrix: each label is
    encoded once and padded with spaces after its comma (whitespace between JSON tokens), so
    that every row has the same width and no per-cell string is built."""
    codes = np.asarray(value.codes, dtype=np.intp)
    if not codes.size:
        return b"[]"
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
    # each label's bytes gathered as one opaque item: four times faster than byte by byte
    gathered = cells.view(f"V{width}").ravel().take(codes)
    out[:, start : start + m * width] = gathered.view(np.uint8).reshape(n, m * width)
    last = np.array([len(e) for e in encoded])[codes[:, -1]]
    out[np.arange(n), start + (m - 1) * width + last] = ord(" ")  # no comma after the last
    out[:, -3:] = np.frombuffer(b"],\n", dtype=np.uint8)
    out[-1, -2] = ord(" ")
    return b"[\n" + out.tobytes() + indent.encode() + b"]"


def _array(value: np.ndarray, indent: str) -> str | bytes:
    """A 1-D array on one line; a 2-D array of small non-negative integers (0/1 matrices) one
    row per line, built as bytes; anything else through lists."""
    small = value.ndim == 2 and value.size and value.dtype.kind in "bui"
    if small and value.min() >= 0 and value.max() <= 9:
        n, m = value.shape
        inner = (indent + "  ").encode()
        start = len(inner) + 1
        out = np.full((n, start + 2 * m + 2), ord(","), dtype=np.uint8)
        out[:, : len(inner)] = np.frombuffer(inner, dtype=np.uint8)
        out[:, len(inner)] = ord("[")
        out[:, start : start + 2 * m : 2] = value.astype(np.uint8) + ord("0")
        out[:, -3:] = np.frombuffer(b"],\n", dtype=np.uint8)
        return b"[\n" + out.tobytes()[:-2] + b"\n" + indent.encode() + b"]"
    if value.ndim <= 1:
        return json.dumps(value.tolist(), separators=(", ", ": "))
    return dumps(value.tolist(), indent)
