"""Turn a model spec (``offline``, ``<prefix>:<name>``, or a chat model object) into a chat model.

The prefixes are registered by plugins (``register_models``); the core knows none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..config import ModelConfig
from ..errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    from ..registry import Registry

#: The prefix a bare model name ("gpt-4o-mini", "llama3.1") is read with.
DEFAULT_PREFIX = "openai"


def make_model(spec: Any = None, config: ModelConfig | None = None, registry: Registry | None = None) -> Any:
    """A LangChain chat model: a ``BaseChatModel`` instance is used as it is; a string is
    ``<prefix>:<name>`` (or a bare prefix such as ``offline``, or a bare model name, read as
    ``openai:<name>``) and goes to the factory that prefix's plugin registered."""
    from langchain_core.language_models import BaseChatModel

    if isinstance(spec, BaseChatModel):
        return spec
    cfg = config or ModelConfig()
    name = spec if isinstance(spec, str) and spec else cfg.model
    if not isinstance(name, str):
        raise ModelError(f"a model must be a '<prefix>:<name>' string or a chat model, not {type(spec).__name__}")
    if registry is None:
        from ..plugins import collect_registry, make_plugin_manager

        registry = collect_registry(make_plugin_manager())
    prefix, sep, model_name = name.partition(":")
    if not sep and prefix.lower() not in registry.models:
        prefix, model_name = DEFAULT_PREFIX, name  # a bare model name
    return registry.model(prefix).factory(model_name, cfg)
