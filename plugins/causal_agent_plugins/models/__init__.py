"""Built-in plugin: the model backends ``offline`` (the built-in planner) and ``openai:<name>``
(any OpenAI-compatible endpoint through langchain-openai: OpenAI, gateways, Ollama, vLLM, the
llama.cpp server, LM Studio). Registered with ``register_models`` like any third-party backend."""

from typing import Any

from causal_agent.errors import ModelError
from causal_agent.hookspecs import hookimpl


def offline_model(model_name: str, config: Any) -> Any:
    """The offline planner: no key, no network."""
    from causal_agent.planner.model import OfflinePlanner

    return OfflinePlanner()


def openai_model(model_name: str, config: Any) -> Any:
    """An OpenAI-compatible chat model; local servers need no key, only ``--base-url``."""
    if not model_name:
        raise ModelError("name the model: 'openai:<model name>', e.g. openai:gpt-4o-mini")
    api_key = config.api_key
    if not api_key:
        if config.base_url is None:
            raise ModelError(
                "no API key for the OpenAI endpoint; set OPENAI_API_KEY, pass --base-url for a local "
                "server, or use --model offline"
            )
        api_key = "not-needed"  # local OpenAI-compatible servers ignore the key
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=model_name, base_url=config.base_url, api_key=api_key, timeout=config.timeout,
        max_retries=config.max_retries, temperature=0,
    )


@hookimpl
def register_models(register):  # type: ignore[no-untyped-def]
    register("offline", offline_model, "the built-in offline planner (no key, no network)")
    register("openai", openai_model, "any OpenAI-compatible endpoint: openai:<model>, with --base-url for local servers")
