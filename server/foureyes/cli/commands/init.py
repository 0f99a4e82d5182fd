"""`foureyes init`: set up foureyes' files in the current repository."""

from __future__ import annotations

import argparse

from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.initialise import initialise
from foureyes.repo import Repository


def register(commands: Subcommands) -> None:
    add_command(commands, "init", run)


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    changes = initialise(repo)
    for change in changes:
        print(change)
    if not changes:
        print(f"foureyes is already set up in {repo.root}")
    else:
        print("commit .foureyes/ and .gitattributes so claims travel with the code")
    return EXIT_OK
