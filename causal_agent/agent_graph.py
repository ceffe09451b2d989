"""The agent as an explicit LangGraph ``StateGraph``: model node ↔ ``ToolNode`` → finalize.

Kept small on purpose (LangGraph's prebuilt ``create_react_agent`` is deprecated in 1.x). The model
node counts its calls in the state and routes to ``finalize`` before the cap, so a run never ends in
``GraphRecursionError``; ``finalize`` turns the conversation into a structured ``Answer``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime

from .answer import Answer, Effect, Step, Table, strip_verdict
from .context import AgentContext
from .errors import CausalAgentError, ModelError
from .prompts import build_system_prompt


class AgentState(TypedDict, total=False):
    """Explicit run state: the conversation plus this question's accounting."""

    messages: Annotated[list[AnyMessage], add_messages]
    datasets: list[str]
    model_calls: int
    tokens: int
    started: float
    answer: dict[str, Any] | None


def dataset_summaries(ctx: AgentContext) -> dict[str, dict[str, Any]]:
    """What the model is told about the loaded data: names, rows, variables and their kinds."""
    out: dict[str, dict[str, Any]] = {}
    for ds in ctx.datasets:
        out[ds.name] = {
            "rows": ds.profile.n_rows,
            "variables": list(ds.variables),
            "kinds": {v: ds.kind(v) for v in ds.variables},
        }
    return out


def tool_error_message(exc: Exception) -> str:
    """How a failing tool is reported to the model: one line it can act on."""
    if isinstance(exc, CausalAgentError):
        return f"Error: {exc}"
    return f"Error: {type(exc).__name__}: {exc}"


def _model_error(exc: Exception, model: BaseChatModel) -> ModelError:
    base_url = getattr(model, "openai_api_base", None) or getattr(model, "base_url", None)
    where = f" at {base_url}" if base_url else ""
    name = type(exc).__name__
    if "Connection" in name or "Timeout" in name:
        return ModelError(
            f"cannot reach the model endpoint{where} ({name}); is the server running? "
            "Use --model offline to work without one."
        )
    if "Authentication" in name or "PermissionDenied" in name:
        return ModelError(f"the model endpoint{where} rejected the API key ({name}); set OPENAI_API_KEY")
    if "NotFound" in name:
        return ModelError(f"the model endpoint{where} does not know this model ({name}: {exc})")
    return ModelError(f"the model call failed{where}: {name}: {str(exc).splitlines()[0] if str(exc) else ''}")


