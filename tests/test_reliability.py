"""Item statistics and Cronbach's alpha, checked against identities of the formula and a
worked example computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ismpanel.analysis.reliability import (
    cronbach_alpha,
    describe,
    item_frame,
    scale_reliability,
)
from ismpanel.errors import InputError


def test_worked_example():
    """Three items, four respondents, by hand. Item variances (ddof 1): a 5/3, b 2/3, c 1/4
    (sum 31/12); the sums 6, 9, 10, 12 have variance 6.25; alpha = 3/2 * (1 - (31/12)/6.25)
    = 0.88."""
    items = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 3, 3, 4], "c": [3.0, 4, 4, 4]})
    alpha, n = cronbach_alpha(items)
    assert n == 4
    assert alpha == pytest.approx(0.88)


def test_standardised_items_follow_spearman_brown():
    """For items of equal variance, alpha = k*r/(1 + (k-1)*r) with r the mean inter-item
    correlation (the standardised alpha), so z-scored items must satisfy it exactly."""
    rng = np.random.default_rng(7)
    base = rng.normal(size=200)
    raw = pd.DataFrame({f"i{j}": base + rng.normal(scale=1 + j, size=200) for j in range(4)})
    z = (raw - raw.mean()) / raw.std(ddof=1)
    corr = z.corr().to_numpy()
    k = 4
    r = (corr.sum() - k) / (k * (k - 1))
    alpha, _ = cronbach_alpha(z)
    assert alpha == pytest.approx(k * r / (1 + (k - 1) * r))


def test_identical_items_have_alpha_one_and_missing_answers_drop_the_respondent():
    items = pd.DataFrame({"a": [1.0, 2, 3, 5, np.nan], "b": [1.0, 2, 3, 5, 4]})
    alpha, n = cronbach_alpha(items)
    assert alpha == pytest.approx(1.0) and n == 4


def test_alpha_is_undefined_for_one_item_or_a_constant_sum():
    assert math.isnan(cronbach_alpha(pd.DataFrame({"a": [1.0, 2, 3]}))[0])
    assert math.isnan(cronbach_alpha(pd.DataFrame({"a": [1.0, 2, 3], "b": [3.0, 2, 1]}))[0])


def test_item_frame_reads_missing_and_names_a_bad_cell():
    grid = [["id", "q1", "q2"], ["r1", "4", "NA"], ["r2", "3,5", "2"]]
    frame = item_frame(grid, ["q1", "q2"])
    assert frame["q1"].tolist() == [4.0, 3.5] and math.isnan(frame["q2"][0])
    stats = describe(frame)
    assert stats.loc["q2", "n"] == 1 and stats.loc["q1", "mean"] == pytest.approx(3.75)
    with pytest.raises(InputError, match=r"cell C3 \(case 2, column q2\)"):
        item_frame([["id", "q1", "q2"], ["r1", "4", "1"], ["r2", "3", "x"]], ["q1", "q2"])
    with pytest.raises(InputError, match="q9"):
        item_frame(grid, ["q9"])


def test_scale_reliability_skips_single_item_scales():
    items = pd.DataFrame({"a": [1.0, 2, 3], "b": [1.0, 3, 3], "c": [2.0, 2, 1]})
    found = scale_reliability(items, {"X": ["a", "b"], "Y": ["c"]})
    assert set(found) == {"X"} and found["X"][1:] == (2, 3)
