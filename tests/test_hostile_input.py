"""Hostile input: study templates that link out of the folder, control characters
on their way to a terminal or the brief, a study path that would forge an authorized_keys line,
unbounded horizons, data paths and notes, racing inits, read-only folders and BOMs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ismpanel.elicitation.store import NOTE_CHARS, PanelStore
from tests.helpers import SMALL_FACTORS, SMALL_PAIRS, answered_study, small_study, write_csv

ROWS = SMALL_PAIRS
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ESCAPES = "\x1b[2J\x1b]0;owned\x07\x1b]8;;http://x.example\x1b\\link\x1b]8;;\x1b\\\x00\x9b"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample jane@laptop"
ENV = {**os.environ, "COLUMNS": "200", "TERM": "dumb"}


@pytest.fixture
def answered(tmp_path):
    """A 4-factor study whose three experts answered every pair."""
    return answered_study(tmp_path / "s")


def _plain(folder: Path, token: str, lines: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "ismpanel", "interview", str(folder), "--expert", "E1"]
    return subprocess.run(
        [*command, "--token", token, "--plain"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=30,
        env=ENV,
    )


# -- 1. templates ----------------------------------------------------------------------------


def test_a_template_linking_out_of_the_study_is_refused(cli, answered, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET {{ study.title }}\n")
    (answered / "templates").mkdir()
    (answered / "templates" / "brief.md.j2").symlink_to(secret)
    run = cli("brief", answered, "-o", tmp_path / "out.md")
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert "brief.md.j2: links out of the study's templates folder; refused" in run.err
    assert "SECRET" not in run.err and not (tmp_path / "out.md").exists()


def test_a_templates_folder_linking_out_of_the_study_is_refused(cli, answered, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "policy.md.j2").write_text("FROM ELSEWHERE\n")
    (answered / "templates").symlink_to(elsewhere)
    run = cli("brief", answered, "-o", tmp_path / "out.md")
    assert run.code == 2 and "templates: links out of the study folder; refused" in run.err
    assert not (tmp_path / "out.md").exists()


def test_a_link_within_the_templates_folder_still_works(cli, answered, tmp_path):
    (answered / "templates").mkdir()
    (answered / "templates" / "ours.j2").write_text("### Our own words\n")
    (answered / "templates" / "policy.md.j2").symlink_to("ours.j2")
    assert cli("brief", answered, "-o", tmp_path / "out.md").code == 0
    assert "### Our own words" in (tmp_path / "out.md").read_text()


def test_a_fifo_as_template_is_refused_without_hanging(cli, answered, tmp_path):
    (answered / "templates").mkdir()
    os.mkfifo(answered / "templates" / "brief.md.j2")
    run = cli("brief", answered, "-o", tmp_path / "out.md")
    assert run.code == 2 and "brief.md.j2: not a regular file" in run.err


# -- 3. control characters -------------------------------------------------------------------


def test_a_pasted_note_cannot_drive_the_facilitators_terminal(cli, tmp_path):
    tokens = small_study(tmp_path / "s", experts=1)
    done = _plain(tmp_path / "s", tokens["E1"], f"note {ESCAPES}keep this\nv\nquit\n")
    assert done.returncode == 0 and "note saved" in done.stdout
    stored = PanelStore.open(tmp_path / "s").notes()
    assert [n[3] for n in stored] == ["[2J]0;owned]8;;http://x.example\\link]8;;\\keep this"]
    assert PanelStore.open(tmp_path / "s").round_answers("E1", 1) == {ROWS[0]: "V"}
    shown = cli("notes", tmp_path / "s")
    assert shown.code == 0 and "keep this" in shown.out
    assert not CONTROL.search(shown.out)


def test_escapes_written_into_panel_db_directly_do_not_reach_the_terminal(cli, tmp_path):
    """In the --group set-up every member can write panel.db: notes and names stored there
    by hand are shown without their control characters."""
    small_study(tmp_path / "s", experts=1)
    store = PanelStore.open(tmp_path / "s")
    store.conn.execute(
        "INSERT INTO notes (expert, round, i, j, text, at) VALUES ('E1', 1, 'P1', 'P2', ?, 'now')",
        (f"n{ESCAPES}",),
    )
    store.conn.execute("UPDATE experts SET name = ?", (f"Jane{ESCAPES}",))
    store.close()
    for command in ("notes", "status"):
        run = cli(command, tmp_path / "s")
        assert run.code == 0 and not CONTROL.search(run.out), command
    listed = cli("expert", "list", tmp_path / "s")
    assert "Jane" in listed.out and not CONTROL.search(listed.out)


def test_study_texts_with_escapes_reach_the_expert_clean(cli, tmp_path):
    """The relation, a factor's name and definition from a factors file and the title all
    reach the expert's screen in plain mode without their control characters."""
    rows = [list(r) for r in SMALL_FACTORS]
    rows[1][2] = "Privacy\x1b[31m law"
    rows[1][3] = "Laws\x1b]0;owned\x07 on data"
    write_csv(tmp_path / "f.csv", rows)
    run = cli(
        "init",
        tmp_path / "s",
        "--factors",
        tmp_path / "f.csv",
        "--relation",
        "leads\x1b[2J to",
        "--title",
        "T\x00itle",
    )
    assert run.code == 0, run.err
    assert not CONTROL.search((tmp_path / "s" / "study.toml").read_text().replace("\n", ""))
    store = PanelStore.open(tmp_path / "s")
    _, token = store.add_expert("Jane")
    store.close()
    done = _plain(tmp_path / "s", token, "quit\n")
    assert "Privacy[31m law" in done.stdout and "leads[2J to" in done.stdout
    assert not CONTROL.search(done.stdout.replace("\n", ""))


