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
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

from foureyes.capture.agent_trace import DEFAULT_PATH as TRACES_PATH
from foureyes.errors import EnvironmentProblem, UsageError
from foureyes.files import Commit
from foureyes.ledger import LedgerSnapshot
from foureyes.ledger import parse_line as ledger_line  # the one definition of a valid line
from foureyes.model import AnchoredClaim, Claim, Region, ReviewState
from foureyes.repo import Repository
from foureyes.review import codeowners
from foureyes.review.policy import POLICY_FILE, PYPROJECT, Policy, PolicyError, load_policy
from foureyes.wording import count

# Where a base is looked for when none was asked for: (full ref name, name shown).
_DEFAULT_BRANCHES = (
    ("refs/remotes/origin/main", "origin/main"),
    ("refs/remotes/origin/master", "origin/master"),
    ("refs/heads/main", "main"),
    ("refs/heads/master", "master"),
)
# Said once when approvals are counted while the policy names no seniors (review.seniors
# is "*", its default): any person's approval counts, never one who brought the code in.
NO_SENIORS = (
    "the policy names no seniors, so anyone's approval counts except that of whoever "
    "brought the code in; name them under [review] seniors in .foureyes.toml"
)
_COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_HEAD_RELATIVE = re.compile(r"HEAD(?:[~^][0-9]*)*")
FETCH_HINT = (
    "fetch the base and its history first: in GitHub Actions, actions/checkout with "
    "fetch-depth: 0 (or: git fetch --no-tags origin "
    "+refs/heads/BRANCH:refs/remotes/origin/BRANCH, and git fetch --unshallow in a "
    "shallow clone); check never judges a change without its base"
)


@dataclass(frozen=True, slots=True)
class Base:
    """What changed files are compared against."""

    ref: str  # the name shown: as given or found ("origin/main", "HEAD~", a commit id)
    commit: str  # changed files are compared with it, and the policy is read from it
    how: str  # one sentence: how the base was chosen
    source: str = ""  # where the name was resolved ("refs/remotes/origin/main", "HEAD~")
    tip: str = ""  # the commit `source` names (`commit` may be its merge-base with HEAD)
    merge_base: str = ""  # of HEAD and `tip`: the head's ledger must keep its events

    @property
    def summary(self) -> str:
        """Where the base came from, for people: "refs/remotes/origin/main at 1a2b3c4"."""
        tip = self.tip or self.commit
        said = f"{self.source or self.ref} at {tip[:7]}"
        if self.commit != tip:
            said += f", whose merge-base with HEAD is {self.commit[:7]}"
        return f"{said} ({self.how})"


def resolve_base(repo: Repository, given: str | None) -> Base | None:
    """The commit to compare against, or None when there is none (a first commit).

    A base that was asked for, by `given` (--base) or by GITHUB_BASE_REF in a pull
    request, is resolved exactly (see `_resolve_name`) and its merge-base with HEAD
    must be computable; otherwise this raises UsageError saying to fetch the base:
    it never falls back to another commit, which would be the change's own. With
    neither, see `_default_base`.
    """
    if given is not None:
        label = f"--base {given}"
        source, tip, why = _resolve_name(repo, given, label, branch_only=False)
        merge_base = _merge_base(repo, source, tip)
        return Base(given, tip, f"{label}; {why}" if why else label, source, tip, merge_base)
    pull_request_base = os.environ.get("GITHUB_BASE_REF", "").strip()
    if pull_request_base:
        label = f"GITHUB_BASE_REF={pull_request_base}"
        source, tip, why = _resolve_name(repo, pull_request_base, label, branch_only=True)
        merge_base = _merge_base(repo, source, tip)
        shown = source.removeprefix("refs/remotes/").removeprefix("refs/heads/")
        how = f"the merge-base of HEAD with {label}" + (f"; {why}" if why else "")
        return Base(shown, merge_base, how, source, tip, merge_base)
    return _default_base(repo)


