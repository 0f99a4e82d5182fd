"""`foureyes init`: set up foureyes' files in the current repository, and say what AI
code history already holds (with the way to accept it: `foureyes baseline`), and which
Python environment imports will be judged against."""

from __future__ import annotations

import argparse

from foureyes.cli.common import EXIT_OK, Subcommands, add_command
from foureyes.core.errors import FoureyesError
from foureyes.core.model import ReviewState
from foureyes.store.initialise import initialise
from foureyes.store.repo import Repository


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
    _explain_history(repo)
    return EXIT_OK


def _explain_history(repo: Repository) -> None:
    """Old AI code (trailers, git-ai notes, Agent Trace) shows up as unreviewed at
    once; say so, and how a senior accepts what was reviewed when it was merged."""
    from foureyes.engine.engine import Engine  # only here: `init` itself needs no engine

    try:
        engine = Engine(repo, complete_risk=False)
        waiting = [
            region
            for path in engine.tracked_paths()
            for region in engine.report(path).regions
            if region.review.state is not ReviewState.APPROVED
        ]
    except FoureyesError:
        return  # a broken policy or an unreadable file is reported by the commands that need it
    for line in engine.dependencies.python_environment().explain():
        print(line)
    if not waiting:
        return
    files = len({region.path for region in waiting})
    print(
        f"found {len(waiting)} AI-written region{'s' if len(waiting) != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''} that need review (`foureyes status` lists them); "
        "most come from history: commits marked as AI, git-ai notes, Agent Trace records"
    )
    print(
        "if they were reviewed when they were merged, a senior can accept them as they are: "
        "foureyes baseline (a later change to them needs review again)"
    )