def test_a_relation_with_escapes_in_study_toml_is_shown_clean(tmp_path):
    tokens = small_study(tmp_path / "s", experts=1)
    toml = tmp_path / "s" / "study.toml"
    toml.write_text(
        toml.read_text().replace(
            'relation = "directly influences"', 'relation = "influences\\u001b[2J\\u0007"'
        )
    )
    done = _plain(tmp_path / "s", tokens["E1"], "quit\n")
    assert "influences[2J" in done.stdout and not CONTROL.search(done.stdout.replace("\n", ""))


def test_the_wizard_shows_study_texts_and_saves_notes_without_escapes(tmp_path):
    """The keyboard wizard (rich, no terminal styles here) on a study whose factor name,
    definition and relation carry escapes: none reaches the screen, and a note with escapes
    is saved without them; a note over the limit is refused and the answers stay."""
    import io

    from rich.console import Console

    from ismpanel.elicitation.interview import Session
    from ismpanel.elicitation.wizard import run_wizard

    small_study(tmp_path / "s", experts=1)
    toml = tmp_path / "s" / "study.toml"
    text = toml.read_text().replace('"Privacy law"', '"Privacy\\u001b]0;owned\\u0007 law"')
    text = text.replace('"directly influences"', '"directly\\u001b[2J influences"')
    toml.write_text(text.replace('"Laws on personal data"', '"Laws\\u009b31m on data"'))
    keys = iter(["V", "note", "note", "A", "quit"])
    notes = iter([f"see {ESCAPES}", "z" * (NOTE_CHARS + 1)])
    screen = io.StringIO()
    session = Session(PanelStore.open(tmp_path / "s"), "E1")
    run_wizard(session, Console(file=screen, width=200), lambda: next(keys), lambda: next(notes))
    shown = screen.getvalue()
    assert "Privacy]0;owned law" in shown and "directly[2J influences" in shown
    assert "Laws31m on data" in shown and "note not saved: a note holds at most" in shown
    assert not CONTROL.search(shown.replace("\n", ""))
    store = PanelStore.open(tmp_path / "s")
    assert store.round_answers("E1", 1) == {ROWS[0]: "V", ROWS[1]: "A"}
    saved = [n[3] for n in store.notes()]
    assert len(saved) == 1 and saved[0].startswith("see [2J]0;owned")


def test_the_brief_carries_no_control_characters(cli, answered, tmp_path):
    (answered / "templates").mkdir()
    (answered / "templates" / "policy.md.j2").write_text(f"### Ours{ESCAPES}\n")
    toml = answered / "study.toml"
    toml.write_text(toml.read_text().replace('"Privacy law"', '"Privacy\\u001b[2J law"'))
    assert cli("brief", answered, "-o", tmp_path / "out.md").code == 0
    text = (tmp_path / "out.md").read_text()
    assert "### Ours[2J" in text and "Privacy[2J law" in text
    assert not CONTROL.search(text.replace("\n", "").replace("\t", ""))


def test_an_error_quoting_a_file_name_drops_its_escapes(cli, tmp_path):
    run = cli("ism", tmp_path / "a\x1b]0;owned\x07.csv")
    assert run.code == 2 and "owned.csv: does not exist" in run.err
    assert not CONTROL.search(run.err[:-1])