def _default_base(repo: Repository) -> Base | None:
    """The base when none was asked for: the merge-base of HEAD with the first of the
    current branch's upstream (unless that is the same branch on the remote),
    origin/HEAD, origin/main, origin/master, main, master that exists.

    A branch with no commits of its own yet (a fresh `ai-work` made from main) is
    judged by its own changes, none: the base is HEAD itself, so only what is not
    committed yet is checked. Only on the default branch itself (or a detached HEAD
    on it), or with no such branch, is the base HEAD~: the last commit is then the
    change. With no parent either, None: every file is checked.
    """
    head = _commit(repo, "HEAD")
    if head is None:
        return None
    branch = _current_branch(repo)
    for source, shown in _base_candidates(repo, branch):
        tip = _exact_refs(repo, [source]).get(source)
        if tip is None:
            continue
        try:
            merge_base = repo.git("merge-base", "HEAD", tip).strip()
        except EnvironmentProblem:
            continue  # unrelated histories, or a shallow clone without the base
        if not merge_base:
            continue
        if merge_base != head:
            how = f"the merge-base of HEAD with {shown}"
            return Base(shown, merge_base, how, source, tip, merge_base)
        if branch is not None and not _same_branch(source, branch):
            how = (
                f"the merge-base of HEAD with {shown} is HEAD: {branch} has no commits of "
                "its own yet, so only changes not yet committed are checked"
            )
            return Base(shown, head, how, source, tip, merge_base)
        break
    parent = _commit(repo, "HEAD~")
    if parent is not None:
        how = "HEAD~ (HEAD is on the default branch, or none was found)"
        return Base("HEAD~", parent, how, "HEAD~", parent, parent)
    return None


def _current_branch(repo: Repository) -> str | None:
    """The branch HEAD is on ("ai-work"), or None for a detached HEAD."""
    try:
        ref = repo.git("symbolic-ref", "-q", "HEAD").strip()
    except EnvironmentProblem:
        return None
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None


def _same_branch(source: str, branch: str) -> bool:
    """Whether the ref `source` is `branch` itself, here or as origin has it."""
    return source in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}")


def _base_candidates(repo: Repository, branch: str | None) -> list[tuple[str, str]]:
    """(full ref name, name shown) of each place a default base is looked for, in order."""
    found: list[tuple[str, str]] = []
    upstream = _upstream(repo, branch) if branch is not None else None
    if upstream is not None:
        found.append(upstream)
    found.extend(_default_branches(repo))
    return list(dict.fromkeys(found))


def _upstream(repo: Repository, branch: str) -> tuple[str, str] | None:
    """The branch's upstream (what `git checkout -b ai-work origin/main` sets), unless it
    is the same branch on the remote (what `git push -u` sets): that is where the
    branch goes, not what it started from."""
    try:
        listing = repo.git(
            "for-each-ref", "--format=%(upstream)%00%(upstream:remoteref)", f"refs/heads/{branch}"
        )
    except EnvironmentProblem:
        return None
    upstream, _, merged = listing.partition("\n")[0].partition("\0")
    if not upstream.startswith(("refs/remotes/", "refs/heads/")):
        return None
    if merged == f"refs/heads/{branch}" or upstream == f"refs/heads/{branch}":
        return None
    return upstream, upstream.removeprefix("refs/remotes/").removeprefix("refs/heads/")


def _resolve_name(
    repo: Repository, name: str, label: str, *, branch_only: bool
) -> tuple[str, str, str]:
    """(where `name` was found, its commit, why that place when it had a choice, or
    ""), looked up exactly: `git rev-parse` would prefer a tag, and whoever pushes to
    the repository can push one named like the base branch.

    A branch name NAME is refs/remotes/origin/NAME or refs/heads/NAME; origin/NAME
    is refs/remotes/origin/NAME; a full commit id is itself; refs/... is that ref;
    HEAD, HEAD~2 and the like are HEAD's. With `branch_only` (GITHUB_BASE_REF), the
    name is always a branch name. When origin's NAME and the local NAME differ and
    one is only behind or ahead of the other, origin's is used (see `_origin_copy`).
    A name that also exists as a tag, or under two of its places with commits that
    have diverged, is ambiguous: UsageError, as is a name found nowhere.
    """
    if not name or name.startswith("-") or any(c in name for c in "\0\n\r"):
        raise UsageError(f"{label}: not a ref name", "name a branch, a ref or a commit id")
    if not branch_only and _COMMIT_ID.fullmatch(name):
        commit = _commit(repo, name)
        if commit is None:
            raise UsageError(f"{label}: no such commit or ref (commit {name} is not here)",
                             FETCH_HINT)  # fmt: skip
        return f"commit {name[:10]}", commit, ""
    if not branch_only and _HEAD_RELATIVE.fullmatch(name):
        commit = _commit(repo, name)
        if commit is None:
            raise UsageError(f"{label}: no such commit or ref ({name} has no commit)",
                             FETCH_HINT)  # fmt: skip
        return name, commit, ""
    if not branch_only and name.startswith("refs/"):
        places, others = [name], []
    elif not branch_only and name.startswith("origin/"):
        places, others = [f"refs/remotes/{name}"], [f"refs/heads/{name}", f"refs/tags/{name}"]
    else:
        places, others = (
            [f"refs/remotes/origin/{name}", f"refs/heads/{name}"],
            [f"refs/tags/{name}"],
        )
    found = _exact_refs(repo, [*places, *others])
    tags = [ref for ref in found if ref.startswith("refs/tags/") and ref not in places]
    commits = {found[ref] for ref in found if ref not in tags}
    chosen = None if tags or len(commits) < 2 else _origin_copy(repo, name, found)
    if chosen is not None:
        return chosen
    if tags or len(commits) > 1:
        listed = ", ".join(f"{ref} ({commit[:7]})" for ref, commit in sorted(found.items()))
        raise UsageError(
            f"{label}: the name is ambiguous: {listed}",
            "name the base exactly (for example --base refs/remotes/origin/BRANCH or "
            "--base refs/heads/BRANCH), and delete the tag or branch that shadows it",
        )
    for ref in places:
        if ref in found:
            if _commit(repo, found[ref]) is None:
                raise UsageError(f"{label}: {ref} does not name a commit")
            return ref, found[ref], ""
    looked = " or ".join(places)
    raise UsageError(f"{label}: no such commit or ref (no {looked} in this clone)",
                     FETCH_HINT.replace("BRANCH", name.removeprefix("origin/")))  # fmt: skip


