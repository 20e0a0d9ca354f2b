"""``--help`` and usage errors as a user meets them: an example for every command whose
command and options exist, choices listed as choices, one name for the study folder, ``-h``,
and every usage error in one line; also the stored times shown in local time, ``templates
--json`` and the factors-file checks of ``init``."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from tests.helpers import SMALL_FACTORS, answered_study, write_csv


def commands() -> dict[str, object]:
    """Every command of the app by its path (``ism``, ``expert add``), as click sees it."""
    import typer.main

    from ismpanel.cli.app import app

    found: dict[str, object] = {}

    def walk(command, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            found[" ".join(path)] = command
            return
        for name, sub in subcommands.items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_has_an_example_that_parses():
    from ismpanel.cli.examples import EXAMPLES

    found = commands()
    assert set(found) == set(EXAMPLES), (
        "commands without an example in cli/examples.py: "
        f"{sorted(set(found) - set(EXAMPLES))}; examples of no command: "
        f"{sorted(set(EXAMPLES) - set(found))}"
    )
    for path, lines in EXAMPLES.items():
        command = found[path]
        options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        arguments = [p for p in command.params if p.param_type_name == "argument"]
        for line in lines:
            words = shlex.split(line)
            assert words[: 1 + len(path.split())] == ["ismpanel", *path.split()], line
            rest = words[1 + len(path.split()) :]
            flags = [w for w in rest if w.startswith("-")]
            assert set(flags) <= options, (line, set(flags) - options)
            positional = [
                w
                for k, w in enumerate(rest)
                if not w.startswith("-") and not _takes_value(command, rest, k)
            ]
            required = [a for a in arguments if a.required]
            assert len(required) <= len(positional) <= len(arguments), line


def _takes_value(command, words: list[str], k: int) -> bool:
    """Whether ``words[k]`` is the value of the option before it."""
    if k == 0 or not words[k - 1].startswith("-"):
        return False
    option = next(p for p in command.params if words[k - 1] in p.opts)
    return not option.is_flag


@pytest.mark.parametrize("path", ["ism", "expert add", "qca", "templates"])
def test_help_shows_the_examples(cli, path):
    from ismpanel.cli.examples import EXAMPLES

    run = cli(*path.split(), "--help")
    assert run.code == 0
    assert "Examples:" in run.out
    for line in EXAMPLES[path]:
        assert f"    {line}\n" in run.out  # kept as written, not rewrapped


@pytest.mark.parametrize("args", [[], ["expert"], ["ism"], ["round", "start"]])
def test_dash_h_is_help(cli, args):
    run = cli(*args, "-h")
    assert run.code == 0 and run.out.startswith("Usage: ismpanel"), run.err


def test_study_folder_has_one_name_in_every_usage_line():
    # arguments that are no study folder: a case table, a topic, an expert's name or file
    other = {"qca": "data", "factors draft": "topic"}
    for path, command in commands().items():
        arguments = [p for p in command.params if p.param_type_name == "argument"]
        if not arguments:
            continue
        assert arguments[0].name == other.get(path, "folder"), path


@pytest.mark.parametrize(
    ("option", "bad", "choices"),
    [
        ("--solution", "minimal", "'complex', 'parsimonious', 'intermediate', 'all'"),
        ("--half", "middle", "'keep', 'up', 'down'"),
        ("--convention", "r-qca", "'r', 'fsqca'"),
    ],
)
def test_qca_choices_are_listed_and_checked_at_parsing(cli, tmp_path, option, bad, choices):
    run = cli("qca", "--help")
    listed = choices.replace("'", "").replace(", ", "|")
    assert f"{option} <{listed}>" in run.out
    # the file does not exist: a bad choice is refused before anything is read
    run = cli("qca", tmp_path / "none.csv", "--outcome", "Y", option, bad)
    assert run.code == 2 and run.err.count("\n") == 1, run.err
    assert run.err.startswith(f"error: Invalid value for '{option}': '{bad}' is not one of")
    assert choices in run.err and "(see ismpanel qca --help)" in run.err


def test_the_qca_choices_are_the_engines():
    from ismpanel.analysis.fsqca.calibrate import CONVENTIONS, HALF_REMEDIES
    from ismpanel.analysis.fsqca.configuration import RULES
    from ismpanel.analysis.fsqca.pipeline import SOLUTION_CHOICES
    from ismpanel.cli.qca import Convention, CoreRule, Half, Solution

    assert tuple(Solution) == SOLUTION_CHOICES
    assert tuple(Half) == HALF_REMEDIES
    assert tuple(Convention) == tuple(CONVENTIONS)
    assert tuple(CoreRule) == tuple(RULES)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["brief", "{folder}"], "error: Missing option '-o' / '--output' (see ismpanel brief"),
        (["ism", "{folder}", "--bogus"], "error: No such option: --bogus (see ismpanel ism"),
        (
            ["aggregate", "{folder}", "--rule", "majority"],
            "error: Invalid value for '--rule': 'majority' is not one of 'direction', 'letter'",
        ),
        (["ism", "{folder}", "--quorum", "0"], "error: Invalid value for '--quorum'"),
        (["ism"], "error: Missing argument 'folder'"),
        (["nosuchcommand"], "error: No such command 'nosuchcommand'"),
    ],
)
def test_usage_errors_are_one_line(cli, tmp_path, args, message):
    folder = answered_study(tmp_path / "s")
    run = cli(*(a.format(folder=folder) for a in args))
    assert run.code == 2
    assert run.err.count("\n") == 1 and run.err.startswith(message), run.err
    assert "Value error" not in run.err and "Usage:" not in run.err and not run.out


def test_templates_json(cli):
    run = cli("templates", "--json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    privacy = next(t for t in doc if t["name"] == "open-gov-privacy")
    assert privacy["factors"] == 17
    assert privacy["dimensions"] == ["policy", "technology", "data", "users"]


@pytest.fixture
def tokyo(monkeypatch):
    """Local time is UTC+9 (no daylight saving), so a conversion shows."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_time_drops_milliseconds_and_converts_from_utc(tokyo):
    from ismpanel.cli.output import local_time

    assert local_time("2026-03-01T23:30:15.123Z") == "2026-03-02 08:30"
    assert local_time("2026-03-01T23:30:15.123+00:00") == "2026-03-02 08:30"
    assert local_time(None) == "never"
    assert local_time("yesterday\x1b[2J") == "yesterday[2J"


