"""What plugins register, as declared objects: tools, intents, algorithms, CI tests, estimators and
model backends.

The core never knows a plugin's names. It reads declarations instead: the artifact kind a tool
returns (``tool.metadata["artifact"]``), the capabilities of an algorithm (``auto`` ranks them),
the phrasings of an intent (the offline planner learns from them). One ``Registry`` is collected
per plugin manager, so two agents share nothing unless they share a manager.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

from .errors import AlgorithmError, ModelError, PluginError, suggestion

if TYPE_CHECKING:  # pragma: no cover
    import pluggy
    from langchain_core.tools import BaseTool

ArtifactKind = Literal["verdict", "graph", "effect", "table", "text"]
ARTIFACT_KINDS: tuple[str, ...] = ("verdict", "graph", "effect", "table", "text")
#: What a tool may do beyond reading (``tool.metadata["access"]``); ``destroy`` tools are bound to
#: a model only when the user allows it (``Settings.allow_destructive``).
ACCESS_KINDS: tuple[str, ...] = ("read", "write", "destroy")
DATA_KINDS: tuple[str, ...] = ("continuous", "discrete", "mixed")
OUTPUTS: tuple[str, ...] = ("dag", "cpdag", "pag")
SLOT_KINDS: tuple[str, ...] = ("variable", "variables", "given", "number", "treatment_values", "mediator",
                               "adjuster", "contrast", "cause", "effect")
#: Names a ``{"choice": NAME}`` slot may give instead of a list: the values come from a registry.
CHOICE_REGISTRIES: tuple[str, ...] = ("algorithms", "ci_tests", "estimators")


def _kinds(value: Sequence[str] | str | None, default: Sequence[str], what: str) -> frozenset[str]:
    items = [value] if isinstance(value, str) else list(value or default)
    bad = [k for k in items if k not in DATA_KINDS]
    if bad:
        raise PluginError(f"{what}: unknown data kind {bad[0]!r}; use {', '.join(DATA_KINDS)}")
    return frozenset(items)


class _Declared:
    """``as_dict``: the declaration as JSON (what ``causal-agent plugins --json`` shows), without
    the callable it declares."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if callable(value) or f.name in ("estimator", "factory", "function"):
                continue
            out[f.name] = sorted(value) if isinstance(value, frozenset) else (
                list(value) if isinstance(value, tuple) else value)
        return out


@dataclass(frozen=True)
class Algorithm(_Declared):
    """A discovery algorithm and what it declares it can handle."""

    name: str
    function: Callable[..., Any]
    description: str
    plugin: str
    label: str
    data_kinds: frozenset[str] = frozenset(DATA_KINDS)
    output: str = "cpdag"
    latent_confounders: bool = False
    uses_ci_test: bool = True
    cost: float = 1.0
    #: conditions on the data the algorithm needs to be right, e.g. ``("non_gaussian",)``
    assumptions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()



@dataclass(frozen=True)
class CITest(_Declared):
    """A conditional-independence test: ``function(data, x, y, given) -> p-value`` over an
    ``(n, p)`` array and column indices (``None``: the core's causal-learn implementation)."""

    name: str
    function: Callable[..., float] | None
    description: str
    plugin: str
    label: str
    data_kinds: frozenset[str] = frozenset(DATA_KINDS)
    nonlinear: bool = False
    cost: float = 1.0
    aliases: tuple[str, ...] = ()
    #: conditions the test needs to be exact, e.g. ``("additive_noise",)``; ``auto`` prefers fewer
    assumptions: tuple[str, ...] = ()



@dataclass(frozen=True)
class Estimator(_Declared):
    """An effect estimator, looked up by name (DoWhy's ``method_name`` style)."""

    name: str
    estimator: Any
    description: str
    plugin: str
    label: str
    data_kinds: frozenset[str] = frozenset(DATA_KINDS)
    nonlinear: bool = False
    aliases: tuple[str, ...] = ()



