"""Model and memory settings from flags, environment and an optional TOML config file.

Precedence: explicit argument (a CLI flag) > environment > config file (``CAUSAL_AGENT_CONFIG`` or
``~/.config/causal-agent/config.toml``) > defaults (the offline model, in-memory graphs).

| setting | argument / flag | environment | config key |
|---|---|---|---|
| model | ``model`` / ``--model`` | ``CAUSAL_AGENT_MODEL`` | ``model`` |
| endpoint | ``base_url`` / ``--base-url`` | ``CAUSAL_AGENT_BASE_URL`` | ``base_url`` |
| API key | ``api_key`` | ``OPENAI_API_KEY`` | ``api_key`` |
| graph memory | ``memory`` / ``--memory`` | ``CAUSAL_AGENT_MEMORY`` | ``memory`` |
| seconds per model request | ``timeout`` / ``--timeout`` | ``CAUSAL_AGENT_TIMEOUT`` | ``timeout`` |
| extra tries after the first | ``retries`` / ``--retries`` | ``CAUSAL_AGENT_RETRIES`` | ``retries`` (or ``max_retries``) |
| reply length cap | ``max_tokens`` / ``--max-tokens`` | ``CAUSAL_AGENT_MAX_TOKENS`` | ``max_tokens`` |
| system prompt style | ``prompt`` / ``--prompt`` | ``CAUSAL_AGENT_PROMPT`` | ``prompt`` |
| executor of bootstrap resamples and eval jobs (``load_executor``) | ``--executor local|ray`` | ``CAUSAL_AGENT_EXECUTOR`` | ``executor`` |
| Ray cluster of the ``ray`` executor | ``--ray-address HOST:PORT`` | ``RAY_ADDRESS`` | ``ray_address`` |
| recover tool calls written as text | ``text_tool_calls`` / ``--[no-]text-tool-calls`` | ``CAUSAL_AGENT_TEXT_TOOL_CALLS`` | ``text_tool_calls`` |
| log every question (``causal_agent.logs``) | ``CausalAgent(log=False)`` / ``causal-agent logs on|off`` | ``CAUSAL_AGENT_LOGS=off`` (any other value is the log file's path) | ``logs`` |

``timeout``, ``retries``, ``prompt`` and ``text_tool_calls`` left unset (``None``) mean "the model
backend's default" (``causal-agent models`` lists them); ``models.factory.model_options`` resolves
them. This module stays light: pydantic and the standard library only.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from .errors import CausalAgentError

PromptStyle = Literal["compact", "full"]
PROMPT_STYLES: tuple[str, ...] = ("compact", "full")
#: the smallest reply cap accepted: fewer tokens cannot hold one tool call
MIN_MAX_TOKENS = 16
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class ModelConfig(BaseModel):
    """Which chat model to use, how to reach it and how long to wait for it."""

    model_config = ConfigDict(populate_by_name=True)

    model: str = "offline"
    base_url: str | None = None
    api_key: str | None = None
    #: seconds per model request (None: the backend's default)
    timeout: float | None = Field(default=None, gt=0)
    #: extra tries after the first (None: the backend's default); ``max_retries`` is accepted too
    retries: int | None = Field(default=None, ge=0, validation_alias=AliasChoices("retries", "max_retries"))
    #: the most tokens a reply may have; always sent
    max_tokens: int = Field(default=1024, ge=MIN_MAX_TOKENS)
    #: system prompt and tool schemas: ``compact`` (small models) or ``full`` (None: backend default)
    prompt: PromptStyle | None = None
    #: recover tool calls a model wrote as text (None: backend default)
    text_tool_calls: bool | None = None
    memory: str | None = None
    #: log each question to the question log (``causal_agent.logs``); ``logs off`` / ``CAUSAL_AGENT_LOGS=off``
    logs: bool = True

    @property
    def max_retries(self) -> int | None:
        """The old name of :attr:`retries`."""
        return self.retries


def config_path() -> Path:
    env = os.environ.get("CAUSAL_AGENT_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path("~/.config/causal-agent/config.toml").expanduser()


def data_dir() -> Path:
    """The user's data folder for causal-agent: ``$XDG_DATA_HOME/causal-agent``, else
    ``~/.local/share/causal-agent`` (where the REPL keeps its history and the question log lives)."""
    base = os.environ.get("XDG_DATA_HOME") or "~/.local/share"
    return Path(base).expanduser() / "causal-agent"


#: ``CAUSAL_AGENT_LOGS`` holds the log file's path; this one word turns logging off instead
LOGS_OFF = "off"


def logs_env_off() -> bool:
    """True when ``CAUSAL_AGENT_LOGS=off``: logging is off in this environment, whatever the file says."""
    return os.environ.get("CAUSAL_AGENT_LOGS", "").strip().lower() == LOGS_OFF


def write_setting(key: str, value: bool) -> Path:
    """Set the top-level ``key = true|false`` in the config file (created if missing), leaving every
    other line as it is; returns the file. Written to a temporary file and moved into place, and only
    when the result still parses, so a failure never leaves a broken config."""
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CausalAgentError(f"cannot read the config file {path}: {exc}; fix it, then try again") from None
    line = f"{key} = {'true' if value else 'false'}"
    lines = text.splitlines()
    table = next((i for i, x in enumerate(lines) if x.lstrip().startswith("[")), len(lines))
    mine = [i for i in range(table) if re.match(rf"^\s*{re.escape(key)}\s*=", lines[i])]
    if mine:
        lines[mine[0]] = line
    else:  # top-level keys go before the first table
        lines.insert(table, line)
    new = "\n".join(lines) + "\n"
    if tomllib.loads(new).get(key) is not value:  # e.g. a multi-line value we did not replace whole
        raise CausalAgentError(f"cannot set {key} in {path}: edit the file and set {line}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(new, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise CausalAgentError(f"cannot write the config file {path}: {exc}; set CAUSAL_AGENT_CONFIG "
                               "to a writable file") from None
    return path


# -- parsing one value, with a one-line error naming where it came from -----------------------------
def _timeout(value: Any, where: str) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not (number > 0 and math.isfinite(number)):
        raise CausalAgentError(f"{where} must be a number of seconds > 0, not {value!r}")
    return number


def _count(value: Any, where: str, *, minimum: int, what: str) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        number = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if number is None or number < minimum:
        raise CausalAgentError(f"{where} must be {what}, not {value!r}")
    return number


def _prompt(value: Any, where: str) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in PROMPT_STYLES:
        raise CausalAgentError(f"{where} must be 'compact' or 'full', not {value!r}")
    return str(text)


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CausalAgentError(f"{where} must be 1 or 0 (true/false, yes/no), not {value!r}")


def _file_values() -> tuple[dict[str, Any], Path]:
    """The config file's values (none when it is missing) and its path."""
    path = config_path()
    if not path.is_file():
        return {}, path
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), path
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CausalAgentError(f"cannot read the config file {path}: {exc}") from None


