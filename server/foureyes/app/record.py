"""Record what an agent's tool call wrote: payload in, AI authorship claims in the ledger.

`record_hook` is what `foureyes record` runs for every agent hook. It finds the
repository (from the payload's cwd, else from the file's path), reads each edited
file as it is now (the hook runs after the edit), works out which lines the call
wrote (`edits.py`), anchors them and appends one claim per run of lines. Every
change is checked before anything is written: one bad file writes nothing.

An agent's tool call must never fail because of foureyes, so `record_hook` does not
raise for anything a payload or the environment can cause: the problem comes back
in the `Outcome` and is appended to `hooks.log` in the repository's cache (under the
git directory: `.git/foureyes/cache/hooks.log` in a plain clone). The caller decides
what to print and which exit code to use. This module must not know about argv,
stdout, stderr or exit codes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from foureyes.app.edits import (
    CONFIDENCE_EXACT,
    CONFIDENCE_INFERRED,
    Placement,
    diff_texts,
    edit_id,
    from_hunks,
    locate,
)
from foureyes.app.payloads import FileChange, PayloadError, ToolCall, parse_payload
from foureyes.core.anchor import make_anchor
from foureyes.core.errors import EnvironmentProblem, FoureyesError, UsageError
from foureyes.core.model import AiAuthorship, Identity
from foureyes.core.text import split_lines
from foureyes.store.initialise import append_claims
from foureyes.store.ledger import new_id, now
from foureyes.store.repo import FOUREYES_DIR, Repository

LOG_NAME = "hooks.log"
# The log is for finding out why a hook recorded nothing; past this size it is
# rotated to hooks.log.1 so that a busy agent cannot fill the disk.
MAX_LOG_BYTES = 1024 * 1024


@dataclass(slots=True)
class Outcome:
    """What one `record` did: the claims written, or why none were."""

    agent: str
    call: ToolCall | None = None
    repo: Repository | None = None
    claims: list[AiAuthorship] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problem: FoureyesError | None = None  # what stopped the recording (nothing was written)
    log_path: Path | None = None  # where the problem and warnings were logged, if anywhere


def record_hook(agent: str, payload: bytes | str, *, cwd: Path | None = None) -> Outcome:
    """Record the lines a hook payload says the agent wrote; never raises for bad input.

    `cwd` is the process's working directory, used when the payload names none.
    """
    outcome = Outcome(agent=agent)
    where = cwd or Path.cwd()
    try:
        outcome.call = parse_payload(agent, payload)
        if outcome.call.ignored is None:
            outcome.repo = find_repository(outcome.call, where)
            outcome.claims = _record(outcome.repo, outcome.call, where, outcome.warnings)
        elif not outcome.call.quiet:
            outcome.warnings.append(outcome.call.ignored)
    except PayloadError as error:
        outcome.problem = UsageError(str(error))
    except FoureyesError as error:
        outcome.problem = error
    except OSError as error:  # a file that exists but cannot be read, say
        outcome.problem = EnvironmentProblem(f"cannot read the edited file: {error}")
    if outcome.problem is not None or outcome.warnings:
        repo = outcome.repo or _repository_for_log(payload, where)
        outcome.log_path = _log(repo, outcome)
    return outcome


# --- finding the repository and the files -------------------------------------------------


def find_repository(call: ToolCall, cwd: Path) -> Repository:
    """The repository the agent works in: the one containing the payload's cwd (else the
    process's), or, when that is not in a repository, the one containing the file."""
    base = Path(call.base) if call.base else cwd
    starts = [base]
    starts.extend(_absolute(change.path, base).parent for change in call.changes)
    repo = _first_repository(starts)
    if repo is not None:
        return repo
    raise EnvironmentProblem(
        f"neither {base} nor the edited file is inside a git repository",
        "install the hook in a git working tree, and run the agent there",
    )


