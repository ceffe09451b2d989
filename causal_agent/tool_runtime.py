"""``ToolRuntime`` as tools declare it: LangGraph's, with its context left unchecked.

A bare ``runtime: ToolRuntime`` makes LangGraph's pydantic schema of the runtime expect
``context: None`` and warn on every call that it got an ``AgentContext``. Parametrising it with
``AgentContext`` itself would make pydantic resolve that dataclass's fields (datasets, memory…),
which it cannot and need not: the context is ours, not the model's input. Import it inside tool
factories (it imports LangGraph).
"""

from typing import Any

from langgraph.prebuilt import ToolRuntime as _ToolRuntime

ToolRuntime = _ToolRuntime[Any]

__all__ = ["ToolRuntime"]
