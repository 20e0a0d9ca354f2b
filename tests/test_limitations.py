"""The brief's limitations, each read against the results it states: on random panels (pairs
named as contested or tied are exactly the aggregation's), on R's Lipset data with memberships
set to 0.5 (counted and handled as the option says), and on configurations covering rows of
low PRI (each named configuration does cover such a row)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from ismpanel.analysis.fsqca.data import prepare
from ismpanel.analysis.fsqca.pipeline import Options, run
from ismpanel.analysis.fsqca.robustness import CHOICES, robustness
from ismpanel.analysis.fsqca.terms import row_config
from ismpanel.elicitation.aggregate import PanelOptions
from ismpanel.readers import read_grid
from ismpanel.report.limitations import (
    LOW_PRI,
    limitations,
    qca_limitations,
    robustness_limitations,
)
from ismpanel.report.results import BriefOptions, compute
from tests.helpers import DATA
from tests.test_brief_claims import EHR, make_study
from tests.test_rounds_history import AB, AC, PAIRS, ROUND_1, three_factor_study

LF = DATA / "qca" / "LF.csv"
DIR_ALL = "DEV, URB, LIT, IND, STB"


def lipset(halves: list[tuple[int, str]] = (), **options):
    """R's Lipset data (fuzzy, LF) with the named (row, column) memberships set to 0.5."""
    grid = read_grid(LF)
    for row, column in halves:
        grid[row][grid[0].index(column)] = "0.5"
    data, conds, out, _ = prepare(grid, "SURV")
    incl = options.pop("incl_cut", 0.8)
    return run(data, conds, out, Options(outcome="SURV", incl_cut=(incl,), **options))


@pytest.mark.parametrize("seed", range(4))
def test_contested_and_tied_pairs_are_the_aggregations(tmp_path, seed):
    folder = make_study(tmp_path / "s", EHR, experts=4, seed=seed)
    results = compute(folder, BriefOptions(PanelOptions()))
    lines = limitations(results)
    contested = [p for p in results.aggregate.contested(results.options.below)]
    stated = next((s for s in lines if " contested " in s), None)
    if not contested:
        assert stated is None
    else:
        named = re.search(r"quorum\): (.*); the structure", stated).group(1).split(", ")
        assert named == [f"{p.pair[0]}-{p.pair[1]}" for p in contested]
        assert stated.startswith(f"{len(contested)} of {len(results.aggregate.pairs)} pairs")
    ties = [f"{p.pair[0]}-{p.pair[1]}" for p in results.aggregate.pairs if p.tie]
    tied = next((s for s in lines if s.startswith("Tied")), None)
    assert (tied is None) == (not ties)
    if ties:
        assert re.search(r"\((.*)\):", tied).group(1).split(", ") == ties
    assert not any("Not finished" in s for s in lines)  # every expert answered every pair


def test_exact_half_memberships_are_counted_and_their_handling_named():
    """LF has 18 cases and 5 conditions (90 memberships), none at 0.5; three are set to it."""
    assert not any("exactly 0.5" in s for s in qca_limitations(lipset(dir_exp=DIR_ALL)))
    halves = [(1, "DEV"), (2, "DEV"), (3, "URB")]
    kept = qca_limitations(lipset(halves, dir_exp=DIR_ALL))
    assert (
        "3 of 90 condition memberships (3.3 %), in 3 of 18 cases, were exactly 0.5 after "
        "calibration; they were kept, so those cases belong to no truth-table row." in kept
    )
    up = qca_limitations(lipset(halves, dir_exp=DIR_ALL, half="up"))
    assert any(
        s.endswith("shifted to 0.501 (kept at 0.5, those cases would belong to no row).")
        for s in up
    )


def test_rows_the_pri_cut_coded_zero_are_named():
    """LF at incl.cut 0.8: row 22 (FI, IE) has incl 0.804 and PRI 0.719 (LF.truthtable.txt,
    R), so a PRI cut of 0.75 codes it 0; at 0.7 no row is."""
    lines = qca_limitations(lipset(dir_exp=DIR_ALL, pri_cut=0.75))
    assert (
        "Row 22 passes the consistency cut (inclusion 0.804) but not the PRI cut (PRI 0.719, "
        "under 0.75), so it is coded 0: the solutions treat its cases as cases without the "
        "outcome, which can bring a condition's absence into a configuration."
    ) in lines
    assert not any("PRI cut" in s for s in qca_limitations(lipset(dir_exp=DIR_ALL, pri_cut=0.7)))


