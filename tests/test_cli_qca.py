"""``ismpanel qca`` from the command line: the JSON contract, the rich report, markdown,
calibration options, robustness, and one clear line with exit code 2 for every bad input.

Expected numbers come from R's QCA 3.25 output in tests/data/qca (LF.*.txt, see
test_fsqca_reference.py for the R calls)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import DATA, write_csv

REF = DATA / "qca"
LF = REF / "LF.csv"
LR = REF / "LR.csv"
LIPSET = [
    "--calibrate", "DEV=400,550,900",
    "--calibrate", "URB=25,50,65",
    "--calibrate", "LIT=50,75,90",
    "--calibrate", "IND=20,30,40",
    "--calibrate", "STB=15,9.5,5",
    "--calibrate", "SURV=-9,0,10",
]  # fmt: skip


@pytest.fixture(scope="module")
def lf_doc():
    import contextlib
    import io

    from ismpanel.cli.app import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(["qca", str(LF), "--outcome", "SURV", "--incl-cut", "0.8", "--dir-exp",
              "DEV, URB, LIT, IND, STB", "--json"])  # fmt: skip
    return json.loads(out.getvalue())


def test_json_has_the_stable_keys(lf_doc):
    assert {"truth_table", "necessity", "solutions", "configurations"} <= set(lf_doc)
    row = lf_doc["truth_table"][21]
    assert set(row) == {"row", "config", "n", "incl", "PRI", "OUT", "cases"}
    # LF.truthtable.txt row 22: 1 0 1 0 1, OUT 1, n 2, incl 0.804, PRI 0.719, FI,IE
    assert row["row"] == 22 and row["config"] == {"DEV": 1, "URB": 0, "LIT": 1, "IND": 0, "STB": 1}
    assert (row["OUT"], row["n"], row["cases"]) == ("1", 2, ["FI", "IE"])
    assert round(row["incl"], 3) == 0.804 and round(row["PRI"], 3) == 0.719
    assert lf_doc["truth_table"][2]["OUT"] == "?" and lf_doc["truth_table"][2]["incl"] is None
    nec = lf_doc["necessity"][5]
    assert {"condition", "inclN", "RoN", "covN"} <= set(nec) and nec["condition"] == "~DEV"
    assert set(lf_doc["solutions"]) == {"complex", "parsimonious", "intermediate"}
    (pars,) = lf_doc["solutions"]["parsimonious"]
    assert {"model", "expression", "terms", "inclS", "PRI", "covS"} <= set(pars)
    assert pars["model"] == "M1" and pars["expression"] == "DEV*~IND + URB*STB"
    term = pars["terms"][0]
    assert {"expression", "inclS", "PRI", "covS", "covU", "cases"} <= set(term)
    assert term["cases"] == ["FI", "IE"]
    # LF.parsimonious.txt, ps$SA: first simplifying assumption is row 10 (0 1 0 0 1)
    assert pars["simplifying_assumptions"][0] == [0, 1, 0, 0, 1]
    (inter,) = lf_doc["solutions"]["intermediate"]
    assert inter["isol"] == "C1P1" and inter["easy_counterfactuals"] == [[1, 1, 1, 0, 1]]
    assert inter["expression"] == "DEV*URB*LIT*STB + DEV*LIT*~IND*STB"
    configs = lf_doc["configurations"]
    assert [c["expression"] for c in configs] == ["DEV*URB*LIT*STB", "DEV*LIT*~IND*STB"]
    assert set(configs[0]) >= {"expression", "conditions", "inclS", "covS", "covU"}
    assert configs[1]["conditions"]["IND"] == "core_absent"
    assert configs[0]["conditions"]["IND"] is None


def test_rich_report_shows_every_part(cli):
    run = cli("qca", LF, "--outcome", "SURV", "--incl-cut", "0.8", "--dir-exp",
              "DEV=1,URB=1,LIT=1,IND=1,STB=1", "--necessity")  # fmt: skip
    assert run.code == 0, run.err
    for text in (
        "Truth table (SURV)",
        "BE,CZ,NL,UK",
        "Necessity",
        "M1: DEV*URB*LIT*IND*STB + DEV*~URB*LIT*~IND*STB -> SURV",
        "M1: DEV*~IND + URB*STB -> SURV",
        "M1 (from C1P1): DEV*URB*LIT*STB + DEV*LIT*~IND*STB -> SURV",
        "Easy counterfactuals of C1P1 (1)",
        "Configurations for SURV",
        "●",
        "⊗",
        "Core rule",
    ):
        assert text in run.out, text


def test_remainders_are_counted_with_and_without_complete(cli):
    """LF at 0.8: 9 of 32 rows have cases (LF.ttvariants.txt), so 23 remainders either way."""
    for extra in ([], ["--complete"]):
        run = cli("qca", LF, "--outcome", "SURV", "--incl-cut", "0.8", "--solution", "complex",
                  *extra)  # fmt: skip
        assert run.code == 0, run.err
        assert "? (remainder) 23" in run.out, extra


def test_markdown_configuration_table(cli, tmp_path):
    target = tmp_path / "config.md"
    run = cli("qca", LF, "--outcome", "SURV", "--incl-cut", "0.8", "--dir-exp",
              "DEV, URB, LIT, IND, STB", "--markdown", target)  # fmt: skip
    assert run.code == 0, run.err
    md = target.read_text()
    assert "| Condition | C1 | C2 |" in md
    assert "| URB | ● |  |" in md
    assert "| IND |  | ⊗ |" in md
    assert "| Consistency | 0.901 | 0.814 |" in md  # LF.intermediate.txt
    assert "| Model |" not in md  # one intermediate model: the footer names it
    assert "Core rule" in md


@pytest.mark.parametrize(
    ("text", "message"),
    [("qca = 1\n", "no [calibration] table"), ("calibration = 1\n", "must be a table")],
)
def test_calibration_file_without_a_table_is_one_line(cli, tmp_path, text, message):
    toml = tmp_path / "cal.toml"
    toml.write_text(text)
    run = cli("qca", LF, "--outcome", "SURV", "--calibrate-file", toml)
    assert run.code == 2, (run.out, run.err)
    assert run.err.startswith("error: --calibrate-file: ") and message in run.err
    assert run.err.count("\n") == 1 and "Traceback" not in run.err


def test_configuration_table_has_a_column_per_term_of_each_model(cli, tmp_path):
    """tests/test_fsqca_solution.py's seed-87 data: 12 intermediate models; each column names
    its model and carries that model's parameters (JSON, markdown and terminal)."""
    from tests.test_fsqca_solution import seed87

    grid, res = seed87()
    path = table(tmp_path, grid)
    target = tmp_path / "config.md"
    run = cli("qca", path, "--outcome", "Y", "--incl-cut", "0.55", "--dir-exp",
              "A, B, C, D, E", "--markdown", target, "--json")  # fmt: skip
    assert run.code == 0, run.err
    configs = json.loads(run.out)["configurations"]
    columns = [(f"{m.isols[0]} {m.name}", t) for m in res.intermediate.models for t in m.terms]
    assert len(configs) == len(columns) == 60
    for c, (model, t) in zip(configs, columns, strict=True):
        assert {"expression", "conditions", "inclS", "covS", "covU", "models", "model"} <= set(c)
        assert (c["model"], c["expression"]) == (model, t.expression)
        assert c["covU"] == pytest.approx(t.covU)
    md = target.read_text()
    head = "| Condition | " + " | ".join(f"C{i}" for i in range(1, 61)) + " |"
    assert head in md
    number = {label: k for k, label in enumerate(dict.fromkeys(m for m, _ in columns), start=1)}
    named = " | ".join(f"intermediate model {number[m]}" for m, _ in columns)
    assert "| Model | " + named + " |" in md
    text = cli("qca", path, "--outcome", "Y", "--incl-cut", "0.55", "--dir-exp", "A, B, C, D, E")
    assert "Configurations for Y, intermediate model 1" in text.out
    assert "Configurations for Y, intermediate model 12" in text.out