@dataclass(frozen=True)
class ModelBackend(_Declared):
    """A model prefix (``offline``, ``openai``, ``ollama``…), the factory that builds its chat
    model, and the defaults the prefix declares: the prompt style (``compact`` for small local
    models), whether tool calls written as text are recovered, the default endpoint, the seconds
    per request and the extra tries. The configuration (flags, environment, config file) wins over
    each of them (``models.factory.model_options``)."""

    prefix: str
    factory: Callable[..., Any]
    description: str
    plugin: str
    prompt: str = "full"
    text_tool_calls: bool = False
    base_url: str | None = None
    timeout: float = 120.0
    retries: int = 1



@dataclass(frozen=True)
class IntentSpec(_Declared):
    """A question type the offline planner can recognise, contributed by a plugin."""

    tool: str
    name: str
    examples: tuple[str, ...]
    slots: Mapping[str, Any]
    constants: Mapping[str, Any]
    plugin: str

    def as_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "name": self.name, "examples": len(self.examples),
                "plugin": self.plugin}


@dataclass
class Registry:
    """Everything the loaded plugins registered, and which plugin registered it."""

    tools: dict[str, BaseTool] = field(default_factory=dict)
    tool_plugin: dict[str, str] = field(default_factory=dict)
    intents: list[IntentSpec] = field(default_factory=list)
    algorithms: dict[str, Algorithm] = field(default_factory=dict)
    ci_tests: dict[str, CITest] = field(default_factory=dict)
    estimators: dict[str, Estimator] = field(default_factory=dict)
    models: dict[str, ModelBackend] = field(default_factory=dict)
    #: registrations that were skipped (an intent for a tool that is not loaded, …)
    warnings: list[str] = field(default_factory=list)

    def model(self, prefix: str) -> ModelBackend:
        try:
            return self.models[prefix.lower()]
        except KeyError:
            known = ", ".join(f"'{p}'" if p == "offline" else f"'{p}:<model>'" for p in self.models)
            raise ModelError(
                f"unknown model provider {prefix!r}; use one of {known or 'none (no model plugin loaded)'}"
            ) from None


def artifact_kind(tool: Any) -> str:
    """The artifact kind a tool declares in ``tool.metadata["artifact"]`` (default ``text``)."""
    meta = getattr(tool, "metadata", None) or {}
    kind = meta.get("artifact", "text")
    return kind if kind in ARTIFACT_KINDS else "text"


def tool_access(tool: Any) -> str:
    """What a tool declares it does in ``tool.metadata["access"]``: ``read`` (the default),
    ``write`` or ``destroy``."""
    meta = getattr(tool, "metadata", None) or {}
    return str(meta.get("access") or "read")


def registered(table: Mapping[str, Any] | None, what: str) -> Mapping[str, Any]:
    """``table`` (a context's registered CI tests, estimators…); an empty one is a one-line
    error: the context was built without the plugin registry."""
    if not table:
        raise AlgorithmError(
            f"no {what} are registered; build the context from the plugin registry: "
            "context_from_registry(collect_registry(make_plugin_manager()))"
        )
    return table


def lookup(table: Mapping[str, Any], name: str, what: str) -> Any:
    """Look ``name`` up by name, label or alias, case-insensitively; an unknown name is an error
    that lists the known ones."""
    key = (name or "").strip().lower()
    if key in table:
        return table[key]
    for item in table.values():
        if key == item.label.lower() or key in item.aliases:
            return item
    known = ", ".join(table) or "none"
    near = suggestion(name, list(table), what).strip()
    tail = f" {near}" if near.startswith("Did") else ""
    raise AlgorithmError(f"unknown {what} {name!r}; known: {known}.{tail}")


# --------------------------------------------------------------------------------------------------
# Collection


def _plugin_name(pm: pluggy.PluginManager, impl: Any) -> str:
    return pm.get_name(impl.plugin) or repr(impl.plugin)


def _each(pm: pluggy.PluginManager, hook: str) -> list[tuple[str, Callable[..., Any]]]:
    """(plugin name, hook function) for every implementation of ``hook``, in registration order."""
    caller = getattr(pm.hook, hook)
    # get_hookimpls() is in registration order (pluggy *calls* them last-registered first)
    return [(_plugin_name(pm, impl), impl.function) for impl in caller.get_hookimpls()]


