"""`foureyes import --agent-trace [FILE]`: turn Agent Trace records into ledger claims.

The module is named import_ because `import` is a Python keyword; the command is
`foureyes import`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from foureyes.app.import_trace import import_traces
from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.core.errors import UsageError
from foureyes.core.wording import count
from foureyes.sources.agent_trace import DEFAULT_PATH
from foureyes.store.repo import Repository


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
    files = count(len({claim.path for claim in result.claims}), "file")
    said = [f"imported {count(len(result.claims), 'claim')} for {files} from {source}"]
    if result.already:
        said.append(f"{count(result.already, 'range')} imported before")
    if result.own:
        # Otherwise "imported 0 claims" from foureyes' own export reads as a failure.
        said.append(
            f"{count(result.own, 'range')} exported by foureyes itself, so already in the "
            "ledger (export writes the ledger's claims out; import is for other tools' records)"
        )
    print("; ".join(said))
    return EXIT_OK
