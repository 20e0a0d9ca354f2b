"""Where the LLM server and model come from, who gets the API key, and the one-line refusals
when something is missing.

Precedence, per setting: the command line (``--model``, ``--base-url``...), then the
environment (``ISMPANEL_LLM_BASE_URL``, ``ISMPANEL_LLM_MODEL``), then the study's ``[llm]``
table, then the facilitator's own ``llm.toml`` (``$XDG_CONFIG_HOME/ismpanel/llm.toml``, by
default ``~/.config/ismpanel/llm.toml``). The key comes only from ``ISMPANEL_LLM_API_KEY`` or
else ``OPENAI_API_KEY``, and goes only to a server the facilitator named outside the study
folder: on the command line, in the environment, in ``llm.toml`` (``base_url`` or the list
``send_key_to``), or confirmed when asked. A server named only by ``study.toml`` (which a group
member may rewrite) is called without the key. Credentials written into a server address are
used for the call but never shown or stored (:attr:`LlmConfig.server`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ismpanel.errors import InputError
from ismpanel.readers import read_toml
from ismpanel.text import printable

INSTALL_HINT = "the LLM features need the openai package: pip install 'ismpanel[llm]'"
SETUP_HINT = (
    "set ISMPANEL_LLM_MODEL and ISMPANEL_LLM_BASE_URL (e.g. http://localhost:11434/v1 for "
    "Ollama), give --model and --base-url, or add model and base_url to [llm] in study.toml"
)
KEYLESS = "no-key"  # local servers ignore the key, but the SDK insists on one
OPENAI_URL = "https://api.openai.com/v1"
TUNING = {"timeout": float, "retries": int, "concurrency": int, "backoff": float}
USER_FILE = "ismpanel/llm.toml"

Confirm = Callable[[str], bool]


@dataclass(frozen=True)
class LlmConfig:
    """Everything a client needs to reach one model; ``base_url`` None means OpenAI's API.
    ``key_withheld`` says why a key the facilitator has was not attached (None when it was,
    or when there is none)."""

    model: str
    base_url: str | None = field(repr=False)
    api_key: str = field(repr=False)
    timeout: float = 60.0
    retries: int = 2
    concurrency: int = 4
    backoff: float = 1.0
    key_withheld: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def server(self) -> str:
        """The server's address without credentials, safe to print and to store."""
        return self.public_url or OPENAI_URL

    @property
    def public_url(self) -> str | None:
        """``base_url`` without user, password, query or fragment (None for OpenAI's API)."""
        return public_url(self.base_url) if self.base_url else None


