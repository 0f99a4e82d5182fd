"""The subcommands of `foureyes`: each one's name, module and one-line summary, in help order.

This table is the only place a command's summary is written: `add_command` takes it
from here, and cli/main.py lists every command from it without importing their
modules. Only the module of the command being run is imported, because agent hooks
run `foureyes record` on every tool call and most other commands import the engine
(and through it tree-sitter, jedi, ...). Each module `cli/commands/MODULE.py` exposes
`register(commands)`, which adds its subcommand's parser and options.
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    name: str  # as typed: `foureyes NAME`
    module: str  # foureyes.cli.commands.MODULE
    summary: str  # the one line `foureyes --help` shows; also the start of `NAME --help`


# fmt: off
COMMANDS: tuple[Command, ...] = (
    Command("init", "init",
            "set up foureyes in this repository: the ledger and its merge rule"),
    Command("mark", "mark",
            "record by hand who wrote some lines (an AI agent or you)"),
    Command("blame", "blame",
            "show who wrote each line of a file and its review state"),
    Command("status", "status",
            "list the AI-written regions in the repository"),
    Command("risk", "risk",
            "show the risk score and reasons of each AI region in a file"),
    Command("serve", "serve",
            "run the foureyes language server over stdio (editors start this)"),
    Command("record", "record",
            "record the lines an agent's tool call wrote, from the hook payload (JSON) on stdin"),
    Command("hooks", "hooks",
            "install or remove the agent hook that records each edit it makes "
            "(see docs/capture.md)"),
    Command("request-review", "request_review",
            "ask senior reviewers to review an AI-written region"),
    Command("approve", "approve",
            "approve an AI-written region: you reviewed exactly its current text"),
    Command("reject", "reject",
            "request changes to an AI-written region"),
    Command("queue", "queue",
            "list the AI-written regions awaiting review, riskiest first"),
    Command("review-packet", "review_packet",
            "print a Markdown review packet for one AI region (to paste into chat or a PR)"),
    Command("baseline", "baseline",
            "accept, as a senior, the AI code that exists at a commit (old code merged "
            "before foureyes)"),
    Command("check", "check",
            "the CI gate: fail when AI-written regions lack the approvals the policy requires"),
    Command("checkpoint", "checkpoint",
            "snapshot the working tree before an agent acts (begin) and claim what it changed "
            "(end)"),
    Command("run", "run",
            "run a command (an agent) and claim the lines it changed as AI"),
    Command("import", "import_",
            "import AI authorship recorded by other tools (Agent Trace) into the ledger"),
    Command("export", "export",
            "write the ledger's AI authorship in another format (Agent Trace JSON Lines)"),
    Command("scan", "scan",
            "resolve the whole repository (ledger and git history) and summarise AI authorship"),
)
# fmt: on

BY_NAME: dict[str, Command] = {command.name: command for command in COMMANDS}
