"""Turn a model spec (``offline``, ``openai:<name>``, or a chat model object) into a chat model."""

from __future__ import annotations

from typing import Any

from ..config import ModelConfig
from ..errors import ModelError


def make_model(spec: Any = None, config: ModelConfig | None = None) -> Any:
    """A LangChain chat model.

    ``None`` or ``"offline"``: the built-in offline planner (no key, no network).
    ``"openai:<name>"`` (or any other name): an OpenAI-compatible endpoint through langchain-openai,
    which covers OpenAI, gateways, Ollama, vLLM, the llama.cpp server and LM Studio.
    A ``BaseChatModel`` instance is used as it is.
    """
    from langchain_core.language_models import BaseChatModel

    if isinstance(spec, BaseChatModel):
        return spec
    cfg = config or ModelConfig()
    name = spec if isinstance(spec, str) and spec else cfg.model
    if name in ("offline", "offline:planner"):
        from .offline import OfflinePlanner

        return OfflinePlanner()
    if not isinstance(name, str):
        raise ModelError(f"a model must be 'offline', 'openai:<name>' or a chat model, not {type(spec).__name__}")
    provider, _, model_name = name.partition(":")
    if not model_name:  # a bare name such as "gpt-4o-mini" or "llama3.1"
        provider, model_name = "openai", name
    if provider != "openai":
        raise ModelError(
            f"unknown model provider {provider!r} in {name!r}; use 'offline' or 'openai:<model name>' "
            "(with --base-url for Ollama, vLLM, llama.cpp or LM Studio)"
        )
    api_key = cfg.api_key
    if not api_key:
        if cfg.base_url is None:
            raise ModelError(
                "no API key for the OpenAI endpoint; set OPENAI_API_KEY, pass --base-url for a local "
                "server, or use --model offline"
            )
        api_key = "not-needed"  # local OpenAI-compatible servers ignore the key
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=model_name,
        base_url=cfg.base_url,
        api_key=api_key,
        timeout=cfg.timeout,
        max_retries=cfg.max_retries,
        temperature=0,
    )
