"""fsQCA against R's QCA package 3.25 (R 4.2.2), the reference implementation.

Every expected value is read from the files in ``tests/data/qca`` (copied from
shared/fixtures/qca), each produced by the R call written at its top:

- ``LF.truthtable.{csv,txt}`` / ``LC.truthtable.{csv,txt}``:
  ``truthTable(LF, outcome = "SURV", incl.cut = 0.8, n.cut = 1, complete = TRUE,
  show.cases = TRUE)`` (LC: ``incl.cut = 1``);
- ``*.necessity.{csv,txt}``: ``pof(setms, LF$SURV, relation = "necessity")``;
- ``*.complex.txt``: ``minimize(tt, details = TRUE, show.cases = TRUE)``;
- ``*.parsimonious.txt``: ``minimize(tt, include = "?", ...)``, with ``ps$PIchart`` and
  ``ps$SA``;
- ``*.intermediate.txt``: ``minimize(tt, include = "?", dir.exp = "DEV, URB, LIT, IND, STB")``,
  with each ``i.sol``'s ``$EC`` and ``$DC``;
- ``*.solutions.csv``: every term and model of those three solutions at full precision;
- ``LF.ttvariants.txt``: truth tables with ``pri.cut = 0.75``, ``n.cut = 2``,
  ``incl.cut = c(0.8, 0.6)``; ``minimize`` with ``incl.cut = 0.7`` (parsimonious and
  ``dir.exp = "DEV, STB, ~LIT*IND"``); and CVF (outcome PROTEST, ``incl.cut = 0.8``) with
  ``row.dom = TRUE`` and with ``all.sol = TRUE`` (M1..M4).
"""

from __future__ import annotations

import csv
import math
import re

import pytest

from ismpanel.analysis.fsqca.data import prepare
from ismpanel.analysis.fsqca.pipeline import Options, Result, run
from ismpanel.analysis.fsqca.terms import row_config
from ismpanel.readers import read_grid
from tests.helpers import DATA

REF = DATA / "qca"
TOL = 1e-9
DIR_ALL = "DEV, URB, LIT, IND, STB"


def analyse(name: str, outcome: str, incl_cut, **kw) -> Result:
    grid = read_grid(REF / f"{name}.csv")
    data, conds, out, _ = prepare(grid, outcome)
    cut = incl_cut if isinstance(incl_cut, tuple) else (incl_cut,)
    return run(data, conds, out, Options(outcome=outcome, incl_cut=cut, **kw))


@pytest.fixture(scope="module")
def lf() -> Result:
    return analyse("LF", "SURV", 0.8, dir_exp=DIR_ALL)


@pytest.fixture(scope="module")
def lc() -> Result:
    return analyse("LC", "SURV", 1.0, dir_exp=DIR_ALL)


@pytest.fixture(scope="module")
def results(lf, lc) -> dict[str, Result]:
    return {"LF": lf, "LC": lc}


# ----------------------------------------------------------------------------------------------
# parsing R's printed output


def text(name: str) -> str:
    return (REF / name).read_text(encoding="utf-8")


