"""``CausalAgent``: the Python API.

    agent = CausalAgent()                       # offline planner, in-memory graphs
    agent.load("clinic.csv")
    answer = agent.ask("Does smoking directly cause lung cancer?")

Each agent owns its datasets, plugin registrations and (unless one is passed in) its graph memory,
so two agents in one process share nothing unless they are handed the same ``GraphMemory``.
"""

from __future__ import annotations

import time
import uuid
from functools import partial
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from .answer import Answer, Step
from .config import ModelConfig, load_config
from .context import DatasetRegistry, Settings, context_from_registry
from .errors import CausalAgentError


#: how a withheld destructive tool is described in its refusal
_DESTROYS = "deletes or overwrites stored data"


class AgentEvent(BaseModel):
    """One thing that happened while answering, for streaming UIs."""

    kind: Literal["tool_call", "tool_result", "message", "answer"]
    tool: str | None = None
    args: dict[str, Any] | None = None
    output: str | None = None
    status: str | None = None
    answer: Answer | None = None


class CausalAgent:
    """An agent that answers causal questions about loaded tables with real causal tools."""

    def __init__(
        self,
        model: Any = None,
        memory: Any = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        settings: Settings | None = None,
        plugins: Iterable[object] = (),
        checkpointer: Any = None,
        max_model_calls: int | None = None,
        model_config: ModelConfig | None = None,
        log: Any = True,
    ) -> None:
        """``model_config`` replaces the flags, environment and config file (``load_config``)
        when given: the CLI builds it from its own flags. ``log``: every question goes to the
        question log (``causal_agent.logs``) unless it is False or logging is off (``causal-agent
        logs off``, ``CAUSAL_AGENT_LOGS=off``); a path or a ``QuestionLog`` logs there."""
        from .agent_graph import build_agent_graph
        from .memory import GraphMemory, open_memory
        from .models.factory import make_model, model_options
        from .planner import Planner
        from .plugins import collect_registry, make_plugin_manager

        self.config: ModelConfig = model_config if model_config is not None else load_config(
            model=model if isinstance(model, str) else None,
            base_url=base_url,
            api_key=api_key,
            memory=str(memory) if isinstance(memory, (str, Path)) else None,
        )
        self.settings = settings or Settings()
        if max_model_calls is not None:
            self.settings = self.settings.model_copy(update={"max_model_calls": max_model_calls})
        self.memory = memory if isinstance(memory, GraphMemory) else open_memory(self.config.memory)
        self.plugin_manager = make_plugin_manager(plugins)
        self.registry = collect_registry(self.plugin_manager)
        spec = model if not isinstance(model, str) else None
        self.model = make_model(spec, self.config, self.registry)
        #: prompt style, text tool-call recovery, timeout and retries, as resolved for this model
        self.model_options = model_options(spec if spec is not None else self.config.model, self.config, self.registry)
        from .registry import tool_access

        #: the tools bound to the model: a tool declaring access "destroy" (delete_graph) only
        #: when the user allows it (``Settings.allow_destructive`` / ``--allow-destructive``)
        self.tools = [t for t in self.registry.tools.values()
                      if self.settings.allow_destructive or tool_access(t) != "destroy"]
        self.context = context_from_registry(
            self.registry,
            memory=self.memory,
            settings=self.settings,
            make_planner=partial(Planner.from_registry, self.registry),
        )
        #: conversation threads, kept where the graphs are (GraphMemory.checkpointer: SqliteSaver,
        #: PostgresSaver, else a new InMemorySaver)
        self.checkpointer = checkpointer if checkpointer is not None else self.memory.checkpointer()
        #: The compiled LangGraph graph; embed it as a subgraph with ``context=agent.context``.
        self.graph = build_agent_graph(
            self.model,
            self.tools,
            checkpointer=self.checkpointer,
            store=self.memory.store,
            max_model_calls=self.settings.max_model_calls,
            prompt=self.model_options.prompt,
            text_tool_calls=self.model_options.text_tool_calls,
            withheld=self.withheld(),
        )
        self.thread_id = str(uuid.uuid4())
        from .logs import question_log

        #: where questions are logged (None: not logged)
        self.log = question_log(log, self.config)
        #: how the log names the model: the spec asked for ("openai:gpt-4o"), or a passed model's name
        self._log_model = self.config.model if spec is None else self.model_name

    def withheld(self, audience: str = "the model",
                 enable: str = "the user can enable it with --allow-destructive") -> dict[str, str]:
        """The registered tools this agent does not bind (a destructive tool without the user's
        permission), each with the one-line reason a call of it is refused; every face (the model,
        MCP clients) words only who it is off for and how to enable it."""
        return {name: f"{name} {_DESTROYS} and is off for {audience}; {enable}"
                for name, t in self.registry.tools.items() if t not in self.tools}

    @property
    def model_name(self) -> str:
        return str(
            getattr(self.model, "model_name", None)
            or getattr(self.model, "model", None)
            or getattr(self.model, "_llm_type", type(self.model).__name__)
        )

    # -- data -------------------------------------------------------------------------------
    def load(self, source: Any, name: str | None = None, columns: list[str] | None = None,
             include: Iterable[str] | None = None) -> Any:
        """Load a CSV/TSV/Parquet file or a DataFrame and make it available to the tools.

        ``include`` names columns the profiler would leave out (ID-like) to analyse anyway; without
        it, ``Settings.include`` applies to the columns of this file that it names. Files larger
        than ``Settings.max_file_bytes`` (default 1 GiB) are refused."""
        from .data import load_dataset

        return self.context.datasets.add(load_dataset(
            source, name=name, columns=columns, max_bytes=self.settings.max_file_bytes,
            include=list(include if include is not None else self.settings.include),
            include_if_present=include is None))

    @property
    def datasets(self) -> DatasetRegistry:
        return self.context.datasets

    # -- asking -----------------------------------------------------------------------------
    def _inputs(self, question: str) -> dict[str, Any]:
        if not isinstance(question, str):
            what = "None" if question is None else type(question).__name__
            raise CausalAgentError(f"the question must be text, not {what}; ask something like"
                                   " agent.ask('Does A cause B?')")
        if not question or not question.strip():
            raise CausalAgentError("the question is empty; ask something like 'Does A cause B?'")
        from langchain_core.messages import HumanMessage

        return {
            "messages": [HumanMessage(question.strip())],
            "datasets": self.context.datasets.names(),
            "model_calls": 0,
            "tokens": 0,
            "started": time.time(),
            "answer": None,
            "nudge": False,
            "reasks": 0,
        }

    def _config(self, thread_id: str | None) -> dict[str, Any]:
        # Enough head-room for max_model_calls rounds of model + tools, plus finalize.
        limit = 2 * self.settings.max_model_calls + 5
        return {"configurable": {"thread_id": thread_id or str(uuid.uuid4())}, "recursion_limit": limit}

    def _log(self, question: str, started: float, thread_id: str | None, answer: Answer | None = None,
             error: BaseException | None = None) -> None:
        """One question into the question log; a failure here is warned about, never raised."""
        if self.log is None:
            return
        from .logs import entry_for

        try:
            entry = entry_for(question, answer, datasets=list(self.context.datasets), model=self._log_model,
                              started=started, thread_id=thread_id, error=error)
        except Exception as exc:  # noqa: BLE001 - the log must never break an answer
            self.log._warn(exc)
            return
        self.log.write(entry)

    def ask(self, question: str, thread_id: str | None = None) -> Answer:
        """Answer one question. Pass the same ``thread_id`` to ask follow-ups."""
        inputs, started = self._inputs(question), time.time()
        try:
            state = self.graph.invoke(inputs, self._config(thread_id), context=self.context)
        except Exception as exc:
            self._log(question, started, thread_id, error=exc)
            raise
        answer = Answer.model_validate(state["answer"])
        self._log(question, started, thread_id, answer)
        return answer

    async def aask(self, question: str, thread_id: str | None = None) -> Answer:
        """``ask`` for asyncio applications."""
        inputs, started = self._inputs(question), time.time()
        try:
            state = await self.graph.ainvoke(inputs, self._config(thread_id), context=self.context)
        except Exception as exc:
            self._log(question, started, thread_id, error=exc)
            raise
        answer = Answer.model_validate(state["answer"])
        self._log(question, started, thread_id, answer)
        return answer

    def stream(self, question: str, thread_id: str | None = None) -> Iterator[AgentEvent]:
        """Yield each tool call and result as it happens, then the final answer."""
        inputs, started, logged = self._inputs(question), time.time(), False
        updates = self.graph.stream(inputs, self._config(thread_id), context=self.context, stream_mode="updates")
        try:
            for update in updates:
                for event in _events(update):
                    if event.kind == "answer" and not logged:  # logged before the consumer can stop
                        logged = True
                        self._log(question, started, thread_id, event.answer)
                    yield event
        except Exception as exc:
            if not logged:
                self._log(question, started, thread_id, error=exc)
            raise

    async def astream(self, question: str, thread_id: str | None = None) -> AsyncIterator[AgentEvent]:
        inputs, started, logged = self._inputs(question), time.time(), False
        updates = self.graph.astream(inputs, self._config(thread_id), context=self.context, stream_mode="updates")
        try:
            async for update in updates:
                for event in _events(update):
                    if event.kind == "answer" and not logged:
                        logged = True
                        self._log(question, started, thread_id, event.answer)
                    yield event
        except Exception as exc:
            if not logged:
                self._log(question, started, thread_id, error=exc)
            raise


def _events(update: dict[str, Any]) -> Iterator[AgentEvent]:
    from langchain_core.messages import AIMessage, ToolMessage

    for node, delta in update.items():
        if not isinstance(delta, dict):
            continue
        for msg in delta.get("messages") or []:
            if isinstance(msg, AIMessage):
                for call in msg.tool_calls:
                    yield AgentEvent(kind="tool_call", tool=call["name"], args=dict(call.get("args") or {}))
                if not msg.tool_calls and msg.content:
                    yield AgentEvent(kind="message", output=str(msg.content))
            elif isinstance(msg, ToolMessage):
                yield AgentEvent(
                    kind="tool_result",
                    tool=msg.name,
                    output=str(msg.content),
                    status="error" if msg.status == "error" else "ok",
                )
        if node == "finalize" and delta.get("answer"):
            yield AgentEvent(kind="answer", answer=Answer.model_validate(delta["answer"]))


__all__ = ["AgentEvent", "CausalAgent", "Step"]
