"""The brief's template context, built from :class:`~ismpanel.report.results.StudyResults`:
tables rendered to markdown once, each factor's evidence stated in the brief's words ("drives
directly" = the aggregated initial reachability matrix; "reaches" = the final one; "in the
hierarchy diagram" = the digraph; docs/architecture.md, Method definitions), and the methods
and provenance of every step."""

from __future__ import annotations

from ismpanel import __version__
from ismpanel.analysis import recommend
from ismpanel.analysis.recommend import FactorProfile, QcaRole
from ismpanel.report import (
    appendix,
    qca_robustness,
    qca_tables,
    sensitivity,
    sensitivity_tables,
    structure_tables,
)
from ismpanel.report import markdown as md
from ismpanel.report.context_methods import methods, provenance, provenance_note
from ismpanel.report.limitations import limitations, tie_rule
from ismpanel.report.markdown import join_ids, plural, sentence
from ismpanel.report.panel_tables import composition_table
from ismpanel.report.results import StudyResults
from ismpanel.report.structure_text import detached_note, indirect_note, tier_rule, to_mermaid
from ismpanel.report.table import Table

TOP_FACTORS = 5  # factors the summary lists


FACTOR_PAIRS = 5  # contested pairs named per factor in the brief's stability table


CONFIG_WORDS = {
    "core_present": "core present",
    "peripheral_present": "peripheral present",
    "core_absent": "core absent",
    "peripheral_absent": "peripheral absent",
}


def build(results: StudyResults, figure: str, hierarchy: str) -> dict:
    """The context of ``brief.md.j2`` (its header comment lists the keys)."""
    study, model = results.study, results.model
    names = results.names
    factors = [factor_view(results, p) for p in results.profiles]
    by_id = {v["p"].id: v for v in factors}
    grouped = recommend.by_dimension(results.profiles, [d.id for d in study.dimensions])
    dimensions = [
        {"dimension": d, "factors": [by_id[p.id] for p in grouped[d.id]]} for d in study.dimensions
    ]
    top = [by_id[p.id] for p in recommend.top_ranked(results.profiles, TOP_FACTORS)]
    return {
        "tool": {"name": "ismpanel", "version": __version__},
        "study": study,
        "provenance_note": provenance_note(study),
        "panel": _panel(results),
        "llm": _llm(results),
        "ism": {
            "tier_rule": tier_rule(model),
            "figure": hierarchy,
            "mermaid": to_mermaid(model, names).rstrip(),
            "levels_table": md.table(structure_tables.levels_table(model, names)),
            "cycles": [[model.factors[i] for i in c] for c in model.ism.cycles],
            "detached": detached_note(model),
        },
        "micmac": {
            "figure": figure,
            "table": md.table(structure_tables.micmac_table(model, names)),
            "indirect": indirect_note(model),
            "check": md.table(structure_tables.tier_check_table(model)),
        },
        "sensitivity": _sensitivity(results),
        "qca": _qca(results),
        "qca_absent": results.qca_absent,
        "priority_sources": priority_sources(results),
        "dimensions": dimensions,
        "top": top,
        "top_note": top_note(results.profiles, len(top)),
        "n_factors": len(results.profiles),
        "methods": methods(results),
        "provenance": provenance(results),
        "limitations": [md.inline(md.text(line)) for line in limitations(results)],
        "appendix": appendix.to_markdown(appendix.sections(results), level=3).rstrip(),
    }


def _sensitivity(results: StudyResults) -> dict | None:
    """What rests on the panel's contested judgments: the sentences and each factor's verdict."""
    s = results.sensitivity
    if s is None:
        return None
    return {
        "text": "\n\n".join(
            " ".join(md.inline(md.text(line)) for line in lines)
            for lines in sensitivity.paragraphs(s)
        ),
        "factors": md.table(sensitivity_tables.factors_table(s, FACTOR_PAIRS)),
    }


