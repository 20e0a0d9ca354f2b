"""The configuration table (Fiss 2011): core and peripheral conditions of each intermediate
term. In an intermediate term the literals of the parsimonious terms contained in it are core.
Fiss treats a single parsimonious model; when several produced an intermediate model, the rule
(:data:`RULES`) decides: ``all`` (the default) keeps as core what is core under every one of
them, ``any`` what is core under at least one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ismpanel.analysis.fsqca.intermediate import Intermediate
from ismpanel.analysis.fsqca.solution import Model
from ismpanel.analysis.fsqca.terms import Term
from ismpanel.errors import InputError

RULES = {
    "all": (
        "core = the conditions of a parsimonious term contained in the intermediate term, "
        "peripheral = its other conditions (Fiss 2011); when several parsimonious models "
        "produced the intermediate model, a condition counts as core only if it is core under "
        "every one of them (ismpanel's rule for model ambiguity, which can leave a "
        "configuration without a core condition)"
    ),
    "any": (
        "core = the conditions of a parsimonious term contained in the intermediate term, "
        "peripheral = its other conditions (Fiss 2011); when several parsimonious models "
        "produced the intermediate model, a condition counts as core if it is core under at "
        "least one of them (--core-rule any: a condition can be core although an equally "
        "short parsimonious model does without it)"
    ),
}


def check_rule(rule: str) -> str:
    """The core rule, refused unless it is one of :data:`RULES`."""
    if rule not in RULES:
        raise InputError(f"{rule!r}: expected one of {', '.join(RULES)}", option="core-rule")
    return rule


@dataclass(frozen=True)
class Configuration:
    """One column of the Fiss configuration table: a term of one intermediate model
    (``model``, e.g. ``C1P1 M2``), the status of each condition (``core_present``,
    ``peripheral_present``, ``core_absent``, ``peripheral_absent`` or None) and its parameters
    in that model; ``models`` lists every intermediate model that has the term."""

    expression: str
    conditions: dict[str, str | None]
    inclS: float
    covS: float
    covU: float | None
    models: list[str]
    model: str


def core_literals(term: Term, parsimonious_models: list[Model]) -> int:
    """Bits of the term's literals that are core: inside a parsimonious term contained in it,
    for every parsimonious model given."""
    core = term.mask
    for pm in parsimonious_models:
        inside = 0
        for p in pm.terms:
            if p.term.contains(term):
                inside |= p.term.mask
        core &= inside
    return core


def model_label(model: Model) -> str:
    """An intermediate model's name, unique across its groups: first pair and name
    (``C1P1 M2``)."""
    return f"{model.isols[0]} {model.name}"


def configurations(
    inter: Intermediate, names: tuple[str, ...], rule: str = "all"
) -> list[Configuration]:
    """One configuration per term of each intermediate model, model after model (the table's
    columns C1, C2, ...), with that model's parameters and its core conditions by ``rule``."""
    check_rule(rule)
    k = len(names)
    having: dict[str, list[str]] = {}
    for m in inter.models:
        for t in m.terms:
            having.setdefault(t.expression, []).append(model_label(m))
    out = []
    for m in inter.models:
        for t in m.terms:
            if rule == "all":
                core = core_literals(t.term, m.parsimonious)
            else:
                core = 0
                for pm in m.parsimonious:
                    core |= core_literals(t.term, [pm])
            status: dict[str, str | None] = {}
            for j, name in enumerate(names):
                bit = 1 << (k - 1 - j)
                if not t.term.mask & bit:
                    status[name] = None
                    continue
                level = "core" if core & bit else "peripheral"
                status[name] = f"{level}_{'present' if t.term.bits & bit else 'absent'}"
            out.append(
                Configuration(
                    t.expression,
                    status,
                    t.inclS,
                    t.covS,
                    t.covU,
                    list(having[t.expression]),
                    model_label(m),
                )
            )
    return out
