"""Tool calls a model wrote as text, recovered and validated against the bound tools.

Small local models (Qwen, Llama, Mistral through llama.cpp, Ollama or LM Studio) often write the
call they mean in the message text instead of the OpenAI ``tool_calls`` field. This module finds
those calls in the common formats, keeps only the ones that name a bound tool with arguments its
schema accepts, and returns them as ordinary LangChain tool calls. Everything else the model wrote
(an invented "result", a verdict) is dropped from the message, so it can never reach an answer.

Formats read (``RecoveredCalls.format`` names the first call's), several calls per reply:

* ``json``: ``{"name": …, "arguments"|"parameters": {…}}`` (arguments may be a JSON string), the
  OpenAI shape ``{"type": "function", "function": {…}}``, or a list of them; bare or in a fence;
* ``tool_call_tag``: Hermes / Qwen ``<tool_call>…</tool_call>`` (closing tag optional), holding
  JSON, a Python-style call or a ``<function=…>`` block;
* ``tools_tag``: ``<tools>…</tools>`` holding JSON or ``<function name="x" arguments='{…}'/>`` /
  ``<function name="x">{…}</function>``;
* ``python_tag``: Llama 3 ``<|python_tag|>{…}`` or ``<|python_tag|>name.call(a="b")``, ending
  ``<|eom_id|>`` / ``<|eot_id|>`` or not;
* ``mistral``: ``[TOOL_CALLS] [{…}]`` and ``[TOOL_CALLS]name[ARGS]{…}``;
* ``function_tag``: Llama 3.1 ``<function=name>{…}</function>`` (also Qwen3-Coder's
  ``<parameter=x>value</parameter>`` body) and a lone ``<function name="x" …>`` element;
* ``python_call``: ``test_independence(x="a", y="b")`` where the name is a BOUND tool, keyword
  arguments only, read with ``ast`` (literal values, JSON ``null/true/false`` too; never evaluated).

Every candidate is validated against the tool's ``tool_call_schema`` (the model-facing schema,
without injected arguments): optional arguments given as null are dropped, unknown arguments are
dropped only when null, and a call missing a required argument or with a value the schema refuses
is rejected with a one-line reason. The arguments kept are the JSON values the model wrote.

Input is bounded: only the first ``MAX_SCAN`` characters are read, each format looks at no more
than ``_MAX_OPENERS`` openings, JSON is found by a linear bracket scan plus ``raw_decode`` of
balanced spans, and no regular expression can backtrack over the text.

The agent composes it behind the model: ``model.bind_tools(...) | make_recovery_runnable(tools)``.
"""

from __future__ import annotations

import ast
import hashlib
import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool

#: text beyond this is not scanned (a runaway generation can be megabytes of newlines)
MAX_SCAN = 100_000
#: at most this many calls are taken from one reply
MAX_CALLS = 8
#: at most this many openings of one format are looked at (bounds the work on hostile text)
_MAX_OPENERS = 32
#: JSON nested deeper than this is not decoded
_MAX_DEPTH = 64
#: a Python-style call longer than this is not read
_MAX_CALL_CHARS = 5000
#: a rejection reason is cut to this length
_MAX_REASON = 240

_I = re.IGNORECASE
_TOOL_CALL_OPEN, _TOOL_CALL_CLOSE = re.compile(r"<tool_call>", _I), re.compile(r"</tool_call>", _I)
_TOOLS_OPEN, _TOOLS_CLOSE = re.compile(r"<tools>", _I), re.compile(r"</tools>", _I)
_PYTAG_OPEN = re.compile(r"<\|python_tag\|>", _I)
_PYTAG_CLOSE = re.compile(r"<\|eom_id\|>|<\|eot_id\|>", _I)
_MISTRAL_OPEN = re.compile(r"\[TOOL_CALLS\]", _I)
_FUNC_EQ_OPEN = re.compile(r"<function=\s*([A-Za-z_][\w.\-]{0,100})\s*>", _I)
_FUNC_EL_OPEN = re.compile(r"""<function\s+name\s*=\s*(["'])([^"'<>\n]{1,200})\1""", _I)
_FUNC_EL_ATTR = re.compile(
    r"""\s*(?:arguments|parameters|args)\s*=\s*(?:'([^']{0,20000})'|"((?:[^"\\]|\\.){0,20000})")""", _I)
