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
