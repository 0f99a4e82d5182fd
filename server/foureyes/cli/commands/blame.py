"""`foureyes blame PATH`: who wrote each line of a file, and its review state."""

from __future__ import annotations

import argparse
import sys

from foureyes.cli.common import EXIT_OK, Subcommands, add_command, print_json, warn_about
from foureyes.cli.render import render_blame
from foureyes.engine import Engine
from foureyes.repo import Repository
from foureyes.report_json import file_json


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "blame", run)
    sub.add_argument("path", metavar="PATH")
    sub.add_argument("--json", action="store_true", help="print JSON (see docs/cli.md)")


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    engine = Engine(repo)
    path = repo.relpath(args.path)
    text = repo.read_text(path)
    report = engine.report(path, text)
    warn_about(engine.snapshot())
    if args.json:
        print_json(file_json(report))
    else:
        render_blame(report, text, sys.stdout)
    return EXIT_OK
