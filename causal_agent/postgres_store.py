"""A shared graph memory on PostgreSQL: LangGraph's ``PostgresStore`` and ``PostgresSaver``.

Imported only by :func:`causal_agent.stores.open_backend` for a ``postgresql://`` / ``postgres://``
URL (the ``postgres`` extra: ``langgraph-checkpoint-postgres`` and ``psycopg[binary]``).

* **One connection pool per memory** (``psycopg_pool.ConnectionPool``, autocommit, no prepared
  statements, dict rows, as both LangGraph classes require). The store and the saver take their
  connections from it, so they never share a cursor, and a connection that broke (a restarted
  server, an idle timeout) is checked and replaced before use.
* **Opening** first makes one direct connection, so a bad URL, an unreachable server, a wrong
  password or a missing database is one line naming the fix (never a pool timeout), then runs the
  store's ``setup()`` (the saver's on first use) under a PostgreSQL advisory lock: several
  processes opening a fresh database at once create the tables once.
* **Concurrent writers**: every ``put`` is one ``INSERT … ON CONFLICT DO UPDATE``: nothing is lost
  and the last writer of a key wins.
* **Errors while in use** (the server went away, no connection within the timeout) are one-line
  ``GraphError`` s too: both classes are subclassed only to translate psycopg's exceptions in the
  ``_cursor`` context every query goes through (langgraph-checkpoint-postgres 3.x).

Passwords never appear in a message (:func:`causal_agent.stores.redact`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.store.postgres import PostgresStore
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from .errors import GraphError
from .stores import POSTGRES_FORM, Backend, MemoryLocation, redact

#: advisory lock id that serialises ``setup()`` across processes ("causal-agent memory")
SETUP_LOCK = 0x63_61_6D_65_6D_6F_72_79
#: longest wait for another process's first-use setup
SETUP_WAIT_S = 120.0
#: most connections one memory holds (the store and the saver each use one at a time)
POOL_MAX = 4

# The pool logs a warning for each failed reconnection; without a handler Python's last-resort
# handler would print them under our one-line error. An application's own logging still sees them.
logging.getLogger("psycopg.pool").addHandler(logging.NullHandler())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact(text[0].strip()) if text else type(exc).__name__


def conninfo(loc: MemoryLocation) -> dict[str, Any]:
    """The URL's connection parameters, checked offline; a malformed URL is one line."""
    url = loc.target
    try:
        info = conninfo_to_dict(url)
    except psycopg.Error as exc:
        reason = re.sub(r'\s+in URI: ".*$', "", _first_line(exc)).rstrip(".")
        raise GraphError(f"graph memory URL {loc.shown!r} is malformed ({reason}); "
                         f"write it as {POSTGRES_FORM}") from None
    for port in str(info.get("port") or "").split(","):
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise GraphError(f"graph memory URL {loc.shown!r} has port {port!r}, not a number from 1 to "
                             f"65535; write it as {POSTGRES_FORM}")
    return info


def where(info: dict[str, Any]) -> str:
    """``host:port`` (or the socket path) the URL points at, for messages."""
    host = str(info.get("host") or info.get("hostaddr") or "")
    port = str(info.get("port") or "5432")
    if not host:
        return f"the local socket (port {port})"
    if host.startswith("/"):
        return f"socket {host.rstrip('/')}/.s.PGSQL.{port}"
    return f"{host}:{port}"


def connect_error(exc: BaseException, info: dict[str, Any], timeout: float) -> str:
    """One line naming what went wrong when connecting and how to fix it."""
    at = where(info)
    text = redact(" ".join(str(exc).split()))
    low = text.lower()
    user = re.search(r'for user "([^"]*)"', text)
    name = user.group(1) if user else str(info.get("user") or "")
    fix = f"(--memory {POSTGRES_FORM})"
    if "password authentication failed" in low:
        return (f"PostgreSQL at {at} refused the password of user {name!r}; correct the password in the URL "
                f"{fix}, PGPASSWORD or ~/.pgpass")
    if "no password supplied" in low:
        return (f"PostgreSQL at {at} asks for a password and none was given; put it in the URL {fix}, "
                "PGPASSWORD or ~/.pgpass")
    missing_db = re.search(r'database "([^"]*)" does not exist', text)
    if missing_db:
        db = missing_db.group(1)
        host = str(info.get("host") or "localhost")
        port = str(info.get("port") or "5432")
        who = f" -U {name}" if name else ""
        return (f"PostgreSQL at {at} has no database {db!r}; create it (createdb -h {host} -p {port}{who} {db}) "
                f"or name an existing one {fix}")
    missing_role = re.search(r'role "([^"]*)" does not exist', text)
    if missing_role:
        return (f"PostgreSQL at {at} has no user {missing_role.group(1)!r}; create it (createuser) or give "
                f"another user in the URL {fix}")
    if "connection refused" in low:
        return f"cannot connect to PostgreSQL at {at}: connection refused; is the server running? {fix}"
    if "timeout expired" in low or "timed out" in low:
        return (f"cannot connect to PostgreSQL at {at}: no answer within {timeout:g} s; check the host, the port "
                f"and any firewall {fix}")
    if "resolve host" in low or "translate host name" in low or "name or service not known" in low:
        return f"cannot connect to PostgreSQL at {at}: host name not found; check the host {fix}"
    if "no such file or directory" in low:
        return f"cannot connect to PostgreSQL at {at}: no server socket there; is the server running? {fix}"
    if "no pg_hba.conf entry" in low:
        return (f"PostgreSQL at {at} does not accept this connection (no pg_hba.conf entry for it); ask its "
                f"administrator to allow it, or use another user or database {fix}")
    if "too many connections" in low or "remaining connection slots" in low:
        return f"PostgreSQL at {at} has no free connections; try again later or raise max_connections"
    if "starting up" in low or "shutting down" in low or "recovery mode" in low:
        return f"PostgreSQL at {at} is not accepting connections yet ({_first_line(exc)}); try again shortly"
    return f"cannot connect to PostgreSQL at {at}: {_first_line(exc)} {fix}"


