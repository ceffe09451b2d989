"""Built-in plugin: the questions analysts ask about causal paths, one tool call each.

Tools (each reads the dataset's graph the way the edge tools do: the stored ``graph_key``, else the
dataset's graph, discovered or reused from memory, by :func:`causal_agent.graph_choice.choose_graph`):

* ``causes_of`` / ``effects_of`` (table): every other variable as definitely / possibly / definitely
  not a cause (ancestor; ``direct``: parent) or an effect (descendant; child) of one variable;
* ``causes`` (verdict): total causation, a directed path of any length from x to y;
* ``explain_association`` (verdict: yes / no / partly / uncertain): the open paths between two
  variables and whether their association is causal;
* ``adjustment_advice`` (verdict): the role of a third variable on the paths between a treatment
  and an outcome, and whether to adjust for it.

The semantics over the equivalence class live in :mod:`causal_agent.graph_queries`; answers are
re-asked on the graph's bootstrap resamples with the edge tools' own check (a yes or no that too
few resamples give becomes uncertain). This module only words the answers.

(No ``from __future__ import annotations``: the tools' ``runtime: ToolRuntime`` annotation must be a
real class for ToolNode to inject the context.)
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from causal_agent.hookspecs import hookimpl

from .intents import register_intents  # noqa: F401  (the planner's phrasings)

Verdict = Literal["yes", "no", "partly", "uncertain"]


class RelativesResult(BaseModel):
    """A table artifact: the causes or effects of one variable over the equivalence class."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    variable: str
    direction: Literal["causes", "effects"]
    direct: bool
    definitely: list[str]
    possibly: list[str]
    definitely_not: list[str]
    reason: str
    finding: str
    graph_key: str
    algorithm: str
    reused: bool | None = None
    graph: dict[str, Any]
    notes: list[str] = Field(default_factory=list)
    summary: str


class PathVerdict(BaseModel):
    """A verdict artifact of this plugin's yes/no questions (the edge tools' fields, plus paths)."""

    question: Literal["causes", "explain_association", "adjustment_advice"]
    answer: Verdict
    finding: str
    reason: str
    paths: list[str] = Field(default_factory=list)
    role: str | None = Field(None, description="adjustment_advice: the variable's role (or 'uncertain')")
    roles: dict[str, int] = Field(default_factory=dict, description="role -> DAGs of the class giving it")
    sets: list[list[str]] = Field(default_factory=list, description="valid back-door sets")
    associated: bool | None = Field(None, description="explain_association: d-connected given nothing")
    graph_key: str
    algorithm: str
    reused: bool | None = None
    graph: dict[str, Any]
    notes: list[str] = Field(default_factory=list)
    summary: str
    support: str | None = Field(None, description="how many bootstrap resamples give the graph's answer")
    support_share: float | None = None
    graph_answer: Verdict | None = Field(None, description="the answer read off the graph, before the bootstrap check")


def _choose(ctx: Any, graph_key: str | None, dataset: str | None, names: Sequence[str]) -> tuple[Any, list[str]]:
    """The graph by the core's one rule, and the notes to show (the edge tools' own helper)."""
    from causal_agent_plugins.graph_queries import _choose as choose

    return choose(ctx, graph_key, dataset, names)


def _tail(chosen: Any) -> str:
    from causal_agent_plugins.graph_queries import _tail as tail

    return tail(chosen)


def _stable(ctx: Any, chosen: Any, ask_on: Callable[[Any], str], answer: str,
            reason: str) -> tuple[str, str, str | None, float | None]:
    """(answer, reason, support text, share) after re-asking on the bootstrap resamples
    (:func:`causal_agent.bootstrap.agreement`) with the edge tools' threshold: a decided answer
    (yes, no, partly) that fewer than ``Settings.support_threshold`` of them give is uncertain."""
    from causal_agent.bootstrap import agreement

    support = getattr(chosen, "support", None)
    if support is None or not support.graphs:
        return answer, reason, None, None
    agree, asked = agreement(support, ask_on, answer)
    if not asked:
        return answer, reason, None, None
    share = agree / asked
    text = f"'{answer}' in {agree} of {asked} bootstrap resamples"
    threshold = float(ctx.settings.support_threshold)
    if answer != "uncertain" and share < threshold:
        return "uncertain", (f"the graph says {answer} ({reason}), but only {agree} of {asked} bootstrap "
                             f"resamples of the rows agree, below the {threshold:.0%} needed to answer"), text, share
    return answer, f"{reason} ({text})", text, share


