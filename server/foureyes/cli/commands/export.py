"""`foureyes export --agent-trace [--output FILE]`: our AI claims as Agent Trace records."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from foureyes.app.trace_export import export_traces
from foureyes.cli.common import EXIT_OK, Subcommands, add_command, warn_about
from foureyes.core.errors import UsageError
from foureyes.core.wording import count
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "export", run)
    sub.add_argument(
        "--agent-trace", action="store_true", help="one Agent Trace record per file, one a line"
    )
    sub.add_argument(
        "--output",
        metavar="FILE",
        help="append the records to FILE (e.g. .agent-trace/traces.jsonl); default: stdout",
    )


def run(args: argparse.Namespace) -> int:
    if not args.agent_trace:
        raise UsageError("say which format", "foureyes export --agent-trace [--output FILE]")
    repo = Repository.discover()
    engine = Engine(repo)
    records = export_traces(repo, engine)
    warn_about(engine.snapshot())
    text = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
    if args.output:
        target = Path(args.output)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Appended, as producers of traces.jsonl do; each record has its own id.
        with target.open("a", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {count(len(records), 'Agent Trace record')} to {target}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK
