"""Built-in plugin: the model backends. ``offline`` is the built-in planner; ``openai:<name>``,
``ollama:<name>``, ``llamacpp:[<name>]`` and ``lmstudio:<name>`` are OpenAI-compatible endpoints
reached through langchain-openai, built by one factory (:func:`openai_compatible`) that differs
per prefix only in its declared defaults: endpoint, prompt style, timeout and retries.
Registered with ``register_models`` like any third-party backend; this module imports nothing
heavy (langchain-openai is imported when a model is built)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from causal_agent.errors import ModelError
from causal_agent.hookspecs import hookimpl

#: the model name sent to a llama.cpp server when none is given (it serves the one it loaded)
LLAMACPP_DEFAULT_NAME = "default"


@dataclass(frozen=True)
class Endpoint:
    """What differs between the OpenAI-compatible prefixes, apart from the registered defaults."""

    prefix: str
    #: an example model name, for the "name the model" error (None: the name may be empty)
    example: str | None
    #: a local server: no API key needed
    local: bool
    #: the name to send when none is given
    default_name: str | None = None


ENDPOINTS = {
    "openai": Endpoint("openai", "gpt-4o-mini", local=False),
    "ollama": Endpoint("ollama", "qwen2.5:1.5b", local=True),
    "llamacpp": Endpoint("llamacpp", None, local=True, default_name=LLAMACPP_DEFAULT_NAME),
    "lmstudio": Endpoint("lmstudio", "qwen2.5-1.5b-instruct", local=True),
}


def offline_model(model_name: str, config: Any) -> Any:
    """The offline planner: no key, no network."""
    from causal_agent.planner.model import OfflinePlanner

    return OfflinePlanner()


def _sends_max_tokens(base_url: str | None) -> bool:
    """Whether to send ``max_tokens`` rather than OpenAI's newer ``max_completion_tokens``:
    every endpoint but OpenAI's own (llama.cpp, Ollama, LM Studio, vLLM and most gateways read
    ``max_tokens``; OpenAI's reasoning models reject it)."""
    return base_url is not None and "api.openai.com" not in base_url


def openai_compatible(model_name: str, config: Any, *, endpoint: Endpoint) -> Any:
    """A ``ChatOpenAI`` for ``endpoint``, with the resolved timeout, retries and endpoint from
    ``config``, ``max_tokens`` and ``temperature=0``."""
    name = model_name or endpoint.default_name
    if not name:
        raise ModelError(
            f"name the model: '{endpoint.prefix}:<model name>', e.g. {endpoint.prefix}:{endpoint.example}"
        )
    base_url = config.base_url
    api_key = config.api_key
    if not api_key:
        if not endpoint.local and base_url is None:
            raise ModelError(
                "no API key for the OpenAI endpoint; set OPENAI_API_KEY, pass --base-url for a local "
                "server (or use ollama:<model> / llamacpp:), or use --model offline"
            )
        api_key = "not-needed"  # local OpenAI-compatible servers ignore the key
    from .chat import chat_model

    return chat_model(
        model=name, base_url=base_url, api_key=api_key, timeout=config.timeout,
        max_retries=config.retries, max_tokens=config.max_tokens,
        send_max_tokens=_sends_max_tokens(base_url),
    )


def openai_model(model_name: str, config: Any) -> Any:
    """``openai:<name>`` (kept for callers of the old name)."""
    return openai_compatible(model_name, config, endpoint=ENDPOINTS["openai"])


@hookimpl
def register_models(register):  # type: ignore[no-untyped-def]
    register("offline", offline_model, "the built-in offline planner (no key, no network)")
    register("openai", partial(openai_compatible, endpoint=ENDPOINTS["openai"]),
             "OpenAI or any OpenAI-compatible endpoint: openai:<model>, with --base-url for others",
             prompt="full", text_tool_calls=True, timeout=120.0, retries=1)
    register("ollama", partial(openai_compatible, endpoint=ENDPOINTS["ollama"]),
             "a local Ollama server: ollama:<model>, e.g. ollama:qwen2.5:1.5b (after `ollama pull`)",
             prompt="compact", text_tool_calls=True, base_url="http://localhost:11434/v1",
             timeout=300.0, retries=0)
    register("llamacpp", partial(openai_compatible, endpoint=ENDPOINTS["llamacpp"]),
             "a local llama.cpp server (llama-server --jinja): llamacpp: or llamacpp:<model>",
             prompt="compact", text_tool_calls=True, base_url="http://localhost:8080/v1",
             timeout=300.0, retries=0)
    register("lmstudio", partial(openai_compatible, endpoint=ENDPOINTS["lmstudio"]),
             "a local LM Studio server: lmstudio:<model> (the model id `lms ls` shows)",
             prompt="full", text_tool_calls=True, base_url="http://localhost:1234/v1",
             timeout=300.0, retries=0)
