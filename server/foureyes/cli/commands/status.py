"""`foureyes status`: every AI region in the repository and where it stands in review."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from foureyes.cli.common import EXIT_OK, Subcommands, add_command, print_json, warn_about
from foureyes.cli.render import render_status
from foureyes.core.errors import UsageError
from foureyes.core.model import FileReport, Region
from foureyes.core.untrusted import one_line
from foureyes.engine.engine import Engine
from foureyes.engine.report_json import region_json
from foureyes.store.repo import Repository


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "status", run)
    sub.add_argument("--json", action="store_true", help="print JSON (see docs/cli.md)")


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    engine = Engine(repo)
    paths = engine.tracked_paths()  # the engine's one answer, as check and the editor get it
    reports: list[FileReport] = []
    for path in sorted(paths):
        try:
            reports.append(engine.report(path))
        except UsageError as error:  # a tracked file became binary or huge: say so, go on
            print(f"foureyes: skipped {one_line(path)}: {one_line(error.message)}", file=sys.stderr)
    warn_about(engine.snapshot())
    if args.json:
        regions = [region for report in reports for region in report.regions]
        print_json({"regions": [region_json(r) for r in regions], "summary": summary(regions)})
    else:
        render_status(reports, sys.stdout)
    return EXIT_OK


def summary(regions: Sequence[Region]) -> dict[str, Any]:
    states: dict[str, int] = {}
    for region in regions:
        states[region.review.state.value] = states.get(region.review.state.value, 0) + 1
    return {
        "regions": len(regions),
        "files": len({region.path for region in regions}),
        "lines": sum(len(region.lines) for region in regions),
        "by_state": states,
    }
