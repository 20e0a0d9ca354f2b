"""``ismpanel ism`` and ``ismpanel micmac``: the structural analysis of one SSIM."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ismpanel.analysis.errors import InputError


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
        help="SSIM file (CSV or XLSX; a 0/1 matrix or an edge list with from,to also work).",
        show_default=False,
    ),
]
FormatOpt = Annotated[
    TableFormat, typer.Option("--format", help="How to read the file; auto detects it.")
]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="Workbook sheet (default: first).")]
TiersOpt = Annotated[
    str | None,
    typer.Option(
        "--tiers",
        help="Level ranges of the surface, middle and deep tiers, e.g. 1-2,3-5,6-8 "
        "(default: level 1, the levels between, the last level).",
    ),
]
LevelsOpt = Annotated[
    LevelRule,
    typer.Option("--levels", help="Level partition rule: top-down R∩A=R (standard) or bottom-up."),
]
ThresholdOpt = Annotated[
    str,
    typer.Option("--threshold", help="MICMAC threshold: half (n/2), mean, median or a number."),
]
EqualOpt = Annotated[
    bool,
    typer.Option(
        "--equal-is-strong", help="Count a power equal to the threshold as strong (default weak)."
    ),
]
MatrixOpt = Annotated[
    IndirectMatrix,
    typer.Option("--indirect-matrix", help="Indirect MICMAC on powers of I+A or of A (Godet)."),
]
HorizonOpt = Annotated[
    int | None,
    typer.Option("--horizon", help="Powers for indirect MICMAC (default max(2n, 20)).", min=2),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the results as JSON.")]


def register(app: typer.Typer) -> None:
    app.command("ism")(ism)
    app.command("micmac")(micmac)


def ism(
    source: Source,
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
    fmt: FormatOpt = TableFormat.auto,
    sheet: SheetOpt = None,
    tiers: TiersOpt = None,
    levels: LevelsOpt = LevelRule.top_down,
    threshold: ThresholdOpt = "half",
    equal_is_strong: EqualOpt = False,
    indirect_matrix: MatrixOpt = IndirectMatrix.identity_plus,
    horizon: HorizonOpt = None,
) -> None:
    """ISM: reachability matrices, level partition, canonical matrix and the hierarchy."""
    from ismpanel.cli import structure_export as export
    from ismpanel.cli.output import console, print_json, write_file
    from ismpanel.cli.structure_view import ism_views

    structure, model = _analyse(
        source, fmt, sheet, tiers, levels, threshold, equal_is_strong, indirect_matrix, horizon
    )
    if mermaid:
        write_file(mermaid, export.to_mermaid(model))
    if dot:
        write_file(dot, export.to_dot(model))
    if markdown:
        write_file(markdown, export.to_markdown(model, structure.ssim))
    if json:
        print_json(export.model_json(model))
        return
    for view in ism_views(model, structure.ssim):
        console.print(view)
        console.print()


def micmac(
    source: Source,
    json: JsonOpt = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the driving-dependence map as SVG.")
    ] = None,
    fmt: FormatOpt = TableFormat.auto,
    sheet: SheetOpt = None,
    tiers: TiersOpt = None,
    levels: LevelsOpt = LevelRule.top_down,
    threshold: ThresholdOpt = "half",
    equal_is_strong: EqualOpt = False,
    indirect_matrix: MatrixOpt = IndirectMatrix.identity_plus,
    horizon: HorizonOpt = None,
) -> None:
    """MICMAC: driving power, dependence, clusters, indirect ranks and the check against ISM."""
    from ismpanel.cli import structure_export as export
    from ismpanel.cli.output import console, print_json, write_file
    from ismpanel.cli.structure_view import micmac_map, micmac_table, tier_check_table

    _, model = _analyse(
        source, fmt, sheet, tiers, levels, threshold, equal_is_strong, indirect_matrix, horizon
    )
    if plot:
        from ismpanel.cli.plots import micmac_svg

        write_file(plot, micmac_svg(model))
    if json:
        print_json(export.model_json(model))
        return
    for view in (micmac_table(model), micmac_map(model), tier_check_table(model)):
        console.print(view)
        console.print()
    console.print(export.indirect_note(model))


def _analyse(source, fmt, sheet, tiers, levels, threshold, equal_is_strong, matrix, horizon):
    """Read the structure and run the analysis; errors name the file or the option at fault."""
    from ismpanel.analysis.ssim import parse_structure
    from ismpanel.analysis.structure import Options, analyse_structure
    from ismpanel.cli.readers import read_grid

    grid = read_grid(source, sheet)
    try:
        structure = parse_structure(grid, fmt.value)
    except InputError as err:
        raise InputError(f"{source}: {err}") from None
    options = Options(
        tiers=tiers,
        level_rule=levels.value,
        threshold=threshold,
        equal_is_strong=equal_is_strong,
        indirect_matrix=matrix.value,
        horizon=horizon,
    )
    try:
        model = analyse_structure(structure.factors, structure.irm, options)
    except InputError as err:
        raise InputError(f"--{err.option} {err}" if err.option else str(err)) from None
    return structure, model
