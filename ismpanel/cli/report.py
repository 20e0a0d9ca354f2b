"""``ismpanel report``: the paper's appendix tables alone, in markdown or as an XLSX workbook
(the format follows the output file's suffix)."""

from pathlib import Path
from typing import Annotated

import typer

from ismpanel.cli import options as opts

FORMATS = {".md": "markdown", ".markdown": "markdown", ".xlsx": "workbook"}


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    folder: opts.StudyDir,
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="File to write: .md (markdown) or .xlsx (workbook)."),
    ],
    data: opts.DataOpt = None,
    rule: opts.RuleOpt = opts.Rule.direction,
    quorum: opts.QuorumOpt = 1,
    include_llm: opts.LlmOpt = False,
    below: opts.BelowOpt = 0.75,
    allow_incomplete: opts.ReportIncompleteOpt = False,
) -> None:
    """Write the tables a paper prints: aggregated SSIM, reachability matrices, level
    partition, canonical matrix, MICMAC; item statistics, reliability, calibration, truth
    table, necessity, solutions and configurations for the outcome and its negation."""
    from ismpanel.cli.output import check_writable, warn, write_file
    from ismpanel.elicitation.aggregate import PanelOptions
    from ismpanel.errors import InputError
    from ismpanel.report import appendix
    from ismpanel.report.results import BriefOptions, compute

    kind = FORMATS.get(output.suffix.lower())
    if kind is None:
        raise InputError(f"-o {output}: give a .md or .xlsx file name")
    check_writable(output)  # before any work
    panel = PanelOptions(rule.value, quorum, include_llm, allow_incomplete)
    results = compute(folder, BriefOptions(panel, below, data))
    found = appendix.sections(results)
    for warning in results.warnings:
        warn(warning)
    if kind == "workbook":
        from ismpanel.report.workbook import workbook

        write_file(output, workbook(results.study.title, found))
    else:
        title = f"# {results.study.title}: tables\n\n"
        write_file(output, title + appendix.to_markdown(found))