def _thresholds(threshold) -> str:
    """The MICMAC threshold as the clusters used it: one figure, or driving and dependence."""
    drive, dep = threshold.driving, threshold.dependence
    if drive == dep:
        return f"the threshold {drive:g}"
    return f"the thresholds {drive:g} (driving) and {dep:g} (dependence)"


def factor_view(results: StudyResults, p: FactorProfile) -> dict:
    """What the recommendation templates say of one factor, each list already condensed."""
    factor = results.study.factor(p.id)
    qca = results.qca.result if results.qca else None
    presence = next((n for n in p.necessity if not n.absent), None)
    absence = next((n for n in p.necessity if n.absent and n.necessary), None)
    return {
        "p": p,
        "role_name": recommend.ROLE_NAMES[p.role],
        "n_factors": len(results.profiles),
        "micmac_threshold": _thresholds(results.model.threshold),
        "drivers_exist": any(q.cluster in recommend.DRIVER_CLUSTERS for q in results.profiles),
        "present": _present(p.roles),
        "n_present": len(p.present_in),
        "absent": ", ".join(
            f"{r.configuration}{' (core)' if r.core else ''}" for r in p.roles if not r.present
        ),
        "n_configurations": len(qca.configurations) if qca else 0,
        "presence_count": presence_count(p, qca) if qca else "",
        "presence_necessity": presence,
        "absence_necessary": absence,
        "threshold": qca.options.necessity_cut if qca else None,
        "action": factor.action,
        "evidence": evidence(p, results),
        "points": _points(p),
    }


def _share_of(count: int, total: int) -> str:
    """``2 of the 5 configurations``, ``both configurations``, ``all 3 configurations``,
    ``the one configuration``."""
    if count < total:
        return f"{count} of the {total} configurations"
    return {1: "the one configuration", 2: "both configurations"}.get(
        total, f"all {total} configurations"
    )


def presence_count(p: FactorProfile, qca) -> str:
    """The configurations holding the factor's presence, counted per intermediate model when
    there are several (a term two models share is one configuration of each): ``3 of the 5
    configurations of the fsQCA solution for the outcome: C1 (core), C4, C5 (core)``."""
    present = {r.configuration: r for r in p.roles if r.present}
    names = qca_tables.intermediate_names(qca)
    by_model: dict[str, list[str]] = {}
    for k, c in enumerate(qca.configurations, start=1):
        r = present.get(f"C{k}")
        entry = f"{r.configuration}{' (core)' if r.core else ''}" if r else None
        by_model.setdefault(c.model, []).append(entry)
    if len(by_model) < 2:
        listed = [e for entries in by_model.values() for e in entries if e]
        return (
            f"{_share_of(len(listed), len(qca.configurations))} of the fsQCA solution for the "
            f"outcome: {', '.join(listed)}"
        )
    parts = []
    for k, (model, entries) in enumerate(by_model.items()):
        listed = [e for e in entries if e]
        shown = f" ({', '.join(listed)})" if listed else ""
        what = "configurations of " if k == 0 else "of "
        parts.append(f"{len(listed)} of the {len(entries)} {what}{names.get(model, model)}{shown}")
    return (
        f"{' and of '.join(parts)}, the {len(by_model)} alternative intermediate models of the "
        "fsQCA solution for the outcome"
    )


