"""`foureyes request-review REGION`: ask senior reviewers to review an AI region."""

from __future__ import annotations

import argparse
import sys

from foureyes.app import review as actions
from foureyes.cli.common import EXIT_OK, Subcommands
from foureyes.cli.review_common import (
    add_region_argument,
    add_review_command,
    approval_summary,
    find_region,
    where,
)
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_review_command(commands, "request-review", run)
    add_region_argument(sub)
    sub.add_argument(
        "--reviewer",
        action="append",
        default=[],
        metavar="WHO",
        help="an email or @handle to ask (repeatable); default: the region's CODEOWNERS "
        "seniors, else the policy's seniors",
    )
    sub.add_argument("--note", help="what the reviewer should look at")


def run(args: argparse.Namespace) -> int:
    engine = Engine(Repository.discover())
    region = find_region(engine, args.region)
    claim = actions.request_review(
        engine, region.path, region.start_line, reviewers=args.reviewer, note=args.note,
        warn=lambda message: print(f"foureyes: warning: {message}", file=sys.stderr),
    )  # fmt: skip
    asked = ", ".join(claim.reviewers) or "any senior reviewer"
    print(f"requested review of {where(region)} from {asked}")
    after = engine.report(region.path).region_at(region.start_line) or region
    print(f"  {approval_summary(after)}; region {region.id}")
    return EXIT_OK
