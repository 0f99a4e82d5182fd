"""The merge gate's decisions: which files to check, against which base, with which
policy, which AI regions in them block because they lack required approvals, and
whether the ledger the change brings still holds every event of the base's.

`check` (the CLI) formats these answers; a CI action, a pre-commit hook and the
editor can ask the same questions. The base is resolved exactly (a tag cannot stand
in for a branch) and, when one was asked for (--base, GITHUB_BASE_REF), never
replaced by another commit when it is missing (see `resolve_base`). The policy comes
from the base commit when there is one, so a change cannot loosen the rules it is
judged by. This module asks git through `Repository`; it must not know about argv,
output formats or LSP.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

from foureyes.core.model import AnchoredClaim, Claim, Region, ReviewState
from foureyes.core.wording import count
from foureyes.rules import codeowners
from foureyes.rules.policy import POLICY_FILE, PYPROJECT, Policy, PolicyError, load_policy
from foureyes.sources.agent_trace import DEFAULT_PATH as TRACES_PATH
from foureyes.store.base import Base
from foureyes.store.files import Commit
from foureyes.store.ledger_codec import (
    parse_line as ledger_line,  # the one definition of a valid line
)
from foureyes.store.ledger_snapshot import LedgerSnapshot
from foureyes.store.repo import Repository

# Said once when approvals are counted while the policy names no seniors (review.seniors
# is "*", its default): any person's approval counts, never one who brought the code in.
NO_SENIORS = (
    "the policy names no seniors, so anyone's approval counts except that of whoever "
    "brought the code in; name them under [review] seniors in .foureyes.toml"
)


def changed_paths(repo: Repository, base: Base, snapshot: LedgerSnapshot) -> set[str]:
    """Files that differ between `base` and the working tree (new names after a
    rename), untracked files that are not ignored, and files that ledger events added
    since `base` speak about (code marked as AI after the fact changes no file)."""
    diff = repo.git("diff", "--name-only", "-z", "-M", base.commit, "--")
    untracked = repo.git("ls-files", "--others", "--exclude-standard", "-z")
    changed = {name for name in (*diff.split("\0"), *untracked.split("\0")) if name}
    ledger = repo.ledger_path.relative_to(repo.root).as_posix()
    if ledger in changed:
        known = _event_ids(repo.blob(base.commit, ledger) or b"")
        for claim in snapshot.claims:
            if isinstance(claim, AnchoredClaim) and claim.id not in known:
                changed.add(claim.path)
                changed.add(repo.current_name(claim.path) or claim.path)
    return changed


def _event_ids(data: bytes) -> set[str]:
    """Ids of the events in a ledger's bytes; lines that are not events are ignored."""
    ids: set[str] = set()
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            ids.add(record["id"])
    return ids


@dataclass(frozen=True, slots=True)
class LedgerChange:
    """A way the head's ledger departs from the base's that the gate does not accept:
    a base event deleted or rewritten, an invalid line added, an id used twice."""

    line: int  # 1-based; in the head's ledger, or the base's when `at_base`
    event_id: str | None
    reason: str
    at_base: bool = False

    def __str__(self) -> str:
        where = f"line {self.line}{' at the base' if self.at_base else ''}"
        if self.event_id is not None:
            where += f" (event {self.event_id})"
        return f"{where}: {self.reason}"


def ledger_changes(repo: Repository, base: Base, head: bytes) -> list[LedgerChange]:
    """How the ledger `head` (as the engine read it: the working tree's, or HEAD's in
    CI) departs from the ledger at the merge-base of HEAD with `base` (events there are
    ones the change started from); see `compare_ledgers`."""
    relpath = repo.ledger_path.relative_to(repo.root).as_posix()
    at_base = repo.blob(base.merge_base or base.commit, relpath)
    return compare_ledgers(at_base or b"", head)


