"""Run the agent over a benchmark suite: cached suites, worker processes, resumable JSON-lines results.

Design, and why:

* **Suites are cached.** Generating the four-level suite takes ~15-20 s, so it is written once per
  (config, generator source) into ``<cache>/suites/<key>`` and reloaded from there afterwards.
  The key hashes the ``SuiteConfig`` *and* the source of the generator/question/truth/reference
  modules, so a change to the truth definitions never reuses stale labels.
* **Work is grouped by dataset.** A task is one dataset with all its questions; a worker builds one
  ``CausalAgent`` per dataset, so the graph discovered for the first edge question is reused
  (from the agent's graph memory) by that dataset's other questions, exactly as a user's session.
* **Processes, spawned.** Workers are ``spawn``-ed (forking a process that runs rich's refresh
  thread is unsafe), ignore SIGINT (the parent owns Ctrl-C) and warm the heavy imports once.
  Each answer is sent back as soon as it exists and the parent appends it to the results file,
  flushed, so an interrupted run loses at most the questions in flight.
* **Resumable.** A rerun with the same ``--out`` skips question ids already in the file; records
  carry the run key (suite + model), so a file from another suite or model is refused rather than
  silently mixed. The report is always recomputed from the stored answers (with the current
  tolerance), so resumed runs report the whole suite.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import queue
import shutil
import signal
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from causal_agent.errors import CausalAgentError, DataError, suggestion

from .questions import Question
from .scoring import Score, Tolerance, score

SUITES = ("four-level", "published")
SuiteName = Literal["four-level", "published"]

#: modules whose source defines a generated suite (their hash is part of the cache key)
_SUITE_MODULES = ("scm", "generator", "questions", "truth", "reference", "vocab")
_SUITE_FORMAT = 1
WORKER_HASH_SEED = 0  # PYTHONHASHSEED of worker processes unless the caller set one
_HEAVY_MODULES = (
    "pandas",
    "causal_agent.agent",
    "causal_agent.data",
    "causal_agent.independence",
    "causal_agent.discover",
    "causal_agent.graph_queries",
    "causal_agent.effects",
    "causallearn.search.ConstraintBased.PC",
    "causallearn.utils.cit",
    "dowhy",
    "dowhy.causal_refuters.placebo_treatment_refuter",
    "statsmodels.api",
)


class RunInterrupted(Exception):
    """Ctrl-C during a run: the results file is intact and resumable."""

    def __init__(self, results_file: Path, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done}/{total} questions; results kept in {results_file}")
        self.results_file = results_file
        self.done = done
        self.total = total


# ---------------------------------------------------------------------------------------------
# options and records
# ---------------------------------------------------------------------------------------------


class RunOptions(BaseModel):
    """How the agent is run; everything a worker process needs to build its agents."""

    model: str = "offline"
    base_url: str | None = None
    workers: int = Field(2, ge=1)
    refute_simulations: int = Field(5, ge=1, description="DoWhy refuter simulations per estimate")
    max_model_calls: int | None = Field(None, ge=1)
    tolerance: Tolerance = Field(default_factory=Tolerance)
    resume: bool = True
    retry_errors: bool = False
    progress: bool = True


class StepRecord(BaseModel):
    """One tool call, shortened for the results file."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    output: str = ""  # first line of the tool's summary
    status: str = "ok"


class ResultRecord(BaseModel):
    """One line of the results file: the question, both expected answers, the given answer, the
    verdict and what it cost."""

    id: str
    run_key: str
    question_type: str
    level: str
    dataset: str
    question: str  # the prompt the agent got (scenario + question)
    expected: Any = None  # truth
    data_answer: Any = None  # reference procedure (published: the published label)
    answer: str | None = None
    graph: dict[str, Any] | None = None
    effect: dict[str, Any] | None = None
    correct: bool | None = None
    agrees_reference: bool | None = None
    confidently_wrong: bool = False
    uncertain: bool = False
    model_calls: int | None = None
    tokens: int | None = None
    latency_s: float | None = None
    steps: list[StepRecord] = Field(default_factory=list)
    error: str | None = None
    worker: int | None = None

    def given_answer(self) -> dict[str, Any]:
        """The answer in the form ``scoring.score`` takes."""
        return {
            "answer": self.answer,
            "graph": self.graph,
            "effect": self.effect,
            "model_calls": self.model_calls,
            "tokens": self.tokens,
            "elapsed_s": self.latency_s,
            "steps": [s.model_dump() for s in self.steps],
            "error": self.error,
        }


