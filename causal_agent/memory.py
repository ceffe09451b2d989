"""Keyed graph memory on LangGraph's Store.

Learned graphs are kept under human-readable keys in a LangGraph ``BaseStore`` (namespace
``("causal_agent", "graphs")``), each with its provenance, so that asking the same question again
reuses the stored graph and a changed data file does not. Using the Store (rather than a private
dict or file) means the agent graph can be compiled with the same store, an ``InMemoryStore`` keeps
two agents apart, and a ``SqliteStore`` makes graphs persist across processes.

Key scheme (see :func:`make_key`)::

    <dataset>:<algorithm>                              full graph over all analysable variables
    <dataset>:<algorithm>:<var>,<var>,...              partial graph, variables sorted
    ...@alpha=0.01,ci_test=kci                         parameters that differ from the defaults
    ...@background=1a2b3c4d                            structured values (background knowledge)
                                                       as a short content hash

Renamed columns: a graph learned from a table is reused, renamed, for the same table loaded under
other column names (the published benchmark loads one headerless CSV under many). Every record
with a content fingerprint (values and dtypes, no names) and its dataset's column order writes an
index entry ``<content fingerprint>|<algorithm>|<column positions or all>|<parameter suffix>`` in
namespace ``("causal_agent", "content")``; a lookup that misses (or finds a record whose names
changed) follows the entry, maps the stored columns to the new ones by position, and stores the
renamed graph, its support and ``renamed_from`` under the new key. Background knowledge names
columns, so its hash differs under other names and such graphs are never renamed.

Stale graphs: :meth:`GraphMemory.lookup` compares the stored dataset fingerprint with the current
one; on a mismatch it DELETES the stale record and returns ``None``, so the caller recomputes and
stores a fresh graph under the same key, and the memory never serves (or lists) a graph that claims
to describe data which has since changed.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import socket
import uuid
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from . import DISTRIBUTION
from .errors import CausalAgentError, GraphError, GraphKeyError, closest
from .names import sanitize_name
from .graph import CausalGraph, Edge
from .bootstrap import Support

if TYPE_CHECKING:  # pragma: no cover
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.store.base import BaseStore

    from .stores import Backend

    from .data import Dataset

NAMESPACE: tuple[str, ...] = ("causal_agent", "graphs")
#: content index for graph reuse across renamed columns (see module docstring)
CONTENT_NAMESPACE: tuple[str, ...] = ("causal_agent", "content")
#: Parameter values that leave the key unchanged (``None`` and empty containers do too).
DEFAULT_PARAMS: dict[str, Any] = {"alpha": 0.05, "ci_test": "auto", "background": None}
EXPORT_FORMATS: tuple[str, ...] = ("json", "dot", "png", "svg")
#: Provenance label -> distribution (ours is published as causal-agent-kit; the label stays "causal-agent").
_VERSIONED = {"causal-learn": "causal-learn", "dowhy": "dowhy", "networkx": "networkx", "langgraph": "langgraph",
              "causal-agent": DISTRIBUTION}


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape a learned graph (metadata only: cheap)."""
    versions: dict[str, str] = {}
    for label, dist in _VERSIONED.items():
        try:
            versions[label] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[label] = "not installed"
    return versions


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Writer(BaseModel):
    """Which run stored a record: shared memories are written by many processes and machines."""

    run_id: str = Field(description="the writing GraphMemory's run id (CAUSAL_AGENT_RUN_ID, else random)")
    host: str
    pid: int
    written_at: str = Field(default_factory=_now, description="ISO 8601, UTC")


