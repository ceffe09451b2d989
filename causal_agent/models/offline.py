"""The offline planner: the default chat model, which needs no API key and no network.

It is a real LangChain ``BaseChatModel``, so the agent graph treats it exactly like an LLM:

* on a new question it parses the question (:mod:`causal_agent.models.parser`, with the column names
  read from the system prompt's ``## Loaded datasets`` block) and answers with ONE ``AIMessage``
  carrying real ``tool_calls``;
* once the tool results are in, it writes the final answer from the ``ToolMessage`` artifacts: a
  verdict, the evidence, and the ``ANSWER:`` line in the polarity of the question as asked.

A single-hop question therefore takes exactly two model calls. Everything is deterministic: the
same conversation gives the same messages, tool-call ids included.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from ..prompts import parse_datasets_block
from .parser import KIND_DESCRIPTIONS, Intent, load_vocabulary, parse_question, summarize_intent

#: the tool that answers each kind of question
TOOL_FOR_KIND: dict[str, str] = {
    "independence": "test_independence",
    "direct_cause": "direct_cause",
    "confounder": "shared_confounder",
    "collider": "shared_collider",
    "graph": "discover_graph",
    "partial_graph": "discover_graph",
    "effect": "estimate_effect",
    "d_separation": "d_separation",
    "adjustment_set": "adjustment_set",
    "list_graphs": "list_graphs",
}

CAPABILITIES = (
    "I answer causal questions about the loaded data: whether two variables are (conditionally) "
    "independent; whether one directly causes another; whether two share a common cause "
    "(confounder) or a common effect (collider); the causal graph, or a partial graph over some "
    "variables; and the average treatment effect of one variable on another."
)


class OfflinePlanner(BaseChatModel):
    """A deterministic, rule-based planner that speaks the chat-model protocol with tool calls."""

    vocabulary_file: str = "offline_vocabulary.json"

    @property
    def _llm_type(self) -> str:
        return "causal-agent-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": "offline", "vocabulary_file": self.vocabulary_file}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):  # type: ignore[override]
        """Bind tools (LangChain tools, functions, pydantic models or OpenAI dicts)."""
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        bound = _bound_tools(kwargs.get("tools"))
        message = self.respond(messages, bound)
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output={"model_name": "offline"})

    # ----------------------------------------------------------------------------------------------

    def respond(self, messages: Sequence[BaseMessage], tools: Mapping[str, set[str]] | None) -> AIMessage:
        """The next assistant message for ``messages`` given the bound tools (name -> arg names)."""
        datasets = _datasets_from(messages)
        humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
        if not humans:
            return _ai("Ask me a causal question about the loaded data. " + CAPABILITIES)
        last = humans[-1]
        vocab = load_vocabulary(self.vocabulary_file)
        history: list[Intent] = []
        for i in humans[:-1]:
            history.append(parse_question(_text(messages[i]), datasets, history, vocab))
        intent = parse_question(_text(messages[last]), datasets, history, vocab)
        after = list(messages[last + 1 :])
        results = [m for m in after if isinstance(m, ToolMessage)]
        if results:
            calls = {}
            for m in after:
                if isinstance(m, AIMessage):
                    for c in m.tool_calls:
                        calls[c["id"]] = c
            return _ai(compose_answer(intent, results, calls))
        return self._plan(intent, tools, salt=f"{len(messages)}:{_text(messages[last])}")

    def _plan(self, intent: Intent, tools: Mapping[str, set[str]] | None, salt: str) -> AIMessage:
        if intent.kind == "unknown":
            return _ai(_unclear_message(intent))
        name = TOOL_FOR_KIND[intent.kind]
        tools = tools if tools is not None else {}  # nothing bound: no tool may be called
        if name not in tools:
            available = ", ".join(sorted(tools)) or "none"
            return _ai(
                f"I understood the question: {intent.describe()}. But the tool it needs, `{name}`, is "
                f"not available to me (available tools: {available}). Enable the plugin that provides it."
            )
        args = tool_args(intent)
        if tools.get(name):
            args = {k: v for k, v in args.items() if k in tools[name]}
        call_id = "call_" + hashlib.sha256(f"{salt}|{name}|{sorted(args.items())!r}".encode()).hexdigest()[:20]
        text = f"Understood: {intent.describe()}."
        notes = [n for n in intent.notes if not n.startswith("columns of")]
        if notes:
            text += " (" + "; ".join(notes) + ")"
        return _ai(text, tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])


# --------------------------------------------------------------------------------------------------
# Planning helpers


def tool_args(intent: Intent) -> dict[str, Any]:
    """The tool-call arguments for a parsed question (tool names and argument names: architecture.md)."""
    k = intent.kind
    args: dict[str, Any] = {}
    if k in {"independence", "d_separation"}:
        args = {"x": intent.x, "y": intent.y, "given": list(intent.given)}
        if k == "independence":
            if intent.method:
                args["method"] = intent.method
            if intent.alpha is not None:
                args["alpha"] = intent.alpha
    elif k in {"direct_cause", "confounder", "collider"}:
        args = {"x": intent.x, "y": intent.y}
    elif k == "graph":
        args = {}
    elif k == "partial_graph":
        args = {"variables": list(intent.variables)}
    elif k == "effect":
        args = {"treatment": intent.treatment, "outcome": intent.outcome, "t0": intent.t0, "t1": intent.t1}
        if intent.confounders is not None:
            args["confounders"] = list(intent.confounders)
    elif k == "adjustment_set":
        args = {"treatment": intent.treatment, "outcome": intent.outcome}
    if k in {"graph", "partial_graph"}:
        if intent.algorithm:
            args["algorithm"] = intent.algorithm
        if intent.alpha is not None:
            args["alpha"] = intent.alpha
    if intent.dataset and k != "list_graphs":
        args["dataset"] = intent.dataset
    return args


def _bound_tools(tools: Iterable[Any] | None) -> dict[str, set[str]] | None:
    """Bound tool name -> its argument names (None when nothing is bound)."""
    if tools is None:
        return None
    out: dict[str, set[str]] = {}
    for t in tools:
        spec = t if isinstance(t, Mapping) else convert_to_openai_tool(t)
        fn = spec.get("function", spec)
        name = fn.get("name")
        if name:
            props = (fn.get("parameters") or {}).get("properties") or {}
            out[name] = set(props)
    return out


def _datasets_from(messages: Sequence[BaseMessage]) -> dict[str, list[str]]:
    for m in reversed(messages):
        if isinstance(m, SystemMessage):
            parsed = parse_datasets_block(_text(m))
            if parsed:
                return {name: list(info.get("variables", [])) for name, info in parsed.items()}
    return {}


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


def _ai(content: str, tool_calls: list[dict[str, Any]] | None = None) -> AIMessage:
    return AIMessage(
        content=content,
        tool_calls=tool_calls or [],
        response_metadata={"model_name": "offline"},
        usage_metadata=None,
    )


def _unclear_message(intent: Intent) -> str:
    q = intent.question.strip()
    if not q:
        return "The question is empty. " + CAPABILITIES + " For example: 'Are A and B independent given C?'"
    if any(m.startswith("a dataset") for m in intent.missing):
        return "No dataset is loaded, so I cannot analyse anything yet. Load a CSV first (e.g. `--data FILE.csv`)."
    found_vars = any(n.startswith("variables named") for n in intent.notes) or intent.x
    if intent.missing == ["what you want to know"] and not found_vars:
        return (
            "This looks out of scope: I could not find a causal question about the loaded data in it. "
            + CAPABILITIES
        )
    kinds = ", ".join(KIND_DESCRIPTIONS[k] for k in ("independence", "direct_cause", "confounder", "collider", "graph", "effect"))
    text = "I could not tell exactly what you are asking, so I have not run any tool.\n" + summarize_intent(intent)
    if intent.missing and intent.missing[0] == "what you want to know":
        text += f"\nI can test: {kinds}."
    return text


# --------------------------------------------------------------------------------------------------
# Answer composition


def _num(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _g(value: Any, digits: int = 4) -> str:
    v = _num(value)
    if v is None:
        return str(value)
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.{max(digits - 1, 1)}e}"
    return f"{v:.{digits}g}"


def _names(items: Iterable[Any]) -> str:
    items = [str(i) for i in items]
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _is_error(m: ToolMessage) -> bool:
    return getattr(m, "status", "success") == "error" or (
        m.artifact is None and str(m.content).lstrip().lower().startswith("error")
    )


def compose_answer(intent: Intent, results: Sequence[ToolMessage], calls: Mapping[str, Mapping[str, Any]]) -> str:
    """The final answer from the tool results, ending with the ``ANSWER:`` line when it applies."""
    primary_name = TOOL_FOR_KIND.get(intent.kind)
    blocks: list[str] = []
    answer_line: str | None = None
    errors: list[str] = []
    for m in results:
        call = calls.get(m.tool_call_id, {})
        name = m.name or call.get("name") or "tool"
        if _is_error(m):
            errors.append(_error_text(name, m, call))
            continue
        art = m.artifact if isinstance(m.artifact, Mapping) else None
        text, line = _render_result(name, art, _text(m), intent, call.get("args", {}))
        blocks.append(text)
        if line is not None and (answer_line is None or name == primary_name):
            answer_line = line
    if errors and not blocks:
        return "\n".join(errors) + "\nI could not answer the question, so there is no ANSWER line."
    body = "\n\n".join(blocks + errors)
    if answer_line is None:
        answer_line = "none"
    return f"{body}\nANSWER: {answer_line}"


def _error_text(name: str, m: ToolMessage, call: Mapping[str, Any]) -> str:
    msg = str(_text(m)).strip()
    msg = re.sub(r"^Error:\s*", "", msg)
    msg = re.sub(r"\s*Please fix your mistakes\.?\s*$", "", msg)
    args = call.get("args")
    shown = f" with {args}" if args else ""
    return (
        f"The tool `{name}` failed{shown}: {msg}. "
        "Fix what the message names (for example use one of the suggested column names) and ask again."
    )


def _render_result(
    name: str, art: Mapping[str, Any] | None, content: str, intent: Intent, args: Mapping[str, Any]
) -> tuple[str, str | None]:
    if name == "test_independence":
        return _render_independence(art, content, intent, args)
    if name in {"direct_cause", "shared_confounder", "shared_collider", "d_separation"}:
        return _render_query(name, art, content, intent, args)
    if name == "discover_graph":
        return _render_graph(art, content, intent), None
    if name == "estimate_effect":
        return _render_effect(art, content, intent), None
    if name == "adjustment_set":
        return _render_adjustment(art, content, args), None
    return (content.strip() or f"`{name}` returned no output."), None


def _render_independence(
    art: Mapping[str, Any] | None, content: str, intent: Intent, args: Mapping[str, Any]
) -> tuple[str, str | None]:
    a = dict(art or {})
    if not art:  # fall back to the summary text
        for key, pat in (
            ("p_value", r"p(?:[-_ ]?value)?\s*(?:=|:|is)\s*([-+0-9.eE]+)"),
            ("alpha", r"alpha\s*(?:=|:|is)\s*([0-9.eE-]+)"),
            ("statistic", r"statistic\s*(?:=|:|is)?\s*([-+0-9.eE]+)"),
            ("n", r"\bn\s*=\s*(\d+)"),
        ):
            hit = re.search(pat, content, re.I)
            if hit:
                a[key] = hit.group(1).rstrip(".")
        low = content.lower()
        if "independent" in low.replace("not independent", "") and "dependent:" not in low:
            a.setdefault("independent", True)
        elif re.search(r"\bdependent\b", low):
            a.setdefault("independent", False)
    x = a.get("x") or args.get("x") or intent.x
    y = a.get("y") or args.get("y") or intent.y
    given = list(a.get("given") or args.get("given") or [])
    p, alpha = _num(a.get("p_value")), _num(a.get("alpha"))
    if p is not None and alpha is not None:
        independent = p >= alpha  # p < alpha rejects independence: DEPENDENT
    elif isinstance(a.get("independent"), bool):
        independent = bool(a["independent"])
    else:
        return (content.strip() or "The independence test returned no decision.", "uncertain")
    cond = f" given {_names(given)}" if given else ""
    polarity = intent.polarity or "independent"
    yes = independent if polarity == "independent" else not independent
    if independent:
        finding = f"{x} and {y} are independent{cond}: the test finds no significant dependence"
    else:
        finding = f"{x} and {y} are dependent{cond}: the test rejects independence"
    verdict = ("Yes. " if yes else "No. ") + finding[0].upper() + finding[1:] + "."
    evidence = []
    method = a.get("method")
    if method:
        evidence.append(f"test {method}")
    if a.get("statistic") is not None:
        evidence.append(f"{a.get('statistic_name') or 'statistic'} {_g(a['statistic'])}")
    if p is not None and alpha is not None:
        rel = "<" if p < alpha else ">="
        shown_p = "< 1e-16" if p == 0 else _g(p, 3)
        evidence.append(f"p-value {shown_p} {rel} alpha {_g(alpha)}" if p else f"p-value {shown_p} (< alpha {_g(alpha)})")
    if a.get("n") is not None:
        evidence.append(f"n = {a['n']}")
    text = verdict
    if evidence:
        text += " Evidence: " + ", ".join(evidence) + "."
    if independent:
        text += " (Not rejecting independence is not proof of it; a larger sample could still find a weak dependence.)"
    return text, "yes" if yes else "no"


_QUERY_TEXT = {
    "direct_cause": ("{x} is a direct cause of {y}", "{x} is not a direct cause of {y}",
                     "it cannot be determined from the data whether {x} directly causes {y}"),
    "shared_confounder": ("{x} and {y} share a common cause (confounder)",
                          "{x} and {y} share no common cause (confounder)",
                          "it cannot be determined from the data whether {x} and {y} share a common cause"),
    "shared_collider": ("{x} and {y} share a common effect (collider)",
                        "{x} and {y} share no common effect (collider)",
                        "it cannot be determined from the data whether {x} and {y} share a common effect"),
    "d_separation": ("{x} and {y} are d-separated{cond} in the causal graph",
                     "{x} and {y} are d-connected{cond} in the causal graph",
                     "it cannot be determined whether {x} and {y} are d-separated{cond}"),
}


def _render_query(
    name: str, art: Mapping[str, Any] | None, content: str, intent: Intent, args: Mapping[str, Any]
) -> tuple[str, str | None]:
    a = dict(art or {})
    answer = str(a.get("answer", "")).strip().lower()
    if answer not in {"yes", "no", "uncertain"}:
        hit = re.search(r"\b(yes|no|uncertain)\b", content, re.I)
        answer = hit.group(1).lower() if hit else "uncertain"
        a.setdefault("reason", content.strip())
    x = a.get("x") or args.get("x") or intent.x
    y = a.get("y") or args.get("y") or intent.y
    given = list(a.get("given") or args.get("given") or [])
    cond = f" given {_names(given)}" if given else ""
    yes_t, no_t, unc_t = _QUERY_TEXT[name]
    sentence = {"yes": yes_t, "no": no_t, "uncertain": unc_t}[answer].format(x=x, y=y, cond=cond)
    flip = intent.negated or (name == "d_separation" and intent.polarity == "dependent")
    shown = answer
    if flip and answer in {"yes", "no"}:
        shown = "no" if answer == "yes" else "yes"
    text = f"{shown.capitalize()}. {sentence[0].upper() + sentence[1:]}."
    if answer == "uncertain":
        text += " The learned graph is an equivalence class, and its members disagree here."
    reason = a.get("reason")
    if reason:
        text += f" Reason: {str(reason).rstrip('.')}."
    key = a.get("graph_key")
    if key:
        text += f" (graph `{key}`)"
    return text, shown


def _edges_text(graph: Mapping[str, Any]) -> list[str]:
    out = []
    for e in graph.get("edges", []) or []:
        if isinstance(e, Mapping):
            out.append(f"{e.get('source')} {e.get('type', '-->')} {e.get('target')}")
        else:
            out.append(str(e))
    return out


def _render_graph(art: Mapping[str, Any] | None, content: str, intent: Intent) -> str:
    if not art or not isinstance(art.get("graph"), Mapping):
        return content.strip() or "The discovery tool returned no graph."
    graph = art["graph"]
    nodes = list(graph.get("nodes", []))
    edges = _edges_text(graph)
    scope = f"over {_names(nodes)}" if intent.kind == "partial_graph" else f"of the data ({len(nodes)} variables)"
    text = f"Causal graph {scope}"
    if art.get("algorithm"):
        text += f", learned with {art['algorithm']}"
    text += f": {len(edges)} edge{'s' if len(edges) != 1 else ''}."
    if edges:
        text += "\n" + "\n".join(f"  {e}" for e in edges)
    linked = {str(e.get(k)) for e in graph.get("edges", []) or [] if isinstance(e, Mapping) for k in ("source", "target")}
    isolated = [n for n in nodes if str(n) not in linked]
    if isolated:
        text += f"\nNo edges: {_names(isolated)}."
    text += "\n`-->` is a directed edge; `---` means the direction is not identified from the data."
    details = []
    if art.get("key"):
        details.append(f"stored as `{art['key']}`" + (" (reused from memory)" if art.get("reused") else ""))
    if art.get("reason"):
        details.append(str(art["reason"]).rstrip("."))
    if details:
        text += "\n" + "; ".join(details) + "."
    return text


def _render_effect(art: Mapping[str, Any] | None, content: str, intent: Intent) -> str:
    if not art or _num(art.get("estimate")) is None:
        return content.strip() or "The effect estimator returned no estimate."
    t = art.get("treatment") or intent.treatment
    o = art.get("outcome") or intent.outcome
    t0 = art.get("t0", intent.t0)
    t1 = art.get("t1", intent.t1)
    est = _num(art["estimate"])
    assert est is not None
    direction = "increases" if est > 0 else "decreases" if est < 0 else "does not change"
    text = f"Changing {t} from {_g(t0)} to {_g(t1)} {direction} {o} by {_g(abs(est))} on average (ATE = {_g(est)}"
    lo, hi = _num(art.get("ci_low")), _num(art.get("ci_high"))
    if lo is not None and hi is not None:
        text += f", 95% CI {_g(lo)} to {_g(hi)}"
        if lo <= 0 <= hi:
            text += ", which includes 0"
    text += ")."
    parts = []
    if art.get("method"):
        parts.append(f"Method: {art['method']}")
    adj = art.get("adjustment_set")
    if adj is not None:
        parts.append("adjustment set: " + ("{" + ", ".join(map(str, adj)) + "}" if adj else "none (empty set)"))
    if art.get("assumption"):
        parts.append(f"assumption: {str(art['assumption']).rstrip('.')}")
    if parts:
        text += " " + "; ".join(parts) + "."
    rng = art.get("range")
    if isinstance(rng, Mapping) and _num(rng.get("min")) is not None and _num(rng.get("max")) is not None:
        text += (
            f" The graph leaves the adjustment set ambiguous: over the causal structures the data allow, "
            f"the effect ranges from {_g(rng['min'])} to {_g(rng['max'])}."
        )
    if art.get("graph_implies_zero"):
        text += f" The causal graph has no directed path from {t} to {o}, which implies no effect."
    ref = art.get("refutation")
    if isinstance(ref, Mapping) and ref:
        verdict = "passed" if ref.get("passed") else "failed" if ref.get("passed") is False else "ran"
        extra = []
        if _num(ref.get("new_effect")) is not None:
            extra.append(f"new effect {_g(ref['new_effect'])}")
        if _num(ref.get("p_value")) is not None:
            extra.append(f"p = {_g(ref['p_value'], 3)}")
        text += f" Refutation ({ref.get('refuter', 'refuter')}): {verdict}" + (f" ({', '.join(extra)})" if extra else "") + "."
    elif isinstance(ref, str) and ref.strip():
        text += f" Refutation check: {ref.strip().rstrip('.')}."
    notes = art.get("notes")
    if isinstance(notes, Sequence) and not isinstance(notes, str) and notes:
        text += " Notes: " + "; ".join(str(n).rstrip(".") for n in notes[:3]) + "."
    return text


def _render_adjustment(art: Mapping[str, Any] | None, content: str, args: Mapping[str, Any]) -> str:
    if not art or "sets" not in art:
        return content.strip() or "The adjustment-set tool returned nothing."
    sets = art.get("sets") or []
    t, o = args.get("treatment"), args.get("outcome")
    if not sets:
        text = f"No valid adjustment set was found for the effect of {t} on {o}."
    else:
        shown = "; ".join("{" + ", ".join(map(str, s)) + "}" if s else "{} (no adjustment needed)" for s in sets)
        text = f"Valid adjustment sets for the effect of {t} on {o}: {shown}."
    if art.get("reason"):
        text += f" {str(art['reason']).rstrip('.')}."
    return text
