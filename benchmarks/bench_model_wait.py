"""Benchmark the bounded model wait: how long ``causal-agent ask`` takes to give up on a model
server that accepts the connection and never replies.

Runs, in a fresh process each time (so the figure includes start-up and imports)::

    causal-agent ask "Are stress and age independent?" -d clinic.csv \\
        --model llamacpp:x --base-url http://127.0.0.1:PORT/v1 --timeout 2 --retries 0

against a socket server on 127.0.0.1 that reads the request and sleeps, and prints the wall time
of each run, the median, the wait alone (in process, without start-up) and the one-line error. The target (issue 10) is under 5 s for
``--timeout 2 --retries 0``; the tests only assert a generous 30 s bound.

Run: ``python benchmarks/bench_model_wait.py [--runs 3] [--timeout 2] [--retries 0]``.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time


def _cli() -> list[str]:
    """The installed console script, or ``python -m causal_agent`` when it is not on PATH."""
    exe = shutil.which("causal-agent")
    return [exe] if exe else [sys.executable, "-m", "causal_agent"]


class SilentServer:
    """Accepts connections, reads what arrives and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    @staticmethod
    def _drain(conn: socket.socket) -> None:
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        self.sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--retries", type=int, default=0)
    args = parser.parse_args()

    from causal_agent.examples import example_path

    data = str(example_path("clinic"))
    server = SilentServer()
    times: list[float] = []
    last = ""
    try:
        for run in range(args.runs):
            cmd = [*_cli(), "ask", "Are stress and age independent?", "-d", data, "--model", "llamacpp:x",
                   "--base-url", server.url, "--timeout", f"{args.timeout:g}", "--retries", str(args.retries)]
            started = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
            elapsed = time.perf_counter() - started
            times.append(elapsed)
            last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "(no error output)"
            print(f"run {run + 1}: {elapsed:.2f} s (exit {proc.returncode})")
    finally:
        server.close()
    wait = _in_process_wait(args.timeout, args.retries)
    print(f"--timeout {args.timeout:g} --retries {args.retries}: median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s over {len(times)} cold runs (target: under 5 s for --timeout 2 --retries 0)")
    print(f"the wait alone (in process, model built by the llamacpp: factory): {wait:.2f} s; "
          "the rest of a cold run is start-up (imports, loading the data)")
    print(f"error line: {last}")


def _in_process_wait(timeout: float, retries: int) -> float:
    """Seconds from the model call to its failure, without process start-up."""
    from causal_agent.config import ModelConfig
    from causal_agent.models.factory import make_model

    server = SilentServer()
    try:
        model = make_model(None, ModelConfig(model="llamacpp:x", base_url=server.url, timeout=timeout,
                                             retries=retries))
        started = time.perf_counter()
        try:
            model.invoke("hi")
        except Exception:
            pass
        return time.perf_counter() - started
    finally:
        server.close()


if __name__ == "__main__":
    main()
