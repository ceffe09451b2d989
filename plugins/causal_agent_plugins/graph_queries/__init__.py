"""Built-in plugin: edge-level questions about a causal graph, one tool call per question.

Tools: ``direct_cause``, ``shared_confounder`` (a common cause; ``direct=true``: a common parent),
``shared_collider`` (a common child), ``d_separation`` and ``adjustment_sets``. Each takes a
``graph_key`` from memory, or just a dataset (or nothing: the loaded
one), in which case it runs :func:`causal_agent.discover.discover` itself, which reuses the stored
graph when memory already has it (the rule is :func:`causal_agent.graph_choice.choose_graph`, shared
with the effect estimates). So a model answers "does X cause Y?" with a single call instead of
discover-then-query. The yes/no/uncertain semantics over the equivalence class live in
``causal_agent.graph_queries``; this module only words the answer.

(No ``from __future__ import annotations``: the tools' ``runtime: ToolRuntime`` annotation must be a
real class for ToolNode to inject the context.)
"""

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from causal_agent.hookspecs import hookimpl

from .intents import register_intents  # noqa: F401  (the planner's phrasings)

Question = Literal["direct_cause", "shared_confounder", "shared_direct_confounder", "shared_collider", "d_separation"]

_ASK: dict[str, str] = {
    "direct_cause": "Is {x} a direct cause of {y}?",
    "shared_confounder": "Do {x} and {y} share a common cause (a confounder)?",
    "shared_direct_confounder": "Do {x} and {y} share a direct common cause (a common parent)?",
    "shared_collider": "Do {x} and {y} share a common effect (a collider: a common child)?",
    "d_separation": "Are {x} and {y} d-separated given {given}?",
}


#: What each answer means, in the tool's own terms (the verdict artifact's ``finding``).
_FINDING: dict[str, tuple[str, str, str]] = {
    "direct_cause": ("{x} is a direct cause of {y}", "{x} is not a direct cause of {y}",
                     "it cannot be determined from the data whether {x} directly causes {y}"),
    "shared_confounder": ("{x} and {y} share a common cause (confounder)",
                          "{x} and {y} share no common cause (confounder)",
                          "it cannot be determined from the data whether {x} and {y} share a common cause"),
    "shared_direct_confounder": ("{x} and {y} share a direct common cause (a common parent)",
                                 "{x} and {y} share no direct common cause (no common parent)",
                                 "it cannot be determined from the data whether {x} and {y} share a common parent"),
    "shared_collider": ("{x} and {y} share a common effect (a collider: a variable both directly cause)",
                        "{x} and {y} share no common effect (no variable that both directly cause)",
                        "it cannot be determined from the data whether {x} and {y} share a common effect"),
    "d_separation": ("{x} and {y} are d-separated{cond} in the causal graph",
                     "{x} and {y} are d-connected{cond} in the causal graph",
                     "it cannot be determined whether {x} and {y} are d-separated{cond}"),
}


class GraphQueryResult(BaseModel):
    """The answer to one edge-level question, with the graph it was read from."""

    question: Question
    x: str
    y: str
    given: list[str] = Field(default_factory=list)
    answer: Literal["yes", "no", "uncertain"]
    reason: str
    graph_key: str
    algorithm: str
    reused: bool | None = Field(None, description="graph came from memory (None: a graph_key was given)")
    graph: dict[str, Any]
    notes: list[str] = Field(default_factory=list)
    summary: str
    finding: str = Field(description="what the answer means, in the tool's own terms")
    polarity: str | None = Field(None, description="vocabulary group whose opposite wording flips the answer")
    support: str | None = Field(None, description="how many bootstrap resamples give the graph's answer")
    support_share: float | None = Field(None, description="that share, in [0, 1] (None: no bootstrap)")
    graph_answer: Literal["yes", "no", "uncertain"] | None = Field(
        None, description="the answer read off the learned graph, before the bootstrap check")


class AdjustmentSetResult(BaseModel):
    """Back-door adjustment sets for treatment -> outcome (one per possible parent set: IDA)."""

    question: Literal["adjustment_sets"] = "adjustment_sets"
    treatment: str
    outcome: str
    sets: list[list[str]]
    reason: str
    ambiguous: bool
    no_effect_possible: bool
    graph_key: str
    algorithm: str
    reused: bool | None = None
    graph: dict[str, Any]
    notes: list[str] = Field(default_factory=list)
    summary: str


def _choose(ctx: Any, graph_key: str | None, dataset: str | None, names: Sequence[str]) -> tuple[Any, list[str]]:
    """The graph by the core's one rule (:func:`causal_agent.graph_choice.choose_graph`), and the
    notes to show: name corrections, a stale graph's warning, discovery's own notes."""
    from causal_agent.graph_choice import choose_graph

    chosen = choose_graph(ctx, graph_key, dataset, names)
    notes = list(chosen.notes)
    if chosen.discovery is not None:
        notes.extend(chosen.discovery.notes)
    return chosen, notes


