"""``ismpanel ism`` and ``ismpanel micmac``: the structural analysis of one SSIM."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ismpanel.cli import sensitivity_view
from ismpanel.cli.options import (
    BelowOpt,
    IncompleteOpt,
    JsonOpt,
    LlmOpt,
    QuorumOpt,
    Rule,
    RuleOpt,
    SheetOpt,
)
from ismpanel.cli.sensitivity_view import SensitivityOpt
from ismpanel.errors import InputError


class TableFormat(StrEnum):
    auto = "auto"
    ssim = "ssim"
    adjacency = "adjacency"
    edges = "edges"


class LevelRule(StrEnum):
    top_down = "top-down"
    bottom_up = "bottom-up"


class IndirectMatrix(StrEnum):
    identity_plus = "I+A"
    direct = "A"


Source = Annotated[
    Path,
    typer.Argument(
        help="Study folder (its panel's aggregated SSIM), or an SSIM file (CSV or XLSX; a 0/1 "
        "matrix or an edge list with from,to also work).",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    TableFormat, typer.Option("--format", help="How to read the file; auto detects it.")
]
TiersOpt = Annotated[
    str | None,
    typer.Option(
        "--tiers",
        help="Level ranges of the surface, middle and deep tiers, e.g. 1-2,3-5,6-8 "
        "(default: the levels split into three contiguous groups as evenly as possible).",
    ),
]
LevelsOpt = Annotated[
    LevelRule | None,
    typer.Option(
        "--levels",
        help="Level partition rule: top-down R∩A=R (default) or bottom-up A∩R=A.",
        show_default=False,
    ),
]
ThresholdOpt = Annotated[
    str | None,
    typer.Option(
        "--threshold",
        help="MICMAC threshold: half (n/2, default), mean, median or a number.",
        show_default=False,
    ),
]
EqualOpt = Annotated[
    bool | None,
    typer.Option(
        "--equal-is-strong/--equal-is-weak",
        help="Count a power equal to the threshold as strong (default: weak).",
        show_default=False,
    ),
]
MatrixOpt = Annotated[
    IndirectMatrix | None,
    typer.Option(
        "--indirect-matrix",
        help="Indirect MICMAC on powers of I+A (default) or of A (Godet).",
        show_default=False,
    ),
]
HorizonOpt = Annotated[
    int | None,
    typer.Option(
        "--horizon", help="Powers for indirect MICMAC, 2 to 10,000 (default max(2n, 20)).", min=2
    ),
]


ISM_HELP = "ISM: reachability matrices, level partition, canonical matrix and the hierarchy."
MICMAC_HELP = (
    "MICMAC: driving power, dependence, clusters, indirect ranks and the check against ISM."
)


def register(app: typer.Typer) -> None:
    """One analysis, two reports: ``ism`` and ``micmac`` compute the same structural model
    (their ``--json`` is one document) and print the tables their names promise."""
    app.command("ism", help=ISM_HELP)(structure)
    app.command("micmac", help=MICMAC_HELP)(structure)


def structure(
    ctx: typer.Context,
    folder: Source,
    json: JsonOpt = False,
    mermaid: Annotated[
        Path | None, typer.Option("--mermaid", help="Write the digraph as Mermaid to FILE.")
    ] = None,
    dot: Annotated[
        Path | None, typer.Option("--dot", help="Write the digraph as Graphviz DOT to FILE.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Write every table as markdown to FILE.")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the driving-dependence map as SVG.")
    ] = None,
    fmt: FormatOpt = TableFormat.auto,
    sheet: SheetOpt = None,
    tiers: TiersOpt = None,
    levels: LevelsOpt = None,
    threshold: ThresholdOpt = None,
    equal_is_strong: EqualOpt = None,
    indirect_matrix: MatrixOpt = None,
    horizon: HorizonOpt = None,
    rule: RuleOpt = Rule.direction,
    quorum: QuorumOpt = 1,
    include_llm: LlmOpt = False,
    allow_incomplete: IncompleteOpt = False,
    sensitivity: SensitivityOpt = False,
    below: BelowOpt = 0.75,
) -> None:
    """Analyse a structure and print the tables of the command it was called as (``ism`` or
    ``micmac``); files and ``--json`` are the same for both."""
    from ismpanel.cli import jsonout
    from ismpanel.cli import structure_export as export
    from ismpanel.cli.output import console, write_file
    from ismpanel.elicitation.aggregate import PanelOptions
    from ismpanel.report import structure_text as text

    overrides = _overrides(tiers, levels, threshold, equal_is_strong, indirect_matrix, horizon)
    panel = PanelOptions(rule.value, quorum, include_llm, allow_incomplete)
    found_structure, names, model = _prepare(folder, fmt, sheet, overrides, panel)
    found = sensitivity_view.compute(folder, panel, below, model) if sensitivity else None
    if mermaid:
        write_file(mermaid, text.to_mermaid(model, names))
    if dot:
        write_file(dot, text.to_dot(model, names))
    if markdown:
        write_file(markdown, export.to_markdown(model, found_structure.ssim))
    if plot:
        from ismpanel.report.figures import micmac_svg

        write_file(plot, micmac_svg(model))
    if json:
        jsonout.write(sensitivity_view.with_json(export.model_json(model), found))
        return
    from ismpanel.cli import structure_view as views  # the rich views, not needed for --json

    if ctx.info_name == "micmac":
        for view in (views.micmac_table(model), views.micmac_map(model)):
            console.print(view)
            console.print()
        console.print(views.tier_check_table(model))
        console.print()
        console.print(f"Indirect MICMAC: {text.indirect_note(model)}.")
    else:
        for view in views.ism_views(model, found_structure.ssim, names):
            console.print(view)
            console.print()
    sensitivity_view.show(found)


def _overrides(tiers, levels, threshold, equal_is_strong, matrix, horizon) -> dict:
    """The analysis options given on the command line (None where not given)."""
    return {
        "tiers": tiers,
        "level_rule": levels.value if levels else None,
        "threshold": threshold,
        "equal_is_strong": equal_is_strong,
        "indirect_matrix": matrix.value if matrix else None,
        "horizon": horizon,
    }


def _prepare(source: Path, fmt: TableFormat, sheet: str | None, overrides: dict, panel):
    """Load the structure (a study folder's aggregated SSIM or a file) and analyse it. For a
    study folder its ``[ism]`` table gives the defaults and the command line overrides them; a
    stored tier spec that no longer fits the levels is a warning (stderr) and the default.
    Returns the structure, the factor names (labels) and the model; errors name the file, the
    folder or the option at fault."""
    from ismpanel.analysis.structure import Options, analyse_structure, options_from_table
    from ismpanel.cli.output import warn

    if not source.exists():
        raise InputError(f"{source}: does not exist (expected an SSIM file or a study folder)")
    if source.is_dir():
        from ismpanel.cli.panel import tie_note
        from ismpanel.elicitation.panel import panel_structure
        from ismpanel.elicitation.store import PanelStore

        store = PanelStore.open(source, read_only=True)
        built = panel_structure(store, panel)
        structure = built.structure
        if note := tie_note(built.aggregate):
            warn(note)
        names = {f.id: f.name for f in store.study.factors}
        base = options_from_table(store.study.extra.get("ism", {}), f"{source}/study.toml [ism]")
    else:
        from ismpanel.analysis.ssim import parse_structure
        from ismpanel.readers import read_grid

        grid = read_grid(source, sheet)
        try:
            structure = parse_structure(grid, fmt.value)
        except InputError as err:
            raise InputError(f"{source}: {err}") from None
        names, base = {}, Options()
    options = base.overridden(**overrides)
    model = analyse_structure(structure.factors, structure.irm, options)
    for line in model.warnings:
        warn(line)
    if structure.declared_frm is not None:
        _check_declared_frm(source, structure, model.ism.frm)
    return structure, names, model


def _check_declared_frm(source: Path, structure, frm) -> None:
    """Warn when a printed final reachability matrix (1* marks) is not the closure of its
    direct entries: the analysis uses the closure, and says where the two differ."""
    from ismpanel.analysis.ism import frm_mismatches
    from ismpanel.cli.output import warn

    differ = frm_mismatches(structure.declared_frm, frm)
    if not differ:
        return
    f = structure.factors
    i, j = differ[0]
    given = "1" if structure.declared_frm[i, j] else "0"
    warn(
        f"{source}: the final reachability matrix given is not the closure of its "
        f"direct (1) entries; {len(differ)} entr{'y differs' if len(differ) == 1 else 'ies differ'}"
        f" (first: row {f[i]}, column {f[j]}: given {given}, closure {1 - int(given)}); the "
        "analysis uses the closure"
    )