def test_calibration_on_the_command_line_and_in_a_file(cli, tmp_path):
    """LR raw data calibrated with the anchors that reproduce LF (fs/QCA convention)."""
    run = cli("qca", LR, "--outcome", "SURV", "--incl-cut", "0.8", "--convention", "fsqca",
              *LIPSET, "--json")  # fmt: skip
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert doc["calibration"]["convention"] == "fsqca"
    assert "±3" in doc["calibration"]["convention_name"]
    assert doc["calibration"]["columns"]["STB"] == {"method": "direct", "anchors": [15, 9.5, 5]}
    assert doc["solutions"]["parsimonious"][0]["expression"] == "DEV*~IND + URB*STB"
    toml = tmp_path / "cal.toml"
    toml.write_text(
        '[calibration]\nconvention = "fsqca"\n[calibration.conditions]\n'
        "DEV = [400, 550, 900]\nURB = [25, 50, 65]\nLIT = [50, 75, 90]\nIND = [20, 30, 40]\n"
        'STB = "15,9.5,5"\nSURV = [-9, 0, 10]\n'
    )
    run2 = cli("qca", LR, "--outcome", "SURV", "--incl-cut", "0.8", "--calibrate-file", toml,
               "--json")  # fmt: skip
    assert run2.code == 0, run2.err
    assert json.loads(run2.out)["solutions"] == doc["solutions"]
    run3 = cli("qca", LR, "--outcome", "SURV", "--incl-cut", "0.8", *LIPSET)
    assert "R QCA (idm 0.95, log-odds ±2.944)" in run3.out