def build_agent_graph(
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    *,
    checkpointer: Any = None,
    store: Any = None,
    max_model_calls: int = 8,
) -> Any:
    """Compile the ReAct graph for ``model`` over ``tools``."""
    bound = model.bind_tools(list(tools))
    tool_node = ToolNode(list(tools), handle_tool_errors=tool_error_message)

    def call_model(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
        system = SystemMessage(build_system_prompt(dataset_summaries(runtime.context)))
        # a model that plans from the run-time context (the offline planner) gets it directly,
        # instead of parsing the datasets back out of the prompt
        extra = {"agent_context": runtime.context} if getattr(model, "accepts_agent_context", False) else {}
        try:
            reply = bound.invoke([system, *state["messages"]], **extra)
        except CausalAgentError:
            raise
        except Exception as exc:  # network / provider errors become one clear line
            raise _model_error(exc, model) from exc
        usage = getattr(reply, "usage_metadata", None) or {}
        return {
            "messages": [reply],
            "model_calls": state.get("model_calls", 0) + 1,
            "tokens": state.get("tokens", 0) + int(usage.get("total_tokens", 0) or 0),
        }

    def after_model(state: AgentState) -> str:
        last = state["messages"][-1]
        wants_tools = isinstance(last, AIMessage) and bool(last.tool_calls)
        if wants_tools and state.get("model_calls", 0) < max_model_calls:
            return "tools"
        return "finalize"

    def after_tools(state: AgentState) -> str:
        return "model" if state.get("model_calls", 0) < max_model_calls else "finalize"

    def finalize(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
        answer = answer_from_messages(
            state["messages"],
            model_calls=state.get("model_calls", 0),
            tokens=state.get("tokens", 0),
            started=state.get("started"),
            max_model_calls=max_model_calls,
            ctx=runtime.context,
        )
        return {"answer": answer.model_dump(mode="json")}

    g = StateGraph(AgentState, context_schema=AgentContext)
    g.add_node("model", call_model)
    g.add_node("tools", tool_node)
    g.add_node("finalize", finalize)
    g.add_edge(START, "model")
    g.add_conditional_edges("model", after_model, {"tools": "tools", "finalize": "finalize"})
    g.add_conditional_edges("tools", after_tools, {"model": "model", "finalize": "finalize"})
    g.add_edge("finalize", END)
    return g.compile(checkpointer=checkpointer, store=store)


def current_turn(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The messages from the latest human question on."""
    for i in range(len(messages) - 1, -1, -1):
        if isinstance(messages[i], HumanMessage):
            return list(messages[i:])
    return list(messages)


def steps_from_messages(turn: Sequence[AnyMessage]) -> list[Step]:
    """Pair each tool call with its result, in call order."""
    results = {m.tool_call_id: m for m in turn if isinstance(m, ToolMessage)}
    steps: list[Step] = []
    for msg in turn:
        if not isinstance(msg, AIMessage):
            continue
        for call in msg.tool_calls:
            res = results.get(call.get("id") or "")
            if res is None:
                continue
            artifact = res.artifact if isinstance(res.artifact, dict) else None
            steps.append(
                Step(
                    tool=call["name"],
                    args=dict(call.get("args") or {}),
                    output=str(res.content),
                    status="error" if res.status == "error" else "ok",
                    artifact=artifact,
                )
            )
    return steps


def _datasets(ctx: AgentContext, step: Step) -> dict[str, list[str]]:
    """The datasets the question may name: the one the step used, else every loaded one."""
    name = step.args.get("dataset")
    chosen = [ds for ds in ctx.datasets if not name or ds.name == name] or list(ctx.datasets)
    return {ds.name: list(ds.variables) for ds in chosen}


def answer_from_messages(
    messages: Sequence[AnyMessage],
    *,
    model_calls: int,
    tokens: int,
    started: float | None,
    max_model_calls: int,
    ctx: AgentContext,
) -> Answer:
    """Build the structured answer from one turn of the conversation, from the kind of artifact
    each tool declares: the verdict of the last verdict tool (read in the polarity of the
    question as asked, by the planner's code, whichever model chose the call), the graph, the
    effects and the tables. No artifact, no verdict: a model's ANSWER line alone counts for
    nothing."""
    from .planner.compose import shown_verdict

    turn = current_turn(messages)
    question = str(turn[0].content) if turn and isinstance(turn[0], HumanMessage) else ""
    steps = steps_from_messages(turn)
    final = turn[-1] if turn and isinstance(turn[-1], AIMessage) and not turn[-1].tool_calls else None
    text = str(final.content) if final is not None else ""
    # the offline planner keeps its plan (and so the question's polarity) with its messages
    plans = [m.response_metadata.get("plan") for m in turn if isinstance(m, AIMessage) and m.response_metadata]
    planned = next((p for p in reversed(plans) if isinstance(p, dict) and p.get("tool")), None)
    verdict = graph = graph_key = None
    effects: list[Effect] = []
    tables: list[Table] = []
    for step in steps:
        art = step.artifact or {}
        if step.status != "ok":
            continue
        kind = ctx.artifact_kind(step.tool)
        if kind == "verdict" and art.get("answer") in ("yes", "no", "uncertain"):
            if planned is not None and planned["tool"] == step.tool:
                verdict = shown_verdict(art["answer"], bool(planned.get("flip")))
            elif (planner := ctx.planner()) is not None:  # else the polarity is unknown: no verdict
                verdict = shown_verdict(art["answer"], planner.flip_for(question, step.tool, _datasets(ctx, step)))
        elif kind == "graph" and isinstance(art.get("graph"), dict):
            graph, graph_key = art["graph"], art.get("key")
        elif kind == "effect" and art.get("estimate") is not None:
            effects.append(Effect.model_validate(art))
        elif kind == "table" and isinstance(art.get("rows"), list):
            tables.append(Table(title=str(art.get("title") or step.tool), columns=list(art.get("columns") or []),
                                rows=[list(r) for r in art["rows"]]))
    complete = final is not None
    reason = None
    explanation = strip_verdict(text)
    if not complete:
        reason = "model_call_limit"
        explanation = (
            f"Stopped after {model_calls} model calls (the limit is {max_model_calls}) without a "
            "final answer."
        )
        if steps:
            explanation += " Last tool result: " + steps[-1].output
    elif final is not None and (plan := (final.response_metadata or {}).get("plan")) and plan.get("missing"):
        complete, reason = False, "needs_clarification"
    elif steps and all(s.status == "error" for s in steps):
        complete, reason = False, "no_evidence"  # every tool failed: nothing backs an answer
    return Answer(
        question=question,
        answer=verdict,
        graph=graph,
        graph_key=graph_key,
        effect=effects[0] if effects else None,
        effects=effects,
        tables=tables,
        explanation=explanation,
        steps=steps,
        model_calls=model_calls,
        tokens=tokens or None,
        elapsed_s=round(time.time() - started, 4) if started else 0.0,
        complete=complete,
        incomplete_reason=reason,
    )
