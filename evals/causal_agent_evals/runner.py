"""Run the agent over a benchmark suite: cached suites, worker processes, resumable JSON-lines results.

Design, and why:

* **Suites are cached.** Generating the four-level suite takes ~15-20 s, so it is written once per
  (config, generator source) into ``<cache>/suites/<key>`` and reloaded from there afterwards.
  The key hashes the ``SuiteConfig`` *and* the source of the generator/question/truth/reference
  modules, so a change to the truth definitions never reuses stale labels.
* **Work is grouped by file, then by dataset.** A dataset is one (file, column names) pair: the
  published benchmark reuses each headerless CSV under several namings, and every row names its
  own columns. A task is one file with all its datasets and questions; a worker builds one
  ``CausalAgent`` per dataset, all sharing one ``GraphMemory`` for the task, so the graph learned for
  the first edge question is reused by that dataset's other questions (as in a user's session) and
  can be reused, renamed, by the file's other namings. :func:`graph_reuse` measures both.
* **Protocols.** ``RunOptions.protocol`` is ``default`` (the agent's own choices) or ``reference``
  (the published labelling procedure, :func:`causal_agent_evals.reference.protocol_settings`); it
  is part of the run key, so results of the two never mix in one file.
* **Jobs on an executor** (``causal_agent.executors``, ``RunOptions.executor``: ``local`` or
  ``ray``). A job is one file (:func:`answer_job`), a generator of one answer per question. The
  local executor runs ``spawn``-ed worker processes (forking a process that runs rich's refresh
  thread is unsafe) that ignore SIGINT (the parent owns Ctrl-C) and warm the heavy imports once
  (:func:`warm_worker`); Ray runs each job as a streaming task on a local Ray or a cluster. Either
  way every worker has the same ``PYTHONHASHSEED``, each answer is sent back as soon as it exists
  and the parent appends it to the results file, flushed, so an interrupted run loses at most the
  questions in flight, and a run gives the same answers on either executor (and may be resumed on
  the other: the executor is not part of the run key).
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
import shutil
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from causal_agent.errors import CausalAgentError, DataError, suggestion

from .questions import Question
from .scoring import Score, Tolerance, score

SUITES = ("four-level", "realistic", "published")
SuiteName = Literal["four-level", "realistic", "published"]
#: the generated suites (``prepare_four_level`` builds both, from their ``generator`` presets)
GENERATED_SUITES = ("four-level", "realistic")

#: modules whose source defines a generated suite (their hash is part of the cache key)
_SUITE_MODULES = ("scm", "generator", "questions", "truth", "oracle", "reference", "vocab")
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
    protocol: Literal["default", "reference"] = Field(
        "default", description="'default': the agent's own choices; 'reference': the published labelling procedure")
    workers: int = Field(2, ge=1, description="jobs (files) answered at once: local worker processes or Ray tasks")
    executor: str = Field("local", description="'local' (worker processes) or 'ray' (Ray tasks); causal_agent.executors")
    ray_address: str | None = Field(None, description="the Ray cluster (None: RAY_ADDRESS, else a local Ray)")
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
    #: graph tools: True when the graph came from memory (nothing was run), False when learned now
    reused: bool | None = None
    graph_key: str | None = None
    #: edge tools: the answer read off the learned graph before the bootstrap check, and the share
    #: of bootstrap resamples that give it (None: no bootstrap), so a threshold can be studied
    graph_answer: str | None = None
    support_share: float | None = None


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
    #: the answer's tables (causes / effects of a variable: one status per variable)
    tables: list[dict[str, Any]] = Field(default_factory=list)
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
            "tables": self.tables,
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
    tables: list[dict[str, Any]] = Field(default_factory=list)
    model_calls: int | None = None
    tokens: int | None = None
    latency_s: float = 0.0
    steps: list[StepRecord] = Field(default_factory=list)
    error: str | None = None
    worker: int | None = None


class DataSpec(BaseModel):
    """How a worker loads one dataset: one (file, column names) pair."""

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


def four_level_config(n: int, seed: int = 0, rows: int | None = None, family: str = "four-level") -> Any:
    """The ``SuiteConfig`` for ``n`` questions: enough datasets of the default mix (20 questions
    each). Dataset ``i`` depends only on (seed, i), so a smaller suite is a prefix of a larger one.
    ``family`` "realistic" starts from ``generator.realistic_config`` (10–40 nodes, 500–10,000
    rows); ``rows`` then fixes every dataset's row count instead of drawing it."""
    from .generator import SuiteConfig, realistic_config

    if n < 1:
        raise DataError(f"--n {n} asks for no questions; use --n 1 or more (the default suite is 1000)")
    if family not in GENERATED_SUITES:
        raise DataError(f"unknown generated suite {family!r}." + suggestion(family, GENERATED_SUITES, "suite"))
    base = realistic_config(seed=seed) if family == "realistic" else SuiteConfig(seed=seed)
    per = base.questions_per_dataset
    update: dict[str, Any] = {"n_datasets": max(1, math.ceil(n / per))}
    if rows is not None:
        if rows < 20:
            raise DataError(f"--rows {rows} is too few for CI tests; use --rows 20 or more (default 1500)")
        update["n_rows"] = rows
        update["rows_range"] = None
    return base.model_copy(update=update)


