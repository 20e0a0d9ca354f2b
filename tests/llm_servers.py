"""Local OpenAI-compatible servers for the LLM tests: ``/v1/chat/completions`` on 127.0.0.1
in a thread, answering through a Python function, so that every test goes through the real
``openai`` SDK over real HTTP without the network.

A behaviour is a function of the request body (and the server, for counters) returning a
:class:`Reply`; the server keeps every request body it received, in order, and its headers.
A completion asked for with ``stream: true`` is sent as server-sent events, a few characters
per event (``Reply.gap`` seconds apart), unless ``Reply.stream`` is False (a server that
ignores streaming).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """What the server sends back: status, body (a dict is sent as JSON), delay first, any
    extra headers (e.g. ``Retry-After``), the seconds between streamed events, whether a
    completion is streamed when the request asks for it, and how many SSE comment lines
    (``: ping``, as llama-cpp-python's server sends while the model is busy) come first."""

    body: dict | str
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    gap: float = 0.0
    stream: bool = True
    pings: int = 0


def events(body: dict, size: int = 8) -> list[str]:
    """A chat completion as server-sent events: its text ``size`` characters per chunk, then
    the usage, then ``[DONE]``."""
    text = body["choices"][0]["message"]["content"]
    base = {"id": body.get("id", "x"), "object": "chat.completion.chunk", "created": 0}
    base["model"] = body.get("model", "fake-model")
    chunks = [
        base | {"choices": [{"index": 0, "delta": {"content": text[k : k + size]}}]}
        for k in range(0, len(text), size)
    ]
    chunks.append(base | {"choices": [], "usage": body.get("usage")})
    return [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]


def completion(text: str, model: str = "fake-model") -> Reply:
    """A chat completion whose message is ``text``, with token usage."""
    return Reply(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60},
        }
    )


def error(status: int, message: str = "error") -> Reply:
    return Reply({"error": {"message": message, "type": "test", "code": None}}, status)


def judgement(relation: str, confidence: float = 0.8) -> str:
    return json.dumps({"relation": relation, "confidence": confidence, "rationale": "test"})


def asked_pair(body: dict) -> tuple[str, str] | None:
    """The pair a panelist or assistant prompt asks about (from its user message)."""
    text = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
    first = re.search(r"First factor (\w+)", text)
    second = re.search(r"Second factor (\w+)", text)
    return (first.group(1), second.group(1)) if first and second else None


def is_repair(body: dict) -> bool:
    """A repair request carries the earlier reply and a correction after the prompt."""
    return len(body.get("messages", [])) > 2


def _is_completion(reply: Reply) -> bool:
    return reply.status == 200 and isinstance(reply.body, dict) and bool(reply.body.get("choices"))


class FakeServer:
    """A threaded HTTP server answering chat completions with ``behaviour(body, server)``."""

    def __init__(self, behaviour: Callable[[dict, FakeServer], Reply]) -> None:
        self.behaviour = behaviour
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.counts: Counter = Counter()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    reply = error(404, f"no route {self.path}")
                else:
                    with server.lock:
                        server.requests.append(body)
                        server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    reply = server.behaviour(body, server)
                time.sleep(reply.delay)
                streamed = body.get("stream") and reply.stream and _is_completion(reply)
                try:
                    if streamed:
                        self._stream(reply)
                        return
                    data = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                    self.send_response(reply.status)
                    kind = "application/json" if isinstance(reply.body, dict) else "text/plain"
                    if not any(h.lower() == "content-type" for h in reply.headers):
                        self.send_header("content-type", kind)
                    self.send_header("content-length", str(len(data.encode())))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def _stream(self, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                pings = [f": ping - {k}\r\n\r\n" for k in range(reply.pings)]
                for event in [*pings, *events(reply.body)]:
                    self.wfile.write(event.encode())
                    self.wfile.flush()
                    time.sleep(reply.gap)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def next_index(self, key: object) -> int:
        """0, 1, 2... per key, thread-safe (e.g. the k-th first request for a pair)."""
        with self.lock:
            k = self.counts[key]
            self.counts[key] += 1
            return k

    def asked(self, pair: tuple[str, str]) -> int:
        """How many requests (repairs included) asked about a pair."""
        with self.lock:
            return sum(1 for body in self.requests if asked_pair(body) == pair)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
