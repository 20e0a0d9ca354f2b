"""Reruns of one fsQCA analysis under changed choices, for the robustness tests: each rerun
calibrates and codes its truth table (cheap), and only a truth table not seen before is
minimized. The solution formula depends on the table's coding alone (which observed rows are
1, 0 or C; the rest are remainders), so reruns that code the table alike share one
minimization; :attr:`Reruns.minimizations` counts those actually run."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ismpanel.analysis.fsqca import calibrate as cal
from ismpanel.analysis.fsqca import pipeline
from ismpanel.analysis.fsqca import solution as sol
from ismpanel.analysis.fsqca.budget import Deadline, TimeLimitError
from ismpanel.analysis.fsqca.calibrate import TOLERANCE
from ismpanel.analysis.fsqca.data import Dataset
from ismpanel.analysis.fsqca.terms import Term
from ismpanel.analysis.fsqca.truthtable import TruthTable, row_codes
from ismpanel.errors import AnalysisError, InputError

Key = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
NOT_RUN = "not run: the time limit ran out"
BLOCK = 4_000_000  # values in one temporary of :func:`row_matrix`


@dataclass(frozen=True)
class Formula:
    """The models of the solution a robustness test compares (each a tuple of terms), or why
    a rerun has none (``error``); ``partial`` says why the models listed may not be all of
    them (a capped list, covers not proven minimal), so that a term missing from them may
    still be in the solution."""

    models: tuple[tuple[Term, ...], ...] = ()
    error: str | None = None
    partial: str | None = None

    @property
    def ran(self) -> bool:
        """Whether the rerun was run (not stopped by the time limit)."""
        return self.error != NOT_RUN

    @property
    def terms(self) -> list[Term]:
        """Every term of any model, in order of first appearance."""
        out: list[Term] = []
        for m in self.models:
            out.extend(t for t in m if t not in out)
        return out


@dataclass(frozen=True)
class Table:
    """One rerun's memberships (``y`` already negated for ``~Y``) and the statistics of its
    observed truth-table rows (codes ascending; n, incl and PRI as :func:`truth_table` counts
    them), from which any cut-offs give the table's coding without recomputing it."""

    x: np.ndarray
    y: np.ndarray
    codes: np.ndarray
    n: np.ndarray
    incl: np.ndarray
    pri: np.ndarray


def primary_kind(result: pipeline.Result) -> str:
    """The solution whose configurations are reported: intermediate when computed, else
    parsimonious, else complex."""
    if result.intermediate is not None and result.intermediate.models:
        return "intermediate"
    for kind in ("parsimonious", "complex"):
        if kind in result.solutions:
            return kind
    return "none"


def _sources(result: pipeline.Result, kind: str) -> list[tuple[str, sol.Solution]]:
    """The solutions the models of ``kind`` rest on: itself, and for the intermediate
    solution the complex and parsimonious models it pairs and each group it found."""
    names = ["complex", "parsimonious"] if kind == "intermediate" else [kind]
    out = [(n, result.solutions[n]) for n in names if n in result.solutions]
    if kind == "intermediate" and result.intermediate is not None:
        out += [("intermediate", g) for g in result.intermediate.groups]
    return out


def incomplete(result: pipeline.Result, kind: str) -> str | None:
    """Why the models of ``kind`` listed in a result may not be all of them, in words; None
    when they are every model."""
    for name, s in _sources(result, kind):
        if s.capped:
            n = len(s.models)
            return f"the {name} solution has more than {n} model{'s' if n != 1 else ''}"
    for name, s in _sources(result, kind):
        if not s.proven:
            return f"the {name} solution's models are not proven minimal (time limit)"
    if kind == "intermediate" and result.cut is not None:
        return f"the time limit cut the {result.cut}"
    if kind == "intermediate" and result.pairs_capped:
        return "the intermediate solution was computed for some pairs of models only"
    return None


