"""The command line: JSON contract, bad input as one clear line, lazy imports, plugins listing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from causal_agent.cli import main
from causal_agent.hookspecs import hookimpl
from cli_helpers import run_cli




HEAVY = {"causallearn", "dowhy", "langgraph", "langchain", "langchain_core", "pandas", "mcp", "ray", "psycopg", "uvicorn"}


def _commands(help_text: str) -> list[str]:
    """Command names in the rows of the help's Commands panel."""
    panel = help_text.split("Commands", 1)[-1]
    return [line.strip("│ ").split(" ", 1)[0] for line in panel.splitlines() if line.startswith("│ ")]


def test_help_does_not_import_heavy_libraries():
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "causal_agent", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "ask" in proc.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert not imported & HEAVY, imported & HEAVY
    # eval comes from the evals plugin, models and plugins from the core
    assert {"ask", "chat", "plugins", "models", "eval"} <= set(_commands(proc.stdout))


def test_core_cli_does_not_import_the_evals_package():
    source = Path(sys.modules[main.__module__].__file__).read_text(encoding="utf-8")
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    assert not {m for m in modules if m.split(".")[0] == "causal_agent_evals"}
    assert "causal_agent_evals" not in source


def test_eval_help_and_usage_errors_are_short(capsys):
    code, out, _ = run_cli(capsys, "eval", "--help")
    assert code == 0 and "--suite" in out
    code, out, err = run_cli(capsys, "no-such-command")
    assert code == 2 and "Traceback" not in err and "no-such-command" in err
    # a second run in the same process builds a new app: eval is registered once, not twice
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0 and _commands(out).count("eval") == 1


def test_ask_json_is_one_object(capsys, clinic_path):
    code, out, err = run_cli(capsys, "ask", "--data", str(clinic_path), "--json", "Does smoking directly cause lung cancer?")
    assert code == 0, err
    obj = json.loads(out)  # exactly one JSON object on stdout
    assert obj["answer"] == "yes" and obj["graph"] is None and obj["effect"] is None
    assert obj["model_calls"] == 2 and isinstance(obj["elapsed_s"], float)
    assert {"tool", "args", "output"} <= set(obj["steps"][0])


def test_ask_effect_and_graph_json(capsys, clinic_path):
    code, out, _ = run_cli(capsys, "ask", "-d", str(clinic_path), "--json", "What is the effect of smoking on lung cancer from 0 to 2?")
    eff = json.loads(out)["effect"]
    assert code == 0 and eff["treatment"] == "smoking" and eff["outcome"] == "lung_cancer"
    assert (eff["t0"], eff["t1"]) == (0.0, 2.0) and abs(eff["estimate"] - 1.6) < 0.16
    assert set(eff) >= {"estimate", "ci_low", "ci_high", "method", "treatment", "outcome", "t0", "t1"}
    code, out, _ = run_cli(capsys, "ask", "-d", str(clinic_path), "--json", "Draw the causal graph over age, stress and smoking")
    graph = json.loads(out)["graph"]
    assert sorted(graph["nodes"]) == ["age", "smoking", "stress"]
    assert all(e["type"] in {"-->", "---", "<->", "o->", "o-o"} for e in graph["edges"])


def test_semicolon_csv_with_id_and_headerless_columns(capsys, tmp_path, clinic_frame):
    semi = tmp_path / "semi.csv"
    frame = clinic_frame.rename(columns={"patient_id": "id"})
    frame.to_csv(semi, sep=";", index=False)
    code, out, err = run_cli(capsys, "ask", "-d", str(semi), "--json", "Are stress and age independent?")
    assert code == 0, err and json.loads(out)["answer"] == "yes"
    assert json.loads(out)["answer"] == "yes"
    bare = tmp_path / "bare.csv"
    clinic_frame[["age", "stress", "smoking"]].to_csv(bare, header=False, index=False)
    code, out, err = run_cli(
        capsys, "ask", "-d", str(bare), "--columns", "Age,Stress,Smoking", "--json", "Is Smoking independent of Stress?"
    )
    assert code == 0, err
    assert json.loads(out)["answer"] == "no"


@pytest.mark.parametrize(
    "make, expect",
    [
        (lambda p: None, "not found"),
        (lambda p: p.write_text(""), "empty"),
        (lambda p: p.write_text("a,b\n1,1\n2,2\n"), "rows"),
    ],
)
def test_bad_files_are_one_line(capsys, tmp_path, make, expect):
    path = tmp_path / "data.csv"
    make(path)
    code, out, err = run_cli(capsys, "ask", "-d", str(path), "Are a and b independent?")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert expect in err.lower()


