"""The `foureyes` command line: build the parser, import and run one command, exit.

Only this package knows about argv, stdout/stderr and exit codes. Every answer comes
from the engine (or the capture and review functions that write claims), so the
terminal, the editor and CI agree. Each subcommand lives in `cli/commands/MODULE.py`
and is listed, with its summary, in cli/commands/__init__.py.

Only the module of the command being run is imported: agent hooks run `foureyes
record` on every tool call, and importing every command would load the engine,
tree-sitter, re2 and more each time (the hook's process took 0.25 s instead of about
0.1 s). The other commands are listed in the parser by name and summary alone, which
is all `foureyes --help` shows.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from foureyes import __version__
from foureyes.cli.commands import BY_NAME, COMMANDS
from foureyes.cli.common import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE, PROGRAM_EXIT_CODES_HELP
from foureyes.core.errors import FoureyesError, UsageError


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    if words and not words[0].startswith("-") and words[0] not in BY_NAME:
        return unknown_command(words[0])
    command = command_in(words)
    # Only the top-level help shows the other commands (listing them costs a parser
    # each, about 4 ms), and it cannot be asked for once the command is the first word.
    parser = build_parser(command, others=words[:1] != [command])
    args = parser.parse_args(words)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    if argv is None:
        # Run as the program (not called by a test or a caller's code): what importing
        # made lives until the process ends, and leaving it out of garbage collection
        # spares the exit from freeing it all (10-20 ms of every hook's process).
        gc.freeze()
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


def unknown_command(word: str) -> int:
    """A mistyped command (`foureyes stauts`): name the closest commands, as git does."""
    import difflib  # here: only a typo pays for it, never an agent hook's process

    close = difflib.get_close_matches(word, list(BY_NAME), n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(f"`foureyes {name}`" for name in close) + "?"
    else:
        hint = "`foureyes --help` lists the commands"
    print(f"foureyes: {UsageError(f'{word!r} is not a foureyes command', hint)}", file=sys.stderr)
    return EXIT_USAGE


def command_in(words: Sequence[str]) -> str | None:
    """The command argparse will run for these words: the first one that is not an option.

    The top-level parser's only options (-h, --version) take no value, so the first
    word not starting with "-" is the command. argparse also reads some words that
    start with "-" as the command ("-", "-1"); none is a command's name, so argparse
    rejects them whatever this returns.
    """
    for word in words:
        if not word.startswith("-"):
            return word if word in BY_NAME else None
    return None


def build_parser(command: str | None = None, *, others: bool = True) -> argparse.ArgumentParser:
    """The parser with the options of `command` (its module imported) and, with `others`,
    every other command listed by name and summary (their modules not imported)."""
    parser = argparse.ArgumentParser(
        prog="foureyes",
        description="Four-eyes review for AI-written code: which lines an agent wrote, "
        "and whether a senior engineer reviewed them.",
        epilog=PROGRAM_EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"foureyes {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for listed in COMMANDS:
        if listed.name == command:
            importlib.import_module(f"foureyes.cli.commands.{listed.module}").register(commands)
        elif others:
            commands.add_parser(listed.name, help=listed.summary)
    return parser


if __name__ == "__main__":
    sys.exit(main())