# -- 4. the authorized_keys line -------------------------------------------------------------


def _sshd_command(line: str) -> list[str]:
    """The argv sshd's forced command runs: OpenSSH's option parser takes the text between the
    quotes with ``\\"`` as a quote, and the shell splits it."""
    assert line.startswith('command="')
    text, k = [], len('command="')
    while line[k] != '"':
        if line[k] == "\\" and line[k + 1] == '"':
            k += 1
        text.append(line[k])
        k += 1
    assert line[k + 1 :].startswith(",restrict,pty ")
    return shlex.split("".join(text))


def test_a_line_break_in_the_study_path_cannot_forge_a_key_line(cli, tmp_path):
    folder = tmp_path / f"s\n{KEY.replace('jane', 'mallory')}\n"
    small_study(folder)
    run = cli("expert", "add", folder, "Jane", "--key", KEY)
    assert run.code == 2 and run.err.count("\n") == 1
    assert "the study folder's path holds the character '\\n'" in run.err
    assert "ssh-ed25519" not in run.out
    assert PanelStore.open(folder).experts() == []  # refused before anyone was added


@pytest.mark.parametrize("name", ["we\"ird \\\" $(id) `id` 'q' ;x", "ÉTUDE 1"])
def test_the_forced_command_runs_exactly_the_interview(cli, tmp_path, name):
    folder = tmp_path / name
    small_study(folder)
    run = cli("expert", "add", folder, "Jane", "--key", KEY)
    assert run.code == 0, run.err
    token = run.out.split("Token (shown once, stored only as a hash): ")[1].split()[0]
    line = run.out.strip().splitlines()[-1]
    assert line.endswith(f",restrict,pty {KEY}")
    assert _sshd_command(line) == [
        sys.executable,
        "-I",
        "-m",
        "ismpanel",
        "interview",
        str(folder.resolve()),
        "--expert",
        "E1",
        "--token",
        token,
    ]


def test_a_key_with_control_characters_is_refused(cli, tmp_path):
    small_study(tmp_path / "s")
    run = cli("expert", "add", tmp_path / "s", "Jane", "--key", KEY + "\x1b[2J")
    assert run.code == 2 and "holds control characters" in run.err


def test_the_forced_command_ignores_python_variables(tmp_path):
    """What sshd would run for the expert, with PYTHONINSPECT and PYTHONPATH set (an sshd that
    accepts PYTHON*): the interview ends as usual and no Python prompt follows."""
    tokens = small_study(tmp_path / "s", experts=0)
    store = PanelStore.open(tmp_path / "s")
    _, token = store.add_expert("Jane")
    store.close()
    from ismpanel.cli.experts import forced_command

    hostile = tmp_path / "hostile"
    hostile.mkdir()
    (hostile / "ismpanel.py").write_text("print('HIJACKED')\n")
    command = forced_command((tmp_path / "s").resolve(), "E1", token) + " --plain"
    env = {**ENV, "PYTHONINSPECT": "1", "PYTHONPATH": str(hostile), "PYTHONSTARTUP": "/x"}
    done = subprocess.run(
        ["/bin/sh", "-c", command],
        input="quit\nprint('REPL' + 'OPEN')\n",
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        cwd=hostile,
    )
    assert done.returncode == 0 and not tokens
    assert "Saved: 0 of 6" in done.stdout
    assert "HIJACKED" not in done.stdout and "REPLOPEN" not in done.stdout + done.stderr


# -- 6. hangs and unbounded input ------------------------------------------------------------


def test_a_huge_horizon_is_refused_at_once(cli, answered):
    run = cli("micmac", answered, "--horizon", "100000000")
    assert run.code == 2 and run.err == "error: --horizon: 100000000: expected 2 to 10,000 powers\n"
    assert cli("micmac", answered, "--horizon", "10000").code == 0


def test_a_huge_horizon_in_study_toml_is_refused_at_once(cli, answered):
    with (answered / "study.toml").open("a") as fh:
        fh.write("\n[ism]\nhorizon = 1000000000\n")
    run = cli("ism", answered)
    assert run.code == 2 and run.err.count("\n") == 1
    assert "study.toml [ism] horizon: 1000000000: expected 2 to 10,000 powers" in run.err


