"""The paper's appendix (``ismpanel report`` and the brief) and its workbook, read against the
``--json`` results of ``ism``, ``micmac`` and ``qca`` on the same study: every number in a
sheet must be the number those commands print."""

from __future__ import annotations

import json
import tomllib

import pytest
from openpyxl import load_workbook

from ismpanel.analysis.questionnaire import item_scores
from ismpanel.readers import read_grid
from tests.helpers import write_csv
from tests.test_brief_claims import EHR, make_study


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The bundled study with its synthetic panel and questionnaire, and its workbook."""
    from ismpanel.cli.app import main

    folder = tmp_path_factory.mktemp("appendix") / "study"
    for args in (
        ["demo", "--out", str(folder)],
        ["report", str(folder), "-o", str(folder / "tables.xlsx"), "--allow-incomplete"],
    ):
        try:
            main(args)
        except SystemExit as exc:
            assert exc.code in (0, None)
    return folder


def sheet(book, name: str) -> list[tuple]:
    """The sheet's table: header and rows up to the first empty row (notes follow it)."""
    rows = []
    for row in book[name].iter_rows(values_only=True):
        if all(v is None for v in row):
            break
        rows.append(row)
    return rows


def test_the_workbook_holds_the_numbers_ism_and_micmac_print(cli, demo):
    run = cli("micmac", demo, "--json", "--allow-incomplete")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    book = load_workbook(demo / "tables.xlsx", read_only=True)
    assert book.sheetnames[0] == "README"
    factors = doc["factors"]
    frm = sheet(book, "Final reachability matrix")
    assert list(frm[0][1 : len(factors) + 1]) == factors
    for i, row in enumerate(frm[1 : len(factors) + 1]):
        assert row[0] == factors[i]
        cells = [1 if c == "1*" else c for c in row[1 : len(factors) + 1]]
        assert cells == doc["frm"][i]
        assert row[len(factors) + 1] == doc["driving_power"][factors[i]]
        transitive = {j for j, c in enumerate(row[1:]) if c == "1*"}
        assert transitive == {factors.index(b) for a, b in doc["transitive"] if a == factors[i]}
    dependence = frm[len(factors) + 1]
    assert dependence[0] == "Dependence"
    assert list(dependence[1 : len(factors) + 1]) == [doc["dependence"][f] for f in factors]
    irm = sheet(book, "Initial reachability matrix")
    assert [list(r[1 : len(factors) + 1]) for r in irm[1 : len(factors) + 1]] == doc["irm"]
    micmac = sheet(book, "MICMAC")
    header = micmac[0]
    for row in micmac[1:]:
        rec = dict(zip(header, row, strict=True))
        f = rec["Factor"]
        assert rec["Driving power"] == doc["driving_power"][f]
        assert rec["Dependence"] == doc["dependence"][f]
        assert rec["Cluster"] == doc["quadrant"][f]
        assert rec["Level"] == doc["levels"][f]
        assert rec["Tier"] == doc["tiers"][f]
    assert len(micmac) - 1 == len(factors)
    iterations = [n for n in book.sheetnames if n.startswith("Level partition, iteration")]
    assert len(iterations) == max(doc["levels"].values())
    canonical = sheet(book, "Canonical matrix")
    order = doc["canonical_order"]
    assert list(canonical[0][1 : len(order) + 1]) == order
    for row in canonical[1:]:
        i = factors.index(row[0])
        cells = [1 if c == "1*" else c for c in row[1 : len(order) + 1]]
        assert cells == [doc["frm"][i][factors.index(f)] for f in order]
        assert row[len(order) + 1] == doc["levels"][row[0]]
    levels = sheet(book, "Levels and tiers")
    listed = {f: row[0] for row in levels[1:] for f in str(row[2]).replace(",", " ").split()
              if f in factors}  # fmt: skip
    assert listed == doc["levels"]


