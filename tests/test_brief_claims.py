"""Every sentence of the brief read against the results it states, on random panels and on
studies of another domain: "drives directly" against the aggregated initial reachability
matrix, "required" against the necessity test, one role per factor by the stated rule, no
wording of the bundled study in another study's brief, and the brief's files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from ismpanel.elicitation.aggregate import PanelOptions
from ismpanel.elicitation.store import PanelStore, study_pairs
from ismpanel.elicitation.study import Dimension, Factor, build_study, study_toml
from ismpanel.report import brief as report
from ismpanel.report.results import BriefOptions

TEMPLATE = Path(__file__).parent.parent / "ismpanel/templates/studies/open-gov-privacy/study.toml"
BULLET = re.compile(
    r"^- \*\*(?P<name>.+) \((?P<id>\w+)\): (?P<priority>\w+) priority, rank \d+ "
    r"of \d+; role: (?P<role>[^.]+)\.\*\* (?P<body>.*)$"
)
ROLE_SENTENCES = {
    "required condition": "Its presence passes the necessity test",
    "lever": "a change here is expected to carry through the structure",
    "linkage factor": "a change here feeds back on itself",
    "part of a path to the outcome": "configurations of the fsQCA solution for the outcome:",
    "indicator": "better tracked as a sign of progress",
    "weakly connected factor": "MICMAC counts it as weakly connected",
}
EHR = [  # a study of another domain, with the same dimension ids as the bundled one
    ("LC", "policy", "Leadership commitment"),
    ("RG", "policy", "Reimbursement rules"),
    ("IN", "technology", "Interoperability"),
    ("UX", "technology", "Usability of the record"),
    ("DQ", "data", "Documentation quality"),
    ("CL", "users", "Clinician workload"),
    ("TR", "users", "Training time"),
]


def make_study(folder: Path, factors, experts: int, seed: int, title: str = "EHR adoption"):
    """A study with random answers from each expert (a seeded panel): returns the folder."""
    dims = [Dimension(d, d.capitalize()) for d in ("policy", "technology", "data", "users")]
    study = build_study(
        title,
        "directly influences",
        "adoption of the electronic health record in hospitals",
        dims,
        [Factor(fid, name, dim, f"How {name.lower()} stands") for fid, dim, name in factors],
        "test",
    )
    folder.mkdir(parents=True)
    (folder / "study.toml").write_text(study_toml(study), encoding="utf-8")
    store = PanelStore.create(folder, study)
    rng = np.random.default_rng(seed)
    for k in range(experts):
        expert, _ = store.add_expert(f"Expert {k}")
        letters = rng.choice(list("VAXO"), size=len(study_pairs(study)), p=[0.3, 0.3, 0.1, 0.3])
        store.record_many(
            expert.id, 1, dict(zip(study_pairs(study), letters, strict=True)), "import"
        )
    store.close()
    return folder


def brief_of(folder: Path, **options) -> tuple[str, report.Brief]:
    dest = report.destination(folder / "b.md")
    built = report.prepare(folder, BriefOptions(PanelOptions(**options)), dest)
    return report.render(folder, built), built


def bullets(text: str) -> dict[str, tuple[re.Match, str]]:
    """Each recommendation bullet by factor id, with its evidence line."""
    lines = text.splitlines()
    found = {}
    for k, line in enumerate(lines):
        m = BULLET.match(line)
        if m:
            evidence = lines[k + 1]
            assert evidence.startswith("  *Evidence:* "), evidence
            found[m["id"]] = (m, evidence)
    return found


def listed(evidence: str, label: str) -> set[str]:
    """The ids an evidence line lists after a label (up to the next ';')."""
    m = re.search(re.escape(label) + r" ([\w, ]+?)(?:;|\.$)", evidence)
    return set(m.group(1).split(", ")) if m else set()


def direct_links(built: report.Brief) -> set[tuple[str, str]]:
    """The arcs of the aggregated verdicts, read from the letters (V: i→j, A: j→i, X: both)."""
    arcs = set()
    for (a, b), letter in built.results.aggregate.letters().items():
        if letter in "VX":
            arcs.add((a, b))
        if letter in "AX":
            arcs.add((b, a))
    return arcs


@pytest.mark.parametrize("seed", range(12))
def test_every_direct_link_the_brief_states_is_a_panel_verdict(tmp_path, seed):
    folder = make_study(tmp_path / "s", EHR[: 4 + seed % 4], experts=3 + seed % 3, seed=seed)
    text, built = brief_of(folder, allow_incomplete=True)
    arcs = direct_links(built)
    found = bullets(text)
    assert set(found) == set(built.results.study.factor_ids)
    for fid, (_, evidence) in found.items():
        assert listed(evidence, "drives directly") == {b for a, b in arcs if a == fid}, evidence
        assert listed(evidence, "driven directly by") == {a for a, b in arcs if b == fid}
    # "directly" appears nowhere else but in the relation and the sentence defining the word
    rest = text.replace('"drives directly" means', "").replace("directly influences", "")
    rest = re.sub(r"drives directly [\w, ]+|driven directly by [\w, ]+", "", rest)
    assert "directly" not in rest


@pytest.mark.parametrize("seed", range(6))
def test_each_factor_has_one_role_by_the_stated_rule(tmp_path, seed):
    folder = make_study(tmp_path / "s", EHR, experts=4, seed=100 + seed)
    text, built = brief_of(folder, allow_incomplete=True)
    profiles = {p.id: p for p in built.results.profiles}
    for fid, (m, _) in bullets(text).items():
        said = [role for role, sentence in ROLE_SENTENCES.items() if sentence in m["body"]]
        assert said == [m["role"]], m.group(0)
        p = profiles[fid]
        expected = {
            "independent": "lever",
            "linkage": "linkage factor",
            "dependent": "indicator",
            "autonomous": "weakly connected factor",
        }[p.cluster]  # no questionnaire: the structure alone decides
        assert m["role"] == expected
        if p.cluster == "autonomous":  # its figures, and "reaches fewer than a driver"
            assert f"driving power {p.driving} and dependence {p.dependence}" in m["body"]
            drivers = [q for q in profiles.values() if q.cluster in ("independent", "linkage")]
            assert all(len(q.reaches) > len(p.reaches) for q in drivers)
        # with the structure alone, a deep driver can reach high priority (4 of 4 points)
        if p.tier == "deep" and p.cluster in ("independent", "linkage"):
            assert m["priority"] == "high"
    assert "standing requirement" not in text and "local measure suffices" not in text


def test_only_conditions_that_pass_the_necessity_test_are_called_required(cli, tmp_path):
    demo = tmp_path / "demo"
    assert cli("demo", "--out", demo).code == 0
    text = (demo / "brief.md").read_text()
    assert "role: required condition" not in text  # no condition passes 0.9 in the demo
    # lower the threshold: the conditions with consistency >= 0.73 pass (Necessity table)
    toml = demo / "study.toml"
    toml.write_text(
        toml.read_text().replace("necessity_threshold = 0.9", "necessity_threshold = 0.73")
    )
    assert cli("brief", demo, "-o", demo / "low.md", "--allow-incomplete").code == 0
    text = (demo / "low.md").read_text()
    passing = {
        row.split("|")[1].strip().replace("\\", "")
        for row in text.split("### Necessity")[1].split("### Truth table")[0].splitlines()
        if row.startswith("| ") and row.rstrip().endswith("| yes |")
    }
    assert passing == {"PL3", "US2"}  # inclN 0.762 and 0.745 in the Necessity table
    for fid, (m, _) in bullets(text).items():
        if fid in passing:
            assert m["role"] == "required condition", m.group(0)
        else:
            assert m["role"] != "required condition", m.group(0)
            assert "Its presence passes the necessity test" not in m["body"]


def test_another_domain_gets_no_wording_of_the_bundled_study(tmp_path):
    folder = make_study(tmp_path / "ehr", EHR, experts=4, seed=7)
    text, _ = brief_of(folder, allow_incomplete=True)
    bundled = tomllib.loads(TEMPLATE.read_text())
    own = [d[k] for d in bundled["dimensions"] for k in ("description", "instruments")]
    own += [f["action"] for f in bundled["factors"] if "action" in f]
    for phrase in own:
        assert phrase not in text, phrase
    for word in ("government", "open data", "privacy", "platform", "regulation", "data set"):
        assert word not in text.lower(), word


def test_the_bundled_study_keeps_its_own_wording(cli, tmp_path):
    demo = tmp_path / "demo"
    assert cli("demo", "--out", demo).code == 0
    text = (demo / "brief.md").read_text()
    bundled = tomllib.loads(TEMPLATE.read_text())
    for d in bundled["dimensions"]:
        assert d["description"] in text and d["instruments"] in text
    assert "Measure: Make privacy protection a standing item of the leaders' agenda" in text


def test_a_study_from_the_template_with_a_new_panel_gets_a_brief(cli, tmp_path):
    folder = tmp_path / "real"
    assert cli("init", folder, "--template", "open-gov-privacy").code == 0
    study = tomllib.loads((folder / "study.toml").read_text())
    assert "provenance" not in study
    store = PanelStore.open(folder)
    rng = np.random.default_rng(3)
    pairs = study_pairs(store.study)
    for k in range(3):
        expert, _ = store.add_expert(f"Expert {k}")
        letters = rng.choice(list("VAXO"), size=len(pairs), p=[0.35, 0.35, 0.05, 0.25])
        store.record_many(expert.id, 1, dict(zip(pairs, letters, strict=True)), "import")
    store.close()
    run = cli("brief", folder, "-o", tmp_path / "brief.md")
    assert run.code == 0, run.err
    text = (tmp_path / "brief.md").read_text()
    assert "Synthetic" not in text and "synthetic" not in text
    assert "No fsQCA section: no questionnaire data was given" in text
    assert "warning: fsQCA section: no questionnaire data was given" in run.err


def test_figures_are_named_after_their_brief_and_a_folder_is_refused(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR[:4], experts=3, seed=1)
    for name in ("a.md", "b.md"):
        assert cli("brief", folder, "-o", tmp_path / name, "--allow-incomplete").code == 0
    for stem in ("a", "b"):
        for figure in ("micmac", "hierarchy"):
            assert (tmp_path / f"{stem}.{figure}.svg").is_file()
    assert "](a.micmac.svg)" in (tmp_path / "a.md").read_text()
    assert "](a.hierarchy.svg)" in (tmp_path / "a.md").read_text()
    out = tmp_path / "out"
    out.mkdir()
    run = cli("brief", folder, "-o", out, "--allow-incomplete")
    assert run.code == 2 and run.err.count("\n") == 1 and "is a folder" in run.err
    assert list(out.iterdir()) == [] and not (tmp_path / "out.micmac.svg").exists()


def test_counts_agree_with_their_nouns(tmp_path):
    folder = make_study(tmp_path / "s", EHR[:2], experts=1, seed=2)
    text, built = brief_of(folder)
    contested = len(built.results.panel.contested)
    assert "1 expert (pseudonyms only)" in text
    assert f"{contested} of 1 pair {'is' if contested == 1 else 'are'} contested" in text
    assert not re.search(r"\b1 (experts|pairs|rounds|cases|answers)\b", text)


def test_control_characters_from_the_study_file_reach_neither_brief_nor_terminal(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR[:4], experts=3, seed=4)
    toml = folder / "study.toml"
    text = toml.read_text().replace(
        'name = "Policy"',
        'name = "Policy"\ndescription = "Rules\\u001b[2J first"\ninstruments = "laws\\u0007"',
    )
    toml.write_text(
        text + '\n[qca]\ndata = "q\\u001b]0;owned\\u0007.csv"\noutcome = "Y"\n'
        '[qca.items]\nY = ["y1"]\nLC = ["lc1"]\n'
    )
    run = cli("brief", folder, "-o", tmp_path / "b.md", "--allow-incomplete")
    assert run.code == 0, run.err
    brief = (tmp_path / "b.md").read_text()
    assert "Rules[2J first" in brief and "Instruments that fit this dimension: laws." in brief
    assert "q]0;owned.csv" in run.err
    for output in (brief, run.err, run.out):
        assert "\x1b" not in output and "\x07" not in output


def presence_claims(statement: str) -> dict[str, tuple[int, int, list[str]]]:
    """Per model named in a presence sentence, (present, of, configurations listed)."""
    found = {}
    for part in statement.split(" and of "):
        m = re.match(
            r"(\d+) of the (\d+) (?:configurations )?of (intermediate model \d+)(.*)", part
        )
        found[m[3]] = (int(m[1]), int(m[2]), re.findall(r"C\d+", m[4]))
    return found


@pytest.mark.parametrize("condition", list("ABCDE"))
def test_presence_is_counted_per_intermediate_model(condition):
    """R-like random data with 12 intermediate models (tests/test_fsqca_solution.seed87): the
    sentence counts, per model, the configurations that hold the condition's presence against
    that model's configurations, never across models as if they were one solution."""
    from types import SimpleNamespace

    from ismpanel.analysis.recommend import qca_evidence
    from ismpanel.report.context import presence_count
    from ismpanel.report.qca_tables import intermediate_names
    from tests.test_fsqca_solution import seed87

    _, res = seed87()
    roles = qca_evidence(res.conditions, res.configurations, []).roles[condition]
    statement = presence_count(SimpleNamespace(roles=roles), res)
    claims = presence_claims(statement)
    names = intermediate_names(res)
    assert set(claims) == set(names.values())
    assert statement.endswith(
        f"the {len(names)} alternative intermediate models of the fsQCA solution for the outcome"
    )
    for label, name in names.items():
        labels = [f"C{k}" for k, c in enumerate(res.configurations, 1) if c.model == label]
        present = [
            f"C{k}"
            for k, c in enumerate(res.configurations, 1)
            if c.model == label and (c.conditions[condition] or "").endswith("present")
        ]
        assert claims[name] == (len(present), len(labels), present), (name, statement)


