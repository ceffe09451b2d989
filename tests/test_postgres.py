"""The shared graph memory on a REAL PostgreSQL server.

The server is ``CAUSAL_AGENT_TEST_POSTGRES`` when set (CI starts one with ``.ci/postgres.sh``);
otherwise this module starts its own throwaway cluster with the same script when the server
binaries are installed, and skips only when there are none. Each test that needs an empty
database gets a fresh one (the script's role may create databases).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from glob import glob
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "postgres.sh"
ENV_URL = "CAUSAL_AGENT_TEST_POSTGRES"
FORM = "postgresql://user:password@host:port/db"


# -- the server ------------------------------------------------------------------------------------

def _have_server_binaries() -> bool:
    return bool(shutil.which("initdb") and shutil.which("pg_ctl")) or bool(glob("/usr/lib/postgresql/*/bin/initdb"))


def _start_cluster() -> tuple[str, str]:
    """A throwaway cluster from .ci/postgres.sh: (url, state dir). /tmp, not pytest's tmp_path: as
    root the server runs as the postgres user, who must reach its socket folder."""
    state = tempfile.mkdtemp(prefix="causal-agent-pg-")
    proc = subprocess.run(["bash", str(SCRIPT), "start", state], capture_output=True, text=True, timeout=180)
    if proc.returncode != 0:
        subprocess.run(["bash", str(SCRIPT), "stop", state], capture_output=True, timeout=120)
        pytest.fail(f".ci/postgres.sh start failed: {proc.stderr.strip()}")
    return proc.stdout.strip().splitlines()[-1], state


def _stop_cluster(state: str) -> None:
    subprocess.run(["bash", str(SCRIPT), "stop", state], capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def server_url() -> str:
    url = os.environ.get(ENV_URL)
    if url:
        yield url
        return
    if not _have_server_binaries():
        pytest.skip(f"no PostgreSQL server binaries (initdb, pg_ctl) and no {ENV_URL}: install Debian's "
                    "postgresql package or point the variable at a server")
    url, state = _start_cluster()
    try:
        yield url
    finally:
        _stop_cluster(state)


def _with_db(url: str, db: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + db))


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{parts.username}:{password}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture(scope="module")
def fresh_db(server_url):
    """A factory of NEW empty databases on the server (dropped at the end); the server's own
    database when the role may not create one."""
    import psycopg

    made: list[str] = []

    def make() -> str:
        name = f"ca_test_{uuid.uuid4().hex[:10]}"
        try:
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.errors.InsufficientPrivilege:
            return server_url
        made.append(name)
        return _with_db(server_url, name)

    yield make
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def quiet_env(monkeypatch, tmp_path):
    """No user config, memory or question log leaks in (or out)."""
    monkeypatch.setenv("CAUSAL_AGENT_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("CAUSAL_AGENT_LOGS", "off")
    monkeypatch.delenv("CAUSAL_AGENT_MEMORY", raising=False)
    monkeypatch.delenv("CAUSAL_AGENT_RUN_ID", raising=False)
    return dict(os.environ)


def _tiny_record(key: str, dataset: str, **params):
    from causal_agent.graph import CausalGraph
    from causal_agent.memory import GraphRecord, Provenance

    graph = CausalGraph(nodes=["a", "b", "c"], kind="dag",
                        edges=[{"source": "a", "target": "b", "type": "-->"},
                               {"source": "b", "target": "c", "type": "-->"}])
    return GraphRecord(key=key, graph=graph,
                       provenance=Provenance(dataset=dataset, fingerprint="f" * 64, algorithm="pc", params=params))


# -- sharing between processes ---------------------------------------------------------------------

def test_a_graph_written_by_one_process_is_read_by_another(server_url, fresh_db, quiet_env, clinic_path):
    """The CLI in one process learns and stores the graph; an agent in this process reuses it."""
    from causal_agent import CausalAgent
    from causal_agent.context import Settings
    from causal_agent.memory import GraphMemory

    url = fresh_db()
    proc = subprocess.Popen(
        [sys.executable, "-m", "causal_agent", "ask", "learn the causal graph", "--data", str(clinic_path),
         "--memory", url, "--json", "--resamples", "0", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=quiet_env)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    written = json.loads(out)
    key = written["graph_key"]
    assert key == "clinic:pc" and written["graph"]["edges"]

    with GraphMemory.open(url) as memory:
        record = memory.get(key)
        assert record.provenance.writer is not None
        assert record.provenance.writer.pid == proc.pid  # the CLI process wrote it
        assert record.provenance.writer.host == socket.gethostname()
        agent = CausalAgent(memory=memory, settings=Settings(discovery_resamples=0))
        agent.load(clinic_path, name="clinic")
        answer = agent.ask("learn the causal graph")
    assert answer.graph_key == key
    assert answer.graph == written["graph"]
    assert "Reused graph 'clinic:pc' from memory" in answer.steps[0].output


_WORKER = r"""
import sys, time
from pathlib import Path
url, index, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
from causal_agent.graph import CausalGraph
from causal_agent.memory import GraphMemory, GraphRecord, Provenance
memory = GraphMemory.open(url, run_id=f"writer{index}")   # several first uses of an empty database at once
graph = CausalGraph(nodes=["a", "b", "c"], kind="dag", edges=[
    {"source": "a", "target": "b", "type": "-->"}, {"source": "b", "target": "c", "type": "-->"}])
