"""Least privilege for the model (OWASP LLM Top 10: excessive agency).

The security test drives the real agent through the OpenAI wire protocol with a scripted server
playing a prompt-injected or confused model: asked a harmless question, it tries to export onto
the user's files (an absolute path, ``../..``, an existing file, symlinks out of the export folder)
and to delete a stored graph. Nothing outside the export folder may be written, nothing
overwritten or deleted, and the steps must say what was refused. The user's own REPL commands keep
writing where the user says, but ask before overwriting a file, ``/report``'s pictures included.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import tool
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from causal_agent import CausalAgent
from causal_agent.context import Settings
from causal_agent.errors import PluginError
from causal_agent.exports import ExportRefused, confined_path
from causal_agent.hookspecs import hookimpl
from causal_agent.repl import run_chat
from openai_stub import ScriptedOpenAI, tool_call

FAST = Settings(discovery_resamples=0, refute=False, max_model_calls=12)


def _snapshot(root: Path, skip: Path) -> dict[str, bytes]:
    """Every file under ``root`` outside ``skip`` (symlinks by their target text), with its bytes."""
    out: dict[str, bytes] = {}
    for p in sorted(root.rglob("*")):
        if p == skip or skip in p.parents:
            continue
        if p.is_symlink():
            out[str(p)] = b"->" + str(p.readlink()).encode()
        elif p.is_file():
            out[str(p)] = p.read_bytes()
    return out


def _steps_script(calls: list[tuple[str, dict[str, Any]]]) -> Any:
    """A model that requests ``calls`` one per reply, in turn, whatever the tools answer."""
    def script(body: dict[str, Any]) -> dict[str, Any]:
        done = sum(m["role"] == "tool" for m in body["messages"])
        if done < len(calls):
            name, args = calls[done]
            return {"content": None, "tool_calls": [tool_call(name, args, f"call_{done}")]}
        return {"content": "I did what you asked."}
    return script


def _tool_names(request: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in request.get("tools") or []]


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """The test runs in ``tmp_path``, so the default export folder is ``tmp_path/causal-agent-exports``."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_model_cannot_write_outside_the_export_folder_overwrite_or_delete(workdir, clinic_path):
    exports = workdir / "causal-agent-exports"
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    important = workdir / "important.json"
    important.write_text('{"the user\'s": "own data"}\n')
    victim = elsewhere / "victim.json"
    victim.write_text("precious\n")
    exports.mkdir()
    existing = exports / "existing.json"
    existing.write_text("an earlier export\n")
    (exports / "link.json").symlink_to(victim)  # a file link pointing out of the folder
    (exports / "dangling.json").symlink_to(elsewhere / "new.json")  # to a file not there yet
    (exports / "out").symlink_to(elsewhere, target_is_directory=True)  # a folder link out
    before = _snapshot(workdir, skip=exports)
    inside_before = _snapshot(exports, skip=workdir / "none")

    attempts = [
        ("discover_graph", {"dataset": "clinic"}),  # a stored graph to go after
        ("export_graph", {"key": "clinic:pc", "path": str(important)}),
        ("export_graph", {"key": "clinic:pc", "path": "../../x.json"}),
        ("export_graph", {"key": "clinic:pc", "path": "../important.json"}),
        ("export_graph", {"key": "clinic:pc", "path": "existing.json"}),
        ("export_graph", {"key": "clinic:pc", "path": str(existing), "overwrite": True}),
        ("export_graph", {"key": "clinic:pc", "path": "link.json"}),
        ("export_graph", {"key": "clinic:pc", "path": "dangling.json"}),
        ("export_graph", {"key": "clinic:pc", "path": "out/g.json"}),
        ("delete_graph", {"key": "clinic:pc"}),
        ("export_graph", {"key": "clinic:pc", "path": "graph.json"}),  # the one allowed write
    ]
    with ScriptedOpenAI(_steps_script(attempts)) as server:
        agent = CausalAgent(model="openai:scripted", base_url=server.base_url, settings=FAST)
        agent.load(clinic_path, name="clinic")
        ans = agent.ask("Are smoking and age independent?")

    # the model never saw delete_graph, nor a way to ask for an overwrite
    first = server.requests[0]
    assert "delete_graph" not in _tool_names(first) and "export_graph" in _tool_names(first)
    export_schema = next(t for t in first["tools"] if t["function"]["name"] == "export_graph")
    assert "overwrite" not in export_schema["function"]["parameters"]["properties"]

    # nothing outside the export folder changed; the user's files are byte-identical
    assert _snapshot(workdir, skip=exports) == before
    assert not (workdir.parent / "x.json").exists() and not (elsewhere / "new.json").exists()
    assert not (elsewhere / "g.json").exists()
    # inside it: only the one new file; the earlier export and the links are untouched
    after_inside = _snapshot(exports, skip=workdir / "none")
    assert {k: v for k, v in after_inside.items() if not k.endswith("graph.json")} == inside_before
    assert (exports / "graph.json").read_text().startswith("{")
    # the graph is still stored
    assert "clinic:pc" in agent.memory.keys()

    # every attempt is a step, and each refusal says what was refused and where exports go
    steps = ans.steps
    assert [s.tool for s in steps] == [name for name, _ in attempts]
    assert steps[0].status == "ok" and steps[-1].status == "ok"
    folder = str(exports.resolve())
    for step in steps[1:9]:
        assert step.status == "error", step
        assert "refused:" in step.output and folder in step.output, step.output
        assert len(step.output.strip().splitlines()) == 1
    assert "is outside the export folder" in steps[1].output and str(important) in steps[1].output
    assert "'../../x.json' is outside" in steps[2].output
    assert "'existing.json' already exists" in steps[4].output and "never overwrite" in steps[4].output
    assert "already exists" in steps[5].output  # overwrite=True is no argument of the tool
    assert "'link.json'" in steps[6].output and "'dangling.json' is outside" in steps[7].output
    assert "'out/g.json' is outside" in steps[8].output
    # a call of the withheld tool is refused in one line naming how the user can allow it
    assert steps[9].status == "error" and steps[9].output == (
        "Error: refused: delete_graph deletes or overwrites stored data and is off for the model; "
        "the user can enable it with --allow-destructive")
    # and the answer itself says what was refused, whatever the model's own reply claims
    refusals = [line for line in ans.explanation.splitlines() if line.startswith("Refused (")]
    assert len(refusals) == 9 and refusals[-1].startswith("Refused (delete_graph): delete_graph deletes")
    assert any("'../../x.json' is outside" in line for line in refusals)


