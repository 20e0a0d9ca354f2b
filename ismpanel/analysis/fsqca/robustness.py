"""Robustness of the configurations to neighbouring analytic choices (the issue's
``--robustness``): the analysis is rerun with the inclusion cut-off 0.05 lower and higher, the
frequency cut-off one higher, and the other log-odds convention of the direct calibration, and
each configuration of the reported solution is checked for an identical term in every rerun."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ismpanel.analysis.errors import AnalysisError, InputError
from ismpanel.analysis.fsqca import pipeline
from ismpanel.analysis.fsqca.calibrate import CalibrationSpec
from ismpanel.analysis.fsqca.data import Dataset

STEP = 0.05


@dataclass(frozen=True)
class Variant:
    """One rerun: what changed, the solution's models (or why it failed)."""

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
) -> Robustness:
    """Rerun the analysis under the neighbouring choices and compare configurations."""
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
    out = []
    for label, opts in variants:
        try:
            res = pipeline.run(data, conditions, outcome, opts)
            k2, m2 = primary_solution(res)
            if k2 != kind:
                m2 = res.solutions.get(kind).models if kind in res.solutions else []
            out.append(
                Variant(
                    label,
                    opts.incl_cut,
                    opts.n_cut,
                    opts.calibration.convention,
                    [m.expression for m in m2],
                    _terms(m2),
                    None,
                )
            )
        except (InputError, AnalysisError) as err:
            out.append(
                Variant(
                    label, opts.incl_cut, opts.n_cut, opts.calibration.convention, [], [], str(err)
                )
            )
    return Robustness(kind, _terms(models), out)