@pytest.fixture
def qca_study(answered):
    """The answered study with a [qca] table naming a questionnaire in the folder."""
    write_csv(answered / "questionnaire.csv", [["id", "a", "y"], ["c1", "1", "2"]])
    with (answered / "study.toml").open("a") as fh:
        fh.write('\n[qca]\ndata = "questionnaire.csv"\noutcome = "Y"\n')
        fh.write('[qca.items]\nP1 = ["a"]\nY = ["y"]\n')
    return answered


def _point_data_at(folder: Path, name: str) -> None:
    toml = folder / "study.toml"
    text = toml.read_text()
    assert 'data = "questionnaire.csv"' in text
    toml.write_text(text.replace('data = "questionnaire.csv"', f"data = {name!r}"))


@pytest.mark.parametrize("name", ["/dev/zero", "/etc/passwd", "../outside.csv", "inside.csv"])
def test_qca_data_outside_the_study_folder_is_refused(cli, qca_study, tmp_path, name):
    (tmp_path / "outside.csv").write_text("root:x:0:0\n")
    (qca_study / "inside.csv").symlink_to(tmp_path / "outside.csv")  # a link out counts too
    _point_data_at(qca_study, name)
    run = cli("brief", qca_study, "-o", tmp_path / "out.md", "--allow-incomplete")
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert f"study.toml [qca] data: {name} is not in the study folder" in run.err
    assert "root:" not in run.err


def test_qca_data_that_is_a_fifo_is_refused_without_hanging(cli, qca_study, tmp_path):
    os.mkfifo(qca_study / "fifo.csv")
    _point_data_at(qca_study, "fifo.csv")
    run = cli("brief", qca_study, "-o", tmp_path / "out.md", "--allow-incomplete")
    assert run.code == 2 and "fifo.csv: not a regular file" in run.err


def test_a_long_note_is_refused_and_no_answer_is_lost(tmp_path):
    tokens = small_study(tmp_path / "s", experts=1)
    lines = f"note {'x' * (NOTE_CHARS + 1)}\nv\nnote {'y' * 1_000_000}\na\nnote fine\nquit\n"
    done = _plain(tmp_path / "s", tokens["E1"], lines)
    assert done.returncode == 0
    assert f"note not saved: a note holds at most {NOTE_CHARS:,} characters" in done.stdout
    assert "line too long" in done.stdout
    store = PanelStore.open(tmp_path / "s")
    assert store.round_answers("E1", 1) == {ROWS[0]: "V", ROWS[1]: "A"}
    assert [n[3] for n in store.notes()] == ["fine"]


# -- 7. racing inits, read-only folders, BOMs ------------------------------------------------


RACER = (
    "import sys, time; from ismpanel.cli.app import main; import ismpanel.cli.study; "
    "import ismpanel.elicitation.store; time.sleep(max(0, float(sys.argv[1]) - time.time())); "
    "main(sys.argv[2:])"
)


RACE = [sys.executable, "-c", RACER]