def test_the_workbook_holds_the_numbers_qca_prints(cli, demo, tmp_path):
    """The study's questionnaire averaged per condition as its [qca.items] say, then ``qca``
    run with the study's own settings: the workbook's truth table, necessity, models and
    configurations carry the same numbers (three decimals, as printed)."""
    study = tomllib.loads((demo / "study.toml").read_text())
    qca = study["qca"]
    scores = item_scores(read_grid(demo / qca["data"]), qca["items"], qca["case_id"])
    data = write_csv(tmp_path / "scores.csv", scores)
    cal = tmp_path / "calibration.toml"
    conditions = qca["calibration"]["conditions"]
    cal.write_text(
        "[calibration.conditions]\n"
        + "".join(f"{k} = {json.dumps(v)}\n" for k, v in conditions.items())
    )
    args = [
        "qca", data, "--outcome", qca["outcome"], "--calibrate-file", cal,
        "--convention", qca["calibration"]["convention"], "--incl-cut", str(qca["incl_cut"]),
        "--n-cut", str(qca["n_cut"]), "--pri-cut", str(qca["pri_cut"]),
        "--dir-exp", qca["dir_exp"], "--half", qca["half"], "--case-id", qca["case_id"],
        "--necessity-cut", str(qca["necessity_threshold"]), "--json",
    ]  # fmt: skip
    run = cli(*args)
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    book = load_workbook(demo / "tables.xlsx", read_only=True)

    tt = sheet(book, "Truth table")
    header = tt[0]
    by_row = {r["row"]: r for r in doc["truth_table"]}
    assert len(tt) - 1 == len(by_row)
    for row in tt[1:]:
        rec = dict(zip(header, row, strict=True))
        want = by_row[rec["Row"]]
        assert [rec[c] for c in doc["conditions"]] == [want["config"][c] for c in doc["conditions"]]
        assert str(rec["OUT"]) == want["OUT"] and rec["n"] == want["n"]
        assert rec["incl"] == pytest.approx(want["incl"], abs=5e-4)
        assert rec["PRI"] == pytest.approx(want["PRI"], abs=5e-4)

    necessity = sheet(book, f"Necessity for {qca['outcome']}")
    incl = {r["condition"]: r["inclN"] for r in doc["necessity"]}
    assert len(necessity) - 1 == len(incl)
    for row in necessity[1:]:
        assert row[1] == pytest.approx(incl[row[0]], abs=5e-4)

    configs = sheet(book, f"Configurations for {qca['outcome']}")
    labels = [r[0] for r in configs]
    for k, c in enumerate(doc["configurations"], start=1):
        column = [r[k] for r in configs]
        values = dict(zip(labels, column, strict=True))
        assert values["Consistency"] == pytest.approx(c["inclS"], abs=5e-4)
        assert values["Raw coverage"] == pytest.approx(c["covS"], abs=5e-4)
        assert values["Unique coverage"] == pytest.approx(c["covU"], abs=5e-4)
    (inter,) = doc["solutions"]["intermediate"]
    pri = dict(zip(labels, [r[1:] for r in configs], strict=True))["PRI"]
    assert list(pri) == pytest.approx([t["PRI"] for t in inter["terms"]], abs=5e-4)

    models = sheet(book, f"Solutions for {qca['outcome']}")
    for kind in ("complex", "parsimonious", "intermediate"):
        listed = [r for r in models[1:] if r[0].lower().startswith(kind)]
        assert [r[2] for r in listed] == [m["expression"] for m in doc["solutions"][kind]]
        for r, m in zip(listed, doc["solutions"][kind], strict=True):
            assert r[3] == pytest.approx(m["inclS"], abs=5e-4)
            assert r[4] == pytest.approx(m["covS"], abs=5e-4)

    negated = cli(*[f"~{a}" if a == qca["outcome"] else a for a in args[:4]], *args[4:])
    assert negated.code == 0, negated.err
    neg = json.loads(negated.out)
    rows = sheet(book, f"Necessity for ~{qca['outcome']}")
    incl = {r["condition"]: r["inclN"] for r in neg["necessity"]}
    for row in rows[1:]:
        assert row[1] == pytest.approx(incl[row[0]], abs=5e-4)


