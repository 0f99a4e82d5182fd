"""The merge gate's decisions: which files to check, against which base, with which
policy, and which AI regions in them block because they lack required approvals.

`check` (the CLI) formats these answers; a CI action, a pre-commit hook and the
editor can ask the same questions. The base defaults to the merge-base of HEAD with
the default branch, falling back to HEAD~ (see `resolve_base`). The policy comes
from the base commit when there is one, so a change cannot loosen the rules it is
judged by. This module asks git through `Repository.git`; it must not know about
argv, output formats or LSP.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

from foureyes.errors import EnvironmentProblem, UsageError
from foureyes.ledger import LedgerSnapshot
from foureyes.model import AnchoredClaim, Region, ReviewState
from foureyes.repo import Repository
from foureyes.review import codeowners
from foureyes.review.policy import POLICY_FILE, PYPROJECT, Policy, PolicyError, load_policy

_DEFAULT_BRANCHES = ("origin/main", "origin/master", "main", "master")


@dataclass(frozen=True, slots=True)
class Base:
    """What changed files are compared against."""

    ref: str  # as given or found ("origin/main", "HEAD~")
    commit: str
    how: str  # one sentence: how the base was chosen


def resolve_base(repo: Repository, given: str | None) -> Base | None:
    """The commit to compare against, or None when there is none (a first commit).

    Given a ref, that ref (an unknown ref is bad input). Otherwise the merge-base of
    HEAD with the default branch (GITHUB_BASE_REF in a pull request, then origin/HEAD,
    origin/main, origin/master, main, master); when HEAD is on that branch (or none
    exists), HEAD~; with no parent either, None: every file is checked.
    """
    if given is not None:
        commit = _commit(repo, given)
        if commit is None:
            raise UsageError(
                f"--base {given}: no such commit or ref",
                "fetch it first (in CI: actions/checkout with fetch-depth: 0), or name another ref",
            )
        return Base(given, commit, f"--base {given}")
    head = _commit(repo, "HEAD")
    if head is None:
        return None
    for branch in _default_branches(repo):
        tip = _commit(repo, branch)
        if tip is None:
            continue
        try:
            merge_base = repo.git("merge-base", "HEAD", tip).strip()
        except EnvironmentProblem:
            continue  # unrelated histories, or a shallow clone without the base
        if merge_base and merge_base != head:
            return Base(branch, merge_base, f"the merge-base of HEAD with {branch}")
        break
    parent = _commit(repo, "HEAD~")
    if parent is not None:
        return Base("HEAD~", parent, "HEAD~ (HEAD is on the default branch, or none was found)")
    return None


def _default_branches(repo: Repository) -> list[str]:
    found: list[str] = []
    pull_request_base = os.environ.get("GITHUB_BASE_REF", "").strip()
    if pull_request_base:
        found.append(f"origin/{pull_request_base}")
    try:
        origin_head = repo.git("symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD")
        found.append(origin_head.strip())
    except EnvironmentProblem:
        pass
    found.extend(_DEFAULT_BRANCHES)
    return [branch for branch in dict.fromkeys(found) if branch]


def _commit(repo: Repository, ref: str) -> str | None:
    if ref.startswith("-"):
        return None  # never let a ref be read as an option
    try:
        return repo.git("rev-parse", "--verify", "-q", f"{ref}^{{commit}}").strip() or None
    except EnvironmentProblem:
        return None


def changed_paths(repo: Repository, base: Base, snapshot: LedgerSnapshot) -> set[str]:
    """Files that differ between `base` and the working tree (new names after a
    rename), untracked files that are not ignored, and files that ledger events added
    since `base` speak about (code marked as AI after the fact changes no file)."""
    diff = repo.git("diff", "--name-only", "-z", "-M", base.commit, "--")
    untracked = repo.git("ls-files", "--others", "--exclude-standard", "-z")
    changed = {name for name in (*diff.split("\0"), *untracked.split("\0")) if name}
    ledger = repo.ledger_path.relative_to(repo.root).as_posix()
    if ledger in changed:
        known = _event_ids(_show(repo, base.commit, ledger) or b"")
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


def policy_at(repo: Repository, commit: str, label: str) -> Policy:
    """The policy as it was at `commit`; errors say which commit they come from."""

    try:
        return load_policy(lambda relpath: _show(repo, commit, relpath))
    except PolicyError as error:
        raise PolicyError(f"{error.message} (the policy at {label})", error.hint) from None


def _show(repo: Repository, commit: str, relpath: str) -> bytes | None:
    """The content of a file at a commit, or None when it has none."""
    try:
        return repo.git("cat-file", "blob", f"{commit}:{relpath}").encode("utf-8")
    except EnvironmentProblem:
        return None


def policy_files_differ(repo: Repository, commit: str, policy: Policy) -> bool:
    """Whether the working tree's policy inputs differ from those at `commit` (for
    pyproject.toml, only its [tool.foureyes] table counts)."""
    names = [POLICY_FILE, *codeowners.LOCATIONS]
    if policy.signing.allowed_signers:
        names.append(policy.signing.allowed_signers)
    for name in names:
        path = repo.abspath(name)
        current = path.read_bytes() if path.is_file() else None
        if current != _show(repo, commit, name):
            return True
    pyproject = repo.abspath(PYPROJECT)
    current = pyproject.read_bytes() if pyproject.is_file() else None
    return _tool_table(current) != _tool_table(_show(repo, commit, PYPROJECT))


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
    reasons = [
        f"{review.state.value}: {review.approvals} of {review.approvals_required} senior "
        f"approval{'s' if review.approvals_required != 1 else ''} required for {level} risk"
    ]
    if review.state is ReviewState.CHANGES_REQUESTED:
        latest = max(review.changes_requested, key=lambda c: c.at, default=None)
        if latest is not None:
            reasons.append(f"changes requested by {latest.by.email}: {latest.note or '(no note)'}")
    asked = sorted({who for request in review.requests for who in request.reviewers})
    if asked:
        reasons.append(f"review requested from {', '.join(asked)}")
    elif review.state is ReviewState.UNREVIEWED:
        reasons.append("nobody has been asked to review it yet")
    for discounted in review.discounted:
        reasons.append(
            f"approval by {discounted.approval.by.email} not counted: {discounted.reason}"
        )
    reasons.extend(reason.message for reason in region.risk.reasons)
    if region.mixed_lines:
        reasons.append(
            f"{region.mixed_lines} AI line(s) were changed by a person and still need review"
        )
    return reasons


def may_approve(region: Region) -> str:
    seniors = region.review.seniors
    recorders = sorted({claim.by.email for claim in region.claims})
    if seniors.anyone:
        who = "anyone"
    elif seniors.entries:
        who = ", ".join(seniors.entries)
    else:
        return "nobody: the policy names no senior for this path"
    if recorders:
        who += f" (not {', '.join(recorders)}, who recorded it)"
    return who
