"""Benchmark: ``causal-agent mcp`` seen from an MCP client (the SDK's own), over stdio and HTTP.

For each transport it starts ``causal-agent mcp --data clinic.csv --model offline`` in a fresh
process (``--resamples`` as given, default 0, so the figures are the server's and not the
bootstrap's) and reports, in seconds:

* ``start``: process start until ``initialize`` returned (imports, plugins, agent, data);
* ``list_tools`` and the size of its JSON;
* ``test_independence``: median round trip of ``--repeat`` calls, beside the same call made in
  this process through the same ``CausalMcp.call_tool`` (the difference is the transport);
* ``discover_graph`` (first call: learns and stores the graph), then ``read graph://clinic:pc``;
* ``ask``: one whole-agent question, median of ``--repeat``;
* the size of the ``discover_graph`` result (text and structured content), which grows with the
  bootstrap resamples (``--resamples 30`` is the agent's default).

Run: ``python benchmarks/bench_mcp.py [--transport stdio|http|both] [--repeat 5] [--resamples 0]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio

from causal_agent.examples import example_path

TOKEN = "bench-token"
#: the benchmark's questions stay out of the user's question log
QUIET = {"CAUSAL_AGENT_LOGS": "off"}


def _args(resamples: int, export_dir: str, *extra: str) -> list[str]:
    return ["-m", "causal_agent", "mcp", "--data", str(example_path("clinic")), "--model", "offline",
            "--resamples", str(resamples), "--export-dir", export_dir, *extra]


@asynccontextmanager
async def _stdio(resamples: int, work: str):  # type: ignore[no-untyped-def]
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, args=_args(resamples, work), cwd=work, env=QUIET)
    async with stdio_client(params) as streams:
        yield streams


@asynccontextmanager
async def _http(resamples: int, work: str):  # type: ignore[no-untyped-def]
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    proc = subprocess.Popen([sys.executable, *_args(resamples, work, "--transport", "http", "--port", "0",
                                                    "--token", TOKEN)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=work,
                            env={**os.environ, **QUIET})
    try:
        line = await anyio.to_thread.run_sync(proc.stderr.readline)
        url = re.search(r"(http://\S+/mcp)", line)
        if not url:
            raise SystemExit(f"the HTTP server did not start: {line}")
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"}) as client, \
                streamable_http_client(url.group(1), http_client=client) as streams:
            yield streams
    finally:
        proc.terminate()
        proc.wait(60)


async def _measure(transport: str, repeat: int, resamples: int) -> dict[str, Any]:
    from mcp import ClientSession

    connect = _stdio if transport == "stdio" else _http
    out: dict[str, Any] = {"transport": transport}
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        async with connect(resamples, work) as streams, ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            out["start_s"] = time.perf_counter() - started

            t = time.perf_counter()
            tools = await session.list_tools()
            out["list_tools_s"] = time.perf_counter() - t
            out["tools"] = len(tools.tools)
            out["list_tools_bytes"] = len(tools.model_dump_json(by_alias=True, exclude_none=True))

            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                res = await session.call_tool("test_independence", {"x": "smoking", "y": "lung_cancer"})
                times.append(time.perf_counter() - t)
                assert not res.is_error, res.content[0].text
            out["test_independence_s"] = statistics.median(times)

            t = time.perf_counter()
            res = await session.call_tool("discover_graph", {})
            out["discover_graph_s"] = time.perf_counter() - t
            assert not res.is_error, res.content[0].text
            out["discover_text_bytes"] = len(res.content[0].text)
            out["discover_structured_bytes"] = len(json.dumps(res.structured_content))

            t = time.perf_counter()
            await session.read_resource(f"graph://{res.structured_content['key']}")
            out["read_graph_s"] = time.perf_counter() - t

            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                res = await session.call_tool("ask", {"question": "Does smoking directly cause lung_cancer?"})
                times.append(time.perf_counter() - t)
                assert not res.is_error, res.content[0].text
            out["ask_s"] = statistics.median(times)
    return out


def _in_process(repeat: int, resamples: int) -> float:
    """The same test_independence call through CausalMcp.call_tool, no transport."""
    from causal_agent import CausalAgent
    from causal_agent.context import Settings
    from causal_agent.mcp_server import CausalMcp

    os.environ.update(QUIET)
    agent = CausalAgent(model="offline", settings=Settings(discovery_resamples=resamples), log=False)
    agent.load(example_path("clinic"))
    mcp = CausalMcp(agent)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        assert not mcp.call_tool("test_independence", {"x": "smoking", "y": "lung_cancer"}).is_error
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transport", choices=["stdio", "http", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--resamples", type=int, default=0)
    opts = parser.parse_args()
    direct = _in_process(opts.repeat, opts.resamples)
    print(f"in process: test_independence {direct:.3f} s (median of {opts.repeat})")
    for transport in (["stdio", "http"] if opts.transport == "both" else [opts.transport]):
        r = anyio.run(_measure, transport, opts.repeat, opts.resamples)
        print(f"{transport}: start {r['start_s']:.2f} s; list_tools {r['list_tools_s']:.3f} s ({r['tools']} tools,"
              f" {r['list_tools_bytes']} bytes); test_independence {r['test_independence_s']:.3f} s"
              f" (+{r['test_independence_s'] - direct:.3f} s over in process); discover_graph"
              f" {r['discover_graph_s']:.2f} s (text {r['discover_text_bytes']} B, structured"
              f" {r['discover_structured_bytes']} B); read graph {r['read_graph_s']:.3f} s; ask {r['ask_s']:.3f} s")


if __name__ == "__main__":
    main()
