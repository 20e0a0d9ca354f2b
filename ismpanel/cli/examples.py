"""One example per command, shown at the end of its ``--help``: the command path (``ism``,
``expert add``) mapped to lines a user can type, applied as click epilogs at registration."""

import typer

EXAMPLES: dict[str, tuple[str, ...]] = {
    "demo": ("ismpanel demo --out demo-study",),
    "init": (
        "ismpanel init study --template open-gov-privacy",
        "ismpanel init study --factors factors.csv --title 'Open data privacy'",
    ),
    "templates": ("ismpanel templates", "ismpanel templates --json"),
    "status": ("ismpanel status study",),
    "interview": ("ismpanel interview study --expert E1",),
    "aggregate": ("ismpanel aggregate study --below 0.7", "ismpanel aggregate study --json"),
    "notes": ("ismpanel notes study",),
    "ism": (
        "ismpanel ism study --allow-incomplete",
        "ismpanel ism ssim.csv --mermaid hierarchy.mmd --markdown tables.md",
    ),
    "micmac": ("ismpanel micmac study --plot micmac.svg", "ismpanel micmac ssim.csv --json"),
    "brief": ("ismpanel brief study -o brief.md", "ismpanel brief study -o brief.docx"),
    "report": ("ismpanel report study -o tables.xlsx",),
    "llm-expert": (
        "ismpanel llm-expert study --model llama3.1 --base-url http://localhost:11434/v1",
    ),
    "qca": (
        "ismpanel qca cases.csv --outcome Y --solution parsimonious",
        "ismpanel qca cases.xlsx --outcome ~Y --necessity --json",
    ),
    "expert add": ("ismpanel expert add study 'Dr Ana Silva'",),
    "expert token": ("ismpanel expert token study E1",),
    "expert withdraw": ("ismpanel expert withdraw study E3 --reason 'left the project'",),
    "expert profile": ("ismpanel expert profile study E1",),
    "expert list": ("ismpanel expert list study",),
    "ssim form": ("ismpanel ssim form study --expert E2 -o E2.xlsx",),
    "ssim import": ("ismpanel ssim import study E2.xlsx --expert E2",),
    "ssim export": ("ismpanel ssim export study -o panel.xlsx",),
    "round start": ("ismpanel round start study --below 0.75",),
    "round close": ("ismpanel round close study",),
    "factors draft": ("ismpanel factors draft 'privacy in open government data' -o factors.csv",),
}


def epilog(path: str) -> str | None:
    """The ``--help`` epilog of one command: its examples, kept as written (click's ``\\b``
    stops it rewrapping them), or None when the command has none."""
    lines = EXAMPLES.get(path)
    if not lines:
        return None
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def apply(app: typer.Typer, prefix: str = "") -> None:
    """Set the epilog of every command registered on ``app`` and on its groups."""
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
        info.epilog = info.epilog or epilog(f"{prefix}{name}")
    for group in app.registered_groups:
        name = group.name or group.typer_instance.info.name
        apply(group.typer_instance, f"{prefix}{name} ")
