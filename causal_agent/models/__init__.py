"""Chat models for the agent.

``offline`` (the default, no key or network needed) is :class:`~causal_agent.models.offline.OfflinePlanner`,
built on the question parser in :mod:`causal_agent.models.parser`. Names load lazily so importing this
package stays cheap.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "OfflinePlanner": ("causal_agent.models.offline", "OfflinePlanner"),
    "TOOL_FOR_KIND": ("causal_agent.models.offline", "TOOL_FOR_KIND"),
    "tool_args": ("causal_agent.models.offline", "tool_args"),
    "Intent": ("causal_agent.models.parser", "Intent"),
    "parse_question": ("causal_agent.models.parser", "parse_question"),
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'causal_agent.models' has no attribute {name!r}")
