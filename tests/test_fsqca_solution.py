"""Intermediate solutions, directional expectations, core and peripheral conditions, the negated
outcome, the exact-0.5 rule and contradictions (docs/architecture.md, Method definitions)."""

from __future__ import annotations

import numpy as np
import pytest

from ismpanel.analysis.fsqca import solution as sol
from ismpanel.analysis.fsqca.configuration import core_literals
from ismpanel.analysis.fsqca.data import prepare
from ismpanel.analysis.fsqca.fit import TermFit
from ismpanel.analysis.fsqca.intermediate import parse_directional, reduce_term
from ismpanel.analysis.fsqca.pipeline import Options, run
from ismpanel.analysis.fsqca.terms import Term, expression, parse_sop
from ismpanel.analysis.fsqca.truthtable import truth_table
from ismpanel.errors import AnalysisError, InputError
from ismpanel.readers import read_grid
from tests.helpers import DATA

NAMES = ("DEV", "URB", "LIT", "IND", "STB")
REF = DATA / "qca"


def terms(text: str) -> list[Term]:
    return parse_sop(text, NAMES)


def show(ts: list[Term]) -> list[str]:
    return [expression(t, NAMES) for t in ts]


def lf(outcome: str = "SURV", incl_cut: float = 0.8, **kw):
    data, conds, out, _ = prepare(read_grid(REF / "LF.csv"), outcome)
    return (
        data,
        conds,
        out,
        run(data, conds, out, Options(outcome=outcome, incl_cut=(incl_cut,), **kw)),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DEV=1,URB=1,LIT=-", ["DEV", "URB"]),
        ("DEV=1, IND=0", ["DEV", "~IND"]),
        ("STB=0;1", ["~STB", "STB"]),
        ("1,1,-,0,1", ["DEV", "URB", "~IND", "STB"]),
        ("DEV, URB, LIT, IND, STB", ["DEV", "URB", "LIT", "IND", "STB"]),
        ("DEV + STB + ~LIT*IND", ["DEV", "STB", "~LIT*IND"]),
        ("DEV, ~DEV*URB", ["DEV", "URB"]),  # simplified as R's admisc::simplify does
    ],
)
def test_directional_expectation_forms(text, expected):
    assert sorted(show(parse_directional(text, NAMES))) == sorted(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DEV=2", "expected 1 \\(present\\)"),
        ("GDP=1", "'GDP' is not a condition"),
        ("DEV=1,DEV=0", "two expectations"),
        ("1,1,0", "3 expectations for 5 conditions"),
        ("DEV + ~DEV", "cancel each other out"),
        ("DEV*~URB + ~DEV*URB + DEV*URB + ~DEV*~URB", "cancel each other out"),
        ("DEV*~DEV", "both DEV and ~DEV"),
        ("FOO, DEV", "unknown condition 'FOO'"),
    ],
)
def test_bad_directional_expectations(text, message):
    with pytest.raises(InputError, match=message) as err:
        parse_directional(text, NAMES)
    assert err.value.option == "dir-exp"


def test_ambiguous_directional_expectations_are_refused():
    """R's verify.dir.exp: an expression whose minimal form is not unique is refused; the
    three-term cycle ~A*B + A*~C + ~B*C over (A, B, C) has two minimal forms."""
    names = ("A", "B", "C")
    with pytest.raises(InputError, match="ambiguous"):
        parse_directional("~A*B + A*~C + ~B*C + A*~B + ~A*C + B*~C", names)


def test_reduce_drops_contradicting_literals_only():
    """Literals of c not in p that contradict the expectation are dropped; a
    condition without expectation is never dropped (LF: DEV*~URB*LIT*~IND*STB with p =
    DEV*~IND and every condition expected present gives DEV*LIT*~IND*STB)."""
    k = 5
    comp, pars = terms("DEV*~URB*LIT*~IND*STB + DEV*~IND")
    directional = parse_directional("DEV, URB, LIT, IND, STB", NAMES)
    assert show([reduce_term(comp, pars, directional, k)]) == ["DEV*LIT*~IND*STB"]
    only_urb = parse_directional("URB=0", NAMES)
    assert show([reduce_term(comp, pars, only_urb, k)]) == ["DEV*~URB*LIT*~IND*STB"]
    # a literal of p is never dropped, even against the expectation
    assert show([reduce_term(comp, pars, parse_directional("IND=1", NAMES), k)]) == [
        "DEV*~URB*LIT*~IND*STB"
    ]


