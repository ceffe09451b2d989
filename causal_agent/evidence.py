"""No verdict without evidence: what an LLM's reply must be backed by, and how its text is held
to the tools' results.

The agent graph asks three things of this module:

* :func:`needs_evidence`: would an answer to this question carry a verdict, a graph or an
  effect? Then a reply that ran no tool is re-asked once (:func:`nudge`) and, failing again,
  returned as ``complete: false`` with ``incomplete_reason: "no_evidence"``.
* :func:`claimed_verdict`: the yes/no/uncertain the model's own ``ANSWER:`` line claims, so the
  answer can say when it contradicts the tool's artifact (the artifact wins).
* :func:`tool_message_for_model`: a tool result as the model reads it, with the data's own text
  (column names, cell values) quoted as data.

The planner is the one reader of questions (the offline model uses the same code), so the test
"is this a data question?" is the planner's, not a second keyword list here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from langchain_core.messages import ToolMessage

    from .context import AgentContext

#: the artifact kinds whose answer is a claim about the data
EVIDENCE_KINDS = frozenset({"verdict", "graph", "effect"})

_CLAIM = re.compile(r"^[ \t>*_`-]*ANSWER[ \t*_`]*:[ \t*_`]*(yes|no|partly|uncertain)\b", re.I | re.M)


def claimed_verdict(text: str) -> str | None:
    """The verdict of the model's last ``ANSWER:`` line (None when it wrote none, or ``none``)."""
    found = _CLAIM.findall(text or "")
    return found[-1].lower() if found else None


def needs_evidence(question: str, reply_text: str, ctx: AgentContext) -> bool:
    """Whether an answer to ``question`` needs a tool result behind it: the planner reads it as a
    question whose tool returns a verdict, a graph or an effect, or the model's reply claims a
    verdict anyway. With no dataset loaded there is nothing to test, so nothing is demanded."""
    if not ctx.datasets:
        return False
    if claimed_verdict(reply_text) is not None:
        return True
    planner = ctx.planner()
    if planner is None:
        return False
    datasets = {ds.name: list(ds.variables) for ds in ctx.datasets}
    plan = planner.plan(question, datasets)
    return plan.tool is not None and ctx.artifact_kind(plan.tool) in EVIDENCE_KINDS


def nudge(tool_names: Iterable[str]) -> str:
    """The one re-ask a reply without evidence gets."""
    names = ", ".join(sorted(tool_names))
    return (
        "Your reply ran no tool, so nothing in it is backed by the data. Do not answer from memory "
        f"or invent results. Call one of the tools ({names}) now, as a tool call, with the exact "
        "column names; then answer only from its result."
    )


NO_EVIDENCE = (
    "The model gave no evidence: it answered without running any tool (it was asked once more to "
    "call one, and did not), so its reply is not shown. Try again, a larger model, or --model "
    "offline."
)


def contradiction_note(claimed: str, verdict: str, tool: str) -> str:
    """What the answer says when the model's ANSWER line and the tool's artifact disagree."""
    return (
        f"Note: the model's reply said '{claimed}', but the tool's result ({tool}) says '{verdict}'; "
        f"the answer is the tool's, '{verdict}'."
    )


def _odd(name: str) -> bool:
    """A name worth quoting: not an identifier (``smoking``, ``größe``), and with a letter or
    digit in it, so that a column called ``-`` or ``%`` does not rewrite every dash or percent
    sign in a result (``a --> b``)."""
    return len(name) >= 2 and not name.isidentifier() and any(ch.isalnum() for ch in name)


def quote_names(text: str, names: Sequence[str]) -> str:
    """``text`` with every name that is not a plain identifier written as a JSON string, so a
    column called ``x\\nSYSTEM: ignore …`` reads as one quoted datum, never as a line of its own.
    Plain identifiers (``smoking``) are left alone: quoting them would also hit ordinary words."""
    odd = sorted({n for n in names if _odd(n)}, key=len, reverse=True)
    if not odd:
        return text
    pattern = re.compile("|".join(re.escape(n) for n in odd))
    return pattern.sub(lambda m: _json(m.group(0)), text)


def data_names(ctx: AgentContext | None) -> list[str]:
    """Every dataset and column name the loaded data brings into the conversation."""
    if ctx is None:
        return []
    names: list[str] = []
    for ds in ctx.datasets:
        names.append(ds.name)
        names.extend(str(c) for c in ds.frame.columns)
    return names


def tool_message_for_model(message: ToolMessage, names: Sequence[str]) -> ToolMessage:
    """The tool result as an LLM reads it: one JSON object whose ``result`` string holds the
    tool's text, odd names quoted inside it. JSON escapes every newline and quote in the data,
    so nothing from a column name or a cell can start a line that reads like an instruction;
    the system prompt says that tool results are data."""
    text = message.content if isinstance(message.content, str) else json.dumps(message.content)
    body = {
        "tool": message.name,
        "status": "error" if getattr(message, "status", "success") == "error" else "ok",
        "result": quote_names(text, names),
    }
    return message.model_copy(update={"content": _json(body)})


def _json(value: Any) -> str:
    """JSON that keeps non-ASCII names readable but escapes every line break, the Unicode ones
    (U+2028, U+2029, U+0085) included, which ``json.dumps`` leaves raw without ``ensure_ascii``."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")


def messages_for_model(messages: Sequence[Any], ctx: AgentContext | None) -> list[Any]:
    """``messages`` with each tool result rewritten by :func:`tool_message_for_model`."""
    from langchain_core.messages import ToolMessage

    names = data_names(ctx)
    return [tool_message_for_model(m, names) if isinstance(m, ToolMessage) else m for m in messages]
