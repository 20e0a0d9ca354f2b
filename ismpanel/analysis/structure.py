"""The structural model: ISM and MICMAC run together on one IRM, as every command reports them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ismpanel.analysis import ism, micmac


@dataclass(frozen=True)
class Options:
    """Every rule and threshold the structural analysis takes; printed in the methods notes."""

    tiers: str | None = None
    level_rule: str = "top-down"
    threshold: str = "half"
    equal_is_strong: bool = False
    indirect_matrix: str = "I+A"
    horizon: int | None = None


@dataclass(frozen=True)
class StructuralModel:
    """ISM result, MICMAC clusters under a threshold, indirect rankings and the tier check."""

    ism: ism.IsmResult
    threshold: micmac.Threshold
    quadrants: list[str]
    indirect: micmac.Indirect
    check: micmac.TierCheck
    options: Options

    @property
    def factors(self) -> tuple[str, ...]:
        return self.ism.factors


def analyse_structure(
    factors: tuple[str, ...], irm: np.ndarray, options: Options | None = None
) -> StructuralModel:
    """Run ISM, MICMAC (direct and indirect) and the ISM-vs-MICMAC check on an IRM."""
    options = options or Options()
    result = ism.analyse(factors, irm, tiers=options.tiers, level_rule=options.level_rule)
    drive, dep = result.driving_power, result.dependence
    thr = micmac.threshold(options.threshold, drive, dep, equal_is_strong=options.equal_is_strong)
    clusters = micmac.quadrants(drive, dep, thr)
    ind = micmac.indirect(result.irm, matrix=options.indirect_matrix, horizon=options.horizon)
    return StructuralModel(
        result, thr, clusters, ind, micmac.check_tiers(result.tiers, clusters), options
    )