def _tail(chosen: Any) -> str:
    if chosen.reused is None:
        return ""
    return " (Graph reused from memory.)" if chosen.reused else " (Graph learned now and stored.)"


def ask(
    ctx: Any,
    question: Question,
    x: str,
    y: str,
    given: Sequence[str] | None = None,
    graph_key: str | None = None,
    dataset: str | None = None,
) -> GraphQueryResult:
    """Answer one edge-level question yes/no/uncertain over the graph's equivalence class."""
    from causal_agent import graph_queries as gq

    z_raw = list(given or []) if question == "d_separation" else []
    chosen, notes = _choose(ctx, graph_key, dataset, [x, y, *z_raw])
    x_, y_, *z = chosen.names
    g = chosen.graph
    query: dict[str, Any] = {
        "direct_cause": gq.direct_cause, "shared_confounder": gq.shared_confounder,
        "shared_direct_confounder": gq.shared_direct_confounder, "shared_collider": gq.shared_collider,
        "d_separation": lambda graph, a, b: gq.d_separated(graph, a, b, z),
    }
    qa = query[question](g, x_, y_)
    graph_answer = qa.answer
    stability = _stability(ctx, chosen, lambda graph: query[question](graph, x_, y_).answer, qa)
    support_text, support_share = (stability[1], stability[2]) if stability else (None, None)
    if stability is not None:
        qa = stability[0]
    downgraded = qa.answer != graph_answer
    asked = _ASK[question].format(x=x_, y=y_, given="{" + ", ".join(z) + "}" if z else "nothing")
    summary = f"{asked} {qa.answer.capitalize()}: {qa.reason} ({chosen.label}).{_tail(chosen)}"
    if notes:
        summary += " Notes: " + " ".join(notes)
    yes_t, no_t, unc_t = _FINDING[question]
    cond = " given " + ", ".join(z) if z else ""
    finding = {"yes": yes_t, "no": no_t, "uncertain": unc_t}[qa.answer].format(x=x_, y=y_, cond=cond)
    if downgraded:
        finding += ". The graph learned from resampled rows gives different answers here"
    elif qa.answer == "uncertain":
        finding += ". The learned graph is an equivalence class, and its members disagree here"
    return GraphQueryResult(
        question=question, x=x_, y=y_, given=z, answer=qa.answer, reason=qa.reason,
        graph_key=chosen.key, algorithm=chosen.algorithm, reused=chosen.reused, graph=g.to_json(),
        notes=notes, summary=summary, finding=finding,
        polarity="independence" if question == "d_separation" else None,
        support=support_text, support_share=support_share, graph_answer=graph_answer,
    )


def _stability(ctx: Any, chosen: Any, ask_on: Any, qa: Any) -> tuple[Any, str, float] | None:
    """Re-ask the question on every bootstrap resample of the graph (``chosen.support``). A yes or
    no that fewer than ``Settings.support_threshold`` of the resamples give becomes uncertain, with
    the figure; None when the graph has no bootstrap (off, skipped or not affordable)."""
    from causal_agent.bootstrap import agreement
    from causal_agent.graph_queries import QueryAnswer

    support = getattr(chosen, "support", None)
    if support is None or not support.graphs:
        return None
    agree, asked = agreement(support, ask_on, qa.answer)
    if not asked:
        return None
    share = agree / asked
    text = f"'{qa.answer}' in {agree} of {asked} bootstrap resamples"
    threshold = float(ctx.settings.support_threshold)
    if qa.answer != "uncertain" and share < threshold:
        qa = QueryAnswer(answer="uncertain", reason=(
            f"the graph says {qa.answer} ({qa.reason}), but only {agree} of {asked} bootstrap resamples of the "
            f"rows agree, below the {threshold:.0%} needed to answer"))
    else:
        qa = QueryAnswer(answer=qa.answer, reason=f"{qa.reason} ({text})")
    return qa, text, share


def adjustment(
    ctx: Any, treatment: str, outcome: str, graph_key: str | None = None, dataset: str | None = None
) -> AdjustmentSetResult:
    """Valid back-door adjustment sets for treatment -> outcome, per possible parent set (IDA)."""
    from causal_agent.graph_queries import adjustment_report

    chosen, notes = _choose(ctx, graph_key, dataset, [treatment, outcome])
    t, y = chosen.names
    rep = adjustment_report(chosen.graph, t, y)
    shown = "; ".join("{" + ", ".join(s) + "}" for s in rep.sets) if rep.sets else "none"
    summary = (f"Adjustment sets for the effect of {t} on {y}: {shown}. {rep.reason}"
               f" ({chosen.label}).{_tail(chosen)}")
    if notes:
        summary += " Notes: " + " ".join(notes)
    return AdjustmentSetResult(
        treatment=t, outcome=y, sets=rep.sets, reason=rep.reason, ambiguous=rep.ambiguous,
        no_effect_possible=rep.no_effect_possible, graph_key=chosen.key, algorithm=chosen.algorithm,
        reused=chosen.reused, graph=chosen.graph.to_json(), notes=notes, summary=summary,
    )


