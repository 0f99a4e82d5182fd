"""`foureyes mark`: record by hand who wrote some lines."""

from __future__ import annotations

import argparse

from foureyes.app.mark import mark
from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.cli.ranges import parse_range
from foureyes.core.errors import UsageError
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "mark", run)
    who = sub.add_mutually_exclusive_group(required=True)
    who.add_argument("--ai", action="store_true", help="the lines were written by an AI agent")
    who.add_argument("--human", action="store_true", help="you wrote the lines yourself")
    sub.add_argument("ranges", nargs="+", metavar="PATH:START-END", help="lines, 1-based")
    sub.add_argument("--agent", help="the agent that wrote them (with --ai), e.g. claude-code")
    sub.add_argument("--model", help="the model behind the agent (with --ai)")


def run(args: argparse.Namespace) -> int:
    if args.human and (args.agent or args.model):
        raise UsageError("--agent and --model describe AI code; they do not go with --human")
    repo = Repository.discover()
    ranges = [parse_range(repo, argument) for argument in args.ranges]
    mark(repo, ranges, ai=args.ai, agent=args.agent, model=args.model)
    who = f"AI ({args.agent or 'unspecified'})" if args.ai else "human"
    for line_range in ranges:
        print(f"marked {line_range} as {who}")
    return EXIT_OK
