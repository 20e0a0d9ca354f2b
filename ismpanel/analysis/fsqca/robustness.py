"""Robustness of the configurations to neighbouring analytic choices (the issue's
``--robustness``): the analysis is rerun with the inclusion cut-off 0.05 lower and higher, the
frequency cut-off one higher, and the other log-odds convention of the direct calibration, and
each configuration of the reported solution is checked for an identical term in every rerun.
The reruns share one time budget."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ismpanel.analysis.errors import AnalysisError, InputError
from ismpanel.analysis.fsqca import pipeline
from ismpanel.analysis.fsqca.calibrate import CalibrationSpec
from ismpanel.analysis.fsqca.data import Dataset
from ismpanel.analysis.fsqca.minimize import Deadline

STEP = 0.05


@dataclass(frozen=True)
class Variant:
    """One rerun: what changed, the solution's models, or why it has none (``error``)."""

    label: str
    incl_cut: tuple[float, ...]
    n_cut: int
    convention: str
    models: list[str]
    terms: list[str]
    error: str | None


@dataclass(frozen=True)
class Robustness:
    """Which terms of the base solution survive in each variant."""

    solution: str
    base_terms: list[str]
    variants: list[Variant]

    def survives(self, term: str) -> dict[str, bool]:
        """For each variant, whether it has exactly this term."""
        return {v.label: term in v.terms for v in self.variants}


def primary_solution(result: pipeline.Result) -> tuple[str, list]:
    """The solution whose configurations are reported: intermediate when computed, else
    parsimonious, else complex."""
    if result.intermediate is not None and result.intermediate.models:
        return "intermediate", result.intermediate.models
    for kind in ("parsimonious", "complex"):
        if kind in result.solutions:
            return kind, result.solutions[kind].models
    return "none", []


def _models(result: pipeline.Result, kind: str) -> list | None:
    """The models of the solution ``kind``, None when the analysis has no such solution."""
    if kind == "intermediate":
        return result.intermediate.models if result.intermediate is not None else None
    return result.solutions[kind].models if kind in result.solutions else None


def _terms(models: list) -> list[str]:
    out: list[str] = []
    for m in models:
        for t in m.terms:
            if t.expression not in out:
                out.append(t.expression)
    return out


def robustness(
    data: Dataset,
    conditions: list[str],
    outcome: str,
    options: pipeline.Options,
    base: pipeline.Result,
    deadline: Deadline | None = None,
) -> Robustness:
    """Rerun the analysis under the neighbouring choices and compare configurations; the
    reruns share one budget: ``deadline``, else ``options.time_limit`` seconds from now. A
    variant without the base's kind of solution says why."""
    kind, models = primary_solution(base)
    ic = options.incl_cut
    variants: list[tuple[str, pipeline.Options]] = []
    for delta in (-STEP, STEP):
        ic1 = round(min(1.0, max(0.0, ic[0] + delta)), 10)
        if ic1 == ic[0]:
            continue
        new = (ic1, *[min(v, ic1) for v in ic[1:]])
        variants.append((f"incl.cut {ic1:g}", replace(options, incl_cut=new)))
    variants.append((f"n.cut {options.n_cut + 1}", replace(options, n_cut=options.n_cut + 1)))
    if any(c.method == "direct" for c in base.calibration.values()):
        other = "fsqca" if options.calibration.convention == "r" else "r"
        spec = CalibrationSpec(options.calibration.columns, other)
        variants.append((f"convention {other}", replace(options, calibration=spec)))
    budget = deadline
    if budget is None and options.time_limit is not None:
        budget = Deadline.after(options.time_limit)
    out = []
    for label, opts in variants:
        found: list = []
        error = None
        try:
            res = pipeline.run(data, conditions, outcome, opts, budget)
        except (InputError, AnalysisError) as err:
            error = str(err)
        else:
            m2 = _models(res, kind)
            if m2 is None:
                error = f"no {kind} solution: {res.missing.get(kind, 'not computed')}"
            else:
                found = m2
        out.append(
            Variant(
                label,
                opts.incl_cut,
                opts.n_cut,
                opts.calibration.convention,
                [m.expression for m in found],
                _terms(found),
                error,
            )
        )
    return Robustness(kind, _terms(models), out)