class Outcome(BaseModel):
    """What a worker sends back for one question (scored by the parent, which has the truth)."""

    id: str
    answer: str | None = None
    graph: dict[str, Any] | None = None
    effect: dict[str, Any] | None = None
    model_calls: int | None = None
    tokens: int | None = None
    latency_s: float = 0.0
    steps: list[StepRecord] = Field(default_factory=list)
    error: str | None = None
    worker: int | None = None


class DataSpec(BaseModel):
    """How a worker loads one dataset."""

    path: str
    name: str
    columns: list[str] | None = None  # headerless published CSVs


class PreparedSuite(BaseModel):
    """Questions ready to run, with where their data live and what the report must say."""

    name: SuiteName
    key: str  # identifies the question set (cache key / published file hash)
    questions: list[Question]
    data_dir: str | None = None
    cache_dir: str | None = None
    cached: bool = False
    prepare_s: float = 0.0
    config: dict[str, Any] = Field(default_factory=dict)
    caveats: list[str] = Field(default_factory=list)


class RunStats(BaseModel):
    """Timing profile of one invocation (the benchmark prints these)."""

    wall_s: float = 0.0
    run_s: float = 0.0  # answering only
    n_total: int = 0
    n_skipped: int = 0  # already in the results file
    n_new: int = 0
    n_errors: int = 0  # among the new ones
    workers: int = 1
    worker_startup_s: list[float] = Field(default_factory=list)
    latencies_s: list[float] = Field(default_factory=list, exclude=True)
    latency_by_type: dict[str, list[float]] = Field(default_factory=dict, exclude=True)

    def latency_summary(self) -> dict[str, Any]:
        return _summary(self.latencies_s)

    def latency_by_type_summary(self) -> dict[str, dict[str, Any]]:
        return {t: _summary(v) for t, v in sorted(self.latency_by_type.items())}


