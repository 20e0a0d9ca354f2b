"""Reply formats, best first: a JSON schema as ``response_format``, JSON mode
(``json_object``), then plain text. Below the first, the schema is written into the prompt.

A server's refusal steps a run down for good (:class:`FormatSupport`), and the format that
worked is kept in the study's ``panel.db`` (table ``meta``, per server and model) so that the
next run starts there instead of being refused again: the caller hands in the panel store,
which this package reaches only through the two methods of :class:`Settings`.
"""

from __future__ import annotations

import json
import threading
from typing import Protocol

FORMATS = ("json_schema", "json_object", "prompt")
KEY = "llm_reply_format"


class Settings(Protocol):
    """Where named values are kept between runs (the panel store's ``meta`` table)."""

    def settings(self, prefix: str) -> dict[str, str]: ...

    def keep_setting(self, prefix: str, name: str, value: str) -> bool: ...


class FormatSupport:
    """The best reply format a server is known to take; shared by a run's calls."""

    def __init__(self, start: str = FORMATS[0]) -> None:
        self.current = start if start in FORMATS else FORMATS[0]
        self._lock = threading.Lock()

    def learn(self, used: str) -> None:
        """Remember that ``used`` worked after the formats above it were refused."""
        with self._lock:
            if FORMATS.index(used) > FORMATS.index(self.current):
                self.current = used


def response_format(kind: str, schema: dict) -> dict | None:
    """The ``response_format`` option for a format (None for plain text)."""
    if kind == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": schema["title"], "schema": schema, "strict": True},
        }
    return {"type": "json_object"} if kind == "json_object" else None


def with_schema(messages: list[dict], schema: dict, kind: str) -> list[dict]:
    """The messages with the schema written into the system message, unless the server
    takes it as ``response_format``."""
    if kind == "json_schema" or not messages or messages[0].get("role") != "system":
        return messages
    rule = "\nThe JSON object must match this JSON schema: " + json.dumps(schema)
    return [{**messages[0], "content": messages[0]["content"] + rule}, *messages[1:]]


def remembered(store: Settings, server: str, model: str) -> str:
    """The format that last worked with this server and model in this study."""
    value = store.settings(KEY).get(_key(server, model))
    return value if value in FORMATS else FORMATS[0]


def remember(store: Settings, server: str, model: str, kind: str) -> None:
    """Keep the format that worked for the next run; a study that cannot be written (a
    read-only folder) only costs the next run the refusals again."""
    if kind != remembered(store, server, model):
        store.keep_setting(KEY, _key(server, model), kind)


def _key(server: str, model: str) -> str:
    return f"{server} {model}"
