"""``ismpanel brief``: the markdown policy brief of a study, with its MICMAC map beside it."""

from pathlib import Path
from typing import Annotated

import typer

from ismpanel.cli.llm_expert import confirm_key, key_note
from ismpanel.cli.options import (
    BaseUrlOpt,
    BelowOpt,
    ConcurrencyOpt,
    DataOpt,
    LlmOpt,
    ModelOpt,
    NarrativeStyle,
    QuorumOpt,
    ReportIncompleteOpt,
    RetriesOpt,
    Rule,
    RuleOpt,
    StudyDir,
    TimeoutOpt,
)


def register(app: typer.Typer) -> None:
    app.command("brief")(brief)


def brief(
    folder: StudyDir,
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="The brief's file; other formats are written beside it."
        ),
    ],
    formats: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Comma list of md, html, docx (default: the format of -o's suffix, else md).",
        ),
    ] = None,
    data: DataOpt = None,
    rule: RuleOpt = Rule.direction,
    quorum: QuorumOpt = 1,
    include_llm: LlmOpt = False,
    below: BelowOpt = 0.75,
    allow_incomplete: ReportIncompleteOpt = False,
    narrative: Annotated[
        bool,
        typer.Option(
            "--narrative",
            help="Let an LLM rewrite the recommendations as prose; every factor and figure is "
            "checked, and a section with any mismatch keeps its template text.",
        ),
    ] = False,
    narrative_style: Annotated[
        NarrativeStyle,
        typer.Option(
            "--narrative-style",
            help="free: the model restates the facts it is given; slots: it writes tags the "
            "program fills from the results (for small local models); auto: free, then slots "
            "for the sections whose free prose was not kept.",
        ),
    ] = NarrativeStyle.auto,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    concurrency: ConcurrencyOpt = None,
) -> None:
    """Write the brief: panel, ISM hierarchy, MICMAC, fsQCA configurations, recommendations
    by dimension, limitations, methods, provenance and the paper's tables, in markdown (with
    BRIEF.hierarchy.svg and BRIEF.micmac.svg beside it), self-contained HTML or Word."""
    from ismpanel.cli.output import warn, write_file
    from ismpanel.elicitation.aggregate import PanelOptions
    from ismpanel.report import brief as report
    from ismpanel.report.results import BriefOptions

    dest = report.destination(output, formats)
    config = None
    if narrative:  # settle the LLM set-up before any work: a missing one is one line
        from ismpanel.elicitation.study import load_study
        from ismpanel.llm.config import require_config

        config = require_config(
            load_study(folder).extra.get("llm"),
            confirm=confirm_key,
            model=model,
            base_url=base_url,
            timeout=timeout,
            retries=retries,
            concurrency=concurrency,
        )
        key_note(config)
    panel = PanelOptions(rule.value, quorum, include_llm, allow_incomplete)
    built = report.prepare(folder, BriefOptions(panel, below, data), dest)
    if config is not None:
        _rewrite_recommendations(folder, built, config, narrative_style.value)
    written = report.files(folder, built)
    for warning in built.results.warnings:
        warn(warning)
    for path, content in written.items():
        write_file(path, content)


def _rewrite_recommendations(folder: Path, built, config, style: str) -> None:
    """Replace each dimension's recommendations by the LLM's checked prose where it passes;
    print the usage and every mismatch, and record in the methods which sections changed.
    The reply format the server takes is read from and kept in the study."""
    from ismpanel.cli.output import notes
    from ismpanel.elicitation.store import PanelStore
    from ismpanel.errors import InputError
    from ismpanel.llm import formats
    from ismpanel.llm.client import LlmClient
    from ismpanel.report import context
    from ismpanel.report.narrative.prose import Section, narrate

    results = built.results
    sections = [
        Section(r["dimension"], r["text"], tuple(v["p"] for v in r["factors"]))
        for r in built.sections
    ]
    try:
        store = PanelStore.open(folder)
    except InputError:  # a study you may only read: the reply format is not kept
        store = PanelStore.open(folder, read_only=True)
    client = LlmClient(config, formats.remembered(store, config.server, config.model))
    try:
        result = narrate(client, results.study, sections, results.profiles, style)
    finally:
        client.close()
        formats.remember(store, config.server, config.model, client.formats.current)
        store.close()
        notes.print(client.usage.summary(config))
    for line in result.notes:
        notes.print(f"narrative: {line}", style="yellow")
    rewritten = []
    for entry, section in zip(built.sections, sections, strict=True):
        entry["text"] = result.text(section).strip()
        if entry["text"] != section.text.strip():
            rewritten.append(section.dimension.name)
    kept = len(sections) - len(rewritten)
    slotted = [
        s.dimension.name
        for s in sections
        if any(
            r.dimension == s.dimension.id and r.prose and r.style == "slots"
            for r in result.sections
        )
    ]
    filled = (
        f" ({', '.join(slotted)} in the slot style: each paragraph opens with the program's "
        "sentence of the factor's priority, and the model's tags were filled with clauses the "
        "program wrote from the results)"
        if slotted
        else ""
    )
    results.narrative = (
        f"recommendations rewritten as prose by {config.model} for: "
        f"{', '.join(rewritten) or 'no dimension'}{filled}; its factor ids, figures, levels, "
        "tiers, clusters, priorities, fsQCA roles, necessity and stated links were checked "
        "against the results (the wording of the measures was not); "
        f"{kept} section(s) kept the template text (mismatches or failures are listed when "
        "the brief is written)"
    )
    built.context["methods"] = context.methods(results)
