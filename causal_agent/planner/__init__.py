"""The offline planner: reads a question, picks the intent a plugin registered for it, fills the
tool's arguments, and writes the answer from the tool's artifact.

Layers, each importing only those before it: :mod:`.vocabulary` (shared words) →
:mod:`.reading` (mentions, skeleton, slot readers) → :mod:`.classifier` (intent from examples) →
:mod:`.plan` (the :class:`Planner`) → :mod:`.compose` (answers) → :mod:`.model` (the chat model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan, Planner

__all__ = ["Plan", "Planner"]


def __getattr__(name: str) -> Any:  # scikit-learn and pydantic load only when a planner is used
    if name in __all__:
        from . import plan

        return getattr(plan, name)
    raise AttributeError(f"module 'causal_agent.planner' has no attribute {name!r}")
