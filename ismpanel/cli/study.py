"""``ismpanel init``, ``templates`` and ``status``: create a study folder and watch the panel."""

import contextlib
import tomllib
from pathlib import Path
from typing import Annotated

import typer

from ismpanel.analysis.errors import InputError
from ismpanel.cli.options import JsonOpt, StudyDir

PROVENANCE = "provenance"
QUESTIONNAIRE = "questionnaire.csv"


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("templates")(templates)
    app.command("status")(status)


def init(
    folder: StudyDir,
    template: Annotated[
        str | None, typer.Option("--template", help="A bundled study (see: ismpanel templates).")
    ] = None,
    factors: Annotated[
        Path | None,
        typer.Option(
            "--factors", help="Factors file: CSV/XLSX/TOML with id, dimension, name, definition."
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Study title.")] = None,
    relation: Annotated[
        str, typer.Option("--relation", help="Contextual relation used in every question.")
    ] = "directly influences",
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="What the structure explains.")
    ] = None,
    dimensions: Annotated[
        str | None,
        typer.Option(
            "--dimensions",
            help="Allowed dimensions, e.g. policy,technology,data,users "
            "(default: those the factors file names).",
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            help="Let this group read and write panel.db (one account per "
            "expert); default: owner only.",
        ),
    ] = None,
) -> None:
    """Create a study folder: study.toml and an empty panel.db."""
    from ismpanel.cli.output import console, warn
    from ismpanel.elicitation.study import study_toml

    if (template is None) == (factors is None):
        raise InputError("init needs exactly one of --template NAME or --factors FILE")
    if template is not None:
        study = create_from_template(folder, template, group)
    else:
        study = _study_from_factors(
            factors, title or folder.resolve().name, relation, outcome, dimensions
        )
        create_study(folder, study, study_toml(study), group)
    for f in study.factors:
        if not f.definition.strip():
            warn(f"factor {f.id} ({f.name}) has no definition; experts will see only its name")
    console.print(
        f"Created study {study.title} in {folder}: {len(study.factors)} factors, "
        f"{len(study.factors) * (len(study.factors) - 1) // 2} pairs per expert. "
        "Next: ismpanel expert add."
    )


def create_from_template(
    folder: Path, name: str, group: str | None = None, *, with_data: bool = False
):
    """Create a study folder from a bundled template: its study.toml copied as it is, except
    the ``[provenance]`` table, which describes the template's synthetic data and so goes unless
    ``with_data`` also copies that data (the questionnaire; the demo imports the panel itself)."""
    import shutil

    from ismpanel.elicitation.study import (
        STUDY_FILE,
        bundled_templates,
        load_study,
        study_from_dict,
        without_table,
    )

    found = bundled_templates()
    if name not in found:
        raise InputError(f"--template {name}: no such template; bundled: {', '.join(found)}")
    source = found[name] / STUDY_FILE
    study = load_study(found[name])
    text = source.read_text(encoding="utf-8")
    if not with_data:
        text = without_table(text, PROVENANCE, source)
        study = study_from_dict(tomllib.loads(text), str(source))
    create_study(folder, study, text, group)
    if with_data and (found[name] / QUESTIONNAIRE).is_file():
        shutil.copyfile(found[name] / QUESTIONNAIRE, folder / QUESTIONNAIRE)
    return study


def create_study(folder: Path, study, text: str, group: str | None) -> None:
    """Write study.toml and create panel.db in a folder that holds neither. panel.db appears
    at once, whole, or not at all (PanelStore.create), so of two inits racing on one folder
    exactly one succeeds; the other fails and removes only what it made itself."""
    import shutil

    from ismpanel.cli.output import write_file
    from ismpanel.elicitation.store import DB_FILE, PanelStore, group_id
    from ismpanel.elicitation.study import STUDY_FILE

    for name in (STUDY_FILE, DB_FILE):
        if (folder / name).exists():
            raise InputError(f"{folder}: already holds {name}; choose a new folder")
    if group:
        group_id(group)  # refuse an unknown group before anything is created
    created = _make_folder(folder)
    made: list[str] = []
    try:
        PanelStore.create(folder, study, group).close()
        made += [DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm", STUDY_FILE]
        write_file(folder / STUDY_FILE, text)
        if group:
            shutil.chown(folder / STUDY_FILE, group=group)
            (folder / STUDY_FILE).chmod(0o640)
    except BaseException:
        for name in made:
            (folder / name).unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):  # another init may have put files in it
                folder.rmdir()
        raise


