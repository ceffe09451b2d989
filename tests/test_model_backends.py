"""The model prefixes (offline, openai:, ollama:, llamacpp:, lmstudio:), ``model_options``, what
reaches the wire, and the bounded wait with its one-line error."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from causal_agent.config import ModelConfig
from causal_agent.errors import ModelError, PluginError
from causal_agent.hookspecs import hookimpl
from causal_agent.models.endpoint import model_error
from causal_agent.models.factory import ModelOptions, make_model, model_options
from causal_agent.plugins import collect_registry, make_plugin_manager
from openai_stub import ScriptedOpenAI

#: a test may bound a wait to prove it does not hang; generous, see the interfaces note
HANG_BOUND_S = 30.0


@pytest.fixture(scope="module")
def registry():
    return collect_registry(make_plugin_manager())


def cfg(**kw) -> ModelConfig:
    return ModelConfig(**kw)


def test_the_builtin_prefixes_declare_their_defaults(registry):
    got = {p: registry.models[p].as_dict() for p in ("offline", "openai", "ollama", "llamacpp", "lmstudio")}
    keys = {"prefix", "description", "plugin", "prompt", "text_tool_calls", "base_url", "timeout", "retries"}
    assert all(set(d) == keys for d in got.values())
    pick = {p: (d["prompt"], d["text_tool_calls"], d["base_url"], d["timeout"], d["retries"]) for p, d in got.items()}
    assert pick["offline"][:2] == ("full", False)
    assert pick["openai"] == ("full", True, None, 120.0, 1)
    assert pick["ollama"] == ("compact", True, "http://localhost:11434/v1", 300.0, 0)
    assert pick["llamacpp"] == ("compact", True, "http://localhost:8080/v1", 300.0, 0)
    assert pick["lmstudio"] == ("full", True, "http://localhost:1234/v1", 300.0, 0)


def test_config_values_win_over_backend_defaults(registry):
    opts = model_options("ollama:qwen2.5:1.5b", cfg(), registry)
    assert opts == ModelOptions(prompt="compact", text_tool_calls=True, timeout=300.0, retries=0,
                                base_url="http://localhost:11434/v1")
    opts = model_options("ollama:qwen2.5:1.5b", cfg(prompt="full", text_tool_calls=False, timeout=5, retries=2,
                                                    base_url="http://box:11434/v1"), registry)
    assert opts == ModelOptions(prompt="full", text_tool_calls=False, timeout=5.0, retries=2,
                                base_url="http://box:11434/v1")
    # None means config.model; a bare model name is openai:<name> when an OpenAI key (or an
    # endpoint) is configured
    assert model_options(None, cfg(model="llamacpp:"), registry).prompt == "compact"
    assert model_options("gpt-4o-mini", cfg(api_key="sk-test"), registry).timeout == 120.0


def test_make_model_uses_the_same_resolved_values(registry):
    for spec in ("ollama:qwen2.5:1.5b", "llamacpp:", "lmstudio:some-model", "openai:gpt-4o-mini"):
        config = cfg(api_key="sk-test", timeout=7, retries=None)
        model = make_model(spec, config, registry)
        opts = model_options(spec, config, registry)
        assert model.request_timeout == opts.timeout == 7.0
        assert model.max_retries == opts.retries
        assert model.openai_api_base == opts.base_url
        assert model.max_tokens == 1024 and model.temperature == 0
        # and the options read back from the instance agree with those of its spec
        back = model_options(model, config, registry)
        assert (back.timeout, back.retries, back.base_url, back.text_tool_calls) == (
            opts.timeout, opts.retries, opts.base_url, True)
    assert make_model("llamacpp:", cfg(), registry).model_name == "default"
    assert make_model("llamacpp", cfg(), registry).model_name == "default"
    assert make_model("ollama:qwen2.5:1.5b", cfg(), registry).model_name == "qwen2.5:1.5b"


def test_an_instance_passed_directly(registry):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel
    from langchain_openai import ChatOpenAI

    fake = FakeListChatModel(responses=["hi"])
    assert make_model(fake, cfg(), registry) is fake
    opts = model_options(fake, cfg(), registry)
    assert (opts.prompt, opts.text_tool_calls) == ("full", False)
    chat = ChatOpenAI(model="m", api_key="k", base_url="http://h/v1", timeout=9, max_retries=3)
    opts = model_options(chat, cfg(), registry)
    assert (opts.prompt, opts.text_tool_calls, opts.timeout, opts.retries, opts.base_url) == (
        "full", True, 9.0, 3, "http://h/v1")
    assert model_options(chat, cfg(text_tool_calls=False), registry).text_tool_calls is False


def test_names_and_keys(registry):
    with pytest.raises(ModelError, match=r"name the model: 'ollama:<model name>', e.g. ollama:qwen2.5:1.5b"):
        make_model("ollama:", cfg(), registry)
    with pytest.raises(ModelError, match="no API key"):
        make_model("openai:gpt-4o-mini", cfg(), registry)
    make_model("openai:local", cfg(base_url="http://127.0.0.1:1/v1"), registry)  # local: no key needed
    with pytest.raises(ModelError, match="unknown model provider 'nosuch'"):
        model_options("nosuch:x", cfg(), registry)


def _reply(body):
    return {"content": "ANSWER: hello"}


@pytest.mark.parametrize("prefix", ["llamacpp:", "ollama:qwen2.5:1.5b", "lmstudio:m", "openai:m"])
def test_max_tokens_reaches_the_request_json(registry, prefix):
    with ScriptedOpenAI(_reply) as server:
        model = make_model(prefix, cfg(base_url=server.base_url, max_tokens=77), registry)
        assert model.invoke("hi").content == "ANSWER: hello"
    body = server.requests[-1]
    assert body["max_tokens"] == 77 and "max_completion_tokens" not in body
    assert body["temperature"] == 0
    assert body["model"] == {"llamacpp:": "default"}.get(prefix, prefix.split(":", 1)[1])


def test_openais_own_endpoint_keeps_max_completion_tokens(registry):
    model = make_model("openai:gpt-4o-mini", cfg(api_key="sk-test", max_tokens=50), registry)
    payload = model._get_request_payload([("user", "hi")])
    assert payload["max_completion_tokens"] == 50 and "max_tokens" not in payload


class SilentServer:
    """Accepts connections on 127.0.0.1, reads the request and never replies."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.conns: list[socket.socket] = []
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            try:
                conn.recv(65536)
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        for conn in self.conns:
            conn.close()
        self.sock.close()


