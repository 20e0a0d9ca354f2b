"""``ismpanel demo``: the bundled example run end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the outputs (default: a new temporary folder)."),
    ] = None,
) -> None:
    """Run the bundled example end to end and write its outputs to a folder.

    The example is the published SSIM of Kumar et al. (2014) on offshore outsourcing risks:
    ISM and MICMAC, with the markdown report, the Mermaid digraph and the MICMAC map."""
    import tempfile
    from importlib.resources import files

    from ismpanel.analysis.ssim import parse_structure
    from ismpanel.analysis.structure import analyse_structure
    from ismpanel.cli import structure_export as export
    from ismpanel.cli.output import console, write_file
    from ismpanel.cli.plots import micmac_svg
    from ismpanel.cli.readers import read_grid
    from ismpanel.cli.structure_view import hierarchy_view, micmac_map, micmac_table

    folder = out or Path(tempfile.mkdtemp(prefix="ismpanel-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = files("ismpanel") / "templates" / "examples" / "kumar2014_offshore_risks.ssim.csv"
    structure = parse_structure(read_grid(Path(str(source))))
    model = analyse_structure(structure.factors, structure.irm)
    console.print(f"[bold]Demo:[/bold] ISM and MICMAC of {source.name} in {folder}")
    for view in (hierarchy_view(model), micmac_table(model), micmac_map(model)):
        console.print(view)
        console.print()
    write_file(folder / "report.md", export.to_markdown(model, structure.ssim))
    write_file(folder / "digraph.mmd", export.to_mermaid(model))
    write_file(folder / "micmac.svg", micmac_svg(model))
