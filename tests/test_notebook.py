"""Jupyter display: the reprs of Answer, CausalGraph and DataProfile, and the quickstart notebook
executed for real in a fresh kernel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from causal_agent.answer import Answer, Effect, Step, Table
from causal_agent.graph import CausalGraph, Edge

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"
HOSTILE = "<script>alert(1)</script>"


def _markdown_html(text: str) -> str:
    """What a CommonMark renderer with raw HTML enabled (as Jupyter's) makes of ``text``."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def _hostile_answer(graph: CausalGraph) -> Answer:
    effect = Effect(estimate=0.5, ci_low=0.25, ci_high=0.75, method="backdoor.linear_regression",
                    treatment=HOSTILE, outcome="y", t0=0, t1=1, adjustment_set=["<b>z</b>"],
                    assumption="no <img src=x onerror=alert(1)> confounding")
    return Answer(
        question=f"Does {HOSTILE} cause y?", answer="yes", graph=graph.to_json(), graph_key="d:<pc>",
        effect=effect, effects=[effect, effect.model_copy(update={"estimate": -0.1})],
        tables=[Table(title="<i>balance</i>", columns=[HOSTILE, "smd"], rows=[["x", 0.1]])],
        explanation=f"Yes. {HOSTILE} --> y\n  indented *not emphasis* [link](javascript:alert(1))",
        steps=[Step(tool="direct_cause", args={"x": HOSTILE, "y": "y"}, output=f"{HOSTILE} --> y"),
               Step(tool="test_independence", args={}, output="Error: bad", status="error")],
        model_calls=2,
    )


@pytest.fixture(scope="module")
def hostile_graph() -> CausalGraph:
    return CausalGraph(nodes=[HOSTILE, "y", "z"], edges=[
        Edge(source=HOSTILE, target="y", type="-->"), Edge(source="z", target="y", type="---")])


def test_answer_html_escapes_data_and_shows_every_part(hostile_graph):
    html = _hostile_answer(hostile_graph)._repr_html_()
    assert "<script" not in html and "<img" not in html and "<b>z" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "YES" in html and "causal-agent-badge" in html
    assert "0.5 (95% CI 0.25 to 0.75)" in html  # the effect with its CI
    assert "All effects" in html and "-0.1" in html  # the effects list
    assert "<svg" in html  # the graph picture inline
    assert "direct_cause" in html and "Steps (2)" in html  # the steps
    assert "&lt;i&gt;balance&lt;/i&gt;" in html


def test_answer_markdown_renders_data_as_text(hostile_graph):
    md = _hostile_answer(hostile_graph)._repr_markdown_()
    rendered = _markdown_html(md)
    assert "<script" not in rendered and "<img" not in rendered and "<em>not emphasis" not in rendered
    assert 'href="javascript' not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert rendered.count("<strong>YES</strong>") == 1
    assert "0.5 (95% CI 0.25 to 0.75)" in rendered
    assert "direct_cause" in rendered


def test_graph_svg_escapes_names(hostile_graph):
    svg = hostile_graph._repr_svg_()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script" not in svg
    import xml.dom.minidom

    xml.dom.minidom.parseString(svg)  # well-formed SVG, names included


def test_profile_html_is_a_table_with_escaped_names():
    import pandas as pd

    from causal_agent.data import load_dataset

    frame = pd.DataFrame({HOSTILE: [float(i % 7) + 0.5 * i for i in range(40)],
                          "b & c": [i % 2 for i in range(40)], "row_id": range(40)})
    html = load_dataset(frame, name="hostile").profile._repr_html_()
    assert "<script" not in html and "&lt;script&gt;" in html and "b &amp; c" in html
    assert html.count("<tr>") == 4  # a header row and one row per column
    assert "identifier" in html  # why row_id is left out


def test_reprs_never_raise(hostile_graph, monkeypatch):
    """A drawing that fails still leaves a readable, escaped answer and an SVG of the edges."""
    import causal_agent.render as render

    def broken(*args, **kwargs):
        raise RuntimeError("no <renderer> here")

    monkeypatch.setattr(render, "render_graph", broken)
    svg = hostile_graph._repr_svg_()
    assert svg.startswith("<svg") and "not drawn: no &lt;renderer&gt; here" in svg and "<script" not in svg
    html = _hostile_answer(hostile_graph)._repr_html_()
    assert "could not render the graph picture" in html and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; --&gt; y" in html  # the edges as text instead

    class Odd(Answer):  # a field a renderer cannot format
        def model_post_init(self, __context: object) -> None:
            object.__setattr__(self, "elapsed_s", "<not a number>")

    odd = Odd(question=HOSTILE, explanation=HOSTILE)
    assert "could not render the answer" in odd._repr_html_() and "<script" not in odd._repr_html_()
    assert "<script" not in _markdown_html(odd._repr_markdown_())


def test_importing_the_reprs_stays_light():
    """The notebook module imports no pandas, matplotlib, causal-learn, DoWhy or LangGraph."""
    code = textwrap.dedent("""
        import sys
        import causal_agent.notebook, causal_agent.answer
        heavy = [m for m in ("pandas", "matplotlib", "causallearn", "dowhy", "langgraph") if m in sys.modules]
        print(heavy)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_committed_notebook_has_no_outputs():
    """The quickstart is committed unexecuted (no stale outputs in git); the test below runs it."""
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)


def _current_python_kernel():
    """A kernel manager that starts ipykernel on THIS interpreter (sys.executable), whatever
    "python3" kernelspec another Jupyter installation left on the machine (a fresh CI venv has
    none; a developer's may point at another Python without causal_agent)."""
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(resource_dir="", **get_kernel_dict())

    return KernelManager(kernel_name="python3", kernel_spec_manager=ThisPython())


def test_quickstart_notebook_runs_in_a_fresh_kernel(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAUSAL_AGENT_")}
    env.update(CAUSAL_AGENT_CONFIG=str(tmp_path / "no-config.toml"), CAUSAL_AGENT_LOGS="off",
               MPLCONFIGDIR=str(tmp_path / "mpl"))
    client = nbclient.NotebookClient(nb, km=_current_python_kernel(), timeout=300,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    answers = [h for h in html if "causal-agent-answer" in h]
    assert len(answers) == 4  # one per level: variable, edge, graph, effect
    assert any("causal-agent-profile" in h for h in html)
    variable, edge, graph, effect = answers
    assert ">YES<" in variable and ">YES<" in edge  # age ⫫ genetics; smoking -> lung cancer
    assert "<svg" in graph and "lung_cancer" in graph
    assert "95% CI" in effect and "smoking" in effect
    svgs = [o.data["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 1 and svgs[0].lstrip().startswith("<svg")
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "ATE " in printed and "95% CI" in printed