def csv_rows(name: str) -> list[dict[str, str]]:
    with open(REF / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def tt_lines(block: str, k: int) -> dict[int, tuple]:
    """Rows of a printed truth table: row -> (config, OUT, n, incl, PRI, cases)."""
    out = {}
    for line in block.splitlines():
        parts = line.split()
        if len(parts) < k + 5 or not parts[0].isdigit():
            continue
        row = int(parts[0])
        config = [int(v) for v in parts[1 : k + 1]]
        rest = parts[k + 1 :]
        cases = rest[4] if len(rest) > 4 else ""
        out[row] = (config, rest[0], int(rest[1]), rest[2], rest[3], cases)
    return out


TERM_LINE = re.compile(
    r"^\s*(\d+)\s+(\S+)\s+(\d\.\d{3})\s+(\d\.\d{3})\s+(\d\.\d{3})\s+(\d\.\d{3}|-)\s*(.*)$"
)
MODEL_LINE = re.compile(r"^\s*(M\d+)\s+(\d\.\d{3})\s+(\d\.\d{3})\s+(\d\.\d{3})\s*$")


def printed_solution(block: str) -> tuple[list[str], list[tuple], list[tuple]]:
    """The model lines ('M1: ... -> SURV'), term rows and model rows of a printed minimize."""
    models = [m.strip() for m in re.findall(r"^M\d+:\s+(.*?)\s*$", block, re.M)]
    terms = [TERM_LINE.match(line).groups() for line in block.splitlines() if TERM_LINE.match(line)]
    fits = [
        MODEL_LINE.match(line).groups() for line in block.splitlines() if MODEL_LINE.match(line)
    ]
    return models, terms, fits


def row_block(block: str, title: str, k: int) -> list[int]:
    """Row numbers listed under a title (R's data frames of SA, EC or DC)."""
    start = block.index(title)
    rows = []
    for line in block[start:].splitlines()[2:]:
        parts = line.split()
        if len(parts) != k + 1 or not all(p.isdigit() for p in parts):
            break
        rows.append(int(parts[0]))
    return rows


def f3(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def close(a, b) -> bool:
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=TOL)


# ----------------------------------------------------------------------------------------------
# truth tables and necessity


@pytest.mark.parametrize("name", ["LF", "LC"])
def test_truth_table_matches_r_at_full_precision(results, name):
    """*.truthtable.csv: OUT, n, incl and PRI of all 32 rows (incl/PRI to 1e-9)."""
    res = results[name]
    rows = dict(res.truth_table.listing(complete=True))
    expected = csv_rows(f"{name}.truthtable.csv")
    assert len(expected) == len(rows) == 32
    for exp in expected:
        row = rows[int(exp["row"]) - 1]
        config = [int(exp[c]) for c in res.conditions]
        assert row_config(int(exp["row"]) - 1, 5) == config
        if exp["OUT"] == "?":
            assert row is None or row.out == "?"
            continue
        assert row.out == exp["OUT"]
        assert row.n == int(exp["n"])
        assert close(row.incl, exp["incl"]), (exp["row"], row.incl, exp["incl"])
        assert close(row.pri, exp["PRI"]), (exp["row"], row.pri, exp["PRI"])


@pytest.mark.parametrize("name", ["LF", "LC"])
def test_truth_table_prints_as_r(results, name):
    """*.truthtable.txt: the printed decimals and the cases of each row."""
    res = results[name]
    printed = tt_lines(text(f"{name}.truthtable.txt"), 5)
    rows = dict(res.truth_table.listing(complete=True))
    for number, (_config, out, n, incl, pri, cases) in printed.items():
        row = rows[number - 1]
        if out == "?":
            assert row is None
            continue
        assert (row.out, row.n, f3(row.incl), f3(row.pri)) == (out, n, incl, pri)
        assert ",".join(row.cases) == cases


@pytest.mark.parametrize("name", ["LF", "LC"])
def test_necessity_matches_r(results, name):
    """*.necessity.csv at full precision and *.necessity.txt as printed."""
    res = results[name]
    got = {n.condition: n for n in res.necessity}
    expected = csv_rows(f"{name}.necessity.csv")
    assert [e["term"] for e in expected] == [n.condition for n in res.necessity]
    for e in expected:
        n = got[e["term"]]
        assert close(n.inclN, e["inclN"]) and close(n.RoN, e["RoN"]) and close(n.covN, e["covN"])
    block = text(f"{name}.necessity.txt").split("superSubset")[0]
    for line in block.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0].isdigit():
            n = got[parts[1]]
            assert [f3(n.inclN), f3(n.RoN), f3(n.covN)] == parts[2:]


# ----------------------------------------------------------------------------------------------
# solutions


def models_of(res: Result, kind: str):
    if kind == "intermediate":
        return res.intermediate.models
    return res.solutions[kind].models


@pytest.mark.parametrize("name", ["LF", "LC"])
def test_solutions_match_r_at_full_precision(results, name):
    """*.solutions.csv: models, terms in R's order, inclS, PRI, covS, covU (NA: one-term
    model) and the model's inclS, PRI, covS, all to 1e-9."""
    res = results[name]
    expected = csv_rows(f"{name}.solutions.csv")
    seen = set()
    for e in expected:
        kind = e["solution"]
        models = [m for m in models_of(res, kind) if not e["isol"] or e["isol"] in m.isols]
        model = next(m for m in models if m.name == e["model"])
        assert model.expression == e["model_expr"]
        seen.add((kind, e["isol"], e["model"]))
        if e["term"] == "(solution)":
            values = (model.inclS, model.PRI, model.covS)
            assert all(
                close(a, b) for a, b in zip(values, (e["inclS"], e["PRI"], e["covS"]), strict=False)
            )
            continue
        term = next(t for t in model.terms if t.expression == e["term"])
        assert close(term.inclS, e["inclS"]) and close(term.PRI, e["PRI"])
        assert close(term.covS, e["covS"])
        if e["covU"] == "NA":
            assert term.covU is None
        else:
            assert close(term.covU, e["covU"])
    for kind in ("complex", "parsimonious", "intermediate"):
        assert len(models_of(res, kind)) == len({s for s in seen if s[0] == kind})


