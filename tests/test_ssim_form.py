"""ssim form: a sheet an expert fills in a spreadsheet and ssim import reads back unchanged;
open cells with a V/A/X/O list, the rest locked; later rounds open only the pairs asked; no
study text becomes a formula."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from ismpanel.elicitation.store import PanelStore
from tests.helpers import SMALL_FACTORS, SMALL_PAIRS, answered_study, small_study

LETTERS = dict(zip(SMALL_PAIRS, "VAXOVA", strict=True))
FORMULA_STARTS = ("=", "+", "-", "@")


def _matrix_cells(sheet) -> dict[tuple[str, str], object]:
    """The form's matrix cells by (row id, column id), found by the header row's ids."""
    rows = list(sheet.iter_rows())
    top = next(
        k for k, row in enumerate(rows) if [c.value for c in row[1:5]] == ["P1", "P2", "T1", "U1"]
    )
    ids = [c.value for c in rows[top][1:5]]
    return {(ids[k], ids[m]): rows[top + 1 + k][1 + m] for k in range(4) for m in range(4)}


def test_a_filled_xlsx_form_imports_as_the_experts_answers(cli, tmp_path):
    small_study(tmp_path / "s", experts=2)
    form = tmp_path / "E2.xlsx"
    run = cli("ssim", "form", tmp_path / "s", "--expert", "E2", "-o", form)
    assert run.code == 0, run.err
    book = load_workbook(form)
    sheet = book.active
    assert sheet.protection.sheet
    cells = _matrix_cells(sheet)
    listed = {str(r) for dv in sheet.data_validations.dataValidation for r in dv.sqref.ranges}
    (choice,) = sheet.data_validations.dataValidation
    assert choice.type == "list" and choice.formula1 == '"V,A,X,O"'
    for (a, b), cell in cells.items():
        upper = (a, b) in LETTERS
        assert cell.protection.locked is not upper, (a, b)
        assert (cell.coordinate in listed) is upper, (a, b)
        assert cell.value is None
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert (
        "V: the row factor directly influences the column factor. A: the column factor "
        "directly influences the row factor. X: both. O: neither." in texts
    )
    assert {"P1 Privacy law", "Laws on personal data", "Citizens know their rights"} <= set(texts)
    for pair, letter in LETTERS.items():
        cells[pair].value = letter.lower() if pair[0] == "P1" else letter
    book.save(form)
    run = cli("ssim", "import", tmp_path / "s", form, "--expert", "E2")
    assert run.code == 0, run.err
    assert "Imported 6 answers for E2 (round 1)" in run.out
    assert PanelStore.open(tmp_path / "s", read_only=True).round_answers("E2", 1) == LETTERS


def test_a_filled_csv_form_imports_too(cli, tmp_path):
    small_study(tmp_path / "s", experts=1)
    form = tmp_path / "E1.csv"
    assert cli("ssim", "form", tmp_path / "s", "--expert", "E1", "-o", form).code == 0
    with open(form, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[:5] == [
        ["", "P1", "P2", "T1", "U1"],
        ["P1", "", "", "", ""],
        ["P2", "", "", "", ""],
        ["T1", "", "", "", ""],
        ["U1", "", "", "", ""],
    ]
    assert rows[6] == ["Id", "Name", "Definition"]
    ids = rows[0]
    for (a, b), letter in LETTERS.items():
        rows[ids.index(a)][ids.index(b)] = letter
    with open(form, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    run = cli("ssim", "import", tmp_path / "s", form, "--expert", "E1")
    assert run.code == 0, run.err
    assert PanelStore.open(tmp_path / "s", read_only=True).round_answers("E1", 1) == LETTERS


def test_a_later_round_opens_only_the_pairs_asked(cli, tmp_path):
    folder = answered_study(tmp_path / "s")  # E1 answered V V V O X A in round 1
    assert cli("round", "start", folder, "--below", "0.75").code == 0
    reopened = PanelStore.open(folder, read_only=True).expert_pairs("E1", 2)
    assert reopened == [("P1", "P2"), ("P1", "U1"), ("P2", "T1"), ("T1", "U1")]
    form = tmp_path / "E1.xlsx"
    assert cli("ssim", "form", folder, "--expert", "E1", "-o", form).code == 0
    book = load_workbook(form)
    cells = _matrix_cells(book.active)
    # pairs not asked again: E1's round-1 answer, locked; asked again: open and empty, with
    # E1's answer and the panel's counts (E1 V, E2 V, E3 A on P1-P2) in the comment
    assert (cells["P1", "T1"].value, cells["P1", "T1"].protection.locked) == ("V", True)
    assert (cells["P2", "U1"].value, cells["P2", "U1"].protection.locked) == ("X", True)
    assert (cells["P1", "P2"].value, cells["P1", "P2"].protection.locked) == (None, False)
    assert cells["P1", "P2"].comment.text == (
        "Your answer before round 2: V\nThe panel's answers before round 2: V 2, A 1, X 0, O 0"
    )
    for pair, letter in zip(reopened, "AOOO", strict=True):
        cells[pair].value = letter
    book.save(form)
    run = cli("ssim", "import", folder, form, "--expert", "E1")
    assert run.code == 0, run.err
    assert PanelStore.open(folder, read_only=True).round_answers("E1", 2) == dict(
        zip(reopened, "AOOO", strict=True)
    )


def test_study_texts_never_start_a_formula(cli, tmp_path):
    from ismpanel.elicitation.study import Dimension, build_study, factors_from_grid, study_toml

    hostile = [row[:] for row in SMALL_FACTORS]
    hostile[1][2] = '=HYPERLINK("http://x","y")'
    hostile[2][3] = "+1 more rules"
    hostile[3][2] = "@SUM(A1)"
    hostile[4][3] = "-2 in surveys"
    factors = factors_from_grid(hostile, "test")
    dims = [Dimension(d, d) for d in ("policy", "technology", "users")]
    study = build_study("=1+1", "-influences", "privacy", dims, factors, "test")
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "study.toml").write_text(study_toml(study), encoding="utf-8")
    PanelStore.create(folder, study).add_expert("A")
    for suffix in ("xlsx", "csv"):
        out = tmp_path / f"E1.{suffix}"
        assert cli("ssim", "form", folder, "--expert", "E1", "-o", out).code == 0
    values = [
        c.value for row in load_workbook(tmp_path / "E1.xlsx").active.iter_rows() for c in row
    ]
    texts = [v for v in values if isinstance(v, str)]
    assert 'P1 =HYPERLINK("http://x","y")' in texts  # after its id: not a formula
    assert "'+1 more rules" in texts and "'-2 in surveys" in texts
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    with open(tmp_path / "E1.csv", newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'@SUM(A1)" in cells and '\'=HYPERLINK("http://x","y")' in cells
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "E1.txt"], "a form is .xlsx or .csv, not .txt"),
        (["--expert", "E9"], "E9"),
    ],
)
def test_bad_form_requests_are_one_line(cli, tmp_path, monkeypatch, args, message):
    small_study(tmp_path / "s", experts=1)
    monkeypatch.chdir(tmp_path)
    base = {"--expert": "E1", "-o": "E1.xlsx"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    run = cli("ssim", "form", tmp_path / "s", *[x for kv in base.items() for x in kv])
    assert run.code == 2 and run.err.count("\n") == 1 and message in run.err


def test_no_form_in_a_closed_round(cli, tmp_path):
    folder = answered_study(tmp_path / "s")
    assert cli("round", "close", folder).code == 0
    run = cli("ssim", "form", folder, "--expert", "E1", "-o", tmp_path / "E1.xlsx")
    assert run.code == 2 and "round 1 is closed" in run.err
    assert not (tmp_path / "E1.xlsx").exists()


def test_a_form_is_imported_only_as_the_expert_and_round_it_was_written_for(cli, tmp_path):
    folder = answered_study(tmp_path / "s")
    for fmt in ("xlsx", "csv"):
        form = tmp_path / f"E1-round1.{fmt}"
        assert cli("ssim", "form", folder, "--expert", "E1", "-o", form).code == 0
        other = cli("ssim", "import", folder, form, "--expert", "E2")
        assert other.code == 2
        assert "a form written for E1, round 1, imported as E2's answers to round 1" in other.err
        assert other.err.rstrip().endswith("(--force)")
    assert cli("round", "start", folder, "--pairs", "P1-P2").code == 0
    late = cli("ssim", "import", folder, tmp_path / "E1-round1.xlsx", "--expert", "E1")
    assert late.code == 2 and "imported as E1's answers to round 2" in late.err
    assert PanelStore.open(folder, read_only=True).round_answers("E1", 2) == {}
    forced = cli("ssim", "import", folder, tmp_path / "E1-round1.csv", "--expert", "E1", "--force")
    assert forced.code == 0, forced.err