# ---- causes and effects of one variable ---------------------------------------------------------
def relatives_table(ctx: Any, variable: str, direction: Literal["causes", "effects"], direct: bool = False,
                    graph_key: str | None = None, dataset: str | None = None) -> RelativesResult:
    """The causes (effects) of ``variable``: every other variable definitely / possibly / definitely
    not one, with a path; a definite answer too few bootstrap resamples give becomes 'possibly'."""
    from causal_agent.graph_queries import STATUS, relatives

    chosen, notes = _choose(ctx, graph_key, dataset, [variable])
    (v,) = chosen.names
    rep = relatives(chosen.graph, v, direction, direct)
    support = getattr(chosen, "support", None)
    threshold = float(ctx.settings.support_threshold)
    # every resample's answers, read once (agreement re-asks per variable from this table)
    resampled: list[dict[str, str]] = []
    for i in range(len(support.graphs) if support is not None else 0):
        try:
            resampled.append({x.variable: x.answer for x in relatives(support.graph(i), v, direction, direct).relatives})
        except Exception:  # noqa: BLE001 - a resample the question cannot be asked on is not counted
            continue
    rows: list[list[Any]] = []
    final: dict[str, str] = {}
    for r in rep.relatives:
        answer, note = r.answer, r.share
        asked = [got[r.variable] for got in resampled if r.variable in got]
        if asked and answer != "uncertain":
            agree = sum(a == answer for a in asked)
            share = f"{agree} of {len(asked)} bootstrap resamples agree"
            if agree / len(asked) < threshold:
                note = f"the graph says {STATUS[answer]}, but only {share}"
                answer = "uncertain"
            else:
                note = "; ".join(x for x in (note, share) if x)
        final[r.variable] = answer
        rows.append([r.variable, STATUS[answer], r.path, note])
    word = ("direct cause" if direct else "cause") if direction == "causes" else ("direct effect" if direct else "effect")
    of = lambda a: [n for n, x in final.items() if x == a]  # noqa: E731
    yes, maybe, no = of("yes"), of("uncertain"), of("no")
    parts = [f"definitely: {', '.join(yes) or 'none'}"]
    if maybe:
        parts.append(f"possibly: {', '.join(maybe)}")
    parts.append(f"definitely not: {', '.join(no) or 'none'}")
    title = f"{'Causes' if direction == 'causes' else 'Effects'} of {v}" + (" (direct)" if direct else "")
    finding = f"{word.capitalize()}s of {v}: " + "; ".join(parts)
    summary = f"{finding}. {rep.reason[0].upper()}{rep.reason[1:]} ({chosen.label}).{_tail(chosen)}"
    if notes:
        summary += " Notes: " + " ".join(notes)
    return RelativesResult(
        title=title, columns=["variable", f"{word} of {v}?", "path", "note"], rows=rows, variable=v,
        direction=direction, direct=direct, definitely=yes, possibly=maybe, definitely_not=no,
        reason=rep.reason, finding=finding, graph_key=chosen.key, algorithm=chosen.algorithm,
        reused=chosen.reused, graph=chosen.graph.to_json(), notes=notes, summary=summary,
    )


# ---- yes/no questions about paths ---------------------------------------------------------------
_FINDING: dict[str, dict[str, str]] = {
    "causes": {
        "yes": "{x} is a cause of {y}: a directed causal path leads from {x} to {y}",
        "no": "{x} is not a cause of {y}: no directed causal path leads from {x} to {y}",
        "uncertain": "it cannot be determined from the data whether {x} causes {y}, directly or through other "
                     "variables",
    },
    "explain_association": {
        "yes": "the association between {x} and {y} is causal",
        "partly": "the association between {x} and {y} is partly causal and partly due to confounding",
        "no": "the association between {x} and {y} is not causal",
        "uncertain": "it cannot be determined from the data whether the association between {x} and {y} is causal",
    },
    "adjustment_advice": {
        "yes": "adjust for {z} when estimating the effect of {x} on {y}",
        "no": "do not adjust for {z} when estimating the effect of {x} on {y}",
        "uncertain": "it cannot be determined from the data whether to adjust for {z} when estimating the effect "
                     "of {x} on {y}",
    },
}
_ASK = {"causes": "Is {x} a cause of {y} (directly or through other variables)?",
        "explain_association": "Why are {x} and {y} associated, and is the association causal?",
        "adjustment_advice": "Should {z} be adjusted for when estimating the effect of {x} on {y}?"}


