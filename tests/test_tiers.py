"""ISM tiers: the default rule (the levels split into three contiguous groups as
evenly as possible), stored tier specs that no longer fit the levels (a warning and the
default, never a failed command) and ``--tiers`` on the command line (it must fit)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings

from ismpanel.analysis import ism
from ismpanel.analysis.structure import Options, analyse_structure, options_from_table
from ismpanel.errors import InputError
from ismpanel.report.structure_text import tier_rule
from tests.helpers import DATA
from tests.test_ism_properties import structures

KUMAR = DATA / "kumar2014_offshore_risks.ssim.csv"  # 4 levels
STALE = "1-2,3-4,5-6"  # the spec the bundled template used to pin for its 6 levels
DEFAULT_WORDS = "default rule: the levels split into three contiguous groups as evenly as possible"


def chain(n_levels: int, width: int = 1) -> tuple[tuple[str, ...], np.ndarray]:
    """Factors in n_levels groups of ``width``; each group directly influences the one above,
    so the hierarchy has exactly n_levels levels."""
    n = n_levels * width
    irm = np.eye(n, dtype=bool)
    for i in range(n):
        if i // width > 0:
            irm[i, [j for j in range(n) if j // width == i // width - 1]] = True
    return tuple(f"F{i}" for i in range(n)), irm


def sizes(ranges: dict[str, tuple[int, int] | None]) -> list[int]:
    return [rng[1] - rng[0] + 1 if rng else 0 for rng in ranges.values()]


@pytest.mark.parametrize("n", range(1, 61))
def test_the_default_rule_splits_the_levels_into_three_even_contiguous_groups(n):
    ranges = ism.default_tiers(n)
    assert list(ranges) == ["surface", "middle", "deep"]
    covered = [lvl for rng in ranges.values() if rng for lvl in range(rng[0], rng[1] + 1)]
    assert covered == list(range(1, n + 1))  # contiguous, in order, every level once
    assert max(sizes(ranges)) - min(sizes(ranges)) <= 1
    assert ranges["surface"][0] == 1
    if n > 1:
        assert ranges["deep"][1] == n
    assert ism.parse_tiers(None, n) == ranges


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (8, ((1, 3), (4, 5), (6, 8))),  # the seed paper's 8 levels in 3 tiers
        (7, ((1, 2), (3, 5), (6, 7))),
        (6, ((1, 2), (3, 4), (5, 6))),
        (5, ((1, 2), (3, 3), (4, 5))),
        (4, ((1, 1), (2, 3), (4, 4))),
        (3, ((1, 1), (2, 2), (3, 3))),
        (2, ((1, 1), None, (2, 2))),
        (1, ((1, 1), None, None)),
    ],
)
def test_the_default_rule_pinned_examples(n, expected):
    assert tuple(ism.default_tiers(n).values()) == expected


@settings(max_examples=100, deadline=None)
@given(structures())
def test_every_analysis_tiers_by_the_default_rule(irm):
    res = ism.analyse(tuple(f"F{i}" for i in range(len(irm))), irm)
    assert res.tier_ranges == ism.default_tiers(res.n_levels)
    order = {"surface": 0, "middle": 1, "deep": 2}
    by_level = sorted(zip(res.levels.tolist(), res.tiers, strict=True))
    assert [order[t] for _, t in by_level] == sorted(order[t] for _, t in by_level)


def test_a_spec_still_sets_the_ranges_and_must_fit():
    assert ism.parse_tiers("1-2,,3-4", 4) == {"surface": (1, 2), "middle": None, "deep": (3, 4)}
    with pytest.raises(InputError, match="must cover levels 1-3"):
        ism.parse_tiers(STALE, 3)
    assert ism.spec_levels(STALE) == 6
    assert ism.spec_levels("1,,2") == 2
    for bad in ("1-2,3", "1-2,x,3", "1-2,4-5,6", ",,"):
        with pytest.raises(InputError):
            ism.spec_levels(bad)


@pytest.mark.parametrize("n_levels", [3, 8])
def test_a_stored_spec_that_no_longer_fits_is_a_warning_and_the_default(n_levels):
    factors, irm = chain(n_levels)
    options = options_from_table({"tiers": STALE}, "study.toml [ism]")
    model = analyse_structure(factors, irm, options)
    assert model.ism.tier_ranges == ism.default_tiers(n_levels)
    assert model.warnings == (
        f"study.toml [ism] tiers '{STALE}' does not fit the {n_levels} levels of this "
        "structure; using the default rule instead",
    )
    assert model.options.tiers is None
    rule = tier_rule(model)
    assert DEFAULT_WORDS in rule
    assert STALE not in rule


def test_a_stored_spec_that_fits_is_used_without_warning():
    factors, irm = chain(6)
    model = analyse_structure(factors, irm, options_from_table({"tiers": "1,2-5,6"}, "s"))
    assert model.warnings == ()
    assert model.ism.tier_ranges == {"surface": (1, 1), "middle": (2, 5), "deep": (6, 6)}
    assert "ranges 1,2-5,6" in tier_rule(model)


def test_a_spec_given_directly_or_as_an_override_must_fit():
    factors, irm = chain(3)
    with pytest.raises(InputError) as err:
        analyse_structure(factors, irm, Options(tiers=STALE))
    assert err.value.option == "tiers"
    stored = options_from_table({"tiers": "1,2,3"}, "study.toml [ism]")
    with pytest.raises(InputError):
        analyse_structure(factors, irm, stored.overridden(tiers=STALE))
    kept = options_from_table({"tiers": STALE}, "study.toml [ism]").overridden(threshold="mean")
    assert analyse_structure(factors, irm, kept).warnings  # still a stored spec


def test_a_malformed_stored_spec_names_the_key():
    with pytest.raises(InputError, match=r"^study.toml \[ism\] tiers: '1-2,x,3': middle range"):
        options_from_table({"tiers": "1-2,x,3"}, "study.toml [ism]")
    with pytest.raises(InputError, match="unknown key"):
        options_from_table({"tiers_from": "x"}, "study.toml [ism]")


def test_a_tiers_option_that_does_not_fit_is_one_line_and_exit_2(cli):
    run = cli("ism", KUMAR, "--tiers", STALE)
    assert run.code == 2
    assert run.err.startswith(f"error: --tiers '{STALE}': the ranges must cover levels 1-4")
    assert run.err.count("\n") == 1


def test_the_default_rule_is_printed_in_words(cli):
    doc = json.loads(cli("ism", KUMAR, "--json").out)
    assert doc["tier_levels"] == {"surface": [1, 1], "middle": [2, 3], "deep": [4, 4]}
    out = cli("ism", KUMAR).out
    assert DEFAULT_WORDS in out


def test_parts_of_the_structure_linked_to_nothing_else_are_named():
    """A -> B -> C is the main part; D and E form a cycle linked to nothing else and F has no
    link at all: the brief says so, since their levels say nothing of their place."""
    import numpy as np

    from ismpanel.analysis.structure import analyse_structure
    from ismpanel.report.structure_text import detached_note

    irm = np.eye(6, dtype=bool)
    for a, b in [(0, 1), (1, 2), (3, 4), (4, 3)]:
        irm[a, b] = True
    model = analyse_structure(("A", "B", "C", "D", "E", "F"), irm)
    assert detached_note(model) == (
        "Not connected to the rest of the structure: D, E (linked only to each other); F "
        "(linked to no other factor). Their levels, tiers and MICMAC clusters come from their "
        "own links alone and say nothing of their place among the other factors."
    )
    irm[2, 3] = irm[2, 5] = True  # now every factor is joined to the chain
    assert detached_note(analyse_structure(("A", "B", "C", "D", "E", "F"), irm)) == ""


def test_equal_largest_parts_are_all_named_and_none_is_the_rest():
    import numpy as np

    from ismpanel.analysis.structure import analyse_structure
    from ismpanel.report.structure_text import detached_note

    irm = np.eye(4, dtype=bool)
    irm[0, 1] = irm[2, 3] = True  # A1 -> A2 and B1 -> B2, nothing between them
    note = detached_note(analyse_structure(("A1", "A2", "B1", "B2"), irm))
    assert note.startswith(
        "The structure falls into 2 unconnected parts: A1, A2 (linked only to each other); "
        "B1, B2 (linked only to each other)."
    )