def public_url(url: str) -> str:
    """An address without what may hold credentials: user info, query and fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return printable(urlunsplit((parts.scheme, netloc, parts.path, "", "")))


def url_secrets(url: str) -> tuple[str, ...]:
    """The parts of an address that may be credentials (user, password, query values)."""
    parts = urlsplit(url)
    found = [parts.username, parts.password, *(v for _, v in parse_qsl(parts.query))]
    found.append(parts.fragment)
    return tuple(s for s in found if s and len(s) >= 3)


def resolve_config(
    study_llm: Mapping | None = None,
    env: Mapping[str, str] | None = None,
    confirm: Confirm | None = None,
    **given: object,
) -> LlmConfig | None:
    """The configuration from the command line (``given``: model, base_url, timeout,
    retries, concurrency, backoff; None when not given), the environment, the study's
    ``[llm]`` table and the facilitator's ``llm.toml``; None when no model or no server is
    named. ``confirm(server)`` is asked before the key goes to a server only the study
    names; without it the key stays home."""
    env = os.environ if env is None else env
    table = _checked_table(study_llm, "study.toml")
    user = _checked_table(_user_table(env), "llm.toml", extra={"send_key_to"})
    model = (
        given.get("model")
        or env.get("ISMPANEL_LLM_MODEL")
        or table.get("model")
        or user.get("model")
    )
    named = given.get("base_url") or env.get("ISMPANEL_LLM_BASE_URL")
    base_url = named or table.get("base_url") or user.get("base_url")
    key = env.get("ISMPANEL_LLM_API_KEY") or env.get("OPENAI_API_KEY")
    if not model or not (base_url or key):
        return None
    tuning = _tuning(given, table, user)
    withheld = None
    if key and base_url and not named and not _trusted(str(base_url), user):
        server = public_url(str(base_url))
        if confirm is None or not confirm(server):
            key, withheld = (
                None,
                (
                    f"your API key is not sent to {server}: only study.toml names that server; "
                    "give --base-url, set ISMPANEL_LLM_BASE_URL, or list it under send_key_to in "
                    f"your llm.toml (~/.config/{USER_FILE}) to send it"
                ),
            )
    url = str(base_url) if base_url else None
    secrets = (*((key,) if key else ()), *(url_secrets(url) if url else ()))
    return LlmConfig(
        printable(str(model)), url, key or KEYLESS, **tuning, key_withheld=withheld, secrets=secrets
    )


def require_config(
    study_llm: Mapping | None = None,
    env: Mapping[str, str] | None = None,
    confirm: Confirm | None = None,
    **given: object,
) -> LlmConfig:
    """``resolve_config`` for a command that cannot work without a model: the openai package
    must import and a model and server must be named, else one line saying what to do."""
    require_openai()
    config = resolve_config(study_llm, env, confirm, **given)
    if config is None:
        raise InputError(f"no LLM server configured: {SETUP_HINT}")
    return config


def require_openai() -> None:
    """Refuse with the install line when the optional ``openai`` package cannot be imported."""
    try:
        import openai  # noqa: F401
    except ImportError:
        raise InputError(INSTALL_HINT) from None


def user_config_path(env: Mapping[str, str]) -> Path | None:
    """The facilitator's own ``llm.toml`` (it need not exist); None without a home."""
    base = env.get("XDG_CONFIG_HOME") or (env.get("HOME") and str(Path(env["HOME"]) / ".config"))
    return Path(base) / USER_FILE if base else None


def _trusted(url: str, user: Mapping) -> bool:
    """Whether the facilitator's ``llm.toml`` names this server (as base_url or in
    send_key_to); addresses are compared without credentials and trailing slashes."""
    listed = user.get("send_key_to", [])
    if not isinstance(listed, list) or not all(isinstance(u, str) for u in listed):
        raise InputError("llm.toml: send_key_to must be a list of server addresses")
    wanted = public_url(url).rstrip("/")
    names = [*listed, *([user["base_url"]] if isinstance(user.get("base_url"), str) else [])]
    return any(public_url(u).rstrip("/") == wanted for u in names)


def _tuning(given: Mapping, table: Mapping, user: Mapping) -> dict:
    tuning = {}
    for name, kind in TUNING.items():
        value = given.get(name)
        for source in (table, user):
            value = value if value is not None else source.get(name)
        value = value if value is not None else getattr(LlmConfig, name)
        try:
            tuning[name] = kind(value)
        except (TypeError, ValueError):
            raise InputError(f"[llm] {name}: {value!r} is not a number") from None
    if tuning["concurrency"] < 1 or tuning["retries"] < 0 or tuning["timeout"] <= 0:
        raise InputError("[llm]: timeout must be positive, retries >= 0 and concurrency >= 1")
    return tuning


def _user_table(env: Mapping[str, str]) -> Mapping | None:
    """The ``[llm]`` table of the facilitator's ``llm.toml``, if the file exists."""
    path = user_config_path(env)
    if path is None or not path.is_file():
        return None
    return read_toml(path).get("llm", {})


def _checked_table(table: Mapping | None, where: str, extra: set[str] | None = None) -> Mapping:
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise InputError(f"{where}: [llm] must be a table")
    if any("key" in str(name).lower() for name in set(table) - (extra or set())):
        raise InputError(
            f"{where}: [llm] must not hold an API key (it is a file, and the study folder is "
            "shared); set ISMPANEL_LLM_API_KEY instead"
        )
    unknown = set(table) - {"model", "base_url", *TUNING, *(extra or set())}
    if unknown:
        raise InputError(
            f"{where}: [llm] has unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: "
            f"model, base_url, {', '.join([*TUNING, *sorted(extra or set())])}"
        )
    for name in ("model", "base_url"):
        if name in table and not isinstance(table[name], str):
            raise InputError(f"{where}: [llm] {name} must be a string")
    return table
