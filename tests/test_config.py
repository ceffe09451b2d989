"""``load_config``: flags > environment > config file > defaults, and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from causal_agent.config import ModelConfig, load_config
from causal_agent.errors import CausalAgentError

ENV = ("CAUSAL_AGENT_MODEL", "CAUSAL_AGENT_BASE_URL", "OPENAI_API_KEY", "CAUSAL_AGENT_MEMORY",
       "CAUSAL_AGENT_TIMEOUT", "CAUSAL_AGENT_RETRIES", "CAUSAL_AGENT_MAX_TOKENS", "CAUSAL_AGENT_PROMPT",
       "CAUSAL_AGENT_TEXT_TOOL_CALLS")


@pytest.fixture()
def config_file(monkeypatch, tmp_path):
    """An empty environment and a config file path (written by the test when it needs one)."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "config.toml"
    monkeypatch.setenv("CAUSAL_AGENT_CONFIG", str(path))
    return path


def test_defaults_leave_the_backend_to_decide(config_file):
    cfg = load_config()
    assert cfg.model == "offline" and cfg.base_url is None and cfg.memory is None
    assert (cfg.timeout, cfg.retries, cfg.prompt, cfg.text_tool_calls) == (None, None, None, None)
    assert cfg.max_tokens == 1024


def test_flag_beats_env_beats_file(config_file, monkeypatch):
    config_file.write_text(
        'timeout = 10\nretries = 3\nmax_tokens = 100\nprompt = "full"\ntext_tool_calls = true\n', encoding="utf-8")
    cfg = load_config()
    assert (cfg.timeout, cfg.retries, cfg.max_tokens, cfg.prompt, cfg.text_tool_calls) == (10.0, 3, 100, "full", True)

    monkeypatch.setenv("CAUSAL_AGENT_TIMEOUT", "20.5")
    monkeypatch.setenv("CAUSAL_AGENT_RETRIES", "2")
    monkeypatch.setenv("CAUSAL_AGENT_MAX_TOKENS", "200")
    monkeypatch.setenv("CAUSAL_AGENT_PROMPT", "Compact")
    monkeypatch.setenv("CAUSAL_AGENT_TEXT_TOOL_CALLS", "no")
    cfg = load_config()
    assert (cfg.timeout, cfg.retries, cfg.max_tokens, cfg.prompt, cfg.text_tool_calls) == (20.5, 2, 200, "compact", False)

    cfg = load_config(timeout=3, retries=0, max_tokens=300, prompt="full", text_tool_calls=True)
    assert (cfg.timeout, cfg.retries, cfg.max_tokens, cfg.prompt, cfg.text_tool_calls) == (3.0, 0, 300, "full", True)


@pytest.mark.parametrize("text, value", [("0", False), ("1", True), ("false", False), ("TRUE", True),
                                         ("no", False), ("yes", True)])
def test_text_tool_calls_env_words(config_file, monkeypatch, text, value):
    monkeypatch.setenv("CAUSAL_AGENT_TEXT_TOOL_CALLS", text)
    assert load_config().text_tool_calls is value


def test_max_retries_is_still_accepted(config_file):
    config_file.write_text("max_retries = 4\ntimeout = 30\n", encoding="utf-8")
    cfg = load_config()
    assert cfg.retries == 4 and cfg.max_retries == 4 and cfg.timeout == 30.0
    config_file.write_text("max_retries = 4\nretries = 1\n", encoding="utf-8")
    assert load_config().retries == 1  # the new name wins
    assert ModelConfig(max_retries=2).retries == 2 and ModelConfig(retries=5).retries == 5


def test_existing_settings_keep_their_behaviour(config_file, monkeypatch):
    config_file.write_text('model = "openai:gpt-4o-mini"\nmemory = "graphs.db"\n', encoding="utf-8")
    monkeypatch.setenv("CAUSAL_AGENT_BASE_URL", "http://env/v1")
    cfg = load_config(model="ollama:qwen2.5:1.5b")
    assert cfg.model == "ollama:qwen2.5:1.5b" and cfg.base_url == "http://env/v1" and cfg.memory == "graphs.db"
    assert load_config(base_url="http://flag/v1").base_url == "http://flag/v1"


@pytest.mark.parametrize("env, value, expect", [
    ("CAUSAL_AGENT_TIMEOUT", "abc", "CAUSAL_AGENT_TIMEOUT must be a number of seconds > 0, not 'abc'"),
    ("CAUSAL_AGENT_TIMEOUT", "0", "CAUSAL_AGENT_TIMEOUT must be a number of seconds > 0, not '0'"),
    ("CAUSAL_AGENT_RETRIES", "-1", "CAUSAL_AGENT_RETRIES must be a whole number >= 0, not '-1'"),
    ("CAUSAL_AGENT_RETRIES", "1.5", "CAUSAL_AGENT_RETRIES must be a whole number"),
    ("CAUSAL_AGENT_MAX_TOKENS", "8", "CAUSAL_AGENT_MAX_TOKENS must be a whole number >= 16, not '8'"),
    ("CAUSAL_AGENT_PROMPT", "tiny", "CAUSAL_AGENT_PROMPT must be 'compact' or 'full', not 'tiny'"),
    ("CAUSAL_AGENT_TEXT_TOOL_CALLS", "maybe", "CAUSAL_AGENT_TEXT_TOOL_CALLS must be 1 or 0 (true/false, yes/no)"),
])
def test_bad_env_values_are_one_line_naming_the_variable(config_file, monkeypatch, env, value, expect):
    monkeypatch.setenv(env, value)
    with pytest.raises(CausalAgentError) as info:
        load_config()
    message = str(info.value)
    assert expect in message and "\n" not in message


def test_bad_flag_and_file_values_name_their_source(config_file):
    with pytest.raises(CausalAgentError, match=r"^--timeout must be a number of seconds > 0, not -2"):
        load_config(timeout=-2)
    with pytest.raises(CausalAgentError, match=r"^--prompt must be 'compact' or 'full'"):
        load_config(prompt="big")
    config_file.write_text('timeout = "soon"\n', encoding="utf-8")
    with pytest.raises(CausalAgentError) as info:
        load_config()
    assert str(info.value).startswith(f"timeout in {config_file} must be a number of seconds > 0, not 'soon'")
    config_file.write_text("retries = true\n", encoding="utf-8")
    with pytest.raises(CausalAgentError, match="retries in .* must be a whole number"):
        load_config()


def test_config_module_stays_light():
    code = ("import sys, causal_agent.config; "
            "print(sorted(m for m in ('langchain_core','langchain_openai','openai','pandas','langgraph') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("url", ["notaurl", "localhost:11434/v1", "ftp://host/v1", "http://"])
def test_a_base_url_that_is_not_an_http_url_is_one_line(url):
    with pytest.raises(CausalAgentError) as err:
        load_config(base_url=url)
    assert str(err.value) == f"--base-url must be an http(s) URL such as http://localhost:11434/v1, not {url!r}"


def test_http_and_https_base_urls_are_accepted():
    assert load_config(base_url="https://gpu-box:8000/v1").base_url == "https://gpu-box:8000/v1"
    assert load_config(base_url="http://127.0.0.1:8080/v1").base_url == "http://127.0.0.1:8080/v1"
