"""The agent for the LangGraph platform: ``langgraph dev``, LangGraph Studio, a LangGraph deployment.

``langgraph.json`` names :func:`make_graph` as the graph ``causal_agent``. The server calls it with
each run's configuration (also for schema and state reads), and the run's ``context`` or
``configurable`` say what to use:

| key | meaning | default |
|---|---|---|
| ``data`` | paths of the tables to load (CSV, TSV, Parquet), relative to the server's folder | none |
| ``memory`` | graph memory: a SQLite file, ``sqlite:///path`` or ``postgresql://…`` (``--memory``) | the server's own store |
| ``model`` | model spec (``offline``, ``openai:gpt-4o-mini``, ``ollama:…``) | the configured default |

There is no second agent here. The graph is one node that builds a :class:`CausalAgent` from those
keys and runs its compiled graph (``agent.graph``) as a subgraph with the agent's own context
(datasets, tools, memory), since the server's run context is this plain options object, not an
``AgentContext``. The conversation is the thread's ``messages``; ``answer`` is the last question's
``Answer`` JSON. Graphs persist between runs in the server's store unless ``memory`` names another.

The agent is built inside the node, in the worker thread that runs it, so loading data never
blocks the server's event loop and schema or state reads load nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import CausalAgentError

if TYPE_CHECKING:  # pragma: no cover
    from .agent import CausalAgent

#: the run's ``context`` / ``configurable`` keys this graph reads
OPTION_KEYS = ("data", "memory", "model")


class RunError(CausalAgentError, ValueError):
    """A user error in a server run (bad option, missing file, unknown variable …), one line.

    Also a ``ValueError``: langgraph-api shows a run's error message to the client only for a few
    exception types (ValueError among them) and replaces any other by "An internal error occurred"
    (``langgraph_api.serde``), which would hide the fix the line names."""


class ServerOptions(BaseModel):
    """What one run works on (the graph's context schema: LangGraph Studio shows it as a form)."""

    model_config = ConfigDict(extra="ignore")

    data: list[str] = Field(default_factory=list, description="paths of the tables to load (CSV, TSV, Parquet)")
    memory: str | None = Field(None, description="graph memory: a SQLite file, sqlite:///path or postgresql://…;"
                               " default: the server's own store")
    model: str | None = Field(None, description="model spec (offline, openai:gpt-4o-mini, ollama:…);"
                              " default: the configured one")


def server_options(config: RunnableConfig | dict[str, Any] | None) -> ServerOptions:
    """The options in a run's ``configurable`` (the server mirrors ``context`` there); a bad value
    is one line naming the key and the expected shape."""
    configurable = dict((config or {}).get("configurable") or {})
    values = {k: configurable[k] for k in OPTION_KEYS if configurable.get(k) is not None}
    if isinstance(values.get("data"), str):
        values["data"] = [values["data"]]  # one path is a list of one
    try:
        return ServerOptions.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "context"
        raise RunError(
            f"run option {key!r} is invalid ({err['msg']}); pass e.g. "
            '{"data": ["clinic.csv"], "memory": "graphs.sqlite"} as the run\'s context') from None


def build_agent(options: ServerOptions, store: Any = None) -> CausalAgent:
    """The ``CausalAgent`` a run asks: its model, its memory (``options.memory``, else a memory over
    the server's ``store``, else a new in-memory one) and its data loaded."""
    from .agent import CausalAgent
    from .memory import GraphMemory

    memory: Any = options.memory if options.memory else (GraphMemory(store) if store is not None else None)
    agent = CausalAgent(model=options.model, memory=memory)
    try:
        for path in options.data:
            agent.load(path)
    except BaseException:
        agent.memory.close()
        raise
    return agent


def _question(messages: list[AnyMessage]) -> str:
    from langchain_core.messages import HumanMessage

    last = messages[-1] if messages else None
    if not isinstance(last, HumanMessage):
        raise RunError('send the question as a user message: {"messages": [{"role": "user", '
                               '"content": "Does smoking cause lung cancer?"}]}')
    return last.text


class ServerState(TypedDict, total=False):
    """A thread: the conversation, and the structured answer (``Answer`` JSON) to its last question."""

    messages: Annotated[list[AnyMessage], add_messages]
    answer: dict[str, Any] | None


class ServerInput(TypedDict):
    """What a run sends: the question as the last user message."""

    messages: Annotated[list[AnyMessage], add_messages]


def server_graph(options: ServerOptions) -> Any:
    """The compiled one-node graph the server runs (the same shape for runs and for reads)."""
    from langgraph.graph import END, START, StateGraph

    def ask(state: ServerState, runtime: Runtime[ServerOptions]) -> dict[str, Any]:
        """Build the agent from this run's options and run its graph over the thread so far."""
        messages = list(state.get("messages") or [])
        try:
            question = _question(messages)
            agent = build_agent(options, runtime.store)
        except RunError:
            raise
        except CausalAgentError as exc:  # a missing file, an unknown model …: the client sees the line
            raise RunError(str(exc)) from None
        try:
            # the agent's own inputs (accounting reset, the question checked), with the whole
            # thread as the conversation, as CausalAgent.ask with a thread_id has it
            inputs = {**agent._inputs(question), "messages": messages}
            limit = agent._config(None)["recursion_limit"]
            result = agent.graph.invoke(inputs, {"recursion_limit": limit}, context=agent.context)
        except RunError:
            raise
        except CausalAgentError as exc:
            raise RunError(str(exc)) from None
        finally:
            agent.memory.close()
        return {"messages": result["messages"], "answer": result["answer"]}

    graph = StateGraph(ServerState, context_schema=ServerOptions, input_schema=ServerInput)
    graph.add_node("agent", ask)
    graph.add_edge(START, "agent")
    graph.add_edge("agent", END)
    return graph.compile(name="causal_agent")


def make_graph(config: RunnableConfig) -> Any:
    """The graph factory ``langgraph.json`` names: the run's options checked, the graph compiled.

    langgraph-api classifies a one-parameter factory as taking the run's ``RunnableConfig``
    (``langgraph_api._factory_utils``) and calls it for every run and every schema or state read;
    building the graph is cheap, and the agent itself is built only when a run executes."""
    return server_graph(server_options(config))


__all__ = ["OPTION_KEYS", "RunError", "ServerInput", "ServerOptions", "ServerState", "build_agent", "make_graph", "server_graph", "server_options"]
