"""`foureyes hooks install|uninstall AGENT`: set up an agent to record its edits.

Only picks the command to write and reports; how each agent's configuration file is
merged lives in app/hook_config.py. Agent configuration is often committed and
shared (`.claude/`), so the command is plain `foureyes` whenever foureyes is on PATH;
only otherwise is it this machine's absolute path, with a warning saying who it breaks.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from foureyes.app.hook_config import HOOK_AGENTS, install, record_command, uninstall
from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.core.errors import FoureyesError
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "hooks", run)
    sub.add_argument("action", choices=("install", "uninstall"))
    sub.add_argument("agent", choices=HOOK_AGENTS, metavar="AGENT", help=", ".join(HOOK_AGENTS))


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    if args.action == "install":
        on_path = shutil.which("foureyes")
        command = record_command("foureyes" if on_path else executable(), args.agent)
        change = install(repo.root, args.agent, command)
        spec = change.spec
        where = spec.event if spec.matcher is None else f"{spec.event} ({spec.matcher})"
        verb = "installed" if change.changed else "already installed"
        print(f"{verb}: {spec.path} runs `{command}` on {where}")
        if on_path:
            print(
                f"`foureyes` is found on PATH ({on_path}); everyone who shares "
                f"{spec.path} needs foureyes on the PATH their agent runs with"
            )
        else:
            print(_machine_only(repo, spec.path, args.agent), file=sys.stderr)
        if spec.note:
            print(f"note: {spec.note}")
    else:
        change = uninstall(repo.root, args.agent)
        if change.changed:
            print(f"removed the foureyes hook from {change.spec.path}")
        else:
            print(f"no foureyes hook to remove in {change.spec.path}")
    return EXIT_OK


def _machine_only(repo: Repository, config: str, agent: str) -> str:
    """The warning for a hook command that names this machine's foureyes by its path."""
    try:
        shared = bool(repo.git("ls-files", "--", config).strip())
    except FoureyesError:
        shared = False
    who = (
        f"git tracks {config}, so everyone who pulls it gets this path"
        if shared
        else f"teammates who share {config} need foureyes at this same path"
    )
    return (
        f"warning: `foureyes` is not on PATH, so the hook names this machine's foureyes "
        f"by its path; {who}. Put foureyes on PATH (for example `pipx install foureyes`) "
        f"and run `foureyes hooks install {agent}` again to write plain `foureyes`."
    )


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
