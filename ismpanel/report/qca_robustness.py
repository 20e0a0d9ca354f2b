"""The robustness of the fsQCA configurations as tables and sentences: which choices bind and
within which ranges the formula holds, each configuration's verdict with its reasons, the
alternative analyses with their set coincidence, the robust core and the robustness fit
parameters. ``qca --robustness`` renders the tables in the terminal, the brief its own
section."""

from __future__ import annotations

from ismpanel.analysis.fsqca.ranges import MAX_RUNS, Range, Side
from ismpanel.analysis.fsqca.robust_fit import CASE_TYPES
from ismpanel.analysis.fsqca.robustness import CHOICES, Robustness, join_words
from ismpanel.report.markdown import plural
from ismpanel.report.qca_tables import f3
from ismpanel.report.table import STRONG, Table

LISTED_CASES = 5
SOURCE = (
    "Oana and Schneider's robustness test protocol (2021, Sociological Methods & Research), "
    "as R SetMethods computes it"
)


def num(value: float) -> str:
    """A threshold or anchor as written: at most four significant digits."""
    return f"{value:.4g}"


def _side(side: Side) -> str:
    """Where one side of a range ended, in words."""
    if side.stop == "changed":
        return f"changes at {num(side.changed_at)}"
    return {
        "steps": f"no change within {MAX_RUNS} steps",
        "domain": "holds to the end of the valid values",
        "time": "not finished (time limit)",
        "unsettled": f"not established further ({side.change})",
    }[side.stop]


def range_text(r: Range) -> str:
    """``holds from 0.68 to 0.71 (step 0.01; changes at 0.67 and at 0.72)``."""
    low, high = num(r.low.held), num(r.high.held)
    span = f"only at {low}" if low == high else f"from {low} to {high}"
    return f"holds {span} (step {num(r.step)}; below: {_side(r.low)}; above: {_side(r.high)})"


def ranges_table(rb: Robustness) -> Table:
    """Each choice's value and the range within which the formula holds."""
    rows, marks = [], {}
    for i, r in enumerate(rb.ranges):
        rows.append(
            (
                r.label,
                num(r.value),
                num(r.low.held),
                num(r.high.held),
                _side(r.low),
                _side(r.high),
                num(r.step),
            )
        )
        if r.binding:
            marks[(i, 0)] = STRONG
    return Table(
        ("Choice", "Value", "Holds from", "Holds to", "Below", "Above", "Step"),
        tuple(rows),
        f"Sensitivity ranges of the {rb.solution} solution's formula",
        (
            f"Each value is stepped down and up, at most {MAX_RUNS} steps each way, until the "
            "formula changes (R SetMethods' rob.inclrange, rob.ncutrange, rob.calibrange); "
            "anchors step by 2.5% of the condition's observed range, percentile anchors as "
            "the values they resolved to.",
        ),
        ("l", "r", "r", "r", "l", "l", "r"),
        marks,
    )


def alternatives_table(rb: Robustness) -> Table:
    """Each alternative analysis: whether its formula differs and its set coincidence with
    the initial solution."""
    rows, marks = [], {}
    for i, a in enumerate(rb.alternatives):
        solution = a.error if a.error else " | ".join(a.models)
        changes = "yes" if a.changed else "no"
        rows.append(
            (
                a.label,
                f"not established: {a.unsettled}" if a.changed is None else changes,
                f3(a.coincidence) if a.coincidence is not None else "-",
                solution,
            )
        )
        if a.changed:
            marks[(i, 1)] = STRONG
    return Table(
        ("Alternative", "Formula changes", "Set coincidence", "Solution"),
        tuple(rows),
        "Alternative analyses",
        (
            "Set coincidence with the initial solution: sum(min(IS, TS)) / sum(max(IS, TS)) "
            "of the first models' memberships (SetMethods' rob.singletest).",
        ),
        ("l", "c", "r", "l"),
        marks,
    )


