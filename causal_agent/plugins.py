"""The plugin host: built-in plugins from a list inside the package, third-party ones through the
``causal_agent`` entry-point group, all registered the same way.

Unlike simonw/llm we build a fresh manager per agent instead of keeping a module-level one, so two
agents in one process never share registrations unless they are handed the same manager.
``CAUSAL_AGENT_LOAD_PLUGINS`` filters third-party distributions only: the built-ins always load.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pluggy

from . import hookspecs
from .errors import PluginError

if TYPE_CHECKING:  # pragma: no cover
    from langchain_core.tools import BaseTool

    from .registry import Algorithm, Registry

ENTRY_POINT_GROUP = "causal_agent"
LOAD_PLUGINS_ENV = "CAUSAL_AGENT_LOAD_PLUGINS"
#: The built-in plugins, always loaded, in this order (modules of this distribution).
DEFAULT_PLUGINS: tuple[str, ...] = (
    "causal_agent_plugins.dataset",
    "causal_agent_plugins.independence",
    "causal_agent_plugins.discovery",
    "causal_agent_plugins.graph_queries",
    "causal_agent_plugins.causal_questions",
    "causal_agent_plugins.effects",
    "causal_agent_plugins.mediation",
    "causal_agent_plugins.confidence",
    "causal_agent_plugins.memory_tools",
    "causal_agent_plugins.models",
    "causal_agent_evals.plugin",
    "causal_agent_plugins.mcp",
)


def builtin_name(module: str) -> str:
    """A built-in plugin's name: its package ("discovery"; "evals" for causal_agent_evals.plugin)."""
    parts = module.split(".")
    return parts[-1] if parts[0] == "causal_agent_plugins" else parts[0].removeprefix("causal_agent_")
from . import DISTRIBUTION as _OWN_DISTRIBUTION


@dataclass
class PluginInfo:
    """What ``causal-agent plugins`` shows for one plugin."""

    name: str
    version: str | None
    source: str
    tools: list[str] = field(default_factory=list)
    intents: list[dict[str, Any]] = field(default_factory=list)
    algorithms: list[dict[str, Any]] = field(default_factory=list)
    ci_tests: list[str] = field(default_factory=list)
    estimators: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "source": self.source,
            "tools": self.tools, "intents": self.intents, "algorithms": self.algorithms,
            "ci_tests": self.ci_tests, "estimators": self.estimators, "models": self.models,
            "warnings": self.warnings,
        }


def _norm(dist: str) -> str:
    return dist.lower().replace("_", "-")


def _allowed_distributions() -> set[str] | None:
    raw = os.environ.get(LOAD_PLUGINS_ENV)
    if raw is None:
        return None
    return {_norm(part.strip()) for part in raw.split(",") if part.strip()}


def _third_party_entry_points() -> list[metadata.EntryPoint]:
    allowed = _allowed_distributions()
    out = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = _norm(ep.dist.name) if ep.dist is not None else "unknown"
        if dist == _OWN_DISTRIBUTION:
            continue  # built-ins come from DEFAULT_PLUGINS
        if allowed is not None and dist not in allowed:
            continue
        out.append(ep)
    return out


def _load(ep: metadata.EntryPoint) -> object:
    try:
        return ep.load()
    except Exception as exc:  # a broken third-party plugin must not take the CLI down
        dist = ep.dist.name if ep.dist is not None else "unknown"
        raise PluginError(
            f"plugin {ep.name!r} from {dist} failed to load: {type(exc).__name__}: {exc}"
        ) from exc


def make_plugin_manager(extra_plugins: Iterable[object] = ()) -> pluggy.PluginManager:
    """A new plugin manager: the built-ins, then installed third-party plugins, then
    ``extra_plugins`` (how an application adds a plugin object without packaging it).

    ``CAUSAL_AGENT_LOAD_PLUGINS=dist-a,dist-b`` restricts the third-party plugins to those
    distributions (an empty value loads none of them).
    """
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    for module in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(module), name=builtin_name(module))
    for ep in _third_party_entry_points():
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        plugin = _load(ep)
        pm.register(plugin, name=ep.name)
        pm._plugin_distinfo.append((plugin, ep.dist))  # type: ignore[attr-defined]  # as pluggy does
    for plugin in extra_plugins:
        pm.register(plugin)
    return pm


def collect_registry(pm: pluggy.PluginManager) -> Registry:
    """Everything the plugins of ``pm`` register (see :mod:`causal_agent.registry`)."""
    from .registry import collect

    return collect(pm)


def collect_tools(pm: pluggy.PluginManager) -> list[BaseTool]:
    """Every tool the loaded plugins register, in registration order, names unique."""
    return list(collect_registry(pm).tools.values())


def collect_algorithms(pm: pluggy.PluginManager) -> dict[str, Algorithm]:
    """Every discovery algorithm the loaded plugins register, by lower-case name."""
    return collect_registry(pm).algorithms


def _dist_of(pm: pluggy.PluginManager, plugin: object) -> metadata.Distribution | None:
    for plug, dist in pm.list_plugin_distinfo():
        if plug is plugin:
            return dist
    return None


def plugin_infos(pm: pluggy.PluginManager, registry: Registry | None = None) -> list[PluginInfo]:
    """Name, version, source and registrations of each loaded plugin."""
    reg = registry or collect_registry(pm)
    try:
        own_version: str | None = metadata.version(_OWN_DISTRIBUTION)
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        own_version = None
    infos: list[PluginInfo] = []
    for name, plugin in pm.list_name_plugin():
        dist = _dist_of(pm, plugin)
        module = getattr(plugin, "__name__", "")
        if module in DEFAULT_PLUGINS:
            version, source = own_version, f"built-in {module}"
        elif dist is not None:
            version, source = dist.version, f"{dist.name} (entry point) {module}".rstrip()
        else:
            version, source = None, f"registered in code {module}".rstrip()
        infos.append(
            PluginInfo(
                name=name, version=version, source=source,
                tools=[t for t, p in reg.tool_plugin.items() if p == name],
                intents=[{"tool": i.tool, "name": i.name, "examples": len(i.examples)}
                         for i in reg.intents if i.plugin == name],
                algorithms=[a.as_dict() for a in reg.algorithms.values() if a.plugin == name],
                ci_tests=[c.name for c in reg.ci_tests.values() if c.plugin == name],
                estimators=[e.name for e in reg.estimators.values() if e.plugin == name],
                models=[m.prefix for m in reg.models.values() if m.plugin == name],
                warnings=[w for w in reg.warnings if w.startswith(f"plugin {name} ")],
            )
        )
    return infos


def command_plugins() -> list[object]:
    """Plugin modules that add CLI commands, without building tools (``--help`` stays light)."""
    found: list[object] = []
    for module in DEFAULT_PLUGINS:
        plugin = importlib.import_module(module)
        if hasattr(plugin, "register_commands"):
            found.append(plugin)
    for ep in _third_party_entry_points():
        plugin = _load(ep)
        if hasattr(plugin, "register_commands"):
            found.append(plugin)
    return found