def prepare_four_level(
    n: int = 1000,
    seed: int = 0,
    rows: int | None = None,
    cache_dir: str | Path | None = None,
    family: str = "four-level",
) -> PreparedSuite:
    """Generate (or reload from the cache) a generated suite (``family``: "four-level" or
    "realistic") and keep its first ``n`` questions."""
    from .generator import generate_suite, write_suite

    t0 = time.perf_counter()
    cfg = four_level_config(n, seed, rows, family)
    source = _source_hash()
    key = hashlib.sha256((cfg.model_dump_json() + source).encode()).hexdigest()[:16]
    # Results stay valid across --n: dataset i depends only on (config without n_datasets, i).
    family_hash = hashlib.sha256((cfg.model_dump_json(exclude={"n_datasets"}) + source).encode()).hexdigest()[:16]
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
        name=cfg.family,
        key=f"{cfg.family}-{family_hash}",
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
    from .published import ATE_TEXT_NOTE, CAVEATS, FLIPPED_NOTE, KEPT_NOTE, load_published

    t0 = time.perf_counter()
    questions = load_published(path, data_dir, graphs_dir)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    flipped = sum(any(n.startswith(FLIPPED_NOTE) for n in q.notes) for q in questions)
    kept = sum(any(n.startswith(KEPT_NOTE) for n in q.notes) for q in questions)
    fixed = sum(any(n.startswith(ATE_TEXT_NOTE) for n in q.notes) for q in questions)
    namings = {(q.dataset, tuple(q.variables)) for q in questions}
    files = {q.dataset for q in questions}
    return PreparedSuite(
        name="published",
        key=f"published-{digest}",
        questions=questions,
        data_dir=str(data_dir),
        prepare_s=time.perf_counter() - t0,
        config={"path": str(path), "data_dir": str(data_dir), "graphs_dir": str(graphs_dir) if graphs_dir else None},
        caveats=[
            *CAVEATS,
            f"In this file {flipped} independence label(s) were flipped, {kept} kept (their questions ask about "
            f"dependence) and {fixed} ATE question text(s) repaired.",
            f"{len(questions)} questions over {len(namings)} (file, variables) datasets from {len(files)} file(s): "
            "each row is answered on its own file loaded under its own column names.",
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
    """``four-level`` / ``realistic`` (generated, cached) or ``published`` (needs ``path`` and ``data_dir``)."""
    if suite in GENERATED_SUITES:
        return prepare_four_level(n=n, seed=seed, rows=rows, cache_dir=cache_dir, family=suite)
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
    if q.header:
        return DataSpec(path=path, name=Path(q.dataset).stem)
    from .published import dataset_name

    return DataSpec(path=path, name=dataset_name(q.dataset, list(q.variables)), columns=list(q.variables))


# ---------------------------------------------------------------------------------------------
# answering (shared by the inline path and the worker processes)
# ---------------------------------------------------------------------------------------------


def make_agent(options: RunOptions, memory: Any = None) -> Any:
    """A fresh agent for one dataset with the run's protocol settings; ``memory`` (a
    ``GraphMemory``) is shared by the datasets of one file, None gives the agent its own."""
    from causal_agent.agent import CausalAgent

    from .reference import protocol_settings

    update: dict[str, Any] = {"refute_simulations": options.refute_simulations}
    if options.max_model_calls is not None:
        update["max_model_calls"] = options.max_model_calls
    return CausalAgent(model=options.model, base_url=options.base_url, memory=memory,
                       settings=protocol_settings(options.protocol, **update),
                       log=False)  # benchmark questions are not the user's: keep them out of the question log


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
        tables=[t.model_dump(mode="json") for t in getattr(answer, "tables", [])],
        model_calls=answer.model_calls,
        tokens=answer.tokens,
        latency_s=latency_s,
        steps=[
            StepRecord(tool=s.tool, args=_jsonable(s.args), output=_first_line(s.output), status=s.status,
                       reused=_reused(s.artifact), graph_key=_graph_key(s.artifact),
                       graph_answer=(s.artifact or {}).get("graph_answer"),
                       support_share=(s.artifact or {}).get("support_share"))
            for s in answer.steps
        ],
    )


def _reused(artifact: dict[str, Any] | None) -> bool | None:
    value = (artifact or {}).get("reused")
    return value if isinstance(value, bool) else None


def _graph_key(artifact: dict[str, Any] | None) -> str | None:
    art = artifact or {}
    value = art.get("graph_key") or (art.get("key") if "graph" in art else None)
    return value if isinstance(value, str) else None


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))