def _cases(ids: list[str]) -> str:
    """How many cases, the first :data:`LISTED_CASES` named."""
    if not ids:
        return "none"
    more = len(ids) - LISTED_CASES
    shown = ", ".join(ids[:LISTED_CASES])
    return f"{len(ids)}: {shown}" + (f" and {more} more" if more > 0 else "")


def configurations_table(rb: Robustness) -> Table:
    """Each configuration's verdict, its leave-one-out stability and its typical and deviant
    cases."""
    rows, marks = [], {}
    for i, c in enumerate(rb.configurations):
        loo = "-"
        if c.loo_share is not None:
            loo = f"{round(c.loo_share * c.loo_runs)} of {c.loo_runs}"
        label = "" if c.label == c.expression else c.label
        rows.append((label, c.expression, c.verdict(), loo, _cases(c.typical), _cases(c.deviant)))
        if not c.robust:
            marks[(i, 2)] = STRONG
    loo_note = (
        f"Leave-one-out: of {plural(rb.loo_runs, 'run')} (one case left out each, "
        "memberships as calibrated on all cases), those whose solution has the configuration."
        + (
            " A run whose solution lists only some of its models is not counted for a "
            "configuration missing from those listed."
            if any(c.loo_runs < rb.loo_runs for c in rb.configurations)
            else ""
        )
        if rb.loo_runs
        else "Leave-one-out runs: none were run."
    )
    return Table(
        ("", "Configuration", "Verdict", "Leave-one-out", "Typical cases", "Deviant cases"),
        tuple(rows),
        f"Robustness of the {rb.solution} configurations",
        (
            "Robust: an identical term is in the solution of every alternative analysis that ran.",
            loo_note,
            "Typical: membership in the configuration and in the outcome above 0.5, the "
            "configuration's at most the outcome's (SetMethods' cases.suf.typ, most typical "
            "first); deviant: in the configuration above 0.5, in the outcome below 0.5 "
            "(cases.suf.dcv).",
        ),
        ("l", "l", "l", "r", "l", "l"),
        marks,
    )


def fit_lines(rb: Robustness) -> list[str]:
    """The robust core, the robustness fit parameters and the case types, as sentences."""
    if rb.fit is None:
        return ["No alternative analysis has a solution, so there is no robust core."]
    core = " + ".join(rb.core) if rb.core else "empty (no case can be in it)"
    if not rb.core_whole:
        core = "too long to write out (the fit below uses its memberships)"
    f = rb.fit
    lines = [
        f"Robust core (the first model of the initial solution and of every alternative "
        f"that has one, intersected): {core}.",
        f"Robustness fit ({SOURCE}): RF_cov {f3(f.rf_cov)} (coverage of the robust core / "
        f"coverage of the initial solution), RF_cons {f3(f.rf_cons)} (consistency of the "
        f"initial solution / consistency of the robust core), RF_SC_minTS {f3(f.rf_sc_min)} "
        f"and RF_SC_maxTS {f3(f.rf_sc_max)} (set coincidence of the initial solution with "
        "the intersection and with the union of every alternative that has a solution, where "
        "SetMethods' rob.fit uses only the first and the last).",
    ]
    counts = ", ".join(
        f"{name.replace('_', ' ')} {len(rb.case_types[name])}" for name in CASE_TYPES
    )
    lines.append(f"Cases by robustness type (SetMethods' rob.cases): {counts}.")
    return lines


def _range_of(rb: Robustness, choice: str) -> Range | None:
    """The sensitivity range of a choice, None when it has none (the 0.5 rule)."""
    return next((r for r in rb.ranges if r.choice == choice), None)


