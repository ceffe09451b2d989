"""Model and memory settings from flags, environment and an optional TOML config file.

Precedence: explicit argument > environment (``CAUSAL_AGENT_MODEL``, ``CAUSAL_AGENT_BASE_URL``,
``OPENAI_API_KEY``, ``CAUSAL_AGENT_MEMORY``) > config file (``CAUSAL_AGENT_CONFIG`` or
``~/.config/causal-agent/config.toml``) > defaults (the offline model, in-memory graphs).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel

from .errors import CausalAgentError


class ModelConfig(BaseModel):
    """Which chat model to use and how to reach it."""

    model: str = "offline"
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    max_retries: int = 2
    memory: str | None = None


def config_path() -> Path:
    env = os.environ.get("CAUSAL_AGENT_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path("~/.config/causal-agent/config.toml").expanduser()


def load_config(
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    memory: str | None = None,
) -> ModelConfig:
    """Merge flags, environment and the config file into one ``ModelConfig``."""
    file_values: dict[str, object] = {}
    path = config_path()
    if path.is_file():
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CausalAgentError(f"cannot read the config file {path}: {exc}") from None
    env = os.environ
    merged = {
        "model": model or env.get("CAUSAL_AGENT_MODEL") or file_values.get("model") or "offline",
        "base_url": base_url or env.get("CAUSAL_AGENT_BASE_URL") or file_values.get("base_url"),
        "api_key": api_key or env.get("OPENAI_API_KEY") or file_values.get("api_key"),
        "memory": memory or env.get("CAUSAL_AGENT_MEMORY") or file_values.get("memory"),
    }
    for key in ("timeout", "max_retries"):
        if key in file_values:
            merged[key] = file_values[key]
    try:
        return ModelConfig.model_validate(merged)
    except Exception as exc:
        raise CausalAgentError(f"invalid model configuration: {exc}") from None
