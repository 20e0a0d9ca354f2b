"""``ismpanel qca`` as data: the JSON document (stable keys, the issue's contract) and the
Fiss configuration table in markdown."""

from __future__ import annotations

import math

from ismpanel.analysis.fsqca.calibrate import CONVENTION_NAMES
from ismpanel.analysis.fsqca.pipeline import Result
from ismpanel.analysis.fsqca.robustness import Robustness
from ismpanel.analysis.fsqca.solution import CORE_RULE, Model, Solution
from ismpanel.analysis.fsqca.terms import row_config


def num(value: float | None) -> float | None:
    """A float for JSON: NaN and None become null."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _rows(codes: list[int], k: int) -> list[list[int]]:
    return [row_config(c, k) for c in codes]


def model_json(m: Model, kind: str, k: int) -> dict:
    """One model as the issue specifies, plus row numbers of its counterfactuals."""
    doc: dict = {
        "model": m.name,
        "expression": m.expression,
        "terms": [
            {
                "expression": t.expression,
                "inclS": num(t.inclS),
                "PRI": num(t.PRI),
                "covS": num(t.covS),
                "covU": num(t.covU),
                "cases": t.cases,
                "essential": e,
            }
            for t, e in zip(m.terms, m.essential, strict=True)
        ],
        "inclS": num(m.inclS),
        "PRI": num(m.PRI),
        "covS": num(m.covS),
    }
    if kind == "parsimonious":
        doc["simplifying_assumptions"] = _rows(m.simplifying_assumptions, k)
        doc["simplifying_assumption_rows"] = [r + 1 for r in m.simplifying_assumptions]
    if kind == "intermediate":
        doc["isol"] = m.isols[0]
        doc["isols"] = list(m.isols)
        doc["easy_counterfactuals"] = _rows(m.easy_counterfactuals, k)
        doc["easy_counterfactual_rows"] = [r + 1 for r in m.easy_counterfactuals]
        doc["difficult_counterfactuals"] = _rows(m.difficult_counterfactuals, k)
        doc["difficult_counterfactual_rows"] = [r + 1 for r in m.difficult_counterfactuals]
        doc["counterfactuals_by_isol"] = {
            isol: {"easy_rows": [r + 1 for r in ec], "difficult_rows": [r + 1 for r in dc]}
            for isol, (ec, dc) in m.counterfactuals.items()
        }
    return doc


def solution_info(s: Solution, names: tuple[str, ...]) -> dict:
    """How a solution was found: prime implicants, models found, completeness, timings."""
    from ismpanel.analysis.fsqca.terms import expression

    return {
        "prime_implicants": [expression(t, names) for t in s.prime_implicants],
        "models_found": s.found,
        "models_reported": len(s.models),
        "complete": s.complete,
        "capped": s.capped,
        "proven_minimal": s.proven,
        "lower_bound": s.lower_bound,
        "cover_method": s.method,
        "seconds": {k: round(v, 6) for k, v in s.timings.items()},
    }


def result_json(res: Result, robust: Robustness | None = None) -> dict:
    """The whole analysis as a JSON-ready dict."""
    k = len(res.conditions)
    tt = res.truth_table
    rows = []
    for code, row in tt.listing():
        config = dict(zip(res.conditions, row_config(code, k), strict=True))
        if row is None:
            rows.append(
                {
                    "row": code + 1,
                    "config": config,
                    "n": 0,
                    "incl": None,
                    "PRI": None,
                    "OUT": "?",
                    "cases": [],
                }
            )
        else:
            rows.append(
                {
                    "row": code + 1,
                    "config": config,
                    "n": row.n,
                    "incl": num(row.incl),
                    "PRI": num(row.pri),
                    "OUT": row.out,
                    "cases": list(row.cases),
                }
            )
    solutions: dict[str, list] = {}
    info: dict[str, object] = {}
    for kind, s in res.solutions.items():
        solutions[kind] = [model_json(m, kind, k) for m in s.models]
        info[kind] = solution_info(s, res.conditions)
    if res.intermediate is not None:
        solutions["intermediate"] = [
            model_json(m, "intermediate", k) for m in res.intermediate.models
        ]
        info["intermediate"] = [
            {"isols": g.models[0].isols if g.models else [], **solution_info(g, res.conditions)}
            for g in res.intermediate.groups
        ]
    doc = {
        "outcome": res.outcome_label,
        "conditions": list(res.conditions),
        "cases": len(res.case_ids),
        "calibration": {
            "convention": res.convention,
            "convention_name": CONVENTION_NAMES[res.convention],
            "columns": {
                name: {"method": c.method, "anchors": list(c.anchors)}
                for name, c in res.calibration.items()
            },
        },
        "options": {
            "incl_cut": list(tt.incl_cut) if len(res.options.incl_cut) > 1 else [tt.incl_cut[0]],
            "n_cut": tt.n_cut,
            "pri_cut": tt.pri_cut,
            "solution": res.options.solution,
            "dir_exp": res.options.dir_exp,
            "row_dom": res.options.row_dom,
            "include_contradictions": res.options.include_contradictions,
            "half": res.options.half,
        },
        "truth_table": rows,
        "necessity": [
            {
                "condition": n.condition,
                "inclN": num(n.inclN),
                "RoN": num(n.RoN),
                "covN": num(n.covN),
                "necessary": n.necessary,
            }
            for n in res.necessity
        ],
        "necessity_threshold": res.options.necessity_cut,
        "solutions": solutions,
        "solution_info": info,
        "configurations": [
            {
                "expression": c.expression,
                "conditions": c.conditions,
                "inclS": num(c.inclS),
                "covS": num(c.covS),
                "covU": num(c.covU),
                "models": c.models,
                "model": c.model,
            }
            for c in res.configurations
        ],
        "core_rule": CORE_RULE,
        "notes": list(res.notes),
        "seconds": {k2: round(v, 6) for k2, v in res.timings.items()},
    }
    if robust is not None:
        doc["robustness"] = robustness_json(robust)
    return doc


def robustness_json(robust: Robustness) -> dict:
    """Variants and the survival of each configuration."""
    return {
        "solution": robust.solution,
        "variants": [
            {
                "label": v.label,
                "incl_cut": list(v.incl_cut),
                "n_cut": v.n_cut,
                "convention": v.convention,
                "models": v.models,
                "error": v.error,
            }
            for v in robust.variants
        ],
        "terms": [{"expression": t, "survives": robust.survives(t)} for t in robust.base_terms],
    }


def configuration_markdown(res: Result, title: bool = True) -> str:
    """The configuration table in markdown (``title`` as a heading, for a stand-alone file)."""
    from ismpanel.report import markdown as md
    from ismpanel.report.qca_tables import configuration_table

    table = configuration_table(res)
    if table is None:
        return "No intermediate solution, so no configuration table (give --dir-exp).\n"
    return md.table(table, title_level=1 if title else 0) + "\n"
