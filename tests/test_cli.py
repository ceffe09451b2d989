"""The command line: JSON contract, bad input as one clear line, lazy imports, plugins listing."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from causal_agent.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_does_not_import_heavy_libraries():
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "causal_agent", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "ask" in proc.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert not imported & {"causallearn", "dowhy", "langgraph", "pandas"}, imported & {
        "causallearn", "dowhy", "langgraph", "pandas"}


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
    assert all({"name", "version", "tools"} <= set(p) for p in plugins)


def test_demo_runs(capsys):
    code, out, err = run_cli(capsys, "demo", "--json")
    assert code == 0, err
    answers = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(answers) >= 9
    assert all(a["model_calls"] <= 2 for a in answers)
    assert all(a["answer"] or a["graph"] or a["effect"] for a in answers)
