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
    n: int = 1000,
    model: str | None = "offline",
    base_url: str | None = None,
    workers: int = 2,
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
    if suite not in SUITES:
        from causal_agent.errors import suggestion

        raise DataError(f"unknown suite {suite!r}." + suggestion(suite, SUITES, "suite"))
    if workers < 1:
        raise DataError(f"--workers {workers} is not a worker count; use --workers 1 or more")
    if refute_simulations < 1:
        raise DataError(f"--refute-simulations {refute_simulations} must be at least 1")
    if tolerance_rel < 0 or tolerance_abs < 0:
        raise DataError("--tolerance-rel and --tolerance-abs must be 0 or more (defaults 0.10 and 0.05)")
    if suite == "four-level" and any(v is not None for v in (path, graphs_dir)):
        raise DataError("--path/--graphs-dir are for --suite published; drop them or add --suite published")
    options = RunOptions(
        model=model or "offline", base_url=base_url, workers=workers, refute_simulations=refute_simulations,
        max_model_calls=max_model_calls, tolerance=Tolerance(rel=tolerance_rel, abs=tolerance_abs),
        resume=resume, retry_errors=retry_errors, progress=progress,
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
        values = {"suite": suite, "n": n, "model": options.model, "base_url": base_url, "workers": workers,
                  "seed": seed, "rows": rows, "path": path, "data_dir": data_dir, "graphs_dir": graphs_dir,
                  "cache_dir": cache_dir, "refute_simulations": refute_simulations, "report": report,
                  "markdown": markdown}
        console.print("resume with:\n  " + _resume_command(values, str(exc.results_file)))
        raise SystemExit(130) from None  # typer would turn KeyboardInterrupt into a returned code
    rep = build_report(result)
    render_table(rep, console)
    t = rep.meta["timing"]
    console.print(f"results: {result.results_file}  ·  wall {t['wall_s']} s (suite {t['suite_prepare_s']} s, "
                  f"answering {t['answer_s']} s; {t['answered_now']} new, {t['skipped_from_file']} resumed)")
    if report:
        rep.save(report)
        console.print(f"report: {report}")
    if markdown:
        _write(markdown, to_markdown(rep))
        console.print(f"markdown: {markdown}")
    return rep


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
