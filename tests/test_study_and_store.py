"""Study folders and the panel store: init from a template or a factors file, permissions,
tokens, append-only history, and one-line refusals of bad studies and databases."""

from __future__ import annotations

import grp
import json
import os
import sqlite3
import stat

import pytest
from openpyxl import Workbook

from ismpanel.elicitation.store import PanelStore, hash_token
from tests.helpers import DATA, SMALL_FACTORS, small_study, write_csv


def test_templates_lists_the_bundled_privacy_study(cli):
    run = cli("templates")
    assert run.code == 0
    assert "open-gov-privacy" in run.out and "17 factors in 4 dimensions" in run.out


def test_init_from_the_template_creates_a_private_study(cli, tmp_path):
    run = cli("init", tmp_path / "s", "--template", "open-gov-privacy")
    assert run.code == 0, run.err
    assert "136 pairs per expert" in run.out
    db = tmp_path / "s" / "panel.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    store = PanelStore.open(tmp_path / "s")
    assert len(store.study.factors) == 17
    assert store.study.factor("TE1").dimension == "technology"
    assert len(store.pairs) == 136


def test_init_with_a_group_shares_the_panel_with_that_group(cli, tmp_path):
    group = grp.getgrgid(os.getgid()).gr_name
    run = cli("init", tmp_path / "s", "--template", "open-gov-privacy", "--group", group)
    assert run.code == 0, run.err
    db = tmp_path / "s" / "panel.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o660
    assert db.stat().st_gid == os.getgid()
    assert stat.S_IMODE((tmp_path / "s").stat().st_mode) == 0o2770


def test_init_refuses_an_unknown_group(cli, tmp_path):
    run = cli("init", tmp_path / "s", "--template", "open-gov-privacy", "--group", "no-such-grp")
    assert (run.code, run.err.strip()) == (
        2,
        "error: --group 'no-such-grp': no such group on this machine",
    )
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("kind", ["csv", "xlsx", "toml"])
def test_init_from_a_factors_file(cli, tmp_path, kind):
    path = tmp_path / f"factors.{kind}"
    if kind == "csv":
        write_csv(path, SMALL_FACTORS)
    elif kind == "xlsx":
        book = Workbook()
        for row in SMALL_FACTORS:
            book.active.append(row)
        book.save(path)
    else:
        entries = [
            "\n".join(f'{k} = "{v}"' for k, v in zip(SMALL_FACTORS[0], row, strict=True))
            for row in SMALL_FACTORS[1:]
        ]
        path.write_text("".join(f"[[factors]]\n{e}\n\n" for e in entries))
    run = cli("init", tmp_path / "s", "--factors", path, "--outcome", "privacy")
    assert run.code == 0, run.err
    study = PanelStore.open(tmp_path / "s").study
    assert study.factor_ids == ("P1", "P2", "T1", "U1")
    assert [d.id for d in study.dimensions] == ["policy", "technology", "users"]
    assert study.outcome == "privacy"


def test_init_from_the_founding_study_factor_list(cli, tmp_path):
    # tests/data/open-gov-privacy.factors.csv: copied from shared/examples (the 17 factors)
    run = cli("init", tmp_path / "s", "--factors", DATA / "open-gov-privacy.factors.csv")
    assert run.code == 0, run.err
    assert len(PanelStore.open(tmp_path / "s").study.factors) == 17


