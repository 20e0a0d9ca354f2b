"""The published ISM case of Kumar, Sharma & Chauhan (2014), "ISM Approach to Model Offshore
Outsourcing Risks", International Journal of Production Management and Engineering 2(2),
101-111, doi:10.4995/ijpme.2014.2096.

Expected values come from ``tests/data/kumar2014_offshore_risks.expected.json`` (copied from
shared/fixtures/ism): its ``published`` block transcribes the paper's Table 3 (IRM), Tables 4-5
(FRM, driving power, dependence), Tables 6-10 (levels), Table 11 (canonical matrix order) and
Section 6 (MICMAC classes); its ``computed`` block is an independent recomputation (transitive
marks, cycles, digraph edges, indirect MICMAC rankings).
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from ismpanel.analysis.ssim import parse_structure
from ismpanel.analysis.structure import Options, analyse_structure
from tests.helpers import DATA

EXPECTED = json.loads((DATA / "kumar2014_offshore_risks.expected.json").read_text())
PUBLISHED = EXPECTED["published"]
COMPUTED = EXPECTED["computed"]


@pytest.fixture(scope="module")
def model():
    with open(DATA / "kumar2014_offshore_risks.ssim.csv", newline="") as fh:
        structure = parse_structure(list(csv.reader(fh)))
    return analyse_structure(structure.factors, structure.irm)


def _ids(model, idx):
    return [model.factors[i] for i in idx]


def test_irm_matches_table_3(model):
    assert model.ism.irm.astype(int).tolist() == np.array(PUBLISHED["irm"], dtype=int).tolist()


def test_frm_matches_tables_4_and_5(model):
    assert model.ism.frm.astype(int).tolist() == np.array(PUBLISHED["frm"], dtype=int).tolist()


def test_transitive_entries_match_the_recomputation(model):
    marked = np.where(model.ism.transitive, "1*", model.ism.frm.astype(int).astype(str))
    assert marked.tolist() == COMPUTED["frm"]


def test_levels_match_tables_6_to_10(model):
    assert dict(zip(model.factors, model.ism.levels.tolist(), strict=True)) == PUBLISHED["levels"]


def test_driving_power_and_dependence_match_table_5(model):
    f = model.factors
    assert dict(zip(f, model.ism.driving_power.tolist(), strict=True)) == PUBLISHED["driving_power"]
    assert dict(zip(f, model.ism.dependence.tolist(), strict=True)) == PUBLISHED["dependence_power"]


def test_canonical_order_matches_table_11(model):
    assert _ids(model, model.ism.canonical_order) == PUBLISHED["conical_matrix_order"]


def test_micmac_classes_match_section_6(model):
    assert dict(zip(model.factors, model.quadrants, strict=True)) == PUBLISHED["micmac_quadrant"]


def test_mean_threshold_classes_match_the_recomputation():
    with open(DATA / "kumar2014_offshore_risks.ssim.csv", newline="") as fh:
        structure = parse_structure(list(csv.reader(fh)))
    model = analyse_structure(structure.factors, structure.irm, Options(threshold="mean"))
    expected = COMPUTED["micmac"]["mean_of_driving_powers"]
    assert model.threshold.driving == expected["threshold"]
    assert dict(zip(model.factors, model.quadrants, strict=True)) == expected["quadrant"]


def test_cycles_and_digraph_match_the_recomputation(model):
    assert [_ids(model, c) for c in model.ism.cycles] == COMPUTED["strongly_connected_components"]
    nodes = model.ism.digraph_nodes
    edges = sorted(
        f"{model.factors[nodes[a][0]]}->{model.factors[nodes[b][0]]}"
        for a, b in model.ism.digraph_edges
    )
    assert edges == COMPUTED["digraph_edges_transitive_reduction_of_condensation"]


def test_full_closure_finds_the_entries_two_step_transitivity_misses(model):
    for edge in COMPUTED["edges_missed_by_two_step_only_transitivity"]:
        a, b = edge.split("->")
        assert model.ism.frm[model.factors.index(a), model.factors.index(b)]


def test_tiers_match_the_illustrative_assignment(model):
    assert dict(zip(model.factors, model.ism.tiers, strict=True)) == COMPUTED["tiers_illustrative"]


def test_indirect_micmac_on_i_plus_a_settles_at_power_8():
    with open(DATA / "kumar2014_offshore_risks.ssim.csv", newline="") as fh:
        structure = parse_structure(list(csv.reader(fh)))
    model = analyse_structure(structure.factors, structure.irm, Options(horizon=60))
    expected = COMPUTED["micmac_indirect"]["I_plus_A_powers"]
    assert model.indirect.settled_at == expected["settled_from_power"]
    assert _ids(model, model.indirect.driving.order) == expected["influence_rank"]
    assert _ids(model, model.indirect.dependence.order) == expected["dependence_rank"]


def test_indirect_micmac_on_zero_diagonal_a_never_settles():
    with open(DATA / "kumar2014_offshore_risks.ssim.csv", newline="") as fh:
        structure = parse_structure(list(csv.reader(fh)))
    model = analyse_structure(
        structure.factors, structure.irm, Options(indirect_matrix="A", horizon=60)
    )
    expected = COMPUTED["micmac_indirect"]["A_zero_diagonal_powers"]
    assert expected["settled_from_power"] is None
    assert model.indirect.settled_at is None
    assert _ids(model, model.indirect.driving.order) == expected["influence_rank"]
