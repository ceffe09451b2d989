"""The question log: every question asked through ``CausalAgent`` (the CLI's ``ask``, the REPL, the
Python API, the MCP server) is one row of a SQLite file, so ``causal-agent logs`` can show what was
asked yesterday and what the agent answered.

Where: ``CAUSAL_AGENT_LOGS`` (the file's path), else ``<data dir>/logs.db``, the user's data folder
the REPL keeps its history in (``$XDG_DATA_HOME/causal-agent``, else ``~/.local/share/causal-agent``;
:func:`causal_agent.config.data_dir`). On/off: ``causal-agent logs off|on`` sets ``logs`` in the
config file; ``CAUSAL_AGENT_LOGS=off`` turns it off for one environment; ``CausalAgent(log=False)``
for one agent.

What: the question as typed, the loaded datasets' names, fingerprints and sizes, the model, each
step (tool, arguments, ONE line of result), the verdict, the explanation, the headline effect
(estimate and interval), tokens, model calls, latency and time. Never data: a step's result is its
first line, and any quoted text in results, explanation and errors that is not a dataset or
column name, a graph key or a verdict word (yes, no, uncertain) is replaced by ``'…'``, because notes
such as "3 cells that are not numbers ('oops', '?')" quote cell values. Tables are not logged.

Why SQLite, and how it stays out of the way: one file, safe for several processes at once (WAL
journal, a 30 s busy timeout, one short connection per write); the schema carries
``PRAGMA user_version`` (:data:`SCHEMA_VERSION`). A failed write never breaks an answer: the
:class:`QuestionLog` warns once on stderr and the answer goes on.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from .config import data_dir, logs_env_off
from .errors import CausalAgentError

if TYPE_CHECKING:  # pragma: no cover
    from .answer import Answer
    from .config import ModelConfig

LOGS_ENV = "CAUSAL_AGENT_LOGS"
SCHEMA_VERSION = 1
#: seconds a write waits for another process holding the file
BUSY_TIMEOUT_S = 30.0
#: the longest step result, explanation and argument text kept (characters)
RESULT_CHARS = 200
EXPLANATION_CHARS = 2000
ARG_CHARS = 120

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    question TEXT NOT NULL,
    model TEXT NOT NULL,
    answer TEXT,
    explanation TEXT NOT NULL,
    graph_key TEXT,
    effect TEXT,
    steps TEXT NOT NULL,
    tokens INTEGER,
    model_calls INTEGER NOT NULL,
    latency_s REAL NOT NULL,
    complete INTEGER NOT NULL,
    incomplete_reason TEXT,
    error TEXT,
    thread_id TEXT
);
CREATE TABLE IF NOT EXISTS question_datasets (
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    rows INTEGER,
    columns INTEGER
);
CREATE INDEX IF NOT EXISTS question_datasets_name ON question_datasets(name);
"""


def log_path() -> Path:
    """``$CAUSAL_AGENT_LOGS`` (unless it is ``off``), else ``<data dir>/logs.db``."""
    env = os.environ.get(LOGS_ENV, "").strip()
    if env and not logs_env_off():
        return Path(env).expanduser()
    return data_dir() / "logs.db"


class LoggedDataset(BaseModel):
    """A dataset that was loaded when the question was asked (never its rows)."""

    name: str
    fingerprint: str
    rows: int | None = None
    columns: int | None = None


