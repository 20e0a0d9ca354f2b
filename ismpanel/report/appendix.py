"""The tables a paper prints in its appendix, as sections of :class:`Table`: the aggregated
SSIM, the reachability matrices, every level-partition iteration, the canonical matrix and
MICMAC; for fsQCA the item statistics and scale reliability, the calibration anchors, the
truth table with what its cut-offs did, necessity for the outcome and its negation, the three
solutions with their models, and the configurations for the outcome and its negation. The
brief, ``ismpanel report`` and the workbook all render these sections."""

from __future__ import annotations

from dataclasses import dataclass

from ismpanel.analysis.fsqca.pipeline import Result
from ismpanel.analysis.reliability import describe, item_frame, scale_reliability
from ismpanel.report import qca_solution_tables as solutions
from ismpanel.report import qca_tables
from ismpanel.report import structure_tables as st
from ismpanel.report.markdown import plural
from ismpanel.report.panel_tables import composition_table
from ismpanel.report.qca_study import QcaRun
from ismpanel.report.results import StudyResults
from ismpanel.report.table import Table


@dataclass(frozen=True)
class Section:
    """A titled group of tables, with lines of text printed before them."""

    key: str
    title: str
    tables: tuple[Table, ...]
    text: tuple[str, ...] = ()


def sections(results: StudyResults) -> list[Section]:
    """Every appendix section the study's results hold, structure first."""
    composition = composition_table(results.expert_profiles, [e.id for e in results.panel.experts])
    out = [Section("composition", "Panel composition", (composition,))] if composition else []
    out += structure_sections(results)
    if results.qca is not None:
        out += qca_sections(results.qca)
    return out


def structure_sections(results: StudyResults) -> list[Section]:
    """SSIM, initial and final reachability, level partition, canonical matrix, MICMAC."""
    model = results.model
    return [
        Section("ssim", "Aggregated SSIM", (ssim_table(results),)),
        Section("irm", "Initial reachability matrix", (st.irm_table(model),)),
        Section("frm", "Final reachability matrix", (st.frm_table(model),)),
        Section(
            "levels",
            "Level partition",
            (*st.iteration_tables(model), st.levels_table(model, results.names)),
        ),
        Section("canonical", "Canonical matrix", (st.canonical_table(model),)),
        Section(
            "micmac",
            "MICMAC",
            (st.micmac_table(model, results.names), st.tier_check_table(model)),
        ),
    ]


def ssim_table(results: StudyResults) -> Table:
    """The panel's aggregated SSIM in the papers' layout: row factor i, column factor j
    (last factor first), the aggregated letter for i and j above the diagonal, X on it."""
    ids = results.study.factor_ids
    letters = results.aggregate.letters()
    columns = list(reversed(ids))
    position = {f: k for k, f in enumerate(ids)}
    rows = tuple(
        (
            a,
            *(
                letters.get((a, b), "") if position[b] > position[a] else ("X" if a == b else "")
                for b in columns
            ),
        )
        for a in ids
    )
    note = (
        f"Aggregated from {plural(len(results.aggregate.experts), 'expert')} "
        f"({results.aggregate.rule} rule, quorum {results.aggregate.quorum}). V: the row "
        "factor influences the column factor; A: the column factor influences the row factor; "
        "X: both; O: neither."
    )
    return Table(
        ("", *columns),
        rows,
        "Structural self-interaction matrix (aggregated)",
        (note,),
        ("l", *("c" for _ in columns)),
    )


def qca_sections(run: QcaRun) -> list[Section]:
    """Items, reliability, calibration, truth table, necessity, solutions, configurations,
    and the negated outcome."""
    res = run.result
    out = [item_section(run)]
    cal = qca_tables.calibration_table(res)
    if cal is not None:
        out.append(Section("calibration", "Calibration", (cal,)))
    out.append(Section("truth_table", "Truth table", (qca_tables.truth_table(res),)))
    necessity = [qca_tables.necessity_table(res)]
    text: tuple[str, ...] = ()
    if isinstance(run.negated, Result):
        necessity.append(qca_tables.necessity_table(run.negated))
    else:
        text = (f"Necessity for the negated outcome: not computed ({run.negated}).",)
    out.append(Section("necessity", "Necessity", tuple(necessity), text))
    out.append(solution_section(res, "solutions", "Solutions"))
    config = qca_tables.configuration_table(res)
    if config is not None:
        out.append(Section("configurations", f"Configurations for {res.outcome_label}", (config,)))
    out.append(negated_section(run))
    return out