def test_allow_destructive_binds_delete_graph(workdir, clinic_path):
    with ScriptedOpenAI(_steps_script([("discover_graph", {"dataset": "clinic"}),
                                       ("delete_graph", {"key": "clinic:pc"})])) as server:
        agent = CausalAgent(model="openai:scripted", base_url=server.base_url,
                            settings=FAST.model_copy(update={"allow_destructive": True}))
        agent.load(clinic_path, name="clinic")
        ans = agent.ask("Draw the causal graph, then delete it.")
    assert "delete_graph" in _tool_names(server.requests[0])
    assert [s.status for s in ans.steps] == ["ok", "ok"] and agent.memory.keys() == []


def test_settings_default_to_least_privilege():
    s = Settings()
    assert s.export_dir == "causal-agent-exports" and s.allow_destructive is False
    agent = CausalAgent()
    assert "delete_graph" not in {t.name for t in agent.tools}
    assert "delete_graph" in agent.registry.tools  # registered, just not bound
    assert {t.name for t in CausalAgent(settings=Settings(allow_destructive=True)).tools} == set(agent.registry.tools)


def test_a_configured_export_folder_is_created_on_first_use(workdir, clinic_path):
    target = workdir / "my" / "exports"
    script = _steps_script([("discover_graph", {"dataset": "clinic"}),
                            ("export_graph", {"key": "clinic:pc", "path": "g.dot"}),
                            ("export_graph", {"key": "clinic:pc", "path": str(target / "abs.json")}),
                            ("export_graph", {"key": "clinic:pc", "path": "sub/../g.dot"})])
    with ScriptedOpenAI(script) as server:
        agent = CausalAgent(model="openai:scripted", base_url=server.base_url,
                            settings=FAST.model_copy(update={"export_dir": "my/exports"}))
        agent.load(clinic_path, name="clinic")
        assert not target.exists()
        ans = agent.ask("Export the graph.")
    assert [s.status for s in ans.steps] == ["ok", "ok", "ok", "error"]
    assert (target / "g.dot").read_text().startswith("digraph")
    assert (target / "abs.json").exists()  # an absolute path inside the folder is fine
    assert "already exists" in ans.steps[3].output  # sub/../g.dot is g.dot
    assert not (workdir / "causal-agent-exports").exists()


