"""Where graphs and conversation threads are kept: the one place that reads a memory location and
opens the LangGraph store and the checkpointer that match it.

| ``--memory`` / ``CAUSAL_AGENT_MEMORY`` / config ``memory`` | store | conversation threads |
|---|---|---|
| unset, ``:memory:``, ``sqlite://`` | ``InMemoryStore`` | ``InMemorySaver`` (one per agent) |
| a file path, ``sqlite:///relative.db``, ``sqlite:////abs.db`` | ``SqliteStore`` | ``SqliteSaver``, same file |
| ``postgresql://user:pw@host:port/db``, ``postgres://…`` | ``PostgresStore`` | ``PostgresSaver``, same database |

:class:`~causal_agent.memory.GraphMemory` holds a :class:`Backend` and never asks which one it is:
the store is the only difference. The backend owns its connections (``close()``). PostgreSQL
support is an optional extra; its code lives in :mod:`causal_agent.postgres_store`, imported only
when a PostgreSQL URL is given. Every message that shows a URL hides its password (:func:`redact`).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from .errors import GraphError

if TYPE_CHECKING:  # pragma: no cover
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.store.base import BaseStore

MemoryKind = Literal["memory", "sqlite", "postgres"]
POSTGRES_SCHEMES: tuple[str, ...] = ("postgresql://", "postgres://")
#: the URL shape named in error messages
POSTGRES_FORM = "postgresql://user:password@host:port/db"
POSTGRES_INSTALL = "pip install 'causal-agent-kit[postgres]'"
#: seconds to wait for a PostgreSQL connection (libpq's default is forever)
CONNECT_TIMEOUT_S = 10.0
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# user:password@ in a URL, password=… in a query string or a key=value connection string
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s:]*:)(?P<pw>[^@\s]*)@")
_KV_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|[^\s&]+)", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every password in a URL or connection string replaced by ``***``."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***@", str(text))
    return _KV_PASSWORD.sub(lambda m: f"{m['head']}***", text)


class MemoryLocation(BaseModel):
    """A parsed ``--memory`` value: which backend, and its file path or URL."""

    model_config = ConfigDict(frozen=True)

    kind: MemoryKind
    #: the SQLite file path or the PostgreSQL URL as given (with its password: never print it)
    target: str = ":memory:"

    @property
    def shown(self) -> str:
        """The location for messages and listings: ``:memory:``, the path, or the URL without its password."""
        return redact(self.target) if self.kind == "postgres" else self.target


def parse_location(spec: str | Path | None) -> MemoryLocation:
    """Read a ``--memory`` value (see the module table); an unknown URL scheme is one line."""
    if spec is None:
        return MemoryLocation(kind="memory")
    if isinstance(spec, Path):
        return MemoryLocation(kind="sqlite", target=str(spec.expanduser()))
    text = str(spec).strip()
    if not text or text == ":memory:":
        return MemoryLocation(kind="memory")
    low = text.lower()
    if low.startswith(POSTGRES_SCHEMES):
        return MemoryLocation(kind="postgres", target=text)
    if re.match(r"^postgres(ql)?:", low):
        raise GraphError(f"graph memory URL {redact(text)!r} is malformed; write it as {POSTGRES_FORM}")
    if low.startswith("sqlite:"):
        rest = text[len("sqlite:"):]
        if rest in ("", "//", "///:memory:"):
            return MemoryLocation(kind="memory")
        if not rest.startswith("///"):
            raise GraphError(f"graph memory {text!r} is not a SQLite URL; write sqlite:///relative/file.db, "
                             "sqlite:////absolute/file.db or just the file path")
        return MemoryLocation(kind="sqlite", target=str(Path(rest[3:]).expanduser()))
    scheme = _SCHEME.match(text)
    if scheme:
        import difflib

        near = difflib.get_close_matches(scheme.group(1).lower(), ["postgresql", "sqlite"], n=1, cutoff=0.75)
        hint = f" (did you mean {near[0]}://?)" if near else ""
        raise GraphError(f"graph memory {redact(text)!r} has an unsupported scheme {scheme.group(1)!r}{hint}; "
                         f"give a file path, sqlite:///path or {POSTGRES_FORM}")
    return MemoryLocation(kind="sqlite", target=str(Path(text).expanduser()))


class Backend:
    """An opened store, the checkpointer that matches it, and the connections they hold.

    ``checkpointer()`` is the one choice of where conversation threads live: a NEW
    ``InMemorySaver`` per call for an in-memory store (threads die with their agent), else one
    saver on the same file or database, shared by the agents of this memory and closed with it.
    """

    def __init__(self, store: BaseStore, location: MemoryLocation, *,
                 make_saver: Callable[[], tuple[BaseCheckpointSaver, Callable[[], None] | None]] | None = None,
                 closers: tuple[Callable[[], None], ...] = ()) -> None:
        self.store = store
        self.location = location
        self._make_saver = make_saver
        self._saver: BaseCheckpointSaver | None = None
        self._closers = list(closers)
        self._lock = threading.Lock()
        self._closed = False

    @property
    def kind(self) -> MemoryKind:
        return self.location.kind

    def checkpointer(self) -> BaseCheckpointSaver:
        """The saver for conversation threads kept where the graphs are (see the class docstring)."""
        if self._make_saver is None:
            from langgraph.checkpoint.memory import InMemorySaver

            return InMemorySaver()
        with self._lock:
            if self._closed:
                raise GraphError(f"graph memory {self.location.shown!r} is closed; open it again")
            if self._saver is None:
                self._saver, close = self._make_saver()
                if close is not None:
                    self._closers.append(close)
            return self._saver

    def close(self) -> None:
        """Release every connection (idempotent); savers first, then the store."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            closers, self._closers = list(reversed(self._closers)), []
        for close in closers:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing must not fail the caller's exit
                pass


