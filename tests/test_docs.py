"""Every command documents itself: an example in its --help, and a row in the README.

Modelled on sqlite-utils' ``tests/test_docs.py``: the command list comes from the CLI itself, so
a new command without an example or a README entry fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from audiobook.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
runner = CliRunner()


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        path = (*prefix, name)
        if hasattr(command, "commands"):  # a group (feed): its subcommands
            out += _commands(command, path)
        else:
            out.append(path)
    return out


COMMANDS = _commands(typer.main.get_command(app))


def test_the_cli_has_its_commands() -> None:
    assert {("build",), ("clean",), ("sections",), ("feed", "set")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_shows_an_example_of_the_command_itself(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.stdout, f"audiobook {' '.join(path)} --help has no examples"
    examples = result.stdout.split("Examples:", 1)[1]
    invocation = re.escape("audiobook " + " ".join(path))
    assert re.search(rf"(?m)^[\s│|]*{invocation}\b", examples), examples


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_readme_mentions_the_command(path: tuple[str, ...]) -> None:
    assert f"audiobook {' '.join(path)}" in README


def test_ci_runs_the_readme_test_command_and_the_checkers() -> None:
    """CI (.ci/run) runs the README's test command as written, then ruff and mypy."""
    found = re.search(r"## Test\n\n```\n(.+?)\n```", README)
    assert found is not None, "the README's Test section starts with its command"
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text("utf-8").splitlines()
    assert found.group(1) in ci
    after = ci[ci.index(found.group(1)) :]
    assert "ruff check audiobook tests bench" in after and "mypy" in after
