"""Each intermediate model has one name, unique across the groups of complex-parsimonious
pairs (which each number their models from M1), in the terminal, the brief's appendix and the
workbook's sheets, and it carries the JSON's label (``C1P2 M1``)."""

from __future__ import annotations

import csv
import io

import openpyxl

from ismpanel.analysis.fsqca.configuration import model_label
from ismpanel.report.appendix import solution_section
from ismpanel.report.qca_solution_tables import intermediate_tables
from ismpanel.report.workbook import workbook
from tests.test_fsqca_solution import seed87
from tests.test_limitations import DIR_ALL, lipset


def test_seed87_has_models_of_the_same_name_in_different_groups():
    """The case this file is about: 12 models in 3 groups, so "M1" is in each group."""
    _, res = seed87()
    names = [m.name for m in res.intermediate.models]
    assert len(names) == 12 and names.count("M1") == 3


def test_appendix_and_terminal_titles_are_unique_and_carry_the_label():
    _, res = seed87()
    models = res.intermediate.models
    section = solution_section(res, "solutions", "Solutions")
    appendix = [t.title.split(":")[0] for t in section.tables if "ntermediate" in t.title]
    terminal = [
        t.title.split(":")[0] for t in intermediate_tables(res) if t.title.startswith("Interm")
    ]
    for titles in (appendix, terminal):
        assert len(titles) == len(set(titles)) == len(models), titles
        for k, (title, m) in enumerate(zip(titles, models, strict=True), start=1):
            assert title.startswith(f"Intermediate model {k} ({model_label(m)}")
    assert terminal[2].endswith(f"; from {', '.join(models[2].isols)})")


def test_workbook_sheets_name_each_intermediate_model_once():
    _, res = seed87()
    book = openpyxl.load_workbook(
        io.BytesIO(workbook("Seed 87", [solution_section(res, "solutions", "Solutions")]))
    )
    sheets = [s for s in book.sheetnames if s.startswith("Intermediate")]
    assert sheets == [
        f"Intermediate model {k} ({model_label(m)})"
        for k, m in enumerate(res.intermediate.models, start=1)
    ]


def test_one_intermediate_model_keeps_its_short_name():
    res = lipset(dir_exp=DIR_ALL)
    (m,) = res.intermediate.models
    section = solution_section(res, "solutions", "Solutions")
    (title,) = [t.title for t in section.tables if t.title.startswith("Intermediate")]
    assert title.startswith(f"Intermediate {m.name}:")


def test_the_qca_command_prints_each_model_name_once(cli, tmp_path):
    grid, res = seed87()
    data = tmp_path / "seed87.csv"
    with data.open("w", newline="") as fh:
        csv.writer(fh).writerows(grid)
    run = cli("qca", data, "--outcome", "Y", "--incl-cut", "0.55", "--dir-exp", "A, B, C, D, E")
    assert run.code == 0, run.err
    heads = [
        line.split(":")[0]
        for line in run.out.splitlines()
        if line.startswith("Intermediate model") and "; from " in line
    ]
    models = res.intermediate.models
    assert heads == [
        f"Intermediate model {k} ({model_label(m)}; from {', '.join(m.isols)})"
        for k, m in enumerate(models, start=1)
    ]
