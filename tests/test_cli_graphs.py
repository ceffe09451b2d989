"""``causal-agent graphs``: list, show, export, delete and compare over a real graph memory, the
SQLite file ``ask --memory`` writes, with the REPL's one-line errors and its rule before replacing
a file. One memory is built per module (two real PC runs); tests that change it work on a copy."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import run_cli


@pytest.fixture(scope="module")
def built_memory(tmp_path_factory, clinic_path) -> tuple[Path, list[str]]:
    """A memory file with the clinic's full PC graph and a partial GES one, learned by ``discover``
    (what ``ask --memory`` runs) into the SQLite file."""
    from causal_agent.context import Settings, context_from_registry
    from causal_agent.data import load_dataset
    from causal_agent.discover import discover
    from causal_agent.memory import GraphMemory
    from causal_agent.plugins import collect_registry, make_plugin_manager

    path = tmp_path_factory.mktemp("graphs") / "graphs.sqlite"
    with GraphMemory.sqlite(path) as memory:
        ctx = context_from_registry(collect_registry(make_plugin_manager()), memory=memory,
                                    settings=Settings(discovery_resamples=0))
        ctx.datasets.add(load_dataset(clinic_path, name="clinic"))
        assert discover(ctx, "clinic", algorithm="pc").key == "clinic:pc"
        partial = discover(ctx, "clinic", ["smoking", "lung_cancer", "coughing"], algorithm="ges").key
        keys = memory.keys()
    assert keys == ["clinic:ges", partial, "clinic:pc"], keys  # the partial one is induced by the full GES graph
    return path, keys


@pytest.fixture()
def memory_file(built_memory, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the built memory; no config file or memory variable in the way."""
    monkeypatch.setenv("CAUSAL_AGENT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("CAUSAL_AGENT_MEMORY", raising=False)
    copy = tmp_path / "graphs.sqlite"
    shutil.copy(built_memory[0], copy)
    return copy


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_list_as_json_and_as_a_table(capsys, memory_file, built_memory):
    from causal_agent.memory import GraphMemory

    code, out, err = run_cli(capsys, "graphs", "list", "--memory", str(memory_file), "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["key"] for r in rows] == built_memory[1]
    with GraphMemory.sqlite(memory_file) as memory:
        for row in rows:
            record = memory.get(row["key"])
            assert set(row) == {"key", "kind", "nodes", "edges", "algorithm", "created_at", "dataset", "fingerprint"}
            assert (row["nodes"], row["edges"]) == (len(record.graph.nodes), len(record.graph.edges))
            assert (row["dataset"], row["fingerprint"]) == ("clinic", record.provenance.fingerprint)
            assert row["algorithm"] == record.provenance.algorithm
    assert {r["algorithm"] for r in rows} == {"pc", "ges"}

    code, out, _ = run_cli(capsys, "graphs", "list", "--memory", str(memory_file))
    assert code == 0 and "graphs in memory (3)" in out and all(k in out for k in built_memory[1])
    code, out, _ = run_cli(capsys, "graphs", "list", "--memory", str(memory_file), "--dataset", "other", "--json")
    assert code == 0 and json.loads(out) == []


def test_the_memory_comes_from_the_environment_like_ask(capsys, memory_file, monkeypatch):
    monkeypatch.setenv("CAUSAL_AGENT_MEMORY", str(memory_file))
    code, out, err = run_cli(capsys, "graphs", "list", "--json")
    assert code == 0 and len(json.loads(out)) == 3, err


def test_show_prints_edges_and_provenance_and_json(capsys, memory_file):
    from causal_agent.memory import GraphMemory, GraphRecord

    with GraphMemory.sqlite(memory_file) as memory:
        record = memory.get("clinic:pc")
    code, out, err = run_cli(capsys, "graphs", "show", "clinic:pc", "--memory", str(memory_file))
    assert code == 0, err
    assert "from clinic by pc, alpha=0.05" in out
    for edge in record.graph.edges:
        assert edge.source in out and edge.target in out
    code, out, _ = run_cli(capsys, "graphs", "show", "clinic:pc", "--memory", str(memory_file), "--json")
    assert code == 0 and GraphRecord.model_validate(json.loads(out)) == record


def test_export_every_format_and_never_overwrites_without_force(capsys, memory_file, tmp_path):
    from causal_agent.memory import GraphRecord

    files = {suffix: tmp_path / f"g.{suffix}" for suffix in ("json", "dot", "png", "svg")}
    for suffix, path in files.items():
        code, out, err = run_cli(capsys, "graphs", "export", "clinic:pc", str(path), "--memory", str(memory_file))
        assert code == 0, err
        assert f"({suffix.upper()}, {path.stat().st_size} bytes)" in out
    assert GraphRecord.model_validate_json(files["json"].read_text()).key == "clinic:pc"
    assert files["dot"].read_text().lstrip().startswith("digraph")
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in files["svg"].read_text()

    # an existing file, nobody to ask (stdin is not a terminal under pytest): refused in one line
    files["dot"].write_text("mine")
    code, out, err = run_cli(capsys, "graphs", "export", "clinic:pc", str(files["dot"]), "--memory",
                             str(memory_file))
    assert code == 2 and "already exists; not overwritten (nobody to ask): add --force" in _one_line(err)
    assert files["dot"].read_text() == "mine"
    code, out, err = run_cli(capsys, "graphs", "export", "clinic:pc", str(files["dot"]), "--memory",
                             str(memory_file), "--force")
    assert code == 0 and files["dot"].read_text().lstrip().startswith("digraph"), err

    code, _, err = run_cli(capsys, "graphs", "export", "clinic:pc", str(tmp_path / "g.txt"), "--memory",
                           str(memory_file))
    assert code == 2 and "supported formats: .json, .dot, .png, .svg" in _one_line(err)
    assert not (tmp_path / "g.txt").exists()
    code, _, err = run_cli(capsys, "graphs", "export", "clinic:pc", str(tmp_path / "no" / "g.json"), "--memory",
                           str(memory_file))
    assert code == 2 and "does not exist" in _one_line(err)


def test_delete_asks_unless_yes(capsys, memory_file):
    from causal_agent.memory import GraphMemory

    code, _, err = run_cli(capsys, "graphs", "delete", "clinic:pc", "--memory", str(memory_file))
    line = _one_line(err)
    assert code == 2 and "not deleted" in line and "--yes" in line
    with GraphMemory.sqlite(memory_file) as memory:
        assert "clinic:pc" in memory
    code, out, err = run_cli(capsys, "graphs", "delete", "clinic:pc", "--memory", str(memory_file), "--yes")
    assert code == 0 and "deleted clinic:pc; 2 graphs left" in out, err
    with GraphMemory.sqlite(memory_file) as memory:
        assert "clinic:pc" not in memory and len(memory.keys()) == 2


def _on_a_terminal(args: list[str], answer: str) -> subprocess.CompletedProcess[str]:
    """``causal-agent ARGS`` with a terminal as stdin, typing ``answer`` at its question."""
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answer.encode())
        return subprocess.run([sys.executable, "-m", "causal_agent", *args], stdin=terminal, capture_output=True,
                              text=True, timeout=120, env=os.environ.copy())
    finally:
        os.close(terminal)
        os.close(controller)


def test_delete_on_a_terminal_asks_and_respects_no(memory_file):
    from causal_agent.memory import GraphMemory

    args = ["graphs", "delete", "clinic:pc", "--memory", str(memory_file)]
    refused = _on_a_terminal(args, "n\n")
    assert refused.returncode == 1 and "delete clinic:pc: cpdag with" in refused.stdout, refused.stderr
    assert "not deleted" in refused.stderr
    with GraphMemory.sqlite(memory_file) as memory:
        assert "clinic:pc" in memory
    done = _on_a_terminal(args, "y\n")
    assert done.returncode == 0 and "deleted clinic:pc" in done.stdout, done.stderr
    with GraphMemory.sqlite(memory_file) as memory:
        assert "clinic:pc" not in memory


def test_compare_two_graphs(capsys, memory_file, built_memory):
    from causal_agent.memory import GraphMemory

    other = built_memory[1][1]  # the partial GES graph
    with GraphMemory.sqlite(memory_file) as memory:
        expected = memory.compare("clinic:pc", other)
    code, out, err = run_cli(capsys, "graphs", "compare", "clinic:pc", other, "--memory", str(memory_file), "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got == expected.model_dump(mode="json") and got["shd"] == expected.shd
    assert got["nodes_only_in_a"]  # the partial graph has fewer variables
    code, out, _ = run_cli(capsys, "graphs", "compare", "clinic:pc", other, "--memory", str(memory_file))
    assert code == 0 and f"SHD {expected.shd}" in " ".join(out.split())


@pytest.mark.parametrize("argv", [
    ["show", "clinic:cp"], ["export", "clinic:cp", "g.json"], ["delete", "clinic:cp", "--yes"],
    ["compare", "clinic:pc", "clinic:cp"],
])
def test_an_unknown_key_is_one_line_with_the_closest_keys(capsys, memory_file, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "graphs", *argv, "--memory", str(memory_file))
    line = _one_line(err)
    assert code == 2 and "no graph stored under 'clinic:cp'. Did you mean 'clinic:pc'" in line
    assert not (tmp_path / "g.json").exists()


def test_a_missing_or_unset_memory_is_one_line(capsys, memory_file, tmp_path):
    code, _, err = run_cli(capsys, "graphs", "list", "--memory", str(tmp_path / "graph.sqlite"))
    line = _one_line(err)
    assert code == 2 and "does not exist" in line and f"Did you mean '{memory_file}'" in line
    assert not (tmp_path / "graph.sqlite").exists()  # reading never creates a memory
    code, _, err = run_cli(capsys, "graphs", "list")
    assert code == 2 and "no graph memory is configured" in _one_line(err) and "--memory FILE" in err
    code, _, err = run_cli(capsys, "graphs", "list", "--memory", ":memory:")
    assert code == 2 and "keeps graphs in memory only while a command runs" in _one_line(err)
    not_sqlite = tmp_path / "notes.sqlite"
    not_sqlite.write_text("just text\n" * 100)
    code, _, err = run_cli(capsys, "graphs", "list", "--memory", str(not_sqlite))
    assert code == 2 and "cannot open graph memory" in _one_line(err)
