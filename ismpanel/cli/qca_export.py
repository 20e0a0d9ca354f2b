"""``ismpanel qca`` as data: the JSON document (stable keys: a contract) and the
Fiss configuration table in markdown.

The document is sized for a person by default: every list of prime implicants or of
truth-table rows (simplifying assumptions, counterfactuals) holds its first
:data:`LIST_LIMIT` entries, each solution the models that fit in :data:`MODEL_TERM_LIMIT`
terms together and the configuration table the columns of the first models that fit in
:data:`CONFIGURATION_LIMIT`; ``*_count`` and ``models_written`` keys give the numbers, and
``--all-implicants`` (``full=True``) writes them all, remainders as row numbers. A noisy
k = 20 problem has over 100,000 prime implicants and models that rest on hundreds of
thousands of remainders; written whole, the document ran to gigabytes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ismpanel.analysis.fsqca.calibrate import CONVENTION_NAMES
from ismpanel.analysis.fsqca.configuration import RULES, Configuration
from ismpanel.analysis.fsqca.pipeline import Result
from ismpanel.analysis.fsqca.robustness import Robustness
from ismpanel.analysis.fsqca.rows import Rows
from ismpanel.analysis.fsqca.solution import Model, Solution
from ismpanel.analysis.fsqca.terms import row_config

LIST_LIMIT = 100
CONFIGURATION_LIMIT = 1000
MODEL_TERM_LIMIT = 2000


def num(value: float | None) -> float | None:
    """A float for JSON: NaN and None become null."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _rows(codes: Sequence[int], k: int) -> list[list[int]]:
    return [row_config(c, k) for c in codes]


def _cut(items: Sequence, full: bool) -> Sequence:
    """The first :data:`LIST_LIMIT` items, or all of them when ``full``."""
    return items if full else items[:LIST_LIMIT]


def _row_lists(key: str, rows_key: str, codes: Rows, k: int, full: bool) -> dict:
    """A list of truth-table rows as configurations (``key``, the first :data:`LIST_LIMIT`)
    and as R's row numbers (``rows_key``, all of them when ``full``), with its full length
    under ``<key>_count``. Written whole, a k = 20 model's remainders as configurations would
    take gigabytes; their row numbers say the same in a seventh of the space."""
    return {
        key: _rows(codes[:LIST_LIMIT], k),
        rows_key: _numbers(codes, full),
        f"{key}_count": len(codes),
    }


def _numbers(codes: Rows, full: bool) -> np.ndarray:
    """R's row numbers of the rows (code + 1), the first :data:`LIST_LIMIT` unless ``full``."""
    return (codes.codes if full else codes.codes[:LIST_LIMIT]) + 1


def model_json(m: Model, kind: str, k: int, full: bool = False) -> dict:
    """One model: its expression, terms and fit, plus row numbers of its counterfactuals; the row
    lists are cut to :data:`LIST_LIMIT` unless ``full``."""
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
        sa = m.simplifying_assumptions
        doc |= _row_lists("simplifying_assumptions", "simplifying_assumption_rows", sa, k, full)
    if kind == "intermediate":
        doc["isol"] = m.isols[0]
        doc["isols"] = list(m.isols)
        ec, dc = m.easy_counterfactuals, m.difficult_counterfactuals
        doc |= _row_lists("easy_counterfactuals", "easy_counterfactual_rows", ec, k, full)
        doc |= _row_lists("difficult_counterfactuals", "difficult_counterfactual_rows", dc, k, full)
        doc["counterfactuals_by_isol"] = {
            isol: {
                "easy_rows": _numbers(ec, full),
                "easy_count": len(ec),
                "difficult_rows": _numbers(dc, full),
                "difficult_count": len(dc),
            }
            for isol, (ec, dc) in m.counterfactuals.items()
        }
    return doc


def solution_info(s: Solution, names: tuple[str, ...], full: bool = False) -> dict:
    """How a solution was found: prime implicants (the first :data:`LIST_LIMIT` unless
    ``full``, and how many), models found, completeness, timings."""
    from ismpanel.analysis.fsqca.terms import expression

    return {
        "prime_implicants": [expression(t, names) for t in _cut(s.prime_implicants, full)],
        "prime_implicants_count": len(s.prime_implicants),
        "models_found": s.found,
        "models_reported": len(s.models),
        "complete": s.complete,
        "capped": s.capped,
        "proven_minimal": s.proven,
        "lower_bound": s.lower_bound,
        "cover_method": s.method,
        "seconds": {k: round(v, 6) for k, v in s.timings.items()},
    }


