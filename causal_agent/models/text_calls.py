"""Tool calls a model wrote as text, recovered and validated against the bound tools.

Small local models (Qwen, Llama, Mistral through llama.cpp, Ollama or LM Studio) often write the
call they mean in the message text instead of the OpenAI ``tool_calls`` field. This module finds
those calls in the common formats, keeps only the ones that name a bound tool with arguments its
schema accepts, and returns them as ordinary LangChain tool calls. Everything else the model wrote
(an invented "result", a verdict) is dropped from the message, so it can never reach an answer.

Formats read (each also inside a Markdown fence, several per reply):

* JSON: ``{"name": …, "arguments"|"parameters": {…}}`` (arguments may be a JSON string), the
  OpenAI shape ``{"type": "function", "function": {…}}``, or a list of either;
* Hermes / Qwen ``<tool_call>…</tool_call>`` (the closing tag may be missing at the end);
* ``<tools>…</tools>`` holding JSON or ``<function name="x" arguments='{…}'/>`` /
  ``<function name="x">{…}</function>``;
* Llama 3 ``<|python_tag|>{…}`` (JSON, or a Python-style call), ending ``<|eom_id|>`` or not;
* Mistral ``[TOOL_CALLS] [{…}]`` and ``[TOOL_CALLS]name[ARGS]{…}``;
* Llama 3.1 ``<function=name>{…}</function>``;
* a Python-style call of a bound tool, ``test_independence(x="a", y="b")``, read with ``ast``
  (literal values only, never evaluated).

The agent composes it behind the model: ``model.bind_tools(...) | make_recovery_runnable(tools)``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool

#: text beyond this is not scanned (a runaway generation can be megabytes of newlines)
MAX_SCAN = 100_000
#: at most this many calls are taken from one reply
MAX_CALLS = 8

_FLAGS = re.DOTALL | re.IGNORECASE
_TAG_TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", _FLAGS)
_TAG_TOOLS = re.compile(r"<tools>(.*?)(?:</tools>|$)", _FLAGS)
_TAG_FUNCTION_EQ = re.compile(r"<function=([A-Za-z_][\w.-]*)>(.*?)(?:</function>|$)", _FLAGS)
_FUNCTION_ELEMENT = re.compile(
    r"""<function\s+name\s*=\s*(["'])([^"']+)\1(?:\s+(?:arguments|parameters|args)\s*=\s*(?:'([^']*)'|"((?:[^"\\]|\\.)*)"))?\s*(/>|>(.*?)</function>)""",
    _FLAGS,
)
_PYTHON_TAG = re.compile(r"<\|python_tag\|>(.*?)(?:<\|eom_id\|>|<\|eot_id\|>|$)", _FLAGS)
_MISTRAL = re.compile(r"\[TOOL_CALLS\]\s*(.*?)(?=\[TOOL_CALLS\]|$)", _FLAGS)
_OPENERS = re.compile(r"(?:<tool_call>|<tools>|<\|python_tag\|>|\[TOOL_CALLS\]|```[A-Za-z]*|`|calls?:?)\s*$", re.IGNORECASE)
_MISTRAL_ARGS = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*\[ARGS\]\s*", re.IGNORECASE)


