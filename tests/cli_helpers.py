"""Running the command line in-process, for the CLI tests."""

from __future__ import annotations

from causal_agent.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """``causal-agent ARGV`` through ``cli.main``: (exit code, stdout, stderr)."""
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err