AgentFactory = Callable[[RunOptions, Any], Any]
#: a task: one file's datasets, each with its questions
Task = list[tuple[DataSpec, list[Question]]]


def answer_dataset(
    options: RunOptions,
    spec: DataSpec,
    questions: Sequence[Question],
    agent_factory: AgentFactory = make_agent,
    memory: Any = None,
) -> Iterator[Outcome]:
    """Answer one dataset's questions with one agent (over ``memory``, shared with the other
    namings of the same file, or its own when None); an exception becomes that question's error."""
    pid = os.getpid()
    t0 = time.perf_counter()
    try:
        agent = agent_factory(options, memory)
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


def answer_file(options: RunOptions, task: Task, agent_factory: AgentFactory = make_agent) -> Iterator[Outcome]:
    """Answer every dataset of one file, in order, over one ``GraphMemory``: a graph learned for
    one naming of the file is there for the next (reused, renamed, when the columns' content and
    order match: :mod:`causal_agent.memory`)."""
    from causal_agent.memory import GraphMemory

    with GraphMemory() as memory:
        for spec, questions in task:
            yield from answer_dataset(options, spec, questions, agent_factory, memory)


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


def warm_worker(options_json: str) -> None:
    """A local worker's warm-up: the heavy imports, then one agent (plugin discovery, model
    construction, graph compilation)."""
    warm_imports()
    try:
        make_agent(RunOptions.model_validate_json(options_json))
    except Exception:  # noqa: BLE001 - the per-dataset call reports the real error
        pass


def answer_job(options_json: str, job: list[tuple[str, list[str]]]) -> Iterator[str]:
    """One executor job: a file's datasets and questions as JSON in, one ``Outcome`` JSON out per
    question, as each is answered (JSON both ways, so a job crosses any process boundary)."""
    options = RunOptions.model_validate_json(options_json)
    groups: Task = [(DataSpec.model_validate_json(spec_json), [Question.model_validate_json(j) for j in qjs])
                    for spec_json, qjs in job]
    for out in answer_file(options, groups):
        yield out.model_dump_json()


# ---------------------------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------------------------


def run_key(suite: PreparedSuite, options: RunOptions) -> str:
    """Results of different suites, models or protocols must never be mixed in one file."""
    return f"{suite.key}|{options.model}|{options.base_url or ''}|{options.protocol}"


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


