"""The offline planner as a LangChain chat model: the default model, no API key, no network.

The agent graph treats it exactly like an LLM:

* on a new question it plans one tool call (:class:`causal_agent.planner.plan.Planner`, built
  from the intents the loaded plugins register) and answers with ONE ``AIMessage`` carrying real
  ``tool_calls``;
* once the tool results are in, it writes the final answer from their artifacts
  (:mod:`.compose`), with the ``ANSWER:`` line in the polarity of the question as asked.

It reads the datasets and intents from the run-time context the agent passes it
(``agent_context=``), never from the prompt text, and keeps each turn's plan in the message's
``response_metadata["plan"]``, so a follow-up starts from the previous plan in the thread instead
of re-reading old questions. A single-hop question takes exactly two model calls, and the same
conversation always gives the same messages, tool-call ids included.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from .compose import compose_answer
from .plan import Plan
from .reading import summarize


class OfflinePlanner(BaseChatModel):
    """A deterministic planner that speaks the chat-model protocol with tool calls."""

    #: the agent graph passes its run-time context to models that say they take it
    accepts_agent_context: bool = True

    @property
    def _llm_type(self) -> str:
        return "causal-agent-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": "offline"}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):  # type: ignore[override]
        """Bind tools (LangChain tools, functions, pydantic models or OpenAI dicts)."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self.respond(messages, _bound_names(kwargs.get("tools")), kwargs.get("agent_context"))
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output={"model_name": "offline"})

    def respond(self, messages: Sequence[BaseMessage], bound: set[str] | None, ctx: Any) -> AIMessage:
        """The next assistant message for ``messages``, given the bound tool names and the agent's
        run-time context (datasets, intents, tools)."""
        humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
        planner = ctx.planner() if ctx is not None else None
        if not humans or planner is None:
            return _ai("Ask me a causal question about the loaded data." if planner is not None else
                       "The offline planner needs the agent's context (datasets and plugins); "
                       "use it through CausalAgent or pass agent_context=.")
        last = humans[-1]
        after = list(messages[last + 1 :])
        results = [m for m in after if isinstance(m, ToolMessage)]
        plan = next((p for p in map(_plan_of, reversed(after)) if p is not None), None)
        if results and plan is not None:
            calls = {c["id"]: c for m in after if isinstance(m, AIMessage) for c in m.tool_calls}
            rows = [
                (m.name or calls.get(m.tool_call_id, {}).get("name") or "tool", _text(m), m.artifact,
                 _failed(m), calls.get(m.tool_call_id, {}).get("args") or {})
                for m in results
            ]
            kinds = {name: ctx.artifact_kind(name) for name, *_ in rows}
            return _ai(compose_answer(plan, rows, kinds), plan=plan)
        # the latest earlier plan that called a tool: a question asked back leaves it in force
        earlier = [p for p in map(_plan_of, messages[:last]) if p is not None and p.tool is not None]
        previous = earlier[-1] if earlier else None
        datasets = {ds.name: list(ds.variables) for ds in ctx.datasets}
        excluded = {ds.name: {c.name: c.reason for c in ds.profile.columns if c.excluded} for ds in ctx.datasets}
        settings = getattr(ctx, "settings", None)
        plan = planner.plan(_text(messages[last]), datasets, previous, excluded=excluded,
                            read_as=getattr(settings, "read_as", None))
        return self._call(plan, planner, bound, salt=f"{len(messages)}:{_text(messages[last])}",
                          registered=ctx.tools)

    def _call(self, plan: Plan, planner: Any, bound: set[str] | None, salt: str,
              registered: Mapping[str, Any] | None = None) -> AIMessage:
        if plan.tool is None:
            return _ai(_unclear_message(plan, planner), plan=plan)
        bound = bound if bound is not None else set()  # nothing bound: no tool may be called
        if plan.tool not in bound:
            from ..registry import tool_access

            available = ", ".join(sorted(bound)) or "none"
            tool = (registered or {}).get(plan.tool)
            enable = (
                "It deletes or replaces stored data, so it is off by default; start with "
                "--allow-destructive (Settings(allow_destructive=True)) to enable it."
                if tool is not None and tool_access(tool) == "destroy"
                else "Enable the plugin that provides it."
            )
            return _ai(
                f"I understood the question: {plan.describe()} But the tool it needs, `{plan.tool}`, is "
                f"not available to me (available tools: {available}). {enable}",
                plan=plan,
            )
        call_id = "call_" + hashlib.sha256(f"{salt}|{plan.tool}|{sorted(plan.args.items())!r}".encode()).hexdigest()[:20]
        text = f"Understood: {plan.describe()} (intent {plan.intent}, confidence {plan.confidence:.2f})"
        notes = [n for n in plan.notes if not n.startswith("columns of")] + plan.warnings
        if notes:
            text += " (" + "; ".join(notes) + ")"
        return _ai(text, tool_calls=[{"name": plan.tool, "args": plan.args, "id": call_id, "type": "tool_call"}],
                   plan=plan)