def test_of_two_racing_inits_exactly_one_succeeds_and_the_study_is_whole(tmp_path):
    """Four pairs of inits, each pair started at the same instant once imported (before the
    fix, about one pair in three left a broken study or two successes)."""
    start = str(time.time() + 2)
    pairs = [
        [
            subprocess.Popen(
                [
                    *RACE,
                    start,
                    "init",
                    str(tmp_path / f"race{k}"),
                    "--template",
                    "open-gov-privacy",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for k in range(4)
    ]
    for k, procs in enumerate(pairs):
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert sorted(p.returncode for p in procs) == [0, 2], errors
        loser = next(e for p, e in zip(procs, errors, strict=True) if p.returncode)
        assert loser.startswith("error: ") and loser.count("\n") == 1, loser
        store = PanelStore.open(tmp_path / f"race{k}")  # whole: study.toml and panel.db agree
        assert len(store.study.factors) == 17
        store.close()


def test_an_init_that_loses_the_race_leaves_the_winners_study_alone(cli, tmp_path, monkeypatch):
    """The race made certain: another init creates the study between this init's checks and
    its panel.db; this one fails in one line and removes nothing of the other's."""
    from ismpanel.elicitation.creation import create_from_template

    folder = tmp_path / "s"
    create = PanelStore.create.__func__

    def other_init_first(cls, where, study, group=None):
        monkeypatch.setattr(PanelStore, "create", classmethod(create))
        create_from_template(where, "open-gov-privacy")
        return create(cls, where, study, group)

    monkeypatch.setattr(PanelStore, "create", classmethod(other_init_first))
    run = cli("init", folder, "--template", "open-gov-privacy")
    errors = [line for line in run.err.splitlines() if line.startswith("error: ")]
    assert run.code == 2 and len(errors) == 1 and "already holds a panel" in errors[0], run.err
    assert len(PanelStore.open(folder).study.factors) == 17  # the other's study is whole


def _without_write_permission() -> list[str]:
    """A prefix that runs a command unable to write where its permissions forbid it: root
    ignores permissions, so it drops the capabilities that let it."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv cannot be kept from writing a read-only folder")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


READ_ONLY_RUNS = """
import sys
from ismpanel.cli.app import main

folder, out = sys.argv[1:]
for args in (["status"], ["aggregate"], ["notes"], ["expert", "list"], ["micmac"],
             ["brief", "-o", out], ["expert", "add", "Late"]):
    try:
        main([args[0], *args[1:2], folder, *args[2:]] if args[0] == "expert" else
             [args[0], folder, *args[1:]])
    except SystemExit as exit:
        print("RESULT", " ".join(args[:2]), exit.code or 0)
    else:
        print("RESULT", " ".join(args[:2]), 0)
"""


def test_read_only_commands_work_in_a_read_only_folder(answered, tmp_path):
    """Every command that only reads works in a folder the user may only read; one that
    writes says so in one line (no "attempt to write a readonly database")."""
    paths = [answered, *answered.iterdir()]
    out = str(tmp_path / "out.md")
    try:
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        done = subprocess.run(
            [
                *_without_write_permission(),
                sys.executable,
                "-c",
                READ_ONLY_RUNS,
                str(answered),
                out,
            ],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=120,
        )
    finally:
        for p in paths:
            p.chmod(0o755 if p.is_dir() else 0o644)
    results = [line[7:] for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    codes = dict(line.rsplit(" ", 1) for line in results)
    assert codes == {
        "status": "0",
        "aggregate": "0",
        "notes": "0",
        "expert list": "0",
        "micmac": "0",
        "brief -o": "0",
        "expert add": "2",
    }, done.stderr
    assert "panel.db: read-only for you, and this command writes to the panel" in done.stderr
    assert "readonly database" not in done.stderr and (tmp_path / "out.md").is_file()


def test_a_toml_with_a_bom_is_read_like_a_csv_with_one(cli, tmp_path):
    (tmp_path / "f.toml").write_bytes(
        b"\xef\xbb\xbf"
        + "".join(
            f'[[factors]]\nid = "{r[0]}"\ndimension = "{r[1]}"\nname = "{r[2]}"\n'
            for r in SMALL_FACTORS[1:]
        ).encode()
    )
    run = cli("init", tmp_path / "s", "--factors", tmp_path / "f.toml")
    assert run.code == 0, run.err
    (tmp_path / "s" / "study.toml").write_bytes(
        b"\xef\xbb\xbf" + (tmp_path / "s" / "study.toml").read_bytes()
    )
    assert cli("status", tmp_path / "s").code == 0


@pytest.mark.parametrize("name", ["panel.db", "panel.db-wal", "panel.db-shm"])
def test_a_planted_link_beside_the_database_is_refused(cli, tmp_path, name):
    """In a group-writable folder a member could plant a link for SQLite to follow and write
    through with the facilitator's rights; it is refused and the target is left alone."""
    small_study(tmp_path / "s")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target = tmp_path / "s" / name
    if target.exists():
        target.rename(tmp_path / "moved.db")
    target.symlink_to(victim)
    run = cli("expert", "add", tmp_path / "s", "Jane")
    assert run.code == 2 and f"{name}: is a symbolic link; refused" in run.err
    assert victim.read_text() == "precious\n"


def test_written_tables_hold_no_formula(tmp_path):
    """A cell that would start a formula (an LLM's drafted name, say) is written as text to
    CSV and XLSX alike: a leading apostrophe, never a formula cell."""
    from openpyxl import load_workbook

    from ismpanel.cli.writers import write_grid

    grid = [["id", "name"], ["F1", '=HYPERLINK("http://x.example","y")'], ["F2", "@SUM(A1)"]]
    write_grid(tmp_path / "t.csv", grid)
    assert (
        "'=HYPERLINK" in (tmp_path / "t.csv").read_text()
        and "'@SUM" in (tmp_path / "t.csv").read_text()
    )
    write_grid(tmp_path / "t.xlsx", grid)
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert sheet["B2"].data_type == "s" and sheet["B2"].value.startswith("'=")
    assert sheet["A2"].value == "F1"