def test_reduce_with_conjunctural_expectations():
    """~LIT*IND: the literals on LIT and IND beyond p are kept only if all agree with it."""
    k = 5
    directional = parse_directional("~LIT*IND", NAMES)
    comp, pars = terms("DEV*LIT*IND*STB + DEV*STB")
    assert show([reduce_term(comp, pars, directional, k)]) == ["DEV*STB"]
    comp, pars = terms("DEV*~LIT*IND*STB + DEV*STB")
    assert show([reduce_term(comp, pars, directional, k)]) == ["DEV*~LIT*IND*STB"]
    comp, pars = terms("DEV*~LIT*STB + DEV*STB")
    assert show([reduce_term(comp, pars, directional, k)]) == ["DEV*~LIT*STB"]


def test_drops_accumulate_with_mixed_expectations():
    """Single-literal and conjunctural expectations both apply (R 3.25 keeps only the last
    conjunction's drops; see reduce_term)."""
    k = 5
    directional = parse_directional("URB, ~LIT*IND", NAMES)
    comp, pars = terms("DEV*~URB*LIT*IND*STB + DEV*STB")
    assert show([reduce_term(comp, pars, directional, k)]) == ["DEV*STB"]


def test_a_literal_is_kept_when_any_conjunction_matches_it():
    """Conjunctions follow the rule of single expectations: an extra literal is kept when at
    least one expectation agrees with the term on all of its conditions. With ~LIT*IND and
    LIT*~IND, ~LIT*IND matches the first exactly (R 3.25 lets the last conjunction alone
    decide and drops both); ~LIT*~IND matches neither, so both literals go."""
    k = 5
    directional = parse_directional("~LIT*IND, LIT*~IND", NAMES)
    assert show(directional) == ["~LIT*IND", "LIT*~IND"]
    for complex_term, reduced in [
        ("DEV*~LIT*IND*STB", "DEV*~LIT*IND*STB"),
        ("DEV*LIT*~IND*STB", "DEV*LIT*~IND*STB"),
        ("DEV*~LIT*~IND*STB", "DEV*STB"),
        ("DEV*LIT*IND*STB", "DEV*STB"),
    ]:
        comp, pars = terms(f"{complex_term} + DEV*STB")
        assert show([reduce_term(comp, pars, directional, k)]) == [reduced], complex_term


def test_no_expectations_give_the_complex_solution():
    """All "-": the intermediate is the complex solution with no counterfactual listed (R's
    isoliscsol); an expectation that allows both values drops nothing either, so every
    simplifying assumption is a difficult counterfactual."""
    *_, res = lf(dir_exp="-,-,-,-,-")
    (model,) = res.intermediate.models
    assert model.expression == res.solutions["complex"].models[0].expression
    assert model.easy_counterfactuals == model.difficult_counterfactuals == []
    *_, res = lf(dir_exp="STB=0;1")
    (model,) = res.intermediate.models
    assert model.expression == res.solutions["complex"].models[0].expression
    assert model.easy_counterfactuals == []
    sa = res.solutions["parsimonious"].models[0].simplifying_assumptions
    assert model.difficult_counterfactuals == sa


def test_core_and_peripheral_conditions():
    """LF (R's intermediate: DEV*URB*LIT*STB + DEV*LIT*~IND*STB from parsimonious DEV*~IND +
    URB*STB): URB, STB core in the first; DEV, ~IND core in the second."""
    *_, res = lf(dir_exp="DEV, URB, LIT, IND, STB")
    status = {c.expression: c.conditions for c in res.configurations}
    assert status["DEV*URB*LIT*STB"] == {
        "DEV": "peripheral_present",
        "URB": "core_present",
        "LIT": "peripheral_present",
        "IND": None,
        "STB": "core_present",
    }
    assert status["DEV*LIT*~IND*STB"] == {
        "DEV": "core_present",
        "URB": None,
        "LIT": "peripheral_present",
        "IND": "core_absent",
        "STB": "peripheral_present",
    }


