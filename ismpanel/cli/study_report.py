"""Everything a study's brief reports, gathered in one place: the panel and its aggregation,
ISM and MICMAC on the aggregated SSIM, fsQCA on the questionnaire, the factor profiles and the
recommendations rendered from templates, the methods and the provenance."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ismpanel import __version__
from ismpanel.analysis import recommend
from ismpanel.analysis.errors import AnalysisError
from ismpanel.analysis.ism import LEVEL_TESTS
from ismpanel.analysis.micmac import QUADRANTS
from ismpanel.analysis.structure import StructuralModel, analyse_structure, options_from_table
from ismpanel.cli import structure_export as export
from ismpanel.cli import templating
from ismpanel.cli.readers import short_digest
from ismpanel.elicitation.aggregate import Aggregate, PanelOptions
from ismpanel.elicitation.panel import aggregate_panel, panel_structure, panel_summary
from ismpanel.elicitation.store import PanelStore
from ismpanel.elicitation.study import Study

MICMAC_SVG = "micmac.svg"


@dataclass(frozen=True)
class ReportOptions:
    """How the panel is aggregated, when a pair counts as contested, and which questionnaire
    is analysed."""

    panel: PanelOptions = field(default_factory=PanelOptions)
    below: float = 0.75
    data: Path | None = None


@dataclass
class Report:
    """The results of one study, and the template context built from them."""

    study: Study
    aggregate: Aggregate
    model: StructuralModel
    profiles: list[recommend.FactorProfile]
    qca: dict | None
    context: dict = field(default_factory=dict)


def build_report(folder: Path, options: ReportOptions) -> Report:
    """Aggregate the panel, analyse the structure and the questionnaire, profile the factors
    and render the recommendations; errors name the study, the file or the template."""
    store = PanelStore.open(folder)
    study = store.study
    built = panel_structure(store, options.panel)
    result, structure = built.aggregate, built.structure
    table = study.extra.get("ism", {})
    model = analyse_structure(
        structure.factors, structure.irm, options_from_table(table, "study.toml [ism]")
    )
    from ismpanel.cli import study_qca

    qca = study_qca.run(folder, study, options.data)
    qca_context, evidence = qca if qca is not None else (None, None)
    names = {f.id: f.name for f in study.factors}
    dims = {f.id: f.dimension for f in study.factors}
    found = recommend.profiles(model, names, dims, evidence)
    env = templating.environment(folder)
    report = Report(study, result, model, found, qca_context)
    report.context = _context(folder, store, report, options, env)
    report.context["llm"] = _llm_comparison(store, model, result, options)
    return report


def render_brief(folder: Path, report: Report) -> str:
    """The markdown brief from ``brief.md.j2`` (the study's own copy if it has one)."""
    return templating.render(templating.environment(folder), "brief.md.j2", **report.context)


def _llm_comparison(
    store: PanelStore, model: StructuralModel, result: Aggregate, options: ReportOptions
) -> dict | None:
    """When LLM panelists have answered: their agreement with the human majority, and the
    structure with and without their votes side by side (None otherwise)."""
    from ismpanel.elicitation.agreement import llm_agreement

    panel = options.panel
    agreements = [
        a
        for a in llm_agreement(store, rule=panel.rule, quorum=panel.quorum)
        if any(p.llm for p in a.pairs)
    ]
    if not agreements:
        return None
    flipped = replace(panel, include_llm=not panel.include_llm, allow_incomplete=True)
    other = aggregate_panel(
        store, rule=flipped.rule, quorum=flipped.quorum, include_llm=flipped.include_llm
    )
    labels = (
        ("humans + LLM", "humans only") if panel.include_llm else ("humans only", "humans + LLM")
    )
    try:
        structure = panel_structure(store, flipped).structure
        alt = analyse_structure(structure.factors, structure.irm, model.options)
    except AnalysisError as err:
        alt, missing = None, str(err)
    else:
        missing = None
    rows = []
    for i, fid in enumerate(model.factors):
        row = [fid, str(model.ism.levels[i]), model.quadrants[i]]
        if alt is not None:
            row += [str(alt.ism.levels[i]), alt.quadrants[i]]
            changed = row[1] != row[3] or row[2] != row[4]
            row.append("changed" if changed else "")
        rows.append(row)
    header = ["Factor", f"Level ({labels[0]})", f"Cluster ({labels[0]})"]
    if alt is not None:
        header += [f"Level ({labels[1]})", f"Cluster ({labels[1]})", ""]
    return {
        "labels": labels,
        "agreement": "\n".join(
            export.md_table(
                ["Panelist", "Model", "Pairs compared", "Agreement", "Cohen's kappa"],
                [
                    [
                        a.expert,
                        a.model or "",
                        str(a.compared),
                        f"{a.share:.0%}" if a.share is not None else "n/a",
                        f"{a.kappa:.3f}" if a.kappa is not None else "n/a",
                    ]
                    for a in agreements
                ],
            )
        ).rstrip(),
        "table": "\n".join(export.md_table(header, rows)).rstrip(),
        "unavailable": missing,
        "differing_pairs": [
            f"{p.pair[0]}-{p.pair[1]}"
            for p, q in zip(result.pairs, other.pairs, strict=True)
            if p.result != q.result
        ],
    }


def _context(folder, store, report: Report, options: ReportOptions, env) -> dict:
    study, model, result = report.study, report.model, report.aggregate
    f = model.factors
    names = {x.id: x.name for x in study.factors}
    res = model.ism
    grouped = recommend.by_dimension(report.profiles, [d.id for d in study.dimensions])
    recommendations = []
    for d in study.dimensions:
        template = (
            f"{d.id}.md.j2"
            if templating.has_template(env, f"{d.id}.md.j2")
            else ("dimension.md.j2")
        )
        text = templating.render(env, template, dimension=d, profiles=grouped[d.id], study=study)
        recommendations.append({"dimension": d, "text": text.strip()})
    top = sorted(report.profiles, key=lambda p: p.rank)[:5]
    return {
        "tool": {"name": "ismpanel", "version": __version__},
        "study": study,
        "provenance_note": _provenance_note(study),
        "panel": _panel(store, result, options),
        "ism": {
            "n_levels": res.n_levels,
            "tier_rule": export.tier_rule(model),
            "mermaid": export.to_mermaid(model, names).rstrip(),
            "levels_table": "\n".join(export.levels_md(model, names)).rstrip(),
            "cycles": [[f[i] for i in c] for c in res.cycles],
        },
        "micmac": {
            "svg": MICMAC_SVG,
            "threshold": model.threshold.describe(),
            "table": "\n".join(export.micmac_md(model, names)).rstrip(),
            "indirect": export.indirect_note(model),
        },
        "check": {
            "rule": export.check_rule(),
            "table": "\n".join(
                export.md_table(
                    ["Tier", *QUADRANTS],
                    [
                        [t, *(", ".join(f[i] for i in row[q]) for q in QUADRANTS)]
                        for t, row in model.check.table.items()
                    ],
                )
            ).rstrip(),
            "sentence": export.breaks_sentence(model),
        },
        "qca": report.qca,
        "recommendations": recommendations,
        "top": top,
        "methods": _methods(model, result, options, report.qca),
        "provenance": _provenance(folder, store, report.qca),
    }


def _panel(store: PanelStore, result: Aggregate, options: ReportOptions) -> dict:
    """The panel section's figures, pairs named as P1-P2."""
    summary = panel_summary(store, result, options.panel.include_llm, options.below)

    def named(pairs):
        return [f"{p.pair[0]}-{p.pair[1]}" for p in pairs]

    return {
        "experts": summary.experts,
        "n_experts": len(summary.experts),
        "completion": summary.completion,
        "unfinished": [p.id for p in summary.experts if not p.finished],
        "round": summary.round,
        "kappa": result.kappa,
        "mean_agreement": summary.mean_agreement,
        "contested": named(summary.contested),
        "ties": named(summary.ties),
        "pairs": len(result.pairs),
        "rule": result.rule,
        "quorum": result.quorum,
        "below": options.below,
    }


def _methods(
    model: StructuralModel, result: Aggregate, options: ReportOptions, qca: dict | None
) -> list[tuple[str, str]]:
    rule = {
        "direction": "majority per direction: an arc is kept when more than half of the experts "
        "who answered the pair say yes (V or X for i→j, A or X for j→i); exactly half is a tie "
        "and the arc is not kept",
        "letter": "majority per letter: the most frequent letter; ties go to the direction rule",
    }[result.rule]
    items = [
        (
            "Aggregation",
            f"{rule}; quorum {result.quorum} answer(s) per pair; LLM panelists "
            f"{'included' if options.panel.include_llm else 'excluded'}",
        ),
        ("Contested pairs", f"agreement below {options.below:.0%}, ties and pairs under quorum"),
        ("Panel agreement", "Fleiss' kappa over the pairs with at least two answers"),
        (
            "Reachability",
            "final reachability matrix = full reflexive-transitive closure; "
            "entries added by transitivity marked 1*",
        ),
        (
            "Level partition",
            f"{model.ism.level_rule} rule, {LEVEL_TESTS[model.ism.level_rule]} on the remaining "
            "factors; members of a cycle share a level",
        ),
        ("Tiers", export.tier_rule(model)),
        ("Digraph", "cycles condensed into one node, transitive reduction of the condensed graph"),
        ("MICMAC", model.threshold.describe()),
        ("Indirect MICMAC", export.indirect_note(model)),
        ("ISM vs MICMAC", export.check_rule()),
        (
            "Priority of recommendations",
            recommend.describe_rule(),
        ),
    ]
    if qca:
        items += qca["methods"]
    return items


def _provenance(folder: Path, store: PanelStore, qca: dict | None) -> list[tuple[str, str]]:
    sources = Counter(a.source for a in store.history())
    items = [
        ("Study definition", f"study.toml (sha256 {short_digest(folder / 'study.toml')})"),
        (
            "Panel answers",
            f"{sum(sources.values())} answers in panel.db over "
            f"{store.current_round()} round(s); by source: "
            + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())),
        ),
    ]
    if qca:
        items.append(("Questionnaire", qca["provenance"]))
    return items


def _provenance_note(study: Study) -> dict:
    """The study's ``[provenance]`` table with every key the brief reads (synthetic, note,
    generator, seed), so that a study without one renders too."""
    table = study.extra.get("provenance", {})
    return {
        "synthetic": bool(table.get("synthetic", False)),
        "note": str(table.get("note", "")),
        "generator": table.get("generator"),
        "seed": table.get("seed"),
    }
