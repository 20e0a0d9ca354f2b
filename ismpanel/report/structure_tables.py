"""The ISM and MICMAC tables as data: matrices with their sums, the level-partition iterations,
levels and tiers, MICMAC and the tier-cluster check. The terminal (``ism``, ``micmac``), the
markdown report and the brief all render these."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ismpanel.analysis.indirect import Ranking
from ismpanel.analysis.ism import level_iterations
from ismpanel.analysis.micmac import QUADRANTS
from ismpanel.analysis.structure import StructuralModel
from ismpanel.report.markdown import sentence
from ismpanel.report.table import STRONG, Table


def matrix(
    title: str,
    factors: list[str],
    cells: list[list[str]],
    *,
    powers: tuple[np.ndarray, np.ndarray] | None = None,
    extra: tuple[str, list[str]] | None = None,
    notes: tuple[str, ...] = (),
) -> Table:
    """A square matrix with factor headers, an optional extra column, and the driving power
    and dependence of each factor when ``powers`` gives them; ``1*`` cells are marked."""
    header = ["", *factors]
    rows = [[factors[i], *cells[i]] for i in range(len(factors))]
    if extra is not None:
        header.append(extra[0])
        for row, value in zip(rows, extra[1], strict=True):
            row.append(value)
    section = None
    if powers is not None:
        driving, dependence = powers
        header.append("Driving power")
        for row, value in zip(rows, driving, strict=True):
            row.append(str(int(value)))
        section = len(rows)
        tail = [""] if extra is not None else []
        rows.append(["Dependence", *(str(int(v)) for v in dependence), *tail, ""])
    marks = {
        (k, j): STRONG for k, row in enumerate(rows) for j, cell in enumerate(row) if cell == "1*"
    }
    align = ("l", *("c" for _ in factors), *("r" for _ in header[len(factors) + 1 :]))
    return Table(
        tuple(header),
        tuple(map(tuple, rows)),
        title,
        notes,
        align,
        marks,
        section,
    )


def ssim_cells(ssim: np.ndarray) -> list[list[str]]:
    """An SSIM's letters as printed: upper triangle, ``X`` on the diagonal, blank below."""
    n = len(ssim)
    return [[ssim[i, j] or ("X" if i == j else "") for j in range(n)] for i in range(n)]


def ssim_table(model: StructuralModel, ssim: np.ndarray) -> Table:
    return matrix(
        "Structural self-interaction matrix (SSIM)", list(model.factors), ssim_cells(ssim)
    )


def irm_table(model: StructuralModel) -> Table:
    res = model.ism
    cells = res.irm.astype(int).astype(str).tolist()
    powers = (res.direct_driving_power, res.direct_dependence)
    return matrix("Initial reachability matrix", list(model.factors), cells, powers=powers)


def frm_table(model: StructuralModel) -> Table:
    res = model.ism
    return matrix(
        "Final reachability matrix",
        list(model.factors),
        res.marked_frm.tolist(),
        powers=(res.driving_power, res.dependence),
        notes=("1* marks an entry added by transitivity.",),
    )


def canonical_table(model: StructuralModel) -> Table:
    res, f = model.ism, model.factors
    order = res.canonical_order
    return matrix(
        "Canonical matrix",
        [f[i] for i in order],
        res.marked_frm[np.ix_(order, order)].tolist(),
        extra=("Level", [str(res.levels[i]) for i in order]),
        notes=("Factors ordered by level, level 1 first.",),
    )


def iteration_tables(model: StructuralModel) -> list[Table]:
    """One table per level-partition iteration, as papers print them."""
    res, f = model.ism, model.factors
    out = []
    for it, (lvl, rows) in enumerate(level_iterations(res), start=1):
        cells = [
            (
                f[r.factor],
                ", ".join(f[i] for i in r.reachability),
                ", ".join(f[i] for i in r.antecedent),
                ", ".join(f[i] for i in r.intersection),
                str(lvl) if r.levelled else "",
            )
            for r in rows
        ]
        marks = {(k, -1): STRONG for k, r in enumerate(rows) if r.levelled}
        out.append(
            Table(
                ("Factor", "Reachability set", "Antecedent set", "Intersection", "Level"),
                tuple(cells),
                f"Level partition, iteration {it}",
                marks=marks,
            )
        )
    return out