def _pick(flag: Any, flag_name: str, env_name: str, file_values: dict[str, Any], keys: tuple[str, ...],
          path: Path, parse: Any) -> Any:
    """The first given of flag > environment > config file, parsed (None when none is given)."""
    if flag is not None:
        return parse(flag, flag_name)
    env = os.environ.get(env_name)
    if env is not None and env.strip():
        return parse(env, env_name)
    for key in keys:
        if key in file_values:
            return parse(file_values[key], f"{key} in {path}")
    return None



def load_config(
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    memory: str | None = None,
    *,
    timeout: float | None = None,
    retries: int | None = None,
    max_tokens: int | None = None,
    prompt: str | None = None,
    text_tool_calls: bool | None = None,
) -> ModelConfig:
    """Merge flags (these arguments), environment and the config file into one ``ModelConfig``.

    A bad value is a ``CausalAgentError`` naming the flag, variable or key it came from."""
    file_values, path = _file_values()
    env = os.environ
    merged: dict[str, Any] = {
        "model": model or env.get("CAUSAL_AGENT_MODEL") or file_values.get("model") or "offline",
        "base_url": base_url or env.get("CAUSAL_AGENT_BASE_URL") or file_values.get("base_url"),
        "api_key": api_key or env.get("OPENAI_API_KEY") or file_values.get("api_key"),
        "memory": memory or env.get("CAUSAL_AGENT_MEMORY") or file_values.get("memory"),
        "timeout": _pick(timeout, "--timeout", "CAUSAL_AGENT_TIMEOUT", file_values, ("timeout",), path,
                         _timeout),
        "retries": _pick(retries, "--retries", "CAUSAL_AGENT_RETRIES", file_values,
                         ("retries", "max_retries"), path,
                         lambda v, w: _count(v, w, minimum=0, what="a whole number >= 0")),
        "prompt": _pick(prompt, "--prompt", "CAUSAL_AGENT_PROMPT", file_values, ("prompt",), path, _prompt),
        "text_tool_calls": _pick(text_tool_calls, "--text-tool-calls", "CAUSAL_AGENT_TEXT_TOOL_CALLS",
                                 file_values, ("text_tool_calls",), path, _flag),
    }
    if logs_env_off():
        merged["logs"] = False
    elif "logs" in file_values:
        merged["logs"] = _flag(file_values["logs"], f"logs in {path}")
    url = merged["base_url"]
    if url is not None and not re.match(r"^https?://[^\s/]+", str(url).strip()):
        where = "--base-url" if base_url else ("CAUSAL_AGENT_BASE_URL" if env.get("CAUSAL_AGENT_BASE_URL")
                                               else f"base_url in {path}")
        raise CausalAgentError(f"{where} must be an http(s) URL such as http://localhost:11434/v1, not {url!r}")
    tokens = _pick(max_tokens, "--max-tokens", "CAUSAL_AGENT_MAX_TOKENS", file_values, ("max_tokens",), path,
                   lambda v, w: _count(v, w, minimum=MIN_MAX_TOKENS, what=f"a whole number >= {MIN_MAX_TOKENS}"))
    if tokens is not None:
        merged["max_tokens"] = tokens
    try:
        return ModelConfig.model_validate(merged)
    except Exception as exc:
        first = str(exc).splitlines()
        raise CausalAgentError(f"invalid model configuration: {' '.join(first[:3])}") from None


