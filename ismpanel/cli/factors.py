"""``ismpanel factors draft "TOPIC" -o factors.csv``: an LLM drafts factors per dimension in
the format ``init --factors`` reads, for the facilitator to edit before creating the study."""

from pathlib import Path
from typing import Annotated

import typer

from ismpanel.cli.options import BaseUrlOpt, ConcurrencyOpt, ModelOpt, RetriesOpt, TimeoutOpt
from ismpanel.errors import AnalysisError, InputError

factors_app = typer.Typer(help="Draft a factors file with an LLM.", no_args_is_help=True)
DEFAULT_DIMENSIONS = "policy,technology,data,users"


def register(app: typer.Typer) -> None:
    app.add_typer(factors_app, name="factors")


@factors_app.command("draft")
def draft(
    topic: Annotated[str, typer.Argument(help="What the study is about.", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV or XLSX file to write.")],
    dimensions: Annotated[
        str, typer.Option("--dimensions", help="Dimension ids, comma-separated.")
    ] = DEFAULT_DIMENSIONS,
    count: Annotated[
        int, typer.Option("--count", min=1, max=30, help="Factors to ask for per dimension.")
    ] = 5,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    concurrency: ConcurrencyOpt = None,
) -> None:
    """Draft factors (id, dimension, name, definition) per dimension; empty and duplicate
    entries are removed and listed. Edit the file, then: ismpanel init DIR --factors FILE."""
    from rich.table import Table
    from rich.text import Text

    from ismpanel.cli.output import console, notes
    from ismpanel.cli.writers import write_grid
    from ismpanel.elicitation.llm.factors import draft_factors, parse_dimensions
    from ismpanel.elicitation.study import FACTOR_COLUMNS
    from ismpanel.llm.client import LlmClient
    from ismpanel.llm.config import require_config

    if not topic.strip():
        raise InputError("TOPIC is empty; say what the study is about")
    if output.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{output}: unknown output type; use .csv or .xlsx")
    dims = parse_dimensions(dimensions)
    config = require_config(
        None,
        model=model,
        base_url=base_url,
        timeout=timeout,
        retries=retries,
        concurrency=concurrency,
    )
    client = LlmClient(config)
    try:
        result = draft_factors(client, topic.strip(), dims, count)
    finally:
        client.close()
        notes.print(client.usage.summary(config))
    for line in result.removed:
        notes.print(Text.assemble(("removed", "yellow"), f" {line}"))
    for line in result.flagged:
        notes.print(Text.assemble(("check", "yellow"), f" {line}"))
    for dimension, problem in result.failed.items():
        notes.print(Text.assemble((f"no factors for {dimension}", "yellow"), f": {problem}"))
    if not result.factors:
        raise AnalysisError("the model gave no usable factor; nothing written")
    write_grid(
        output,
        [list(FACTOR_COLUMNS)]
        + [[f.id, f.dimension, f.name, f.definition] for f in result.factors],
    )
    table = Table(title=f"Draft factors: {topic.strip()}", title_justify="left")
    for col in ("Id", "Dimension", "Name", "Definition"):
        table.add_column(col)
    for f in result.factors:
        table.add_row(f.id, f.dimension, f.name, f.definition)
    console.print(table)
    console.print(
        f"{len(result.factors)} factor(s) drafted, {len(result.removed)} removed, "
        f"{len(result.flagged)} to check. Edit "
        f"{output}, then: ismpanel init DIR --factors {output}"
    )
