"""`foureyes queue`: AI regions awaiting review, riskiest first, with who can approve."""

from __future__ import annotations

import argparse

from foureyes.app.review import approval_refusal
from foureyes.cli.common import EXIT_OK, Subcommands, add_command, print_json, warn_about
from foureyes.cli.review_common import all_regions, region_review_json, where
from foureyes.core.model import Region, ReviewState
from foureyes.core.untrusted import one_line
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository

# Within one risk level: what a reviewer should look at first.
_STATE_ORDER = {
    ReviewState.PARTIALLY_APPROVED: 0,  # one more approval finishes it
    ReviewState.REVIEW_REQUESTED: 1,
    ReviewState.CHANGES_REQUESTED: 2,
    ReviewState.UNREVIEWED: 3,
}


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "queue", run)
    sub.add_argument("--mine", action="store_true", help="only regions that you may approve")
    sub.add_argument("--json", action="store_true", help="print JSON (see docs/cli.md)")


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    engine = Engine(repo)
    waiting = [r for r in all_regions(engine) if r.review.state is not ReviewState.APPROVED]
    if args.mine:
        me = repo.identity()
        waiting = [r for r in waiting if approval_refusal(r, me) is None]
    waiting.sort(key=_priority)
    warn_about(engine.snapshot())
    if args.json:
        print_json({"regions": [region_review_json(r) for r in waiting]})
        return EXIT_OK
    if not waiting:
        print("Nothing awaits review." if not args.mine else "Nothing awaits your review.")
        return EXIT_OK
    width = max(len(one_line(where(r))) for r in waiting)
    for region in waiting:
        review = region.review
        asked = review.asked
        who = ", ".join(one_line(name) for name in asked or review.suggested) or "any senior"
        print(
            f"{region.id}  {one_line(where(region)):<{width}}  {region.risk.level.value:<8} "
            f"{review.state.value:<18} {review.approvals}/{review.approvals_required}  "
            f"{'asked' if asked else 'ask'}: {who}"
        )
    print(f"\n{len(waiting)} region{'s' if len(waiting) != 1 else ''} awaiting review")
    return EXIT_OK


def _priority(region: Region) -> tuple[int, int, str, int]:
    return (
        -region.risk.level.rank,
        _STATE_ORDER.get(region.review.state, 3),
        region.path,
        region.start_line,
    )