def compare_ledgers(base: bytes, head: bytes) -> list[LedgerChange]:
    """What the ledger `head` does that an append-only ledger grown from `base` must not.

    Every line of `base` must be in `head` (as the same bytes, or the same JSON value:
    a union merge may reorder lines, and a tool may re-serialise one). Every line of
    `head` not in `base` is added, and must be an event as the ledger reads it
    (`foureyes.ledger` decides what is valid) whose id no different line uses; an
    added line with the id of a base line that is gone rewrote that line. Identical
    copies of a line (a union merge can repeat one) are one line.
    """
    base_lines = _lines(base)
    head_lines = _lines(head)
    # Most lines are the same bytes on both sides; only the rest is compared as JSON.
    base_raw = {raw for _, raw in base_lines}
    head_raw = {raw for _, raw in head_lines}
    gone = [(number, raw) for number, raw in base_lines if raw not in head_raw]
    added = [(number, raw) for number, raw in head_lines if raw not in base_raw]
    if gone and added:
        same = {_canonical(raw) for _, raw in gone} & {_canonical(raw) for _, raw in added}
        same.discard(None)
        gone = [(number, raw) for number, raw in gone if _canonical(raw) not in same]
        added = [(number, raw) for number, raw in added if _canonical(raw) not in same]
    gone_by_id = {_event_id(raw): number for number, raw in reversed(gone)}
    gone_by_id.pop(None, None)
    added_lines = {number for number, _ in added}
    used: dict[str, list[tuple[int, bytes]]] = {}  # id -> (head line, line) using it
    for number, raw in head_lines:
        event_id = None if number in added_lines else _event_id(raw)
        if event_id is not None:
            used.setdefault(event_id, []).append((number, raw))
    changes: list[LedgerChange] = []
    events: list[tuple[int, bytes, Claim]] = []
    for number, raw in added:
        try:
            events.append((number, raw, _parse_event(raw)))
        except ValueError as error:
            reason = f"added since the base and not a valid event: {error}"
            changes.append(LedgerChange(number, _event_id(raw), reason))
    for number, raw, claim in events:
        used.setdefault(claim.id, []).append((number, raw))
    rewritten: set[int] = set()
    for number, raw, claim in events:
        replaced = gone_by_id.get(claim.id)
        if replaced is not None:
            rewritten.add(replaced)
            reason = (
                f"rewritten: the base has a different event {claim.id} (its line "
                f"{replaced}); ledger events are never changed, only added"
            )
            changes.append(LedgerChange(number, claim.id, reason))
            continue
        key = _key(raw)  # only lines sharing an id are compared as JSON: few
        others = sorted({line for line, other in used[claim.id] if _key(other) != key})
        if others:
            listed = ", ".join(str(line) for line in others)
            reason = (
                f"the id {claim.id} is already used by a different event (line "
                f"{listed}); the ledger would keep only one of them"
            )
            changes.append(LedgerChange(number, claim.id, reason))
    for number, raw in gone:
        if number not in rewritten:
            reason = "deleted since the base; ledger events are never removed"
            changes.append(LedgerChange(number, _event_id(raw), reason, at_base=True))
    changes.sort(key=lambda change: (change.at_base, change.line))
    return changes


def _lines(data: bytes) -> list[tuple[int, bytes]]:
    """The non-blank lines of a ledger's bytes with their 1-based numbers, split as the
    ledger reads them (a last line without its newline counts)."""
    return [(number, raw) for number, raw in enumerate(data.split(b"\n"), 1) if raw.strip()]


def _json(raw: bytes) -> object:
    """A line's JSON value; ValueError when it is not UTF-8 JSON."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _canonical(raw: bytes) -> bytes | None:
    """The line's JSON value written one way (sorted keys, ASCII), or None if not JSON."""
    try:
        value = _json(raw)
        return json.dumps(value, sort_keys=True, ensure_ascii=True).encode("ascii")
    except (ValueError, RecursionError):
        return None


def _key(raw: bytes) -> bytes:
    """What makes two lines the same line: their JSON value, else their bytes."""
    canonical = _canonical(raw)
    return raw if canonical is None else canonical


# How the ledger writes a line's start: {"v":1,"id":"...". In a line without a
# backslash (no escaped key) holding "id" once, that is the top-level id, for sure.
_ID_FIRST = re.compile(rb'\{\s*"v"\s*:\s*[0-9]+\s*,\s*"id"\s*:\s*"([^"]*)"')


def _event_id(raw: bytes) -> str | None:
    """The top-level "id" of a line that is a JSON object (valid event or not), or None.

    Read from the line's start when it is written as the ledger writes lines; the
    JSON is decoded otherwise."""
    if b"\\" not in raw and raw.count(b'"id"') == 1:
        found = _ID_FIRST.match(raw.strip())
        if found is not None:
            try:
                return found.group(1).decode("utf-8")
            except UnicodeDecodeError:
                return None
    try:
        value = _json(raw)
    except ValueError:
        return None
    event_id = value.get("id") if isinstance(value, dict) else None
    return event_id if isinstance(event_id, str) else None


def _parse_event(raw: bytes) -> Claim:
    """One ledger line as the ledger itself decodes it; ValueError when it is not an
    event (so "valid" means here what it means to every reader)."""
    try:
        return ledger_line(raw)
    except RecursionError:
        raise ValueError("not valid JSON (nested too deeply)") from None


def policy_at(repo: Repository, commit: str, label: str) -> Policy:
    """The policy as it was at `commit`; errors say which commit they come from."""

    try:
        return load_policy(lambda relpath: repo.blob(commit, relpath))
    except PolicyError as error:
        raise PolicyError(f"{error.message} (the policy at {label})", error.hint) from None