def test_unknown_variable_error_suggests(capsys, tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "d.csv"
    pd.DataFrame(rng.normal(size=(200, 3)), columns=["income", "education", "health"]).to_csv(path, index=False)
    code, out, err = run_cli(capsys, "ask", "-d", str(path), "--json", "Is income independent of wealthiness?")
    assert code == 0  # the planner explains what it could not find instead of guessing
    obj = json.loads(out)
    assert obj["answer"] is None and obj["steps"] == []
    assert "wealthiness" in obj["explanation"].lower() or "variable" in obj["explanation"].lower()


def test_plugins_json_lists_tools(capsys):
    code, out, _ = run_cli(capsys, "plugins", "--json")
    assert code == 0
    plugins = json.loads(out)
    with_tools = [p for p in plugins if p["tools"]]
    assert len(with_tools) >= 4 and sum(len(p["tools"]) for p in plugins) >= 5
    assert all({"name", "version", "source", "tools", "intents", "algorithms"} <= set(p) for p in plugins)


class _IntentForAMissingTool:
    """A plugin registering an intent for a tool nobody loads: a warning, not a crash."""

    @hookimpl
    def register_intents(self, register):  # noqa: ANN001, ANN201
        register("no_such_tool", examples=["count the rows of {dataset}"])


def test_plugins_table_shows_registrations_and_warnings(capsys, monkeypatch):
    import causal_agent.plugins as host

    real = host.make_plugin_manager
    monkeypatch.setattr(host, "make_plugin_manager", lambda extra=(): real([*extra, _IntentForAMissingTool()]))
    code, out, err = run_cli(capsys, "plugins")
    assert code == 0, err
    header = next(line for line in out.splitlines() if "plugin" in line and "version" in line)
    assert {"source", "tools", "algorithms", "models"} <= set(header.replace("┃", " ").split())
    assert "discover_graph" in out and " pc " in out and " offline " in out
    assert "warning:" in out and "no_such_tool" in out


def test_models_lists_prefixes_and_the_default(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CAUSAL_AGENT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CAUSAL_AGENT_MODEL", "openai:gpt-4o-mini")
    code, out, err = run_cli(capsys, "models", "--json")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["default"] == "openai:gpt-4o-mini"
    assert {"offline", "openai"} <= {m["prefix"] for m in obj["models"]}
    assert all({"prefix", "description", "plugin", "prompt", "text_tool_calls", "base_url", "timeout",
                "retries"} == set(m) and m["description"] for m in obj["models"])
    monkeypatch.delenv("CAUSAL_AGENT_MODEL")
    code, out, _ = run_cli(capsys, "models")
    assert code == 0 and "offline" in out and "openai:<model>" in out and "default: offline" in out


def test_demo_runs(capsys):
    code, out, err = run_cli(capsys, "demo", "--json")
    assert code == 0, err
    answers = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(answers) >= 9
    assert all(a["model_calls"] <= 2 for a in answers)
    assert all(a["answer"] or a["graph"] or a["effect"] for a in answers)


# -- small-model ergonomics: --timeout, --retries, --max-tokens, --prompt, --[no-]text-tool-calls ----
@pytest.fixture()
def no_model_env(monkeypatch, tmp_path):
    for name in ("CAUSAL_AGENT_MODEL", "CAUSAL_AGENT_BASE_URL", "CAUSAL_AGENT_TIMEOUT", "CAUSAL_AGENT_RETRIES",
                 "CAUSAL_AGENT_MAX_TOKENS", "CAUSAL_AGENT_PROMPT", "CAUSAL_AGENT_TEXT_TOOL_CALLS",
                 "CAUSAL_AGENT_MEMORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAUSAL_AGENT_CONFIG", str(tmp_path / "none.toml"))


def test_models_shows_the_local_prefixes_with_their_defaults(capsys, no_model_env):
    code, out, err = run_cli(capsys, "models", "--json")
    assert code == 0, err
    by_prefix = {m["prefix"]: m for m in json.loads(out)["models"]}
    assert {"offline", "openai", "ollama", "llamacpp", "lmstudio"} <= set(by_prefix)
    assert by_prefix["ollama"]["base_url"] == "http://localhost:11434/v1"
    assert (by_prefix["llamacpp"]["prompt"], by_prefix["llamacpp"]["timeout"]) == ("compact", 300.0)
    code, out, _ = run_cli(capsys, "models")
    assert code == 0
    for text in ("ollama:<model>", "llamacpp:<model>", "lmstudio:<model>", "http://localhost:11434/v1",
                 "http://localhost:8080/v1", "compact", "300 s", "default base URL"):
        assert text in out, text


def test_help_lists_the_prefixes_and_the_wait_flags(capsys):
    code, out, _ = run_cli(capsys, "ask", "--help")
    assert code == 0
    flat = " ".join(out.split())
    for text in ("ollama:", "llamacpp:", "lmstudio:", "openai:", "--timeout", "--retries", "--max-tokens",
                 "--prompt", "--no-text-tool"):
        assert text in flat, text


@pytest.mark.parametrize("flags, expect", [
    (["--timeout", "0"], "error: --timeout must be a number of seconds > 0, not 0.0"),
    (["--prompt", "tiny"], "error: --prompt must be 'compact' or 'full', not 'tiny'"),
    (["--retries", "-1"], "error: --retries must be a whole number >= 0, not -1"),
])
def test_bad_wait_flags_are_one_line(capsys, clinic_path, no_model_env, flags, expect):
    code, out, err = run_cli(capsys, "ask", "Are stress and age independent?", "-d", str(clinic_path), *flags)
    assert code == 2 and err.strip() == expect and not out


def test_ask_passes_the_flags_through_model_config(capsys, clinic_path, no_model_env, monkeypatch):
    """The CLI builds the ModelConfig from its flags and hands it to CausalAgent(model_config=...);
    the request the llama.cpp-style server sees carries max_tokens and the model name."""
    from openai_stub import ScriptedOpenAI

    import causal_agent.agent as agent_module

    seen = {}
    original = agent_module.CausalAgent.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen["config"], seen["options"] = kwargs.get("model_config"), self.model_options

    monkeypatch.setattr(agent_module.CausalAgent, "__init__", spy)
    with ScriptedOpenAI(lambda body: {"content": "I cannot tell."}) as server:
        code, out, err = run_cli(
            capsys, "ask", "Are stress and age independent?", "-d", str(clinic_path), "--json",
            "--model", "llamacpp:", "--base-url", server.base_url, "--timeout", "45", "--retries", "0",
            "--max-tokens", "64", "--prompt", "full", "--no-text-tool-calls")
    assert code == 0, err
    json.loads(out)
    cfg, opts = seen["config"], seen["options"]
    assert (cfg.model, cfg.timeout, cfg.retries, cfg.max_tokens, cfg.prompt, cfg.text_tool_calls) == (
        "llamacpp:", 45.0, 0, 64, "full", False)
    assert (opts.prompt, opts.text_tool_calls, opts.timeout, opts.retries, opts.base_url) == (
        "full", False, 45.0, 0, server.base_url)
    assert server.requests and all(r["max_tokens"] == 64 and r["model"] == "default" for r in server.requests)


def test_demo_and_chat_pass_model_config(capsys, no_model_env, monkeypatch):
    import causal_agent.demo as demo_module
    import causal_agent.repl as repl_module

    calls = {}
    monkeypatch.setattr(demo_module, "run_demo", lambda **kw: calls.setdefault("demo", kw))
    monkeypatch.setattr(repl_module, "run_chat", lambda **kw: calls.setdefault("chat", kw))
    assert run_cli(capsys, "demo", "--model", "ollama:m", "--timeout", "9", "--prompt", "full")[0] == 0
    assert run_cli(capsys, "chat", "--model", "ollama:m", "--retries", "3", "--text-tool-calls")[0] == 0
    demo_cfg, chat_cfg = calls["demo"]["model_config"], calls["chat"]["model_config"]
    assert (demo_cfg.model, demo_cfg.timeout, demo_cfg.prompt) == ("ollama:m", 9.0, "full")
    assert (chat_cfg.model, chat_cfg.retries, chat_cfg.text_tool_calls) == ("ollama:m", 3, True)


def test_chat_session_builds_its_agent_from_model_config(tmp_path, no_model_env):
    import io

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from causal_agent.config import load_config
    from causal_agent.repl import run_chat

    cfg = load_config(timeout=11, max_tokens=99)
    with create_pipe_input() as pipe:
        pipe.send_text("/quit\r")
        session = run_chat(input=pipe, output=DummyOutput(), history_path=tmp_path / "h", file=io.StringIO(),
                           model_config=cfg)
    agent = session.agent(quiet=True)
    assert agent is not None and agent.config is cfg


def test_ask_against_a_silent_server_ends_with_one_line(capsys, clinic_path, no_model_env):
    """--timeout bounds the wait: a server that accepts and never replies ends the run with one
    line naming the endpoint, the wait and the tries (the real figure: benchmarks/bench_model_wait.py)."""
    import socket
    import threading
    import time

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    conns = []

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conns.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    started = time.monotonic()
    try:
        code, out, err = run_cli(capsys, "ask", "Are stress and age independent?", "-d", str(clinic_path),
                                 "--model", "llamacpp:x", "--base-url", url, "--timeout", "2", "--retries", "0")
    finally:
        sock.close()
        for conn in conns:
            conn.close()
    assert time.monotonic() - started < 30
    assert code == 2 and not out
    line = err.strip()
    assert "\n" not in line and line.startswith(f"error: no reply from {url} in 2 s (1 try)")
