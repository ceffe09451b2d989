"""The agent as an explicit LangGraph ``StateGraph``: model node ↔ ``ToolNode`` → finalize.

Kept small on purpose (LangGraph's prebuilt ``create_react_agent`` is deprecated in 1.x). The model
node counts its calls in the state and routes to ``finalize`` before the cap, so a run never ends in
``GraphRecursionError``; ``finalize`` turns the conversation into a structured ``Answer``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime

from .answer import Answer, Effect, Step, Table, strip_verdict
from .evidence import EVIDENCE_KINDS
from .context import AgentContext
from .errors import CausalAgentError
from .models.endpoint import model_error
from .models.text_calls import was_recovered
from .prompts import build_system_prompt


class AgentState(TypedDict, total=False):
    """Explicit run state: the conversation plus this question's accounting."""

    messages: Annotated[list[AnyMessage], add_messages]
    datasets: list[str]
    model_calls: int
    tokens: int
    started: float
    answer: dict[str, Any] | None
    #: set by the model node when a reply without evidence earns its one re-ask
    nudge: bool
    reasks: int


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


def build_agent_graph(
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    *,
    checkpointer: Any = None,
    store: Any = None,
    max_model_calls: int = 8,
    prompt: Literal["full", "compact"] = "full",
    text_tool_calls: bool = False,
    withheld: Mapping[str, str] | None = None,
) -> Any:
    """Compile the ReAct graph for ``model`` over ``tools``.

    ``prompt="compact"`` sends the short system prompt and, per question, only the tools of its
    level with short schemas (small local models). ``text_tool_calls`` recovers calls a model
    wrote as text (:mod:`causal_agent.models.text_calls`), validated against the tools' schemas.
    ``withheld`` maps a tool left unbound (a destructive one the user has not allowed) to the
    reason: a model that calls it anyway gets that one-line refusal, not a generic error.
    """
    from .evidence import messages_for_model, needs_evidence, nudge

    tools = list(tools)
    tool_node = ToolNode(tools, handle_tool_errors=tool_error_message)
    refusals = dict(withheld or {})

    def run_tools(state: AgentState, runtime: Runtime[AgentContext]) -> Any:
        last = state["messages"][-1]
        calls = last.tool_calls if isinstance(last, AIMessage) else []
        refused = [ToolMessage(f"Error: refused: {refusals[c['name']]}", tool_call_id=c.get("id") or "",
                               name=c["name"], status="error") for c in calls if c["name"] in refusals]
        if not refused:
            return tool_node.invoke(state, runtime=runtime)
        allowed = [c for c in calls if c["name"] not in refusals]
        out: list[Any] = []
        if allowed:
            asked = last.model_copy(update={"tool_calls": allowed})
            result = tool_node.invoke({**state, "messages": [*state["messages"][:-1], asked]}, runtime=runtime)
            out = list(result["messages"] if isinstance(result, dict) else result)
        return {"messages": [*out, *refused]}

    offline = bool(getattr(model, "accepts_agent_context", False))
    full_binding = model.bind_tools(tools) if prompt == "full" else None

    def runnable_for(question: str, ctx: AgentContext) -> Any:
        if full_binding is not None:
            bound = full_binding
        else:
            from .tool_schemas import compact_tools, tool_schemas

            datasets = {ds.name: list(ds.variables) for ds in ctx.datasets}
            chosen = compact_tools(question, tools, ctx.planner(), datasets)
            also = {"dataset"} if len(datasets) > 1 else set()
            bound = model.bind_tools(tool_schemas(chosen, "compact", ctx.intents, also))
        if text_tool_calls:
            from .models.text_calls import make_recovery_runnable

            bound = bound | make_recovery_runnable(tools)
        return bound

    def call_model(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
        ctx = runtime.context
        turn = current_turn(state["messages"])
        question = _question(turn)
        system = SystemMessage(build_system_prompt(dataset_summaries(ctx), style=prompt))
        # a model that plans from the run-time context (the offline planner) gets it directly,
        # instead of parsing the datasets back out of the prompt
        extra = {"agent_context": ctx} if offline else {}
        sent = list(state["messages"]) if offline else messages_for_model(state["messages"], ctx)
        if state.get("nudge"):  # the one re-ask; not kept in the conversation
            sent.append(HumanMessage(nudge(t.name for t in tools)))
        try:
            reply = runnable_for(question, ctx).invoke([system, *sent], **extra)
        except CausalAgentError:
            raise
        except Exception as exc:  # network / provider errors become one clear line
            raise model_error(exc, model) from exc
        reply = _without_repeats(reply, turn)
        usage = getattr(reply, "usage_metadata", None) or {}
        update: dict[str, Any] = {
            "messages": [reply],
            "model_calls": state.get("model_calls", 0) + 1,
            "tokens": state.get("tokens", 0) + int(usage.get("total_tokens", 0) or 0),
            "nudge": False,
        }
        if (not offline and not reply.tool_calls and state.get("reasks", 0) < 1
                and not _has_evidence(turn, ctx, attempted=True) and needs_evidence(question, reply.text, ctx)):
            update["nudge"], update["reasks"] = True, state.get("reasks", 0) + 1
        return update

    def after_model(state: AgentState) -> str:
        last = state["messages"][-1]
        wants_tools = isinstance(last, AIMessage) and bool(last.tool_calls)
        if state.get("model_calls", 0) >= max_model_calls:
            return "finalize"
        if wants_tools:
            return "tools"
        return "model" if state.get("nudge") else "finalize"

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
    g.add_node("tools", run_tools if refusals else tool_node)
    g.add_node("finalize", finalize)
    g.add_edge(START, "model")
    g.add_conditional_edges("model", after_model, {"tools": "tools", "model": "model", "finalize": "finalize"})
    g.add_conditional_edges("tools", after_tools, {"model": "model", "finalize": "finalize"})
    g.add_edge("finalize", END)
    return g.compile(checkpointer=checkpointer, store=store)


def _question(turn: Sequence[AnyMessage]) -> str:
    return turn[0].text if turn and isinstance(turn[0], HumanMessage) else ""


def _without_repeats(reply: Any, turn: Sequence[AnyMessage]) -> Any:
    """A reply whose calls were all recovered from text and all repeat calls already made this
    turn is a final answer that quotes them, not a request to run them again."""
    if not isinstance(reply, AIMessage) or not any(was_recovered(reply, c.get("id") or "") for c in reply.tool_calls):
        return reply
    made = {_call_key(c) for m in turn if isinstance(m, AIMessage) for c in m.tool_calls}
    if all(_call_key(c) in made for c in reply.tool_calls):
        # its text stays discarded (it may carry an invented result); the answer's explanation
        # then comes from the tool results themselves
        meta = {k: v for k, v in reply.response_metadata.items()
                if k not in ("recovered_tool_calls", "recovered_format")}
        return reply.model_copy(update={"tool_calls": [], "content": "", "response_metadata": meta})
    return reply


def _call_key(call: Any) -> str:
    import json

    return json.dumps([call.get("name"), call.get("args") or {}], sort_keys=True, default=str)


def _has_evidence(turn: Sequence[AnyMessage], ctx: AgentContext, attempted: bool = False) -> bool:
    """Whether a tool of an evidence kind (verdict, graph, effect) ran without error this turn
    (``attempted``: ran at all; a model that tried and failed has been told why, not ignored)."""
    return any(isinstance(m, ToolMessage) and (attempted or m.status != "error")
               and ctx.artifact_kind(m.name or "") in EVIDENCE_KINDS for m in turn)


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
                    recovered=was_recovered(msg, call.get("id") or ""),
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
    from .evidence import NO_EVIDENCE, claimed_verdict, contradiction_note, needs_evidence
    from .planner.compose import shown_verdict

    turn = current_turn(messages)
    question = _question(turn)
    steps = steps_from_messages(turn)
    final = turn[-1] if turn and isinstance(turn[-1], AIMessage) and not turn[-1].tool_calls else None
    text = final.text if final is not None else ""
    # the offline planner keeps its plan (and so the question's polarity) with its messages
    plans = [m.response_metadata.get("plan") for m in turn if isinstance(m, AIMessage) and m.response_metadata]
    planned = next((p for p in reversed(plans) if isinstance(p, dict) and p.get("tool")), None)
    verdict = graph = graph_key = None
    verdict_step: Step | None = None
    effects: list[Effect] = []
    headline: Effect | None = None
    tables: list[Table] = []
    for step in steps:
        art = step.artifact or {}
        if step.status != "ok":
            continue
        kind = ctx.artifact_kind(step.tool)
        if kind == "verdict" and isinstance(art.get("effects"), list) and art["effects"]:
            # a verdict with its effects (mediation: total, direct, indirect; ``headline`` the one asked)
            several = [Effect.model_validate(e) for e in art["effects"] if isinstance(e, dict)]
            effects.extend(several)
            pick = art.get("headline", 0)
            headline = several[pick] if isinstance(pick, int) and 0 <= pick < len(several) else headline
        if kind == "verdict" and art.get("answer") in ("yes", "no", "partly", "uncertain"):
            if planned is not None and planned["tool"] == step.tool:
                verdict, verdict_step = shown_verdict(art["answer"], bool(planned.get("flip"))), step
            elif (planner := ctx.planner()) is not None:  # else the polarity is unknown: no verdict
                flip = planner.flip_for(question, step.tool, _datasets(ctx, step))
                verdict, verdict_step = shown_verdict(art["answer"], flip), step
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
    evidence = [s for s in steps if s.status == "ok" and ctx.artifact_kind(s.tool) in EVIDENCE_KINDS]
    from_model = final is not None and not (final.response_metadata or {}).get("plan")
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
    elif from_model and not evidence and needs_evidence(question, text, ctx):
        # an LLM answered a data question from nothing: its text is not an answer
        complete, reason, explanation = False, "no_evidence", NO_EVIDENCE
        verdict = graph = graph_key = None
        effects, tables = [], []
    if complete and from_model and verdict is not None and verdict_step is not None:
        claimed = claimed_verdict(text)
        if claimed is not None and claimed != verdict:  # the artifact wins, and says so
            explanation = contradiction_note(claimed, verdict, verdict_step.tool) + "\n\n" + verdict_step.output
    if complete and not explanation and evidence:
        explanation = "\n\n".join(s.output for s in evidence)
    refused = [s for s in steps if s.status == "error" and s.output.startswith("Error: refused:")]
    if refused:  # what the model asked for and was not allowed, whatever its own text says
        explanation = (explanation + "\n\n" if explanation else "") + "\n".join(
            f"Refused ({s.tool}): {s.output.removeprefix('Error: refused:').strip()}" for s in refused)
    return Answer(
        question=question,
        answer=verdict,
        graph=graph,
        graph_key=graph_key,
        effect=headline if headline is not None and effects else (effects[0] if effects else None),
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