records = [GraphRecord(key=f"w{index}_{j}:pc", graph=graph, provenance=Provenance(
    dataset=f"w{index}_{j}", fingerprint="f" * 64, algorithm="pc")) for j in range(20)]
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
for j, record in enumerate(records):
    memory.put(record)
    memory.put(GraphRecord(key="shared:pc", graph=graph, provenance=Provenance(
        dataset="shared", fingerprint="f" * 64, algorithm="pc", params={"writer": index, "j": j})))
memory.close()
print("done", flush=True)
"""


def test_four_processes_writing_twenty_graphs_each_at_once_lose_nothing(server_url, fresh_db, quiet_env, tmp_path):
    from causal_agent.memory import GraphMemory

    url = fresh_db()  # empty: the four also run the first-use setup at the same time
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, url, str(i), str(go)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=quiet_env) for i in range(4)]
    try:
        for p in procs:
            line = p.stdout.readline()
            assert line.strip() == "ready", p.stderr.read()
        go.touch()  # all four write from now on
        results = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0 and out.strip() == "done", err

    with GraphMemory.open(url) as memory:
        keys = memory.keys()
        wanted = {f"w{i}_{j}:pc" for i in range(4) for j in range(20)}
        assert wanted <= set(keys) and len(wanted) == 80
        assert set(keys) == wanted | {"shared:pc"}
        for record in memory.list():
            if record.key == "shared:pc":
                continue
            i = int(record.key[1])
            assert record.provenance.writer.run_id == f"writer{i}"
            assert record.provenance.writer.pid == procs[i].pid
        shared = memory.get("shared:pc")  # one whole record, from one writer's last write
        writer = shared.provenance.params["writer"]
        assert shared.provenance.writer.run_id == f"writer{writer}"
        assert shared.provenance.writer.pid == procs[writer].pid
        assert shared.provenance.params["j"] == 19


def test_the_last_writer_wins_and_provenance_names_it(server_url, fresh_db, quiet_env):
    from causal_agent.memory import GraphMemory

    url = fresh_db()
    with GraphMemory.open(url, run_id="first") as a, GraphMemory.open(url, run_id="second") as b:
        a.put(_tiny_record("same:pc", "same", note="a"))
        assert b.get("same:pc").provenance.writer.run_id == "first"
        b.put(_tiny_record("same:pc", "same", note="b"))
        got = a.get("same:pc")
    assert got.provenance.params == {"note": "b"}
    assert got.provenance.writer.run_id == "second"


def test_a_changed_dataset_invalidates_its_graph(server_url, fresh_db, quiet_env, tmp_path):
    """Same file name, changed values: the next agent (its own connection) learns the graph again
    and the stored record is the new data's."""
    import numpy as np
    import pandas as pd

    from causal_agent import CausalAgent
    from causal_agent.context import Settings
    from causal_agent.memory import GraphMemory

    url = fresh_db()
    rng = np.random.default_rng(3)
    a = rng.normal(size=300)
    b = 0.9 * a + rng.normal(size=300)
    c = 0.9 * b + rng.normal(size=300)
    path = tmp_path / "trial.csv"
    pd.DataFrame({"a": a, "b": b, "c": c}).to_csv(path, index=False)
    settings = Settings(discovery_resamples=0)

    with GraphMemory.open(url) as memory:
        first = CausalAgent(memory=memory, settings=settings)
        ds1 = first.load(path)
        assert first.ask("learn the causal graph").graph_key == "trial:pc"
    pd.DataFrame({"a": a, "b": rng.normal(size=300), "c": c}).to_csv(path, index=False)  # b no longer depends on a
    with GraphMemory.open(url) as memory:
        assert memory.get("trial:pc").provenance.fingerprint == ds1.fingerprint
        second = CausalAgent(memory=memory, settings=settings)
        ds2 = second.load(path)
        answer = second.ask("learn the causal graph")
        record = memory.get("trial:pc")
    assert ds2.fingerprint != ds1.fingerprint
    assert "Reused" not in answer.steps[0].output
    assert record.provenance.fingerprint == ds2.fingerprint
    assert not record.graph.has_edge("a", "b")