class Provenance(BaseModel):
    """Where a stored graph came from: enough to reproduce it and to notice changed data."""

    dataset: str = Field(description="dataset name")
    fingerprint: str = Field(description="sha256 of the dataset content when the graph was learned")
    variables: list[str] = Field(default_factory=list, description="variables of the graph")
    algorithm: str
    params: dict[str, Any] = Field(default_factory=dict, description="all parameters as run")
    ci_test: str | None = None
    alpha: float | None = None
    library_versions: dict[str, str] = Field(default_factory=library_versions)
    created_at: str = Field(default_factory=_now, description="ISO 8601, UTC")
    reason: str | None = Field(None, description="why this algorithm was chosen")
    elapsed_s: float | None = Field(None, description="discovery time in seconds")
    support: Support | None = Field(None, description="bootstrap support (causal_agent.bootstrap)")
    content_fingerprint: str | None = Field(
        None, description="sha256 of the dataset's dtypes and values without column names")
    columns: list[str] | None = Field(None, description="every column of the dataset, in order")
    renamed_from: str | None = Field(
        None, description="key of the graph this one is a renamed copy of (same data, other names)")
    writer: Writer | None = Field(None, description="the run that wrote this record (set by GraphMemory.put)")


class GraphRecord(BaseModel):
    """One stored graph: its key, the graph and its provenance."""

    key: str = Field(min_length=1)
    graph: CausalGraph
    provenance: Provenance

    @model_validator(mode="after")
    def _variables_match_graph(self) -> GraphRecord:
        # An empty variable list means "the graph's nodes"; otherwise both must agree, so a record
        # can never claim to cover variables its graph does not have.
        if not self.provenance.variables:
            self.provenance.variables = list(self.graph.nodes)
        elif set(self.provenance.variables) != set(self.graph.nodes):
            extra = sorted(set(self.provenance.variables) ^ set(self.graph.nodes))
            raise ValueError(
                f"provenance variables and graph nodes differ on {extra}; "
                "pass the graph's nodes as provenance.variables"
            )
        return self

    def summary(self) -> str:
        """One line for listings: key, kind, size, algorithm and when."""
        p = self.provenance
        alpha = f", alpha={p.alpha:g}" if p.alpha is not None else ""
        ci = f", {p.ci_test}" if p.ci_test else ""
        return (
            f"{self.key}: {self.graph.kind} with {len(self.graph.nodes)} nodes and "
            f"{len(self.graph.edges)} edges ({p.algorithm}{ci}{alpha}; {p.created_at})"
        )


class OrientationDifference(BaseModel):
    """A pair adjacent in both graphs whose edge marks differ."""

    a: Edge
    b: Edge


class GraphComparison(BaseModel):
    """How two stored graphs differ."""

    key_a: str
    key_b: str
    shd: int = Field(description="structural Hamming distance")
    only_in_a: list[Edge]
    only_in_b: list[Edge]
    differently_oriented: list[OrientationDifference]
    nodes_only_in_a: list[str]
    nodes_only_in_b: list[str]
    same_data: bool = Field(description="both graphs were learned from identical data")
    summary: str


class ExportResult(BaseModel):
    """A file written by :meth:`GraphMemory.export`."""

    key: str
    path: str
    format: Literal["json", "dot", "png", "svg"]
    bytes: int


def _sanitise(name: str) -> str:
    return sanitize_name(name) if str(name).strip() else ""


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return format(value, "g")
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    blob = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:8]


def _is_default(name: str, value: Any) -> bool:
    if value is None or (isinstance(value, (list, tuple, dict, set)) and not value):
        return True
    default = DEFAULT_PARAMS.get(name, object())
    if isinstance(value, str) and isinstance(default, str):
        return value.lower() == default.lower()
    if isinstance(value, bool) or isinstance(default, bool):
        return False
    return value == default