def _origin_copy(repo: Repository, name: str, found: dict[str, str]) -> tuple[str, str, str] | None:
    """When NAME is both origin's branch and a local branch, at commits where one is an
    ancestor of the other, origin's copy, and a sentence saying so. They are one branch,
    one copy not pulled or not pushed yet; origin's is what a change is merged into,
    and a local copy ahead of it cannot hide its own commits from the check (the
    base would be them). Copies that diverged stay ambiguous (None)."""
    remote, local = f"refs/remotes/origin/{name}", f"refs/heads/{name}"
    if set(found) != {remote, local}:
        return None
    if _is_ancestor(repo, found[local], found[remote]):
        lags = "behind"
    elif _is_ancestor(repo, found[remote], found[local]):
        lags = "ahead of"
    else:
        return None
    why = (
        f"local {name} ({found[local][:7]}) is {lags} origin/{name}, so origin/{name} is "
        f"used (--base refs/heads/{name} for the local one)"
    )
    return remote, found[remote], why


def _is_ancestor(repo: Repository, older: str, newer: str) -> bool:
    try:
        repo.git("merge-base", "--is-ancestor", older, newer)
    except EnvironmentProblem:
        return False  # not an ancestor (exit 1), or not known here
    return True


def _exact_refs(repo: Repository, names: list[str]) -> dict[str, str]:
    """The commits of those of `names` (full ref names) that exist exactly, peeled."""
    try:
        listing = repo.git("for-each-ref", "--format=%(refname)%00%(objectname)", *names)
    except EnvironmentProblem:
        return {}
    wanted = set(names)
    found: dict[str, str] = {}
    for line in listing.splitlines():
        ref, _, objectname = line.partition("\0")
        if ref in wanted:  # for-each-ref also lists refs below a name (refs/tags/main/x)
            commit = _commit(repo, objectname)  # a tag object is peeled to its commit
            found[ref] = commit or objectname  # not a commit: still there (for ambiguity)
    return found


def _merge_base(repo: Repository, source: str, tip: str) -> str:
    """The merge-base of HEAD with `tip`; UsageError when it cannot be computed."""
    if _commit(repo, "HEAD") is None:
        raise UsageError("HEAD has no commit: there is nothing to compare with the base")
    try:
        found = repo.git("merge-base", "HEAD", tip).strip()
    except EnvironmentProblem:
        found = ""
    if found:
        return found
    try:
        shallow = repo.git("rev-parse", "--is-shallow-repository").strip() == "true"
    except EnvironmentProblem:
        shallow = False
    why = (
        "this clone is shallow, so the history that joins them is missing"
        if shallow
        else "they have no common history here"
    )
    branch = source.removeprefix("refs/remotes/origin/").removeprefix("refs/heads/")
    raise UsageError(f"cannot compute the merge-base of HEAD with {source} ({tip[:7]}): {why}",
                     FETCH_HINT.replace("BRANCH", branch) if branch != source
                     else FETCH_HINT)  # fmt: skip


def _default_branches(repo: Repository) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    try:
        origin_head = repo.git("symbolic-ref", "-q", "refs/remotes/origin/HEAD").strip()
    except EnvironmentProblem:
        origin_head = ""
    if origin_head.startswith("refs/remotes/"):
        found.append((origin_head, origin_head.removeprefix("refs/remotes/")))
    found.extend(_DEFAULT_BRANCHES)
    return list(dict.fromkeys(found))


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