def policy_files_differ(repo: Repository, commit: str, policy: Policy) -> bool:
    """Whether the working tree's policy inputs differ from those at `commit` (for
    pyproject.toml, only its [tool.foureyes] table counts)."""
    names = [POLICY_FILE, *codeowners.LOCATIONS]
    if policy.signing.allowed_signers:
        names.append(policy.signing.allowed_signers)
    for name in names:
        path = repo.abspath(name)
        current = path.read_bytes() if path.is_file() else None
        if current != repo.blob(commit, name):
            return True
    pyproject = repo.abspath(PYPROJECT)
    current = pyproject.read_bytes() if pyproject.is_file() else None
    return _tool_table(current) != _tool_table(repo.blob(commit, PYPROJECT))


def _tool_table(data: bytes | None) -> object:
    if data is None:
        return None
    try:
        parsed = tomllib.loads(data.decode("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError:
        return data  # unreadable: compare the bytes
    tool = parsed.get("tool")
    return tool.get("foureyes") if isinstance(tool, dict) else None


@dataclass(frozen=True, slots=True)
class Finding:
    """An AI region that lacks the approvals the policy requires, and why."""

    region: Region
    blocking: bool  # below the policy's fail_at level it is reported, not blocking
    reasons: tuple[str, ...]  # why it is not approved, most important first
    may_approve: str  # who can approve it, as a sentence fragment


@dataclass(frozen=True, slots=True)
class Unchecked:
    """A file with AI claims that could not be read as text (binary, too large): its AI
    code cannot be judged, so it blocks."""

    path: str
    reason: str


def history_inputs_differ(repo: Repository, files: Commit) -> list[Unchecked]:
    """History reads the Agent Trace records from the working tree; judging a commit,
    they must be what the commit holds (a checkout can re-encode them), or history
    read from them cannot be trusted."""
    on_disk = repo.abspath(TRACES_PATH)
    current = on_disk.read_bytes() if on_disk.is_file() and not on_disk.is_symlink() else None
    if current == files.read_bytes(TRACES_PATH):
        return []
    reason = (
        f"differs in the working tree from {files.label} (a checkout that re-encodes it, "
        "or a link?), so history read from it cannot be trusted"
    )
    return [Unchecked(TRACES_PATH, reason)]


def evaluate(regions: Iterable[Region], policy: Policy) -> list[Finding]:
    """A finding for every region that is not approved, riskiest first."""
    findings = [
        Finding(
            region=region,
            blocking=region.risk.level.rank >= policy.fail_at.rank,
            reasons=tuple(reasons_for(region)),
            may_approve=may_approve(region),
        )
        for region in regions
        if region.review.state is not ReviewState.APPROVED
    ]
    findings.sort(
        key=lambda f: (
            not f.blocking,
            -f.region.risk.level.rank,
            f.region.path,
            f.region.start_line,
        )
    )
    return findings


def reasons_for(region: Region) -> list[str]:
    review = region.review
    level = region.risk.level.value
    # With no seniors named, "senior approvals" next to "can approve: anyone" reads as
    # a contradiction: say whose approvals count instead.
    kind = "approval" if review.seniors.anyone else "senior approval"
    required = count(review.approvals_required, kind)
    reasons = [f"{review.state.value}: {review.approvals} of {required} required for {level} risk"]
    if review.state is ReviewState.CHANGES_REQUESTED:
        latest = max(review.changes_requested, key=lambda c: c.at, default=None)
        if latest is not None:
            reasons.append(f"changes requested by {latest.by.email}: {latest.note or '(no note)'}")
    for part in review.partly:
        reasons.append(
            f"approved in part by {part.approval.by.email} ({part.lines} of {part.of} lines)"
        )
    if review.asked:
        reasons.append(f"review requested from {', '.join(review.asked)}")
    elif review.state is ReviewState.UNREVIEWED:
        reasons.append("nobody has been asked to review it yet")
    for discounted in review.discounted:
        reasons.append(
            f"approval by {discounted.approval.by.email} not counted: {discounted.reason}"
        )
    reasons.extend(reason.message for reason in region.risk.reasons)
    if region.mixed_lines:
        one = region.mixed_lines == 1
        changed = count(region.mixed_lines, "AI line")
        reasons.append(
            f"{changed} {'was' if one else 'were'} changed by a person and still "
            f"need{'s' if one else ''} review"
        )
    return reasons


def may_approve(region: Region) -> str:
    seniors = region.review.seniors
    recorders = sorted({person.email for person in region.review.recorders})
    if seniors.anyone:
        who = "anyone"
        if recorders:
            who += f" but {', '.join(recorders)}, who brought it in"
        return f"{who} (the policy names no seniors)"
    if not seniors.entries:
        return "nobody: the policy names no senior for this path"
    who = ", ".join(seniors.entries)
    if recorders:
        who += f" (not {', '.join(recorders)}, who brought it in)"
    return who
