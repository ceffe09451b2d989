"""Plugin hooks.

Every hook receives a ``register`` callback rather than returning values, so one plugin can
register many things (the simonw/llm style). The built-in plugins (``causal_agent.plugins.
DEFAULT_PLUGINS``) implement these hooks exactly like a third-party plugin found through the
``causal_agent`` entry-point group. What each ``register`` accepts is documented here and in
``docs/architecture.md``; ``causal_agent.registry`` owns the objects they build.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("causal_agent")
hookimpl = pluggy.HookimplMarker("causal_agent")


@hookspec
def register_tools(register):  # type: ignore[no-untyped-def]
    """Register LangChain tools: ``register(tool)`` for each ``BaseTool``.

    A tool declares the kind of artifact it returns in ``tool.metadata["artifact"]``: one of
    ``verdict``, ``graph``, ``effect``, ``table`` or ``text`` (the default). The answer is
    assembled from that declaration, never from the tool's name. ``tool.metadata["summary"]``
    (optional) is the one line a compact prompt for small models describes it by (default: the
    first sentence of its description).

    ``tool.metadata["access"]`` declares what the tool does: ``read`` (the default), ``write``
    (creates files; a model-facing tool writes only inside ``Settings.export_dir`` and never
    overwrites, see :mod:`causal_agent.exports`) or ``destroy`` (deletes or replaces the user's
    data, e.g. ``delete_graph``). ``destroy`` tools are not bound to the model unless the user
    allows it (``--allow-destructive`` / ``Settings.allow_destructive``). Any other value is a
    ``PluginError``.
    """


@hookspec
def register_intents(register):  # type: ignore[no-untyped-def]
    """Teach the offline planner a question type:
    ``register(tool_name, examples=[...], slots=None, constants=None, name=None)``.

    ``examples`` are phrasings with ``{arg}`` placeholders named after the tool's arguments;
    ``slots`` maps an argument to how it is filled (``variable``, ``variables``, ``given``,
    ``number``, ``treatment_values`` or ``{"choice": [...]}``; inferred from the schema when
    omitted); ``constants`` fixes arguments for this intent; ``name`` is the intent's id (default:
    the tool name).
    """


@hookspec
def register_algorithms(register):  # type: ignore[no-untyped-def]
    """Register discovery algorithms: ``register(name, function, description, **capabilities)``.

    ``function(data, names, *, alpha, ci_test, background, **params) -> CausalGraph`` where
    ``data`` is an ``(n, p)`` float array and ``names`` its ``p`` column names. Capabilities
    (all optional): ``data_kinds``, ``output`` (``dag``/``cpdag``/``pag``), ``latent_confounders``,
    ``uses_ci_test``, ``cost``, ``label``, ``assumptions``, ``aliases``. ``auto`` reads them.
    """


@hookspec
def register_ci_tests(register):  # type: ignore[no-untyped-def]
    """Register conditional-independence tests: ``register(name, function, description,
    **capabilities)``; see ``causal_agent.registry.CITest``."""


@hookspec
def register_estimators(register):  # type: ignore[no-untyped-def]
    """Register effect estimators: ``register(name, estimator, description, **capabilities)``;
    see ``causal_agent.registry.Estimator``."""


@hookspec
def register_models(register):  # type: ignore[no-untyped-def]
    """Register model backends: ``register(prefix, factory, description, **capabilities)`` where
    ``factory(model_name, config) -> BaseChatModel``. ``model_name`` is what follows
    ``<prefix>:`` (may be empty); ``config`` is a ``ModelConfig`` whose ``timeout``, ``retries``,
    ``base_url``, ``prompt`` and ``text_tool_calls`` are already resolved (the user's setting, else
    the capability below), plus ``max_tokens`` and ``api_key``.

    Capabilities (all optional keywords): ``prompt`` (``"compact"`` for small local models or
    ``"full"``, the default), ``text_tool_calls`` (recover tool calls the model writes as text;
    default ``False``), ``base_url`` (the default endpoint, e.g. ``http://localhost:11434/v1``;
    ``--base-url`` overrides it), ``timeout`` (seconds per request, default ``120.0``) and
    ``retries`` (extra tries after the first, default ``1``). ``offline``, ``openai:``,
    ``ollama:``, ``llamacpp:`` and ``lmstudio:`` are built-ins."""


@hookspec
def register_commands(cli):  # type: ignore[no-untyped-def]
    """Add commands to the ``causal-agent`` command line (a Typer app)."""
