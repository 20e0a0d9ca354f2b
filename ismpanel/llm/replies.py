"""A chat completion read from the lines of a response body: a server-sent event stream (the
usual answer to ``stream: true``), or one JSON completion from a server that does not stream.
SSE comment lines (``: ping``, which llama-cpp-python's server sends while a request waits
for the model) are skipped wherever they come.

Anything else (an HTML page, a truncated or non-JSON body) is :class:`NotACompletion`, one
line that quotes the start of the body, so that no parser error reaches the user.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

MAX_BODY = 2_000_000  # characters; a completion of a few thousand tokens is far below
SSE_FIELDS = ("data:", "event:", "id:", "retry:")


class NotACompletion(ValueError):
    """The body is not a chat completion (the message says what it was)."""


class StreamError(ValueError):
    """The server reported an error inside its stream (the message is the server's)."""


@dataclass(frozen=True)
class Body:
    """What a body held: the message text, the model named and the token counts."""

    text: str | None
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None


def read_body(lines: Iterable[str]) -> Body:
    """The completion in a response body given line by line (SSE or plain JSON)."""
    seen: list[str] = []
    size = 0
    events = None
    for line in lines:
        size += len(line)
        if size > MAX_BODY:
            raise NotACompletion(f"the reply is longer than {MAX_BODY:,} characters")
        if line.startswith(":"):
            continue  # an SSE comment: a keep-alive ping sent while the model is busy
        if events is None and line.strip():
            events = line.startswith(SSE_FIELDS)
        if events:
            seen.append(line)
            if line.strip() == "data: [DONE]":
                break
        else:
            seen.append(line)
    if events:
        return _from_events(seen)
    return _from_json("\n".join(seen))


def _from_events(lines: list[str]) -> Body:
    parts: list[str] = []
    model = prompt = completion = None
    content_seen = False
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError:
            raise NotACompletion(f"a stream event is not JSON: {_quote(data)}") from None
        if not isinstance(chunk, dict):
            raise NotACompletion(f"a stream event is not a completion chunk: {_quote(data)}")
        if "error" in chunk:
            raise StreamError(_error_message(chunk["error"]))
        model = chunk.get("model") if isinstance(chunk.get("model"), str) else model
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            piece = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(piece, str):
                parts.append(piece)
                content_seen = True
        prompt, completion = _usage(chunk.get("usage"), prompt, completion)
    return Body("".join(parts) if content_seen else None, model, prompt, completion)


def _from_json(text: str) -> Body:
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise NotACompletion(
            f"the reply is not a chat completion (not JSON: {_quote(text)}); check the server "
            "address (it usually ends in /v1)"
        ) from None
    if isinstance(document, dict) and "error" in document:
        raise StreamError(_error_message(document["error"]))
    try:
        message = document["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        message = None
    model = document.get("model") if isinstance(document, dict) else None
    prompt, completion = _usage(document.get("usage") if isinstance(document, dict) else None)
    return Body(
        message if isinstance(message, str) else None,
        model if isinstance(model, str) else None,
        prompt,
        completion,
    )


def _usage(usage: object, prompt: int | None = None, completion: int | None = None):
    if isinstance(usage, dict):
        p, c = usage.get("prompt_tokens"), usage.get("completion_tokens")
        prompt = p if isinstance(p, int) else prompt
        completion = c if isinstance(c, int) else completion
    return prompt, completion


def _error_message(error: object) -> str:
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    return str(error)


def _quote(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
