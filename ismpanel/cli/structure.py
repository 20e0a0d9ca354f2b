"""``ismpanel ism`` and ``ismpanel micmac``: the structural analysis of one SSIM."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ismpanel.analysis.errors import InputError
from ismpanel.cli.panel import Rule


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
        help="A study folder (its panel's aggregated SSIM) or an SSIM file (CSV or XLSX; a 0/1 "
        "matrix or an edge list with from,to also work).",
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
RuleOpt = Annotated[
    Rule, typer.Option("--rule", help="Study folder: majority per arc direction or per letter.")
]
QuorumOpt = Annotated[
    int, typer.Option("--quorum", min=1, help="Study folder: fewest answers a pair needs.")
]
LlmOpt = Annotated[
    bool, typer.Option("--include-llm", help="Study folder: let LLM panelists vote.")
]
IncompleteOpt = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete", help="Study folder: analyse although some experts have not finished."
    ),
]


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
    rule: RuleOpt = Rule.direction,
    quorum: QuorumOpt = 1,
    include_llm: LlmOpt = False,
    allow_incomplete: IncompleteOpt = False,
) -> None:
    """ISM: reachability matrices, level partition, canonical matrix and the hierarchy."""
    from ismpanel.cli import structure_export as export
    from ismpanel.cli.output import console, print_json, write_file
    from ismpanel.cli.structure_view import ism_views

    panel = PanelOptions(rule.value, quorum, include_llm, allow_incomplete)
    structure, names = _load(source, fmt, sheet, panel)
    model = _analyse(structure, tiers, levels, threshold, equal_is_strong, indirect_matrix, horizon)
    if mermaid:
        write_file(mermaid, export.to_mermaid(model, names))
    if dot:
        write_file(dot, export.to_dot(model, names))
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
    rule: RuleOpt = Rule.direction,
    quorum: QuorumOpt = 1,
    include_llm: LlmOpt = False,
    allow_incomplete: IncompleteOpt = False,
) -> None:
    """MICMAC: driving power, dependence, clusters, indirect ranks and the check against ISM."""
    from ismpanel.cli import structure_export as export
    from ismpanel.cli.output import console, print_json, write_file
    from ismpanel.cli.structure_view import micmac_map, micmac_table, tier_check_table

    panel = PanelOptions(rule.value, quorum, include_llm, allow_incomplete)
    structure, _ = _load(source, fmt, sheet, panel)
    model = _analyse(structure, tiers, levels, threshold, equal_is_strong, indirect_matrix, horizon)
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


@dataclass(frozen=True)
class PanelOptions:
    """How a study folder's answers become one SSIM."""

    rule: str
    quorum: int
    include_llm: bool
    allow_incomplete: bool


def _load(source: Path, fmt: TableFormat, sheet: str | None, panel: PanelOptions):
    """The structure to analyse and the factor names (for labels): a study folder's aggregated
    SSIM, or a file. Errors name the file or the folder."""
    from ismpanel.analysis.ssim import parse_ssim, parse_structure

    if not source.exists():
        raise InputError(f"{source}: does not exist (expected an SSIM file or a study folder)")
    if source.is_dir():
        from ismpanel.elicitation.panel import aggregate_panel, panel_ssim, require_complete
        from ismpanel.elicitation.store import PanelStore

        store = PanelStore.open(source)
        if not panel.allow_incomplete:
            require_complete(store, panel.include_llm)
        result = aggregate_panel(
            store, rule=panel.rule, quorum=panel.quorum, include_llm=panel.include_llm
        )
        names = {f.id: f.name for f in store.study.factors}
        return parse_ssim(panel_ssim(store.study, result)), names
    from ismpanel.cli.readers import read_grid

    grid = read_grid(source, sheet)
    try:
        return parse_structure(grid, fmt.value), {}
    except InputError as err:
        raise InputError(f"{source}: {err}") from None


def _analyse(structure, tiers, levels, threshold, equal_is_strong, matrix, horizon):
    """Run the analysis; option errors name the option at fault."""
    from ismpanel.analysis.structure import Options, analyse_structure

    options = Options(
        tiers=tiers,
        level_rule=levels.value,
        threshold=threshold,
        equal_is_strong=equal_is_strong,
        indirect_matrix=matrix.value,
        horizon=horizon,
    )
    try:
        return analyse_structure(structure.factors, structure.irm, options)
    except InputError as err:
        raise InputError(f"--{err.option} {err}" if err.option else str(err)) from None
