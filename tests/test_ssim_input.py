"""Reading SSIM files: the accepted layouts, and one clear line (exit 2) for each malformed kind."""

from __future__ import annotations

import json

import numpy as np
import pytest
from openpyxl import Workbook

from ismpanel.analysis.ssim import cell_name, detect_format, parse_structure
from ismpanel.errors import InputError
from tests.helpers import DATA, write_csv

KUMAR = DATA / "kumar2014_offshore_risks.ssim.csv"

SSIM_3 = [
    ["", "A", "B", "C"],
    ["A", "", "V", "X"],
    ["B", "", "", "a"],
    ["C", "", "", ""],
]


def _irm(rows):
    return parse_structure(rows).irm.astype(int).tolist()


def test_letters_build_the_irm_by_design_rules():
    # V: A->B; X: A<->C; lowercase a at (B, C): C->B
    assert _irm(SSIM_3) == [[1, 1, 1], [0, 1, 0], [1, 1, 1]]


def test_columns_in_descending_order_read_by_their_headers():
    descending = [
        ["", "C", "B", "A"],
        ["A", "X", "V", ""],
        ["B", "a", "", ""],
        ["C", "x", "", ""],
    ]
    assert _irm(descending) == _irm(SSIM_3)


def test_adjacency_matrix_and_edge_list_give_the_same_irm():
    adjacency = [
        ["", "A", "B", "C"],
        ["A", "1", "1", "1"],
        ["B", "0", "1", "0"],
        ["C", "1", "1", ""],
    ]
    edges = [["from", "to"], ["A", "B"], ["A", "C"], ["C", "A"], ["C", "B"]]
    assert detect_format(adjacency) == "adjacency"
    assert detect_format(edges) == "edges"
    assert _irm(adjacency) == _irm(SSIM_3)
    assert _irm(edges) == _irm(SSIM_3)


def test_cell_names_are_spreadsheet_style():
    assert [cell_name(0, 0), cell_name(3, 5), cell_name(9, 26)] == ["A1", "F4", "AA10"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["", "A", "B"], ["A", "", "Q"], ["B", "", ""]],
            "cell C2 (row A, column B): unknown letter 'Q'",
        ),
        (
            [["", "A", "B"], ["A", "", "V"], ["B", "O", ""]],
            "cell B3 (row B, column A): lower-triangle cell holds 'O'",
        ),
        (
            [["", "A", "B", "C"], ["A", "", "V", ""], ["B", "", "", "O"], ["C", "", "", ""]],
            "cell D2 (row A, column C): missing relation",
        ),
        (
            [["", "A", "B"], ["A", "", "V"], ["Z", "", ""]],
            "cell C1: column id 'B' is not among the row ids; row ids without a column: Z",
        ),
        ([["", "A", "A"], ["A", "", "V"], ["A", "", ""]], "cell C1: duplicate column id 'A'"),
        (
            [["", "A", "B"], ["A", "", "V"], ["B", "", ""], ["C", "", ""]],
            "not square: 3 row ids (column A) but 2 column ids (row 1)",
        ),
        (
            [["", "A", "B"], ["A", "V", "V"], ["B", "", ""]],
            "cell B2 (row A, column A): diagonal holds 'V'",
        ),
    ],
)
def test_malformed_ssim_names_the_cell(rows, message):
    with pytest.raises(InputError) as err:
        parse_structure(rows, "ssim")
    assert str(err.value).startswith(message)


