"""Terminal output at 80 and 100 columns: every matrix shows each factor id whole (wide
matrices print as column blocks), and the MICMAC map and the ISM hierarchy fit the width
without wrapping; the hierarchy names the real source of a link out of a cycle."""

from __future__ import annotations

import re

import pytest

from tests.helpers import write_csv

MATRICES = (
    "Structural self-interaction matrix (SSIM)",
    "Initial reachability matrix",
    "Final reachability matrix",
    "Canonical matrix",
)


@pytest.fixture(scope="module")
def privacy(tmp_path_factory):
    """The bundled 17-factor study with its five synthetic experts, as ``ismpanel demo``
    builds it (one expert leaves four pairs blank, hence --allow-incomplete below)."""
    from ismpanel.analysis.ssim import parse_ssim
    from ismpanel.cli.demo import DEMO_TEMPLATE, EXPERTS
    from ismpanel.elicitation.creation import create_from_template
    from ismpanel.elicitation.panel import record_ssim
    from ismpanel.elicitation.store import PanelStore
    from ismpanel.elicitation.study import bundled_templates, load_study
    from ismpanel.readers import read_grid

    folder = tmp_path_factory.mktemp("privacy") / "study"
    source = bundled_templates()[DEMO_TEMPLATE]
    create_from_template(folder, DEMO_TEMPLATE, with_data=True)
    store = PanelStore.open(folder)
    for k, expert in enumerate(EXPERTS, start=1):
        added, _ = store.add_expert(f"Synthetic expert {k}")
        structure = parse_ssim(read_grid(source / "panel" / f"{expert}.csv"), allow_missing=True)
        record_ssim(store, added.id, structure.factors, structure.ssim)
    store.close()
    return folder, list(load_study(folder).factor_ids)


def run_at(cli, monkeypatch, width: int, *args):
    """Run a command with the terminal ``width`` columns wide (rich reads COLUMNS)."""
    monkeypatch.setenv("COLUMNS", str(width))
    from ismpanel.cli import output

    monkeypatch.setattr(output.console, "_width", width)
    run = cli(*args)
    assert run.code == 0, run.err
    return run.out.splitlines()


def sections(lines: list[str], titles) -> dict[str, list[str]]:
    """The lines under each title, up to the next blank line."""
    found: dict[str, list[str]] = {}
    current = None
    for line in lines:
        if line in titles:
            current = found.setdefault(line, [])
        elif not line.strip():
            current = None
        elif current is not None:
            current.append(line)
    return found


def cells(line: str) -> list[str]:
    """A table line's cells, between rich's vertical borders."""
    return [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]


@pytest.mark.parametrize("width", [80, 100])
def test_every_matrix_of_ism_shows_every_id_whole(privacy, cli, monkeypatch, width):
    folder, ids = privacy
    lines = run_at(cli, monkeypatch, width, "ism", folder, "--allow-incomplete")
    assert max(map(len, lines)) <= width
    assert not any("…" in line for line in lines)
    found = sections(lines, MATRICES)
    assert set(found) == set(MATRICES)
    for title, body in found.items():
        headers = {c for line in body if line.startswith("┃") for c in cells(line)}
        labels = {cells(line)[0] for line in body if line.startswith("│")}
        assert set(ids) <= headers, (title, sorted(set(ids) - headers))
        assert set(ids) <= labels, title
    # the ids' key: each id with its name from the study
    legend = sections(lines, ("Factors",))["Factors"]
    assert [line.split()[0] for line in legend] == ids
    assert legend[0].split(None, 1)[1].strip() == "Personal information legislation"
    # a block past the first says which columns it continues with
    if width == 80:
        assert any(line.startswith("(continued: ") for line in lines)


@pytest.mark.parametrize("width", [80, 100])
def test_micmac_table_and_map_fit_and_name_every_factor(privacy, cli, monkeypatch, width):
    folder, ids = privacy
    lines = run_at(cli, monkeypatch, width, "micmac", folder, "--allow-incomplete")
    assert max(map(len, lines)) <= width
    assert not any("…" in line for line in lines)
    table = sections(lines, ("MICMAC",))["MICMAC"]
    labels = [cells(line)[0] for line in table if line.startswith("│")]
    assert set(labels) == set(ids)
    assert {"independent", "autonomous", "dependent"} <= {
        c for line in table if line.startswith("│") for c in cells(line)
    }
    grid = sections(lines, ("MICMAC map",))["MICMAC map"]
    rows = [line for line in grid if re.match(r"^ {0,3}\d+ ┤", line)]
    assert rows[0].lstrip().startswith("17 ┤")  # the axis reaches n whole, on one line
    shown = {tok.rstrip("+") for line in rows for tok in line.split("┤", 1)[1].split()}
    together = {
        fid.strip() for line in grid if "together:" in line for fid in line.split(":")[1].split(",")
    }
    assert set(ids) <= (shown | together) - {"│"}


