"""What the review commands share: naming a region (PATH:LINE or its id), the exit
code for a refusal, and one-line descriptions of a region's review needs.

Only argv and terminal concerns live here; the rules are in foureyes.app.review and foureyes.rules.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from foureyes.app.review import ReviewRefused, region_at, region_by_id
from foureyes.cli.common import (
    EXIT_REFUSED,
    PROGRAM_EXIT_CODES_HELP,
    Handler,
    Subcommands,
    add_command,
)
from foureyes.core.errors import UsageError
from foureyes.core.model import Region
from foureyes.core.text import split_lines
from foureyes.core.untrusted import one_line
from foureyes.core.wording import count, span
from foureyes.engine.engine import Engine
from foureyes.engine.report_json import region_json
from foureyes.rules.policy import PolicyError

REVIEW_EXIT_HELP = PROGRAM_EXIT_CODES_HELP  # the review commands can be refused (4)

_PATH_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+)$")


def add_review_command(
    commands: Subcommands, name: str, handler: Handler
) -> argparse.ArgumentParser:
    sub = add_command(commands, name, handler)
    sub.epilog = REVIEW_EXIT_HELP
    return sub


def add_region_argument(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "region",
        metavar="REGION",
        help="PATH:LINE (any line inside the region) or the region's id",
    )


def find_region(engine: Engine, argument: str) -> Region:
    """The region `argument` names: `src/app.py:12` (any line in it) or its id."""
    found = _PATH_LINE.match(argument)
    if found is None:
        if "/" in argument or "." in argument:
            raise UsageError(
                f"{argument!r} is neither PATH:LINE nor a region id",
                "name a region like src/app.py:12 (any line inside it) or by its id",
            )
        return region_by_id(engine, argument)
    line = int(found["line"])
    if line < 1:
        raise UsageError(f"{argument!r}: lines count from 1")
    path = engine.repo.relpath(found["path"])
    _inside_file(engine, path, line)
    return region_at(engine, path, line)


def _inside_file(engine: Engine, path: str, line: int) -> None:
    """A line past the end is a typo, not a line without AI code: say which it is."""
    total = len(split_lines(engine.repo.read_text(path)))
    if line > total:
        raise UsageError(
            f"{path}:{line} is past the end of the file ({count(total, 'line')})",
            f"`foureyes blame {path}` shows each line and who wrote it",
        )


def where(region: Region) -> str:
    return span(region.path, region.start_line, region.end_line)


def refused(error: ReviewRefused) -> int:
    print(f"foureyes: refused: {error}", file=sys.stderr)
    return EXIT_REFUSED


def approval_summary(region: Region) -> str:
    review = region.review
    return (
        f"{review.state.value}, {review.approvals} of {review.approvals_required} "
        f"approval{'s' if review.approvals_required != 1 else ''} "
        f"({region.risk.level.value} risk)"
    )


def region_review_json(region: Region) -> dict[str, Any]:
    """A region as `status --json` shows it, plus risk and who may approve it."""
    record = region_json(region)
    review = region.review
    record["risk"] = {
        "level": region.risk.level.value,
        "reasons": [
            {"message": r.message, "start_line": r.start_line, "end_line": r.end_line}
            for r in region.risk.reasons
        ],
    }
    record["review"]["seniors"] = list(review.seniors.entries)
    record["review"]["suggested_reviewers"] = list(review.suggested)
    record["review"]["discounted"] = [
        {"approval": d.approval.id, "by": d.approval.by.email, "reason": d.reason}
        for d in review.discounted
    ]
    return record


def all_regions(engine: Engine) -> list[Region]:
    """Every AI region in the repository; files that cannot be read are skipped with a word."""
    regions: list[Region] = []
    for path in engine.tracked_paths():
        try:
            regions.extend(engine.report(path).regions)
        except PolicyError:
            raise
        except UsageError as error:  # a tracked file became binary or huge: say so, go on
            print(f"foureyes: skipped {one_line(path)}: {one_line(error.message)}", file=sys.stderr)
    return regions
