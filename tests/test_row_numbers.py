"""Every reader names rows as a spreadsheet shows the file (first row 1, blank rows counted):
SSIM files, fsQCA case tables and questionnaires, from CSV and from XLSX alike."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from ismpanel.analysis.questionnaire import item_scores
from ismpanel.errors import InputError
from ismpanel.readers import read_grid

# the bad cell is in sheet row 5 of each table: the SSIM's header is in row 3 after two blank
# rows; the case table has a blank row 1, its header in row 2, a blank row 3, cases from row 4
SSIM = [[], [], ["", "A", "B", "C"], ["A", "", "V", "O"], ["B", "", "", "Q"], ["C", "", "", ""]]
CASES = [[], ["id", "A", "Y"], [], ["c1", "0.5", "1"], ["c2", "abc", "0"], ["c3", "0.2", "0"]]


def _write(path, rows):
    if path.suffix == ".csv":
        path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    else:
        book = Workbook()
        for k, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                book.active.cell(k, c, value or None)
        book.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_grid_keeps_the_sheets_rows(tmp_path, suffix):
    grid = read_grid(_write(tmp_path / f"t{suffix}", CASES))
    assert [r[0] if r else "" for r in grid[:5]] == ["", "id", "", "c1", "c2"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_ssim_and_case_table_errors_name_the_same_sheet_row(cli, tmp_path, suffix):
    ssim = _write(tmp_path / f"ssim{suffix}", SSIM)
    run = cli("ism", ssim)
    assert run.code == 2
    assert f"{ssim}: cell D5 (row B, column C): unknown letter 'Q'" in run.err
    cases = _write(tmp_path / f"cases{suffix}", CASES)
    run = cli("qca", cases, "--outcome", "Y", "--conditions", "A")
    assert run.code == 2
    assert "column A, row 5 (c2): 'abc' is not a number" in run.err


def test_missing_values_name_sheet_rows(cli, tmp_path):
    rows = [list(r) for r in CASES]
    rows[4][1] = ""
    run = cli("qca", _write(tmp_path / "c.csv", rows), "--outcome", "Y", "--conditions", "A")
    assert run.code == 2
    assert "1 case with missing values (in A): rows 5 (c2)" in run.err


def test_questionnaire_cells_are_sheet_cells_and_cases_count_respondents():
    grid = [list(r) for r in CASES]
    with pytest.raises(InputError, match=r"cell B5 \(case 2, column A\): 'abc' is not a number"):
        item_scores(grid, {"X": ["A"]}, "id")
    grid[4][1] = "0.5"
    table = item_scores(grid, {"X": ["A"]}, "id")
    assert table[1] == ["id", "X"] and table[2] == [] and table[4] == ["c2", 0.5]


def test_factors_file_rows_count_blank_rows(tmp_path):
    from ismpanel.elicitation.study import factors_from_grid

    grid = [
        ["id", "dimension", "name", "definition"],
        ["P1", "policy", "Privacy law", "Laws"],
        ["", "", "", ""],
        ["P2", "policy", "", "Rules"],
    ]
    with pytest.raises(InputError, match=r"row 4, column name: empty"):
        factors_from_grid(grid, "f.csv")