def _label(name: str, label: str | None) -> str:
    return label or name.upper()


def collect(pm: pluggy.PluginManager) -> Registry:
    """Run every registration hook of ``pm`` once and check what comes back."""
    reg = Registry()
    for plugin, fn in _each(pm, "register_tools"):

        def add_tool(tool: BaseTool, _p: str = plugin) -> None:
            if tool.name in reg.tools:
                raise PluginError(
                    f"two plugins register a tool named {tool.name!r} ({reg.tool_plugin[tool.name]}"
                    f" and {_p})"
                )
            if tool.name == "ask":
                raise PluginError(f"plugin {_p} registers a tool named 'ask', which is reserved")
            kind = (getattr(tool, "metadata", None) or {}).get("artifact", "text")
            if kind not in ARTIFACT_KINDS:
                raise PluginError(
                    f"tool {tool.name!r} ({_p}) declares artifact {kind!r}; use one of"
                    f" {', '.join(ARTIFACT_KINDS)}"
                )
            access = (getattr(tool, "metadata", None) or {}).get("access", "read")
            if access not in ACCESS_KINDS:
                raise PluginError(
                    f"tool {tool.name!r} ({_p}) declares access {access!r}; use one of"
                    f" {', '.join(ACCESS_KINDS)}"
                )
            reg.tools[tool.name] = tool
            reg.tool_plugin[tool.name] = _p

        fn(register=add_tool)

    for plugin, fn in _each(pm, "register_algorithms"):

        def add_algorithm(
            name: str, function: Callable[..., Any], description: str = "", *,
            data_kinds: Sequence[str] | str | None = None, output: str = "cpdag",
            latent_confounders: bool = False, uses_ci_test: bool = True,
            cost: float = 1.0, label: str | None = None, assumptions: Sequence[str] = (),
            aliases: Sequence[str] = (), _p: str = plugin,
        ) -> None:
            what = f"algorithm {name!r} ({_p})"
            if output not in OUTPUTS:
                raise PluginError(f"{what}: output {output!r}; use one of {', '.join(OUTPUTS)}")
            reg.algorithms[name.lower()] = Algorithm(
                name=name.lower(), function=function, description=description, plugin=_p,
                label=_label(name, label), data_kinds=_kinds(data_kinds, DATA_KINDS, what),
                output=output, latent_confounders=bool(latent_confounders),
                uses_ci_test=bool(uses_ci_test),
                cost=float(cost), assumptions=tuple(assumptions),
                aliases=tuple(a.lower() for a in aliases),
            )

        fn(register=add_algorithm)

    for plugin, fn in _each(pm, "register_ci_tests"):

        def add_ci_test(
            name: str, function: Callable[..., float] | None = None, description: str = "", *,
            data_kinds: Sequence[str] | str | None = None, nonlinear: bool = False,
            cost: float = 1.0, label: str | None = None, aliases: Sequence[str] = (),
            assumptions: Sequence[str] = (), _p: str = plugin,
        ) -> None:
            reg.ci_tests[name.lower()] = CITest(
                name=name.lower(), function=function, description=description, plugin=_p,
                label=_label(name, label),
                data_kinds=_kinds(data_kinds, DATA_KINDS, f"CI test {name!r} ({_p})"),
                nonlinear=bool(nonlinear), cost=float(cost), aliases=tuple(a.lower() for a in aliases),
                assumptions=tuple(assumptions),
            )

        fn(register=add_ci_test)

    for plugin, fn in _each(pm, "register_estimators"):

        def add_estimator(
            name: str, estimator: Any, description: str = "", *,
            data_kinds: Sequence[str] | str | None = None, nonlinear: bool = False,
            label: str | None = None, aliases: Sequence[str] = (), _p: str = plugin,
        ) -> None:
            reg.estimators[name.lower()] = Estimator(
                name=name.lower(), estimator=estimator, description=description, plugin=_p,
                label=_label(name, label),
                data_kinds=_kinds(data_kinds, DATA_KINDS, f"estimator {name!r} ({_p})"),
                nonlinear=bool(nonlinear), aliases=tuple(a.lower() for a in aliases),
            )

        fn(register=add_estimator)

    for plugin, fn in _each(pm, "register_models"):

        def add_model(prefix: str, factory: Callable[..., Any], description: str = "", *,
                      prompt: str = "full", text_tool_calls: bool = False, base_url: str | None = None,
                      timeout: float = 120.0, retries: int = 1, _p: str = plugin) -> None:
            what = f"model prefix {prefix!r} ({_p})"
            if prompt not in ("compact", "full"):
                raise PluginError(f"{what}: prompt must be 'compact' or 'full', not {prompt!r}")
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
                raise PluginError(f"{what}: timeout must be a number of seconds > 0, not {timeout!r}")
            if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
                raise PluginError(f"{what}: retries must be a whole number >= 0, not {retries!r}")
            reg.models[prefix.lower()] = ModelBackend(
                prefix.lower(), factory, description, _p, prompt=prompt,
                text_tool_calls=bool(text_tool_calls), base_url=base_url, timeout=float(timeout),
                retries=retries,
            )

        fn(register=add_model)

    for plugin, fn in _each(pm, "register_intents"):

        def add_intent(
            tool_name: str, examples: Sequence[str] = (), slots: Mapping[str, Any] | None = None,
            constants: Mapping[str, Any] | None = None, name: str | None = None,
            _p: str = plugin,
        ) -> None:
            tool = reg.tools.get(tool_name)
            if tool is None:
                reg.warnings.append(
                    f"plugin {_p} registers intent {name or tool_name!r} for tool {tool_name!r},"
                    " which is not loaded; the intent is skipped"
                )
                return
            spec = _check_intent(tool, list(examples), dict(slots or {}), dict(constants or {}),
                                 name or tool_name, _p)
            if any(i.name == spec.name for i in reg.intents):
                raise PluginError(f"two plugins register an intent named {spec.name!r}")
            reg.intents.append(spec)

        fn(register=add_intent)
    return reg


