"""`foureyes record --agent NAME [--strict]`: what agent hooks run after each edit.

Reads one hook payload (JSON) on stdin and records the lines the tool call wrote.
An agent's tool call must never fail because of foureyes, and some agents block the
tool call when a hook exits with 2, so without --strict this command exits 0 for
everything: a bad payload, a missing repository, even bad arguments (a stale hook
command after an upgrade must not start blocking edits). Problems go to stderr
and to `hooks.log` in the repository's cache (`.git/foureyes/cache/hooks.log` in a
plain clone). With --strict, bad input exits 2 and environment problems 3, as
other commands do.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from foureyes.app.payloads import AGENTS
from foureyes.app.record import Outcome, log_problem, record_hook
from foureyes.cli.common import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE, Subcommands, add_command
from foureyes.core.errors import UsageError

# What `record --help` says after the summary (in cli/commands/__init__.py).
DETAILS = """\
Agent hooks run this after each edit (`foureyes hooks install AGENT` sets that up).
Without --strict it always exits 0, so that the agent's tool call never fails
because of foureyes: problems are printed to stderr and appended to
.git/foureyes/cache/hooks.log. With --strict, bad input exits 2 and environment
problems exit 3. See docs/capture.md for the payloads each agent sends.
"""


EXIT_CODES = """\
exit codes:
  0  recorded, nothing to record (not an edit), or, without --strict, any problem
  2  with --strict: bad input (not JSON, a missing field, a file outside the
     repository, missing or binary, bad arguments)
  3  with --strict: environment (no git repository, git identity not set, ledger
     not writable)
"""


class _BadArguments(Exception):
    """argparse's complaint about the command line, caught instead of exiting with 2."""


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "record", run)
    sub.description = f"{sub.description}\n\n{DETAILS}"
    sub.epilog = EXIT_CODES
    sub.add_argument("--agent", metavar="AGENT", help=f"one of: {', '.join(AGENTS)}")
    sub.add_argument(
        "--strict",
        action="store_true",
        help="exit non-zero when the payload cannot be recorded (2: bad input, 3: environment)",
    )
    _never_exit_for_arguments(sub)


def _never_exit_for_arguments(sub: argparse.ArgumentParser) -> None:
    """Turn argparse errors for this command into a logged problem (exit 0 unless --strict).

    argparse exits with 2 on a bad command line, and exit 2 from a Claude Code or
    Gemini hook blocks the tool call. The top-level parser only fails on arguments
    this subcommand hands back as unrecognised, so it hands back none.
    """
    parse = sub.parse_known_args

    def error(message: str) -> None:
        raise _BadArguments(message)

    def parse_known_args(
        args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        words = list(args or [])
        try:
            parsed, extras = parse(words, namespace)
        except _BadArguments as problem:
            parsed = argparse.Namespace(
                handler=run, agent=None, strict="--strict" in words, bad_arguments=str(problem)
            )
            return parsed, []
        if extras:
            parsed.bad_arguments = f"unrecognized arguments: {' '.join(extras)}"
        return parsed, []

    sub.error = error  # type: ignore[method-assign,assignment]
    sub.parse_known_args = parse_known_args  # type: ignore[method-assign,assignment]


def run(args: argparse.Namespace) -> int:
    strict = bool(getattr(args, "strict", False))
    payload = _read_stdin()
    problem = getattr(args, "bad_arguments", None)
    if problem is None and not args.agent:
        problem = f"--agent is required (one of: {', '.join(AGENTS)})"
    if problem is not None:
        message = f"bad arguments: {problem}"
        logged = log_problem(payload, Path.cwd(), "error", f"foureyes record: {message}")
        _tell(f"foureyes record: {message}", logged)
        return EXIT_USAGE if strict else EXIT_OK
    try:
        outcome = record_hook(args.agent, payload)
    except Exception:
        if strict:
            raise
        # A bug in foureyes must not fail the agent's tool call either.
        import traceback  # here: only a bug needs it, and every hook's process pays for imports

        trace = traceback.format_exc().rstrip()
        message = f"internal error in foureyes record --agent {args.agent} (a bug):\n{trace}"
        _tell(f"foureyes record: {message}", log_problem(payload, Path.cwd(), "error", message))
        return EXIT_OK
    return _report(outcome, strict)


def _read_stdin() -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    try:
        if stream is not None:
            return bytes(stream.read())
        return str(sys.stdin.read()).encode("utf-8", "surrogateescape")
    except (OSError, ValueError):  # stdin closed or not readable
        return b""


def _report(outcome: Outcome, strict: bool) -> int:
    for warning in outcome.warnings:
        _tell(f"foureyes record: warning: {warning}", outcome.log_path)
    problem = outcome.problem
    if problem is None:
        return EXIT_OK
    _tell(f"foureyes record: {problem}", outcome.log_path)
    if not strict:
        return EXIT_OK
    return EXIT_USAGE if isinstance(problem, UsageError) else EXIT_ENVIRONMENT


def _tell(message: str, logged: Path | None) -> None:
    print(message + (f"\n  logged to {logged}" if logged else ""), file=sys.stderr)
