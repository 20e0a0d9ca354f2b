"""fsQCA on a study's questionnaire, as the study's ``[qca]`` table sets it up, for the brief:
the section's tables and the evidence the factor profiles cite.

``[qca]`` keys: ``data`` (the questionnaire, relative to the study folder), ``case_id``,
``outcome``, ``items`` (a table: condition or outcome = the item columns averaged; conditions
are named by factor id), ``calibration`` (the ``[calibration]`` table of ``ismpanel qca``),
``incl_cut`` (one value or two), ``n_cut``, ``pri_cut``, ``dir_exp``, ``necessity_threshold``,
``half`` (keep, up or down: the exact-0.5 remedy) and ``dropna``.
"""

from __future__ import annotations

from pathlib import Path

from ismpanel.analysis.errors import InputError
from ismpanel.analysis.recommend import QcaEvidence, qca_evidence
from ismpanel.elicitation.study import Study

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
    "necessity_threshold": (int, float),
    "half": str,
    "dropna": bool,
}
WHERE = "study.toml [qca]"
HALF_REMEDIES = ("keep", "up", "down")


def run(folder: Path, study: Study, data: Path | None) -> tuple[dict, QcaEvidence] | None:
    """The brief's fsQCA section and the evidence for the factor profiles; None when the study
    has no ``[qca]`` table. Errors name study.toml's key, or the data file's column and row."""
    if "qca" not in study.extra:
        if data is not None:
            raise InputError(f"--data {data}: the study has no [qca] table saying what to analyse")
        return None
    from ismpanel.analysis.fsqca import calibrate, pipeline
    from ismpanel.analysis.fsqca.data import prepare
    from ismpanel.analysis.questionnaire import item_scores
    from ismpanel.cli.readers import read_grid

    table = _checked(study.extra["qca"], study)
    path = data or folder / table["data"]
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
    )
    try:
        result = pipeline.run(dataset, conditions, outcome, options)
    except InputError as err:
        raise InputError(f"{WHERE}: {err}") from None
    names = {f.id: f.name for f in study.factors}
    evidence = qca_evidence(result.conditions, result.configurations, result.necessity)
    return _context(result, names, path, notes), evidence


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
    return table


def _context(result, names: dict[str, str], path: Path, notes: list[str]) -> dict:
    """The brief's fsQCA section: tables in markdown, the methods and the provenance."""
    from ismpanel.analysis.fsqca.calibrate import CONVENTION_NAMES
    from ismpanel.analysis.fsqca.terms import row_config
    from ismpanel.cli.qca_export import configuration_markdown
    from ismpanel.cli.readers import short_digest
    from ismpanel.cli.structure_export import md_table

    opts = result.options
    tt = result.truth_table
    counts = {out: len(tt.codes(out)) for out in ("1", "0", "C", "?")}
    remainders = tt.remainders
    conditions = ", ".join(f"{c} ({names.get(c, c)})" for c in result.conditions)
    cases = len(result.case_ids)
    nec_rows = [
        [
            n.condition,
            f"{n.inclN:.3f}",
            f"{n.RoN:.3f}",
            f"{n.covN:.3f}",
            "yes" if n.necessary else "",
        ]
        for n in result.necessity
    ]
    tt_rows = [
        [
            *(str(v) for v in row_config(code, tt.k)),
            str(tt.rows[code].n),
            f"{tt.rows[code].incl:.3f}",
            f"{tt.rows[code].pri:.3f}",
        ]
        for code in tt.positive
    ]
    specs = opts.calibration.columns
    calibration = "; ".join(
        f"{name} {c.method} {specs[name].describe() + ' = ' if name in specs else ''}"
        f"({', '.join(f'{a:.4g}' for a in c.anchors)})"
        if c.anchors
        else f"{name} {c.method}"
        for name, c in result.calibration.items()
    )
    cut = ", ".join(f"{c:g}" for c in opts.incl_cut)
    methods = [
        (
            "fsQCA calibration",
            f"direct method, {CONVENTION_NAMES[result.convention]}; {calibration}",
        ),
        (
            "fsQCA truth table",
            f"incl.cut {cut}, n.cut {opts.n_cut}, pri.cut {opts.pri_cut:g}; "
            f"exact-0.5 memberships: {opts.half}",
        ),
        (
            "fsQCA minimization",
            "exact (all prime implicants, every minimal model); "
            f"intermediate with directional expectations {opts.dir_exp or 'none'}",
        ),
        ("fsQCA necessity", f"flagged from consistency {opts.necessity_cut:g}"),
    ]
    digest = short_digest(path)
    return {
        "outcome": result.outcome_label,
        "intro": (
            f"{cases} cases; outcome {result.outcome_label}; conditions {conditions}. "
            + " ".join(_sentence(n) for n in notes + result.notes)
        ).strip(),
        "necessity_table": "\n".join(
            md_table(
                [
                    "Condition",
                    "Consistency (inclN)",
                    "Relevance (RoN)",
                    "Coverage (covN)",
                    "Necessary",
                ],
                nec_rows,
            )
        ).rstrip(),
        "truth_table_summary": (
            f"{1 << tt.k} rows, {len(tt.rows)} with cases: {counts['1']} positive, "
            f"{counts['0']} negative, {counts['C']} contradictions; {remainders} remainders "
            "(rows without cases or under n.cut). Positive rows:\n\n"
            + "\n".join(md_table([*result.conditions, "n", "incl", "PRI"], tt_rows)).rstrip()
        ),
        "configuration_table": configuration_markdown(result, title=False).rstrip(),
        "methods": methods,
        "provenance": f"{path.name} (sha256 {digest}), {cases} cases",
        "summary": [
            f"fsQCA: {len(result.configurations)} configuration(s) for {result.outcome_label} "
            f"from {cases} cases",
            *(
                f"  C{k}: {c.expression} (consistency {c.inclS:.3f}, raw coverage {c.covS:.3f})"
                for k, c in enumerate(result.configurations, start=1)
            ),
        ],
    }


def _sentence(note: str) -> str:
    """A note as a sentence of the brief: capital first letter, final full stop."""
    note = note.strip()
    return note[:1].upper() + note[1:] + ("" if note.endswith(".") else ".")
