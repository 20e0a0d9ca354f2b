"""One wrapper over the ``openai`` SDK for every LLM call: streamed replies under an idle
timeout, retries with backoff, a limit on calls in flight, reply formats a server refuses,
clean text, and a running token-usage count for the summary after a command.

Replies are streamed, so ``timeout`` is the longest silence allowed between two pieces of a
reply (a slow CPU server that keeps writing is never cut). A silent server is not asked again
by that call: it may still be computing the request, and a retry would queue a second one
behind it. The SDK's own retries are off so that every retry is counted and spaced here:
dropped connections, 408/409/429 and 5xx are retried after ``backoff * 2**k`` seconds (halved
at random), or after the server's ``Retry-After`` when it is a finite, non-negative number of
seconds (at most ``MAX_WAIT``). A request carrying a ``response_format`` that fails with any
other status (400, 422, 500...: servers differ in how they refuse a format) raises
:class:`FormatRefused` at once, for the caller to step down to a simpler format. A refused
key or an unknown model stops the command with one line. Every text that comes back
(replies, the server's error messages, the model's name) has control characters dropped and
the key, and any credential in the server address, replaced by ``[redacted]`` before anyone
sees or stores it.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from ismpanel.errors import InputError
from ismpanel.llm.config import LlmConfig, require_openai
from ismpanel.llm.formats import FormatSupport
from ismpanel.llm.replies import NotACompletion, StreamError, read_body
from ismpanel.text import printable

RETRYABLE_STATUS = {408, 409, 429}
TRANSIENT_STATUS = {*RETRYABLE_STATUS, 502, 503, 504}  # busy or a gateway: never the format
MAX_WAIT = 30.0
REDACTED = "[redacted]"


class LlmError(Exception):
    """No usable reply came back after the retries (the message says why)."""


class FormatRefused(LlmError):
    """The server refused the reply format asked for (the message quotes its status)."""


class _Silent(Exception):
    """The server sent nothing for longer than the idle timeout."""


class _Dropped(Exception):
    """The connection broke while the reply was coming."""


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
    refused: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    untold: int = 0  # answered calls whose reply gave no token counts
    started: float = field(default_factory=time.monotonic)

    def summary(self, config: LlmConfig) -> str:
        seconds = time.monotonic() - self.started
        refused = f", {self.refused} refused a reply format" if self.refused else ""
        tokens = f"{self.prompt_tokens} prompt + {self.completion_tokens} completion tokens"
        if self.untold and not self.prompt_tokens + self.completion_tokens:
            tokens = "token counts not given by the server"
        elif self.untold:
            tokens += f" ({self.untold} call(s) gave no counts)"
        return (
            f"LLM usage ({config.model} at {config.server}): {self.calls} call(s), "
            f"{self.retries} retried, {self.failures} failed{refused}; {tokens}; {seconds:.1f} s"
        )


class LlmClient:
    """Chat completions against one configured server and model; safe to share between
    threads (at most ``config.concurrency`` requests are in flight at once). ``formats``
    holds the best reply format the server is known to take (``reply_format`` to start)."""

    def __init__(self, config: LlmConfig, reply_format: str = "json_schema") -> None:
        require_openai()
        import openai

        self.config = config
        self.formats = FormatSupport(reply_format)
        self.usage = Usage()
        self._openai = openai
        http = openai.DefaultHttpxClient()
        transport = importlib.import_module(_transport_module(http))
        self._timeouts = (transport.TimeoutException,)
        self._broken = (transport.RequestError, OSError)
        # An explicit HTTP client: openai 1.40 to 1.55 would otherwise pass ``proxies`` to
        # httpx, which httpx 0.28 no longer accepts.
        self._sdk = openai.OpenAI(
            api_key=config.api_key,
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=0,
            http_client=http,
        )
        self._slots = threading.BoundedSemaphore(config.concurrency)
        self._lock = threading.Lock()
        # Some local servers (llama-cpp-python's, by default) end a streamed reply as soon as
        # another request arrives; once a reply comes back empty while others were in flight,
        # calls go one at a time (``_one``) for the rest of the run.
        self._one = threading.Lock()
        self.serial = False
        self._running = 0
        self._started = 0
        self._usage_in_stream = True  # until the server refuses ``stream_options``

    def complete(
        self,
        messages: list[dict],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        response_format: dict | None = None,
    ) -> Completion:
        """One reply to ``messages``; raises :class:`LlmError` when none came after the
        retries, :class:`FormatRefused` when the server refuses ``response_format``, and
        ``InputError`` when the server refuses the key or does not know the model."""
        options: dict = {}
        if temperature is not None:
            options["temperature"] = temperature
        if max_tokens is not None:
            options["max_tokens"] = max_tokens
        if response_format is not None:
            options["response_format"] = response_format
        problem, hint = "no attempt made", None
        # The retries are this loop, not the SDK's (max_retries=0), because the SDK's would
        # break three promises: it retries a request that timed out before its headers came,
        # stacking a second request behind one the server may still be computing; it retries
        # every 5xx before the caller sees it, so a server refusing a reply format with 500
        # would cost every retry before the step down to a simpler format; and its delays
        # are fixed (0.5 s doubling to 8 s, Retry-After only up to 2 min, none above), not
        # the ``backoff`` setting and ``MAX_WAIT`` cap that the tests and users rely on.
        for attempt in range(self.config.retries + 1):
            if attempt:
                self._count(retries=1)
                time.sleep(self._wait(attempt, hint))
                hint = None
            self._count(calls=1)
            try:
                with self._slots, self._turn() as turn:
                    completion = self._stream(messages, options)
            except self._openai.APIStatusError as err:
                problem, hint = self._status_problem(err, response_format), _retry_after(err)
                continue
            except (self._openai.APITimeoutError, _Silent):
                problem = (
                    f"timed out: nothing came for {self.config.timeout:g} s (not asked again "
                    "while the server may still be computing it)"
                )
                break
            except (self._openai.APIConnectionError, _Dropped):
                problem = f"cannot reach {self.config.server}"
                continue
            except StreamError as err:
                problem = f"the server reported an error: {_short(self.clean(str(err)))}"
                if response_format is not None:  # e.g. HTTP 200 with an error body
                    self._count(refused=1)
                    raise FormatRefused(problem) from None
                break
            except NotACompletion as err:
                problem = self.clean(str(err))
                break
            except self._openai.OpenAIError as err:
                problem = f"unusable response ({type(err).__name__})"
                continue
            if completion is None:
                problem = "the response holds no message text"
                if turn.crowded and not self.serial:
                    self.serial = True
                    problem += (
                        " while other calls were in flight; some servers (llama-cpp-python's by "
                        "default) end a reply when another request arrives, so calls now go one "
                        "at a time"
                    )
                continue
            self._count(
                prompt_tokens=completion.prompt_tokens or 0,
                completion_tokens=completion.completion_tokens or 0,
                untold=completion.prompt_tokens is None,
            )
            return completion
        self._count(failures=1)
        raise LlmError(problem)

    @contextlib.contextmanager
    def _turn(self) -> Iterator[_Turn]:
        """Hold a call's turn (the one-at-a-time lock once :attr:`serial`); on leaving, the
        turn says whether another call was in flight at any time during this one."""
        turn = _Turn()
        with self._one if self.serial else contextlib.nullcontext():
            with self._lock:
                others = self._running
                self._running += 1
                self._started += 1
                mine = self._started
            try:
                yield turn
            finally:
                with self._lock:
                    self._running -= 1
                    turn.crowded = bool(others or self._running or self._started > mine)

    def clean(self, text: str) -> str:
        """A text from the server made safe to show and store: no control characters, and
        the key or any credential of the server address replaced by ``[redacted]``."""
        text = printable(text)  # first: a control character inside the key would hide it
        for secret in self.config.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def close(self) -> None:
        """Close the connections to the server."""
        self._sdk.close()

    def _stream(self, messages: list[dict], options: dict) -> Completion | None:
        """Ask for a streamed reply (with token usage, unless the server refused to give it
        there: it is then asked again at once without) and read it as it comes."""
        usage = {"stream_options": {"include_usage": True}} if self._usage_in_stream else {}
        try:
            return self._read(messages, {**options, **usage})
        except self._openai.APIStatusError as err:
            refused = err.status_code in (400, 422) and "stream_options" in str(err.message)
            if not (usage and refused):
                raise
        self._usage_in_stream = False
        self._count(calls=1)
        return self._read(messages, options)

    def _read(self, messages: list[dict], options: dict) -> Completion | None:
        raw = self._sdk.chat.completions.with_streaming_response.create(
            model=self.config.model, messages=messages, stream=True, **options
        )
        with raw as response:
            body = read_body(self._lines(response))
        if body.text is None:
            return None
        return Completion(
            self.clean(body.text),
            self.clean(body.model or self.config.model),
            body.prompt_tokens,
            body.completion_tokens,
        )

    def _lines(self, response) -> Iterator[str]:
        try:
            yield from response.iter_lines()
        except self._timeouts:
            raise _Silent() from None
        except self._broken:
            raise _Dropped() from None

    def _status_problem(self, err, response_format: dict | None) -> str:
        status = err.status_code
        said = _short(self.clean(str(err.message)))
        if status in (401, 403):
            withheld = f"; {self.config.key_withheld}" if self.config.key_withheld else ""
            raise InputError(
                f"the LLM server {self.config.server} refused the key (HTTP {status}); set "
                f"ISMPANEL_LLM_API_KEY (or OPENAI_API_KEY){withheld}"
            )
        if status == 404:
            raise InputError(
                f"the LLM server {self.config.server} does not know model "
                f"{self.config.model!r} or the chat completions endpoint (HTTP 404); check "
                "--model and --base-url (it usually ends in /v1)"
            )
        if response_format is not None and status not in TRANSIENT_STATUS:
            self._count(refused=1)
            raise FormatRefused(f"HTTP {status}: {said}")
        if status in RETRYABLE_STATUS or status >= 500:
            return f"HTTP {status}: {said}"
        self._count(failures=1)
        raise LlmError(f"HTTP {status}: {said}")

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


@dataclass
class _Turn:
    """One call's stay on the server: whether another call overlapped it."""

    crowded: bool = False


def _transport_module(http: object) -> str:
    """The HTTP library under the SDK's client (httpx or httpx2, by SDK version), whose
    exceptions a streamed read raises."""
    roots = (cls.__module__.split(".")[0] for cls in type(http).__mro__)
    return next(r for r in roots if r not in ("openai", "builtins"))


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
