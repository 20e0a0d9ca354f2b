"""``ismpanel brief`` and the recommendations: templates (overrides, one-line errors), the
panel checks, the bundled synthetic study and its generator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ismpanel.elicitation.store import PanelStore
from tests.helpers import SMALL_PAIRS, answered_study, small_study

ROOT = Path(__file__).parent.parent
ROWS = SMALL_PAIRS


@pytest.fixture
def answered(tmp_path):
    """A 4-factor study whose three experts answered every pair."""
    return answered_study(tmp_path / "s")


def test_brief_has_every_section_and_the_map_beside_it(cli, answered, tmp_path):
    run = cli("brief", answered, "-o", tmp_path / "out.md")
    assert run.code == 0, run.err
    text = (tmp_path / "out.md").read_text()
    for heading in (
        "## Summary",
        "## The study and the panel",
        "## ISM hierarchy",
        "```mermaid",
        "## MICMAC",
        "### ISM tiers against MICMAC clusters",
        "## Recommendations",
        "### Policy",
        "### Technology",
        "### Users",
        "## Methods",
        "## Data provenance",
    ):
        assert heading in text, heading
    assert "![MICMAC driving-dependence map](out.micmac.svg)" in text
    assert (tmp_path / "out.micmac.svg").read_bytes().startswith(b"<?xml")
    assert "Fleiss' kappa: 0.363" in text  # 41/113, computed by hand in test_panel_cli
    assert "Expert number" not in text  # experts appear by pseudonym only
    # the study has no [qca] table: the fsQCA section says so and the priorities say why
    assert "No fsQCA section: the study sets up no questionnaire analysis" in text
    assert "Priorities rest on the panel's structure (ISM/MICMAC) alone" in text


def test_recommendations_are_ordered_by_priority_and_cite_evidence(cli, answered, tmp_path):
    cli("brief", answered, "-o", tmp_path / "out.md")
    policy = (tmp_path / "out.md").read_text().split("### Policy")[1].split("###")[0]
    # P1 sits deepest (level 3 of 3) and drives everything: it comes first
    assert policy.index("(P1)") < policy.index("(P2)")
    assert "*Evidence:* ISM level 3 of 3 (deep tier); MICMAC independent" in policy


def test_a_study_template_overrides_the_bundled_one(cli, answered, tmp_path):
    (answered / "templates").mkdir()
    (answered / "templates" / "policy.md.j2").write_text(
        "### Our policy view\n{% for v in factors %}* {{ v.p.id }} ranks {{ v.p.rank }}\n"
        "{% endfor %}"
    )
    assert cli("brief", answered, "-o", tmp_path / "out.md").code == 0
    text = (tmp_path / "out.md").read_text()
    assert "### Our policy view\n* P1 ranks 1\n* P2 ranks" in text
    assert "### Technology" in text  # the other dimensions keep the bundled wording


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("line one\n{% for v in factors %}\n{{ v.id }\n", "policy.md.j2:3: template syntax"),
        ("ok\n\n{{ p_typo.id }}\n", "policy.md.j2:3: template error: 'p_typo' is undefined"),
        ("{% for v in factors %}{{ v.p.nonsense }}{% endfor %}", "policy.md.j2:1: template error"),
        # a study's template runs in a sandbox: no way from a template to Python's internals
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "policy.md.j2:1: template"),
    ],
)
def test_a_broken_user_template_names_its_file_and_line(cli, answered, tmp_path, content, message):
    (answered / "templates").mkdir()
    (answered / "templates" / "policy.md.j2").write_text(content)
    run = cli("brief", answered, "-o", tmp_path / "out.md")
    assert run.code == 2
    assert run.err.count("\n") == 1 and message in run.err, run.err
    assert not (tmp_path / "out.md").exists()


def test_an_incomplete_panel_is_named_unless_allowed(cli, answered, tmp_path):
    PanelStore.open(answered).add_expert("Late")
    run = cli("brief", answered, "-o", tmp_path / "out.md")
    assert run.code == 1 and "panel incomplete: E4 (0 of 6) not finished" in run.err
    assert cli("brief", answered, "-o", tmp_path / "out.md", "--allow-incomplete").code == 0
    assert "not finished with round 1: E4" in (tmp_path / "out.md").read_text()


def test_a_study_without_answers_cannot_be_briefed(cli, tmp_path):
    small_study(tmp_path / "s", experts=2)
    run = cli("brief", tmp_path / "s", "-o", tmp_path / "out.md", "--allow-incomplete")
    assert (run.code, run.err.strip()) == (1, f"error: {tmp_path / 's'}: no answers yet")


def test_the_generator_reproduces_the_bundled_synthetic_data(tmp_path):
    bundled = ROOT / "ismpanel" / "templates" / "studies" / "open-gov-privacy"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "generate_open_gov_privacy.py"),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    for name in ("questionnaire.csv", *(f"panel/E{k}.csv" for k in range(1, 6))):
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), name


def test_bundled_synthetic_files_say_they_are_synthetic():
    bundled = ROOT / "ismpanel" / "templates" / "studies" / "open-gov-privacy"
    assert (bundled / "panel" / "E1.csv").read_text().startswith("SYNTHETIC expert E1,")
    lines = (bundled / "questionnaire.csv").read_text().splitlines()
    assert len(lines) - 1 >= 200
    assert all(",synthetic," in line for line in lines[1:])
    assert "synthetic" in (bundled / "README.md").read_text().lower()


def test_llm_panelists_are_shown_beside_the_human_panel(cli, answered, tmp_path):
    store = PanelStore.open(answered)
    store.add_expert("model", "llm")
    # the LLM says O everywhere: it agrees with the humans on P2-T1 only (their majority O)
    store.record_many("L1", 1, dict.fromkeys(ROWS, "O"), "llm")
    assert cli("brief", answered, "-o", tmp_path / "out.md").code == 0
    text = (tmp_path / "out.md").read_text()
    assert "### Human panel and LLM panelists" in text
    assert "| L1 |  | 6 | 17% |" in text  # 1 of the 6 compared pairs agrees
    assert "| Factor | Level (humans only) | Cluster (humans only) | Level (humans + LLM) |" in text
    # with the LLM's O votes: P1-P2 (V,V,A + O) ties on P1->P2, P1-U1 (V,O,V + O) ties,
    # T1-U1 (A,A,O + O) ties on U1->T1: all three become O
    assert "Pairs with a different verdict: P1-P2, P1-U1, T1-U1.\n" in text


def test_without_llm_answers_there_is_no_comparison(cli, answered, tmp_path):
    PanelStore.open(answered).add_expert("model", "llm")  # registered, never answered
    cli("brief", answered, "-o", tmp_path / "out.md")
    assert "### Human panel and LLM panelists" not in (tmp_path / "out.md").read_text()


def test_narrative_without_a_server_is_refused_in_one_line(cli, answered, tmp_path, monkeypatch):
    for name in (
        "ISMPANEL_LLM_BASE_URL",
        "ISMPANEL_LLM_MODEL",
        "ISMPANEL_LLM_API_KEY",
        "OPENAI_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    run = cli("brief", answered, "-o", tmp_path / "out.md", "--narrative")
    assert run.code == 2 and run.err.startswith("error: no LLM server configured")
    assert not (tmp_path / "out.md").exists()


def test_narrative_with_a_garbage_server_keeps_every_template(cli, answered, tmp_path, monkeypatch):
    from tests.llm_servers import FakeServer, completion

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    cli("brief", answered, "-o", tmp_path / "plain.md")
    with FakeServer(lambda body, server: completion("no JSON here")) as server:
        run = cli(
            "brief",
            answered,
            "-o",
            tmp_path / "out.md",
            "--narrative",
            "--model",
            "fake-model",
            "--base-url",
            server.url,
            "--retries",
            "0",
        )
    assert run.code == 0, run.err
    assert "narrative: policy: no usable reply" in run.err
    text = (tmp_path / "out.md").read_text()
    assert (
        text.split("## Recommendations")[1].split("## Methods")[0]
        == (
            (tmp_path / "plain.md")
            .read_text()
            .split("## Recommendations")[1]
            .split("## Methods")[0]
        )
    )
    assert (
        "| Narrative | recommendations rewritten as prose by fake-model for: no dimension;" in text
    )
    assert "; 3 section(s) kept the template text" in text


@pytest.fixture
def privacy_study(cli, tmp_path):
    """The bundled study with its synthetic panel, as the demo builds it."""
    folder = tmp_path / "demo"
    assert cli("demo", "--out", folder).code == 0
    return folder


def test_a_questionnaire_that_does_not_match_qca_is_refused(cli, privacy_study, tmp_path):
    data = privacy_study / "questionnaire.csv"
    data.write_text(data.read_text().replace("TE2_3", "TE2_third", 1))
    run = cli("brief", privacy_study, "-o", tmp_path / "out.md", "--allow-incomplete")
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert f"{data}: column(s) TE2_3 named in [qca] are not in the questionnaire" in run.err


def test_a_non_numeric_answer_names_its_cell(cli, privacy_study, tmp_path):
    data = privacy_study / "questionnaire.csv"
    lines = data.read_text().splitlines()
    cells = lines[5].split(",")
    cells[3] = "often"  # PL1_1 of the fifth respondent
    lines[5] = ",".join(cells)
    data.write_text("\n".join(lines) + "\n")
    run = cli("brief", privacy_study, "-o", tmp_path / "out.md", "--allow-incomplete")
    assert run.code == 2
    assert "cell D6 (case 5, column PL1_1): 'often' is not a number" in run.err


def test_a_missing_answer_is_missing_not_an_error(cli, privacy_study, tmp_path):
    study = privacy_study / "study.toml"
    study.write_text(study.read_text().replace('half = "up"', 'half = "up"\ndropna = true'))
    data = privacy_study / "questionnaire.csv"
    lines = data.read_text().splitlines()
    cells = lines[5].split(",")
    cells[3] = "NA"  # the fsQCA reader's missing-value spelling
    lines[5] = ",".join(cells)
    data.write_text("\n".join(lines) + "\n")
    run = cli("brief", privacy_study, "-o", tmp_path / "out.md", "--allow-incomplete")
    assert run.code == 0, run.err
    assert "239 cases" in (tmp_path / "out.md").read_text()


def test_data_option_points_the_analysis_at_another_file(cli, privacy_study, tmp_path):
    other = tmp_path / "renamed.csv"
    other.write_text((privacy_study / "questionnaire.csv").read_text())
    assert (
        cli(
            "brief", privacy_study, "-o", tmp_path / "a.md", "--allow-incomplete", "--data", other
        ).code
        == 0
    )
    assert "renamed.csv (sha256" in (tmp_path / "a.md").read_text()
    run = cli(
        "brief",
        privacy_study,
        "-o",
        tmp_path / "b.md",
        "--allow-incomplete",
        "--data",
        tmp_path / "missing.csv",
    )
    assert run.code == 2 and "missing.csv: no such file" in run.err


def test_a_missing_included_template_names_the_including_line(cli, answered, tmp_path):
    (answered / "templates").mkdir()
    (answered / "templates" / "policy.md.j2").write_text('first\n{% import "nope.j2" as x %}\n')
    run = cli("brief", answered, "-o", tmp_path / "out.md")
    assert run.code == 2 and "policy.md.j2:2: template nope.j2 not found" in run.err, run.err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("incl_cut = 0.8", 'incl_cut = ["a"]'),
        ('half = "up"', 'half = "sideways"'),
    ],
)
def test_bad_qca_values_get_one_line(cli, privacy_study, tmp_path, line, message):
    study = privacy_study / "study.toml"
    study.write_text(study.read_text().replace(line, message))
    run = cli("brief", privacy_study, "-o", tmp_path / "out.md", "--allow-incomplete")
    assert run.code == 2 and run.err.startswith("error: study.toml [qca] "), run.err
    assert run.err.count("\n") == 1
