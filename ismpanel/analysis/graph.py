"""Reachability on directed graphs: strongly connected components, their condensation, the full
transitive closure and the transitive reduction of the condensed DAG.

Components come from an iterative Tarjan search written here rather than scipy's
``connected_components``: both take milliseconds on 1,000 factors, but importing
``scipy.sparse.csgraph`` takes 0.16 s, a fifth of the whole ``ism`` command at that size
(bench/bench_commands.py). Closure and reduction work on the condensation with packed bit
rows, so an n = 2000 sparse structure closes in milliseconds where a Warshall loop over the
full matrix takes seconds.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Condensation:
    """The DAG of strongly connected components of a directed graph.

    ``labels[i]`` is the component of vertex i; components are numbered in topological order
    (every edge goes from a lower to a higher number); ``successors[c]`` lists the components
    that c has a direct edge to; ``reach`` is the packed bit matrix of component reachability
    (reflexive).
    """

    labels: np.ndarray
    successors: list[np.ndarray]
    reach: np.ndarray

    @property
    def size(self) -> int:
        return len(self.successors)

    def reach_matrix(self) -> np.ndarray:
        """Boolean component-to-component reachability (reflexive)."""
        return np.unpackbits(self.reach, axis=1, count=self.size).astype(bool)


def condense(adjacency: np.ndarray) -> Condensation:
    """Condense a boolean adjacency matrix into its component DAG with reachability bit rows."""
    n = len(adjacency)
    rows, cols = np.nonzero(adjacency)
    raw = strong_components(n, rows, cols)
    cross = raw[rows] != raw[cols]
    k = int(raw.max()) + 1 if n else 0
    edges = np.unique(np.stack([raw[rows[cross]], raw[cols[cross]]], axis=1), axis=0)
    order = _topological_order(k, edges)
    rank = np.empty(k, dtype=np.intp)
    rank[order] = np.arange(k)
    labels = rank[raw]
    edges = rank[edges] if len(edges) else edges.reshape(0, 2)
    edges = edges[np.lexsort((edges[:, 1], edges[:, 0]))] if len(edges) else edges
    starts = np.searchsorted(edges[:, 0], np.arange(k + 1)) if len(edges) else np.zeros(k + 1, int)
    successors = [edges[starts[c] : starts[c + 1], 1] for c in range(k)]
    reach = np.zeros((k, (k + 7) // 8), dtype=np.uint8)
    for c in range(k - 1, -1, -1):
        reach[c, c >> 3] |= np.uint8(0x80 >> (c & 7))
        if len(successors[c]):
            reach[c] |= np.bitwise_or.reduce(reach[successors[c]], axis=0)
    return Condensation(labels, successors, reach)


def strong_components(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The strongly connected component of each of ``n`` vertices, given the edges
    ``rows[e] -> cols[e]`` (as ``np.nonzero`` gives them; any order is sorted first);
    components are numbered by their smallest vertex, so the numbering depends on the graph
    only. Tarjan's algorithm with an explicit stack (no recursion limit), O(vertices +
    edges)."""
    if len(rows) > 1 and (rows[1:] < rows[:-1]).any():
        order = np.argsort(rows, kind="stable")
        rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, np.arange(n + 1)).tolist()
    targets = cols.tolist()
    index, low, on_stack = [-1] * n, [0] * n, [False] * n
    found: list[int] = [-1] * n
    stack: list[int] = []
    count = components = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        index[root] = low[root] = count
        count += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, starts[root])]  # vertices being searched, with their next edge
        while work:
            v, pos = work[-1]
            end = starts[v + 1]
            while pos < end:
                w = targets[pos]
                pos += 1
                if index[w] < 0:  # descend into w; v resumes at its next edge
                    work[-1] = (v, pos)
                    index[w] = low[w] = count
                    count += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, starts[w]))
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:  # every edge of v searched
                work.pop()
                if work and low[v] < low[work[-1][0]]:
                    low[work[-1][0]] = low[v]
                if low[v] == index[v]:  # v roots a component: pop it off the stack
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        found[w] = components
                        if w == v:
                            break
                    components += 1
    labels = np.asarray(found, dtype=np.intp)
    first = np.full(components, n, dtype=np.intp)
    np.minimum.at(first, labels, np.arange(n))
    rank = np.empty(components, dtype=np.intp)
    rank[np.argsort(first)] = np.arange(components)
    return rank[labels]


def connected_parts(adjacency: np.ndarray) -> np.ndarray:
    """The connected part of each vertex when links are read in either direction (the weak
    components), numbered by their smallest vertex."""
    links = np.asarray(adjacency, dtype=bool)
    rows, cols = np.nonzero(links | links.T)
    return strong_components(len(links), rows, cols)


def closure(adjacency: np.ndarray) -> tuple[np.ndarray, Condensation]:
    """Reflexive-transitive closure (any path length) of a boolean adjacency matrix."""
    cond = condense(adjacency)
    comp = cond.reach_matrix()
    return comp[np.ix_(cond.labels, cond.labels)], cond


def reduction_edges(cond: Condensation) -> list[tuple[int, int]]:
    """Edges of the transitive reduction of the condensation: a direct edge c -> s is kept
    unless s is reachable from another direct successor of c."""
    kept: list[tuple[int, int]] = []
    for c, succ in enumerate(cond.successors):
        if len(succ) == 0:
            continue
        if len(succ) == 1:
            kept.append((c, int(succ[0])))
            continue
        bits = cond.reach[succ].copy()
        bits[np.arange(len(succ)), succ >> 3] &= ~(np.uint8(0x80) >> (succ & 7)).astype(np.uint8)
        covered = np.bitwise_or.reduce(bits, axis=0)
        redundant = (covered[succ >> 3] >> (7 - (succ & 7))) & 1
        kept.extend((c, int(s)) for s in succ[redundant == 0])
    return kept


def longest_path_to_sink(cond: Condensation) -> np.ndarray:
    """For each component, 1 + the number of edges on its longest path to a sink (sinks: 1)."""
    height = np.ones(cond.size, dtype=np.intp)
    for c in range(cond.size - 1, -1, -1):
        if len(cond.successors[c]):
            height[c] = 1 + height[cond.successors[c]].max()
    return height


def longest_path_from_source(cond: Condensation) -> np.ndarray:
    """For each component, 1 + the number of edges on its longest path from a source."""
    depth = np.ones(cond.size, dtype=np.intp)
    for c in range(cond.size):
        if len(cond.successors[c]):
            s = cond.successors[c]
            depth[s] = np.maximum(depth[s], depth[c] + 1)
    return depth


def _topological_order(k: int, edges: np.ndarray) -> np.ndarray:
    """Kahn's algorithm on the component DAG, smallest component id first among the ready ones
    so that the order is deterministic."""
    indegree = np.zeros(k, dtype=np.intp)
    out: list[list[int]] = [[] for _ in range(k)]
    for a, b in edges.tolist():
        out[a].append(b)
        indegree[b] += 1
    ready = [c for c in range(k) if indegree[c] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        c = heapq.heappop(ready)
        order.append(c)
        for s in out[c]:
            indegree[s] -= 1
            if indegree[s] == 0:
                heapq.heappush(ready, s)
    return np.asarray(order, dtype=np.intp)
