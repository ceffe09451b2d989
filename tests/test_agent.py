"""The agent graph end to end: offline planner, scripted OpenAI endpoint, cap, streaming, embedding."""

from __future__ import annotations

import asyncio
import json

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from causal_agent import CausalAgent
from causal_agent.errors import CausalAgentError, ModelError

from openai_stub import ScriptedOpenAI, tool_call


def test_independence_question_two_model_calls(offline_agent):
    ans = offline_agent.ask("Are stress and age independent?")
    assert ans.answer == "yes"  # stress and age are both roots of the clinic SCM
    assert ans.model_calls == 2
    assert [s.tool for s in ans.steps] == ["test_independence"]
    ans = offline_agent.ask("Is there an association between smoking and coughing?")
    assert ans.answer == "yes"
    assert ans.model_calls == 2


def test_edge_graph_and_effect_questions(offline_agent):
    ans = offline_agent.ask("Does smoking directly cause lung cancer?")
    assert ans.answer == "yes" and ans.model_calls == 2 and ans.graph is None
    ans = offline_agent.ask("Does coughing directly cause smoking?")
    assert ans.answer == "no"
    graph = offline_agent.ask("Draw the causal graph.")
    assert graph.graph is not None and graph.answer is None
    edges = {(e["source"], e["target"], e["type"]) for e in graph.graph["edges"]}
    assert ("smoking", "lung_cancer", "-->") in edges
    assert "patient_id" not in graph.graph["nodes"]  # the identifier column is left out
    eff = offline_agent.ask("What is the effect of smoking on lung cancer going from 0 to 1?")
    assert eff.effect is not None and eff.model_calls == 2
    assert abs(eff.effect.estimate - 0.8) < 0.08
    assert eff.effect.ci_low <= 0.8 <= eff.effect.ci_high
    assert eff.effects == [eff.effect] and eff.tables == []  # the headline effect is the only one
    assert all(a.complete and a.incomplete_reason is None for a in (ans, graph, eff))
    assert graph.effects == [] and graph.effect is None


def test_unclear_question_asks_back_without_a_tool(offline_agent):
    """A question the planner cannot complete ends without a tool call or a verdict, marked as
    needing clarification, and the explanation says what is missing."""
    ans = offline_agent.ask("Is smoking independent of tumour size?")
    assert ans.complete is False and ans.incomplete_reason == "needs_clarification"
    assert ans.steps == [] and ans.answer is None and ans.model_calls == 1
    assert "tumour size" in ans.explanation and "missing" in ans.explanation.lower()


def test_graph_is_reused_across_questions(offline_agent):
    offline_agent.ask("Does smoking directly cause lung cancer?")
    keys = offline_agent.memory.keys()
    offline_agent.ask("Do age and stress share a common effect?")
    assert offline_agent.memory.keys() == keys
    step = offline_agent.ask("Do smoking and lung cancer have a common cause?").steps[0]
    assert step.artifact is not None and step.artifact.get("graph_key") in keys


def test_cap_on_model_calls_ends_gracefully(clinic_path):
    calls = iter(
        AIMessage(content="", tool_calls=[{"name": "describe_data", "args": {}, "id": f"c{i}"}])
        for i in range(100)
    )

    class Looping(GenericFakeChatModel):
        def bind_tools(self, tools, **kw):  # the fake model ignores tools
            return self

    agent = CausalAgent(model=Looping(messages=calls), max_model_calls=3)
    agent.load(clinic_path)
    ans = agent.ask("Keep calling tools forever")
    assert ans.complete is False and ans.incomplete_reason == "model_call_limit"
    assert ans.model_calls == 3
    assert "3 model calls" in ans.explanation


def test_scripted_openai_endpoint(clinic_path):
    def script(body):
        last = body["messages"][-1]
        if last["role"] == "tool":
            return {"content": "Smoking is a direct cause of lung cancer.\nANSWER: yes"}
        return {"content": None, "tool_calls": [tool_call("direct_cause", {"x": "smoking", "y": "lung cancer"}, "call_1")]}

    with ScriptedOpenAI(script) as server:
        agent = CausalAgent(model="openai:scripted", base_url=server.base_url)
        agent.load(clinic_path, name="clinic")
        ans = agent.ask("Does smoking directly cause lung cancer?")
    assert ans.answer == "yes"
    assert ans.model_calls == 2 and ans.tokens == 240
    assert ans.steps[0].tool == "direct_cause" and ans.steps[0].status == "ok"
    first = server.requests[0]
    tool_names = {t["function"]["name"] for t in first["tools"]}
    assert {"test_independence", "discover_graph", "direct_cause", "estimate_effect"} <= tool_names
    assert "runtime" not in json.dumps(first["tools"])  # injected context stays hidden
    system = first["messages"][0]
    assert system["role"] == "system" and "lung_cancer" in system["content"]


@pytest.mark.parametrize("question, expected", [
    ("Are age and stress independent?", "yes"),      # the test finds no dependence (p > 0.05)
    ("Are age and stress dependent?", "no"),
    ("Is there a correlation between age and stress?", "no"),
    ("Does smoking not cause lung cancer?", "no"),    # a negated edge question
])
def test_an_llms_verdict_is_read_from_the_artifact_in_the_questions_polarity(clinic_path, question, expected):
    """Whatever the model's ANSWER line says, the verdict comes from the tool's artifact, read in
    the polarity of the question as asked by the planner's code."""
    tool = "direct_cause" if "cause" in question else "test_independence"
    args = {"x": "smoking", "y": "lung cancer"} if tool == "direct_cause" else {"x": "age", "y": "stress"}

    def script(body):
        if body["messages"][-1]["role"] == "tool":
            return {"content": "Here is what I found.\nANSWER: uncertain"}  # a model's own line counts for nothing
        return {"content": None, "tool_calls": [tool_call(tool, args, "call_1")]}

    with ScriptedOpenAI(script) as server:
        agent = CausalAgent(model="openai:scripted", base_url=server.base_url)
        agent.load(clinic_path, name="clinic")
        ans = agent.ask(question)
    assert ans.steps[0].tool == tool and ans.answer == expected


