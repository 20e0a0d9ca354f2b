"""The case table as numbers: column choice, case ids, decimal commas, and input errors that
name the column, row (case) or value."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ismpanel.analysis.fsqca.data import prepare
from ismpanel.errors import InputError

GRID = [
    ["country", "A", "B", "note", "Y"],
    ["AT", "0.9", "0,25", "big", "1"],
    ["BE", "0.1", "0.75", "small", "0"],
]


def test_columns_case_ids_and_decimal_commas():
    data, conds, out, notes = prepare(GRID, "Y")
    assert data.case_ids == ["AT", "BE"]
    assert conds == ["A", "B"] and out == "Y"
    assert np.array_equal(data.columns["B"], [0.25, 0.75])
    assert notes == ["column note is not numeric and is not used as a condition"]


def test_outcome_may_carry_a_tilde_and_conditions_may_be_listed():
    _, conds, out, _ = prepare(GRID, "~Y", ["B"])
    assert (conds, out) == (["B"], "Y")


def test_without_an_id_column_cases_are_numbered():
    data, conds, _, _ = prepare([["A", "Y"], ["0.2", "1"], ["0.8", "0"]], "Y")
    assert data.case_ids == ["1", "2"] and conds == ["A"]


@pytest.mark.parametrize(
    ("grid", "kwargs", "message"),
    [
        ([["A", "A", "Y"], ["1", "1", "1"]], {}, "column 'A' appears twice"),
        ([["id", "A", "Y"], ["x", "1", "1"], ["x", "0", "0"]], {}, "case id 'x' appears twice"),
        (GRID, {"case_id": "code"}, "unknown case-id column 'code'"),
        (GRID, {"conditions": ["A", "A"]}, "condition 'A' is listed twice"),
        (GRID, {"conditions": ["Y"]}, "Y cannot be both the outcome and a condition"),
        (GRID, {"conditions": ["note"]}, "column note, row 2 (AT): 'big' is not a number"),
        ([["A", "Y"]], {}, "header row and at least one case"),
    ],
)
def test_errors_name_what_is_wrong(grid, kwargs, message):
    with pytest.raises(InputError, match=re.escape(message)):
        prepare(grid, "Y", kwargs.pop("conditions", None), **kwargs)


def test_missing_values_list_the_rows_and_can_be_dropped():
    grid = [["id", "A", "Y"]] + [[f"c{i}", "" if i in (2, 5) else "0.5", "1"] for i in range(1, 12)]
    with pytest.raises(InputError, match=r"2 cases with missing values \(in A\): rows 3 \(c2\), 6"):
        prepare(grid, "Y")
    data, _, _, notes = prepare(grid, "Y", dropna=True)
    assert len(data.case_ids) == 9 and data.rows[:3] == [2, 4, 5]
    assert data.dropped == [(3, "c2"), (6, "c5")]  # rows as a spreadsheet shows them
    assert "dropped 2 case(s)" in notes[0]
