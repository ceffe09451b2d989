"""The run-time context a tool receives through LangGraph's ``ToolRuntime``.

Tools never reach datasets or graph memory through module globals. The agent builds one
``AgentContext`` and passes it as ``context=`` to the compiled graph; a tool declares a
``runtime: ToolRuntime`` parameter (hidden from the model) and reads ``runtime.context``.
Two agents share nothing unless they are handed the same ``GraphMemory``.
``context_from_registry`` is the one way to build a context from what the plugins register
(``CausalAgent`` uses it; so do code and tests that build a context by hand).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from .bootstrap import BUDGET_S
from .errors import DataError, suggestion

if TYPE_CHECKING:  # pragma: no cover
    from .data import Dataset
    from .memory import GraphMemory
    from .registry import Algorithm, CITest, Estimator, IntentSpec, Registry


class Settings(BaseModel):
    """Analysis defaults a user may override per agent."""

    alpha: float = Field(0.05, gt=0, lt=1, description="significance level of CI tests")
    algorithm: str = Field("auto", description="default discovery algorithm")
    refute: bool = Field(True, description="run a refuter after each effect estimate")
    refute_simulations: int = Field(20, ge=1, description="simulations per refuter")
    bootstrap: int = Field(0, ge=0, description="bootstrap samples for effect CIs (0: analytic)")
    algorithm_params: dict[str, Any] = Field(default_factory=dict, description="parameters of the "
                                             "configured default algorithm (e.g. PC's uc_rule)")
    ci_test: str = Field("auto", description="CI test for independence questions and for PC/FCI "
                         "('auto' chooses by the data's profile)")
    estimator: str = Field("auto", description="default effect estimator ('auto' chooses by the data)")
    partial_graph: Literal["induced", "subset"] = Field(
        "induced", description="a graph over some variables: 'induced' reads it off the graph of all "
        "columns; 'subset' runs discovery on those columns alone")
    discovery_resamples: int = Field(30, ge=0, description="bootstrap resamples of discovery, for edge "
                                     "and orientation support (0: off)")
    support_threshold: float = Field(0.75, gt=0.5, le=1, description="an answer whose share of agreeing "
                                     "bootstrap resamples is below this is 'uncertain'")
    max_model_calls: int = Field(8, ge=1)
    discovery_budget_s: float = Field(BUDGET_S, ge=0, description="longest estimated discovery"
                                      " (and bootstrap) run started without asking; 0: no limit")
    include: list[str] = Field(default_factory=list, description="columns to analyse although the"
                               " profiler leaves them out (ID-like), in any loaded dataset that has them")
    max_file_bytes: int | None = Field(None, ge=1, description="largest data file read (None:"
                                       " CAUSAL_AGENT_MAX_FILE_BYTES, else 1 GiB)")
    export_dir: Annotated[str, BeforeValidator(lambda v: os.fspath(v) if isinstance(v, os.PathLike) else v)] = Field(
        "causal-agent-exports", min_length=1, description="the one folder the model's tools may "
        "write to (a str or path, relative to the working directory at run time); created on first "
        "use; nothing in it is overwritten")
    allow_destructive: bool = Field(False, description="bind tools that declare access 'destroy' "
                                    "(e.g. delete_graph) to the model")
    context: str | None = Field(None, description="the column naming each row's environment (site, "
                                "batch, period): discovery takes it into account with CD-NOD (--context)")
    executor: Annotated[str, AfterValidator(lambda v: _check_executor(v, "executor"))] = Field(
        "local", description="where bootstrap resamples run: 'local' (a process pool) or 'ray' (Ray"
        " tasks); causal_agent.executors")
    ray_address: str | None = Field(None, description="the Ray cluster of executor 'ray' (None:"
                                    " RAY_ADDRESS, else a local Ray with this machine's cores)")
    read_as: dict[str, str] = Field(default_factory=dict, description="intent -> the intent its questions "
                                    "are read as by the offline planner; the eval's reference protocol reads "
                                    "'does X cause Y?' (total_cause) as a direct edge (direct_cause), as the "
                                    "published benchmark labels it")
    seed: int = 0


def _check_executor(name: str, where: str) -> str:
    from .executors import check_executor

    return check_executor(name, where)


class DatasetRegistry:
    """The datasets an agent has loaded, by name."""

    def __init__(self) -> None:
        self._datasets: dict[str, Dataset] = {}

    def add(self, dataset: Dataset) -> Dataset:
        self._datasets[dataset.name] = dataset
        return dataset

    def names(self) -> list[str]:
        return list(self._datasets)

    def __len__(self) -> int:
        return len(self._datasets)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._datasets.values())

    def get(self, name: str | None = None) -> Dataset:
        """The named dataset; with no name, the only (or most recently) loaded one."""
        if not self._datasets:
            raise DataError("no dataset is loaded; load a CSV first (e.g. --data FILE.csv)")
        if not name:
            return list(self._datasets.values())[-1]
        if name in self._datasets:
            return self._datasets[name]
        from .names import sanitize_name

        # Dataset names are sanitised the same way when loaded; "Clinic.csv" finds "clinic".
        stem = name.rsplit(".", 1)[0] if name.lower().endswith((".csv", ".tsv", ".txt", ".parquet")) else name
        key = sanitize_name(stem)
        if key in self._datasets:
            return self._datasets[key]
        raise DataError(f"unknown dataset {name!r}." + suggestion(name, self._datasets, "dataset"))


@dataclass
class AgentContext:
    """Everything a tool may touch during a run."""

    datasets: DatasetRegistry
    memory: GraphMemory
    algorithms: dict[str, Algorithm]
    settings: Settings = field(default_factory=Settings)
    ci_tests: dict[str, CITest] = field(default_factory=dict)
    estimators: dict[str, Estimator] = field(default_factory=dict)
    #: the question types the offline planner recognises (from ``register_intents``)
    intents: list[IntentSpec] = field(default_factory=list)
    #: the registered tools by name (their schemas and declared artifact kinds)
    tools: dict[str, Any] = field(default_factory=dict)
    #: builds the planner over these intents (``CausalAgent`` passes one; see :meth:`planner`)
    make_planner: Callable[[], Any] | None = None
    _planner: Any = field(default=None, init=False, repr=False)

    def artifact_kind(self, tool_name: str) -> str:
        """The artifact kind ``tool_name`` declares (``text`` when unknown)."""
        from .registry import artifact_kind

        return artifact_kind(self.tools.get(tool_name))

    def planner(self) -> Any:
        """The offline planner over this agent's intents, built on first use by ``make_planner``
        and kept with the context (no other agent shares it); None without a factory."""
        if self._planner is None and self.make_planner is not None:
            self._planner = self.make_planner()
        return self._planner


def context_from_registry(
    registry: Registry,
    *,
    memory: GraphMemory | None = None,
    settings: Settings | None = None,
    make_planner: Callable[[], Any] | None = None,
) -> AgentContext:
    """A context holding everything ``registry`` collected (algorithms, CI tests, estimators,
    intents, tools), with a new ``DatasetRegistry`` and ``memory`` (a new in-memory
    ``GraphMemory`` when None).

    The tables are copies, so a caller may replace an entry of its context without touching the
    registry. ``make_planner`` builds the offline planner (``CausalAgent`` passes
    ``functools.partial(Planner.from_registry, registry)``); without one ``ctx.planner()`` is None.
    """
    if memory is None:
        from .memory import GraphMemory

        memory = GraphMemory()
    return AgentContext(
        datasets=DatasetRegistry(),
        memory=memory,
        algorithms=dict(registry.algorithms),
        settings=settings if settings is not None else Settings(),
        ci_tests=dict(registry.ci_tests),
        estimators=dict(registry.estimators),
        intents=list(registry.intents),
        tools=dict(registry.tools),
        make_planner=make_planner,
    )
