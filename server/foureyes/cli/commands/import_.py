"""`foureyes import --agent-trace [FILE]`: turn Agent Trace records into ledger claims.

The module is named import_ because `import` is a Python keyword; the command is
`foureyes import`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from foureyes.capture.agent_trace import DEFAULT_PATH, import_traces
from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.errors import UsageError
from foureyes.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "import", run)
    sub.add_argument(
        "--agent-trace",
        nargs="?",
        const=DEFAULT_PATH,
        metavar="FILE",
        help=f"an Agent Trace JSON Lines file (default {DEFAULT_PATH})",
    )


def run(args: argparse.Namespace) -> int:
    if args.agent_trace is None:
        raise UsageError(
            "say what to import", f"foureyes import --agent-trace [FILE] (default {DEFAULT_PATH})"
        )
    repo = Repository.discover()
    source = Path(args.agent_trace)
    if not source.is_absolute():
        # The default is the repository's own file; an explicit path is the user's.
        base = repo.root if args.agent_trace == DEFAULT_PATH else Path.cwd()
        source = base / source
    result = import_traces(repo, source)
    for note in result.notes:
        print(f"foureyes: note: {note}", file=sys.stderr)
    files = len({claim.path for claim in result.claims})
    already = f"; {result.already} imported before" if result.already else ""
    print(f"imported {len(result.claims)} claims for {files} files from {source}{already}")
    return EXIT_OK