def check_results_file(path: str | Path) -> None:
    """Raise ``DataError`` unless ``path`` is missing, empty or JSON lines of eval records: the
    runner appends to (or, with ``--no-resume``, deletes) its results file, so any other file
    given as ``--out`` by mistake is refused. A record may be cut short (a killed run)."""
    p = Path(path)
    if not p.exists():
        return
    if not p.is_file():
        raise DataError(f"--out {str(p)!r} is not a regular file; give a .jsonl file path")
    try:
        with p.open("rb") as fh:
            raw = fh.read(64 * 1024 * 1024)
        lines = [ln for ln in raw.decode("utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"--out {str(p)!r} is not an eval results file ({type(exc).__name__}); "
                        "give a new file name") from None
    for k, line in enumerate(lines):
        try:
            ResultRecord.model_validate_json(line)
        except ValueError:
            if line.startswith('{"id":'):
                continue  # a record cut short by a kill (the resumed run wrote on after it)
            raise DataError(
                f"--out {str(p)!r} is not an eval results file (line {k + 1} is not an eval record); "
                "give a new file name, or delete that file yourself"
            ) from None


def default_results_file(suite: PreparedSuite, options: RunOptions, cache_dir: str | Path | None = None) -> Path:
    """A fresh file per invocation (resume by passing it back with ``--out``)."""
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    model = "".join(c if c.isalnum() or c in "-." else "_" for c in options.model)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return root / "runs" / f"{suite.name}-{model}-{options.protocol}-{stamp}-{os.getpid()}.jsonl"


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
        tables=out.tables,
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


def _tasks(questions: Sequence[Question], data_dir: str | None) -> list[Task]:
    """One task per file: its datasets (one per naming of its columns) in the order they first
    appear, each with its questions; largest expected cost first (ATE questions dominate) so the
    last task to finish is a short one."""
    files: dict[str, dict[str, tuple[DataSpec, list[Question]]]] = {}
    for q in questions:
        spec = data_spec(q, data_dir)
        files.setdefault(spec.path, {}).setdefault(spec.name, (spec, []))[1].append(q)
    weight = {"ATE": 20, "CAUSALKG": 2, "PARTIAL_CG": 2}

    def cost(task: Task) -> float:
        return sum(5 + sum(weight.get(q.question_type, 1) for q in qs) + len(qs[0].variables) / 4 for _, qs in task)

    return sorted((list(groups.values()) for groups in files.values()), key=cost, reverse=True)


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

    ``agent_factory`` (inline runs only, ``workers=1``) replaces ``make_agent`` (it is called with
    the options and the file's shared ``GraphMemory``), e.g. to wrap the agent in a test. Raises
    ``RunInterrupted`` on Ctrl-C after stopping the workers.
    """
    options = options or RunOptions()
    t_start = time.perf_counter()
    key = run_key(suite, options)
    path = Path(results_file).expanduser() if results_file is not None else default_results_file(suite, options, cache_dir)
    if path.exists() and path.is_dir():
        raise DataError(f"--out {str(path)!r} is a directory; give a .jsonl file path")
    check_results_file(path)  # before --no-resume may delete it: never touch a file that is not ours
    if not options.resume and path.exists():
        path.unlink()
    stored = read_results(path)
    wanted = {q.id for q in suite.questions}
    existing = [r for r in stored if r.id in wanted]
    foreign = [r for r in stored if r.run_key != key]
    if foreign:
        raise DataError(
            f"{path} holds results of another run ({_describe_key(foreign[0].run_key)}); use a new --out or "
            "--no-resume to overwrite it"
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
            if n_workers <= 1 and options.executor == "local":
                factory = agent_factory or make_agent
                for task in tasks:
                    for out in answer_file(options, task, factory):
                        sink.add(out)
            else:
                if agent_factory is not None:
                    raise CausalAgentError("a custom agent_factory needs workers=1 and the local executor"
                                           " (it cannot cross processes)")
                from causal_agent.executors import make_executor

                with make_executor(options.executor, ray_address=options.ray_address) as executor:
                    _run_jobs(executor, tasks, options, n_workers, sink, stats, progress, task_id)
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


def _describe_key(key: str) -> str:
    parts = [*key.split("|"), "", "", ""]
    protocol = parts[3] or "default"
    return f"{parts[0]}, model {parts[1]}, protocol {protocol}"


def _run_jobs(executor: Any, tasks: list[Task], options: RunOptions, n_workers: int,
              sink: _Sink, stats: RunStats, progress: Any, task_id: Any) -> None:
    """Every file a job on ``executor``, ``n_workers`` at a time; answers go to the sink as they
    arrive. A job lost (a worker that crashed or was killed) records its unanswered questions as
    errors; the others go on."""
    from functools import partial

    jobs = [[(spec.model_dump_json(), [q.model_dump_json() for q in qs]) for spec, qs in task] for task in tasks]
    ids = [[q.id for _, qs in task for q in qs] for task in tasks]
    outstanding = {qid for job_ids in ids for qid in job_ids}
    # A fixed string-hash seed in the workers makes runs repeatable: some agent choices (e.g. the
    # back-door set DoWhy picks) follow set iteration order, which PYTHONHASHSEED randomises.
    env = {"PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", str(WORKER_HASH_SEED))}
    opts = options.model_dump_json()
    for event in executor.stream(partial(answer_job, opts), jobs, workers=n_workers,
                                 init=partial(warm_worker, opts), env=env):
        if event.kind == "ready":
            stats.worker_startup_s.append(round(float(event.value), 3))
            if progress is not None:
                progress.update(task_id, status=f"{len(stats.worker_startup_s)}/{n_workers} workers ready")
        elif event.kind == "result":
            out = Outcome.model_validate_json(event.value)
            if out.id in outstanding:
                outstanding.discard(out.id)
                sink.add(out)
        elif event.kind == "lost":
            for qid in ids[event.index]:
                if qid in outstanding:
                    outstanding.discard(qid)
                    sink.add(Outcome(id=qid, error=f"WorkerError: {event.value}", worker=event.worker))
    for qid in sorted(outstanding):  # a job that ended without answering them (never expected)
        sink.add(Outcome(id=qid, error="WorkerError: no worker answered this question"))


# ---------------------------------------------------------------------------------------------
# what the published-format run measures besides the scores: misreads and graph reuse
# ---------------------------------------------------------------------------------------------


class TypeReading(BaseModel):
    """One question type: agreement with the label and how often the question was misread."""

    n: int
    judged: int = 0  # rows with a label to agree with
    agree: int = 0
    agreement: float | None = None
    misread: int = Field(0, description="rows whose tool call was not the one the row asks for (tool or arguments)")
    errors: int = 0
    examples: list[str] = Field(default_factory=list, description="the first misreads: id and what was wrong")


class GraphReuse(BaseModel):
    """How often discovery ran, and how often a graph came from memory (within a naming of a file,
    or across namings: the same content under other column names)."""

    files: int
    datasets: int  # (file, variables) pairs
    graph_calls: int  # tool calls that needed a graph
    learned: int  # discovery ran
    reused: int  # from memory, nothing run
    reused_across_names: int  # from memory, learned for another naming of the same file
    seconds_per_question: float | None = None


def misread(q: Question, record: ResultRecord) -> str | None:
    """What the recorded call got wrong about the row (None: the tool and arguments the row asks
    for), by ``planner_check.check`` on the last call of the expected tool (else the first call).
    A question that raised is an error, not a misread. The polarity is not judged here: the agent
    reads it with the same planner code as the loader (tested on the polarity fixture)."""
    from causal_agent.planner import Plan

    from .planner_check import EXPECTED_TOOL, POLARITY, check

    if record.error:
        return None
    want = EXPECTED_TOOL[q.question_type]
    step = next((st for st in reversed(record.steps) if st.tool == want), record.steps[0] if record.steps else None)
    if step is None:
        return "no tool call"
    args = dict(step.args)
    named = set(q.variables) - set(q.interest)
    if q.question_type == "ATE" and named and set(args.get("confounders") or []) == named:
        args.pop("confounders")  # "the remaining variables can be regarded as confounders": read right
    problems = check(q, Plan(tool=step.tool, args=args, asks=POLARITY.get(q.polarity)))  # type: ignore[arg-type]
    return "; ".join(problems) or None


def type_readings(result: RunResult, max_examples: int = 5) -> dict[str, TypeReading]:
    """Per question type: agreement with the reference label and the misread count."""
    by_id = {q.id: q for q in result.suite.questions}
    out: dict[str, TypeReading] = {}
    for rec, sc in zip(result.records, result.scores(), strict=True):
        q = by_id[rec.id]
        row = out.setdefault(q.question_type, TypeReading(n=0))
        row.n += 1
        row.errors += rec.error is not None
        if sc.agrees_reference is not None:
            row.judged += 1
            row.agree += bool(sc.agrees_reference)
        why = misread(q, rec)
        if why is not None:
            row.misread += 1
            if len(row.examples) < max_examples:
                row.examples.append(f"{q.id}: {why}")
    for row in out.values():
        row.agreement = row.agree / row.judged if row.judged else None
    from .questions import QUESTION_TYPES

    return {t: out[t] for t in QUESTION_TYPES if t in out}


def _derived(key: str | None, own: set[str | None]) -> bool:
    """Was the graph ``key`` learned by this dataset, or read off a graph it learned?"""
    if key is None:
        return bool(own)
    return any(k == key or (k is not None and key.startswith(k.split("@")[0] + ":")) for k in own)


def graph_reuse(result: RunResult) -> GraphReuse:
    """Discovery runs vs reuses, from the graph tools' ``reused`` flags in the records. A reuse
    counts as across names when its dataset had learned neither that graph nor the full graph it
    is read off (an induced partial graph ``ds:pc:a,b`` of ``ds:pc``)."""
    by_id = {q.id: q for q in result.suite.questions}
    files: set[str] = set()
    learned_keys: dict[str, set[str | None]] = {}
    calls = learned = reused = across = 0
    for rec in result.records:
        q = by_id[rec.id]
        spec = data_spec(q, result.suite.data_dir)
        files.add(spec.path)
        own = learned_keys.setdefault(spec.name, set())
        for st in rec.steps:
            if st.reused is None:
                continue
            calls += 1
            if not st.reused:
                learned += 1
                own.add(st.graph_key)
            else:
                reused += 1
                across += not _derived(st.graph_key, own)
    lat = [r.latency_s for r in result.records if r.latency_s is not None]
    return GraphReuse(files=len(files), datasets=len(learned_keys), graph_calls=calls, learned=learned,
                      reused=reused, reused_across_names=across,
                      seconds_per_question=round(sum(lat) / len(lat), 4) if lat else None)
