"""A chat session written out as a Markdown or HTML report.

Markdown reports link PNG pictures written beside them (``<stem>-graph-<n>.png``) so the report
renders on GitHub and in editors; HTML reports embed the same pictures as base64 so a single file
can be mailed around.
"""

from __future__ import annotations

import base64
import html
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from .answer import Answer, Step
from .errors import CausalAgentError

ReportFormat = Literal["md", "html"]
REPORT_FORMATS: tuple[str, ...] = ("md", "html")


class Turn(BaseModel):
    """One question of a session, with what happened to it."""

    question: str
    status: Literal["answered", "cancelled", "error"] = "answered"
    answer: Answer | None = None
    steps: list[Step] = Field(default_factory=list, description="steps streamed before the end")
    error: str | None = None

    @property
    def all_steps(self) -> list[Step]:
        return self.answer.steps if self.answer is not None and self.answer.steps else self.steps


class ReportMeta(BaseModel):
    """What the session ran on."""

    model: str = ""
    datasets: list[str] = Field(default_factory=list)
    memory: str = ""
    created_at: str = Field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds")
    )


class ReportResult(BaseModel):
    path: str
    format: ReportFormat
    images: list[str] = Field(default_factory=list)
    questions: int


def report_format(path: str | Path) -> ReportFormat:
    suffix = Path(path).suffix.lstrip(".").lower()
    if suffix == "markdown":
        suffix = "md"
    if suffix == "htm":
        suffix = "html"
    if suffix not in REPORT_FORMATS:
        raise CausalAgentError(
            f"cannot write a report as {Path(path).suffix or 'a file without suffix'!r}; "
            "use a .md or .html file name"
        )
    return suffix  # type: ignore[return-value]


def _args(step: Step) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in step.args.items())


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""


def _effect_line(answer: Answer) -> str | None:
    eff = answer.effect
    if eff is None:
        return None
    ci = (
        f"95% CI [{eff.ci_low:.3f}, {eff.ci_high:.3f}]"
        if eff.ci_low is not None and eff.ci_high is not None
        else "no CI"
    )
    return (
        f"Effect of {eff.treatment} on {eff.outcome} ({eff.t0:g} → {eff.t1:g}): "
        f"{eff.estimate:.3f}, {ci} ({eff.method})"
    )


def _picture(graph: dict[str, Any]) -> bytes:
    """The PNG bytes of an answer's graph (rendered through a temporary file)."""
    from .graph import CausalGraph
    from .render import render_graph

    with tempfile.TemporaryDirectory() as tmp:
        target = render_graph(CausalGraph.from_json(graph), Path(tmp) / "graph.png")
        return target.read_bytes()


def _picture_path(target: Path, i: int) -> Path:
    return target.with_name(f"{target.stem}-graph-{i}.png")


def report_files(turns: list[Turn], path: str | Path) -> list[Path]:
    """Every file :func:`write_report` would write for ``turns`` at ``path``: the report, then
    (Markdown only) the picture of each answer's graph, ``<stem>-graph-<n>.png``."""
    target = Path(path).expanduser()
    files = [target]
    if report_format(target) == "md":
        files += [_picture_path(target, i) for i, turn in enumerate(turns, 1)
                  if turn.answer is not None and turn.answer.graph]
    return files


def existing_report_files(turns: list[Turn], path: str | Path) -> list[Path]:
    """The files of :func:`report_files` that exist already (a report would replace them)."""
    return [f for f in report_files(turns, path) if f.exists() or f.is_symlink()]


def write_report(
    turns: list[Turn], path: str | Path, meta: ReportMeta | None = None, *, overwrite: bool = False
) -> ReportResult:
    """Write ``turns`` to ``path`` (.md or .html); graph pictures beside it (md) or inline (html).

    Without ``overwrite`` an existing file among them (the report or any of its pictures) is an
    error naming it; asking the user first is the caller's job (the REPL's ``/report`` asks)."""
    from .render import atomic_write

    target = Path(path).expanduser()
    kind = report_format(target)
    for file in report_files(turns, target):
        if file.is_dir():
            raise CausalAgentError(
                f"{str(file)!r} is a directory; give a file name such as session.{kind}"
            )
    if not target.parent.exists():
        raise CausalAgentError(
            f"cannot write {str(target)!r}: folder {str(target.parent)!r} does not exist"
        )
    existing = existing_report_files(turns, target)
    if existing and not overwrite:
        raise CausalAgentError(
            f"{str(existing[0])!r} already exists; choose a new name or add --force"
        )
    meta = meta or ReportMeta()
    pictures: dict[int, bytes] = {}
    for i, turn in enumerate(turns, 1):
        if turn.answer is not None and turn.answer.graph:
            pictures[i] = _picture(turn.answer.graph)
    images: list[str] = []
    if kind == "md":
        names: dict[int, str] = {}
        for i, data in pictures.items():
            image = _picture_path(target, i)
            atomic_write(image, data)
            names[i] = image.name
            images.append(str(image.resolve()))
        text = _markdown(turns, meta, names)
    else:
        text = _html(turns, meta, pictures)
    atomic_write(target, text)
    return ReportResult(path=str(target.resolve()), format=kind, images=images, questions=len(turns))


