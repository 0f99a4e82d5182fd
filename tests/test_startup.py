"""Start-up budget: what the installed `foureyes` imports for hooks, --version and --help.

Agent hooks run `foureyes record` on every tool call, so its process must not import
the language server, the engine or the risk analysis (pygls, jedi, tree-sitter, ...):
cli/main.py imports only the module of the command being run. These tests run the
installed console script in a process of its own and look at the modules it had
loaded when it exited. Timings are in bench/hook_startup.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FOUREYES, GitRepo, Result, ledger_events
from foureyes.cli.commands import COMMANDS, Command
from foureyes.cli.main import build_parser, command_in
from test_capture_record import apply_claude_edits, payload, start_from

# Top-level packages (and foureyes modules) a hook's process must not import.
FORBIDDEN = ("pygls", "lsprotocol", "jedi", "tree_sitter", "http", "diskcache", "re2", "cattrs")
FORBIDDEN_FOUREYES = ("foureyes.engine", "foureyes.risk", "foureyes.lsp")
# pathlib itself imports urllib.parse (for Path.as_uri); the rest of urllib is the
# heavy part (urllib.request loads http, email, ssl and socket).
ALLOWED_URLLIB = {"urllib", "urllib.parse"}


# Runs the installed console script as its own process would, and writes the modules
# loaded when it exits (sys.modules: `-X importtime` misses importlib.import_module).
WRAPPER = """\
import atexit, json, runpy, sys
out, sys.argv = sys.argv[1], sys.argv[2:]  # then argv is [script, *args], as if run alone
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def imported(*args: str, cwd: Path, stdin: str = "") -> tuple[Result, list[str]]:
    """Run the installed command: its result and the modules its process imported."""
    out = cwd.parent / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(out), FOUREYES, *args], cwd=cwd, input=stdin,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    modules: list[str] = json.loads(out.read_text())
    return Result(done.returncode, done.stdout, done.stderr), modules


def forbidden(modules: list[str]) -> list[str]:
    def bad(name: str) -> bool:
        top = name.split(".", 1)[0]
        if top == "urllib":
            return name not in ALLOWED_URLLIB
        return (
            top in FORBIDDEN
            or top.startswith("tree_sitter")
            or any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_FOUREYES)
        )

    return [name for name in modules if bad(name)]


def command_modules(modules: list[str]) -> list[str]:
    return [name for name in modules if name.startswith("foureyes.cli.commands.")]


def test_record_imports_nothing_heavy_and_really_records(repo: GitRepo) -> None:
    data = payload("claude-code/edit.json", repo)
    before = data["tool_response"]["originalFile"]
    start_from(repo, "src/billing.py", before)
    repo.write("src/billing.py", apply_claude_edits(before, [data["tool_input"]]))

    result, modules = imported(
        "record", "--agent", "claude-code", "--strict", cwd=repo.root, stdin=json.dumps(data)
    )
    assert (result.code, result.out, result.err) == (0, "", "")
    [claim] = ledger_events(repo)
    assert claim["kind"] == "ai" and claim["path"] == "src/billing.py"
    assert claim["agent"] == "claude-code" and claim["replaced"] == 10
    assert "foureyes.app.record" in modules  # the measurement saw the record path
    assert forbidden(modules) == []
    assert command_modules(modules) == ["foureyes.cli.commands.record"]


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_import_no_command(repo: GitRepo, option: str) -> None:
    result, modules = imported(option, cwd=repo.root)
    assert result.code == 0, result.err
    if option == "--version":
        assert result.out.startswith("foureyes ")
    else:  # every command is listed, each with its summary, without importing any of them
        for command in COMMANDS:
            assert command.name in result.out
    assert forbidden(modules) == []
    assert command_modules(modules) == []


def test_heavy_commands_still_import_what_they_need(repo: GitRepo) -> None:
    """The check above can fail: `status` does load the engine."""
    result, modules = imported("status", cwd=repo.root)
    assert result.code == 0, result.err
    assert "foureyes.engine" in forbidden(modules)


@pytest.mark.parametrize("command", COMMANDS, ids=[command.name for command in COMMANDS])
def test_each_module_registers_the_command_the_table_names(command: Command) -> None:
    name, summary = command.name, command.summary
    parser = build_parser(name)
    [subparsers] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert [action.dest for action in subparsers._choices_actions] == [c.name for c in COMMANDS]
    assert [action.help for action in subparsers._choices_actions] == [c.summary for c in COMMANDS]
    sub = subparsers.choices[name]
    assert sub.get_default("handler") is not None  # the real parser, not the listing
    assert (sub.description or "").startswith(summary)
    for other in COMMANDS:  # every other command is only listed
        if other.name != name:
            assert subparsers.choices[other.name].get_default("handler") is None


def test_help_before_a_command_still_lists_every_command(repo: GitRepo) -> None:
    """Only the command is parsed in full; the others are listed whenever the top-level
    help can be printed, which an option before the command can ask for."""
    result = repo.foureyes_process("-h", "record")
    assert result.code == 0
    assert result.out == repo.foureyes_process("--help").out
    for command in COMMANDS:
        assert f"    {command.name}" in result.out


@pytest.mark.parametrize(
    ("words", "command"),
    [
        (["record", "--agent", "x"], "record"),
        (["--version"], None),
        (["-h", "status"], "status"),
        (["review-packet", "a.py:3"], "review-packet"),
        (["nosuch"], None),
        ([], None),
    ],
)
def test_command_in(words: list[str], command: str | None) -> None:
    assert command_in(words) == command