def test_a_silent_server_fails_within_the_bound_with_one_clear_line(registry):
    server = SilentServer()
    try:
        config = cfg(model="llamacpp:x", base_url=server.base_url, timeout=2, retries=0)
        model = make_model(None, config, registry)
        opts = model_options(None, config, registry)
        started = time.monotonic()
        with pytest.raises(Exception) as info:
            model.invoke("hi")
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert elapsed < HANG_BOUND_S
    for err in (model_error(info.value, model, opts), model_error(info.value, model)):
        text = str(err)
        assert isinstance(err, ModelError) and "\n" not in text
        assert server.base_url in text and "2 s" in text and "1 try" in text and "--timeout" in text


def test_tries_are_retries_plus_one(registry):
    from openai import APITimeoutError

    model = make_model("ollama:m", cfg(timeout=3, retries=2), registry)
    text = str(model_error(APITimeoutError(request=None), model))  # type: ignore[arg-type]
    assert "3 s per try (3 tries)" in text and "http://localhost:11434/v1" in text


def test_connection_refused_is_named(registry):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    probe.close()  # nothing listens there now
    config = cfg(model="ollama:m", base_url=url, timeout=5, retries=0)
    model = make_model(None, config, registry)
    with pytest.raises(Exception) as info:
        model.invoke("hi")
    text = str(model_error(info.value, model, model_options(None, config, registry)))
    assert text.startswith(f"cannot reach {url} (connection refused) after 1 try; is the server running?")
    assert "\n" not in text


def test_other_errors_keep_their_one_line_shape():
    class AuthenticationError(Exception):
        pass

    err = model_error(AuthenticationError("bad key\nmore"), object())
    assert "rejected the API key" in str(err)
    err = model_error(ValueError("first line\nsecond line"), object())
    assert str(err) == "the model call failed: ValueError: first line"


class _Backends:
    @hookimpl
    def register_models(self, register):
        register("plain", lambda name, config: None, "no capabilities declared")
        register("tiny", lambda name, config: None, "small local", prompt="compact", timeout=600, retries=0,
                 base_url="http://localhost:9999/v1", text_tool_calls=True)


class _BadBackend:
    @hookimpl
    def register_models(self, register):
        register("broken", lambda name, config: None, "bad prompt style", prompt="tiny")


def test_third_party_capabilities_and_their_defaults():
    reg = collect_registry(make_plugin_manager([_Backends()]))
    plain, tiny = reg.models["plain"], reg.models["tiny"]
    assert (plain.prompt, plain.text_tool_calls, plain.base_url, plain.timeout, plain.retries) == (
        "full", False, None, 120.0, 1)
    assert (tiny.prompt, tiny.text_tool_calls, tiny.base_url, tiny.timeout, tiny.retries) == (
        "compact", True, "http://localhost:9999/v1", 600.0, 0)
    assert model_options("tiny:x", cfg(), reg).timeout == 600.0
    with pytest.raises(PluginError, match="prompt must be 'compact' or 'full'"):
        collect_registry(make_plugin_manager([_BadBackend()]))