def test_percentile_anchors(cli):
    run = cli("qca", LR, "--outcome", "SURV", "--incl-cut", "0.8", "--calibrate",
              "DEV=p10,p50,p90", *LIPSET[2:], "--json")  # fmt: skip
    assert run.code == 0, run.err
    anchors = json.loads(run.out)["calibration"]["columns"]["DEV"]["anchors"]
    assert anchors[1] == 588.0  # median of LR's DEV: (586 + 590) / 2


def test_negated_outcome(cli, tmp_path):
    """~SURV is the analysis of 1 - SURV: every row's incl and PRI equal those
    computed here with numpy from LF.csv, and the solutions, with their parameters, equal
    those of a column holding 1 - SURV."""
    import csv

    import numpy as np

    run = cli("qca", LF, "--outcome", "~SURV", "--incl-cut", "0.8", "--json")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert doc["outcome"] == "~SURV"
    with open(LF, newline="") as fh:
        rows = list(csv.reader(fh))
    names = rows[0][1:6]
    values = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    x, y = values[:, :5], 1 - values[:, 5]
    observed = [r for r in doc["truth_table"] if r["n"]]
    assert len(observed) == 9
    for row in observed:
        bits = np.array([row["config"][n] for n in names], dtype=bool)
        m = np.where(bits, x, 1 - x).min(axis=1)
        inter = np.minimum(m, y)
        overlap = np.minimum(inter, 1 - y).sum()
        assert row["incl"] == pytest.approx(inter.sum() / m.sum())
        assert row["PRI"] == pytest.approx((inter.sum() - overlap) / (m.sum() - overlap))
    assert [r["row"] for r in observed if r["OUT"] == "1"] == [1, 2, 5, 6, 23, 31]
    body = [[*r, repr(1 - float(r[6]))] for r in rows[1:]]
    flipped = write_csv(tmp_path / "flipped.csv", [rows[0] + ["NSURV"], *body])
    run2 = cli("qca", flipped, "--outcome", "NSURV", "--conditions", ",".join(names),
               "--incl-cut", "0.8", "--json")  # fmt: skip
    assert run2.code == 0, run2.err
    other = json.loads(run2.out)
    assert set(doc["solutions"]) == set(other["solutions"]) == {"complex", "parsimonious"}
    for kind, models in doc["solutions"].items():
        assert models and len(models) == len(other["solutions"][kind])
        for a, b in zip(models, other["solutions"][kind], strict=True):
            assert a["expression"] == b["expression"]
            for t, u in zip(a["terms"], b["terms"], strict=True):
                for key in ("inclS", "PRI", "covS"):
                    assert t[key] == pytest.approx(u[key])


