"""Pictures and terminal text of causal graphs.

``render_graph`` prefers Graphviz's ``dot`` (best layouts) and falls back to matplotlib, which is
always installed, so PNG/SVG export works everywhere. The matplotlib path draws every edge end as
its mark says (arrowhead for '>', plain end for a tail '-', small open circle for 'o'), because a
CPDAG or PAG picture that turned every edge into an arrow would claim more than the data showed.
It builds a ``matplotlib.figure.Figure`` directly (Agg canvas), never touching pyplot's global
state, and works in point units so marks sit exactly on the label boxes at any graph size.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .errors import GraphError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .graph import CausalGraph, Edge

ImageFormat = Literal["png", "svg"]
IMAGE_FORMATS: tuple[str, ...] = ("png", "svg")
Engine = Literal["auto", "graphviz", "matplotlib"]

_REVERSED = {"-->": "<--", "---": "---", "<->": "<->", "o->": "<-o", "o-o": "o-o"}


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def image_format(path: str | Path, fmt: str | None = None) -> ImageFormat:
    """The picture format from ``fmt`` or the file suffix; GraphError if unsupported."""
    kind = (fmt or Path(path).suffix.lstrip(".")).lower()
    if kind not in IMAGE_FORMATS:
        raise GraphError(
            f"cannot draw a graph as {kind or 'a file without suffix'!r}; "
            "use a .png or .svg file name"
        )
    return kind  # type: ignore[return-value]


def render_graph(
    graph: CausalGraph, path: str | Path, fmt: str | None = None, *, engine: Engine = "auto"
) -> Path:
    """Draw ``graph`` to ``path`` as PNG or SVG (from ``fmt`` or the suffix); returns the path.

    ``engine="auto"`` uses Graphviz when the ``dot`` binary is on PATH and falls back to
    matplotlib if it is missing or fails.
    """
    kind = image_format(path, fmt)
    target = Path(path)
    if not target.parent.exists():
        raise GraphError(f"cannot write {str(target)!r}: folder {str(target.parent)!r} does not exist")
    if engine not in ("auto", "graphviz", "matplotlib"):
        raise GraphError(f"unknown render engine {engine!r}; use auto, graphviz or matplotlib")
    if engine != "matplotlib":
        dot = shutil.which("dot")
        if dot is not None:
            data = _graphviz(graph, kind, dot)
            if data is not None:
                atomic_write(target, data)
                return target
        if engine == "graphviz":
            raise GraphError("Graphviz 'dot' is not installed or failed; use engine='matplotlib'")
    atomic_write(target, _matplotlib(graph, kind))
    return target


def _graphviz(graph: CausalGraph, kind: ImageFormat, dot: str) -> bytes | None:
    try:
        done = subprocess.run(
            [dot, f"-T{kind}"], input=graph.to_dot().encode(), capture_output=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


# -- matplotlib ----------------------------------------------------------------------------------


def _style(n: int) -> tuple[float, float]:
    """Font size and target edge length (points) for ``n`` nodes: smaller text as graphs grow."""
    font = 12.0 if n <= 8 else 10.5 if n <= 20 else 9.5
    return font, 3.2 * font + 40.0


def _layout(graph: CausalGraph) -> dict[str, tuple[float, float]]:
    import networkx as nx

    skeleton = nx.Graph()
    skeleton.add_nodes_from(graph.nodes)
    skeleton.add_edges_from((e.source, e.target) for e in graph.edges)
    n = len(graph.nodes)
    if n == 1:
        return {graph.nodes[0]: (0.0, 0.0)}
    if n <= 3:
        pos = nx.circular_layout(skeleton)
    else:
        pos = nx.kamada_kawai_layout(skeleton)
    return {k: (float(v[0]), float(v[1])) for k, v in pos.items()}


def _separate(
    pos: dict[str, list[float]], half: dict[str, tuple[float, float]], gap: float, rounds: int = 200
) -> None:
    """Push overlapping label boxes apart (in place) so every label stays readable."""
    names = list(pos)
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                dx = pos[b][0] - pos[a][0]
                dy = pos[b][1] - pos[a][1]
                ox = half[a][0] + half[b][0] + gap - abs(dx)
                oy = half[a][1] + half[b][1] + gap - abs(dy)
                if ox <= 0 or oy <= 0:
                    continue
                moved = True
                if dx == 0 and dy == 0:
                    dx, dy = 1.0, 0.5
                if ox < oy:  # move along the axis that needs the smaller shift
                    shift = ox / 2 + 0.5
                    s = 1 if dx >= 0 else -1
                    pos[a][0] -= s * shift
                    pos[b][0] += s * shift
                else:
                    shift = oy / 2 + 0.5
                    s = 1 if dy >= 0 else -1
                    pos[a][1] -= s * shift
                    pos[b][1] += s * shift
        if not moved:
            return


def _box_exit(
    center: tuple[float, float], half: tuple[float, float], toward: tuple[float, float]
) -> tuple[float, float]:
    """Where the ray from ``center`` toward ``toward`` leaves a box of half-size ``half``."""
    dx, dy = toward[0] - center[0], toward[1] - center[1]
    if dx == 0 and dy == 0:
        return center
    scale = min(
        half[0] / abs(dx) if dx else math.inf,
        half[1] / abs(dy) if dy else math.inf,
    )
    return center[0] + dx * scale, center[1] + dy * scale


def _matplotlib(graph: CausalGraph, kind: ImageFormat) -> bytes:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyBboxPatch

    nodes = list(graph.nodes)
    n = len(nodes)
    font, edge_len = _style(n)
    pad = 0.35 * font
    prop = FontProperties(size=font)
    measure = RendererAgg(10, 10, 72)  # 72 dpi: pixels == points
    half: dict[str, tuple[float, float]] = {}
    for name in nodes:
        w, h, _ = measure.get_text_width_height_descent(str(name), prop, ismath=False)
        half[name] = (w / 2 + pad, max(h, font) / 2 + pad)

    # Layout in points: scale the unit layout so the closest pair sits about ``edge_len`` apart
    # (box to box), then nudge overlapping labels apart.
    unit = _layout(graph)
    if n > 1:
        closest_gap = min(
            math.dist(unit[a], unit[b]) for i, a in enumerate(nodes) for b in nodes[i + 1 :]
        )
        widest = max(2 * h[0] for h in half.values())
        scale = (edge_len + widest) / max(closest_gap, 1e-6)
        # Cap it, so that one very close pair cannot blow the canvas up; _separate fixes overlaps.
        scale = min(scale, (edge_len + widest) * math.sqrt(n) * 0.8)
    else:
        scale = 1.0
    pos = {k: [unit[k][0] * scale, unit[k][1] * scale] for k in nodes}
    _separate(pos, half, gap=2.2 * font)  # room for an arrowhead at each end

    margin = 2.0 * font
    if nodes:
        xmin = min(pos[k][0] - half[k][0] for k in nodes) - margin
        xmax = max(pos[k][0] + half[k][0] for k in nodes) + margin
        ymin = min(pos[k][1] - half[k][1] for k in nodes) - margin - 1.6 * font  # caption room
        ymax = max(pos[k][1] + half[k][1] for k in nodes) + margin
    else:
        xmin, xmax, ymin, ymax = 0.0, 200.0, 0.0, 80.0
    caption = f"{graph.kind.upper()}: {n} nodes, {len(graph.edges)} edges"
    if any("o" in e.type for e in graph.edges):
        caption += "; o = undetermined end mark"
    caption_font = max(7.0, 0.75 * font)
    caption_w = measure.get_text_width_height_descent(
        caption, FontProperties(size=caption_font), ismath=False)[0]
    width = max(xmax - xmin, caption_w + 1.5 * margin, 120.0)
    height = max(ymax - ymin, 80.0)

    fig = Figure(figsize=(width / 72, height / 72), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(xmin, xmin + width)
    ax.set_ylim(ymin, ymin + height)
    ax.set_axis_off()

    color = "#333333"
    gap = 1.5  # points between a label box and the edge end
    for edge in graph.edges:
        a = (pos[edge.source][0], pos[edge.source][1])
        b = (pos[edge.target][0], pos[edge.target][1])
        ends = []
        for center, other, node, mark in (
            (a, b, edge.source, edge.type[0]),
            (b, a, edge.target, edge.type[-1]),
        ):
            x, y = _box_exit(center, half[node], other)
            length = math.dist(center, other) or 1.0
            ux, uy = (other[0] - center[0]) / length, (other[1] - center[1]) / length
            x, y = x + ux * gap, y + uy * gap  # the end point, just outside the label box
            ends.append((x, y, ux, uy, mark))
        (xa, ya, uxa, uya, ma), (xb, yb, uxb, uyb, mb) = ends
        line_a = _draw_mark(ax, xa, ya, uxa, uya, ma, font, color)
        line_b = _draw_mark(ax, xb, yb, uxb, uyb, mb, font, color)
        ax.add_line(Line2D([line_a[0], line_b[0]], [line_a[1], line_b[1]], color=color,
                           linewidth=1.2, solid_capstyle="butt", zorder=1))

    for name in nodes:
        x, y = pos[name]
        hw, hh = half[name]
        ax.add_patch(
            FancyBboxPatch((x - hw + pad, y - hh + pad), 2 * (hw - pad), 2 * (hh - pad),
                           boxstyle=f"round,pad={pad}", facecolor="white", edgecolor=color,
                           linewidth=1.0, zorder=3, gid=f"node-{len(ax.patches)}")
        )
        ax.text(x, y, str(name), ha="center", va="center", fontsize=font, color="black",
                zorder=4)
    ax.text(xmin + margin / 2, ymin + 0.6 * font, caption, ha="left", va="bottom",
            fontsize=caption_font, color="#666666")

    buffer = io.BytesIO()
    fig.savefig(buffer, format=kind, facecolor="white")
    return buffer.getvalue()


def _draw_mark(
    ax: Axes, x: float, y: float, ux: float, uy: float, mark: str, font: float, color: str
) -> tuple[float, float]:
    """Draw the edge end at (x, y), whose node lies in direction -u; return where the line ends.

    Sizes scale with the font: arrowheads ``0.85 font`` long, circles ``0.3 font`` in radius.
    """
    from matplotlib.patches import Circle, Polygon

    if mark in "<>":  # arrowhead with its tip on the node
        length, half_width = 0.85 * font, 0.3 * font
        bx, by = x + ux * length, y + uy * length
        px, py = -uy * half_width, ux * half_width
        ax.add_patch(Polygon([(x, y), (bx + px, by + py), (bx - px, by - py)], closed=True,
                             facecolor=color, edgecolor=color, linewidth=0.8, zorder=2,
                             gid=f"arrowhead-{len(ax.patches)}"))
        return bx, by
    if mark == "o":  # small open circle touching the node
        r = 0.3 * font
        cx, cy = x + ux * r, y + uy * r
        ax.add_patch(Circle((cx, cy), r, facecolor="white", edgecolor=color, linewidth=1.1,
                            zorder=2, gid=f"circle-{len(ax.patches)}"))
        return cx + ux * r, cy + uy * r
    return x, y  # tail: the plain line end


# -- text ----------------------------------------------------------------------------------------


def _as_seen_from(edge: Edge, node: str) -> str:
    if edge.source == node:
        return f"{edge.type} {edge.target}"
    return f"{_REVERSED[edge.type]} {edge.source}"


def render_text(graph: CausalGraph) -> str:
    """A terminal-friendly rendering: a header, then every node with its edges as seen from it.

    ``smoking: --> lung_cancer, <-- genes`` reads "smoking causes lung_cancer, genes cause
    smoking"; ``---`` is undirected, ``<->`` bidirected (latent confounder), ``o`` an undetermined
    mark. Plain ASCII without brackets, so it is safe inside rich markup.
    """
    edges = list(graph.edges)
    lines = [f"{graph.kind.upper()} with {len(graph.nodes)} nodes and {len(edges)} edges"]
    if not graph.nodes:
        return lines[0]
    width = max(len(str(n)) for n in graph.nodes)
    for node in graph.nodes:
        touching = [_as_seen_from(e, node) for e in edges if node in (e.source, e.target)]
        lines.append(f"  {str(node).ljust(width)} : " + (", ".join(touching) or "(no edges)"))
    return "\n".join(lines)
