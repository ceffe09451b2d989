"""Text tool-call recovery on its own: every format, validation against the schema, and what is
never taken for a call. The end-to-end replay through a scripted server is in test_small_llm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import tool

from causal_agent.models.text_calls import (
    MAX_SCAN,
    make_recovery_runnable,
    recover_message,
    recover_tool_calls,
    was_recovered,
)

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "small-llm" / "responses.jsonl"


@tool
def test_independence(x: str, y: str, given: list[str] | None = None, dataset: str | None = None) -> str:
    """Test whether x and y are independent."""
    return "ok"


@tool
def shared_confounder(x: str, y: str, graph_key: str | None = None, dataset: str | None = None,
                      direct: bool = False) -> str:
    """Do x and y share a common cause?"""
    return "ok"


@tool
def estimate_effect(treatment: str, outcome: str, t0: float | None = None, t1: float | None = None,
                    confounders: list[str] | None = None, graph_key: str | None = None,
                    method: str = "auto", dataset: str | None = None) -> str:
    """Estimate an average treatment effect."""
    return "ok"


@tool
def direct_cause(x: str, y: str, graph_key: str | None = None, dataset: str | None = None) -> str:
    """Is x a direct cause of y?"""
    return "ok"


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return "ok"


TOOLS = [test_independence, shared_confounder, estimate_effect, direct_cause, get_weather]
XY = {"x": "stress", "y": "age"}


def calls(text: str, tools=TOOLS) -> list[tuple[str, dict]]:
    return [(c["name"], c["args"]) for c in recover_tool_calls(text, tools).calls]


def test_every_recorded_reply():
    rows = [json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines() if line.strip()]
    meant = {
        "shared_confounder": ("shared_confounder", {"x": "smoking", "y": "coughing"}),
        "estimate_effect": ("estimate_effect", {"treatment": "smoking", "outcome": "lung_cancer", "t0": 0,
                                                "t1": 1, "method": "auto", "dataset": "clinic"}),
        "test_independence": ("test_independence", {"x": "stress", "y": "age"}),
        "direct_cause": ("direct_cause", {"x": "Smoking", "y": "Lung Cancer"}),
    }
    assert len(rows) >= 7
    for row in rows:
        if row["expected_call"]:
            want = (row["expected_call"]["name"], row["expected_call"]["args"])
        else:
            want = next(v for k, v in meant.items() if k in row["content"])
        assert calls(row["content"]) == [want], row["shape"]


@pytest.mark.parametrize("text, fmt", [
    ('{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}', "json"),
    ('```json\n{"name": "test_independence", "parameters": {"x": "stress", "y": "age"}}\n```', "json"),
    ('{"name": "test_independence", "arguments": "{\\"x\\": \\"stress\\", \\"y\\": \\"age\\"}"}', "json"),
    ('{"type": "function", "function": {"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}}', "json"),
    ('[{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}]', "json"),
    ('<tool_call>\n{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}\n</tool_call>', "tool_call_tag"),
    ('<TOOL_CALL>{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}', "tool_call_tag"),
    ('<tools>\n{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}\n</tools>', "tools_tag"),
    ("<tools><function name=\"test_independence\" arguments='{\"x\": \"stress\", \"y\": \"age\"}'/></tools>", "tools_tag"),
    ('<tools><function name="test_independence" arguments="{\\"x\\": \\"stress\\", \\"y\\": \\"age\\"}"/></tools>', "tools_tag"),
    ('<function name="test_independence">{"x": "stress", "y": "age"}</function>', "tools_tag"),
    ('<|python_tag|>{"name": "test_independence", "parameters": {"x": "stress", "y": "age"}}<|eom_id|>', "python_tag"),
    ('<|python_tag|>test_independence(x="stress", y="age")', "python_tag"),
    ('[TOOL_CALLS] [{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}]', "mistral"),
    ('[TOOL_CALLS]test_independence[ARGS]{"x": "stress", "y": "age"}', "mistral"),
    ('<function=test_independence>{"x": "stress", "y": "age"}</function>', "function_tag"),
    ('I will call test_independence(x="stress", y="age").', "python_call"),
    ('calls `test_independence(x="stress", y="age")`.', "python_call"),
    ("test_independence('stress', 'age')", "python_call"),
])
def test_each_format(text, fmt):
    found = recover_tool_calls(text + "\n\n**Tool:** p = 0.99, n = 1000\nANSWER: yes", TOOLS)
    assert [(c["name"], c["args"]) for c in found.calls] == [("test_independence", XY)]
    assert found.format == fmt and found.rejected == []


def test_several_calls_in_one_reply_keep_their_order():
    text = ('<tool_call>{"name": "test_independence", "arguments": {"x": "a", "y": "b"}}</tool_call>\n'
            '<tool_call>{"name": "direct_cause", "arguments": {"x": "a", "y": "c"}}</tool_call>')
    assert calls(text) == [("test_independence", {"x": "a", "y": "b"}), ("direct_cause", {"x": "a", "y": "c"})]
    mistral = '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Oslo"}}, {"name": "get_weather", "arguments": {"city": "Rome"}}]'
    assert calls(mistral) == [("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Rome"})]
    found = recover_tool_calls(text, TOOLS)
    assert len({c["id"] for c in found.calls}) == 2  # distinct, stable ids
    assert [c["id"] for c in recover_tool_calls(text, TOOLS).calls] == [c["id"] for c in found.calls]


def test_python_literals_and_json_words():
    assert calls('test_independence(x="a", y="b", given=["c", "d"], dataset=None)') == [
        ("test_independence", {"x": "a", "y": "b", "given": ["c", "d"]})]
    assert calls('shared_confounder(x="a", y="b", direct=true)') == [
        ("shared_confounder", {"x": "a", "y": "b", "direct": True})]
    assert calls('estimate_effect(treatment="t", outcome="y", t0=0, t1=2.5)') == [
        ("estimate_effect", {"treatment": "t", "outcome": "y", "t0": 0, "t1": 2.5})]


@pytest.mark.parametrize("text, reason", [
    ('{"name": "test_independence", "arguments": {"x": "stress"}}', "missing required argument 'y'"),
    ('{"name": "test_independence", "arguments": {"x": "a", "y": "b", "given": 3}}', "do not fit its schema"),
    ('{"name": "test_independence", "arguments": {"x": "a", "y": "b", "colour": "red"}}', "unknown argument 'colour'"),
    ('{"name": "run_sql", "arguments": {"query": "drop table"}}', "unknown tool 'run_sql'"),
    ('{"name": "test_independence", "arguments": "not json"}', "not JSON"),
])
def test_calls_that_do_not_fit_are_rejected_with_a_reason(text, reason):
    found = recover_tool_calls(text, TOOLS)
    assert found.calls == [] and len(found.rejected) == 1 and reason in found.rejected[0]


def test_null_optional_arguments_are_dropped_and_case_is_forgiven():
    assert calls('{"name": "Direct_Cause", "arguments": {"x": "a", "y": "b", "graph_key": null, "extra": null}}') == [
        ("direct_cause", {"x": "a", "y": "b"})]


@pytest.mark.parametrize("text", [
    "I used test_independence to check; stress and age are independent.",
    "The function test_independence returns a p-value (see the docs).",
    'print(x="stress")',
    'Here is some JSON: {"a": 1, "name": "test_independence"}',
    "The estimate is 0.8 (95% CI 0.7 to 0.9).\nANSWER: none",
    "",
])
def test_prose_is_never_a_call(text):
    assert recover_tool_calls(text, TOOLS).calls == []


def test_only_bound_tools_count_for_python_calls():
    assert calls('get_weather(city="Paris")', [test_independence]) == []


def test_a_runaway_reply_is_scanned_only_so_far():
    text = '```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```' + "\n" * (3 * MAX_SCAN)
    assert calls(text) == [("get_weather", {"city": "Paris"})]
    assert calls("{" * 50_000) == []  # no blow-up on pathological input


def test_recover_message_drops_the_text_and_marks_the_calls():
    text = 'calls `test_independence(x="stress", y="age")`.\n\n**Tool:** invented, n = 1000\n\nANSWER: yes'
    msg = AIMessage(content=text, id="m1", usage_metadata={"input_tokens": 5, "output_tokens": 7, "total_tokens": 12})
    out = recover_message(msg, TOOLS)
    assert out.content == "" and out.id == "m1" and out.usage_metadata["total_tokens"] == 12
    assert [(c["name"], c["args"]) for c in out.tool_calls] == [("test_independence", XY)]
    assert was_recovered(out, out.tool_calls[0]["id"])
    assert out.response_metadata["recovered_format"] == "python_call"
    assert "n = 1000" not in str(out.content)


def test_messages_with_calls_or_without_any_are_left_alone():
    native = AIMessage(content="", tool_calls=[{"name": "get_weather", "args": {"city": "x"}, "id": "c", "type": "tool_call"}])
    assert recover_message(native, TOOLS) is native
    plain = AIMessage(content="Nothing to call here.")
    assert recover_message(plain, TOOLS) is plain
    assert not was_recovered(native, "c")


def test_the_runnable_composes_behind_a_model():
    runnable = make_recovery_runnable(TOOLS)
    out = runnable.invoke(AIMessage(content='<function=get_weather>{"city": "Oslo"}</function>'))
    assert out.tool_calls[0]["args"] == {"city": "Oslo"}


def test_real_builtin_tools_hide_their_injected_runtime():
    from causal_agent.plugins import collect_registry, make_plugin_manager

    tools = collect_registry(make_plugin_manager()).tools
    assert calls('direct_cause(x="smoking", y="lung cancer")', tools) == [
        ("direct_cause", {"x": "smoking", "y": "lung cancer"})]
    found = recover_tool_calls('{"name": "direct_cause", "arguments": {"x": "a", "y": "b", "runtime": {}}}', tools)
    assert found.calls == [] and "unknown argument 'runtime'" in found.rejected[0]
