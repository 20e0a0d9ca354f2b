"""``ismpanel demo``: the bundled open-gov-privacy study run end to end on its synthetic data."""

from pathlib import Path
from typing import Annotated

import typer

DEMO_TEMPLATE = "open-gov-privacy"
EXPERTS = ("E1", "E2", "E3", "E4", "E5")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for the study and its brief (default: a new temporary folder)."
        ),
    ] = None,
) -> None:
    """Run the bundled privacy study end to end and write its brief.

    Creates the study, imports the synthetic panel of five experts, aggregates, runs ISM,
    MICMAC and fsQCA on the synthetic questionnaire, and writes brief.md with its figures."""
    import shutil
    import tempfile

    from rich.table import Table

    from ismpanel.analysis.ssim import parse_ssim
    from ismpanel.cli.output import console, write_file
    from ismpanel.cli.plots import micmac_svg
    from ismpanel.cli.readers import read_grid
    from ismpanel.cli.structure_view import hierarchy_view
    from ismpanel.cli.study import create_from_template
    from ismpanel.cli.study_report import MICMAC_SVG, ReportOptions, build_report, render_brief
    from ismpanel.elicitation.aggregate import PanelOptions
    from ismpanel.elicitation.panel import record_ssim
    from ismpanel.elicitation.store import PanelStore
    from ismpanel.elicitation.study import bundled_templates

    folder = out or Path(tempfile.mkdtemp(prefix="ismpanel-demo-"))
    source = bundled_templates()[DEMO_TEMPLATE]
    create_from_template(folder, DEMO_TEMPLATE)
    shutil.copyfile(source / "questionnaire.csv", folder / "questionnaire.csv")
    store = PanelStore.open(folder)
    for k, expert in enumerate(EXPERTS, start=1):
        added, _ = store.add_expert(f"Synthetic expert {k}")
        structure = parse_ssim(read_grid(source / "panel" / f"{expert}.csv"), allow_missing=True)
        record_ssim(store, added.id, structure.factors, structure.ssim)
    store.close()
    report = build_report(folder, ReportOptions(PanelOptions(allow_incomplete=True)))
    write_file(folder / MICMAC_SVG, micmac_svg(report.model))
    write_file(folder / "brief.md", render_brief(folder, report))

    console.print(f"{report.study.title} (synthetic demo data) in {folder}", style="bold")
    console.print(hierarchy_view(report.model))
    clusters = Table(title="MICMAC clusters", title_justify="left")
    clusters.add_column("Cluster")
    clusters.add_column("Factors")
    for q in ("independent", "linkage", "dependent", "autonomous"):
        members = [
            f for f, c in zip(report.model.factors, report.model.quadrants, strict=True) if c == q
        ]
        clusters.add_row(q, ", ".join(members))
    console.print(clusters)
    if report.qca:
        console.print("\n".join(report.qca["summary"]))
    top = Table(title="Top recommendations", title_justify="left")
    for col in ("#", "Factor", "Dimension", "Priority", "Why"):
        top.add_column(col)
    for p in sorted(report.profiles, key=lambda p: p.rank)[:5]:
        why = f"level {p.level}/{p.n_levels} {p.tier}, {p.cluster}"
        if p.roles:
            why += "; " + ", ".join(
                f"{r.role.replace('_', ' ')} in {r.configuration}" for r in p.roles
            )
        top.add_row(str(p.rank), f"{p.id} {p.name}", p.dimension, p.priority, why)
    console.print(top)
    console.print(f"Brief: {folder / 'brief.md'} (MICMAC map: {folder / MICMAC_SVG})")
