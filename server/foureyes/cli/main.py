"""The `foureyes` command line: parse argv, call the engine, print text or JSON, exit.

Only this package knows about argv, stdout/stderr and exit codes. Every answer comes
from the engine (or the capture and review functions that write claims), so the
terminal, the editor and CI agree.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from foureyes import __version__
from foureyes.capture.manual import mark
from foureyes.cli.ranges import parse_range
from foureyes.cli.render import render_blame, render_status
from foureyes.engine import Engine
from foureyes.errors import EnvironmentProblem, FoureyesError, UsageError
from foureyes.initialise import initialise
from foureyes.ledger import LedgerSnapshot
from foureyes.repo import Repository
from foureyes.report_json import file_json, region_json

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3

EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  the command found what it was asked to look for (reserved for `check`)
  2  bad input: an unknown option, a malformed PATH:START-END, a path outside the
     repository, a binary or missing file
  3  environment: not inside a git repository, git missing, git identity not set,
     ledger not writable
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"foureyes: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (EnvironmentProblem, FoureyesError) as error:
        print(f"foureyes: {error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except BrokenPipeError:  # `foureyes blame x | head` closed the pipe: not an error
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="foureyes",
        description="Four-eyes review for AI-written code: which lines an agent wrote, "
        "and whether a senior engineer reviewed them.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"foureyes {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> Any:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler)
        return sub

    command(
        "init",
        "set up foureyes in this repository: the ledger, its merge rule, the ignored cache",
        _init,
    )

    sub = command("mark", "record by hand who wrote some lines (an AI agent or you)", _mark)
    who = sub.add_mutually_exclusive_group(required=True)
    who.add_argument("--ai", action="store_true", help="the lines were written by an AI agent")
    who.add_argument("--human", action="store_true", help="you wrote the lines yourself")
    sub.add_argument("ranges", nargs="+", metavar="PATH:START-END", help="lines, 1-based")
    sub.add_argument("--agent", help="the agent that wrote them (with --ai), e.g. claude-code")
    sub.add_argument("--model", help="the model behind the agent (with --ai)")

    sub = command("blame", "show who wrote each line of a file and its review state", _blame)
    sub.add_argument("path", metavar="PATH")
    sub.add_argument("--json", action="store_true", help="print JSON (see docs/cli.md)")

    sub = command("status", "list the AI-written regions in the repository", _status)
    sub.add_argument("--json", action="store_true", help="print JSON (see docs/cli.md)")
    return parser


# --- handlers -----------------------------------------------------------------------------


def _init(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    changes = initialise(repo)
    for change in changes:
        print(change)
    if not changes:
        print(f"foureyes is already set up in {repo.root}")
    else:
        print("commit .foureyes/ and .gitattributes so claims travel with the code")
    return EXIT_OK


def _mark(args: argparse.Namespace) -> int:
    if args.human and (args.agent or args.model):
        raise UsageError("--agent and --model describe AI code; they do not go with --human")
    repo = Repository.discover()
    ranges = [parse_range(repo, argument) for argument in args.ranges]
    claims = mark(repo, ranges, ai=args.ai, agent=args.agent, model=args.model)
    who = f"AI ({claims[0].agent})" if args.ai and claims else "human"  # type: ignore[union-attr]
    for line_range in ranges:
        print(f"marked {line_range} as {who}")
    return EXIT_OK


def _blame(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    engine = Engine(repo)
    path = repo.relpath(args.path)
    report = engine.report(path)
    _warn_about(engine.snapshot(), sys.stderr)
    if args.json:
        _print_json(file_json(report))
    else:
        render_blame(report, repo.read_text(path), sys.stdout)
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    engine = Engine(repo)
    reports = []
    for path in engine.tracked_paths():
        try:
            reports.append(engine.report(path))
        except UsageError as error:  # a tracked file became binary or huge: say so, go on
            print(f"foureyes: skipped {path}: {error.message}", file=sys.stderr)
    _warn_about(engine.snapshot(), sys.stderr)
    if args.json:
        regions = [region for report in reports for region in report.regions]
        _print_json(
            {
                "regions": [region_json(region) for region in regions],
                "summary": _summary(regions),
            }
        )
    else:
        render_status(reports, sys.stdout)
    return EXIT_OK


def _summary(regions: Sequence[Any]) -> dict[str, Any]:
    states: dict[str, int] = {}
    for region in regions:
        states[region.review.state.value] = states.get(region.review.state.value, 0) + 1
    return {
        "regions": len(regions),
        "files": len({region.path for region in regions}),
        "lines": sum(len(region.lines) for region in regions),
        "by_state": states,
    }


def _warn_about(snapshot: LedgerSnapshot, stream: TextIO) -> None:
    for problem in snapshot.problems:
        print(f"foureyes: warning: {snapshot.path}, {problem}", file=stream)


def _print_json(data: object) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    sys.exit(main())