def cut_short(result: pipeline.Result, kind: str) -> bool:
    """Whether the time limit cut the models of ``kind`` short: a step it cut before they had
    a cover, or a cover it left unproven."""
    cut = result.cut is not None and (kind == "intermediate" or kind in result.missing)
    return cut or any(not s.proven for _, s in _sources(result, kind))


def formula_of(result: pipeline.Result, kind: str) -> Formula:
    """The models of ``kind`` in a result, as terms; an error when the result has none."""
    if kind == "intermediate":
        models = result.intermediate.models if result.intermediate is not None else None
    else:
        models = result.solutions[kind].models if kind in result.solutions else None
    if not models:
        return Formula(error=f"no {kind} solution: {result.missing.get(kind, 'not computed')}")
    terms = tuple(tuple(t.term for t in m.terms) for m in models)
    return Formula(terms, partial=incomplete(result, kind))


def row_matrix(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The observed rows' codes (ascending) and every case's membership in each (rows x
    cases), built a block of rows at a time so that no temporary exceeds :data:`BLOCK`
    values (a k = 20 table of 2,000 cases would otherwise take 80 million)."""
    cases, k = x.shape
    codes = np.unique(row_codes(x))
    out = np.empty((len(codes), cases))
    step = max(1, BLOCK // max(1, cases * k))
    for start in range(0, len(codes), step):
        block = codes[start : start + step]
        bits = ((block[:, None] >> np.arange(k - 1, -1, -1)) & 1).astype(bool)
        out[start : start + step] = np.where(bits[:, None, :], x[None], 1.0 - x[None]).min(axis=2)
    return codes, out


def row_stats(x: np.ndarray, y: np.ndarray) -> Table:
    """The observed rows' statistics, all rows at once (the sums of :func:`truth_table`)."""
    codes, m = row_matrix(x)
    inter = np.minimum(m, y[None, :])
    return _stats(x, y, codes, (m > 0.5).sum(axis=1), m.sum(axis=1), inter.sum(axis=1),
                  np.minimum(inter, 1.0 - y[None, :]).sum(axis=1))  # fmt: skip


def _stats(x, y, codes, n, sum_x, sum_inter, pri_part) -> Table:
    """A :class:`Table` from the row sums: incl and PRI as :func:`truth_table` divides them."""
    with np.errstate(invalid="ignore", divide="ignore"):
        incl = np.where(sum_x > 0, sum_inter / sum_x, np.nan)
        denom = sum_x - pri_part
        pri = np.where(denom > 0, (sum_inter - pri_part) / denom, np.nan)
    return Table(x, y, codes, n, incl, pri)


def leave_one_out(x: np.ndarray, y: np.ndarray):
    """For each case, the row statistics without it, from the full sums minus its share (a
    row whose cases all left keeps n = 0, a remainder like an unobserved row)."""
    codes, m = row_matrix(x)
    inter = np.minimum(m, y[None, :])
    part = np.minimum(inter, 1.0 - y[None, :])
    inside = m > 0.5
    n, sum_x, sum_inter, sum_part = inside.sum(1), m.sum(1), inter.sum(1), part.sum(1)
    keep = np.ones(len(y), dtype=bool)
    for i in range(len(y)):
        keep[i] = False
        yield i, _stats(
            x[keep], y[keep], codes, n - inside[:, i], sum_x - m[:, i],
            sum_inter - inter[:, i], sum_part - part[:, i],
        )  # fmt: skip
        keep[i] = True


def coding(tab: Table, options: pipeline.Options) -> Key | None:
    """The positive, negative and contradictory rows under the options' cut-offs, as
    :func:`truth_table` codes them; None when every row is a remainder."""
    ic1 = options.incl_cut[0]
    ic0 = options.incl_cut[1] if len(options.incl_cut) > 1 else 1.0
    with np.errstate(invalid="ignore"):
        enough = tab.n >= options.n_cut
        one = enough & (tab.incl + TOLERANCE > ic1)
        positive = one & (tab.pri + TOLERANCE > options.pri_cut)
        contradiction = enough & ~one & (tab.incl + TOLERANCE > ic0)
    if not enough.any():
        return None
    negative = enough & ~positive & ~contradiction
    return tuple(
        tuple(int(c) for c in tab.codes[mask]) for mask in (positive, negative, contradiction)
    )


def table_coding(tt: TruthTable) -> Key:
    """The coding of a truth table the pipeline built."""
    return tuple(tt.codes("1")), tuple(tt.codes("0")), tuple(tt.codes("C"))


@dataclass
class Reruns:
    """Memoised reruns of one analysis (``kind`` is the solution compared) within one
    ``deadline``; past it, or when the time limit cut its minimization short, a rerun is not
    run (:data:`NOT_RUN`, never memoised: a later rerun of the table may finish). Calibrated
    columns of the main ``data`` are kept, so that shifting one anchor recalibrates one
    column."""

    data: Dataset
    conditions: list[str]
    outcome: str
    kind: str
    deadline: Deadline | None = None
    minimizations: int = 0
    reruns: int = 0
    memo: dict[Key, Formula] = field(default_factory=dict)
    columns: dict[tuple, np.ndarray] = field(default_factory=dict)

    def remember(self, tt: TruthTable, formula: Formula) -> None:
        """Record the formula of a table already minimized (the initial analysis)."""
        self.memo[table_coding(tt)] = formula

    def out_of_time(self) -> bool:
        """Whether the shared deadline has passed."""
        return self.deadline is not None and self.deadline.remaining() <= 0

    def table(self, data: Dataset, options: pipeline.Options) -> Table:
        """Calibration and the exact-0.5 remedy as :func:`pipeline.run` applies them, and
        the row statistics."""
        spec = options.calibration
        cols = {}
        for name in [*self.conditions, self.outcome]:
            anchor = spec.columns.get(name)
            key = (name, anchor, spec.convention)
            if data is not self.data or key not in self.columns:
                values = cal.calibrate_column(
                    name, data.columns[name], anchor, spec.convention, data.case_ids
                ).values
                if data is self.data:
                    self.columns[key] = values
            else:
                values = self.columns[key]
            cols[name] = values
        x = np.column_stack([cal.apply_half_remedy(cols[c], options.half) for c in self.conditions])
        y = cols[self.outcome]
        if options.outcome.strip().startswith("~"):
            y = 1.0 - y
        return row_stats(x, y)

    def run(
        self, data: Dataset, options: pipeline.Options, tab: Table | None = None
    ) -> tuple[Formula, Table | None]:
        """The formula of one rerun and its table (None when the choices are not valid for
        the data, e.g. anchors outside it); ``tab`` reuses the memberships of an earlier
        rerun when only the cut-offs differ."""
        self.reruns += 1
        if self.out_of_time():
            return Formula(error=NOT_RUN), None
        try:
            if tab is None:
                tab = self.table(data, options)
        except (InputError, AnalysisError) as err:
            return Formula(error=str(err)), None
        key = coding(tab, options)
        if key is None:
            return Formula(error="every truth-table row is a remainder"), None
        if key in self.memo:
            return self.memo[key], tab
        if not key[0]:
            found = Formula(error="no truth-table row is coded 1")
        else:
            self.minimizations += 1
            try:
                res = pipeline.run(data, self.conditions, self.outcome, options, self.deadline)
            except TimeLimitError:
                return Formula(error=NOT_RUN), tab
            except (InputError, AnalysisError) as err:
                found = Formula(error=str(err))
            else:
                if cut_short(res, self.kind):
                    return Formula(error=NOT_RUN), tab
                found = formula_of(res, self.kind)
                self.memo[table_coding(res.truth_table)] = found
        self.memo[key] = found
        return found, tab
