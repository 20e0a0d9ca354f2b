"""Robustness of fsQCA configurations (Oana and Schneider 2021, "A Robustness Test Protocol for
Applied QCA: Theory and R Software Application", Sociological Methods & Research; R SetMethods
manual: rob.fit, rob.corefit, rob.singletest, rob.cases, rob.inclrange, rob.ncutrange,
rob.calibrange, cases.suf.typ, cases.suf.dcv). The expected values of the quantities SetMethods
defines are computed by hand in each test's docstring, from the formulas of the manual:

- set coincidence SC(A, B) = sum(min(A, B)) / sum(max(A, B));
- robust core RC = IS * TS1 * ... * TSn (fuzzy minimum), TSmin = min TS, TSmax = max TS;
- RF_cov = cov(RC) / cov(IS), RF_cons = cons(IS) / cons(RC), RF_SC_minTS = SC(IS, TSmin),
  RF_SC_maxTS = SC(IS, TSmax), with cons(S) = sum(min(S, Y)) / sum(S) and
  cov(S) = sum(min(S, Y)) / sum(Y);
- a sensitivity range is the last value, stepping down and up, at which the solution formula
  is unchanged (rob.inclrange reports incl.cut.tl + step and incl.cut.tu - step)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from ismpanel.analysis.fsqca import pipeline
from ismpanel.analysis.fsqca import robust_fit as rf
from ismpanel.analysis.fsqca.calibrate import Anchor, CalibrationSpec
from ismpanel.analysis.fsqca.data import Dataset
from ismpanel.analysis.fsqca.ranges import threshold_ranges
from ismpanel.analysis.fsqca.reruns import Reruns, coding, formula_of, primary_kind, row_stats
from ismpanel.analysis.fsqca.robustness import robustness
from ismpanel.analysis.fsqca.terms import expression, parse_sop
from ismpanel.analysis.fsqca.truthtable import truth_table

STUDY = Path(__file__).resolve().parents[1] / "ismpanel" / "templates" / "studies"
DEMO = STUDY / "open-gov-privacy"

# memberships of four cases in the initial solution, two test solutions and the outcome
IS = np.array([0.8, 0.6, 0.3, 0.1])
TS1 = np.array([0.7, 0.2, 0.4, 0.1])
TS2 = np.array([0.9, 0.4, 0.2, 0.0])
Y = np.array([0.9, 0.7, 0.2, 0.4])


def test_set_coincidence_by_hand():
    """SC(IS, TS1) = (0.7 + 0.2 + 0.3 + 0.1) / (0.8 + 0.6 + 0.4 + 0.1) = 1.3 / 1.9."""
    assert rf.set_coincidence(IS, TS1) == pytest.approx(1.3 / 1.9)
    assert rf.set_coincidence(IS, IS) == 1.0


def test_robustness_fit_parameters_by_hand():
    """TSmin = (0.7, 0.2, 0.2, 0.0), TSmax = (0.9, 0.4, 0.4, 0.1); RC = min(IS, TSmin) =
    (0.7, 0.2, 0.2, 0.0). sum(Y) = 2.2; min(IS, Y) = (0.8, 0.6, 0.2, 0.1): 1.7;
    min(RC, Y) = (0.7, 0.2, 0.2, 0.0): 1.1. cov(IS) = 1.7/2.2, cov(RC) = 1.1/2.2, so RF_cov =
    1.1/1.7; cons(IS) = 1.7/1.8, cons(RC) = 1.1/1.1 = 1, so RF_cons = 1.7/1.8. SC(IS, TSmin) =
    (0.7+0.2+0.2+0)/(0.8+0.6+0.3+0.1) = 1.1/1.8; SC(IS, TSmax) = (0.8+0.4+0.3+0.1)/(0.9+0.6+
    0.4+0.1) = 1.6/2.0."""
    fit = rf.robustness_fit(IS, [TS1, TS2], Y)
    assert fit.rf_cov == pytest.approx(1.1 / 1.7)
    assert fit.rf_cons == pytest.approx(1.7 / 1.8)
    assert fit.rf_sc_min == pytest.approx(1.1 / 1.8)
    assert fit.rf_sc_max == pytest.approx(1.6 / 2.0)


def test_case_types_by_hand():
    """IS*TSmin = (0.7, 0.2, 0.2, 0.0): case a is robust typical (Y 0.9); IS*~TSmin =
    (0.3, 0.6, 0.3, 0.1): b is shaky typical (Y 0.7); ~IS*TSmax = (0.2, 0.4, 0.4, 0.1):
    nobody is possible typical or deviant."""
    types = rf.case_types(IS, [TS1, TS2], Y, ["a", "b", "c", "d"])
    assert types["robust_typical"] == ["a"] and types["shaky_typical"] == ["b"]
    assert all(not types[k] for k in types if k not in ("robust_typical", "shaky_typical"))


def test_typical_and_deviant_cases_by_hand():
    """cases.suf.typ: X > 0.5, Y > 0.5, X <= Y, ordered by (Y - X) + (1 - X): a (0.6, 0.9)
    scores 0.7, b (0.8, 0.9) 0.3, so b first; c (0.9, 0.7) has X > Y and is not typical.
    cases.suf.dcv: X > 0.5 and Y < 0.5: d."""
    x = np.array([0.6, 0.8, 0.9, 0.7, 0.2])
    y = np.array([0.9, 0.9, 0.7, 0.3, 0.9])
    ids = ["a", "b", "c", "d", "e"]
    assert rf.typical_cases(x, y, ids) == ["b", "a"]
    assert rf.deviant_cases(x, y, ids) == ["d"]


def test_robust_core_as_a_boolean_expression():
    """(A*B + C)(A + C*D) = A*B + A*B*C*D + A*C + C*D, absorbed: A*B + A*C + C*D; with a third
    solution ~A the intersection keeps only ~A*C*D."""
    names = ("A", "B", "C", "D")
    first, second = parse_sop("A*B + C", names), parse_sop("A + C*D", names)
    core, whole = rf.robust_core([first, second])
    assert whole and sorted(expression(t, names) for t in core) == ["A*B", "A*C", "C*D"]
    core, _ = rf.robust_core([first, second, parse_sop("~A", names)])
    assert [expression(t, names) for t in core] == ["~A*C*D"]


def test_robust_core_too_long_to_write(monkeypatch):
    """Past MAX_PRODUCTS conjunctions in one step the expansion stops: no expression, and
    the caller says so (the fit still uses the memberships)."""
    names = ("A", "B", "C", "D")
    monkeypatch.setattr(rf, "MAX_PRODUCTS", 3)
    sums = [parse_sop("A*B + C", names), parse_sop("A + C*D", names)]
    assert rf.robust_core(sums) == ([], False)


def _crisp_rows() -> Dataset:
    """Crisp A, B with two cases per row and the outcome's mean per row: row 11 y 0.9 (incl
    0.9, PRI (1.8 - 0.2)/(2 - 0.2) = 0.889), row 10 y 0.75 (incl 0.75), row 01 y 0.5, row 00
    y 0.2. A is also given raw (10 or 0) for the crisp-threshold test."""
    a = [1, 1, 1, 1, 0, 0, 0, 0]
    b = [1, 1, 0, 0, 1, 1, 0, 0]
    y = [0.9, 0.9, 0.75, 0.75, 0.5, 0.5, 0.2, 0.2]
    columns = {
        "A": np.array(a, float),
        "B": np.array(b, float),
        "Y": np.array(y),
        "RAW": np.array([10.0 * v for v in a]),
    }
    return Dataset([f"c{i}" for i in range(8)], columns, list(range(2, 10)), [])


def _ranges(data: Dataset, options: pipeline.Options) -> tuple[dict, Reruns]:
    base = pipeline.run(data, ["A", "B"], "Y", options)
    assert [m.expression for m in base.solutions["parsimonious"].models] == ["A*B"]
    kind = primary_kind(base)
    reruns = Reruns(data, ["A", "B"], "Y", kind)
    reruns.remember(base.truth_table, formula_of(base, kind))
    found = threshold_ranges(data, options, formula_of(base, kind), reruns, str)
    return {r.choice: r for r in found}, reruns


def test_threshold_ranges_by_hand():
    """At incl.cut 0.8 (PRI cut 0) only row 11 is positive: the parsimonious solution is
    A*B. Stepping by 0.01 down, 0.79 ... 0.76 keep it, 0.75 makes row 10 positive (solution
    A): the range's lower end is 0.76. Up, 0.81 ... 0.90 keep it and at 0.91 no row is
    positive: upper end 0.90 (rob.inclrange: [0.76, 0.90]). n.cut 1: 2 holds (every row has
    two cases); at 3 every row is a remainder, the end of the valid values (rob.ncutrange).
    The memo: the steps code the table only three ways, the initial's, one with rows 11 and
    10 positive and one without a positive row, so they cost one minimization. With PRI cut
    0.8: row 11 has PRI 0.889, so 0.81 ... 0.88 hold and 0.89 leaves no positive row; down,
    20 steps (to 0.6) change nothing, row 10 (PRI 0.667) being below the consistency cut."""
    data = _crisp_rows()
    options = pipeline.Options(
        outcome="Y", incl_cut=(0.8,), solution="parsimonious", time_limit=None
    )
    ranges, reruns = _ranges(data, options)
    incl, n = ranges["incl_cut"], ranges["n_cut"]
    assert (incl.low.held, incl.low.changed_at) == (0.76, 0.75)
    assert (incl.high.held, incl.high.changed_at) == (0.9, 0.91)
    assert (n.low.held, n.low.stop) == (1, "domain") and (n.high.held, n.high.stop) == (2, "domain")
    assert reruns.minimizations == 1 and reruns.reruns > 20
    ranges, _ = _ranges(data, pipeline.Options(**{**options.__dict__, "pri_cut": 0.8}))
    pri = ranges["pri_cut"]
    assert (pri.high.held, pri.high.changed_at) == (0.88, 0.89)
    assert (pri.low.held, pri.low.stop) == (0.6, "steps")


def test_crisp_threshold_range_by_hand():
    """RAW is 10 for A's cases, 0 for the others; crisp:5 reproduces A. The step is 2.5% of
    the range 10 = 0.25; down, 4.75 ... 0.25 keep A (20 steps end at 0.0, where every case
    is in A and the formula changes: rob.calibrange's lower end 0.25); up, 5.25 ... 10 keep A
    (x >= 10 still holds for A's cases): no change within 20 steps."""
    from ismpanel.analysis.fsqca.ranges import anchor_ranges

    data = _crisp_rows()
    spec = CalibrationSpec({"RAW": Anchor("crisp", (5.0,))})
    options = pipeline.Options(outcome="Y", calibration=spec, incl_cut=(0.8,), time_limit=None)
    base = pipeline.run(data, ["RAW", "B"], "Y", options)
    kind = primary_kind(base)
    initial = formula_of(base, kind)
    reruns = Reruns(data, ["RAW", "B"], "Y", kind)
    (r,) = anchor_ranges(data, options, base.calibration, ["RAW", "B"], initial, reruns, str)
    assert r.label == "RAW threshold" and r.step == 0.25
    assert (r.low.held, r.low.changed_at) == (0.25, 0.0)
    assert (r.high.held, r.high.stop) == (10.0, "steps")


def test_anchor_ranges_stay_within_the_observed_values():
    """A 1-7 scale whose inclusion anchor sits at 6.9: stepping up by 2.5% of the range
    (0.15) would pass 7, an answer nobody can give, so the side ends there (the domain);
    every value a range reports lies within the observed values."""
    from ismpanel.analysis.fsqca.ranges import anchor_ranges

    data = _crisp_rows()
    scale = np.array([7.0, 6.0, 5.0, 5.0, 3.0, 2.0, 1.0, 1.0])
    data = Dataset(data.case_ids, {**data.columns, "S": scale}, data.rows, [])
    spec = CalibrationSpec({"S": Anchor("direct", (2.0, 4.0, 6.9))})
    options = pipeline.Options(outcome="Y", calibration=spec, incl_cut=(0.8,), time_limit=None)
    base = pipeline.run(data, ["S", "B"], "Y", options)
    kind = primary_kind(base)
    reruns = Reruns(data, ["S", "B"], "Y", kind)
    ranges = anchor_ranges(
        data, options, base.calibration, ["S", "B"], formula_of(base, kind), reruns, str
    )
    inclusion = next(r for r in ranges if r.label == "S inclusion")
    assert inclusion.high.stop in ("domain", "changed") and inclusion.high.held <= 7.0
    for r in ranges:
        for side in (r.low, r.high):
            assert 1.0 <= side.held <= 7.0, (r.label, side)
            assert side.changed_at is None or 1.0 <= side.changed_at <= 7.0, (r.label, side)


def test_vectorised_coding_matches_the_truth_table():
    """The reruns code a table from row statistics computed at once; for random fuzzy data
    and several cut-offs the coding equals the truth table's."""
    rng = np.random.default_rng(3)
    x, y = rng.random((300, 5)), rng.random(300)
    stats = row_stats(x, y)
    ids = [str(i) for i in range(300)]
    for ic, n, pri in ((0.5, 1, 0.0), (0.55, 3, 0.2), ((0.6, 0.5), 2, 0.1)):
        cut = ic if isinstance(ic, tuple) else (ic,)
        tt = truth_table(x, y, tuple("ABCDE"), "Y", ids, incl_cut=cut, n_cut=n, pri_cut=pri)
        opts = pipeline.Options(outcome="Y", incl_cut=cut, n_cut=n, pri_cut=pri)
        assert coding(stats, opts) == (
            tuple(tt.codes("1")),
            tuple(tt.codes("0")),
            tuple(tt.codes("C")),
        )


def _demo_cases(folder: Path) -> Path:
    """The bundled study's questionnaire as a case table: each condition the mean of its
    items, as study.toml's [qca.items] sets it up."""
    from ismpanel.analysis.questionnaire import item_scores
    from ismpanel.readers import read_grid, read_toml

    table = read_toml(DEMO / "study.toml")["qca"]
    items = {name: list(cols) for name, cols in table["items"].items()}
    grid = item_scores(read_grid(DEMO / table["data"]), items, table["case_id"])
    path = folder / "cases.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(grid)
    (folder / "cal.toml").write_text(
        '[calibration]\nconvention = "fsqca"\n[calibration.conditions]\n'
        + "".join(f'{n} = ["p5", "p50", "p95"]\n' for n in items)
    )
    return path


DEMO_ARGS = ["--outcome", "PRIV", "--incl-cut", "0.8", "--n-cut", "3", "--pri-cut", "0.7",
             "--dir-exp", "PL1=1,PL3=1,TE1=1,TE2=-,DA5=1,US2=1", "--half", "up"]  # fmt: skip


@pytest.fixture(scope="module")
def demo_doc(tmp_path_factory):
    """``qca --robustness --json`` on the bundled study's questionnaire."""
    import contextlib
    import io

    from ismpanel.cli.app import main

    folder = tmp_path_factory.mktemp("robust")
    path = _demo_cases(folder)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(["qca", str(path), "--calibrate-file", str(folder / "cal.toml"), *DEMO_ARGS,
              "--robustness", "--json"])  # fmt: skip
    return json.loads(out.getvalue())


def test_bundled_study_names_the_pri_cut_and_the_half_rule(demo_doc):
    """On the bundled study the consistency cut (0.75, 0.85), n.cut 4 and the other
    convention leave the five configurations as they are, while a PRI cut of 0.75 keeps
    three configurations (C1, C3 and C4 vanish, one new), 0.65 gives six, and shifting the
    exact-0.5 memberships down gives four; the PRI cut holds from 0.68 to 0.71."""
    rb = demo_doc["robustness"]
    assert rb["solution"] == "intermediate" and {"pri_cut", "half"} <= set(rb["binding"])
    assert "incl_cut" not in rb["binding"] and "convention" not in rb["binding"]
    alts = {a["label"]: a for a in rb["alternatives"]}
    terms = {k: a["models"][0].split(" + ") for k, a in alts.items()}
    assert len(terms["PRI cut 0.75"]) == 3 and len(terms["PRI cut 0.65"]) == 6
    assert len(terms["0.5 rule down (0.499)"]) == 4
    assert not alts["consistency cut 0.85"]["changed"] and not alts["convention r"]["changed"]
    configs = {c["label"]: c for c in rb["configurations"]}
    for label in ("C1", "C3", "C4"):
        assert "PRI cut 0.75" in configs[label]["lost_in"]
        assert "disappears at PRI cut 0.75" in configs[label]["verdict"]
    assert "depends on the 0.5 rule" in configs["C3"]["verdict"]
    pri = next(r for r in rb["ranges"] if r["choice"] == "pri_cut")
    assert (pri["low"]["held"], pri["high"]["held"]) == (0.68, 0.71)
    assert (pri["low"]["changed_at"], pri["high"]["changed_at"]) == (0.67, 0.72)
    assert rb["leave_one_out_runs"] == 240 and 0 < rb["minimizations"] < rb["reruns"]
    assert rb["fit"]["RF_SC_minTS"] <= rb["fit"]["RF_SC_maxTS"] <= 1


def test_qca_robustness_in_the_terminal(cli, tmp_path):
    path = _demo_cases(tmp_path)
    run = cli("qca", path, "--calibrate-file", tmp_path / "cal.toml", *DEMO_ARGS, "--robustness")
    assert run.code == 0, run.err
    out = " ".join(run.out.split())
    assert "The PRI cut binds" in out and "The 0.5 rule binds" in out
    assert "at 0.7 it holds from 0.68 to 0.71" in out
    assert "Sensitivity ranges" in out and "RF_cov" in out


def test_core_rule_any_counts_a_condition_core_under_one_model(cli, tmp_path):
    """The bundled study has five parsimonious models; C3 (PL1*PL3*DA5*US2) has every
    condition core under two of them, so under --core-rule all it has no core condition and
    under any all four are core."""
    path = _demo_cases(tmp_path)
    args = ["qca", path, "--calibrate-file", tmp_path / "cal.toml", *DEMO_ARGS, "--json"]
    strict = json.loads(cli(*args).out)
    loose = json.loads(cli(*args, "--core-rule", "any").out)
    c3 = next(c for c in strict["configurations"] if c["expression"] == "PL1*PL3*DA5*US2")
    c3_any = next(c for c in loose["configurations"] if c["expression"] == "PL1*PL3*DA5*US2")
    assert not any(v and v.startswith("core") for v in c3["conditions"].values())
    assert all(c3_any["conditions"][n] == "core_present" for n in ("PL1", "PL3", "DA5", "US2"))
    assert loose["options"]["core_rule"] == "any" and "at least one" in loose["core_rule"]
    bad = cli(*args, "--core-rule", "some")
    assert bad.code == 2 and "--core-rule" in bad.err


def test_reruns_stop_at_the_deadline():
    """A deadline already past: no rerun minimizes, each says the time limit ran out, and
    the result names what was cut."""
    from ismpanel.analysis.fsqca.budget import Deadline

    data = _crisp_rows()
    options = pipeline.Options(outcome="Y", incl_cut=(0.8,), solution="parsimonious")
    base = pipeline.run(data, ["A", "B"], "Y", options)
    rb = robustness(data, ["A", "B"], "Y", options, base, Deadline.after(-1.0))
    assert rb.minimizations == 0 and rb.loo_runs == 0
    assert rb.cut.startswith("the time limit ran out: alternatives not run: consistency cut")
    assert "ranges not finished: consistency cut, PRI cut, frequency cut" in rb.cut
    assert rb.cut.endswith("0 of 8 leave-one-out runs done")
    assert all(not a.ran and not a.changed for a in rb.alternatives)
    assert all(not c.robust and c.verdict().startswith("not tested") for c in rb.configurations)


def test_the_demo_brief_names_what_binds(tmp_path):
    """The bundled study's brief has its own robustness section: the PRI cut and the 0.5 rule
    bind, with the PRI cut's range, and C1, C3 and C4 disappear at PRI cut 0.75."""
    from ismpanel.cli.app import main

    folder = tmp_path / "study"
    try:
        main(["demo", "--out", str(folder)])
    except SystemExit as exc:
        assert exc.code in (0, None)
    text = (folder / "brief.md").read_text()
    section = text.split("### Robustness of the configurations", 1)[1].split("\n## ", 1)[0]
    flat = " ".join(section.split())
    assert "The PRI cut binds" in flat and "The 0.5 rule binds" in flat
    assert "at 0.7 it holds from 0.68 to 0.71 (step 0.01; below: changes at 0.67" in flat
    for label, term in (("C1", "PL1*PL3*TE1*TE2"), ("C3", "PL1*PL3*DA5*US2"),
                        ("C4", "PL1*~TE1*TE2*DA5*US2")):  # fmt: skip
        assert f"{label} (`{term}`) is not robust: disappears at PRI cut 0.75" in flat
    assert "C2 (`PL1*PL3*TE1*US2`) is not robust: disappears at frequency cut 2" in flat


def test_time_limit_bounds_the_whole_command(cli, tmp_path):
    """A 10-condition problem whose rows mostly hold one case: nearly every leave-one-out
    rerun needs its own minimization, so the robustness run does not finish in 6 s; the
    command still ends within the limit (plus the tolerance the README states) and names
    what the limit left undone."""
    import time

    rng = np.random.default_rng(1)
    x = 1 / (1 + np.exp(-10 * (rng.random((200, 10)) - 0.5)))
    dgs = np.maximum(np.minimum(x[:, 0], x[:, 1]), np.minimum(1 - x[:, 2], x[:, 3]))
    y = np.clip(dgs + rng.normal(0, 0.05, 200), 0, 1)
    path = tmp_path / "k10.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["case", *(f"C{i}" for i in range(10)), "Y"])
        w.writerows([f"c{i}", *(f"{v:.4f}" for v in x[i]), f"{y[i]:.4f}"] for i in range(200))
    start = time.perf_counter()
    run = cli("qca", path, "--outcome", "Y", "--incl-cut", "0.9", "--robustness", "--json",
              "--time-limit", "6")  # fmt: skip
    elapsed = time.perf_counter() - start
    assert run.code == 0, run.err
    rb = json.loads(run.out)["robustness"]
    assert elapsed < 6 + 2, elapsed
    assert rb["cut"].startswith("the time limit ran out") and rb["leave_one_out_runs"] < 200


def _clock_fails(monkeypatch, when) -> list:
    """Make every minimization for which ``when(data, options)`` holds run out of time, as
    if its deadline had passed (no timing involved); the list records each call."""
    from ismpanel.analysis.fsqca.budget import TimeLimitError

    real, calls = pipeline.run, []

    def run(data, conditions, outcome, options, deadline=None):
        calls.append((list(data.case_ids), options))
        if when(data, options):
            raise TimeLimitError("finding the prime implicants", 0.05)
        return real(data, conditions, outcome, options, deadline)

    monkeypatch.setattr(pipeline, "run", run)
    return calls


def test_a_rerun_the_time_limit_cut_is_not_run_not_a_change(monkeypatch):
    """At consistency cut 0.75 the formula would become A (test_threshold_ranges_by_hand).
    When that rerun runs out of time it is not run: the alternative is listed among what the
    limit left undone, the consistency range stops there unfinished (held 0.76, no change),
    nothing binds and the configuration stays robust in the alternatives that ran."""
    data = _crisp_rows()
    options = pipeline.Options(
        outcome="Y", incl_cut=(0.8,), solution="parsimonious", time_limit=None
    )
    base = pipeline.run(data, ["A", "B"], "Y", options)
    _clock_fails(monkeypatch, lambda d, o: o.incl_cut[0] == 0.75)
    rb = robustness(data, ["A", "B"], "Y", options, base)
    gone = next(a for a in rb.alternatives if a.label == "consistency cut 0.75")
    assert not gone.ran and gone.changed is False
    assert "alternatives not run: consistency cut 0.75" in rb.cut
    assert "ranges not finished: consistency cut" in rb.cut
    incl = next(r for r in rb.ranges if r.choice == "incl_cut")
    assert (incl.low.held, incl.low.changed_at, incl.low.stop) == (0.76, None, "time")
    assert (incl.high.held, incl.high.changed_at) == (0.9, 0.91)  # this side finished
    assert rb.binding() == []  # 0.85, PRI cut 0.05 and frequency cut 2 keep A*B
    assert rb.configurations[0].verdict() == "robust: in every alternative analysis that ran"


def test_a_rerun_cut_by_the_time_limit_is_not_memoised(monkeypatch):
    """The failed rerun of a table is not remembered: once the clock allows it, the same
    table is minimized again and gives A; a result whose cover the limit left unproven is not
    run either."""
    data = _crisp_rows()
    options = pipeline.Options(
        outcome="Y", incl_cut=(0.75,), solution="parsimonious", time_limit=None
    )
    reruns = Reruns(data, ["A", "B"], "Y", "parsimonious")
    failing = [True]
    calls = _clock_fails(monkeypatch, lambda d, o: failing[0])
    found, _ = reruns.run(data, options)
    assert not found.ran
    failing[0] = False
    found, _ = reruns.run(data, options)
    assert found.ran and [[expression(t, ("A", "B")) for t in m] for m in found.models] == [["A"]]
    assert len(calls) == 2 and reruns.minimizations == 2

    real = pipeline.run

    def unproven(*args, **kwargs):
        res = real(*args, **kwargs)
        res.solutions["parsimonious"].proven = False
        return res

    monkeypatch.setattr(pipeline, "run", unproven)
    fresh = Reruns(data, ["A", "B"], "Y", "parsimonious")
    assert not fresh.run(data, options)[0].ran and not fresh.memo


def test_leave_one_out_counts_only_runs_that_finished(monkeypatch):
    """At frequency cut 2 every row has exactly two cases, so leaving out a case of rows 10,
    01 or 00 makes its row a remainder and the table is minimized again (leaving out one of
    row 11 leaves no positive row). When the run without c4 runs out of time it is not
    counted (7 of 8 runs), and the run without c5, coded alike, is minimized rather than
    reusing the failure. A*B stays only where row 00 became a remainder (c6, c7): row 10 as
    a remainder gives A, row 01 gives B, row 11 none: 2 of the 7 runs that finished."""
    data = _crisp_rows()
    options = pipeline.Options(
        outcome="Y", incl_cut=(0.8,), n_cut=2, solution="parsimonious", time_limit=None
    )
    base = pipeline.run(data, ["A", "B"], "Y", options)
    calls = _clock_fails(monkeypatch, lambda d, o: len(d.case_ids) == 7 and "c4" not in d.case_ids)
    rb = robustness(data, ["A", "B"], "Y", options, base)
    without = [next(c for c in data.case_ids if c not in ids) for ids, _ in calls if len(ids) == 7]
    assert "c4" in without and "c5" in without
    assert rb.loo_runs == 7 and rb.configurations[0].loo_share == pytest.approx(2 / 7)
    assert rb.cut == "the time limit ran out: 7 of 8 leave-one-out runs done"


def _cyclic_rows() -> Dataset:
    """Crisp A, B, C, two cases per row; the outcome is 0.9 in rows 001, 010, 101, 110, 0.78
    in rows 000 and 111 and 0.2 in rows 011 and 100. At consistency cut 0.8 the positive rows
    are 1, 2, 5, 6, the others negative: B*~C + ~B*C, one model. At 0.75 rows 0 and 7 join:
    the cyclic chart of rows 0, 1, 2, 5, 6, 7 (3 and 4 negative) has exactly two minimal
    covers, ~A*~B + A*C + B*~C and ~A*~C + A*B + ~B*C, each with one of the base's terms."""
    ys = {0: 0.78, 1: 0.9, 2: 0.9, 3: 0.2, 4: 0.2, 5: 0.9, 6: 0.9, 7: 0.78}
    rows = [r for r in range(8) for _ in range(2)]
    cols = {n: np.array([(r >> (2 - j)) & 1 for r in rows], float) for j, n in enumerate("ABC")}
    cols["Y"] = np.array([ys[r] for r in rows])
    return Dataset([f"c{i}" for i in range(16)], cols, list(range(2, 18)), [])


def test_a_capped_alternative_is_left_out_of_the_verdict():
    """With every model listed, both base terms are in a model at consistency cut 0.75, so
    both are robust. With max_models 1 the alternative lists one model, which lacks one base
    term; that term is then not established as robust (the alternative is left out, with the
    reason), not 'not robust'. The formula change itself is still established: the model
    listed is not the base's."""
    data = _cyclic_rows()
    for cap in (100, 1):
        options = pipeline.Options(
            outcome="Y", incl_cut=(0.8,), solution="parsimonious", time_limit=None, max_models=cap
        )
        base = pipeline.run(data, ["A", "B", "C"], "Y", options)
        assert [m.expression for m in base.solutions["parsimonious"].models] == ["B*~C + ~B*C"]
        rb = robustness(data, ["A", "B", "C"], "Y", options, base, loo=False)
        alt = next(a for a in rb.alternatives if a.label == "consistency cut 0.75")
        assert alt.changed is True and len(alt.models) == (2 if cap == 100 else 1)
        verdicts = {c.expression: c.verdict() for c in rb.configurations}
        if cap == 100:
            assert all(c.robust for c in rb.configurations)
            continue
        shaky = [c for c in rb.configurations if not c.robust]
        assert len(shaky) == 1 and not shaky[0].lost
        assert verdicts[shaky[0].expression] == (
            "not established as robust: in every other alternative analysis that ran, but not "
            "among the models listed at consistency cut 0.75 (the parsimonious solution has "
            "more than 1 model)"
        )


def test_a_capped_base_solution_gives_no_verdict():
    """At consistency cut 0.75 the base is the cyclic solution; with max_models 1 only one of
    its two models is listed, so no configuration's robustness is established, and whether a
    formula with one model listed changed is not established either."""
    data = _cyclic_rows()
    options = pipeline.Options(
        outcome="Y", incl_cut=(0.75,), solution="parsimonious", time_limit=None, max_models=1
    )
    base = pipeline.run(data, ["A", "B", "C"], "Y", options)
    rb = robustness(data, ["A", "B", "C"], "Y", options, base, loo=False)
    reason = "the parsimonious solution has more than 1 model"
    assert rb.configurations and all(
        c.verdict() == f"not established as robust: {reason}" and not c.lost
        for c in rb.configurations
    )
    same_table = [a for a in rb.alternatives if a.label == "PRI cut 0.05"]
    assert same_table and same_table[0].changed is None and same_table[0].unsettled == reason
    pri = next(r for r in rb.ranges if r.choice == "pri_cut")
    assert pri.high.stop == "unsettled" and pri.high.changed_at is None


def test_leave_one_out_does_not_count_a_term_missing_from_a_partial_list(monkeypatch):
    """As in test_leave_one_out_counts_only_runs_that_finished, the runs without c2, c3 give
    A, without c4, c5 give B, without c6, c7 keep A*B and without c0, c1 have no positive row.
    When every leave-one-out solution lists only some of its models, A*B missing from A or B
    is not established: those four runs are not counted for it, so it is kept in 2 of 4."""
    from dataclasses import replace as with_

    from ismpanel.analysis.fsqca import reruns as rr

    data = _crisp_rows()
    options = pipeline.Options(
        outcome="Y", incl_cut=(0.8,), n_cut=2, solution="parsimonious", time_limit=None
    )
    base = pipeline.run(data, ["A", "B"], "Y", options)
    real = rr.formula_of

    def capped(res, kind):
        found = real(res, kind)
        return with_(found, partial="capped") if len(res.case_ids) == 7 else found

    monkeypatch.setattr(rr, "formula_of", capped)
    rb = robustness(data, ["A", "B"], "Y", options, base)
    (c,) = rb.configurations
    assert rb.loo_runs == 8 and c.loo_runs == 4 and c.loo_share == pytest.approx(0.5)


def test_qca_json_says_what_a_capped_model_list_leaves_unestablished(cli, tmp_path):
    """The data of _cyclic_rows as a file (A, B, C crisp, Y calibrated), run as a user runs
    it: with --max-models 1 the alternative at consistency cut 0.75 lists one of its two
    models, and the configuration it lacks is not established as robust."""
    data = _cyclic_rows()
    path = tmp_path / "cyclic.csv"
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["case", "A", "B", "C", "Y"])
        for i, case in enumerate(data.case_ids):
            out.writerow([case, *(data.columns[n][i] for n in "ABCY")])
    args = ["qca", path, "--outcome", "Y", "--incl-cut", "0.8", "--solution", "parsimonious"]
    args += [f"--calibrate={n}=crisp:0.5" for n in "ABC"] + ["--calibrate=Y=calibrated"]
    run = cli(*args, "--max-models", "1", "--robustness", "--json")
    assert run.code == 0, run.err
    rb = json.loads(run.out)["robustness"]
    alt = next(a for a in rb["alternatives"] if a["label"] == "consistency cut 0.75")
    assert alt["changed"] is True
    assert alt["not_established"] == "the parsimonious solution has more than 1 model"
    shaky = [c for c in rb["configurations"] if not c["robust"]]
    assert len(shaky) == 1 and shaky[0]["lost_in"] == []
    assert shaky[0]["not_established_in"] == ["consistency cut 0.75"]
    assert shaky[0]["verdict"].startswith("not established as robust")
    text = cli(*args, "--max-models", "1", "--robustness")
    assert "not established as robust" in " ".join(text.out.split())
