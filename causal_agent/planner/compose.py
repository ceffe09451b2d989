"""The offline planner's final answer, written from the tool results by the kind of artifact each
tool declares (verdict, graph, effect, table, text), never by the tool's name.

A verdict artifact carries ``answer`` (yes / no / uncertain for the tool's own question),
``finding`` (what that means), and optionally ``reason``, ``evidence``, ``caveat``, ``graph_key``
and ``polarity``. The plan says whether the question as asked flips the tool's yes and no.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .plan import Plan


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


def _sentence(text: str, names: Iterable[str] = ()) -> str:
    """``text`` as a sentence; one that starts with a column name ('t and y are …') keeps its case."""
    text = str(text).strip().rstrip(".")
    if not text:
        return ""
    if any(n and re.match(re.escape(n) + r"(?![A-Za-z0-9_])", text) for n in names):
        return text + "."
    return text[0].upper() + text[1:] + "."


#: a verdict artifact's answers: yes / no / uncertain, and "partly" (a causal share: some, not all)
VERDICTS = ("yes", "no", "partly", "uncertain")


def shown_verdict(answer: str, flip: bool) -> str:
    """The tool's own answer in the polarity of the question as asked."""
    if flip and answer in ("yes", "no"):
        return "no" if answer == "yes" else "yes"
    return answer


def render_verdict(art: Mapping[str, Any], content: str, flip: bool,
                   names: Iterable[str] = ()) -> tuple[str, str]:
    """Text and shown verdict of a verdict artifact; ``names``: the call's variables."""
    answer = str(art.get("answer", "")).strip().lower()
    if answer not in VERDICTS:
        return content.strip() or "The tool returned no verdict.", "uncertain"
    shown = shown_verdict(answer, flip)
    text = f"{shown.capitalize()}. " + _sentence(art.get("finding") or content, names)
    evidence = art.get("evidence")
    if isinstance(evidence, Sequence) and not isinstance(evidence, str) and evidence:
        text += " Evidence: " + ", ".join(map(str, evidence)) + "."
    if art.get("caveat"):
        text += f" ({str(art['caveat']).rstrip('.')}.)"
    if art.get("reason"):
        text += f" Reason: {str(art['reason']).rstrip('.')}."
    if art.get("graph_key"):
        text += f" (graph `{art['graph_key']}`)"
    return text, shown


def _edges_text(graph: Mapping[str, Any]) -> list[str]:
    out = []
    for e in graph.get("edges", []) or []:
        if isinstance(e, Mapping):
            out.append(f"{e.get('source')} {e.get('type', '-->')} {e.get('target')}")
        else:
            out.append(str(e))
    return out


def render_graph(art: Mapping[str, Any], content: str, partial: bool) -> str:
    graph = art.get("graph")
    if not isinstance(graph, Mapping):
        return content.strip() or "The tool returned no graph."
    nodes = list(graph.get("nodes", []))
    edges = _edges_text(graph)
    scope = f"over {_names(nodes)}" if partial else f"of the data ({len(nodes)} variables)"
    text = f"Causal graph {scope}"
    if art.get("algorithm"):
        text += f", learned with {art['algorithm']}"
    text += f": {len(edges)} edge{'s' if len(edges) != 1 else ''}."
    context = graph.get("context")
    if context:  # several environments (CD-NOD): what changes with the context, first
        changing = list(graph.get("changing") or [])
        text += (f"\nMechanisms that change with {context}: {_names(changing)} ({context} -> "
                 + ", ".join(map(str, changing)) + ")." if changing else
                 f"\nNo mechanism changes with {context}: no variable depends on it.")
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


def _set(names: Any) -> str:
    return "{" + ", ".join(map(str, names or [])) + "}"


def render_range(art: Mapping[str, Any], rng: Mapping[str, Any]) -> str:
    """A range headline: not identified, then each possible set's estimate; never one number."""
    t, o = art.get("treatment"), art.get("outcome")
    rows = [e for e in rng.get("estimates") or [] if isinstance(e, Mapping) and _num(e.get("estimate")) is not None]
    rows.sort(key=lambda e: float(e["estimate"]))
    parts = []
    for e in rows:
        lo, hi = _num(e.get("ci_low")), _num(e.get("ci_high"))
        estimated = lo is not None and hi is not None  # a 0 the graph implies has no CI
        ci = f"95% CI {_g(lo)} to {_g(hi)}, " if estimated else ""
        how = f", adjusting for {_set(e.get('adjustment_set'))}" if estimated else ""
        why = f"; {str(e['note']).rstrip('.')}" if e.get("note") else ""
        parts.append(f"{_g(float(e['estimate']))} ({ci}if the parents of {t} are {_set(e.get('parents'))}"
                     f"{how}{why})")
    text = (f"The effect of changing {t} from {_g(art.get('t0'))} to {_g(art.get('t1'))} on {o} is not"
            f" identified from the data alone: it depends on orientations the data cannot settle, and lies"
            f" between {_g(rng['min'])} and {_g(rng['max'])}.")
    if parts:
        text += " By possible adjustment set: " + "; ".join(parts) + "."
    return text


