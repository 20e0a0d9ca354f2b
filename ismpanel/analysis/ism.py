"""Interpretive Structural Modelling: final reachability, level partition, canonical matrix,
digraph and tiers (definitions in docs/architecture.md).

Levels are computed on the condensation: a factor is levelled in the iteration where
R(i) ∩ A(i) = R(i) on the remaining set, which is exactly when everything it still reaches lies
in its own cycle, so its level is the length of the longest path from its component to a sink
(top-down rule). :func:`level_iterations` rebuilds the per-iteration table papers print.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ismpanel.analysis import graph
from ismpanel.errors import InputError

TIERS = ("surface", "middle", "deep")
LEVEL_RULES = ("top-down", "bottom-up")
LEVEL_TESTS = {"top-down": "R(i) ∩ A(i) = R(i)", "bottom-up": "A(i) ∩ R(i) = A(i)"}


@dataclass(frozen=True)
class IsmResult:
    """Everything the ISM method derives from an IRM; arrays are indexed in input order."""

    factors: tuple[str, ...]
    irm: np.ndarray
    frm: np.ndarray
    component: np.ndarray
    levels: np.ndarray
    level_rule: str
    tier_ranges: dict[str, tuple[int, int] | None]
    digraph_nodes: list[tuple[int, ...]]
    digraph_edges: list[tuple[int, int]]
    canonical_order: np.ndarray = field(repr=False)

    @property
    def n_levels(self) -> int:
        return int(self.levels.max()) if len(self.levels) else 0

    @property
    def transitive(self) -> np.ndarray:
        """Entries that are 1 in the FRM and 0 in the IRM (printed ``1*``)."""
        return self.frm & ~self.irm

    @property
    def marked_frm(self) -> np.ndarray:
        """The FRM as printed: ``"1*"`` for transitive entries, ``"1"`` and ``"0"`` otherwise."""
        return np.where(self.transitive, "1*", self.frm.astype(int).astype(str))

    @property
    def driving_power(self) -> np.ndarray:
        return self.frm.sum(axis=1)

    @property
    def dependence(self) -> np.ndarray:
        return self.frm.sum(axis=0)

    @property
    def direct_driving_power(self) -> np.ndarray:
        """Row sums of the IRM: what a factor reaches directly (itself included)."""
        return self.irm.sum(axis=1)

    @property
    def direct_dependence(self) -> np.ndarray:
        """Column sums of the IRM: what reaches a factor directly (itself included)."""
        return self.irm.sum(axis=0)

    @property
    def driving_order(self) -> list[int]:
        """Factor indices, strongest driver first, ties in input order (the MICMAC tables'
        order)."""
        power = self.driving_power
        return sorted(range(len(power)), key=lambda i: (-int(power[i]), i))

    def tier_of(self, level: int) -> str:
        """The tier a level belongs to under :attr:`tier_ranges`."""
        for tier, rng in self.tier_ranges.items():
            if rng and rng[0] <= level <= rng[1]:
                return tier
        raise ValueError(f"level {level} has no tier")

    @property
    def tiers(self) -> list[str]:
        """Tier name of each factor under :attr:`tier_ranges`."""
        by_level = {lvl: self.tier_of(lvl) for lvl in range(1, self.n_levels + 1)}
        return [by_level[int(lvl)] for lvl in self.levels]

    @property
    def canonical_matrix(self) -> np.ndarray:
        """The FRM with rows and columns ordered by level (level 1 first), then input order."""
        order = self.canonical_order
        return self.frm[np.ix_(order, order)]

    @property
    def cycles(self) -> list[tuple[int, ...]]:
        """Digraph nodes with more than one member: the cycles (strongly connected components)."""
        return [node for node in self.digraph_nodes if len(node) > 1]


def analyse(
    factors: tuple[str, ...],
    irm: np.ndarray,
    *,
    tiers: str | None = None,
    level_rule: str = "top-down",
) -> IsmResult:
    """Run the ISM method on an IRM (boolean, i reaches j at [i, j]); the diagonal is set to 1."""
    n = len(factors)
    irm = np.asarray(irm, dtype=bool)
    if irm.shape != (n, n):
        raise InputError(f"IRM shape {irm.shape} does not match {n} factors")
    if n == 0:
        raise InputError("no factors")
    if level_rule not in LEVEL_RULES:
        raise InputError(f"{level_rule!r}: expected {' or '.join(LEVEL_RULES)}", option="levels")
    irm = irm | np.eye(n, dtype=bool)
    frm, cond = graph.closure(irm)
    if level_rule == "top-down":
        comp_level = graph.longest_path_to_sink(cond)
    else:
        depth = graph.longest_path_from_source(cond)
        comp_level = int(depth.max()) + 1 - depth
    levels = comp_level[cond.labels]
    order = np.lexsort((np.arange(n), levels))
    nodes, edges = _digraph(cond, levels)
    return IsmResult(
        factors=tuple(factors),
        irm=irm,
        frm=frm,
        component=cond.labels,
        levels=levels,
        level_rule=level_rule,
        tier_ranges=parse_tiers(tiers, int(levels.max())),
        digraph_nodes=nodes,
        digraph_edges=edges,
        canonical_order=order,
    )


def default_tiers(n_levels: int) -> dict[str, tuple[int, int] | None]:
    """The default tier rule (docs/architecture.md, Method definitions): the levels split into
    three contiguous groups as evenly as possible, so that no tier swallows most of a tall
    hierarchy.

    Surface takes the top levels (from level 1), deep the last ones. With n = 3 * base + extra
    levels, every tier gets base levels; when extra is 1 the middle tier gets one more, when it
    is 2 the surface and deep tiers get one more each (8 levels: 1-3, 4-5, 6-8). One level is
    all surface; two levels leave the middle tier empty.
    """
    if n_levels <= 1:
        return {"surface": (1, 1), "middle": None, "deep": None}
    base, extra = divmod(n_levels, 3)
    sizes = (base + (extra == 2), base + (extra == 1), base + (extra == 2))
    ranges: dict[str, tuple[int, int] | None] = {}
    start = 1
    for tier, size in zip(TIERS, sizes, strict=True):
        ranges[tier] = (start, start + size - 1) if size else None
        start += size
    return ranges


def parse_tiers(spec: str | None, n_levels: int) -> dict[str, tuple[int, int] | None]:
    """Level ranges of the surface, middle and deep tiers: :func:`default_tiers` without a spec.

    A spec such as ``"1-2,3-5,6-8"`` gives three ranges in that order; the middle range may be
    empty (``"1-2,,3-4"``); together they must cover every level exactly once.
    """
    if spec is None:
        return default_tiers(n_levels)
    ranges = _spec_ranges(spec)
    _check_cover(spec, ranges, n_levels)
    return ranges


def spec_levels(spec: str) -> int:
    """The number of levels a tier spec fits, so that a stored spec can be checked before the
    levels are known; InputError when it is malformed or fits no number of levels."""
    ranges = _spec_ranges(spec)
    n_levels = max((rng[1] for rng in ranges.values() if rng), default=1)
    _check_cover(spec, ranges, n_levels)
    return n_levels


def _spec_ranges(spec: str) -> dict[str, tuple[int, int] | None]:
    """The three ranges a tier spec writes, each checked on its own (not yet against levels)."""
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != 3:
        raise InputError(
            f"{spec!r}: expected three level ranges for surface, middle and deep, "
            "such as 1-2,3-5,6-8",
            option="tiers",
        )
    ranges: dict[str, tuple[int, int] | None] = {}
    for tier, part in zip(TIERS, parts, strict=True):
        if not part:
            ranges[tier] = None
            continue
        lo, _, hi = part.partition("-")
        try:
            rng = (int(lo), int(hi or lo))
        except ValueError:
            raise InputError(
                f"{spec!r}: {tier} range {part!r} is not a level range", option="tiers"
            ) from None
        if rng[0] < 1 or rng[1] < rng[0]:
            raise InputError(
                f"{spec!r}: {tier} range {part!r} is empty or below level 1", option="tiers"
            )
        ranges[tier] = rng
    return ranges


def _check_cover(spec: str, ranges: dict[str, tuple[int, int] | None], n_levels: int) -> None:
    """Refuse ranges that do not cover levels 1..n_levels in order, each once."""
    covered = [lvl for rng in ranges.values() if rng for lvl in range(rng[0], rng[1] + 1)]
    if covered != list(range(1, n_levels + 1)):
        raise InputError(
            f"{spec!r}: the ranges must cover levels 1-{n_levels} in order, each once "
            f"(they cover {_describe(covered)})",
            option="tiers",
        )


@dataclass(frozen=True)
class LevelRow:
    """One factor's line in a level-partition iteration table."""

    factor: int
    reachability: tuple[int, ...]
    antecedent: tuple[int, ...]
    intersection: tuple[int, ...]
    levelled: bool