def _use_error(exc: BaseException, at: str, timeout: float) -> GraphError:
    """A failure while the memory is in use, as one line."""
    if isinstance(exc, PoolClosed):
        return GraphError(f"the PostgreSQL graph memory at {at} is closed; open it again")
    if isinstance(exc, PoolTimeout):
        return GraphError(f"no connection to PostgreSQL at {at} within {timeout:g} s; is the server still "
                          "running?")
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return GraphError(f"PostgreSQL at {at} refused access to the graph memory's tables ({_first_line(exc)}); "
                          "ask the database owner to GRANT it, or use a database you own")
    if isinstance(exc, psycopg.OperationalError):
        return GraphError(f"lost the connection to PostgreSQL at {at} ({_first_line(exc)}); is the server "
                          "still running?")
    return GraphError(f"the PostgreSQL graph memory at {at} failed: {_first_line(exc)}")


class _Guarded:
    """The one place a LangGraph Postgres class's database errors become one-line ``GraphError`` s
    (both classes open every cursor through ``_cursor``)."""

    def __init__(self, conn: Any, *, at: str, timeout: float) -> None:
        super().__init__(conn)  # type: ignore[call-arg]
        self._at, self._timeout = at, timeout

    @contextmanager
    def _cursor(self, *, pipeline: bool = False) -> Iterator[Any]:
        try:
            with super()._cursor(pipeline=pipeline) as cur:  # type: ignore[misc]
                yield cur
        except psycopg.Error as exc:
            raise _use_error(exc, self._at, self._timeout) from None


class GuardedStore(_Guarded, PostgresStore):
    """``PostgresStore`` whose database errors are one-line ``GraphError`` s."""


class GuardedSaver(_Guarded, PostgresSaver):
    """``PostgresSaver`` whose database errors are one-line ``GraphError`` s."""


def _connection_kwargs(info: dict[str, Any], timeout: float) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    if "connect_timeout" not in info:
        kwargs["connect_timeout"] = max(2, round(timeout))  # libpq: whole seconds, at least 2
    if "application_name" not in info:
        kwargs["application_name"] = "causal-agent"
    return kwargs


def _lock(conn: psycopg.Connection[Any], timeout: float) -> None:
    """Take the setup lock by polling ``pg_try_advisory_lock``: a session WAITING in
    ``pg_advisory_lock`` keeps a snapshot open, and the holder's ``CREATE INDEX CONCURRENTLY`` (in
    the store's and the saver's migrations) waits for every such snapshot: PostgreSQL reports a
    deadlock (seen with four processes opening an empty database at once)."""
    deadline = time.monotonic() + timeout
    pause = 0.01
    while not conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (SETUP_LOCK,)).fetchone()["ok"]:
        if time.monotonic() > deadline:
            raise GraphError(f"another process has been setting up the graph memory's tables for over "
                             f"{timeout:g} s; try again when it has finished")
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _locked_setup(conn: psycopg.Connection[Any], target: Any, at: str) -> None:
    """``target.setup()`` while holding the advisory lock, so concurrent first uses run it once."""
    try:
        _lock(conn, SETUP_WAIT_S)
        try:
            target.setup()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
    except psycopg.errors.InsufficientPrivilege as exc:
        user = conn.info.user
        raise GraphError(f"user {user!r} may not create the graph memory's tables in database "
                         f"{conn.info.dbname!r} at {at} ({_first_line(exc)}); run it once as the database "
                         f"owner, or GRANT CREATE ON SCHEMA public TO {user}") from None
    except GraphError:
        raise
    except psycopg.Error as exc:
        raise _use_error(exc, at, 0) from None


def open_postgres(loc: MemoryLocation, *, connect_timeout: float) -> Backend:
    """Connect, set the store up on first use and return the backend (pool closed by ``close()``)."""
    info = conninfo(loc)
    at = where(info)
    kwargs = _connection_kwargs(info, connect_timeout)
    try:
        probe = psycopg.Connection.connect(loc.target, **kwargs)
    except psycopg.Error as exc:
        raise GraphError(connect_error(exc, info, connect_timeout)) from None
    with probe:
        _locked_setup(probe, PostgresStore(probe), at)
    pool: ConnectionPool[Any] = ConnectionPool(
        loc.target, min_size=1, max_size=POOL_MAX, kwargs=kwargs, open=False, name="causal-agent-memory",
        check=ConnectionPool.check_connection, timeout=connect_timeout, num_workers=1)
    try:
        pool.open(wait=True, timeout=connect_timeout)
    except psycopg.Error as exc:
        pool.close(timeout=1)
        raise _use_error(exc, at, connect_timeout) from None

    def make_saver() -> tuple[GuardedSaver, None]:
        try:
            with pool.connection() as conn:
                _locked_setup(conn, PostgresSaver(conn), at)
        except psycopg.Error as exc:
            raise _use_error(exc, at, connect_timeout) from None
        return GuardedSaver(pool, at=at, timeout=connect_timeout), None  # the pool is closed with the store

    store = GuardedStore(pool, at=at, timeout=connect_timeout)
    return Backend(store, loc, make_saver=make_saver, closers=(lambda: pool.close(timeout=5),))


__all__ = ["GuardedSaver", "GuardedStore", "connect_error", "conninfo", "open_postgres", "where"]