def test_conversation_threads_are_kept_in_the_same_database(server_url, fresh_db, quiet_env, clinic_path):
    """With a PostgreSQL memory the agent's checkpointer is a PostgresSaver on the same database: a
    thread asked through one connection is there for another."""
    from langgraph.checkpoint.postgres import PostgresSaver

    from causal_agent import CausalAgent
    from causal_agent.memory import GraphMemory

    url = fresh_db()
    thread = f"thread-{uuid.uuid4().hex[:8]}"
    first = CausalAgent(memory=url)
    assert isinstance(first.checkpointer, PostgresSaver)
    first.load(clinic_path, name="clinic")
    first.ask("Are smoking and coughing independent?", thread_id=thread)
    first.memory.close()
    with GraphMemory.open(url) as memory:
        other = CausalAgent(memory=memory)
        state = other.graph.get_state({"configurable": {"thread_id": thread}})
    texts = [str(m.content) for m in state.values["messages"]]
    assert texts[0] == "Are smoking and coughing independent?"
    assert len(texts) >= 3  # the question, the tool call and result, the answer


def test_a_dropped_connection_is_replaced(server_url, fresh_db, quiet_env):
    """The pool checks each connection before use: a server-side disconnect is invisible."""
    import psycopg

    from causal_agent.memory import GraphMemory

    url = fresh_db()
    with GraphMemory.open(url) as memory:
        memory.put(_tiny_record("one:pc", "one"))
        with psycopg.connect(url, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'causal-agent' "
                "AND datname = current_database() AND pid <> pg_backend_pid()").fetchall()
        assert killed
        assert memory.keys() == ["one:pc"]


@pytest.mark.skipif(not _have_server_binaries(), reason="needs PostgreSQL server binaries to start a server it may stop")
def test_a_server_that_goes_away_is_one_line(quiet_env):
    from causal_agent.errors import GraphError
    from causal_agent.memory import GraphMemory

    url, state = _start_cluster()
    try:
        memory = GraphMemory.open(url, connect_timeout=2)
        memory.put(_tiny_record("one:pc", "one"))
    finally:
        _stop_cluster(state)
    with pytest.raises(GraphError) as info:
        memory.keys()
    memory.close()
    message = str(info.value)
    assert "\n" not in message and "is the server still running?" in message
    assert urlsplit(url).password not in message


# -- one-line errors -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bad_urls(server_url: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (URL, phrases the one line must hold)."""
    parts = urlsplit(server_url)
    user = parts.username or "postgres"
    port = _free_port()
    return {
        "unreachable port": (f"postgresql://{user}:s3cret-pw@127.0.0.1:{port}/db",
                             [f"cannot connect to PostgreSQL at 127.0.0.1:{port}: connection refused",
                              "is the server running?", FORM]),
        "wrong password": (_with_password(server_url, "s3cret-pw"),
                           [f"refused the password of user {user!r}", "PGPASSWORD", FORM]),
        "missing database": (_with_db(server_url, "no_such_db"),  # the right password: the database is checked next
                             ["has no database 'no_such_db'", "createdb", FORM]),
        "malformed port": (f"postgresql://{user}:s3cret-pw@127.0.0.1:54x2/db",
                           ["has port '54x2', not a number", FORM]),
        "malformed host": ("postgresql://u:s3cret-pw@[::1/db", ["is malformed", FORM]),
        "scheme typo": ("postgresq://u:s3cret-pw@127.0.0.1/db", ["unsupported scheme 'postgresq'",
                                                                  "did you mean postgresql://?"]),
    }


@pytest.mark.parametrize("case", ["unreachable port", "wrong password", "missing database", "malformed port",
                                  "malformed host", "scheme typo"])
