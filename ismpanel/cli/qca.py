"""``ismpanel qca``: fsQCA on a case table (CSV or XLSX) with R QCA's semantics: calibration,
truth table, necessity, complex / parsimonious / intermediate solutions, the configuration
table, robustness to neighbouring thresholds; rich tables or ``--json``."""

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ismpanel.errors import InputError

OUTPUT_SHARE = 0.05  # of --time-limit, kept for rendering and writing the results
ROBUSTNESS_SHARE = 0.25  # of the rest, kept at least for the --robustness reruns


# the engine's choices (pipeline.SOLUTION_CHOICES, calibrate.HALF_REMEDIES, CONVENTIONS and
# configuration.RULES), spelled out here so that --help starts without importing it; a test
# keeps them equal
class Solution(StrEnum):
    complex = "complex"
    parsimonious = "parsimonious"
    intermediate = "intermediate"
    all = "all"


class Half(StrEnum):
    keep = "keep"
    up = "up"
    down = "down"


class Convention(StrEnum):
    r = "r"
    fsqca = "fsqca"


class CoreRule(StrEnum):
    all = "all"
    any = "any"


def register(app: typer.Typer) -> None:
    """Add ``ismpanel qca`` to the app."""
    app.command("qca")(qca)


def qca(
    data: Annotated[
        Path, typer.Argument(help="Case table: CSV or XLSX, one row per case.", show_default=False)
    ],
    outcome: Annotated[
        str, typer.Option("--outcome", help="Outcome column; ~Y analyses its negation.")
    ],
    conditions: Annotated[
        str | None,
        typer.Option(
            "--conditions",
            help="Comma-separated condition columns (default: every numeric column but the "
            "outcome and the case id).",
        ),
    ] = None,
    calibrate: Annotated[
        list[str] | None,
        typer.Option(
            "--calibrate",
            help="NAME=e,c,i anchors (values or percentiles p5,p50,p95), NAME=crisp:t or "
            "NAME=calibrated; repeatable.",
        ),
    ] = None,
    calibrate_file: Annotated[
        Path | None,
        typer.Option("--calibrate-file", help="TOML file with a [calibration] table."),
    ] = None,
    convention: Annotated[
        Convention | None,
        typer.Option(
            "--convention",
            help="Log-odds of the direct method: r (R QCA, idm 0.95, ±2.944, default) or "
            "fsqca (fs/QCA, ±3).",
            show_default=False,
        ),
    ] = None,
    incl_cut: Annotated[
        str,
        typer.Option("--incl-cut", help="Inclusion cut-off ic1, or ic1,ic0 for contradictions."),
    ] = "1",
    n_cut: Annotated[
        int, typer.Option("--n-cut", help="Minimum cases for a row not to be a remainder.")
    ] = 1,
    pri_cut: Annotated[float, typer.Option("--pri-cut", help="Minimum PRI for OUT = 1.")] = 0.0,
    solution: Annotated[
        Solution, typer.Option("--solution", help="Which solutions to report.")
    ] = Solution.all,
    dir_exp: Annotated[
        str | None,
        typer.Option(
            "--dir-exp",
            help='Directional expectations: "DEV=1,URB=0,LIT=-", "1,0,-,1,1" or an expression '
            '"DEV, URB, ~LIT*IND".',
        ),
    ] = None,
    necessity_flag: Annotated[
        bool, typer.Option("--necessity", help="Show the necessity table.")
    ] = False,
    necessity_cut: Annotated[
        float, typer.Option("--necessity-cut", help="Consistency threshold for necessity.")
    ] = 0.9,
    half: Annotated[
        Half,
        typer.Option(
            "--half",
            help="Memberships of exactly 0.5: keep (in no row, as R), up (0.501) or down (0.499).",
        ),
    ] = Half.keep,
    dropna: Annotated[
        bool, typer.Option("--dropna", help="Drop cases with missing values.")
    ] = False,
    case_id: Annotated[
        str | None, typer.Option("--case-id", help="Case-id column (default: detected).")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Workbook sheet (default: first).")
    ] = None,
    row_dom: Annotated[
        bool, typer.Option("--row-dom", help="Drop dominated prime implicants first (R's row.dom).")
    ] = False,
    include_contradictions: Annotated[
        bool,
        typer.Option(
            "--include-contradictions",
            help="Use contradictions as don't-cares in the parsimonious solution (R's include C).",
        ),
    ] = False,
    max_models: Annotated[
        int, typer.Option("--max-models", help="Report at most this many models per solution.")
    ] = 100,
    max_pairs: Annotated[
        int,
        typer.Option(
            "--max-pairs", help="Intermediate solutions for at most this many model pairs."
        ),
    ] = 16,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            min=0.0,
            help="Seconds for the whole command (0: none); past them the best covers found are "
            "reported, flagged as not proven minimal, and a step cut before any cover is named.",
        ),
    ] = 50.0,
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness",
            help="Sensitivity ranges of the cut-offs and calibration anchors, alternative "
            "analyses (incl.cut and PRI cut ± 0.05, n.cut ± 1, the other --half rules and "
            "convention, crossovers shifted), robust core, robustness fit, leave-one-case-out; "
            "a verdict per configuration.",
        ),
    ] = False,
    core_rule: Annotated[
        CoreRule,
        typer.Option(
            "--core-rule",
            help="With several parsimonious models: a condition is core when core under all "
            "of them (all) or under any (any).",
        ),
    ] = CoreRule.all,
    complete: Annotated[
        bool, typer.Option("--complete", help="List every truth-table row, remainders too.")
    ] = False,
    markdown: Annotated[
        Path | None,
        typer.Option("--markdown", help="Write the configuration table as markdown to FILE."),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    all_implicants: Annotated[
        bool,
        typer.Option(
            "--all-implicants",
            help="With --json, write every prime implicant, model, configuration and remainder "
            "row number (simplifying assumptions, counterfactuals), not the first 100 "
            "implicants or rows, 2,000 terms of models and 1,000 configurations (can run to "
            "hundreds of MB at k = 20).",
        ),
    ] = False,
) -> None:
    """fsQCA as R's QCA package computes it: truth table, necessity, minimal solutions,
    simplifying assumptions, easy counterfactuals and the core/peripheral configuration table."""
    from ismpanel.analysis.fsqca.data import prepare
    from ismpanel.analysis.fsqca.pipeline import Options, run
    from ismpanel.analysis.fsqca.robustness import robustness as check_robustness
    from ismpanel.cli import jsonout, qca_export
    from ismpanel.cli.output import console, notes, write_file
    from ismpanel.readers import read_grid

    budget = _budgets(time_limit, robustness)
    try:
        spec = _calibration(calibrate, calibrate_file, convention.value if convention else None)
    except InputError as err:
        raise _named(err, data) from None
    options = Options(
        outcome=outcome,
        calibration=spec,
        incl_cut=_incl_cut(incl_cut),
        n_cut=n_cut,
        pri_cut=pri_cut,
        solution=solution.value,
        dir_exp=dir_exp,
        necessity_cut=necessity_cut,
        half=half.value,
        row_dom=row_dom,
        include_contradictions=include_contradictions,
        max_models=max_models,
        max_pairs=max(1, max_pairs),
        time_limit=time_limit if time_limit > 0 else None,
        core_rule=core_rule.value,
    )
    grid = read_grid(data, sheet)
    chosen = [c.strip() for c in conditions.split(",") if c.strip()] if conditions else None
    try:
        dataset, names, out_col, prep_notes = prepare(
            grid, outcome, chosen, case_id=case_id, dropna=dropna
        )
        result = run(dataset, names, out_col, options, budget[0])
        robust = (
            check_robustness(dataset, names, out_col, options, result, budget[1])
            if robustness
            else None
        )
    except InputError as err:
        raise _named(err, data) from None
    for line in prep_notes + result.notes:
        notes.print(line, markup=False, highlight=False)
    if markdown:
        write_file(markdown, qca_export.configuration_markdown(result))
    if json:
        jsonout.write(qca_export.result_json(result, robust, all_implicants))
        return
    from ismpanel.cli.qca_view import views  # the rich views, not needed for --json

    for view in views(result, complete=complete, show_necessity=necessity_flag, robust=robust):
        console.print(view)
        console.print()


