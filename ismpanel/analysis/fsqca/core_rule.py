"""Core and peripheral conditions under model ambiguity: which rule decides, when several
parsimonious models produced an intermediate model, that a condition is core. ``all`` (the
default, :data:`solution.CORE_RULE`) keeps as core what is core under every one of them;
``any`` counts as core what is core under at least one. Fiss (2011) treats a single
parsimonious model, for which both rules agree."""

from __future__ import annotations

from dataclasses import replace

from ismpanel.analysis.errors import InputError
from ismpanel.analysis.fsqca import solution as sol

RULES = {
    "all": sol.CORE_RULE,
    "any": (
        "core = the conditions of a parsimonious term contained in the intermediate term, "
        "peripheral = its other conditions (Fiss 2011); when several parsimonious models "
        "produced the intermediate model, a condition counts as core if it is core under at "
        "least one of them (--core-rule any: a condition can be core although an equally "
        "short parsimonious model does without it)"
    ),
}


def check(rule: str) -> str:
    """The rule, refused unless it is one of :data:`RULES`."""
    if rule not in RULES:
        raise InputError(f"{rule!r}: expected one of {', '.join(RULES)}", option="core-rule")
    return rule


def configurations(
    inter: sol.Intermediate, names: tuple[str, ...], rule: str
) -> list[sol.Configuration]:
    """The configuration table's columns with core conditions by ``rule``."""
    configs = sol.configurations(inter, names)
    if check(rule) == "all":
        return configs
    k = len(names)
    terms = [(m, t) for m in inter.models for t in m.terms]
    out = []
    for c, (m, t) in zip(configs, terms, strict=True):
        core = 0
        for pm in m.parsimonious:
            core |= sol.core_literals(t.term, [pm])
        status: dict[str, str | None] = {}
        for j, name in enumerate(names):
            old = c.conditions[name]
            if old is None:
                status[name] = None
                continue
            level = "core" if core >> (k - 1 - j) & 1 else "peripheral"
            status[name] = f"{level}_{old.split('_')[1]}"
        out.append(replace(c, conditions=status))
    return out