def evidence(p: FactorProfile, results: StudyResults) -> str:
    """The evidence line of one factor: each figure as the results give it."""
    parts = [
        f"ISM level {p.level} of {p.n_levels} ({p.tier} tier)",
        f"MICMAC {p.cluster} (driving power {p.driving}, dependence {p.dependence}, each "
        "counting the factor itself)",
    ]
    if p.drives:
        parts.append(f"drives directly {join_ids(p.drives)}")
    if p.driven_by:
        parts.append(f"driven directly by {join_ids(p.driven_by)}")
    through = (
        f", {len(p.through_others)} only through others ({join_ids(p.through_others)})"
        if p.through_others
        else ""
    )
    reach = plural(len(p.reaches), "other factor") if p.reaches else "no other factor"
    parts.append(f"reaches {reach}{through}")
    if p.above:
        parts.append(f"its arrows in the hierarchy diagram lead to {join_ids(p.above)}")
    if p.in_cycle_with:
        parts.append(f"in a cycle with {join_ids(p.in_cycle_with)}")
    if p.roles:
        parts.append("fsQCA: " + _roles(p.roles))
    elif p.is_condition:
        parts.append("fsQCA: in no configuration")
    if results.qca and p.necessity:
        thr = results.qca.result.options.necessity_cut
        figures = ", ".join(f"{n.condition} {n.incl:.3f}" for n in p.necessity)
        passed = [n.condition for n in p.necessary]
        verdict = f"passed by {join_ids(passed)}" if passed else "neither passes"
        parts.append(f"necessity consistency {figures} (threshold {thr:g}; {verdict})")
    parts.append(f"priority {_points(p)}")
    return "; ".join(parts) + "."


def _points(p: FactorProfile) -> str:
    by_source = ", ".join(f"{s} {got} of {top}" for s, got, top in p.points)
    return f"{by_source} points" + (" (the stronger share counts)" if len(p.points) > 1 else "")


def _roles(roles: tuple[QcaRole, ...]) -> str:
    """Configuration roles condensed: ``core present in C1; peripheral present in C2, C3``."""
    grouped: dict[str, list[str]] = {}
    for r in roles:
        grouped.setdefault(r.role, []).append(r.configuration)
    return "; ".join(
        f"{CONFIG_WORDS[role]} in {join_ids(grouped[role])}"
        for role in recommend.CONFIG_ROLES
        if role in grouped
    )


def _present(roles: tuple[QcaRole, ...]) -> str:
    """The configurations that hold the factor's presence, core ones marked."""
    return ", ".join(f"{r.configuration}{' (core)' if r.core else ''}" for r in roles if r.present)


def top_note(profiles: list[FactorProfile], shown: int) -> str:
    """What the summary's list is: the high-priority factors, or how the highest-ranked
    factors it shows stand against them."""
    high = sum(p.priority == "high" for p in profiles)
    if high == shown:
        return f"The {plural(high, 'high-priority factor')}:"
    if high > shown:
        return (
            f"The {shown} highest-ranked of the {high} high-priority factors (the "
            "recommendations list all):"
        )
    among = f"{high} of them" if high else "none of them"
    factors = "factor" if shown == 1 else "factors"
    return f"The {shown} highest-ranked {factors}, {among} of high priority:"


def priority_sources(results: StudyResults) -> str:
    """Which sources of evidence the priorities rest on, in one sentence."""
    if results.qca is None:
        return (
            f"Priorities rest on the panel's structure ({recommend.SOURCE_STRUCTURE}) alone: "
            f"{results.qca_absent.rstrip('.')}."
        )
    conditions = results.qca.result.conditions
    return (
        f"Priorities rest on the panel's structure ({recommend.SOURCE_STRUCTURE}) for every "
        f"factor and on the questionnaire ({recommend.SOURCE_QCA}) for the "
        f"{plural(len(conditions), 'factor')} analysed as conditions ({join_ids(conditions)})."
    )


def _panel(results: StudyResults) -> dict:
    """The panel section's figures; pairs named as P1-P2."""
    summary, result = results.panel, results.aggregate

    def named(pairs) -> list[str]:
        return [f"{p.pair[0]}-{p.pair[1]}" for p in pairs]

    return {
        "experts": summary.experts,
        "n_experts": plural(len(summary.experts), "expert"),
        "completion": summary.completion,
        "unfinished": summary.unfinished,
        "round": summary.round,
        "rounds": _rounds_table(results),
        "kappa": result.kappa,
        "mean_agreement": summary.mean_agreement,
        "contested": named(summary.contested),
        "contested_count": (
            f"{len(summary.contested)} of {plural(len(result.pairs), 'pair')} "
            f"{'is' if len(summary.contested) == 1 else 'are'} contested"
        ),
        "ties": named(summary.ties),
        "tie_rule": tie_rule(result.rule),
        "composition": _composition(results),
        "below": results.options.below,
    }


