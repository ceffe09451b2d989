"""A local model through the whole agent: the compact prompt it is sent, and the bounded wait
on the command line (`--timeout 2 --retries 0`). The backends' own defaults and errors are
tested in test_model_backends and test_config."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from openai_stub import ScriptedOpenAI, tool_call


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch, tmp_path):
    monkeypatch.setenv("CAUSAL_AGENT_CONFIG", str(tmp_path / "none.toml"))
    for var in ("CAUSAL_AGENT_MODEL", "CAUSAL_AGENT_BASE_URL", "CAUSAL_AGENT_TIMEOUT", "CAUSAL_AGENT_RETRIES",
                "CAUSAL_AGENT_MAX_TOKENS", "CAUSAL_AGENT_PROMPT", "CAUSAL_AGENT_TEXT_TOOL_CALLS", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)


def test_a_local_model_gets_the_compact_prompt_end_to_end(clinic_path):
    from causal_agent import CausalAgent
    from causal_agent.context import Settings

    def script(body):
        if any(m["role"] == "tool" for m in body["messages"]):
            return {"content": "Independent.\nANSWER: yes"}
        return {"content": None, "tool_calls": [tool_call("test_independence", {"x": "stress", "y": "age"}, "c")]}

    with ScriptedOpenAI(script) as server:
        agent = CausalAgent(model="llamacpp:", base_url=server.base_url, settings=Settings(discovery_resamples=0))
        agent.load(clinic_path, name="clinic")
        ans = agent.ask("Are stress and age independent?")
    first = server.requests[0]
    names = [t["function"]["name"] for t in first["tools"]]
    assert "test_independence" in names and len(names) <= 4
    assert first["max_tokens"] == 1024
    assert first["messages"][0]["content"].startswith("You are causal-agent: you answer")
    assert len(json.dumps(first["tools"])) + len(first["messages"][0]["content"]) < 4500
    assert ans.answer == "yes" and agent.model_options.prompt == "compact"


class _Silent:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.conns: list[socket.socket] = []
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)  # held open, never written to
            except OSError:
                continue

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def close(self) -> None:
        self.stop.set()
        for c in self.conns:
            c.close()
        self.sock.close()


def test_a_server_that_never_replies_costs_one_bounded_wait_and_one_line(clinic_path):
    """``--timeout 2 --retries 0`` against a silent server: one line naming the URL, the wait and
    the tries. (The bound here is generous; benchmarks/bench_model_wait.py prints the real figure.)"""
    silent = _Silent()
    url = silent.url
    try:
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "causal_agent", "ask", "Are stress and age independent?", "--data",
             str(clinic_path), "--model", "llamacpp:", "--base-url", silent.url, "--timeout", "2", "--retries", "0"],
            capture_output=True, text=True, timeout=120,
        )
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 2 and len(lines) == 1, run.stderr
    assert lines[0] == (f"error: no reply from {url} in 2 s (1 try); a cold local model can take "
                        "minutes: raise --timeout (now 2 s) or check the server")
    assert elapsed < 60



