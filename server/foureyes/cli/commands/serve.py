"""`foureyes serve`: run the language server (stdio by default)."""

from __future__ import annotations

import argparse
import re

from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.core.errors import UsageError


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "serve", run)
    sub.add_argument(
        "--tcp", metavar="HOST:PORT", help="listen on a TCP port instead of stdio (for debugging)"
    )


def run(args: argparse.Namespace) -> int:
    if args.tcp and not re.fullmatch(r"[\w.\-\[\]:]*:\d+", args.tcp):
        raise UsageError(f"--tcp {args.tcp!r} is not HOST:PORT", "for example --tcp 127.0.0.1:2087")
    from foureyes.lsp.server import main  # imported late: pygls costs ~0.7 s to import

    main(tcp=args.tcp)
    return EXIT_OK
