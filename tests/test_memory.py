"""Graph memory: keys, put/get/list/delete/compare/export, SQLite persistence, invalidation, tools."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, ToolRuntime

from causal_agent.context import AgentContext, context_from_registry
from causal_agent.data import load_dataset
from causal_agent.errors import CausalAgentError, GraphError, GraphKeyError
from causal_agent.graph import CausalGraph, Edge
from causal_agent.memory import (
    NAMESPACE,
    GraphComparison,
    GraphMemory,
    GraphRecord,
    Provenance,
    make_key,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPO = Path(__file__).resolve().parents[1]


def _graph(edges: list[tuple[str, str, str]], nodes: list[str] | None = None) -> CausalGraph:
    names = nodes or sorted({n for s, t, _ in edges for n in (s, t)})
    kind = "pag" if any(k in ("<->", "o->", "o-o") for _, _, k in edges) else "cpdag"
    return CausalGraph(
        nodes=names, edges=[Edge(source=s, target=t, type=k) for s, t, k in edges], kind=kind
    )


def _record(key: str, graph: CausalGraph, dataset: str = "clinic", fingerprint: str = "f1",
            algorithm: str = "pc") -> GraphRecord:
    return GraphRecord(
        key=key,
        graph=graph,
        provenance=Provenance(
            dataset=dataset, fingerprint=fingerprint, variables=list(graph.nodes),
            algorithm=algorithm, params={"alpha": 0.05}, ci_test="fisherz", alpha=0.05,
            reason="continuous, roughly Gaussian data", elapsed_s=0.01,
        ),
    )


@pytest.fixture
def g1() -> CausalGraph:
    return _graph([("smoking", "lung_cancer", "-->"), ("smoking", "yellow_fingers", "-->"),
                   ("genes", "smoking", "---")])


@pytest.fixture
def g2() -> CausalGraph:
    return _graph([("lung_cancer", "smoking", "-->"), ("smoking", "yellow_fingers", "-->"),
                   ("genes", "lung_cancer", "-->")])


@pytest.fixture
def dataset():
    rng = np.random.default_rng(0)
    smoking = rng.normal(size=200)
    frame = pd.DataFrame({
        "smoking": smoking,
        "lung_cancer": 0.8 * smoking + rng.normal(size=200),
        "yellow_fingers": 0.5 * smoking + rng.normal(size=200),
    })
    return load_dataset(frame, name="clinic")


# -- keys -----------------------------------------------------------------------------------------


def test_make_key_is_readable_and_stable():
    allv = ["smoking", "lung_cancer", "yellow_fingers", "genes"]
    assert make_key("clinic", "PC") == "clinic:pc"
    assert make_key("clinic", "pc", variables=allv[::-1], all_variables=allv) == "clinic:pc"
    partial = make_key("clinic", "pc", ["yellow_fingers", "smoking", "lung_cancer"], None, allv)
    assert partial == "clinic:pc:lung_cancer,smoking,yellow_fingers"
    assert make_key("clinic", "pc", ["lung_cancer", "yellow_fingers", "smoking"],
                    all_variables=allv) == partial
    # defaults leave the key alone; others add a sorted suffix
    assert make_key("clinic", "pc", params={"alpha": 0.05, "ci_test": "AUTO", "background": None}) \
        == "clinic:pc"
    assert make_key("clinic", "pc", params={"ci_test": "kci", "alpha": 0.01}) \
        == "clinic:pc@alpha=0.01,ci_test=kci"
    bk = {"required": [["smoking", "lung_cancer"]], "forbidden": []}
    k1 = make_key("clinic", "pc", params={"background": bk})
    k2 = make_key("clinic", "pc", params={"background": json.loads(json.dumps(bk))})
    assert k1 == k2 and k1.startswith("clinic:pc@background=") and len(k1.split("=")[1]) == 8
    assert make_key("clinic", "pc", params={"background": {"required": []}}) != k1
    with pytest.raises(GraphError):
        make_key("", "pc")
    with pytest.raises(GraphError):
        make_key("clinic", "pc", variables=[])


# -- put / get / list / delete --------------------------------------------------------------------


def test_put_get_list_delete(g1, g2):
    mem = GraphMemory()
    assert mem.location == ":memory:" and mem.keys() == [] and mem.list() == []
    assert mem.put(_record("clinic:pc", g1)) == "clinic:pc"
    mem.put(_record("clinic:ges", g2, algorithm="ges"))
    mem.put(_record("other:pc", g2, dataset="other"))
    got = mem.get("clinic:pc")
    assert got.graph.to_json() == g1.to_json() and got.provenance.ci_test == "fisherz"
    assert got.provenance.library_versions["networkx"]
    assert "causal-learn" in got.provenance.library_versions
    assert mem.keys() == ["clinic:ges", "clinic:pc", "other:pc"]
    assert [r.key for r in mem.list("clinic")] == ["clinic:ges", "clinic:pc"]
    assert [r.key for r in mem.list()] == ["clinic:ges", "clinic:pc", "other:pc"]
    # stored values are plain JSON dicts in our namespace
    item = mem.store.get(NAMESPACE, "clinic:pc")
    assert json.loads(json.dumps(item.value))["graph"]["nodes"] == list(g1.nodes)

    deleted = mem.delete("clinic:ges")
    assert deleted is not None and deleted.key == "clinic:ges"
    assert mem.keys() == ["clinic:pc", "other:pc"]
    with pytest.raises(GraphKeyError) as err:
        mem.delete("clinic:ges")
    assert "Known keys: clinic:pc, other:pc" in str(err.value)


def test_unknown_key_suggests(g1):
    mem = GraphMemory()
    with pytest.raises(GraphKeyError, match="no graphs yet"):
        mem.get("clinic:pc")
    mem.put(_record("clinic:pc", g1))
    with pytest.raises(GraphKeyError) as err:
        mem.get("clinc:pc")
    msg = str(err.value)
    assert "no graph stored under 'clinc:pc'" in msg and "Did you mean 'clinic:pc'?" in msg
    assert "\n" not in msg and isinstance(err.value, CausalAgentError)


def test_many_records_are_all_listed(g1):
    mem = GraphMemory()
    for i in range(230):  # more than one store search page
        mem.put(_record(f"d{i:03d}:pc", g1, dataset=f"d{i:03d}"))
    assert len(mem.keys()) == 230 and mem.keys()[0] == "d000:pc"


def test_invalid_record_is_never_written(g1):
    mem = GraphMemory()
    with pytest.raises(GraphError):
        mem.put({"key": "x"})  # type: ignore[arg-type]
    rec = _record("clinic:pc", g1)
    rec.provenance.params = {"bad": object()}  # mutated after validation: not JSON-serialisable
    with pytest.raises(GraphError, match="not stored"):
        mem.put(rec)
    rec = _record("clinic:pc", g1)
    rec.provenance.alpha = float("nan")
    with pytest.raises(GraphError):
        mem.put(rec)
    assert mem.keys() == []
    with pytest.raises(ValueError):  # pydantic refuses variables that are not the graph's nodes
        GraphRecord(key="k", graph=g1, provenance=Provenance(
            dataset="clinic", fingerprint="f", variables=["nope"], algorithm="pc"))
    filled = GraphRecord(key="k", graph=g1, provenance=Provenance(
        dataset="clinic", fingerprint="f", algorithm="pc"))
    assert filled.provenance.variables == list(g1.nodes)


def test_unreadable_stored_value_gives_clear_error(g1):
    mem = GraphMemory()
    mem.store.put(NAMESPACE, "junk", {"key": "junk", "graph": 3})
    with pytest.raises(GraphError, match="cannot be read"):
        mem.get("junk")
    assert mem.delete("junk") is None and mem.keys() == []


def test_two_memories_share_nothing(g1):
    a, b = GraphMemory(), GraphMemory()
    assert a.store is not b.store
    a.put(_record("clinic:pc", g1))
    assert b.keys() == [] and "clinic:pc" in a and "clinic:pc" not in b
    shared = GraphMemory(a.store)
    assert shared.keys() == ["clinic:pc"]


# -- lookup and invalidation ----------------------------------------------------------------------


def test_lookup_reuses_and_invalidates_on_new_fingerprint(dataset):
    mem = GraphMemory()
    graph = _graph([("smoking", "lung_cancer", "-->"), ("smoking", "yellow_fingers", "-->")])
    assert mem.lookup(dataset, "pc", None, {"alpha": 0.05}) is None
    key = mem.key_for(dataset, "pc", list(dataset.variables), {"alpha": 0.05})
    assert key == "clinic:pc"
    mem.put(_record(key, graph, fingerprint=dataset.fingerprint))
    hit = mem.lookup(dataset, "pc", None, None)
    assert hit is not None and hit.key == "clinic:pc"
    assert mem.lookup(dataset, "pc", None, {"alpha": 0.01}) is None  # other parameters: other key
    assert mem.lookup(dataset, "ges", None, None) is None

    changed = dataset.frame.copy()
    changed.loc[0, "smoking"] += 1.0
    new = load_dataset(changed, name="clinic")
    assert new.fingerprint != dataset.fingerprint
    assert mem.lookup(new, "pc", None, None) is None
    assert mem.keys() == []  # the stale graph was deleted, not served later

    partial = mem.key_for(dataset, "pc", ["smoking", "lung_cancer"])
    assert partial == "clinic:pc:lung_cancer,smoking"


# -- compare --------------------------------------------------------------------------------------


def test_compare(g1, g2):
    mem = GraphMemory()
    mem.put(_record("clinic:pc", g1))
    mem.put(_record("clinic:ges", g2, algorithm="ges"))
    cmp = mem.compare("clinic:pc", "clinic:ges")
    assert isinstance(cmp, GraphComparison)
    assert [(e.source, e.target) for e in cmp.only_in_a] == [("genes", "smoking")]
    assert [(e.source, e.target) for e in cmp.only_in_b] == [("genes", "lung_cancer")]
    assert [(d.a.source, d.a.target, d.b.source, d.b.target) for d in cmp.differently_oriented] \
        == [("smoking", "lung_cancer", "lung_cancer", "smoking")]
    assert cmp.shd == g1.shd(g2) and cmp.shd >= 3
    assert cmp.same_data and "SHD" in cmp.summary and "\n" not in cmp.summary
    same = mem.compare("clinic:pc", "clinic:pc")
    assert same.shd == 0 and "identical" in same.summary
    # same pair, same marks written the other way round is not a difference
    mem.put(_record("flip:pc", _graph([("smoking", "lung_cancer", "-->"),
                                       ("yellow_fingers", "smoking", "<->")])))
    mem.put(_record("flip2:pc", _graph([("smoking", "lung_cancer", "-->"),
                                        ("smoking", "yellow_fingers", "<->")])))
    assert mem.compare("flip:pc", "flip2:pc").differently_oriented == []
    # different node sets: still comparable, differences counted
    part = mem.compare("clinic:pc", "flip2:pc")
    assert part.nodes_only_in_a == ["genes"] and "variables differ" in part.summary
    with pytest.raises(GraphKeyError):
        mem.compare("clinic:pc", "nope")


# -- export ---------------------------------------------------------------------------------------


def test_export_formats(tmp_path, g1):
    mem = GraphMemory()
    mem.put(_record("clinic:pc", g1))
    res = mem.export("clinic:pc", tmp_path / "g.json")
    assert res.format == "json" and res.bytes > 0
    back = GraphRecord.model_validate_json((tmp_path / "g.json").read_text())
    assert back.graph.to_json() == g1.to_json() and back.provenance.algorithm == "pc"
    mem.export("clinic:pc", tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == g1.to_dot()
    mem.export("clinic:pc", tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:8] == PNG_SIGNATURE
    mem.export("clinic:pc", tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text()

    with pytest.raises(GraphError, match=r"supported formats: \.json, \.dot, \.png, \.svg"):
        mem.export("clinic:pc", tmp_path / "g.pdf")
    with pytest.raises(GraphError, match="already exists"):
        mem.export("clinic:pc", tmp_path / "g.json")
    (tmp_path / "g.json").write_text("keep")
    mem.export("clinic:pc", tmp_path / "g.json", overwrite=True)
    assert (tmp_path / "g.json").read_text() != "keep"
    with pytest.raises(GraphError, match="does not exist"):
        mem.export("clinic:pc", tmp_path / "missing" / "g.json")
    with pytest.raises(GraphKeyError):
        mem.export("nope", tmp_path / "n.json")
    assert not (tmp_path / "n.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "g.json", "g.png", "g.svg"]


# -- SQLite persistence across processes ----------------------------------------------------------


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_sqlite_persists_across_processes(tmp_path, g1):
    db = tmp_path / "graphs.sqlite"
    _run(f"""
        from causal_agent.graph import CausalGraph, Edge
        from causal_agent.memory import GraphMemory, GraphRecord, Provenance
        g = CausalGraph(nodes=["a", "b", "c"], edges=[Edge(source="a", target="b", type="-->"),
                        Edge(source="b", target="c", type="o-o")], kind="pag")
        mem = GraphMemory.sqlite({str(db)!r})
        mem.put(GraphRecord(key="toy:fci", graph=g, provenance=Provenance(
            dataset="toy", fingerprint="abc", variables=["a", "b", "c"], algorithm="fci")))
        print(mem.location)
    """)
    out = _run(f"""
        from causal_agent.memory import GraphMemory
        mem = GraphMemory.sqlite({str(db)!r})
        r = mem.get("toy:fci")
        print(mem.keys(), r.graph.kind, [e.type for e in r.graph.edges])
        mem.put(r.model_copy(update={{"key": "toy:fci@alpha=0.01"}}))
    """)
    assert out.strip() == "['toy:fci'] pag ['-->', 'o-o']"
    mem = GraphMemory.sqlite(db)
    assert mem.location == str(db)
    assert mem.keys() == ["toy:fci", "toy:fci@alpha=0.01"]
    mem.put(_record("clinic:pc", g1))
    mem.delete("toy:fci")
    mem.close()
    with GraphMemory.sqlite(db) as again:
        assert again.keys() == ["clinic:pc", "toy:fci@alpha=0.01"]
    with pytest.raises(GraphError):
        GraphMemory.sqlite(tmp_path / "no" / "such" / "dir.sqlite")
    (tmp_path / "notdb.sqlite").write_text("this is not a database" * 20)
    with pytest.raises(GraphError, match="SQLite"):
        GraphMemory.sqlite(tmp_path / "notdb.sqlite")


# -- tools ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry():
    """What the installed plugins register, as an agent collects it."""
    from causal_agent.plugins import collect_registry, make_plugin_manager

    return collect_registry(make_plugin_manager())


def _context(registry, memory: GraphMemory, *datasets) -> AgentContext:
    ctx = context_from_registry(registry, memory=memory)
    for d in datasets:
        ctx.datasets.add(d)
    return ctx


def _tools():
    from causal_agent_plugins import memory_tools

    collected = []
    memory_tools.register_tools(register=collected.append)
    return {t.name: t for t in collected}


def test_plugin_registers_tools_with_hidden_runtime():
    from causal_agent.plugins import collect_tools, make_plugin_manager

    tools = _tools()
    assert set(tools) == {"list_graphs", "show_graph", "export_graph", "delete_graph",
                          "compare_graphs"}
    for t in tools.values():
        schema = t.tool_call_schema.model_json_schema()
        assert "runtime" not in schema.get("properties", {}), t.name
        assert t.response_format == "content_and_artifact"
    # the model cannot ask to overwrite: export_graph writes only new files in the export folder
    assert set(tools["export_graph"].tool_call_schema.model_json_schema()["properties"]) == {
        "key", "path"}
    assert {n: (t.metadata or {}).get("access", "read") for n, t in tools.items()} == {
        "list_graphs": "read", "show_graph": "read", "export_graph": "write",
        "delete_graph": "destroy", "compare_graphs": "read"}
    names = {t.name for t in collect_tools(make_plugin_manager())}
    assert set(tools) <= names


def test_tools_through_toolnode(registry, tmp_path, g1, g2, dataset, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default export folder, ./causal-agent-exports, is in tmp
    mem = GraphMemory()
    mem.put(_record("clinic:pc", g1))
    mem.put(_record("clinic:ges", g2, algorithm="ges"))
    tools = _tools()
    builder = StateGraph(MessagesState, context_schema=AgentContext)
    builder.add_node("tools", ToolNode(list(tools.values()), handle_tool_errors=True))
    builder.add_edge(START, "tools")
    builder.add_edge("tools", END)
    app = builder.compile(store=mem.store)
    out_png = tmp_path / "causal-agent-exports" / "pc.png"
    calls = [
        {"name": "list_graphs", "args": {"dataset": "Clinic"}, "id": "1"},
        {"name": "show_graph", "args": {"key": "clinic:pc"}, "id": "2"},
        {"name": "compare_graphs", "args": {"key_a": "clinic:pc", "key_b": "clinic:ges"},
         "id": "3"},
        {"name": "export_graph", "args": {"key": "clinic:pc", "path": "pc.png"}, "id": "4"},
        {"name": "export_graph", "args": {"key": "clinic:pc", "path": "x.exe"}, "id": "6"},
        {"name": "show_graph", "args": {"key": "clinic:pcc"}, "id": "7"},
    ]
    result = app.invoke({"messages": [AIMessage(content="", tool_calls=calls)]},
                        context=_context(registry, mem, dataset))
    msgs = {m.tool_call_id: m for m in result["messages"] if isinstance(m, ToolMessage)}
    assert msgs["1"].artifact["count"] == 2 and msgs["1"].artifact["dataset"] == "clinic"
    assert "clinic:ges" in msgs["1"].content and "clinic:pc" in msgs["1"].content
    assert msgs["2"].artifact["key"] == "clinic:pc" and "smoking" in msgs["2"].artifact["text"]
    assert "--> lung_cancer" in msgs["2"].content
    assert msgs["3"].artifact["shd"] == g1.shd(g2) and "SHD" in msgs["3"].content
    assert msgs["4"].artifact["format"] == "png" and out_png.read_bytes()[:8] == PNG_SIGNATURE
    assert msgs["6"].status == "error" and ".json, .dot, .png, .svg" in msgs["6"].content
    assert not (out_png.parent / "x.exe").exists()
    assert msgs["7"].status == "error" and "Did you mean 'clinic:pc'" in msgs["7"].content

    done = app.invoke({"messages": [AIMessage(content="", tool_calls=[
        {"name": "export_graph", "args": {"key": "clinic:pc", "path": "pc.png"}, "id": "5"},
        {"name": "delete_graph", "args": {"key": "clinic:ges"}, "id": "8"},
        {"name": "list_graphs", "args": {"dataset": "unknown_data"}, "id": "9"}])]},
        context=_context(registry, mem, dataset))
    later = {m.tool_call_id: m for m in done["messages"] if isinstance(m, ToolMessage)}
    # tool calls of one message run concurrently, so the repeated export is in this second turn
    assert later["5"].status == "error" and "already exists" in later["5"].content
    assert later["8"].artifact["remaining"] == ["clinic:pc"] and mem.keys() == ["clinic:pc"]
    assert later["9"].artifact["count"] == 0 and "Graphs exist for: clinic" in later["9"].content


def test_tool_invoke_with_toolcall_dict(registry, g1):
    mem_a, mem_b = GraphMemory(), GraphMemory()
    mem_a.put(_record("clinic:pc", g1))
    tools = _tools()

    def runtime(mem: GraphMemory) -> ToolRuntime:
        return ToolRuntime(state={}, context=_context(registry, mem), config={},
                           stream_writer=lambda _: None, tool_call_id="t1", store=mem.store)

    msg = tools["list_graphs"].invoke({"type": "tool_call", "name": "list_graphs", "id": "t1",
                                       "args": {"runtime": runtime(mem_a)}})
    assert isinstance(msg, ToolMessage) and msg.artifact["count"] == 1
    msg = tools["list_graphs"].invoke({"type": "tool_call", "name": "list_graphs", "id": "t1",
                                       "args": {"runtime": runtime(mem_b)}})
    assert msg.artifact["count"] == 0 and "no graphs stored yet" in msg.content
    with pytest.raises(GraphKeyError):
        tools["delete_graph"].invoke({"type": "tool_call", "name": "delete_graph", "id": "t1",
                                      "args": {"key": "clinic:pc", "runtime": runtime(mem_b)}})
    msg = tools["delete_graph"].invoke({"type": "tool_call", "name": "delete_graph", "id": "t1",
                                        "args": {"key": "clinic:pc", "runtime": runtime(mem_a)}})
    assert msg.artifact["deleted"] == "clinic:pc" and mem_a.keys() == []


def _renaming_ctx(resamples: int = 4):
    from causal_agent.context import Settings
    from causal_agent.plugins import collect_registry, make_plugin_manager

    return context_from_registry(collect_registry(make_plugin_manager()),
                                 settings=Settings(discovery_resamples=resamples))


def _headerless(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=300)
    b = 0.8 * a + rng.normal(size=300)
    return np.column_stack([a, b, 0.8 * b + rng.normal(size=300)])


@pytest.mark.parametrize("same_name", [True, False])
def test_graph_is_reused_renamed_for_the_same_content_under_other_names(same_name):
    """The published benchmark loads one headerless CSV under many column names: same values and
    column order with the same algorithm and parameters -> the stored graph, renamed."""
    from conftest import counting

    from causal_agent.discover import discover

    values = _headerless()
    ctx = _renaming_ctx()
    ctx.datasets.add(load_dataset(pd.DataFrame(values, columns=["x", "y", "z"]), name="f1"))
    first = discover(ctx, algorithm="pc")
    calls = counting(ctx, "pc")
    ctx.datasets.add(load_dataset(pd.DataFrame(values, columns=["smoking", "tar", "cancer"]),
                                  name="f1" if same_name else "f2"))
    again = discover(ctx, algorithm="pc")
    assert calls == [0] and again.reused
    assert again.graph.nodes == ["smoking", "tar", "cancer"]
    assert {str(e) for e in again.graph.edges} == {
        str(e).replace("x", "smoking").replace("y", "tar").replace("z", "cancer") for e in first.graph.edges}
    assert f"Reused the graph of {first.key!r}, renamed" in again.summary
    assert again.support.edge("smoking", "tar") == first.support.edge("x", "y").model_copy(
        update={"a": "smoking", "b": "tar"})
    # other values, or other parameters: no reuse
    ctx.datasets.add(load_dataset(pd.DataFrame(_headerless(1), columns=["p", "q", "r"]), name="f3"))
    assert not discover(ctx, algorithm="pc").reused
    ctx.datasets.add(load_dataset(pd.DataFrame(values, columns=["u", "v", "w"]), name="f4"))
    assert not discover(ctx, algorithm="pc", alpha=0.01).reused


def test_marginal_partial_graph_is_reused_renamed_by_column_position():
    from causal_agent.discover import discover

    values = _headerless()
    ctx = _renaming_ctx(resamples=0)
    ctx.datasets.add(load_dataset(pd.DataFrame(values, columns=["x", "y", "z"]), name="g"))
    discover(ctx, variables=["x", "z"], partial="subset")
    ctx.datasets.add(load_dataset(pd.DataFrame(values, columns=["a", "b", "c"]), name="h"))
    assert discover(ctx, variables=["a", "c"], partial="subset").reused
    assert not discover(ctx, variables=["a", "b"], partial="subset").reused


def test_old_records_without_support_or_content_fingerprint_still_load():
    memory = GraphMemory()
    value = GraphRecord(key="old:pc", graph=_graph([("a", "b", "-->")]),
                        provenance=Provenance(dataset="old", fingerprint="f", algorithm="pc")
                        ).model_dump(mode="json")
    for field in ("support", "content_fingerprint", "columns", "renamed_from"):
        value["provenance"].pop(field)
    memory.store.put(("causal_agent", "graphs"), "old:pc", value)
    record = memory.get("old:pc")
    assert record.provenance.support is None and record.provenance.content_fingerprint is None
