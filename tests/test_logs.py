"""The question log: every question asked through ``CausalAgent`` (``ask``, the REPL's stream, the
Python API) lands in SQLite without data values, ``causal-agent logs`` reads it newest first, and
``logs off`` stops it. The conftest points ``CAUSAL_AGENT_LOGS`` at a file of each test's own."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cli_helpers import run_cli


@pytest.fixture()
def no_config(tmp_path, monkeypatch) -> Path:
    """A config file of the test's own (not yet written)."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("CAUSAL_AGENT_CONFIG", str(path))
    return path


def _log_file() -> Path:
    return Path(os.environ["CAUSAL_AGENT_LOGS"])


QUESTIONS = ["Are stress and age independent?", "Does smoking directly cause lung_cancer?",
             "What is the effect of smoking on lung_cancer?"]
#: three quick ones for the command line (no effect estimate)
CLI_QUESTIONS = ["Are stress and age independent?", "Does smoking directly cause lung_cancer?", "Describe the data."]


def test_three_asks_then_logs_shows_them_newest_first(capsys, clinic_path, no_config):
    for question in CLI_QUESTIONS:
        code, _, err = run_cli(capsys, "ask", "--data", str(clinic_path), "--resamples", "0", question)
        assert code == 0, err
    code, out, err = run_cli(capsys, "logs")
    assert code == 0, err
    at = [out.index(f"Q: {q}") for q in CLI_QUESTIONS]
    assert at[2] < at[1] < at[0], out  # newest first
    assert "answer: yes" in out and "direct_cause(x='smoking', y='lung_cancer'" in out

    code, out, err = run_cli(capsys, "logs", "--json")
    assert code == 0, err
    entries = json.loads(out)  # one JSON array
    assert [e["question"] for e in entries] == CLI_QUESTIONS[::-1]
    from causal_agent.data import load_dataset

    fingerprint = load_dataset(clinic_path).fingerprint
    for e in entries:
        assert e["model"] == "offline" and e["complete"] and e["error"] is None
        assert e["datasets"] == [{"name": "clinic", "fingerprint": fingerprint, "rows": 2000, "columns": 8}]
        assert e["latency_s"] > 0 and e["time"].endswith("+00:00") and "tokens" in e
        assert e["steps"] and all("\n" not in s["result"] and s["result"] for s in e["steps"])
    independence, cause, described = entries[::-1]
    assert independence["answer"] == "yes" and independence["steps"][0]["tool"] == "test_independence"
    assert cause["answer"] == "yes" and cause["steps"][0]["args"] == {
        "x": "smoking", "y": "lung_cancer", "dataset": "clinic"}
    assert described["answer"] is None and described["steps"][0]["result"].startswith("Dataset clinic: 2000 rows")

    code, out, _ = run_cli(capsys, "logs", "-n", "1", "--json")
    assert [e["question"] for e in json.loads(out)] == CLI_QUESTIONS[-1:]
    code, out, _ = run_cli(capsys, "logs", "-q", "DIRECTLY", "--json")
    assert [e["question"] for e in json.loads(out)] == [CLI_QUESTIONS[1]]
    code, out, _ = run_cli(capsys, "logs", "--dataset", "Clinic", "--json")
    assert len(json.loads(out)) == 3
    code, out, _ = run_cli(capsys, "logs", "--dataset", "clinc")
    assert code == 0 and "no logged question used dataset 'clinc'. Did you mean 'clinic'?" in out


def test_logs_off_stops_logging_and_on_resumes(capsys, clinic_path, no_config):
    no_config.write_text('model = "offline"\n\n[other]\nlogs = "kept"\n')
    ask = ["ask", "--data", str(clinic_path), "--resamples", "0", "Are stress and age independent?"]
    assert run_cli(capsys, *ask)[0] == 0
    code, out, err = run_cli(capsys, "logs", "off")
    assert code == 0 and "question logging is off" in out, err
    import tomllib

    config = tomllib.loads(no_config.read_text())
    assert config == {"model": "offline", "logs": False, "other": {"logs": "kept"}}  # other lines kept
    assert run_cli(capsys, *ask)[0] == 0
    code, out, err = run_cli(capsys, "logs", "--json")
    assert len(json.loads(out)) == 1
    assert "logging is off" in run_cli(capsys, "logs")[2]

    assert run_cli(capsys, "logs", "on")[0] == 0
    assert tomllib.loads(no_config.read_text())["logs"] is True
    assert run_cli(capsys, *ask)[0] == 0
    assert len(json.loads(run_cli(capsys, "logs", "--json")[1])) == 2

    code, out, _ = run_cli(capsys, "logs", "path")
    assert code == 0 and out.strip() == str(_log_file())