def _composition(results: StudyResults) -> str | None:
    """The panel's composition from the experts' recorded attributes, as markdown."""
    table = composition_table(results.expert_profiles, [e.id for e in results.panel.experts])
    return md.table(table) if table else None


def _rounds_table(results: StudyResults) -> str | None:
    """What each round reopened and changed; None for a single round."""
    rounds = results.rounds
    if len(rounds) < 2:
        return None
    rows = tuple(
        (
            str(r.number),
            plural(len(r.reopened), "pair"),
            str(r.answers),
            join_ids([f"{a}-{b}" for a, b in r.changed_answers]),
            join_ids(
                [
                    f"{v.pair[0]}-{v.pair[1]} ({v.before or '-'} → {v.after or '-'})"
                    for v in r.changed_verdicts
                ]
            ),
        )
        for r in rounds
    )
    return md.table(
        Table(
            ("Round", "Pairs asked", "Answers", "Answers changed on", "Verdicts changed"),
            rows,
            align=("r", "l", "r", "l", "l"),
        )
    )


def _llm(results: StudyResults) -> dict | None:
    """LLM panelists' agreement and the structure side by side, as markdown."""
    llm = results.llm
    if llm is None:
        return None
    model, other = results.model, llm.other
    agreement = Table(
        ("Panelist", "Model", "Pairs compared", "Agreement", "Cohen's kappa", "Calibration"),
        tuple(
            (
                a.expert,
                a.model or "",
                str(a.compared),
                f"{a.share:.0%}" if a.share is not None else "n/a",
                f"{a.kappa:.3f}" if a.kappa is not None else "n/a",
                llm.calibrations.get(a.expert, "not calibrated"),
            )
            for a in llm.agreements
        ),
    )
    side = None
    if other is not None:
        a, b = llm.labels
        rows = []
        for i, fid in enumerate(model.factors):
            row = (str(model.ism.levels[i]), model.quadrants[i])
            alt = (str(other.ism.levels[i]), other.quadrants[i])
            rows.append((fid, *row, *alt, "changed" if row != alt else ""))
        side = md.table(
            Table(
                ("Factor", f"Level ({a})", f"Cluster ({a})", f"Level ({b})", f"Cluster ({b})", ""),
                tuple(rows),
            )
        )
    return {
        "labels": llm.labels,
        "agreement": md.table(agreement),
        "table": side,
        "unavailable": llm.unavailable,
        "differing_pairs": llm.differing_pairs,
    }


def _qca(results: StudyResults) -> dict | None:
    """The fsQCA section: intro, necessity, truth table, solutions, configurations and their
    robustness."""
    if results.qca is None:
        return None
    res, names = results.qca.result, results.names
    conditions = ", ".join(f"{c} ({names.get(c, c)})" for c in res.conditions)
    notes = " ".join(sentence(n) for n in (*results.qca.notes, *res.notes))
    config = qca_tables.configuration_table(res)
    return {
        "outcome": res.outcome_label,
        "intro": (
            f"{plural(len(res.case_ids), 'case')}; outcome {res.outcome_label}; conditions "
            f"{conditions}. {notes}"
        ).strip(),
        "necessity": md.table(qca_tables.necessity_table(res)),
        "truth_table": qca_tables.truth_table_counts(res),
        "positive_rows": md.table(qca_tables.positive_rows_table(res)),
        "solutions": md.table(qca_tables.models_table(res)),
        "configurations": md.table(config) if config else None,
        "robustness": qca_robustness.markdown(rb) if (rb := results.qca.robustness) else None,
    }
