"""The method chain as Python functions, for notebooks and scripts: read an SSIM (a file, a
``pandas.DataFrame`` or a study's panel), run ISM and MICMAC, calibrate and run fsQCA. Results
give their tables as ``pandas.DataFrame`` (``to_frame``) and the document the command's
``--json`` prints (``to_dict``), so a notebook and the terminal agree number for number.

The functions call the same engines as the commands; nothing here prints or prompts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ismpanel.analysis.fsqca import calibrate as cal
from ismpanel.analysis.fsqca import pipeline
from ismpanel.analysis.fsqca.data import parse_number
from ismpanel.analysis.ssim import Structure, parse_structure
from ismpanel.analysis.structure import Options, StructuralModel, analyse_structure
from ismpanel.elicitation.aggregate import PanelOptions
from ismpanel.elicitation.store import PanelStore
from ismpanel.errors import InputError

Source = Structure | pd.DataFrame | str | Path
Anchors = str | Sequence[float | str]

STRUCTURE_TABLES = ("factors", "irm", "frm", "levels", "ssim")
QCA_TABLES = ("truth_table", "necessity", "solutions", "configurations", "membership")


def read_ssim(source: pd.DataFrame | str | Path, *, sheet: str | None = None) -> Structure:
    """An SSIM, 0/1 adjacency matrix or edge list from a CSV/XLSX file or a DataFrame (for a
    matrix: factor ids as the index and the columns; for edges: ``from`` and ``to`` columns)."""
    if isinstance(source, pd.DataFrame):
        return parse_structure(_grid(source, index=_has_labels(source)))
    from ismpanel.readers import read_grid

    path = Path(source)
    try:
        return parse_structure(read_grid(path, sheet))
    except InputError as err:
        raise InputError(f"{path}: {err}") from None


def open_panel(folder: str | Path) -> PanelStore:
    """A study's panel, read-only: experts, rounds, the answer history and notes."""
    return PanelStore.open(Path(folder), read_only=True)


def panel_ssim(
    folder: str | Path,
    *,
    rule: str = "direction",
    quorum: int = 1,
    include_llm: bool = False,
    allow_incomplete: bool = False,
) -> Structure:
    """The aggregated SSIM of a study's panel, as ``ism DIR`` analyses it (majority per
    direction or per letter, quorum; an unfinished round refused unless allowed)."""
    from ismpanel.elicitation.panel import panel_structure

    store = open_panel(folder)
    try:
        options = PanelOptions(rule, quorum, include_llm, allow_incomplete)
        return panel_structure(store, options).structure
    finally:
        store.close()


@dataclass(frozen=True)
class StructureResult:
    """ISM and MICMAC of one structure (both commands report the same model)."""

    model: StructuralModel
    ssim: np.ndarray | None = None

    @property
    def factors(self) -> tuple[str, ...]:
        return self.model.factors

    def to_dict(self) -> dict:
        """The document ``ism --json`` and ``micmac --json`` print, as plain Python values."""
        from ismpanel.cli import jsonout
        from ismpanel.cli.structure_export import model_json

        return json.loads(jsonout.dumps(model_json(self.model)))

    def to_frame(self, table: str = "factors") -> pd.DataFrame:
        """One table: ``factors`` (level, tier, driving power, dependence, MICMAC cluster and
        indirect ranks per factor), ``irm``/``frm`` (the reachability matrices), ``levels``
        (the level partition) or ``ssim`` (the letters analysed, when read from an SSIM)."""
        f, res = list(self.factors), self.model.ism
        if table == "factors":
            ind = self.model.indirect
            return pd.DataFrame(
                {
                    "level": res.levels.astype(int),
                    "tier": list(res.tiers),
                    "driving_power": res.driving_power.astype(int),
                    "dependence": res.dependence.astype(int),
                    "cluster": list(self.model.quadrants),
                    "indirect_driving_rank": ind.driving.rank,
                    "indirect_dependence_rank": ind.dependence.rank,
                },
                index=pd.Index(f, name="factor"),
            )
        if table in ("irm", "frm"):
            matrix = res.irm if table == "irm" else res.frm
            return pd.DataFrame(matrix.astype(np.uint8), index=f, columns=f)
        if table == "levels":
            levels = list(range(1, res.n_levels + 1))
            return pd.DataFrame(
                {
                    "level": levels,
                    "factors": [
                        [n for n, v in zip(f, res.levels, strict=True) if v == lv] for lv in levels
                    ],
                    "tier": [res.tier_of(lv) for lv in levels],
                }
            ).set_index("level")
        if table == "ssim" and self.ssim is not None:
            return pd.DataFrame(self.ssim, index=f, columns=f)
        known = ", ".join(t for t in STRUCTURE_TABLES if t != "ssim" or self.ssim is not None)
        raise InputError(f"table {table!r}: expected one of {known}", option="table")