def binding_lines(rb: Robustness) -> list[str]:
    """Which choices bind (some alternative changes the formula), with their ranges, and
    which do not."""
    lines = []
    binding = rb.binding()
    for choice in binding:
        changed = [
            a.label + (" (no solution)" if a.error else "")
            for a in rb.alternatives
            if a.choice == choice and a.changed
        ]
        text = f"{CHOICES[choice]} binds: the formula changes with {join_words(changed)}"
        r = _range_of(rb, choice)
        if r is not None:
            text += f"; at {num(r.value)} it {range_text(r)}"
        lines.append(text + ".")
    ran = [a for a in rb.alternatives if a.ran and a.changed is not None]
    tried = [c for c in CHOICES if any(a.choice == c for a in ran)]
    loose = [c for c in tried if c not in binding]
    for choice in loose:
        kept = [a.label for a in ran if a.choice == choice]
        text = f"{CHOICES[choice]} does not bind: the formula is the same with {join_words(kept)}"
        r = _range_of(rb, choice)
        if r is not None:
            text += f"; at {num(r.value)} it {range_text(r)}"
        lines.append(text + ".")
    unsettled = [f"{a.label} ({a.unsettled})" for a in rb.alternatives if a.changed is None]
    if unsettled:
        lines.append(f"whether the formula changes is not established with {join_words(unsettled)}")
    left = [a.label for a in rb.alternatives if not a.ran]
    if left:
        lines.append(f"not run (the time limit ran out): {', '.join(left)}")
    if not rb.alternatives:
        lines.append("No alternative analysis applies to this analysis.")
    return [line[0].upper() + line[1:] for line in lines]


def model_lines(rb: Robustness) -> list[str]:
    """Which model the robustness quantities read when the solution has several."""
    if len(rb.base_models) < 2:
        return []
    return [
        f"The {rb.solution} solution has {len(rb.base_models)} models; every model's "
        "configurations are shown and judged, while the robust core, set coincidence and "
        "robustness fit use the first model of each solution, as SetMethods does."
    ]


def work_line(rb: Robustness, seconds: bool = True) -> str:
    """How much work the robustness run took (``seconds``: and how long)."""
    text = (
        f"{plural(rb.reruns, 'rerun')}, {plural(rb.minimizations, 'minimization')} (reruns "
        "that coded the truth table as an earlier one reused its solution)"
    )
    text += f", {rb.seconds:.1f} s" if seconds else ""
    return text + (f"; {rb.cut}." if rb.cut else ".")


def _named(label: str, expression: str) -> str:
    """``C1 (A*B)``, or the expression alone when it is its own label."""
    return expression if label == expression else f"{label} ({expression})"


def verdict_lines(rb: Robustness) -> list[str]:
    """Each configuration that is not robust with its reasons, then those that are."""
    robust = [c.label for c in rb.configurations if c.robust]
    shaky = [c for c in rb.configurations if not c.robust]
    if rb.configurations and not any(c.tested for c in rb.configurations):
        return ["No alternative analysis ran, so no configuration was tested."]
    lines = []
    if not rb.configurations:
        lines.append("The initial analysis has no configuration to test.")
    elif not shaky:
        every = ", ".join(robust)
        lines.append(f"Every configuration ({every}) is in every alternative analysis that ran.")
    else:
        lines += [f"{_named(c.label, c.expression)} is {c.verdict()}." for c in shaky]
        if robust:
            lines.append(f"In every alternative analysis that ran: {', '.join(robust)}.")
    return lines


def markdown(rb: Robustness) -> str:
    """The brief's section: what binds, the verdicts, the tables, the robust core and fit."""
    from ismpanel.report import markdown as md

    def para(lines: list[str]) -> str:
        """Sentences as one paragraph, expressions set as code."""
        return " ".join(md.inline(line) for line in lines)

    parts = [
        f"Following {SOURCE}, the analysis was rerun under alternative choices and each "
        "threshold and calibration anchor was stepped until the formula changed.",
        para(binding_lines(rb)),
        para(verdict_lines(rb)),
        md.table(configurations_table(rb)),
        md.table(alternatives_table(rb)),
        md.table(ranges_table(rb)),
        para([*model_lines(rb), *fit_lines(rb)]),
        para([f"Robustness run: {work_line(rb, seconds=False)}"]),
    ]
    return "\n\n".join(p for p in parts if p)