def test_a_solution_without_remainders_says_core_carries_no_information():
    """Two crisp conditions with every row observed: no remainder exists, so the
    parsimonious solution is the complex one and every condition is core."""
    grid = [["A", "B", "Y"]] + [[a, b, a] for a in "01" for b in "01" for _ in range(2)]
    data, conds, out, _ = prepare(grid, "Y")
    res = run(data, conds, out, Options(outcome="Y", incl_cut=(1.0,), dir_exp="A=1,B=1"))
    assert res.truth_table.remainders == 0
    lines = qca_limitations(res)
    assert any(s.startswith("No remainder was used") for s in lines)
    assert not any("simplifying" in s for s in lines)
    assert any("simplifying" in s for s in qca_limitations(lipset(dir_exp=DIR_ALL)))


def test_configurations_named_for_low_pri_rows_do_cover_them():
    """At incl.cut 0.5 rows 5 (PRI 0.113) and 6 (PRI 0.228) of LF become positive
    (LF.truthtable.txt, R)."""
    res = lipset(dir_exp=DIR_ALL, incl_cut=0.5)
    low = {c + 1 for c in res.truth_table.positive if res.truth_table.rows[c].pri < LOW_PRI}
    assert low == {5, 6}
    line = next(s for s in qca_limitations(res) if "PRI under" in s)
    named = dict(re.findall(r"(C\d+)(?: \([^)]*\))?: rows? ([\d, ]*\d)", line))
    assert named
    terms = [t for m in res.intermediate.models for t in m.terms]
    for label, rows in named.items():
        expression = terms[int(label[1:]) - 1].expression
        for row in (int(r) for r in rows.split(", ")):
            assert row in low
            values = dict(zip(res.conditions, row_config(row - 1, 5), strict=True))
            for literal in expression.split("*"):
                name = literal.lstrip("~")
                assert values[name] == (0 if literal.startswith("~") else 1), (label, row)
    covering = {
        f"C{k}"
        for k, t in enumerate(terms, start=1)
        for row in low
        if all(
            dict(zip(res.conditions, row_config(row - 1, 5), strict=True))[lit.lstrip("~")]
            == (0 if lit.startswith("~") else 1)
            for lit in t.expression.split("*")
        )
    }
    assert set(named) == covering


def test_the_demo_brief_states_its_limitations(tmp_path, cli):
    folder = tmp_path / "demo"
    assert cli("demo", "--out", folder).code == 0
    text = (folder / "brief.md").read_text()
    section = text.split("## Limitations", 1)[1].split("## Methods", 1)[0]
    # the demo's E4 leaves 4 of the 136 pairs blank (scripts/generate_open_gov_privacy.py),
    # and the demo closes the round
    assert (
        "- Round 1 was closed with E4 (132 of 136 pairs) not finished; their unanswered pairs "
        "count as missing answers." in section
    )
    assert "- Model ambiguity: the parsimonious solution has 5 equally short models" in section


def test_without_an_intermediate_solution_no_sentence_names_the_configuration_table():
    """LF at incl.cut 0.5 without directional expectations: several parsimonious models and
    no intermediate solution, hence no configuration table to refer to."""
    res = lipset(incl_cut=0.5)
    assert res.intermediate is None and len(res.solutions["parsimonious"].models) > 1
    lines = qca_limitations(res)
    assert any(s.startswith("Model ambiguity: the parsimonious solution has") for s in lines)
    assert not any("configuration" in s for s in lines if not s.startswith("Configurations are"))


def test_ties_are_worded_by_the_rule_and_a_round_counts_its_own_pairs(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR, experts=4, seed=0)
    letter = compute(folder, BriefOptions(PanelOptions(rule="letter")))
    tied = [s for s in limitations(letter) if s.startswith("Tied")]
    assert tied  # this seeded panel has ties
    assert all(s.endswith("the direction rule decided the pair.") for s in tied)
    run = cli("round", "start", folder, "--below", "0.99")
    assert run.code == 0, run.err
    results = compute(folder, BriefOptions(PanelOptions(allow_incomplete=True)))
    asked = results.panel.experts[0].round_total  # the pairs round 2 reopened
    line = next(s for s in limitations(results) if s.startswith("Not finished with round 2"))
    assert f"E1 (0 of {asked} pairs)" in line  # not the whole study's count


