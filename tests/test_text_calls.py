"""Text tool-call recovery on its own: the recorded replies, every format, validation against the
schema, and what is never taken for a call. The end-to-end replay through a scripted server is in
test_small_llm."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import StructuredTool, tool

from causal_agent.models.text_calls import (
    MAX_CALLS,
    MAX_SCAN,
    RecoveredCalls,
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
def discover_graph(dataset: str | None = None, variables: list[str] | None = None, algorithm: str = "auto") -> str:
    """Learn a causal graph."""
    return "ok"


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return "ok"


TOOLS = [test_independence, shared_confounder, estimate_effect, direct_cause, discover_graph, get_weather]
XY = {"x": "stress", "y": "age"}
TI = ("test_independence", XY)
JUNK_AFTER = "\n\n**Tool:** Fisher-z: p = 0.99, n = 1000: independent.\n\n**Assistant:** Yes.\nANSWER: yes"

#: what the recorded replies without an ``expected_call`` meant, by the question in their note
MEANT_BY_QUESTION = {
    "Do smoking and coughing share a common cause?": ("shared_confounder", {"x": "smoking", "y": "coughing"}),
    "What is the effect of smoking on lung cancer going from 0 to 1?": (
        "estimate_effect", {"treatment": "smoking", "outcome": "lung_cancer", "t0": 0, "t1": 1,
                            "method": "auto", "dataset": "clinic"}),
    "Are stress and age independent?": ("test_independence", {"x": "stress", "y": "age"}),
    "Does smoking directly cause lung cancer?": ("direct_cause", {"x": "Smoking", "y": "Lung Cancer"}),
}


def calls(text: str, tools=TOOLS) -> list[tuple[str, dict]]:
    return [(c["name"], c["args"]) for c in recover_tool_calls(text, tools).calls]


def _rows() -> list[dict]:
    return [json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines() if line.strip()]


def _meant(row: dict) -> tuple[str, dict]:
    if row["expected_call"]:
        return row["expected_call"]["name"], row["expected_call"]["args"]
    for question, want in MEANT_BY_QUESTION.items():
        if question in (row.get("note") or ""):
            return want
    pytest.fail(f"no expectation for recorded reply {row['shape']!r} ({row.get('note')!r}): add it to MEANT_BY_QUESTION")


# -- the recorded replies -----------------------------------------------------------------------

def test_the_recorded_replies_are_there():
    rows = _rows()
    assert len(rows) >= 7
    assert {"fenced-json", "fenced-json-runaway", "bare-json", "tools-tag-json", "invented-transcript"} <= {
        r["shape"] for r in rows}


@pytest.mark.parametrize("index", range(len(_rows())))
def test_every_recorded_reply_is_recovered(index):
    row = _rows()[index]
    found = recover_tool_calls(row["content"], TOOLS)
    assert [(c["name"], c["args"]) for c in found.calls] == [_meant(row)], row["shape"]
    assert found.rejected == []
    out = recover_message(AIMessage(content=row["content"], id=f"r{index}"), TOOLS)
    assert out.content == "" and [(c["name"], c["args"]) for c in out.tool_calls] == [_meant(row)]
    assert out.response_metadata["recovered_from"] == row["content"][:2000]


def test_the_recorded_formats_are_named():
    formats = {r["shape"]: recover_tool_calls(r["content"], TOOLS).format for r in _rows()}
    assert formats["fenced-json"] == formats["bare-json"] == formats["fenced-json-runaway"] == "json"
    assert formats["tools-tag-json"] == "tools_tag"
    assert formats["invented-transcript"] == "python_call"


def test_the_invented_result_and_verdict_are_discarded():
    for row in (r for r in _rows() if r["shape"] == "invented-transcript"):
        out = recover_message(AIMessage(content=row["content"]), TOOLS)
        assert out.content == "" and out.tool_calls
        assert "**Tool:**" not in str(out.content) and "n = 1000" not in str(out.content)
        assert recover_tool_calls(row["content"], TOOLS).preamble == ""


def test_the_recorded_replies_fit_the_real_builtin_tools():
    from causal_agent.plugins import collect_registry, make_plugin_manager

    real = collect_registry(make_plugin_manager()).tools
    for row in _rows():
        name, args = _meant(row)
        if name in real:
            assert calls(row["content"], real) == [(name, args)], row["shape"]


# -- each format, with junk around it -------------------------------------------------------------

FORMATS = [
    ('{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}', "json"),
    ('{"name":"test_independence","arguments":{"x":"stress","y":"age"}}', "json"),
    ('```json\n{"name": "test_independence", "parameters": {"x": "stress", "y": "age"}}\n```', "json"),
    ('```\n{\n  "name": "test_independence",\n  "arguments": {\n    "x": "stress",\n    "y": "age"\n  }\n}\n```', "json"),
    ('{"name": "test_independence", "arguments": "{\\"x\\": \\"stress\\", \\"y\\": \\"age\\"}"}', "json"),
    ('{"type": "function", "function": {"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}}', "json"),
    ('{"type": "function", "function": {"name": "test_independence", "arguments": "{\\"x\\": \\"stress\\", \\"y\\": \\"age\\"}"}}', "json"),
    ('[{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}]', "json"),
    ('{"tool_calls": [{"type": "function", "function": {"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}}]}', "json"),
    ('<tool_call>\n{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}\n</tool_call>', "tool_call_tag"),
    ('<TOOL_CALL>  {"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}  </Tool_Call>', "tool_call_tag"),
    ("<tool_call>{'name': 'test_independence', 'arguments': {'x': 'stress', 'y': 'age'}}</tool_call>", "tool_call_tag"),
    ('<tool_call>\n<function=test_independence>\n<parameter=x>\nstress\n</parameter>\n<parameter=y>\nage\n</parameter>\n</function>\n</tool_call>', "tool_call_tag"),
    ('<tools>\n{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}\n</tools>', "tools_tag"),
    ("<tools><function name=\"test_independence\" arguments='{\"x\": \"stress\", \"y\": \"age\"}'/></tools>", "tools_tag"),
    ('<tools><function name="test_independence" arguments="{\\"x\\": \\"stress\\", \\"y\\": \\"age\\"}"/></tools>', "tools_tag"),
    ('<tools>\n<function name="test_independence">{"x": "stress", "y": "age"}</function>\n</tools>', "tools_tag"),
    ('<function name="test_independence">{"x": "stress", "y": "age"}</function>', "function_tag"),
    ("<function name='test_independence' parameters='{\"x\": \"stress\", \"y\": \"age\"}' />", "function_tag"),
    ('<|python_tag|>{"name": "test_independence", "parameters": {"x": "stress", "y": "age"}}<|eom_id|>', "python_tag"),
    ('<|python_tag|>{"name": "test_independence", "parameters": {"x": "stress", "y": "age"}}<|eot_id|>', "python_tag"),
    ('<|python_tag|>{"name": "test_independence", "parameters": {"x": "stress", "y": "age"}}', "python_tag"),
    ('<|python_tag|>test_independence(x="stress", y="age")', "python_tag"),
    ('<|python_tag|>test_independence.call(x="stress", y="age")<|eom_id|>', "python_tag"),
    ('[TOOL_CALLS] [{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}}]', "mistral"),
    ('[TOOL_CALLS][{"name": "test_independence", "arguments": {"x": "stress", "y": "age"}, "id": "a1B2c3D4e"}]', "mistral"),
    ('[TOOL_CALLS]test_independence[ARGS]{"x": "stress", "y": "age"}', "mistral"),
    ('[tool_calls] test_independence [CALL_ID] abc123 [ARGS] {"x": "stress", "y": "age"}', "mistral"),
    ('<function=test_independence>{"x": "stress", "y": "age"}</function>', "function_tag"),
    ('<FUNCTION=test_independence>\n{"x": "stress", "y": "age"}', "function_tag"),
    ('test_independence(x="stress", y="age")', "python_call"),
    ('calls `test_independence(x="stress", y="age")`.', "python_call"),
    ("```python\ntest_independence(\n    x = 'stress',\n    y = \"age\",\n)\n```", "python_call"),
    ('I will call Test_Independence(x="stress", y="age", given=null).', "python_call"),
]


@pytest.mark.parametrize("text, fmt", FORMATS)
def test_each_format(text, fmt):
    found = recover_tool_calls(text + JUNK_AFTER, TOOLS)
    assert [(c["name"], c["args"]) for c in found.calls] == [TI]
    assert found.format == fmt and found.rejected == []


@pytest.mark.parametrize("text, fmt", FORMATS)
def test_each_format_behind_prose(text, fmt):
    found = recover_tool_calls("Let me check that with the data.\n\n" + text + JUNK_AFTER, TOOLS)
    assert [(c["name"], c["args"]) for c in found.calls] == [TI] and found.format == fmt
    assert found.preamble.startswith("Let me check that with the data.")
    assert "Let me" not in recover_tool_calls(text, TOOLS).preamble


def test_the_preamble_leaves_out_the_opening_of_the_call():
    assert recover_tool_calls('Sure.\n```json\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n```',
                              TOOLS).preamble == "Sure."
    assert recover_tool_calls('Sure. <tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}',
                              TOOLS).preamble == "Sure."
    assert recover_tool_calls('{"name": "get_weather", "arguments": {"city": "Oslo"}}', TOOLS).preamble == ""


# -- several calls in one reply ---------------------------------------------------------------------

A = ("test_independence", {"x": "a", "y": "b"})
B = ("direct_cause", {"x": "a", "y": "c"})


@pytest.mark.parametrize("text", [
    '<tool_call>{"name": "test_independence", "arguments": {"x": "a", "y": "b"}}</tool_call>\n'
    '<tool_call>{"name": "direct_cause", "arguments": {"x": "a", "y": "c"}}</tool_call>',
    '<tool_call>{"name": "test_independence", "arguments": {"x": "a", "y": "b"}}\n'
    '<tool_call>{"name": "direct_cause", "arguments": {"x": "a", "y": "c"}}',
    '[TOOL_CALLS] [{"name": "test_independence", "arguments": {"x": "a", "y": "b"}}, '
    '{"name": "direct_cause", "arguments": {"x": "a", "y": "c"}}]',
    '[TOOL_CALLS]test_independence[ARGS]{"x": "a", "y": "b"}[TOOL_CALLS]direct_cause[ARGS]{"x": "a", "y": "c"}',
    '<|python_tag|>{"name": "test_independence", "parameters": {"x": "a", "y": "b"}}; '
    '{"name": "direct_cause", "parameters": {"x": "a", "y": "c"}}<|eom_id|>',
    '<|python_tag|>test_independence(x="a", y="b")\ndirect_cause(x="a", y="c")',
    '<function=test_independence>{"x": "a", "y": "b"}</function><function=direct_cause>{"x": "a", "y": "c"}</function>',
    '<tools>\n<function name="test_independence" arguments=\'{"x": "a", "y": "b"}\'/>\n'
    '<function name="direct_cause" arguments=\'{"x": "a", "y": "c"}\'/>\n</tools>',
    '[{"name": "test_independence", "arguments": {"x": "a", "y": "b"}}, {"name": "direct_cause", "arguments": {"x": "a", "y": "c"}}]',
    '```json\n{"name": "test_independence", "arguments": {"x": "a", "y": "b"}}\n```\nand\n'
    '```json\n{"name": "direct_cause", "arguments": {"x": "a", "y": "c"}}\n```',
    'First test_independence(x="a", y="b"), then direct_cause(x="a", y="c").',
    '<tool_call>{"name": "test_independence", "arguments": {"x": "a", "y": "b"}}</tool_call>\nthen direct_cause(x="a", y="c")',
])
def test_several_calls_in_one_reply_keep_their_order(text):
    found = recover_tool_calls(text + JUNK_AFTER, TOOLS)
    assert [(c["name"], c["args"]) for c in found.calls] == [A, B]
    assert len({c["id"] for c in found.calls}) == 2


def test_ids_are_deterministic_and_string():
    text = 'test_independence(x="a", y="b") direct_cause(x="a", y="c")'
    ids = [c["id"] for c in recover_tool_calls(text, TOOLS).calls]
    assert ids == [c["id"] for c in recover_tool_calls(text, TOOLS).calls]
    assert ids == ["recovered_" + hashlib.sha256(f"{text}|{i}".encode()).hexdigest()[:16] for i in range(2)]
    assert all(c["type"] == "tool_call" for c in recover_tool_calls(text, TOOLS).calls)


def test_a_repeated_call_is_kept_once_and_the_count_is_capped():
    one = '<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call>\n'
    assert calls(one * 3) == [("get_weather", {"city": "Oslo"})]
    many = "".join(f'<tool_call>{{"name": "get_weather", "arguments": {{"city": "c{i}"}}}}</tool_call>'
                   for i in range(MAX_CALLS + 3))
    found = recover_tool_calls(many, TOOLS)
    assert len(found.calls) == MAX_CALLS and "more than" in found.rejected[-1]


# -- values -----------------------------------------------------------------------------------------

def test_python_literals_and_json_words():
    assert calls('test_independence(x="a", y="b", given=["c", "d"], dataset=None)') == [
        ("test_independence", {"x": "a", "y": "b", "given": ["c", "d"]})]
    assert calls("test_independence(x='a', y='b', given=('c',))") == [
        ("test_independence", {"x": "a", "y": "b", "given": ["c"]})]
    assert calls('shared_confounder(x="a", y="b", direct=true)') == [
        ("shared_confounder", {"x": "a", "y": "b", "direct": True})]
    assert calls('shared_confounder(x="a", y="b", direct=False, graph_key=null)') == [
        ("shared_confounder", {"x": "a", "y": "b", "direct": False})]
    assert calls('estimate_effect(treatment="t", outcome="y", t0=0, t1=-2.5)') == [
        ("estimate_effect", {"treatment": "t", "outcome": "y", "t0": 0, "t1": -2.5})]


def test_a_call_without_arguments():
    assert calls('{"name": "discover_graph"}') == [("discover_graph", {})]
    assert calls('{"name": "discover_graph", "arguments": {}}') == [("discover_graph", {})]
    assert calls('{"name": "discover_graph", "arguments": null}') == [("discover_graph", {})]
    assert calls("discover_graph()") == [("discover_graph", {})]
    assert calls("<function=discover_graph></function>") == [("discover_graph", {})]


def test_parameter_elements_are_typed_by_the_schema():
    text = ("<tool_call>\n<function=estimate_effect>\n<parameter=treatment>\n1\n</parameter>\n"
            "<parameter=outcome>\nlung cancer\n</parameter>\n<parameter=t0>\n0\n</parameter>\n"
            "<parameter=t1>\n2.5\n</parameter>\n<parameter=confounders>\n[\"age\"]\n</parameter>\n"
            "<parameter=graph_key>\nnull\n</parameter>\n</function>\n</tool_call>")
    assert calls(text) == [("estimate_effect", {"treatment": "1", "outcome": "lung cancer", "t0": 0,
                                                "t1": 2.5, "confounders": ["age"]})]


def test_the_arguments_stay_the_json_the_model_wrote():
    found = recover_tool_calls('{"name": "estimate_effect", "arguments": {"treatment": "t", "outcome": "y", "t0": "1"}}', TOOLS)
    assert found.calls[0]["args"] == {"treatment": "t", "outcome": "y", "t0": "1"}  # not coerced to 1.0
    json.dumps(found.calls[0]["args"])


# -- validation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, reason", [
    ('{"name": "test_independence", "arguments": {"x": "stress"}}', "test_independence: missing required argument 'y'"),
    ('{"name": "direct_cause", "arguments": {"x": "a", "y": null}}', "direct_cause: missing required argument 'y'"),
    ('direct_cause(x="a")', "direct_cause: missing required argument 'y'"),
    ('{"name": "test_independence", "arguments": {"x": "a", "y": "b", "given": 3}}', "test_independence: argument 'given'"),
    ('{"name": "estimate_effect", "arguments": {"treatment": "t", "outcome": "y", "t0": "zero"}}', "argument 't0'"),
    ('{"name": "test_independence", "arguments": {"x": 5, "y": "b"}}', "argument 'x'"),
    ('{"name": "test_independence", "arguments": {"x": "a", "y": "b", "colour": "red"}}', "unknown argument 'colour'"),
    ('{"name": "run_sql", "arguments": {"query": "drop table"}}', "unknown tool 'run_sql'; bound tools: direct_cause, "),
    ('{"name": "test_independence", "arguments": "not json"}', "not JSON"),
    ('{"name": "test_independence", "arguments": [1, 2]}', "not an object"),
    ('test_independence("stress", "age")', "positional arguments are not read"),
    ('[TOOL_CALLS]get_time[ARGS]{"zone": "UTC"}', "unknown tool 'get_time'"),
    ('<function=test_independence>x=stress</function>', "not JSON"),
    ("test_independence(x={'a'}, y='b')", None),  # a set is not a JSON value: not a call at all
])
def test_calls_that_do_not_fit_are_rejected_with_a_reason(text, reason):
    found = recover_tool_calls(text, TOOLS)
    assert found.calls == []
    if reason is None:
        assert found.rejected == []
    else:
        assert len(found.rejected) == 1 and reason in found.rejected[0] and "\n" not in found.rejected[0]


def test_a_bad_call_does_not_spoil_a_good_one():
    text = ('<tool_call>{"name": "get_time", "arguments": {}}</tool_call>\n'
            '<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call>')
    found = recover_tool_calls(text, TOOLS)
    assert [(c["name"], c["args"]) for c in found.calls] == [("get_weather", {"city": "Oslo"})]
    assert found.format == "tool_call_tag" and found.rejected[0].startswith("unknown tool 'get_time'")


def test_null_optional_and_null_unknown_arguments_are_dropped_and_case_is_forgiven():
    assert calls('{"name": "Direct_Cause", "arguments": {"x": "a", "y": "b", "graph_key": null, "extra": null}}') == [
        ("direct_cause", {"x": "a", "y": "b"})]
    assert calls('{"name": "DIRECT_CAUSE", "arguments": {"x": "a", "y": "b"}}') == [("direct_cause", {"x": "a", "y": "b"})]


def test_an_ambiguous_case_insensitive_name_is_not_guessed():
    lower = StructuredTool.from_function(lambda city: "ok", name="weather", description="w")
    upper = StructuredTool.from_function(lambda city: "ok", name="Weather", description="W")
    assert calls('{"name": "weather", "arguments": {"city": "a"}}', [lower, upper]) == [("weather", {"city": "a"})]
    found = recover_tool_calls('{"name": "WEATHER", "arguments": {"city": "a"}}', [lower, upper])
    assert found.calls == [] and "unknown tool 'WEATHER'" in found.rejected[0]


def test_a_json_schema_dict_tool_is_validated():
    dict_tool = StructuredTool(
        name="lookup", description="Look up.", func=lambda **kw: "ok",
        args_schema={"type": "object", "properties": {"key": {"type": "string"}, "n": {"type": "integer"}},
                     "required": ["key"]})
    assert calls('lookup(key="a", n=2)', [dict_tool]) == [("lookup", {"key": "a", "n": 2})]
    assert calls('{"name": "lookup", "arguments": {"key": "a", "n": null}}', [dict_tool]) == [("lookup", {"key": "a"})]
    assert "missing required argument 'key'" in recover_tool_calls('lookup(n=2)', [dict_tool]).rejected[0]
    pytest.importorskip("jsonschema")
    assert "argument 'n'" in recover_tool_calls('lookup(key="a", n="two")', [dict_tool]).rejected[0]


def test_a_mapping_of_tools_is_accepted():
    assert calls('get_weather(city="Oslo")', {"get_weather": get_weather}) == [("get_weather", {"city": "Oslo"})]


# -- what is never a call -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "I used test_independence to check; stress and age are independent.",
    "The function test_independence returns a p-value (see the docs).",
    "test_independence (Fisher-z) found p = 0.99.",
    "I ran test_independence(x, y) on the two columns.",
    'print(x="stress")',
    'get_weather_report(city="Paris")',
    'obj.test_independence(x="a", y="b")',
    'def test_independence(x="a", y="b"):\n    pass',
    'test_independence(x="a", y="b"',
    'test_independence(x=stress, y=age)',
    'test_independence(**{"x": "a", "y": "b"})',
    'Here is some JSON: {"a": 1, "name": "test_independence"}',
    '{"name": "stress", "type": "continuous", "n_missing": 0}',
    "The estimate is 0.8 (95% CI [0.7, 0.9]).\nANSWER: none",
    "<tool_call></tool_call>",
    "[TOOL_CALLS]",
    "",
    "   \n\n  ",
])
def test_prose_is_never_a_call(text):
    found = recover_tool_calls(text, TOOLS)
    assert found.calls == [] and found.format is None
    assert recover_message(AIMessage(content=text), TOOLS).content == text


def test_only_bound_tools_count_for_python_calls():
    assert calls('get_weather(city="Paris")', [test_independence]) == []
    assert recover_tool_calls('get_weather(city="Paris")', [test_independence]).rejected == []


def test_no_tools_bound_means_no_calls():
    assert recover_tool_calls('{"name": "get_weather", "arguments": {"city": "Paris"}}', []) == RecoveredCalls()


# -- hostile and runaway text -----------------------------------------------------------------------------

def test_a_runaway_reply_is_scanned_only_so_far():
    text = '```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```' + "\n" * (3 * MAX_SCAN)
    assert calls(text) == [("get_weather", {"city": "Paris"})]
    late = "x" * MAX_SCAN + 'get_weather(city="Paris")'
    assert calls(late) == []


@pytest.mark.parametrize("text", [
    "{" * 100_000, "[" * 100_000, "[1," * 33_000, '{"a":' * 20_000, "[" * 50_000 + "]" * 50_000,
    '"' * 100_000, "`" * 100_000, "(" * 100_000,
    '<function name="x">' * 5000, "<function=x>" * 8000, "<tool_call>" * 9000, "<|python_tag|>" * 7000,
    "[TOOL_CALLS]" * 8000, "test_independence(" * 5500, 'test_independence(x="a", ' * 4000,
    "<parameter=x>" * 8000, '{"name": "get_weather", "arguments": {"city": "P"}}' * 2000,
])
def test_pathological_text_is_cheap(text):
    began = time.perf_counter()
    found = recover_tool_calls(text, TOOLS)
    assert time.perf_counter() - began < 3
    assert len(found.calls) <= MAX_CALLS


# -- the message -----------------------------------------------------------------------------------------

def test_recover_message_drops_the_text_and_marks_the_calls():
    text = 'calls `test_independence(x="stress", y="age")`.\n\n**Tool:** invented, n = 1000\n\nANSWER: yes'
    msg = AIMessage(content=text, id="m1", response_metadata={"finish_reason": "stop"},
                    usage_metadata={"input_tokens": 5, "output_tokens": 7, "total_tokens": 12})
    out = recover_message(msg, TOOLS)
    assert out is not msg and msg.content == text  # the original is not changed
    assert out.content == "" and out.id == "m1" and out.usage_metadata["total_tokens"] == 12
    assert [(c["name"], c["args"]) for c in out.tool_calls] == [TI]
    meta = out.response_metadata
    assert meta["finish_reason"] == "stop" and meta["recovered_format"] == "python_call"
    assert meta["recovered_tool_calls"] == [out.tool_calls[0]["id"]] and meta["recovered_from"] == text
    assert was_recovered(out, out.tool_calls[0]["id"]) and not was_recovered(out, "other")
    assert "n = 1000" not in str(out.content)


def test_the_kept_original_text_is_cut():
    text = 'get_weather(city="Oslo")' + "\n" * 5000
    assert len(recover_message(AIMessage(content=text), TOOLS).response_metadata["recovered_from"]) == 2000


def test_content_given_as_parts_is_read():
    msg = AIMessage(content=[{"type": "text", "text": '<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call>'}])
    out = recover_message(msg, TOOLS)
    assert out.content == "" and out.tool_calls[0]["args"] == {"city": "Oslo"}


def test_messages_with_calls_or_without_any_are_left_alone():
    native = AIMessage(content='get_weather(city="Rome")',
                       tool_calls=[{"name": "get_weather", "args": {"city": "x"}, "id": "c", "type": "tool_call"}])
    assert recover_message(native, TOOLS) is native
    plain = AIMessage(content="Nothing to call here.")
    assert recover_message(plain, TOOLS) is plain
    bad = AIMessage(content='{"name": "get_time", "arguments": {}}')
    assert recover_message(bad, TOOLS) is bad
    assert not was_recovered(native, "c")


def test_the_recovered_message_is_a_valid_next_openai_message():
    convert = pytest.importorskip("langchain_openai.chat_models.base")._convert_message_to_dict
    out = recover_message(AIMessage(content='<function=get_weather>{"city": "Oslo"}</function> Sunny, 20C.'), TOOLS)
    sent = convert(out)
    assert sent["role"] == "assistant" and "Sunny" not in str(sent.get("content") or "")
    (call,) = sent["tool_calls"]
    assert isinstance(call["id"], str) and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Oslo"}


def test_the_runnable_composes_behind_a_model():
    model = RunnableLambda(lambda _msgs: AIMessage(content='<function=get_weather>{"city": "Oslo"}</function>'))
    out = (model | make_recovery_runnable(TOOLS)).invoke("hi")
    assert out.tool_calls[0]["args"] == {"city": "Oslo"} and out.content == ""
    native = AIMessage(content="", tool_calls=[{"name": "get_weather", "args": {"city": "x"}, "id": "c", "type": "tool_call"}])
    assert make_recovery_runnable({"get_weather": get_weather}).invoke(native) is native


# -- the real built-in tools ------------------------------------------------------------------------------

def test_real_builtin_tools_hide_their_injected_runtime():
    from causal_agent.plugins import collect_registry, make_plugin_manager

    tools = collect_registry(make_plugin_manager()).tools
    assert calls('direct_cause(x="smoking", y="lung cancer")', tools) == [
        ("direct_cause", {"x": "smoking", "y": "lung cancer"})]
    assert calls('{"name": "estimate_effect", "arguments": {"treatment": "a", "outcome": "b", "t0": null, '
                 '"t1": null, "given": null}}', tools) == [("estimate_effect", {"treatment": "a", "outcome": "b"})]
    assert calls('{"name": "discover_graph"}', tools) == [("discover_graph", {})]
    found = recover_tool_calls('{"name": "direct_cause", "arguments": {"x": "a", "y": "b", "runtime": {}}}', tools)
    assert found.calls == [] and "unknown argument 'runtime'" in found.rejected[0]
    found = recover_tool_calls('test_independence(x="a")', tools)
    assert found.rejected == ["test_independence: missing required argument 'y'"]
