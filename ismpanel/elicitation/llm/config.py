"""Where the LLM server and model come from, and the one-line refusals when they are missing.

Precedence, per setting: the command line (``--model``, ``--base-url``...), then the
environment (``ISMPANEL_LLM_BASE_URL``, ``ISMPANEL_LLM_MODEL``, ``ISMPANEL_LLM_API_KEY`` or
else ``OPENAI_API_KEY``), then the study's ``[llm]`` table (``base_url``, ``model``,
``timeout``, ``retries``, ``concurrency``, ``backoff``). The key is never read from the study:
study folders are shared with experts, so an ``api_key`` there is refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ismpanel.analysis.errors import InputError

INSTALL_HINT = "the LLM features need the openai package: pip install 'ismpanel[llm]'"
SETUP_HINT = (
    "set ISMPANEL_LLM_MODEL and ISMPANEL_LLM_BASE_URL (e.g. http://localhost:11434/v1 for "
    "Ollama), give --model and --base-url, or add model and base_url to [llm] in study.toml"
)
KEYLESS = "no-key"  # local servers ignore the key, but the SDK insists on one
TUNING = {"timeout": float, "retries": int, "concurrency": int, "backoff": float}


@dataclass(frozen=True)
class LlmConfig:
    """Everything a client needs to reach one model; ``base_url`` None means OpenAI's API."""

    model: str
    base_url: str | None
    api_key: str
    timeout: float = 60.0
    retries: int = 2
    concurrency: int = 4
    backoff: float = 1.0

    @property
    def server(self) -> str:
        return self.base_url or "https://api.openai.com/v1"


def resolve_config(
    study_llm: Mapping | None = None,
    env: Mapping[str, str] | None = None,
    **given: object,
) -> LlmConfig | None:
    """The configuration from the command line (``given``: model, base_url, timeout,
    retries, concurrency, backoff; None when not given), the environment and the study's
    ``[llm]`` table; None when no model or no server is named."""
    env = os.environ if env is None else env
    table = _study_table(study_llm)
    model = given.get("model") or env.get("ISMPANEL_LLM_MODEL") or table.get("model")
    base_url = given.get("base_url") or env.get("ISMPANEL_LLM_BASE_URL") or table.get("base_url")
    key = env.get("ISMPANEL_LLM_API_KEY") or env.get("OPENAI_API_KEY")
    if not model or not (base_url or key):
        return None
    tuning = {}
    for name, kind in TUNING.items():
        value = given.get(name)
        value = value if value is not None else table.get(name, getattr(LlmConfig, name))
        try:
            tuning[name] = kind(value)
        except (TypeError, ValueError):
            raise InputError(f"[llm] {name}: {value!r} is not a number") from None
    if tuning["concurrency"] < 1 or tuning["retries"] < 0 or tuning["timeout"] <= 0:
        raise InputError("[llm]: timeout must be positive, retries >= 0 and concurrency >= 1")
    return LlmConfig(str(model), str(base_url) if base_url else None, key or KEYLESS, **tuning)


def require_config(
    study_llm: Mapping | None = None, env: Mapping[str, str] | None = None, **given: object
) -> LlmConfig:
    """``resolve_config`` for a command that cannot work without a model: the openai package
    must import and a model and server must be named, else one line saying what to do."""
    require_openai()
    config = resolve_config(study_llm, env, **given)
    if config is None:
        raise InputError(f"no LLM server configured: {SETUP_HINT}")
    return config


def require_openai() -> None:
    """Refuse with the install line when the optional ``openai`` package cannot be imported."""
    try:
        import openai  # noqa: F401
    except ImportError:
        raise InputError(INSTALL_HINT) from None


def _study_table(table: Mapping | None) -> Mapping:
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        raise InputError("study.toml: [llm] must be a table")
    if any("key" in str(name).lower() for name in table):
        raise InputError(
            "study.toml: [llm] must not hold an API key (the study folder is shared); set "
            "ISMPANEL_LLM_API_KEY instead"
        )
    unknown = set(table) - {"model", "base_url", *TUNING}
    if unknown:
        raise InputError(
            f"study.toml: [llm] has unknown key(s) {', '.join(sorted(unknown))}; known: model, "
            f"base_url, {', '.join(TUNING)}"
        )
    return table