@pytest.mark.parametrize("name", ["LF", "LC"])
@pytest.mark.parametrize("kind", ["complex", "parsimonious", "intermediate"])
def test_solutions_print_as_r(results, name, kind):
    """*.{complex,parsimonious,intermediate}.txt: the model line (with -> or <->), each term's
    printed parameters and cases ('FI,IE; FR,SE'), and the model's parameters."""
    from ismpanel.analysis.fsqca.solution import sufficient_and_necessary

    res = results[name]
    block = text(f"{name}.{kind}.txt").split("==== i.sol")[0].split("Prime implicant")[0]
    lines, terms, fits = printed_solution(block)
    models = models_of(res, kind)
    assert [
        f"{m.display()} {'<->' if sufficient_and_necessary(m) else '->'} SURV" for m in models
    ] == lines
    got_terms = [t for m in models for t in m.terms]
    assert len(got_terms) == len(terms)
    for t, (_num, expr, incl, pri, cov, cov_u, cases) in zip(got_terms, terms, strict=True):
        assert t.expression == expr
        assert [f3(t.inclS), f3(t.PRI), f3(t.covS), f3(t.covU)] == [incl, pri, cov, cov_u]
        assert "; ".join(",".join(g) for g in t.case_groups) == cases.strip()
    assert [(m.name, f3(m.inclS), f3(m.PRI), f3(m.covS)) for m in models] == fits


@pytest.mark.parametrize("name", ["LF", "LC"])
def test_prime_implicant_chart_matches_r(results, name):
    """*.parsimonious.txt, ``ps$PIchart``: prime implicants in R's order and which positive
    rows each covers."""
    res = results[name]
    block = text(f"{name}.parsimonious.txt")
    chart = block.split("ps$PIchart):")[1].split("Simplifying")[0].strip().splitlines()
    columns = [int(c) for c in chart[0].split()]
    sol = res.solutions["parsimonious"]
    positive = [c + 1 for c in res.truth_table.positive]
    assert positive == columns
    rows = [line.split() for line in chart[1:]]
    from ismpanel.analysis.fsqca.terms import expression

    assert [expression(t, res.conditions) for t in sol.prime_implicants] == [r[0] for r in rows]
    for cover, r in zip(sol.chart, rows, strict=True):
        assert ["x" if cover >> j & 1 else "-" for j in range(len(columns))] == r[1:]


@pytest.mark.parametrize("name", ["LF", "LC"])
def test_simplifying_assumptions_match_r(results, name):
    """*.parsimonious.txt, ``ps$SA``: the remainders the parsimonious model relies on."""
    res = results[name]
    expected = row_block(text(f"{name}.parsimonious.txt"), "$M1", 5)
    (model,) = res.solutions["parsimonious"].models
    assert [r + 1 for r in model.simplifying_assumptions] == expected


@pytest.mark.parametrize("name", ["LF", "LC"])
def test_easy_and_difficult_counterfactuals_match_r(results, name):
    """*.intermediate.txt, ``i.sol$C1P1$EC`` and ``$DC``; the intermediate model of C1P1."""
    res = results[name]
    block = text(f"{name}.intermediate.txt").split("==== i.sol C1P1 ====")[1]
    (model,) = res.intermediate.models
    assert model.isols == ["C1P1"]
    assert [r + 1 for r in model.easy_counterfactuals] == row_block(block, "Easy", 5)
    assert [r + 1 for r in model.difficult_counterfactuals] == row_block(block, "Difficult", 5)
    complex_line = re.search(r"complex terms \(c.sol\):\s+(.*?)\s*$", block, re.M).group(1)
    pars_line = re.search(r"parsimonious terms \(p.sol\):\s+(.*?)\s*$", block, re.M).group(1)
    assert res.solutions["complex"].models[0].expression == complex_line
    assert res.solutions["parsimonious"].models[0].expression == pars_line
    assert re.search(r"M1: (.*?)\s*$", block, re.M).group(1) == model.expression


# ----------------------------------------------------------------------------------------------
# LF.ttvariants.txt