@pytest.mark.parametrize("path, inside", [
    ("g.json", "g.json"), ("./g.json", "g.json"), ("a/../g.json", "g.json"), ("sub/g.png", "sub/g.png"),
])
def test_confined_path_keeps_names_inside(tmp_path, path, inside):
    folder = tmp_path / "exp"
    (folder / "sub").mkdir(parents=True)
    assert confined_path(path, folder.resolve()) == folder.resolve() / inside


@pytest.mark.parametrize("path, said", [
    ("..", "outside"), ("../g.json", "outside"), ("/etc/passwd", "outside"), ("~/g.json", "outside"),
    ("", "no file name"), (".", "export folder"), ("sub/../../g.json", "outside"),
])
def test_confined_path_refuses_with_one_line(tmp_path, path, said):
    folder = (tmp_path / "exp").resolve()
    folder.mkdir()
    with pytest.raises(ExportRefused) as exc:
        confined_path(path, folder)
    text = str(exc.value)
    assert text.startswith("refused:") and said in text and str(folder) in text and "\n" not in text


def test_an_unknown_access_declaration_is_a_one_line_plugin_error():
    @tool
    def wipe() -> str:
        """Wipe things."""
        return "wiped"

    wipe.metadata = {"access": "admin"}

    class Bad:
        @hookimpl
        def register_tools(self, register):  # type: ignore[no-untyped-def]
            register(wipe)

    with pytest.raises(PluginError) as exc:
        CausalAgent(plugins=[Bad()])
    text = str(exc.value)
    assert text.startswith("tool 'wipe' (") and "\n" not in text
    assert text.endswith("declares access 'admin'; use one of read, write, destroy")


class WipePlugin:
    """A third-party destructive tool the offline planner knows a phrasing for."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def register_tools(self, register):  # type: ignore[no-untyped-def]
        plugin = self

        @tool
        def wipe_everything() -> str:
            """Delete every stored result."""
            plugin.calls += 1
            return "wiped"

        wipe_everything.metadata = {"access": "destroy"}
        register(wipe_everything)

    @hookimpl
    def register_intents(self, register):  # type: ignore[no-untyped-def]
        register("wipe_everything", examples=["Wipe everything.", "Delete all stored results."])


def test_the_offline_planner_says_how_to_enable_a_destructive_tool(clinic_path):
    wipe = WipePlugin()
    agent = CausalAgent(plugins=[wipe])
    agent.load(clinic_path, name="clinic")
    ans = agent.ask("Wipe everything.")
    assert wipe.calls == 0 and ans.steps == []
    assert "`wipe_everything`" in ans.explanation and "--allow-destructive" in ans.explanation
    allowed = CausalAgent(plugins=[wipe], settings=Settings(allow_destructive=True))
    allowed.load(clinic_path, name="clinic")
    allowed.ask("Wipe everything.")
    assert wipe.calls == 1


# -- the user's own commands: write where the user says, ask before overwriting ------------------


def _drive(lines: list[str], tmp_path: Path, **kw: Any) -> str:
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("".join(line + "\r" for line in lines))
        run_chat(input=pipe, output=DummyOutput(), history_path=tmp_path / "history", file=out,
                 width=200, **kw)
    return out.getvalue()


def _piped(lines: list[str], tmp_path: Path, monkeypatch: Any, **kw: Any) -> str:
    """Lines from a pipe, as in ``causal-agent chat < commands.txt``: nobody to ask."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(line + "\n" for line in lines)))
    out = io.StringIO()
    run_chat(output=DummyOutput(), history_path=tmp_path / "history", file=out, width=200, **kw)
    return out.getvalue()


GRAPH = dict(model="offline", settings=Settings(discovery_resamples=0))


