"""Bounded work: only regular local files under a size cap are read (no FIFO, device, socket, URL
or other format), ``--include`` analyses a column the profiler left out, and discovery estimates
its cost before it starts, refusing above the budget with choices. The CLI plumbs the flags."""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from causal_agent.context import Settings
from causal_agent.data import load_dataset, max_file_bytes, parse_size
from causal_agent.errors import DataError, VariableError
from cli_helpers import run_cli
from causal_agent.examples.synthetic import sparse_linear_frame as linear_frame




def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def load_within(path: Path, seconds: float = 60.0, **kwargs) -> BaseException | None:
    """Load ``path`` on a thread; fail the test if it has not returned within ``seconds`` (a
    generous bound: it proves there is no hang, not a speed)."""
    result: list[BaseException | None] = []

    def work() -> None:
        try:
            load_dataset(path, **kwargs)
            result.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            result.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(seconds)
    assert result, f"loading {path} did not return within {seconds} s"
    return result[0]




# ---- files -------------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    exc = load_within(fifo)
    assert isinstance(exc, DataError) and "\n" not in str(exc)
    assert str(exc).startswith(f"{fifo} is a named pipe (FIFO), not a data file")
    fifo2 = tmp_path / "pipe"  # no suffix: the text reader would have opened it
    os.mkfifo(fifo2)
    assert "named pipe" in str(load_within(fifo2))


def test_devices_and_sockets_are_refused(tmp_path):
    if Path("/dev/zero").exists():
        exc = load_within(Path("/dev/zero"))
        assert isinstance(exc, DataError) and "/dev/zero is a character device" in str(exc)
    if Path("/dev/null").exists():
        assert "character device" in str(load_within(Path("/dev/null")))
    sock_path = tmp_path / "s.csv"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(sock_path))
        exc = load_within(sock_path)
    assert isinstance(exc, DataError) and "is a socket, not a data file" in str(exc)
    assert "regular files only" in str(exc)


def test_size_cap_default_env_and_flag(tmp_path, monkeypatch, clinic_path):
    monkeypatch.delenv("CAUSAL_AGENT_MAX_FILE_BYTES", raising=False)
    assert max_file_bytes() == 1 << 30
    with pytest.raises(DataError) as err:
        load_dataset(clinic_path, max_bytes=1000)
    text = one_line(err)
    assert "clinic.csv is 109.9 KiB, over the 1000 bytes limit" in text and "--max-file-size 1M" in text
    monkeypatch.setenv("CAUSAL_AGENT_MAX_FILE_BYTES", "10K")
    with pytest.raises(DataError, match="over the 10.0 KiB limit.*CAUSAL_AGENT_MAX_FILE_BYTES"):
        load_dataset(clinic_path)
    assert load_dataset(clinic_path, max_bytes=parse_size("1M")).n_rows > 0  # an explicit cap wins
    monkeypatch.setenv("CAUSAL_AGENT_MAX_FILE_BYTES", "lots")
    with pytest.raises(DataError, match="CAUSAL_AGENT_MAX_FILE_BYTES='lots': give a size"):
        load_dataset(clinic_path)


def test_size_cap_through_the_cli_and_the_agent(capsys, monkeypatch, clinic_path):
    monkeypatch.delenv("CAUSAL_AGENT_MAX_FILE_BYTES", raising=False)
    code, out, err = run_cli(capsys, "ask", "-d", str(clinic_path), "--max-file-size", "50K",
                             "Are age and stress independent?")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "over the 50.0 KiB limit on data files; raise it with --max-file-size 1M" in err
    code, out, err = run_cli(capsys, "ask", "-d", str(clinic_path), "--max-file-size", "2M", "--json",
                             "Are age and stress independent?")
    assert code == 0 and json.loads(out)["answer"] == "yes"
    from causal_agent import CausalAgent

    with pytest.raises(DataError, match="over the 100 bytes limit"):
        CausalAgent(settings=Settings(max_file_bytes=100)).load(clinic_path)


def test_a_gzip_bomb_stops_at_the_cap(tmp_path):
    bomb = tmp_path / "big.csv.gz"
    body = b"a,b\n" + b"1,2\n" * 300_000  # 1.2 MB of text, a few KB compressed
    bomb.write_bytes(gzip.compress(body))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(DataError) as err:
        load_dataset(bomb, max_bytes=100_000)
    assert "holds more than 97.7 KiB decompressed" in one_line(err)
    assert load_dataset(bomb, max_bytes=2_000_000).n_rows == 300_000


@pytest.mark.parametrize("text, size", [("1000", 1000), ("500M", 500 << 20), ("4G", 4 << 30),
                                        ("2GiB", 2 << 30), ("1.5k", 1536), ("10 MB", 10 << 20)])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "-1G", "0", "4Q", ""])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize("url", ["https://example.com/data.csv", "http://example.com/x", "s3://bucket/key.csv",
                                 "ftp://host/x.csv", "gs://b/x.parquet"])
def test_urls_say_local_files_only(url):
    with pytest.raises(DataError) as err:
        load_dataset(url)
    assert one_line(err) == (f"causal-agent reads local files only, not {url}: download it first"
                             f" (e.g. curl -O {url}) and pass the file")


