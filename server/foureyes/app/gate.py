"""The merge gate's decisions: which files to check, against which base, with which
policy, which AI regions in them block because they lack required approvals, and
whether the ledger the change brings still holds every event of the base's.

`check` (the CLI) formats these answers; a CI action, a pre-commit hook and the
editor can ask the same questions. Which commit is the base is `store/base.py`
(resolved exactly, never replaced by another commit); how a change's ledger may
differ from the base's is `ledger_change.py`. The policy comes from the base commit
when there is one, so a change cannot loosen the rules it is judged by. This module
asks git through `Repository`; it must not know about argv, output formats or LSP.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

from foureyes.app.ledger_change import LedgerChange, compare_ledgers, event_ids
from foureyes.core.model import AnchoredClaim, Region, ReviewState
from foureyes.core.wording import count
from foureyes.rules import codeowners
from foureyes.rules.policy import POLICY_FILE, PYPROJECT, Policy, PolicyError, load_policy
from foureyes.sources.agent_trace import DEFAULT_PATH as TRACES_PATH
from foureyes.store.base import Base
from foureyes.store.files import Commit
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
        known = event_ids(repo.blob(base.commit, ledger) or b"")
        for claim in snapshot.claims:
            if isinstance(claim, AnchoredClaim) and claim.id not in known:
                changed.add(claim.path)
                changed.add(repo.current_name(claim.path) or claim.path)
    return changed


def ledger_changes(repo: Repository, base: Base, head: bytes) -> list[LedgerChange]:
    """How the ledger `head` (as the engine read it: the working tree's, or HEAD's in
    CI) departs from the ledger at the merge-base of HEAD with `base` (events there are
    ones the change started from); see `compare_ledgers`."""
    relpath = repo.ledger_path.relative_to(repo.root).as_posix()
    at_base = repo.blob(base.merge_base or base.commit, relpath)
    return compare_ledgers(at_base or b"", head)


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
