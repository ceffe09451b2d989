"""causal-agent: answer causal questions about tabular data with real causal tools.

Heavy dependencies load lazily, so ``import causal_agent`` and ``causal-agent --help`` stay fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
#: The distribution on PyPI: ``causal-agent`` there is another project, so ours is ``causal-agent-kit``
#: (the import package stays ``causal_agent`` and the command ``causal-agent``).
DISTRIBUTION = "causal-agent-kit"

_LAZY = {
    "CausalAgent": ("causal_agent.agent", "CausalAgent"),
    "Answer": ("causal_agent.answer", "Answer"),
    "CausalGraph": ("causal_agent.graph", "CausalGraph"),
    "GraphMemory": ("causal_agent.memory", "GraphMemory"),
    "load_dataset": ("causal_agent.data", "load_dataset"),
    "CausalAgentError": ("causal_agent.errors", "CausalAgentError"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'causal_agent' has no attribute {name!r}")