def test_status_shows_local_minutes(cli, tmp_path, tokyo):
    folder = answered_study(tmp_path / "s")
    run = cli("status", folder)
    assert run.code == 0, run.err
    stamps = re.findall(r"\d{4}-\d\d-\d\d[ T][\d:.]+\S*", run.out)
    assert len(stamps) == 3 and all(re.fullmatch(r"[\d-]+ \d\d:\d\d", s) for s in stamps), stamps
    stored = json.loads(cli("status", folder, "--json").out)["experts"][0]["last_activity"]
    from datetime import datetime, timedelta

    utc = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    assert (utc + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M") in stamps


def test_notes_show_local_minutes(cli, tmp_path, tokyo):
    from ismpanel.elicitation.store import PanelStore

    folder = answered_study(tmp_path / "s")
    store = PanelStore.open(folder)
    store.add_note("E1", 1, ("P1", "P2"), "Depends on the law's scope")
    store.close()
    stored = json.loads(cli("notes", folder, "--json").out)[0]["at"]
    run = cli("notes", folder)
    assert run.code == 0, run.err
    from datetime import datetime, timedelta

    utc = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    assert (utc + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M") in run.out
    assert stored not in run.out


def test_a_factor_id_outside_ascii_names_its_row(cli, tmp_path):
    rows = [*SMALL_FACTORS[:2], ["Ü1", "policy", "Umlaut", "An id that is no ASCII"]]
    factors = write_csv(tmp_path / "factors.csv", rows)
    run = cli("init", tmp_path / "s", "--factors", factors)
    assert run.code == 2 and run.err.count("\n") == 1
    assert "row 3, column id: id 'Ü1' must start with an ASCII letter" in run.err


def test_an_empty_definition_is_warned_about(cli, tmp_path):
    rows = [*SMALL_FACTORS[:3], ["T1", "technology", "Anonymisation", ""]]
    factors = write_csv(tmp_path / "factors.csv", rows)
    run = cli("init", tmp_path / "s", "--factors", factors)
    assert run.code == 0, run.err
    warnings = [line for line in run.err.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: factor T1 (Anonymisation) has no definition; experts will see "
                        "only its name"]  # fmt: skip
