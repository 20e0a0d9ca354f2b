"""The interview's assistant behind the ``?`` key: two or three sentences on what the two
factors mean and what to weigh for this pair, never a verdict, never an answer.

The prompt forbids a verdict, and a reply that has one anyway (see
:mod:`~ismpanel.elicitation.llm.verdicts`) is withheld with a one-line note; so is a reply that
repeats the prompt's own words or example (:mod:`ismpanel.llm.echoes`). The key goes only to a
server the facilitator named outside the study (the expert is never asked to confirm), and
whatever goes wrong, the expert gets one line and the interview goes on. Without a configured
server, or without the ``openai`` package, ``?`` says in one line that the assistant is off and
what to set. ``openai`` is imported on the first ``?`` that needs it, so the interview starts
as fast without it. Every call is stored (purpose ``assistant``) with its prompt, reply and
what was shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ismpanel.elicitation.interview import Screen
from ismpanel.elicitation.llm.verdicts import find_verdict
from ismpanel.elicitation.store import LlmCall, Pair, PanelStore
from ismpanel.errors import InputError
from ismpanel.llm.config import INSTALL_HINT, LlmConfig, require_openai, resolve_config
from ismpanel.llm.echoes import echo_in

PURPOSE = "assistant"
TEMPERATURE = 0.2
MAX_TOKENS = 300
MAX_SHOWN = 1200
TIMEOUT = 20.0  # an expert waits at the screen: at most this per attempt, and one retry
RETRIES = 1
OFF = (
    "Assistant off: no LLM server is configured (the facilitator can set ISMPANEL_LLM_MODEL "
    "and ISMPANEL_LLM_BASE_URL, or model and base_url under [llm] in study.toml)."
)
WITHHELD = (
    "Assistant: its explanation was withheld because it suggested an answer; the judgement "
    "is yours."
)
ECHOED = "Assistant: no usable explanation came back (it repeated its instructions)."
BROKEN = "Assistant unavailable: an unexpected error; the interview goes on."


def explain_messages(screen: Screen, title: str, outcome: str) -> list[dict]:
    """The prompt: explain both factors and what to weigh, in two or three sentences, with
    no verdict, no direction and no answer letter."""
    a, b, rel = screen.first, screen.second, screen.relation
    system = (
        "You help an expert who answers a structured panel questionnaire (Interpretive "
        f'Structural Modelling) for the study "{title}" (outcome: {outcome}). For the pair '
        "of factors shown, explain in two or three plain sentences what each factor means "
        "here and what the expert should weigh when judging whether one "
        f'"{rel}" the other. Do not give a verdict: do not say or hint whether, or in which '
        "direction, either factor influences the other, do not say the relation is mutual, "
        "one-way or absent, do not mention the answer letters V, A, X or O, and do not "
        "recommend an answer. Describe each factor in its own sentence; a sentence that "
        'names both factors must be a "whether" clause or a question (e.g. "Weigh whether '
        'a change in one would by itself change the other."). The expert decides.'
    )
    user = (
        f"First factor {a.id}: {a.name}. {a.definition}\n"
        f"Second factor {b.id}: {b.name}. {b.definition}\n"
        f"Contextual relation: {rel}."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class Assistant:
    """Explanations for one expert's interview, one call per pair at most (kept for a second
    ``?`` on the same pair)."""

    def __init__(
        self, store: PanelStore, expert: str, env: Mapping[str, str] | None = None
    ) -> None:
        self.store = store
        self.expert = expert
        self.env = env
        self.client = None
        self._shown: dict[Pair, str] = {}

    def explain(self, screen: Screen) -> str:
        """The text to show under the help: the explanation, or a one-line note saying why
        there is none (off, withheld, or the server failed)."""
        if screen.pair in self._shown:
            return self._shown[screen.pair]
        try:
            config = resolve_config(self.store.study.extra.get("llm"), self.env)
        except InputError as err:
            return f"Assistant off: {err}"
        if config is None:
            return OFF
        try:
            require_openai()
        except InputError:
            return f"Assistant off: {INSTALL_HINT}."
        try:
            return self._ask(screen, config)
        except Exception:  # the expert's screen must never show a traceback
            return BROKEN

    def _ask(self, screen: Screen, config: LlmConfig) -> str:
        from ismpanel.llm.client import LlmClient, LlmError

        if self.client is None:
            short = replace(
                config, timeout=min(config.timeout, TIMEOUT), retries=min(config.retries, RETRIES)
            )
            self.client = LlmClient(short)
        study = self.store.study
        messages = explain_messages(screen, study.title, study.outcome)
        try:
            completion = self.client.complete(
                messages, temperature=TEMPERATURE, max_tokens=MAX_TOKENS
            )
        except (LlmError, InputError) as err:
            self._record(screen, config, messages, None, "failed", str(err), None)
            return f"Assistant unavailable: {err}"
        text = " ".join(completion.text.split())
        verdict = find_verdict(text, screen.first, screen.second, screen.relation)
        echo = echo_in(text, messages[0]["content"])
        if not text:
            shown, outcome, detail = "Assistant: no explanation came back.", "failed", "empty"
        elif echo:
            shown, outcome, detail = ECHOED, "invalid", echo
        elif verdict:
            shown, outcome, detail = WITHHELD, "withheld", verdict
        else:
            clipped = text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
            shown, outcome, detail = f"Assistant: {clipped}", "shown", None
        self._record(screen, config, messages, completion, outcome, detail, completion.model)
        self._shown[screen.pair] = shown
        return shown

    def close(self) -> str | None:
        """Close the connection, if one was opened; returns the token-usage summary then."""
        if self.client is None:
            return None
        self.client.close()
        return self.client.usage.summary(self.client.config)

    def _record(self, screen, config, messages, completion, outcome, detail, served) -> None:
        self.store.record_llm_call(
            LlmCall(
                PURPOSE,
                self.expert,
                self.store.current_round(),
                screen.pair,
                None,
                config.model,
                config.public_url,
                {"temperature": TEMPERATURE, "max_tokens": MAX_TOKENS, "served_model": served},
                messages,
                completion.text if completion else None,
                outcome,
                detail,
                completion.prompt_tokens if completion else None,
                completion.completion_tokens if completion else None,
            )
        )