@pytest.mark.parametrize(
    ("rows", "extra", "message"),
    [
        ([*SMALL_FACTORS, ["P1", "policy", "Again", ""]], [], "duplicate factor id 'P1'"),
        (
            SMALL_FACTORS,
            ["--dimensions", "policy,technology"],
            "factor U1 has unknown dimension 'users'; declared: policy, technology",
        ),
        (
            [SMALL_FACTORS[0], ["1X", "policy", "Bad id", ""], *SMALL_FACTORS[1:]],
            [],
            "row 2, column id: id '1X' must start with an ASCII letter",
        ),
        ([["id", "name"], ["P1", "x"]], [], "row 1: missing column(s) dimension, definition"),
        (
            [SMALL_FACTORS[0], ["P1", "policy area", "Law", ""], *SMALL_FACTORS[2:]],
            [],
            "dimension: id 'policy area' must start with an ASCII letter",
        ),
        (
            SMALL_FACTORS,
            ["--dimensions", "policy,tech nology,users"],
            "dimension: id 'tech nology' must start with an ASCII letter",
        ),
    ],
)
def test_bad_factors_files_get_one_line(cli, tmp_path, rows, extra, message):
    path = write_csv(tmp_path / "factors.csv", rows)
    run = cli("init", tmp_path / "s", "--factors", path, *extra)
    assert run.code == 2
    assert run.err.count("\n") == 1 and message in run.err, run.err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[study]\ntitle = 5\n", "the study needs a non-empty text title (got 5)"),
        ('study = "x"\n', "[study] must be a table"),
    ],
)
def test_bad_toml_factor_files_get_one_line(cli, tmp_path, toml, message):
    rows = "".join(
        f'[[factors]]\nid = "{r[0]}"\ndimension = "{r[1]}"\nname = "{r[2]}"\n\n'
        for r in SMALL_FACTORS[1:]
    )
    (tmp_path / "f.toml").write_text(toml + rows)
    run = cli("init", tmp_path / "s", "--factors", tmp_path / "f.toml")
    assert run.code == 2 and message in run.err, run.err
    assert not (tmp_path / "s").exists()


def test_init_refuses_an_existing_study(cli, tmp_path):
    small_study(tmp_path / "s")
    run = cli("init", tmp_path / "s", "--template", "open-gov-privacy")
    assert run.code == 2 and "already holds study.toml" in run.err


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "does not exist"),
        ("empty", "not a study folder (no study.toml)"),
        ("no_db", "no panel.db"),
        ("garbage_db", "not an ismpanel panel database (file is not a database)"),
        ("foreign_db", "not an ismpanel panel database"),
        ("changed_factors", "the factors in study.toml differ"),
    ],
)
def test_bad_study_folders_get_one_line_and_exit_2(cli, tmp_path, setup, message):
    folder = tmp_path / "s"
    if setup != "missing":
        folder.mkdir()
    if setup in ("no_db", "garbage_db", "foreign_db", "changed_factors"):
        small_study(folder)
    db = folder / "panel.db"
    if setup == "no_db":
        db.unlink()
    elif setup == "garbage_db":
        db.write_bytes(b"this is not sqlite" * 100)
    elif setup == "foreign_db":
        db.unlink()
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        conn.commit()
        conn.close()
    elif setup == "changed_factors":
        toml = folder / "study.toml"
        toml.write_text(toml.read_text().replace('id = "U1"', 'id = "U9"'))
    before = db.read_bytes() if db.exists() else None
    for args in (
        ["status", folder],
        ["interview", folder, "--expert", "E1", "--plain"],
        ["aggregate", folder],
        ["ism", folder],
    ):
        run = cli(*args)
        assert run.code == 2, (args, run.err)
        assert run.err.count("\n") == 1 and message in run.err, run.err
        assert "Traceback" not in run.err
    if before is not None:
        assert db.read_bytes() == before  # nothing lost, nothing written


def test_a_damaged_database_is_refused_in_one_line(cli, tmp_path):
    tokens = small_study(tmp_path / "s", experts=3)
    store = PanelStore.open(tmp_path / "s")
    for expert in tokens:
        for k in range(40):  # enough rows to fill several pages
            store.record(expert, 1, ("P1", "P2"), "VAXO"[k % 4], "interview")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    db = tmp_path / "s" / "panel.db"
    data = bytearray(db.read_bytes())
    data[-4096 + 100 : -4096 + 300] = b"\xff" * 200  # scribble over the last page
    db.write_bytes(bytes(data))
    run = cli("status", tmp_path / "s")
    assert run.code == 2
    assert run.err.count("\n") == 1 and "database is damaged (" in run.err, run.err