def test_core_requires_every_parsimonious_model():
    """With two parsimonious models producing one intermediate model, a literal is core only
    if it is core for both."""
    term = parse_sop("DEV*URB*LIT", NAMES)[0]

    def model(text: str) -> sol.Model:
        fits = [TermFit(t, expression(t, NAMES), 1, 1, 1, None, ()) for t in parse_sop(text, NAMES)]
        return sol.Model("M", fits, 1, 1, 1, [True] * len(fits))

    both = core_literals(term, [model("DEV*URB"), model("URB*LIT")])
    assert show([Term(both, term.bits & both)]) == ["URB"]
    one = core_literals(term, [model("DEV*URB")])
    assert show([Term(one, term.bits & one)]) == ["DEV*URB"]


def seed87():
    """Random fuzzy data (numpy seed 87, 25 cases, five conditions A-E, two decimals) with 12
    intermediate models from the pairs C1P1, C2P1, C1P2 and C2P2 at incl.cut 0.55."""
    rng = np.random.default_rng(87)
    x = np.round(rng.random((25, 5)), 2)
    y = np.round(rng.random(25), 2)
    grid = [["case", *"ABCDE", "Y"]]
    grid += [[f"c{i + 1}", *(f"{v:.2f}" for v in x[i]), f"{y[i]:.2f}"] for i in range(25)]
    data, conds, out, _ = prepare(grid, "Y")
    options = Options(outcome="Y", incl_cut=(0.55,), dir_exp="A, B, C, D, E")
    return grid, run(data, conds, out, options)


def test_configurations_are_one_column_per_term_of_each_intermediate_model():
    """A term in several intermediate models gets a column in each, with that model's
    parameters: A*~D has covU 0.086, 0.1862, 0.0401 and 0.0955 in different models."""
    _, res = seed87()
    models = res.intermediate.models
    assert len(models) == 12
    assert [g.models[0].isols for g in res.intermediate.groups] == [
        ["C1P1", "C2P1"],
        ["C1P2"],
        ["C2P2"],
    ]
    configs = res.configurations
    expected = [(f"{m.isols[0]} {m.name}", t) for m in models for t in m.terms]
    assert [(c.model, c.expression) for c in configs] == [(m, t.expression) for m, t in expected]
    for c, (_, t) in zip(configs, expected, strict=True):
        assert (c.inclS, c.covS, c.covU) == (t.inclS, t.covS, t.covU)
    a_not_d = [c for c in configs if c.expression == "A*~D"]
    assert [c.model for c in a_not_d] == [
        "C1P1 M1",
        "C1P1 M2",
        "C1P1 M3",
        "C1P1 M4",
        "C1P2 M1",
        "C2P2 M1",
        "C2P2 M3",
        "C2P2 M4",
    ]
    assert [round(c.covU, 4) for c in a_not_d] == [
        0.086,
        0.1862,
        0.0401,
        0.0955,
        0.0401,
        0.0401,
        0.0955,
        0.0955,
    ]
    assert all(c.models == [x.model for x in a_not_d] for c in a_not_d)
    # core conditions from each model's own parsimonious models: ~D is a parsimonious term
    # of P1 (~B + C + ~D + ~A) and of P2 (~B + C + ~D + ~E)
    assert {c.conditions["D"] for c in a_not_d} == {"core_absent"}
    assert {c.conditions["A"] for c in a_not_d} == {"peripheral_present"}


def test_each_cover_gets_its_share_of_the_time_left(monkeypatch):
    """One budget for the whole minimization: the complex cover may use a third of the time
    left (the parsimonious and intermediate solutions follow), the parsimonious cover half of
    what is then left, and the intermediate pairs share the rest (LF's covers take
    milliseconds, so about 30 s is left at each step)."""
    from ismpanel.analysis.fsqca.cover import minimum_covers

    limits = []
    real = minimum_covers

    def spy(*args, **kwargs):
        limits.append(kwargs["time_limit"])
        return real(*args, **kwargs)

    monkeypatch.setattr(sol, "minimum_covers", spy)  # as the solution module calls it
    lf(dir_exp="DEV, URB, LIT, IND, STB", time_limit=30.0)
    assert limits == [
        pytest.approx(10, abs=0.5),
        pytest.approx(15, abs=0.5),
        pytest.approx(30, abs=0.5),
    ]


