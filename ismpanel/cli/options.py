"""The command-line options several commands share, declared once so that their names, help
and choices agree everywhere (the study folder, the panel's aggregation, the LLM server)."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

StudyDir = Annotated[Path, typer.Argument(help="Study folder.", show_default=False)]


class Rule(StrEnum):
    """How the panel's answers are aggregated: a majority per arc direction or per letter."""

    direction = "direction"
    letter = "letter"


class NarrativeStyle(StrEnum):
    """How ``brief --narrative`` asks for prose (see ismpanel.report.narrative.prose)."""

    auto = "auto"
    free = "free"
    slots = "slots"


RuleOpt = Annotated[
    Rule, typer.Option("--rule", help="Majority per arc direction (default) or per letter.")
]
QuorumOpt = Annotated[
    int, typer.Option("--quorum", min=1, help="Fewest answers a pair needs for a result.")
]
LlmOpt = Annotated[
    bool, typer.Option("--include-llm", help="Let LLM panelists vote (default: humans only).")
]
BelowOpt = Annotated[
    float,
    typer.Option("--below", min=0.0, max=1.0, help="Agreement under which a pair is contested."),
]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Questionnaire (CSV/XLSX) for fsQCA; default: the study's [qca] data file.",
    ),
]
ReportIncompleteOpt = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete",
        help="Report although some experts have not finished (the report says who).",
    ),
]
IncompleteOpt = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete", help="Study folder: analyse although some experts have not finished."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the results as JSON.")]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="Workbook sheet (default: first).")]

ModelOpt = Annotated[
    str | None,
    typer.Option("--model", help="Model name (default: ISMPANEL_LLM_MODEL, then a study's [llm])."),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="OpenAI-compatible server, e.g. http://localhost:11434/v1 (default: "
        "ISMPANEL_LLM_BASE_URL, then a study's [llm], else OpenAI).",
    ),
]
TimeoutOpt = Annotated[
    float | None, typer.Option("--timeout", min=0.01, help="Seconds per call (default 60).")
]
RetriesOpt = Annotated[
    int | None, typer.Option("--retries", min=0, help="Retries per call (default 2).")
]
ConcurrencyOpt = Annotated[
    int | None, typer.Option("--concurrency", min=1, help="Calls in flight (default 4).")
]
