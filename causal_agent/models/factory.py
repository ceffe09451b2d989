"""Turn a model spec (``offline``, ``<prefix>:<name>``, or a chat model object) into a chat model,
and resolve how the agent talks to it (:func:`model_options`).

The prefixes are registered by plugins (``register_models``); the core knows none of them. A
backend declares its defaults (prompt style, text tool-call recovery, endpoint, timeout,
retries); the configuration (flags > environment > config file) wins over each.
:func:`model_options` is the one place that merge happens, and :func:`make_model` builds the
model from the same result, so the client's timeout and the error that quotes it cannot disagree.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from ..config import ModelConfig
from ..errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    from ..registry import ModelBackend, Registry

#: The prefix a bare model name ("gpt-4o-mini", "llama3.1") is read with.
DEFAULT_PREFIX = "openai"


class ModelOptions(BaseModel):
    """How the agent talks to one model, resolved from its backend's defaults and the config."""

    prompt: Literal["compact", "full"]
    text_tool_calls: bool
    #: seconds per model request (per try)
    timeout: float
    #: extra tries after the first (tries = retries + 1)
    retries: int
    #: the endpoint (None: the client's default, or not a network model)
    base_url: str | None


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from ..plugins import collect_registry, make_plugin_manager

    return collect_registry(make_plugin_manager())


def _is_chat_model(spec: Any) -> bool:
    """A model object rather than a spec string (LangChain is not imported for strings)."""
    if spec is None or isinstance(spec, str):
        return False
    from langchain_core.language_models import BaseChatModel

    return isinstance(spec, BaseChatModel)


def is_openai_chat_model(model: Any) -> bool:
    """A langchain-openai chat model (``ChatOpenAI`` or a subclass), told by its classes' names
    so langchain_openai is never imported to ask."""
    return any(cls.__name__ == "BaseChatOpenAI" for cls in type(model).__mro__)


def resolve_spec(spec: Any, config: ModelConfig, registry: Registry) -> tuple[ModelBackend, str]:
    """The backend and model name a spec string names (``None``: ``config.model``)."""
    name = spec if isinstance(spec, str) and spec else config.model
    if not isinstance(name, str) or not (spec is None or isinstance(spec, str)):
        raise ModelError(f"a model must be a '<prefix>:<name>' string or a chat model, not {type(spec).__name__}")
    prefix, sep, model_name = name.partition(":")
    if not sep and prefix.lower() not in registry.models:
        # a bare model name ("gpt-4o-mini") is read as openai:<name>, but only when an OpenAI
        # endpoint can be reached (a key or --base-url): else it is a typo or an unknown spec
        if DEFAULT_PREFIX in registry.models and (config.api_key or config.base_url):
            prefix, model_name = DEFAULT_PREFIX, name
        else:
            raise ModelError(
                f"unknown model {name!r}: use {spec_forms(registry)} (a bare name is read as "
                f"{DEFAULT_PREFIX}:{name} only when OPENAI_API_KEY or --base-url is set)"
            )
    return registry.model(prefix), model_name


def spec_forms(registry: Registry) -> str:
    """The valid model specs, in words: 'offline, openai:<model> (needs OPENAI_API_KEY), …'."""
    forms = []
    for prefix in registry.models:
        if prefix == "offline":
            forms.append(prefix)
        elif prefix == DEFAULT_PREFIX:
            forms.append(f"{prefix}:<model> (needs OPENAI_API_KEY)")
        elif re.search(rf"(?<![\w:]){re.escape(prefix)}:(?:\s|$)", registry.models[prefix].description):
            forms.append(f"{prefix}:")  # the backend says the name may be left out ('llamacpp:')
        else:
            forms.append(f"{prefix}:<model>")
    if not forms:
        return "a model plugin (none is loaded)"
    return forms[0] if len(forms) == 1 else ", ".join(forms[:-1]) + " or " + forms[-1]


def _number(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
    return float(value) if ok else None


def _instance_options(model: Any, config: ModelConfig) -> ModelOptions:
    timeout = _number(getattr(model, "request_timeout", None)) or _number(getattr(model, "timeout", None))
    if timeout is None:
        timeout = config.timeout if config.timeout is not None else 120.0
    retries = getattr(model, "max_retries", None)
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        retries = config.retries if config.retries is not None else 0
    base_url = getattr(model, "openai_api_base", None) or getattr(model, "base_url", None)
    return ModelOptions(
        prompt=config.prompt or "full",
        text_tool_calls=(config.text_tool_calls if config.text_tool_calls is not None
                         else is_openai_chat_model(model)),
        timeout=timeout,
        retries=retries,
        base_url=base_url if isinstance(base_url, str) else None,
    )


def model_options(spec: Any, config: ModelConfig, registry: Registry | None = None) -> ModelOptions:
    """The prompt style, text tool-call recovery, timeout, retries and endpoint for ``spec``.

    For a ``<prefix>:<name>`` string (``None``: ``config.model``), each value is the config's
    when set, else the prefix's declared default. For a chat model passed directly: the prompt
    is ``full`` and text tool-call recovery is on for langchain-openai models (unless the config
    sets them); the timeout and retries are the instance's own when it has them.
    """
    if _is_chat_model(spec):
        return _instance_options(spec, config)
    backend, _ = resolve_spec(spec, config, _registry(registry))
    return ModelOptions(
        prompt=config.prompt or backend.prompt,  # type: ignore[arg-type]
        text_tool_calls=backend.text_tool_calls if config.text_tool_calls is None else config.text_tool_calls,
        timeout=config.timeout if config.timeout is not None else backend.timeout,
        retries=config.retries if config.retries is not None else backend.retries,
        base_url=config.base_url or backend.base_url,
    )


def resolved_config(config: ModelConfig, options: ModelOptions) -> ModelConfig:
    """``config`` with the resolved options filled in: what a backend's factory receives."""
    return config.model_copy(update={
        "timeout": options.timeout, "retries": options.retries, "prompt": options.prompt,
        "text_tool_calls": options.text_tool_calls, "base_url": options.base_url,
    })


def make_model(spec: Any = None, config: ModelConfig | None = None, registry: Registry | None = None) -> Any:
    """A LangChain chat model: a ``BaseChatModel`` instance is used as it is; a string is
    ``<prefix>:<name>`` (or a bare prefix such as ``offline``, or a bare model name, read as
    ``openai:<name>``) and goes to the factory that prefix's plugin registered, with the config's
    timeout, retries and endpoint resolved exactly as :func:`model_options` resolves them."""
    if _is_chat_model(spec):
        return spec
    cfg = config or ModelConfig()
    registry = _registry(registry)
    backend, model_name = resolve_spec(spec, cfg, registry)
    return backend.factory(model_name, resolved_config(cfg, model_options(spec, cfg, registry)))