def variant(title: str) -> str:
    block = text("LF.ttvariants.txt")
    start = block.index(title)
    end = block.find("\n## ", start + 1)
    return block[start : end if end > 0 else len(block)]


@pytest.mark.parametrize(
    ("title", "options"),
    [
        ('truthTable(LF, "SURV", incl.cut = 0.8, pri.cut = 0.75)', {"incl": 0.8, "pri": 0.75}),
        ('truthTable(LF, "SURV", incl.cut = 0.8, n.cut = 2)', {"incl": 0.8, "n": 2}),
        ('truthTable(LF, "SURV", incl.cut = c(0.8, 0.6))', {"incl": (0.8, 0.6)}),
    ],
)
def test_truth_table_variants_match_r(title, options):
    """LF.ttvariants.txt: the rows R prints (complete = FALSE: no remainders), with their OUT
    values under pri.cut, n.cut and two inclusion cut-offs (contradictions C)."""
    incl = options["incl"]
    res = analyse(
        "LF",
        "SURV",
        incl,
        n_cut=options.get("n", 1),
        pri_cut=options.get("pri", 0.0),
        solution="complex",
    )
    printed = tt_lines(variant(title), 5)
    shown = {c + 1: r for c, r in res.truth_table.rows.items() if r.out != "?"}
    assert sorted(shown) == sorted(printed)
    for number, (_config, out, n, inc, pri, _cases) in printed.items():
        row = shown[number]
        assert (row.out, row.n, f3(row.incl), f3(row.pri)) == (out, n, inc, pri)


def test_parsimonious_at_incl_cut_07_matches_r():
    """LF.ttvariants.txt: ``minimize(truthTable(LF, "SURV", incl.cut = 0.7), include = "?")``
    and the same with ``dir.exp = "DEV, STB, ~LIT*IND"`` (URB don't care, a conjunctural
    expectation): both give DEV*STB with the same parameters."""
    res = analyse("LF", "SURV", 0.7, dir_exp="DEV, STB, ~LIT*IND")
    for title, models in [
        ('include = "?", details = TRUE)', res.solutions["parsimonious"].models),
        ('dir.exp = "DEV, STB, ~LIT*IND"', res.intermediate.models),
    ]:
        lines, terms, fits = printed_solution(variant(title))
        assert [f"{m.expression} -> SURV" for m in models] == lines
        (m,) = models
        assert [
            (t.expression, f3(t.inclS), f3(t.PRI), f3(t.covS), f3(t.covU)) for t in m.terms
        ] == [(expr, incl, pri, cov, cov_u) for _, expr, incl, pri, cov, cov_u, _ in terms]
        assert [(m.name, f3(m.inclS), f3(m.PRI), f3(m.covS))] == fits
    assert res.intermediate.models[0].isols == ["C1P1"]


def test_cvf_model_ambiguity_matches_r():
    """LF.ttvariants.txt: ``minimize(truthTable(CVF, "PROTEST", incl.cut = 0.8), include =
    "?", all.sol = TRUE)`` lists M1..M4, essential terms first and the others in parentheses.
    Here every irredundant cover has the minimum size, so R's all.sol and the minimum-cover
    rule give the same four models in the same order."""
    res = analyse("CVF", "PROTEST", 0.8, solution="parsimonious")
    lines, _, _ = printed_solution(variant("all.sol = TRUE"))
    models = res.solutions["parsimonious"].models
    assert [f"{m.display()} -> PROTEST" for m in models] == lines
    assert res.solutions["parsimonious"].complete and not res.solutions["parsimonious"].capped


def test_cvf_row_dominance_matches_r():
    """LF.ttvariants.txt: the same with ``row.dom = TRUE`` leaves one model: dominated prime
    implicants (~DEMOC*ETHFRACT*POLDIS, DEMOC*ETHFRACT*~POLDIS) are dropped before solving."""
    res = analyse("CVF", "PROTEST", 0.8, solution="parsimonious", row_dom=True)
    lines, terms, fits = printed_solution(variant("row.dom = TRUE"))
    (m,) = res.solutions["parsimonious"].models
    assert [f"{m.expression} -> PROTEST"] == lines
    assert [(t.expression, f3(t.inclS), f3(t.PRI), f3(t.covS), f3(t.covU)) for t in m.terms] == [
        (expr, incl, pri, cov, cov_u) for _, expr, incl, pri, cov, cov_u, _ in terms
    ]
    assert [(m.name, f3(m.inclS), f3(m.PRI), f3(m.covS))] == fits