def frm_mismatches(declared: np.ndarray, frm: np.ndarray) -> list[tuple[int, int]]:
    """Cells where a declared final reachability matrix differs from the computed closure."""
    return [(int(i), int(j)) for i, j in np.argwhere(np.asarray(declared) != frm)]


def level_iterations(result: IsmResult) -> list[tuple[int, list[LevelRow]]]:
    """The iteration tables of the level partition as papers print them.

    Each iteration lists the factors not yet levelled with R(i) and A(i) restricted to them and
    their intersection; ``levelled`` marks the factors that take the iteration's level. The
    result is a list of (level, rows) in the order the iterations run.
    """
    frm, levels = result.frm, result.levels
    n_levels = result.n_levels
    sequence = range(1, n_levels + 1)
    if result.level_rule == "bottom-up":
        sequence = range(n_levels, 0, -1)
    remaining = np.ones(len(levels), dtype=bool)
    tables = []
    for lvl in sequence:
        rows = []
        for i in np.flatnonzero(remaining):
            reach = np.flatnonzero(frm[i] & remaining)
            ante = np.flatnonzero(frm[:, i] & remaining)
            inter = np.intersect1d(reach, ante)
            rows.append(
                LevelRow(int(i), _ids(reach), _ids(ante), _ids(inter), bool(levels[i] == lvl))
            )
        tables.append((lvl, rows))
        remaining &= levels != lvl
    return tables


def _digraph(cond: graph.Condensation, levels: np.ndarray):
    """Digraph nodes (cycle members kept together, ordered by level then first member) and the
    transitive reduction of the condensation as edges between node indices."""
    members: dict[int, list[int]] = {}
    for i, c in enumerate(cond.labels.tolist()):
        members.setdefault(c, []).append(i)
    comps = sorted(members, key=lambda c: (int(levels[members[c][0]]), members[c][0]))
    node_of = {c: k for k, c in enumerate(comps)}
    nodes = [tuple(members[c]) for c in comps]
    edges = sorted((node_of[a], node_of[b]) for a, b in graph.reduction_edges(cond))
    return nodes, edges


def _ids(indices: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in indices)


def _describe(levels: list[int]) -> str:
    return ", ".join(map(str, levels)) if levels else "no level"