def ism(
    source: Source,
    *,
    tiers: str | None = None,
    level_rule: str | None = None,
    threshold: str | float | None = None,
    equal_is_strong: bool | None = None,
    indirect_matrix: str | None = None,
    horizon: int | None = None,
    panel: PanelOptions | None = None,
) -> StructureResult:
    """ISM and MICMAC of a structure: a :class:`Structure`, a DataFrame, a file, or a study
    folder (its panel aggregated with ``panel``'s rule, and its ``[ism]`` settings as
    defaults). Options left None keep the defaults, as on the command line."""
    base = Options()
    if isinstance(source, str | Path) and Path(source).is_dir():
        from ismpanel.analysis.structure import options_from_table
        from ismpanel.elicitation.panel import panel_structure

        folder = Path(source)
        store = open_panel(folder)
        try:
            structure = panel_structure(store, panel or PanelOptions()).structure
            table = store.study.extra.get("ism", {})
        finally:
            store.close()
        base = options_from_table(table, f"{folder}/study.toml [ism]")
    elif isinstance(source, Structure):
        structure = source
    else:
        structure = read_ssim(source)
    options = base.overridden(
        tiers=tiers,
        level_rule=level_rule,
        threshold=None if threshold is None else str(threshold),
        equal_is_strong=equal_is_strong,
        indirect_matrix=indirect_matrix,
        horizon=horizon,
    )
    model = analyse_structure(structure.factors, structure.irm, options)
    return StructureResult(model, structure.ssim)


def micmac(source: Source, **options: object) -> StructureResult:
    """MICMAC of a structure: the same model as :func:`ism` (driving power, dependence,
    clusters and indirect ranks are in ``to_frame()``), as ``micmac --json`` is ``ism``'s."""
    return ism(source, **options)  # type: ignore[arg-type]


def calibrate(
    data: pd.DataFrame, calibration: Mapping[str, Anchors], *, convention: str = "r"
) -> pd.DataFrame:
    """Fuzzy-set memberships of the named columns: three anchors (exclusion, crossover,
    inclusion; numbers or percentiles such as ``"p50"``) for the direct method, ``"crisp:T"``
    for a crisp set, ``"calibrated"`` for values already in [0, 1]; ``convention`` is R's
    (``r``) or fs/QCA's log-odds (``fsqca``)."""
    if convention not in cal.CONVENTIONS:
        raise InputError(f"convention {convention!r}: expected r or fsqca", option="convention")
    ids = [str(i) for i in data.index]
    out = {}
    for name, spec in calibration.items():
        if name not in data.columns:
            raise InputError(
                f"calibration names {name!r}, which is not a column", option="calibration"
            )
        cells = _grid(data[[name]], index=False, numbers=True)[1:]
        parsed = [parse_number(row[0]) for row in cells]  # as the case table reads cells
        if None in parsed:
            row = ids[parsed.index(None)]
            raise InputError(f"column {name}, case {row}: not a number", option="calibration")
        values = np.array(parsed, dtype=float)
        out[name] = cal.calibrate_column(name, values, _anchor(name, spec), convention, ids).values
    return pd.DataFrame(out, index=data.index)


@dataclass(frozen=True)
class QcaResult:
    """One fsQCA analysis: truth table, necessity, solutions and configurations."""

    result: pipeline.Result

    def to_dict(self, *, all_implicants: bool = False) -> dict:
        """The document ``qca --json`` prints (``--all-implicants`` with ``all_implicants``)."""
        from ismpanel.cli import jsonout
        from ismpanel.cli.qca_export import result_json

        return json.loads(jsonout.dumps(result_json(self.result, None, all_implicants)))

    def to_frame(self, table: str = "configurations") -> pd.DataFrame:
        """One table: ``truth_table`` (observed rows and remainders listed by R), ``necessity``,
        ``solutions`` (one line per term of each model of each solution type),
        ``configurations`` (the core/peripheral table, one line per configuration) or
        ``membership`` (the calibrated conditions and outcome per case)."""
        res = self.result
        if table == "membership":
            columns = {c: res.x[:, j] for j, c in enumerate(res.conditions)}
            columns[res.outcome_label] = res.y
            return pd.DataFrame(columns, index=pd.Index(res.case_ids, name="case"))
        if table not in QCA_TABLES:
            raise InputError(
                f"table {table!r}: expected one of {', '.join(QCA_TABLES)}", option="table"
            )
        doc = self.to_dict(all_implicants=True)
        if table == "truth_table":
            rows = [
                {
                    **r["config"],
                    **{k: r[k] for k in ("n", "incl", "PRI", "OUT")},
                    "cases": r["cases"],
                    "row": r["row"],
                }
                for r in doc["truth_table"]
            ]
            return pd.DataFrame(rows).set_index("row")
        if table == "necessity":
            return pd.DataFrame(doc["necessity"]).set_index("condition")
        if table == "solutions":
            rows = [
                {
                    "solution": kind,
                    "model": m["model"],
                    **{
                        k: t[k] for k in ("expression", "inclS", "PRI", "covS", "covU", "essential")
                    },
                }
                for kind, models in doc["solutions"].items()
                for m in models
                for t in m["terms"]
            ]
            return pd.DataFrame(rows)
        rows = [
            {
                "configuration": f"C{n}",
                **{k: c[k] for k in ("expression", "inclS", "covS", "covU", "model")},
                **c["conditions"],
            }
            for n, c in enumerate(doc["configurations"], start=1)
        ]
        return pd.DataFrame(rows).set_index("configuration") if rows else pd.DataFrame(rows)


