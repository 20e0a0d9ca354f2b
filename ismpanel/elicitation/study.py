"""The study definition (``study.toml``): title, contextual relation, outcome, dimensions and
factors; reading, validating and writing it, and the bundled templates."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import TypeVar

from ismpanel.errors import InputError
from ismpanel.readers import read_toml
from ismpanel.text import printable

STUDY_FILE = "study.toml"
TABLE_HEADER = re.compile(r"\s*\[\[?([^\[\]]+)\]\]?\s*(?:#.*)?$")
ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
FACTOR_COLUMNS = ("id", "dimension", "name", "definition")


@dataclass(frozen=True)
class Dimension:
    """A group of factors; ``description`` frames it and ``instruments`` names the measures
    that fit it, both in the study's own words (the brief's recommendations quote them)."""

    id: str
    name: str
    description: str = ""
    instruments: str = ""


@dataclass(frozen=True)
class Factor:
    """A factor; ``action`` is an optional measure in the study's words for this factor."""

    id: str
    name: str
    dimension: str
    definition: str
    action: str = ""


Entry = TypeVar("Entry", Dimension, Factor)


@dataclass(frozen=True)
class Study:
    """A study's definition; ``extra`` holds further top-level tables (such as ``[qca]``) as
    read, for the parts of the tool that use them."""

    title: str
    relation: str
    outcome: str
    dimensions: tuple[Dimension, ...]
    factors: tuple[Factor, ...]
    extra: dict = field(default_factory=dict)

    @property
    def factor_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.factors)

    def factor(self, fid: str) -> Factor:
        for f in self.factors:
            if f.id == fid:
                return f
        raise KeyError(fid)


def load_study(folder: Path) -> Study:
    """Read and validate ``folder/study.toml``; errors name the folder, the file and the entry."""
    if not folder.exists():
        raise InputError(f"{folder}: study folder does not exist")
    if not folder.is_dir():
        raise InputError(f"{folder}: is not a folder; give a study folder")
    path = folder / STUDY_FILE
    if not path.is_file():
        raise InputError(f"{folder}: not a study folder (no {STUDY_FILE}); create one with init")
    return study_from_dict(read_toml(path), str(path))


def study_from_dict(data: dict, where: str) -> Study:
    """Validate a parsed study document (the structure of ``study.toml``)."""
    head = data.get("study")
    if not isinstance(head, dict):
        raise InputError(f"{where}: missing [study] table")
    texts = {}
    for key in ("title", "relation", "outcome"):
        value = head.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: [study] needs a non-empty {key}")
        texts[key] = value.strip()
    dims = tables(data, "dimensions", where)
    if not dims:
        raise InputError(f"{where}: at least one [[dimensions]] entry is needed")
    dimensions = []
    for k, d in enumerate(dims, start=1):
        did = _text(d, "id", f"{where}: [[dimensions]] entry {k}")
        _check_id(did, f"{where}: [[dimensions]] entry {k}")
        place = f"{where}: dimension {did}"
        dimensions.append(
            Dimension(
                did,
                _text(d, "name", place, did),
                _text(d, "description", place, ""),
                _text(d, "instruments", place, ""),
            )
        )
    factors = [
        _factor(f, f"{where}: [[factors]] entry {k}")
        for k, f in enumerate(tables(data, "factors", where), start=1)
    ]
    extra = {k: v for k, v in data.items() if k not in ("study", "dimensions", "factors")}
    return build_study(
        texts["title"], texts["relation"], texts["outcome"], dimensions, factors, where, extra
    )


