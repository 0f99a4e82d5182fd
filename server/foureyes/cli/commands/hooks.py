"""`foureyes hooks install|uninstall AGENT`: set up an agent to record its edits.

Only picks the command to write (this process's own `foureyes`) and reports; how
each agent's configuration file is merged lives in capture/hook_config.py.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from foureyes.capture.hook_config import HOOK_AGENTS, install, record_command, uninstall
from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "hooks", run)
    sub.add_argument("action", choices=("install", "uninstall"))
    sub.add_argument("agent", choices=HOOK_AGENTS, metavar="AGENT", help=", ".join(HOOK_AGENTS))


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    if args.action == "install":
        command = record_command(executable(), args.agent)
        change = install(repo.root, args.agent, command)
        spec = change.spec
        where = spec.event if spec.matcher is None else f"{spec.event} ({spec.matcher})"
        verb = "installed" if change.changed else "already installed"
        print(f"{verb}: {spec.path} runs `{command}` on {where}")
        if spec.note:
            print(f"note: {spec.note}")
    else:
        change = uninstall(repo.root, args.agent)
        if change.changed:
            print(f"removed the foureyes hook from {change.spec.path}")
        else:
            print(f"no foureyes hook to remove in {change.spec.path}")
    return EXIT_OK


def executable() -> str:
    """The running `foureyes` as an absolute path, so the hook works whatever the agent's
    PATH is; plain `foureyes` when this process was not started that way."""
    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if started is not None and started.stem == "foureyes" and started.is_file():
        return str(started.absolute())
    beside = Path(sys.executable).with_name("foureyes")  # the same installation's script
    if beside.is_file():
        return str(beside)
    found = shutil.which("foureyes")
    return str(Path(found).absolute()) if found else "foureyes"
