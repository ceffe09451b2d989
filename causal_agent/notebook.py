"""What ``Answer``, ``CausalGraph`` and ``DataProfile`` show in Jupyter (HTML, Markdown, SVG).

The classes' ``_repr_html_`` / ``_repr_markdown_`` / ``_repr_svg_`` methods delegate here. Two rules:

- **Text in data is data.** Questions, column names, tool output and explanations are escaped
  (``html.escape``; Markdown also backslash-escapes its punctuation), so a column called
  ``<script>`` shows as that text and never runs.
- **A repr never raises.** Jupyter swallows a failing repr into a traceback where the answer should
  be; every public function here catches the failure and returns a plain escaped fallback instead.

Only the standard library is imported at module import; the picture is drawn by :mod:`render`
(Graphviz's ``dot`` when installed, else matplotlib), imported when a graph is shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .answer import Answer, Effect, Step, Table
    from .graph import CausalGraph
    from .profile import DataProfile

#: badge colours (background, text), one per verdict; incomplete answers get the grey one
_BADGE = {"yes": ("#1a7f37", "#ffffff"), "no": ("#cf222e", "#ffffff"), "uncertain": ("#d4a72c", "#000000")}
_GREY = ("#6e7781", "#ffffff")
_BOX = "border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;margin:4px 0;max-width:60em"
_CELL = "padding:2px 8px;text-align:left;border-bottom:1px solid #eaeef2"
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)  # the XML declaration, DOCTYPE and comments before <svg
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")  # emphasis, code, links, tables, strike-through
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([#+=-])")  # headings, lists, setext rules ("<"/">" become entities)


def esc(value: Any) -> str:
    """Any value as HTML-safe text (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def _num(x: Any) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return esc(x)
    return f"{x:.4g}"


def _safely(render: Callable[[], str], plain: Callable[[], str], what: str) -> str:
    """``render()``, or on any failure an escaped ``<pre>`` of ``plain()`` saying what failed."""
    try:
        return render()
    except Exception as exc:  # a repr must never raise
        try:
            text = plain()
        except Exception:
            text = f"<{what}>"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (f'<pre style="white-space:pre-wrap">{esc(text)}</pre>'
                f"<p><em>(could not render the {esc(what)}: {esc(reason)})</em></p>")


# -- graphs --------------------------------------------------------------------------------------


def graph_svg(graph: CausalGraph) -> str:
    """The graph drawn as an SVG element (no XML prolog, so it can sit inside HTML); raises on failure.

    One drawing path for export and notebooks: :func:`render.render_graph` (Graphviz when ``dot``
    is installed, else matplotlib with every edge mark drawn), into a temporary file."""
    import tempfile
    from pathlib import Path

    from .render import render_graph

    with tempfile.TemporaryDirectory(prefix="causal-agent-svg-") as tmp:
        path = render_graph(graph, Path(tmp) / "graph.svg")
        text = path.read_text(encoding="utf-8")
    svg = _PROLOG.sub("", text, count=1)
    if not svg.lstrip().startswith("<svg"):
        raise ValueError("the renderer returned no <svg> element")
    return svg


def _text_svg(lines: Sequence[str]) -> str:
    """A plain SVG that shows ``lines`` as text: the fallback picture when drawing fails."""
    shown = list(lines)[:40] or ["(empty graph)"]
    height = 18 * len(shown) + 12
    width = max(len(s) for s in shown) * 8 + 20
    rows = "".join(f'<text x="10" y="{18 * (i + 1)}">{esc(s)}</text>' for i, s in enumerate(shown))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="monospace" font-size="13">{rows}</svg>')


def graph_svg_or_text(graph: CausalGraph) -> str:
    """``CausalGraph._repr_svg_``: the picture, or its edges as SVG text when it cannot be drawn."""
    try:
        return graph_svg(graph)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        try:
            lines = [f"{graph.kind.upper()}: {len(graph.nodes)} nodes, {len(graph.edges)} edges",
                     *graph.to_text().splitlines()]
        except Exception:
            lines = ["(graph)"]
        return _text_svg([*lines, f"(not drawn: {reason})"])


def _graph_block(data: Mapping[str, Any], key: str | None) -> str:
    """The answer's graph: the picture inline, its edges as text below it."""
    from .graph import CausalGraph

    graph = CausalGraph.from_json(dict(data))
    title = f"Graph <code>{esc(key)}</code>" if key else "Graph"
    picture = _safely(lambda: f'<div style="max-width:100%;overflow:auto">{graph_svg(graph)}</div>',
                      graph.to_text, "graph picture")
    return (f"<div><strong>{title}</strong> ({esc(graph.kind.upper())}, {len(graph.nodes)} nodes, "
            f"{len(graph.edges)} edges){picture}<details><summary>edges as text</summary>"
            f"<pre>{esc(graph.to_text())}</pre></details></div>")


# -- answers -------------------------------------------------------------------------------------


def _badge(answer: Answer) -> str:
    if answer.answer is not None:
        bg, fg = _BADGE.get(answer.answer, _GREY)
        label = answer.answer.upper()
    elif not answer.complete:
        bg, fg = _GREY
        label = "INCOMPLETE" + (f": {answer.incomplete_reason.replace('_', ' ')}" if answer.incomplete_reason else "")
    else:
        return ""
    return (f'<span class="causal-agent-badge" style="background:{bg};color:{fg};font-weight:bold;'
            f'padding:1px 8px;border-radius:4px;margin-right:8px">{esc(label)}</span>')


def effect_value(effect: Effect) -> str:
    """The headline as plain text: the estimate with its CI, or the range when not identified
    (a range is never shown as one number)."""
    rng = effect.range if effect.headline == "range" and isinstance(effect.range, Mapping) else None
    if rng is not None and isinstance(rng.get("min"), (int, float)) and isinstance(rng.get("max"), (int, float)):
        n = len(rng.get("estimates") or [])
        return (f"not identified: between {rng['min']:.4g} and {rng['max']:.4g}"
                + (f" over {n} possible adjustment sets" if n else ""))
    text = f"{effect.estimate:.4g}"
    if effect.ci_low is not None and effect.ci_high is not None:
        text += f" (95% CI {effect.ci_low:.4g} to {effect.ci_high:.4g})"
    else:
        text += " (no CI)"
    return text


def _effect_block(effect: Effect, effects: Sequence[Effect]) -> str:
    rows: list[tuple[str, str]] = [
        ("effect", f"<strong>{esc(effect_value(effect))}</strong>"),
        ("change", f"{esc(effect.treatment)}: {_num(effect.t0)} → {_num(effect.t1)}, outcome {esc(effect.outcome)}"),
        ("method", esc(effect.method)),
    ]
    if getattr(effect, "contrast", None):  # a change the question stated without both values
        rows.insert(2, ("as computed", esc(effect.contrast)))
    if effect.adjustment_set is not None:
        rows.append(("adjustment set", esc("{" + ", ".join(map(str, effect.adjustment_set)) + "}")
                     if effect.adjustment_set else "none (empty set)"))
    if effect.assumption:
        rows.append(("assumption", esc(effect.assumption)))
    for warning in effect.warnings:
        rows.append(("warning", esc(warning)))
    body = "".join(f'<tr><th style="{_CELL}">{k}</th><td style="{_CELL}">{v}</td></tr>' for k, v in rows)
    out = f'<table class="causal-agent-effect" style="border-collapse:collapse">{body}</table>'
    if len(effects) > 1:
        head = ["effect", "treatment", "outcome", "t0 → t1", "estimate", "method"]
        lines = [[esc(getattr(e, "label", None) or ""), esc(e.treatment), esc(e.outcome),
                  f"{_num(e.t0)} → {_num(e.t1)}", esc(effect_value(e)), esc(e.method)] for e in effects]
        out += "<div><strong>All effects</strong></div>" + _html_table(head, lines, escape=False)
    return out


def _html_table(columns: Sequence[Any], rows: Iterable[Sequence[Any]], *, escape: bool = True,
                css_class: str = "causal-agent-table") -> str:
    def cell(v: Any) -> str:
        if not escape:
            return str(v)
        return _num(v) if isinstance(v, float) else esc("" if v is None else v)

    head = "".join(f'<th style="{_CELL}">{esc(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f'<td style="{_CELL}">{cell(v)}</td>' for v in row) + "</tr>"
                   for row in rows)
    return (f'<table class="{css_class}" style="border-collapse:collapse"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _table_block(table: Table) -> str:
    return f"<div><strong>{esc(table.title)}</strong>{_html_table(table.columns, table.rows)}</div>"


def _call(step: Step) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in step.args.items())
    return f"{step.tool}({args})"


def _first_line(text: str, width: int = 140) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= width else first[: width - 1].rstrip() + "…"


def _steps_block(steps: Sequence[Step]) -> str:
    items = []
    for step in steps:
        colour = "#cf222e" if step.status == "error" else "inherit"
        tag = " (recovered from the model's text)" if step.recovered else ""
        items.append(
            f'<li><details><summary style="color:{colour}"><code>{esc(_call(step))}</code>{esc(tag)} → '
            f"{esc(_first_line(step.output))}</summary>"
            f'<pre style="white-space:pre-wrap">{esc(step.output)}</pre></details></li>')
    return f"<details><summary>Steps ({len(steps)})</summary><ol>{''.join(items)}</ol></details>"


def _footer(answer: Answer) -> str:
    calls = "model call" if answer.model_calls == 1 else "model calls"
    foot = f"{answer.model_calls} {calls} · {answer.elapsed_s:.2f} s"
    if answer.tokens:
        foot += f" · {answer.tokens} tokens"
    return f'<div style="color:#6e7781;font-size:85%;text-align:right">{esc(foot)}</div>'


def _answer_html(answer: Answer) -> str:
    parts = [f"<div>{_badge(answer)}<strong>{esc(answer.question)}</strong></div>"]
    if answer.effect is not None:
        parts.append(_effect_block(answer.effect, answer.effects))
    if answer.explanation:
        parts.append(f'<div style="white-space:pre-wrap;margin:6px 0">{esc(answer.explanation)}</div>')
    if answer.graph is not None:
        parts.append(_safely(lambda: _graph_block(answer.graph or {}, answer.graph_key),
                             lambda: str(answer.graph), "graph"))
    parts.extend(_table_block(t) for t in answer.tables)
    if answer.steps:
        parts.append(_steps_block(answer.steps))
    parts.append(_footer(answer))
    return f'<div class="causal-agent-answer" style="{_BOX}">{"".join(parts)}</div>'


def answer_html(answer: Answer) -> str:
    """``Answer._repr_html_``: badge, question, effect with its CI, explanation, graph picture
    (inline SVG), tables, the steps (folded), and what it cost."""
    return _safely(lambda: _answer_html(answer), lambda: answer.explanation or repr(answer), "answer")


# -- Markdown ------------------------------------------------------------------------------------


def md_inline(text: Any) -> str:
    """A fragment inside a Markdown line: formatting punctuation escaped, on one line."""
    return html.escape(_MD_INLINE.sub(r"\\\1", " ".join(str(text).split())), quote=False)


def md_escape(text: Any) -> str:
    """Text that Markdown shows as it is: the punctuation that formats (emphasis, code, links,
    tables; headings, quotes and list markers at a line start) backslash-escaped, ``<`` and ``&``
    as entities, leading spaces and line breaks kept."""
    lines = []
    for line in str(text).splitlines() or [""]:
        body = _MD_INLINE.sub(r"\\\1", line.lstrip(" "))
        body = _MD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", body, count=1)
        lines.append("&nbsp;" * (len(line) - len(line.lstrip(" "))) + html.escape(body, quote=False))
    return "  \n".join(lines)


def _md_code(text: str) -> str:
    """A fenced block that the text cannot close (the fence is longer than any backtick run in it)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _md_table(columns: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        return md_inline(_num(v) if isinstance(v, float) else ("" if v is None else v))

    head = "| " + " | ".join(cell(c) for c in columns) + " |"
    rule = "|" + "---|" * len(columns)
    return "\n".join([head, rule, *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)])


def _answer_markdown(answer: Answer) -> str:
    badge = ""
    if answer.answer is not None:
        badge = f"**{answer.answer.upper()}** "
    elif not answer.complete:
        badge = "**INCOMPLETE" + (f" ({answer.incomplete_reason.replace('_', ' ')})" if answer.incomplete_reason else "") + "** "
    out = [badge + (md_inline(answer.question) if badge else md_escape(" ".join(answer.question.split())))]
    if answer.effect is not None:
        e = answer.effect
        out.append(f"**Effect** of {md_inline(e.treatment)} on {md_inline(e.outcome)} "
                   f"({_num(e.t0)} → {_num(e.t1)}): {md_inline(effect_value(e))}, method {md_inline(e.method)}")
        if len(answer.effects) > 1:
            out.append(_md_table(["effect", "treatment", "outcome", "estimate", "method"],
                                 [[getattr(x, "label", None) or "", x.treatment, x.outcome, effect_value(x), x.method]
                                  for x in answer.effects]))
    if answer.explanation:
        out.append(md_escape(answer.explanation))
    if answer.graph is not None:
        from .graph import CausalGraph

        graph = CausalGraph.from_json(dict(answer.graph))
        key = f" {md_inline(answer.graph_key)}" if answer.graph_key else ""
        out.append(f"**Graph**{key} ({graph.kind.upper()}):\n\n{_md_code(graph.to_text())}")
    for table in answer.tables:
        out.append(f"**{md_inline(table.title)}**\n\n{_md_table(table.columns, table.rows)}")
    if answer.steps:
        steps = [f"{i}. {md_inline(_call(s))} → {md_inline(_first_line(s.output))}"
                 + (" *(error)*" if s.status == "error" else "") for i, s in enumerate(answer.steps, 1)]
        out.append("**Steps**\n\n" + "\n".join(steps))
    calls = "model call" if answer.model_calls == 1 else "model calls"
    out.append(f"*{answer.model_calls} {calls} · {answer.elapsed_s:.2f} s*")
    return "\n\n".join(out)


def answer_markdown(answer: Answer) -> str:
    """``Answer._repr_markdown_``: the same content as the HTML, the graph as its edge list."""
    try:
        return _answer_markdown(answer)
    except Exception:  # a repr must never raise
        try:
            return _md_code(answer.explanation or repr(answer))
        except Exception:
            return "(answer)"


# -- profiles ------------------------------------------------------------------------------------


def _profile_html(profile: DataProfile) -> str:
    def flag(v: bool | None) -> str:
        return "" if v is None else ("yes" if v else "no")

    head = ["column", "kind", "dtype", "missing", "unique", "analysed", "Gaussian", "ordered", "note"]
    rows = [[c.name, c.kind, c.dtype, c.n_missing, c.n_unique,
             f"no: {c.reason}" if c.excluded and c.reason else ("no" if c.excluded else "yes"),
             flag(c.gaussian), flag(c.ordered), c.note or ""] for c in profile.columns]
    caption = (f"{profile.n_rows} rows × {profile.n_columns} columns, {len(profile.variables)} analysed · "
               f"fingerprint {profile.fingerprint[:12]}")
    notes = "".join(f"<li>{esc(n)}</li>" for n in profile.notes)
    return (f'<div class="causal-agent-profile" style="{_BOX}"><div><strong>{esc(caption)}</strong></div>'
            f"{_html_table(head, rows, css_class='causal-agent-profile-table')}"
            + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


def profile_html(profile: DataProfile) -> str:
    """``DataProfile._repr_html_``: one row per column (kind, missing, why excluded, notes)."""
    return _safely(lambda: _profile_html(profile), profile.summary, "profile")


__all__ = ["answer_html", "answer_markdown", "effect_value", "esc", "graph_svg", "graph_svg_or_text",
           "md_escape", "md_inline", "profile_html"]