_FUNC_EL_END = re.compile(r"\s*(/?)>")
_FUNC_CLOSE = re.compile(r"</function>", _I)
_FUNC_ANY_OPEN = re.compile(r"<function[\s=]", _I)
_PARAM_OPEN = re.compile(r"<parameter=\s*([A-Za-z_][\w\-]{0,100})\s*>", _I)
_PARAM_CLOSE = re.compile(r"</parameter>", _I)
_MISTRAL_NAMED = re.compile(r"\s*([A-Za-z_][\w.\-]{0,100})\s*(?:\[CALL_ID\]\s*[\w\-]{0,64}\s*)?\[ARGS\]", _I)
_JSON_TOKENS = re.compile(r'[{}\[\]"\\\n]')
_TRAILING_OPENER = re.compile(
    r"(?:```[\w+\-]*|`+|<tool_call>|<tools>|<\|python_tag\|>|\[TOOL_CALLS\])\s*$", _I)
_LEAD_WORDS = {"call", "calls", "call:", "calls:", "calling", "calling:", "tool call:", "tool calls:"}


@dataclass
class RecoveredCalls:
    """What a reply's text held: the valid calls (LangChain ``ToolCall`` dicts, in order), the
    format of the first, why other call-like candidates were rejected, and the text before the
    first call."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    format: str | None = None
    rejected: list[str] = field(default_factory=list)
    preamble: str = ""


@dataclass
class _Candidate:
    start: int            # where the call's text begins (its tag, if it has one)
    name: str
    args: Any             # dict, JSON string, or anything else (then rejected)
    format: str
    error: str | None = None      # known-bad before validation (e.g. positional arguments)
    raw_strings: bool = False     # values are untyped text (``<parameter=x>value``)


def _tool_map(tools: Sequence[BaseTool] | Mapping[str, BaseTool]) -> dict[str, BaseTool]:
    if isinstance(tools, Mapping):
        return dict(tools)
    return {t.name: t for t in tools}


# -- JSON ---------------------------------------------------------------------------------------

def _bracket_pairs(text: str) -> dict[int, tuple[int, int]]:
    """{opener index: (matching closer index, depth)} for ``{``/``[``, one linear pass; double-
    quoted strings are respected inside brackets (a raw newline ends a string: JSON has none)."""
    pairs: dict[int, tuple[int, int]] = {}
    stack: list[int] = []
    in_str, skip = False, -1
    for m in _JSON_TOKENS.finditer(text):
        i = m.start()
        if i <= skip:
            continue
        c = text[i]
        if in_str:
            if c == "\\":
                skip = i + 1
            elif c in '"\n':
                in_str = False
            continue
        if c in "{[":
            stack.append(i)
        elif c in "}]":
            want = "{" if c == "}" else "["
            while stack and text[stack[-1]] != want:
                stack.pop()
            if stack:
                opener = stack.pop()
                pairs[opener] = (i, len(stack))
        elif c == '"' and stack:
            in_str = True
    return pairs


def _json_values(text: str, offset: int = 0) -> list[tuple[int, int, Any]]:
    """Every outermost decodable JSON object or array in ``text``: (start, end, value)."""
    decoder = json.JSONDecoder()
    out: list[tuple[int, int, Any]] = []
    pairs = _bracket_pairs(text)
    resume = 0
    for j in sorted(pairs):
        if j < resume:
            continue
        k, depth = pairs[j]
        if depth > _MAX_DEPTH:
            continue
        try:
            value, end = decoder.raw_decode(text[j:k + 1])
        except RecursionError:
            resume = k + 1  # too deep to read; nothing inside it is taken either
            continue
        except ValueError:
            continue  # not JSON; an object inside it may be
        out.append((offset + j, offset + j + end, value))
        resume = j + end
    return out


def _leading_json(text: str, offset: int) -> list[tuple[int, int, Any]]:
    """The JSON values ``text`` starts with (after whitespace), separated by ``,`` / ``;``."""
    out = []
    pos = 0
    for start, end, value in _json_values(text, offset):
        gap = text[pos:start - offset]
        if gap.strip(" \t\r\n,;"):
            break
        out.append((start, end, value))
        pos = end - offset
    return out


def _call_shapes(value: Any) -> list[tuple[str, Any]]:
    """(name, arguments) for each call-shaped JSON value: one object, the OpenAI shape, or a list."""
    if isinstance(value, list):
        return [c for item in value[:MAX_CALLS * 4] for c in _call_shapes(item)]
    if not isinstance(value, dict):
        return []
    for wrapper in ("tool_calls", "calls"):  # {"tool_calls": [{…}, …]}
        if isinstance(value.get(wrapper), list) and "name" not in value:
            return _call_shapes(value[wrapper])
    for key in ("function", "function_call", "tool_call"):
        if isinstance(value.get(key), dict) and "name" in value[key]:
            value = value[key]
            break
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        return []
    for key in ("arguments", "parameters", "args", "input"):
        if key in value:
            return [(name, value[key])]
    if set(value) <= {"name", "type", "id"}:  # {"name": "discover_graph"}: a call without arguments
        return [(name, {})]
    return []


def _json_candidates(values: list[tuple[int, int, Any]], fmt: str, start: int | None = None) -> list[_Candidate]:
    return [_Candidate(s if start is None else start, name, args, fmt)
            for s, _e, value in values for name, args in _call_shapes(value)]


def _py_literal(text: str) -> Any:
    """A Python dict or list literal (``{'x': 'a'}``, single quotes), or None."""
    body = text.strip()
    if not body or body[0] not in "{[" or len(body) > _MAX_CALL_CHARS:
        return None
    try:
        tree = ast.parse(body, mode="eval")
        return _literal(tree.body)
    except Exception:  # SyntaxError, ValueError, RecursionError, MemoryError ...: not a literal
        return None


def _literal_shapes(text: str, at: int, fmt: str) -> list[_Candidate]:
    """A Python-literal call object, ``{'name': 'x', 'arguments': {...}}`` (single quotes)."""
    return [_Candidate(at, name, args, fmt) for name, args in _call_shapes(_py_literal(text))]


# -- Python-style calls -------------------------------------------------------------------------

_LITERAL_NAMES = {"null": None, "None": None, "true": True, "True": True, "false": False, "False": False}


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Name) and node.id in _LITERAL_NAMES:
        return _LITERAL_NAMES[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("** in a dict")
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True)}
    value = ast.literal_eval(node)
    if isinstance(value, set | frozenset | bytes | complex):
        raise ValueError("not a JSON value")
    return value


def _call_name(func: ast.AST) -> str | None:
    """``name`` for ``name(...)`` and for Llama's ``name.call(...)``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and func.attr == "call" and isinstance(func.value, ast.Name):
        return func.value.id
    return None


def _read_call(call: ast.Call) -> tuple[dict[str, Any], int] | None:
    """(keyword arguments, how many positional ones) of a call whose values are all literals."""
    try:
        for a in call.args:
            _literal(a)
        kwargs: dict[str, Any] = {}
        for kw in call.keywords:
            if kw.arg is None:  # **kwargs
                return None
            kwargs[kw.arg] = _literal(kw.value)
    except Exception:  # a name, an expression, a too-long number ...: not a literal call
        return None
    return kwargs, len(call.args)


def _call_candidate(at: int, name: str, read: tuple[dict[str, Any], int], fmt: str) -> _Candidate:
    kwargs, positional = read
    error = (f"{name}: positional arguments are not read; name each one (arg=value)"
             if positional else None)
    return _Candidate(at, name, kwargs, fmt, error=error)


def _code_calls(text: str, at: int, fmt: str) -> list[_Candidate]:
    """Calls in ``text`` when all of it is Python call statements (a ``<|python_tag|>`` body)."""
    source = text.strip().rstrip(";")
    if not source or len(source) > _MAX_CALL_CHARS:
        return []
    try:
        tree = ast.parse(source, mode="exec")
    except Exception:  # SyntaxError, ValueError, RecursionError, MemoryError
        return []
    found = []
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return []
        name = _call_name(stmt.value.func)
        read = _read_call(stmt.value)
        if name is None or read is None:
            return []
        found.append(_call_candidate(at, name, read, fmt))
    return found


def _leading_code_calls(text: str, at: int, fmt: str) -> list[_Candidate]:
    """The calls on the lines ``text`` starts with, one call per line, up to the first other line."""
    found: list[_Candidate] = []
    for line in text.splitlines()[:_MAX_OPENERS]:
        if not line.strip():
            continue
        got = _code_calls(line, at, fmt)
        if not got:
            break
        found.extend(got)
    return found


def _closing_paren(text: str, open_at: int) -> int | None:
    """The index of the parenthesis closing the one at ``open_at`` (quotes respected)."""
    depth, quote, i = 0, "", open_at
    limit = min(len(text), open_at + _MAX_CALL_CHARS)
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


def _bound_calls(text: str, offset: int, names: Sequence[str], fmt: str,
                 taken: Callable[[int], bool] = lambda _at: False) -> list[_Candidate]:
    """``tool(x="a", y=2)`` (or ``tool.call(...)``) for each BOUND tool name, anywhere in ``text``,
    with balanced parentheses, parsed by ``ast``. Names are matched case-insensitively."""
    if not names:
        return []
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(r"(?<![\w.])(" + alternatives + r")(?:\.call)?[ \t]*\(", _I)
    found, tried = [], 0
    for m in pattern.finditer(text):
        at = offset + m.start()
        if taken(at) or text[max(0, m.start() - 8):m.start()].rstrip().endswith("def"):
            continue
        tried += 1
        if tried > _MAX_OPENERS:
            break
        end = _closing_paren(text, m.end() - 1)
        if end is None:
            continue
        try:
            tree = ast.parse(text[m.start(1):end + 1], mode="eval")
        except Exception:  # SyntaxError, ValueError, RecursionError, MemoryError
            continue
        if not isinstance(tree.body, ast.Call):
            continue
        read = _read_call(tree.body)
        if read is not None:
            found.append(_call_candidate(at, m.group(1), read, fmt))
    return found


# -- tags ---------------------------------------------------------------------------------------

def _blocks(text: str, opener: re.Pattern[str], closer: re.Pattern[str] | None,
            ) -> list[tuple[int, int, int, int]]:
    """(start, body start, body end, end) of each ``opener … closer`` block; a block without its
    closer ends at the next opener or the end of the text."""
    out = []
    pos = 0
    while len(out) < _MAX_OPENERS:
        m = opener.search(text, pos)
        if m is None:
            break
        body = m.end()
        nxt = opener.search(text, body)
        stop = nxt.start() if nxt else len(text)
        close = closer.search(text, body, stop) if closer is not None else None
        if close is not None:
            out.append((m.start(), body, close.start(), close.end()))
            pos = close.end()
        else:
            out.append((m.start(), body, stop, stop))
            pos = stop
    return out


def _parameters(body: str) -> dict[str, str] | None:
    """Qwen3-Coder's ``<parameter=x>value</parameter>`` elements, values as written (stripped)."""
    params: dict[str, str] = {}
    pos = 0
    while len(params) < 64:
        m = _PARAM_OPEN.search(body, pos)
        if m is None:
            break
        close = _PARAM_CLOSE.search(body, m.end())
        nxt = _PARAM_OPEN.search(body, m.end())
        end = close.start() if close and (nxt is None or close.start() < nxt.start()) else (
            nxt.start() if nxt else len(body))
        params[m.group(1)] = body[m.end():end].strip()
        pos = close.end() if close and end == close.start() else end
    return params or None


def _function_body(at: int, name: str, body: str, fmt: str) -> _Candidate:
    """A ``<function …>`` body: a JSON object, ``<parameter=…>`` elements, or nothing."""
    values = _leading_json(body, 0)
    if values:
        return _Candidate(at, name, values[0][2], fmt)
    params = _parameters(body)
    if params is not None:
        return _Candidate(at, name, params, fmt, raw_strings=True)
    if not body.strip():
        return _Candidate(at, name, {}, fmt)
    return _Candidate(at, name, body.strip(), fmt)  # rejected as not JSON


def _function_eq(text: str, offset: int, fmt: str) -> list[tuple[_Candidate, int, int]]:
    """``<function=name>{…}</function>`` blocks: (candidate, start, end) in ``text``'s offsets."""
    out = []
    for start, body, stop, end in _blocks(text, _FUNC_EQ_OPEN, _FUNC_CLOSE):
        m = _FUNC_EQ_OPEN.match(text, start)
        if m is None:  # pragma: no cover - _blocks found it
            continue
        out.append((_function_body(offset + start, m.group(1), text[body:stop], fmt),
                    offset + start, offset + end))
    return out


def _function_elements(text: str, offset: int, fmt: str) -> list[tuple[_Candidate, int, int]]:
    """``<function name="x" arguments='{…}'/>`` or ``<function name="x">{…}</function>``."""
    out = []
    pos = 0
    while len(out) < _MAX_OPENERS:
        m = _FUNC_EL_OPEN.search(text, pos)
        if m is None:
            break
        name, cursor, raw = m.group(2).strip(), m.end(), None
        attr = _FUNC_EL_ATTR.match(text, cursor)
        if attr is not None:
            raw = attr.group(1) if attr.group(1) is not None else attr.group(2).replace('\\"', '"')
            raw = html.unescape(raw)
            cursor = attr.end()
        tail = _FUNC_EL_END.match(text, cursor)
        if tail is None:
            pos = m.end()
            continue
        end = tail.end()
        if tail.group(1):  # self-closing
            args: _Candidate = _Candidate(offset + m.start(), name, raw if raw is not None else {}, fmt)
        else:
            nxt = _FUNC_ANY_OPEN.search(text, end)
            stop = nxt.start() if nxt else len(text)
            close = _FUNC_CLOSE.search(text, end, stop)
            body_end = close.start() if close else stop
            args = (_Candidate(offset + m.start(), name, raw, fmt) if raw is not None
                    else _function_body(offset + m.start(), name, text[end:body_end], fmt))
            end = close.end() if close else stop
        out.append((args, offset + m.start(), offset + end))
        pos = end
    return out


def _inner(body: str, offset: int, start: int, names: Sequence[str], fmt: str) -> list[_Candidate]:
    """The calls inside a tag: ``<function…>`` blocks, JSON call objects, Python-style calls."""
    found = [c for c, _s, _e in _function_eq(body, offset, fmt) + _function_elements(body, offset, fmt)]
    if found:
        return found
    found = _json_candidates(_json_values(body, offset), fmt, start)
    if found:
        return found
    return (_literal_shapes(body, start, fmt) or _code_calls(body, start, fmt)
            or _bound_calls(body, offset, names, fmt))


def _candidates(text: str, names: Sequence[str]) -> list[_Candidate]:
    """Every call-shaped span in ``text``: tags first, then bare JSON and Python calls outside them."""
    found: list[_Candidate] = []
    spans: list[tuple[int, int]] = []

    def taken(at: int) -> bool:
        return any(a <= at < b for a, b in spans)

    def claim(start: int, end: int, cands: list[_Candidate]) -> None:
        if cands and not taken(start):
            found.extend(cands)
            spans.append((start, end))

    for start, body, stop, end in _blocks(text, _TOOL_CALL_OPEN, _TOOL_CALL_CLOSE):
        claim(start, end, _inner(text[body:stop], body, start, names, "tool_call_tag"))
    for start, body, stop, end in _blocks(text, _TOOLS_OPEN, _TOOLS_CLOSE):
        claim(start, end, _inner(text[body:stop], body, start, names, "tools_tag"))
    for start, body, stop, end in _blocks(text, _PYTAG_OPEN, _PYTAG_CLOSE):
        chunk = text[body:stop]
        values = _leading_json(chunk, body)
        cands = (_json_candidates(values, "python_tag", start) or _code_calls(chunk, start, "python_tag")
                 or _leading_code_calls(chunk, start, "python_tag")
                 or _bound_calls(chunk, body, names, "python_tag"))
        claim(start, end, cands)
    for start, body, stop, _end in _blocks(text, _MISTRAL_OPEN, None):
        chunk = text[body:stop]
        named = _MISTRAL_NAMED.match(chunk)
        if named:
            values = _leading_json(chunk[named.end():], body + named.end())
            args = values[0][2] if values else chunk[named.end():].strip()
            claim(start, stop, [_Candidate(start, named.group(1), args, "mistral")])
        else:
            claim(start, stop, _json_candidates(_leading_json(chunk, body), "mistral", start))
    for cand, start, end in _function_eq(text, 0, "function_tag") + _function_elements(text, 0, "function_tag"):
        claim(start, end, [cand])
    for start, end, value in _json_values(text):
        claim(start, end, _json_candidates([(start, end, value)], "json"))
    found.extend(_bound_calls(text, 0, names, "python_call", taken))
    return sorted(found, key=lambda c: c.start)


# -- validation ---------------------------------------------------------------------------------

def _schema(tool: BaseTool) -> Any:
    """The model-facing schema: a pydantic model class or a JSON-schema dict."""
    for get in (lambda: tool.tool_call_schema, lambda: tool.args_schema):
        try:
            schema = get()
        except Exception:  # a tool whose schema cannot be built: try the next source
            continue
        if schema is not None:
            return schema
    return {"type": "object", "properties": dict(getattr(tool, "args", {}) or {})}


def _fields(schema: Any) -> tuple[list[str], set[str]]:
    """(argument names in order, required names)."""
    if isinstance(schema, dict):
        return list((schema.get("properties") or {})), set(schema.get("required") or [])
    fields = getattr(schema, "model_fields", {}) or {}
    return list(fields), {n for n, f in fields.items() if f.is_required()}


def _property_schemas(schema: Any) -> dict[str, Any]:
    try:
        js = schema if isinstance(schema, dict) else schema.model_json_schema()
    except Exception:  # no JSON schema: values stay as written
        return {}
    return dict(js.get("properties") or {})


def _allows_string(prop: Any) -> bool:
    if not isinstance(prop, dict):
        return True
    kinds = [prop.get("type")] + [p.get("type") for p in prop.get("anyOf", []) if isinstance(p, dict)]
    kinds = [k for k in kinds if k]
    return not kinds or "string" in kinds


def _typed(raw: dict[str, str], props: dict[str, Any]) -> dict[str, Any]:
    """Untyped ``<parameter>`` text as JSON where the schema wants something other than a string."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if _allows_string(props.get(key)) and value.lower() not in ("null", "none"):
            out[key] = value
            continue
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = None if value.lower() == "none" else value
    return out


def schema_error(tool: BaseTool, schema: Any, args: dict[str, Any]) -> str | None:
    """Why ``args`` do not fit ``schema``, or None."""
    if isinstance(schema, dict):
        try:
            import jsonschema  # optional: a dict schema is checked only when it is installed
        except ImportError:
            return None
        try:
            jsonschema.validate(args, schema)
        except jsonschema.ValidationError as exc:
            where = ".".join(str(p) for p in exc.absolute_path) or "arguments"
            return f"{tool.name}: argument {where!r}: {exc.message}"
        except Exception:  # a broken schema cannot be checked
            return None
        return None
    try:
        schema.model_validate(args)
    except Exception as exc:  # pydantic.ValidationError: say the first problem
        errors = getattr(exc, "errors", None)
        first = errors()[0] if callable(errors) and errors() else None
        if first:
            where = ".".join(str(p) for p in first.get("loc", ())) or "arguments"
            return f"{tool.name}: argument {where!r}: {first.get('msg', 'invalid')}"
        return f"{tool.name}: the arguments do not fit its schema"
    return None


def _resolve_tool(name: str, tools: Mapping[str, BaseTool]) -> BaseTool | None:
    """The bound tool ``name`` means: the exact name, else the one case-insensitive match."""
    name = name.strip()
    if name in tools:
        return tools[name]
    folded = [t for n, t in tools.items() if n.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON - 1] + "…"


def _validate(cand: _Candidate, tools: Mapping[str, BaseTool],
              ) -> tuple[BaseTool | None, dict[str, Any] | None, str | None]:
    """(tool, arguments as the model gave them with null optional ones dropped, None) or why not."""
    tool = _resolve_tool(cand.name, tools)
    if tool is None:
        return None, None, f"unknown tool {cand.name.strip()[:80]!r}; bound tools: {', '.join(sorted(tools)) or 'none'}"
    if cand.error:
        return tool, None, cand.error.replace(cand.name, tool.name, 1)
    args = cand.args
    if args is None:
        args = {}
    if isinstance(args, str):
        if not args.strip():
            args = {}
        else:
            try:
                args = json.loads(args)
            except ValueError:
                literal = _py_literal(args)
                if literal is None:
                    return tool, None, f"{tool.name}: the arguments are not JSON: {args[:80]!r}"
                args = literal
    if not isinstance(args, dict):
        return tool, None, f"{tool.name}: the arguments are not an object"
    schema = _schema(tool)
    order, required = _fields(schema)
    if cand.raw_strings:
        args = _typed(args, _property_schemas(schema))
    cleaned: dict[str, Any] = {}
    null_required: list[str] = []
    for key, value in args.items():
        if key not in order:
            if value is None:
                continue
            return tool, None, f"{tool.name}: unknown argument {str(key)[:60]!r}; it takes {', '.join(order) or 'none'}"
        if value is None and key not in required:
            continue
        if value is None:
            null_required.append(key)
        cleaned[key] = value
    missing = [n for n in order if n in required and n not in cleaned]
    if missing:
        return tool, None, f"{tool.name}: missing required argument {missing[0]!r}"
    try:
        json.dumps(cleaned, allow_nan=False)
    except (TypeError, ValueError):
        return tool, None, f"{tool.name}: the arguments are not JSON values"
    why = schema_error(tool, schema, cleaned)
    if why:
        if null_required:  # a required argument written as null is one the model did not give
            return tool, None, f"{tool.name}: missing required argument {null_required[0]!r}"
        return tool, None, why
    return tool, cleaned, None


def _preamble(text: str) -> str:
    """The text before the first call, without a fence or tag that opens it."""
    out = text.rstrip()
    while True:
        tail = out[-64:]
        m = _TRAILING_OPENER.search(tail)
        if m is None:
            break
        out = out[:len(out) - len(tail) + m.start()].rstrip()
    head, _, last = out.rpartition("\n")
    return head.strip() if last.strip().lower() in _LEAD_WORDS else out.strip()


def recover_tool_calls(text: str, tools: Sequence[BaseTool] | Mapping[str, BaseTool]) -> RecoveredCalls:
    """The valid tool calls written in ``text``, in order (see the module doc for the formats).

    Identical calls (same tool, same arguments) are kept once; at most ``MAX_CALLS`` are kept.
    Ids are ``"recovered_" + sha256(f"{text}|{index}")[:16]`` over the scanned text."""
    bound = _tool_map(tools)
    body = (text or "")[:MAX_SCAN]
    out = RecoveredCalls()
    if not body.strip() or not bound:
        return out
    seen: set[str] = set()
    for cand in _candidates(body, list(bound)):
        tool, args, why = _validate(cand, bound)
        if tool is None or args is None:
            out.rejected.append(_one_line(why or f"{cand.name}: rejected"))
            continue
        key = json.dumps([tool.name, args], sort_keys=True)
        if key in seen:
            continue
        if len(out.calls) >= MAX_CALLS:
            out.rejected.append(f"{tool.name}: more than {MAX_CALLS} calls in one reply; the rest are dropped")
            break
        seen.add(key)
        if not out.calls:
            out.format, out.preamble = cand.format, _preamble(body[:cand.start])
        call_id = "recovered_" + hashlib.sha256(f"{body}|{len(out.calls)}".encode("utf-8", "replace")).hexdigest()[:16]
        out.calls.append({"name": tool.name, "args": args, "id": call_id, "type": "tool_call"})
    return out


def recover_message(message: AIMessage, tools: Sequence[BaseTool] | Mapping[str, BaseTool]) -> AIMessage:
    """``message`` with the calls its text holds as real ``tool_calls`` and ALL its text dropped
    (the call, and any invented result or verdict after it); the message itself when it already
    calls a tool or its text holds no valid call. The metadata keeps what was recovered from what."""
    if not isinstance(message, AIMessage) or message.tool_calls:
        return message
    text = message.text
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
                     usage_metadata=message.usage_metadata, name=message.name)


def was_recovered(message: AIMessage, call_id: str) -> bool:
    """Whether ``call_id`` in ``message`` was recovered from its text."""
    return call_id in ((getattr(message, "response_metadata", None) or {}).get("recovered_tool_calls") or [])


def make_recovery_runnable(tools: Sequence[BaseTool] | Mapping[str, BaseTool]) -> Any:
    """A runnable to pipe a bound model into: ``bound | make_recovery_runnable(tools)``."""
    from langchain_core.runnables import RunnableLambda

    table = _tool_map(tools)
    return RunnableLambda(lambda message: recover_message(message, table), name="recover_text_tool_calls")


__all__ = ["MAX_CALLS", "MAX_SCAN", "RecoveredCalls", "make_recovery_runnable", "recover_message",
           "recover_tool_calls", "was_recovered"]
