"""`foureyes baseline [REV]`: a senior accepts the AI code that exists at a commit, so
code merged long before foureyes needs no review until it changes."""

from __future__ import annotations

import argparse

from foureyes.app import review as actions
from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.cli.review_common import EXIT_REFUSED, refused, where
from foureyes.core.untrusted import one_line
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "baseline", run)
    sub.add_argument(
        "rev", nargs="?", default="HEAD",
        help="the commit whose AI code you accept (default: HEAD); its text is what is "
        "accepted, so a line changed since needs review again",
    )  # fmt: skip
    sub.add_argument("--note", help="why (kept with each baseline event)")


def run(args: argparse.Namespace) -> int:
    engine = Engine(Repository.discover(), complete_risk=False)
    try:
        result = actions.baseline(engine, args.rev, note=args.note)
    except actions.ReviewRefused as error:
        return refused(error)
    files = len({claim.path for claim in result.accepted})
    regions = len(result.accepted)
    short = result.commit[:10]
    if regions:
        print(
            f"baselined {regions} AI region{'s' if regions != 1 else ''} in {files} "
            f"file{'s' if files != 1 else ''} at {short}: they need no review until they change"
        )
    for region, reason in result.skipped:
        print(f"  not baselined: {one_line(where(region))}: {one_line(reason)}")
    if not regions and result.skipped:
        print(f"foureyes: refused: nothing at {short} is yours to baseline")
        return EXIT_REFUSED
    if not regions:
        print(f"nothing to baseline: no AI region at {short} lacks approvals")
    return EXIT_OK
