"""Every result a study's brief states, computed once: the panel and its aggregation, ISM and
MICMAC on the aggregated SSIM, fsQCA on the questionnaire (or why there is none), the factor
profiles, the structure with and without LLM panelists' votes when they answered, and its
sensitivity to the panel's contested judgments."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ismpanel.analysis import recommend
from ismpanel.analysis.sensitivity_results import Sensitivity
from ismpanel.analysis.structure import StructuralModel, analyse_structure, options_from_table
from ismpanel.elicitation.aggregate import Aggregate, PanelOptions
from ismpanel.elicitation.agreement import LlmAgreement
from ismpanel.elicitation.panel import PanelSummary, RoundRecord
from ismpanel.elicitation.study import Study
from ismpanel.errors import AnalysisError, InputError
from ismpanel.report import qca_study
from ismpanel.report import sensitivity as structural


@dataclass(frozen=True)
class BriefOptions:
    """How the panel is aggregated, when a pair counts as contested, which questionnaire."""

    panel: PanelOptions = field(default_factory=PanelOptions)
    below: float = 0.75
    data: Path | None = None


@dataclass(frozen=True)
class LlmComparison:
    """LLM panelists against the human majority, and the structure under the other choice of
    including their votes (``other`` is None with ``unavailable`` saying why); each
    panelist's calibration in one line."""

    agreements: list[LlmAgreement]
    labels: tuple[str, str]
    other: StructuralModel | None
    unavailable: str | None
    differing_pairs: list[str]
    calibrations: dict[str, str] = field(default_factory=dict)


@dataclass
class StudyResults:
    """One study's results, each computed once for every renderer of the brief."""

    folder: Path
    study: Study
    options: BriefOptions
    aggregate: Aggregate
    panel: PanelSummary
    answers_by_source: Counter
    model: StructuralModel
    qca: qca_study.QcaRun | None
    qca_absent: str | None
    profiles: list[recommend.FactorProfile]
    llm: LlmComparison | None
    expert_profiles: dict[str, dict[str, str]] = field(default_factory=dict)
    narrative: str | None = None
    sensitivity: Sensitivity | None = None

    @property
    def rounds(self) -> list[RoundRecord]:
        return self.panel.rounds

    @property
    def names(self) -> dict[str, str]:
        return {f.id: f.name for f in self.study.factors}

    @property
    def warnings(self) -> list[str]:
        """What the facilitator should know although the brief was written."""
        found = list(self.model.warnings)
        if self.qca_absent and "qca" in self.study.extra:
            found.append(f"fsQCA section: {self.qca_absent}")
        return found


def compute(folder: Path, options: BriefOptions) -> StudyResults:
    """Aggregate the panel once, analyse the structure and the questionnaire, and profile the
    factors; errors name the study, the file or the key at fault."""
    from ismpanel.elicitation.panel import panel_answers, panel_structure, panel_summary
    from ismpanel.elicitation.store import PanelStore

    store = PanelStore.open(folder, read_only=True)
    try:
        study = store.study
        built = panel_structure(store, options.panel)
        table = study.extra.get("ism", {})
        model = analyse_structure(
            built.structure.factors,
            built.structure.irm,
            options_from_table(table, "study.toml [ism]"),
        )
        summary = panel_summary(store, built.aggregate, options.panel.include_llm, options.below)
        sources = Counter(a.source for a in store.history())
        llm = _llm_comparison(store, model, built.aggregate, options.panel)
        voting = {e.id for e in summary.experts}
        expert_profiles = {e: p for e, p in store.profiles().items() if e in voting}
        answers, pairs = panel_answers(store, options.panel.include_llm), store.pairs
    finally:
        store.close()
    found = qca_study.run(folder, study, options.data)
    qca, absent = (found, None) if isinstance(found, qca_study.QcaRun) else (None, found)
    evidence = qca_study.evidence(qca) if qca else None
    profiles = recommend.profiles(
        model,
        {f.id: f.name for f in study.factors},
        {f.id: f.dimension for f in study.factors},
        evidence,
    )
    return StudyResults(
        folder,
        study,
        options,
        built.aggregate,
        summary,
        sources,
        model,
        qca,
        absent,
        profiles,
        llm,
        expert_profiles,
        sensitivity=structural.run(
            study.factor_ids,
            pairs,
            answers,
            options.panel,
            options.below,
            model.options,
            structural.other_points(profiles),
        ),
    )


def _llm_comparison(
    store, model: StructuralModel, result: Aggregate, panel: PanelOptions
) -> LlmComparison | None:
    """When LLM panelists have answered: their agreement with the human majority, and the
    structure under the other choice of including their votes (None otherwise). This side
    analysis never ends the brief: when the other structure cannot be built (e.g. the study's
    pinned tiers do not fit it), ``unavailable`` says why."""
    from ismpanel.elicitation.agreement import llm_agreement
    from ismpanel.elicitation.llm.calibration import calibrations
    from ismpanel.elicitation.panel import panel_structure

    agreements = [
        a
        for a in llm_agreement(store, rule=panel.rule, quorum=panel.quorum)
        if any(p.llm for p in a.pairs)
    ]
    if not agreements:
        return None
    found = calibrations(store)
    calibrated = {
        a.expert: found[a.expert].describe() if a.expert in found else "not calibrated"
        for a in agreements
    }
    flipped = replace(panel, include_llm=not panel.include_llm, allow_incomplete=True)
    labels = (
        ("humans + LLM", "humans only") if panel.include_llm else ("humans only", "humans + LLM")
    )
    try:
        built = panel_structure(store, flipped)
        other = analyse_structure(built.structure.factors, built.structure.irm, model.options)
    except (AnalysisError, InputError) as err:
        return LlmComparison(agreements, labels, None, str(err), [], calibrated)
    differing = [
        f"{p.pair[0]}-{p.pair[1]}"
        for p, q in zip(result.pairs, built.aggregate.pairs, strict=True)
        if p.result != q.result
    ]
    return LlmComparison(agreements, labels, other, None, differing, calibrated)
