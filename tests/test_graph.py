"""Strong components of the ISM closure, written here instead of importing scipy's graph
routines (their import costs more than the whole search at 1,000 factors): the same partition
as scipy's ``connected_components``, numbered by the graph alone, on graphs deep enough to
break a recursive search."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from ismpanel.analysis.graph import closure, strong_components


def _labels(adjacency: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(adjacency)
    return strong_components(len(adjacency), rows, cols)


def _partition(labels) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for vertex, label in enumerate(np.asarray(labels).tolist()):
        groups.setdefault(label, set()).add(vertex)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("n", [1, 2, 7, 40, 300])
@pytest.mark.parametrize("density", [0.0, 0.01, 0.05, 0.2, 0.6])
def test_the_partition_is_scipys(n, density):
    rng = np.random.default_rng(n * 100 + int(density * 100))
    adjacency = rng.random((n, n)) < density
    _, reference = connected_components(csr_matrix(adjacency), directed=True, connection="strong")
    assert _partition(_labels(adjacency)) == _partition(reference)


def test_components_are_numbered_by_their_smallest_vertex():
    adjacency = np.zeros((6, 6), dtype=bool)
    for a, b in [(5, 3), (3, 5), (4, 0), (0, 4), (2, 1)]:
        adjacency[a, b] = True
    # components {0, 4}, {1}, {2}, {3, 5}: numbered 0, 1, 2, 3 by 0, 1, 2, 3
    assert _labels(adjacency).tolist() == [0, 1, 2, 3, 0, 3]
    # listed in reverse, vertex k is the old 5 - k: {0, 2} {1, 5} {3} {4}, numbered the same way
    perm = np.array([5, 4, 3, 2, 1, 0])
    assert _labels(adjacency[np.ix_(perm, perm)]).tolist() == [0, 1, 0, 2, 3, 1]


def test_a_cycle_and_a_path_of_fifty_thousand_vertices_need_no_recursion():
    n = 50_000
    rows = np.arange(n)
    ring = strong_components(n, rows, (rows + 1) % n)
    assert set(ring.tolist()) == {0}
    path = strong_components(n, rows[:-1], rows[1:])
    assert path.tolist() == list(range(n))


def test_the_closure_of_a_chain_of_components():
    adjacency = np.zeros((4, 4), dtype=bool)
    for a, b in [(0, 1), (1, 0), (1, 2), (2, 3)]:
        adjacency[a, b] = True
    reach, cond = closure(adjacency)
    assert cond.size == 3
    assert reach.astype(int).tolist() == [[1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1]]


@pytest.mark.parametrize("density", [0.0, 0.02, 0.1])
def test_connected_parts_are_scipys_weak_components(density):
    from ismpanel.analysis.graph import connected_parts

    adjacency = np.random.default_rng(int(density * 100)).random((60, 60)) < density
    _, reference = connected_components(csr_matrix(adjacency), directed=True, connection="weak")
    assert _partition(connected_parts(adjacency)) == _partition(reference)
