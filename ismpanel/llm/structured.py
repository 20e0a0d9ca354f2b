"""JSON replies from servers that honour a JSON schema and from servers that do not.

The request carries the best reply format the server is known to take (see
:mod:`.formats`): a JSON schema, JSON mode, or plain text with the schema in the prompt; a
refused format steps the whole run down to the next one. The reply is taken as JSON when it
is one object, or when it holds exactly one object (in fenced blocks and in prose alike, the
same object repeated counts once); several different objects, or an object that gives a key
twice, are ambiguous and never guessed between. A reply that repeats the prompt's example or
placeholders (:mod:`.echoes`) is unusable. A reply that does not validate gets one repair
request quoting the problem; after that it is ``invalid``. When every format fails, the
problem says so in one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ismpanel.llm.client import Completion, FormatRefused, LlmClient, LlmError
from ismpanel.llm.echoes import echo_in
from ismpanel.llm.formats import FORMATS, response_format, with_schema
from ismpanel.llm.workers import run_concurrently

T = TypeVar("T")

Validator = Callable[[Any], tuple[Any, str | None]]


@dataclass(frozen=True)
class Exchange:
    """What one structured request produced, for the record: the messages of the last
    request, its reply text, the validated value (None if unusable) and why not."""

    messages: list[dict]
    reply: str | None
    value: Any
    problem: str | None
    failed: bool
    reply_format: str
    prompt_tokens: int
    completion_tokens: int
    model: str | None


def extract_json(text: str) -> tuple[Any, str | None]:
    """The one JSON object a reply holds, or (None, why not). Every object counts, fenced or
    not: a reply holding different objects, or an object with a key given twice, is
    ambiguous and never guessed from."""
    stripped = text.strip()
    try:
        return json.loads(stripped, object_pairs_hook=_unique_keys), None
    except DuplicateKey as err:
        return None, str(err)
    except json.JSONDecodeError:
        pass
    try:
        candidates = _objects_in(text)
    except (DuplicateKey, NestedInMalformed) as err:
        return None, str(err)
    distinct = {json.dumps(c, sort_keys=True) for c in candidates}
    if not distinct:
        return None, "the reply holds no JSON object"
    if len(distinct) > 1:
        return None, "the reply holds several different JSON objects"
    return candidates[0], None


class DuplicateKey(ValueError):
    """A JSON object gives the same key twice (which value was meant is unknown)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object's pairs as a dict; raises :class:`DuplicateKey` on a repeated key."""
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(f"the reply's JSON object gives the key {key!r} twice")
        found[key] = value
    return found


def ask_json_each(
    client: LlmClient,
    items: Sequence[T],
    messages_for: Callable[[T], list[dict]],
    schema: dict,
    validate: Validator,
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    contract_for: Callable[[T], tuple[dict, Validator]] | None = None,
) -> list[Exchange]:
    """:func:`ask_json` once per item, at most the client's concurrency at a time, sharing what
    is learnt about reply formats (the client keeps it); the exchanges in item order. A call
    that raises (a refused key, an unknown model) stops them all. ``contract_for`` gives an
    item its own schema and validator instead of ``schema`` and ``validate``."""

    def ask(item: T) -> Exchange:
        own_schema, own_validate = contract_for(item) if contract_for else (schema, validate)
        return ask_json(
            client,
            messages_for(item),
            own_schema,
            own_validate,
            temperature=temperature,
            max_tokens=max_tokens,
        )

    found: dict[int, Exchange] = {}
    indexed = list(enumerate(items))
    for (k, _), exchange, error in run_concurrently(
        lambda pair: ask(pair[1]), indexed, client.config.concurrency
    ):
        if error is not None:
            raise error
        found[k] = exchange
    return [found[k] for k in range(len(indexed))]