def test_negated_outcome_is_the_pipeline_on_one_minus_y(tmp_path):
    """~SURV: the same as analysing a column holding 1 - SURV."""
    _data, conds, _out, neg = lf("~SURV", incl_cut=0.8)
    grid = read_grid(REF / "LF.csv")
    header = grid[0] + ["NSURV"]
    body = [[*row, repr(1 - float(row[6]))] for row in grid[1:]]
    flipped, conds2, _, _ = prepare([header, *body], "NSURV", conds)
    res = run(flipped, conds2, "NSURV", Options(outcome="NSURV", incl_cut=(0.8,)))
    assert neg.outcome_label == "~SURV"
    for kind in ("complex", "parsimonious"):
        a = [m.expression for m in neg.solutions[kind].models]
        b = [m.expression for m in res.solutions[kind].models]
        assert a == b and a
        for ma, mb in zip(neg.solutions[kind].models, res.solutions[kind].models, strict=True):
            assert ma.inclS == pytest.approx(mb.inclS) and ma.covS == pytest.approx(mb.covS)


def test_exact_half_case_belongs_to_no_row_and_remedies_shift_it():
    x = np.array([[0.5, 0.9], [0.8, 0.9], [0.2, 0.1]])
    y = np.array([0.9, 0.9, 0.1])
    tt = truth_table(x, y, ("A", "B"), "Y", ["a", "b", "c"], incl_cut=0.8)
    assert tt.half == (("a", "A"),)
    assert all("a" not in r.cases for r in tt.rows.values())
    assert tt.rows[0b01].n == 0 and tt.rows[0b01].out == "?"  # observed only through case a
    assert tt.rows[0b11].cases == ("b",)


def test_pipeline_warns_about_half_and_applies_the_remedy():
    grid = [
        ["case", "A", "B", "Y"],
        ["a", "0.5", "0.9", "0.9"],
        ["b", "0.8", "0.9", "0.9"],
        ["c", "0.2", "0.1", "0.1"],
        ["d", "0.1", "0.7", "0.2"],
    ]
    data, conds, out, _ = prepare(grid, "Y")
    res = run(data, conds, out, Options(outcome="Y", incl_cut=(0.8,), solution="complex"))
    assert any("exactly 0.5" in n and "a in A" in n and "--half" in n for n in res.notes)
    up = run(data, conds, out, Options(outcome="Y", incl_cut=(0.8,), half="up", solution="complex"))
    assert up.truth_table.rows[0b11].cases == ("a", "b")
    down = run(data, conds, out, Options(outcome="Y", incl_cut=(0.8,), half="down"))
    assert "a" in down.truth_table.rows[0b01].cases


def test_contradictions_are_forbidden_unless_included():
    """LF.ttvariants.txt, truthTable(LF, "SURV", incl.cut = c(0.8, 0.6)): row 24 (incl 0.709)
    is a contradiction; left out, R's parsimonious solution at incl.cut 0.8 stays
    (LF.parsimonious.txt: DEV*~IND + URB*STB). Included, it is a don't-care (R's include "C"),
    and the negative rows are those below 0.6 in that table: 1, 2, 5, 6, 23, 31, the same as
    in minimize(truthTable(LF, "SURV", incl.cut = 0.7), include = "?") of LF.ttvariants.txt,
    where R's only model is DEV*STB. The positive rows 22 (1 0 1 0 1) and 32 (1 1 1 1 1) share
    DEV, LIT and STB; of the terms over those, DEV and DEV*LIT hold row 23 (1 0 1 1 0), LIT and
    STB and LIT*STB hold row 6 (0 0 1 0 1), so DEV*STB is the only one-term model: R's rule
    gives DEV*STB, with row 24 among its simplifying assumptions."""
    data, conds, out, _ = prepare(read_grid(REF / "LF.csv"), "SURV")
    with_c = run(data, conds, out, Options(outcome="SURV", incl_cut=(0.8, 0.6)))
    assert with_c.truth_table.rows[23].out == "C"
    assert [m.expression for m in with_c.solutions["parsimonious"].models] == ["DEV*~IND + URB*STB"]
    included = run(
        data,
        conds,
        out,
        Options(outcome="SURV", incl_cut=(0.8, 0.6), include_contradictions=True),
    )
    models = [m.expression for m in included.solutions["parsimonious"].models]
    assert models == ["DEV*STB"]
    assert 23 in included.solutions["parsimonious"].models[0].simplifying_assumptions
    negative = [c + 1 for c in included.truth_table.codes("0")]
    assert negative == [1, 2, 5, 6, 23, 31]
    at_07 = run(data, conds, out, Options(outcome="SURV", incl_cut=(0.7,)))
    assert [c + 1 for c in at_07.truth_table.codes("0")] == negative
    assert [m.expression for m in at_07.solutions["parsimonious"].models] == ["DEV*STB"]


