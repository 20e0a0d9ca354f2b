"""The structural model: ISM and MICMAC run together on one IRM, as every command reports them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ismpanel.analysis import indirect, ism, micmac
from ismpanel.errors import InputError


@dataclass(frozen=True)
class Options:
    """Every rule and threshold the structural analysis takes; printed in the methods notes.

    ``tiers_from`` names the file a tier spec was stored in (e.g. ``study.toml [ism]``): such a
    spec may be older than the panel's answers, so when it does not fit the levels the analysis
    falls back to the default rule with a warning instead of failing.
    """

    tiers: str | None = None
    tiers_from: str | None = None
    level_rule: str = "top-down"
    threshold: str = "half"
    equal_is_strong: bool = False
    indirect_matrix: str = "I+A"
    horizon: int | None = None

    def overridden(self, **values: object) -> Options:
        """These options with every value that is not None replaced (command-line overrides);
        a tier spec given here is no longer a stored one, so it must fit."""
        given = {k: v for k, v in values.items() if v is not None}
        if "tiers" in given:
            given["tiers_from"] = None
        return replace(self, **given)


def options_from_table(table: object, where: str) -> Options:
    """Options from a study's ``[ism]`` table, each value type-checked; errors name the key."""
    if not isinstance(table, dict):
        raise InputError(f"{where}: must be a table")
    checks = {
        "tiers": (str,),
        "level_rule": (str,),
        "threshold": (str, int, float),
        "equal_is_strong": (bool,),
        "indirect_matrix": (str,),
        "horizon": (int,),
    }
    unknown = sorted(set(table) - set(checks))
    if unknown:
        raise InputError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(checks))}"
        )
    values = {}
    for key, value in table.items():
        numeric = isinstance(value, bool) and key != "equal_is_strong"
        if numeric or not isinstance(value, checks[key]):
            raise InputError(f"{where} {key}: {value!r} is not a valid {key.replace('_', ' ')}")
        values[key] = str(value) if key == "threshold" else value
    if "horizon" in values:
        try:
            indirect.check_horizon(values["horizon"])
        except InputError as err:
            raise InputError(f"{where} horizon: {err}") from None
    if values.get("level_rule", "top-down") not in ism.LEVEL_RULES:
        raise InputError(f"{where} level_rule: expected {' or '.join(ism.LEVEL_RULES)}")
    if values.get("indirect_matrix", "I+A") not in indirect.MATRICES:
        raise InputError(f"{where} indirect_matrix: expected I+A or A")
    if "tiers" in values:
        try:
            ism.spec_levels(values["tiers"])
        except InputError as err:
            raise InputError(f"{where} tiers: {err}") from None
        values["tiers_from"] = where
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
    warnings: tuple[str, ...] = ()

    @property
    def factors(self) -> tuple[str, ...]:
        return self.ism.factors


def analyse_structure(
    factors: tuple[str, ...], irm: np.ndarray, options: Options | None = None
) -> StructuralModel:
    """Run ISM, MICMAC (direct and indirect) and the ISM-vs-MICMAC check on an IRM.

    A stored tier spec (``options.tiers_from``) that does not fit the levels gives way to the
    default rule: the model's options then say so and its warnings tell why; nothing is printed.
    """
    options = options or Options()
    warnings: tuple[str, ...] = ()
    try:
        result = ism.analyse(factors, irm, tiers=options.tiers, level_rule=options.level_rule)
    except InputError as err:
        if err.option != "tiers" or options.tiers_from is None:
            raise
        result = ism.analyse(factors, irm, level_rule=options.level_rule)
        n = result.n_levels
        warnings = (
            f"{options.tiers_from} tiers {options.tiers!r} does not fit the {n} "
            f"level{'s' if n != 1 else ''} of this structure; using the default rule instead",
        )
        options = replace(options, tiers=None, tiers_from=None)
    drive, dep = result.driving_power, result.dependence
    thr = micmac.threshold(options.threshold, drive, dep, equal_is_strong=options.equal_is_strong)
    clusters = micmac.quadrants(drive, dep, thr)
    ind = indirect.indirect(result.irm, matrix=options.indirect_matrix, horizon=options.horizon)
    return StructuralModel(
        result, thr, clusters, ind, micmac.check_tiers(result.tiers, clusters), options, warnings
    )
