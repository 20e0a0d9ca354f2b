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

    Creates the study, imports the synthetic panel of five experts and closes its round (one
    left four pairs blank), aggregates, runs ISM, MICMAC and fsQCA on the synthetic
    questionnaire, writes brief.md with its figures, and prints the commands to go on with."""
    import shlex
    import tempfile

    from ismpanel.analysis.ssim import parse_ssim
    from ismpanel.cli.output import console, write_file
    from ismpanel.elicitation.aggregate import PanelOptions
    from ismpanel.elicitation.creation import create_from_template
    from ismpanel.elicitation.panel import record_ssim
    from ismpanel.elicitation.store import PanelStore
    from ismpanel.elicitation.study import bundled_templates
    from ismpanel.readers import read_grid
    from ismpanel.report import brief as report
    from ismpanel.report import summary
    from ismpanel.report.results import BriefOptions

    folder = out or Path(tempfile.mkdtemp(prefix="ismpanel-demo-"))
    source = bundled_templates()[DEMO_TEMPLATE]
    create_from_template(folder, DEMO_TEMPLATE, with_data=True)
    store = PanelStore.open(folder)
    for k, expert in enumerate(EXPERTS, start=1):
        added, _ = store.add_expert(f"Synthetic expert {k}")
        structure = parse_ssim(read_grid(source / "panel" / f"{expert}.csv"), allow_missing=True)
        record_ssim(store, added.id, structure.factors, structure.ssim)
    store.close_round()  # one synthetic expert left pairs blank: the round ends as it stands
    store.close()
    output = folder / "brief.md"
    dest = report.destination(output)
    built = report.prepare(folder, BriefOptions(PanelOptions()), dest)
    for path, content in report.files(folder, built).items():
        write_file(path, content)
    console.print(f"{built.results.study.title} (synthetic demo data) in {folder}", style="bold")
    for view in summary.views(built.results):
        console.print(view)
    console.print(f"Brief: {output} (figures: {dest.hierarchy.name}, {dest.micmac.name})")
    place = shlex.quote(str(folder))
    console.print(
        f"Next: ismpanel status {place}; ismpanel ism {place}; "
        f"ismpanel brief {place} -o brief.docx",
        soft_wrap=True,
    )