def test_file_urls_are_local_paths(clinic_path):
    assert load_dataset(Path(clinic_path).as_uri()).n_rows == load_dataset(clinic_path).n_rows


def test_json_and_other_formats_say_what_is_read(tmp_path):
    records = [{"a": i, "b": 2 * i} for i in range(20)]
    (tmp_path / "d.json").write_text(json.dumps(records))
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path / "d.json")
    text = one_line(err)
    assert text.startswith("d.json is JSON; causal-agent reads CSV, TSV, TXT and Parquet files: convert it")
    assert "pd.read_json('d.json').to_csv('d.csv', index=False)" in text
    # JSON under a CSV name: the content decides, and the suggested output never overwrites it
    (tmp_path / "e.csv").write_text(json.dumps(records))
    with pytest.raises(DataError, match=r"e.csv is JSON;.*to_csv\('e-table.csv'"):
        load_dataset(tmp_path / "e.csv")
    (tmp_path / "f.txt").write_text("\n".join(json.dumps(r) for r in records))
    with pytest.raises(DataError, match=r"f.txt is JSON lines;.*read_json\('f.txt', lines=True\)"):
        load_dataset(tmp_path / "f.txt")
    (tmp_path / "g.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 100)  # an .xlsx renamed
    with pytest.raises(DataError, match="g.csv is an Excel workbook; .*save it as CSV"):
        load_dataset(tmp_path / "g.csv")
    (tmp_path / "h.feather").write_bytes(b"ARROW1")
    with pytest.raises(DataError, match="h.feather is Feather; .*read_feather"):
        load_dataset(tmp_path / "h.feather")
    # a CSV whose first header cell starts with a bracket is still a CSV
    (tmp_path / "ok.csv").write_text("[a],b\n" + "".join(f"{i},{i % 3}\n" for i in range(20)))
    assert load_dataset(tmp_path / "ok.csv").columns == ["[a]", "b"]


# ---- --include ----------------------------------------------------------------------------------
def _with_ids(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    code = rng.integers(0, 4, size=n)  # an ID-named column that carries signal
    return pd.DataFrame({"row": np.arange(n), "site_id": code, "age": rng.normal(size=n),
                         "y": code + rng.normal(scale=0.5, size=n), "const": np.ones(n)})


def test_include_analyses_excluded_columns():
    plain = load_dataset(_with_ids())
    assert {"row", "site_id", "const"} <= set(plain.profile.excluded)
    ds = load_dataset(_with_ids(), include=["site_id", "Row"])
    assert "site_id" in ds.variables and "row" in ds.variables and "const" not in ds.variables
    assert ds.kind("site_id") == "discrete" and ds.kind("row") == "continuous"
    assert any("'site_id' is analysed as asked (--include)" in n for n in ds.profile.notes)
    with pytest.raises(DataError) as err:
        load_dataset(_with_ids(), include=["const"])
    assert "column 'const' of dataset data cannot be analysed even with --include: constant" in one_line(err)
    with pytest.raises(VariableError):
        load_dataset(_with_ids(), include=["nonexistent_column"])
    # a setting that covers several files: names other files have are no error
    assert "site_id" in load_dataset(_with_ids(), include=["site_id", "elsewhere"],
                                     include_if_present=True).variables


def test_include_through_the_cli_and_settings(capsys, tmp_path):
    path = tmp_path / "sites.csv"
    _with_ids().to_csv(path, index=False)
    code, out, err = run_cli(capsys, "ask", "-d", str(path), "--json", "Are site_id and y independent?")
    assert code == 0 and json.loads(out)["answer"] is None  # left out: explained, not tested
    code, out, err = run_cli(capsys, "ask", "-d", str(path), "--include", "site_id", "--json",
                             "Are site_id and y independent?")
    assert code == 0, err
    assert json.loads(out)["answer"] == "no"  # y depends on site_id
    code, out, err = run_cli(capsys, "ask", "-d", str(path), "--include", "sight_id", "Are a and b independent?")
    assert code == 2 and err.count("\n") == 1 and "--include 'sight_id' is not a column" in err
    assert "site_id" in err
    from causal_agent import CausalAgent

    agent = CausalAgent(settings=Settings(include=["site_id"]))
    assert "site_id" in agent.load(path).variables
    assert agent.load(_with_ids().drop(columns=["site_id"]), name="other").n_rows == 300


# ---- discovery budget -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wide_agent():
    from causal_agent import CausalAgent

    agent = CausalAgent(settings=Settings(discovery_budget_s=0.05, discovery_resamples=0))
    agent.load(linear_frame(40), name="wide")
    return agent


def test_estimate_cost_from_n_p_and_the_test(algorithms):
    from causal_agent.discover import estimate_cost

    data = linear_frame(30).to_numpy()
    pc = estimate_cost(algorithms["pc"], data, run_test="fisherz", algorithms=algorithms, budget_s=1e-4)
    assert pc.seconds > 0 and pc.tests >= 30 * 29 / 2 and 0 < pc.dependent_share < 1
    assert pc.fits_variables is not None and 2 <= pc.fits_variables < 30
    fci = estimate_cost(algorithms["fci"], data, run_test="fisherz", algorithms=algorithms)
    assert "x2 for FCI" in fci.how  # its declared cost over PC's
    ges = estimate_cost(algorithms["ges"], data)
    assert ges.tests is None and abs(ges.seconds - 0.5 * 200 * 30**3 * 2e-7) < 1e-9
    assert estimate_cost(algorithms["ges"], np.zeros((200, 60))).seconds == pytest.approx(8 * ges.seconds)


def test_over_budget_discovery_is_not_started(wide_agent):
    from causal_agent.discover import DiscoveryBudgetError, discover

    with pytest.raises(DiscoveryBudgetError) as err:
        discover(wide_agent.context, "wide")
    text = one_line(err)
    assert text.startswith("Discovery not started: learning the graph over 40 variables x 200 rows with PC")
    assert "over the 0.05 s budget" in text and "CI tests at" in text
    assert "e.g. 'draw the causal graph over x1, x2, x3'" in text
    assert "--budget " in text and "Settings.discovery_budget_s" in text
    assert not list(wide_agent.memory.list())  # nothing was learned or stored
    answer = wide_agent.ask("Draw the causal graph")
    assert answer.graph is None and "Discovery not started" in answer.explanation


def test_a_partial_graph_over_budget_is_learned_on_its_columns(wide_agent):
    from causal_agent.discover import discover

    result = discover(wide_agent.context, "wide", ["x1", "x2", "x3"])
    assert sorted(result.graph.nodes) == ["x1", "x2", "x3"]
    assert any("learned on its 3 columns alone" in n for n in result.notes)
    assert "over the 0.05 s budget" in result.summary


def test_budget_zero_means_no_limit_and_the_cli_flag(capsys, tmp_path):
    from causal_agent import CausalAgent
    from causal_agent.discover import discover

    agent = CausalAgent(settings=Settings(discovery_budget_s=0, discovery_resamples=0))
    agent.load(linear_frame(12), name="small")
    assert len(discover(agent.context, "small").graph.nodes) == 12
    path = tmp_path / "wide.csv"
    linear_frame(40).to_csv(path, index=False)
    code, out, err = run_cli(capsys, "ask", "-d", str(path), "--budget", "0.05", "--resamples", "0",
                             "--json", "Draw the causal graph")
    obj = json.loads(out)
    assert code == 0 and obj["graph"] is None and "over the 0.05 s budget" in obj["explanation"]
    assert "a larger budget: --budget" in obj["explanation"]
    code, out, err = run_cli(capsys, "ask", "-d", str(path), "--budget", "600", "--resamples", "0",
                             "--json", "Draw the causal graph")
    assert code == 0 and len(json.loads(out)["graph"]["nodes"]) == 40


def test_ask_shows_progress_on_stderr_only(capsys, clinic_path):
    code, out, err = run_cli(capsys, "ask", "-d", str(clinic_path), "--json", "--progress",
                             "Draw the causal graph over age, stress and smoking")
    assert code == 0
    assert json.loads(out)["graph"] is not None  # stdout: exactly one JSON object
    lines = err.splitlines()
    assert lines[0].startswith("▸ discover_graph(") and any(ln.startswith("  ✓ ") for ln in lines)
    code, out, err = run_cli(capsys, "ask", "-d", str(clinic_path), "--json", "--no-progress",
                             "Are age and stress independent?")
    assert code == 0 and err == "" and json.loads(out)["answer"] == "yes"


# ---- flags for the other parts ------------------------------------------------------------------
def test_flags_reach_settings(capsys, clinic_path, monkeypatch, tmp_path):
    import causal_agent.agent as agent_module
    import causal_agent.repl as repl_module

    seen = {}
    original = agent_module.CausalAgent.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen["settings"] = self.settings

    monkeypatch.setattr(agent_module.CausalAgent, "__init__", spy)
    code, out, err = run_cli(capsys, "ask", "-d", str(clinic_path), "--json", "--export-dir", str(tmp_path / "ex"),
                             "--allow-destructive", "--budget", "15", "--include", "patient_id",
                             "--max-file-size", "5M", "Are age and stress independent?")
    assert code == 0, err
    s = seen["settings"]
    assert (s.export_dir, s.allow_destructive, s.discovery_budget_s, s.include, s.max_file_bytes) == (
        str(tmp_path / "ex"), True, 15.0, ["patient_id"], 5 << 20)
    calls = {}
    monkeypatch.setattr(repl_module, "run_chat", lambda **kw: calls.setdefault("chat", kw))
    assert run_cli(capsys, "chat", "--export-dir", "out", "--budget", "5", "--include", "a", "--include", "b")[0] == 0
    chat = calls["chat"]["settings"]
    assert (chat.export_dir, chat.allow_destructive, chat.discovery_budget_s, chat.include) == (
        "out", False, 5.0, ["a", "b"])
    assert run_cli(capsys, "ask", "-d", str(clinic_path), "--export-dir", " ", "q")[0] == 2
