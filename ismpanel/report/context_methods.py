"""The brief's methods table and provenance: every rule and threshold each step used, as the
results state them, and where the study's data came from."""

from __future__ import annotations

from ismpanel.analysis import recommend
from ismpanel.analysis.ism import LEVEL_TESTS
from ismpanel.report import markdown as md
from ismpanel.report import (
    sensitivity,
    structure_tables,
)
from ismpanel.report.markdown import plural
from ismpanel.report.results import StudyResults
from ismpanel.report.structure_text import indirect_note, tier_rule
from ismpanel.report.table import Table


def methods(results: StudyResults) -> str:
    """The methods table in markdown (rebuilt when a narrative is added)."""
    return md.table(_methods_table(results))


def _methods_table(results: StudyResults) -> Table:
    """Each step of the method with the rule used; no row repeats its own label."""
    model, result, options = results.model, results.aggregate, results.options
    rule = {
        "direction": "majority per direction: an arc is kept when more than half of the experts "
        "who answered the pair say yes (V or X for i→j, A or X for j→i); exactly half is a tie "
        "and the arc is not kept",
        "letter": "majority per letter: the most frequent letter; ties go to the direction rule",
    }[result.rule]
    rows = [
        (
            "Aggregation",
            f"{rule}; quorum {plural(result.quorum, 'answer')} per pair; LLM panelists "
            f"{'included' if options.panel.include_llm else 'excluded'}",
        ),
        ("Contested pairs", f"agreement below {options.below:.0%}, ties and pairs under quorum"),
        ("Panel agreement", "Fleiss' kappa over the pairs with at least two answers"),
        (
            "Reachability",
            "initial matrix = the aggregated verdicts (what the brief calls direct); final "
            "matrix = its full reflexive-transitive closure, entries added by transitivity "
            "marked 1* (what the brief calls reach)",
        ),
        (
            "Level partition",
            f"{model.ism.level_rule} rule, {LEVEL_TESTS[model.ism.level_rule]} on the remaining "
            "factors; members of a cycle share a level",
        ),
        ("Tiers", tier_rule(model)),
        (
            "Hierarchy diagram",
            "cycles condensed into one node, transitive reduction of the condensed graph (a "
            "direct link implied by a longer path is not drawn)",
        ),
        ("MICMAC", model.threshold.describe()),
        ("Indirect MICMAC", indirect_note(model)),
        ("ISM against MICMAC", structure_tables.check_rule()),
        ("Structural sensitivity", sensitivity.METHOD),
        ("Role of a factor", recommend.describe_roles()),
        ("Priority", recommend.describe_priority(results.qca is not None)),
    ]
    if results.qca is not None:
        rows += _qca_methods(results.qca.result)
    if results.narrative:
        rows.append(("Narrative", results.narrative))
    return Table(("Step", "Rule used"), tuple(rows))


def _qca_methods(res) -> list[tuple[str, str]]:
    from ismpanel.analysis.fsqca.calibrate import CONVENTION_NAMES
    from ismpanel.analysis.fsqca.configuration import RULES

    opts = res.options
    specs = opts.calibration.columns
    calibration = "; ".join(
        f"{name} {c.method} {specs[name].describe() + ' = ' if name in specs else ''}"
        f"({', '.join(f'{a:.4g}' for a in c.anchors)})"
        if c.anchors
        else f"{name} {c.method}"
        for name, c in res.calibration.items()
    )
    cut = ", ".join(f"{c:g}" for c in opts.incl_cut)
    return [
        ("fsQCA calibration", f"direct method, {CONVENTION_NAMES[res.convention]}; {calibration}"),
        (
            "fsQCA truth table",
            f"consistency cut {cut}, frequency cut {opts.n_cut}, PRI cut {opts.pri_cut:g}; "
            f"memberships of exactly 0.5: {_HALF[opts.half]}",
        ),
        (
            "fsQCA minimization",
            "exact (all prime implicants, every minimal model); intermediate solution with "
            f"directional expectations {opts.dir_exp or 'none'}",
        ),
        ("fsQCA core and peripheral", RULES[opts.core_rule]),
        ("fsQCA necessity", f"necessary from consistency {opts.necessity_cut:g}"),
    ]


_HALF = {
    "keep": "kept (such a case belongs to no truth-table row)",
    "up": "shifted up to 0.501",
    "down": "shifted down to 0.499",
}


def provenance(results: StudyResults) -> list[tuple[str, str]]:
    from ismpanel.readers import short_digest

    folder, sources = results.folder, results.answers_by_source
    items = [
        ("Study definition", f"study.toml (sha256 {short_digest(folder / 'study.toml')})"),
        (
            "Panel answers",
            f"{plural(sum(sources.values()), 'answer')} in panel.db over "
            f"{plural(len(results.rounds) or 1, 'round')}; by source: "
            + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())),
        ),
    ]
    if results.qca is not None:
        run = results.qca
        items.append(
            (
                "Questionnaire",
                f"{run.path.name} (sha256 {short_digest(run.path)}), "
                f"{plural(len(run.result.case_ids), 'case')}",
            )
        )
    return items


def provenance_note(study) -> dict:
    """The study's ``[provenance]`` table with every key the brief reads (synthetic, note,
    generator, seed), so that a study without one renders too."""
    table = study.extra.get("provenance", {})
    return {
        "synthetic": bool(table.get("synthetic", False)),
        "note": str(table.get("note", "")),
        "generator": table.get("generator"),
        "seed": table.get("seed"),
    }