def _bound_names(tools: Iterable[Any] | None) -> set[str] | None:
    if tools is None:
        return None
    names = set()
    for t in tools:
        spec = t if isinstance(t, Mapping) else convert_to_openai_tool(t)
        name = spec.get("function", spec).get("name")
        if name:
            names.add(name)
    return names


def _plan_of(message: BaseMessage) -> Plan | None:
    if not isinstance(message, AIMessage):
        return None
    raw = (message.response_metadata or {}).get("plan")
    return Plan.model_validate(raw) if isinstance(raw, Mapping) else None


def _failed(m: ToolMessage) -> bool:
    return getattr(m, "status", "success") == "error"


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, Mapping) and part.get("type") == "text":
            parts.append(str(part.get("text", "")))
    return "\n".join(parts)


def _ai(content: str, tool_calls: list[dict[str, Any]] | None = None, plan: Plan | None = None) -> AIMessage:
    meta: dict[str, Any] = {"model_name": "offline"}
    if plan is not None:
        meta["plan"] = plan.model_dump(mode="json")
    return AIMessage(content=content, tool_calls=tool_calls or [], response_metadata=meta, usage_metadata=None)


def _capabilities(planner: Any) -> str:
    """What the loaded intents let the planner answer: one phrase per tool, from its description."""
    seen: dict[str, str] = {}
    for it in planner.intents.values():
        if it.spec.tool not in seen:
            seen[it.spec.tool] = _with_letters(it.spec.examples[0])
    shown = "; ".join(f"'{ex}'" for ex in seen.values())
    return f"I can answer questions like: {shown}." if seen else "No plugin has taught me any question yet."


def _with_letters(example: str) -> str:
    """An example phrasing with its placeholders written as A, B, C… ('Are A and B independent?')."""
    names: dict[str, str] = {}
    return re.sub(r"\{(\w+)\}", lambda m: names.setdefault(m.group(1), "ABCDEFGH"[min(len(names), 7)]), example)


def _unclear_message(plan: Plan, planner: Any) -> str:
    q = plan.question.strip()
    if not q:
        return "The question is empty. " + _capabilities(planner)
    if plan.problem:
        return plan.problem
    if any(m.startswith("a dataset") for m in plan.missing):
        return "No dataset is loaded, so I cannot analyse anything yet. Load a CSV first (e.g. `--data FILE.csv`)."
    found_vars = any(n.startswith("variables named") for n in plan.notes)
    if plan.missing == ["what you want to know"] and not found_vars:
        return ("This looks out of scope: I could not find a causal question about the loaded data in it. "
                + _capabilities(planner))
    text = "I could not tell exactly what you are asking, so I have not run any tool.\n" + summarize(plan)
    if plan.missing and plan.missing[0] == "what you want to know":
        text += "\n" + _capabilities(planner)
    return text