MALFORMED_FILES = {
    "unknown_letter.csv": (b",A,B\nA,,Q\nB,,\n", "cell C2 (row A, column B): unknown letter"),
    "lower_triangle.csv": (b",A,B\nA,,V\nB,V,\n", "cell B3 (row B, column A): lower-triangle"),
    "missing_cell.csv": (b",A,B,C\nA,,V\nB,,,O\nC,,,\n", "cell D2 (row A, column C): missing"),
    "ids_differ.csv": (b",A,B\nA,,V\nC,,\n", "cell C1: column id 'B' is not among the row ids"),
    "duplicate_ids.csv": (b",A,B\nA,,V\nA,,\n", "cell A3: duplicate row id 'A'"),
    "non_square.csv": (b",A,B,C\nA,,V,O\nB,,,O\n", "not square: 2 row ids"),
    "empty.csv": (b"", "empty file"),
    "latin1.csv": (
        ",Régulation,B\nRégulation,,V\nB,,\n".encode("latin-1"),
        "line 1: byte 0xe9 is not UTF-8 text",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED_FILES))
@pytest.mark.parametrize("command", ["ism", "micmac"])
def test_malformed_file_gives_one_line_and_exit_2(cli, tmp_path, name, command):
    content, message = MALFORMED_FILES[name]
    path = tmp_path / name
    path.write_bytes(content)
    run = cli(command, path)
    assert run.code == 2
    assert run.out == ""
    assert run.err.count("\n") == 1, run.err
    assert run.err.startswith(f"error: {path}: {message}"), run.err
    assert "Traceback" not in run.err


def test_xlsx_reads_like_csv(cli, tmp_path):
    book = Workbook()
    sheet = book.active
    for row in SSIM_3:
        sheet.append([c or None for c in row])
    book.save(tmp_path / "ssim.xlsx")
    from_xlsx = cli("ism", tmp_path / "ssim.xlsx", "--json")
    from_csv = cli("ism", write_csv(tmp_path / "ssim.csv", SSIM_3), "--json")
    assert from_xlsx.code == 0
    assert from_xlsx.out == from_csv.out


def test_xlsx_errors_name_the_sheet_and_the_cell(cli, tmp_path):
    book = Workbook()
    book.active.title = "panel"
    for row in [["", "A", "B"], ["A", "", 7], ["B", None, None]]:
        book.active.append(row)
    book.save(tmp_path / "bad.xlsx")
    assert cli("ism", tmp_path / "bad.xlsx", "--sheet", "other").err.startswith(
        f"error: {tmp_path / 'bad.xlsx'}: no sheet 'other'; the workbook has panel"
    )
    run = cli("ism", tmp_path / "bad.xlsx")
    assert run.code == 2
    assert "cell C2 (row A, column B): unknown letter '7'" in run.err


