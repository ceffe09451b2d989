"""The evals plugin: ``causal-agent eval`` registers itself through ``register_commands``, so the
core command line imports no evals code (and ``--help`` imports nothing heavy: the command body
imports the runner)."""

from __future__ import annotations

from typing import Annotated

import typer

from causal_agent.hookspecs import hookimpl


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    @cli.command("eval")
    def eval_(
        suite: Annotated[str, typer.Option("--suite", help="'four-level' (generated, with known truth), 'realistic' (generated discrete, mixed and continuous networks of 10-40 nodes), 'published', or 'multi-environment' (data from 2-5 environments whose mechanisms partly shift; two questions a dataset).")] = "four-level",
        protocol: Annotated[str, typer.Option("--protocol", help="'default': the agent's own choices; 'reference': the published labelling procedure (Fisher-z, PC at alpha 0.05, PC on the subset for partial graphs, LinearDML).")] = "default",
        n: Annotated[int, typer.Option("--n", help="Number of questions.")] = 1000,
        model: Annotated[str | None, typer.Option("--model", "-m", help="'offline' (default) or 'openai:<name>'.")] = "offline",
        base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")] = None,
        workers: Annotated[int | None, typer.Option("--workers", "-w", help="Files answered at once (default 2 worker processes; with --executor ray, the cluster's CPUs).")] = None,
        seed: Annotated[int, typer.Option("--seed", help="Suite seed.")] = 0,
        rows: Annotated[int | None, typer.Option("--rows", help="Rows per generated dataset (default 1500).")] = None,
        out: Annotated[str | None, typer.Option("--out", "-o", help="Results file (JSON lines); rerun with it to resume.")] = None,
        report: Annotated[str | None, typer.Option("--report", help="Write the JSON report here.")] = None,
        markdown: Annotated[str | None, typer.Option("--markdown", help="Write the Markdown report here.")] = None,
        resume: Annotated[bool, typer.Option("--resume/--no-resume", help="Skip questions already in --out.")] = True,
        retry_errors: Annotated[bool, typer.Option("--retry-errors", help="On resume, ask again questions that errored.")] = False,
        tolerance_rel: Annotated[float, typer.Option("--tolerance-rel", help="ATE relative tolerance.")] = 0.10,
        tolerance_abs: Annotated[float, typer.Option("--tolerance-abs", help="ATE absolute tolerance.")] = 0.05,
        refute_simulations: Annotated[int, typer.Option("--refute-simulations", help="DoWhy refuter simulations per estimate.")] = 5,
        max_model_calls: Annotated[int | None, typer.Option("--max-model-calls", help="Cap on model calls per question.")] = None,
        path: Annotated[str | None, typer.Option("--path", help="Published suite: the questions .jsonl file.")] = None,
        data_dir: Annotated[str | None, typer.Option("--data-dir", help="Published suite: folder of the CSVs.")] = None,
        graphs_dir: Annotated[str | None, typer.Option("--graphs-dir", help="Published suite: the causal_graph folder.")] = None,
        cache_dir: Annotated[str | None, typer.Option("--cache-dir", help="Where generated suites are cached (default ~/.cache/causal-agent/evals).")] = None,
        compare: Annotated[tuple[str, str] | None, typer.Option("--compare", help="Compare two JSON reports: --compare a.json b.json")] = None,
        progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
        executor: Annotated[str | None, typer.Option("--executor", metavar="local|ray", help="Where the jobs run: 'local' worker processes (default) or 'ray' tasks (or CAUSAL_AGENT_EXECUTOR).")] = None,
        ray_address: Annotated[str | None, typer.Option("--ray-address", metavar="HOST:PORT", help="The Ray cluster for --executor ray (default: RAY_ADDRESS, else a local Ray with this machine's cores).")] = None,
    ) -> None:
        """Run the four-level or realistic benchmark (or the published one) and report accuracy by level and sub-type."""
        from .cli import eval_command

        eval_command(
            suite=suite, protocol=protocol, n=n, model=model, base_url=base_url, workers=workers, seed=seed, rows=rows, out=out,
            report=report, markdown=markdown, resume=resume, retry_errors=retry_errors, tolerance_rel=tolerance_rel,
            tolerance_abs=tolerance_abs, refute_simulations=refute_simulations, max_model_calls=max_model_calls,
            path=path, data_dir=data_dir, graphs_dir=graphs_dir, cache_dir=cache_dir, compare=compare,
            progress=progress, executor=executor, ray_address=ray_address,
        )