def render_effect(art: Mapping[str, Any], content: str) -> str:
    est = _num(art.get("estimate"))
    if est is None:
        return content.strip() or "The effect estimator returned no estimate."
    t, o = art.get("treatment"), art.get("outcome")
    rng = art.get("range")
    ranged = (art.get("headline") == "range" and isinstance(rng, Mapping)
              and _num(rng.get("min")) is not None and _num(rng.get("max")) is not None)
    if ranged:
        text = render_range(art, rng)  # type: ignore[arg-type]
        parts = [f"Method: {art['method']}"] if art.get("method") else []
        if art.get("assumption"):
            parts.append(f"assumption: {str(art['assumption']).rstrip('.')}")
        if parts:
            text += " " + "; ".join(parts) + "."
        return text + _effect_tail(art)
    direction = "increases" if est > 0 else "decreases" if est < 0 else "does not change"
    text = (f"Changing {t} from {_g(art.get('t0'))} to {_g(art.get('t1'))} {direction} {o} by "
            f"{_g(abs(est))} on average (ATE = {_g(est)}")
    lo, hi = _num(art.get("ci_low")), _num(art.get("ci_high"))
    if lo is not None and hi is not None:
        text += f", 95% CI {_g(lo)} to {_g(hi)}"
        if lo <= 0 <= hi:
            text += ", which includes 0"
    text += ")."
    if art.get("contrast"):  # a change the question stated without both values, as computed
        text += f" Contrast: {str(art['contrast']).rstrip('.')}."
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
    if isinstance(rng, Mapping) and _num(rng.get("min")) is not None and _num(rng.get("max")) is not None:
        text += (
            f" The graph leaves the adjustment set ambiguous: over the causal structures the data allow, "
            f"the effect ranges from {_g(rng['min'])} to {_g(rng['max'])}."
        )
    if art.get("graph_implies_zero"):
        text += f" The causal graph has no directed path from {t} to {o}, which implies no effect."
    return text + _effect_tail(art)


def _effect_tail(art: Mapping[str, Any]) -> str:
    """Warnings, the refuter and the first notes: the end of every effect's text."""
    text = ""
    warnings = art.get("warnings")  # extrapolation, weak overlap, imbalance: never dropped
    if isinstance(warnings, Sequence) and not isinstance(warnings, str):
        text += "".join(f" Warning: {str(w).rstrip('.')}." for w in warnings)
    ref = art.get("refutation")
    if isinstance(ref, Mapping) and ref:
        verdict = "passed" if ref.get("passed") else "failed" if ref.get("passed") is False else "ran"
        extra = []
        if _num(ref.get("new_effect")) is not None:
            extra.append(f"new effect {_g(ref['new_effect'])}")
        if _num(ref.get("p_value")) is not None:
            extra.append(f"p = {_g(ref['p_value'], 3)}")
        text += f" Refutation ({ref.get('refuter', 'refuter')}): {verdict}" + (f" ({', '.join(extra)})" if extra else "") + "."
    notes = art.get("notes")
    if isinstance(notes, Sequence) and not isinstance(notes, str) and notes:
        text += " Notes: " + "; ".join(str(n).rstrip(".") for n in notes[:3]) + "."
    return text


def render_table(art: Mapping[str, Any], content: str) -> str:
    rows = art.get("rows")
    cols = art.get("columns")
    if not isinstance(rows, Sequence) or not isinstance(cols, Sequence):
        return content.strip() or "The tool returned no table."
    head = f"{art.get('title') or 'table'} ({len(rows)} row{'s' * (len(rows) != 1)})"
    if not rows:
        return content.strip() or head + "."
    lines = [" | ".join(map(str, cols))] + [" | ".join(map(str, r)) for r in rows[:20]]
    lead = f"{str(art['summary']).strip()}\n" if art.get("summary") else ""  # a table with its reading
    return lead + head + ":\n" + "\n".join("  " + line for line in lines)


def error_text(name: str, content: str, args: Mapping[str, Any] | None) -> str:
    msg = re.sub(r"^Error:\s*", "", str(content).strip())
    msg = re.sub(r"\s*Please fix your mistakes\.?\s*$", "", msg).rstrip(" .")
    end = "" if msg.endswith(("?", "!")) else "."
    shown = f" with {dict(args)}" if args else ""
    return f"The tool `{name}` failed{shown}: {msg}{end} Fix what the message names and ask again."


def compose_answer(plan: Plan, results: Sequence[tuple[str, str, Mapping[str, Any] | None, bool, Mapping[str, Any]]],
                   kinds: Mapping[str, str]) -> str:
    """The final answer from ``results`` — (tool name, content, artifact, failed, call args) —
    ending with the ``ANSWER:`` line of the planned tool's verdict, if it gave one."""
    blocks: list[str] = []
    errors: list[str] = []
    answer_line: str | None = None
    for name, content, art, failed, args in results:
        if failed:
            errors.append(error_text(name, content, args))
            continue
        kind = kinds.get(name, "text")
        art = art if isinstance(art, Mapping) else {}
        if kind == "verdict":
            named = [v for v in args.values() if isinstance(v, str)]
            text, shown = render_verdict(art, content, plan.flip if name == plan.tool else False, named)
            if answer_line is None or name == plan.tool:
                answer_line = shown
        elif kind == "graph":
            text = render_graph(art, content, partial=bool(args.get("variables")))
        elif kind == "effect":
            text = render_effect(art, content)
        elif kind == "table":
            text = render_table(art, content)
        else:
            text = content.strip() or f"`{name}` returned no output."
        blocks.append(text)
    unused = [f"Note: {w}." for w in plan.warnings]  # option words the call could not use
    if errors and not blocks:
        return "\n".join(errors + unused) + "\nI could not answer the question, so there is no ANSWER line."
    return "\n\n".join(blocks + errors + unused) + f"\nANSWER: {answer_line or 'none'}"
