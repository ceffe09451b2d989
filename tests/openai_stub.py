"""A scripted OpenAI-compatible chat server on 127.0.0.1 for tests of the real-LLM path.

No LLM is reachable from CI, so the tests speak the real wire protocol (through langchain-openai
and the openai client) to this server, which answers from a script: a callable that receives the
request JSON and returns the assistant message (content and/or tool calls; an optional
``finish_reason`` key overrides the one the server reports, e.g. ``"length"``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Script = Callable[[dict[str, Any]], dict[str, Any]]


def tool_call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}


class ScriptedOpenAI:
    """Serve ``/v1/chat/completions`` from ``script``; records every request body."""

    def __init__(self, script: Script, status: int = 200) -> None:
        self.script = script
        self.status = status
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.requests.append(body)
                if outer.status != 200:
                    payload = {"error": {"message": "scripted failure", "type": "server_error"}}
                    data = json.dumps(payload).encode()
                    self.send_response(outer.status)
                else:
                    message = dict(outer.script(body))
                    finish = message.pop("finish_reason", None) or ("tool_calls" if message.get("tool_calls") else "stop")
                    payload = {
                        "id": f"chatcmpl-{len(outer.requests)}",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "scripted"),
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}
                        ],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                    }
                    data = json.dumps(payload).encode()
                    self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ScriptedOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
