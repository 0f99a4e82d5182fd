"""`foureyes blame PATH`: who wrote each line of a file, and its review state.

On a file git has not blamed at HEAD yet, `git blame` is most of the cost: it is started
in the background (`history.prefetch`) before the engine is imported, so that git and
the import run at the same time. The engine and the renderers are imported after it.
"""

from __future__ import annotations

import argparse
import sys

from foureyes.cli.common import EXIT_OK, Subcommands, add_command, warn_about
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "blame", run)
    sub.add_argument("path", metavar="PATH")
    sub.add_argument("--json", action="store_true", help="print JSON (see docs/cli.md)")


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    path = repo.relpath(args.path)
    text = repo.read_text(path)
    from foureyes.sources.history import prefetch

    prefetch(repo, path)
    from foureyes.engine.engine import Engine

    engine = Engine(repo)
    report = engine.report(path, text)
    warn_about(engine.snapshot())
    if args.json:
        from foureyes.engine.report_json import file_json_text

        sys.stdout.write(file_json_text(report) + "\n")  # what print_json(file_json(...)) writes
    else:
        from foureyes.cli.render import render_blame

        render_blame(report, text, sys.stdout)
    return EXIT_OK
