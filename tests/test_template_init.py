"""Studies created from the bundled template: ``init --template`` leaves out the template's
``[provenance]`` (it describes synthetic data init does not copy) and pins no tiers, so a real
panel with any number of levels analyses; ``demo`` keeps both its synthetic data and the note."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from ismpanel.analysis.ism import default_tiers
from ismpanel.elicitation.creation import create_from_template
from ismpanel.elicitation.study import bundled_templates, without_table
from ismpanel.errors import InputError

TEMPLATE = "open-gov-privacy"
SOURCE = bundled_templates()[TEMPLATE]
STALE = "1-2,3-4,5-6"


def record_levels(folder: Path, n_levels: int) -> None:
    """One expert whose SSIM gives exactly n_levels levels: the study's factors in n_levels
    groups, each group directly influencing the one above."""
    from ismpanel.analysis.ssim import ssim_from_irm
    from ismpanel.elicitation.panel import record_ssim
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder)
    ids = tuple(store.study.factor_ids)
    n = len(ids)
    group = [k * n_levels // n for k in range(n)]
    irm = np.array([[i == j or group[i] == group[j] + 1 for j in range(n)] for i in range(n)])
    expert, _ = store.add_expert("Dr Test")
    record_ssim(store, expert.id, ids, ssim_from_irm(irm))
    store.close()


def panel_with_levels(cli, folder: Path, n_levels: int) -> None:
    """A study made with ``init --template`` whose panel gives exactly n_levels levels."""
    assert cli("init", folder, "--template", TEMPLATE).code == 0
    record_levels(folder, n_levels)


def test_init_from_the_template_leaves_out_provenance_and_pins_no_tiers(cli, tmp_path):
    run = cli("init", tmp_path / "s", "--template", TEMPLATE)
    assert run.code == 0, run.err
    text = (tmp_path / "s" / "study.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert "provenance" not in data and "ism" not in data
    template = tomllib.loads((SOURCE / "study.toml").read_text(encoding="utf-8"))
    assert data == {k: v for k, v in template.items() if k != "provenance"}
    assert not (tmp_path / "s" / "questionnaire.csv").exists()
    source_lines = (SOURCE / "study.toml").read_text(encoding="utf-8").splitlines()
    assert all(line in source_lines for line in text.splitlines())  # the rest kept as written


def test_the_demo_keeps_its_synthetic_data_and_says_so(tmp_path):
    study = create_from_template(tmp_path / "d", TEMPLATE, with_data=True)
    assert study.extra["provenance"]["synthetic"] is True
    copied = tomllib.loads((tmp_path / "d" / "study.toml").read_text(encoding="utf-8"))
    assert copied["provenance"]["synthetic"] is True
    assert (tmp_path / "d" / "questionnaire.csv").read_bytes() == (
        SOURCE / "questionnaire.csv"
    ).read_bytes()
    plain = create_from_template(tmp_path / "p", TEMPLATE)
    assert "provenance" not in plain.extra


def test_without_table_cuts_only_that_table_and_its_comments():
    text = (
        "# a study\n[study]\ntitle = 'x'\n\n# where the data come from\n[provenance]\n"
        "synthetic = true\n\n[provenance.more]\nseed = 1\n\n# the QCA set-up\n[qca]\n"
        "data = 'q.csv'  # kept\n\n[[qca.runs]]\nname = 'a'\n"
    )
    assert without_table(text, "provenance", Path("t")) == (
        "# a study\n[study]\ntitle = 'x'\n\n# the QCA set-up\n[qca]\n"
        "data = 'q.csv'  # kept\n\n[[qca.runs]]\nname = 'a'\n"
    )
    assert without_table("[study]\ntitle = 'x'\n", "provenance", Path("t")) == (
        "[study]\ntitle = 'x'\n"
    )
    with pytest.raises(InputError, match="cannot leave out its \\[provenance\\] table"):
        without_table("provenance.synthetic = true\n[study]\nx = 1\n", "provenance", Path("t"))


@pytest.mark.parametrize("n_levels", [3, 8])
def test_a_template_study_with_another_number_of_levels_analyses(cli, tmp_path, n_levels):
    folder = tmp_path / "s"
    panel_with_levels(cli, folder, n_levels)
    for command in ("ism", "micmac"):
        run = cli(command, folder)
        assert run.code == 0, run.err
        assert "warning" not in run.err
    doc = json.loads(cli("ism", folder, "--json").out)
    assert max(doc["levels"].values()) == n_levels
    expected = {t: list(r) if r else None for t, r in default_tiers(n_levels).items()}
    assert doc["tier_levels"] == expected


@pytest.mark.parametrize("command", ["ism", "micmac"])
def test_a_stale_stored_tier_spec_warns_in_one_line_and_uses_the_default(cli, tmp_path, command):
    folder = tmp_path / "s"
    panel_with_levels(cli, folder, 3)
    with (folder / "study.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'\n[ism]\ntiers = "{STALE}"\n')
    run = cli(command, folder)
    assert run.code == 0, run.err
    warning = (
        f"warning: {folder}/study.toml [ism] tiers '{STALE}' does not fit the 3 levels of this "
        "structure; using the default rule instead\n"
    )
    assert run.err == warning
    if command == "ism":
        assert "default rule: the levels split into three contiguous groups" in run.out
    as_json = cli(command, folder, "--json")
    assert as_json.code == 0 and as_json.err == warning
    assert json.loads(as_json.out)["tier_levels"] == {
        "surface": [1, 1],
        "middle": [2, 2],
        "deep": [3, 3],
    }


def test_a_tiers_option_that_does_not_fit_the_panel_still_fails(cli, tmp_path):
    folder = tmp_path / "s"
    panel_with_levels(cli, folder, 3)
    run = cli("micmac", folder, "--tiers", STALE)
    assert run.code == 2
    assert run.err.startswith(f"error: --tiers '{STALE}': the ranges must cover levels 1-3")
    assert run.err.count("\n") == 1
    fits = cli("micmac", folder, "--tiers", "1-2,,3")
    assert fits.code == 0 and fits.err == ""


def test_the_brief_of_a_study_with_a_stale_tier_spec_uses_the_default_rule(cli, tmp_path):
    folder = tmp_path / "s"
    create_from_template(folder, TEMPLATE, with_data=True)  # its questionnaire for fsQCA
    record_levels(folder, 3)
    with (folder / "study.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'\n[ism]\ntiers = "{STALE}"\n')
    run = cli("brief", folder, "-o", folder / "brief.md")
    assert run.code == 0, run.err
    text = (folder / "brief.md").read_text(encoding="utf-8")
    assert "default rule: the levels split into three contiguous groups as evenly" in text
    assert f"ranges {STALE}" not in text
