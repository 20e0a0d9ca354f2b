"""One wrapper over the ``openai`` SDK for every LLM call: timeouts, retries with backoff, a
limit on calls in flight, and a running token-usage count for the summary after a command.

The SDK's own retries are switched off so that every retry is counted and spaced here:
timeouts, dropped connections, 408/409/429 and 5xx are retried after ``backoff * 2**k``
seconds (halved at random), or after the server's ``Retry-After`` when it is a finite,
non-negative number of seconds (at most ``MAX_WAIT``); a refused key or an unknown
model stops the command with one line; a request the server rejects as malformed (400/422)
is raised as :class:`LlmRejected`, which callers use to drop an unsupported reply format.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field

from ismpanel.analysis.errors import InputError
from ismpanel.elicitation.llm.config import LlmConfig, require_openai

RETRYABLE_STATUS = {408, 409, 429}
MAX_WAIT = 30.0


class LlmError(Exception):
    """No usable reply came back after the retries (the message says why)."""


class LlmRejected(LlmError):
    """The server rejected the request itself (HTTP 400 or 422)."""


@dataclass(frozen=True)
class Completion:
    """A reply's text with the model that wrote it and the tokens it cost."""

    text: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None


@dataclass
class Usage:
    """Calls, retries, failures and tokens over a command, for the closing summary."""

    calls: int = 0
    retries: int = 0
    failures: int = 0
    rejected: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    started: float = field(default_factory=time.monotonic)

    def summary(self, config: LlmConfig) -> str:
        seconds = time.monotonic() - self.started
        rejected = f", {self.rejected} rejected (HTTP 400/422)" if self.rejected else ""
        return (
            f"LLM usage ({config.model} at {config.server}): {self.calls} call(s), "
            f"{self.retries} retried, {self.failures} failed{rejected}; {self.prompt_tokens} "
            "prompt + "
            f"{self.completion_tokens} completion tokens; {seconds:.1f} s"
        )


class LlmClient:
    """Chat completions against one configured server and model; safe to share between
    threads (at most ``config.concurrency`` requests are in flight at once)."""

    def __init__(self, config: LlmConfig) -> None:
        require_openai()
        import openai

        self.config = config
        self.usage = Usage()
        self._openai = openai
        # An explicit HTTP client: openai 1.40 to 1.55 would otherwise pass ``proxies`` to
        # httpx, which httpx 0.28 no longer accepts.
        self._sdk = openai.OpenAI(
            api_key=config.api_key,
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=0,
            http_client=openai.DefaultHttpxClient(),
        )
        self._slots = threading.BoundedSemaphore(config.concurrency)
        self._lock = threading.Lock()

    def complete(
        self,
        messages: list[dict],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        response_format: dict | None = None,
    ) -> Completion:
        """One reply to ``messages``; raises :class:`LlmError` when none came after the
        retries, :class:`LlmRejected` on a rejected request, and ``InputError`` when the
        server refuses the key or does not know the model."""
        options: dict = {}
        if temperature is not None:
            options["temperature"] = temperature
        if max_tokens is not None:
            options["max_tokens"] = max_tokens
        if response_format is not None:
            options["response_format"] = response_format
        problem, hint = "no attempt made", None
        for attempt in range(self.config.retries + 1):
            if attempt:
                self._count(retries=1)
                time.sleep(self._wait(attempt, hint))
                hint = None
            self._count(calls=1)
            try:
                with self._slots:
                    response = self._sdk.chat.completions.create(
                        model=self.config.model, messages=messages, **options
                    )
            except self._openai.APIStatusError as err:
                problem, hint = self._status_problem(err), _retry_after(err)
                continue
            except self._openai.APITimeoutError:
                problem = f"timed out after {self.config.timeout:g} s"
                continue
            except self._openai.APIConnectionError:
                problem = f"cannot reach {self.config.server}"
                continue
            except self._openai.OpenAIError as err:
                problem = f"unusable response ({type(err).__name__})"
                continue
            completion = self._completion(response)
            if completion is None:
                problem = "the response holds no message text"
                continue
            self._count(
                prompt_tokens=completion.prompt_tokens or 0,
                completion_tokens=completion.completion_tokens or 0,
            )
            return completion
        self._count(failures=1)
        raise LlmError(problem)

    def close(self) -> None:
        """Close the connections to the server."""
        self._sdk.close()

    def _status_problem(self, err) -> str:
        status = err.status_code
        if status in (401, 403):
            raise InputError(
                f"the LLM server {self.config.server} refused the key (HTTP {status}); set "
                "ISMPANEL_LLM_API_KEY (or OPENAI_API_KEY)"
            )
        if status == 404:
            raise InputError(
                f"the LLM server {self.config.server} does not know model "
                f"{self.config.model!r} or the chat completions endpoint (HTTP 404); check "
                "--model and --base-url (it usually ends in /v1)"
            )
        if status in (400, 422):
            self._count(rejected=1)
            raise LlmRejected(f"HTTP {status}: {_short(err.message)}")
        if status in RETRYABLE_STATUS or status >= 500:
            return f"HTTP {status}"
        self._count(failures=1)
        raise LlmError(f"HTTP {status}: {_short(err.message)}")

    def _wait(self, attempt: int, hint: float | None) -> float:
        """The server's ``Retry-After`` if it gave a usable one (at most ``MAX_WAIT``), else
        exponential backoff with jitter."""
        if hint is not None and math.isfinite(hint) and hint >= 0:
            return min(hint, MAX_WAIT)
        delay = self.config.backoff * 2 ** (attempt - 1)
        return min(delay * random.uniform(0.5, 1.0), MAX_WAIT)

    def _count(self, **amounts: int) -> None:
        with self._lock:
            for name, amount in amounts.items():
                setattr(self.usage, name, getattr(self.usage, name) + amount)

    def _completion(self, response: object) -> Completion | None:
        """The first choice's text and the usage; None when the body is not a completion."""
        try:
            text = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            return None
        if not isinstance(text, str):
            return None
        usage = getattr(response, "usage", None)
        return Completion(
            text,
            str(getattr(response, "model", None) or self.config.model),
            getattr(usage, "prompt_tokens", None),
            getattr(usage, "completion_tokens", None),
        )


def _retry_after(err) -> float | None:
    """Seconds from a ``Retry-After`` header, when the server sent a finite, non-negative
    number (``nan``, ``inf`` and negative values are ignored: the usual backoff applies)."""
    try:
        seconds = float(err.response.headers.get("retry-after"))
    except (AttributeError, TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _short(text: object, limit: int = 160) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
