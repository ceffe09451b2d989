"""``causal-agent eval``: run a suite, print the table, write the reports, or compare two reports.

``causal_agent_evals.plugin`` declares the options and calls :func:`eval_command` from inside the command
body, so ``causal-agent --help`` imports none of this.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from causal_agent.errors import DataError

from .report import (
    EvalReport,
    build_report,
    compare_reports,
    comparison_markdown,
    render_comparison,
    render_table,
    to_markdown,
)
from .runner import SUITES, RunInterrupted, RunOptions, prepare_suite, run_suite
from .scoring import Tolerance


def eval_command(
    *,
    suite: str = "four-level",
    protocol: str = "default",
    n: int = 1000,
    model: str | None = "offline",
    base_url: str | None = None,
    workers: int | None = None,
    seed: int = 0,
    rows: int | None = None,
    out: str | None = None,
    report: str | None = None,
    markdown: str | None = None,
    resume: bool = True,
    retry_errors: bool = False,
    tolerance_rel: float = 0.10,
    tolerance_abs: float = 0.05,
    refute_simulations: int = 5,
    max_model_calls: int | None = None,
    path: str | None = None,
    data_dir: str | None = None,
    graphs_dir: str | None = None,
    cache_dir: str | None = None,
    compare: tuple[str, str] | list[str] | None = None,
    progress: bool = True,
    console: Any = None,
    executor: str | None = None,
    ray_address: str | None = None,
) -> Any:
    """Run (or compare) and print; returns the ``EvalReport`` (or the list of differences)."""
    from rich.console import Console

    if console is None:
        console = Console()
        if not console.is_terminal or console.width < 140:  # piped output: keep the table readable
            console = Console(width=150)
    if compare:
        if len(compare) != 2:
            raise DataError("--compare takes two report files: --compare a.json b.json")
        a, b = EvalReport.load(compare[0]), EvalReport.load(compare[1])
        render_comparison(a, b, console, names=(Path(compare[0]).stem, Path(compare[1]).stem))
        if markdown:
            _write(markdown, comparison_markdown(a, b))
        return compare_reports(a, b)
    if suite == "multi-environment":  # its own generator, truth and report (causal_agent_evals.environments)
        from .environments import family_command

        return family_command(n=n, seed=seed, rows=rows, report=report, markdown=markdown, model=model,
                              refute_simulations=refute_simulations, progress=progress, console=console)
    if suite not in SUITES:
        from causal_agent.errors import suggestion

        raise DataError(f"unknown suite {suite!r}." + suggestion(suite, SUITES, "suite"))
    from .reference import PROTOCOLS

    if protocol not in PROTOCOLS:
        from causal_agent.errors import suggestion

        raise DataError(f"unknown protocol {protocol!r}; use --protocol default or --protocol reference."
                        + suggestion(protocol, PROTOCOLS, "protocol"))
    chosen = _executor(executor, ray_address)
    if workers is None:  # local: 2 processes; Ray: the cluster's CPUs
        workers = 2 if chosen.executor == "local" else _ray_slots(chosen)
    if workers < 1:
        raise DataError(f"--workers {workers} is not a worker count; use --workers 1 or more")
    if refute_simulations < 1:
        raise DataError(f"--refute-simulations {refute_simulations} must be at least 1")
    if tolerance_rel < 0 or tolerance_abs < 0:
        raise DataError("--tolerance-rel and --tolerance-abs must be 0 or more (defaults 0.10 and 0.05)")
    if suite != "published" and any(v is not None for v in (path, graphs_dir)):
        raise DataError("--path/--graphs-dir are for --suite published; drop them or add --suite published")
    check_model(model or "offline", base_url)
    if out:
        from .runner import check_results_file

        check_results_file(Path(out).expanduser())
    options = RunOptions(
        model=model or "offline", base_url=base_url, protocol=protocol, workers=workers, refute_simulations=refute_simulations,
        max_model_calls=max_model_calls, tolerance=Tolerance(rel=tolerance_rel, abs=tolerance_abs),
        resume=resume, retry_errors=retry_errors, progress=progress,
        executor=chosen.executor, ray_address=chosen.ray_address,
    )
    with console.status(f"preparing the {suite} suite…"):
        prepared = prepare_suite(suite, n=n, seed=seed, rows=rows, cache_dir=cache_dir, path=path,
                                 data_dir=data_dir, graphs_dir=graphs_dir)
    where = "loaded from cache" if prepared.cached else "prepared"
    console.print(f"{len(prepared.questions)} questions {where} in {prepared.prepare_s:.1f} s"
                  + (f" ({prepared.cache_dir})" if prepared.cache_dir else ""))
    try:
        result = run_suite(prepared, options, out, cache_dir=cache_dir, console=console)
    except RunInterrupted as exc:
        console.print(f"[yellow]{exc}[/yellow]")
        values = {"suite": suite, "protocol": protocol, "n": n, "model": options.model, "base_url": base_url, "workers": workers,
                  "seed": seed, "rows": rows, "path": path, "data_dir": data_dir, "graphs_dir": graphs_dir,
                  "cache_dir": cache_dir, "refute_simulations": refute_simulations, "report": report,
                  "markdown": markdown, "executor": executor, "ray_address": ray_address}
        console.print("resume with:\n  " + _resume_command(values, str(exc.results_file)))
        raise SystemExit(130) from None  # typer would turn KeyboardInterrupt into a returned code
    rep = annotate_report(build_report(result), result)
    render_table(rep, console)
    render_readings(rep, console)
    t = rep.meta["timing"]
    console.print(f"results: {result.results_file}  ·  wall {t['wall_s']} s (suite {t['suite_prepare_s']} s, "
                  f"answering {t['answer_s']} s; {t['answered_now']} new, {t['skipped_from_file']} resumed)")
    failed_all(result)
    if report:
        rep.save(report)
        console.print(f"report: {report}")
    if markdown:
        _write(markdown, report_markdown(rep))
        console.print(f"markdown: {markdown}")
    return rep


def _executor(executor: str | None, ray_address: str | None) -> Any:
    """``--executor`` / ``--ray-address`` over the environment and the config file; a Ray cluster
    named by address is reached now (one line, before any work, when it cannot be)."""
    from causal_agent.config import load_executor

    chosen = load_executor(executor, ray_address)
    if chosen.executor != "ray":
        if ray_address is not None:
            raise DataError(f"--ray-address {ray_address} is for --executor ray; add --executor ray")
        return chosen
    if chosen.ray_address:
        from causal_agent.executors import RayExecutor

        RayExecutor(chosen.ray_address, where=chosen.ray_address_from or "--ray-address").connect()
    return chosen


def _ray_slots(chosen: Any) -> int:
    from causal_agent.executors import RayExecutor

    return RayExecutor(chosen.ray_address).slots()


def check_model(model: str, base_url: str | None) -> None:
    """Build the model once before any work, so a bad spec ('--model foo', a missing key) is one
    line and a non-zero exit, not a run in which every question errors."""
    from causal_agent.config import load_config
    from causal_agent.models.factory import make_model

    make_model(None, load_config(model=model, base_url=base_url))


def failed_all(result: Any) -> None:
    """Exit non-zero (one line) when every question answered in this run errored: the numbers of
    such a run measure the failure, not the agent."""
    from causal_agent.errors import CausalAgentError

    new = result.stats.n_new
    if new and result.stats.n_errors >= new:
        first = next((r.error for r in result.records if r.error), "unknown error")
        raise CausalAgentError(f"every question failed ({new} of {new}); the first error: {first}")


def annotate_report(rep: EvalReport, result: Any) -> EvalReport:
    """Add what the report module does not know: the protocol (header and first caveat), agreement
    and misreads per type, and graph reuse across the namings of a file."""
    from .reference import protocol_text
    from .runner import graph_reuse, type_readings

    protocol = result.options.protocol
    rep.meta["protocol"] = protocol
    rep.meta["protocol_text"] = protocol_text(protocol)
    rep.meta["readings"] = {t: r.model_dump() for t, r in type_readings(result).items()}
    rep.meta["graph_reuse"] = graph_reuse(result).model_dump()
    other = "reference" if protocol == "default" else "default"
    rep.meta["other_protocol_text"] = f"{other}: {protocol_text(other)}"
    rep.caveats.insert(0, f"Protocol {protocol}: {protocol_text(protocol)}. The other protocol, {other}, is "
                          f"{protocol_text(other)} (--protocol {other}).")
    return rep


def readings_rows(rep: EvalReport) -> list[list[str]]:
    """(type, n, agree, agreement, misread, errors) rows of the readings table."""
    rows = []
    for code, r in (rep.meta.get("readings") or {}).items():
        pct = "–" if r["agreement"] is None else f"{100 * r['agreement']:.1f}%"
        rows.append([code, str(r["n"]), f"{r['agree']}/{r['judged']}", pct, str(r["misread"]), str(r["errors"])])
    return rows


READINGS_HEADER = ("type", "n", "agree", "agreement", "misread", "errors")


def render_readings(rep: EvalReport, console: Any) -> None:
    """The per-type agreement and misread table, and the graph-reuse line."""
    from rich.table import Table

    rows = readings_rows(rep)
    if not rows:
        return
    table = Table(title=f"protocol {rep.meta.get('protocol')}: agreement with the labels, misread questions")
    for h in READINGS_HEADER:
        table.add_column(h, justify="left" if h == "type" else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    g = rep.meta.get("graph_reuse") or {}
    if g:
        console.print(f"graphs: {g['learned']} learned, {g['reused']} reused from memory "
                      f"({g['reused_across_names']} across column namings) over {g['datasets']} dataset(s) "
                      f"from {g['files']} file(s); {g['seconds_per_question']} s/question")


def report_markdown(rep: EvalReport) -> str:
    """The report module's Markdown with the protocol in the header and the readings section."""
    text = to_markdown(rep)
    if "protocol" not in rep.meta:
        return text
    head, _, rest = text.partition("\n\n")
    lines = [head, "", f"- protocol: **{rep.meta['protocol']}**: {rep.meta['protocol_text']}"
                       f" (the other protocol, {rep.meta.get('other_protocol_text', '')})", rest.rstrip(), ""]
    rows = readings_rows(rep)
    if rows:
        lines += ["## Agreement and misreads by type", "",
                  "*agree*: answers that agree with the reference label (published suites: the published label, put "
                  "in the question's polarity); *misread*: rows where the agent called another tool than the type "
                  "needs, or the right tool with arguments other than the row's interest (variables, conditioning "
                  "set, t0/t1).", "",
                  "| " + " | ".join(READINGS_HEADER) + " |", "|---|" + "---:|" * (len(READINGS_HEADER) - 1)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        examples = [e for r in rep.meta["readings"].values() for e in r.get("examples", [])]
        if examples:
            lines += ["", "Misreads: " + "; ".join(examples)]
        lines.append("")
    g = rep.meta.get("graph_reuse") or {}
    if g:
        lines += ["## Graph reuse", "",
                  f"{g['datasets']} dataset(s) (file, column names) from {g['files']} file(s); of {g['graph_calls']} "
                  f"calls that needed a graph, discovery ran {g['learned']} time(s) and {g['reused']} came from "
                  f"memory, {g['reused_across_names']} of them learned under another naming of the same file. "
                  f"Mean {g['seconds_per_question']} s per question.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _write(path: str, text: str) -> None:
    p = Path(path).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def _resume_command(values: dict[str, Any], results_file: str) -> str:
    """The same run with ``--out`` pointing at the results file and ``--resume``."""
    args = ["causal-agent", "eval"]
    for key, value in values.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        args += [flag] if value is True else [flag, str(value)]
    return shlex.join([*args, "--out", results_file, "--resume"])
