"""Creating a study folder: study.toml and an empty panel.db, from a bundled template or a
factors file. Either appears whole or the folder is left as it was."""

from __future__ import annotations

import contextlib
import shutil
import tomllib
from pathlib import Path

from ismpanel.elicitation.store import DB_FILE, PanelStore, group_id
from ismpanel.elicitation.study import (
    STUDY_FILE,
    Dimension,
    Study,
    build_study,
    bundled_templates,
    factors_from_grid,
    factors_from_toml,
    load_study,
    read_toml,
    study_from_dict,
    without_table,
)
from ismpanel.errors import InputError
from ismpanel.files import atomic_write
from ismpanel.readers import read_grid

PROVENANCE = "provenance"
QUESTIONNAIRE = "questionnaire.csv"


def create_from_template(
    folder: Path, name: str, group: str | None = None, *, with_data: bool = False
) -> Study:
    """Create a study folder from a bundled template: its study.toml copied as it is, except
    the ``[provenance]`` table, which describes the template's synthetic data and so goes unless
    ``with_data`` also copies that data (the questionnaire; the demo imports the panel itself)."""
    found = bundled_templates()
    if name not in found:
        raise InputError(
            f"{name!r}: no such template; bundled: {', '.join(found)}", option="template"
        )
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


def create_study(folder: Path, study: Study, text: str, group: str | None) -> None:
    """Write study.toml and create panel.db in a folder that holds neither. panel.db appears
    at once, whole, or not at all (PanelStore.create), so of two inits racing on one folder
    exactly one succeeds; the other fails and removes only what it made itself."""
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
        atomic_write(folder / STUDY_FILE, text.encode("utf-8"))
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


def study_from_factors_file(
    path: Path, title: str, relation: str, outcome: str | None, dimensions: str | None
) -> Study:
    """A study from a factors file; dimensions from --dimensions, a TOML file's declaration,
    or the file's own dimension column."""
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
