"""Paths and small builders shared by the tests."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def write_csv(path: Path, rows: list[list]) -> Path:
    """Write rows as a comma-separated file (no quoting needed for the ids used in tests);
    numbers as ``str`` writes them, which reads back as the same number."""
    path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n", encoding="utf-8")
    return path


SMALL_FACTORS = [
    ["id", "dimension", "name", "definition"],
    ["P1", "policy", "Privacy law", "Laws on personal data"],
    ["P2", "policy", "Open data rules", "Rules for releasing data"],
    ["T1", "technology", "Anonymisation", "Masking before release"],
    ["U1", "users", "Awareness", "Citizens know their rights"],
]


def small_study(folder: Path, experts: int = 0) -> dict[str, str]:
    """A 4-factor study (6 pairs) with some experts, made through the store's API; returns
    {pseudonym: token}."""
    from ismpanel.elicitation.store import PanelStore
    from ismpanel.elicitation.study import Dimension, build_study, factors_from_grid, study_toml

    factors = factors_from_grid(SMALL_FACTORS, "test")
    dims = [Dimension(d, d.capitalize()) for d in ("policy", "technology", "users")]
    study = build_study("Small study", "directly influences", "privacy", dims, factors, "test")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "study.toml").write_text(study_toml(study), encoding="utf-8")
    store = PanelStore.create(folder, study)
    tokens = {}
    for k in range(experts):
        expert, token = store.add_expert(f"Expert number {k + 1}")
        tokens[expert.id] = token
    store.close()
    return tokens


SMALL_PAIRS = [("P1", "P2"), ("P1", "T1"), ("P1", "U1"), ("P2", "T1"), ("P2", "U1"), ("T1", "U1")]
SMALL_PANEL = {"E1": "VVVOXA", "E2": "VVOOXA", "E3": "AVVVXO"}


def answered_study(folder: Path) -> Path:
    """The small study with three experts who answered every pair (SMALL_PANEL letters)."""
    from ismpanel.elicitation.store import PanelStore

    small_study(folder, experts=3)
    store = PanelStore.open(folder)
    for expert, letters in SMALL_PANEL.items():
        store.record_many(expert, 1, dict(zip(SMALL_PAIRS, letters, strict=True)), "interview")
    store.close()
    return folder


def privacy_study(folder: Path, experts: int = 0) -> dict[str, str]:
    """The bundled 17-factor study (136 pairs) with some experts; returns {pseudonym: token}."""
    from ismpanel.elicitation.creation import create_from_template
    from ismpanel.elicitation.store import PanelStore

    create_from_template(folder, "open-gov-privacy")
    store = PanelStore.open(folder)
    tokens = {e.id: t for e, t in (store.add_expert(f"Expert {k}") for k in range(experts))}
    store.close()
    return tokens


def plain_interview(folder: Path, expert: str, token: str, **popen: object):
    """A plain-mode interview as a child process (stdin a pipe), for feeding answers to."""
    import subprocess
    import sys

    command = [
        sys.executable,
        "-m",
        "ismpanel",
        "interview",
        str(folder),
        "--expert",
        expert,
        "--token",
        token,
        "--plain",
    ]
    return subprocess.Popen(command, stdin=subprocess.PIPE, text=True, **popen)