def _summary(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    vals = sorted(values)
    return {
        "n": len(vals),
        "total_s": round(sum(vals), 3),
        "mean_s": round(statistics.fmean(vals), 4),
        "median_s": round(statistics.median(vals), 4),
        "p95_s": round(vals[min(len(vals) - 1, math.ceil(0.95 * len(vals)) - 1)], 4),
        "max_s": round(vals[-1], 4),
    }


class RunResult(BaseModel):
    """What ``run_suite`` returns: the records of every question of the suite and the profile."""

    suite: PreparedSuite
    options: RunOptions
    results_file: str
    run_key: str
    records: list[ResultRecord]
    stats: RunStats

    def scores(self) -> list[Score]:
        """Re-score every stored answer with the current tolerance."""
        by_id = {q.id: q for q in self.suite.questions}
        out = []
        for r in self.records:
            s = score(by_id[r.id], r.given_answer(), self.options.tolerance)
            out.append(s)
        return out


# ---------------------------------------------------------------------------------------------
# suites
# ---------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$CAUSAL_AGENT_CACHE`` or ``$XDG_CACHE_HOME/causal-agent/evals`` (``~/.cache`` default)."""
    if os.environ.get("CAUSAL_AGENT_CACHE"):
        return Path(os.environ["CAUSAL_AGENT_CACHE"]).expanduser() / "evals"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "causal-agent" / "evals"


def _source_hash() -> str:
    h = hashlib.sha256(str(_SUITE_FORMAT).encode())
    here = Path(__file__).parent
    for mod in _SUITE_MODULES:
        h.update((here / f"{mod}.py").read_bytes())
    return h.hexdigest()


def four_level_config(n: int, seed: int = 0, rows: int | None = None) -> Any:
    """The ``SuiteConfig`` for ``n`` questions: enough datasets of the default mix (20 questions
    each). Dataset ``i`` depends only on (seed, i), so a smaller suite is a prefix of a larger one."""
    from .generator import SuiteConfig

    if n < 1:
        raise DataError(f"--n {n} asks for no questions; use --n 1 or more (the default suite is 1000)")
    base = SuiteConfig(seed=seed)
    per = base.questions_per_dataset
    update: dict[str, Any] = {"n_datasets": max(1, math.ceil(n / per))}
    if rows is not None:
        if rows < 20:
            raise DataError(f"--rows {rows} is too few for CI tests; use --rows 20 or more (default 1500)")
        update["n_rows"] = rows
    return base.model_copy(update=update)


def prepare_four_level(
    n: int = 1000,
    seed: int = 0,
    rows: int | None = None,
    cache_dir: str | Path | None = None,
) -> PreparedSuite:
    """Generate (or reload from the cache) the four-level suite and keep its first ``n`` questions."""
    from .generator import generate_suite, write_suite

    t0 = time.perf_counter()
    cfg = four_level_config(n, seed, rows)
    source = _source_hash()
    key = hashlib.sha256((cfg.model_dump_json() + source).encode()).hexdigest()[:16]
    # Results stay valid across --n: dataset i depends only on (config without n_datasets, i).
    family = hashlib.sha256((cfg.model_dump_json(exclude={"n_datasets"}) + source).encode()).hexdigest()[:16]
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    target = root / "suites" / key
    cached = (target / "complete").is_file()
    if not cached:
        suite = generate_suite(seed=seed, config=cfg)
        tmp = target.with_name(f"{key}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        write_suite(suite, tmp)
        (tmp / "complete").write_text("ok\n")
        try:
            tmp.replace(target)
        except OSError:  # another process won the race; its copy is identical
            shutil.rmtree(tmp, ignore_errors=True)
    questions = read_questions(target / "questions.jsonl")[:n]
    return PreparedSuite(
        name="four-level",
        key=f"four-level-{family}",
        questions=questions,
        data_dir=str(target / "data"),
        cache_dir=str(target),
        cached=cached,
        prepare_s=time.perf_counter() - t0,
        config={**cfg.model_dump(mode="json"), "n_questions": len(questions)},
    )


def read_questions(path: str | Path) -> list[Question]:
    """Questions from a ``questions.jsonl`` written by ``write_suite``."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"question file {str(p)!r} not found; regenerate the suite (delete its cache folder)")
    return [Question.model_validate_json(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def prepare_published(path: str | Path, data_dir: str | Path, graphs_dir: str | Path | None) -> PreparedSuite:
    """The literature's JSON-lines benchmark, with its two quirks repaired by the loader."""
    from .published import ATE_TEXT_NOTE, CAVEATS, FLIPPED_NOTE, load_published

    t0 = time.perf_counter()
    questions = load_published(path, data_dir, graphs_dir)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    flipped = sum(any(n.startswith(FLIPPED_NOTE) for n in q.notes) for q in questions)
    fixed = sum(any(n.startswith(ATE_TEXT_NOTE) for n in q.notes) for q in questions)
    return PreparedSuite(
        name="published",
        key=f"published-{digest}",
        questions=questions,
        data_dir=str(data_dir),
        prepare_s=time.perf_counter() - t0,
        config={"path": str(path), "data_dir": str(data_dir), "graphs_dir": str(graphs_dir) if graphs_dir else None},
        caveats=[
            *CAVEATS,
            f"In this file {flipped} independence label(s) were flipped and {fixed} ATE question text(s) repaired.",
        ],
    )


def prepare_suite(
    suite: str,
    *,
    n: int = 1000,
    seed: int = 0,
    rows: int | None = None,
    cache_dir: str | Path | None = None,
    path: str | Path | None = None,
    data_dir: str | Path | None = None,
    graphs_dir: str | Path | None = None,
) -> PreparedSuite:
    """``four-level`` (generated, cached) or ``published`` (needs ``path`` and ``data_dir``)."""
    if suite == "four-level":
        return prepare_four_level(n=n, seed=seed, rows=rows, cache_dir=cache_dir)
    if suite == "published":
        if path is None or data_dir is None:
            raise DataError("--suite published needs --path FILE.jsonl and --data-dir DIR (and --graphs-dir for graphs)")
        prepared = prepare_published(path, data_dir, graphs_dir)
        if n < len(prepared.questions):
            prepared.questions = prepared.questions[:n]
        return prepared
    raise DataError(f"unknown suite {suite!r}." + suggestion(suite, SUITES, "suite"))


def data_spec(q: Question, data_dir: str | None) -> DataSpec:
    """Where the question's table is and how to load it."""
    if q.data_path:
        path = q.data_path
    elif data_dir is not None:
        path = str(Path(data_dir) / q.dataset)
    else:
        raise DataError(f"question {q.id} names {q.dataset!r} but no data directory is known; pass --data-dir")
    return DataSpec(path=path, name=Path(q.dataset).stem, columns=None if q.header else list(q.variables))


# ---------------------------------------------------------------------------------------------
# answering (shared by the inline path and the worker processes)
# ---------------------------------------------------------------------------------------------


def make_agent(options: RunOptions) -> Any:
    """A fresh agent for one dataset (its own graph memory), with the run's settings."""
    from causal_agent.agent import CausalAgent
    from causal_agent.context import Settings

    update: dict[str, Any] = {"refute_simulations": options.refute_simulations}
    if options.max_model_calls is not None:
        update["max_model_calls"] = options.max_model_calls
    return CausalAgent(model=options.model, base_url=options.base_url, settings=Settings(**update))


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:500]


def _first_line(text: str, limit: int = 240) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line[:limit]


def outcome_from_answer(qid: str, answer: Any, latency_s: float) -> Outcome:
    """Keep what scoring and the report need from an ``Answer``."""
    return Outcome(
        id=qid,
        answer=answer.answer,
        graph=answer.graph,
        effect=answer.effect.model_dump(mode="json") if answer.effect is not None else None,
        model_calls=answer.model_calls,
        tokens=answer.tokens,
        latency_s=latency_s,
        steps=[
            StepRecord(tool=s.tool, args=_jsonable(s.args), output=_first_line(s.output), status=s.status)
            for s in answer.steps
        ],
    )


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))


