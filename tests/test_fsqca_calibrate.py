"""Calibration: the direct method under both log-odds conventions, decreasing sets, percentile
anchors, crisp thresholds, the exact-0.5 remedy and the specification formats."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ismpanel.analysis.fsqca import calibrate as cal
from ismpanel.errors import InputError
from tests.helpers import DATA

REF = DATA / "qca"

# LR.csv and LF.csv are Lipset's raw and fuzzy data as shipped with R's QCA package (copied
# from shared/fixtures/qca). These anchors (DEV=400,550,900 among them)
# reproduce every one of the 108 LF memberships to its two printed decimals under fs/QCA's
# log-odds of ±3, and not under R's idm = 0.95: LF was calibrated with the fs/QCA convention.
LIPSET_ANCHORS = {
    "DEV": (400, 550, 900),
    "URB": (25, 50, 65),
    "LIT": (50, 75, 90),
    "IND": (20, 30, 40),
    "STB": (15, 9.5, 5),  # cabinets: fewer is more stable, a decreasing set
    "SURV": (-9, 0, 10),
}


def _column(name: str, column: str) -> np.ndarray:
    with open(REF / name, newline="") as fh:
        return np.array([float(r[column]) for r in csv.DictReader(fh)])


@pytest.mark.parametrize("column", list(LIPSET_ANCHORS))
def test_lipset_raw_data_calibrates_to_lf_under_the_fsqca_convention(column):
    raw, fuzzy = _column("LR.csv", column), _column("LF.csv", column)
    fs = cal.direct(raw, *LIPSET_ANCHORS[column], convention="fsqca")
    assert np.array_equal(np.round(fs, 2), fuzzy)


def test_the_two_conventions_differ_on_lipset():
    """Under R's idm = 0.95 some LF values come out one hundredth off (e.g. EE's DEV)."""
    raw, fuzzy = _column("LR.csv", "DEV"), _column("LF.csv", "DEV")
    fs = cal.direct(raw, *LIPSET_ANCHORS["DEV"], convention="r")
    assert not np.array_equal(np.round(fs, 2), fuzzy)


def test_anchor_memberships_follow_each_convention():
    """R's calibrate(): membership 0.95 at the full-membership anchor, 0.05 at full
    non-membership and 0.5 at the crossover (idm = 0.95); fs/QCA: 1/(1+e^-3) = 0.9526."""
    x = np.array([400.0, 550.0, 900.0])
    r = cal.direct(x, 400, 550, 900, "r")
    assert r == pytest.approx([0.05, 0.5, 0.95], abs=1e-12)
    fs = cal.direct(x, 400, 550, 900, "fsqca")
    assert fs == pytest.approx([1 / (1 + math.exp(3)), 0.5, 1 / (1 + math.exp(-3))], abs=1e-12)
    assert cal.scale("r") == pytest.approx(math.log(19))


def test_decreasing_set_is_the_complement_with_anchors_swapped():
    x = np.linspace(0, 20, 41)
    dec = cal.direct(x, 15, 9.5, 5, "r")
    inc = cal.direct(x, 5, 9.5, 15, "r")
    assert dec == pytest.approx(1 - inc)
    assert np.all(np.diff(dec) <= 0)


def test_extremes_are_rounded_to_0_and_1_as_r():
    fs = cal.direct(np.array([-1e6, 1e6, 550.0]), 400, 550, 900, "r")
    assert list(fs) == [0.0, 1.0, 0.5]


@pytest.mark.parametrize("anchors", [(900, 400, 550), (400, 900, 550), (550, 550, 900)])
def test_inverted_or_equal_anchors_are_refused(anchors):
    with pytest.raises(InputError, match="not in order"):
        cal.direct(np.array([1.0, 2.0]), *anchors)


def test_percentile_anchors_use_the_data_quantiles():
    x = np.arange(1.0, 101.0)
    anchor = cal.parse_anchor("US1", "p5,p50,p95")
    assert anchor.anchors == ("p5", "p50", "p95")
    e, c, i = cal.resolve(x, anchor)
    assert (e, c, i) == (np.percentile(x, 5), np.percentile(x, 50), np.percentile(x, 95))
    out = cal.calibrate_column("US1", x, anchor, "r", [str(v) for v in x])
    assert out.values[np.argmin(np.abs(x - c))] == pytest.approx(0.5, abs=0.02)
    assert out.anchors == (e, c, i)


def test_likert_percentiles_that_coincide_name_the_column():
    x = np.array([1, 1, 1, 1, 1, 1, 1, 1, 2, 5], dtype=float)
    with pytest.raises(InputError, match=r"Q1=p5,p50,p95: anchors .* not in order"):
        cal.calibrate_column("Q1", x, cal.parse_anchor("Q1", "p5,p50,p95"), "r", list("abcdefghij"))


def test_crisp_threshold_and_direction():
    x = np.array([320.0, 550, 720, 1098])
    assert list(cal.crisp(x, 550)) == [0, 1, 1, 1]
    out = cal.calibrate_column("DEV", x, cal.parse_anchor("DEV", "crisp:550"), "r", list("abcd"))
    assert list(out.values) == [0, 1, 1, 1]
    with pytest.raises(InputError, match="outside the data"):
        cal.calibrate_column("DEV", x, cal.parse_anchor("DEV", "crisp:5000"), "r", list("abcd"))


def test_lipset_crisp_thresholds_give_lc():
    """R's documentation of the Lipset data: LC is LR with DEV >= 550, URB >= 50, LIT >= 75,
    IND >= 30 and SURV > 0 (LC.csv, copied from shared/fixtures/qca)."""
    for column, t in [("DEV", 550), ("URB", 50), ("LIT", 75), ("IND", 30), ("SURV", 0.5)]:
        assert np.array_equal(cal.crisp(_column("LR.csv", column), t), _column("LC.csv", column))


def test_data_outside_unit_interval_needs_a_calibration():
    with pytest.raises(InputError, match=r"column DEV: value 720 of case AU is not.*--calibrate"):
        cal.calibrate_column("DEV", np.array([720.0, 0.5]), None, "r", ["AU", "BE"])
    out = cal.calibrate_column("DEV", np.array([0.2, 0.9]), None, "r", ["AU", "BE"])
    assert out.method == "calibrated"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DEV=400,550", "three anchors"),
        ("DEV=400,x,900", "neither a number nor a percentile"),
        ("DEV=p5,p50,p150", "above p100"),
        ("DEV", "expected NAME=e,c,i"),
        ("DEV=crisp:1,2", "one threshold"),
    ],
)
def test_bad_specifications_name_the_problem(text, message):
    with pytest.raises(InputError, match=message):
        cal.parse_assignment(text)


def test_toml_structure_is_parsed_from_a_dict():
    spec = cal.parse_calibration(
        {
            "convention": "fsqca",
            "conditions": {
                "DEV": [400, 550, 900],
                "US1": ["p5", "p50", "p95"],
                "STB": "15,9.5,5",
                "GDP": {"crisp": 500},
                "IND": {"anchors": [20, 30, 40]},
                "LIT": "calibrated",
            },
        }
    )
    assert spec.convention == "fsqca"
    assert spec.columns["DEV"] == cal.Anchor("direct", (400.0, 550.0, 900.0))
    assert spec.columns["US1"].anchors == ("p5", "p50", "p95")
    assert spec.columns["STB"].anchors == (15.0, 9.5, 5.0)
    assert spec.columns["GDP"] == cal.Anchor("crisp", (500.0,))
    assert spec.columns["IND"].method == "direct"
    assert spec.columns["LIT"].method == "calibrated"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"convention": "stata"}, "convention"),
        ({"conditions": {"DEV": 5}}, "DEV"),
        ({"anchors": {}}, "unknown key 'anchors'"),
        ({"conditions": {"DEV": {"crisp": 1, "x": 2}}}, "DEV"),
    ],
)
def test_toml_errors_name_the_key(doc, message):
    with pytest.raises(InputError, match=message):
        cal.parse_calibration(doc)


def test_half_remedies():
    x = np.array([0.5, 0.2, 0.5000000000001])
    assert list(cal.half_cases(x)) == [True, False, True]
    assert list(cal.apply_half_remedy(x, "up")) == [0.501, 0.2, 0.501]
    assert list(cal.apply_half_remedy(x, "down")) == [0.499, 0.2, 0.499]
    assert cal.apply_half_remedy(x, "keep") is x


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=50),
    st.floats(-100, 100),
    st.floats(0.1, 100),
    st.floats(0.1, 100),
    st.sampled_from(["r", "fsqca"]),
    st.booleans(),
)
def test_direct_calibration_is_a_monotone_membership(xs, c, below, above, convention, decreasing):
    """Memberships lie in [0, 1], are exactly 0.5 at the crossover and move monotonically with
    x (down for a decreasing set)."""
    e, i = c - below, c + above
    if decreasing:
        e, i = i, e
    x = np.sort(np.array([*xs, c]))
    fs = cal.direct(x, e, c, i, convention)
    assert np.all((fs >= 0) & (fs <= 1))
    assert cal.direct(np.array([c]), e, c, i, convention)[0] == 0.5
    steps = np.diff(fs)
    assert np.all(steps <= 1e-15) if decreasing else np.all(steps >= -1e-15)


def test_percentile_anchors_of_a_constant_condition_say_it_is_constant():
    x = np.full(12, 4.0)
    with pytest.raises(
        InputError,
        match=r"PA2=p5,p50,p95: anchors 4, 4, 4 .* raw value 4, so the condition is constant",
    ):
        cal.calibrate_column(
            "PA2", x, cal.parse_anchor("PA2", "p5,p50,p95"), "r", list("abcdefghijkl")
        )