def test_a_corrupt_workbook_is_refused(cli, tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    run = cli("ism", tmp_path / "broken.xlsx")
    assert run.code == 2
    assert "not a readable Excel workbook" in run.err


def test_semicolon_and_utf16_files_are_read(cli, tmp_path):
    text = KUMAR.read_text()
    (tmp_path / "semi.csv").write_text(text.replace(",", ";"))
    (tmp_path / "u16.csv").write_bytes(text.encode("utf-16"))
    reference = cli("ism", KUMAR, "--json").out
    assert cli("ism", tmp_path / "semi.csv", "--json").out == reference
    assert cli("ism", tmp_path / "u16.csv", "--json").out == reference


def test_ids_may_be_numbers_as_papers_print_them(tmp_path):
    rows = [["", "1", "2"], ["1", "", "A"], ["2", "", ""]]
    structure = parse_structure(rows)
    assert structure.factors == ("1", "2")
    assert np.array_equal(structure.irm, [[True, False], [True, True]])


def test_a_printed_frm_is_read_as_direct_and_transitive_entries(cli, tmp_path):
    # A -> B directly, B -> C marked 1* (claimed transitive), A -> C left 0
    path = write_csv(
        tmp_path / "frm.csv",
        [["", "A", "B", "C"], ["A", "1", "1", "0"], ["B", "0", "1", "1*"], ["C", "0", "0", "1"]],
    )
    structure = parse_structure([r.split(",") for r in path.read_text().splitlines()])
    assert structure.irm.astype(int).tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert structure.declared_frm.astype(int).tolist() == [[1, 1, 0], [0, 1, 1], [0, 0, 1]]
    run = cli("ism", path, "--json")
    assert run.code == 0
    # B -> C is claimed transitive but nothing implies it: the closure has no B -> C
    assert run.err.count("\n") == 1 and run.err.startswith("warning: ")
    assert "1 entry differs (first: row B, column C: given 1, closure 0)" in run.err


def test_a_consistent_printed_frm_passes_without_warning(cli, tmp_path):
    # the FRM of Kumar et al. (2014) with its transitive entries marked 1*, as recomputed in
    # tests/data/kumar2014_offshore_risks.expected.json ("computed" -> "frm")
    expected = json.loads((DATA / "kumar2014_offshore_risks.expected.json").read_text())
    ids = list(expected["factors"])
    rows = [["", *ids]] + [
        [f, *cells] for f, cells in zip(ids, expected["computed"]["frm"], strict=True)
    ]
    run = cli("ism", write_csv(tmp_path / "frm.csv", rows), "--json")
    assert run.code == 0 and run.err == ""
    assert json.loads(run.out)["levels"] == expected["published"]["levels"]


@pytest.mark.parametrize(
    "text, cells",
    [
        ("id,A,B\nA,1,0\nB,0,1\n", [["id", "A", "B"], ["A", "1", "0"], ["B", "0", "1"]]),
        ("id, A ,B\nA,1 ,0\n", [["id", "A", "B"], ["A", "1", "0"]]),
        ("id\tA\nA\t 1\n", [["id", "A"], ["A", "1"]]),
        ('id,"A\n"\nA,1\n', [["id", "A"], ["A", "1"]]),
        ("id,\u00a0A\u3000\nA,1\n", [["id", "A"], ["A", "1"]]),
    ],
)
def test_cells_are_stripped_whatever_the_padding(tmp_path, text, cells):
    """A file with no whitespace is read without stripping its million cells; any space, tab,
    quote or character beyond ASCII in it, and every cell is stripped as before."""
    from ismpanel.readers import read_grid

    path = tmp_path / "grid.csv"
    path.write_text(text, encoding="utf-8")
    assert read_grid(path) == cells


def _plain_cells(grid):
    """The cell array as the general conversion makes it: every cell converted and stripped,
    None blank, trailing blank rows and columns dropped."""
    width = max(len(r) for r in grid)
    rows = [[("" if c is None else c) for c in r] + [""] * (width - len(r)) for r in grid]
    cells = np.strings.strip(np.array(rows, dtype=str))
    filled = cells != ""
    used_rows, used_cols = np.flatnonzero(filled.any(axis=1)), np.flatnonzero(filled.any(axis=0))
    return cells[: used_rows[-1] + 1, : used_cols[-1] + 1]


@pytest.mark.parametrize("seed", range(48))
def test_one_character_bodies_read_as_the_general_conversion_reads_them(seed):
    """Grids whose body cells are single characters take a fast path (one joined string);
    with whitespace, non-ASCII, NUL, blank, None or longer cells mixed in, the result is the
    general conversion's."""
    from ismpanel.analysis.ssim import _cells

    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 9)), int(rng.integers(2, 9))
    alphabet = ["0", "1", "V", "a", " ", "\t", "é", "\u3000", "\U0001f600", "\x00", "*", "\ud800"]
    grid = [[f" h{j} " for j in range(m)]]
    for i in range(1, n):
        grid.append([f"r{i}"] + [str(rng.choice(alphabet[:4])) for _ in range(m - 1)])
    odd = seed % 6  # every kind of odd cell, and each odd character once (seeds 1, 7, ...)
    i, j = int(rng.integers(1, n)), int(rng.integers(1, m))
    if odd == 1:
        grid[i][j] = alphabet[4 + seed // 6]
    elif odd == 2:
        grid[i][j] = ""
    elif odd == 3:
        grid[i][j] = None
    elif odd == 4:
        grid[i][j] = "1*"
    got = _cells(grid)
    assert got.tolist() == _plain_cells(grid).tolist()