def ask_path(ctx: Any, question: Literal["causes", "explain_association", "adjustment_advice"], x: str, y: str,
             z: str | None = None, graph_key: str | None = None, dataset: str | None = None) -> PathVerdict:
    """One path question over the graph's equivalence class, checked on the bootstrap resamples."""
    from causal_agent import graph_queries as gq

    names = [x, y] + ([z] if z is not None else [])
    chosen, notes = _choose(ctx, graph_key, dataset, names)
    x_, y_, *rest = chosen.names
    z_ = rest[0] if rest else None
    g = chosen.graph
    extra: dict[str, Any] = {}
    if question == "causes":
        qa = gq.total_cause(g, x_, y_)
        answer, reason, paths = qa.answer, qa.reason, qa.paths

        def ask_on(graph: Any) -> str:
            return gq.total_cause(graph, x_, y_).answer
    elif question == "explain_association":
        rep = gq.explain_association(g, x_, y_)
        answer, reason = rep.answer, rep.reason
        paths = [f"{p.path}: {', '.join(p.kinds)}" + ("" if p.open == "yes" else
                 " (blocked)" if p.open == "no" else " (open in some DAGs of the class)") for p in rep.paths]
        extra["associated"] = rep.associated

        def ask_on(graph: Any) -> str:
            return gq.explain_association(graph, x_, y_).answer
    else:
        role = gq.adjustment_role(g, x_, y_, z_)  # type: ignore[arg-type]
        answer, reason, paths = role.answer, role.reason, []
        extra.update(role=role.role, roles=role.roles, sets=role.sets)

        def ask_on(graph: Any) -> str:
            return gq.adjustment_role(graph, x_, y_, z_).answer  # type: ignore[arg-type]
    graph_answer = answer
    answer, reason, support_text, share = _stable(ctx, chosen, ask_on, answer, reason)
    words = {"x": x_, "y": y_, "z": z_ or ""}
    finding = _FINDING[question][answer].format(**words)
    if question == "adjustment_advice" and extra.get("role") not in (None, "uncertain"):
        finding += f": it is {gq.ROLE_WORDS[extra['role']]}"
    if answer != graph_answer:
        finding += ". The graph learned from resampled rows gives different answers here"
    elif answer == "uncertain":
        finding += ". The learned graph is an equivalence class, and its members disagree here"
    summary = f"{_ASK[question].format(**words)} {answer.capitalize()}: {reason} ({chosen.label}).{_tail(chosen)}"
    if notes:
        summary += " Notes: " + " ".join(notes)
    return PathVerdict(
        question=question, answer=answer, finding=finding, reason=reason, paths=paths,  # type: ignore[arg-type]
        graph_key=chosen.key, algorithm=chosen.algorithm, reused=chosen.reused, graph=g.to_json(), notes=notes,
        summary=summary, support=support_text, support_share=share, graph_answer=graph_answer,  # type: ignore[arg-type]
        **extra,
    )


# ---- tools --------------------------------------------------------------------------------------
Var = Annotated[str, "the variable whose causes or effects to list"]
Direct = Annotated[bool, "true: only direct ones (parents / children, one edge away)"]
GraphKey = Annotated[str | None, "memory key of a graph; omit to use the dataset's graph"]
Dataset = Annotated[str | None, "dataset name; omit for the loaded one"]

_DOCS = {
    "causes_of": "What causes a variable? Lists every other variable as definitely, possibly or definitely not a "
    "cause of it (an ancestor: a directed causal path into it, of any length), with the path, over every causal "
    "graph the data allow (discovers or reuses the dataset's graph). direct=true: only its direct causes "
    "(parents). For 'does X cause Y?' use causes; for what X affects use effects_of.",
    "effects_of": "What does a variable affect? Lists every other variable as definitely, possibly or definitely "
    "not an effect of it (a descendant: downstream along a directed causal path), with the path, over every "
    "causal graph the data allow. direct=true: only its direct effects (children). For what causes X use "
    "causes_of; for how large an effect is use estimate_effect.",
}
_SUMMARIES = {
    "causes_of": "What causes a variable? (direct=true: parents)",
    "effects_of": "What does a variable affect? (direct=true: children)",
}