def ask_json(
    client: LlmClient,
    messages: list[dict],
    schema: dict,
    validate: Validator,
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
) -> Exchange:
    """Ask for a JSON reply matching ``schema`` (a JSON schema named ``schema['title']``)
    and validate it with ``validate(obj) -> (value, problem)``; never raises on a bad or
    missing reply (``Exchange.failed`` or ``problem`` say what went wrong)."""
    used = {"prompt": 0, "completion": 0}
    conversation = list(messages)
    instructions = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
    reply_format = client.formats.current
    ask = (client, schema, temperature, max_tokens)
    try:
        completion, reply_format = _complete(conversation, *ask)
        _add_usage(used, completion)
        value, problem = _parse(completion.text, validate, instructions, client)
        if problem is not None:
            conversation += [
                {"role": "assistant", "content": completion.text},
                {
                    "role": "user",
                    "content": f"That reply could not be used: {problem}. Reply again with "
                    "only the JSON object asked for, nothing before or after it.",
                },
            ]
            completion, reply_format = _complete(conversation, *ask)
            _add_usage(used, completion)
            value, problem = _parse(completion.text, validate, instructions, client)
    except LlmError as err:
        sent = with_schema(conversation, schema, reply_format)
        return Exchange(sent, None, None, str(err), True, reply_format, *used.values(), None)
    return Exchange(
        with_schema(conversation, schema, reply_format),
        completion.text,
        value,
        problem,
        False,
        reply_format,
        *used.values(),
        completion.model,
    )


def _complete(
    messages: list[dict],
    client: LlmClient,
    schema: dict,
    temperature: float | None,
    max_tokens: int | None,
) -> tuple[Completion, str]:
    """A completion in the best format the server takes, stepping down past refused ones;
    returns it with the format used."""
    refused: list[str] = []
    kinds = FORMATS[FORMATS.index(client.formats.current) :]
    for kind in kinds:
        sent = with_schema(messages, schema, kind)
        try:
            completion = client.complete(
                sent,
                temperature=temperature,
                max_tokens=max_tokens,
                response_format=response_format(kind, schema),
            )
        except FormatRefused as err:
            refused.append(f"{kind}: {err}")
            continue
        except LlmError as err:
            if not refused:
                raise
            raise LlmError(
                f"{err}, whatever the reply format ({'; '.join(refused)}): the server fails on "
                "the request itself, not on its format"
            ) from None
        client.formats.learn(kind)
        return completion, kind
    raise LlmError("every reply format was refused: " + "; ".join(refused))


def _parse(
    text: str, validate: Validator, instructions: str, client: LlmClient
) -> tuple[Any, str | None]:
    found, problem = extract_json(text)
    if problem is not None:
        return None, problem
    found = _cleaned(found, client)
    echo = echo_in(found, instructions)
    if echo is not None:
        return None, echo
    return validate(found)


def _cleaned(value: Any, client: LlmClient) -> Any:
    """A parsed reply with every string cleaned as the client cleans text (JSON escapes can
    spell control characters the raw text did not hold)."""
    if isinstance(value, str):
        return client.clean(value)
    if isinstance(value, dict):
        return {k: _cleaned(v, client) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, client) for v in value]
    return value


def _objects_in(text: str) -> list[dict]:
    """Every top-level JSON object in a text (in fenced blocks or not), left to right;
    raises :class:`DuplicateKey` when one repeats a key, and :class:`NestedInMalformed` when
    a well-formed object sits inside a malformed one (the inner one is not the answer)."""
    decoder = json.JSONDecoder(object_pairs_hook=_unique_keys)
    found: list[dict] = []
    malformed: list[tuple[int, int]] = []
    k = text.find("{")
    while k != -1:
        try:
            obj, end = decoder.raw_decode(text, k)
        except json.JSONDecodeError:
            malformed.append((k, _closing_brace(text, k)))
            k = text.find("{", k + 1)
            continue
        if any(a < k < b for a, b in malformed):
            raise NestedInMalformed("the reply holds a JSON object inside a malformed one")
        if isinstance(obj, dict):
            found.append(obj)
        k = text.find("{", end)
    return found


class NestedInMalformed(ValueError):
    """A well-formed object inside a malformed one: which object was meant is unknown."""


def _closing_brace(text: str, start: int) -> int:
    """Where the brace opened at ``start`` closes, counting braces outside strings (the end of
    the text when it never closes)."""
    depth, in_string, escaped = 0, False, False
    for k in range(start, len(text)):
        ch = text[k]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(text)


def _add_usage(used: dict, completion: Completion) -> None:
    used["prompt"] += completion.prompt_tokens or 0
    used["completion"] += completion.completion_tokens or 0
