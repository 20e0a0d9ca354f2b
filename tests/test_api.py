"""The Python API (``import ismpanel``): the README's notebook example runs as written, and its
tables agree with the published ISM case and with R's QCA outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import ismpanel
from tests.helpers import DATA, answered_study

ROOT = Path(__file__).resolve().parent.parent


def readme_example() -> str:
    """The python block after the README's ``notebook-example`` marker."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- notebook-example -->\s*```python\n(.*?)```", text, re.S)
    assert found, "README has no notebook example"
    return found.group(1)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> dict:
    """The README example's variables, run from the repository root as the README says."""
    names: dict = {}
    cwd = Path.cwd()
    try:
        import os

        os.chdir(ROOT)
        exec(compile(readme_example(), "README.md", "exec"), names)
    finally:
        os.chdir(cwd)
    return names


def test_readme_example_levels_match_the_published_case(example):
    # Kumar, Sharma & Chauhan (2014), Tables 6-10: the level of each risk (the fixture's JSON)
    expected = json.loads((DATA / "kumar2014_offshore_risks.expected.json").read_text())
    levels = example["factors"]["level"].to_dict()
    published = {f: int(v) for f, v in expected["published"]["levels"].items()}
    assert levels == published
    partition = example["levels"]["factors"].to_dict()
    assert sorted(f for fs in partition.values() for f in fs) == sorted(published)
    frm = example["frm"]
    assert list(frm.index) == list(frm.columns) == list(example["model"].factors)
    assert set(frm.to_numpy().ravel()) <= {0, 1}


def test_readme_example_solutions_match_r_qca(example):
    # R QCA 3.25 on Lipset's LF data, incl.cut 0.8, every condition expected present
    # (tests/data/qca/LF.solutions.csv, written by R)
    ref = pd.read_csv(DATA / "qca" / "LF.solutions.csv")
    ref = ref[ref["term"] != "(solution)"]
    ours = example["solutions"]
    for kind in ("complex", "parsimonious", "intermediate"):
        want = ref[ref["solution"] == kind].set_index("term")
        got = ours[ours["solution"] == kind].set_index("expression")
        assert sorted(got.index) == sorted(want.index), kind
        for col in ("inclS", "PRI", "covS", "covU"):
            assert got[col].loc[want.index].to_numpy() == pytest.approx(
                want[col].to_numpy(), abs=1e-9
            )
    table = example["table"]
    assert list(table["expression"]) == ["DEV*URB*LIT*STB", "DEV*LIT*~IND*STB"]
    assert table.loc["C2", "IND"] == "core_absent"


def test_to_dict_is_the_commands_json(example, tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ismpanel",
            "qca",
            str(DATA / "qca" / "LF.csv"),
            "--outcome",
            "SURV",
            "--incl-cut",
            "0.8",
            "--dir-exp",
            "DEV, URB, LIT, IND, STB",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert without_timings(example["document"]) == without_timings(json.loads(run.stdout))


def without_timings(value: object) -> object:
    """A document without its ``seconds`` entries (timings differ from run to run)."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def test_study_folder_and_panel(tmp_path):
    folder = answered_study(tmp_path / "s")
    model = ismpanel.ism(folder)
    assert model.to_dict()["levels"] == model.to_frame()["level"].to_dict()
    store = ismpanel.open_panel(folder)
    assert [e.id for e in store.experts()] == ["E1", "E2", "E3"]
    ssim = ismpanel.panel_ssim(folder)
    assert ssim.factors == model.factors


def test_dataframe_input_and_calibration():
    frame = pd.DataFrame(
        [["", "V", "O"], ["", "", "V"], ["", "", ""]],
        index=["A", "B", "C"],
        columns=["A", "B", "C"],
    )
    model = ismpanel.ism(frame)
    # A -> B -> C: C is reached by both, so it is level 1; A drives everything (level 3)
    assert model.to_frame()["level"].to_dict() == {"A": 3, "B": 2, "C": 1}
    assert model.to_frame("frm").loc["A", "C"] == 1  # by transitivity

    raw = pd.DataFrame({"x": [1.0, 5.0, 9.0]}, index=["c1", "c2", "c3"])
    m = ismpanel.calibrate(raw, {"x": (1, 5, 9)})
    # direct method (Ragin 2008): the anchors map to 0.05, 0.5 and 0.95 under R's convention
    assert m["x"].to_numpy() == pytest.approx([0.05, 0.5, 0.95], abs=1e-3)
    with pytest.raises(ismpanel.api.InputError, match="not a column"):
        ismpanel.calibrate(raw, {"y": (1, 5, 9)})


def test_unknown_names():
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        ismpanel.nothing  # noqa: B018
    assert "fsqca" in dir(ismpanel)


def test_dataframes_of_common_dtypes():
    ids = ["A", "B", "C"]
    chain = [[1, 1, 0], [0, 1, 1], [0, 0, 1]]  # A -> B -> C as a 0/1 adjacency matrix
    for frame in (
        pd.DataFrame(chain, index=ids, columns=ids, dtype=float),  # networkx's to_pandas
        pd.DataFrame(chain, index=ids, columns=ids).astype(bool),
        pd.DataFrame(chain, index=ids, columns=ids).astype("Int64"),
    ):
        assert ismpanel.ism(frame).to_frame()["level"].to_dict() == {"A": 3, "B": 2, "C": 1}

    cases = pd.DataFrame(
        {
            "id": [f"c{k}" for k in range(8)],
            "A": [0.9, 0.8, 0.7, 0.2, 0.1, 0.3, 0.6, pd.NA],
            "B": [True, True, False, False, True, False, True, True],
            "Y": [0.9, 0.8, 0.4, 0.1, 0.2, 0.3, 0.7, 0.5],
        }
    ).astype({"A": "Float64"})
    kept = cases[cases["Y"] > 0.0]  # a filtered frame: its index is no longer a plain range
    result = ismpanel.fsqca(kept, "Y", ["A", "B"], case_id="id", dropna=True, incl_cut=0.8)
    membership = result.to_frame("membership")
    assert list(membership.index) == [f"c{k}" for k in range(7)]  # c7 dropped: A missing
    assert membership["B"].tolist() == [1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0]
