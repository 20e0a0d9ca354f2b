"""Factor profiles: what the ISM, MICMAC and fsQCA results say of each factor, the one role each
factor plays, and the priority of acting on it. Every rule here is stated in words by a
``describe_*`` function that the brief prints, so a reader can check each claim.

Links. *Direct* links are the aggregated initial reachability matrix (the panel's verdicts);
*reach* is the final reachability matrix (through others where the entry is transitive, 1*);
the hierarchy diagram shows the transitive reduction of the condensed digraph, which omits
direct links implied by longer paths. The three are kept apart.

Role. One per factor, the first rule that holds (:data:`ROLE_RULES`): a condition whose presence
passes the necessity test is *required*; otherwise MICMAC independent and linkage factors are
*levers* and *linkage* factors; otherwise a factor whose presence is part of a sufficient
configuration is a *path* condition; otherwise dependent factors are *indicators* and
autonomous ones *local*. Only the necessity test makes a condition required: sufficiency is not
requirement, and absence in a configuration means that on that path the outcome goes with
a low level of the factor (never a demand to raise or lower it).

Priority. Each source of evidence on the factor gives a share of its points: the structure
(ISM depth and MICMAC driving power, equally weighted) for every factor, fsQCA for the
conditions; the stronger share decides (:func:`describe_priority`). So a study without
questionnaire data can still rank a deep driver high, a factor is never ranked down for having
been measured, and a deep factor with weak driving power (autonomous) is not high on depth
alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import groupby

import numpy as np

from ismpanel.analysis.structure import StructuralModel

TIER_WEIGHT = {"deep": 2, "middle": 1, "surface": 0}
DRIVER_CLUSTERS = ("independent", "linkage")
DRIVER_BONUS, CORE_BONUS, PERIPHERAL_BONUS, NECESSARY_BONUS = 2, 2, 1, 1
STRUCTURE_POINTS = max(TIER_WEIGHT.values()) + DRIVER_BONUS
QCA_POINTS = CORE_BONUS + NECESSARY_BONUS
HIGH, MEDIUM = Fraction(2, 3), Fraction(1, 3)
CONFIG_ROLES = ("core_present", "peripheral_present", "core_absent", "peripheral_absent")
SOURCE_STRUCTURE, SOURCE_QCA = "ISM/MICMAC", "fsQCA"

ROLE_RULES: tuple[tuple[str, str], ...] = (
    ("required", "its presence passes the fsQCA necessity test"),
    ("lever", "MICMAC independent (strong driving power, weak dependence)"),
    ("linkage", "MICMAC linkage (strong driving power and dependence)"),
    ("path", "its presence is a condition of at least one sufficient configuration"),
    ("indicator", "MICMAC dependent (weak driving power, strong dependence)"),
    ("local", "MICMAC autonomous (weak driving power and dependence)"),
)
ROLES = tuple(role for role, _ in ROLE_RULES)
ROLE_NAMES = {
    "required": "required condition",
    "lever": "lever",
    "linkage": "linkage factor",
    "path": "part of a path to the outcome",
    "indicator": "indicator",
    "local": "weakly connected factor",
}


@dataclass(frozen=True)
class QcaRole:
    """A condition's part in one configuration (e.g. C2, core_absent)."""

    configuration: str
    role: str

    @property
    def core(self) -> bool:
        return self.role.startswith("core")

    @property
    def present(self) -> bool:
        return self.role.endswith("present")


@dataclass(frozen=True)
class NecessityFact:
    """Necessity of a condition (``"PL1"``) or of its absence (``"~PL1"``) for the outcome."""

    condition: str
    incl: float
    ron: float
    cov: float
    necessary: bool

    @property
    def absent(self) -> bool:
        return self.condition.startswith("~")


@dataclass(frozen=True)
class QcaEvidence:
    """What the fsQCA results say per condition (conditions are named by factor id)."""

    conditions: tuple[str, ...]
    roles: Mapping[str, tuple[QcaRole, ...]]
    necessity: Mapping[str, tuple[NecessityFact, ...]]


