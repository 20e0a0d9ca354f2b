"""The policy brief: results computed once, the recommendations rendered per dimension from
templates (the study's own first), then the whole brief in markdown, and from it HTML and
Word; the figures are named after the brief, so that two briefs in one folder never share a
picture."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ismpanel.errors import InputError
from ismpanel.report import context, templating
from ismpanel.report.results import BriefOptions, StudyResults, compute

FORMATS = ("md", "html", "docx")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".docx": "docx"}


@dataclass(frozen=True)
class Destination:
    """Where a brief goes: one file per format, named after ``-o`` (``brief.md``,
    ``brief.html``, ``brief.docx``), and beside the markdown its two figures
    (``brief.hierarchy.svg``, ``brief.micmac.svg``), so two briefs in one folder never share
    a picture."""

    output: Path
    formats: tuple[str, ...]

    def path(self, fmt: str) -> Path:
        """The file of one format: ``-o`` itself for its own format, else beside it."""
        if SUFFIXES.get(self.output.suffix.lower()) == fmt:
            return self.output
        return self.output.with_suffix(f".{fmt}")

    @property
    def micmac(self) -> Path:
        return self.output.with_name(f"{self.output.stem}.micmac.svg")

    @property
    def hierarchy(self) -> Path:
        return self.output.with_name(f"{self.output.stem}.hierarchy.svg")

    @property
    def files(self) -> list[Path]:
        figures = [self.hierarchy, self.micmac] if "md" in self.formats else []
        return [*figures, *(self.path(f) for f in self.formats)]


@dataclass
class Brief:
    """A brief ready to render: its results, its context, and where it goes."""

    results: StudyResults
    context: dict
    destination: Destination

    @property
    def sections(self) -> list[dict]:
        """The recommendation sections, one per dimension: ``dimension``, ``factors``, ``text``."""
        return self.context["recommendations"]


def destination(output: Path, formats: str | None = None) -> Destination:
    """The brief's files, refused before any work is done when one cannot be written: ``-o``
    must name a file in an existing folder; ``formats`` is a comma list of md, html, docx
    (default: the format of ``-o``'s suffix, else md)."""
    if output.is_dir():
        raise InputError(
            f"-o {output}: is a folder; give the brief's file name, e.g. {output / 'brief.md'}"
        )
    folder = output.parent
    if not folder.is_dir():
        raise InputError(f"-o {output}: folder {folder} does not exist")
    suffix = SUFFIXES.get(output.suffix.lower())
    if suffix is None:
        raise InputError(
            f"-o {output}: give a file name ending in .md, .html or .docx", option="output"
        )
    if formats is None:
        chosen: tuple[str, ...] = (suffix,)
    else:
        chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats.split(",") if f.strip()))
        unknown = [f for f in chosen if f not in FORMATS]
        if unknown or not chosen:
            raise InputError(
                f"{formats!r}: expected a comma list of {', '.join(FORMATS)}",
                option="format",
            )
    dest = Destination(output, chosen)
    for path in dest.files:
        if path.is_dir():
            raise InputError(f"-o {output}: {path} is a folder, and the brief writes it")
    return dest


def prepare(folder: Path, options: BriefOptions, dest: Destination) -> Brief:
    """Compute the results and the context, with each dimension's recommendations rendered."""
    results = compute(folder, options)
    ctx = context.build(results, dest.micmac.name, dest.hierarchy.name)
    env = templating.environment(folder)
    ctx["recommendations"] = [
        {**section, "text": _render_dimension(env, results, section)}
        for section in ctx.pop("dimensions")
    ]
    return Brief(results, ctx, dest)


def files(folder: Path, brief: Brief) -> dict[Path, str | bytes]:
    """Every file of the brief with its content, figures first: the markdown with its SVG
    figures, the self-contained HTML, the Word document."""
    from ismpanel.report import figures

    dest, model = brief.destination, brief.results.model
    text = render(folder, brief)
    # HTML and Word draw the hierarchy figure; the Mermaid text is for markdown viewers
    ism = brief.context["ism"]
    other = render(folder, replace(brief, context={**brief.context, "ism": {**ism, "mermaid": ""}}))
    drawn = {
        dest.hierarchy.name: figures.hierarchy_figure(model),
        dest.micmac.name: figures.micmac_figure(model),
    }
    out: dict[Path, str | bytes] = {}
    svgs = {name: figures.render(fig, "svg") for name, fig in drawn.items()}
    if "md" in dest.formats:
        out[dest.hierarchy] = svgs[dest.hierarchy.name]
        out[dest.micmac] = svgs[dest.micmac.name]
        out[dest.path("md")] = text
    if "html" in dest.formats:
        from ismpanel.report.html import to_html

        out[dest.path("html")] = to_html(other, svgs, brief.results.study.title)
    if "docx" in dest.formats:
        from ismpanel.report.word import to_docx

        pngs = {name: figures.render(fig, "png") for name, fig in drawn.items()}
        out[dest.path("docx")] = to_docx(other, pngs, brief.results.study.title)
    return out


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