def test_bad_urls_are_one_line_naming_the_fix(server_url, quiet_env, capsys, case, clinic_path):
    from causal_agent.errors import GraphError
    from causal_agent.memory import GraphMemory

    url, phrases = _bad_urls(server_url)[case]
    if case == "wrong password" and not urlsplit(server_url).password:
        pytest.skip(f"{ENV_URL} has no password, so the server may not ask for one")
    with pytest.raises(GraphError) as info:
        GraphMemory.open(url)
    message = str(info.value)
    for phrase in phrases:
        assert phrase in message, message
    assert "\n" not in message and "s3cret-pw" not in message
    password = urlsplit(server_url).password
    assert not password or password not in message

    code, out, err = run_cli(capsys, "ask", "does smoking cause coughing?", "--data", str(clinic_path),
                             "--memory", url)
    assert code == 2 and out == ""
    assert err == f"error: {message}\n"


def test_the_env_variable_and_the_config_file_name_a_postgres_memory(server_url, quiet_env, capsys, clinic_path,
                                                                    monkeypatch, tmp_path):

    url, phrases = _bad_urls(server_url)["missing database"]
    monkeypatch.setenv("CAUSAL_AGENT_MEMORY", url)
    code, _, err = run_cli(capsys, "ask", "does smoking cause coughing?", "--data", str(clinic_path))
    assert code == 2 and err.count("\n") == 1 and phrases[0] in err
    monkeypatch.delenv("CAUSAL_AGENT_MEMORY")
    config = tmp_path / "config.toml"
    config.write_text(f'memory = "{url}"\n', encoding="utf-8")
    monkeypatch.setenv("CAUSAL_AGENT_CONFIG", str(config))
    code, _, err = run_cli(capsys, "ask", "does smoking cause coughing?", "--data", str(clinic_path))
    assert code == 2 and err.count("\n") == 1 and phrases[0] in err


def test_the_location_never_shows_the_password(server_url, fresh_db, quiet_env):
    from causal_agent.memory import GraphMemory

    url = fresh_db()
    password = urlsplit(url).password
    with GraphMemory.open(url) as memory:
        assert memory.kind == "postgres"
        shown = f"{memory.location} {memory!r}"
    assert "postgresql://" in shown and urlsplit(url).hostname in shown
    if password:
        assert password not in shown and ":***@" in shown


# -- without a server ------------------------------------------------------------------------------

def test_without_the_postgres_extra_the_error_names_the_install(quiet_env):
    code = ("import sys; sys.modules['psycopg'] = None\n"
            "from causal_agent.memory import GraphMemory\n"
            "from causal_agent.errors import GraphError\n"
            "try:\n    GraphMemory.open('postgresql://u:s3cret-pw@127.0.0.1:1/db')\n"
            "except GraphError as exc:\n    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=quiet_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1
    assert "pip install 'causal-agent-kit[postgres]'" in proc.stdout and "psycopg" in proc.stdout


@pytest.mark.parametrize("spec, kind, target", [
    (None, "memory", ":memory:"), (":memory:", "memory", ":memory:"), ("sqlite://", "memory", ":memory:"),
    ("graphs.sqlite", "sqlite", "graphs.sqlite"), ("sqlite:///rel/g.db", "sqlite", "rel/g.db"),
    ("sqlite:////abs/g.db", "sqlite", "/abs/g.db"),
    ("postgresql://u:pw@h:5432/db", "postgres", "postgresql://u:pw@h:5432/db"),
    ("postgres://u@h/db", "postgres", "postgres://u@h/db"),
])
def test_memory_locations(spec, kind, target):
    from causal_agent.stores import parse_location

    loc = parse_location(spec)
    assert (loc.kind, loc.target) == (kind, target)
    assert "pw" not in loc.shown


def test_the_checkpointer_matches_the_store(tmp_path, quiet_env, clinic_path):
    """In memory: a new InMemorySaver per agent. SQLite: a SqliteSaver on the same file, so a
    thread is still there when the file is opened again."""
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.checkpoint.sqlite import SqliteSaver

    from causal_agent import CausalAgent
    from causal_agent.memory import GraphMemory

    memory = GraphMemory()
    assert isinstance(memory.checkpointer(), InMemorySaver)
    assert memory.checkpointer() is not memory.checkpointer()

    db = tmp_path / "m.sqlite"
    agent = CausalAgent(memory=str(db))
    assert isinstance(agent.checkpointer, SqliteSaver)
    assert agent.memory.checkpointer() is agent.checkpointer
    agent.load(clinic_path, name="clinic")
    agent.ask("Are smoking and coughing independent?", thread_id="t1")
    agent.memory.close()
    with GraphMemory.open(f"sqlite:///{db}") as again:
        state = CausalAgent(memory=again).graph.get_state({"configurable": {"thread_id": "t1"}})
    assert str(state.values["messages"][0].content) == "Are smoking and coughing independent?"
