"""Factor profiles and their priority: the evidence each policy recommendation rests on.

A profile joins what the ISM, MICMAC and fsQCA results say of one factor. Priority follows the
method's logic: deep-tier drivers and core conditions first. The score is

    tier        deep 3, middle 2, surface 1
    + 1         a MICMAC driver (independent or linkage cluster)
    + 2 / + 1   its presence is a core / peripheral condition of some configuration
    + 1         the condition or its absence passes the necessity threshold

(a condition whose *absence* is part of a configuration is reported, but its absence is not a
lever to act on, so it adds nothing to the score)

and factors are ranked by score, then driving power, then input order; a score of 5 or more is
high priority, 3 or 4 medium, less low. The wording of recommendations lives in templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ismpanel.analysis.structure import StructuralModel

TIER_WEIGHT = {"deep": 3, "middle": 2, "surface": 1}
DRIVER_CLUSTERS = ("independent", "linkage")
DRIVER_BONUS, CORE_BONUS, PERIPHERAL_BONUS, NECESSARY_BONUS = 1, 2, 1, 1
ROLES = ("core_present", "peripheral_present", "core_absent", "peripheral_absent")
HIGH, MEDIUM = 5, 3


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


@dataclass(frozen=True)
class QcaEvidence:
    """What the fsQCA results say per condition (conditions are named by factor id)."""

    conditions: tuple[str, ...]
    roles: Mapping[str, tuple[QcaRole, ...]]
    necessity: Mapping[str, tuple[NecessityFact, ...]]


@dataclass(frozen=True)
class FactorProfile:
    """Everything the recommendation for one factor may cite."""

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
    in_cycle_with: tuple[str, ...]
    is_condition: bool
    roles: tuple[QcaRole, ...]
    necessity: tuple[NecessityFact, ...]
    score: int
    rank: int

    @property
    def priority(self) -> str:
        return "high" if self.score >= HIGH else "medium" if self.score >= MEDIUM else "low"

    @property
    def driver(self) -> bool:
        return self.cluster in DRIVER_CLUSTERS

    def configurations(self, role: str) -> tuple[str, ...]:
        """The configurations in which the factor plays a given role."""
        return tuple(r.configuration for r in self.roles if r.role == role)

    @property
    def necessary(self) -> tuple[NecessityFact, ...]:
        return tuple(n for n in self.necessity if n.necessary)


def profiles(
    model: StructuralModel,
    names: Mapping[str, str],
    dimensions: Mapping[str, str],
    qca: QcaEvidence | None = None,
) -> list[FactorProfile]:
    """One profile per factor, in input order, with its score and priority rank (1 = first)."""
    res, f = model.ism, model.factors
    node_of = {i: k for k, node in enumerate(res.digraph_nodes) for i in node}
    succ: dict[int, list[int]] = {}
    pred: dict[int, list[int]] = {}
    for a, b in res.digraph_edges:
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, []).append(a)

    def members(nodes: list[int]) -> tuple[str, ...]:
        return tuple(f[i] for k in nodes for i in res.digraph_nodes[k])

    tiers = res.tiers
    drafts = []
    for i, fid in enumerate(f):
        node = node_of[i]
        roles = tuple(qca.roles.get(fid, ())) if qca else ()
        necessity = tuple(qca.necessity.get(fid, ())) if qca else ()
        tier = tiers[i]
        score = TIER_WEIGHT[tier] + DRIVER_BONUS * (model.quadrants[i] in DRIVER_CLUSTERS)
        present = [r for r in roles if r.present]
        if any(r.core for r in present):
            score += CORE_BONUS
        elif present:
            score += PERIPHERAL_BONUS
        score += NECESSARY_BONUS * any(n.necessary for n in necessity)
        drafts.append(
            dict(
                id=fid,
                name=names.get(fid, fid),
                dimension=dimensions.get(fid, ""),
                level=int(res.levels[i]),
                n_levels=res.n_levels,
                tier=tier,
                cluster=model.quadrants[i],
                driving=int(res.driving_power[i]),
                dependence=int(res.dependence[i]),
                drives=members(succ.get(node, [])),
                driven_by=members(pred.get(node, [])),
                in_cycle_with=tuple(f[j] for j in res.digraph_nodes[node] if j != i),
                is_condition=qca is not None and fid in qca.conditions,
                roles=roles,
                necessity=necessity,
                score=int(score),
            )
        )
    order = sorted(
        range(len(drafts)), key=lambda k: (-drafts[k]["score"], -drafts[k]["driving"], k)
    )
    rank = {k: r for r, k in enumerate(order, start=1)}
    return [FactorProfile(**d, rank=rank[k]) for k, d in enumerate(drafts)]


def by_dimension(
    found: list[FactorProfile], dimension_ids: list[str]
) -> dict[str, list[FactorProfile]]:
    """Profiles grouped by dimension (in the study's dimension order), each by priority rank."""
    return {
        d: sorted((p for p in found if p.dimension == d), key=lambda p: p.rank)
        for d in dimension_ids
    }


def describe_rule() -> str:
    """The priority rule in words, built from the weights this module uses."""
    tiers = ", ".join(f"{t} {w}" for t, w in TIER_WEIGHT.items())
    return (
        f"score = tier ({tiers}) + {DRIVER_BONUS} for a MICMAC driver (independent or linkage) "
        f"+ {CORE_BONUS} when the factor's presence is a core condition of some configuration "
        f"({PERIPHERAL_BONUS} when only peripheral) + {NECESSARY_BONUS} for a necessary "
        f"condition; high priority from {HIGH}, medium from {MEDIUM}; ties by driving power"
    )


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