def test_robustness_reports_each_variant(cli):
    """LR calibrated as in LIPSET (R's log-odds) gives R's LF truth table pattern at 0.8:
    rows 22 (incl 0.806) and 32 (0.905) positive, the next highest row 24 (0.706). So
    consistency cut 0.75 keeps the table and both terms; at 0.85 only row 32 is positive and,
    IND being expected present, the solution is that row's term: neither term survives. fs/QCA's
    log-odds reproduce LF, whose intermediate solution R gives as the same two terms
    (LF.intermediate.txt). n.cut 2 only turns single-case negative rows (6, 23, 31) into
    remainders and keeps both terms, as a plain run with n.cut 2 does."""
    run = cli("qca", LR, "--outcome", "SURV", "--incl-cut", "0.8", *LIPSET, "--dir-exp",
              "DEV, URB, LIT, IND, STB", "--robustness", "--json")  # fmt: skip
    assert run.code == 0, run.err
    robust = json.loads(run.out)["robustness"]
    assert robust["solution"] == "intermediate"
    models = {a["label"]: a["models"] for a in robust["alternatives"]}
    base = "DEV*URB*LIT*STB + DEV*LIT*~IND*STB"
    assert models["consistency cut 0.75"] == [base]
    assert models["consistency cut 0.85"] == ["DEV*URB*LIT*IND*STB"]
    assert models["frequency cut 2"] == [base] and models["convention fsqca"] == [base]
    plain = cli("qca", LR, "--outcome", "SURV", "--incl-cut", "0.8", *LIPSET, "--dir-exp",
                "DEV, URB, LIT, IND, STB", "--n-cut", "2", "--json")  # fmt: skip
    assert [m["expression"] for m in json.loads(plain.out)["solutions"]["intermediate"]] == [base]
    assert [c["expression"] for c in robust["configurations"]] == base.split(" + ")
    for c in robust["configurations"]:
        assert "consistency cut 0.85" in c["lost_in"]
        assert "consistency cut 0.75" not in c["lost_in"] and "frequency cut 2" not in c["lost_in"]
    text = cli("qca", LR, "--outcome", "SURV", "--incl-cut", "0.8", *LIPSET, "--robustness")
    assert "Robustness of the parsimonious configurations" in text.out


def test_robustness_says_why_a_variant_has_no_solution(cli, tmp_path):
    """Crisp A, B: the negative rows have one case each, so with n.cut 2 they are remainders,
    no row is negative and there is no parsimonious solution (R: 'All truth table
    configurations are used'); the alternative says so instead of a bare '-'."""
    rows = [["case", "A", "B", "Y"], ["a", "1", "1", "1"], ["b", "1", "1", "1"],
            ["c", "1", "0", "1"], ["d", "1", "0", "1"], ["e", "0", "1", "0"],
            ["f", "0", "0", "0"]]  # fmt: skip
    path = table(tmp_path, rows)
    run = cli("qca", path, "--outcome", "Y", "--robustness", "--json")
    assert run.code == 0, run.err
    robust = json.loads(run.out)["robustness"]
    assert robust["solution"] == "parsimonious"
    alternatives = {a["label"]: a for a in robust["alternatives"]}
    kept = alternatives["consistency cut 0.95"]
    assert kept["models"] == ["A"] and kept["error"] is None
    lost = alternatives["frequency cut 2"]
    assert lost["models"] == []
    assert lost["error"].startswith("no parsimonious solution: no negative truth-table rows")
    (config,) = robust["configurations"]
    assert config["expression"] == "A" and config["lost_in"] == ["frequency cut 2"]
    text = cli("qca", path, "--outcome", "Y", "--robustness")
    assert "frequency cut 2" in text.out and "no negative" in text.out


