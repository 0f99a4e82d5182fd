"""`foureyes reject REGION`: request changes to an AI region."""

from __future__ import annotations

import argparse

from foureyes.app import review as actions
from foureyes.cli.common import EXIT_OK, Subcommands
from foureyes.cli.review_common import (
    add_region_argument,
    add_review_command,
    find_region,
    refused,
    where,
)
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_review_command(commands, "reject", run)
    add_region_argument(sub)
    sub.add_argument("--note", help="what has to change (strongly recommended)")


def run(args: argparse.Namespace) -> int:
    engine = Engine(Repository.discover())
    region = find_region(engine, args.region)
    try:
        actions.request_changes(engine, region.path, region.start_line, note=args.note)
    except actions.ReviewRefused as error:
        return refused(error)
    print(f"requested changes to {where(region)}")
    return EXIT_OK