def build_study(
    title: str,
    relation: str,
    outcome: str,
    dimensions: list[Dimension],
    factors: list[Factor],
    where: str,
    extra: dict | None = None,
) -> Study:
    """Check the texts (non-empty, control characters dropped: they reach experts' terminals
    and the brief), ids (unique, ``[A-Za-z][A-Za-z0-9_]*``), dimensions (declared) and factor
    count: every way of making a study meets here."""
    for key, value in (("title", title), ("relation", relation), ("outcome", outcome)):
        if not isinstance(value, str) or not printable(value).strip():
            raise InputError(f"{where}: the study needs a non-empty text {key} (got {value!r})")
    seen: set[str] = set()
    for d in dimensions:
        _check_id(d.id, f"{where}: dimension")
        if d.id in seen:
            raise InputError(f"{where}: duplicate dimension id {d.id!r}")
        seen.add(d.id)
    known = {d.id for d in dimensions}
    ids: set[str] = set()
    for f in factors:
        if f.id in ids:
            raise InputError(f"{where}: duplicate factor id {f.id!r}")
        ids.add(f.id)
        if f.dimension not in known:
            raise InputError(
                f"{where}: factor {f.id} has unknown dimension {f.dimension!r}; "
                f"declared: {', '.join(sorted(known))}"
            )
    if len(factors) < 2:
        raise InputError(f"{where}: a study needs at least two factors ({len(factors)} given)")
    dimensions = [_clean(d, "name", "description", "instruments") for d in dimensions]
    factors = [_clean(f, "name", "definition", "action") for f in factors]
    return Study(
        printable(title).strip(),
        printable(relation).strip(),
        printable(outcome).strip(),
        tuple(dimensions),
        tuple(factors),
        extra or {},
    )


def factors_from_grid(grid: list[list[str]], where: str) -> list[Factor]:
    """Factors from a table with columns id, dimension, name, definition (any order; a header
    row names them). Errors name the row and column as the spreadsheet numbers them (blank
    rows counted)."""
    rows = [(r, row) for r, row in enumerate(grid, start=1) if any(c.strip() for c in row)]
    if not rows:
        raise InputError(f"{where}: empty file")
    first, head = rows[0]
    header = [c.strip().lower() for c in head]
    missing = [c for c in FACTOR_COLUMNS if c not in header]
    if missing:
        raise InputError(f"{where}: row {first}: missing column(s) {', '.join(missing)}")
    col = {c: header.index(c) for c in FACTOR_COLUMNS}
    factors = []
    for r, row in rows[1:]:
        cells = {c: (row[k].strip() if k < len(row) else "") for c, k in col.items()}
        for c in ("id", "dimension", "name"):
            if not cells[c]:
                raise InputError(f"{where}: row {r}, column {c}: empty")
        _check_id(cells["id"], f"{where}: row {r}, column id")
        factors.append(Factor(cells["id"], cells["name"], cells["dimension"], cells["definition"]))
    return factors


def factors_from_toml(data: dict, where: str) -> tuple[list[Dimension] | None, list[Factor]]:
    """Factors (and dimensions, if declared) from a TOML factors file or a study file."""
    dimensions = None
    if "dimensions" in data:
        dimensions = [
            Dimension(
                _text(d, "id", f"{where}: [[dimensions]] entry {k}"),
                _text(d, "name", f"{where}: [[dimensions]] entry {k}", d.get("id", "")),
                _text(d, "description", f"{where}: [[dimensions]] entry {k}", ""),
                _text(d, "instruments", f"{where}: [[dimensions]] entry {k}", ""),
            )
            for k, d in enumerate(tables(data, "dimensions", where), start=1)
        ]
    factors = [
        _factor(f, f"{where}: [[factors]] entry {k}")
        for k, f in enumerate(tables(data, "factors", where), start=1)
    ]
    return dimensions, factors


def tables(data: dict, key: str, where: str) -> list[dict]:
    """The entries of an array of tables (``[[key]]``); any other value under ``key`` (``factors
    = 5``) is refused with one line naming the key and the entry."""
    entries = data.get(key, [])
    if not isinstance(entries, list):
        raise InputError(f"{where}: {key} must be [[{key}]] tables, not {type(entries).__name__}")
    for k, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise InputError(f"{where}: [[{key}]] entry {k}: expected a table")
    return entries


