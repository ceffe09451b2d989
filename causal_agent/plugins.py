"""Plugin manager: discovery through the ``causal_agent`` entry-point group.

Unlike simonw/llm we build a fresh manager per call instead of keeping a module-level one, so two
agents in one process never share registrations unless they are handed the same manager.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pluggy

from . import hookspecs
from .errors import AlgorithmError, PluginError, suggestion

if TYPE_CHECKING:  # pragma: no cover
    from langchain_core.tools import BaseTool

ENTRY_POINT_GROUP = "causal_agent"
LOAD_PLUGINS_ENV = "CAUSAL_AGENT_LOAD_PLUGINS"


@dataclass(frozen=True)
class Algorithm:
    """A registered discovery algorithm."""

    name: str
    function: Callable[..., Any]
    description: str
    plugin: str


@dataclass
class PluginInfo:
    """What ``causal-agent plugins`` shows for one plugin."""

    name: str
    version: str | None
    source: str
    tools: list[str] = field(default_factory=list)
    algorithms: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "tools": self.tools,
            "algorithms": self.algorithms,
        }


def _allowed_distributions() -> set[str] | None:
    raw = os.environ.get(LOAD_PLUGINS_ENV)
    if raw is None:
        return None
    return {part.strip().lower().replace("_", "-") for part in raw.split(",") if part.strip()}


def make_plugin_manager(extra_plugins: Iterable[object] = ()) -> pluggy.PluginManager:
    """A new plugin manager with every installed plugin loaded.

    ``CAUSAL_AGENT_LOAD_PLUGINS=dist-a,dist-b`` restricts loading to the entry points of those
    distributions (an empty value loads none). ``extra_plugins`` are registered as well, which is how
    an application adds a plugin object without packaging it.
    """
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    allowed = _allowed_distributions()
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "unknown"
        if allowed is not None and dist.lower().replace("_", "-") not in allowed:
            continue
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken third-party plugin must not take the CLI down
            raise PluginError(
                f"plugin {ep.name!r} from {dist} failed to load: {type(exc).__name__}: {exc}"
            ) from exc
        pm.register(plugin, name=ep.name)
        pm._plugin_distinfo.append((plugin, ep.dist))  # type: ignore[attr-defined]  # as pluggy does
    for plugin in extra_plugins:
        pm.register(plugin)
    return pm


def _dist_of(pm: pluggy.PluginManager, plugin: object) -> metadata.Distribution | None:
    for plug, dist in pm.list_plugin_distinfo():
        if plug is plugin:
            return dist
    return None


def collect_tools(pm: pluggy.PluginManager) -> list[BaseTool]:
    """Every tool the loaded plugins register, in registration order, names unique."""
    tools: dict[str, BaseTool] = {}

    def register(tool: BaseTool) -> None:
        if tool.name in tools:
            raise PluginError(f"two plugins register a tool named {tool.name!r}")
        tools[tool.name] = tool

    pm.hook.register_tools(register=register)
    return list(tools.values())


def collect_algorithms(pm: pluggy.PluginManager) -> dict[str, Algorithm]:
    """Every discovery algorithm the loaded plugins register, by lower-case name."""
    algorithms: dict[str, Algorithm] = {}
    for impl in pm.hook.register_algorithms.get_hookimpls():
        plugin_name = pm.get_name(impl.plugin) or repr(impl.plugin)

        def register(
            name: str, function: Callable[..., Any], description: str = "", _p: str = plugin_name
        ) -> None:
            algorithms[name.lower()] = Algorithm(name.lower(), function, description, _p)

        impl.function(register=register)
    return algorithms


def get_algorithm(algorithms: dict[str, Algorithm], name: str) -> Algorithm:
    """Look an algorithm up by name, with a suggestion when it is unknown."""
    try:
        return algorithms[name.lower()]
    except KeyError:
        raise AlgorithmError(
            f"unknown discovery algorithm {name!r}." + suggestion(name, algorithms, "algorithm")
        ) from None


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Name, version, source and registrations of each loaded plugin."""
    infos: list[PluginInfo] = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda kv: kv[0]):
        dist = _dist_of(pm, plugin)
        tools: list[str] = []
        algos: list[str] = []
        if hasattr(plugin, "register_tools"):
            plugin.register_tools(register=lambda t: tools.append(t.name))
        if hasattr(plugin, "register_algorithms"):
            plugin.register_algorithms(register=lambda n, f, d="": algos.append(n))
        infos.append(
            PluginInfo(
                name=name,
                version=dist.version if dist is not None else None,
                source=(f"{dist.name} (entry point)" if dist is not None else "registered in code")
                + (f" {getattr(plugin, '__name__', '')}" if hasattr(plugin, "__name__") else ""),
                tools=tools,
                algorithms=algos,
            )
        )
    return infos


def third_party_command_plugins() -> list[object]:
    """Loaded plugin modules from other distributions that implement ``register_commands``.

    Built-in plugins are skipped so that ``causal-agent --help`` stays free of heavy imports.
    """
    allowed = _allowed_distributions()
    found: list[object] = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else ""
        if dist.lower().replace("_", "-") == "causal-agent":
            continue
        if allowed is not None and dist.lower().replace("_", "-") not in allowed:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(f"plugin {ep.name!r} from {dist} failed to load: {type(exc).__name__}: {exc}") from exc
        if hasattr(plugin, "register_commands"):
            found.append(plugin)
    return found
