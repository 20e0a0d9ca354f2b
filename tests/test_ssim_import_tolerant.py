"""ssim import takes the sheets experts send back: text rows above the matrix, headers with the
factor's name after its id, ids and letters in any case, both triangles filled (mirrored), the
matrix on another sheet, the last (empty) row left out; a contradiction names its cells."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from ismpanel.analysis.ssim import parse_ssim
from ismpanel.elicitation.store import PanelStore
from ismpanel.errors import InputError
from tests.helpers import SMALL_PAIRS, small_study, write_csv

IDS = ("P1", "P2", "T1", "U1")
LETTERS = dict(zip(SMALL_PAIRS, "VAXOVA", strict=True))
# the same answers as a full matrix: upper triangle as given, lower triangle mirrored
FULL = [
    ["", "P1", "P2", "T1", "U1"],
    ["P1", "", "V", "A", "X"],
    ["P2", "A", "", "O", "V"],
    ["T1", "V", "O", "", "A"],
    ["U1", "X", "A", "V", ""],
]


@pytest.fixture
def study(tmp_path):
    small_study(tmp_path / "s", experts=1)
    return tmp_path / "s"


def _recorded(folder) -> dict:
    return PanelStore.open(folder, read_only=True).round_answers("E1", 1)


def _book(path, sheets: dict[str, list[list[str]]]):
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([c or None for c in row])
    book.save(path)
    return path


def test_a_full_matrix_with_a_title_named_headers_and_lowercase(cli, study, tmp_path):
    rows = [["SSIM of expert E1, filled 3 May"], ["Relation: directly influences"], []]
    rows += [["", "p1", "P2 Open data rules", "t1", "U1: Awareness"]]
    rows += [[f"{r[0].lower()} name", *(c.lower() for c in r[1:])] for r in FULL[1:]]
    path = write_csv(tmp_path / "e1.csv", rows)
    run = cli("ssim", "import", study, path, "--expert", "E1")
    assert run.code == 0, run.err
    assert _recorded(study) == LETTERS


def test_the_matrix_is_found_on_another_sheet_and_the_last_row_may_be_missing(cli, study, tmp_path):
    path = _book(tmp_path / "e1.xlsx", {"Read me": [["Fill the SSIM sheet"]], "SSIM": FULL[:-1]})
    run = cli("ssim", "import", study, path, "--expert", "E1")
    assert run.code == 0, run.err
    assert "read sheet 'SSIM'" in run.err
    assert _recorded(study) == LETTERS


def test_no_sheet_with_the_study_ids_names_the_sheets(cli, study, tmp_path):
    wrong = [row[:] for row in FULL]
    wrong[0][4] = "Z9"
    path = _book(tmp_path / "e1.xlsx", {"Read me": [["text"]], "Mine": wrong})
    run = cli("ssim", "import", study, path, "--expert", "E1")
    assert run.code == 2 and run.err.count("\n") == 1
    assert run.err.startswith(f"error: {path}: cell E1: column id 'Z9' is not among the row ids")
    assert run.err.rstrip().endswith("the workbook's sheets: Read me, Mine (--sheet names one)")
    assert _recorded(study) == {}


def test_a_contradicting_lower_triangle_names_both_cells(cli, study, tmp_path):
    rows = [["Title"], *(row[:] for row in FULL)]
    rows[4][2] = "V"  # row T1, column P2 (sheet row 5): P2-T1 above says O, so O is expected
    path = write_csv(tmp_path / "e1.csv", rows)
    run = cli("ssim", "import", study, path, "--expert", "E1")
    assert run.code == 2 and run.err.count("\n") == 1
    assert (
        "cell C5 (row T1, column P2): lower-triangle cell holds 'V', which contradicts 'O' in "
        "cell D4 (row P2, column T1); the lower triangle mirrors the upper (V and A swapped), "
        "so write O or leave it blank"
    ) in run.err
    assert _recorded(study) == {}


def test_a_lower_letter_above_a_blank_upper_cell_is_refused():
    rows = [row[:] for row in FULL]
    rows[1][3] = ""  # P1-T1 left blank above, but row T1 column P1 holds V
    with pytest.raises(InputError, match=r"cell B4 \(row T1, column P1\): lower-triangle cell "):
        parse_ssim(rows, allow_missing=True)


def test_tie_marks_read_as_their_letter():
    rows = [row[:] for row in FULL]
    rows[2][3] = "O*"  # P2-T1, a tie as ssim export marks it, mirrored below
    rows[3][2] = "o*"
    assert parse_ssim(rows).ssim.tolist() == parse_ssim(FULL).ssim.tolist()


def test_rows_below_a_blank_row_are_left_out_and_cells_are_named_in_the_file():
    rows = [["Form"], ["instructions"], *[r[:] for r in FULL], [], ["Id", "Name"], ["P1", "x"]]
    assert parse_ssim(rows).factors == IDS
    rows[3][4] = "Q"  # row P1, column U1: sheet row 4, column E
    with pytest.raises(InputError, match=r"^cell E4 \(row P1, column U1\): unknown letter 'Q'"):
        parse_ssim(rows)


def test_headers_in_another_case_or_with_names_match_without_the_study():
    rows = [["", "P1", "P2", "T1", "U1"]] + [[f"{r[0].lower()} name", *r[1:]] for r in FULL[1:]]
    assert parse_ssim(rows).factors == ("p1", "p2", "t1", "u1")


def _tied_panel(folder):
    """Two experts who disagree on three pairs: V against O on P1-P2 (P1->P2 tied), X against
    V on P2-T1 (T1->P2 tied), V against A on T1-U1 (both arcs tied); the rest agree."""
    small_study(folder, experts=2)
    store = PanelStore.open(folder)
    store.record_many("E1", 1, dict(zip(SMALL_PAIRS, "VVOXOV", strict=True)), "interview")
    store.record_many("E2", 1, dict(zip(SMALL_PAIRS, "OVOVOA", strict=True)), "interview")
    store.close()
    return folder


def test_ties_are_marked_in_the_export_and_counted_by_ism(cli, tmp_path):
    import csv
    import json

    folder = _tied_panel(tmp_path / "s")
    out = tmp_path / "panel.csv"
    run = cli("ssim", "export", folder, "-o", out)
    assert run.code == 0, run.err
    assert "3 tied pair(s) marked *: P1-P2, P2-T1, T1-U1" in run.err
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == ["P1", "X", "O*", "V", "O"]
    assert rows[2][3:] == ["V*", "O"] and rows[3][4] == "O*"
    assert rows[5] == []
    assert rows[6][0].startswith("* tie: exactly half of the experts who answered the pair saw")
    from_file = cli("ism", out, "--json")
    from_folder = cli("ism", folder, "--json")
    assert from_file.code == 0 and from_folder.code == 0, from_file.err
    assert json.loads(from_file.out)["irm"] == json.loads(from_folder.out)["irm"]
    assert from_folder.err.startswith(
        "warning: 4 tied arc(s), seen by exactly half of the experts who answered, resolved as "
        "no arc: P1->P2, T1->P2, T1->U1, U1->T1;"
    )
    assert "tied" not in from_file.err


def test_a_lone_tie_mark_is_no_letter():
    rows = [row[:] for row in FULL]
    rows[1][2] = "*"
    with pytest.raises(InputError, match=r"cell C2 \(row P1, column P2\): unknown letter '\*'"):
        parse_ssim(rows, allow_missing=True)