def _markdown(turns: list[Turn], meta: ReportMeta, images: dict[int, str]) -> str:
    out = [
        "# causal-agent session",
        "",
        f"- model: `{meta.model}`",
        f"- data: {', '.join(f'`{d}`' for d in meta.datasets) or '(none)'}",
        f"- graph memory: `{meta.memory}`",
        f"- written: {meta.created_at}",
        "",
    ]
    if not turns:
        out.append("_No questions were asked._")
    for i, turn in enumerate(turns, 1):
        out += [f"## {i}. {turn.question}", ""]
        ans = turn.answer
        if turn.status == "cancelled":
            out += ["**Cancelled** before an answer.", ""]
        elif turn.status == "error":
            out += [f"**Error:** {turn.error}", ""]
        elif ans is not None:
            if ans.answer:
                out += [f"**Answer: {ans.answer.upper()}**", ""]
            effect = _effect_line(ans)
            if effect:
                out += [f"**{effect}**", ""]
            if ans.explanation:
                out += [ans.explanation, ""]
        if i in images:
            key = ans.graph_key if ans is not None and ans.graph_key else "graph"
            out += [f"![{key}]({images[i]})", ""]
        if ans is not None and ans.graph:
            out.append("```")
            out += [f"{e['source']} {e['type']} {e['target']}" for e in ans.graph.get("edges", [])]
            out += ["```", ""]
        steps = turn.all_steps
        if steps:
            out += ["Steps:", ""]
            for n, step in enumerate(steps, 1):
                mark = " (error)" if step.status == "error" else ""
                out.append(f"{n}. `{step.tool}({_args(step)})`{mark}: {_first_line(step.output)}")
            out.append("")
        if ans is not None:
            out += [f"_{ans.model_calls} model calls, {ans.elapsed_s:.2f} s_", ""]
    return "\n".join(out).rstrip() + "\n"


def _html(turns: list[Turn], meta: ReportMeta, pictures: dict[int, bytes]) -> str:
    e = html.escape
    body = [
        "<h1>causal-agent session</h1>",
        "<ul>",
        f"<li>model: <code>{e(meta.model)}</code></li>",
        f"<li>data: {e(', '.join(meta.datasets) or '(none)')}</li>",
        f"<li>graph memory: <code>{e(meta.memory)}</code></li>",
        f"<li>written: {e(meta.created_at)}</li>",
        "</ul>",
    ]
    if not turns:
        body.append("<p><em>No questions were asked.</em></p>")
    for i, turn in enumerate(turns, 1):
        body.append(f"<h2>{i}. {e(turn.question)}</h2>")
        ans = turn.answer
        if turn.status == "cancelled":
            body.append("<p><strong>Cancelled</strong> before an answer.</p>")
        elif turn.status == "error":
            body.append(f"<p><strong>Error:</strong> {e(turn.error or '')}</p>")
        elif ans is not None:
            if ans.answer:
                body.append(f'<p class="verdict {ans.answer}"><strong>Answer: {ans.answer.upper()}</strong></p>')
            effect = _effect_line(ans)
            if effect:
                body.append(f"<p><strong>{e(effect)}</strong></p>")
            if ans.explanation:
                body.append(f"<p>{e(ans.explanation)}</p>")
        if i in pictures:
            data = base64.b64encode(pictures[i]).decode()
            alt = ans.graph_key if ans is not None and ans.graph_key else "graph"
            body.append(f'<p><img alt="{e(alt)}" src="data:image/png;base64,{data}"></p>')
        if ans is not None and ans.graph:
            edges = "\n".join(
                f"{x['source']} {x['type']} {x['target']}" for x in ans.graph.get("edges", [])
            )
            body.append(f"<pre>{e(edges)}</pre>")
        steps = turn.all_steps
        if steps:
            body.append("<ol class=\"steps\">")
            for step in steps:
                cls = ' class="error"' if step.status == "error" else ""
                body.append(
                    f"<li{cls}><code>{e(step.tool)}({e(_args(step))})</code>: "
                    f"{e(_first_line(step.output))}</li>"
                )
            body.append("</ol>")
        if ans is not None:
            body.append(f"<p class=\"foot\">{ans.model_calls} model calls, {ans.elapsed_s:.2f} s</p>")
    style = (
        "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}"
        ".verdict.yes{color:#1a7f37}.verdict.no{color:#cf222e}.verdict.uncertain{color:#9a6700}"
        ".steps{color:#555}.error{color:#cf222e}.foot{color:#777;font-size:.9em}"
        "img{max-width:100%}"
    )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>causal-agent session</title>"
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


__all__ = ["ReportMeta", "ReportResult", "Turn", "existing_report_files", "report_files", "report_format",
           "write_report"]