def test_expert_add_prints_a_token_and_a_forced_command(cli, tmp_path):
    small_study(tmp_path / "s")
    run = cli(
        "expert",
        "add",
        tmp_path / "s",
        "Dr Jane Roe",
        "--key",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample jane@laptop",
    )
    assert run.code == 0, run.err
    token = run.out.split("Token (shown once, stored only as a hash): ")[1].split()[0]
    line = run.out.strip().splitlines()[-1]
    assert line.startswith('command="')
    assert f"interview {tmp_path / 's'} --expert E1 --token {token}" in line
    assert line.endswith('",restrict,pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample jane@laptop')
    raw = (tmp_path / "s" / "panel.db").read_bytes()
    assert token.encode() not in raw
    assert PanelStore.open(tmp_path / "s").conn.execute(
        "SELECT token_hash FROM experts"
    ).fetchone()[0] == hash_token(token)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("not a key", "is not an SSH public key"),
        ("ssh-ed25519 AAAA!!notbase64", "the key body is not base64"),
        # a second line would be a key without the forced command: a full shell
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 a@x\nssh-rsa AAAAB3NzaC1yc2E b@y", "holds 2 keys"),
    ],
)
def test_expert_add_rejects_a_bad_key(cli, tmp_path, key, message):
    small_study(tmp_path / "s")
    (tmp_path / "key.pub").write_text(key)
    run = cli("expert", "add", tmp_path / "s", "Jane", "--key", tmp_path / "key.pub")
    assert run.code == 2 and message in run.err, run.err
    assert PanelStore.open(tmp_path / "s").experts() == []


def test_pseudonyms_count_up_and_llm_panelists_have_their_own(cli, tmp_path):
    small_study(tmp_path / "s", experts=2)
    assert "Expert L1 added (llm)" in cli("expert", "add", tmp_path / "s", "gpt", "--llm").out
    assert "Expert E3 added" in cli("expert", "add", tmp_path / "s", "Third").out
    listing = cli("expert", "list", tmp_path / "s").out
    assert "Expert number 1" in listing and "L1" in listing


def test_answers_are_append_only_and_the_latest_counts(tmp_path):
    small_study(tmp_path / "s", experts=1)
    store = PanelStore.open(tmp_path / "s")
    store.record("E1", 1, ("P1", "P2"), "v", "interview")
    store.record("E1", 1, ("P1", "P2"), "A", "interview")
    assert store.round_answers("E1", 1) == {("P1", "P2"): "A"}
    assert [a.relation for a in store.history("E1")] == ["V", "A"]
    with pytest.raises(ValueError, match="relation 'Q'"):
        store.record("E1", 1, ("P1", "P2"), "Q", "interview")


def test_tokens_are_checked(tmp_path):
    tokens = small_study(tmp_path / "s", experts=2)
    store = PanelStore.open(tmp_path / "s")
    store.check_token("E1", tokens["E1"])
    with pytest.raises(ValueError, match="wrong token for expert E1"):
        store.check_token("E1", tokens["E2"])
    with pytest.raises(ValueError, match="needs the token"):
        store.check_token("E1", None)
    with pytest.raises(ValueError, match="no such expert E7"):
        store.check_token("E7", "x")


def test_status_json(cli, tmp_path):
    small_study(tmp_path / "s", experts=2)
    store = PanelStore.open(tmp_path / "s")
    store.record("E2", 1, ("P1", "P2"), "V", "interview")
    doc = json.loads(cli("status", tmp_path / "s", "--json").out)
    assert doc["round"] == 1
    assert [(e["id"], e["kind"], e["answered"], e["total"]) for e in doc["experts"]] == [
        ("E1", "human", 0, 6),
        ("E2", "human", 1, 6),
    ]
    assert doc["experts"][0]["last_activity"] is None
    assert doc["experts"][1]["last_activity"].endswith("+00:00")