def levels_table(model: StructuralModel, names: Mapping[str, str] | None = None) -> Table:
    """Each level with its tier and its factors (canonical order, with names when given)."""
    res, f, names = model.ism, model.factors, names or {}
    rows = []
    for lvl in range(1, res.n_levels + 1):
        members = [i for i in res.canonical_order if res.levels[i] == lvl]
        label = "; ".join(f"{f[i]} {names.get(f[i], '')}".strip() for i in members)
        rows.append((str(lvl), res.tier_of(lvl), label))
    return Table(
        ("Level", "Tier", "Factors"), tuple(rows), "Levels and tiers", align=("r", "l", "l")
    )


def micmac_table(model: StructuralModel, names: Mapping[str, str] | None = None) -> Table:
    """Driving power, dependence, cluster, level and tier per factor, strongest driver first,
    with the direct and indirect ranks (ranges for ties; * on the axis a factor is hidden)."""
    res, f, ind = model.ism, model.factors, model.indirect
    header = (
        "Factor",
        *(("Name",) if names else ()),
        "Driving power",
        "Dependence",
        "Cluster",
        "Level",
        "Tier",
        "Driving rank (direct → indirect)",
        "Dependence rank (direct → indirect)",
    )
    rows = tuple(
        (
            f[i],
            *((names.get(f[i], ""),) if names else ()),
            str(res.driving_power[i]),
            str(res.dependence[i]),
            model.quadrants[i],
            str(res.levels[i]),
            res.tiers[i],
            _ranks(ind.direct_driving, ind.driving, i),
            _ranks(ind.direct_dependence, ind.dependence, i),
        )
        for i in res.driving_order
    )
    align = tuple("r" if h in ("Driving power", "Dependence", "Level") else "l" for h in header)
    notes = (
        sentence(model.threshold.describe()),
        "Ranks: direct from the row and column sums of the initial reachability matrix, "
        "indirect from its powers (see Indirect MICMAC), where driving power and dependence "
        "come from the final matrix; tied factors share a range of ranks (4-8). * marks the "
        "axis on which a factor is hidden: its indirect ranks do not overlap its direct ones.",
    )
    return Table(header, rows, "MICMAC", notes, align)


def _ranks(direct: Ranking, indirect: Ranking, i: int) -> str:
    """``4-8 → 3`` : the factor's direct and indirect rank (a range when tied), with * when
    the two do not overlap (hidden on this axis)."""

    def span(r: Ranking) -> str:
        low, high = int(r.low[i]), int(r.high[i])
        return str(low) if low == high else f"{low}-{high}"

    mark = " *" if direct.moved(indirect)[i] else ""
    return f"{span(direct)} → {span(indirect)}{mark}"


def tier_check_table(model: StructuralModel) -> Table:
    """Cross-table of ISM tiers against MICMAC clusters, with the rule and the breaks."""
    f = model.factors
    rows = tuple(
        (tier, *(", ".join(f[i] for i in row[q]) for q in QUADRANTS))
        for tier, row in model.check.table.items()
    )
    return Table(
        ("Tier", *QUADRANTS),
        rows,
        "ISM tiers against MICMAC clusters",
        (check_rule(), breaks_sentence(model)),
    )


def check_rule() -> str:
    """The expected tier-to-cluster pattern in words."""
    return (
        "Expected pattern: surface tier ≈ dependent, deep tier ≈ independent; the middle tier "
        "carries no expectation."
    )


def breaks_sentence(model: StructuralModel) -> str:
    """The factors that break the expected pattern, in one sentence."""
    if not model.check.breaks:
        return "Every factor follows the expected pattern."
    items = [
        f"{model.factors[i]} ({tier}, {quad}; expected {exp})"
        for i, tier, quad, exp in model.check.breaks
    ]
    return "Factors that break the expected pattern: " + "; ".join(items) + "."
