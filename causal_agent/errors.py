"""User-facing errors.

Every problem a user can cause (bad file, unknown variable, unknown graph key, …) is raised as a
``CausalAgentError`` whose message is one line that names the problem and, where possible, the fix.
The CLI prints ``error: <message>`` and exits 2 without a traceback; tools turn it into a message the
model can read and recover from.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class CausalAgentError(Exception):
    """Base class: a one-line, user-facing error."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class DataError(CausalAgentError):
    """The data cannot be loaded or used for the requested analysis."""


class VariableError(CausalAgentError):
    """A variable name does not match a column, or the variables of a query are inconsistent."""


class GraphError(CausalAgentError):
    """A graph is malformed or does not support the requested query."""


class GraphKeyError(CausalAgentError, KeyError):
    """No graph is stored under the requested key."""

    def __str__(self) -> str:  # KeyError would otherwise add quotes
        return self.args[0] if self.args else ""


class AlgorithmError(CausalAgentError):
    """An unknown discovery algorithm, CI test or estimator."""


class PluginError(CausalAgentError):
    """A plugin failed to load or registered something invalid."""


class ModelError(CausalAgentError):
    """The chat model is misconfigured or its endpoint cannot be reached."""


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The choices closest to ``name`` (case-insensitive), best first."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]


def suggestion(name: str, choices: Iterable[str], what: str = "name") -> str:
    """A ' Did you mean …?' / ' Known …: …' tail for an error message."""
    choices = list(choices)
    near = closest(name, choices)
    if near:
        return " Did you mean " + " or ".join(repr(c) for c in near) + "?"
    if not choices:
        return f" There are no {what}s yet."
    shown = ", ".join(repr(c) for c in choices[:12])
    more = f" (and {len(choices) - 12} more)" if len(choices) > 12 else ""
    return f" Known {what}s: {shown}{more}."