class LoggedStep(BaseModel):
    """One tool call: its arguments (long text cut) and one line of its result."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    result: str = ""
    status: str = "ok"


class LogEntry(BaseModel):
    """One logged question (``causal-agent logs --json`` prints a list of these)."""

    id: int | None = None
    time: str = Field(description="when it was asked, ISO 8601 UTC")
    question: str
    datasets: list[LoggedDataset] = Field(default_factory=list)
    model: str
    steps: list[LoggedStep] = Field(default_factory=list)
    answer: str | None = Field(None, description="the verdict: yes, no, uncertain or none")
    explanation: str = ""
    graph_key: str | None = None
    effect: dict[str, Any] | None = Field(None, description="the headline effect: estimate, CI, method")
    tokens: int | None = None
    model_calls: int = 0
    latency_s: float = 0.0
    complete: bool = True
    incomplete_reason: str | None = None
    error: str | None = Field(None, description="why no answer came, one line")
    thread_id: str | None = None


# -- summarising, so that no data reaches the log -----------------------------------------------
#: quoted words the tools use themselves ("'yes' in 30 of 30 bootstrap resamples")
_WORDS = frozenset({"yes", "no", "uncertain", "none", "true", "false"})
_QUOTED = re.compile(r"'([^'\n]{0,200})'|\"([^\"\n]{0,200})\"")


def _scrubber(datasets: Iterable[str], columns: Iterable[str]) -> Any:
    """A function that replaces quoted text other than dataset and column names, the graph keys of
    those datasets and the verdict words by '…'."""
    datasets = {str(n) for n in datasets}
    known = datasets | {str(c) for c in columns} | _WORDS

    def keep(text: str) -> bool:
        if text in known:
            return True
        head, sep, _ = text.partition(":")
        return bool(sep) and head in datasets and " " not in text  # a graph key 'clinic:pc:a,b'

    def scrub(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            inner = m.group(1) if m.group(1) is not None else m.group(2)
            return m.group(0) if keep(inner) else "'…'"

        return _QUOTED.sub(one, text)

    return scrub


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def _arg(value: Any, scrub: Any) -> Any:
    if isinstance(value, str):
        return _cut(scrub(value), ARG_CHARS)
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float, bool)) for v in value):
        return [_arg(v, scrub) for v in value][:50]
    return _cut(scrub(json.dumps(value, default=str)), ARG_CHARS)


def entry_for(
    question: str,
    answer: Answer | None,
    *,
    datasets: Iterable[Any],
    model: str,
    started: float,
    thread_id: str | None = None,
    error: BaseException | str | None = None,
) -> LogEntry:
    """The log entry of one question: ``answer`` when one came, else ``error``. ``datasets`` are the
    loaded ``Dataset`` objects (only names, fingerprints and sizes are read)."""
    datasets = list(datasets)
    loaded = [LoggedDataset(name=ds.name, fingerprint=ds.fingerprint, rows=getattr(ds, "n_rows", None),
                            columns=len(getattr(ds, "columns", []) or []) or None) for ds in datasets]
    scrub = _scrubber([d.name for d in loaded], [c for ds in datasets for c in getattr(ds, "columns", [])])
    when = datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="seconds")
    entry = LogEntry(time=when, question=question.strip(), datasets=loaded, model=model, thread_id=thread_id,
                     latency_s=round(max(time.time() - started, 0.0), 4))
    if error is not None:
        text = str(error).strip() or type(error).__name__
        entry.error = _cut(scrub(_first_line(text)), RESULT_CHARS)
        entry.complete = False
    if answer is None:
        return entry
    entry.steps = [
        LoggedStep(tool=s.tool, args={k: _arg(v, scrub) for k, v in s.args.items()},
                   result=_cut(scrub(_first_line(s.output)), RESULT_CHARS), status=s.status)
        for s in answer.steps
    ]
    entry.answer = answer.answer
    entry.explanation = _cut(scrub(answer.explanation or ""), EXPLANATION_CHARS)
    entry.graph_key = answer.graph_key
    if answer.effect is not None:
        e = answer.effect
        entry.effect = {"treatment": e.treatment, "outcome": e.outcome, "t0": e.t0, "t1": e.t1,
                        "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high,
                        "method": e.method, "headline": e.headline}
    entry.tokens = answer.tokens
    entry.model_calls = answer.model_calls
    entry.latency_s = round(answer.elapsed_s or entry.latency_s, 4)
    entry.complete = answer.complete
    entry.incomplete_reason = answer.incomplete_reason
    return entry


# -- the file -----------------------------------------------------------------------------------
def _wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, retrying: the switch needs the file to itself, and SQLite answers "database is
    locked" at once (without its busy handler) while another process holds it, e.g. two first writes."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class QuestionLog:
    """The log file at ``path`` (default :func:`log_path`, read when the log is made). Created on the
    first write; reading a missing file gives no entries."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else log_path()
        self._warned = False

    def __repr__(self) -> str:
        return f"QuestionLog({str(self.path)!r})"

    @contextmanager
    def _connect(self, *, create: bool) -> Iterator[sqlite3.Connection]:
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()

    def _version(self, conn: sqlite3.Connection) -> int:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise CausalAgentError(
                f"the question log {str(self.path)!r} has schema version {version}, newer than this "
                f"causal-agent's {SCHEMA_VERSION}; upgrade causal-agent or set {LOGS_ENV} to another file")
        return version

    def _setup(self, conn: sqlite3.Connection) -> None:
        if self._version(conn) == SCHEMA_VERSION:
            return
        _wal(conn)  # readers never block the writer, across processes
        conn.execute("BEGIN IMMEDIATE")
        try:
            if self._version(conn) < SCHEMA_VERSION:  # another process may have just made it
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def write(self, entry: LogEntry) -> int | None:
        """Append ``entry``; its id, or None when the write failed (warned once, never raised)."""
        try:
            with self._connect(create=True) as conn:
                self._setup(conn)
                row = entry.model_dump(mode="json")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    cur = conn.execute(
                        "INSERT INTO questions (time, question, model, answer, explanation, graph_key, effect,"
                        " steps, tokens, model_calls, latency_s, complete, incomplete_reason, error, thread_id)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (row["time"], row["question"], row["model"], row["answer"], row["explanation"],
                         row["graph_key"], _json(row["effect"]), _json(row["steps"]), row["tokens"],
                         row["model_calls"], row["latency_s"], int(row["complete"]), row["incomplete_reason"],
                         row["error"], row["thread_id"]))
                    qid = int(cur.lastrowid or 0)
                    conn.executemany(
                        "INSERT INTO question_datasets (question_id, name, fingerprint, rows, columns)"
                        " VALUES (?, ?, ?, ?, ?)",
                        [(qid, d["name"], d["fingerprint"], d["rows"], d["columns"]) for d in row["datasets"]])
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                return qid
        except Exception as exc:  # noqa: BLE001 - the log must never break an answer
            self._warn(exc)
            return None

    def _warn(self, exc: Exception) -> None:
        if self._warned:
            return
        self._warned = True
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"warning: cannot write the question log {str(self.path)!r} ({reason}); questions are not "
              f"logged: set {LOGS_ENV} to a writable file, or run 'causal-agent logs off'",
              file=sys.stderr, flush=True)

    def entries(self, n: int | None = 20, *, query: str | None = None,
                dataset: str | None = None) -> list[LogEntry]:
        """The newest ``n`` entries first (None or 0: all), optionally only those whose question or
        explanation contains ``query`` (any case) or that used dataset ``dataset``."""
        if not self.path.exists():
            return []
        where, params = [], []
        if query:
            like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(q.question LIKE ? ESCAPE '\\' OR q.explanation LIKE ? ESCAPE '\\')")
            params += [like, like]
        if dataset:
            where.append("EXISTS (SELECT 1 FROM question_datasets d WHERE d.question_id = q.id AND d.name = ?)")
            params.append(dataset_name(dataset))
        sql = "SELECT * FROM questions q" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY q.id DESC"
        if n:
            sql += f" LIMIT {int(n)}"
        try:
            with self._connect(create=False) as conn:
                if self._version(conn) == 0:
                    return []
                conn.row_factory = sqlite3.Row
                rows = conn.execute(sql, params).fetchall()
                used: dict[int, list[LoggedDataset]] = {}
                ids = [r["id"] for r in rows]
                for d in conn.execute(
                        f"SELECT * FROM question_datasets WHERE question_id IN ({','.join('?' * len(ids))})"
                        " ORDER BY rowid", ids) if ids else []:
                    used.setdefault(d["question_id"], []).append(LoggedDataset(
                        name=d["name"], fingerprint=d["fingerprint"], rows=d["rows"], columns=d["columns"]))
        except sqlite3.DatabaseError as exc:
            raise CausalAgentError(f"cannot read the question log {str(self.path)!r} ({exc}); set {LOGS_ENV} "
                                   "to another file, or move this one away") from None
        return [_entry(r, used.get(r["id"], [])) for r in rows]

    def datasets(self) -> list[str]:
        """Names of the datasets logged questions used (for a 'did you mean')."""
        if not self.path.exists():
            return []
        try:
            with self._connect(create=False) as conn:
                if self._version(conn) == 0:
                    return []
                return [r[0] for r in conn.execute("SELECT DISTINCT name FROM question_datasets ORDER BY name")]
        except sqlite3.DatabaseError:
            return []


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def dataset_name(name: str) -> str:
    """A dataset name as it is stored (datasets are named lowercase ``[a-z0-9_]`` when loaded)."""
    from .names import sanitize_name

    return sanitize_name(name)


