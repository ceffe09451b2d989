"""Every usage error of the command line is ONE line on stderr and exit code 2, whichever package
raised it (typer's vendored ``typer._click``, a plugin's real ``click``), core command or plugin
command; ``--help`` shows no Python type labels; API misuse is a one-line ``CausalAgentError``."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from causal_agent.errors import CausalAgentError
from cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]




def assert_one_line(err: str) -> str:
    assert "Traceback" not in err and "Usage:" not in err, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err.strip()


@pytest.mark.parametrize("argv, expect", [
    # the examples
    (["ask", "Are a and b independent?"],
     "error: missing option '--data' / '-d'; try 'causal-agent ask --help'"),
    (["ask", "-d", "x.csv"], "error: missing argument 'QUESTION'; try 'causal-agent ask --help'"),
    (["ask", "q", "-d", "x.csv", "--bogus"], "error: no such option --bogus; try 'causal-agent ask --help'"),
    (["frobnicate"], "error: no such command 'frobnicate'; try 'causal-agent --help'"),
    (["log"], "error: no such command 'log' (did you mean 'logs'?); try 'causal-agent --help'"),
    (["eval", "--n", "abc"],
     "error: invalid value 'abc' for '--n': expected a whole number; try 'causal-agent eval --help'"),
    # more of each kind
    (["ask", "q", "-d", "x.csv", "--colums", "a"],
     "error: no such option --colums (did you mean --columns?); try 'causal-agent ask --help'"),
    (["aks", "q"], "error: no such command 'aks' (did you mean 'ask'?); try 'causal-agent --help'"),
    (["ask", "q", "-d"], "error: option '-d' requires an argument; try 'causal-agent ask --help'"),
    (["ask", "q", "-d", "x.csv", "--json=yes"],
     "error: option '--json' does not take a value; try 'causal-agent ask --help'"),
    (["ask", "q", "-d", "x.csv", "--resamples", "-1"],
     "error: invalid value '-1' for '--resamples': must be at least 0; try 'causal-agent ask --help'"),
    (["ask", "q", "-d", "x.csv", "--timeout", "soon"],
     "error: invalid value 'soon' for '--timeout': expected a number; try 'causal-agent ask --help'"),
    (["eval", "--n=1.5"],
     "error: invalid value '1.5' for '--n': expected a whole number; try 'causal-agent eval --help'"),
    (["eval", "--compare", "a.json"],
     "error: option '--compare' requires 2 arguments; try 'causal-agent eval --help'"),
    (["eval", "--bogus"], "error: no such option --bogus; try 'causal-agent eval --help'"),
    (["models", "extra"], "error: got unexpected extra argument(s) (extra); try 'causal-agent models --help'"),
    (["--bogus"], "error: no such option --bogus; try 'causal-agent --help'"),
    (["ask", "q", "-d", "x.csv", "--budget", "-5"],
     "error: --budget must be a number of seconds >= 0 (0: no limit), not -5"),
    (["ask", "q", "-d", "x.csv", "--max-file-size", "lots"],
     "error: --max-file-size 'lots': give a size such as 500M, 4G or a number of bytes"),
])
def test_usage_errors_are_one_line(capsys, argv, expect):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert assert_one_line(err) == expect


def test_usage_errors_in_a_subprocess_are_one_line():
    """The real entry point (``python -m causal_agent``), its own argv and program name."""
    for argv, expect in ((["ask", "q"], "missing option '--data'"),
                         (["eval", "--n", "abc"], "invalid value 'abc' for '--n'"),
                         (["chat", "--bogus"], "no such option --bogus")):
        proc = subprocess.run([sys.executable, "-m", "causal_agent", *argv], capture_output=True,
                              text=True, timeout=120, cwd=ROOT)
        assert proc.returncode == 2 and proc.stdout == ""
        assert expect in assert_one_line(proc.stderr)


def _plugin_with_commands():
    """A third-party plugin whose commands raise usage errors from inside their bodies: typer's
    BadParameter (typer._click) and a real ``click.UsageError`` from the separately installed
    click, which shares no base class with typer's."""
    import click
    import typer

    class Plugin:
        @staticmethod
        def register_commands(cli: typer.Typer) -> None:
            @cli.command("typer-fails")
            def typer_fails() -> None:
                raise typer.BadParameter("the frobnication level must be even")

            @cli.command("click-fails")
            def click_fails() -> None:
                raise click.UsageError("no widgets configured; run 'widgets init' first")

            @cli.command("click-exits")
            def click_exits() -> None:
                raise click.exceptions.Exit(3)

    return Plugin()


def test_errors_raised_inside_plugin_commands(capsys, monkeypatch):
    import causal_agent.plugins as plugins_module

    builtins = plugins_module.command_plugins()
    monkeypatch.setattr(plugins_module, "command_plugins", lambda: [*builtins, _plugin_with_commands()])
    code, out, err = run_cli(capsys, "typer-fails")
    assert code == 2 and assert_one_line(err) == (
        "error: invalid value: the frobnication level must be even; try 'causal-agent typer-fails --help'")
    code, out, err = run_cli(capsys, "click-fails")
    assert code == 2 and assert_one_line(err) == (
        "error: no widgets configured; run 'widgets init' first; try 'causal-agent click-fails --help'")
    code, out, err = run_cli(capsys, "click-exits")
    assert code == 3 and err == ""
    # and the built-in plugin command still parses its own options
    code, out, err = run_cli(capsys, "eval", "--workers", "many")
    assert code == 2 and "invalid value 'many' for '--workers'" in assert_one_line(err)


@pytest.mark.parametrize("command", [[], ["ask"], ["chat"], ["demo"], ["eval"], ["plugins"], ["models"]])
def test_help_has_no_python_type_labels(capsys, command):
    code, out, _ = run_cli(capsys, *command, "--help")
    assert code == 0
    for label in ("<bool>", "<str>", "<int>", "<float>", "<list[", "<str,str>", "range>"):
        assert label not in out, (command, label)
    if command == ["ask"]:
        flat = " ".join(out.split())
        assert "--data -d FILE" in flat and "--budget SECONDS" in flat and "--include COL" in flat
        assert "--json Print" in flat  # a flag takes no value, so it shows none
        assert "causal-agent ask [OPTIONS] {QUESTION}" in flat
    if command == ["eval"]:
        flat = " ".join(out.split())
        assert "--n INTEGER" in flat and "--compare TEXT TEXT" in flat and "--progress --no-progress Show" in flat


def test_typer_is_pinned_to_the_tested_range():
    from packaging.requirements import Requirement

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith('"typer'))
    req = Requirement(line.strip().split('"')[1])
    assert req.specifier and metadata.version("typer") in req.specifier
    assert not req.specifier.contains("0.12.0") and not req.specifier.contains("1.0.0")


@pytest.mark.parametrize("question, what", [(123, "int"), (None, "None"), (["Does a cause b?"], "list"),
                                            (b"Does a cause b?", "bytes"), (4.5, "float")])
def test_non_text_questions_are_one_line(offline_agent, question, what):
    with pytest.raises(CausalAgentError) as err:
        offline_agent.ask(question)
    text = str(err.value)
    assert text.startswith(f"the question must be text, not {what};") and "\n" not in text
    with pytest.raises(CausalAgentError, match="must be text"):
        list(offline_agent.stream(question))


def test_empty_question_and_bad_source_stay_one_line(offline_agent):
    with pytest.raises(CausalAgentError, match="the question is empty"):
        offline_agent.ask("   ")
    with pytest.raises(CausalAgentError, match="cannot load a int; give a file path or a pandas DataFrame"):
        offline_agent.load(123)