def open_backend(location: MemoryLocation | str | Path | None, *,
                 connect_timeout: float = CONNECT_TIMEOUT_S) -> Backend:
    """Open the store of ``location`` (created and set up on first use)."""
    loc = location if isinstance(location, MemoryLocation) else parse_location(location)
    if loc.kind == "memory":
        from langgraph.store.memory import InMemoryStore

        return Backend(InMemoryStore(), loc)
    if loc.kind == "sqlite":
        return open_sqlite(Path(loc.target))
    try:
        from . import postgres_store
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc).splitlines()[0]
        raise GraphError(f"a PostgreSQL graph memory needs the postgres extra ({missing} is not installed): "
                         f"{POSTGRES_INSTALL}") from None
    return postgres_store.open_postgres(loc, connect_timeout=connect_timeout)


def wrap_store(store: BaseStore, location: str = ":memory:") -> Backend:
    """A backend around a store someone else opened (and closes): threads stay in memory."""
    return Backend(store, MemoryLocation(kind="memory", target=location))


# -- SQLite ------------------------------------------------------------------------------------------

def _check_writable(conn: sqlite3.Connection) -> None:
    """Write the header's user_version back unchanged and roll back: SQLite opens a read-only
    file (or a file in a read-only folder) without complaint and fails only at the first write,
    after the work that wanted to store a graph. This makes it fail at the start instead."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return  # another process is writing it: it is writable
        raise
    try:
        conn.execute(f"PRAGMA user_version = {int(version)}")
    finally:
        conn.execute("ROLLBACK")


def _sqlite_error(target: Path, exc: sqlite3.DatabaseError) -> str:
    """One line for a memory file that cannot be opened or written."""
    import os

    text = str(exc)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        in_folder = not target.exists() or (os.access(target, os.W_OK) and not os.access(target.parent, os.W_OK))
        where = f"folder {str(target.parent)!r}" if in_folder else "the file"
        return (f"graph memory {str(target)!r} is read-only ({where} cannot be written: {text}); "
                "make it writable or give another --memory file")
    return f"cannot open graph memory {str(target)!r} as SQLite ({text}); give another file name"


def open_sqlite(path: str | Path) -> Backend:
    """A ``SqliteStore`` in the file ``path`` (created if missing), probed for writing; threads go
    to a ``SqliteSaver`` on a second connection to the same file."""
    from langgraph.store.sqlite import SqliteStore

    target = Path(path).expanduser()
    if target.is_dir():
        raise GraphError(f"graph memory path {str(target)!r} is a directory; give a file name")
    if not target.parent.exists():
        raise GraphError(
            f"cannot create graph memory {str(target)!r}: folder {str(target.parent)!r} does not exist"
        )
    conn = None
    try:
        conn = sqlite3.connect(str(target), check_same_thread=False, isolation_level=None)
        store = SqliteStore(conn)
        store.setup()
        _check_writable(conn)
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise GraphError(_sqlite_error(target, exc)) from None

    def make_saver() -> tuple[BaseCheckpointSaver, Callable[[], None]]:
        from langgraph.checkpoint.sqlite import SqliteSaver

        saver_conn = sqlite3.connect(str(target), check_same_thread=False)
        return SqliteSaver(saver_conn), saver_conn.close

    return Backend(store, MemoryLocation(kind="sqlite", target=str(target)), make_saver=make_saver,
                   closers=(conn.close,))


__all__ = ["Backend", "CONNECT_TIMEOUT_S", "MemoryKind", "MemoryLocation", "POSTGRES_FORM", "POSTGRES_INSTALL",
           "open_backend", "open_sqlite", "parse_location", "redact", "wrap_store"]