def test_the_workbook_names_the_study_and_keeps_ids_as_text(demo):
    book = load_workbook(demo / "tables.xlsx", read_only=True)
    readme = {r[0]: r[1] for r in book["README"].iter_rows(values_only=True) if r[0]}
    assert readme["Study"].startswith("Protection of personal privacy")
    assert readme["Tool"].startswith("ismpanel ")
    listed = {r[0] for r in book["README"].iter_rows(min_row=6, values_only=True)}
    assert listed == set(book.sheetnames) - {"README"}
    assert all(len(n) <= 31 for n in book.sheetnames)
    ssim = sheet(book, "Aggregated SSIM")
    assert {c for row in ssim[1:] for c in row[1:]} <= {"V", "A", "X", "O", None}


def test_another_domain_without_questionnaire_gets_the_structure_tables(cli, tmp_path):
    folder = make_study(tmp_path / "ehr", EHR, experts=3, seed=4)
    out = tmp_path / "tables.md"
    run = cli("report", folder, "-o", out, "--allow-incomplete")
    assert run.code == 0, run.err
    text = out.read_text()
    doc = json.loads(cli("ism", folder, "--json", "--allow-incomplete").out)
    n_levels = max(doc["levels"].values())
    assert text.count("## Level partition, iteration") == n_levels
    for title in ("Structural self-interaction matrix", "Final reachability matrix",
                  "Canonical matrix", "MICMAC"):  # fmt: skip
        assert f"## {title}" in text
    assert "Truth table" not in text and "privacy" not in text.lower()


def test_report_refuses_an_unknown_format_before_any_work(cli, tmp_path):
    folder = make_study(tmp_path / "ehr", EHR, experts=2, seed=1)
    run = cli("report", folder, "-o", tmp_path / "tables.pdf")
    assert run.code == 2 and "give a .md or .xlsx file name" in run.err
    assert not (tmp_path / "tables.pdf").exists()


def test_the_brief_ends_with_the_appendix(demo):
    text = (demo / "brief.md").read_text()
    appendix = text.split("## Appendix: tables", 1)[1]
    for title in ("### Structural self-interaction matrix (aggregated)", "### Scale reliability",
                  "### Necessity for ~PRIV", "### Truth table (PRIV)"):  # fmt: skip
        assert title in appendix


def test_workbook_cells_keep_ids_as_text_and_never_hold_a_formula(tmp_path):
    from ismpanel.report.appendix import Section
    from ismpanel.report.table import Table
    from ismpanel.report.workbook import workbook

    rows = (("1", "038", "0.512", "-"), ("2", "=1+1", "1", "0.25"))
    table = Table(("Row", "Cases", "incl", "PRI"), rows, "T")
    path = tmp_path / "w.xlsx"
    path.write_bytes(workbook("Study", [Section("t", "T", (table,))]))
    rows = list(load_workbook(path)["T"].iter_rows(values_only=True))
    assert rows[1] == (1, "038", 0.512, None)
    assert rows[2] == (2, "=1+1", 1, 0.25)
    cells = [c for row in load_workbook(path)["T"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)


def test_an_fsqca_without_a_row_to_explain_leaves_a_brief_naming_the_study_key(cli, demo, tmp_path):
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(demo, folder)
    toml = folder / "study.toml"
    toml.write_text(toml.read_text().replace("incl_cut = 0.8", "incl_cut = 0.999"))
    run = cli("brief", folder, "-o", tmp_path / "b.md", "--allow-incomplete")
    assert run.code == 0 and "study.toml [qca]" in run.err, run.err  # written, with a warning
    assert "--incl-cut" not in run.err and "lower incl_cut" in run.err
    text = (tmp_path / "b.md").read_text()
    assert "No fsQCA section: study.toml [qca]: no truth-table row reaches" in text
