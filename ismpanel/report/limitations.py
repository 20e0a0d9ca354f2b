"""The limitations of a study's results, each a fact read off those results: contested and
tied pairs, experts who had not finished, LLM panelists, model ambiguity, memberships of
exactly 0.5 and their handling, configurations that cover rows of low PRI or fall under the
consistency cut, the remainders the solutions rest on, and configurations that are not robust.
Nothing here is said of a study it is not true of; a study without such facts gets no
limitation of that kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ismpanel.analysis.fsqca.calibrate import half_cases
from ismpanel.analysis.fsqca.configuration import model_label
from ismpanel.analysis.fsqca.pipeline import Result
from ismpanel.analysis.fsqca.robustness import CHOICES, Robustness, join_words
from ismpanel.analysis.fsqca.truthtable import agteb
from ismpanel.report.markdown import join_ids, plural
from ismpanel.report.qca_solution_tables import rows_text
from ismpanel.report.qca_tables import (
    f3,
    intermediate_names,
    percentile_columns,
    pri_coded_zero,
)
from ismpanel.report.results import StudyResults

if TYPE_CHECKING:
    from ismpanel.elicitation.panel import PanelSummary

LOW_PRI = 0.5  # under it a row is as consistent with the outcome's negation as with it


def limitations(results: StudyResults) -> list[str]:
    """Every limitation that holds of these results, panel first, then fsQCA."""
    found = panel_limitations(results)
    if results.qca is not None:
        found += qca_limitations(results.qca.result, list(results.study.factor_ids))
        found += robustness_limitations(results.qca.robustness)
    return found


def robustness_limitations(rb: Robustness | None) -> list[str]:
    """How many of the configurations are not robust and the choices they depend on; nothing
    when every one tested is robust or the robustness analysis did not run."""
    if rb is None:
        return []
    weak = [c for c in rb.configurations if c.tested and not c.robust]
    if not weak:
        return []
    merged = any(", " in c.label for c in rb.configurations)
    total = plural(len(rb.configurations), "distinct configuration" if merged else "configuration")
    names = "; ".join(c.label or c.expression for c in weak)
    choices = [CHOICES[k] for k in CHOICES if any(a.choice == k for c in weak for a in c.lost)]
    whole = len(weak) == len(rb.configurations) > 1
    count = f"All {total}" if whole else f"{len(weak)} of the {total}"
    if len(rb.configurations) == 1:
        count = "The only configuration"
    one, one_choice = len(weak) == 1, len(choices) == 1
    subject = "it disappears" if one else "each disappears"
    depends = ("the choice " if one_choice else "the choices ") + (
        "it depends on" if one else "they depend on"
    )
    return [
        f"{count} of the {rb.solution} solution {'is' if one else 'are'} not robust ({names}): "
        f"{subject} in some alternative analysis, and {depends} "
        f"{'is' if one_choice else 'are'} {join_words(choices)} (see the robustness of the "
        "configurations)."
    ]


def panel_limitations(results: StudyResults) -> list[str]:
    """Contested and tied pairs, unfinished experts, LLM panelists."""
    summary, aggregate = results.panel, results.aggregate
    out = []
    if summary.contested:
        names = [f"{p.pair[0]}-{p.pair[1]}" for p in summary.contested]
        tied = {0: "", 1: " (a tied one as the next line says)"}.get(
            len(summary.ties), " (tied ones as the next line says)"
        )
        out.append(
            f"{len(names)} of {plural(len(aggregate.pairs), 'pair')} "
            f"{'was' if len(names) == 1 else 'were'} contested (agreement under "
            f"{results.options.below * 100:.0f} %, a tie or under the quorum): {join_ids(names)}; "
            f"the structure takes the majority verdict on each{tied}; {reopening(summary)}."
        )
    if summary.ties:
        names = [f"{p.pair[0]}-{p.pair[1]}" for p in summary.ties]
        tied = "pair" if len(names) == 1 else "pairs"
        out.append(f"Tied {tied} ({join_ids(names)}): {tie_rule(aggregate.rule)}.")
    unfinished = [e for e in summary.experts if e.id in summary.unfinished]
    if unfinished:
        who = ", ".join(f"{e.id} ({e.round_answered} of {e.round_total} pairs)" for e in unfinished)
        out.append(
            f"Round {summary.round} was closed with {who} not finished; their unanswered pairs "
            "count as missing answers."
            if summary.closed
            else f"Not finished with round {summary.round}: {who}; the results use the answers "
            "given."
        )
    if summary.withdrawn:
        out.append(withdrawn_sentence(summary.withdrawn))
    llm = results.llm
    if llm is not None:
        ids = [a.expert for a in llm.agreements]
        voting = results.options.panel.include_llm
        out.append(
            f"LLM {'panelist' if len(ids) == 1 else 'panelists'} {join_ids(ids)} answered; "
            + (
                "their votes count in the results."
                if voting
                else "their votes do not count in the results (they are compared only)."
            )
        )
    return out


def reopening(summary: PanelSummary) -> str:
    """What became of the contested pairs in Delphi rounds: those a later round reopened
    remained contested after the last round that did; a further round could reopen the rest."""
    last: dict[tuple[str, str], int] = {}
    for record in summary.rounds:
        if record.number > 1:
            last.update(dict.fromkeys(record.reopened, record.number))
    by_round: dict[int, list[str]] = {}
    others = []
    for p in summary.contested:
        label = f"{p.pair[0]}-{p.pair[1]}"
        if p.pair in last:
            by_round.setdefault(last[p.pair], []).append(label)
        else:
            others.append(label)
    parts = []
    for number, labels in sorted(by_round.items()):
        still = number == summary.round and summary.unfinished and not summary.closed
        when = f"in round {number} (not finished)" if still else f"after round {number}"
        parts.append(
            f"{join_ids(labels)} {'is still' if still else 'remained'} contested {when}, which "
            f"reopened {'it' if len(labels) == 1 else 'them'}"
        )
    if others:
        which = join_ids(others) if parts else ("it" if len(others) == 1 else "them")
        parts.append(f"a further Delphi round could reopen {which}")
    return "; ".join(parts)


def withdrawn_sentence(withdrawn: list) -> str:
    """How many experts withdrew, from which round, and which of their answers count."""
    parts = []
    for w in sorted(withdrawn, key=lambda w: (w.round, w.expert)):
        counted = (
            "none of their answers count"
            if w.round == 1
            else f"their answers before round {w.round} count"
        )
        parts.append(f"{w.expert} from round {w.round} ({counted})")
    n = len(withdrawn)
    return (
        f"{plural(n, 'expert')} withdrew from the panel: {'; '.join(parts)}; "
        "the panel did not wait for them."
    )


def tie_rule(rule: str) -> str:
    """What a tie means under the aggregation rule used."""
    if rule == "letter":
        return "the most frequent letters tied, and the direction rule decided the pair"
    return "an arc with exactly half of the votes is not kept"


def qca_limitations(res: Result, factors: list[str] | None = None) -> list[str]:
    """What the configurations rest on: the factors measured, the data's design, percentile
    anchors, model ambiguity, exact-0.5 memberships, rows the PRI cut coded 0, weak
    configurations, and the remainders used (or that none was)."""
    out = []
    if factors is not None:
        measured = [f for f in factors if f in res.conditions]
        if len(measured) < len(factors):
            out.append(
                f"The questionnaire measured {len(measured)} of {len(factors)} factors "
                f"({join_ids(measured)}); the priorities of the others rest on the panel's "
                "structure alone."
            )
    out.append(
        "Configurations are set relations in the questionnaire's cross-sectional data: "
        "conditions that go with the outcome, not measured causal effects."
    )
    relative = percentile_columns(res)
    if relative:
        out.append(
            f"Anchors at sample percentiles for {join_ids(relative)}: their memberships are "
            "relative to this sample, not to fixed external standards."
        )
    pars = res.solutions.get("parsimonious")
    if pars is not None and len(pars.models) > 1:
        count = (
            f"{len(pars.models)} equally short models"
            if pars.proven and pars.complete and not pars.capped
            else f"at least {len(pars.models)} models (the search for them was cut short)"
        )
        consequence = (
            ", so which conditions are core depends on the rule stated under the configuration "
            "table"
            if res.intermediate is not None
            else ""
        )
        out.append(f"Model ambiguity: the parsimonious solution has {count}{consequence}.")
    half = half_share(res)
    if half is not None:
        count, total, cases = half
        handling = {
            "keep": "kept, so those cases belong to no truth-table row",
            "up": "shifted to 0.501 (kept at 0.5, those cases would belong to no row)",
            "down": "shifted to 0.499 (kept at 0.5, those cases would belong to no row)",
        }[res.options.half]
        out.append(
            f"{count} of {total} condition memberships ({100 * count / total:.1f} %), in "
            f"{cases} of {plural(len(res.case_ids), 'case')}, were exactly 0.5 after "
            f"calibration; they were {handling}."
        )
    tt = res.truth_table
    pri_zero = pri_coded_zero(res)
    if pri_zero:
        rows = [tt.rows[r - 1] for r in pri_zero]
        one = len(rows) == 1
        out.append(
            f"{'Row' if one else 'Rows'} {rows_text(pri_zero)} "
            f"{'passes' if one else 'pass'} the consistency cut (inclusion "
            f"{', '.join(f'{r.incl:.3f}' for r in rows)}) but not the PRI cut (PRI "
            f"{', '.join(f'{r.pri:.3f}' for r in rows)}, under {tt.pri_cut:g}), so "
            f"{'it is' if one else 'they are'} coded 0: the solutions treat "
            f"{'its' if one else 'their'} cases as cases without the outcome, which can bring a "
            "condition's absence into a configuration."
        )
    out += weak_configurations(res)
    if pars is not None and pars.models:
        used = sorted({len(m.simplifying_assumptions) for m in pars.models})
        if used[-1]:
            span = str(used[0]) if len(used) == 1 else f"{used[0]} to {used[-1]}"
            core = (
                ", and the core conditions of the configurations come from that solution"
                if res.intermediate is not None
                else ""
            )
            out.append(
                f"The parsimonious solution rests on {span} remainder "
                f"row{'' if used == [1] else 's'} (simplifying "
                f"assumptions: rows without enough cases treated as if they had the outcome)"
                f"{core}."
            )
        elif res.intermediate is not None:
            out.append(
                "No remainder was used (every parsimonious model rests on observed rows "
                "only), so the core conditions are all the conditions of each configuration: "
                "the core/peripheral distinction carries no information here."
            )
    return out


def half_share(res: Result) -> tuple[int, int, int] | None:
    """How many condition memberships were exactly 0.5 before any remedy, of how many, and in
    how many cases; None when none was."""
    halves = np.column_stack(
        [half_cases(np.asarray(res.calibration[c].values)) for c in res.conditions]
    )
    count = int(halves.sum())
    if not count:
        return None
    return count, halves.size, int(halves.any(axis=1).sum())


def weak_configurations(res: Result) -> list[str]:
    """Configurations under the consistency cut, and those covering positive rows whose PRI
    is under :data:`LOW_PRI`."""
    if res.intermediate is None:
        return []
    names = intermediate_names(res)
    cut = res.truth_table.incl_cut[0]
    low_rows = [c for c in res.truth_table.positive if res.truth_table.rows[c].pri < LOW_PRI]
    under, resting = [], []
    k = 0
    for m in res.intermediate.models:
        for t in m.terms:
            k += 1
            label = f"C{k}" + (f" ({names[model_label(m)]})" if len(names) > 1 else "")
            if not agteb(t.inclS, cut):
                under.append(f"{label} {f3(t.inclS)}")
            rows = [c + 1 for c in low_rows if t.term.covers_row(c)]
            if rows:
                resting.append(f"{label}: {'row' if len(rows) == 1 else 'rows'} {rows_text(rows)}")
    out = []
    if under:
        out.append(
            f"Consistency under the cut of {cut:g}: {'; '.join(under)} (a configuration of a "
            "minimised solution can fall under the cut its rows passed)."
        )
    if resting:
        out.append(
            f"Configurations covering positive rows with PRI under {LOW_PRI:g} (such a row is "
            "as consistent with the outcome's absence as with the outcome, or more: a "
            f"simultaneous subset relation): {'; '.join(resting)}."
        )
    return out