def make_key(
    dataset_name: str,
    algorithm: str,
    variables: list[str] | None = None,
    params: dict[str, Any] | None = None,
    all_variables: list[str] | None = None,
) -> str:
    """The stable, human-readable memory key of a graph.

    ``clinic:pc`` for a graph over all variables (``variables`` None, or the same set as
    ``all_variables``); ``clinic:pc:lung_cancer,smoking,yellow_fingers`` for a partial graph
    (variables sorted, so their order does not matter). Parameters that differ from
    :data:`DEFAULT_PARAMS` (alpha 0.05, ci_test "auto", no background knowledge) add a suffix in
    name order, e.g. ``@alpha=0.01,ci_test=kci``; structured values such as background knowledge
    appear as an 8-hex content hash. ``None`` means "default". Pass the parameters as the user
    asked for them (before "auto" is resolved), so the same request always maps to the same key.
    """
    dataset = _sanitise(dataset_name)
    algo = str(algorithm).strip().lower()
    if not dataset or not algo:
        raise GraphError("a graph key needs a dataset name and an algorithm name")
    key = f"{dataset}:{algo}"
    if variables is not None:
        chosen = sorted(set(variables))
        if not chosen:
            raise GraphError("a partial graph needs at least one variable; pass None for all")
        if all_variables is None or set(chosen) != set(all_variables):
            key += ":" + ",".join(chosen)
    suffix = [
        f"{name}={_param_text(value)}"
        for name, value in sorted((params or {}).items())
        if not _is_default(name, value)
    ]
    if suffix:
        key += "@" + ",".join(suffix)
    return key


