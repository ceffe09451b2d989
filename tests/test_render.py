"""Graph pictures (PNG/SVG via matplotlib or Graphviz) and the terminal text rendering."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from causal_agent import render
from causal_agent.errors import GraphError
from causal_agent.graph import CausalGraph, Edge
from causal_agent.render import render_graph, render_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TYPES = ["-->", "---", "<->", "o->", "o-o"]


def random_pag(n: int, seed: int) -> CausalGraph:
    """A PAG over ``n`` nodes with long-ish names that uses every edge type."""
    rng = np.random.default_rng(seed)
    names = [f"variable_{i}" if i % 3 else f"x{i}" for i in range(n)]
    edges: dict[frozenset[str], Edge] = {}
    for i in range(n - 1):  # a spanning chain (so every node has an edge) plus random extras
        edges[frozenset((names[i], names[i + 1]))] = Edge(
            source=names[i], target=names[i + 1], type=TYPES[i % len(TYPES)])
    for _ in range(n // 2):
        a, b = rng.choice(n, size=2, replace=False)
        pair = frozenset((names[a], names[b]))
        if pair not in edges:
            edges[pair] = Edge(source=names[a], target=names[b], type=TYPES[int(rng.integers(5))])
    return CausalGraph(nodes=names, edges=list(edges.values()), kind="pag")


@pytest.fixture(autouse=True)
def no_graphviz(monkeypatch):
    """Exercise the matplotlib path even where Graphviz happens to be installed."""
    monkeypatch.setattr(render.shutil, "which", lambda name: None)


@pytest.mark.parametrize("n", [3, 12, 30])
def test_png_is_valid_and_scales(tmp_path, n):
    graph = random_pag(n, seed=n)
    assert {e.type for e in graph.edges} == set(TYPES) or n == 3
    out = render_graph(graph, tmp_path / f"g{n}.png")
    data = out.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 1000
    with Image.open(out) as img:
        img.verify()
    with Image.open(out) as img:
        width, height = img.size
        pixels = np.asarray(img.convert("L"))
    assert 200 <= width <= 4000 and 80 <= height <= 4000
    assert (pixels < 128).mean() > 0.002  # something dark (edges, text) was drawn


def test_canvas_grows_with_node_count(tmp_path):
    sizes = []
    for n in (3, 12, 30):
        render_graph(random_pag(n, seed=1), tmp_path / f"s{n}.png")
        with Image.open(tmp_path / f"s{n}.png") as img:
            sizes.append(img.size[0] * img.size[1])
    assert sizes[0] < sizes[1] < sizes[2]


def test_svg_and_marks(tmp_path):
    graph = CausalGraph(nodes=["a", "b", "c", "d"], edges=[
        Edge(source="a", target="b", type="-->"), Edge(source="b", target="c", type="o-o"),
        Edge(source="c", target="d", type="o->"), Edge(source="a", target="d", type="<->"),
    ], kind="pag")
    out = render_graph(graph, tmp_path / "g.svg")
    svg = out.read_text()
    assert "<svg" in svg
    # marks are patches with ids (SVG group ids): '>' and '<' ends are arrowheads, 'o' ends circles
    assert len(re.findall(r'id="arrowhead-\d+"', svg)) == 4  # a-->b, c o-> d, a <-> d (two)
    assert len(re.findall(r'id="circle-\d+"', svg)) == 3  # b o-o c (two), c o-> d
    assert len(re.findall(r'id="node-\d+"', svg)) == 4
    plain = CausalGraph(nodes=["a", "b"], edges=[Edge(source="a", target="b", type="---")])
    svg = render_graph(plain, tmp_path / "plain.svg").read_text()
    assert "arrowhead-" not in svg and "circle-" not in svg  # tails are plain line ends


def test_fmt_overrides_suffix_and_bad_formats(tmp_path):
    graph = random_pag(3, seed=0)
    out = render_graph(graph, tmp_path / "picture", fmt="png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    with pytest.raises(GraphError, match=r"\.png or \.svg"):
        render_graph(graph, tmp_path / "g.pdf")
    with pytest.raises(GraphError, match="does not exist"):
        render_graph(graph, tmp_path / "nope" / "g.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture"]  # no temp files left behind


def test_single_node_and_empty_graph(tmp_path):
    render_graph(CausalGraph(nodes=["only"], edges=[]), tmp_path / "one.png")
    render_graph(CausalGraph(nodes=[], edges=[]), tmp_path / "none.png")
    for name in ("one.png", "none.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG_SIGNATURE


def test_uses_graphviz_dot_when_available(tmp_path, monkeypatch):
    """With a ``dot`` on PATH, its output is written and it was fed ``graph.to_dot()``."""
    if sys.platform.startswith("win"):
        pytest.skip("shell script stand-in")
    seen = tmp_path / "stdin.dot"
    fake = tmp_path / "dot"
    fake.write_text(f"#!/bin/sh\ncat > {seen}\nprintf '<svg>from dot</svg>'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(render.shutil, "which", lambda name: str(fake) if name == "dot" else None)
    graph = random_pag(4, seed=0)
    out = render_graph(graph, tmp_path / "g.svg")
    assert out.read_text() == "<svg>from dot</svg>"
    assert seen.read_text() == graph.to_dot()
    # a failing dot falls back to matplotlib
    fake.write_text("#!/bin/sh\nexit 3\n")
    out = render_graph(graph, tmp_path / "h.svg")
    assert "<svg" in out.read_text() and "from dot" not in out.read_text()
    with pytest.raises(GraphError, match="Graphviz"):
        render_graph(graph, tmp_path / "i.svg", engine="graphviz")


def test_render_text():
    graph = CausalGraph(nodes=["smoking", "lung_cancer", "genes", "alone"], edges=[
        Edge(source="smoking", target="lung_cancer", type="-->"),
        Edge(source="genes", target="smoking", type="o->"),
    ], kind="pag")
    text = render_text(graph)
    lines = text.splitlines()
    assert lines[0] == "PAG with 4 nodes and 2 edges"
    by_node = {line.split(":")[0].strip(): line.split(":", 1)[1].strip() for line in lines[1:]}
    assert by_node["smoking"] == "--> lung_cancer, <-o genes"
    assert by_node["lung_cancer"] == "<-- smoking"
    assert by_node["genes"] == "o-> smoking"
    assert by_node["alone"] == "(no edges)"
    assert "[" not in text  # safe inside rich markup


def test_no_pyplot_state_leaks(tmp_path):
    render_graph(random_pag(5, seed=2), tmp_path / "g.png")
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        assert plt.get_fignums() == []
    assert os.listdir(tmp_path) == ["g.png"]


def test_large_label_layout_keeps_boxes_apart(tmp_path):
    """Label boxes must not overlap after layout (readability at 30 nodes)."""
    graph = random_pag(30, seed=7)
    font, _ = render._style(30)
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    measure = RendererAgg(10, 10, 72)
    pad = 0.35 * font
    half = {}
    for name in graph.nodes:
        w, h, _ = measure.get_text_width_height_descent(name, FontProperties(size=font), False)
        half[name] = (w / 2 + pad, max(h, font) / 2 + pad)
    unit = render._layout(graph)
    pos = {k: [unit[k][0] * 400, unit[k][1] * 400] for k in graph.nodes}
    render._separate(pos, half, gap=0.8 * font)
    names = list(graph.nodes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            overlap_x = half[a][0] + half[b][0] - abs(pos[a][0] - pos[b][0])
            overlap_y = half[a][1] + half[b][1] - abs(pos[a][1] - pos[b][1])
            assert overlap_x <= 0 or overlap_y <= 0, (a, b)
    assert Path(render_graph(graph, tmp_path / "big.png")).stat().st_size > 0