# ---- tools --------------------------------------------------------------------------------------
# The model-visible arguments: the tools' signatures ARE the schema, each description written once
# (LangChain reads ``Annotated`` string metadata; the injected ``runtime`` stays hidden).
X = Annotated[str, "first variable"]
Y = Annotated[str, "second variable"]
GraphKey = Annotated[str | None, "memory key of a graph; omit to use the dataset's graph"]
Dataset = Annotated[str | None, "dataset name; omit for the loaded one"]


_DOCS: dict[str, str] = {
    "direct_cause": "Is x a direct cause of y (x --> y)? Answers yes/no/uncertain over every graph the "
    "data allow, discovering the dataset's graph (or reusing it from memory) when no graph_key is given.",
    "shared_confounder": "Do x and y share a common cause (confounder): a variable with a directed path to "
    "each that avoids the other (a grandparent counts)? With direct=true: a common parent z --> x, z --> y "
    "only. Answers yes/no/uncertain over every graph the data allow; discovers or reuses the graph itself.",
    "shared_collider": "Do x and y share a collider, i.e. a common child x --> z <-- y? Answers "
    "yes/no/uncertain over every graph the data allow; discovers or reuses the graph itself.",
}


#: one line each, for compact prompts
_SUMMARIES = {
    "direct_cause": "Is x a direct cause of y?",
    "shared_confounder": "Do x and y have a common cause? direct=true: a common parent.",
    "shared_collider": "Do x and y have a common effect (collider)?",
}


def _pair_tool(question: str) -> Any:
    from langchain_core.tools import tool
    from causal_agent.tool_runtime import ToolRuntime

    def run(
        runtime: ToolRuntime, x: X, y: Y, graph_key: GraphKey = None, dataset: Dataset = None
    ) -> tuple[str, dict[str, Any]]:
        result = ask(runtime.context, question, x, y, graph_key=graph_key, dataset=dataset)  # type: ignore[arg-type]
        return result.summary, result.model_dump(mode="json")

    def run_confounder(
        runtime: ToolRuntime, x: X, y: Y,
        direct: Annotated[bool, "true: only a common PARENT counts (a direct common cause)"] = False,
        graph_key: GraphKey = None, dataset: Dataset = None,
    ) -> tuple[str, dict[str, Any]]:
        asked = "shared_direct_confounder" if direct else "shared_confounder"
        result = ask(runtime.context, asked, x, y, graph_key=graph_key, dataset=dataset)
        return result.summary, result.model_dump(mode="json")

    fn = run_confounder if question == "shared_confounder" else run
    fn.__doc__ = _DOCS[question]
    built = tool(question, response_format="content_and_artifact")(fn)
    built.metadata = {"artifact": "verdict", "summary": _SUMMARIES[question]}
    return built


def d_separation_tool() -> Any:
    from langchain_core.tools import tool
    from causal_agent.tool_runtime import ToolRuntime

    @tool("d_separation", response_format="content_and_artifact")
    def run(
        runtime: ToolRuntime,
        x: X,
        y: Y,
        # (a list default is safe: the tool gets pydantic's copy of it, and it is never mutated)
        given: Annotated[list[str], "conditioning set (may be empty)"] = [],
        graph_key: GraphKey = None,
        dataset: Dataset = None,
    ) -> tuple[str, dict[str, Any]]:
        """Are x and y d-separated given the variables in 'given' in the causal graph? yes means the
        graph implies x and y are independent given them. Discovers or reuses the graph itself."""
        result = ask(runtime.context, "d_separation", x, y, given=given, graph_key=graph_key,
                     dataset=dataset)
        return result.summary, result.model_dump(mode="json")

    run.metadata = {"artifact": "verdict", "polarity": "independence",  # d-separated ~ independent
                    "summary": "Are x and y d-separated given 'given' in the graph?"}
    return run


def adjustment_set_tool() -> Any:
    from langchain_core.tools import tool
    from causal_agent.tool_runtime import ToolRuntime

    @tool("adjustment_sets", response_format="content_and_artifact")
    def run(
        runtime: ToolRuntime,
        treatment: Annotated[str, "treatment (cause) variable"],
        outcome: Annotated[str, "outcome (effect) variable"],
        graph_key: GraphKey = None,
        dataset: Dataset = None,
    ) -> tuple[str, dict[str, Any]]:
        """Which variables to adjust for to estimate the effect of treatment on outcome (back-door
        sets). When the graph leaves the treatment's parents open, lists one set per possibility.
        Discovers or reuses the graph itself."""
        result = adjustment(runtime.context, treatment, outcome, graph_key=graph_key, dataset=dataset)
        return result.summary, result.model_dump(mode="json")

    run.metadata = {"summary": "Back-door adjustment sets for treatment and outcome."}
    return run


def graph_query_tools() -> list[Any]:
    """All five tools, built fresh (no module-level state)."""
    return [
        _pair_tool("direct_cause"),
        _pair_tool("shared_confounder"),
        _pair_tool("shared_collider"),
        d_separation_tool(),
        adjustment_set_tool(),
    ]


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    for t in graph_query_tools():
        register(t)