def answer_dataset(
    options: RunOptions,
    spec: DataSpec,
    questions: Sequence[Question],
    agent_factory: Callable[[RunOptions], Any] = make_agent,
) -> Iterator[Outcome]:
    """Answer one dataset's questions with one agent; an exception becomes that question's error."""
    pid = os.getpid()
    t0 = time.perf_counter()
    try:
        agent = agent_factory(options)
        agent.load(spec.path, name=spec.name, columns=spec.columns)
    except Exception as exc:  # noqa: BLE001 - every question of the dataset records the failure
        err = f"loading {spec.name}: {_error_text(exc)}"
        for q in questions:
            yield Outcome(id=q.id, error=err, latency_s=time.perf_counter() - t0, worker=pid)
        return
    setup = time.perf_counter() - t0  # charged to the dataset's first question
    for q in questions:
        t = time.perf_counter()
        try:
            answer = agent.ask(q.prompt)
            out = outcome_from_answer(q.id, answer, time.perf_counter() - t + setup)
        except Exception as exc:  # noqa: BLE001 - one bad question must not end the run
            out = Outcome(id=q.id, error=_error_text(exc), latency_s=time.perf_counter() - t + setup)
        out.worker = pid
        setup = 0.0
        yield out


def warm_imports() -> float:
    """Import the heavy libraries once per worker (and build one agent, which loads the plugins);
    returns the seconds it took."""
    import importlib

    t0 = time.perf_counter()
    for mod in _HEAVY_MODULES:
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
    return time.perf_counter() - t0