def test_presence_in_a_single_model_is_counted_against_its_configurations():
    """Lipset's data (R QCA's LF) at incl.cut 0.8 has one intermediate model."""
    from types import SimpleNamespace

    from ismpanel.analysis.recommend import qca_evidence
    from ismpanel.report.context import presence_count
    from tests.test_limitations import DIR_ALL, lipset

    res = lipset(dir_exp=DIR_ALL)
    assert len(res.intermediate.models) == 1
    for condition in res.conditions:
        roles = qca_evidence(res.conditions, res.configurations, []).roles[condition]
        present = [r.configuration for r in roles if r.present]
        statement = presence_count(SimpleNamespace(roles=roles), res)
        total = len(res.configurations)
        share = (
            f"{len(present)} of the {total} configurations"
            if len(present) < total
            else {1: "the one configuration", 2: "both configurations"}.get(
                total, f"all {total} configurations"
            )
        )
        assert statement.startswith(f"{share} of the fsQCA solution for the outcome: ")
        assert re.findall(r"C\d+", statement) == present


@pytest.mark.parametrize("seed", range(4))
def test_the_summary_says_how_its_list_stands_against_the_high_priority_factors(tmp_path, seed):
    """The summary lists the highest-ranked factors; the line before the list says whether
    they are all the high-priority factors, some of more, or include others."""
    folder = make_study(tmp_path / "s", EHR[: 6 + seed], experts=3, seed=seed)
    text, built = brief_of(folder, allow_incomplete=True)
    summary = text.split("## Summary")[1].split("\n## ")[0]
    listed_ids = re.findall(r"^- \*\*.*? \((\w+)\)\*\*:", summary, flags=re.M)
    ranked = sorted(built.results.profiles, key=lambda p: p.rank)
    # the five highest-ranked, and every factor sharing the fifth's rank (never cut a tie)
    fifth = ranked[min(4, len(ranked) - 1)].rank
    assert listed_ids == [p.id for p in ranked if p.rank <= fifth]
    shown = len(listed_ids)
    high = sum(p.priority == "high" for p in ranked)
    note = next(line for line in summary.splitlines() if line.startswith("The "))
    if high == shown:
        assert note == f"The {high} high-priority factor{'s' if high != 1 else ''}:"
    elif high > shown:
        assert note.startswith(f"The {shown} highest-ranked of the {high} high-priority factors")
    else:
        among = f"{high} of them" if high else "none of them"
        assert note == f"The {shown} highest-ranked factors, {among} of high priority:"