def test_report_asks_before_overwriting_an_existing_picture(tmp_path, clinic_path):
    md, picture = tmp_path / "s.md", tmp_path / "s-graph-1.png"
    picture.write_bytes(b"the user's own picture")
    text = _drive(["Draw the causal graph.", f"/report {md}", "n", f"/report {md}", "no", "/quit"],
                  tmp_path, data=[str(clinic_path)], **GRAPH)
    assert f"'{picture}' already exists." in text and text.count("overwrite? ") == 0  # prompt on the terminal
    assert text.count("not overwritten") == 2
    assert picture.read_bytes() == b"the user's own picture" and not md.exists()
    text = _drive(["Draw the causal graph.", f"/report {md}", "y", "/quit"], tmp_path,
                  data=[str(clinic_path)], **GRAPH)
    assert "wrote 1 question" in text and picture.read_bytes()[:4] == b"\x89PNG" and md.exists()
    # the report itself too, and --force asks nothing
    md.write_text("mine")
    text = _drive(["Draw the causal graph.", f"/report {md} --force", "/quit"], tmp_path,
                  data=[str(clinic_path)], **GRAPH)
    assert "already exist" not in text and md.read_text().startswith("# causal-agent session")
    assert "y" not in (tmp_path / "history").read_text().split()  # the answers are not questions


def test_report_and_export_refuse_to_overwrite_when_nobody_can_be_asked(tmp_path, clinic_path, monkeypatch):
    md, picture, png = tmp_path / "s.md", tmp_path / "s-graph-1.png", tmp_path / "g.png"
    picture.write_bytes(b"old picture")
    png.write_bytes(b"old export")
    text = _piped(["Draw the causal graph.", f"/report {md}", "y", f"/export clinic:pc {png}", "y",
                   "/quit"], tmp_path, monkeypatch, data=[str(clinic_path)], **GRAPH)
    flat = " ".join(text.split())
    assert f"error: '{picture}' already exists; not overwritten (nobody to ask): add --force" in flat
    assert f"error: '{png}' already exists; not overwritten (nobody to ask)" in flat
    assert picture.read_bytes() == b"old picture" and png.read_bytes() == b"old export"
    assert not md.exists() and "Traceback" not in text


def test_export_asks_before_overwriting_and_writes_where_the_user_says(tmp_path, clinic_path):
    png = tmp_path / "anywhere" / "g.png"
    png.parent.mkdir()
    png.write_bytes(b"old export")
    text = _drive(["Draw the causal graph.", f"/export clinic:pc {png}", "n", "/quit"], tmp_path,
                  data=[str(clinic_path)], **GRAPH)
    assert f"'{png}' already exists." in text and png.read_bytes() == b"old export"
    text = _drive(["Draw the causal graph.", f"/export clinic:pc {png}", "yes",
                   f"/export clinic:pc {tmp_path / 'new.svg'}", "/quit"], tmp_path,
                  data=[str(clinic_path)], **GRAPH)
    assert png.read_bytes()[:4] == b"\x89PNG" and (tmp_path / "new.svg").exists()
    assert text.count("already exists") == 1  # a new file is written without a question


def test_write_report_refuses_an_existing_picture_without_overwrite(tmp_path):
    from causal_agent.answer import Answer
    from causal_agent.errors import CausalAgentError
    from causal_agent.report import Turn, report_files, write_report

    graph = {"nodes": ["a", "b"], "edges": [{"source": "a", "target": "b", "type": "-->"}], "kind": "dag"}
    turns = [Turn(question="q", answer=Answer(question="q", graph=graph))]
    assert [p.name for p in report_files(turns, tmp_path / "r.md")] == ["r.md", "r-graph-1.png"]
    assert [p.name for p in report_files(turns, tmp_path / "r.html")] == ["r.html"]
    (tmp_path / "r-graph-1.png").write_bytes(b"keep")
    with pytest.raises(CausalAgentError, match="r-graph-1.png' already exists; choose a new name or add --force"):
        write_report(turns, tmp_path / "r.md")
    assert (tmp_path / "r-graph-1.png").read_bytes() == b"keep" and not (tmp_path / "r.md").exists()


def test_withheld_names_the_destructive_tools_only_without_permission() -> None:
    """``CausalAgent.withheld`` is the one list of refused tools every face words its refusal from."""
    from causal_agent.agent import CausalAgent
    from causal_agent.context import Settings

    locked = CausalAgent(log=False).withheld("MCP clients", "start the server with --allow-destructive")
    assert set(locked) == {"delete_graph"}
    assert locked["delete_graph"] == ("delete_graph deletes or overwrites stored data and is off for MCP clients; "
                                      "start the server with --allow-destructive")
    assert CausalAgent(settings=Settings(allow_destructive=True), log=False).withheld() == {}