def item_section(run: QcaRun) -> Section:
    """Descriptive statistics of each questionnaire item, and Cronbach's alpha of each
    condition measured by several items."""
    columns = [c for cols in run.items.values() for c in cols]
    frame = item_frame(run.grid, list(dict.fromkeys(columns)))
    stats = describe(frame)
    rows = tuple(
        (
            name,
            item,
            str(int(stats.loc[item, "n"])),
            qca_tables.f3(stats.loc[item, "mean"]),
            qca_tables.f3(stats.loc[item, "sd"]),
            f"{stats.loc[item, 'min']:g}",
            f"{stats.loc[item, 'max']:g}",
        )
        for name, cols in run.items.items()
        for item in cols
    )
    items = Table(
        ("Condition", "Item", "n", "Mean", "SD", "Min", "Max"),
        rows,
        "Questionnaire items",
        (
            f"From {run.path.name}; n counts the answers given, SD is the sample standard "
            "deviation.",
        ),
        ("l", "l", "r", "r", "r", "r", "r"),
    )
    reliability = scale_reliability(frame, run.items)
    if not reliability:
        return Section("items", "Questionnaire items", (items,))
    alpha = Table(
        ("Condition", "Items", "Respondents", "Cronbach's alpha"),
        tuple(
            (name, str(k), str(n), qca_tables.f3(value))
            for name, (value, k, n) in reliability.items()
        ),
        "Scale reliability",
        (
            "Alpha over the respondents who answered every item of the scale; '-' where it is "
            "undefined (fewer than two such respondents, or a constant sum). Conditions "
            "measured by one item have no alpha.",
        ),
        ("l", "r", "r", "r"),
    )
    return Section("items", "Questionnaire items", (items, alpha))


def solution_section(res: Result, key: str, title: str) -> Section:
    """The models of every solution side by side, then each model with its terms, and how
    many remainders the parsimonious solution used."""
    tables = [qca_tables.models_table(res)]
    for kind in ("complex", "parsimonious"):
        if kind in res.solutions:
            s = res.solutions[kind]
            tables += [
                solutions.model_table(
                    m, res.outcome_label, f"{qca_tables.SOLUTION_NAMES[kind]} {m.name}"
                )
                for m in s.models
            ]
    if res.intermediate is not None:
        tables += [
            solutions.model_table(m, res.outcome_label, qca_tables.intermediate_title(res, m))
            for m in res.intermediate.models
        ]
    return Section(key, title, tuple(tables), remainder_lines(res))


def remainder_lines(res: Result) -> tuple[str, ...]:
    """How many remainders each parsimonious model rests on (simplifying assumptions), and the
    easy counterfactuals of the intermediate solution."""
    lines = []
    pars = res.solutions.get("parsimonious")
    if pars is not None and pars.models:
        counts = sorted({len(m.simplifying_assumptions) for m in pars.models})
        used = (
            (
                "no simplifying assumption"
                if not counts[0]
                else plural(counts[0], "simplifying assumption")
            )
            if len(counts) == 1
            else f"{counts[0]} to {counts[-1]} simplifying assumptions, depending on the model"
        )
        lines.append(
            f"The parsimonious solution rests on {used} (remainder rows treated as if they "
            "had the outcome)."
        )
    if res.intermediate is not None and res.intermediate.models:
        easy = sorted({len(m.easy_counterfactuals) for m in res.intermediate.models})
        used = (
            ("no easy counterfactual" if not easy[0] else plural(easy[0], "easy counterfactual"))
            if len(easy) == 1
            else f"{easy[0]} to {easy[-1]} easy counterfactuals, depending on the model"
        )
        lines.append(
            f"The intermediate solution uses {used} (remainders that agree with the "
            "directional expectations)."
        )
    return tuple(lines)


def negated_section(run: QcaRun) -> Section:
    """The solutions and configurations for the negated outcome, or why there are none."""
    neg = run.negated
    label = f"~{run.result.outcome}"
    if not isinstance(neg, Result):
        return Section("negated", f"Negated outcome ({label})", (), (f"Not computed: {neg}.",))
    section = solution_section(neg, "negated", f"Negated outcome ({neg.outcome_label})")
    config = qca_tables.configuration_table(neg)
    text = list(section.text)
    if config is None and neg.options.dir_exp is None:
        text.append(
            "No configuration table: the intermediate solution needs directional expectations "
            "for the negated outcome (study.toml [qca] dir_exp_negated)."
        )
    elif config is None:
        text.append("No configuration table: the negated outcome has no intermediate solution.")
    tables = (qca_tables.truth_table(neg), *section.tables, *((config,) if config else ()))
    return Section(section.key, section.title, tables, tuple(text))


def to_markdown(found: list[Section], level: int = 2) -> str:
    """The sections in markdown: a heading per section (at ``level``), its text, its tables
    with their titles one level below."""
    from ismpanel.report import markdown as md

    out = []
    for s in found:
        if len(s.tables) == 1 and not s.text:  # the table's own title is the heading
            out.append(md.table(s.tables[0], title_level=level))
            continue
        out.append(f"{'#' * level} {s.title}")
        out += [md.inline(line) for line in s.text]
        out += [  # a first table titled as its section needs no heading of its own
            md.table(t, title_level=0 if k == 0 and t.title == s.title else level + 1)
            for k, t in enumerate(s.tables)
        ]
    return "\n\n".join(out) + "\n"