def test_aggregate_pairs_are_whole_at_80_columns(privacy, cli, monkeypatch):
    folder, ids = privacy
    lines = run_at(cli, monkeypatch, 80, "aggregate", folder)
    assert not any("…" in line for line in lines)
    pairs = {cells(line)[0] for line in lines if line.startswith("│")}
    assert len(pairs) == len(ids) * (len(ids) - 1) // 2


def test_qca_truth_table_with_17_conditions_keeps_every_id(tmp_path, cli, monkeypatch, privacy):
    _, ids = privacy
    rows = [["case", *ids, "Y"]]
    for k in range(24):
        rows.append([f"c{k}", *(str((k >> (j % 5)) & 1) for j in range(len(ids))), str(k % 2)])
    data = write_csv(tmp_path / "cases.csv", rows)
    lines = run_at(
        cli, monkeypatch, 80, "qca", data, "--outcome", "Y", "--solution", "complex", "--n-cut", "1"
    )
    assert max(map(len, lines)) <= 80
    headers = {c for line in lines if line.startswith("┃") for c in cells(line)}
    assert set(ids) <= headers, sorted(set(ids) - headers)


@pytest.mark.parametrize("width", [80, 100])
def test_hierarchy_fits_without_wrapping(privacy, cli, monkeypatch, width):
    folder, ids = privacy
    lines = run_at(cli, monkeypatch, width, "ism", folder, "--allow-incomplete")
    start = next(k for k, line in enumerate(lines) if line.startswith("ISM hierarchy"))
    body = lines[start:]
    assert max(map(len, body)) <= width
    boxes = [line for line in body if "[" in line and not line.startswith("[X]")]
    # one box per line, each line a box (or the level label and a box), so nothing wrapped
    assert all(line.count("[") == 1 for line in boxes)
    assert {m for line in boxes for m in re.findall(r"\[(.*?)\]", line)[0].split(" ⇄ ")} == set(ids)


def test_hierarchy_names_the_member_of_a_cycle_that_holds_the_link(tmp_path, cli):
    """B and C form a cycle (X), C alone drives D, A drives B: the link into D must name C,
    not B (the cycle's first member)."""
    ssim = write_csv(
        tmp_path / "cycle.csv",
        [
            ["", "A", "B", "C", "D"],
            ["A", "X", "V", "O", "O"],
            ["B", "", "X", "X", "O"],
            ["C", "", "", "X", "V"],
            ["D", "", "", "", "X"],
        ],
    )
    run = cli("ism", ssim)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    into_d = next(line for line in lines if "[D]" in line)
    assert into_d.split("◀", 1)[1].split() == ["C"]
    into_cycle = next(line for line in lines if "[B ⇄ C]" in line)
    assert into_cycle.split("◀", 1)[1].split() == ["A"]
    caption = next(line for line in lines if line.startswith("[X] ◀"))
    assert "arrows run from A and B to X" in caption


def test_map_says_when_the_threshold_splits_an_axis_cell(privacy, cli, monkeypatch):
    # 17 values in cells of 2 at 80 columns: 1-2, ..., 9-10; half (8.5) falls between cells
    # and 9.5 inside the cell 9-10
    folder, _ = privacy
    lines = run_at(cli, monkeypatch, 80, "micmac", folder, "--allow-incomplete")
    assert not any("threshold falls inside" in line for line in lines)
    lines = run_at(
        cli, monkeypatch, 80, "micmac", folder, "--allow-incomplete", "--threshold", "9.5"
    )
    text = " ".join(lines)
    for axis in ("dependence", "driving power"):
        assert f"The {axis} threshold falls inside the cell of values 9-10" in text


def render(t, width: int) -> list[str]:
    from rich.console import Console

    from ismpanel.report import terminal

    console = Console(width=width, record=True, color_system=None)
    with console.capture() as captured:
        console.print(terminal.table(t))
    return captured.get().splitlines()


def test_a_long_text_column_wraps_with_its_words_whole():
    from ismpanel.report.table import Table

    evidence = "level 5/6 deep, independent; presence in C1, C2, C3, C4"
    t = Table(("#", "Factor", "Evidence"), (("1", "PL1 Personal information", evidence),))
    lines = render(t, 50)
    assert max(map(len, lines)) <= 50 and not any("…" in line for line in lines)
    words = [w for line in lines if line.startswith("│") for w in cells(line)[-1].split()]
    assert " ".join(words[-len(evidence.split()) :]) == evidence


def test_a_word_longer_than_any_block_folds_and_is_never_cut():
    from ismpanel.report.table import Table

    word = "x" * 70
    lines = render(Table(("id", "text"), (("A1", word),)), 40)
    assert "".join(cells(line)[1] for line in lines if line.startswith("│")) == word