class GraphMemory:
    """Named causal graphs with provenance, stored in a LangGraph ``BaseStore``.

    ``GraphMemory()`` uses a NEW ``InMemoryStore`` (two memories share nothing);
    ``GraphMemory.sqlite(path)`` persists across processes and ``GraphMemory.postgres(url)`` is
    shared by processes on several machines (``GraphMemory.open(spec)`` takes any ``--memory``
    value). Every write is a single ``put`` of a fully validated record, so the store is never
    half-written; each record's ``provenance.writer`` names the run that wrote it, and of two
    writes to one key the last wins. Nothing here depends on the backend: the store is the only
    difference.
    """

    def __init__(self, store: BaseStore | None = None, *, location: str = ":memory:",
                 backend: Backend | None = None, run_id: str | None = None) -> None:
        from .stores import open_backend, wrap_store

        if backend is None:
            backend = open_backend(None) if store is None else wrap_store(store, location)
        self._backend = backend
        self._store = backend.store
        #: names this memory's writes in ``Provenance.writer`` (``CAUSAL_AGENT_RUN_ID``, else random)
        self.run_id = run_id or os.environ.get("CAUSAL_AGENT_RUN_ID") or uuid.uuid4().hex[:12]

    @classmethod
    def open(cls, spec: str | Path | None, *, run_id: str | None = None,
             connect_timeout: float | None = None) -> GraphMemory:
        """The memory at a ``--memory`` value: None or ``:memory:`` (this process only), a SQLite
        file path or ``sqlite:///path``, or ``postgresql://user:password@host:port/db`` (shared by
        every process that opens it). See :mod:`causal_agent.stores`."""
        from .stores import CONNECT_TIMEOUT_S, open_backend

        timeout = CONNECT_TIMEOUT_S if connect_timeout is None else connect_timeout
        return cls(backend=open_backend(spec, connect_timeout=timeout), run_id=run_id)

    @classmethod
    def sqlite(cls, path: str | Path, *, run_id: str | None = None) -> GraphMemory:
        """A memory persisted in the SQLite file ``path`` (created if missing)."""
        from .stores import open_sqlite

        return cls(backend=open_sqlite(path), run_id=run_id)

    @classmethod
    def postgres(cls, url: str, *, run_id: str | None = None,
                 connect_timeout: float | None = None) -> GraphMemory:
        """A memory in the PostgreSQL database at ``url`` (tables created on first use)."""
        from .stores import parse_location

        location = parse_location(url)
        if location.kind != "postgres":
            raise GraphError(f"{location.shown!r} is not a PostgreSQL URL; write it as "
                             "postgresql://user:password@host:port/db")
        return cls.open(url, run_id=run_id, connect_timeout=connect_timeout)

    @property
    def store(self) -> BaseStore:
        """The LangGraph store (compile the agent graph with it)."""
        return self._store

    @property
    def location(self) -> str:
        """``":memory:"``, the SQLite file path, or the PostgreSQL URL without its password."""
        return self._backend.location.shown

    @property
    def kind(self) -> str:
        """``"memory"``, ``"sqlite"`` or ``"postgres"``."""
        return self._backend.kind

    def checkpointer(self) -> BaseCheckpointSaver:
        """Where conversation threads are kept, matching this memory's store: ``SqliteSaver`` on
        the same file, ``PostgresSaver`` on the same database, else a new ``InMemorySaver``. The
        one choice of checkpointer (:meth:`causal_agent.stores.Backend.checkpointer`)."""
        return self._backend.checkpointer()

    def __repr__(self) -> str:
        return f"GraphMemory({self.location!r})"

    def close(self) -> None:
        """Close the connections this memory opened (no-op for an in-memory or a passed-in store)."""
        self._backend.close()

    def __enter__(self) -> GraphMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _writer(self) -> Writer:
        return Writer(run_id=self.run_id, host=socket.gethostname(), pid=os.getpid())

    # -- keys -------------------------------------------------------------------------------------

    def key_for(
        self,
        dataset: Dataset,
        algorithm: str,
        variables: list[str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> str:
        """The key a graph of ``dataset`` with these settings is stored under."""
        return make_key(dataset.name, algorithm, variables, params, all_variables=dataset.variables)

    def keys(self) -> builtins.list[str]:
        """All stored keys, sorted."""
        return sorted(item.key for item in self._items())

    # -- reads ------------------------------------------------------------------------------------

    def lookup(
        self,
        dataset: Dataset,
        algorithm: str,
        variables: list[str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> GraphRecord | None:
        """The stored graph for this request, or None (nothing stored, or stale and now deleted).

        A record whose fingerprint differs from ``dataset.fingerprint`` was learned from other
        data: it is deleted so that the recomputed graph replaces it.
        """
        key = self.key_for(dataset, algorithm, variables, params)
        item = self._store.get(NAMESPACE, key)
        if item is None:
            return self._renamed(dataset, key, algorithm, variables)
        try:
            record = GraphRecord.model_validate(item.value)
        except (ValidationError, CausalAgentError):
            self._store.delete(NAMESPACE, key)  # unreadable: recompute rather than fail
            return None
        if record.provenance.fingerprint != dataset.fingerprint:
            renamed = self._renamed(dataset, key, algorithm, variables)  # replaces it when found
            if renamed is None:
                self._store.delete(NAMESPACE, key)
            return renamed
        return record

    # -- reuse across renamed columns -------------------------------------------------------------

    @staticmethod
    def _content_key(content: str, algorithm: str, positions: builtins.list[int] | None,
                     key: str) -> str:
        where = "all" if positions is None else ",".join(str(i) for i in sorted(positions))
        suffix = key.split("@", 1)[1] if "@" in key else ""
        return f"{content}|{str(algorithm).strip().lower()}|{where}|{suffix}"

    def _index(self, record: GraphRecord) -> None:
        """Write the content-index entry of ``record`` (when it carries what the index needs)."""
        prov = record.provenance
        if not prov.content_fingerprint or not prov.columns or prov.params.get("partial") == "induced":
            return
        position = {c: i for i, c in enumerate(prov.columns)}
        if any(v not in position for v in prov.variables):
            return
        partial = len(record.key.split("@", 1)[0].split(":", 2)) == 3  # <dataset>:<algo>:<vars>
        positions = [position[v] for v in prov.variables] if partial else None
        ikey = self._content_key(prov.content_fingerprint, prov.algorithm, positions, record.key)
        self._store.put(CONTENT_NAMESPACE, ikey, {"key": record.key})

    def _renamed(self, dataset: Dataset, key: str, algorithm: str,
                 variables: builtins.list[str] | None) -> GraphRecord | None:
        """The graph of the same content under other column names, renamed and stored under
        ``key`` (None: there is none)."""
        content = getattr(dataset, "content_fingerprint", None)
        if not content:
            return None
        full = variables is None or set(variables) == set(dataset.variables)
        cols = list(dataset.columns)
        positions = None if full else [cols.index(v) for v in variables or []]
        entry = self._store.get(CONTENT_NAMESPACE, self._content_key(content, algorithm, positions, key))
        if entry is None:
            return None
        item = self._store.get(NAMESPACE, entry.value.get("key", ""))
        if item is None:
            return None
        try:
            old = GraphRecord.model_validate(item.value)
        except (ValidationError, CausalAgentError):
            return None
        prov = old.provenance
        if prov.content_fingerprint != content or not prov.columns or len(prov.columns) != len(cols):
            return None
        mapping = dict(zip(prov.columns, cols))
        if any(mapping.get(v) not in dataset.variables for v in old.graph.nodes):
            return None  # other names left other columns out of analysis
        graph = CausalGraph(
            nodes=[mapping[v] for v in old.graph.nodes], kind=old.graph.kind,
            edges=[Edge(source=mapping[e.source], target=mapping[e.target], type=e.type)
                   for e in old.graph.edges])
        new_prov = prov.model_copy(update={
            "dataset": dataset.name, "fingerprint": dataset.fingerprint,
            "variables": list(graph.nodes), "columns": cols,
            "support": prov.support.renamed(mapping) if prov.support is not None else None,
            "renamed_from": prov.renamed_from or old.key,
        })
        record = GraphRecord(key=key, graph=graph, provenance=new_prov)
        self.put(record)
        return record

    def get(self, key: str) -> GraphRecord:
        """The record stored under ``key``; GraphKeyError (with close keys) if there is none."""
        item = self._store.get(NAMESPACE, key)
        if item is None:
            raise self._unknown(key)
        return self._parse(key, item.value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._store.get(NAMESPACE, key) is not None

    def list(self, dataset: str | Dataset | None = None) -> builtins.list[GraphRecord]:
        """Stored records sorted by key, optionally only those of one dataset (by name)."""
        wanted = None
        if dataset is not None:
            wanted = _sanitise(getattr(dataset, "name", dataset))
        records = []
        for item in self._items():
            record = self._parse(item.key, item.value)
            if wanted is None or _sanitise(record.provenance.dataset) == wanted:
                records.append(record)
        return sorted(records, key=lambda r: r.key)

    def datasets(self) -> builtins.list[str]:
        """Names of the datasets that have stored graphs."""
        return sorted({r.provenance.dataset for r in self.list()})

    # -- writes -----------------------------------------------------------------------------------

    def put(self, record: GraphRecord) -> str:
        """Store ``record`` under ``record.key`` (replacing any previous one); returns the key.

        The record is dumped to JSON and validated back BEFORE the single store write, so an
        invalid record raises GraphError and leaves the store untouched.
        """
        if not isinstance(record, GraphRecord):
            raise GraphError(
                f"put() needs a GraphRecord, not {type(record).__name__}; build one with "
                "GraphRecord(key=..., graph=..., provenance=...)"
            )
        try:
            value = record.model_dump(mode="json")
            json.dumps(value, allow_nan=False)
            checked = GraphRecord.model_validate(value)
        except (ValidationError, CausalAgentError, ValueError, TypeError) as exc:
            raise GraphError(
                f"graph record {record.key!r} is invalid and was not stored: "
                f"{_first_error(exc)}"
            ) from exc
        value["provenance"]["writer"] = self._writer().model_dump(mode="json")
        self._store.put(NAMESPACE, checked.key, value)
        self._index(checked)
        return checked.key

    def delete(self, key: str) -> GraphRecord | None:
        """Delete the graph under ``key``; returns it (None if it was unreadable)."""
        item = self._store.get(NAMESPACE, key)
        if item is None:
            raise self._unknown(key)
        try:
            record: GraphRecord | None = GraphRecord.model_validate(item.value)
        except (ValidationError, CausalAgentError):
            record = None
        self._store.delete(NAMESPACE, key)
        return record

    # -- export and compare -----------------------------------------------------------------------

    def export(
        self,
        key: str,
        path: str | Path,
        fmt: str | None = None,
        *,
        overwrite: bool = False,
    ) -> ExportResult:
        """Write the graph under ``key`` to ``path``; the format comes from the suffix or ``fmt``.

        ``.json`` is the whole record (graph and provenance, readable with
        ``GraphRecord.model_validate_json``), ``.dot`` is Graphviz source, ``.png``/``.svg`` a
        picture (see :mod:`causal_agent.render`). The file is written to a temporary name beside
        ``path`` first, so a failure never leaves a half-written file. An existing file is only
        replaced with ``overwrite=True``; without it the new file is hard-linked into place, which
        fails rather than replace a file that appeared meanwhile.

        Any path is accepted: this is for the user's own commands (``/export``), and asking before
        an overwrite is the caller's job. The model's ``export_graph`` tool goes through
        :func:`causal_agent.exports.export_graph`, which keeps it inside the export folder.
        """
        import os
        import tempfile

        from .render import atomic_write, render_graph

        target = Path(path).expanduser()
        kind = (fmt or target.suffix.lstrip(".")).lower()
        if kind not in EXPORT_FORMATS:
            shown = repr(target.suffix) if target.suffix else "no suffix"
            raise GraphError(
                f"cannot export to {str(target)!r} ({shown}); supported formats: "
                + ", ".join("." + f for f in EXPORT_FORMATS)
            )
        record = self.get(key)
        if target.is_dir():
            raise GraphError(f"{str(target)!r} is a directory; give a file name such as graph.{kind}")
        if not target.parent.exists():
            raise GraphError(
                f"cannot write {str(target)!r}: folder {str(target.parent)!r} does not exist"
            )
        exists = GraphError(
            f"{str(target)!r} already exists; choose a new file name or pass overwrite=True"
        )
        if (target.exists() or target.is_symlink()) and not overwrite:
            raise exists
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".{kind}", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            if kind == "json":
                atomic_write(tmp, json.dumps(record.model_dump(mode="json"), indent=2) + "\n")
            elif kind == "dot":
                atomic_write(tmp, record.graph.to_dot())
            else:
                render_graph(record.graph, tmp, fmt=kind)
            if overwrite:
                os.replace(tmp, target)
            else:
                try:
                    os.link(tmp, target)  # never replaces: EEXIST if anything is there now
                except FileExistsError:
                    raise exists from None
                except OSError:  # a file system without hard links
                    if target.exists() or target.is_symlink():
                        raise exists from None
                    os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return ExportResult(key=key, path=str(target.resolve()), format=kind,  # type: ignore[arg-type]
                            bytes=target.stat().st_size)

    def compare(self, key_a: str, key_b: str) -> GraphComparison:
        """Edge-by-edge differences and the structural Hamming distance of two stored graphs."""
        a, b = self.get(key_a), self.get(key_b)
        edges_a = {frozenset((e.source, e.target)): e for e in a.graph.edges}
        edges_b = {frozenset((e.source, e.target)): e for e in b.graph.edges}
        only_a = [e for pair, e in edges_a.items() if pair not in edges_b]
        only_b = [e for pair, e in edges_b.items() if pair not in edges_a]
        oriented = [
            OrientationDifference(a=edges_a[pair], b=edges_b[pair])
            for pair in edges_a
            if pair in edges_b and _marks(edges_a[pair]) != _marks(edges_b[pair])
        ]
        nodes_a, nodes_b = set(a.graph.nodes), set(b.graph.nodes)
        if nodes_a == nodes_b:
            shd = a.graph.shd(b.graph)
        else:  # graph.shd compares graphs over one node set; count the differences directly
            shd = len(only_a) + len(only_b) + len(oriented)
        same_data = a.provenance.fingerprint == b.provenance.fingerprint
        parts = [
            f"{len(only_a)} edge{'s' * (len(only_a) != 1)} only in {key_a!r}",
            f"{len(only_b)} only in {key_b!r}",
            f"{len(oriented)} oriented differently",
        ]
        if shd == 0 and not only_a and not only_b and not oriented and nodes_a == nodes_b:
            summary = f"{key_a!r} and {key_b!r} are identical (SHD 0)."
        else:
            summary = f"{key_a!r} and {key_b!r} differ: SHD {shd}; " + ", ".join(parts) + "."
        if nodes_a != nodes_b:
            summary += (
                f" Their variables differ ({len(nodes_a - nodes_b)} only in {key_a!r}, "
                f"{len(nodes_b - nodes_a)} only in {key_b!r}); only shared pairs are comparable."
            )
        if not same_data:
            summary += " They were learned from different data."
        return GraphComparison(
            key_a=key_a,
            key_b=key_b,
            shd=shd,
            only_in_a=only_a,
            only_in_b=only_b,
            differently_oriented=oriented,
            nodes_only_in_a=sorted(nodes_a - nodes_b),
            nodes_only_in_b=sorted(nodes_b - nodes_a),
            same_data=same_data,
            summary=summary,
        )

    # -- helpers ----------------------------------------------------------------------------------

    def _items(self) -> builtins.list[Any]:
        items: builtins.list[Any] = []
        offset, page = 0, 200
        while True:
            batch = self._store.search(NAMESPACE, limit=page, offset=offset)
            items.extend(i for i in batch if tuple(i.namespace) == NAMESPACE)
            if len(batch) < page:
                return items
            offset += page

    def _parse(self, key: str, value: dict[str, Any]) -> GraphRecord:
        try:
            return GraphRecord.model_validate(value)
        except (ValidationError, CausalAgentError) as exc:
            raise GraphError(
                f"the graph stored under {key!r} cannot be read ({_first_error(exc)}); "
                f"delete it from the graph memory and learn it again"
            ) from exc

    def _unknown(self, key: str) -> GraphKeyError:
        known = self.keys()
        message = f"no graph stored under {key!r}."
        near = closest(key, known)
        if near:
            message += " Did you mean " + " or ".join(repr(k) for k in near) + "?"
        if known:
            shown = ", ".join(known[:12]) + (f" (and {len(known) - 12} more)" if len(known) > 12 else "")
            message += f" Known keys: {shown}."
        else:
            message += " The memory holds no graphs yet; ask for a causal graph first."
        return GraphKeyError(message)


def open_memory(location: str | Path | None) -> GraphMemory:
    """The graph memory a ``--memory`` value (``ModelConfig.memory``) names: a NEW in-memory one for
    None or ``:memory:``, a SQLite file (a plain path, ``sqlite:///relative`` or
    ``sqlite:////absolute``) or a PostgreSQL database (``postgresql://…``, ``postgres://…``). The one
    rule ``CausalAgent`` and ``causal-agent graphs`` both follow (:func:`causal_agent.stores.parse_location`),
    so they always open the same memory."""
    return GraphMemory.open(location)


def _marks(edge: Edge) -> dict[str, str]:
    """The endpoint mark at each node of an edge: '>' arrow, '-' tail, 'o' circle."""
    start = {"-": "-", "<": ">", "o": "o"}[edge.type[0]]
    return {edge.source: start, edge.target: edge.type[-1]}


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "record"
        return f"{where}: {err.get('msg', '')}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
