"""Jinja2 templates for the brief and the recommendations, overridable per study.

Templates are found by file name: first in ``STUDY/templates/``, then among the bundled ones
(``ismpanel/templates/brief`` and ``ismpanel/templates/recommendations``), so a facilitator
changes any wording by copying a file of the same name into the study. A study's templates are
untrusted text (in a shared study folder anyone in the group can write them), so they render in
Jinja2's immutable sandbox: no attribute starting with ``_``, no access to Python internals, no
mutation of the results. Undefined variables are errors (StrictUndefined), and every template
error is reported as one line with the template's file and line.
"""

from __future__ import annotations

import traceback
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ismpanel.errors import InputError
from ismpanel.readers import TEXT_BYTES, read_bytes
from ismpanel.report.markdown import text as markdown_text
from ismpanel.text import printable

BUNDLED = ("brief", "recommendations")


class StudyLoader(jinja2.BaseLoader):
    """A study's own templates: each read only when, every symlink followed, it is a regular
    file inside the study's ``templates/`` folder (no larger than a text file may be), so
    that a link in a shared folder cannot make the brief read a file from elsewhere."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = folder.resolve()

    def get_source(self, environment: jinja2.Environment, template: str):
        path = self.folder.joinpath(*split_template_path(template))
        if not path.exists():
            raise jinja2.TemplateNotFound(template)
        if not path.resolve().is_relative_to(self.root):
            raise InputError(f"{path}: links out of the study's templates folder; refused")
        try:
            source = read_bytes(path, TEXT_BYTES).decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(f"{path}: not UTF-8 text ({err.reason})") from None
        return source, str(path), lambda: False


def environment(study_folder: Path | None = None) -> jinja2.Environment:
    """A template environment searching the study's own templates before the bundled ones;
    a ``templates`` folder that is a link out of the study folder is refused."""
    root = files("ismpanel") / "templates"
    search: list[jinja2.BaseLoader] = []
    own = study_folder / "templates" if study_folder is not None else None
    if own is not None and own.is_dir():
        if not own.resolve().is_relative_to(study_folder.resolve()):
            raise InputError(f"{own}: links out of the study folder; refused")
        search.append(StudyLoader(own))
    search.append(jinja2.FileSystemLoader([str(root / sub) for sub in BUNDLED]))
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(search),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
        autoescape=False,
    )
    env.filters["md"] = markdown_text  # study texts in running markdown: shown, not fetched
    return env


def render(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render a template, without control characters in the result (a template or a text it
    quotes may hold them, and the result goes into the brief); a syntax error, an undefined
    variable or any failure inside a template becomes an :class:`InputError` naming the
    template file and line."""
    try:
        return printable(env.get_template(name).render(**context))
    except InputError:
        raise
    except jinja2.TemplateSyntaxError as err:
        where = err.filename or err.name or name
        raise InputError(f"{where}:{err.lineno}: template syntax error: {err.message}") from None
    except jinja2.TemplateNotFound as err:
        where = _template_frame(err, "")
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}template {err.name} not found") from None
    except Exception as err:  # any failure raised while running template code
        raise InputError(f"{_template_frame(err, name)}: template error: {err}") from None


def _template_frame(err: Exception, name: str) -> str:
    """``file:line`` of the innermost template frame in the traceback (Jinja2 rewrites
    tracebacks so that template code shows its own file and line)."""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{Path(frame.filename)}:{frame.lineno}"
    return name
