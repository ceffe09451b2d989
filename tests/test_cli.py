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


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


HEAVY = {"causallearn", "dowhy", "langgraph", "langchain", "langchain_core", "pandas"}


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
    assert all(set(m) == {"prefix", "description", "plugin"} and m["description"] for m in obj["models"])
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
