"""One study from the first invitation to the brief, as a facilitator and three experts run it:
four invited, one withdraws, a token reissued, round 1 closed with an expert unfinished, a
Delphi round on the contested pairs whose screens show the panel's notes, one expert on
spreadsheet forms throughout, then ism, micmac and brief without --allow-incomplete."""

from __future__ import annotations

import os
import subprocess
import sys

import openpyxl

from tests.helpers import SMALL_FACTORS, write_csv

PAIRS = [("P1", "P2"), ("P1", "T1"), ("P1", "U1"), ("P2", "T1"), ("P2", "U1"), ("T1", "U1")]
NOTE = "Privacy law sets the terms on which data may be opened"


def interview(folder, expert: str, token: str, lines: list[str]) -> subprocess.CompletedProcess:
    """A plain-mode interview fed ``lines``, the token in the environment (not in argv)."""
    env = {**os.environ, "ISMPANEL_TOKEN": token}
    command = [sys.executable, "-m", "ismpanel", "interview", str(folder), "--expert", expert]
    return subprocess.run(
        [*command, "--plain"],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def fill_form(path, letters: dict[tuple[str, str], str]) -> int:
    """Write a letter into each open (unlocked) cell of an expert's XLSX form, as the expert
    would; returns how many cells were filled."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header_row = next(
        r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == PAIRS[0][0]
    )
    filled = 0
    for r in range(header_row + 1, header_row + 1 + 4):
        row_id = str(sheet.cell(r, 1).value).split()[0]
        for c in range(2, 6):
            cell = sheet.cell(r, c)
            if cell.protection.locked is False:
                cell.value = letters[(row_id, str(sheet.cell(header_row, c).value))]
                filled += 1
    book.save(path)
    return filled


def token_of(output: str) -> str:
    line = next(x for x in output.splitlines() if "(shown once, stored only as a hash)" in x)
    return line.rsplit(": ", 1)[1].strip()


def test_a_panel_from_invitation_to_brief(cli, tmp_path):
    folder = tmp_path / "study"
    factors = write_csv(tmp_path / "factors.csv", SMALL_FACTORS)
    assert cli("init", folder, "--factors", factors, "--title", "Lifetime").code == 0

    # invite four; the same name again is asked about, not added
    tokens = {}
    for name in ("Ana", "Ben", "Cy", "Dee"):
        added = cli("expert", "add", folder, name)
        assert added.code == 0, added.err
        tokens[added.out.split()[1]] = token_of(added.out)
    assert list(tokens) == ["E1", "E2", "E3", "E4"]
    assert "--again" in cli("expert", "add", folder, "ana").err

    # E4 withdraws before answering; E1's invitation is reissued
    assert cli("expert", "withdraw", folder, "E4", "--reason", "changed jobs").code == 0
    reissued = cli("expert", "token", folder, "E1")
    assert reissued.code == 0
    old, tokens["E1"] = tokens["E1"], token_of(reissued.out)
    refused = interview(folder, "E1", old, ["v"])
    assert refused.returncode == 2 and "wrong token" in refused.stderr

    # round 1: E1 in plain mode with a note, E2 stops after two pairs, E3 by spreadsheet
    e1 = interview(folder, "E1", tokens["E1"], [f"note {NOTE}", "v", "v", "v", "o", "x", "a"])
    assert e1.returncode == 0, e1.stderr
    assert e1.stdout.count("saved ") == 6
    e2 = interview(folder, "E2", tokens["E2"], ["v", "a", "quit"])
    assert e2.returncode == 0 and e2.stdout.count("saved ") == 2
    form = tmp_path / "E3.xlsx"
    assert cli("ssim", "form", folder, "--expert", "E3", "-o", form).code == 0
    e3_letters = dict(zip(PAIRS, "AVVOXO", strict=True))
    assert fill_form(form, e3_letters) == 6
    assert cli("ssim", "import", folder, form, "--expert", "E3").code == 0

    waiting = cli("ism", folder)
    assert waiting.code == 1 and "E2 (2 of 6)" in waiting.err
    closed = cli("round", "close", folder)
    assert "the pairs left unanswered count as missing (E2 4 of 6)" in closed.out

    # round 2 on the contested pairs: P1-P2 (V, V, A), P1-T1 (V, A, V) and T1-U1 (A, O: a tie)
    opened = cli("round", "start", folder)
    assert "Round 2 opened on 3 pair(s): P1-P2, P1-T1, T1-U1" in opened.out
    # E2 sees the previous round's counts and E1's note, without E1's pseudonym or name
    e2 = interview(folder, "E2", tokens["E2"], ["v", "v", "v", "o", "x", "o"])
    assert e2.returncode == 0, e2.stderr
    first_screen = e2.stdout.split("saved ")[0]
    assert "after round 1" in first_screen and NOTE in first_screen
    assert "E1" not in first_screen and "Ana" not in first_screen
    e1 = interview(folder, "E1", tokens["E1"], ["v", "v", "o", "quit"])
    assert e1.returncode == 0 and e1.stdout.count("saved ") == 3
    form = tmp_path / "E3-round2.xlsx"
    assert cli("ssim", "form", folder, "--expert", "E3", "-o", form).code == 0
    assert fill_form(form, {**e3_letters, ("P1", "P2"): "V", ("T1", "U1"): "O"}) == 3
    assert cli("ssim", "import", folder, form, "--expert", "E3").code == 0

    status = cli("status", folder, "--json")
    assert '"waiting_for": []' in status.out

    # the analysis runs as printed, with no --allow-incomplete
    assert cli("ism", folder).code == 0
    assert cli("micmac", folder).code == 0
    brief = tmp_path / "brief.md"
    written = cli("brief", folder, "-o", brief)
    assert written.code == 0, written.err
    text = brief.read_text()
    assert "1 expert withdrew from the panel: E4 from round 1" in text
    assert "Dee" not in text and "changed jobs" not in text  # names and reasons stay private
    for expert in ("E1", "E2", "E3"):
        assert f"| {expert} | human | 6 of 6 |" in text
