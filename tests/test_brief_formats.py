"""The brief in markdown, HTML and Word, and its figures: Word holds real tables and both
pictures, HTML refers to nothing outside itself, the figures are byte-identical from run to
run and no two of their labels overlap, on the bundled study and on random panels of another
domain."""

from __future__ import annotations

import re

import pytest

from ismpanel.elicitation.aggregate import PanelOptions
from ismpanel.report import figures
from ismpanel.report.results import BriefOptions, compute
from tests.test_brief_claims import EHR, make_study


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from ismpanel.cli.app import main

    folder = tmp_path_factory.mktemp("formats") / "study"
    for args in (
        ["demo", "--out", str(folder)],
        ["brief", str(folder), "-o", str(folder / "all.md"), "--format", "md,html,docx",
         "--allow-incomplete"],
    ):  # fmt: skip
        try:
            main(args)
        except SystemExit as exc:
            assert exc.code in (0, None)
    return folder


def markdown_tables(text: str) -> int:
    """Pipes tables in the markdown: a header line followed by its alignment line."""
    return len(re.findall(r"^\|.*\|\n\|[-:|]+\|$", text, flags=re.M))


def test_word_holds_every_table_as_a_word_table_and_both_figures(demo):
    import docx

    doc = docx.Document(str(demo / "all.docx"))
    text = (demo / "all.md").read_text()
    assert len(doc.tables) == markdown_tables(text) > 20
    assert len(doc.inline_shapes) == 2
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for title in ("Summary", "ISM hierarchy", "MICMAC", "Recommendations", "Limitations",
                  "Appendix: tables"):  # fmt: skip
        assert title in headings
    assert not any("`" in h or "\\" in h for h in headings)  # markdown marks are not text
    assert "Complex (conservative) M1: PL1*PL3*TE1*TE2" in " ".join(headings)
    assert "mermaid" not in " ".join(p.text for p in doc.paragraphs).lower()
    micmac = next(t for t in doc.tables if t.rows[0].cells[0].text == "Factor"
                  and "Driving power" in [c.text for c in t.rows[0].cells])  # fmt: skip
    assert all(run.bold for run in micmac.rows[0].cells[0].paragraphs[0].runs)


def test_another_domain_gets_all_three_formats(cli, tmp_path):
    import docx

    folder = make_study(tmp_path / "s", EHR, experts=3, seed=6)
    out = tmp_path / "ehr.md"
    run = cli("brief", folder, "-o", out, "--format", "md,html,docx", "--allow-incomplete")
    assert run.code == 0, run.err
    doc = docx.Document(str(tmp_path / "ehr.docx"))
    assert len(doc.tables) == markdown_tables(out.read_text()) > 5
    assert len(doc.inline_shapes) == 2
    html = (tmp_path / "ehr.html").read_text()
    assert html.count('src="data:image/svg+xml;base64,') == 2 and "privacy" not in html.lower()


def test_html_is_self_contained(demo):
    html = (demo / "all.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", html)
    assert html.count('src="data:image/svg+xml;base64,') == 2
    assert "<table>" in html and "@media print" in html
    assert "mermaid" not in html.lower()  # the hierarchy is the figure; Mermaid is for markdown
    assert "```mermaid" in (demo / "all.md").read_text()


def test_study_text_cannot_inject_html(cli, tmp_path):
    folder = make_study(tmp_path / "s", [("A1", "policy", "<script>alert(1)</script> rules"),
                                         *EHR[1:4]], experts=2, seed=3)  # fmt: skip
    assert cli("brief", folder, "-o", tmp_path / "b.html", "--allow-incomplete").code == 0
    html = (tmp_path / "b.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_only_the_formats_asked_for_are_written(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR, experts=2, seed=2)
    assert cli("brief", folder, "-o", tmp_path / "b.docx", "--allow-incomplete").code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["b.docx"]
    run = cli("brief", folder, "-o", tmp_path / "c.md", "--format", "md,pdf")
    assert run.code == 2 and "--format 'md,pdf': expected a comma list of md, html, docx" in run.err


@pytest.mark.parametrize("seed", range(5))
def test_figure_labels_never_overlap_and_runs_give_the_same_bytes(tmp_path, seed):
    factors = (
        EHR if seed % 2 else [*EHR, ("LG", "users", "Legal review"), ("BU", "policy", "Budget")]
    )
    folder = make_study(tmp_path / "s", factors, experts=3 + seed % 3, seed=seed)
    model = compute(folder, BriefOptions(PanelOptions(allow_incomplete=True))).model
    for draw in (figures.micmac_figure, figures.hierarchy_figure):
        assert figures.overlaps(draw(model)) == []
        assert figures.render(draw(model), "svg") == figures.render(draw(model), "svg")
        assert figures.render(draw(model), "png") == figures.render(draw(model), "png")


def test_the_demo_figures_are_clean(demo):
    model = compute(demo, BriefOptions(PanelOptions(allow_incomplete=True))).model
    assert figures.overlaps(figures.micmac_figure(model)) == []
    assert figures.overlaps(figures.hierarchy_figure(model)) == []
    assert (demo / "all.hierarchy.svg").read_bytes() == figures.render(
        figures.hierarchy_figure(model), "svg"
    )


def test_the_overlap_check_finds_a_collision():
    """The check itself can fail: two labels drawn on one spot, and a label on a point."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([0.5], [0.5], "o")
    ax.text(0.5, 0.5, "PL1")
    ax.text(0.5, 0.5, "PL2")
    found = figures.overlaps(fig)
    assert ("PL1", "PL2") in found and ("PL1", "point") in found


def test_the_output_suffix_names_the_format_or_is_refused(cli, tmp_path):
    folder = make_study(tmp_path / "s", EHR[:4], experts=2, seed=2)
    run = cli("brief", folder, "-o", tmp_path / "report.2024")
    assert run.code == 2 and "ending in .md, .html or .docx" in run.err
    assert cli("brief", folder, "-o", tmp_path / "b.markdown", "--allow-incomplete").code == 0
    assert (tmp_path / "b.markdown").is_file() and not (tmp_path / "b.md").exists()


@pytest.mark.parametrize(
    ("n", "kind"), [(30, "cycle"), (60, "cycle"), (40, "unlinked"), (80, "random"), (25, "random")]
)
def test_figures_stay_clean_on_large_and_cyclic_structures(n, kind):
    """A cycle of all factors (one long shared MICMAC label, one tall box), a level of 40
    boxes (continued on further rows), dense random panels: no overlap, nothing over an edge."""
    import numpy as np

    from ismpanel.analysis.structure import analyse_structure

    irm = np.eye(n, dtype=bool)
    if kind == "cycle":
        irm[np.arange(n), (np.arange(n) + 1) % n] = True
    elif kind == "random":
        irm |= np.random.default_rng(n).random((n, n)) < 0.04
    model = analyse_structure(tuple(f"F{i + 1}" for i in range(n)), irm)
    assert figures.overlaps(figures.micmac_figure(model)) == []
    assert figures.overlaps(figures.hierarchy_figure(model)) == []


def test_the_overlap_check_finds_a_text_over_the_edge():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    fig.text(0.98, 0.5, "a label that runs out of the figure")
    assert ("a label that runs out of the figure", "edge") in figures.overlaps(fig)