def _entry(row: sqlite3.Row, datasets: list[LoggedDataset]) -> LogEntry:
    return LogEntry(
        id=row["id"], time=row["time"], question=row["question"], datasets=datasets, model=row["model"],
        steps=[LoggedStep.model_validate(s) for s in json.loads(row["steps"] or "[]")],
        answer=row["answer"], explanation=row["explanation"] or "", graph_key=row["graph_key"],
        effect=json.loads(row["effect"]) if row["effect"] else None, tokens=row["tokens"],
        model_calls=row["model_calls"], latency_s=row["latency_s"], complete=bool(row["complete"]),
        incomplete_reason=row["incomplete_reason"], error=row["error"], thread_id=row["thread_id"])


def question_log(log: bool | str | Path | QuestionLog | None, config: ModelConfig) -> QuestionLog | None:
    """The log an agent writes to: ``log`` itself (a ``QuestionLog`` or a path), none for False, and
    for True the default file unless logging is off (``config.logs``: the config file, or
    ``CAUSAL_AGENT_LOGS=off``)."""
    if isinstance(log, QuestionLog):
        return log
    if log is None or log is False:
        return None
    if isinstance(log, (str, Path)):
        return QuestionLog(log)
    return QuestionLog() if config.logs else None


__all__ = ["LOGS_ENV", "SCHEMA_VERSION", "LogEntry", "LoggedDataset", "LoggedStep", "QuestionLog",
           "entry_for", "log_path", "question_log"]