def study_toml(study: Study) -> str:
    """Serialise a study's definition as ``study.toml`` text (TOML basic strings); the extra
    tables are not written: templates that carry them are copied as files."""
    out = ["[study]"]
    out += [f"{k} = {_q(getattr(study, k))}" for k in ("title", "relation", "outcome")]
    for d in study.dimensions:
        out += ["", "[[dimensions]]", f"id = {_q(d.id)}", f"name = {_q(d.name)}"]
        out += [f"{k} = {_q(v)}" for k in ("description", "instruments") if (v := getattr(d, k))]
    for f in study.factors:
        out += [
            "",
            "[[factors]]",
            f"id = {_q(f.id)}",
            f"name = {_q(f.name)}",
            f"dimension = {_q(f.dimension)}",
            f"definition = {_q(f.definition)}",
        ]
        out += [f"action = {_q(f.action)}"] if f.action else []
    return "\n".join(out) + "\n"


def without_table(text: str, name: str, where: Path) -> str:
    """TOML text without its top-level table ``[name]`` (sub-tables too) and the comment lines
    right above it, every other line kept as it is; re-parsed to prove nothing else changed."""
    data = tomllib.loads(text)
    if name not in data:
        return text
    keep: list[str] = []
    cut: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        header = TABLE_HEADER.match(line)
        if header:
            key = header.group(1).replace(" ", "")
            ours = key == name or key.startswith(f"{name}.")
            if ours and not inside:  # a comment right above a header belongs to its table
                while keep and keep[-1].lstrip().startswith("#"):
                    keep.pop()
            elif inside and not ours:
                tail = []
                while cut and cut[-1].lstrip().startswith("#"):
                    tail.insert(0, cut.pop())
                keep += tail
            inside = ours
        (cut if inside else keep).append(line)
    result = "".join(keep)
    expected = {k: v for k, v in data.items() if k != name}
    try:
        same = tomllib.loads(result) == expected
    except tomllib.TOMLDecodeError:
        same = False
    if not same:
        raise InputError(f"{where}: cannot leave out its [{name}] table; write it as one table")
    return result


def bundled_templates() -> dict[str, Path]:
    """Bundled study templates by name: the folders under ``templates/studies`` with a study."""
    root = files("ismpanel") / "templates" / "studies"
    found = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if (entry / STUDY_FILE).is_file():
            found[entry.name] = Path(str(entry))
    return found


def _factor(entry: object, where: str) -> Factor:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected a table")
    fid = _text(entry, "id", where)
    _check_id(fid, where)
    return Factor(
        fid,
        _text(entry, "name", f"{where} ({fid})"),
        _text(entry, "dimension", f"{where} ({fid})"),
        _text(entry, "definition", f"{where} ({fid})", ""),
        _text(entry, "action", f"{where} ({fid})", ""),
    )


def _text(entry: object, key: str, where: str, default: str | None = None) -> str:
    """A text entry of the study, stripped, without control characters (the study file is
    untrusted: its texts reach experts' terminals and the brief)."""
    value = entry.get(key, default) if isinstance(entry, dict) else None
    if isinstance(value, str):
        value = printable(value)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise InputError(f"{where}: needs a non-empty {key}")
    return value.strip()


def _clean(entry: Entry, *keys: str) -> Entry:
    """A dimension or factor with its texts stripped of control characters."""
    return replace(entry, **{k: printable(getattr(entry, k)) for k in keys})


def _check_id(value: str, where: str) -> None:
    if not ID_PATTERN.match(value):
        raise InputError(
            f"{where}: id {value!r} must start with an ASCII letter (A-Z, a-z) and hold only "
            "ASCII letters, digits and _"
        )


def _q(text: str) -> str:
    """A TOML basic string: JSON's escapes are valid TOML, and TOML also forbids a raw DEL."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
