"""The layering as a test: each layer imports only those below it (analysis < elicitation <
report < cli), the LLM plumbing (llm) none of elicitation, report or cli and analysis none of
it, sqlite3 only in the panel store (and the CLI's error mapping), and the analysis engines
neither print, prompt nor open files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "ismpanel"
FORBIDDEN = {
    "analysis": {"elicitation", "report", "cli", "llm", "readers", "files", "api"},
    "llm": {"elicitation", "report", "cli"},
    "elicitation": {"report", "cli"},
    "report": {"cli"},
}
SQLITE_ALLOWED = {"elicitation/store.py", "cli/app.py"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def violations(path: Path, rel: Path) -> list[str]:
    """The imports of the module at ``path`` (``rel`` inside the package) that break the
    contracts."""
    layer = rel.parts[0] if len(rel.parts) > 1 else ""
    found = []
    for line, name in imports(path):
        parts = name.split(".")
        if parts[0] == "ismpanel" and len(parts) > 1 and parts[1] in FORBIDDEN.get(layer, set()):
            found.append(f"{rel}:{line} imports {name}")
        if parts[0] == "sqlite3" and rel.as_posix() not in SQLITE_ALLOWED:
            found.append(f"{rel}:{line} imports sqlite3")
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers_import_only_downwards(path):
    assert violations(path, path.relative_to(PACKAGE)) == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "analysis").rglob("*.py")), ids=str)
def test_the_engines_neither_print_prompt_nor_open_files(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in ("print", "input", "open"), f"{path}:{node.lineno}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            called = node.func.attr
            assert called not in ("read_text", "write_text", "read_bytes", "write_bytes"), (
                f"{path}:{node.lineno} calls {called}"
            )


def test_the_contract_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite3\nfrom ismpanel.cli import app\n")
    assert [name for _, name in imports(bad)] == ["sqlite3", "ismpanel.cli"]
    assert violations(bad, Path("analysis/bad.py")) == [
        "analysis/bad.py:1 imports sqlite3",
        "analysis/bad.py:2 imports ismpanel.cli",
    ]
    assert violations(bad, Path("llm/bad.py")) == [
        "llm/bad.py:1 imports sqlite3",
        "llm/bad.py:2 imports ismpanel.cli",
    ]


def test_the_llm_package_is_a_layer_of_its_own(tmp_path):
    """The LLM plumbing sits in its own package, and reaching up into the panel store from
    it breaks the contract (the reply formats keep what a server takes through a protocol)."""
    found = {p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "llm").glob("*.py")}
    assert {"llm/client.py", "llm/config.py", "llm/structured.py", "llm/workers.py"} <= found
    bad = tmp_path / "formats.py"
    bad.write_text("from ismpanel.elicitation.store import PanelStore\n")
    assert violations(bad, Path("llm/formats.py")) == [
        "llm/formats.py:1 imports ismpanel.elicitation.store"
    ]
