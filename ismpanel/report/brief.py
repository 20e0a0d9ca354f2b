"""The policy brief: results computed once, the recommendations rendered per dimension from
templates (the study's own first), then the whole brief; the MICMAC figure is named after the
brief, so that two briefs in one folder never share a picture."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ismpanel.analysis.errors import InputError
from ismpanel.report import context, templating
from ismpanel.report.results import BriefOptions, StudyResults, compute


@dataclass
class Brief:
    """A brief ready to render: its results, its context, and where its figure goes."""

    results: StudyResults
    context: dict
    figure: Path

    @property
    def sections(self) -> list[dict]:
        """The recommendation sections, one per dimension: ``dimension``, ``factors``, ``text``."""
        return self.context["recommendations"]


def figure_path(output: Path) -> Path:
    """The MICMAC figure of a brief, beside it and named after it (``brief.micmac.svg``)."""
    return output.with_name(f"{output.stem}.micmac.svg")


def check_destination(output: Path) -> Path:
    """Refuse a destination that cannot be written before any work is done; the figure path."""
    if output.is_dir():
        raise InputError(
            f"-o {output}: is a folder; give the brief's file name, e.g. {output / 'brief.md'}"
        )
    folder = output.parent
    if not folder.is_dir():
        raise InputError(f"-o {output}: folder {folder} does not exist")
    figure = figure_path(output)
    if figure.is_dir():
        raise InputError(f"-o {output}: {figure} is a folder, and the brief's figure goes there")
    return figure


def prepare(folder: Path, options: BriefOptions, figure: Path) -> Brief:
    """Compute the results and the context, with each dimension's recommendations rendered."""
    results = compute(folder, options)
    ctx = context.build(results, figure.name)
    env = templating.environment(folder)
    ctx["recommendations"] = [
        {**section, "text": _render_dimension(env, results, section)}
        for section in ctx.pop("dimensions")
    ]
    return Brief(results, ctx, figure)


def render(folder: Path, brief: Brief) -> str:
    """The markdown brief from ``brief.md.j2`` (the study's own copy if it has one)."""
    return templating.render(templating.environment(folder), "brief.md.j2", **brief.context)


def _render_dimension(env, results: StudyResults, section: dict) -> str:
    """One dimension's recommendations: the study's ``<dimension id>.md.j2`` if it has one,
    otherwise the domain-neutral ``dimension.md.j2``."""
    d = section["dimension"]
    own = f"{d.id}.md.j2"
    name = own if _study_has(results.folder, own) else "dimension.md.j2"
    return templating.render(
        env, name, dimension=d, factors=section["factors"], study=results.study
    ).strip()


def _study_has(folder: Path, name: str) -> bool:
    """A dimension template counts only in the study's own templates folder: the bundled
    templates carry no dimension-specific wording."""
    return (folder / "templates" / name).is_file()
