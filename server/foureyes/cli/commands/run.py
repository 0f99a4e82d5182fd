"""`foureyes run --agent NAME -- CMD ...`: run an agent and claim every line it changed.

A checkpoint around a command: the working tree is snapshotted before CMD starts and
compared after it ends, however it ends (success, failure, Ctrl-C). The exit code is
CMD's own, so `foureyes run` can stand in for the command in scripts.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys

from foureyes.app import checkpoint
from foureyes.app.process import run_command
from foureyes.cli.commands.checkpoint import print_result
from foureyes.cli.common import Subcommands, add_command
from foureyes.core.errors import UsageError
from foureyes.store.repo import Repository

EXIT_CODES = """\
exit codes:
  the wrapped command's own (128 + N when signal N ended it); otherwise
  2  bad input: no command, command not found, --agent missing
  3  environment: not inside a git repository, git identity not set
"""


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "run", run)
    sub.epilog = EXIT_CODES
    sub.add_argument("--agent", required=True, help="the agent the command runs, e.g. aider")
    sub.add_argument("--model", help="the model behind the agent")
    sub.add_argument("--session", help="the agent's session or conversation id")
    sub.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD ...")


def run(args: argparse.Namespace) -> int:
    argv = list(args.command)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise UsageError("no command to run", "give it after --: foureyes run --agent x -- CMD")
    repo = Repository.discover()
    # A private checkpoint, so that a `checkpoint begin` the user has open is left alone
    # and two `run`s in one repository do not clash.
    name = f"run-{os.getpid()}-{secrets.token_hex(3)}"
    checkpoint.begin(repo, args.agent, model=args.model, session=args.session, name=name)
    try:
        code = run_command(argv)
    except BaseException:
        checkpoint.discard(repo, name)
        raise
    sys.stdout.flush()
    result = checkpoint.end(repo, name)
    print_result(result, sys.stderr)  # stdout belongs to the wrapped command
    return code