def test_tool_errors_are_fed_back_to_the_model(clinic_path):
    def script(body):
        tool_msgs = [m for m in body["messages"] if m["role"] == "tool"]
        if not tool_msgs:  # first: a misspelt variable the tool cannot resolve
            return {"content": None, "tool_calls": [tool_call("test_independence", {"x": "smokingg_xyz", "y": "age"}, "a")]}
        if len(tool_msgs) == 1:
            assert "Error" in tool_msgs[0]["content"]
            return {"content": None, "tool_calls": [tool_call("test_independence", {"x": "smoking", "y": "age"}, "b")]}
        return {"content": "They are dependent.\nANSWER: no"}

    with ScriptedOpenAI(script) as server:
        agent = CausalAgent(model="openai:scripted", base_url=server.base_url)
        agent.load(clinic_path)
        ans = agent.ask("Are smoking and age independent?")
    assert [s.status for s in ans.steps] == ["error", "ok"]
    assert ans.answer == "no" and ans.model_calls == 3


def test_endpoint_down_is_one_clear_error(clinic_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    agent = CausalAgent(model="openai:none", base_url=f"http://127.0.0.1:{port}/v1")
    agent.load(clinic_path)
    with pytest.raises(ModelError) as info:
        agent.ask("Are smoking and age independent?")
    msg = str(info.value)
    assert msg.startswith(f"cannot reach http://127.0.0.1:{port}/v1") and "is the server running?" in msg
    assert "\n" not in msg


def test_two_agents_share_nothing(clinic_path):
    a, b = CausalAgent(), CausalAgent()
    a.load(clinic_path, name="clinic")
    a.ask("Does smoking directly cause lung cancer?")
    assert a.memory is not b.memory and b.memory.keys() == [] and len(b.datasets) == 0
    with pytest.raises(CausalAgentError):
        b.datasets.get()


def test_shared_memory_when_asked(clinic_path):
    from causal_agent.memory import GraphMemory

    memory = GraphMemory()
    a, b = CausalAgent(memory=memory), CausalAgent(memory=memory)
    a.load(clinic_path, name="clinic")
    b.load(clinic_path, name="clinic")
    a.ask("Does smoking directly cause lung cancer?")
    ans = b.ask("Does smoking directly cause lung cancer?")
    assert ans.steps[0].artifact.get("reused", True) is not False


def test_stream_and_async(offline_agent):
    events = list(offline_agent.stream("Are stress and age independent?"))
    kinds = [e.kind for e in events]
    assert kinds[0] == "tool_call" and "tool_result" in kinds and kinds[-1] == "answer"
    assert events[0].tool == "test_independence"
    ans = asyncio.run(offline_agent.aask("Are stress and age independent?"))
    assert ans.answer == "yes"


def test_follow_up_in_a_thread(offline_agent):
    first = offline_agent.ask("Are smoking and coughing independent?", thread_id="t1")
    assert first.answer == "no"
    follow = offline_agent.ask("and given lung cancer as well?", thread_id="t1")
    assert follow.steps and follow.steps[0].args.get("given")
    assert follow.answer == "yes"


def test_embedded_as_subgraph(offline_agent):
    from langgraph.graph import START, StateGraph

    from causal_agent.agent_graph import AgentState

    parent = StateGraph(AgentState)
    parent.add_node("causal", offline_agent.graph)
    parent.add_edge(START, "causal")
    app = parent.compile()
    out = app.invoke(offline_agent._inputs("Does smoking directly cause lung cancer?"), context=offline_agent.context)
    assert out["answer"]["answer"] == "yes"


def test_empty_question_rejected(offline_agent):
    with pytest.raises(CausalAgentError):
        offline_agent.ask("   ")


def test_argument_validation_errors_reach_the_model(clinic_path):
    """A call that breaks the tool's pydantic schema comes back as an error message, not a crash."""

    def script(body):
        tool_msgs = [m for m in body["messages"] if m["role"] == "tool"]
        if not tool_msgs:  # 'y' is required and 'given' must be a list
            return {"content": None, "tool_calls": [tool_call("test_independence", {"x": "age", "given": 5}, "v")]}
        assert "y" in tool_msgs[0]["content"] and "Error" in tool_msgs[0]["content"]
        return {"content": "I could not run the test.\nANSWER: uncertain"}

    with ScriptedOpenAI(script) as server:
        agent = CausalAgent(model="openai:scripted", base_url=server.base_url)
        agent.load(clinic_path)
        ans = agent.ask("Are age and stress independent?")
    assert ans.steps[0].status == "error" and ans.model_calls == 2


def test_tool_calls_raise_no_serializer_warnings(offline_agent):
    """Tools declare ``causal_agent.tool_runtime.ToolRuntime``: LangGraph's runtime schema then
    does not expect ``context: None`` and warn, on every call, that it got the agent's context."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for q in ("Does smoking directly cause lung cancer?", "Are age and stress independent?",
                  "Which graphs are stored?"):
            offline_agent.ask(q)
    assert not [w for w in caught if "serializ" in str(w.message)], [str(w.message)[:120] for w in caught]
