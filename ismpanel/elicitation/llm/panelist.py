"""The synthetic panelist: an LLM expert (L1, L2...) that answers every pair of the current
round, one pair per call, K samples per pair, voted.

Decisions (written here because the method leaves them open):

* A sample is a letter (V, A, X, O), ``unsure``, ``invalid`` (no usable JSON even after a
  repair request, a copy of the prompt's example, or a rationale that states the opposite
  direction of its letter) or ``failed`` (no reply after the retries). Only letters vote.
* A pair's answer is the letter given by strictly more than half of the K samples; it is
  recorded (source ``llm``) in the same transaction as the sample that decides it. Without
  such a letter the pair stays missing, never O: ``unsure``, split votes and failures are
  not opinions that two factors are unrelated.
* A pair is settled once it has an answer or all K samples came back as a letter or
  ``unsure``. A rerun asks only unsettled pairs, and only for the samples still missing:
  a sample that came back is never asked again; failed and invalid ones are.
* Every call is stored with its messages, reply, model and parameters (``llm_calls``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ismpanel.analysis.relations import LETTERS
from ismpanel.elicitation.llm.directions import contradiction
from ismpanel.elicitation.store import LlmCall, LlmPanelist, Pair, PanelStore
from ismpanel.elicitation.study import Factor, Study
from ismpanel.errors import InputError
from ismpanel.llm.client import LlmClient
from ismpanel.llm.structured import Exchange, ask_json
from ismpanel.llm.workers import run_concurrently

PURPOSE = "panelist"
ANSWERED = (*LETTERS, "unsure")
MAX_TOKENS = 400
STOP_AFTER_FAILURES = 5  # calls failing in a row: the server is down, stop and keep what came

JUDGEMENT_SCHEMA = {
    "title": "pair_judgement",
    "type": "object",
    "properties": {
        "relation": {"type": "string", "enum": [*LETTERS, "unsure"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "rationale": {"type": "string"},
    },
    "required": ["relation", "confidence", "rationale"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Judgement:
    """One validated sample: the relation, the model's confidence (None if it gave none in
    [0, 1]) and its rationale."""

    relation: str
    confidence: float | None
    rationale: str


@dataclass
class RunReport:
    """What a run did: pairs in the round, settled before and now, answers recorded per
    letter, pairs left missing after all their samples, pairs still open, and why it
    stopped early (if it did)."""

    total: int
    settled_before: int
    recorded: Counter = field(default_factory=Counter)
    missing: list[Pair] = field(default_factory=list)
    open: list[Pair] = field(default_factory=list)
    stopped: str | None = None


def validate_judgement(obj: object) -> tuple[Judgement | None, str | None]:
    """A reply object as a :class:`Judgement`, or (None, what is wrong with it)."""
    if not isinstance(obj, dict):
        return None, "expected a JSON object"
    relation = obj.get("relation")
    if not isinstance(relation, str):
        return None, 'no "relation" string'
    word = relation.strip()
    if word.upper() in LETTERS:
        word = word.upper()
    elif word.lower() == "unsure":
        word = "unsure"
    else:
        return None, f'"relation" is {relation!r}; expected V, A, X, O or unsure'
    confidence = obj.get("confidence")
    valid = isinstance(confidence, int | float) and not isinstance(confidence, bool)
    rationale = obj.get("rationale")
    return Judgement(
        word,
        float(confidence) if valid and 0 <= confidence <= 1 else None,
        rationale.strip() if isinstance(rationale, str) else "",
    ), None


def judgement_validator(
    first: Factor, second: Factor
) -> Callable[[object], tuple[Judgement | None, str | None]]:
    """:func:`validate_judgement` that also refuses a rationale stating the opposite
    direction of the letter given for the pair (first, second)."""

    def validate(obj: object) -> tuple[Judgement | None, str | None]:
        found, problem = validate_judgement(obj)
        if found is not None:
            problem = contradiction(found.relation, found.rationale, first, second)
        return (None, problem) if problem else (found, None)

    return validate


def pair_messages(study: Study, pair: Pair, persona: str | None) -> list[dict]:
    """The prompt for one pair: the study, the relation, the four answers spelt out with the
    two factor ids, both factors' names and definitions, and the reply format."""
    first, second = study.factor(pair[0]), study.factor(pair[1])
    rel = study.relation
    role = f" Answer as this panelist: {persona.strip()}" if persona and persona.strip() else ""
    system = (
        f'You are a member of an expert panel for the study "{study.title}" (outcome: '
        f"{study.outcome}).{role}\n"
        "The panel builds an Interpretive Structural Model. For one pair of factors at a "
        f'time you judge the direct contextual relation "{rel}". Answer:\n'
        f"  V if {first.id} {rel} {second.id}\n"
        f"  A if {second.id} {rel} {first.id}\n"
        "  X if both hold\n"
        "  O if neither holds\n"
        "  unsure if you cannot judge this pair\n"
        "Judge the direct relation only; chains through other factors come out of the "
        "analysis.\n"
        'Reply with one JSON object only: {"relation": "V" | "A" | "X" | "O" | "unsure", '
        '"confidence": a number from 0 to 1, "rationale": "one or two sentences"}.'
    )
    user = "\n".join(
        [
            f"First factor {first.id} ({first.dimension}): {first.name}. {first.definition}",
            f"Second factor {second.id} ({second.dimension}): {second.name}. {second.definition}",
            f"Does {first.id} {rel} {second.id}, does {second.id} {rel} {first.id}, both, "
            "or neither?",
        ]
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def vote(outcomes: list[str], samples: int) -> str | None:
    """The letter given by strictly more than half of ``samples``; None otherwise."""
    counts = Counter(o for o in outcomes if o in LETTERS)
    for letter, n in counts.items():
        if 2 * n > samples:
            return letter
    return None


def is_settled(outcomes: list[str], samples: int) -> bool:
    """Decided by a majority, or every sample came back (as a letter or ``unsure``)."""
    return vote(outcomes, samples) is not None or (sum(o in ANSWERED for o in outcomes) >= samples)


def run_panelist(
    store: PanelStore,
    client: LlmClient,
    panelist: LlmPanelist,
    on_progress: Callable[[int, int], None] | None = None,
    only: set[Pair] | None = None,
) -> RunReport:
    """Ask every unsettled pair of the current round (of ``only``, if given) for its missing
    samples, store each call as it comes back, and record a pair's answer as soon as a
    majority decides it."""
    round_ = store.current_round()
    pairs = [p for p in store.expert_pairs(panelist.expert, round_) if only is None or p in only]
    answered = store.round_answers(panelist.expert, round_)
    outcomes, jobs = _plan(store, panelist, round_, answered, set(pairs))
    done = {p for p in pairs if p in answered or is_settled(outcomes[p], panelist.samples)}
    report = RunReport(len(pairs), len(done))
    if on_progress:
        on_progress(len(done), len(pairs))
    temperature = panelist.temperature
    study = store.study

    def ask(job: tuple[Pair, int]) -> Exchange:
        messages = pair_messages(study, job[0], panelist.persona)
        return ask_json(
            client,
            messages,
            JUDGEMENT_SCHEMA,
            judgement_validator(study.factor(job[0][0]), study.factor(job[0][1])),
            temperature=temperature,
            max_tokens=MAX_TOKENS,
        )

    failures_in_a_row = 0
    results = run_concurrently(ask, jobs, client.config.concurrency)
    try:
        for (pair, sample), exchange, error in results:
            if error is not None:
                raise error
            outcome = _outcome(exchange)
            outcomes[pair].append(outcome)
            letter = vote(outcomes[pair], panelist.samples)
            new_answer = letter if letter is not None and pair not in answered else None
            store.record_llm_call(
                _call(panelist, client, round_, pair, sample, exchange, outcome), new_answer
            )
            if new_answer:
                answered[pair] = new_answer
                report.recorded[new_answer] += 1
            if pair not in done and is_settled(outcomes[pair], panelist.samples):
                done.add(pair)
                if on_progress:
                    on_progress(len(done), len(pairs))
            failures_in_a_row = failures_in_a_row + 1 if outcome == "failed" else 0
            if failures_in_a_row >= STOP_AFTER_FAILURES:
                report.stopped = (
                    f"{failures_in_a_row} calls failed in a row (last: {exchange.problem})"
                )
                break
    finally:
        results.close()
    report.missing = [p for p in pairs if p in done and p not in answered]
    report.open = [p for p in pairs if p not in done]
    return report


def _plan(
    store: PanelStore,
    panelist: LlmPanelist,
    round_: int,
    answered: dict[Pair, str],
    wanted_pairs: set[Pair],
) -> tuple[dict[Pair, list[str]], list[tuple[Pair, int]]]:
    """The stored sample outcomes per pair of the round, and the samples still to ask: for
    each unsettled pair among ``wanted_pairs``, K minus the samples that came back, numbered
    after the stored ones."""
    outcomes: dict[Pair, list[str]] = {p: [] for p in store.expert_pairs(panelist.expert, round_)}
    numbers: Counter = Counter()
    for call in store.llm_calls(panelist.expert, PURPOSE, round_):
        outcomes[call.pair].append(call.outcome)
        numbers[call.pair] = max(numbers[call.pair], call.sample or 0)
    jobs = []
    for pair, found in outcomes.items():
        if pair in answered or pair not in wanted_pairs or is_settled(found, panelist.samples):
            continue
        wanted = panelist.samples - sum(o in ANSWERED for o in found)
        jobs += [(pair, numbers[pair] + k) for k in range(1, wanted + 1)]
    return outcomes, jobs


def choose_panelist(
    store: PanelStore, wanted: LlmPanelist, expert: str | None = None, new: bool = False
) -> tuple[LlmPanelist, bool]:
    """The panelist to run and whether it is new: ``expert`` if given (an LLM expert, with
    the same settings if it has run before); else, unless ``new``, the latest panelist with
    the same model, temperature, samples and persona (so that rerunning a command resumes
    it); else a new one under the next L pseudonym."""
    known = store.llm_panelists()
    if expert:
        if store.expert(expert).kind != "llm":
            raise InputError(
                f"{expert} is a human expert; llm-expert runs LLM panelists", option="expert"
            )
        if expert in known:
            check_settings(known[expert], wanted)
            return known[expert], False
        settings = replace(wanted, expert=expert)
        store.set_llm_settings(settings)
        return settings, False
    if not new:
        same = [p for p in known.values() if _same_settings(p, wanted)]
        if same:
            return max(same, key=lambda p: int(p.expert[1:])), False
    persona = ", with a persona" if wanted.persona else ""
    name = f"{wanted.model} (temperature {wanted.temperature:g}, {wanted.samples} samples{persona})"
    return store.add_llm_panelist(name, wanted), True


def check_settings(existing: LlmPanelist, wanted: LlmPanelist) -> None:
    """Refuse to resume a panelist with other settings than it started with (its samples
    would not be comparable)."""
    for name in ("model", "temperature", "samples", "persona"):
        before, now = getattr(existing, name), getattr(wanted, name)
        if before != now:
            raise InputError(
                f"{existing.expert} answers with {name} {before!r}, not {now!r}; rerun with "
                f"the same settings to resume, or --new for another panelist"
            )


def _same_settings(a: LlmPanelist, b: LlmPanelist) -> bool:
    return all(
        getattr(a, n) == getattr(b, n) for n in ("model", "temperature", "samples", "persona")
    )


def _outcome(exchange: Exchange) -> str:
    if exchange.failed:
        return "failed"
    if exchange.value is None:
        return "invalid"
    return exchange.value.relation


def _call(
    panelist: LlmPanelist,
    client: LlmClient,
    round_: int,
    pair: Pair,
    sample: int,
    exchange: Exchange,
    outcome: str,
) -> LlmCall:
    params = {
        "temperature": panelist.temperature,
        "max_tokens": MAX_TOKENS,
        "samples": panelist.samples,
        "persona": panelist.persona,
        "reply_format": exchange.reply_format,
        "served_model": exchange.model,
    }
    return LlmCall(
        PURPOSE,
        panelist.expert,
        round_,
        pair,
        sample,
        client.config.model,
        client.config.public_url,
        params,
        exchange.messages,
        exchange.reply,
        outcome,
        exchange.problem,
        exchange.prompt_tokens,
        exchange.completion_tokens,
    )
