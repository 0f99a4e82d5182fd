"""`foureyes checkpoint begin|end|discard`: claim what an agent changed between two moments.

For agents without hooks: `begin` snapshots the working tree, `end` claims every line
added or changed since as AI (see app/checkpoint.py and docs/capture.md).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from foureyes.app import checkpoint
from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.core.errors import UsageError
from foureyes.core.wording import count
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "checkpoint", run)
    sub.add_argument("action", choices=("begin", "end", "discard"))
    sub.add_argument("--agent", help="the agent about to act (required for begin), e.g. aider")
    sub.add_argument("--model", help="the model behind the agent")
    sub.add_argument("--session", help="the agent's session or conversation id")
    sub.add_argument(
        "--name",
        default=checkpoint.DEFAULT_NAME,
        help="several checkpoints can be open at once under different names",
    )
    sub.add_argument(
        "--restart", action="store_true", help="with begin: drop an open checkpoint of that name"
    )


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    if args.action == "begin":
        if not args.agent:
            raise UsageError("checkpoint begin needs --agent NAME", "e.g. --agent aider")
        opened = checkpoint.begin(
            repo, args.agent, model=args.model, session=args.session, name=args.name,
            restart=args.restart,
        )  # fmt: skip
        skipped = len(opened.snapshot.skipped)
        extra = f" ({skipped} binary or huge files skipped)" if skipped else ""
        files = count(len(opened.snapshot.files), "file")
        print(f"checkpoint {args.name!r} begun: {files}{extra}")
        return EXIT_OK
    if args.action == "discard":
        if not checkpoint.discard(repo, args.name):
            raise UsageError(
                f"no checkpoint {args.name!r} is open",
                "nothing to discard: `foureyes checkpoint begin --agent NAME"
                f"{checkpoint.name_option(args.name)}` opens one",
            )
        print(f"checkpoint {args.name!r} discarded; nothing recorded")
        return EXIT_OK
    result = checkpoint.end(repo, args.name, agent=args.agent, model=args.model)
    print_result(result)
    return EXIT_OK


def print_result(result: checkpoint.CheckpointResult, stream: TextIO | None = None) -> None:
    """What was claimed, one line per file; notes about skipped files on stderr."""
    out = stream or sys.stdout
    agent = result.checkpoint.agent
    for change in result.changes:
        lines = sum(run.end - run.start + 1 for run in change.runs)
        if not lines:
            continue
        what = _what_it_replaced(change)
        print(f"claimed {change.path}: {count(lines, 'line')} as AI ({agent}; {what})", file=out)
    if not result.claims:
        print("nothing to claim: no text file gained or changed a line", file=out)
    for note in result.notes:
        print(f"foureyes: note: {note}", file=sys.stderr)


def _what_it_replaced(change: checkpoint.FileChange) -> str:
    if change.created:
        return "new file"
    if change.removed:
        return f"replaced {count(change.removed, 'line')}"
    return "nothing replaced"