@dataclass(frozen=True)
class FactorProfile:
    """Everything the recommendation for one factor may cite (factor ids in input order)."""

    id: str
    name: str
    dimension: str
    level: int
    n_levels: int
    tier: str
    cluster: str
    driving: int
    dependence: int
    drives: tuple[str, ...]
    driven_by: tuple[str, ...]
    reaches: tuple[str, ...]
    reached_by: tuple[str, ...]
    through_others: tuple[str, ...]
    above: tuple[str, ...]
    below: tuple[str, ...]
    in_cycle_with: tuple[str, ...]
    is_condition: bool
    roles: tuple[QcaRole, ...]
    necessity: tuple[NecessityFact, ...]
    role: str
    score: int
    max_score: int
    points: tuple[tuple[str, int, int], ...]
    rank: int

    @property
    def share(self) -> Fraction:
        """The stronger of the sources' shares of their points."""
        return max(Fraction(got, top) for _, got, top in self.points)

    @property
    def priority(self) -> str:
        return "high" if self.share >= HIGH else "medium" if self.share >= MEDIUM else "low"

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(source for source, _, _ in self.points)

    @property
    def driver(self) -> bool:
        return self.cluster in DRIVER_CLUSTERS

    def configurations(self, role: str) -> tuple[str, ...]:
        """The configurations in which the factor plays a given role."""
        return tuple(r.configuration for r in self.roles if r.role == role)

    @property
    def present_in(self) -> tuple[str, ...]:
        return tuple(r.configuration for r in self.roles if r.present)

    @property
    def absent_in(self) -> tuple[str, ...]:
        return tuple(r.configuration for r in self.roles if not r.present)

    @property
    def necessary(self) -> tuple[NecessityFact, ...]:
        return tuple(n for n in self.necessity if n.necessary)

    @property
    def required(self) -> bool:
        """True only when its presence passes the necessity test."""
        return presence_necessary(self.necessity)


def profiles(
    model: StructuralModel,
    names: Mapping[str, str],
    dimensions: Mapping[str, str],
    qca: QcaEvidence | None = None,
) -> list[FactorProfile]:
    """One profile per factor, in input order, with its role, points and priority rank."""
    res, f = model.ism, model.factors
    n = len(f)
    off = ~np.eye(n, dtype=bool)
    direct, reach, transitive = res.irm & off, res.frm & off, res.transitive
    node_of = {i: k for k, node in enumerate(res.digraph_nodes) for i in node}
    up: dict[int, list[int]] = {}
    down: dict[int, list[int]] = {}
    for a, b in res.digraph_edges:
        up.setdefault(a, []).append(b)
        down.setdefault(b, []).append(a)

    def ids(mask: np.ndarray) -> tuple[str, ...]:
        return tuple(f[j] for j in np.flatnonzero(mask))

    def boxes(nodes: list[int]) -> tuple[str, ...]:
        """Nodes of the diagram as drawn: a factor, or the factors of a cycle in one box."""
        ordered = sorted(nodes, key=lambda k: min(res.digraph_nodes[k]))
        return tuple(node_label(f, res.digraph_nodes[k]) for k in ordered)

    drafts = []
    for i, fid in enumerate(f):
        roles = tuple(qca.roles.get(fid, ())) if qca else ()
        necessity = tuple(qca.necessity.get(fid, ())) if qca else ()
        is_condition = qca is not None and fid in qca.conditions
        tier, cluster = res.tiers[i], model.quadrants[i]
        points = [
            (
                SOURCE_STRUCTURE,
                TIER_WEIGHT[tier] + DRIVER_BONUS * (cluster in DRIVER_CLUSTERS),
                STRUCTURE_POINTS,
            )
        ]
        if is_condition:
            points.append((SOURCE_QCA, _qca_points(roles, necessity), QCA_POINTS))
        node = node_of[i]
        drafts.append(
            dict(
                id=fid,
                name=names.get(fid, fid),
                dimension=dimensions.get(fid, ""),
                level=int(res.levels[i]),
                n_levels=res.n_levels,
                tier=tier,
                cluster=cluster,
                driving=int(res.driving_power[i]),
                dependence=int(res.dependence[i]),
                drives=ids(direct[i]),
                driven_by=ids(direct[:, i]),
                reaches=ids(reach[i]),
                reached_by=ids(reach[:, i]),
                through_others=ids(transitive[i]),
                above=boxes(up.get(node, [])),
                below=boxes(down.get(node, [])),
                in_cycle_with=tuple(f[j] for j in res.digraph_nodes[node] if j != i),
                is_condition=is_condition,
                roles=roles,
                necessity=necessity,
                role=role_of(cluster, roles, necessity),
                score=sum(p for _, p, _ in points),
                max_score=sum(m for _, _, m in points),
                points=tuple(points),
            )
        )

    def strength(k: int) -> tuple[Fraction, Fraction]:
        shares = sorted((Fraction(got, top) for _, got, top in drafts[k]["points"]), reverse=True)
        return shares[0], sum(shares[1:], Fraction(0))

    def key(k: int) -> tuple:
        return (*(-x for x in strength(k)), -drafts[k]["driving"])

    # factors equal on all three share a rank (1, 2, 2, 4): a strict order among them would
    # be the input order, which says nothing about priority
    rank: dict[int, int] = {}
    for _, equal in groupby(sorted(range(n), key=key), key=key):
        members = list(equal)
        rank.update(dict.fromkeys(members, len(rank) + 1))
    return [FactorProfile(**d, rank=rank[k]) for k, d in enumerate(drafts)]