def tool_arguments(tool: Any) -> dict[str, dict[str, Any]]:
    """The model-visible arguments of a tool: name -> JSON-schema property."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    spec = convert_to_openai_tool(tool)
    return dict((spec["function"].get("parameters") or {}).get("properties") or {})


def _check_intent(tool: Any, examples: list[str], slots: dict[str, Any], constants: dict[str, Any],
                  name: str, plugin: str) -> IntentSpec:
    import string

    what = f"intent {name!r} ({plugin})"
    args = tool_arguments(tool)
    if not examples:
        raise PluginError(f"{what} has no examples; give at least one phrasing")
    for ex in examples:
        fields = {f for _, f, _, _ in string.Formatter().parse(ex) if f}
        unknown = sorted(fields - set(args))
        if unknown:
            raise PluginError(
                f"{what}: example {ex!r} names {{{unknown[0]}}}, which is not an argument of"
                f" {tool.name} (its arguments: {', '.join(args) or 'none'})"
            )
    for arg, kind in {**slots, **constants}.items():
        if arg not in args:
            raise PluginError(
                f"{what}: {arg!r} is not an argument of {tool.name} (its arguments:"
                f" {', '.join(args) or 'none'})"
            )
    for arg, kind in slots.items():
        ok = kind in SLOT_KINDS or (
            isinstance(kind, Mapping) and set(kind) == {"choice"}
            and (isinstance(kind["choice"], (list, tuple)) or kind["choice"] in CHOICE_REGISTRIES)
        )
        if not ok:
            raise PluginError(
                f"{what}: slot {arg!r} has kind {kind!r}; use one of {', '.join(SLOT_KINDS)} or"
                ' {"choice": [...]}'
            )
    return IntentSpec(tool=tool.name, name=name, examples=tuple(examples), slots=slots,
                      constants=constants, plugin=plugin)

