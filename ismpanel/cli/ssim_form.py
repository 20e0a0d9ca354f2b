"""``ismpanel ssim form``: a spreadsheet form for one expert, which ``ssim import`` reads back."""

from pathlib import Path
from typing import Annotated

import typer

from ismpanel.cli.options import StudyDir
from ismpanel.errors import InputError

FORM_SUFFIXES = (".xlsx", ".csv")


def form_command(
    folder: StudyDir,
    expert: Annotated[str, typer.Option("--expert", help="Whose form this is, e.g. E2.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="XLSX (locked form) or CSV (bare matrix).")
    ],
) -> None:
    """Write an SSIM form for one expert to fill in a spreadsheet; ssim import reads it back.

    XLSX: the relation, instructions, the factors' names and definitions, and the matrix with
    a V/A/X/O list in each open cell; the rest is locked (no password). CSV: the matrix (ids
    in the header row), then the factors and the instructions after a blank row.

    Open cells are the pairs the expert is asked in the current round; one already answered
    in this round shows that answer. In a later round the other cells show the expert's
    latest answer, locked (in CSV, changing one is reported on import and not recorded), and
    an open cell's comment gives the expert's answer and the panel's counts before the round.
    No form is written for an expert who withdrew or in a closed round (import would refuse).
    """
    from ismpanel.cli.output import check_writable, write_file
    from ismpanel.elicitation.store import PanelStore
    from ismpanel.report.ssim_form import form_csv, form_xlsx

    suffix = output.suffix.lower()
    if suffix not in FORM_SUFFIXES:
        raise InputError(f"-o {output}: a form is .xlsx or .csv, not {suffix or '(none)'}")
    check_writable(output)
    store = PanelStore.open(folder, read_only=True)
    if store.expert(expert).kind != "human":
        raise InputError(f"--expert {expert}: an LLM panelist; forms are for human experts")
    store.check_open(expert)  # a form ssim import would refuse is not written
    content = form_content(store, expert)
    write_file(output, form_xlsx(content) if suffix == ".xlsx" else form_csv(content))


def form_content(store, expert: str):
    """What the expert's form shows in the current round (see :class:`FormContent`)."""
    from ismpanel.elicitation.panel import round_feedback
    from ismpanel.report.ssim_form import FormContent

    number = store.current_round()
    asked = frozenset(store.expert_pairs(expert, number))
    now = store.round_answers(expert, number)
    latest = store.latest_answers().get(expert, {})
    shown = {p: (now.get(p) if p in asked else latest.get(p)) for p in store.pairs}
    before, panel = round_feedback(store, expert, [p for p in store.pairs if p in asked], number)
    study = store.study
    return FormContent(
        study.title,
        study.relation,
        expert,
        number,
        study.factors,
        asked,
        {p: v for p, v in shown.items() if v},
        before,
        panel,
    )
