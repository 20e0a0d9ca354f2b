"""fsQCA on a study's questionnaire, as the study's ``[qca]`` table sets it up, for the brief:
the result and the evidence the factor profiles cite.

``[qca]`` keys: ``data`` (the questionnaire, relative to the study folder), ``case_id``,
``outcome``, ``items`` (a table: condition or outcome = the item columns averaged; conditions
are named by factor id), ``calibration`` (the ``[calibration]`` table of ``ismpanel qca``),
``incl_cut`` (one value or two), ``n_cut``, ``pri_cut``, ``dir_exp`` (and ``dir_exp_negated``
for the negated outcome, whose intermediate solution needs its own expectations),
``necessity_threshold``, ``half`` (keep, up or down: the exact-0.5 remedy), ``dropna``,
``core_rule`` (all or any: see :mod:`~ismpanel.analysis.fsqca.configuration`) and
``robustness`` (false leaves out the robustness analysis of the configurations, on by
default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ismpanel.analysis.fsqca.calibrate import HALF_REMEDIES
from ismpanel.analysis.fsqca.configuration import RULES
from ismpanel.analysis.fsqca.pipeline import Result
from ismpanel.analysis.fsqca.robustness import Robustness
from ismpanel.analysis.recommend import QcaEvidence, qca_evidence
from ismpanel.elicitation.study import Study
from ismpanel.errors import AnalysisError, InputError
from ismpanel.text import printable

KEYS = {
    "data": str,
    "case_id": str,
    "outcome": str,
    "items": dict,
    "calibration": dict,
    "incl_cut": (int, float, list),
    "n_cut": int,
    "pri_cut": (int, float),
    "dir_exp": str,
    "dir_exp_negated": str,
    "necessity_threshold": (int, float),
    "half": str,
    "dropna": bool,
    "core_rule": str,
    "robustness": bool,
}
WHERE = "study.toml [qca]"


@dataclass(frozen=True)
class QcaRun:
    """fsQCA on the study's questionnaire: the result, the file it read, the reader's notes,
    the raw grid and the items of each condition (for item statistics), the analysis of
    the negated outcome (or why there is none) and the robustness of the configurations."""

    result: Result
    path: Path
    notes: tuple[str, ...]
    grid: list[list[str]]
    items: dict[str, list[str]]
    negated: Result | str
    robustness: Robustness | None = None


def run(folder: Path, study: Study, data: Path | None) -> QcaRun | str:
    """fsQCA as the study's ``[qca]`` table sets it up, or the reason there is none (no
    ``[qca]`` table, its data file not in the folder and no ``--data``, or an analysis that
    finds nothing to explain). Errors name study.toml's key, or the data file's column and
    row."""
    if "qca" not in study.extra:
        if data is not None:
            raise InputError(
                f"{data}: the study has no [qca] table saying what to analyse", option="data"
            )
        return "the study sets up no questionnaire analysis (no [qca] table in study.toml)"
    from ismpanel.analysis.fsqca import calibrate, pipeline
    from ismpanel.analysis.fsqca.data import prepare
    from ismpanel.analysis.questionnaire import item_scores
    from ismpanel.readers import read_grid

    table = _checked(study.extra["qca"], study)
    path = data or _in_folder(folder, table["data"])
    if data is None and not path.exists():
        return (
            f"no questionnaire data was given: study.toml [qca] names {printable(table['data'])}, "
            "which is not in the study folder, and no --data was given"
        )
    items = {name: list(columns) for name, columns in table["items"].items()}
    outcome = table["outcome"]
    conditions = [name for name in items if name != outcome]
    grid = read_grid(path)
    try:
        scores = item_scores(grid, items, table.get("case_id"))
        dataset, conditions, outcome, notes = prepare(
            scores,
            outcome,
            conditions,
            case_id=table.get("case_id"),
            dropna=table.get("dropna", False),
        )
    except InputError as err:
        raise InputError(f"{path}: {err}") from None
    cut = table.get("incl_cut", 1.0)
    options = pipeline.Options(
        outcome=outcome,
        calibration=calibrate.parse_calibration(table.get("calibration", {})),
        incl_cut=tuple(cut) if isinstance(cut, list) else (float(cut),),
        n_cut=table.get("n_cut", 1),
        pri_cut=float(table.get("pri_cut", 0.0)),
        solution="all",
        dir_exp=table.get("dir_exp"),
        necessity_cut=float(table.get("necessity_threshold", 0.9)),
        half=table.get("half", "keep"),
        core_rule=table.get("core_rule", "all"),
    )
    try:
        result = pipeline.run(dataset, conditions, outcome, options)
    except InputError as err:
        raise InputError(f"{WHERE}: {as_keys(str(err))}") from None
    except AnalysisError as err:  # e.g. no row to explain: the brief says so, without fsQCA
        return f"{WHERE}: {as_keys(str(err))}"
    negated_options = replace(options, outcome=f"~{outcome}", dir_exp=table.get("dir_exp_negated"))
    try:
        negated: Result | str = pipeline.run(dataset, conditions, outcome, negated_options)
    except (InputError, AnalysisError) as err:
        negated = as_keys(str(err))
    robust = None
    if table.get("robustness", True):
        from ismpanel.analysis.fsqca.robustness import robustness

        robust = robustness(dataset, conditions, outcome, options, result)
    return QcaRun(result, path, tuple(notes), grid, items, negated, robust)


def as_keys(message: str) -> str:
    """An engine message in the study's words: the ``qca`` options it names (``--incl-cut``)
    become the ``[qca]`` keys that set them here (``incl_cut``)."""
    return re.sub(r"--([a-z]+(?:-[a-z]+)*)", lambda m: m.group(1).replace("-", "_"), message)


def evidence(run: QcaRun) -> QcaEvidence:
    """What the fsQCA result says per condition, for the factor profiles."""
    res = run.result
    return qca_evidence(res.conditions, res.configurations, res.necessity)


def _in_folder(folder: Path, name: str) -> Path:
    """The data file study.toml names, refused unless it lies in the study folder (through any
    symlink): the file is read and quoted in errors, and in a shared folder others may have
    written study.toml; a file elsewhere is named on the command line with --data."""
    path = folder / name
    if not path.resolve().is_relative_to(folder.resolve()):
        raise InputError(
            f"{WHERE} data: {printable(name)} is not in the study folder; copy the file there "
            "or give it with --data"
        )
    return path


def _checked(table: object, study: Study) -> dict:
    """The ``[qca]`` table with its keys and types checked and its conditions known factors."""
    if not isinstance(table, dict):
        raise InputError(f"{WHERE}: must be a table")
    for key, value in table.items():
        if key not in KEYS:
            raise InputError(f"{WHERE}: unknown key {key!r}; known: {', '.join(KEYS)}")
        if (isinstance(value, bool) and KEYS[key] is not bool) or not isinstance(value, KEYS[key]):
            raise InputError(f"{WHERE} {key}: {value!r} has the wrong type")
    for key in ("data", "outcome", "items"):
        if key not in table:
            raise InputError(f"{WHERE}: needs {key}")
    ids = set(study.factor_ids)
    for name, columns in table["items"].items():
        if name != table["outcome"] and name not in ids:
            raise InputError(f"{WHERE} items: {name} is neither a factor id nor the outcome")
        if (
            not isinstance(columns, list)
            or not columns
            or not all(isinstance(c, str) for c in columns)
        ):
            raise InputError(f"{WHERE} items {name}: expected a list of column names")
    if table["outcome"] not in table["items"]:
        raise InputError(f"{WHERE} items: no items for the outcome {table['outcome']}")
    cut = table.get("incl_cut", 1.0)
    cuts = cut if isinstance(cut, list) else [cut]
    if not 1 <= len(cuts) <= 2 or not all(
        isinstance(c, int | float) and not isinstance(c, bool) for c in cuts
    ):
        raise InputError(f"{WHERE} incl_cut: {cut!r}: expected one number or two, e.g. [0.8, 0.6]")
    if table.get("half", "keep") not in HALF_REMEDIES:
        raise InputError(f"{WHERE} half: {table['half']!r}: expected keep, up or down")
    if table.get("core_rule", "all") not in RULES:
        raise InputError(f"{WHERE} core_rule: {table['core_rule']!r}: expected all or any")
    return table
