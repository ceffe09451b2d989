"""Rich rendering of answers, shared by ``ask``, ``demo`` and the REPL."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .answer import Answer

BADGE_STYLE = {"yes": "bold white on green", "no": "bold white on red", "uncertain": "bold black on yellow"}


def badge(verdict: str | None) -> Text:
    if verdict is None:
        return Text("")
    return Text(f" {verdict.upper()} ", style=BADGE_STYLE.get(verdict, "bold"))


def graph_table(graph: dict[str, Any], title: str | None = None) -> Table:
    """A graph as an edge table: readable in any terminal width."""
    table = Table(title=title, show_header=True, header_style="bold", expand=False)
    table.add_column("from")
    table.add_column("edge", justify="center")
    table.add_column("to")
    for edge in graph.get("edges", []):
        table.add_row(edge["source"], edge["type"], edge["target"])
    isolated = set(graph.get("nodes", [])) - {e["source"] for e in graph.get("edges", [])} - {
        e["target"] for e in graph.get("edges", [])
    }
    for node in sorted(isolated):
        table.add_row(node, "", "(no edges)")
    return table


def answer_renderable(answer: Answer, show_steps: bool = True) -> Panel:
    parts: list[Any] = []
    head = Text()
    if answer.answer:
        head.append_text(badge(answer.answer))
        head.append("  ")
    head.append(answer.question, style="bold")
    parts.append(head)
    if answer.effect is not None:
        eff = answer.effect
        ci = (
            f"95% CI [{eff.ci_low:.3f}, {eff.ci_high:.3f}]"
            if eff.ci_low is not None and eff.ci_high is not None
            else "no CI"
        )
        rng = eff.range if eff.headline == "range" else None
        value = (f"not identified, between {rng['min']:.3f} and {rng['max']:.3f} over"
                 f" {len(rng.get('estimates') or [])} possible adjustment sets"
                 if rng else f"{eff.estimate:.3f}  {ci}")  # a range is never shown as one number
        parts.append(
            Text(
                f"Effect of {eff.treatment} on {eff.outcome} ({eff.t0:g} → {eff.t1:g}): "
                f"{value}  [{eff.method}]",
                style="bold cyan",
            )
        )
    if answer.explanation:
        parts.append(Text(answer.explanation))
    if answer.graph is not None:
        parts.append(graph_table(answer.graph, title=answer.graph_key))
    if show_steps and answer.steps:
        steps = Text("Steps:\n", style="dim")
        for i, step in enumerate(answer.steps, 1):
            args = ", ".join(f"{k}={v!r}" for k, v in step.args.items())
            first = step.output.splitlines()[0] if step.output else ""
            if len(first) > 110:
                first = first[:109].rstrip() + "…"
            style = "red" if step.status == "error" else "dim"
            steps.append(f"  {i}. {step.tool}({args}) → {first}\n", style=style)
        parts.append(steps)
    calls = "model call" if answer.model_calls == 1 else "model calls"
    foot = f"{answer.model_calls} {calls} · {answer.elapsed_s:.2f} s"
    if answer.tokens:
        foot += f" · {answer.tokens} tokens"
    return Panel(Group(*parts), subtitle=foot, subtitle_align="right")


def print_answer(answer: Answer, console: Console | None = None, show_steps: bool = True) -> None:
    (console or Console()).print(answer_renderable(answer, show_steps=show_steps))