def test_robustness_reruns_share_one_budget(monkeypatch):
    """Every rerun gets the same deadline, --time-limit seconds from the start of the reruns,
    not a fresh budget each."""
    from ismpanel.analysis.fsqca import pipeline
    from ismpanel.analysis.fsqca import robustness as rb
    from ismpanel.analysis.fsqca.data import prepare
    from ismpanel.readers import read_grid

    data, conds, out, _ = prepare(read_grid(LF), "SURV")
    options = pipeline.Options(outcome="SURV", incl_cut=(0.8,), time_limit=7.0)
    base = pipeline.run(data, conds, out, options)
    seen = []
    real = pipeline.run

    def spy(*args, **kwargs):
        seen.append(args[4] if len(args) > 4 else kwargs.get("deadline"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "run", spy)
    result = rb.robustness(data, conds, out, options, base)
    assert len(seen) == result.minimizations > 1
    assert seen[0] is not None and all(d is seen[0] for d in seen)
    assert seen[0].seconds == 7.0


def test_time_limit_spent_before_any_cover_is_one_line(cli):
    """A budget spent before the chart has a cover (here: before the prime implicants) ends
    with one line naming the step and the limit, exit 1."""
    run = cli("qca", LF, "--outcome", "SURV", "--incl-cut", "0.8", "--time-limit", "1e-9")
    assert run.code == 1, (run.out, run.err)
    assert run.err.startswith(
        "error: the time limit of 1e-09 s ran out while finding the prime implicants"
    )
    assert run.err.count("\n") == 1 and "Traceback" not in run.err


def test_capped_models_are_reported(cli, tmp_path):
    """CVF (LF.ttvariants.txt) has four parsimonious models; --max-models 2 reports two and
    says so."""
    run = cli("qca", REF / "CVF.csv", "--outcome", "PROTEST", "--incl-cut", "0.8",
              "--solution", "parsimonious", "--max-models", "2", "--json")  # fmt: skip
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert [m["model"] for m in doc["solutions"]["parsimonious"]] == ["M1", "M2"]
    assert doc["solution_info"]["parsimonious"]["models_found"] == 4
    assert doc["solution_info"]["parsimonious"]["capped"] is True
    assert "only the first 2 are reported" in run.err


def test_json_cuts_long_lists_and_counts_them(cli, monkeypatch):
    """By default every list of prime implicants or remainder rows holds its first LIST_LIMIT
    entries beside a count of all, and the configuration table the columns of whole models
    up to CONFIGURATION_LIMIT; --all-implicants writes every prime implicant, configuration
    and remainder row number (the remainders' 0/1 values stay cut; limits lowered so that LF
    shows it)."""
    from ismpanel.cli import qca_export

    monkeypatch.setattr(qca_export, "LIST_LIMIT", 1)
    monkeypatch.setattr(qca_export, "CONFIGURATION_LIMIT", 1)
    args = ["qca", LF, "--outcome", "SURV", "--incl-cut", "0.8", "--dir-exp",
            "DEV, URB, LIT, IND, STB", "--json"]  # fmt: skip
    short, full = (json.loads(cli(*args, *extra).out) for extra in ((), ("--all-implicants",)))
    info, all_info = short["solution_info"]["parsimonious"], full["solution_info"]["parsimonious"]
    # R's LF.parsimonious.txt: prime implicants DEV*~IND and URB*STB, 12 simplifying assumptions
    assert info["prime_implicants_count"] == all_info["prime_implicants_count"] == 2
    assert info["prime_implicants"] == all_info["prime_implicants"][:1] == ["DEV*~IND"]
    (pars,), (all_pars,) = short["solutions"]["parsimonious"], full["solutions"]["parsimonious"]
    assert pars["simplifying_assumptions_count"] == 12
    assert len(all_pars["simplifying_assumption_rows"]) == 12  # row numbers: all of them
    assert pars["simplifying_assumption_rows"] == all_pars["simplifying_assumption_rows"][:1]
    assert len(pars["simplifying_assumptions"]) == len(all_pars["simplifying_assumptions"]) == 1
    assert [c["model"] for c in short["configurations"]] == ["C1P1 M1", "C1P1 M1"]
    assert short["configurations_count"] == len(full["configurations"]) == 2
    assert full["all_implicants"] and not short["all_implicants"]
    assert short["time_limit"] == {"seconds": 50.0, "cut": None}


def test_json_writes_whole_models_up_to_the_term_limit(cli, monkeypatch):
    """CVF has four parsimonious models; with room for one model's terms the document writes
    the first model whole and says how many were written; --all-implicants writes all four."""
    from ismpanel.cli import qca_export

    monkeypatch.setattr(qca_export, "MODEL_TERM_LIMIT", 1)
    args = ["qca", REF / "CVF.csv", "--outcome", "PROTEST", "--incl-cut", "0.8",
            "--solution", "parsimonious", "--json"]  # fmt: skip
    short, full = (json.loads(cli(*args, *extra).out) for extra in ((), ("--all-implicants",)))
    assert [m["model"] for m in short["solutions"]["parsimonious"]] == ["M1"]
    assert short["solution_info"]["parsimonious"]["models_written"] == 1
    assert short["solution_info"]["parsimonious"]["models_reported"] == 4
    assert len(full["solutions"]["parsimonious"]) == 4
    assert short["solutions"]["parsimonious"][0] == full["solutions"]["parsimonious"][0]


def test_time_limit_cut_names_the_step_and_keeps_what_was_found(cli, monkeypatch):
    """When the limit runs out in the parsimonious solution before it has a cover, the
    output keeps the truth table and the complex solution, and says which step was cut."""
    from ismpanel.analysis.fsqca import solution as sol
    from ismpanel.analysis.fsqca.budget import TimeLimitError

    def out_of_time(*args, **kwargs):
        raise TimeLimitError("finding the prime implicants", 50.0)

    monkeypatch.setattr(sol, "parsimonious_solution", out_of_time)
    run = cli("qca", LF, "--outcome", "SURV", "--incl-cut", "0.8", "--dir-exp",
              "DEV, URB, LIT, IND, STB", "--json")  # fmt: skip
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    step = "finding the prime implicants of the parsimonious solution"
    assert set(doc["solutions"]) == {"complex"} and doc["truth_table"]
    assert doc["time_limit"]["cut"] == step
    assert set(doc["missing"]) == {"parsimonious", "intermediate"}
    assert (
        f"the time limit of 50 s ran out while {step}: no parsimonious or intermediate" in run.err
    )
    assert "holds the truth table, necessity and the complex solution" in run.err


def test_analysis_error_exits_1(cli):
    run = cli("qca", LF, "--outcome", "SURV")  # R's default incl.cut = 1: nothing to explain
    assert run.code == 1
    assert run.err.startswith("error: no truth-table row reaches the inclusion cut-off 1")
    assert run.err.count("\n") == 1


def table(tmp_path, rows, name="data.csv"):
    return write_csv(tmp_path / name, rows)


BASE = [
    ["case", "A", "B", "C", "Y"],
    ["c1", "0.9", "0.8", "0.1", "0.9"],
    ["c2", "0.8", "0.2", "0.7", "0.8"],
    ["c3", "0.1", "0.3", "0.9", "0.2"],
    ["c4", "0.2", "0.9", "0.2", "0.1"],
    ["c5", "0.7", "0.7", "0.8", "0.9"],
]


def edited(row: int, col: int, value: str) -> list[list[str]]:
    rows = [list(r) for r in BASE]
    rows[row][col] = value
    return rows


@pytest.mark.parametrize(
    ("rows", "args", "message"),
    [
        (edited(2, 2, "abc"), [], "column B, row 3 (c2): 'abc' is not a number"),
        (edited(3, 1, ""), [], "1 case with missing values (in A): rows 4 (c3); "),
        ([BASE[0]] + [[*r[:3], "0.7", *r[4:]] for r in BASE[1:]], [], "condition C is constant"),
        ([BASE[0]] + [[*r[:4], "1"] for r in BASE[1:]], [], "outcome Y is constant (1 for every"),
        (BASE, ["--n-cut", "9"], "--n-cut: 9: n cut-off exceeds the number of cases (5)"),
        (BASE, ["--n-cut", "3"], "--n-cut: 3: no truth-table row has that many cases"),
        (BASE, ["--conditions", "A,Q"], "--conditions: unknown condition column 'Q'"),
        (
            BASE,
            ["--calibrate", "Q=1,2,3"],
            "--calibrate: the calibration names Q, which is not a condition",
        ),
        (
            BASE,
            ["--calibrate", "A=0.9,0.1,0.5"],
            "--calibrate: A=0.9,0.1,0.5: anchors 0.9, 0.1, 0.5 are not in order",
        ),
        (BASE, ["--incl-cut", "high"], "--incl-cut 'high': expected one or two numbers"),
        (BASE, ["--incl-cut", "1.5"], "--incl-cut: 1.5: inclusion cut-offs must lie in [0, 1]"),
        (BASE, ["--incl-cut", "0.6,0.8"], "must not exceed the first"),
        (
            BASE,
            ["--solution", "best"],
            "'--solution': 'best' is not one of 'complex', 'parsimonious', 'intermediate', 'all'",
        ),
        (BASE, ["--half", "round"], "'--half': 'round' is not one of 'keep', 'up', 'down'"),
        (BASE, ["--dir-exp", "A=2"], "--dir-exp: A=2: expected 1 (present)"),
        (
            BASE,
            ["--solution", "intermediate", "--incl-cut", "0.8"],
            "--dir-exp: the intermediate solution needs directional expectations",
        ),
        (BASE, ["--convention", "stata"], "'--convention': 'stata' is not one of 'r', 'fsqca'"),
    ],
)
def test_input_errors_are_one_line_and_exit_2(cli, tmp_path, rows, args, message):
    path = table(tmp_path, rows)
    run = cli("qca", path, "--outcome", "Y", "--incl-cut", "0.8", *args)
    assert run.code == 2, (run.out, run.err)
    assert run.err.startswith("error: ")
    assert message in run.err, run.err
    assert run.err.count("\n") == 1 and "Traceback" not in run.err
    assert run.out == ""


def test_unknown_outcome_and_missing_file(cli, tmp_path):
    path = table(tmp_path, BASE)
    run = cli("qca", path, "--outcome", "SURV")
    assert run.code == 2
    assert "--outcome: unknown outcome column 'SURV'; the columns are case, A, B, C, Y" in run.err
    run = cli("qca", tmp_path / "none.csv", "--outcome", "Y")
    assert run.code == 2 and "no such file" in run.err


def test_missing_values_can_be_dropped(cli, tmp_path):
    rows = [*edited(3, 1, "NA"), ["c6", "0.9", "0.1", "0.2", "0.8"]]
    path = table(tmp_path, rows)
    run = cli("qca", path, "--outcome", "Y", "--incl-cut", "0.8")
    assert run.code == 2 and "fill them in or drop those cases (--dropna)" in run.err
    run = cli("qca", path, "--outcome", "Y", "--incl-cut", "0.8", "--dropna", "--json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["cases"] == 5
    assert "dropped 1 case(s) with missing values: rows 4 (c3)" in run.err


def test_too_many_conditions_is_refused(cli, tmp_path):
    header = ["case"] + [f"X{i}" for i in range(21)] + ["Y"]
    rows = [header] + [
        [f"c{j}"] + [str((i * 7 + j * 3) % 10 / 10) for i in range(21)] + [str(j % 2)]
        for j in range(6)
    ]
    run = cli("qca", table(tmp_path, rows), "--outcome", "Y", "--incl-cut", "0.8")
    assert run.code == 2
    assert "--conditions: 21 conditions: the exact minimization handles at most 20" in run.err


def test_exact_half_is_warned_on_stderr(cli, tmp_path):
    path = table(tmp_path, edited(1, 1, "0.5"))
    run = cli("qca", path, "--outcome", "Y", "--incl-cut", "0.8", "--json")
    assert run.code == 0, run.err
    assert "exactly 0.5 (c1 in A)" in run.err
    json.loads(run.out)  # stdout stays a clean document


def test_excel_workbook_input(cli, tmp_path):
    """The same LF data from an XLSX sheet gives R's parsimonious solution (LF.parsimonious.txt)."""
    import csv

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "lipset"
    with open(LF, newline="") as fh:
        for i, row in enumerate(csv.reader(fh)):
            sheet.append(row if i == 0 else [row[0], *(float(v) for v in row[1:])])
    path = tmp_path / "lf.xlsx"
    book.save(path)
    run = cli("qca", path, "--sheet", "lipset", "--outcome", "SURV", "--incl-cut", "0.8",
              "--solution", "parsimonious", "--json")  # fmt: skip
    assert run.code == 0, run.err
    assert json.loads(run.out)["solutions"]["parsimonious"][0]["expression"] == "DEV*~IND + URB*STB"


def test_names_print_as_they_are(cli, tmp_path):
    """Case ids and column names come from users: brackets are not rich markup."""
    rows = [list(r) for r in BASE]
    rows[1][0] = "[bold]c1"
    run = cli("qca", table(tmp_path, rows), "--outcome", "Y", "--incl-cut", "0.8")
    assert run.code == 0, run.err
    assert "[bold]c1" in run.out


def test_truth_table_notes_say_what_the_cut_offs_did(cli):
    """LF at incl.cut 0.8 (LF.truthtable.txt, R): rows with one case are EE (6), AU (23) and DE
    (31), so n.cut 2 keeps 15 of 18 cases; row 22 (FI,IE) has incl 0.804 and PRI 0.719, so a
    PRI cut of 0.75 codes it 0 though it passes the consistency cut."""
    run = cli("qca", LF, "--outcome", "SURV", "--incl-cut", "0.8", "--n-cut", "2",
              "--pri-cut", "0.75", "--solution", "complex")  # fmt: skip
    assert run.code == 0, run.err
    text = " ".join(run.out.split())
    assert "15 of 18 cases (83 %) are in rows kept by the frequency cut." in text
    assert "Coded 0 by the PRI cut (inclusion passes its cut, PRI is under 0.75): row 22." in text
    assert "Rows by OUT: 1 (positive) 1, 0 (negative) 5" in text
