"""Plugin hooks.

Plugins are modules registered under the entry-point group ``causal_agent``; the built-in tools are
registered exactly like a third-party plugin (see ``pyproject.toml``). Each hook receives a
``register`` callback rather than returning values, so one plugin can register many things.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("causal_agent")
hookimpl = pluggy.HookimplMarker("causal_agent")


@hookspec
def register_tools(register):  # type: ignore[no-untyped-def]
    """Register LangChain tools: call ``register(tool)`` for each ``BaseTool``."""


@hookspec
def register_algorithms(register):  # type: ignore[no-untyped-def]
    """Register discovery algorithms: ``register(name, function, description)``.

    ``function(data, names, *, alpha, ci_test, background, **params) -> CausalGraph`` where
    ``data`` is an ``(n, p)`` float array and ``names`` its ``p`` column names.
    """


@hookspec
def register_commands(cli):  # type: ignore[no-untyped-def]
    """Add commands to the ``causal-agent`` command line (a Typer app)."""