def fsqca(
    data: pd.DataFrame | str | Path,
    outcome: str,
    conditions: Sequence[str] | None = None,
    *,
    calibration: Mapping[str, Anchors] | None = None,
    convention: str = "r",
    incl_cut: float | tuple[float, float] = 1.0,
    n_cut: int = 1,
    pri_cut: float = 0.0,
    solution: str = "all",
    dir_exp: str | None = None,
    half: str = "keep",
    case_id: str | None = None,
    dropna: bool = False,
    time_limit: float | None = pipeline.TIME_LIMIT,
) -> QcaResult:
    """fsQCA as ``ismpanel qca`` runs it (R QCA's defaults: incl.cut 1, n.cut 1, pri.cut 0):
    ``data`` a DataFrame (one row per case; ``case_id`` names the id column, else the index
    is used when it is not a plain range) or a CSV/XLSX file; ``outcome`` may be ``~Y``."""
    if isinstance(data, pd.DataFrame):
        # the index holds the case ids unless a column does, or it is a plain range
        labelled = _has_labels(data) and (case_id is None or case_id not in data.columns)
        grid = _grid(data, index=labelled, index_name=case_id or "case", numbers=True)
        case_id = case_id or ("case" if labelled else None)
    else:
        from ismpanel.readers import read_grid

        grid = read_grid(Path(data))
    from ismpanel.analysis.fsqca.data import prepare

    spec = cal.CalibrationSpec(
        {n: _anchor(n, a) for n, a in (calibration or {}).items()}, convention
    )
    cuts = tuple(incl_cut) if isinstance(incl_cut, tuple | list) else (float(incl_cut),)
    options = pipeline.Options(
        outcome=outcome,
        calibration=spec,
        incl_cut=cuts,
        n_cut=n_cut,
        pri_cut=pri_cut,
        solution=solution,
        dir_exp=dir_exp,
        half=half,
        time_limit=time_limit,
    )
    dataset, names, out_col, _ = prepare(
        grid, outcome, list(conditions) if conditions else None, case_id=case_id, dropna=dropna
    )
    return QcaResult(pipeline.run(dataset, names, out_col, options))


def _anchor(name: str, spec: Anchors) -> cal.Anchor:
    """An anchor from its command-line text or a sequence of anchors."""
    text = spec if isinstance(spec, str) else ",".join(str(a) for a in spec)
    return cal.parse_anchor(name, text, option="calibration")


def _has_labels(frame: pd.DataFrame) -> bool:
    """Whether the index carries labels (factor or case ids) rather than a plain range."""
    return not isinstance(frame.index, pd.RangeIndex)


def _grid(
    frame: pd.DataFrame, *, index: bool, index_name: str = "", numbers: bool = False
) -> list[list]:
    """A DataFrame as the grid the readers produce (missing values blank): every cell as text,
    or with ``numbers`` its numbers kept as floats (the case table's values)."""

    def cell(value: object) -> str | float:
        if pd.api.types.is_scalar(value) and pd.isna(value):  # None, NaN, pd.NA, NaT
            return ""
        if isinstance(value, bool | np.bool_ | int | float | np.integer | np.floating):
            number = float(value)
            if numbers:
                return number
            return str(int(number)) if number.is_integer() else repr(number)  # 1.0 -> "1"
        return str(value)

    head = [str(c) for c in frame.columns]
    rows = [[index_name, *head]] if index else [head]
    for label, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        body = [cell(v) for v in values]
        rows.append([str(label), *body] if index else body)
    return rows