def test_the_api_logs_ask_stream_and_aask_unless_log_false(clinic_path, no_config, monkeypatch, tmp_path):
    from causal_agent import CausalAgent
    from causal_agent.context import Settings
    from causal_agent.logs import QuestionLog

    agent = CausalAgent(settings=Settings(discovery_resamples=0, refute=False))
    agent.load(clinic_path, name="clinic")
    agent.ask(QUESTIONS[0])
    events = list(agent.stream(QUESTIONS[1], thread_id="t-1"))  # how the REPL and --progress ask
    assert events[-1].kind == "answer"
    asyncio.run(agent.aask(QUESTIONS[2]))
    entries = QuestionLog().entries()
    assert [e.question for e in entries] == QUESTIONS[::-1]
    assert entries[1].thread_id == "t-1" and entries[1].answer == "yes"
    effect = entries[0].effect
    assert effect["treatment"] == "smoking" and effect["ci_low"] < effect["estimate"] < effect["ci_high"]

    quiet = CausalAgent(settings=Settings(discovery_resamples=0), log=False)
    quiet.load(clinic_path, name="clinic")
    quiet.ask(QUESTIONS[0])
    path = _log_file()
    monkeypatch.setenv("CAUSAL_AGENT_LOGS", "off")
    assert CausalAgent().log is None
    monkeypatch.setenv("CAUSAL_AGENT_LOGS", str(path))
    assert len(QuestionLog().entries(0)) == 3

    elsewhere = tmp_path / "mine.db"
    CausalAgent(log=elsewhere).ask("Which graphs are stored?")
    assert [e.question for e in QuestionLog(elsewhere).entries()] == ["Which graphs are stored?"]


def test_the_repl_logs_its_questions(tmp_path, clinic_path, no_config):
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from causal_agent.logs import QuestionLog
    from causal_agent.repl import run_chat

    with create_pipe_input() as pipe:
        pipe.send_text("Are stress and age independent?\r/quit\r")
        run_chat(data=[str(clinic_path)], input=pipe, output=DummyOutput(), history_path=tmp_path / "h",
                 file=io.StringIO(), width=100)
    entry = QuestionLog().entries()[0]
    assert entry.question == "Are stress and age independent?" and entry.steps[0].tool == "test_independence"


def test_cell_values_never_reach_the_log(tmp_path, no_config):
    from causal_agent import CausalAgent

    rng = np.random.default_rng(0)
    a = rng.normal(size=300)
    frame = pd.DataFrame({"a": a, "b": a + rng.normal(size=300)}).astype(object)
    frame.loc[3, "a"] = "zebra-crossing"
    path = tmp_path / "cells.csv"
    frame.to_csv(path, index=False)
    agent = CausalAgent()
    agent.load(path)
    answer = agent.ask("Are a and b independent?")
    assert "zebra-crossing" in answer.explanation + answer.steps[0].output  # the agent does show it
    with sqlite3.connect(_log_file()) as conn:
        stored = "\n".join(str(v) for table in ("questions", "question_datasets")
                           for row in conn.execute(f"SELECT * FROM {table}") for v in row)
    assert "Are a and b independent?" in stored and "cell that is not a number ('…')" in stored
    assert "zebra" not in stored


def test_a_failed_write_warns_once_and_the_answer_comes(capsys, clinic_path, no_config, monkeypatch, tmp_path):
    from causal_agent import CausalAgent

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CAUSAL_AGENT_LOGS", str(blocker / "logs.db"))  # its folder is a file
    agent = CausalAgent()
    agent.load(clinic_path, name="clinic")
    assert agent.ask("Are stress and age independent?").answer in ("yes", "no")
    assert agent.ask("Which graphs are stored?").complete
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "cannot write the question log" in line]
    assert len(warnings) == 1 and "CAUSAL_AGENT_LOGS" in warnings[0] and "logs off" in warnings[0]


def test_a_failed_question_is_logged_with_its_error(clinic_path, no_config):
    from langchain_core.language_models import BaseChatModel

    from causal_agent import CausalAgent
    from causal_agent.errors import ModelError
    from causal_agent.logs import QuestionLog

    class Down(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "down"

        def bind_tools(self, tools: Any, **kw: Any) -> Any:
            return self

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
            raise ModelError("cannot reach http://127.0.0.1:9/v1 after 1 try")

    agent = CausalAgent(model=Down())
    agent.load(clinic_path, name="clinic")
    with pytest.raises(ModelError):
        agent.ask("Does smoking cause lung_cancer?")
    entry = QuestionLog().entries()[0]
    assert entry.question == "Does smoking cause lung_cancer?" and not entry.complete
    assert entry.error == "cannot reach http://127.0.0.1:9/v1 after 1 try" and entry.model == "down"


_WRITER = """
import sys
from causal_agent.logs import LogEntry, QuestionLog
log = QuestionLog()
for i in range(25):
    assert log.write(LogEntry(time="2026-01-01T00:00:00+00:00", question=f"{sys.argv[1]} {i}", model="m")), i
"""


def test_two_processes_write_at_once(tmp_path):
    from causal_agent.logs import QuestionLog

    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, name], stderr=subprocess.PIPE, text=True)
             for name in ("left", "right")]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read() if p.stderr else ""
        assert not (p.stderr.read() if p.stderr else "")
    questions = [e.question for e in QuestionLog().entries(0)]
    assert len(questions) == 50 and {q.split()[0] for q in questions} == {"left", "right"}
    for name in ("left", "right"):  # each writer's rows newest first
        mine = [int(q.split()[1]) for q in questions if q.startswith(name)]
        assert mine == sorted(mine, reverse=True)


def test_a_newer_or_broken_log_file_is_one_line(capsys, no_config):
    log = _log_file()
    log.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(log) as conn:
        conn.execute("PRAGMA user_version = 99")
    code, _, err = run_cli(capsys, "logs")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "schema version 99, newer" in err
    log.unlink()
    log.write_text("not a database " * 100)
    code, _, err = run_cli(capsys, "logs", "--json")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cannot read the question log" in err
    code, out, _ = run_cli(capsys, "logs", "-n", "x")
    assert code == 2