def test_remainders_count_unobserved_rows_and_rows_under_n_cut():
    """LF.ttvariants.txt: at incl.cut 0.8 nine of the 32 rows have cases (23 remainders); with
    n.cut = 2 six rows are left (26 remainders)."""
    data, conds, out, _ = prepare(read_grid(REF / "LF.csv"), "SURV")
    for n_cut, remainders in ((1, 23), (2, 26)):
        res = run(data, conds, out, Options(outcome="SURV", incl_cut=(0.8,), n_cut=n_cut))
        assert res.truth_table.remainders == remainders


def test_nothing_to_explain_is_an_analysis_error():
    data, conds, out, _ = prepare(read_grid(REF / "LF.csv"), "SURV")
    with pytest.raises(AnalysisError, match="no truth-table row reaches the inclusion cut-off 1"):
        run(data, conds, out, Options(outcome="SURV"))


def test_intermediate_needs_directional_expectations():
    data, conds, out, _ = prepare(read_grid(REF / "LF.csv"), "SURV")
    with pytest.raises(InputError, match="directional expectations") as err:
        run(data, conds, out, Options(outcome="SURV", incl_cut=(0.8,), solution="intermediate"))
    assert err.value.option == "dir-exp"


def test_without_negative_rows_only_the_complex_solution_is_reported():
    """R refuses to minimize with remainders when no row is negative ('All truth table
    configurations are used'); with --solution all the complex solution is still given."""
    grid = [["id", "A", "B", "Y"], ["a", "0.9", "0.8", "0.9"], ["b", "0.1", "0.2", "0.8"]]
    data, conds, out, _ = prepare(grid, "Y")
    res = run(data, conds, out, Options(outcome="Y", incl_cut=(0.8,), dir_exp="A, B"))
    assert [m.expression for m in res.solutions["complex"].models] == ["A*B + ~A*~B"]  # R order
    assert "parsimonious" not in res.solutions and res.intermediate is None
    assert any("no parsimonious or intermediate solution" in n for n in res.notes)
    with pytest.raises(AnalysisError, match="All truth table configurations are used"):
        run(data, conds, out, Options(outcome="Y", incl_cut=(0.8,), solution="parsimonious"))


def test_intermediate_pairs_share_the_model_cap():
    """--max-models caps the intermediate models of all pairs together: each pair may list
    max_models // pairs models (at least one); the count found stays the full one. CVF has
    four parsimonious models, so four pairs."""
    data, conds, out, _ = prepare(read_grid(REF / "CVF.csv"), "PROTEST")
    options = Options(outcome="PROTEST", incl_cut=(0.8,), dir_exp="1,1,1,1,1", max_models=4)
    res = run(data, conds, out, options)
    assert len(res.solutions["parsimonious"].models) == 4
    pairs = sum(len(m.isols) for g in res.intermediate.groups for m in g.models[:1])
    assert pairs == 4
    assert all(len(g.models) <= 1 for g in res.intermediate.groups)
    assert len(res.intermediate.models) <= 4


def test_counterfactuals_are_shared_rows_not_copies():
    """The models of one intermediate pair share one array of counterfactual rows, read like
    a list of row codes."""
    *_, res = lf(dir_exp="DEV, URB, LIT, IND, STB")
    (model,) = res.intermediate.models
    ec, dc = model.counterfactuals["C1P1"]
    assert ec is model.easy_counterfactuals and dc is model.difficult_counterfactuals
    assert list(ec) == [29] and ec == [29] and 29 in ec and 30 not in ec
    assert ec[0] == 29 and ec[:5] == [29] and len(ec) == 1
