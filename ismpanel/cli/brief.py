"""``ismpanel brief``: the markdown policy brief of a study, with its MICMAC map beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ismpanel.cli.panel import BelowOpt, LlmOpt, QuorumOpt, Rule, RuleOpt

StudyDir = Annotated[Path, typer.Argument(help="Study folder.", show_default=False)]


def register(app: typer.Typer) -> None:
    app.command("brief")(brief)


def brief(
    folder: StudyDir,
    output: Annotated[Path, typer.Option("-o", "--output", help="Markdown file to write.")],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Questionnaire (CSV/XLSX) for fsQCA; default: the study's [qca] data file.",
        ),
    ] = None,
    rule: RuleOpt = Rule.direction,
    quorum: QuorumOpt = 1,
    include_llm: LlmOpt = False,
    below: BelowOpt = 0.75,
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="Write the brief although some experts have not finished (the brief says who).",
        ),
    ] = False,
) -> None:
    """Write the brief: panel, ISM hierarchy, MICMAC, fsQCA configurations, recommendations
    by dimension, methods and data provenance; the MICMAC map is written beside it as SVG."""
    from ismpanel.cli.output import write_file
    from ismpanel.cli.plots import micmac_svg
    from ismpanel.cli.study_report import MICMAC_SVG, ReportOptions, build_report, render_brief
    from ismpanel.elicitation.aggregate import PanelOptions

    panel = PanelOptions(rule.value, quorum, include_llm, allow_incomplete)
    options = ReportOptions(panel, below, data)
    report = build_report(folder, options)
    text = render_brief(folder, report)
    write_file(output.parent / MICMAC_SVG, micmac_svg(report.model))
    write_file(output, text)