def test_the_summary_note_covers_each_case():
    """Six high-priority factors, five shown: "the 5 highest-ranked of the 6"; as many high
    as shown: just those; fewer: how many of those shown are high."""
    from types import SimpleNamespace

    from ismpanel.report.context import top_note

    def profiles(*priorities):
        return [SimpleNamespace(priority=p) for p in priorities]

    six = profiles(*["high"] * 6, "low")
    assert top_note(six, 5).startswith("The 5 highest-ranked of the 6 high-priority factors")
    assert top_note(profiles(*["high"] * 5, "low"), 5) == "The 5 high-priority factors:"
    assert top_note(profiles("high", "medium", "low"), 3) == (
        "The 3 highest-ranked factors, 1 of them of high priority:"
    )


def test_without_a_driver_the_weakly_connected_sentence_compares_with_none(tmp_path):
    """A threshold above every driving power leaves no MICMAC driver: the role sentence keeps
    its figures and says nothing of drivers that do not exist."""
    folder = make_study(tmp_path / "s", EHR, experts=4, seed=101)
    with (folder / "study.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n[ism]\nthreshold = 100\n")
    text, built = brief_of(folder, allow_incomplete=True)
    assert {p.cluster for p in built.results.profiles} <= {"autonomous", "dependent"}
    assert "than one on a driver" not in text
    weak = [p for p in built.results.profiles if p.cluster == "autonomous"]
    assert weak and all(
        f"driving power {p.driving} and dependence {p.dependence} against the threshold 100, "
        "MICMAC counts it as weakly connected." in text
        for p in weak
    )
