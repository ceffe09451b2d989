"""The model-visible schemas of the registered tools (issue 8: each argument declared once).

A tool's schema is taken from its function's signature: the argument's type and default from the
parameter, its description from the ``Annotated`` string metadata. The injected ``runtime`` is
never shown to the model.
"""

import inspect
import typing

import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool
from causal_agent.tool_runtime import ToolRuntime

from causal_agent.plugins import collect_tools, make_plugin_manager

BUILTIN_TOOLS = {
    "describe_data", "test_independence", "discover_graph", "direct_cause", "shared_confounder",
    "shared_collider", "d_separation", "adjustment_sets", "estimate_effect", "list_graphs",
    "show_graph", "export_graph", "delete_graph", "compare_graphs",
}

TOOLS = {t.name: t for t in collect_tools(make_plugin_manager())}


def _parameters(tool):  # type: ignore[no-untyped-def]
    return convert_to_openai_tool(tool)["function"]["parameters"]


def test_every_builtin_tool_is_registered():
    assert BUILTIN_TOOLS <= set(TOOLS)


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_every_argument_has_a_description_and_runtime_is_hidden(name):
    params = _parameters(TOOLS[name])
    props = params.get("properties") or {}
    assert "runtime" not in props and "runtime" not in (params.get("required") or [])
    undescribed = [arg for arg, prop in props.items() if not str(prop.get("description", "")).strip()]
    assert not undescribed, f"{name}: no description for {undescribed}"
    assert TOOLS[name].description.strip()


@pytest.mark.parametrize("name", sorted(BUILTIN_TOOLS))
def test_builtin_schema_is_the_signature(name):
    """The one copy: the model-visible arguments are the function's parameters, in order, with the
    defaults and ``Annotated`` descriptions written there (no separate args model)."""
    tool = TOOLS[name]
    hints = typing.get_type_hints(tool.func, include_extras=True)
    sig = inspect.signature(tool.func)
    visible = [p for p in sig.parameters.values() if hints.get(p.name) is not ToolRuntime]
    assert [p.name for p in sig.parameters.values() if p not in visible] == ["runtime"]
    params = _parameters(tool)
    props = params["properties"]
    assert list(props) == [p.name for p in visible]
    assert set(params.get("required") or []) == {p.name for p in visible if p.default is p.empty}
    for p in visible:
        hint = hints[p.name]
        assert typing.get_origin(hint) is typing.Annotated, f"{name}.{p.name} has no Annotated description"
        assert props[p.name]["description"] == hint.__metadata__[0]
        if p.default is not p.empty:
            assert props[p.name]["default"] == p.default


def test_list_defaults_and_background_model():
    for name in ("test_independence", "d_separation"):
        given = _parameters(TOOLS[name])["properties"]["given"]
        assert given["type"] == "array" and given["items"] == {"type": "string"}
        assert given.get("default", []) == []
    background = _parameters(TOOLS["discover_graph"])["properties"]["background"]
    model = next(s for s in background["anyOf"] if s.get("type") == "object")
    assert {"required", "forbidden", "tiers"} <= set(model["properties"])
    assert {"type": "null"} in background["anyOf"] and background["default"] is None
