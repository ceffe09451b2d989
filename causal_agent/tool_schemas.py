"""The tool schemas a model is sent, full or compact, and the tools a compact prompt binds.

``full`` is LangChain's OpenAI tool format, unchanged. ``compact`` is for small local models,
whose prompt processing on a CPU is the slow part. A compact schema keeps the tool's name and
every validation keyword of its parameters (types, ``items``, ``enum``, bounds, nested
``properties`` and ``required``), and drops what only annotates: titles, descriptions, defaults,
examples; ``anyOf [X, null]`` is written as ``X`` (a model omits an optional argument instead of
sending null). So a call written against a compact schema is one the real tool accepts. The
tool's description becomes the one line it declares in ``metadata["summary"]``, else the first
sentence of its description, at most ``DESCRIPTION_CHARS`` characters.

Given the registered intents, a compact schema also leaves out the optional parameters no
plain-English phrasing of the tool sets (a CI test's name, background knowledge, a graph key...):
they keep their defaults. A tool without intents keeps all of its parameters.

:func:`compact_tools` picks the tools for one question: the planner's ``COMPACT_TOOLS`` most
likely tools, plus the always-on look-ups (below), at most ``MAX_TOOLS``; every tool when there is
no planner or it cannot read the question.

Only the standard library is imported here; LangChain and the registry load on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

Style = Literal["full", "compact"]

#: a compact description is at most this long
DESCRIPTION_CHARS = 100
#: how many of the planner's most likely tools a compact prompt binds
COMPACT_TOOLS = 3
#: at most this many tools are bound for a question the planner can read
MAX_TOOLS = 4
#: the artifact kinds whose argument-free tools are always on (describe the loaded data)
ALWAYS_ON_KINDS = frozenset({"text"})

#: JSON-schema keywords that only annotate (a compact schema drops them)
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "deprecated", "$comment"})
#: keywords whose value is one schema
_ONE_SCHEMA = ("items", "additionalProperties", "not", "contains", "propertyNames")
#: keywords whose value is a list of schemas
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
#: keywords whose value maps names to schemas
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
#: a full stop after these does not end a sentence ("a collider, i.e. a common child")
_ABBREVIATIONS = frozenset({"i.e", "e.g", "etc", "vs", "cf", "approx", "resp", "incl", "no", "fig"})
_CLAUSE = re.compile(r"[,;:]\s|\s\(|\s--?\s|\s—\s")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def short_description(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The first sentence of ``text`` on one line, at most ``limit`` characters: a longer one is
    cut at its last clause break outside parentheses (comma, colon, an opening parenthesis...)
    that keeps at least a third of it, else at a word, and ends with '…'."""
    flat = " ".join((text or "").split())
    first = flat
    for m in _SENTENCE_END.finditer(flat):
        word = flat[: m.start()].rsplit(" ", 1)[-1].lower().lstrip("(")
        if m.group() == "." and word in _ABBREVIATIONS:
            continue
        first = flat[: m.end()]
        break
    if len(first) <= limit:
        return first
    head = first[: limit - 1]
    breaks = [b.start() for b in _CLAUSE.finditer(head)
              if b.start() >= limit // 3 and head.count("(", 0, b.start()) <= head.count(")", 0, b.start())]
    cut = breaks[-1] if breaks else (head.rfind(" ") if head.rfind(" ") >= limit // 2 else len(head))
    return head[:cut].rstrip(" ,;:-—(") + "…"


def _without_null(options: list[Any]) -> list[Any]:
    return [o for o in options if not (isinstance(o, Mapping) and o.get("type") == "null")]


def compact_schema(schema: Any) -> Any:
    """``schema`` without annotations, ``anyOf [X, null]`` as ``X``, recursively (a JSON schema
    that accepts no more than the original)."""
    if not isinstance(schema, Mapping):
        return schema
    schema = dict(schema)
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list):
            kept = _without_null(options)
            if len(kept) == 1 and isinstance(kept[0], Mapping):
                merged = {k: v for k, v in schema.items() if k != key}
                merged.update(kept[0])
                return compact_schema(merged)
            schema[key] = kept or options
    if isinstance(schema.get("type"), list):  # type: [X, "null"]
        types = [t for t in schema["type"] if t != "null"] or schema["type"]
        schema["type"] = types[0] if len(types) == 1 else types
    out: dict[str, Any] = {"type": schema.pop("type")} if "type" in schema else {}
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key in _ONE_SCHEMA:
            out[key] = compact_schema(value)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [compact_schema(v) for v in value]
        elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {k: compact_schema(v) for k, v in value.items()}
        else:
            out[key] = value
    return out


def asked_params(intents: Iterable[Any]) -> dict[str, set[str]]:
    """Per tool, the parameters its plain-English phrasings set: the ``{placeholders}`` of its
    intents' examples, their slots and constants."""
    out: dict[str, set[str]] = {}
    for spec in intents or ():
        names = out.setdefault(spec.tool, set())
        for example in spec.examples or ():
            names.update(_PLACEHOLDER.findall(example))
        names.update(spec.slots or {})
        names.update(spec.constants or {})
    return out


def _summary(tool: Any) -> str | None:
    summary = (getattr(tool, "metadata", None) or {}).get("summary")
    return summary if isinstance(summary, str) and summary.strip() else None


def tool_schema(tool: Any, style: Style = "full", keep: Iterable[str] | None = None) -> dict[str, Any]:
    """One tool as the OpenAI ``tools`` entry a model is sent. A compact schema keeps the
    required parameters and those in ``keep`` (all of them when ``keep`` is None)."""
    if style not in ("full", "compact"):
        raise ValueError(f"unknown schema style {style!r}; use 'full' or 'compact'")
    from langchain_core.utils.function_calling import convert_to_openai_tool

    spec = convert_to_openai_tool(tool)
    if style == "full":
        return spec
    fn = spec["function"]
    params = compact_schema(fn.get("parameters") or {"type": "object", "properties": {}})
    required = list(params.get("required") or [])
    if keep is not None:
        wanted = set(keep) | set(required)
        params["properties"] = {k: v for k, v in (params.get("properties") or {}).items() if k in wanted}
    params.setdefault("type", "object")
    params.setdefault("properties", {})
    if not required:
        params.pop("required", None)
    ordered = {"type": params.pop("type"), "properties": params.pop("properties"), **params}
    return {"type": "function", "function": {
        "name": fn["name"],
        "description": short_description(_summary(tool) or fn.get("description", "")),
        "parameters": ordered,
    }}


def tool_schemas(tools: Sequence[Any], style: Style = "full", intents: Iterable[Any] | None = None,
                 also: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Every tool's schema, in order. With ``intents`` (the registered ``IntentSpec``s), compact
    schemas keep the parameters the tool's phrasings set plus those in ``also`` (``dataset``
    when several datasets are loaded); a tool no intent names keeps every parameter."""
    asked = asked_params(intents) if (style == "compact" and intents is not None) else {}
    extra = set(also)
    return [tool_schema(t, style, (asked[t.name] | extra) if t.name in asked else None) for t in tools]


# -- which tools a compact prompt binds ------------------------------------------------------------
def _required(tool: Any) -> list[str]:
    schema = getattr(tool, "tool_call_schema", None)
    try:
        if isinstance(schema, Mapping):
            return list(schema.get("required") or [])
        return list(schema.model_json_schema().get("required") or []) if schema is not None else []
    except Exception:  # an odd schema: treat it as needing arguments
        return ["?"]


def always_on(tools: Sequence[Any]) -> list[Any]:
    """The tools every compact prompt binds: a tool that says so in ``metadata["always_on"]``
    (``False`` opts out), else a read-only tool of an ``ALWAYS_ON_KINDS`` artifact kind that
    needs no argument (built in: the one that describes the loaded data), so a small model can
    always look at the data before it answers."""
    from .registry import artifact_kind

    out = []
    for t in tools:
        meta = getattr(t, "metadata", None) or {}
        declared = meta.get("always_on")
        if declared is not None:
            if declared:
                out.append(t)
            continue
        access = meta.get("access", "read")  # a read/write/destroy declaration, when a tool makes one
        if artifact_kind(t) in ALWAYS_ON_KINDS and access == "read" and not _required(t):
            out.append(t)
    return out


def ranked_tools(question: str, planner: Any | None, datasets: Mapping[str, Sequence[str]] | None = None,
                 k: int = COMPACT_TOOLS) -> list[str]:
    """The names of the ``k`` tools ``question`` most probably needs, best first, by the
    planner's reading (its plan, then its classifier's next guesses); ``[]`` when there is no
    planner or it cannot read the question."""
    if planner is None or not (question or "").strip():
        return []
    try:
        likely = getattr(planner, "likely_tools", None)
        if callable(likely):
            return [str(n) for n in likely(question, datasets, k) if n][:k]
        plan = planner.plan(question, datasets)  # a planner without a ranking: its one plan
        if plan.tool:
            return [plan.tool]
        intent = (getattr(planner, "intents", None) or {}).get(plan.intent)
        tool = getattr(getattr(intent, "spec", None), "tool", None)  # the intent, arguments missing
        return [tool] if tool else []
    except Exception:  # a planner that cannot read this question ranks nothing
        return []


def compact_tools(question: str, tools: Sequence[Any], planner: Any | None,
                  datasets: Mapping[str, Sequence[str]] | None = None) -> list[Any]:
    """The tools a compact prompt binds for ``question``, in the registry's order: the planner's
    ``COMPACT_TOOLS`` most likely tools and the :func:`always_on` ones, at most ``MAX_TOOLS``
    (the planner's come first). With no planner, or a question it cannot read, every tool (the
    compact schemas of all built-in tools fit the small-model budget)."""
    tools = list(tools)
    by_name = {t.name: t for t in tools}
    names = [n for n in ranked_tools(question, planner, datasets) if n in by_name]
    if not names:
        return tools
    for t in always_on(tools):
        if len(names) >= MAX_TOOLS:
            break
        if t.name not in names:
            names.append(t.name)
    chosen = set(names[:MAX_TOOLS])
    return [t for t in tools if t.name in chosen]
