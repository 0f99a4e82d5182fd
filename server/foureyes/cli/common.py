"""What every command module shares: exit codes, registering a subcommand, output helpers."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from foureyes.cli.commands import BY_NAME
from foureyes.core.untrusted import one_line

if TYPE_CHECKING:  # only for annotations: `foureyes --version` need not load the ledger code
    from foureyes.store.ledger_snapshot import LedgerSnapshot

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3
EXIT_REFUSED = 4

EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  the command found what it was asked to look for (reserved for `check`)
  2  bad input: an unknown option, a malformed PATH:START-END, a path outside the
     repository, a binary or missing file
  3  environment: not inside a git repository, git missing, git identity not set,
     ledger not writable
"""
REFUSED_HELP = """\
  4  refused: a review rule forbids the action (four eyes, only seniors approve,
     signing required); the message names the rule
"""
# `foureyes --help` lists every code any command can exit with; a command's own
# --help lists those it can (the review commands add 4).
PROGRAM_EXIT_CODES_HELP = EXIT_CODES_HELP + REFUSED_HELP

Subcommands = Any  # argparse's private _SubParsersAction
Handler = Callable[[argparse.Namespace], int]


def add_command(commands: Subcommands, name: str, handler: Handler) -> argparse.ArgumentParser:
    """The subcommand `name` (listed in cli/commands/__init__.py, which has its summary);
    its --help shows the summary as its description, then the exit codes."""
    summary = BY_NAME[name].summary
    sub: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.set_defaults(handler=handler)
    return sub


def warn_about(snapshot: LedgerSnapshot, stream: TextIO | None = None) -> None:
    """Tell the user about skipped ledger lines, without failing the command."""
    for problem in snapshot.known_problems():
        print(f"foureyes: warning: {one_line(str(snapshot.path))}, {one_line(str(problem))}",
              file=stream or sys.stderr)  # fmt: skip


def print_json(data: object) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