def _worker_main(options_json: str, tasks: Any, results: Any) -> None:
    """A worker process: warm up, then answer whole datasets until the sentinel."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    options = RunOptions.model_validate_json(options_json)
    pid = os.getpid()
    t0 = time.perf_counter()
    warm_imports()
    try:
        make_agent(options)  # plugin discovery, model construction, graph compilation
    except Exception:  # noqa: BLE001 - the per-dataset call reports the real error
        pass
    results.put(("ready", pid, time.perf_counter() - t0))
    while True:
        task = tasks.get()
        if task is None:
            break
        spec_json, question_jsons = task
        spec = DataSpec.model_validate_json(spec_json)
        qs = [Question.model_validate_json(j) for j in question_jsons]
        results.put(("start", pid, [q.id for q in qs]))
        for out in answer_dataset(options, spec, qs):
            results.put(("result", pid, out.model_dump_json()))
    results.put(("exit", pid, None))


# ---------------------------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------------------------


def run_key(suite: PreparedSuite, options: RunOptions) -> str:
    """Results of different suites or models must never be mixed in one file."""
    return f"{suite.key}|{options.model}|{options.base_url or ''}"


def read_results(path: str | Path) -> list[ResultRecord]:
    """All readable records (a line cut short by a kill is skipped); later lines win per id."""
    p = Path(path)
    if not p.is_file():
        return []
    latest: dict[str, ResultRecord] = {}
    for line in p.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            rec = ResultRecord.model_validate_json(line)
        except ValueError:
            continue
        latest[rec.id] = rec
    return list(latest.values())


def default_results_file(suite: PreparedSuite, options: RunOptions, cache_dir: str | Path | None = None) -> Path:
    """A fresh file per invocation (resume by passing it back with ``--out``)."""
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    model = "".join(c if c.isalnum() or c in "-." else "_" for c in options.model)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return root / "runs" / f"{suite.name}-{model}-{stamp}-{os.getpid()}.jsonl"


def _record(q: Question, out: Outcome, key: str, tolerance: Tolerance) -> ResultRecord:
    rec = ResultRecord(
        id=q.id,
        run_key=key,
        question_type=q.question_type,
        level=q.level,
        dataset=q.dataset,
        question=q.prompt,
        expected=q.truth,
        data_answer=q.data_answer,
        answer=out.answer,
        graph=out.graph,
        effect=out.effect,
        model_calls=out.model_calls,
        tokens=out.tokens,
        latency_s=round(out.latency_s, 5),
        steps=out.steps,
        error=out.error,
        worker=out.worker,
    )
    s = score(q, rec.given_answer(), tolerance)
    rec.correct, rec.agrees_reference = s.correct, s.agrees_reference
    rec.confidently_wrong, rec.uncertain = s.confidently_wrong, s.uncertain
    return rec


def _tasks(questions: Sequence[Question], data_dir: str | None) -> list[tuple[DataSpec, list[Question]]]:
    """One task per dataset, largest expected cost first (ATE questions dominate) so the last
    task to finish is a short one."""
    groups: dict[str, tuple[DataSpec, list[Question]]] = {}
    for q in questions:
        spec = data_spec(q, data_dir)
        groups.setdefault(spec.path, (spec, []))[1].append(q)
    weight = {"ATE": 20, "CAUSALKG": 2, "PARTIAL_CG": 2}

    def cost(item: tuple[DataSpec, list[Question]]) -> float:
        return 5 + sum(weight.get(q.question_type, 1) for q in item[1]) + len(item[1][0].variables) / 4

    return sorted(groups.values(), key=cost, reverse=True)


class _Sink:
    """Appends records to the results file (flushed per line) and keeps the progress bar."""

    def __init__(self, path: Path, questions: dict[str, Question], key: str, options: RunOptions,
                 progress: Any, task_id: Any, stats: RunStats) -> None:
        self.path = path
        self.questions = questions
        self.key = key
        self.options = options
        self.progress = progress
        self.task_id = task_id
        self.stats = stats
        self.records: list[ResultRecord] = []
        self.correct = 0
        self.judged = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        needs_newline = path.is_file() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
        self.fh = path.open("a", encoding="utf-8")
        if needs_newline:  # a line cut short by a kill; start clean after it
            self.fh.write("\n")

    def add(self, out: Outcome) -> None:
        q = self.questions[out.id]
        rec = _record(q, out, self.key, self.options.tolerance)
        self.fh.write(rec.model_dump_json() + "\n")
        self.fh.flush()
        self.records.append(rec)
        self.stats.n_new += 1
        self.stats.n_errors += rec.error is not None
        self.stats.latencies_s.append(out.latency_s)
        self.stats.latency_by_type.setdefault(q.question_type, []).append(out.latency_s)
        ok = rec.correct if rec.correct is not None else rec.agrees_reference
        if ok is not None:
            self.judged += 1
            self.correct += bool(ok)
        if self.progress is not None:
            acc = f"{self.correct / self.judged:.1%}" if self.judged else "-"
            self.progress.update(self.task_id, advance=1, status=f"acc {acc} err {self.stats.n_errors}")

    def close(self) -> None:
        self.fh.close()


def run_suite(
    suite: PreparedSuite,
    options: RunOptions | None = None,
    results_file: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
    console: Any = None,
    agent_factory: Callable[[RunOptions], Any] | None = None,
) -> RunResult:
    """Answer every question of ``suite`` not yet in ``results_file`` and return all records.

    ``agent_factory`` (inline runs only, ``workers=1``) replaces ``make_agent``, e.g. to wrap the
    agent in a test. Raises ``RunInterrupted`` on Ctrl-C after stopping the workers.
    """
    options = options or RunOptions()
    t_start = time.perf_counter()
    key = run_key(suite, options)
    path = Path(results_file).expanduser() if results_file is not None else default_results_file(suite, options, cache_dir)
    if path.exists() and path.is_dir():
        raise DataError(f"--out {str(path)!r} is a directory; give a .jsonl file path")
    if not options.resume and path.exists():
        path.unlink()
    stored = read_results(path)
    wanted = {q.id for q in suite.questions}
    existing = [r for r in stored if r.id in wanted]
    foreign = [r for r in stored if r.run_key != key]
    if foreign:
        raise DataError(
            f"{path} holds results of another run ({foreign[0].run_key.split('|')[0]}, model "
            f"{foreign[0].run_key.split('|')[1]}); use a new --out or --no-resume to overwrite it"
        )
    done = {r.id: r for r in existing if not (options.retry_errors and r.error)}
    todo = [q for q in suite.questions if q.id not in done]
    stats = RunStats(n_total=len(suite.questions), n_skipped=len(done))
    by_id = {q.id: q for q in suite.questions}

    progress = None
    task_id = None
    if options.progress and todo:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        progress = Progress(
            SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[status]}"),
            console=console, transient=False,
        )
        task_id = progress.add_task(f"{suite.name} · {options.model}", total=len(todo), status="starting")
    sink = _Sink(path, by_id, key, options, progress, task_id, stats)
    t_run = time.perf_counter()
    try:
        if progress is not None:
            progress.start()
        if todo:
            tasks = _tasks(todo, suite.data_dir)
            n_workers = min(options.workers, len(tasks))
            stats.workers = n_workers
            if n_workers <= 1:
                factory = agent_factory or make_agent
                for spec, qs in tasks:
                    for out in answer_dataset(options, spec, qs, factory):
                        sink.add(out)
            else:
                if agent_factory is not None:
                    raise CausalAgentError("a custom agent_factory needs workers=1 (it cannot cross processes)")
                _run_processes(tasks, options, n_workers, sink, stats, progress, task_id)
    except KeyboardInterrupt:
        sink.close()
        if progress is not None:
            progress.stop()
        raise RunInterrupted(path, len(done) + stats.n_new, len(suite.questions)) from None
    finally:
        sink.close()
        if progress is not None:
            progress.stop()
    stats.run_s = time.perf_counter() - t_run
    records = {**done, **{r.id: r for r in sink.records}}
    ordered = [records[q.id] for q in suite.questions if q.id in records]
    stats.wall_s = time.perf_counter() - t_start
    return RunResult(suite=suite, options=options, results_file=str(path), run_key=key, records=ordered,
                     stats=stats)


def _run_processes(tasks: list[tuple[DataSpec, list[Question]]], options: RunOptions, n_workers: int,
                   sink: _Sink, stats: RunStats, progress: Any, task_id: Any) -> None:
    """Spawned workers pull whole datasets from a queue and stream answers back one by one."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    task_q = ctx.Queue()
    result_q = ctx.Queue()
    for spec, qs in tasks:
        task_q.put((spec.model_dump_json(), [q.model_dump_json() for q in qs]))
    for _ in range(n_workers):
        task_q.put(None)
    outstanding = {q.id for _, qs in tasks for q in qs}
    in_flight: dict[int, set[str]] = {}
    procs: list[Any] = []
    # Children inherit an ignored SIGINT across exec, so Ctrl-C reaches only the parent even
    # while a child is still importing.
    main_thread = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    # A fixed string-hash seed in the workers makes runs repeatable: some agent choices (e.g. the
    # back-door set DoWhy picks) follow set iteration order, which PYTHONHASHSEED randomises.
    old_seed = os.environ.get("PYTHONHASHSEED")
    os.environ["PYTHONHASHSEED"] = old_seed if old_seed is not None else str(WORKER_HASH_SEED)
    try:
        for _ in range(n_workers):
            p = ctx.Process(target=_worker_main, args=(options.model_dump_json(), task_q, result_q), daemon=True)
            p.start()
            procs.append(p)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, old)
        if old_seed is None:
            del os.environ["PYTHONHASHSEED"]
    try:
        while outstanding:
            try:
                kind, pid, payload = result_q.get(timeout=0.5)
            except queue.Empty:
                _reap_dead(procs, in_flight, outstanding, sink)
                if not any(p.is_alive() for p in procs) and outstanding:
                    for qid in sorted(outstanding):
                        sink.add(Outcome(id=qid, error="WorkerError: no worker left to answer this question"))
                    outstanding.clear()
                continue
            if kind == "ready":
                stats.worker_startup_s.append(round(float(payload), 3))
                if progress is not None:
                    progress.update(task_id, status=f"{len(stats.worker_startup_s)}/{n_workers} workers ready")
            elif kind == "start":
                in_flight[pid] = set(payload)
            elif kind == "result":
                out = Outcome.model_validate_json(payload)
                if out.id in outstanding:
                    outstanding.discard(out.id)
                    in_flight.get(pid, set()).discard(out.id)
                    sink.add(out)
        for p in procs:
            p.join(timeout=5)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
        task_q.cancel_join_thread()
        result_q.cancel_join_thread()
        task_q.close()
        result_q.close()


def _reap_dead(procs: list[Any], in_flight: dict[int, set[str]], outstanding: set[str], sink: _Sink) -> None:
    """A worker that died (crash, OOM kill) loses only its current dataset: record those as errors."""
    for p in procs:
        if not p.is_alive() and p.exitcode not in (0, None) and in_flight.get(p.pid):
            for qid in sorted(in_flight.pop(p.pid)):
                if qid in outstanding:
                    outstanding.discard(qid)
                    sink.add(Outcome(id=qid, error=f"WorkerError: worker {p.pid} exited with code {p.exitcode}"))
