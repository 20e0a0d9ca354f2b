"""Experts' non-identifying profiles: recorded at ``expert add`` or later, shown by ``expert
profile``, and summarised in the brief per attribute, never per expert and never by name."""

from __future__ import annotations

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
    assert "| sector | 3 of 3 | hospital 2, ministry 1 |" in text
    assert "| years | 3 of 3 | median 12 (range 5-25) |" in text
    assert "\x1b" not in text
    for name, _, _ in people:
        assert name not in text
    assert cli("report", folder, "-o", tmp_path / "t.xlsx").code == 0
    sheet = load_workbook(tmp_path / "t.xlsx")["Panel composition"]
    assert [c.value for c in sheet[2]] == ["sector", "3 of 3", "hospital 2, ministry 1"]


def test_a_study_without_profiles_has_no_composition_table(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR, experts=2, seed=3)
    out = tmp_path / "brief.md"
    assert cli("brief", folder, "-o", out).code == 0
    assert "Panel composition" not in out.read_text()
