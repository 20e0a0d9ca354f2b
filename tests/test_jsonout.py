"""The JSON writer of ``ism``, ``micmac`` and ``qca``: the same JSON value as ``json.dumps``
of the plain lists, 0/1 matrices one row per line, labelled index pairs written as labels."""

from __future__ import annotations

import json

import numpy as np

from ismpanel.cli import jsonout


def test_values_read_back_as_the_plain_document():
    rng = np.random.default_rng(5)
    matrix = rng.random((7, 5)) < 0.4
    labels = ["A", 'quote " and ],', "é", "F10"]
    pairs = rng.integers(0, len(labels), size=(6, 2))
    doc = {
        "matrix": matrix,
        "levels": np.arange(4),
        "pairs": jsonout.Labelled(pairs, labels),
        "none": jsonout.Labelled(np.zeros((0, 2), dtype=int), labels),
        "nested": {"rows": [[1, 2], [3]], "empty": {}, "list": [], "text": "x\ny"},
    }
    plain = {
        "matrix": matrix.astype(int).tolist(),
        "levels": [0, 1, 2, 3],
        "pairs": [[labels[a], labels[b]] for a, b in pairs],
        "none": [],
        "nested": {"rows": [[1, 2], [3]], "empty": {}, "list": [], "text": "x\ny"},
    }
    text = jsonout.dumps(doc)
    assert json.loads(text) == plain


def test_matrix_rows_are_one_line_each():
    text = jsonout.dumps({"m": np.eye(3, dtype=bool)})
    assert text.splitlines()[2:5] == ["    [1,0,0],", "    [0,1,0],", "    [0,0,1]"]


def test_written_bytes_are_the_dumped_text_in_utf8(monkeypatch):
    """``write`` streams the matrices as bytes; what reaches stdout is ``dumps`` plus a
    newline, encoded as UTF-8, whether stdout has a byte buffer or is text only."""
    import io

    labels = ["é", "F10", 'q"']
    doc = {
        "m": np.eye(3, dtype=np.uint8),
        "pairs": jsonout.Labelled(np.array([[0, 1], [2, 0]]), labels),
        "deep": {"a": {"b": [np.arange(3), {"c": jsonout.Labelled(np.array([[1, 2]]), labels)}]}},
        "x": 1.5,
    }
    expected = jsonout.dumps(doc) + "\n"
    raw = io.BytesIO()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(raw, encoding="utf-8"))
    jsonout.write(doc)
    assert raw.getvalue().decode("utf-8") == expected
    text = io.StringIO()
    monkeypatch.setattr("sys.stdout", text)
    jsonout.write(doc)
    assert text.getvalue() == expected
    assert json.loads(expected)["deep"]["a"]["b"][1]["c"] == [["F10", 'q"']]
