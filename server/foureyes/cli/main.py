"""The `foureyes` command line: build the parser from the command modules, run one, exit.

Only this package knows about argv, stdout/stderr and exit codes. Every answer comes
from the engine (or the capture and review functions that write claims), so the
terminal, the editor and CI agree. Each subcommand lives in `cli/commands/NAME.py`
and is listed in COMMANDS below.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from foureyes import __version__
from foureyes.cli.commands import (
    approve,
    blame,
    check,
    checkpoint,
    export,
    hooks,
    import_,
    init,
    mark,
    queue,
    record,
    reject,
    request_review,
    review_packet,
    risk,
    run,
    scan,
    serve,
    status,
)
from foureyes.cli.common import EXIT_CODES_HELP, EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE
from foureyes.errors import FoureyesError, UsageError

# fmt: off
COMMANDS = (init, mark, blame, status, risk, serve, record, hooks,
            request_review, approve, reject, queue, review_packet, check,
            checkpoint, run, import_, export, scan)
# fmt: on


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"foureyes: {error}", file=sys.stderr)
        return EXIT_USAGE
    except FoureyesError as error:
        print(f"foureyes: {error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except BrokenPipeError:  # `foureyes blame x | head` closed the pipe: not an error
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="foureyes",
        description="Four-eyes review for AI-written code: which lines an agent wrote, "
        "and whether a senior engineer reviewed them.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"foureyes {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