def result_json(res: Result, robust: Robustness | None = None, full: bool = False) -> dict:
    """The whole analysis as a JSON-ready dict; ``full`` writes every prime implicant and every
    row of the remainder lists (``--all-implicants``)."""
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
        written = s.models if full else _first_models(s.models)
        solutions[kind] = [model_json(m, kind, k, full) for m in written]
        info[kind] = solution_info(s, res.conditions, full) | {"models_written": len(written)}
    if res.intermediate is not None:
        written = res.intermediate.models
        written = written if full else _first_models(written)
        solutions["intermediate"] = [model_json(m, "intermediate", k, full) for m in written]
        info["intermediate"] = [
            {
                "isols": g.models[0].isols if g.models else [],
                **solution_info(g, res.conditions, full),
            }
            for g in res.intermediate.groups
        ]
    configurations = res.configurations if full else _whole_models(res.configurations)
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
            "core_rule": res.options.core_rule,
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
            for c in configurations
        ],
        "configurations_count": len(res.configurations),
        "core_rule": RULES[res.options.core_rule],
        "notes": list(res.notes),
        "missing": dict(res.missing),
        "time_limit": {"seconds": res.options.time_limit, "cut": res.cut},
        "all_implicants": full,
        "seconds": {k2: round(v, 6) for k2, v in res.timings.items()},
    }
    if robust is not None:
        doc["robustness"] = robustness_json(robust)
    return doc


def _first_models(models: list[Model]) -> list[Model]:
    """The first models of a solution, as many as have :data:`MODEL_TERM_LIMIT` terms
    together (at least one). A structureless k = 12 problem with 3,000 cases has 100 complex
    models of 369 terms each: 10 MB of JSON for one solution."""
    total = 0
    for n, m in enumerate(models):
        total += len(m.terms)
        if total > MODEL_TERM_LIMIT and n:
            return models[:n]
    return models


def _whole_models(configurations: list[Configuration]) -> list[Configuration]:
    """The configurations of the first intermediate models, whole models only, as many as fit
    in :data:`CONFIGURATION_LIMIT` columns (at least the first model's). A noisy k = 20 problem
    has 100 reported models of 90 terms each: 9,000 columns, 16 MB of JSON."""
    end = 0
    for i, c in enumerate(configurations):
        last = i + 1 == len(configurations) or configurations[i + 1].model != c.model
        if last and (i < CONFIGURATION_LIMIT or end == 0):
            end = i + 1
    return configurations[:end]


def _side(side) -> dict:
    """One side of a sensitivity range."""
    return {
        "held": side.held,
        "changed_at": side.changed_at,
        "stop": side.stop,
        "changed_to": side.change or None,
    }


def robustness_json(robust: Robustness) -> dict:
    """The robustness analysis: binding choices, sensitivity ranges, alternatives with their
    set coincidence, robust core and fit, case types, and each configuration's verdict."""
    fit = robust.fit
    return {
        "solution": robust.solution,
        "models": robust.base_models,
        "binding": robust.binding(),
        "ranges": [
            {
                "choice": r.choice,
                "label": r.label,
                "value": r.value,
                "step": r.step,
                "low": _side(r.low),
                "high": _side(r.high),
                "binding": r.binding,
            }
            for r in robust.ranges
        ],
        "alternatives": [
            {
                "choice": a.choice,
                "label": a.label,
                "models": a.models,
                "error": a.error,
                "changed": a.changed,
                "not_established": a.unsettled,
                "set_coincidence": num(a.coincidence),
            }
            for a in robust.alternatives
        ],
        "robust_core": robust.core,
        "robust_core_whole": robust.core_whole,
        "fit": None
        if fit is None
        else {
            "RF_cov": num(fit.rf_cov),
            "RF_cons": num(fit.rf_cons),
            "RF_SC_minTS": num(fit.rf_sc_min),
            "RF_SC_maxTS": num(fit.rf_sc_max),
        },
        "case_types": robust.case_types,
        "configurations": [
            {
                "label": c.label,
                "expression": c.expression,
                "robust": c.robust,
                "verdict": c.verdict(),
                "lost_in": [a.label for a in c.lost],
                "not_established_in": [a.label for a in c.unsettled],
                "not_established": c.undecided,
                "leave_one_out": num(c.loo_share),
                "leave_one_out_runs": c.loo_runs,
                "typical_cases": c.typical,
                "deviant_cases": c.deviant,
            }
            for c in robust.configurations
        ],
        "leave_one_out_runs": robust.loo_runs,
        "reruns": robust.reruns,
        "minimizations": robust.minimizations,
        "seconds": round(robust.seconds, 6),
        "cut": robust.cut,
    }


def configuration_markdown(res: Result, title: bool = True) -> str:
    """The configuration table in markdown (``title`` as a heading, for a stand-alone file)."""
    from ismpanel.report import markdown as md
    from ismpanel.report.qca_tables import configuration_table

    table = configuration_table(res)
    if table is None:
        return "No intermediate solution, so no configuration table (give --dir-exp).\n"
    return md.table(table, title_level=1 if title else 0) + "\n"