@pytest.mark.parametrize("incl", [0.75, 0.8, 0.9])
def test_configurations_that_are_not_robust_are_counted_with_the_choices_they_depend_on(incl):
    """On Lipset's data every configuration disappears at another consistency cut; the
    sentence names exactly the configurations judged not robust, their count and the choices
    of the alternative analyses without them, and there is none when each is robust or the
    robustness analysis did not run."""
    grid = read_grid(LF)
    data, conds, out, _ = prepare(grid, "SURV")
    options = Options(outcome="SURV", incl_cut=(incl,), dir_exp=DIR_ALL)
    rb = robustness(data, conds, out, options, run(data, conds, out, options), loo=False)
    weak = [c for c in rb.configurations if c.tested and not c.robust]
    assert weak  # the case this test is about
    (stated,) = robustness_limitations(rb)
    n = len(rb.configurations)
    if n == 1:
        assert stated.startswith("The only configuration of the intermediate solution is not")
    elif len(weak) == n:
        assert stated.startswith(f"All {n} configurations of the intermediate solution are not")
    else:
        assert stated.startswith(f"{len(weak)} of the {n} configurations")
    named = re.search(r"not robust \((.*?)\):", stated).group(1).split("; ")
    assert named == [c.label for c in weak]
    choices = {CHOICES[a.choice] for c in weak for a in c.lost}
    said = re.search(r"depends? on (?:is|are) (.*) \(see", stated).group(1)
    assert set(re.split(r", | and (?=the )", said)) == choices
    robust = replace(rb, configurations=[replace(c, lost=[]) for c in rb.configurations])
    assert robustness_limitations(robust) == []
    assert robustness_limitations(None) == []


def test_a_pair_a_round_reopened_is_said_to_have_remained_contested(cli, tmp_path):
    """Round 1 as in test_rounds_history (P1-P2: V V A, P1-T1: V A A, both 2 of 3, contested);
    round 2 reopens P1-P2 only. While round 2 is open, P1-P2 is still contested in it; once
    each expert has given their letter again it remained contested after round 2; P1-T1, never
    reopened, is one a further round could reopen. No command name reaches the brief."""
    folder = tmp_path / "s"
    store = three_factor_study(folder)
    for expert, letters in ROUND_1.items():
        store.record_many(expert, 1, dict(zip(PAIRS, letters, strict=True)), "interview")
    assert cli("round", "start", folder, "--pairs", "P1-P2").code == 0

    def contested_line() -> str:
        results = compute(folder, BriefOptions(PanelOptions(allow_incomplete=True)))
        reopened = {p for r in results.panel.rounds if r.number > 1 for p in r.reopened}
        assert reopened == {AB}
        assert {p.pair for p in results.panel.contested} == {AB, AC}
        (line,) = [s for s in limitations(results) if " contested (" in s]
        assert "ismpanel" not in line
        return line

    assert contested_line().endswith(
        "P1-P2 is still contested in round 2 (not finished), which reopened it; "
        "a further Delphi round could reopen P1-T1."
    )
    for expert, letters in ROUND_1.items():
        store.record(expert, 2, AB, letters[0], "interview")
    assert contested_line().endswith(
        "P1-P2 remained contested after round 2, which reopened it; "
        "a further Delphi round could reopen P1-T1."
    )


@pytest.mark.parametrize("seed", range(3))
def test_contested_pairs_no_round_reopened_could_be_reopened(tmp_path, seed):
    folder = make_study(tmp_path / "s", EHR, experts=4, seed=seed)
    results = compute(folder, BriefOptions(PanelOptions()))
    lines = [s for s in limitations(results) if " contested (" in s]
    if results.panel.contested:
        n = len(results.panel.contested)
        (line,) = lines
        assert line.endswith(f"a further Delphi round could reopen {'it' if n == 1 else 'them'}.")
        assert "ismpanel" not in line