def _budgets(time_limit: float, robustness: bool) -> tuple:
    """The deadlines of the analysis and of the robustness reruns, counted from the start of
    the command so that ``--time-limit`` bounds all of it: :data:`OUTPUT_SHARE` of the limit
    is kept for writing the output; with ``--robustness`` the analysis may use all but
    :data:`ROBUSTNESS_SHARE` of the rest and the reruns whatever it leaves. None without a
    limit."""
    from ismpanel.analysis.fsqca.budget import Deadline

    if time_limit <= 0:
        return None, None
    start = time.time()
    work = time_limit * (1 - OUTPUT_SHARE)
    if not robustness:
        return Deadline(start + work, time_limit), None
    first = start + work * (1 - ROBUSTNESS_SHARE)
    return Deadline(first, time_limit), Deadline(start + work, time_limit)


def _named(err: InputError, path: Path) -> InputError:
    """An error in the data named by its file; one about an option is left for the error
    boundary to name the flag (cli/app.py)."""
    text = str(err)
    if err.option or text.startswith(str(path)):
        return err
    return InputError(f"{path}: {text}", remedy=err.remedy)


def _incl_cut(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise InputError(
            f"--incl-cut {text!r}: expected one or two numbers, e.g. 0.8 or 0.8,0.6",
            option="incl-cut",
        ) from None
    if not 1 <= len(values) <= 2:
        raise InputError(
            f"--incl-cut {text!r}: expected one or two numbers, e.g. 0.8 or 0.8,0.6",
            option="incl-cut",
        )
    return values


def _calibration(items: list[str] | None, path: Path | None, convention: str | None):
    """The calibration from the TOML file, then the --calibrate options (which win)."""
    from ismpanel.analysis.fsqca import calibrate as cal

    columns: dict[str, cal.Anchor] = {}
    conv = "r"
    if path is not None:
        from ismpanel.readers import read_toml

        try:
            doc = read_toml(path)
        except InputError as err:
            raise InputError(str(err), option="calibrate-file") from None
        table = doc.get("calibration")
        if table is None and isinstance(doc.get("qca"), dict):
            table = doc["qca"].get("calibration")
        if table is None:
            raise InputError(f"{path}: no [calibration] table", option="calibrate-file")
        try:
            spec = cal.parse_calibration(table)
        except InputError as err:
            raise InputError(f"{path}: {err}", option="calibrate-file") from None
        columns.update(spec.columns)
        conv = spec.convention
    for item in items or []:
        name, anchor = cal.parse_assignment(item)
        columns[name] = anchor
    if convention is not None:
        conv = convention
    return cal.CalibrationSpec(columns, conv)