def _absolute(path: str, base: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base / candidate


def _existing_ancestor(path: Path) -> Path | None:
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return None


# --- recording ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Planned:
    path: str
    text: str
    placement: Placement


def _record(repo: Repository, call: ToolCall, cwd: Path, warnings: list[str]) -> list[AiAuthorship]:
    base = Path(call.base) if call.base else cwd
    planned: list[_Planned] = []
    # Check every file before writing anything.
    for change in call.changes:
        path = repo.relpath(_absolute(change.path, base))
        if path.split("/", 1)[0] == FOUREYES_DIR:
            warnings.append(f"{path}: foureyes does not record its own files")
            continue
        text = repo.read_text(path)
        placement = _place(change, text, partial(_earlier_version, repo, path))
        warnings.extend(f"{path}: {warning}" for warning in placement.warnings)
        planned.append(_Planned(path, text, placement))
    if not any(plan.placement.runs for plan in planned):
        return []
    identity: Identity = repo.identity()
    at = now()
    claims = [
        AiAuthorship(
            id=new_id(), at=at, by=identity, path=plan.path,
            anchor=make_anchor(split_lines(plan.text), run.start, run.end),
            agent=call.agent, model=call.model, session=call.session, source=call.source,
            confidence=plan.placement.confidence, replaced=run.replaced, edit=edit,
        )
        for plan in planned
        for edit in [edit_id(plan.placement.runs)]
        for run in plan.placement.runs
    ]  # fmt: skip
    append_claims(repo, claims)
    return claims


def _place(change: FileChange, text: str, earlier: Callable[[], str | None]) -> Placement:
    """The written lines of one file, from the most exact thing the agent sent:
    a line diff of the call, then the text before the call, then what it put in."""
    if change.hunks is not None:
        runs = from_hunks(change.hunks, text)
        if runs is not None:
            return Placement(runs=runs)
    if change.original is not None:
        return Placement(runs=diff_texts(change.original, text))
    if change.content is not None:
        if change.created:
            return Placement(runs=diff_texts(None, text))
        # An overwrite without the old text: only lines that differ from git's copy
        # are the agent's (git's copy may be older than the call, hence less sure).
        before = earlier()
        confidence = CONFIDENCE_EXACT if before is None else CONFIDENCE_INFERRED
        return Placement(runs=diff_texts(before, text), confidence=confidence)
    return locate(change.edits, text, earlier)


def _earlier_version(repo: Repository, path: str) -> str | None:
    """The file as git's index has it, else as HEAD has it; None when git has neither."""
    for spec in (f":{path}", f"HEAD:{path}"):
        try:
            return repo.git("show", spec)
        except EnvironmentProblem:
            continue
    return None


# --- the log -------------------------------------------------------------------------------


def log_path(repo: Repository) -> Path:
    return repo.cache_dir / LOG_NAME


def _repository_for_log(payload: bytes | str, cwd: Path) -> Repository | None:
    """Where to log a payload that could not be used: its cwd if it has one, else ours."""
    starts: list[Path] = []
    try:
        data = json.loads(payload)
        if isinstance(data, dict):
            if isinstance(data.get("cwd"), str):
                starts.append(Path(data["cwd"]))
            roots = data.get("workspace_roots")
            if isinstance(roots, list):
                starts.extend(Path(root) for root in roots if isinstance(root, str))
    except (ValueError, RecursionError, TypeError):
        pass
    starts.append(cwd)
    return _first_repository(starts)


def _first_repository(starts: Sequence[Path]) -> Repository | None:
    """The repository containing the first of `starts` that is inside one."""
    for start in starts:
        existing = _existing_ancestor(start)
        if existing is None:
            continue
        try:
            return Repository.discover(existing)
        except EnvironmentProblem:
            continue
    return None


def _log(repo: Repository | None, outcome: Outcome) -> Path | None:
    """Append the outcome's problem and warnings to the hook log; None if it cannot."""
    if repo is None:
        return None
    lines: list[str] = []
    what = f"{outcome.agent}{_describe(outcome.call)}"
    if outcome.problem is not None:
        lines.append(_entry("error", f"{what}: {_one_line(outcome.problem)}"))
    lines.extend(_entry("warning", f"{what}: {warning}") for warning in outcome.warnings)
    return write_log(repo, lines)


def log_problem(payload: bytes | str, cwd: Path, level: str, message: str) -> Path | None:
    """Log a problem found outside `record_hook` (bad arguments, a bug) in the repository
    the payload (or else `cwd`) is in; None when there is no such repository."""
    repo = _repository_for_log(payload, cwd)
    return write_log(repo, [_entry(level, message)]) if repo is not None else None


def _entry(level: str, message: str) -> str:
    stamp = now().isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"{stamp} {level} {message}"


def write_log(repo: Repository, lines: list[str]) -> Path | None:
    """Append lines to `hooks.log` in the repository's cache (in the git directory, so
    nothing in the working tree, not even a symlinked `.foureyes`, redirects it).

    Returns the log's path, or None when it cannot be written: a log that fails must
    not turn into a failing hook.
    """
    try:
        path = log_path(repo)  # may ask git where its directory is
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if path.stat().st_size > MAX_LOG_BYTES:
                os.replace(path, path.with_name(LOG_NAME + ".1"))
        except FileNotFoundError:
            pass
        with path.open("a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write("".join(f"{line}\n" for line in lines))
    except (OSError, FoureyesError):
        return None
    return path


def _describe(call: ToolCall | None) -> str:
    if call is None:
        return ""
    paths = ", ".join(change.path for change in call.changes)
    return f" {call.tool}" + (f" {paths}" if paths else "")


def _one_line(error: FoureyesError) -> str:
    text = error.message + (f" (hint: {error.hint})" if error.hint else "")
    return " ".join(text.split())