def _make_folder(folder: Path) -> bool:
    """Create the study folder (and its parents); whether this call created it."""
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        if not folder.is_dir():
            raise InputError(f"{folder}: exists and is not a folder") from None
        return False
    return True


def templates(json: JsonOpt = False) -> None:
    """List the bundled study templates."""
    from ismpanel.cli.output import console, print_json
    from ismpanel.elicitation.study import bundled_templates, load_study

    found = {name: load_study(path) for name, path in bundled_templates().items()}
    if json:
        print_json(
            [
                {
                    "name": name,
                    "title": study.title,
                    "factors": len(study.factors),
                    "dimensions": [d.id for d in study.dimensions],
                }
                for name, study in found.items()
            ]
        )
        return
    for name, study in found.items():
        console.print(
            f"{name}  {study.title} ({len(study.factors)} factors in "
            f"{len(study.dimensions)} dimensions)"
        )


def status(
    folder: StudyDir,
    json: JsonOpt = False,
) -> None:
    """Per expert: answered/total in the current round, last activity and standing; whom the
    round still waits for (not those who withdrew, nobody once the round is closed)."""
    from rich.table import Table

    from ismpanel.cli.experts import standing
    from ismpanel.cli.output import console, local_time, print_json
    from ismpanel.elicitation.panel import awaited, progress
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder, read_only=True)
    rows = progress(store)
    number = store.current_round()
    closed = store.round_closed(number)
    waiting = [p.id for p in awaited(store, include_llm=True)]
    if json:
        print_json(
            {
                "round": number,
                "closed": closed,
                "waiting_for": waiting,
                "experts": [
                    {
                        "id": p.id,
                        "kind": p.kind,
                        "answered": p.answered,
                        "total": p.total,
                        "last_activity": p.last_activity,
                        "withdrawn_from": p.withdrawn.round if p.withdrawn else None,
                    }
                    for p in rows
                ],
            }
        )
        return
    # the title on a line of its own: a table's title would wrap to the table's width
    state = " (closed)" if closed else ""
    console.print(f"{store.study.title}: round {number}{state}", style="bold")
    table = Table()
    for col in ("Expert", "Kind", "Answered", "Last activity", "Standing"):
        table.add_column(col)
    for p in rows:
        table.add_row(
            p.id, p.kind, f"{p.answered}/{p.total}", local_time(p.last_activity), standing(p)
        )
    console.print(table)
    if closed:
        console.print(f"Round {number} is closed; unanswered pairs count as missing.")
    elif waiting:
        console.print("Not finished: " + ", ".join(waiting))
    else:
        console.print("Every expert has finished.")


def _study_from_factors(path, title, relation, outcome, dimensions):
    """A study from a factors file; dimensions from --dimensions, a TOML file's declaration,
    or the file's own dimension column."""
    from ismpanel.elicitation.study import (
        Dimension,
        build_study,
        factors_from_grid,
        factors_from_toml,
        read_toml,
    )
    from ismpanel.readers import read_grid

    declared = None
    if path.suffix.lower() == ".toml":
        data = read_toml(path)
        declared, factors = factors_from_toml(data, str(path))
        head = data.get("study", {})
        if not isinstance(head, dict):
            raise InputError(f"{path}: [study] must be a table")
        title = head.get("title", title)
        relation = head.get("relation", relation)
        outcome = head.get("outcome", outcome)
    else:
        factors = factors_from_grid(read_grid(path), str(path))
    if dimensions:
        declared = [
            Dimension(d.strip(), d.strip().capitalize()) for d in dimensions.split(",") if d.strip()
        ]
    if declared is None:
        seen = dict.fromkeys(f.dimension for f in factors)
        declared = [Dimension(d, d.capitalize()) for d in seen]
    return build_study(title, relation, outcome or title, declared, factors, str(path))