@dataclass
class RecoveredCalls:
    """What a reply's text held: the valid calls, why other candidates were rejected, and the text
    before the first call."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    format: str | None = None
    rejected: list[str] = field(default_factory=list)
    preamble: str = ""


@dataclass
class _Candidate:
    start: int
    name: str
    args: Any
    format: str


def _tool_map(tools: Sequence[BaseTool] | Mapping[str, BaseTool]) -> dict[str, BaseTool]:
    if isinstance(tools, Mapping):
        return dict(tools)
    return {t.name: t for t in tools}


# -- finding candidates -----------------------------------------------------------------------

def _json_values(text: str, offset: int = 0) -> list[tuple[int, int, Any]]:
    """Every top-level JSON object or array in ``text``: (start, end, value), left to right."""
    decoder = json.JSONDecoder()
    out: list[tuple[int, int, Any]] = []
    i, n = 0, len(text)
    while i < n:
        j = min((k for k in (text.find("{", i), text.find("[", i)) if k >= 0), default=-1)
        if j < 0:
            break
        try:
            value, end = decoder.raw_decode(text, j)
        except ValueError:
            i = j + 1
            continue
        out.append((offset + j, offset + end, value))
        i = end
    return out


def _call_shapes(value: Any) -> list[tuple[str, Any]]:
    """(name, arguments) for each call-shaped JSON value: one object, the OpenAI shape, or a list."""
    if isinstance(value, list):
        return [c for item in value for c in _call_shapes(item)]
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("function"), dict) and "name" in value["function"]:
        value = value["function"]
    name = value.get("name")
    if not isinstance(name, str):
        return []
    for key in ("arguments", "parameters", "args", "input"):
        if key in value:
            return [(name, value[key])]
    return []


def _json_candidates(text: str, offset: int, fmt: str) -> list[_Candidate]:
    found = []
    for start, _end, value in _json_values(text, offset):
        found.extend(_Candidate(start, name, args, fmt) for name, args in _call_shapes(value))
    return found


def _python_calls(text: str, offset: int, names: Sequence[str], fmt: str,
                  taken: list[tuple[int, int]] | None = None) -> list[_Candidate]:
    """``tool(x="a", y=2)`` for each bound tool name, with balanced parentheses, parsed by ``ast``."""
    if not names:
        return []
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")\s*\(")
    found = []
    for m in pattern.finditer(text):
        at = offset + m.start()
        if taken and any(a <= at < b for a, b in taken):
            continue
        end = _closing_paren(text, m.end() - 1)
        if end is None:
            continue
        parsed = _parse_call(text[m.start(1):end + 1])
        if parsed is not None:
            found.append(_Candidate(at, m.group(1), parsed, fmt))
    return found


def _closing_paren(text: str, open_at: int) -> int | None:
    """The index of the parenthesis closing the one at ``open_at`` (quotes respected)."""
    depth, quote, i = 0, "", open_at
    limit = min(len(text), open_at + 5000)
    while i < limit:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i if c == ")" else None
        i += 1
    return None


_LITERAL_NAMES = {"null": None, "None": None, "true": True, "True": True, "false": False, "False": False}


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Name) and node.id in _LITERAL_NAMES:
        return _LITERAL_NAMES[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
    return ast.literal_eval(node)


def _parse_call(source: str) -> dict[str, Any] | None:
    """Keyword and positional literal arguments of one call expression (positional ones keyed
    ``"__pos_N"`` until the tool's schema names them); None if it is not a plain call."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return None
    call = tree.body
    if not isinstance(call, ast.Call):
        return None
    try:
        args: dict[str, Any] = {f"__pos_{i}": _literal(a) for i, a in enumerate(call.args)}
        for kw in call.keywords:
            if kw.arg is None:
                return None
            args[kw.arg] = _literal(kw.value)
    except (ValueError, TypeError, SyntaxError):
        return None
    return args


def _function_elements(text: str, offset: int) -> list[_Candidate]:
    found = []
    for m in _FUNCTION_ELEMENT.finditer(text):
        if m.group(3) is not None:
            raw: Any = m.group(3)
        elif m.group(4) is not None:  # arguments="{\"x\": …}"
            raw = m.group(4).replace('\\"', '"')
        else:
            raw = _first_json(m.group(6) or "") if m.group(6) else {}
        found.append(_Candidate(offset + m.start(), m.group(2).strip(), raw, "tools_tag"))
    return found


def _candidates(text: str, names: Sequence[str]) -> list[_Candidate]:
    """Every call-shaped span in ``text``, tags first; bare JSON and Python calls outside them."""
    found: list[_Candidate] = []
    spans: list[tuple[int, int]] = []

    def tagged(regex: re.Pattern[str], fmt: str, inner: Any) -> None:
        for m in regex.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            body_at = m.start(1)
            got = inner(m, body_at)
            if got:
                found.extend(got)
                spans.append((m.start(), m.end()))

    tagged(_TAG_TOOL_CALL, "tool_call_tag", lambda m, at: _json_candidates(m.group(1), at, "tool_call_tag"))
    tagged(_TAG_TOOLS, "tools_tag", lambda m, at: (_function_elements(m.group(1), at)
                                                   or _json_candidates(m.group(1), at, "tools_tag")))
    tagged(_TAG_FUNCTION_EQ, "function_tag",
           lambda m, at: [_Candidate(m.start(), m.group(1), _first_json(m.group(2)), "function_tag")])
    tagged(_PYTHON_TAG, "python_tag", lambda m, at: (_json_candidates(m.group(1), at, "python_tag")
                                                      or _python_calls(m.group(1), at, names, "python_tag")))
    tagged(_MISTRAL, "mistral", _mistral)
    # a <function name=…/> element outside a <tools> block
    for cand in _function_elements(text, 0):
        if not any(a <= cand.start < b for a, b in spans):
            found.append(cand)
            spans.append((cand.start, cand.start + 1))
    for start, end, value in _json_values(text):
        if any(a <= start < b for a, b in spans):
            continue
        shapes = _call_shapes(value)
        if shapes:
            fmt = "json"
            found.extend(_Candidate(start, n, a, fmt) for n, a in shapes)
            spans.append((start, end))
    found.extend(_python_calls(text, 0, names, "python_call", spans))
    return sorted(found, key=lambda c: c.start)


def _first_json(text: str) -> Any:
    values = _json_values(text)
    return values[0][2] if values else text


def _mistral(m: re.Match[str], at: int) -> list[_Candidate]:
    body = m.group(1)
    named = _MISTRAL_ARGS.match(body)
    if named:
        return [_Candidate(m.start(), named.group(1), _first_json(body[named.end():]), "mistral")]
    return _json_candidates(body, at, "mistral")


# -- validation -------------------------------------------------------------------------------

def _schema_fields(tool: BaseTool) -> tuple[list[str], set[str], Any]:
    """(parameter names in order, required names, pydantic model or None) of what the model sees."""
    schema = tool.tool_call_schema
    if isinstance(schema, dict):
        props = list((schema.get("properties") or {}).keys())
        return props, set(schema.get("required") or []), None
    fields = schema.model_fields
    return list(fields), {n for n, f in fields.items() if f.is_required()}, schema


def _resolve_tool(name: str, tools: Mapping[str, BaseTool]) -> BaseTool | None:
    if name in tools:
        return tools[name]
    folded = [t for n, t in tools.items() if n.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def _validate(cand: _Candidate, tools: Mapping[str, BaseTool]) -> tuple[dict[str, Any] | None, str | None]:
    """The call's arguments as the model gave them (nulls of optional ones dropped), or why not."""
    tool = _resolve_tool(cand.name.strip(), tools)
    if tool is None:
        return None, f"unknown tool {cand.name!r}; bound tools: {', '.join(sorted(tools)) or 'none'}"
    args = cand.args
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            return None, f"{tool.name}: the arguments are not JSON: {args[:80]!r}"
    if not isinstance(args, dict):
        return None, f"{tool.name}: the arguments are not an object"
    order, required, model = _schema_fields(tool)
    positional = sorted((k for k in args if str(k).startswith("__pos_")), key=lambda k: int(k[6:]))
    args = {k: v for k, v in args.items() if k not in positional}
    if len(positional) > len(order):
        return None, f"{tool.name}: too many positional arguments"
    pos_values = [cand.args[k] for k in positional]
    for name, value in zip(order, pos_values, strict=False):
        if name in args:
            return None, f"{tool.name}: argument {name!r} given twice"
        args[name] = value
    cleaned: dict[str, Any] = {}
    for key, value in args.items():
        if key not in order:
            if value is None:
                continue
            return None, f"{tool.name}: unknown argument {key!r}; it takes {', '.join(order)}"
        if value is None and key not in required:
            continue
        cleaned[key] = value
    missing = [n for n in order if n in required and n not in cleaned]
    if missing:
        return None, f"{tool.name}: missing required argument {missing[0]!r}"
    if model is not None:
        try:
            model.model_validate(cleaned)
        except Exception as exc:  # pydantic.ValidationError: say the first problem
            first = str(exc).splitlines()
            return None, f"{tool.name}: arguments do not fit its schema ({' '.join(first[1:3]).strip()})"
    return cleaned, None


def recover_tool_calls(text: str, tools: Sequence[BaseTool] | Mapping[str, BaseTool]) -> RecoveredCalls:
    """The valid tool calls written in ``text``, in order (see the module doc for the formats)."""
    bound = _tool_map(tools)
    body = (text or "")[:MAX_SCAN]
    out = RecoveredCalls()
    if not body.strip() or not bound:
        return out
    digest = hashlib.sha256(body.encode("utf-8", "replace")).hexdigest()
    for cand in _candidates(body, list(bound)):
        args, why = _validate(cand, bound)
        if args is None:
            out.rejected.append(why or f"{cand.name}: rejected")
            continue
        if not out.calls:
            out.format, out.preamble = cand.format, _OPENERS.sub("", body[:cand.start].rstrip()).strip()
        name = _resolve_tool(cand.name.strip(), bound).name  # type: ignore[union-attr]
        call_id = "recovered_" + hashlib.sha256(f"{digest}|{len(out.calls)}".encode()).hexdigest()[:16]
        out.calls.append({"name": name, "args": args, "id": call_id, "type": "tool_call"})
        if len(out.calls) >= MAX_CALLS:
            break
    return out


def recover_message(message: AIMessage, tools: Sequence[BaseTool] | Mapping[str, BaseTool]) -> AIMessage:
    """``message`` with the calls its text holds as real ``tool_calls`` and its text dropped; the
    message itself when it already calls a tool or its text holds no valid call."""
    if not isinstance(message, AIMessage) or message.tool_calls:
        return message
    content = message.content
    text = content if isinstance(content, str) else "\n".join(
        p if isinstance(p, str) else str(p.get("text", "")) for p in content
        if isinstance(p, str) or (isinstance(p, dict) and p.get("type") == "text"))
    found = recover_tool_calls(text, tools)
    if not found.calls:
        return message
    meta = {
        **(message.response_metadata or {}),
        "recovered_tool_calls": [c["id"] for c in found.calls],
        "recovered_format": found.format,
        "recovered_from": text[:2000],
    }
    return AIMessage(content="", tool_calls=found.calls, response_metadata=meta, id=message.id,
                     usage_metadata=message.usage_metadata)


def was_recovered(message: AIMessage, call_id: str) -> bool:
    """Whether ``call_id`` in ``message`` was recovered from its text."""
    return call_id in ((message.response_metadata or {}).get("recovered_tool_calls") or [])


def make_recovery_runnable(tools: Sequence[BaseTool] | Mapping[str, BaseTool]) -> Any:
    """A runnable to pipe a bound model into: ``bound | make_recovery_runnable(tools)``."""
    from langchain_core.runnables import RunnableLambda

    table = _tool_map(tools)
    return RunnableLambda(lambda message: recover_message(message, table), name="recover_text_tool_calls")


__all__ = ["RecoveredCalls", "make_recovery_runnable", "recover_message", "recover_tool_calls", "was_recovered"]