class ExecutorConfig(BaseModel):
    """Where parallel work runs (``causal_agent.executors``) and the Ray cluster to use."""

    executor: str = "local"
    ray_address: str | None = None
    #: where ``ray_address`` came from, for one-line errors ("--ray-address", "RAY_ADDRESS", ...)
    ray_address_from: str | None = None


def load_executor(executor: str | None = None, ray_address: str | None = None) -> ExecutorConfig:
    """The executor of flags (these arguments) > environment (``CAUSAL_AGENT_EXECUTOR``,
    ``RAY_ADDRESS``) > config file (``executor``, ``ray_address``) > ``local``; an unknown name, or
    ``ray`` without Ray installed, is one line naming where it came from."""
    from .executors import check_executor

    file_values, path = _file_values()
    name = _pick(executor, "--executor", "CAUSAL_AGENT_EXECUTOR", file_values, ("executor",), path,
                 check_executor) or "local"
    address, source = None, None
    for value, where in ((ray_address, "--ray-address"), (os.environ.get("RAY_ADDRESS"), "RAY_ADDRESS"),
                         (file_values.get("ray_address"), f"ray_address in {path}")):
        if value is not None and str(value).strip():
            address, source = str(value).strip(), where
            break
    return ExecutorConfig(executor=name, ray_address=address, ray_address_from=source)
