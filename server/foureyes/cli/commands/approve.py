"""`foureyes approve REGION`: approve an AI region as a senior reviewer (signed when
you have an SSH signing key)."""

from __future__ import annotations

import argparse

from foureyes.app import review as actions
from foureyes.cli.common import EXIT_OK, Subcommands
from foureyes.cli.review_common import (
    add_region_argument,
    add_review_command,
    approval_summary,
    find_region,
    refused,
    where,
)
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_review_command(commands, "approve", run)
    add_region_argument(sub)
    sub.add_argument("--note", help="a comment to keep with the approval")


def run(args: argparse.Namespace) -> int:
    engine = Engine(Repository.discover())
    region = find_region(engine, args.region)
    try:
        claim = actions.approve(engine, region.path, region.start_line, note=args.note)
    except actions.ReviewRefused as error:
        return refused(error)
    signed = " (signed)" if claim.signature else ""
    print(f"approved {where(region)}{signed}")
    after = engine.report(region.path).region_at(region.start_line) or region
    print(f"  {approval_summary(after)}")
    return EXIT_OK