def top_ranked(found: list[FactorProfile], count: int) -> list[FactorProfile]:
    """The ``count`` highest-ranked profiles by rank, and every profile tied with the last of
    them: a cut inside a shared rank would drop factors exactly as high as one it keeps."""
    ordered = sorted(found, key=lambda p: p.rank)
    if len(ordered) <= count:
        return ordered
    last = ordered[count - 1].rank
    return [p for p in ordered if p.rank <= last]


def node_label(factors: tuple[str, ...] | list[str], node: list[int] | tuple[int, ...]) -> str:
    """A node of the condensed digraph as the diagram draws it: ``GO2`` or ``[GO2 ⇄ GO3]``."""
    ids = [factors[i] for i in node]
    return ids[0] if len(ids) == 1 else "[" + " ⇄ ".join(ids) + "]"


def presence_necessary(necessity: tuple[NecessityFact, ...]) -> bool:
    """Whether the condition's presence (not its absence) passes the necessity test: the one
    test behind the role "required" and the necessity points."""
    return any(n.necessary and not n.absent for n in necessity)


def role_of(cluster: str, roles: tuple[QcaRole, ...], necessity: tuple[NecessityFact, ...]) -> str:
    """The first role of :data:`ROLE_RULES` that holds for this evidence."""
    holds = {
        "required": presence_necessary(necessity),
        "lever": cluster == "independent",
        "linkage": cluster == "linkage",
        "path": any(r.present for r in roles),
        "indicator": cluster == "dependent",
        "local": cluster == "autonomous",
    }
    return next(role for role in ROLES if holds[role])


def _qca_points(roles: tuple[QcaRole, ...], necessity: tuple[NecessityFact, ...]) -> int:
    """fsQCA points: presence as a core (or only peripheral) condition, presence necessary.
    The absence of a condition is no lever to act on, so it earns nothing."""
    present = [r for r in roles if r.present]
    points = CORE_BONUS if any(r.core for r in present) else PERIPHERAL_BONUS if present else 0
    return points + NECESSARY_BONUS * presence_necessary(necessity)


def by_dimension(
    found: list[FactorProfile], dimension_ids: list[str]
) -> dict[str, list[FactorProfile]]:
    """Profiles grouped by dimension (in the study's dimension order), each by priority rank."""
    return {
        d: sorted((p for p in found if p.dimension == d), key=lambda p: p.rank)
        for d in dimension_ids
    }


def describe_roles() -> str:
    """The role rule in words."""
    rules = "; ".join(
        f"{k}. {ROLE_NAMES[role]}: {why}" for k, (role, why) in enumerate(ROLE_RULES, 1)
    )
    return f"each factor takes the first role whose rule holds: {rules}"


def describe_priority(with_qca: bool) -> str:
    """The priority rule in words, built from the weights this module uses."""
    tiers = ", ".join(f"{t} {w}" for t, w in TIER_WEIGHT.items())
    text = (
        f"each source of evidence on the factor gives a share of its points, and the stronger "
        f"share decides; {SOURCE_STRUCTURE} (up to {STRUCTURE_POINTS}): ISM tier ({tiers}) "
        f"+ {DRIVER_BONUS} for a MICMAC driver (independent or linkage)"
    )
    if with_qca:
        text += (
            f"; {SOURCE_QCA}, for factors that are fsQCA conditions (up to {QCA_POINTS}): "
            f"{CORE_BONUS} when its presence is a core condition of some configuration "
            f"({PERIPHERAL_BONUS} when only peripheral) + {NECESSARY_BONUS} when its presence "
            "passes the necessity test (an absence earns nothing)"
        )
    return (
        f"{text}; high priority from {_share(HIGH)} of the points, medium from "
        f"{_share(MEDIUM)}; ties by the other source's share, then by driving power; factors "
        "equal on all three share a rank"
    )


def _share(value: Fraction) -> str:
    """A threshold share as the exact fraction it is ("2/3"): a rounded percentage ("67%")
    would put a factor with exactly two thirds of the points below the stated bar."""
    return f"{value.numerator}/{value.denominator}"


def qca_evidence(conditions, configurations, necessity) -> QcaEvidence:
    """Evidence from fsQCA results: each condition's status in the configurations, named C1,
    C2, ... in the order given (``.conditions``: condition -> status or None), and its
    necessity facts (``.condition`` ``"A"`` or ``"~A"``, ``inclN``, ``RoN``, ``covN``,
    ``necessary``)."""
    roles: dict[str, list[QcaRole]] = {c: [] for c in conditions}
    for k, config in enumerate(configurations, start=1):
        for condition, status in config.conditions.items():
            if status is not None:
                roles[condition].append(QcaRole(f"C{k}", status))
    facts: dict[str, list[NecessityFact]] = {c: [] for c in conditions}
    for n in necessity:
        facts[n.condition.lstrip("~")].append(
            NecessityFact(n.condition, n.inclN, n.RoN, n.covN, n.necessary)
        )
    return QcaEvidence(
        tuple(conditions),
        {c: tuple(r) for c, r in roles.items()},
        {c: tuple(f) for c, f in facts.items()},
    )
