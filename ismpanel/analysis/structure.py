"""The structural model: ISM and MICMAC run together on one IRM, as every command reports them."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ismpanel.analysis import indirect, ism, micmac
from ismpanel.analysis.errors import InputError


@dataclass(frozen=True)
class Options:
    """Every rule and threshold the structural analysis takes; printed in the methods notes."""

    tiers: str | None = None
    level_rule: str = "top-down"
    threshold: str = "half"
    equal_is_strong: bool = False
    indirect_matrix: str = "I+A"
    horizon: int | None = None

    def overridden(self, **values: object) -> Options:
        """These options with every value that is not None replaced (command-line overrides)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def options_from_table(table: object, where: str) -> Options:
    """Options from a study's ``[ism]`` table, each value type-checked; errors name the key."""
    if not isinstance(table, dict):
        raise InputError(f"{where}: must be a table")
    known = {f.name for f in fields(Options)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise InputError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    checks = {
        "tiers": (str,),
        "level_rule": (str,),
        "threshold": (str, int, float),
        "equal_is_strong": (bool,),
        "indirect_matrix": (str,),
        "horizon": (int,),
    }
    values = {}
    for key, value in table.items():
        numeric = isinstance(value, bool) and key != "equal_is_strong"
        if numeric or not isinstance(value, checks[key]):
            raise InputError(f"{where} {key}: {value!r} is not a valid {key.replace('_', ' ')}")
        values[key] = str(value) if key == "threshold" else value
    if values.get("level_rule", "top-down") not in ism.LEVEL_RULES:
        raise InputError(f"{where} level_rule: expected {' or '.join(ism.LEVEL_RULES)}")
    if values.get("indirect_matrix", "I+A") not in indirect.MATRICES:
        raise InputError(f"{where} indirect_matrix: expected I+A or A")
    return Options(**values)


@dataclass(frozen=True)
class StructuralModel:
    """ISM result, MICMAC clusters under a threshold, indirect rankings and the tier check."""

    ism: ism.IsmResult
    threshold: micmac.Threshold
    quadrants: list[str]
    indirect: indirect.Indirect
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
    ind = indirect.indirect(result.irm, matrix=options.indirect_matrix, horizon=options.horizon)
    return StructuralModel(
        result, thr, clusters, ind, micmac.check_tiers(result.tiers, clusters), options
    )