def _relatives_tool(name: Literal["causes_of", "effects_of"]) -> Any:
    from langchain_core.tools import tool

    from causal_agent.tool_runtime import ToolRuntime

    direction: Literal["causes", "effects"] = "causes" if name == "causes_of" else "effects"

    def run(runtime: ToolRuntime, variable: Var, direct: Direct = False, graph_key: GraphKey = None,
            dataset: Dataset = None) -> tuple[str, dict[str, Any]]:
        result = relatives_table(runtime.context, variable, direction, direct, graph_key=graph_key, dataset=dataset)
        return result.summary, result.model_dump(mode="json")

    run.__doc__ = _DOCS[name]
    built = tool(name, response_format="content_and_artifact")(run)
    built.metadata = {"artifact": "table", "access": "read", "summary": _SUMMARIES[name]}
    return built


def causes_tool() -> Any:
    from langchain_core.tools import tool

    from causal_agent.tool_runtime import ToolRuntime

    @tool("causes", response_format="content_and_artifact")
    def run(runtime: ToolRuntime, x: Annotated[str, "the possible cause"], y: Annotated[str, "the possible effect"],
            graph_key: GraphKey = None, dataset: Dataset = None) -> tuple[str, dict[str, Any]]:
        """Does x cause y at all, directly or through other variables (total causation: a directed causal path
        from x to y of any length)? Answers yes / no / uncertain over every causal graph the data allow and names
        the paths; discovers or reuses the dataset's graph. For 'directly', 'a direct cause', 'a parent' or 'an
        edge' use direct_cause; for how large the effect is use estimate_effect."""
        result = ask_path(runtime.context, "causes", x, y, graph_key=graph_key, dataset=dataset)
        return result.summary, result.model_dump(mode="json")

    run.metadata = {"artifact": "verdict", "access": "read",
                    "summary": "Does x cause y, directly or not?"}
    return run


def explain_association_tool() -> Any:
    from langchain_core.tools import tool

    from causal_agent.tool_runtime import ToolRuntime

    @tool("explain_association", response_format="content_and_artifact")
    def run(runtime: ToolRuntime, a: Annotated[str, "first variable"], b: Annotated[str, "second variable"],
            graph_key: GraphKey = None, dataset: Dataset = None) -> tuple[str, dict[str, Any]]:
        """Why are a and b associated (correlated), and is the association causal? Lists the open paths between
        them in the causal graph (causal chains, confounding through a common cause; colliders block a path) and
        answers yes (only causal paths), partly (causal and confounding), no (only confounding, or no association)
        or uncertain (the graphs the data allow disagree). For a statistical test of dependence use
        test_independence; for a shared cause alone use shared_confounder."""
        result = ask_path(runtime.context, "explain_association", a, b, graph_key=graph_key, dataset=dataset)
        return result.summary, result.model_dump(mode="json")

    run.metadata = {"artifact": "verdict", "access": "read",
                    "summary": "Why are a and b associated; is it causal?"}
    return run


def adjustment_advice_tool() -> Any:
    from langchain_core.tools import tool

    from causal_agent.tool_runtime import ToolRuntime

    @tool("adjustment_advice", response_format="content_and_artifact")
    def run(runtime: ToolRuntime, treatment: Annotated[str, "the treatment (cause) variable"],
            outcome: Annotated[str, "the outcome (effect) variable"],
            variable: Annotated[str, "the variable one might adjust (control) for"],
            graph_key: GraphKey = None, dataset: Dataset = None) -> tuple[str, dict[str, Any]]:
        """Should one variable be adjusted (controlled) for when estimating the effect of treatment on outcome?
        Says its role on the paths between them (confounder, mediator, collider, descendant of a collider or of
        the treatment, or none) and answers yes / no / uncertain with the reason: confounders yes; mediators,
        colliders and their descendants no. For the whole set of variables to adjust for use adjustment_sets."""
        result = ask_path(runtime.context, "adjustment_advice", treatment, outcome, variable,
                          graph_key=graph_key, dataset=dataset)
        return result.summary, result.model_dump(mode="json")

    run.metadata = {"artifact": "verdict", "access": "read",
                    "summary": "Adjust for variable when estimating treatment -> outcome?"}
    return run


def causal_question_tools() -> list[Any]:
    """The plugin's five tools, built fresh (no module-level state)."""
    return [_relatives_tool("causes_of"), _relatives_tool("effects_of"), causes_tool(),
            explain_association_tool(), adjustment_advice_tool()]


@hookimpl
def register_tools(register):  # type: ignore[no-untyped-def]
    for t in causal_question_tools():
        register(t)
